//! Event time no stored key can poison (#12.3): an op's `occurredAt` is the device's
//! clock when the call was made, whatever keys storage holds — another user's planted
//! far-future key, one of this user's own, or the keys a tab wrote while its clock ran
//! ahead — and the queue still delivers each session's ops in the order they were made.
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::json;
use support::*;
use video_session_sdk::time::format_iso;
use video_session_sdk::{EndSessionArgs, MemoryStorage};

/// A whole, valid stored record of `user`'s (today's exact format).
fn planted(user: &str, op_id: &str, session: &str) -> String {
    json!({
        "opId": op_id, "kind": "startSession", "clientSessionId": session,
        "args": {"supportWorkerName": "X", "clientSessionId": session},
        "occurredAt": "2286-11-20T17:46:39.999Z", "userId": user, "attempts": 0
    })
    .to_string()
}

/// Start, connect 1 s later, end 1.1 s after that; returns the session and end result.
fn short_call(c: &TestClient, env: &FakeEnv) -> (String, video_session_sdk::EndSessionResult) {
    let id = block_on(c.start_session(start_args("A"))).unwrap();
    env.advance(1_000.0);
    block_on(c.mark_connected(None)).unwrap();
    env.advance(1_100.0);
    let end = block_on(c.end_session(EndSessionArgs::default())).unwrap();
    (id, end)
}

#[test]
fn another_users_planted_future_key_does_not_move_event_time() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(31),
    );
    disk.set_now(
        "vss:op:9999999999999-evil-000000",
        &planted("mallory", "m1", "ms"),
    )
    .unwrap();
    let c = open(disk.clone(), &t, &env);
    let (id, end) = short_call(&c, &env);
    assert_eq!(end.ended_at, format_iso(T0 + 2_100.0));
    assert_eq!(end.duration, Some(1));
    for op in ops_on_disk(&disk)
        .iter()
        .filter(|o| o["userId"] == "user123")
    {
        let at = op["occurredAt"].as_str().unwrap();
        assert!(at.starts_with("2024-01-15T10:30:0"), "{at}");
    }
    block_on(c.flush());
    let o = t.oracle.borrow();
    let s = o.session(&id).unwrap();
    assert_eq!(s.joined_at, format_iso(T0));
    assert_eq!(
        s.connected_at.as_deref(),
        Some(format_iso(T0 + 1_000.0).as_str())
    );
    assert_eq!(
        s.ended_at.as_deref(),
        Some(format_iso(T0 + 2_100.0).as_str())
    );
    assert_eq!(s.duration, Some(1.0));
    // The other user's record is left where it was, undelivered.
    assert!(disk
        .dump()
        .iter()
        .any(|(k, _)| k == "vss:op:9999999999999-evil-000000"));
    assert!(o.applied.iter().all(|a| a.op_id != "m1"));
}

#[test]
fn own_planted_future_key_is_moved_and_does_not_move_event_time() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(32),
    );
    disk.set_now(
        "vss:op:9999999999999-evil-000000",
        &planted("user123", "p1", "ps"),
    )
    .unwrap();
    let c = open(disk.clone(), &t, &env);
    assert_eq!(c.pending_count(), 1);
    let keys: Vec<String> = disk.dump().into_iter().map(|(k, _)| k).collect();
    assert!(
        !keys.iter().any(|k| k.contains("9999999999999")),
        "the far-ahead record moved to a fresh key: {keys:?}"
    );
    let (_, end) = short_call(&c, &env);
    assert_eq!(end.ended_at, format_iso(T0 + 2_100.0));
    assert_eq!(end.duration, Some(1));
    block_on(c.flush());
    let o = t.oracle.borrow();
    assert_eq!(o.applied.len(), 4);
    assert_eq!(
        o.applied[0].op_id, "p1",
        "the moved record keeps its place first"
    );
}

#[test]
fn a_tab_whose_clock_ran_ahead_does_not_move_another_tabs_event_time() {
    let (disk, t) = (MemoryStorage::new(), ScriptedTransport::new());
    // Tab A's clock runs a day ahead; it starts a call while offline.
    let ahead = FakeEnv::new(33);
    ahead.set(T0 + 86_400_000.0);
    let mut cfg_a = config();
    cfg_a.tab_id = Some("tabA".into());
    let a = block_on(video_session_sdk::Client::open(
        cfg_a,
        disk.clone(),
        t.clone(),
        ahead.clone(),
    ))
    .unwrap();
    let id = block_on(a.start_session(start_args("A"))).unwrap();
    drop(a);
    // The page reloads with the clock set right: the next ops carry real times and
    // still go after the start they follow.
    let env = FakeEnv::new(34);
    let b = open(disk.clone(), &t, &env);
    env.advance(500.0);
    block_on(b.mark_connected(Some(id.clone()))).unwrap();
    let ops = ops_on_disk(&disk);
    let connect = ops.iter().find(|o| o["kind"] == "markConnected").unwrap();
    assert_eq!(connect["occurredAt"], json!(format_iso(T0 + 500.0)));
    block_on(b.flush());
    let o = t.oracle.borrow();
    let kinds: Vec<&str> = o.applied.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["startSession", "markConnected"]);
    assert_eq!(o.applied[1].occurred_at, format_iso(T0 + 500.0));
}

#[test]
fn a_live_tab_ignores_far_ahead_keys_another_tab_writes() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(35),
    );
    let c = open(disk.clone(), &t, &env);
    disk.set_now(
        "vss:op:9999999999999-evil-000000",
        &planted("mallory", "m1", "ms"),
    )
    .unwrap();
    disk.set_now(
        "vss:op:9999999999998-evil-000000",
        &planted("user123", "p1", "ps"),
    )
    .unwrap();
    block_on(c.sync_from_storage());
    let (_, end) = short_call(&c, &env);
    assert_eq!(end.ended_at, format_iso(T0 + 2_100.0));
    assert_eq!(end.duration, Some(1));
}
