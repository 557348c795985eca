//! Opening a client and picking up other instances' records read storage in bulk:
//! on React Native each single read crosses the native bridge, so a per-record loop
//! made `create()` over 1,000 stored ops cost about two seconds.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use support::*;
use video_session_sdk::platform::{Storage, StorageError};
use video_session_sdk::MemoryStorage;

/// A memory store that counts single and bulk reads.
#[derive(Clone, Default)]
struct CountingStorage {
    disk: MemoryStorage,
    /// Keys read one at a time, in order.
    gets: Rc<RefCell<Vec<String>>>,
    /// Size of each bulk read.
    bulk: Rc<RefCell<Vec<usize>>>,
}

impl Storage for CountingStorage {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        self.gets.borrow_mut().push(key.to_string());
        self.disk.get(key)
    }
    fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StorageError>> {
        self.bulk.borrow_mut().push(keys.len());
        self.disk.get_many(keys)
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

fn fill(disk: &MemoryStorage, t: &ScriptedTransport, env: &FakeEnv, sessions: usize) {
    let c = open(disk.clone(), t, env);
    for i in 0..sessions {
        block_on(c.start_session(start_args(&format!("W{i}")))).unwrap();
        block_on(c.end_session(video_session_sdk::EndSessionArgs::default())).unwrap();
    }
}

#[test]
fn open_reads_the_stored_ops_in_bulk_reads() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(7),
    );
    t.set_offline(true);
    fill(&disk, &t, &env, 25);
    let counting = CountingStorage {
        disk: disk.clone(),
        ..Default::default()
    };
    let c = open(counting.clone(), &t, &env);
    assert_eq!(c.pending_count(), 50);
    let op_reads: Vec<String> = counting
        .gets
        .borrow()
        .iter()
        .filter(|k| k.contains(":op:"))
        .cloned()
        .collect();
    assert!(op_reads.is_empty(), "ops read one by one: {op_reads:?}");
    // The only single reads left are the few fixed keys (view, current).
    assert!(
        counting.gets.borrow().len() <= 3,
        "{:?}",
        counting.gets.borrow()
    );
    // Bulk reads of at most 16 records (client/recover.rs reads in slices).
    assert_eq!(*counting.bulk.borrow(), vec![16, 16, 16, 2]);
}

#[test]
fn sync_reads_records_of_other_instances_in_one_bulk_read() {
    let (disk, t, env) = (
        MemoryStorage::new(),
        ScriptedTransport::new(),
        FakeEnv::new(7),
    );
    t.set_offline(true);
    let counting = CountingStorage {
        disk: disk.clone(),
        ..Default::default()
    };
    let c = open(counting.clone(), &t, &env);
    let mut other = config();
    other.tab_id = Some("tab2".into());
    let o = block_on(video_session_sdk::Client::open(
        other,
        disk.clone(),
        t.clone(),
        env.clone(),
    ))
    .unwrap();
    for i in 0..10 {
        block_on(o.start_session(start_args(&format!("W{i}")))).unwrap();
    }
    counting.gets.borrow_mut().clear();
    counting.bulk.borrow_mut().clear();
    block_on(c.sync_from_storage());
    assert!(
        counting.gets.borrow().is_empty(),
        "{:?}",
        counting.gets.borrow()
    );
    assert_eq!(*counting.bulk.borrow(), vec![10]);
    assert_eq!(c.pending_count(), 10);
}
