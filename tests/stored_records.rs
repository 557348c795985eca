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
use video_session_sdk::{DeliveryStep, MemoryStorage};

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
