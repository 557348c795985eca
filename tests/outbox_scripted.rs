//! Scripted outbox tests: a fake clock, a transport with scripted faults whose backend
//! is the oracle (tests/support/oracle.rs), and MemoryStorage as the disk.

mod support;

use serde_json::json;
use support::*;
use video_session_sdk::{
    DeliveryStep, EndSessionArgs, ErrorCode, Event, MarkFailedArgs, MemoryStorage, OpKind,
    SessionStatus, SettingsArgs, StartSessionArgs,
};

fn start_args(name: &str) -> StartSessionArgs {
    StartSessionArgs {
        support_worker_name: name.into(),
        audio_option: Some("wifi".into()),
        ..Default::default()
    }
}

fn ops_on_disk(disk: &MemoryStorage) -> Vec<serde_json::Value> {
    disk.dump()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
        .map(|(_, v)| serde_json::from_str(&v).unwrap())
        .collect()
}

/// A whole call: start, connect 15 s later, settings, issue, end 915 s after connect.
fn whole_call<S: video_session_sdk::platform::Storage>(c: &TestClient<S>, env: &FakeEnv) -> String {
    let id = block_on(c.start_session(start_args("Dr. Smith"))).unwrap();
    env.advance(15_000.0);
    block_on(c.mark_connected(None)).unwrap();
    env.advance(45_000.0);
    block_on(c.update_settings(SettingsArgs {
        camera_enabled: Some(false),
        ..Default::default()
    }))
    .unwrap();
    env.advance(60_000.0);
    block_on(c.report_quality_issue("Audio choppy".into(), None)).unwrap();
    env.advance(810_000.0);
    let end = block_on(c.end_session(EndSessionArgs {
        end_reason: Some("user_ended".into()),
        session: None,
    }))
    .unwrap();
    assert_eq!(end.duration, Some(915));
    id
}

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
fn pending_settings_updates_coalesce_latest_wins() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(7),
    );
    let c = open(disk.clone(), &t, &env);
    let id = block_on(c.start_session(start_args("A"))).unwrap();
    let set = |cam: Option<bool>, mic: Option<bool>| {
        block_on(c.update_settings(SettingsArgs {
            camera_enabled: cam,
            mic_enabled: mic,
            ..Default::default()
        }))
        .unwrap()
    };
    set(Some(false), None);
    set(None, Some(false));
    set(Some(true), None);
    assert_eq!(c.pending_count(), 2);
    let disk_ops = ops_on_disk(&disk);
    assert_eq!(
        disk_ops.len(),
        2,
        "the replaced records are removed from storage"
    );
    assert_eq!(
        disk_ops[1]["args"],
        json!({"cameraEnabled": true, "micEnabled": false, "clientSessionId": id})
    );
    // A quality report in between ends the run: later updates do not jump over it.
    block_on(c.report_quality_issue("lag".into(), None)).unwrap();
    set(Some(false), None);
    assert_eq!(c.pending_count(), 4);
    block_on(c.flush());
    let o = t.oracle.borrow();
    let s = o.session(&id).unwrap();
    assert!(!s.camera && !s.mic);
    assert_eq!(o.applied.len(), 4);
}

#[test]
fn full_storage_keeps_ops_in_memory_and_says_so() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(8),
    );
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    disk.set_quota(Some(disk.used() + 10));
    let id =
        block_on(c.start_session(start_args("A"))).expect("the app never sees the quota error");
    block_on(c.mark_connected(None)).unwrap();
    assert_eq!(c.pending_count(), 2);
    assert!(ops_on_disk(&disk).is_empty());
    assert!(events
        .borrow()
        .contains(&Event::StorageFull { in_memory: 2 }));
    // Space frees up: the next delivery step writes them, then delivers.
    disk.set_quota(None);
    t.set_offline(true);
    block_on(c.deliver_due());
    assert_eq!(ops_on_disk(&disk).len(), 2);
    t.set_offline(false);
    block_on(c.flush());
    assert_eq!(t.oracle.borrow().session(&id).unwrap().status, "connected");
}

#[test]
fn unparseable_records_are_quarantined_at_open() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(9),
    );
    let c = open(disk.clone(), &t, &env);
    let id = block_on(c.start_session(start_args("A"))).unwrap();
    drop(c);
    disk.set_now("vss:op:0000000000001-tabX-000000", "{\"opId\": \"trunc")
        .unwrap();
    disk.set_now("vss:op:0000000000002-tabX-000000", "[]")
        .unwrap();
    let c = open(disk.clone(), &t, &env);
    let events = record_events(&c);
    assert_eq!(
        events.borrow().as_slice(),
        &[Event::Quarantined { count: 2 }]
    );
    assert_eq!(c.pending_count(), 1);
    let keys: Vec<String> = disk.dump().into_iter().map(|(k, _)| k).collect();
    assert!(keys.contains(&"vss:quarantine:0000000000001-tabX-000000".to_string()));
    assert!(!keys.iter().any(|k| k.contains("op:000000000000")));
    assert_eq!(
        c.current_session(),
        Some(id.clone()),
        "the current session survives a reload"
    );
    block_on(c.flush());
    assert!(t.oracle.borrow().session(&id).is_some());
}

#[test]
fn lifecycle_and_validation_errors_store_nothing() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(10),
    );
    let c = open(disk.clone(), &t, &env);
    assert_eq!(
        block_on(c.mark_connected(None)).unwrap_err().code,
        ErrorCode::NoActiveSession
    );
    assert_eq!(
        block_on(c.start_session(start_args("  ")))
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        block_on(c.mark_connected(Some("nope".into())))
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    let id = block_on(c.start_session(start_args("A"))).unwrap();
    block_on(c.mark_failed(MarkFailedArgs {
        reason: Some("ice failed".into()),
        session: None,
    }))
    .unwrap();
    let before = disk.dump();
    let err = block_on(c.mark_connected(Some(id.clone()))).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTransition);
    assert!(err.message.contains("failed"), "{}", err.message);
    assert_eq!(
        block_on(c.end_session(EndSessionArgs {
            session: Some(id.clone()),
            end_reason: None
        }))
        .unwrap_err()
        .code,
        ErrorCode::InvalidTransition
    );
    assert_eq!(disk.dump(), before);
    assert_eq!(c.pending_count(), 2);

    // 50 quality issues per session, counted across pending and delivered ones.
    let s2 = block_on(c.start_session(start_args("B"))).unwrap();
    for i in 0..30 {
        block_on(c.report_quality_issue(format!("issue {i}"), None)).unwrap();
    }
    block_on(c.flush());
    for i in 30..50 {
        block_on(c.report_quality_issue(format!("issue {i}"), Some(s2.clone()))).unwrap();
    }
    assert_eq!(
        block_on(c.report_quality_issue("one more".into(), None))
            .unwrap_err()
            .code,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn the_cap_evicts_oldest_settings_and_quality_ops_but_never_lifecycle_ops() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(11),
    );
    let mut cfg = config();
    cfg.max_records = 4;
    let c = block_on(video_session_sdk::Client::open(
        cfg,
        disk.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    let events = record_events(&c);
    block_on(c.start_session(start_args("A"))).unwrap();
    block_on(c.report_quality_issue("first".into(), None)).unwrap();
    block_on(c.mark_connected(None)).unwrap();
    block_on(c.report_quality_issue("second".into(), None)).unwrap();
    block_on(c.report_quality_issue("third".into(), None)).unwrap();
    assert_eq!(c.pending_count(), 4);
    assert!(events.borrow().iter().any(|e| matches!(
        e,
        Event::Evicted {
            kind: OpKind::ReportQualityIssue,
            ..
        }
    )));
    block_on(c.end_session(EndSessionArgs::default())).unwrap();
    block_on(c.start_session(start_args("B"))).unwrap();
    assert_eq!(c.pending_count(), 4);
    block_on(c.mark_connected(None)).unwrap();
    assert_eq!(
        c.pending_count(),
        5,
        "lifecycle ops go over the cap rather than be dropped"
    );
    assert_eq!(ops_on_disk(&disk).len(), 5);
    assert_eq!(
        events
            .borrow()
            .iter()
            .filter(|e| matches!(e, Event::Evicted { .. }))
            .count(),
        3
    );
    block_on(c.flush());
    let o = t.oracle.borrow();
    let kinds: Vec<&str> = o.applied.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "startSession",
            "markConnected",
            "endSession",
            "startSession",
            "markConnected"
        ]
    );
}

#[test]
fn instances_sharing_storage_pick_up_each_others_records() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(12),
    );
    let a = open(disk.clone(), &t, &env);
    let mut cfg = config();
    cfg.tab_id = Some("tab2".into());
    let b = block_on(video_session_sdk::Client::open(
        cfg,
        disk.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    let id = block_on(a.start_session(start_args("A"))).unwrap();
    block_on(b.sync_from_storage());
    assert_eq!(b.pending_count(), 1);
    assert_eq!(block_on(b.flush()).applied, 1);
    block_on(a.sync_from_storage());
    assert_eq!(
        a.pending_count(),
        0,
        "a record another instance delivered is forgotten"
    );
    env.advance(1.0);
    block_on(a.mark_connected(None)).unwrap();
    assert_eq!(block_on(a.flush()).applied, 1);
    assert_eq!(t.oracle.borrow().session(&id).unwrap().status, "connected");
    assert_eq!(t.oracle.borrow().applied.len(), 2);
}

#[test]
fn reads_answer_offline_and_after_reload_from_the_local_view() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(13),
    );
    t.set_offline(true);
    let c = open(disk.clone(), &t, &env);
    let id = block_on(c.start_session(start_args("Dr. Smith"))).unwrap();
    env.advance(10_000.0);
    block_on(c.mark_connected(None)).unwrap();
    let active = block_on(c.get_active_session())
        .unwrap()
        .expect("active offline");
    assert_eq!(active.client_session_id.as_deref(), Some(id.as_str()));
    assert_eq!(active.session_status, SessionStatus::Connected);
    assert_eq!(active.id, None, "not on the backend yet");
    assert_eq!(block_on(c.get_call_stats()).unwrap().total_sessions, 1.0);
    drop(c);

    let c = open(disk.clone(), &t, &env);
    assert_eq!(c.current_session(), Some(id.clone()));
    assert_eq!(
        block_on(c.get_active_session())
            .unwrap()
            .unwrap()
            .session_status,
        SessionStatus::Connected
    );
    t.set_offline(false);
    block_on(c.flush());
    let active = block_on(c.get_active_session()).unwrap().unwrap();
    assert_eq!(active.id.as_deref(), Some("k1"));
    env.advance(120_000.0);
    let end = block_on(c.end_session(EndSessionArgs::default())).unwrap();
    assert_eq!(end.duration, Some(120));
    t.set_offline(true);
    assert_eq!(block_on(c.get_active_session()).unwrap(), None);
    let sessions = block_on(c.get_user_sessions(Some(10))).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].session_status, SessionStatus::Ended);
    assert_eq!(sessions[0].duration, Some(120.0));
    let stats = block_on(c.get_call_stats()).unwrap();
    assert_eq!(
        (stats.completed_sessions, stats.total_duration),
        (1.0, 120.0)
    );
    t.set_offline(false);
    block_on(c.flush());
    let stats = block_on(c.get_call_stats()).unwrap();
    assert_eq!(
        (
            stats.completed_sessions,
            stats.total_duration,
            stats.average_duration
        ),
        (1.0, 120.0, 120.0)
    );
    assert_eq!(
        t.oracle.borrow().session(&id).unwrap().duration,
        Some(120.0)
    );
}
