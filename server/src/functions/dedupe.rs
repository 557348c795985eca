//! Exactly-once: an op id that was processed returns its stored outcome and changes
//! nothing.
//!
//! The record is read and written in the transaction that applies the op. It keeps
//! the outcome and no copy of the session (as `convex/` must, where a copy made the
//! sweep and large batches exceed Convex's read limit): `{applied: {sessionId,
//! sessionStatus, duration?}}` (the session right after the op, which a batch
//! replays as is), `{rejected: {code, message}}` (a refused batch op) or
//! `{appointmentId}`. A single mutation that replays into a document reads the
//! session as it is now. Records of the older layout (`{session: <document>}`) are
//! read as the same summary, so their ops stay exactly once.

use crate::db::processed_ops::{self, ClientSeq, ProcessedOp};
use crate::db::sessions::Session;
use crate::db::Tx;
use crate::error::{Code, FunctionError};
use crate::values::Value;
use std::collections::BTreeMap;

/// A stored outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `{sessionId, sessionStatus, duration?}` right after the op.
    Applied(Value),
    /// The op was refused (only batch ops record refusals).
    Rejected(Code, String),
    /// `appointments:create` made this appointment.
    Appointment(String),
}

impl Outcome {
    fn to_value(&self) -> Value {
        let mut map = BTreeMap::new();
        match self {
            Outcome::Applied(summary) => {
                map.insert("applied".to_string(), summary.clone());
            }
            Outcome::Rejected(code, message) => {
                let mut error = BTreeMap::new();
                error.insert("code".to_string(), Value::String(code.as_str().into()));
                error.insert("message".to_string(), Value::String(message.clone()));
                map.insert("rejected".to_string(), Value::Object(error));
            }
            Outcome::Appointment(id) => {
                map.insert("appointmentId".to_string(), Value::String(id.clone()));
            }
        }
        Value::Object(map)
    }

    fn from_value(value: &Value) -> Option<Outcome> {
        let map = value.as_object()?;
        if let Some(summary) = map.get("applied") {
            return Some(Outcome::Applied(summary.clone()));
        }
        if let Some(legacy) = map.get("session") {
            return Some(Outcome::Applied(summary(legacy)));
        }
        if let Some(id) = map.get("appointmentId").and_then(Value::as_str) {
            return Some(Outcome::Appointment(id.to_string()));
        }
        let rejected = map.get("rejected")?.as_object()?;
        let code = Code::parse(rejected.get("code")?.as_str()?)?;
        let message = rejected.get("message").and_then(Value::as_str)?;
        Some(Outcome::Rejected(code, message.to_string()))
    }
}

/// The stored outcome of `op_id`; a record of another user is `FORBIDDEN`
/// (checked only when the caller's user is known).
pub fn lookup(
    tx: &Tx<'_>,
    op_id: &str,
    caller: Option<&str>,
) -> Result<Option<(ProcessedOp, Outcome)>, FunctionError> {
    let Some(row) = processed_ops::find(tx.conn, op_id)? else {
        return Ok(None);
    };
    if caller.is_some_and(|user| user != row.user_id) {
        return Err(FunctionError::forbidden(format!(
            "op {op_id} was sent by another user"
        )));
    }
    let outcome = Outcome::from_value(&row.result).ok_or_else(|| {
        FunctionError::Internal(format!("the record of op {op_id} is unreadable"))
    })?;
    Ok(Some((row, outcome)))
}

/// What is known of `user`'s op `seq` of a client instance that was processed
/// before: `Some(Some(..))` its kept record, `Some(None)` processed but its record
/// swept (at or below the instance's watermark), `None` never processed.
pub fn lookup_seq(
    tx: &Tx<'_>,
    user: &str,
    client: &ClientSeq,
) -> Result<Option<Option<(ProcessedOp, Outcome)>>, FunctionError> {
    if let Some(row) = processed_ops::find_by_seq(tx.conn, user, client)? {
        let outcome = Outcome::from_value(&row.result).ok_or_else(|| {
            FunctionError::Internal(format!("the record of op {} is unreadable", row.op_id))
        })?;
        return Ok(Some(Some((row, outcome))));
    }
    let forgotten = processed_ops::forgotten_seq(tx.conn, user, &client.client_id)?;
    Ok((client.seq <= forgotten).then_some(None))
}

/// The summary a replayed session op left behind, or its stored refusal; an op id
/// used for an appointment is `INVALID_ARGUMENT` here.
pub fn session_outcome(
    row: &ProcessedOp,
    outcome: Outcome,
) -> Result<Result<Value, (Code, String)>, FunctionError> {
    match outcome {
        Outcome::Applied(summary) => Ok(Ok(summary)),
        Outcome::Rejected(code, message) => Ok(Err((code, message))),
        Outcome::Appointment(_) => Err(FunctionError::invalid(format!(
            "opId {} was already used for {}",
            row.op_id, row.kind
        ))),
    }
}

/// Records the outcome of `op_id`.
pub fn record(
    tx: &mut Tx<'_>,
    op_id: &str,
    user_id: &str,
    kind: &str,
    outcome: &Outcome,
    now_ms: i64,
) -> Result<(), FunctionError> {
    record_seq(tx, op_id, user_id, kind, outcome, now_ms, None)
}

/// Records the outcome of `op_id`, with its client instance and `seq` if it has them.
pub fn record_seq(
    tx: &mut Tx<'_>,
    op_id: &str,
    user_id: &str,
    kind: &str,
    outcome: &Outcome,
    now_ms: i64,
    client: Option<&ClientSeq>,
) -> Result<(), FunctionError> {
    processed_ops::insert_with_seq(
        tx,
        &ProcessedOp {
            op_id: op_id.to_string(),
            user_id: user_id.to_string(),
            kind: kind.to_string(),
            result: outcome.to_value(),
            processed_at: now_ms,
        },
        client,
    )?;
    Ok(())
}

/// Records a session op that was applied.
pub fn record_session(
    tx: &mut Tx<'_>,
    op_id: &str,
    kind: &str,
    session: &Session,
    now_ms: i64,
) -> Result<(), FunctionError> {
    record_session_seq(tx, op_id, kind, session, now_ms, None)
}

/// Records a batch op that was applied, with its client instance and `seq`.
pub fn record_session_seq(
    tx: &mut Tx<'_>,
    op_id: &str,
    kind: &str,
    session: &Session,
    now_ms: i64,
    client: Option<&ClientSeq>,
) -> Result<(), FunctionError> {
    let outcome = Outcome::Applied(summary(&session.to_value()));
    record_seq(tx, op_id, &session.user_id, kind, &outcome, now_ms, client)
}

/// A batch value, `{sessionId, sessionStatus, duration?}`, from a session document
/// (or from a legacy record's copy of one, whose id is `_id` too).
pub fn summary(doc: &Value) -> Value {
    let mut map = BTreeMap::new();
    if let Some(doc) = doc.as_object() {
        for (from, to) in [
            ("_id", "sessionId"),
            ("sessionStatus", "sessionStatus"),
            ("duration", "duration"),
        ] {
            if let Some(v) = doc.get(from) {
                map.insert(to.to_string(), v.clone());
            }
        }
    }
    Value::Object(map)
}

/// The `sessionId` of a summary.
pub fn id_of(summary: &Value) -> Value {
    summary
        .as_object()
        .and_then(|d| d.get("sessionId"))
        .cloned()
        .unwrap_or(Value::Null)
}
