//! Property: whatever the fault schedule (requests lost before or after the backend
//! committed, 5xx, 429 with Retry-After, timeouts, process crashes between steps),
//! every op the app enqueued is applied by the backend exactly once, in order per
//! session, with its original occurredAt — also when the backend's 14-day sweep of
//! its opId records runs at any moment (the oracle then knows replays only by each
//! instance's clientId/seq watermark, and checks that no op it never processed was
//! taken for a replay: a lower seq never reaches it after a higher one was swept).
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use proptest::prelude::*;
use support::*;
use video_session_sdk::time::format_iso;
use video_session_sdk::{
    EndSessionArgs, Event, MarkFailedArgs, MemoryStorage, StartSessionArgs, UpdateSettingsArgs,
};

#[derive(Debug, Clone)]
enum Action {
    /// The next call of session i's script.
    Call(usize),
    /// Advance the clock, then one delivery step under this fault.
    Deliver(u32, Fault),
    /// A flush under this fault.
    Flush(Fault),
    /// The process dies and restarts on the same storage.
    Crash,
    /// The backend's sweep forgets every opId record (as 14 days on would).
    Sweep,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        3 => Just(Fault::Ok),
        1 => Just(Fault::DropBefore),
        2 => Just(Fault::DropAfter),
        1 => Just(Fault::TimeoutAfter),
        1 => Just(Fault::TimeoutBefore),
        1 => prop_oneof![Just(500u16), Just(502), Just(503), Just(408)].prop_map(|s| Fault::Http(s, None)),
        1 => (0u64..90_000).prop_map(|ra| Fault::Http(429, Some(ra))),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (0usize..3).prop_map(Action::Call),
        3 => (0u32..70_000, fault()).prop_map(|(ms, f)| Action::Deliver(ms, f)),
        1 => fault().prop_map(Action::Flush),
        1 => Just(Action::Crash),
        1 => Just(Action::Sweep),
    ]
}

/// Session scripts: no two settings updates in a row, so nothing coalesces and every
/// enqueued op must reach the backend as itself.
fn script(i: usize, quality: usize, fails: bool) -> Vec<&'static str> {
    let mut s = vec!["start", "connect"];
    for _ in 0..quality {
        s.push("settings");
        s.push("quality");
    }
    s.push(if fails || i == 2 { "failed" } else { "end" });
    s
}

fn run(
    actions: Vec<Action>,
    quality: usize,
    batch_size: usize,
    seed: u64,
) -> Result<(), TestCaseError> {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(seed),
    );
    let mut cfg = config();
    cfg.batch_size = batch_size;
    cfg.max_attempts = 10_000;
    let queued: Rc<RefCell<Vec<String>>> = Rc::default();
    let open_client = || {
        let c = block_on(video_session_sdk::Client::open(
            cfg.clone(),
            disk.clone(),
            t.clone(),
            env.clone(),
        ))
        .unwrap();
        let q = queued.clone();
        c.set_event_handler(Box::new(move |e| {
            if let Event::Queued { op_id, .. } = e {
                q.borrow_mut().push(op_id.clone());
            }
        }));
        c
    };
    let mut c = open_client();
    let scripts: Vec<Vec<&str>> = (0..3).map(|i| script(i, quality, i == 1)).collect();
    let mut next = [0usize; 3];
    let mut ids: [Option<String>; 3] = Default::default();
    // Per session: (kind, occurredAt) in call order.
    let mut expected: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for a in actions {
        match a {
            Action::Call(i) => {
                let Some(step) = scripts[i].get(next[i]).copied() else {
                    continue;
                };
                env.advance(1_000.0);
                let at = format_iso(env.now.get());
                let sid = ids[i].clone();
                let kind = match step {
                    "start" => {
                        let id = block_on(c.start_session(StartSessionArgs {
                            support_worker_name: format!("W{i}"),
                            ..Default::default()
                        }))
                        .unwrap();
                        ids[i] = Some(id);
                        "startSession"
                    }
                    "connect" => {
                        block_on(c.mark_connected(sid)).unwrap();
                        "markConnected"
                    }
                    "settings" => {
                        block_on(c.update_settings(UpdateSettingsArgs {
                            mic_enabled: Some(next[i] % 4 == 0),
                            session: sid,
                            ..Default::default()
                        }))
                        .unwrap();
                        "updateSessionSettings"
                    }
                    "quality" => {
                        block_on(c.report_quality_issue(format!("issue {}", next[i]), sid))
                            .unwrap();
                        "reportQualityIssue"
                    }
                    "end" => {
                        block_on(c.end_session(EndSessionArgs {
                            session: sid,
                            end_reason: None,
                        }))
                        .unwrap();
                        "endSession"
                    }
                    _ => {
                        block_on(c.mark_failed(MarkFailedArgs {
                            session: sid,
                            reason: None,
                        }))
                        .unwrap();
                        "markFailed"
                    }
                };
                next[i] += 1;
                expected
                    .entry(ids[i].clone().unwrap())
                    .or_default()
                    .push((kind.to_string(), at));
            }
            Action::Deliver(ms, f) => {
                env.advance(ms as f64);
                t.push([f]);
                block_on(c.deliver_due());
                t.script.borrow_mut().faults.clear();
            }
            Action::Flush(f) => {
                t.push([f]);
                block_on(c.flush());
                t.script.borrow_mut().faults.clear();
            }
            Action::Crash => {
                drop(c);
                c = open_client();
            }
            Action::Sweep => t.oracle.borrow_mut().sweep(),
        }
    }
    for _ in 0..200 {
        if c.pending_count() == 0 {
            break;
        }
        env.advance(61_000.0);
        block_on(c.flush());
    }
    prop_assert_eq!(c.pending_count(), 0);
    prop_assert!(
        c.dead_letters().is_empty(),
        "transient faults never dead-letter: {:?}",
        c.dead_letters()
    );
    let o = t.oracle.borrow();
    prop_assert!(
        o.mistaken.is_empty(),
        "ops taken for replays though never processed: {:?}",
        o.mistaken
    );
    prop_assert!(
        o.overtaken.is_empty(),
        "ops that reached the backend after a higher seq of their instance: {:?}",
        o.overtaken
    );
    let mut applied_ids: Vec<&str> = o.applied.iter().map(|a| a.op_id.as_str()).collect();
    applied_ids.sort();
    let mut queued_ids = queued.borrow().clone();
    queued_ids.sort();
    prop_assert_eq!(
        applied_ids,
        queued_ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "exactly once"
    );
    for (sid, want) in &expected {
        let got: Vec<(String, String)> = o
            .applied
            .iter()
            .filter(|a| &a.client_session_id == sid)
            .map(|a| (a.kind.clone(), a.occurred_at.clone()))
            .collect();
        prop_assert_eq!(&got, want, "order and event times of session {}", sid);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_op_is_applied_exactly_once_in_order_with_its_event_time(
        actions in prop::collection::vec(action(), 1..80),
        quality in 0usize..3,
        batch_size in 1usize..6,
        seed in any::<u64>(),
    ) {
        run(actions, quality, batch_size, seed)?;
    }
}
