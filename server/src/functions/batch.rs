//! `applyBatch`: many outbox ops in ONE transaction, each applied or rejected on
//! its own.
//!
//! Ops run in order; a rejected op is rolled back to a savepoint, so it changes
//! nothing and the batch carries on. Applied AND rejected ops are recorded in
//! `processedOps`, so replaying a whole batch yields the same outcomes and changes
//! nothing. Event times are `occurredAt + shift`, where the shift corrects a client
//! clock that is more than two minutes off (`serverNow − sentAt`); durations are
//! differences of event times, so the shift never changes them. An `occurredAt` more
//! than a minute after `sentAt` (or after now, without `sentAt`) is first clamped to
//! it (D3): an event cannot happen after the batch that reports it was sent.
//!
//! An op may name the SDK client instance that made it and its number in that
//! instance's sequence (`clientId`, `seq`). Such an op is also known as processed by
//! that pair: its kept record (whatever its opId), or, once the 14-day sweep has
//! forgotten the record, the instance's watermark (`seq` at or below it), so a
//! replay is answered `duplicate` however late it comes (docs/contract.md, "Exactly
//! once across any delay"). Ops without the pair keep opId dedupe alone.

use super::dedupe;
use super::identity::caller;
use super::lifecycle::{self, Op};
use super::limits;
use super::validate::{self, opt, Args, Fields, V};
use super::Ctx;
use crate::db::processed_ops::ClientSeq;
use crate::db::sessions::Session;
use crate::db::Tx;
use crate::error::{Code, FunctionError};
use crate::time;
use crate::values::{self, Value};
use protocol::wire::{BatchReply, OpError, OpResult};
use protocol::OpKind;

/// Clock differences up to this are left alone.
pub const SKEW_TOLERANCE_MS: i64 = 120_000;

pub fn apply_batch_args() -> Fields {
    vec![
        ("userId", opt(V::String)),
        ("sentAt", opt(V::String)),
        (
            "ops",
            V::Array(Box::new(V::Object(vec![
                ("opId", V::String),
                ("kind", V::String),
                ("occurredAt", V::String),
                ("args", V::Any),
                ("clientId", opt(V::String)),
                ("seq", opt(V::Number)),
            ]))),
        ),
    ]
}

/// Applies the ops in order; returns `{results, serverTime}`.
pub fn apply_batch(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let ops = match args.value("ops") {
        Some(Value::Array(ops)) => ops.as_slice(),
        _ => &[],
    };
    if ops.len() > limits::BATCH_OPS {
        return Err(FunctionError::invalid(format!(
            "a batch holds at most {} ops, got {}",
            limits::BATCH_OPS,
            ops.len()
        )));
    }
    // An op id, client id or seq that could never be recorded refuses the whole batch.
    for op in ops {
        let op = op.as_object().map(Args);
        let op_id = op.and_then(|o| o.str("opId"));
        limits::length("opId", op_id.unwrap_or_default(), 1, limits::OP_ID)?;
        if let Some(op) = op {
            client_seq(op)?;
        }
    }
    let clock = match args.str("sentAt") {
        Some(text) => {
            let sent = limits::timestamp("sentAt", text)?;
            let skew = ctx.now_ms - sent;
            let shift = if skew.abs() > SKEW_TOLERANCE_MS {
                skew
            } else {
                0
            };
            Clock {
                reference: sent,
                shift,
            }
        }
        None => Clock {
            reference: ctx.now_ms,
            shift: 0,
        },
    };
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let Some(op) = op.as_object() else {
            continue;
        };
        results.push(apply_one(ctx, &user, Args(op), clock)?);
    }
    let reply = BatchReply {
        results,
        server_time: Some(time::format_iso(ctx.now_ms)),
    };
    Ok(values::from_wire(&reply))
}

/// How a batch turns an op's `occurredAt` into its event time.
#[derive(Clone, Copy)]
struct Clock {
    /// `sentAt` (client clock), or now without one: the latest plausible event time.
    reference: i64,
    /// `serverNow − sentAt` when the clocks differ by more than two minutes, else 0.
    shift: i64,
}

fn applied(op_id: &str, summary: &Value) -> OpResult {
    OpResult::Applied {
        op_id: op_id.to_string(),
        value: summary.to_json(),
    }
}

fn duplicate(op_id: &str, summary: &Value) -> OpResult {
    OpResult::Duplicate {
        op_id: op_id.to_string(),
        value: summary.to_json(),
    }
}

fn rejected(op_id: &str, code: Code, message: &str) -> OpResult {
    OpResult::Rejected {
        op_id: op_id.to_string(),
        error: OpError {
            code: code.as_str().to_string(),
            message: message.to_string(),
        },
    }
}

/// The largest `seq` accepted: every integer up to it is exact in a float64.
const MAX_SEQ: f64 = 9_007_199_254_740_991.0;

/// An op's `clientId` and `seq`: both or neither; the id 1-100 characters, the seq
/// a whole number from 1.
fn client_seq(op: Args<'_>) -> Result<Option<ClientSeq>, FunctionError> {
    match (op.str("clientId"), op.f64("seq")) {
        (None, None) => Ok(None),
        (Some(client_id), Some(seq)) => {
            limits::length("clientId", client_id, 1, limits::CLIENT_ID)?;
            if !((1.0..=MAX_SEQ).contains(&seq) && seq.fract() == 0.0) {
                return Err(FunctionError::invalid(
                    "seq must be a whole number from 1 to 2^53-1",
                ));
            }
            Ok(Some(ClientSeq {
                client_id: client_id.to_string(),
                seq: seq as i64,
            }))
        }
        _ => Err(FunctionError::invalid(
            "an op names both clientId and seq, or neither",
        )),
    }
}

/// One op's result; `Err` only when the database fails (the batch aborts).
fn apply_one(
    ctx: &mut Ctx<'_, '_>,
    user: &str,
    op: Args<'_>,
    clock: Clock,
) -> Result<OpResult, FunctionError> {
    let op_id = op.str("opId").unwrap_or_default();
    let kind = op.str("kind").unwrap_or_default();
    let replayed = dedupe::lookup(ctx.tx, op_id, Some(user)).and_then(|found| {
        found
            .map(|(row, outcome)| dedupe::session_outcome(&row, outcome))
            .transpose()
    });
    match replayed {
        Ok(Some(Ok(summary))) => return Ok(duplicate(op_id, &summary)),
        Ok(Some(Err((code, message)))) => return Ok(rejected(op_id, code, &message)),
        Ok(None) => {}
        Err(FunctionError::Coded { code, message }) => return Ok(rejected(op_id, code, &message)),
        Err(other) => return Err(other),
    }
    let client = client_seq(op)?;
    if let Some(client) = &client {
        match dedupe::lookup_seq(ctx.tx, user, client)? {
            Some(Some((row, stored))) => {
                return match dedupe::session_outcome(&row, stored) {
                    Ok(Ok(summary)) => Ok(duplicate(op_id, &summary)),
                    Ok(Err((code, message))) => Ok(rejected(op_id, code, &message)),
                    Err(FunctionError::Coded { code, message }) => {
                        Ok(rejected(op_id, code, &message))
                    }
                    Err(other) => Err(other),
                };
            }
            // Processed, and its record swept: nothing is left to answer with.
            Some(None) => return Ok(duplicate(op_id, &Value::Null)),
            None => {}
        }
    }
    let occurred_at = op.str("occurredAt").unwrap_or_default();
    let args = op.value("args").unwrap_or(&Value::Null);
    let outcome = ctx
        .tx
        .nested(|tx| apply_op(tx, user, kind, occurred_at, args, clock));
    let (code, message) = match outcome {
        Ok(session) => {
            dedupe::record_session_seq(ctx.tx, op_id, kind, &session, ctx.now_ms, client.as_ref())?;
            return Ok(applied(op_id, &dedupe::summary(&session.to_value())));
        }
        Err(FunctionError::Coded { code, message }) => (code, message),
        Err(e @ (FunctionError::Validation(_) | FunctionError::UnknownFunction(_))) => {
            (Code::InvalidArgument, e.to_string())
        }
        Err(internal @ FunctionError::Internal(_)) => return Err(internal),
    };
    let refusal = dedupe::Outcome::Rejected(code, message.clone());
    dedupe::record_seq(
        ctx.tx,
        op_id,
        user,
        kind,
        &refusal,
        ctx.now_ms,
        client.as_ref(),
    )?;
    Ok(rejected(op_id, code, &message))
}

/// Validates and applies one op at its shifted event time.
fn apply_op(
    tx: &mut Tx<'_>,
    user: &str,
    kind: &str,
    occurred_at: &str,
    args: &Value,
    clock: Clock,
) -> Result<Session, FunctionError> {
    let kind = OpKind::from_name(kind).ok_or_else(|| {
        FunctionError::invalid(format!(
            "unknown op kind {:?}; expected one of {}",
            limits::echo(kind),
            OpKind::NAMES.join(", ")
        ))
    })?;
    let fields = lifecycle::fields(kind);
    let Value::Object(map) = args else {
        return Err(FunctionError::invalid("an op's args must be an object"));
    };
    validate::check_args(&fields, map)?;
    let op = Op::parse(kind, Args(map))?;
    let occurred = limits::timestamp("occurredAt", occurred_at)?;
    let t_ms = limits::clamp_future(occurred, clock.reference) + clock.shift;
    if !(0..=time::MAX_MS).contains(&t_ms) {
        return Err(FunctionError::invalid(
            "occurredAt falls outside 1970-9999 once corrected for clock skew",
        ));
    }
    if let Op::Start(start) = &op {
        return lifecycle::start(tx, user, start, t_ms);
    }
    let target = op
        .target()
        .ok_or_else(|| FunctionError::invalid("this op names no session"))?;
    let session = lifecycle::resolve(tx, target)?;
    if session.user_id != user {
        return Err(FunctionError::forbidden(
            "this session belongs to another user",
        ));
    }
    lifecycle::transition(tx, session, &op, t_ms)
}
