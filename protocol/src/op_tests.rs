use super::*;
use serde_json::json;

fn read(kind: OpKind, args: Value) -> Result<OpArgs, ArgsMismatch> {
    let raw: RawArgs = serde_json::from_value(args).expect("args of known fields");
    OpArgs::from_raw(kind, raw)
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
            r#"{"clientSessionId":"c","supportWorkerName":"W"}"#,
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
    ]
}

#[test]
fn args_read_typed_and_write_back_the_same_bytes() {
    for (kind, text) in written() {
        let raw: RawArgs = serde_json::from_str(text).unwrap();
        let args = OpArgs::from_raw(kind, raw).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(args.op.kind(), kind);
        assert_eq!(serde_json::to_string(&args.to_raw()).unwrap(), text);
        assert_eq!(
            args.to_value(),
            serde_json::from_str::<Value>(text).unwrap()
        );
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
    let args = read(OpKind::EndSession, json!({"sessionId": "k1"})).unwrap();
    assert_eq!(args.session.name(), "k1");
    assert_eq!(args.session, SessionRef::Id("k1".into()));
    assert_eq!(args.op, Op::EndSession { end_reason: None });
    assert_eq!(args.op.transition(), Some(Transition::End));
}

#[test]
fn args_that_do_not_fit_their_kind_are_typed_errors() {
    use ArgsMismatch::*;
    let cases = [
        (
            OpKind::MarkConnected,
            json!({"clientSessionId": "c", "issue": "x"}),
            Unexpected {
                kind: OpKind::MarkConnected,
                field: "issue",
            },
        ),
        (
            OpKind::StartSession,
            json!({"clientSessionId": "c", "supportWorkerName": "W", "cameraEnabled": true}),
            Unexpected {
                kind: OpKind::StartSession,
                field: "cameraEnabled",
            },
        ),
        (
            OpKind::UpdateSessionSettings,
            json!({"clientSessionId": "c", "metadata": {}}),
            Unexpected {
                kind: OpKind::UpdateSessionSettings,
                field: "metadata",
            },
        ),
        (
            OpKind::EndSession,
            json!({"clientSessionId": "c", "reason": "r"}),
            Unexpected {
                kind: OpKind::EndSession,
                field: "reason",
            },
        ),
        (
            OpKind::MarkFailed,
            json!({"clientSessionId": "c", "endReason": "r"}),
            Unexpected {
                kind: OpKind::MarkFailed,
                field: "endReason",
            },
        ),
        (
            OpKind::StartSession,
            json!({"clientSessionId": "c"}),
            Missing {
                kind: OpKind::StartSession,
                field: "supportWorkerName",
            },
        ),
        (
            OpKind::ReportQualityIssue,
            json!({"clientSessionId": "c"}),
            Missing {
                kind: OpKind::ReportQualityIssue,
                field: "issue",
            },
        ),
        (
            OpKind::MarkConnected,
            json!({}),
            Session {
                kind: OpKind::MarkConnected,
            },
        ),
        (
            OpKind::MarkConnected,
            json!({"clientSessionId": "c", "sessionId": "k"}),
            Session {
                kind: OpKind::MarkConnected,
            },
        ),
        (
            OpKind::StartSession,
            json!({"sessionId": "k", "supportWorkerName": "W"}),
            Session {
                kind: OpKind::StartSession,
            },
        ),
    ];
    for (kind, args, want) in cases {
        assert_eq!(read(kind, args.clone()), Err(want.clone()), "{kind} {args}");
        assert!(!want.to_string().is_empty());
    }
}

#[test]
fn unknown_fields_and_wrong_types_do_not_read() {
    for bad in [
        json!({"clientSessionId": "c", "dance": 1}),
        json!({"clientSessionId": "c", "cameraEnabled": "yes"}),
        json!({"clientSessionId": 7}),
        json!("issue=x"),
    ] {
        assert!(
            serde_json::from_value::<RawArgs>(bad.clone()).is_err(),
            "{bad}"
        );
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
