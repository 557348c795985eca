//! The three things the core needs from the platform, as small traits: durable
//! key-value storage, a transport that speaks Convex's HTTP API, and a clock with
//! randomness. The core never names a platform type; `src/wasm/` implements these
//! with localStorage / a JS adapter, `fetch` and `Date.now`, and `src/native/`
//! with memory, reqwest and the system clock.
//!
//! Invariants every implementation keeps:
//! - `Storage::set` returns only after the value is durable on that platform (for
//!   localStorage: the synchronous call returned); a full store is
//!   `StorageError::QuotaExceeded`, never a panic.
//! - `Transport::call` never retries by itself; the delivery engine decides.
//! - Futures here are not `Send`: the wasm build is single-threaded.

use std::future::Future;

use serde_json::Value;

/// Why a storage call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StorageError {
    /// The store refused the write because it is full.
    #[error("storage is full")]
    QuotaExceeded,
    /// The store is not there (private mode, Node without localStorage, …).
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    /// Anything else the platform reported.
    #[error("storage failed: {0}")]
    Other(String),
}

/// Durable string key-value storage. Async because React Native's AsyncStorage is;
/// synchronous stores return ready futures.
pub trait Storage {
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, StorageError>>;
    /// The values of `keys`, in their order (`None` where a key is absent). One call
    /// for what opening a client reads, because on React Native each `get` crosses
    /// the native bridge; the default asks `get` for each key in turn.
    fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StorageError>> {
        async move {
            let mut out = Vec::with_capacity(keys.len());
            for k in keys {
                out.push(self.get(k).await?);
            }
            Ok(out)
        }
    }
    fn set(&self, key: &str, value: &str) -> impl Future<Output = Result<(), StorageError>>;
    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>>;
    /// Every key that starts with `prefix`, in any order.
    fn keys_with_prefix(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StorageError>>;
}

/// Which Convex endpoint a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Query,
    Mutation,
}

/// Why a transport call did not produce a function result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// No HTTP response at all: offline, DNS, connection refused or reset.
    #[error("network error: {0}")]
    Network(String),
    /// No response within the request timeout.
    #[error("request timed out after {0} ms")]
    Timeout(u64),
    /// An HTTP status other than 200. `retry_after_ms` is the parsed `Retry-After`.
    #[error("HTTP {status}: {body}")]
    Http {
        status: u16,
        retry_after_ms: Option<u64>,
        body: String,
    },
    /// HTTP 200 with `{"status":"error"}`: the function itself failed.
    /// `data` is the ConvexError's `errorData` (our errors carry `{code, message}`).
    #[error("{message}")]
    Function {
        message: String,
        data: Option<Value>,
    },
    /// HTTP 200 whose body is not a Convex reply.
    #[error("bad reply: {0}")]
    BadReply(String),
}

/// Calls one Convex function over the HTTP API. `args` is the plain JSON object of
/// arguments (the transport wraps it as `{"path","format":"convex_encoded_json","args":[…]}`).
/// Returns the reply's `value`.
pub trait Transport {
    fn call(
        &self,
        kind: CallKind,
        path: &str,
        args: Value,
    ) -> impl Future<Output = Result<Value, TransportError>>;
}

/// Wall clock, timers and randomness, so tests control time.
pub trait Env {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
    /// Resolves after `ms` milliseconds (the fake clock resolves when advanced).
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
    /// 64 random bits, for op ids and jitter.
    fn random_u64(&self) -> u64;
    /// The device's offset from UTC at the instant `utc_ms`, in whole minutes east
    /// of UTC (`-new Date(utc_ms).getTimezoneOffset()`; New York in winter −300),
    /// within ±840 (`crate::time::whole_utc_offset`). Asked per op, at the op's own
    /// time, so a call across a daylight-saving change gets the offset of its
    /// instant. The default is UTC (0): a platform that knows no zone (the native
    /// build) buckets analytics in UTC, as the backends do for an op without one.
    fn utc_offset_min(&self, utc_ms: f64) -> i32 {
        let _ = utc_ms;
        0
    }
}
