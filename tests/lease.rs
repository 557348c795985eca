//! The sender lease (src/lease.rs) with a fake clock: who gets it, when it is free,
//! and that a lease it cannot write never stops delivery.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::Cell;
use std::future::Future;

use support::*;
use video_session_sdk::lease::{self, Lease, LEASE_MS};
use video_session_sdk::platform::{Storage, StorageError};
use video_session_sdk::MemoryStorage;

const KEY: &str = "vss:u:sender-lease";

fn stored(disk: &MemoryStorage) -> Option<Lease> {
    block_on(lease::read_lease(disk, KEY))
}

fn plant(disk: &MemoryStorage, holder: &str, expires_at: f64) {
    let json = serde_json::to_string(&Lease {
        holder: holder.into(),
        expires_at,
    })
    .unwrap();
    block_on(disk.set(KEY, &json)).unwrap();
}

fn acquire(disk: &MemoryStorage, env: &FakeEnv, me: &str, wait: bool) -> bool {
    block_on(lease::acquire(disk, env, KEY, me, wait, &Cell::new(false)))
}

#[test]
fn a_free_lease_is_taken_for_a_minute_and_released_after() {
    let (disk, env) = (MemoryStorage::new(), FakeEnv::new(1));
    assert!(acquire(&disk, &env, "a", false));
    let l = stored(&disk).expect("a lease is written");
    assert_eq!(l.holder, "a");
    assert!(
        (l.expires_at - (env.now.get() + LEASE_MS)).abs() <= 25.0,
        "{l:?}"
    );
    assert!(block_on(lease::release(&disk, KEY, "a")));
    assert_eq!(stored(&disk), None);
}

#[test]
fn a_live_holder_keeps_it_until_it_expires() {
    let (disk, env) = (MemoryStorage::new(), FakeEnv::new(1));
    plant(&disk, "b", env.now.get() + 10_000.0);
    assert!(!acquire(&disk, &env, "a", false), "b holds it");
    assert_eq!(stored(&disk).unwrap().holder, "b");
    // Waiting polls until b's lease runs out, then takes it.
    let start = env.now.get();
    assert!(acquire(&disk, &env, "a", true));
    assert_eq!(stored(&disk).unwrap().holder, "a");
    assert!(env.now.get() - start >= 10_000.0);
    // Releasing someone else's lease leaves it alone.
    plant(&disk, "b", env.now.get() + 10_000.0);
    assert!(block_on(lease::release(&disk, KEY, "a")));
    assert_eq!(stored(&disk).unwrap().holder, "b");
}

#[test]
fn a_waiting_instance_stops_when_closed() {
    let (disk, env) = (MemoryStorage::new(), FakeEnv::new(1));
    plant(&disk, "b", env.now.get() + 10_000.0);
    let closed = Cell::new(true);
    assert!(!block_on(lease::acquire(
        &disk, &env, KEY, "a", true, &closed
    )));
}

#[test]
fn an_expired_planted_or_unreadable_lease_is_free() {
    let (disk, env) = (MemoryStorage::new(), FakeEnv::new(1));
    plant(&disk, "b", env.now.get() - 1.0);
    assert!(acquire(&disk, &env, "a", false), "expired");
    plant(&disk, "b", env.now.get() + LEASE_MS * 1_000.0);
    assert!(
        acquire(&disk, &env, "a", false),
        "ends later than any real lease"
    );
    block_on(disk.set(KEY, "{not json")).unwrap();
    assert!(acquire(&disk, &env, "a", false), "does not parse");
    assert_eq!(stored(&disk).unwrap().holder, "a");
}

/// A store where another instance writes its own lease right after each of ours,
/// as a tab racing us would between our write and our read-back.
#[derive(Clone)]
struct Racing {
    disk: MemoryStorage,
    rival: String,
}

impl Storage for Racing {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        self.disk.get(key)
    }
    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>> {
        let rival = serde_json::to_string(&Lease {
            holder: self.rival.clone(),
            expires_at: serde_json::from_str::<Lease>(value).map_or(0.0, |l| l.expires_at),
        })
        .unwrap();
        let disk = self.disk.clone();
        let key = key.to_string();
        async move { disk.set(&key, &rival).await }
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

#[test]
fn the_last_writer_holds_it() {
    let env = FakeEnv::new(1);
    let racing = Racing {
        disk: MemoryStorage::new(),
        rival: "b".into(),
    };
    let won = block_on(lease::acquire(
        &racing,
        &env,
        KEY,
        "a",
        false,
        &Cell::new(false),
    ));
    assert!(!won, "b wrote after a: b holds it");
    assert_eq!(stored(&racing.disk).unwrap().holder, "b");
}

/// A store that refuses every write.
#[derive(Clone, Default)]
struct ReadOnly(MemoryStorage);

impl Storage for ReadOnly {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        self.0.get(key)
    }
    async fn set(&self, _: &str, _: &str) -> Result<(), StorageError> {
        Err(StorageError::QuotaExceeded)
    }
    async fn remove(&self, _: &str) -> Result<(), StorageError> {
        Err(StorageError::Other("read-only".into()))
    }
    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> {
        self.0.keys_with_prefix(prefix)
    }
}

#[test]
fn a_lease_that_cannot_be_written_never_stops_delivery() {
    let env = FakeEnv::new(1);
    let store = ReadOnly::default();
    assert!(block_on(lease::acquire(
        &store,
        &env,
        KEY,
        "a",
        false,
        &Cell::new(false)
    )));
    assert!(
        block_on(lease::release(&store, KEY, "a")),
        "no lease of a's to remove"
    );
}
