//! Records already in users' storage must keep loading and delivering across
//! refactors of the record and wire types: a user who upgrades with calls still
//! queued must not lose them to quarantine or to a batch the backend refuses.
//!
//! `tests/fixtures/storage-before-protocol.json` is a whole storage snapshot written by
//! the release before the `protocol` crate (commit bf87a9d): every op kind, metadata,
//! a non-BMP name, and the retry bookkeeping of one failed attempt (HTTP 503). It was
//! made once with that build and is never regenerated; a new shape gets a new fixture.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Map, Value};
use support::*;
use video_session_sdk::record::OpRecord;
use video_session_sdk::{DeliveryStep, EndSessionArgs, MemoryStorage, SettingsArgs};

fn stored() -> Map<String, Value> {
    let text = include_str!("fixtures/storage-before-protocol.json");
    serde_json::from_str(text).expect("the fixture is a JSON object of key → stored text")
}

fn disk_from_fixture() -> MemoryStorage {
    let disk = MemoryStorage::new();
    for (key, value) in stored() {
        disk.set_now(&key, value.as_str().expect("stored values are text"))
            .expect("memory storage without a quota");
    }
    disk
}

#[test]
fn records_from_the_release_before_load_and_deliver_unchanged() {
    let (disk, t, env) = (
        disk_from_fixture(),
        ScriptedTransport::new(),
        FakeEnv::new(7),
    );
    // After the stored `nextAttemptAt`, so the records are due.
    env.set(1_705_315_700_000.0);
    let c = open(disk.clone(), &t, &env);
    assert_eq!(c.pending_count(), 9, "every stored record loads");
    assert!(
        disk.dump().iter().all(|(k, _)| !k.contains("quarantine")),
        "nothing is quarantined"
    );

    assert_eq!(
        block_on(c.deliver_due()),
        DeliveryStep::Sent {
            applied: 9,
            rejected: 0
        }
    );
    assert_eq!(c.pending_count(), 0);
    assert!(ops_on_disk(&disk).is_empty());

    // Each op goes out exactly as it was stored: same id, kind, event time, args and
    // instance numbering.
    let sent = t.script.borrow().requests[0]["ops"].clone();
    let records: Vec<Value> = stored()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
        .map(|(_, v)| serde_json::from_str(v.as_str().unwrap()).unwrap())
        .collect();
    let expected: Vec<Value> = records
        .iter()
        .map(|r| {
            json!({"opId": r["opId"], "kind": r["kind"], "occurredAt": r["occurredAt"],
                   "args": r["args"], "clientId": r["clientId"], "seq": r["seq"]})
        })
        .collect();
    assert_eq!(sent, Value::Array(expected));

    let o = t.oracle.borrow();
    let kinds: Vec<&str> = o.applied.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "startSession",
            "markConnected",
            "updateSessionSettings",
            "reportQualityIssue",
            "endSession",
            "startSession",
            "updateSessionSettings",
            "markFailed",
            "startSession",
        ]
    );
    let ended = &o.sessions[0];
    assert_eq!(
        (ended.status.as_str(), ended.duration),
        ("ended", Some(915.0))
    );
    assert_eq!(ended.joined_at, "2024-01-15T10:30:00.000Z");
    let failed = &o.sessions[1];
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.end_reason.as_deref(), Some("ICE failed"));
    assert_eq!(failed.audio.as_deref(), Some("bluetooth"));
    assert!(!failed.mic);
    let open_call = &o.sessions[2];
    assert_eq!(
        (open_call.status.as_str(), open_call.worker_name.as_str()),
        ("connecting", "Dr. Who 😀")
    );
}

#[test]
fn a_stored_record_with_an_unknown_kind_is_quarantined_not_sent() {
    let disk = disk_from_fixture();
    let key = "vss:op:1705315537000-tab1-000000";
    let tampered = disk
        .get_now(key)
        .unwrap()
        .replace("\"startSession\"", "\"dance\"");
    disk.set_now(key, &tampered).unwrap();
    let (t, env) = (ScriptedTransport::new(), FakeEnv::new(7));
    env.set(1_705_315_700_000.0);
    let c = open(disk.clone(), &t, &env);
    assert_eq!(c.pending_count(), 8);
    assert_eq!(
        block_on(c.deliver_due()),
        DeliveryStep::Sent {
            applied: 8,
            rejected: 0
        }
    );
}

#[test]
fn every_stored_record_reads_typed_and_writes_back_byte_for_byte() {
    // A record is written again on every retry; the text must stay what the release
    // before typed ops wrote, so either release can read the other's records.
    for (key, value) in stored()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
    {
        let text = value.as_str().unwrap();
        let rec = OpRecord::parse(text).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(rec.to_json(), text, "{key}");
    }
}

#[test]
fn the_batch_carries_each_stored_args_text_unchanged() {
    let (disk, t, env) = (
        disk_from_fixture(),
        ScriptedTransport::new(),
        FakeEnv::new(7),
    );
    env.set(1_705_315_700_000.0);
    let c = open(disk, &t, &env);
    block_on(c.deliver_due());
    let body = t.script.borrow().requests[0].to_string();
    for (_, value) in stored()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
    {
        let rec: Value = serde_json::from_str(value.as_str().unwrap()).unwrap();
        let args = rec["args"].to_string();
        assert!(body.contains(&args), "{args} not in {body}");
    }
}

/// A record in the release before typed ops' exact format whose session is named by
/// the backend's `_id` (a session created elsewhere): the args carry `sessionId`,
/// keys in byte order, as serde_json's map wrote them.
fn by_server_id(seq: u32, kind: &str, args: &str) -> String {
    format!(
        "{{\"opId\":\"srv-{seq}\",\"kind\":\"{kind}\",\"clientSessionId\":\"k9\",\
         \"args\":{args},\"occurredAt\":\"2024-01-15T10:3{seq}:00.000Z\",\
         \"userId\":\"user123\",\"attempts\":0}}"
    )
}

fn server_id_records() -> Vec<String> {
    vec![
        by_server_id(1, "markConnected", r#"{"sessionId":"k9"}"#),
        by_server_id(
            2,
            "updateSessionSettings",
            r#"{"audioOption":"wifi","cameraEnabled":false,"micEnabled":true,"sessionId":"k9"}"#,
        ),
        by_server_id(
            3,
            "reportQualityIssue",
            r#"{"issue":"echo","sessionId":"k9"}"#,
        ),
        by_server_id(
            4,
            "endSession",
            r#"{"endReason":"user_ended","sessionId":"k9"}"#,
        ),
    ]
}

/// The backend has session `k9`, made without this SDK (no clientSessionId).
fn backend_with_k9(t: &ScriptedTransport) {
    t.oracle
        .borrow_mut()
        .sessions
        .push(support::oracle::OSession {
            id: "k9".into(),
            user_id: "user123".into(),
            worker_name: "Elsewhere".into(),
            status: "connecting".into(),
            joined_at: "2024-01-15T10:30:00.000Z".into(),
            updated_at: "2024-01-15T10:30:00.000Z".into(),
            camera: true,
            mic: true,
            creation_time: 1.0,
            ..Default::default()
        });
}

#[test]
fn records_naming_a_session_by_its_backend_id_load_and_deliver_unchanged() {
    let disk = MemoryStorage::new();
    for (i, text) in server_id_records().iter().enumerate() {
        assert_eq!(OpRecord::parse(text).unwrap().to_json(), *text);
        disk.set_now(&format!("vss:op:170531460{i}000-tab1-000000"), text)
            .unwrap();
    }
    let (t, env) = (ScriptedTransport::new(), FakeEnv::new(7));
    backend_with_k9(&t);
    env.set(1_705_315_700_000.0);
    let c = open(disk, &t, &env);
    assert_eq!(c.pending_count(), 4);
    assert_eq!(
        block_on(c.deliver_due()),
        DeliveryStep::Sent {
            applied: 4,
            rejected: 0
        }
    );
    let body = t.script.borrow().requests[0].to_string();
    for text in server_id_records() {
        let args = serde_json::from_str::<Value>(&text).unwrap()["args"].to_string();
        assert!(body.contains(&args), "{args} not in {body}");
    }
    let o = t.oracle.borrow();
    let k9 = &o.sessions[0];
    assert_eq!(k9.status, "ended");
    assert_eq!((k9.audio.as_deref(), k9.camera), (Some("wifi"), false));
    assert_eq!(k9.quality_issues, ["echo"]);
}

#[test]
fn calls_on_a_session_known_by_its_backend_id_store_the_same_format() {
    let disk = MemoryStorage::new();
    let view = json!([{
        "_id": "k9", "userId": "user123", "supportWorkerName": "Elsewhere",
        "sessionStatus": "connecting", "joinedAt": "2024-01-15T10:30:00.000Z",
        "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:00.000Z"
    }]);
    disk.set_now("vss:view:sessions", &view.to_string())
        .unwrap();
    let (t, env) = (ScriptedTransport::new(), FakeEnv::new(7));
    t.set_offline(true);
    env.set(1_705_314_660_000.0);
    let c = open(disk.clone(), &t, &env);
    let k9 = || Some("k9".to_string());
    block_on(c.mark_connected(k9())).unwrap();
    // Two updates coalesce: the second's fields win, the first's others stay.
    for (camera, mic, audio) in [
        (Some(true), Some(true), Some("wifi")),
        (Some(false), None, None),
    ] {
        block_on(c.update_settings(SettingsArgs {
            camera_enabled: camera,
            mic_enabled: mic,
            audio_option: audio.map(Into::into),
            session: k9(),
        }))
        .unwrap();
    }
    block_on(c.report_quality_issue("echo".into(), k9())).unwrap();
    block_on(c.end_session(EndSessionArgs {
        session: k9(),
        end_reason: Some("user_ended".into()),
    }))
    .unwrap();
    let on_disk: Vec<String> = disk
        .dump()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
        .map(|(_, v)| v)
        .collect();
    let fields = |text: &str| {
        let v: Value = serde_json::from_str(text).unwrap();
        (v["kind"].clone(), v["clientSessionId"].clone())
    };
    assert_eq!(on_disk.len(), 4);
    for (written, old) in on_disk.iter().zip(server_id_records()) {
        assert_eq!(fields(written), fields(&old));
        let args = |text: &str| serde_json::from_str::<Value>(text).unwrap()["args"].to_string();
        // Since analytics a quality issue also carries the device's UTC offset
        // (FakeEnv: UTC), written last, in byte order; the rest is as before.
        let want = match fields(&old).0.as_str() {
            Some("reportQualityIssue") => args(&old).replace('}', ",\"utcOffsetMin\":0}"),
            _ => args(&old),
        };
        assert_eq!(args(written), want, "{written}");
        assert!(written.contains(&want), "{written}");
    }
}

#[test]
fn a_stored_record_whose_args_do_not_fit_its_kind_is_quarantined_not_sent() {
    let connected = "vss:op:1705314615000-tab1-000000";
    let issue = "vss:op:1705314720000-tab1-000000";
    for (key, from, to) in [
        // A field of another kind.
        (connected, "\"args\":{", "\"args\":{\"issue\":\"x\","),
        // A required field missing.
        (issue, "\"issue\":\"Audio choppy\"", "\"endReason\":\"x\""),
        // A field no kind has.
        (connected, "\"args\":{", "\"args\":{\"dance\":1,"),
        // A field of the wrong type.
        (issue, "\"issue\":\"Audio choppy\"", "\"issue\":7"),
    ] {
        let disk = disk_from_fixture();
        let tampered = disk.get_now(key).unwrap().replacen(from, to, 1);
        assert!(OpRecord::parse(&tampered).is_err(), "{tampered}");
        disk.set_now(key, &tampered).unwrap();
        let (t, env) = (ScriptedTransport::new(), FakeEnv::new(7));
        env.set(1_705_315_700_000.0);
        let c = open(disk.clone(), &t, &env);
        assert_eq!(c.pending_count(), 8, "{tampered}");
        let quarantined = key.replace("vss:op:", "vss:quarantine:");
        assert_eq!(
            disk.get_now(&quarantined).as_deref(),
            Some(tampered.as_str())
        );
        block_on(c.flush());
        let sent = t.script.borrow().requests[0]["ops"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(sent, 8, "{tampered}");
    }
}
