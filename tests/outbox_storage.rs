//! Scripted outbox storage tests: coalescing, quota fallback, quarantine, validation
//! storing nothing, the cap's eviction rules, instances sharing storage, and offline
//! reads from the local view.
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::json;
use support::*;
use video_session_sdk::platform::StorageError;
use video_session_sdk::{
    EndSessionArgs, ErrorCode, Event, MarkFailedArgs, MemoryStorage, OpKind, SessionStatus,
    UpdateSettingsArgs,
};

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
        block_on(c.update_settings(UpdateSettingsArgs {
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

/// The shared disk, counting reads.
#[derive(Clone)]
struct CountingReads {
    disk: MemoryStorage,
    reads: std::rc::Rc<std::cell::Cell<usize>>,
}

impl video_session_sdk::platform::Storage for CountingReads {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.reads.set(self.reads.get() + 1);
        self.disk.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.disk.set(key, value).await
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        self.disk.remove(key).await
    }
    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.disk.keys_with_prefix(prefix).await
    }
}

#[test]
fn users_sharing_a_storage_prefix_deliver_only_their_own_ops() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(13),
    );
    let open_as = |user: &str, tab: &str| {
        let mut cfg = config();
        cfg.user_id = user.into();
        cfg.tab_id = Some(tab.into());
        block_on(video_session_sdk::Client::open(
            cfg,
            disk.clone(),
            t.clone(),
            env.clone(),
        ))
        .unwrap()
    };
    let alice = open_as("alice", "tab1");
    let id = block_on(alice.start_session(start_args("A"))).unwrap();
    // Bob's client, on the same storage and prefix, neither loads nor adopts it.
    let bob = open_as("bob", "tab2");
    block_on(bob.sync_from_storage());
    assert_eq!(bob.pending_count(), 0);
    assert_eq!(block_on(bob.flush()).applied, 0);
    assert!(t.oracle.borrow().session(&id).is_none());
    // Alice delivers it as hers, and her record stays until then.
    assert_eq!(block_on(alice.flush()).applied, 1);
    assert_eq!(t.oracle.borrow().session(&id).unwrap().user_id, "alice");
}

#[test]
fn another_users_record_is_read_once_not_at_every_sync() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(14),
    );
    let counted = CountingReads {
        disk: disk.clone(),
        reads: Default::default(),
    };
    let mut cfg = config();
    cfg.user_id = "bob".into();
    cfg.tab_id = Some("tab2".into());
    let bob = block_on(video_session_sdk::Client::open(
        cfg,
        counted.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    let mut cfg = config();
    cfg.user_id = "alice".into();
    let alice = block_on(video_session_sdk::Client::open(cfg, disk, t, env)).unwrap();
    block_on(alice.start_session(start_args("A"))).unwrap();
    counted.reads.set(0);
    block_on(bob.sync_from_storage());
    assert_eq!(counted.reads.get(), 1, "the new record is read once");
    assert_eq!(bob.pending_count(), 0);
    block_on(bob.sync_from_storage());
    assert_eq!(counted.reads.get(), 1, "and not again");
}

#[test]
fn a_stored_attempts_count_at_its_maximum_neither_panics_nor_wraps() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(15),
    );
    // Today's exact record format, with the largest count a u32 holds.
    let raw = "{\"opId\":\"max-attempts\",\"kind\":\"startSession\",\"clientSessionId\":\"cs-max\",\
        \"args\":{\"supportWorkerName\":\"W\",\"clientSessionId\":\"cs-max\"},\
        \"occurredAt\":\"2024-01-15T10:29:00.000Z\",\"userId\":\"user123\",\"attempts\":4294967295}";
    disk.set_now("vss:op:1705314540000-3f2a9c1b-000000", raw)
        .unwrap();
    let c = open(disk.clone(), &t, &env);
    t.push([Fault::Http(503, None)]);
    let report = block_on(c.flush());
    assert_eq!(report.pending, 0, "{report:?}");
    let dead = c.dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].code, "RETRIES_EXHAUSTED");
    assert!(dead[0].reason.contains("4294967295"), "{}", dead[0].reason);
}

/// The shared disk, refusing every removal.
#[derive(Clone)]
struct NoRemovals(MemoryStorage);

impl video_session_sdk::platform::Storage for NoRemovals {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.0.get(key).await
    }
    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.0.set(key, value).await
    }
    async fn remove(&self, _: &str) -> Result<(), StorageError> {
        Err(StorageError::Other("removal refused".into()))
    }
    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.0.keys_with_prefix(prefix).await
    }
}

#[test]
fn a_delivered_op_that_cannot_be_removed_is_logged_and_its_resend_deduped() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(3),
    );
    let c = open(NoRemovals(disk.clone()), &t, &env);
    let lines = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let sink = lines.clone();
    c.set_log_handler(Box::new(move |l| sink.borrow_mut().push(l.to_string())));
    c.set_debug(true);
    block_on(c.start_session(start_args("W"))).unwrap();
    assert_eq!(block_on(c.flush()).applied, 1);
    assert!(
        lines
            .borrow()
            .iter()
            .any(|l| l.contains("could not remove delivered op") && l.contains("removal refused")),
        "{:?}",
        lines.borrow()
    );
    // The record is still stored: the next client sends it again, and the backend
    // applies it once.
    assert_eq!(ops_on_disk(&disk).len(), 1);
    let again = open(disk.clone(), &t, &env);
    block_on(again.flush());
    assert_eq!(t.oracle.borrow().applied.len(), 1);
    assert!(ops_on_disk(&disk).is_empty());
}
