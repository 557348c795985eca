//! An in-memory [`Storage`], for tests, the native tools, and as the wasm build's
//! fallback when no durable store exists. Clones share one map, so a test can drop a
//! client and reopen another on the "same disk".
//!
//! A quota (total UTF-16 length of keys and values, as browsers roughly count
//! localStorage) can be set to exercise `QuotaExceeded`.
//!
//! The map is serde_json's `Map` (a B-tree map from `String` in the wasm build)
//! holding string values, not a `BTreeMap<String, String>`: the wasm build links the
//! JSON map anyway, and one more B-tree instantiation there costs over 1 KB gzip.
//! Invariant: every value in the map is a `Value::String`.

use std::cell::RefCell;
use std::future::{ready, Future};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::platform::{Storage, StorageError};

#[derive(Debug, Default)]
struct Inner {
    map: Map<String, Value>,
    quota: Option<usize>,
    used: usize,
}

/// Shared in-memory key-value store. Not durable across processes.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    inner: Rc<RefCell<Inner>>,
}

/// A stored value's text (every value is a `Value::String`, see the module docs).
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn cost(key: &str, value: &str) -> usize {
    key.len() + value.len()
}

impl MemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits the total size of keys plus values; `None` is unlimited.
    pub fn set_quota(&self, bytes: Option<usize>) {
        self.inner.borrow_mut().quota = bytes;
    }

    /// Bytes in use (keys plus values).
    pub fn used(&self) -> usize {
        self.inner.borrow().used
    }

    /// A snapshot of every key and value, sorted by key.
    pub fn dump(&self) -> Vec<(String, String)> {
        #[allow(unused_mut)]
        let mut all: Vec<(String, String)> = self
            .inner
            .borrow()
            .map
            .iter()
            .map(|(k, v)| (k.clone(), text(v).to_string()))
            .collect();
        // Native builds may get serde_json's insertion-ordered Map (see key_set.rs).
        #[cfg(not(target_arch = "wasm32"))]
        all.sort_unstable();
        all
    }

    /// Synchronous access for tests and sync adapters.
    pub fn get_now(&self, key: &str) -> Option<String> {
        self.inner
            .borrow()
            .map
            .get(key)
            .map(|v| text(v).to_string())
    }

    pub fn set_now(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let mut inner = self.inner.borrow_mut();
        let old = inner.map.get(key).map_or(0, |v| cost(key, text(v)));
        let new_used = inner.used - old + cost(key, value);
        if inner.quota.is_some_and(|q| new_used > q) {
            return Err(StorageError::QuotaExceeded);
        }
        inner.used = new_used;
        inner
            .map
            .insert(key.to_string(), Value::String(value.to_string()));
        Ok(())
    }

    pub fn remove_now(&self, key: &str) {
        let mut inner = self.inner.borrow_mut();
        if let Some(v) = inner.map.remove(key) {
            inner.used -= cost(key, text(&v));
        }
    }

    pub fn keys_now(&self, prefix: &str) -> Vec<String> {
        self.inner
            .borrow()
            .map
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        ready(Ok(self.get_now(key)))
    }

    fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StorageError>> {
        ready(Ok(keys.iter().map(|k| self.get_now(k)).collect()))
    }

    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>> {
        ready(self.set_now(key, value))
    }

    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> {
        self.remove_now(key);
        ready(Ok(()))
    }

    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> {
        ready(Ok(self.keys_now(prefix)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_refuses_writes_that_do_not_fit() {
        let s = MemoryStorage::new();
        s.set_quota(Some(10));
        assert!(s.set_now("ab", "cdef").is_ok());
        assert_eq!(s.set_now("gh", "ijklm"), Err(StorageError::QuotaExceeded));
        assert!(
            s.set_now("ab", "cdefghij").is_ok(),
            "overwriting counts only the difference"
        );
        s.remove_now("ab");
        assert_eq!(s.used(), 0);
    }

    #[test]
    fn clones_share_and_prefix_lists() {
        let s = MemoryStorage::new();
        let t = s.clone();
        s.set_now("p:1", "a").unwrap();
        s.set_now("p:2", "b").unwrap();
        s.set_now("q:1", "c").unwrap();
        assert_eq!(t.keys_now("p:"), vec!["p:1", "p:2"]);
    }
}
