//! The sender lease: one delivering instance per storage where the platform has no
//! Web Locks (Node, React Native, old Safari).
//!
//! A record `{prefix}sender-lease` = `{holder, expiresAt}` in the same storage as the
//! queue: write it when it is free or expired, wait a moment, read it back, and the
//! last writer holds it. It needs only storage and a clock, so it lives in the core
//! with them and is tested natively with a fake clock (`tests/lease.rs`); the wasm
//! layer only picks it when `navigator.locks` is missing.
//!
//! Invariants:
//! - the lease is an optimisation, not what makes delivery correct: every op carries
//!   its `opId` and the backend dedupes, so when the lease cannot be written the
//!   round runs anyway rather than never;
//! - a lease ending later than one this code would write is not a live holder's (a
//!   planted or corrupt `expiresAt`): it counts as free, or no instance would ever
//!   send again;
//! - the holder releases its lease after the round, and a lease expires by itself if
//!   its holder dies mid-round (an app killed mid-delivery waits at most
//!   [`LEASE_MS`] at its next launch).

use std::cell::Cell;

use serde::{Deserialize, Serialize};

use crate::platform::{Env, Storage};

/// A lease outlives any round (20 batches at the request timeout would exceed it,
/// but then a second sender is merely redundant, not harmful).
pub const LEASE_MS: f64 = 60_000.0;
/// After writing a lease, wait this long and read it back: the last writer wins.
pub const LEASE_SETTLE_MS: u64 = 25;
/// How often a waiting instance looks at the lease again.
pub const LEASE_POLL_MS: u64 = 250;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    pub holder: String,
    pub expires_at: f64,
}

/// The storage key of the lease for a client's prefix.
pub fn lease_key(prefix: &str) -> String {
    format!("{prefix}sender-lease")
}

/// The lease stored under `key`, if one parses. A read error counts as no lease.
pub async fn read_lease<S: Storage>(storage: &S, key: &str) -> Option<Lease> {
    let raw = storage.get(key).await.ok().flatten()?;
    crate::wire::from_text(&raw)
}

/// Whether `lease` leaves the lock to `me` at `now`.
pub fn is_free(lease: Option<&Lease>, me: &str, now: f64) -> bool {
    lease.is_none_or(|l| l.holder == me || l.expires_at <= now || l.expires_at > now + LEASE_MS)
}

/// Takes the lease for `me`. `wait`: poll until it is free (or `closed` is set);
/// otherwise give up at once when someone else holds it. True also when the lease
/// cannot be written (see the module doc).
pub async fn acquire<S: Storage, E: Env>(
    storage: &S,
    env: &E,
    key: &str,
    me: &str,
    wait: bool,
    closed: &Cell<bool>,
) -> bool {
    loop {
        let now = env.now_ms();
        if is_free(read_lease(storage, key).await.as_ref(), me, now) {
            let mine = Lease {
                holder: me.to_string(),
                expires_at: now + LEASE_MS,
            };
            let json = crate::json_write::to_json(&mine);
            if storage.set(key, &json).await.is_err() {
                return true;
            }
            env.sleep(LEASE_SETTLE_MS).await;
            if read_lease(storage, key)
                .await
                .is_some_and(|l| l.holder == me)
            {
                return true;
            }
        }
        if !wait || closed.get() {
            return false;
        }
        env.sleep(LEASE_POLL_MS).await;
    }
}

/// Removes the lease if `me` still holds it. False if a removal failed (the lease
/// then expires by itself).
pub async fn release<S: Storage>(storage: &S, key: &str, me: &str) -> bool {
    if read_lease(storage, key)
        .await
        .is_some_and(|l| l.holder == me)
    {
        return storage.remove(key).await.is_ok();
    }
    true
}
