use super::*;
use serde_json::json;

fn read(kind: OpKind, args: Value) -> Result<OpArgs, ArgsMismatch> {
    OpArgs::from_value(kind, args)
}

/// Every kind's args as the SDK wrote them before ops were typed: keys in byte order.
fn written() -> Vec<(OpKind, &'static str)> {
    vec![
        (
            OpKind::StartSession,
            r#"{"appointmentId":"a1","audioOption":"wifi","clientSessionId":"c","metadata":{"deep":{"n":[]},"room":"A"},"supportWorkerId":"w","supportWorkerName":"Dr. Who 😀"}"#,
        ),
        (
            OpKind::StartSession,
            r#"{"clientSessionId":"c","metadata":null,"supportWorkerName":"W"}"#,
        ),
        (OpKind::MarkConnected, r#"{"clientSessionId":"c"}"#),
        (OpKind::MarkConnected, r#"{"sessionId":"k1"}"#),
        (
            OpKind::UpdateSessionSettings,
            r#"{"audioOption":"bluetooth","cameraEnabled":false,"clientSessionId":"c","micEnabled":true}"#,
        ),
        (OpKind::UpdateSessionSettings, r#"{"sessionId":"k1"}"#),
        (
            OpKind::ReportQualityIssue,
            r#"{"clientSessionId":"c","issue":"Audio choppy"}"#,
        ),
        // Written since analytics: the device's UTC offset at event time.
        (
            OpKind::StartSession,
            r#"{"clientSessionId":"c","supportWorkerName":"W","utcOffsetMin":-300}"#,
        ),
        (
            OpKind::ReportQualityIssue,
            r#"{"clientSessionId":"c","issue":"Echo","utcOffsetMin":345}"#,
        ),
        (
            OpKind::EndSession,
            r#"{"clientSessionId":"c","endReason":"user_ended"}"#,
        ),
        (OpKind::EndSession, r#"{"sessionId":"k1"}"#),
        (
            OpKind::MarkFailed,
            r#"{"clientSessionId":"c","reason":"ICE failed"}"#,
        ),
        (OpKind::MarkFailed, r#"{"clientSessionId":"c"}"#),
        (OpKind::MarkReconnecting, r#"{"clientSessionId":"c"}"#),
        (OpKind::MarkReconnected, r#"{"sessionId":"k1"}"#),
        (
            OpKind::MarkScreenShare,
            r#"{"active":true,"clientSessionId":"c"}"#,
        ),
        (
            OpKind::RateSession,
            r#"{"clientSessionId":"c","comment":"Clear audio 👍","rating":5}"#,
        ),
        (OpKind::RateSession, r#"{"rating":1,"sessionId":"k1"}"#),
        (
            OpKind::ReportNetworkStats,
            r#"{"bitrateKbps":{"buckets":[0,0,0,0,1,0,0,0,0,0],"count":1,"max":1200,"min":1200,"sum":1200},"clientSessionId":"c","rttMs":{"buckets":[0,1,1,0,0,0,0,0,0,0],"count":2,"max":80,"min":40,"sum":120}}"#,
        ),
        (
            OpKind::ReportNetworkStats,
            r#"{"jitterMs":{"buckets":[0,0,0,0,0,0,0,0,0,3],"count":3,"max":900.5,"min":600.25,"sum":2200.75},"packetLossPct":{"buckets":[4,0,0,0,0,0,0,0,0,0],"count":4,"max":0,"min":0,"sum":0},"sessionId":"k1"}"#,
        ),
    ]
}

#[test]
fn the_field_names_are_in_byte_order_and_indexed_by_field() {
    assert!(FIELDS.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(Field::AppointmentId.name(), "appointmentId");
    assert_eq!(Field::SupportWorkerName.to_string(), "supportWorkerName");
}

#[test]
fn args_read_typed_and_write_back_the_same_bytes() {
    for (kind, text) in written() {
        let value: Value = serde_json::from_str(text).unwrap();
        let args = read(kind, value.clone()).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(args.op.kind(), kind);
        assert_eq!(args.to_value(), value);
        assert_eq!(serde_json::to_string(&args.to_value()).unwrap(), text);
    }
}

#[test]
fn typed_fields_land_where_they_belong() {
    let args = read(
        OpKind::StartSession,
        json!({"clientSessionId": "c", "supportWorkerName": "W", "metadata": [1, {"a": null}]}),
    )
    .unwrap();
    assert_eq!(args.session, SessionRef::Client("c".into()));
    assert_eq!(
        args.op,
        Op::StartSession(StartSession {
            support_worker_name: "W".into(),
            metadata: Some(json!([1, {"a": null}])),
            ..Default::default()
        })
    );
    let args = read(
        OpKind::ReportQualityIssue,
        json!({"clientSessionId": "c", "issue": "Echo", "utcOffsetMin": -840}),
    )
    .unwrap();
    assert_eq!(
        args.op,
        Op::ReportQualityIssue {
            issue: "Echo".into(),
            utc_offset_min: Some(-840),
        }
    );
    let args = read(OpKind::EndSession, json!({"sessionId": "k1"})).unwrap();
    assert_eq!(args.session.name(), "k1");
    assert_eq!(args.session, SessionRef::Id("k1".into()));
    assert_eq!(args.op, Op::EndSession { end_reason: None });
    assert_eq!(args.op.transition(), Some(Transition::End));
}

// One case per line: the table reads better than rustfmt's layout of it.
#[rustfmt::skip]
#[test]
fn args_that_do_not_fit_their_kind_are_typed_errors() {
    use OpKind::*;
    use Problem::*;
    let m = |kind, field: &str, problem| ArgsMismatch { kind, field: field.into(), problem };
    let cases = [
        (MarkConnected, json!({"clientSessionId": "c", "issue": "x"}), m(MarkConnected, "issue", Unexpected)),
        (StartSession, json!({"clientSessionId": "c", "supportWorkerName": "W", "cameraEnabled": true}), m(StartSession, "cameraEnabled", Unexpected)),
        (UpdateSessionSettings, json!({"clientSessionId": "c", "metadata": {}}), m(UpdateSessionSettings, "metadata", Unexpected)),
        (EndSession, json!({"clientSessionId": "c", "reason": "r"}), m(EndSession, "reason", Unexpected)),
        (MarkFailed, json!({"clientSessionId": "c", "endReason": "r"}), m(MarkFailed, "endReason", Unexpected)),
        (MarkConnected, json!({"clientSessionId": "c", "dance": 1}), m(MarkConnected, "dance", Unexpected)),
        (StartSession, json!({"clientSessionId": "c"}), m(StartSession, "supportWorkerName", Missing)),
        (ReportQualityIssue, json!({"clientSessionId": "c"}), m(ReportQualityIssue, "issue", Missing)),
        (ReportQualityIssue, json!({"clientSessionId": "c", "issue": null}), m(ReportQualityIssue, "issue", WrongType)),
        (UpdateSessionSettings, json!({"clientSessionId": "c", "cameraEnabled": "yes"}), m(UpdateSessionSettings, "cameraEnabled", WrongType)),
        (MarkConnected, json!({"clientSessionId": 7}), m(MarkConnected, "clientSessionId", WrongType)),
        (MarkConnected, json!({}), m(MarkConnected, "session", Session)),
        (MarkConnected, json!({"clientSessionId": "c", "sessionId": "k"}), m(MarkConnected, "session", Session)),
        (StartSession, json!({"sessionId": "k", "supportWorkerName": "W"}), m(StartSession, "session", Session)),
        (ReportQualityIssue, json!("issue=x"), m(ReportQualityIssue, "args", NotObject)),
        (MarkScreenShare, json!({"clientSessionId": "c"}), m(MarkScreenShare, "active", Missing)),
        (MarkScreenShare, json!({"clientSessionId": "c", "active": 1}), m(MarkScreenShare, "active", WrongType)),
        (RateSession, json!({"clientSessionId": "c"}), m(RateSession, "rating", Missing)),
        (RateSession, json!({"clientSessionId": "c", "rating": 4.5}), m(RateSession, "rating", WrongType)),
        (RateSession, json!({"clientSessionId": "c", "rating": "5"}), m(RateSession, "rating", WrongType)),
        (RateSession, json!({"clientSessionId": "c", "rating": 5, "comment": 5}), m(RateSession, "comment", WrongType)),
        (MarkReconnected, json!({"clientSessionId": "c", "active": true}), m(MarkReconnected, "active", Unexpected)),
        (ReportNetworkStats, json!({"clientSessionId": "c"}), m(ReportNetworkStats, "args", Missing)),
        (ReportNetworkStats, json!({"clientSessionId": "c", "rttMs": -1}), m(ReportNetworkStats, "rttMs", WrongType)),
        (ReportNetworkStats, json!({"clientSessionId": "c", "rttMs": 5, "packetLossPct": 100.5}), m(ReportNetworkStats, "packetLossPct", WrongType)),
        (ReportNetworkStats, json!({"clientSessionId": "c", "jitterMs": "5"}), m(ReportNetworkStats, "jitterMs", WrongType)),
        (ReportNetworkStats, json!({"clientSessionId": "c", "bitrateKbps": {"count": 2, "min": 90, "max": 90, "sum": 180, "buckets": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]}}), m(ReportNetworkStats, "bitrateKbps", WrongType)),
        (ReportNetworkStats, json!({"clientSessionId": "c", "rttMs": 5, "issue": "x"}), m(ReportNetworkStats, "issue", Unexpected)),
        (ReportNetworkStats, json!({"rttMs": 5}), m(ReportNetworkStats, "session", Session)),
        (StartSession, json!({"clientSessionId": "c", "supportWorkerName": "W", "utcOffsetMin": "60"}), m(StartSession, "utcOffsetMin", WrongType)),
        (StartSession, json!({"clientSessionId": "c", "supportWorkerName": "W", "utcOffsetMin": 60.5}), m(StartSession, "utcOffsetMin", WrongType)),
        (ReportQualityIssue, json!({"clientSessionId": "c", "issue": "x", "utcOffsetMin": 4_294_967_296_i64}), m(ReportQualityIssue, "utcOffsetMin", WrongType)),
        (EndSession, json!({"clientSessionId": "c", "utcOffsetMin": 0}), m(EndSession, "utcOffsetMin", Unexpected)),
        (ReportNetworkStats, json!({"clientSessionId": "c", "rttMs": 5, "utcOffsetMin": 0}), m(ReportNetworkStats, "utcOffsetMin", Unexpected)),
    ];
    for (kind, args, want) in cases {
        assert_eq!(read(kind, args.clone()), Err(want.clone()), "{kind} {args}");
        assert!(want.to_string().starts_with(&format!("{kind} args: `")), "{want}");
    }
}

#[test]
fn newer_settings_win_field_by_field() {
    let older = Settings {
        camera_enabled: Some(false),
        mic_enabled: Some(true),
        audio_option: Some("wifi".into()),
    };
    let newer = Settings {
        camera_enabled: Some(true),
        ..Default::default()
    };
    assert_eq!(
        older.merged(newer),
        Settings {
            camera_enabled: Some(true),
            mic_enabled: Some(true),
            audio_option: Some("wifi".into()),
        }
    );
}

#[test]
fn network_reports_read_samples_and_summaries_and_write_summaries() {
    use crate::network::{Metric, NetworkStats, Summary};
    let args = read(
        OpKind::ReportNetworkStats,
        json!({"clientSessionId": "c", "rttMs": 80, "packetLossPct": 0.5}),
    )
    .unwrap();
    let mut want = NetworkStats::default();
    want.add(Metric::RttMs, &Summary::of(Metric::RttMs, 80.0));
    want.add(
        Metric::PacketLossPct,
        &Summary::of(Metric::PacketLossPct, 0.5),
    );
    assert_eq!(args.op, Op::ReportNetworkStats(Box::new(want.clone())));
    assert_eq!(args.op.transition(), Some(Transition::Touch));
    assert!(!args.op.kind().is_lifecycle());
    assert_eq!(
        serde_json::to_string(&args.to_value()).unwrap(),
        r#"{"clientSessionId":"c","packetLossPct":{"buckets":[0,1,0,0,0,0,0,0,0,0],"count":1,"max":0.5,"min":0.5,"sum":0.5},"rttMs":{"buckets":[0,0,1,0,0,0,0,0,0,0],"count":1,"max":80,"min":80,"sum":80}}"#
    );
    // A session's value (with mean and p95) reads back as the same report.
    let mut from_session = serde_json::Map::new();
    from_session.insert("clientSessionId".into(), json!("c"));
    if let Value::Object(network) = want.to_session_value() {
        from_session.extend(network);
    }
    let again = read(OpKind::ReportNetworkStats, Value::Object(from_session)).unwrap();
    assert_eq!(again.op, Op::ReportNetworkStats(Box::new(want)));
}

#[test]
fn each_metric_has_its_field() {
    use crate::network::Metric;
    for m in Metric::ALL {
        assert_eq!(Field::of_metric(m).name(), m.name());
    }
}
