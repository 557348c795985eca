//! Scripted delivery tests: ordering and event times, lost replies, backoff and
//! Retry-After, attempts, classification and dead-letter cascades. A fake clock, a
//! transport with scripted faults whose backend is the oracle (tests/support/oracle.rs),
//! and MemoryStorage as the disk.
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::json;
use support::*;
use video_session_sdk::{DeliveryStep, EndSessionArgs, ErrorCode, Event, MemoryStorage, OpKind};

#[test]
fn mutations_store_without_network_and_deliver_in_order_with_event_times() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(1),
    );
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    let id = whole_call(&c, &env);
    assert_eq!(t.batches(), 0, "mutations never touch the network");
    assert_eq!(c.pending_count(), 5);
    assert_eq!(ops_on_disk(&disk).len(), 5);
    assert_eq!(
        c.current_session(),
        None,
        "ending the current session clears it"
    );
    env.advance(3_600_000.0);

    assert_eq!(
        block_on(c.deliver_due()),
        DeliveryStep::Sent {
            applied: 5,
            rejected: 0
        }
    );
    assert_eq!(c.pending_count(), 0);
    assert!(ops_on_disk(&disk).is_empty());
    let o = t.oracle.borrow();
    let kinds: Vec<&str> = o.applied.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "startSession",
            "markConnected",
            "updateSessionSettings",
            "reportQualityIssue",
            "endSession"
        ]
    );
    let s = o.session(&id).unwrap();
    assert_eq!(s.joined_at, "2024-01-15T10:30:00.000Z");
    assert_eq!(s.connected_at.as_deref(), Some("2024-01-15T10:30:15.000Z"));
    assert_eq!(
        s.duration,
        Some(915.0),
        "duration from event times, not delivery time"
    );
    assert!(!s.camera);
    let ev = events.borrow();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(e, Event::Queued { .. }))
            .count(),
        5
    );
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(
                e,
                Event::Delivered {
                    duplicate: false,
                    ..
                }
            ))
            .count(),
        5
    );
    let batch = &t.script.borrow().requests[0];
    assert_eq!(batch["userId"], "user123");
    assert!(batch["sentAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(batch["ops"][0]["args"]["clientSessionId"], json!(id));
}

#[test]
fn lost_reply_is_resent_with_the_same_op_ids_and_applied_once() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(2),
    );
    let c = open(disk, &t, &env);
    let events = record_events(&c);
    whole_call(&c, &env);
    t.push([Fault::DropAfter, Fault::TimeoutAfter]);
    assert!(matches!(
        block_on(c.deliver_due()),
        DeliveryStep::Failed { .. }
    ));
    assert!(!c.is_online());
    assert!(block_on(c.flush()).error.is_some());
    assert_eq!(c.pending_count(), 5);
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.pending), (5, 0));
    assert!(c.is_online());
    let reqs = &t.script.borrow().requests;
    assert_eq!(reqs.len(), 3);
    assert_eq!(
        reqs[0]["ops"], reqs[2]["ops"],
        "same ops, same opIds, same occurredAt"
    );
    assert_eq!(t.oracle.borrow().applied.len(), 5, "applied exactly once");
    let ev = events.borrow();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(
                e,
                Event::Delivered {
                    duplicate: true,
                    ..
                }
            ))
            .count(),
        5
    );
    assert!(ev.contains(&Event::Offline) && ev.contains(&Event::Online));
}

#[test]
fn backoff_grows_with_full_jitter_and_honours_retry_after() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(3),
    );
    let c = open(disk.clone(), &t, &env);
    block_on(c.start_session(start_args("A"))).unwrap();
    let mut ceilings = Vec::new();
    for (i, fault) in [
        Fault::Http(503, None),
        Fault::DropBefore,
        Fault::Http(502, None),
        Fault::TimeoutBefore,
    ]
    .into_iter()
    .enumerate()
    {
        t.push([fault]);
        let now = env.now.get();
        let DeliveryStep::Failed { retry_at } = block_on(c.deliver_due()) else {
            panic!("expected a failure")
        };
        let ceiling = 1000.0 * 2f64.powi(i as i32);
        assert!(
            retry_at >= now && retry_at <= now + ceiling,
            "attempt {i}: {} > {ceiling}",
            retry_at - now
        );
        ceilings.push(ceiling);
        if retry_at > now {
            assert_eq!(
                block_on(c.deliver_due()),
                DeliveryStep::Wait { until_ms: retry_at }
            );
        }
        assert_eq!(
            c.next_wake_at(),
            Some(retry_at.max(T0 + 250.0)),
            "backoff end or debounce end, whichever is later"
        );
        env.set(retry_at);
    }
    // 5xx count as attempts, network failures and timeouts do not.
    assert_eq!(ops_on_disk(&disk)[0]["attempts"], 2);
    t.push([Fault::Http(429, Some(30_000))]);
    let now = env.now.get();
    let DeliveryStep::Failed { retry_at } = block_on(c.deliver_due()) else {
        panic!()
    };
    assert!(retry_at >= now + 30_000.0, "Retry-After is a floor");
    env.set(retry_at);
    assert_eq!(
        block_on(c.deliver_due()),
        DeliveryStep::Sent {
            applied: 1,
            rejected: 0
        }
    );
}

#[test]
fn attempts_run_out_into_a_dead_letter() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(4),
    );
    let mut cfg = config();
    cfg.max_attempts = 3;
    let c = block_on(video_session_sdk::Client::open(
        cfg,
        disk,
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    block_on(c.start_session(start_args("A"))).unwrap();
    t.push([
        Fault::Http(500, None),
        Fault::Http(500, None),
        Fault::Http(500, None),
    ]);
    for _ in 0..3 {
        block_on(c.flush());
    }
    assert_eq!(c.pending_count(), 0);
    assert_eq!(c.dead_letters()[0].code, "RETRIES_EXHAUSTED");
}

#[test]
fn client_errors_dead_letter_and_whole_batch_errors_isolate_the_culprit() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(5),
    );
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    let a = block_on(c.start_session(start_args("A"))).unwrap();
    let b = block_on(c.start_session(start_args("B"))).unwrap();
    block_on(c.mark_connected(Some(a.clone()))).unwrap();
    // The backend throws for the whole batch whenever B's start is in it.
    let b_op = ops_on_disk(&disk)
        .iter()
        .find(|r| r["clientSessionId"] == json!(b))
        .unwrap()["opId"]
        .as_str()
        .unwrap()
        .to_string();
    t.script.borrow_mut().poison.push(b_op.clone());
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.rejected, report.pending), (2, 1, 0));
    assert_eq!(t.batches(), 4, "one batch of 3, then 3 single ops");
    let dead = c.dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].op_id.as_str(), dead[0].code.as_str()),
        (b_op.as_str(), "REJECTED")
    );
    assert!(dead[0].reason.contains("boom"));
    assert_eq!(t.oracle.borrow().session(&a).unwrap().status, "connected");
    assert!(events.borrow().iter().any(|e| matches!(
        e,
        Event::Dropped {
            kind: OpKind::StartSession,
            ..
        }
    )));
    assert!(disk.dump().iter().any(|(k, _)| k.starts_with("vss:dead:")));

    // HTTP 401 for a batch: nothing is dropped; the ops wait for a valid token, and
    // the next delivery (after the app sets one) applies them.
    block_on(c.report_quality_issue("x".into(), Some(a.clone()))).unwrap();
    block_on(c.report_quality_issue("y".into(), Some(a.clone()))).unwrap();
    t.push([Fault::Http(401, None)]);
    assert!(matches!(
        block_on(c.deliver_due()),
        DeliveryStep::Failed { .. }
    ));
    assert_eq!((c.pending_count(), c.dead_letters().len()), (2, 1));
    let report = block_on(c.flush());
    assert_eq!(
        (c.pending_count(), c.dead_letters().len()),
        (0, 1),
        "{report:?}"
    );
    let issues = t
        .oracle
        .borrow()
        .session(&a)
        .unwrap()
        .quality_issues
        .clone();
    assert_eq!(issues, ["x", "y"]);
}

#[test]
fn a_rejected_start_takes_its_sessions_later_ops_with_it_and_blocks_nothing() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(6),
    );
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    let bad = block_on(c.start_session(start_args("A"))).unwrap();
    block_on(c.mark_connected(None)).unwrap();
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    let good = block_on(c.start_session(start_args("B"))).unwrap();
    let mut cfg = config();
    cfg.batch_size = 1;
    drop(c);
    let c = block_on(video_session_sdk::Client::open(
        cfg,
        disk.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    let events2 = record_events(&c);
    t.push([Fault::Function(Some(
        json!({"code": "FORBIDDEN", "message": "not yours"}),
    ))]);
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.rejected, report.pending), (1, 3, 0));
    assert_eq!(t.batches(), 2, "the dead session's later ops are not sent");
    assert!(t.oracle.borrow().session(&bad).is_none());
    assert_eq!(
        t.oracle.borrow().session(&good).unwrap().status,
        "connecting"
    );
    let dead = c.dead_letters();
    assert_eq!(dead.len(), 3);
    assert!(dead
        .iter()
        .all(|d| d.code == "FORBIDDEN" && d.client_session_id == bad));
    assert_eq!(
        events2
            .borrow()
            .iter()
            .filter(|e| matches!(e, Event::Dropped { .. }))
            .count(),
        3
    );
    drop(events);

    // The cascade survives a reload: a late op for the dead session is refused at once
    // (the session is unknown now), and the dead letters are still listed.
    let c = open(disk, &t, &env);
    assert_eq!(c.dead_letters().len(), 3);
    assert_eq!(
        block_on(c.mark_connected(Some(bad))).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn a_steady_stream_of_calls_does_not_hold_delivery_off() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(9),
    );
    let c = open(disk, &t, &env);
    let id = block_on(c.start_session(start_args("A"))).unwrap();
    let first = env.now.get();
    // A call every 100 ms, each inside the 250 ms debounce of the one before.
    for i in 0..20 {
        env.advance(100.0);
        block_on(c.report_quality_issue(format!("issue {i}"), Some(id.clone()))).unwrap();
        let wake = c.next_wake_at().expect("ops are pending");
        assert!(
            wake <= first + 500.0,
            "call {i}: the first op would wait {} ms",
            wake - first
        );
    }
    assert!(matches!(
        block_on(c.deliver_due()),
        DeliveryStep::Sent { applied: 21, .. }
    ));
    assert_eq!(c.next_wake_at(), None, "nothing left to send");
}
