//! The delivery state machine, sans-IO: it is given the pending ops and the clock and
//! answers what to do (send this batch, wait until t, dead-letter these); it is given
//! the transport's outcome and answers what became of each op. The client runs the
//! decisions; tests replay any fault schedule through it deterministically.
//!
//! Invariants:
//! - ops go out in key order, at most `batch_size` (≤ 100) per batch;
//! - an op leaves the queue only when the backend answered for it (applied, duplicate
//!   or rejected) or it is dead-lettered; a lost reply means the same op (same opId)
//!   is sent again, and the backend's dedupe makes that harmless;
//! - network failures and timeouts do not use up attempts; 408/429/5xx and bad
//!   replies do; after `max_attempts` such failures an op is dead-lettered;
//! - HTTP 401 is not the ops' fault: they wait, without using up attempts, until a
//!   flush after the app sets a valid token (DESIGN.md lists 401 as permanent; losing
//!   a call's record to an expired token is worse than waiting);
//! - a whole-batch refusal (function error, HTTP 400/413) of a multi-op batch is not
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

/// A pending op as the planner sees it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub key: &'a str,
    pub rec: &'a OpRecord,
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
    retry_at: Option<f64>,
    /// How many of the next sends carry a single op (culprit isolation).
    isolate: usize,
    /// Sessions whose start is dead: (session, code, reason) for their later ops. A
    /// list, not a hash map: there are few, and the wasm build then links no hashing.
    dead_sessions: Vec<(String, String, String)>,
    pub max_attempts: u32,
}

impl Delivery {
    pub fn new(max_attempts: u32) -> Self {
        Delivery {
            max_attempts: max_attempts.max(1),
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

    /// Decides the next step. `pending` is every op not in flight, in key order.
    pub fn plan(
        &self,
        pending: &[Candidate<'_>],
        now: f64,
        batch_size: usize,
        ignore_backoff: bool,
    ) -> Plan {
        let dead: Vec<Dead> = pending
            .iter()
            .filter_map(|c| {
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
        let n = if self.isolate > 0 {
            1
        } else {
            batch_size.clamp(1, MAX_BATCH)
        };
        Plan::Send {
            keys: pending.iter().take(n).map(|c| c.key.to_string()).collect(),
        }
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
        match result {
            Ok(value) => match from_backend::<BatchReply>(&value) {
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
                } else {
                    let culprit_possible = status == 400 || status == 413;
                    self.refused(
                        sent,
                        "REJECTED".into(),
                        format!("HTTP {status}: {}", truncate(&body)),
                        culprit_possible,
                    )
                }
            }
            Err(TransportError::Function { message, data }) => {
                let code = data
                    .as_ref()
                    .and_then(|d| d.get("code"))
                    .and_then(Value::as_str)
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
                if c.rec.attempts + 1 >= self.max_attempts {
                    let code = ErrorCode::RetriesExhausted.as_str().to_string();
                    self.kill(c, &code);
                    out.dead.push(Dead {
                        key: c.key.to_string(),
                        code,
                        reason: format!(
                            "gave up after {} failed attempts; last: {reason}",
                            c.rec.attempts + 1
                        ),
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
        if c.rec.kind == OpKind::StartSession {
            self.mark_session_dead(&c.rec.client_session_id, code);
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}

#[cfg(test)]
mod tests;
