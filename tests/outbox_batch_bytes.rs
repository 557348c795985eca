//! Batches capped in bytes (contract decision D4, #12.4): a batch carries at most
//! 512 KiB of JSON; a 413 is read, not retried blindly (the batch is halved and sent
//! again at once, using no attempts); an op too large for any batch, or refused alone
//! with 413, is dead-lettered `TOO_LARGE` with a `Dropped` event and never blocks the
//! queue. The backend here refuses bodies over 1 MiB with 413, as the server does.
// Native only: fake clocks, tokio and proptest do not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::future::Future;

use serde_json::{json, Value};
use support::*;
use video_session_sdk::platform::{CallKind, Transport, TransportError};
use video_session_sdk::{Client, Event, MemoryStorage, StartSessionArgs};

/// The server's body limit.
const BACKEND_LIMIT: usize = 1024 * 1024;

/// The scripted backend behind a body-size check, like the server's.
#[derive(Clone)]
struct Limited {
    inner: ScriptedTransport,
    limit: usize,
}

impl Transport for Limited {
    fn call(
        &self,
        kind: CallKind,
        path: &str,
        args: Value,
    ) -> impl Future<Output = Result<Value, TransportError>> {
        let body = json!({"path": path, "args": args, "format": "json"}).to_string();
        let too_large = kind == CallKind::Mutation && body.len() > self.limit;
        if too_large {
            self.inner.script.borrow_mut().requests.push(args.clone());
        }
        let inner = (!too_large).then(|| self.inner.call(kind, path, args));
        async move {
            match inner {
                Some(reply) => reply.await,
                None => Err(TransportError::Http {
                    status: 413,
                    retry_after_ms: None,
                    body: r#"{"code":"PayloadTooLarge","message":"body over 1 MiB"}"#.into(),
                }),
            }
        }
    }
}

fn limited(t: &ScriptedTransport) -> Limited {
    Limited {
        inner: t.clone(),
        limit: BACKEND_LIMIT,
    }
}

/// A start with the largest arguments the SDK accepts: 4,096 UTF-16 units of
/// metadata JSON in 3-byte characters (≈ 12 KB of UTF-8), a 200-character name.
fn maximal_start() -> StartSessionArgs {
    StartSessionArgs {
        support_worker_name: "€".repeat(200),
        metadata: Some(json!("€".repeat(4094))),
        ..Default::default()
    }
}

fn request_sizes(t: &ScriptedTransport) -> Vec<(usize, usize)> {
    t.script
        .borrow()
        .requests
        .iter()
        .map(|r| (r["ops"].as_array().unwrap().len(), r.to_string().len()))
        .collect()
}

#[test]
fn a_hundred_maximal_ops_go_in_a_few_capped_batches() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(41),
    );
    let c = block_on(Client::open(config(), disk, limited(&t), env)).unwrap();
    for _ in 0..100 {
        block_on(c.start_session(maximal_start())).unwrap();
    }
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.pending), (100, 0), "{report:?}");
    let sizes = request_sizes(&t);
    assert!(
        (2..=4).contains(&sizes.len()),
        "100 ops of ≈13 KB go in 3 batches, not 1 refused or 100: {sizes:?}"
    );
    assert!(
        sizes.iter().all(|&(_, bytes)| bytes <= 512 * 1024),
        "{sizes:?}"
    );
    assert_eq!(t.oracle.borrow().applied.len(), 100);
    assert!(c.dead_letters().is_empty());
}

#[test]
fn a_tiny_byte_cap_still_carries_every_valid_op() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(45),
    );
    let mut cfg = config();
    cfg.max_batch_bytes = 1;
    let c = block_on(Client::open(cfg, disk, t.clone(), env)).unwrap();
    for _ in 0..3 {
        block_on(c.start_session(maximal_start())).unwrap();
    }
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.pending), (3, 0), "{report:?}");
    assert!(c.dead_letters().is_empty());
}

#[test]
fn a_413_halves_the_batch_and_uses_no_attempts() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(42),
    );
    let mut cfg = config();
    cfg.max_attempts = 1;
    let c = block_on(Client::open(cfg, disk, t.clone(), env)).unwrap();
    for i in 0..10 {
        block_on(c.start_session(start_args(&format!("W{i}")))).unwrap();
    }
    // A backend with a smaller limit than ours refuses the first two batches.
    t.push([Fault::Http(413, None), Fault::Http(413, None)]);
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.pending), (10, 0), "{report:?}");
    let counts: Vec<usize> = request_sizes(&t).iter().map(|&(n, _)| n).collect();
    assert_eq!(
        counts,
        [10, 5, 3, 3, 3, 1],
        "halved, halved again, then the rest"
    );
    assert!(c.dead_letters().is_empty(), "a 413 uses no attempts");
}

#[test]
fn an_op_too_large_for_any_batch_is_dead_lettered_and_blocks_nothing() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(43),
    );
    // A 10 MB record planted in storage, in today's exact record format.
    // A lifecycle op, so the outbox's eviction (4 MiB) does not take it first.
    let huge = json!({
        "opId": "huge", "kind": "startSession", "clientSessionId": "s-huge",
        "args": {"supportWorkerName": "W", "metadata": "x".repeat(10 * 1024 * 1024),
                 "clientSessionId": "s-huge"},
        "occurredAt": "2024-01-15T10:29:00.000Z", "userId": "user123", "attempts": 0
    });
    disk.set_now("vss:op:1705314540000-old-000000", &huge.to_string())
        .unwrap();
    let c = block_on(Client::open(config(), disk.clone(), limited(&t), env)).unwrap();
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = events.clone();
    c.set_event_handler(Box::new(move |e| sink.borrow_mut().push(e.clone())));
    assert_eq!(c.pending_count(), 1, "{:?}", events.borrow());
    let id = block_on(c.start_session(start_args("A"))).unwrap();
    let report = block_on(c.flush());
    assert_eq!((report.applied, report.pending), (1, 0), "{report:?}");
    let dead = c.dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].op_id.as_str(), dead[0].code.as_str()),
        ("huge", "TOO_LARGE")
    );
    assert!(events.borrow().iter().any(|e| matches!(
        e,
        Event::Dropped { op_id, code, .. } if op_id == "huge" && code == "TOO_LARGE"
    )));
    assert_eq!(t.batches(), 1, "the huge op is never sent");
    assert!(t.oracle.borrow().session(&id).is_some());
    assert!(!disk
        .dump()
        .iter()
        .any(|(k, _)| k.contains("op:1705314540000")));
}

#[test]
fn a_single_op_refused_with_413_is_dead_lettered_too_large() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(44),
    );
    let c = block_on(Client::open(config(), disk, t.clone(), env)).unwrap();
    let events = record_events(&c);
    block_on(c.start_session(start_args("A"))).unwrap();
    block_on(c.mark_connected(None)).unwrap();
    // The pair is refused, then the start alone.
    t.push([Fault::Http(413, None), Fault::Http(413, None)]);
    let report = block_on(c.flush());
    assert_eq!(report.pending, 0, "{report:?}");
    let codes: Vec<String> = c.dead_letters().into_iter().map(|d| d.code).collect();
    assert_eq!(codes, ["TOO_LARGE", "TOO_LARGE"], "its connect follows it");
    assert_eq!(
        t.batches(),
        2,
        "the connect is not sent after its start died"
    );
    assert!(events.borrow().iter().any(|e| matches!(
        e,
        Event::Dropped { code, .. } if code == "TOO_LARGE"
    )));
    // New calls go on.
    let id = block_on(c.start_session(start_args("B"))).unwrap();
    block_on(c.flush());
    assert!(t.oracle.borrow().session(&id).is_some());
}
