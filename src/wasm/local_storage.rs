//! [`Storage`] over the browser's `localStorage`, plus the enum the client is built on
//! (localStorage, a JS adapter, or memory) so one `Client` type serves all three.
//!
//! Invariants:
//! - `set` returns after the synchronous `setItem` returned, i.e. the value is durable
//!   as far as the browser promises; a full store is `QuotaExceeded`, never a throw;
//! - where there is no `window` (Node, workers) or it refuses access (sandboxed
//!   frames, blocked cookies), [`LocalStorage::open`] says so instead of panicking.

use std::future::{ready, Future};

use wasm_bindgen::JsValue;

use super::convert::{describe, error_name};
use super::js_storage::JsStorage;
use crate::memory_storage::MemoryStorage;
use crate::platform::{Storage, StorageError};

/// The page's `localStorage`.
#[derive(Clone)]
pub(crate) struct LocalStorage {
    store: web_sys::Storage,
}

fn storage_error(err: JsValue) -> StorageError {
    let name = error_name(&err);
    // Firefox used to name it NS_ERROR_DOM_QUOTA_REACHED.
    if name == "QuotaExceededError" || name == "NS_ERROR_DOM_QUOTA_REACHED" {
        StorageError::QuotaExceeded
    } else {
        StorageError::Other(describe(&err))
    }
}

impl LocalStorage {
    pub(crate) fn open() -> Result<Self, StorageError> {
        let window = web_sys::window().ok_or_else(|| {
            StorageError::Unavailable("there is no window (Node or a worker)".into())
        })?;
        match window.local_storage() {
            Ok(Some(store)) => Ok(LocalStorage { store }),
            Ok(None) => Err(StorageError::Unavailable("localStorage is missing".into())),
            Err(e) => Err(StorageError::Unavailable(format!(
                "localStorage is blocked ({})",
                describe(&e)
            ))),
        }
    }

    /// A `Storage` object the app passed (localStorage or sessionStorage).
    pub(crate) fn from_store(store: web_sys::Storage) -> Self {
        LocalStorage { store }
    }

    fn get_now(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.store.get_item(key).map_err(storage_error)
    }

    fn get_many_now(&self, keys: &[String]) -> Result<Vec<Option<String>>, StorageError> {
        // A loop rather than collecting into a `Result`: smaller in the wasm build.
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get_now(k)?);
        }
        Ok(out)
    }

    fn keys_now(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let n = self.store.length().map_err(storage_error)?;
        let mut out = Vec::new();
        for i in 0..n {
            if let Some(k) = self.store.key(i).map_err(storage_error)? {
                if k.starts_with(prefix) {
                    out.push(k);
                }
            }
        }
        Ok(out)
    }
}

impl Storage for LocalStorage {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>> {
        ready(self.get_now(key))
    }

    fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StorageError>> {
        ready(self.get_many_now(keys))
    }

    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>> {
        ready(self.store.set_item(key, value).map_err(storage_error))
    }

    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> {
        ready(self.store.remove_item(key).map_err(storage_error))
    }

    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>> {
        ready(self.keys_now(prefix))
    }
}

/// The storage a [`super::VideoSessionClient`] runs on.
#[derive(Clone)]
pub(crate) enum WebStorage {
    Local(LocalStorage),
    Js(JsStorage),
    /// Not durable: for Node without an adapter, or when asked for explicitly.
    Memory(MemoryStorage),
}

/// localStorage and memory answer synchronously; only an adapter is awaited, so each
/// method's state machine has one await, not three.
impl Storage for WebStorage {
    async fn get(&self, key: &str) -> Result<Option<String>, StorageError> {
        match self {
            WebStorage::Js(s) => s.get(key).await,
            WebStorage::Local(s) => s.get_now(key),
            WebStorage::Memory(s) => Ok(s.get_now(key)),
        }
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<String>>, StorageError> {
        match self {
            WebStorage::Js(s) => s.get_many(keys).await,
            WebStorage::Local(s) => s.get_many_now(keys),
            WebStorage::Memory(s) => Ok(keys.iter().map(|k| s.get_now(k)).collect()),
        }
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        match self {
            WebStorage::Js(s) => s.set(key, value).await,
            WebStorage::Local(s) => s.store.set_item(key, value).map_err(storage_error),
            WebStorage::Memory(s) => s.set_now(key, value),
        }
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        match self {
            WebStorage::Js(s) => s.remove(key).await,
            WebStorage::Local(s) => s.store.remove_item(key).map_err(storage_error),
            WebStorage::Memory(s) => {
                s.remove_now(key);
                Ok(())
            }
        }
    }

    async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        match self {
            WebStorage::Js(s) => s.keys_with_prefix(prefix).await,
            WebStorage::Local(s) => s.keys_now(prefix),
            WebStorage::Memory(s) => Ok(s.keys_now(prefix)),
        }
    }
}
