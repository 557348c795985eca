//! Shared fakes for the native outbox tests: a fake clock, a storage that can "crash"
//! (stop persisting after N writes), and a scripted transport whose backend is a tiny
//! in-memory model of the contract's `applyBatch` (the oracle): it applies ops in
//! order, dedupes by opId, records rejections, and logs every op it applied.
#![allow(dead_code, unreachable_pub)]

pub mod calls;
#[cfg(not(target_arch = "wasm32"))]
pub mod local_server;
pub mod oracle;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;

use serde_json::{json, Value};
use video_session_sdk::platform::{
    CallKind, Env, Storage, StorageError, Transport, TransportError,
};
use video_session_sdk::{Client, Config, MemoryStorage};

#[allow(unused_imports)]
pub use calls::*;
pub use oracle::Oracle;

/// 2024-01-15T10:30:00.000Z
pub const T0: f64 = 1_705_314_600_000.0;

/// A clock tests move by hand; `sleep` advances it when polled.
#[derive(Clone)]
pub struct FakeEnv {
    pub now: Rc<Cell<f64>>,
    rng: Rc<Cell<u64>>,
    /// The device's UTC offset in minutes east (`Env::utc_offset_min`); 0 = UTC.
    pub utc_offset: Rc<Cell<i32>>,
}

impl FakeEnv {
    pub fn new(seed: u64) -> Self {
        FakeEnv {
            now: Rc::new(Cell::new(T0)),
            rng: Rc::new(Cell::new(seed | 1)),
            utc_offset: Rc::new(Cell::new(0)),
        }
    }
    /// The device moves to another zone (or across a daylight-saving change).
    pub fn set_utc_offset(&self, minutes: i32) {
        self.utc_offset.set(minutes);
    }
    pub fn advance(&self, ms: f64) {
        self.now.set(self.now.get() + ms);
    }
    pub fn set(&self, ms: f64) {
        self.now.set(ms);
    }
}

impl Env for FakeEnv {
    fn now_ms(&self) -> f64 {
        self.now.get()
    }
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        let now = self.now.clone();
        async move { now.set(now.get() + ms as f64) }
    }
    fn random_u64(&self) -> u64 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x
    }
    fn utc_offset_min(&self, _utc_ms: f64) -> i32 {
        self.utc_offset.get()
    }
}

/// Storage over a shared [`MemoryStorage`] that silently stops persisting after
/// `budget` mutating calls: from the disk's point of view the process died there.
#[derive(Clone)]
pub struct CrashStorage {
    pub disk: MemoryStorage,
    budget: Rc<Cell<Option<usize>>>,
}

impl CrashStorage {
    pub fn new(disk: MemoryStorage, budget: Option<usize>) -> Self {
        CrashStorage {
            disk,
            budget: Rc::new(Cell::new(budget)),
        }
    }
    /// False once the crash point is passed.
    fn alive(&self) -> bool {
        match self.budget.get() {
            None => true,
            Some(0) => false,
            Some(n) => {
                self.budget.set(Some(n - 1));
                true
            }
        }
    }
    pub fn crashed(&self) -> bool {
        self.budget.get() == Some(0)
    }
}

impl Storage for CrashStorage {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        self.disk.get(key)
    }
    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>> {
        let r = if self.alive() {
            self.disk.set_now(key, value)
        } else {
            Ok(())
        };
        std::future::ready(r)
    }
    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> {
        if self.alive() {
            self.disk.remove_now(key);
        }
        std::future::ready(Ok(()))
    }
    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> {
        self.disk.keys_with_prefix(prefix)
    }
}

/// What the next `applyBatch` call does.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Normal: apply and reply.
    Ok,
    /// The request never arrives (network error, nothing applied).
    DropBefore,
    /// Applied, but the reply is lost (network error).
    DropAfter,
    /// Applied, but the client times out.
    TimeoutAfter,
    /// Not applied; the client times out.
    TimeoutBefore,
    /// Not applied; HTTP status with an optional Retry-After (ms).
    Http(u16, Option<u64>),
    /// Not applied; a whole-function error.
    Function(Option<Value>),
}

#[derive(Default)]
pub struct Script {
    pub faults: VecDeque<Fault>,
    pub offline: bool,
    /// Every applyBatch request body received, in order.
    pub requests: Vec<Value>,
    /// Op ids whose presence in a batch makes the whole function throw (a backend bug).
    pub poison: Vec<String>,
}

/// A transport whose backend is the oracle, with scripted faults.
#[derive(Clone)]
pub struct ScriptedTransport {
    pub oracle: Rc<RefCell<Oracle>>,
    pub script: Rc<RefCell<Script>>,
}

impl ScriptedTransport {
    pub fn new() -> Self {
        ScriptedTransport {
            oracle: Rc::new(RefCell::new(Oracle::default())),
            script: Rc::default(),
        }
    }
    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        self.script.borrow_mut().faults.extend(faults);
    }
    pub fn set_offline(&self, offline: bool) {
        self.script.borrow_mut().offline = offline;
    }
    pub fn batches(&self) -> usize {
        self.script.borrow().requests.len()
    }

    fn handle(&self, kind: CallKind, path: &str, args: Value) -> Result<Value, TransportError> {
        let mut script = self.script.borrow_mut();
        if script.offline {
            return Err(TransportError::Network("offline".into()));
        }
        if kind == CallKind::Query {
            return self.oracle.borrow().query(path, &args);
        }
        assert_eq!(path, "videoCallSessions:applyBatch");
        script.requests.push(args.clone());
        let poisoned = args["ops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|op| script.poison.iter().any(|p| op["opId"] == json!(p)));
        if poisoned {
            return Err(TransportError::Function {
                message: "Uncaught Error: boom".into(),
                data: None,
            });
        }
        let fault = script.faults.pop_front().unwrap_or(Fault::Ok);
        let apply = || self.oracle.borrow_mut().apply_batch(&args);
        match fault {
            Fault::Ok => Ok(apply()),
            Fault::DropBefore => Err(TransportError::Network("connection reset".into())),
            Fault::DropAfter => {
                apply();
                Err(TransportError::Network("connection reset".into()))
            }
            Fault::TimeoutAfter => {
                apply();
                Err(TransportError::Timeout(10_000))
            }
            Fault::TimeoutBefore => Err(TransportError::Timeout(10_000)),
            Fault::Http(status, retry_after_ms) => Err(TransportError::Http {
                status,
                retry_after_ms,
                body: "scripted".into(),
            }),
            Fault::Function(data) => Err(TransportError::Function {
                message: "scripted".into(),
                data,
            }),
        }
    }
}

impl Transport for ScriptedTransport {
    fn call(
        &self,
        kind: CallKind,
        path: &str,
        args: Value,
    ) -> impl Future<Output = Result<Value, TransportError>> {
        std::future::ready(self.handle(kind, path, args))
    }
}

pub type TestClient<S = MemoryStorage> = Client<S, ScriptedTransport, FakeEnv>;

/// Runs a future that only awaits ready futures (all fakes here are synchronous).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    for _ in 0..1_000_000 {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete: the fakes should never leave it pending");
}

pub fn config() -> Config {
    let mut c = Config::new("user123");
    c.tab_id = Some("tab1".into());
    c
}

pub fn open<S: Storage>(
    storage: S,
    t: &ScriptedTransport,
    env: &FakeEnv,
) -> Client<S, ScriptedTransport, FakeEnv> {
    block_on(Client::open(config(), storage, t.clone(), env.clone())).expect("open")
}

/// Collects every event a client emits.
pub fn record_events<S: Storage>(
    c: &Client<S, ScriptedTransport, FakeEnv>,
) -> Rc<RefCell<Vec<video_session_sdk::Event>>> {
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    c.set_event_handler(Box::new(move |e| sink.borrow_mut().push(e.clone())));
    events
}

/// A store and a transport that answers nothing: every call stays queued.
pub fn offline() -> (MemoryStorage, ScriptedTransport, FakeEnv) {
    let t = ScriptedTransport::new();
    t.set_offline(true);
    (MemoryStorage::new(), t, FakeEnv::new(13))
}

/// `call` must be refused with `code`, its message mentioning `mentions`, and must
/// have stored, queued and emitted nothing.
pub fn assert_refused_untouched(
    disk: &MemoryStorage,
    c: &Client<MemoryStorage, ScriptedTransport, FakeEnv>,
    events: &RefCell<Vec<video_session_sdk::Event>>,
    call: &dyn Fn() -> Result<(), video_session_sdk::ApiError>,
    code: video_session_sdk::ErrorCode,
    mentions: &str,
) {
    let (before, pending, seen) = (disk.dump(), c.pending_count(), events.borrow().len());
    let e = call().expect_err("refused");
    assert_eq!(e.code, code, "{}", e.message);
    assert!(
        e.message.contains(mentions),
        "{mentions:?} in {}",
        e.message
    );
    assert_eq!(disk.dump(), before, "storage unchanged");
    assert_eq!(c.pending_count(), pending);
    assert_eq!(events.borrow().len(), seen, "no event");
}
