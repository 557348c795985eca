//! Reading the stored op records after a deferred open, in slices.
//!
//! Why slices: on React Native the core runs as interpreted JavaScript, where
//! parsing a record costs ≈0.3 ms, so a queue of a thousand records would hold the
//! app's only JS thread for a third of a second if read in one go. Records are read
//! in key order a chunk at a time, and after [`SLICE_MS`] of work the reader yields
//! to the host (a timer of 0 ms: the app's own events, rendering and touches run in
//! between).
//!
//! Why every call that needs the records awaits [`Client::recovered`] instead of
//! working on what is read so far: the lifecycle checks, the key clock, coalescing
//! and the order of delivery all assume the outbox holds every stored record, and a
//! new op must sort after every stored one. A call made during recovery therefore
//! waits for it (its promise resolves later; the thread stays free).
//!
//! The rules applied to each record are the ones an eager open applied: a record
//! that does not parse is quarantined, another user's is left alone, and one whose
//! key is far ahead of the device's clock moves to a fresh key after every other
//! record (see `outbox`). A chunk whose read fails is skipped: its records stay in
//! storage, where the next sync from storage picks them up as records of another
//! instance.

use super::{move_value, Client};
use crate::events::Event;
use crate::outbox::recover;
use crate::platform::{Env, Storage, Transport};
use crate::record::OpRecord;

/// Records read from storage in one call.
const CHUNK: usize = 16;
/// Work done before yielding to the host.
const SLICE_MS: f64 = 4.0;

/// What a deferred open left to read.
#[derive(Debug, Default)]
pub(super) struct Recovery {
    /// Keys not read yet, newest first (slices pop the oldest off the end).
    pub(super) unread: Vec<String>,
    /// Records whose keys are far ahead of the clock, moved once all are read.
    pub(super) ahead: Vec<(String, OpRecord)>,
    /// Records set aside so far (reported in one `Quarantined` event at the end).
    pub(super) bad: usize,
    /// A slice is between its read and its insert (another caller waits for it).
    pub(super) busy: bool,
    /// Keys of that slice, still pending until they are filed.
    pub(super) reading: usize,
    /// When the oldest listed record was made (from its key), for the age of the
    /// oldest pending op while it is not read yet.
    pub(super) oldest_ms: Option<u64>,
}

impl Recovery {
    /// Records that will count as pending unless they turn out bad or foreign.
    pub(super) fn len(&self) -> usize {
        self.unread.len() + self.reading + self.ahead.len()
    }
}

/// What the next step of recovery is.
enum Step {
    Done,
    Wait,
    Read(Vec<String>),
    Finish(Vec<(String, OpRecord)>, usize),
}

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Resolves once every stored record is in the outbox; reads what is left, in
    /// slices (see the module doc). Ready at once after a full open.
    pub async fn recovered(&self) {
        // Every enqueue and delivery step comes through here: once all is read, answer
        // without touching the clock (a call into JS on the web and in React Native).
        if self.st().recovery.is_none() {
            return;
        }
        let env = &self.inner.env;
        let mut started = env.now_ms();
        loop {
            let step = {
                let mut st = self.st();
                match st.recovery.as_mut() {
                    None => Step::Done,
                    Some(r) if r.busy => Step::Wait,
                    Some(r) if r.unread.is_empty() => {
                        // Still busy while the far-ahead records move: a new op must
                        // not take a key before theirs.
                        r.busy = true;
                        Step::Finish(std::mem::take(&mut r.ahead), r.bad)
                    }
                    Some(r) => {
                        r.busy = true;
                        let at = r.unread.len().saturating_sub(CHUNK);
                        let mut chunk = r.unread.split_off(at);
                        chunk.reverse();
                        r.reading = chunk.len();
                        Step::Read(chunk)
                    }
                }
            };
            match step {
                Step::Done => return,
                Step::Wait => env.sleep(1).await,
                Step::Read(keys) => self.read_chunk(keys).await,
                Step::Finish(ahead, bad) => return self.finish_recovery(ahead, bad).await,
            }
            if env.now_ms() - started >= SLICE_MS {
                env.sleep(0).await;
                started = env.now_ms();
            }
        }
    }

    /// Reads, parses and files one chunk of keys (oldest first).
    async fn read_chunk(&self, keys: Vec<String>) {
        let values = match self.inner.storage.get_many(&keys).await {
            Ok(v) => v,
            Err(e) => {
                self.log(|| format!("could not read {} stored ops: {e}", keys.len()));
                Vec::new()
            }
        };
        let raw = keys
            .into_iter()
            .zip(values)
            .filter_map(|(k, v)| Some((k, v?)))
            .collect();
        let recovery = recover(raw, &self.inner.config.user_id);
        {
            let mut st = self.st();
            let st = &mut *st;
            let now = self.inner.env.now_ms();
            let mut ahead = Vec::new();
            // Another user's keys never move this user's key clock.
            for k in recovery.foreign {
                st.foreign.insert(k);
            }
            for (k, rec, bytes) in recovery.good {
                if st.outbox.observe_key(&k, now) {
                    st.outbox.insert(k, rec, bytes, true);
                } else {
                    ahead.push((k, rec));
                }
            }
            if let Some(r) = st.recovery.as_mut() {
                r.ahead.extend(ahead);
                r.bad += recovery.bad.len();
                r.busy = false;
                r.reading = 0;
            }
        }
        self.quarantine(&recovery.bad).await;
    }

    /// Moves the records whose keys were far ahead to fresh keys after every record
    /// read (in key order, so theirs is kept): new ops then sort after them, as they
    /// were made after them. A record whose write fails stays under its old key
    /// (sorting last) and is moved at the next open; a crash between write and
    /// removal leaves two copies of one opId, which the backend dedupes.
    async fn finish_recovery(&self, ahead: Vec<(String, OpRecord)>, bad: usize) {
        for (old, rec) in ahead {
            let json = rec.to_json();
            let fresh = self.st().outbox.next_key(self.inner.env.now_ms());
            let k = if move_value(&self.inner.storage, &old, &fresh, &json).await {
                fresh
            } else {
                old
            };
            self.st().outbox.insert(k, rec, json.len(), true);
        }
        self.st().recovery = None;
        if bad > 0 {
            self.emit(vec![Event::Quarantined { count: bad }]);
        }
    }
}
