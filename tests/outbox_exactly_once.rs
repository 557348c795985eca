//! Exactly once across any delay, from the SDK's side: each client instance names
//! itself (a random clientId, a new one per instance, not the app's tabId) and numbers
//! its ops 1, 2, 3… in key order; both are stored in the record and sent per op, so
//! the backend knows a replay after its 14-day opId records are swept. Records in
//! today's format (neither field) still deliver exactly once by opId.
// Native only: the fakes below do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::Value;
use support::*;
use video_session_sdk::{EndSessionArgs, MemoryStorage, UpdateSettingsArgs};

/// Every op of every batch the transport saw, in order.
fn sent_ops(t: &ScriptedTransport) -> Vec<Value> {
    t.script
        .borrow()
        .requests
        .iter()
        .flat_map(|r| r["ops"].as_array().unwrap().clone())
        .collect()
}

#[test]
fn ops_carry_the_instances_client_id_and_rising_seq_in_records_and_batches() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(3),
    );
    let c = open(disk.clone(), &t, &env);
    whole_call(&c, &env);
    let stored = ops_on_disk(&disk);
    let client = stored[0]["clientId"].as_str().unwrap().to_string();
    assert_eq!(client.len(), 36, "a UUID, not the tab id: {client}");
    assert_ne!(client, "tab1");
    let seqs: Vec<u64> = stored.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert!(stored.iter().all(|r| r["clientId"] == client.as_str()));
    block_on(c.flush());
    let sent = sent_ops(&t);
    assert_eq!(sent.len(), 5);
    for (op, seq) in sent.iter().zip(1u64..) {
        assert_eq!(op["clientId"], client.as_str());
        assert_eq!(op["seq"], seq);
    }
    // A new instance on the same storage and tab id is another client, from 1 again.
    drop(c);
    let c = open(disk.clone(), &t, &env);
    block_on(c.start_session(start_args("Dr. Who"))).unwrap();
    let fresh = ops_on_disk(&disk);
    assert_eq!(fresh.len(), 1);
    assert_ne!(fresh[0]["clientId"], client.as_str());
    assert_eq!(fresh[0]["seq"], 1);
}

#[test]
fn a_coalesced_settings_update_takes_a_new_seq_and_keeps_key_order() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(4),
    );
    let c = open(disk.clone(), &t, &env);
    block_on(c.start_session(start_args("W"))).unwrap();
    for on in [true, false] {
        env.advance(1_000.0);
        block_on(c.update_settings(UpdateSettingsArgs {
            mic_enabled: Some(on),
            ..Default::default()
        }))
        .unwrap();
    }
    env.advance(1_000.0);
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    // Storage lists keys in order: seq rises along them, with a gap where the first
    // settings update was merged away.
    let seqs: Vec<u64> = ops_on_disk(&disk)
        .iter()
        .map(|r| r["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 3, 4]);
    block_on(c.flush());
    assert_eq!(c.pending_count(), 0);
    assert_eq!(t.oracle.borrow().applied.len(), 3);
}

#[test]
fn a_reply_lost_then_a_sweep_then_the_resend_is_a_duplicate_and_the_view_holds() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(5),
    );
    let c = open(disk.clone(), &t, &env);
    let id = whole_call(&c, &env);
    // The backend commits, the reply is lost; the device is then away for weeks and
    // the backend's sweep forgets every opId record before the resend.
    t.push([Fault::DropAfter]);
    block_on(c.flush());
    assert_eq!(c.pending_count(), 5);
    drop(c);
    t.oracle.borrow_mut().sweep();
    env.advance(30.0 * 86_400_000.0);
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    let report = block_on(c.flush());
    assert_eq!((report.pending, report.applied), (0, 5), "{report:?}");
    assert!(c.dead_letters().is_empty(), "{:?}", c.dead_letters());
    let o = t.oracle.borrow();
    assert_eq!(o.applied.len(), 5, "each op applied once");
    assert!(o.mistaken.is_empty());
    assert_eq!(o.session(&id).unwrap().quality_issues.len(), 1);
    let duplicates = events
        .borrow()
        .iter()
        .filter(|e| {
            matches!(
                e,
                video_session_sdk::Event::Delivered {
                    duplicate: true,
                    ..
                }
            )
        })
        .count();
    assert_eq!(duplicates, 5);
    drop(o);
    // The local view still shows the call as it happened (ended, one issue), though the
    // duplicates came back without their stored values.
    let sessions = block_on(c.get_user_sessions(None)).unwrap();
    let s = sessions
        .iter()
        .find(|s| s.app_id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(s.session_status.as_str(), "ended");
    assert_eq!(s.quality_issues.as_deref().map(<[String]>::len), Some(1));
}

#[test]
fn records_in_todays_format_deliver_exactly_once_by_op_id() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(6),
    );
    // Today's exact record format: no clientId, no seq.
    let start = "{\"opId\":\"legacy-1\",\"kind\":\"startSession\",\"clientSessionId\":\"cs-old\",\
        \"args\":{\"supportWorkerName\":\"W\",\"clientSessionId\":\"cs-old\"},\
        \"occurredAt\":\"2024-01-15T10:29:00.000Z\",\"userId\":\"user123\",\"attempts\":0}";
    let issue =
        "{\"opId\":\"legacy-2\",\"kind\":\"reportQualityIssue\",\"clientSessionId\":\"cs-old\",\
        \"args\":{\"clientSessionId\":\"cs-old\",\"issue\":\"echo\"},\
        \"occurredAt\":\"2024-01-15T10:29:05.000Z\",\"userId\":\"user123\",\"attempts\":2}";
    disk.set_now("vss:op:1705314540000-3f2a9c1b-000000", start)
        .unwrap();
    disk.set_now("vss:op:1705314545000-3f2a9c1b-000000", issue)
        .unwrap();
    let c = open(disk.clone(), &t, &env);
    block_on(c.mark_connected(Some("cs-old".into()))).unwrap();
    t.push([Fault::DropAfter, Fault::TimeoutAfter]);
    block_on(c.flush());
    block_on(c.flush());
    env.advance(120_000.0);
    let report = block_on(c.flush());
    assert_eq!(report.pending, 0, "{report:?}");
    let sent = sent_ops(&t);
    for op in sent
        .iter()
        .filter(|op| op["opId"].as_str().unwrap().starts_with("legacy"))
    {
        assert!(
            op.get("clientId").is_none() && op.get("seq").is_none(),
            "{op}"
        );
    }
    let new = sent
        .iter()
        .find(|op| op["kind"] == "markConnected")
        .unwrap();
    assert_eq!(new["seq"], 1);
    let o = t.oracle.borrow();
    let ids: Vec<&str> = o.applied.iter().map(|a| a.op_id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(&ids[..2], ["legacy-1", "legacy-2"]);
    assert_eq!(o.session("cs-old").unwrap().quality_issues, ["echo"]);
}

#[test]
fn a_413_split_keeps_each_instances_seq_rising_at_the_backend() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(7),
    );
    let c = open(disk.clone(), &t, &env);
    whole_call(&c, &env);
    block_on(c.start_session(start_args("Dr. Two"))).unwrap();
    t.push([Fault::Http(413, None), Fault::Http(413, None)]);
    let report = block_on(c.flush());
    assert_eq!(report.pending, 0, "{report:?}");
    let o = t.oracle.borrow();
    assert!(o.overtaken.is_empty(), "{:?}", o.overtaken);
    let seqs: Vec<u64> = sent_ops(&t)
        .iter()
        .map(|op| op["seq"].as_u64().unwrap())
        .collect();
    // Whatever was sent again after a 413, first arrivals rise.
    let mut firsts = Vec::new();
    for s in seqs {
        if !firsts.contains(&s) {
            firsts.push(s);
        }
    }
    let mut sorted = firsts.clone();
    sorted.sort();
    assert_eq!(firsts, sorted);
}
