//! The delivery state machine, sans-IO: it is given the pending ops and the clock and
//! answers what to do (send this batch, wait until t, dead-letter these); it is given
//! the transport's outcome and answers what became of each op. The client runs the
//! decisions; tests replay any fault schedule through it deterministically.
//!
//! Invariants:
//! - ops go out in key order, at most `batch_size` (≤ 100) per batch and at most
//!   `max_batch_bytes` of JSON (well under the backend's 1 MiB body limit, so a
//!   batch of large but valid ops is split before it is sent, not refused);
//! - a 413 is read, not retried as it stands: the batch is halved and re-sent at once
//!   without using attempts; a single op refused with 413, or too large for any batch
//!   by itself, is dead-lettered `TOO_LARGE` and never blocks the queue;
//! - an op leaves the queue only when the backend answered for it (applied, duplicate
//!   or rejected) or it is dead-lettered; a lost reply means the same op (same opId)
//!   is sent again, and the backend's dedupe makes that harmless;
//! - network failures and timeouts do not use up attempts; 408/429/5xx and bad
//!   replies do; after `max_attempts` such failures an op is dead-lettered;
//! - HTTP 401 is not the ops' fault: they wait, without using up attempts, until a
//!   flush after the app sets a valid token (DESIGN.md lists 401 as permanent; losing
//!   a call's record to an expired token is worse than waiting);
//! - a whole-batch refusal (function error, HTTP 400) of a multi-op batch is not
//!   blamed on every op: the same ops are re-sent one at a time to find the culprit;
//! - once a session's `startSession` is dead, its later ops are dead-lettered without
//!   being sent (they could only fail), so a rejected op never blocks the queue.

use serde_json::Value;

use crate::backoff;
use crate::error::ErrorCode;
use crate::platform::TransportError;
use crate::record::{OpKind, OpRecord};
use crate::wire::{from_backend, BatchReply, OpResult};

/// The backend's hard cap on ops per `applyBatch`.
pub const MAX_BATCH: usize = 100;

/// Default cap on a batch's JSON (ops plus envelope): half the backend's 1 MiB body
/// limit, so headers, escaping differences and a transport's wrapping all fit.
pub const MAX_BATCH_BYTES: usize = 512 * 1024;

/// The smallest cap honoured: a batch must carry the largest op the SDK accepts
/// (≈ 16 KB: 4,096 units of metadata as UTF-8, names and ids at their limits), so a
/// small setting cannot turn valid ops into `TOO_LARGE` dead letters.
pub const MIN_BATCH_BYTES: usize = 32 * 1024;

/// Room kept in every batch for what wraps the ops: `userId` (≤ 200 UTF-16 units,
/// ≤ 1,200 bytes escaped), `sentAt`, the function path and the transport's keys.
const ENVELOPE_BYTES: usize = 4 * 1024;

/// A pending op as the planner sees it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub key: &'a str,
    pub rec: &'a OpRecord,
    /// The op's stored JSON length: an upper bound of its JSON in a batch (the
    /// stored record holds every field the batch op has, and more).
    pub bytes: usize,
    /// A network report still taking samples (`outbox::Entry::foldable`).
    pub foldable: bool,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing pending.
    Idle,
    /// Backing off until this time (ms since epoch).
    Wait { until: f64 },
    /// Dead-letter these ops without sending them (their session's start is dead).
    Cascade { dead: Vec<Dead> },
    /// Send these ops, in this order, as one `applyBatch`.
    Send { keys: Vec<String> },
}

/// An op to move to the dead-letter store.
#[derive(Debug, Clone, PartialEq)]
pub struct Dead {
    pub key: String,
    pub code: String,
    pub reason: String,
}

/// A transient failure: retry the batch later.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Consecutive transient failures so far.
    pub attempt: u32,
    pub delay_ms: u64,
    pub reason: String,
    /// Whether the sent ops' `attempts` go up (not for network failures).
    pub counts: bool,
}

/// What became of a sent batch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Ops the backend has: (key, duplicate, value).
    pub delivered: Vec<(String, bool, Value)>,
    pub dead: Vec<Dead>,
    pub retry: Option<Retry>,
    /// `Some(true)` if the backend answered at all, `Some(false)` if unreachable.
    pub reachable: Option<bool>,
    /// The batch was refused as a whole; its ops will be re-sent one at a time.
    pub isolating: bool,
}

/// Delivery state that outlives one batch.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    failures: u32,
    /// The last attempt failed (no answer, or one to retry): see [`Delivery::plan`].
    failing: bool,
    retry_at: Option<f64>,
    /// How many of the next sends carry a single op (culprit isolation).
    isolate: usize,
    /// After a 413: (ops per batch, ops still to send under that cap). Lifted once
    /// the refused batch's ops have gone out, so one large batch does not slow
    /// every later one.
    split: Option<(usize, usize)>,
    /// Sessions whose start is dead: (session, code, reason) for their later ops. A
    /// list, not a hash map: there are few, and the wasm build then links no hashing.
    dead_sessions: Vec<(String, String, String)>,
    pub max_attempts: u32,
    /// Cap on a batch's JSON, envelope included ([`MAX_BATCH_BYTES`] by default, never
    /// less than [`MIN_BATCH_BYTES`]).
    pub max_batch_bytes: usize,
}

impl Delivery {
    pub fn new(max_attempts: u32) -> Self {
        Delivery {
            max_attempts: max_attempts.max(1),
            max_batch_bytes: MAX_BATCH_BYTES,
            ..Default::default()
        }
    }

    /// When the backoff ends, if backing off.
    pub fn retry_at(&self) -> Option<f64> {
        self.retry_at
    }

    /// Records that a session's start is dead (also used at open for stored dead letters).
    pub fn mark_session_dead(&mut self, session: &str, code: &str) {
        if !self.dead_sessions.iter().any(|(s, _, _)| s == session) {
            self.dead_sessions.push((session.to_string(), code.to_string(), format!("the session's startSession was rejected ({code}), so its later ops cannot apply")));
        }
    }

    /// The room for ops in one batch.
    fn op_room(&self) -> usize {
        self.max_batch_bytes.max(MIN_BATCH_BYTES) - ENVELOPE_BYTES
    }

    /// Decides the next step. `pending` is every op not in flight, in key order.
    ///
    /// After a failed attempt, a network report still taking samples is held back
    /// with everything after it, so probing an outage does not freeze one report per
    /// attempt (a report once sent is never folded into again): storage stays one
    /// pending report per session, plus the one sent when the outage began. Only a
    /// suffix is held back, so ops still go out in key (= seq) order; a report first
    /// in line goes out, or nothing would probe.
    pub fn plan(
        &self,
        pending: &[Candidate<'_>],
        now: f64,
        batch_size: usize,
        ignore_backoff: bool,
    ) -> Plan {
        let held = self
            .failing
            .then(|| pending.iter().position(|c| c.foldable))
            .flatten()
            .filter(|at| *at > 0)
            .unwrap_or(pending.len());
        let pending = &pending[..held];
        let room = self.op_room();
        let dead: Vec<Dead> = pending
            .iter()
            .filter_map(|c| {
                if c.bytes > room {
                    return Some(too_large(c.key, c.bytes, room));
                }
                let (_, code, reason) = self
                    .dead_sessions
                    .iter()
                    .find(|(s, _, _)| *s == c.rec.client_session_id)?;
                Some(Dead {
                    key: c.key.to_string(),
                    code: code.clone(),
                    reason: reason.clone(),
                })
            })
            .collect();
        if !dead.is_empty() {
            return Plan::Cascade { dead };
        }
        if pending.is_empty() {
            return Plan::Idle;
        }
        if let Some(until) = self.retry_at {
            if !ignore_backoff && until > now {
                return Plan::Wait { until };
            }
        }
        let mut n = if self.isolate > 0 {
            1
        } else {
            batch_size.clamp(1, MAX_BATCH)
        };
        if let Some((cap, _)) = self.split {
            n = n.min(cap);
        }
        let mut keys = Vec::new();
        let mut bytes = 0usize;
        for c in pending.iter().take(n) {
            // +1: the comma between ops.
            let next = bytes.saturating_add(c.bytes).saturating_add(1);
            if !keys.is_empty() && next > room {
                break;
            }
            bytes = next;
            keys.push(c.key.to_string());
        }
        Plan::Send { keys }
    }

    /// Takes the transport's answer for `sent` (the batch, in order) and says what
    /// became of each op. `random` feeds the backoff jitter.
    pub fn on_outcome(
        &mut self,
        sent: &[Candidate<'_>],
        result: Result<Value, TransportError>,
        now: f64,
        random: u64,
    ) -> Outcome {
        let out = self.outcome_of(sent, result, now, random);
        self.failing = out.retry.is_some();
        out
    }

    fn outcome_of(
        &mut self,
        sent: &[Candidate<'_>],
        result: Result<Value, TransportError>,
        now: f64,
        random: u64,
    ) -> Outcome {
        match result {
            Ok(value) => match from_backend::<BatchReply>(value) {
                Ok(reply) => self.on_reply(sent, reply),
                Err(e) => self.transient(
                    sent,
                    format!("the backend's reply to applyBatch is not a batch result: {e}"),
                    None,
                    true,
                    true,
                    now,
                    random,
                ),
            },
            Err(TransportError::Network(m)) => self.transient(
                sent,
                format!("network error: {m}"),
                None,
                false,
                false,
                now,
                random,
            ),
            Err(TransportError::Timeout(ms)) => self.transient(
                sent,
                format!("no reply within {ms} ms"),
                None,
                false,
                false,
                now,
                random,
            ),
            Err(TransportError::BadReply(m)) => self.transient(
                sent,
                format!("bad reply: {m}"),
                None,
                true,
                true,
                now,
                random,
            ),
            Err(TransportError::Http {
                status,
                retry_after_ms,
                body,
            }) => {
                if status == 401 {
                    // A refused token says nothing about the ops: they wait (without
                    // using up attempts) until the app sets a valid token and flushes.
                    self.transient(
                        sent,
                        "the backend refused the auth token (HTTP 401); ops wait until a valid token is set".into(),
                        None,
                        false,
                        true,
                        now,
                        random,
                    )
                } else if status == 408 || status == 429 || status >= 500 {
                    self.transient(
                        sent,
                        format!("HTTP {status}"),
                        retry_after_ms,
                        true,
                        true,
                        now,
                        random,
                    )
                } else if status == 413 {
                    self.too_large(sent)
                } else {
                    let culprit_possible = status == 400;
                    self.refused(
                        sent,
                        "REJECTED".into(),
                        format!("HTTP {status}: {}", truncate(&body)),
                        culprit_possible,
                    )
                }
            }
            Err(TransportError::Function { message, data }) => {
                let wire = data
                    .as_ref()
                    .and_then(|d| d.get("code"))
                    .and_then(Value::as_str);
                if wire == Some("UNAUTHENTICATED") {
                    // A Convex deployment with auth configured says with a coded error
                    // what the local backend says with HTTP 401: same wait, no attempt.
                    return self.transient(
                        sent,
                        "the backend wants a signed-in caller (UNAUTHENTICATED); ops wait until a valid token is set".into(),
                        None,
                        false,
                        true,
                        now,
                        random,
                    );
                }
                let code = wire
                    .map(|c| ErrorCode::from_wire(c).as_str().to_string())
                    .unwrap_or_else(|| ErrorCode::Rejected.as_str().to_string());
                self.refused(sent, code, message, true)
            }
        }
    }

    fn on_reply(&mut self, sent: &[Candidate<'_>], reply: BatchReply) -> Outcome {
        self.failures = 0;
        self.retry_at = None;
        self.isolate = self.isolate.saturating_sub(1);
        self.split_sent(sent.len());
        // The last result for an op id counts, as a map built from the list would do.
        let by_id = |id: &str| reply.results.iter().rev().find(|r| r.op_id() == id);
        let mut out = Outcome {
            reachable: Some(true),
            ..Default::default()
        };
        for c in sent {
            match by_id(c.rec.op_id.as_str()) {
                Some(OpResult::Applied { value, .. }) => {
                    out.delivered
                        .push((c.key.to_string(), false, value.clone()))
                }
                Some(OpResult::Duplicate { value, .. }) => {
                    out.delivered.push((c.key.to_string(), true, value.clone()))
                }
                Some(OpResult::Rejected { error, .. }) => {
                    let code = ErrorCode::from_wire(&error.code).as_str().to_string();
                    self.kill(c, &code);
                    out.dead.push(Dead {
                        key: c.key.to_string(),
                        code,
                        reason: error.message.clone(),
                    });
                }
                // Not answered: it stays pending and goes out with the next batch.
                None => {}
            }
        }
        out
    }

    /// Counts ops sent under a split cap; lifts the cap once they are all out.
    fn split_sent(&mut self, n: usize) {
        if let Some((cap, left)) = self.split {
            let left = left.saturating_sub(n);
            self.split = (left > 0).then_some((cap, left));
        }
    }

    /// HTTP 413: the body was too large for the backend. Several ops: halve the
    /// batch and send again at once (no backoff, no attempt used). One op: it can
    /// never be delivered, so it is dead-lettered `TOO_LARGE`.
    fn too_large(&mut self, sent: &[Candidate<'_>]) -> Outcome {
        self.failures = 0;
        self.retry_at = None;
        let mut out = Outcome {
            reachable: Some(true),
            ..Default::default()
        };
        if sent.len() > 1 {
            let left = self.split.map_or(0, |(_, left)| left).max(sent.len());
            self.split = Some((sent.len().div_ceil(2), left));
            out.isolating = true;
            return out;
        }
        self.split_sent(sent.len());
        self.isolate = self.isolate.saturating_sub(1);
        for c in sent {
            let code = ErrorCode::TooLarge.as_str();
            self.kill(c, code);
            out.dead.push(Dead {
                key: c.key.to_string(),
                code: code.to_string(),
                reason: format!(
                    "the backend refused this op as too large (HTTP 413; {} bytes stored)",
                    c.bytes
                ),
            });
        }
        out
    }

    /// A refusal of the whole batch. With several ops and a cause that one op could
    /// have triggered, isolate; otherwise every sent op is dead.
    fn refused(
        &mut self,
        sent: &[Candidate<'_>],
        code: String,
        reason: String,
        culprit_possible: bool,
    ) -> Outcome {
        self.failures = 0;
        self.retry_at = None;
        let mut out = Outcome {
            reachable: Some(true),
            ..Default::default()
        };
        if sent.len() > 1 && culprit_possible {
            self.isolate = sent.len();
            out.isolating = true;
            return out;
        }
        self.isolate = self.isolate.saturating_sub(1);
        for c in sent {
            self.kill(c, &code);
            out.dead.push(Dead {
                key: c.key.to_string(),
                code: code.clone(),
                reason: reason.clone(),
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn transient(
        &mut self,
        sent: &[Candidate<'_>],
        reason: String,
        retry_after_ms: Option<u64>,
        counts: bool,
        reachable: bool,
        now: f64,
        random: u64,
    ) -> Outcome {
        self.failures = self.failures.saturating_add(1);
        let delay_ms = backoff::delay_ms(self.failures, retry_after_ms, random);
        self.retry_at = Some(now + delay_ms as f64);
        let mut out = Outcome {
            reachable: Some(reachable),
            ..Default::default()
        };
        if counts {
            for c in sent {
                // Saturating: `attempts` is read from storage and may be anything.
                let tried = c.rec.attempts.saturating_add(1);
                if tried >= self.max_attempts {
                    let code = ErrorCode::RetriesExhausted.as_str().to_string();
                    self.kill(c, &code);
                    out.dead.push(Dead {
                        key: c.key.to_string(),
                        code,
                        reason: format!("gave up after {tried} failed attempts; last: {reason}"),
                    });
                }
            }
        }
        out.retry = Some(Retry {
            attempt: self.failures,
            delay_ms,
            reason,
            counts,
        });
        out
    }

    fn kill(&mut self, c: &Candidate<'_>, code: &str) {
        if c.rec.kind() == OpKind::StartSession {
            self.mark_session_dead(&c.rec.client_session_id, code);
        }
    }
}

/// An op too large for any batch: dead-lettered before it is sent.
fn too_large(key: &str, bytes: usize, room: usize) -> Dead {
    Dead {
        key: key.to_string(),
        code: ErrorCode::TooLarge.as_str().to_string(),
        reason: format!("the op's JSON is {bytes} bytes, more than a batch may carry ({room})"),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}

#[cfg(test)]
mod tests;
