//! The shared analytics vectors (`tests/fixtures/analytics_vectors.json`, computed
//! independently of either port) against `protocol::analytics`. The same file is read
//! by `convex/tests/functions/analyticsVectors.test.ts` against the TypeScript port,
//! so the crate that `server/` uses and `convex/functions/lib/analytics.ts` cannot
//! bucket one event differently without one of the two tests failing.

use protocol::analytics::{
    buckets_between, check_utc_offset, mean2, parse_date, round2, Granularity, LocalBuckets,
};
use protocol::time::parse_iso;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/analytics_vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("the shared vectors file");
    serde_json::from_str(&text).expect("the vectors are JSON")
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    let items = v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is a list"));
    assert!(!items.is_empty(), "{key} has vectors");
    items
}

fn number(v: &Value) -> f64 {
    match v.as_str() {
        Some("NaN") => f64::NAN,
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        _ => v.as_f64().expect("a number"),
    }
}

#[test]
fn instants_fall_in_the_listed_local_buckets() {
    let v = vectors();
    for case in list(&v, "instants") {
        let at = parse_iso(case["at"].as_str().unwrap()).unwrap();
        let offset = case["utcOffsetMin"].as_i64().unwrap() as i32;
        let b = LocalBuckets::at(at, offset);
        let got = (
            b.day.as_str(),
            b.week.as_str(),
            b.month.as_str(),
            b.slot,
            b.hour,
        );
        let want = (
            case["day"].as_str().unwrap(),
            case["week"].as_str().unwrap(),
            case["month"].as_str().unwrap(),
            case["slot"].as_u64().unwrap() as u32,
            case["hour"].as_u64().unwrap() as u32,
        );
        assert_eq!(got, want, "{case}");
        for g in Granularity::ALL {
            assert_eq!(b.bucket(g), case[g.as_str()].as_str().unwrap());
        }
    }
}

#[test]
fn offsets_are_taken_or_refused_as_listed() {
    let v = vectors();
    for case in list(&v, "offsets") {
        let got = check_utc_offset(number(&case["utcOffsetMin"]));
        match case["ok"].as_i64() {
            Some(want) => assert_eq!(got, Ok(want as i32), "{case}"),
            None => assert!(got.unwrap_err().0.contains("utcOffsetMin"), "{case}"),
        }
    }
}

#[test]
fn dates_are_taken_or_refused_as_listed() {
    let v = vectors();
    for case in list(&v, "dates") {
        let text = case["text"].as_str().unwrap();
        match parse_date("from", text) {
            Ok(date) => {
                assert!(case["ok"].as_bool().unwrap(), "{text} should be refused");
                assert_eq!(Granularity::Day.bucket_of(date), text);
            }
            Err(e) => {
                assert!(!case["ok"].as_bool().unwrap(), "{text}: {e}");
                assert!(e.0.starts_with("from must be a date"), "{text}: {e}");
            }
        }
    }
}

#[test]
fn ranges_give_the_listed_buckets_or_error() {
    let v = vectors();
    for case in list(&v, "ranges") {
        let (from, to) = (case["from"].as_str().unwrap(), case["to"].as_str().unwrap());
        let got = Granularity::parse(case["granularity"].as_str().unwrap())
            .and_then(|g| buckets_between(g, from, to));
        if let Some(error) = case["error"].as_str() {
            let e = got.expect_err(&case.to_string());
            assert!(e.0.contains(error), "{case}: {e}");
            continue;
        }
        let buckets = got.unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            buckets.len() as u64,
            case["count"].as_u64().unwrap(),
            "{case}"
        );
        assert_eq!(buckets.first().unwrap(), case["first"].as_str().unwrap());
        assert_eq!(buckets.last().unwrap(), case["last"].as_str().unwrap());
        if let Some(all) = case["buckets"].as_array() {
            let all: Vec<&str> = all.iter().map(|b| b.as_str().unwrap()).collect();
            assert_eq!(buckets, all, "{case}");
        }
    }
}

#[test]
fn round2_and_mean2_round_as_listed() {
    let v = vectors();
    for case in list(&v, "round2") {
        assert_eq!(
            round2(number(&case["x"])),
            number(&case["round2"]),
            "{case}"
        );
    }
    for case in list(&v, "mean2") {
        let got = mean2(number(&case["sum"]), number(&case["count"]));
        assert_eq!(got, case["mean2"].as_f64(), "{case}");
    }
}
