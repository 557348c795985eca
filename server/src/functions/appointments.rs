//! Module `appointments`: just enough of the seed's appointments for sessions to
//! link to (`create`, `get`); `endSession` marks a linked one `completed`.

use super::dedupe::{self, Outcome};
use super::identity::{caller, ensure_owner};
use super::limits;
use super::validate::{opt, Args, Fields, V};
use super::Ctx;
use crate::db::appointments::{self, Appointment};
use crate::error::FunctionError;
use crate::ids::Table;
use crate::time;
use crate::values::Value;

pub fn create_args() -> Fields {
    vec![
        ("userId", opt(V::String)),
        ("supportWorkerName", V::String),
        ("supportWorkerId", opt(V::String)),
        ("scheduledAt", opt(V::String)),
        ("opId", opt(V::String)),
        ("occurredAt", opt(V::String)),
    ]
}

/// Creates a `scheduled` appointment; returns its id.
pub fn create(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let op_id = args.str("opId");
    if let Some(op_id) = op_id {
        limits::length("opId", op_id, 1, limits::OP_ID)?;
        if let Some((row, outcome)) = dedupe::lookup(ctx.tx, op_id, Some(&user))? {
            return match outcome {
                Outcome::Appointment(id) => Ok(Value::String(id)),
                _ => Err(FunctionError::invalid(format!(
                    "opId {op_id} was already used for {}",
                    row.kind
                ))),
            };
        }
    }
    if let Some(text) = args.str("occurredAt") {
        limits::timestamp("occurredAt", text)?;
    }
    let name = args.str("supportWorkerName").unwrap_or_default();
    limits::text("supportWorkerName", name, limits::SUPPORT_WORKER_NAME)?;
    limits::optional_length(
        "supportWorkerId",
        args.str("supportWorkerId"),
        0,
        limits::SUPPORT_WORKER_ID,
    )?;
    let scheduled_at = match args.str("scheduledAt") {
        Some(text) => Some(time::format_iso(limits::timestamp("scheduledAt", text)?)),
        None => None,
    };
    let (id, creation_us) = ctx.tx.new_doc(Table::Appointments);
    let appointment = Appointment {
        id: id.clone(),
        creation_us,
        user_id: user.clone(),
        support_worker_name: name.to_string(),
        support_worker_id: args.string("supportWorkerId"),
        scheduled_at,
        status: "scheduled".into(),
        completed_at: None,
    };
    appointments::put(ctx.tx.conn, &appointment)?;
    if let Some(op_id) = op_id {
        let outcome = Outcome::Appointment(id.clone());
        dedupe::record(
            ctx.tx,
            op_id,
            &user,
            "appointments:create",
            &outcome,
            ctx.now_ms,
        )?;
    }
    Ok(Value::String(id))
}

pub fn get_args() -> Fields {
    vec![("appointmentId", V::Id(Table::Appointments))]
}

/// The appointment or null; with an identity, another user's is `FORBIDDEN`.
pub fn get(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let id = args.str("appointmentId").unwrap_or_default();
    match appointments::get(ctx.tx.conn, id)? {
        Some(a) => {
            ensure_owner(ctx, &a.user_id)?;
            Ok(a.to_value())
        }
        None => Ok(Value::Null),
    }
}
