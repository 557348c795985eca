use super::*;
use crate::error::ErrorCode;
use crate::json_write::to_json;
use crate::wire::from_backend;
use serde_json::json;

fn range(granularity: &str, from: &str, to: &str) -> AnalyticsRangeArgs {
    AnalyticsRangeArgs {
        granularity: granularity.into(),
        from: from.into(),
        to: to.into(),
    }
}

#[test]
fn ranges_are_checked_with_the_protocol_rules_and_name_the_argument() {
    assert_eq!(
        check_range("getCallVolume", &range("week", "2024-01-01", "2024-03-31")),
        Ok(Granularity::Week)
    );
    for (args, names) in [
        (range("hour", "2024-01-01", "2024-01-02"), "granularity"),
        (range("day", "2024-02-30", "2024-03-01"), "from"),
        (range("day", "2024-01-01", "24-1-2"), "to"),
        (range("day", "2024-01-02", "2024-01-01"), "after"),
        (range("day", "2024-01-01", "2025-01-01"), "366"),
        (range("month", "1969-12-01", "1970-01-01"), "from"),
    ] {
        let err = check_range("getCallVolume", &args).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{args:?}");
        assert!(err.message.contains(names), "{args:?}: {}", err.message);
        assert!(
            err.message.starts_with("getCallVolume: "),
            "{}",
            err.message
        );
    }
}

#[test]
fn leaderboard_limit_is_whole_at_least_one_and_clamped() {
    let limit = |n| leaderboard_limit(&LeaderboardArgs { limit: n });
    assert_eq!(limit(None), Ok(None));
    assert_eq!(limit(Some(3.0)), Ok(Some(3)));
    assert_eq!(limit(Some(1e9)), Ok(Some(100)));
    for bad in [0.0, -2.0, 1.5, f64::NAN, f64::INFINITY] {
        let err = limit(Some(bad)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument, "{bad}");
        assert!(err.message.contains("limit"), "{}", err.message);
    }
}

#[test]
fn answers_are_bounded_and_the_newest_per_key_wins() {
    let mut a = Answers::default();
    for i in 0..MAX_ANSWERS + 5 {
        a.keep(format!("k{i}"), json!(i));
    }
    assert_eq!(a.len(), MAX_ANSWERS);
    assert!(a.get("k0").is_none(), "the oldest went first");
    a.keep("k10".into(), json!("again"));
    assert_eq!(a.get("k10"), Some(&json!("again")));
    assert_eq!(a.len(), MAX_ANSWERS);
}

/// Each reply type reads what its derive reads and writes what its derive writes.
#[test]
fn replies_read_and_write_like_their_derives() {
    let volume =
        json!({"bucket": "2024-01-15", "calls": 3, "completedSessions": 2, "failedSessions": 1});
    let v: VolumeBucket = from_backend(volume.clone()).unwrap();
    assert_eq!(v, serde_json::from_value(volume).unwrap());
    assert_eq!(to_json(&v), serde_json::to_string(&v).unwrap());

    for avg in [json!(null), json!(125)] {
        let trend = json!({"bucket": "2024-01", "completedSessions": 2, "timedCalls": 1, "averageDuration": avg});
        let d: DurationBucket = from_backend(trend.clone()).unwrap();
        assert_eq!(d, serde_json::from_value(trend).unwrap());
        assert_eq!(to_json(&d), serde_json::to_string(&d).unwrap());
    }

    let row = json!({"supportWorkerId": "w1", "supportWorkerName": "Dr. Ng", "totalSessions": 4,
        "completedSessions": 3, "completionRate": 0.75, "averageDuration": 61, "averageRating": 4.5,
        "ratedSessions": 2, "issuesPerCall": 0.25, "averageRttMs": null, "averagePacketLossPct": 0.13});
    let l: LeaderboardEntry = from_backend(row.clone()).unwrap();
    assert_eq!(l, serde_json::from_value(row).unwrap());
    assert_eq!(to_json(&l), serde_json::to_string(&l).unwrap());
    assert!(from_backend::<LeaderboardEntry>(json!({"supportWorkerId": "w1"})).is_err());
}

#[test]
fn hour_grids_must_have_their_shape() {
    let grid = json!(vec![vec![0; 24]; 7]);
    let hours = read_peak_hours(grid).unwrap();
    assert_eq!((hours.len(), hours[6].len()), (7, 24));
    assert_eq!(to_json(&hours), serde_json::to_string(&hours).unwrap());
    assert!(read_peak_hours(json!(vec![vec![0; 24]; 6])).is_err());
    assert!(read_peak_hours(json!(vec![vec![0; 23]; 7])).is_err());
    assert!(read_peak_hours(json!({"0": []})).is_err());
    assert_eq!(
        read_issues_by_hour(json!(vec![1; 24])).unwrap(),
        vec![1.0; 24]
    );
    assert!(read_issues_by_hour(json!(vec!["1"; 24])).is_err());
    assert!(read_issues_by_hour(json!(vec![1; 25])).is_err());
}
