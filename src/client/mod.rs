//! The async driver: owns the outbox, the delivery state machine and the local view,
//! and carries out their decisions with the platform's Storage, Transport and Env.
//!
//! Invariants:
//! - a mutating call validates, writes one record, emits `Queued` and resolves; it
//!   never does network I/O, and after validation it never fails (a storage failure
//!   keeps the record in memory and emits `StorageFull`);
//! - no `RefCell` borrow is held across an `.await`, and the event handler is called
//!   with no borrow held, so a handler may call back into the client;
//! - the auth token is never stored (it lives in the transport).
//!
//! Storage layout under the prefix: `op:` records, `dead:` dead letters,
//! `quarantine:` records that did not parse, `view:sessions` / `view:stats` the
//! server snapshot, `current` the current session id.

mod analytics;
mod dead_letters;
mod deliver;
mod mutate;
mod read;
mod recover;

use std::cell::{RefCell, RefMut};
use std::rc::Rc;

use self::dead_letters::DeadLetters;
use self::recover::Recovery;
use crate::api::{Config, DeadLetter};
use crate::delivery::Delivery;
use crate::error::ApiError;
use crate::events::Event;
use crate::json_write::to_json;
use crate::key_set::KeySet;
use crate::local_view::LocalView;
use crate::outbox::{quarantine_key, Outbox};
use crate::platform::{Env, Storage, Transport};
use crate::record::{
    is_key_suffix, key_ms, op_prefix, tab_id, uuid_v4, BadRecord, OpKind, OpRecord,
};
use crate::validate;
use crate::wire::{from_text, list_from_text, CallStats};

/// Events kept for a handler that is not set yet (e.g. `Quarantined` at open).
const MAX_BUFFERED_EVENTS: usize = 1_000;
/// Dead letters kept in storage; the oldest go first.
const MAX_DEAD_LETTERS: usize = 1_000;

type Handler = Rc<dyn Fn(&Event)>;
type Logger = Rc<dyn Fn(&str)>;

pub(crate) struct State {
    outbox: Outbox,
    delivery: Delivery,
    view: LocalView,
    /// The last analytics answers, for when the backend cannot be reached. In
    /// memory only (`crate::analytics`).
    analytics: crate::analytics::Answers,
    /// Dead letters by storage key, oldest first.
    dead: DeadLetters,
    current: Option<String>,
    /// The session this instance most recently ended or failed: what `rateSession`
    /// without an id rates. In memory only.
    last_finished: Option<String>,
    handler: Option<Handler>,
    logger: Option<Logger>,
    buffered: Vec<Event>,
    debug: bool,
    online: bool,
    sending: bool,
    last_enqueue_ms: Option<f64>,
    last_error: Option<String>,
    /// Stored records of other users (same storage prefix): left alone, and not read
    /// again at every sync.
    foreign: KeySet,
    /// Stored records not read yet (`None` once all are): see [`Client::recovered`].
    recovery: Option<Recovery>,
}

impl State {
    /// Takes in dead letters read from storage (at open, or written by another
    /// instance): a session whose start was dead-lettered gets its later ops
    /// dead-lettered too, with the start's code, instead of being sent to fail.
    fn adopt_dead(&mut self, dead: DeadLetters) {
        for (k, d) in dead.into_entries() {
            if !self.dead.contains_key(&k) {
                if d.kind == OpKind::StartSession {
                    self.delivery
                        .mark_session_dead(&d.client_session_id, &d.code);
                }
                self.dead.insert(k, d);
            }
        }
    }
}

struct Inner<S, T, E> {
    config: Config,
    storage: S,
    transport: T,
    env: E,
    state: RefCell<State>,
}

/// The SDK client. Cheap to clone (shared state behind an `Rc`); not `Send`.
pub struct Client<S: Storage, T: Transport, E: Env> {
    inner: Rc<Inner<S, T, E>>,
}

impl<S: Storage, T: Transport, E: Env> Clone for Client<S, T, E> {
    fn clone(&self) -> Self {
        Client {
            inner: self.inner.clone(),
        }
    }
}

fn key(prefix: &str, name: &str) -> String {
    format!("{prefix}{name}")
}

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Opens the client on `storage` and reads every stored op (see
    /// [`Client::open_deferred`] and [`Client::recovered`]).
    pub async fn open(config: Config, storage: S, transport: T, env: E) -> Result<Self, ApiError> {
        let client = Self::open_deferred(config, storage, transport, env).await?;
        client.recovered().await;
        Ok(client)
    }

    /// Opens the client on `storage` with its dead letters, local view and current
    /// session, but only lists the stored op records: reading and parsing them is
    /// most of the cost of opening over a long queue (≈0.3 ms a record in Hermes,
    /// where the core runs as interpreted JavaScript), so it is left to
    /// [`Client::recovered`], which every call that needs the records awaits and
    /// which yields to the host between slices. The app's thread is never held for
    /// the whole queue.
    pub async fn open_deferred(
        config: Config,
        storage: S,
        transport: T,
        env: E,
    ) -> Result<Self, ApiError> {
        validate::user_id(&config.user_id)?;
        if let Some(t) = &config.tab_id {
            if t.is_empty() || t.contains(':') || t.len() > 64 {
                return Err(ApiError::invalid_argument(
                    "tabId must be 1-64 characters without ':'",
                ));
            }
        }
        let prefix = config.storage_prefix.clone();
        if let Some(old) = config.legacy_prefix.as_deref().filter(|p| *p != prefix) {
            migrate(&storage, old, &prefix, &config.user_id).await;
        }
        let tab = config
            .tab_id
            .clone()
            .unwrap_or_else(|| tab_id(env.random_u64()));
        // One listing of the client's whole prefix (a full scan of localStorage in a
        // browser), split here into op records and dead letters.
        let listed = storage
            .keys_with_prefix(&prefix)
            .await
            .map_err(|e| ApiError::storage(&e))?;
        let (op_keys, dead_keys) = split_listing(&prefix, listed);
        let unread = newest_first(op_keys);
        let mut outbox = Outbox::new(&prefix, &tab);
        // Its own id, not the tab id: an app may pass the same tabId every run, and
        // an instance's numbers must never be reused.
        outbox.set_client_id(uuid_v4(env.random_u64(), env.random_u64()));
        let mut delivery = Delivery::new(config.max_attempts);
        delivery.max_batch_bytes = config.max_batch_bytes;
        let dead = load_dead(&storage, dead_keys).await;
        let get = |name: &'static str| {
            let k = key(&prefix, name);
            let storage = &storage;
            async move { storage.get(&k).await.ok().flatten() }
        };
        let view = LocalView {
            sessions: get("view:sessions")
                .await
                .and_then(|s| list_from_text(&s))
                .unwrap_or_default(),
            stats: get("view:stats")
                .await
                .and_then(|s| from_text::<CallStats>(&s)),
        };
        let current = get("current").await.filter(|c| !c.is_empty());
        let mut state = State {
            outbox,
            delivery,
            view,
            analytics: Default::default(),
            dead: DeadLetters::default(),
            current,
            last_finished: None,
            handler: None,
            logger: None,
            buffered: Vec::new(),
            debug: false,
            online: true,
            sending: false,
            last_enqueue_ms: None,
            last_error: None,
            foreign: KeySet::default(),
            recovery: Some(Recovery {
                oldest_ms: unread
                    .last()
                    .and_then(|k| k.strip_prefix(&op_prefix(&prefix)))
                    .and_then(key_ms),
                unread,
                ..Recovery::default()
            }),
        };
        state.adopt_dead(dead);
        Ok(Client {
            inner: Rc::new(Inner {
                config,
                storage,
                transport,
                env,
                state: RefCell::new(state),
            }),
        })
    }

    fn st(&self) -> RefMut<'_, State> {
        self.inner.state.borrow_mut()
    }

    fn prefix(&self) -> &str {
        &self.inner.config.storage_prefix
    }

    /// Sets the function that receives events. Events that happened before (such as
    /// `Quarantined` during open) are delivered to it at once.
    pub fn set_event_handler(&self, f: Box<dyn Fn(&Event)>) {
        let f: Handler = Rc::from(f);
        let backlog = {
            let mut st = self.st();
            st.handler = Some(f.clone());
            std::mem::take(&mut st.buffered)
        };
        for e in &backlog {
            f(e);
        }
    }

    /// Where debug lines go when debug is on (stderr on native if unset).
    pub fn set_log_handler(&self, f: Box<dyn Fn(&str)>) {
        self.st().logger = Some(Rc::from(f));
    }

    /// Debug logging is off by default.
    pub fn set_debug(&self, on: bool) {
        self.st().debug = on;
    }

    fn emit(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let handler = {
            let mut st = self.st();
            match &st.handler {
                Some(h) => h.clone(),
                None => {
                    st.buffered.extend(events);
                    let excess = st.buffered.len().saturating_sub(MAX_BUFFERED_EVENTS);
                    st.buffered.drain(..excess);
                    return;
                }
            }
        };
        for e in &events {
            handler(e);
        }
    }

    fn log(&self, line: impl FnOnce() -> String) {
        if self.st().debug {
            self.write_log(line());
        }
    }

    /// The part of [`Client::log`] that is not generic over its closure, so it is
    /// compiled once rather than once per log line.
    fn write_log(&self, line: String) {
        let logger = self.st().logger.clone();
        let line = format!("[video-session-sdk] {line}");
        match logger {
            Some(l) => l(&line),
            None => default_log(&line),
        }
    }

    /// Records whether the backend answered; returns the event for a change.
    fn set_online(st: &mut State, reachable: bool) -> Option<Event> {
        if st.online == reachable {
            return None;
        }
        st.online = reachable;
        Some(if reachable {
            Event::Online
        } else {
            Event::Offline
        })
    }

    pub fn is_online(&self) -> bool {
        self.st().online
    }

    /// Ops not yet delivered (stored or held in memory). While stored records are
    /// still being read every one of them counts, including any that will turn out
    /// not to parse or to be another user's.
    pub fn pending_count(&self) -> usize {
        let st = self.st();
        st.outbox.len() + st.recovery.as_ref().map_or(0, Recovery::len)
    }

    /// How long the oldest pending op has waited.
    pub fn oldest_pending_age_ms(&self) -> Option<f64> {
        let st = self.st();
        let unread = st.recovery.as_ref().and_then(|r| r.oldest_ms);
        let oldest = match (st.outbox.oldest_ms(), unread) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some((self.inner.env.now_ms() - oldest as f64).max(0.0))
    }

    /// Ops the backend refused or that were given up, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.st().dead.values().cloned().collect()
    }

    /// The session calls without an explicit session refer to.
    pub fn current_session(&self) -> Option<String> {
        self.st().current.clone()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// When the driver should next call `deliver_due`: the end of the backoff, or the
    /// end of the debounce after the last enqueue (capped at twice the debounce after
    /// the oldest waiting op); `None` when nothing is pending.
    pub fn next_wake_at(&self) -> Option<f64> {
        let st = self.st();
        if st.recovery.is_some() {
            // A round reads the rest of the stored records first.
            return Some(self.inner.env.now_ms().max(0.0));
        }
        let oldest_ms = st.outbox.oldest_waiting_ms()?;
        let now = self.inner.env.now_ms();
        let debounce_ms = self.inner.config.debounce_ms as f64;
        // Debounced after the last enqueue, but a steady stream of calls must not hold
        // delivery off for ever: nothing waits more than twice the debounce.
        let mut debounce = st.last_enqueue_ms.map_or(now, |t| t + debounce_ms);
        if let Some(oldest) = oldest_ms {
            debounce = debounce.min(oldest as f64 + 2.0 * debounce_ms);
        }
        Some(
            st.delivery
                .retry_at()
                .map_or(debounce, |r| r.max(debounce))
                .max(0.0),
        )
    }

    async fn persist_view(&self) {
        let (sessions, stats) = {
            let st = self.st();
            (
                to_json(&st.view.sessions),
                st.view.stats.as_ref().map(to_json),
            )
        };
        let s = &self.inner.storage;
        let mut failed = s
            .set(&key(self.prefix(), "view:sessions"), &sessions)
            .await
            .err();
        if let Some(stats) = stats {
            failed = failed.or(s.set(&key(self.prefix(), "view:stats"), &stats).await.err());
        }
        if let Some(e) = failed {
            self.log(|| format!("could not save the local view: {e}"));
        }
    }

    /// Sets aside stored records that do not parse, under `quarantine:` (best
    /// effort: a record whose move fails stays and is judged again at the next read).
    async fn quarantine(&self, bad: &[(String, String, BadRecord)]) {
        for (k, v, why) in bad {
            self.log(|| format!("quarantining the stored op {k}: {why}"));
            let to = quarantine_key(self.prefix(), k);
            if !move_value(&self.inner.storage, k, &to, v).await {
                self.log(|| {
                    format!("could not quarantine {k}; it is judged again at the next read")
                });
            }
        }
    }

    /// Removes a record the client is done with. A failure is logged, not fatal: the
    /// record comes back at the next open; `then` says what that does.
    async fn remove_or_log(&self, key: &str, what: &str, then: &str) {
        if let Err(e) = self.inner.storage.remove(key).await {
            self.log(|| format!("could not remove {what} {key}: {e}; {then}"));
        }
    }

    async fn persist_current(&self) {
        let current = self.st().current.clone();
        let k = key(self.prefix(), "current");
        let r = match current {
            Some(c) => self.inner.storage.set(&k, &c).await,
            None => self.inner.storage.remove(&k).await,
        };
        if let Err(e) = r {
            self.log(|| format!("could not save the current session: {e}"));
        }
    }
}

/// Without a log handler: stderr on native; nothing on wasm (the wasm layer sets a
/// handler that writes to the console).
fn default_log(line: &str) {
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{line}");
    #[cfg(target_arch = "wasm32")]
    let _ = line;
}

/// Writes `value` under `to`, then removes `from`. False, with `from` kept, if the
/// write fails. One function for every move (quarantine, re-key, migration): each
/// storage call on the wasm storage enum costs code.
pub(super) async fn move_value<S: Storage>(storage: &S, from: &str, to: &str, value: &str) -> bool {
    if storage.set(to, value).await.is_err() {
        return false;
    }
    let _ = storage.remove(from).await;
    true
}

/// The listed keys newest first, so recovery pops the oldest off the end. A listing
/// usually comes sorted already (AsyncStorage on Android, localStorage filled in
/// order, a Map): one pass checks that, because in Hermes, where the core is
/// interpreted JavaScript, comparing keys byte by byte made sorting 1,000 of them
/// most of the cost of opening. Otherwise they are sorted by inserting into a set
/// rather than by a slice sort, which would compile a whole sort for `String` into
/// the wasm.
fn newest_first(mut keys: Vec<String>) -> Vec<String> {
    if keys.windows(2).all(|w| w[0] > w[1]) {
        return keys;
    }
    if keys.windows(2).all(|w| w[0] < w[1]) {
        keys.reverse();
        return keys;
    }
    let mut set = KeySet::default();
    for k in keys {
        set.insert(k);
    }
    let mut sorted: Vec<String> = set.into_sorted().collect();
    sorted.reverse();
    sorted
}

/// Splits a listing of the client's prefix into (op record keys, dead letter keys).
/// Only keys of the shape this SDK writes count: others under the prefix belong to a
/// prefix that begins with this one (another user's, from a release that did not
/// escape user ids) and are left alone.
fn split_listing(prefix: &str, listed: Vec<String>) -> (Vec<String>, Vec<String>) {
    let (ops, dead) = (op_prefix(prefix), key(prefix, "dead:"));
    let (mut op_keys, mut dead_keys) = (Vec::new(), Vec::new());
    for k in listed {
        if k.strip_prefix(&ops).is_some_and(is_key_suffix) {
            op_keys.push(k);
        } else if k.strip_prefix(&dead).is_some_and(is_key_suffix) {
            dead_keys.push(k);
        }
    }
    (op_keys, dead_keys)
}

/// Moves this user's op records from the prefix an earlier release used to `to`
/// (same key suffix, so their order is kept). Only records that name this user
/// move: the old prefix may also be another user's current one. Best effort: a
/// record whose write fails stays and is moved at the next open.
async fn migrate<S: Storage>(storage: &S, from: &str, to: &str, user: &str) {
    let old_ops = op_prefix(from);
    let Ok(keys) = storage.keys_with_prefix(&old_ops).await else {
        return;
    };
    let keys: Vec<String> = keys
        .into_iter()
        .filter(|k| k.strip_prefix(&old_ops).is_some_and(is_key_suffix))
        .collect();
    if keys.is_empty() {
        return;
    }
    let Ok(values) = storage.get_many(&keys).await else {
        return;
    };
    for (k, raw) in keys.iter().zip(values) {
        let (Some(suffix), Some(raw)) = (k.strip_prefix(&old_ops), raw) else {
            continue;
        };
        if OpRecord::parse(&raw).is_ok_and(|r| r.belongs_to(user)) {
            move_value(storage, k, &key(&op_prefix(to), suffix), &raw).await;
        }
    }
}

/// Reads the dead letters stored under `keys`, skipping any that do not parse.
async fn load_dead<S: Storage>(storage: &S, keys: Vec<String>) -> DeadLetters {
    let mut out = DeadLetters::default();
    if keys.is_empty() {
        return out;
    }
    let Ok(values) = storage.get_many(&keys).await else {
        return out;
    };
    for (k, v) in keys.into_iter().zip(values) {
        if let Some(d) = v.and_then(|v| from_text(&v)) {
            out.insert(k, d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::newest_first;

    fn keys(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn newest_first_takes_any_listing_order() {
        let want = keys(&["p:op:3", "p:op:2", "p:op:1"]);
        for listed in [
            ["p:op:1", "p:op:2", "p:op:3"],
            ["p:op:3", "p:op:2", "p:op:1"],
            ["p:op:2", "p:op:3", "p:op:1"],
            ["p:op:1", "p:op:3", "p:op:2"],
        ] {
            assert_eq!(newest_first(keys(&listed)), want, "{listed:?}");
        }
        assert!(newest_first(Vec::new()).is_empty());
        assert_eq!(newest_first(keys(&["p:op:1"])), keys(&["p:op:1"]));
    }
}
