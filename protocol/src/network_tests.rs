use super::*;
use serde_json::json;

fn fold(metric: Metric, samples: &[f64]) -> Summary {
    let mut s = Summary::of(metric, samples[0]);
    for x in &samples[1..] {
        s.merge(&Summary::of(metric, *x));
    }
    s
}

#[test]
fn bounds_rise_and_every_value_has_one_bucket() {
    for m in Metric::ALL {
        let b = m.bounds();
        assert!(b.windows(2).all(|w| w[0] < w[1]), "{m:?}");
        assert!(b[BUCKETS - 2] < m.ceiling(), "{m:?}");
        assert_eq!(m.bucket(0.0), 0);
        assert_eq!(m.bucket(b[0]), 0, "a bound belongs to its own bucket");
        assert_eq!(m.bucket(m.ceiling()), BUCKETS - 1);
        assert_eq!(Metric::from_name(m.name()), Some(m));
    }
    assert_eq!(Metric::RttMs.bucket(150.0), 3);
    assert_eq!(Metric::RttMs.bucket(150.5), 4);
}

#[test]
fn a_fold_is_the_same_however_it_is_split() {
    let samples: Vec<f64> = (0..500).map(|i| ((i * 37) % 400) as f64 + 0.25).collect();
    let whole = fold(Metric::RttMs, &samples);
    let mut parts = fold(Metric::RttMs, &samples[..123]);
    parts.merge(&fold(Metric::RttMs, &samples[123..400]));
    parts.merge(&fold(Metric::RttMs, &samples[400..]));
    assert_eq!(parts.count, whole.count);
    assert_eq!(parts.buckets, whole.buckets);
    assert_eq!((parts.min, parts.max), (whole.min, whole.max));
    assert!((parts.sum - whole.sum).abs() < 1e-6);
    assert_eq!(parts.p95(Metric::RttMs), whole.p95(Metric::RttMs));
    assert!(whole.check(Metric::RttMs).is_ok());
}

#[test]
fn p95_is_the_bound_of_the_bucket_of_rank_and_never_above_max() {
    // 100 samples: 95 at 40 ms (bucket ≤ 50), 5 at 900 ms (bucket ≤ 1000).
    let mut samples = vec![40.0; 95];
    samples.extend([900.0; 5]);
    let s = fold(Metric::RttMs, &samples);
    assert_eq!(s.p95(Metric::RttMs), 50.0);
    // One more slow sample moves rank 96 (⌈0.95·101⌉ = 96) into the slow bucket,
    // whose bound (1000) is above the real max: the max is reported.
    let mut more = s.clone();
    more.merge(&Summary::of(Metric::RttMs, 900.0));
    assert_eq!(more.p95(Metric::RttMs), 900.0);
    assert_eq!(Summary::of(Metric::RttMs, 7.0).p95(Metric::RttMs), 7.0);
    // The open last bucket reports the max.
    assert_eq!(
        fold(Metric::RttMs, &[5000.0, 9000.0]).p95(Metric::RttMs),
        9000.0
    );
    assert_eq!(s.mean(), (95.0 * 40.0 + 5.0 * 900.0) / 100.0);
}

#[test]
fn samples_and_summaries_read_from_args() {
    let s = Summary::from_arg(Metric::PacketLossPct, &json!(1.5)).unwrap();
    assert_eq!(s, Summary::of(Metric::PacketLossPct, 1.5));
    let folded = fold(Metric::JitterMs, &[3.0, 12.0, 12.0]);
    let back = Summary::from_arg(Metric::JitterMs, &folded.to_value()).unwrap();
    assert_eq!(back, folded);
    let kept = folded.to_session_value(Metric::JitterMs);
    assert_eq!(kept["mean"], json!(9));
    assert_eq!(kept["p95"], json!(12));
    assert_eq!(Summary::from_arg(Metric::JitterMs, &kept).unwrap(), folded);
    assert_eq!(
        serde_json::to_string(&folded.to_value()).unwrap(),
        r#"{"buckets":[1,0,2,0,0,0,0,0,0,0],"count":3,"max":12,"min":3,"sum":27}"#
    );
}

// One case per line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
#[test]
fn bad_samples_and_summaries_are_refused_with_a_reason() {
    let good = fold(Metric::RttMs, &[30.0, 60.0]).to_value();
    let with = |k: &str, v: Value| { let mut g = good.clone(); g[k] = v; g };
    let cases = [
        (json!(-1), "must not be negative"),
        (json!(60_001), "is above the metric's ceiling"),
        (json!("40"), "must be a number (a sample) or a summary object"),
        (json!(null), "must be a number (a sample) or a summary object"),
        (with("count", json!(0)), "count must be a whole number from 1"),
        (with("count", json!(2.5)), "count and buckets must be whole numbers"),
        (with("count", json!(3)), "buckets must add up to count"),
        (with("buckets", json!([1, 1])), "buckets must be an array of 10 whole numbers"),
        (with("buckets", json!([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])), "min and max must lie in the first and last non-empty buckets"),
        (with("min", json!(70)), "min must not exceed max"),
        (with("sum", json!(200)), "sum must lie between count·min and count·max"),
        (with("sum", json!(10)), "sum must lie between count·min and count·max"),
        (with("max", json!(1e9)), "is above the metric's ceiling"),
        (with("extra", json!(1)), "summary has a field other than count, min, max, sum, buckets"),
        (json!({"count": 1}), "buckets must be an array of 10 whole numbers"),
    ];
    for (arg, want) in cases {
        assert_eq!(Summary::from_arg(Metric::RttMs, &arg), Err(want), "{arg}");
    }
}

#[test]
fn a_report_needs_a_metric_and_merges_per_metric() {
    let args = json!({"rttMs": 80, "packetLossPct": 0.5, "sessionId": "k"});
    let mut stats = NetworkStats::from_args(args.as_object().unwrap()).unwrap();
    assert!(stats.get(Metric::JitterMs).is_none());
    stats.merge(&NetworkStats::from_args(json!({"rttMs": 120}).as_object().unwrap()).unwrap());
    assert_eq!(stats.get(Metric::RttMs).unwrap().count, 2);
    assert_eq!(stats.get(Metric::PacketLossPct).unwrap().count, 1);
    let kept = stats.to_session_value();
    assert_eq!(kept["rttMs"]["mean"], json!(100));
    assert_eq!(NetworkStats::from_session_value(&kept).unwrap(), stats);
    assert_eq!(
        NetworkStats::from_args(json!({"sessionId": "k"}).as_object().unwrap()),
        Err((
            "args",
            "a report needs at least one of rttMs, jitterMs, packetLossPct, bitrateKbps"
        ))
    );
    assert_eq!(
        NetworkStats::from_args(json!({"rttMs": -5}).as_object().unwrap()),
        Err(("rttMs", "must not be negative"))
    );
    assert!(NetworkStats::from_session_value(&json!({"latency": {}})).is_err());
}
