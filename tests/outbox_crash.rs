//! Crash at every storage step: a fixed scenario runs against a disk that stops
//! persisting after N writes (the process died there), for every N; a new client then
//! reopens on what the disk holds and delivers. Nothing that was stored is lost,
//! nothing is applied twice, and the backend's order matches the reference run.
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use support::*;
use video_session_sdk::{
    EndSessionArgs, MarkFailedArgs, MemoryStorage, StartSessionArgs, UpdateSettingsArgs,
};

fn start_args(name: &str) -> StartSessionArgs {
    StartSessionArgs {
        support_worker_name: name.into(),
        ..Default::default()
    }
}

fn ops_on_disk(disk: &MemoryStorage) -> Vec<String> {
    disk.dump()
        .into_iter()
        .filter(|(k, _)| k.starts_with("vss:op:"))
        .map(|(_, v)| {
            let r: serde_json::Value = serde_json::from_str(&v).unwrap();
            format!(
                "{}@{}",
                r["kind"].as_str().unwrap(),
                r["occurredAt"].as_str().unwrap()
            )
        })
        .collect()
}

fn applied(t: &ScriptedTransport) -> Vec<String> {
    t.oracle
        .borrow()
        .applied
        .iter()
        .map(|a| format!("{}@{}", a.kind, a.occurred_at))
        .collect()
}

/// Two calls, batches of 3, a lost reply and a 503; returns whether the disk died.
fn scenario(
    disk: &MemoryStorage,
    t: &ScriptedTransport,
    env: &FakeEnv,
    crash_after: Option<usize>,
) -> bool {
    let storage = CrashStorage::new(disk.clone(), crash_after);
    let mut cfg = config();
    cfg.batch_size = 3;
    let c = block_on(video_session_sdk::Client::open(
        cfg,
        storage.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    t.push([Fault::DropAfter, Fault::Ok, Fault::Http(503, None)]);
    for step in 0..11 {
        if storage.crashed() {
            return true;
        }
        env.advance(5_000.0);
        match step {
            0 => ignore(block_on(c.start_session(start_args("A")))),
            1 => ignore(block_on(c.mark_connected(None))),
            2 => ignore(block_on(c.update_settings(UpdateSettingsArgs {
                mic_enabled: Some(false),
                ..Default::default()
            }))),
            3 => ignore(block_on(c.deliver_due())),
            4 => ignore(block_on(c.report_quality_issue("lag".into(), None))),
            5 => ignore(block_on(c.end_session(EndSessionArgs::default()))),
            6 => ignore(block_on(c.start_session(start_args("B")))),
            7 => ignore(block_on(c.mark_failed(MarkFailedArgs::default()))),
            _ => ignore(block_on(c.flush())),
        }
    }
    storage.crashed()
}

fn ignore<T>(_: T) {}

#[test]
fn a_crash_at_every_storage_step_loses_nothing_stored_and_applies_nothing_twice() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(14),
    );
    assert!(!scenario(&disk, &t, &env, None));
    let expected = applied(&t);
    assert_eq!(expected.len(), 7);
    let mut crashes = 0;
    for n in 0..200 {
        let (disk, t, env) = (
            MemoryStorage::new(),
            ScriptedTransport::new(),
            FakeEnv::new(14),
        );
        if !scenario(&disk, &t, &env, Some(n)) {
            break;
        }
        crashes += 1;
        let on_disk = ops_on_disk(&disk);
        let before = applied(&t);
        t.script.borrow_mut().faults.clear();
        let c = open(disk.clone(), &t, &env);
        block_on(c.flush());
        assert_eq!(
            c.pending_count(),
            0,
            "crash after {n} writes: everything stored is delivered"
        );
        let after = applied(&t);
        let mut ids: Vec<String> = t
            .oracle
            .borrow()
            .applied
            .iter()
            .map(|a| a.op_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            after.len(),
            "crash after {n} writes: an op applied twice"
        );
        for op in on_disk.iter().chain(&before) {
            assert!(
                after.contains(op),
                "crash after {n} writes: {op} was stored but never applied"
            );
        }
        let mut it = expected.iter();
        assert!(
            after.iter().all(|a| it.any(|e| e == a)),
            "crash after {n} writes: {after:?} vs {expected:?}"
        );
    }
    assert!(
        crashes > 10,
        "the scenario writes to storage at many points ({crashes})"
    );
}
