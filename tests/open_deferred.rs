//! A deferred open (what the JS `create()` does) lists the stored queue and reads
//! it later, in chunks, yielding to the host between slices: in Hermes, where the
//! core is interpreted JavaScript, reading 1,000 records in one go held the app's
//! thread for ≈300-600 ms. These tests pin that nothing else changes: every call
//! that needs the records waits for them, and the results equal an eager open's.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use support::*;
use video_session_sdk::platform::{Env, Storage, StorageError};
use video_session_sdk::{Client, EndSessionArgs, Event, MemoryStorage};

/// A memory store that logs the size of each bulk read and, like a slow device,
/// moves the clock forward by `read_ms` for each.
#[derive(Clone)]
struct SlowStorage {
    disk: MemoryStorage,
    env: FakeEnv,
    read_ms: f64,
    chunks: Rc<RefCell<Vec<usize>>>,
}

impl Storage for SlowStorage {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        self.disk.get(key)
    }
    fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StorageError>> {
        if keys.iter().any(|k| k.contains(":op:")) {
            self.chunks.borrow_mut().push(keys.len());
            self.env.advance(self.read_ms);
        }
        let read = self.disk.get_many(keys);
        // Like AsyncStorage, the answer comes in a later turn.
        async move {
            YieldOnce(false).await;
            read.await
        }
    }
    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>> {
        self.disk.set(key, value)
    }
    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> {
        self.disk.remove(key)
    }
    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> {
        self.disk.keys_with_prefix(prefix)
    }
}

/// Pending once, then ready: a read answered in a later turn of the event loop.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The fake clock, counting the zero-length sleeps that hand the thread back.
#[derive(Clone)]
struct YieldCountingEnv {
    env: FakeEnv,
    yields: Rc<RefCell<usize>>,
}

impl Env for YieldCountingEnv {
    fn now_ms(&self) -> f64 {
        self.env.now_ms()
    }
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        if ms == 0 {
            *self.yields.borrow_mut() += 1;
        }
        self.env.sleep(ms)
    }
    fn random_u64(&self) -> u64 {
        self.env.random_u64()
    }
}

type Deferred = Client<SlowStorage, ScriptedTransport, YieldCountingEnv>;

/// `sessions` started and ended offline: two stored ops each.
fn fill(disk: &MemoryStorage, t: &ScriptedTransport, env: &FakeEnv, sessions: usize) {
    let c = open(disk.clone(), t, env);
    for i in 0..sessions {
        block_on(c.start_session(start_args(&format!("W{i}")))).unwrap();
        block_on(c.end_session(EndSessionArgs::default())).unwrap();
    }
}

fn open_deferred(
    disk: &MemoryStorage,
    t: &ScriptedTransport,
    env: &FakeEnv,
) -> (Deferred, SlowStorage, Rc<RefCell<usize>>) {
    let storage = SlowStorage {
        disk: disk.clone(),
        env: env.clone(),
        read_ms: 5.0,
        chunks: Rc::default(),
    };
    let yields = Rc::new(RefCell::new(0));
    let env = YieldCountingEnv {
        env: env.clone(),
        yields: yields.clone(),
    };
    let c = block_on(Client::open_deferred(
        config(),
        storage.clone(),
        t.clone(),
        env,
    ))
    .unwrap();
    (c, storage, yields)
}

fn offline() -> (MemoryStorage, ScriptedTransport, FakeEnv) {
    let t = ScriptedTransport::new();
    t.set_offline(true);
    (MemoryStorage::new(), t, FakeEnv::new(7))
}

#[test]
fn a_deferred_open_reads_no_record_and_counts_every_stored_one_pending() {
    let (disk, t, env) = offline();
    fill(&disk, &t, &env, 25);
    let (c, storage, _) = open_deferred(&disk, &t, &env);
    assert!(
        storage.chunks.borrow().is_empty(),
        "read at open: {:?}",
        storage.chunks.borrow()
    );
    assert_eq!(c.pending_count(), 50);
    // The oldest op's age comes from its key until it is read.
    let age = c
        .oldest_pending_age_ms()
        .expect("an age before the records are read");
    assert!(age >= 0.0, "{age}");
    // A round is due at once: it reads the rest first.
    assert!(c.next_wake_at().is_some());
    let mut reading = pin!(c.recovered());
    let poll = reading
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    assert!(
        poll.is_pending(),
        "the first chunk's read is answered later"
    );
    assert_eq!(c.pending_count(), 50, "records being read still count");
    block_on(reading);
    assert_eq!(storage.chunks.borrow().iter().sum::<usize>(), 50);
    assert!(
        storage.chunks.borrow().iter().all(|&n| n <= 16),
        "{:?}",
        storage.chunks.borrow()
    );
    assert_eq!(c.pending_count(), 50);
}

#[test]
fn reading_a_long_queue_hands_the_thread_back_between_slices() {
    let (disk, t, env) = offline();
    fill(&disk, &t, &env, 500);
    let (c, storage, yields) = open_deferred(&disk, &t, &env);
    block_on(c.recovered());
    let chunks = storage.chunks.borrow().len();
    assert_eq!(chunks, 1000_usize.div_ceil(16));
    // 5 ms a chunk and a slice of 4 ms: a yield after every chunk.
    assert!(
        *yields.borrow() >= chunks - 1,
        "{} yields for {chunks} chunks",
        yields.borrow()
    );
    assert_eq!(c.pending_count(), 1000);
}

#[test]
fn a_call_made_before_the_queue_is_read_waits_for_it_and_sorts_after_it() {
    let (disk, t, env) = offline();
    fill(&disk, &t, &env, 100);
    let first = ops_on_disk(&disk)[0]["clientSessionId"]
        .as_str()
        .unwrap()
        .to_string();
    let (c, storage, _) = open_deferred(&disk, &t, &env);
    // The session ended before the restart is known: the lifecycle check saw it.
    let err = block_on(c.mark_connected(Some(first))).unwrap_err();
    assert_eq!(err.code.as_str(), "INVALID_TRANSITION", "{err:?}");
    assert_eq!(storage.chunks.borrow().iter().sum::<usize>(), 200);
    block_on(c.start_session(start_args("after"))).unwrap();
    let ops = ops_on_disk(&disk);
    assert_eq!(ops.len(), 201);
    let last = ops.last().unwrap();
    assert_eq!(last["args"]["supportWorkerName"], "after", "{last}");
}

#[test]
fn queries_after_a_deferred_open_equal_an_eager_opens() {
    let (disk, t, env) = offline();
    fill(&disk, &t, &env, 40);
    let eager = open(disk.clone(), &t, &env);
    let (deferred, _, _) = open_deferred(&disk, &t, &env);
    let stats = block_on(deferred.get_call_stats()).unwrap();
    assert_eq!(stats, block_on(eager.get_call_stats()).unwrap());
    assert_eq!(stats.total_sessions, 40.0);
    assert_eq!(
        block_on(deferred.get_user_sessions(Some(200))).unwrap(),
        block_on(eager.get_user_sessions(Some(200))).unwrap()
    );
}

#[test]
fn a_record_that_does_not_parse_is_reported_once_the_queue_is_read() {
    let (disk, t, env) = offline();
    fill(&disk, &t, &env, 3);
    let bad_key = "vss:op:1705314540000-3f2a9c1b-000000";
    block_on(disk.set(bad_key, "{not json")).unwrap();
    let (c, _, _) = open_deferred(&disk, &t, &env);
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    c.set_event_handler(Box::new(move |e| sink.borrow_mut().push(e.clone())));
    assert!(events.borrow().is_empty());
    block_on(c.recovered());
    assert_eq!(*events.borrow(), vec![Event::Quarantined { count: 1 }]);
    assert_eq!(c.pending_count(), 6);
    assert_eq!(block_on(disk.get(bad_key)).unwrap(), None);
}
