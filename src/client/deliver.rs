//! Runs the delivery state machine: persists what storage refused earlier, asks the
//! planner what to do, sends a batch, and applies the outcome to memory first and
//! then to storage (view, dead letters, removals), so a crash at any point leaves
//! either the record (re-sent, deduped by opId) or its result, never neither.

use super::{key, load_dead, split_listing, Client, State, MAX_DEAD_LETTERS};
use crate::api::{DeadLetter, DeliveryStep, FlushReport};
use crate::delivery::{Candidate, Dead, Plan};
use crate::events::Event;
use crate::json_write::to_json;
use crate::key_set::KeySet;
use crate::outbox::recover;
use crate::platform::{CallKind, Env, Storage, Transport};
use crate::record::{op_prefix, OpRecord};
use crate::time::format_iso;
use crate::wire::{BatchOp, BatchRequest};

/// Clears the in-flight marks and the sending flag even if the send is abandoned
/// (the future dropped mid-flight).
struct SendGuard<'a> {
    state: &'a std::cell::RefCell<State>,
    keys: &'a [String],
}

impl Drop for SendGuard<'_> {
    fn drop(&mut self) {
        let mut st = self.state.borrow_mut();
        st.sending = false;
        for k in self.keys {
            if let Some(e) = st.outbox.get_mut(k) {
                e.in_flight = false;
            }
        }
    }
}

/// Storage work an outcome calls for, done after the state borrow is released.
#[derive(Default)]
struct Writes {
    dead: Vec<(String, DeadLetter, String)>,
    removed: Vec<String>,
    updated: Vec<(String, String)>,
    view_changed: bool,
}

impl<S: Storage, T: Transport, E: Env> Client<S, T, E> {
    /// Sends at most one batch if one is due now.
    pub async fn deliver_due(&self) -> DeliveryStep {
        self.step(false).await
    }

    /// Delivers everything deliverable now, ignoring the backoff once; stops at the
    /// first transient failure.
    pub async fn flush(&self) -> FlushReport {
        self.recovered().await;
        let mut report = FlushReport::default();
        let budget = 2 * self.pending_count() + 16;
        for i in 0..budget {
            match self.step(i == 0).await {
                DeliveryStep::Sent { applied, rejected } => {
                    report.applied += applied;
                    report.rejected += rejected;
                }
                DeliveryStep::Failed { .. } => {
                    report.error = self.st().last_error.clone();
                    break;
                }
                DeliveryStep::Idle | DeliveryStep::Wait { .. } | DeliveryStep::Busy => break,
            }
        }
        report.pending = self.pending_count();
        report
    }

    async fn step(&self, ignore_backoff: bool) -> DeliveryStep {
        self.recovered().await;
        if self.st().sending {
            return DeliveryStep::Busy;
        }
        self.persist_in_memory().await;
        let mut cascaded = 0;
        loop {
            let plan = {
                let st = self.st();
                let pending: Vec<Candidate<'_>> = st
                    .outbox
                    .iter()
                    .filter(|(_, e)| !e.in_flight)
                    .map(|(k, e)| Candidate {
                        key: k,
                        rec: &e.rec,
                        bytes: e.bytes,
                        foldable: e.foldable,
                    })
                    .collect();
                st.delivery.plan(
                    &pending,
                    self.inner.env.now_ms(),
                    self.inner.config.batch_size,
                    ignore_backoff,
                )
            };
            match plan {
                Plan::Cascade { dead } => {
                    cascaded += dead.len();
                    let mut writes = Writes::default();
                    let events = {
                        let mut st = self.st();
                        self.bury(&mut st, dead, &mut writes)
                    };
                    self.write(writes).await;
                    self.emit(events);
                }
                Plan::Send { keys } => return self.send(keys, cascaded).await,
                Plan::Idle if cascaded > 0 => {
                    return DeliveryStep::Sent {
                        applied: 0,
                        rejected: cascaded,
                    }
                }
                Plan::Wait { until } if cascaded > 0 => {
                    let _ = until;
                    return DeliveryStep::Sent {
                        applied: 0,
                        rejected: cascaded,
                    };
                }
                Plan::Idle => return DeliveryStep::Idle,
                Plan::Wait { until } => return DeliveryStep::Wait { until_ms: until },
            }
        }
    }

    async fn send(&self, keys: Vec<String>, cascaded: usize) -> DeliveryStep {
        let now = self.inner.env.now_ms();
        let request = {
            let mut st = self.st();
            st.sending = true;
            let mut ops = Vec::with_capacity(keys.len());
            for k in &keys {
                let e = st.outbox.get_mut(k).expect("planned keys are pending");
                e.in_flight = true;
                // Sent once, a report may reach the backend under its opId whatever
                // the reply: later samples start the next report.
                e.foldable = false;
                let r = &e.rec;
                ops.push(BatchOp {
                    op_id: r.op_id.clone(),
                    kind: r.kind(),
                    occurred_at: r.occurred_at.clone(),
                    args: r.args.to_value(),
                    client_id: r.client_id.clone(),
                    seq: r.seq,
                });
            }
            BatchRequest {
                user_id: self.inner.config.user_id.clone(),
                sent_at: format_iso(now),
                ops,
            }
        };
        self.log(|| format!("sending a batch of {} ops", keys.len()));
        let args = request.to_value();
        let guard = SendGuard {
            state: &self.inner.state,
            keys: &keys,
        };
        let result = self
            .inner
            .transport
            .call(CallKind::Mutation, "videoCallSessions:applyBatch", args)
            .await;
        drop(guard);

        let now = self.inner.env.now_ms();
        let random = self.inner.env.random_u64();
        let mut writes = Writes::default();
        let (step, events, isolating) = {
            let mut st = self.st();
            let sent: Vec<(String, OpRecord, usize)> = keys
                .iter()
                .filter_map(|k| {
                    st.outbox
                        .get(k)
                        .map(|e| (k.clone(), e.rec.clone(), e.bytes))
                })
                .collect();
            let cands: Vec<Candidate<'_>> = sent
                .iter()
                .map(|(k, rec, bytes)| Candidate {
                    key: k,
                    rec,
                    bytes: *bytes,
                    // Sent: no longer taking samples.
                    foldable: false,
                })
                .collect();
            let outcome = st.delivery.on_outcome(&cands, result, now, random);
            let mut events = Vec::new();
            if let Some(reachable) = outcome.reachable {
                events.extend(Self::set_online(&mut st, reachable));
            }
            let applied = outcome.delivered.len();
            let user = self.inner.config.user_id.clone();
            for (k, duplicate, value) in outcome.delivered {
                if let Some(e) = st.outbox.remove(&k) {
                    st.view.apply_delivered(&e.rec, &value, &user);
                    writes.view_changed = true;
                    writes.removed.push(k);
                    events.push(Event::Delivered {
                        kind: e.rec.kind(),
                        op_id: e.rec.op_id,
                        duplicate,
                    });
                }
            }
            let rejected = outcome.dead.len() + cascaded;
            events.extend(self.bury(&mut st, outcome.dead, &mut writes));
            let step = match outcome.retry {
                Some(retry) => {
                    let retry_at = now + retry.delay_ms as f64;
                    if retry.counts {
                        for (k, _, _) in &sent {
                            if let Some(e) = st.outbox.get_mut(k) {
                                e.rec.attempts = e.rec.attempts.saturating_add(1);
                                e.rec.last_error = Some(retry.reason.clone());
                                e.rec.next_attempt_at = Some(retry_at);
                                if e.durable {
                                    writes.updated.push((k.clone(), e.rec.to_json()));
                                }
                            }
                        }
                    }
                    st.last_error = Some(retry.reason.clone());
                    events.push(Event::Retrying {
                        attempt: retry.attempt,
                        delay_ms: retry.delay_ms,
                        reason: retry.reason,
                    });
                    DeliveryStep::Failed { retry_at }
                }
                None => {
                    st.last_error = None;
                    DeliveryStep::Sent { applied, rejected }
                }
            };
            (step, events, outcome.isolating)
        };
        if isolating {
            self.log(|| {
                "the batch was refused as a whole; re-sending its ops in smaller batches".into()
            });
        }
        self.write(writes).await;
        self.log(|| format!("delivery step: {step}"));
        self.emit(events);
        step
    }

    /// Moves ops to the dead-letter map (memory) and lists the storage work.
    fn bury(&self, st: &mut State, dead: Vec<Dead>, writes: &mut Writes) -> Vec<Event> {
        let prefix = self.prefix().to_string();
        let mut events = Vec::new();
        for d in dead {
            let Some(e) = st.outbox.remove(&d.key) else {
                continue;
            };
            if e.rec.kind() == crate::record::OpKind::StartSession {
                // Its session's later ops could only fail (e.g. a start too large to
                // send): they follow it to the dead letters.
                st.delivery
                    .mark_session_dead(&e.rec.client_session_id, &d.code);
            }
            let suffix = d.key.strip_prefix(&op_prefix(&prefix)).unwrap_or(&d.key);
            let dead_key = key(&prefix, &format!("dead:{suffix}"));
            let letter = DeadLetter {
                op_id: e.rec.op_id.clone(),
                kind: e.rec.kind(),
                client_session_id: e.rec.client_session_id.clone(),
                args: e.rec.args.to_value(),
                occurred_at: e.rec.occurred_at.clone(),
                code: d.code.clone(),
                reason: d.reason.clone(),
                dead_at: format_iso(self.inner.env.now_ms()),
            };
            st.dead.insert(dead_key.clone(), letter.clone());
            writes.dead.push((dead_key, letter, d.key));
            events.push(Event::Dropped {
                kind: e.rec.kind(),
                op_id: e.rec.op_id,
                code: d.code,
                reason: d.reason,
            });
        }
        while st.dead.len() > MAX_DEAD_LETTERS {
            if let Some((k, _)) = st.dead.pop_first() {
                writes.removed.push(k);
            }
        }
        events
    }

    /// Storage work after an outcome: the view first (so a crash re-sends rather
    /// than forgets), dead letters before their op records go, then removals.
    async fn write(&self, writes: Writes) {
        let s = &self.inner.storage;
        if writes.view_changed {
            self.persist_view().await;
        }
        for (dead_key, letter, op_key) in writes.dead {
            let json = to_json(&letter);
            if let Err(e) = s.set(&dead_key, &json).await {
                self.log(|| format!("could not store dead letter {}: {e}", letter.op_id));
            }
            self.remove_or_log(
                &op_key,
                "dead-lettered op",
                "it is sent again at the next open and refused again",
            )
            .await;
        }
        for k in writes.removed {
            self.remove_or_log(
                &k,
                "delivered op",
                "it is sent again at the next open and the backend dedupes it",
            )
            .await;
        }
        for (k, json) in writes.updated {
            if let Err(e) = s.set(&k, &json).await {
                self.log(|| format!("could not update {k}: {e}; the stored copy is older"));
            }
        }
    }

    /// Writes records that storage refused earlier, now that there may be room.
    async fn persist_in_memory(&self) {
        let keys = self.st().outbox.not_durable();
        if keys.is_empty() {
            return;
        }
        for k in keys {
            let Some(json) = self.st().outbox.get(&k).map(|e| e.rec.to_json()) else {
                continue;
            };
            if self.inner.storage.set(&k, &json).await.is_err() {
                return;
            }
            let still_pending = match self.st().outbox.get_mut(&k) {
                Some(e) => {
                    e.durable = true;
                    true
                }
                None => false,
            };
            if !still_pending {
                self.remove_or_log(
                    &k,
                    "op delivered while it was written",
                    "it is sent again at the next open and the backend dedupes it",
                )
                .await;
            }
        }
    }

    /// Picks up records other instances wrote to the same storage, and forgets the
    /// ones they delivered (removed from storage).
    pub async fn sync_from_storage(&self) {
        self.recovered().await;
        let prefix = self.prefix().to_string();
        // Sorted: records another instance delivered are folded into the view in
        // creation order (start before connect before end).
        // The outbox iterates in key order, so this list is sorted.
        let mut known_durable = Vec::new();
        for (k, e) in self.st().outbox.iter() {
            if e.durable && !e.in_flight {
                known_durable.push(k.clone());
            }
        }
        // One listing of the whole prefix, split into op records and dead letters.
        let everything = match self.inner.storage.keys_with_prefix(&prefix).await {
            Ok(k) => k,
            Err(e) => {
                self.log(|| format!("could not list stored ops: {e}"));
                return;
            }
        };
        let (listed, dead_keys) = split_listing(&prefix, everything);
        let mut listed_set = KeySet::default();
        for k in &listed {
            listed_set.insert(k.clone());
        }
        let unknown: Vec<String> = {
            let st = self.st();
            listed
                .iter()
                .filter(|k| !st.outbox.contains(k) && !st.foreign.contains(k))
                .cloned()
                .collect()
        };
        // One bulk read of the records this instance has not seen.
        let mut raw = Vec::new();
        if !unknown.is_empty() {
            match self.inner.storage.get_many(&unknown).await {
                Ok(values) => {
                    for (k, v) in unknown.into_iter().zip(values) {
                        if let Some(v) = v {
                            raw.push((k, v));
                        }
                    }
                }
                Err(e) => self.log(|| format!("could not read stored ops: {e}")),
            }
        }
        let recovery = recover(raw, &self.inner.config.user_id);
        let mut gone = Vec::new();
        {
            let mut st = self.st();
            // Forget other users' records that are gone from storage.
            let mut foreign = KeySet::default();
            for k in std::mem::take(&mut st.foreign).into_sorted() {
                if listed_set.contains(&k) {
                    foreign.insert(k);
                }
            }
            for k in recovery.foreign {
                foreign.insert(k);
            }
            let now = self.inner.env.now_ms();
            for (k, rec, bytes) in recovery.good {
                if !st.outbox.contains(&k) {
                    // Another live instance may hold a record far ahead under its key:
                    // it is not moved here, and its time is not followed.
                    st.outbox.observe_key(&k, now);
                    st.outbox.insert(k, rec, bytes, true);
                }
            }
            st.foreign = foreign;
            for k in known_durable.iter().filter(|k| !listed_set.contains(k)) {
                if st.outbox.get(k).is_some_and(|e| e.durable && !e.in_flight) {
                    gone.extend(st.outbox.remove(k).map(|e| e.rec));
                }
            }
        }
        self.quarantine(&recovery.bad).await;
        let dead = load_dead(&self.inner.storage, dead_keys).await;
        {
            let mut st = self.st();
            st.adopt_dead(dead);
            // Records another instance removed were delivered unless dead-lettered:
            // move the view forward as if this instance had delivered them.
            let mut dead_ops = KeySet::default();
            for d in st.dead.values() {
                dead_ops.insert(d.op_id.clone());
            }
            let user = self.inner.config.user_id.clone();
            for rec in gone.iter().filter(|r| !dead_ops.contains(&r.op_id)) {
                st.view
                    .apply_delivered(rec, &serde_json::Value::Null, &user);
            }
        }
        if !recovery.bad.is_empty() {
            self.emit(vec![Event::Quarantined {
                count: recovery.bad.len(),
            }]);
        }
    }
}
