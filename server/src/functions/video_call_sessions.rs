//! Module `videoCallSessions`: the single mutations and the queries, mirroring
//! `convex/functions/videoCallSessions.ts` function by function (`applyBatch` lives in
//! `batch.rs`, the stats queries in `stats.rs`).
//!
//! Each mutation: the caller, then the op id (a replay returns the stored result),
//! then limits, then the lifecycle change — and the op id is recorded in the same
//! transaction. A mutation that fails records nothing.

use super::dedupe;
use super::identity::{caller, ensure_owner};
use super::lifecycle::{self, Op, SessionRef};
use super::limits;
use super::validate::{opt, Args, Fields, V};
use super::Ctx;
use crate::db::sessions;
use crate::error::FunctionError;
use crate::ids::{self, Table};
use crate::values::Value;
use protocol::OpKind;
use std::collections::BTreeMap;

fn with_common(mut fields: Fields) -> Fields {
    fields.push(("opId", opt(V::String)));
    fields.push(("occurredAt", opt(V::String)));
    fields
}

fn op_fields(kind: OpKind) -> Fields {
    with_common(lifecycle::fields(kind))
}

/// Runs the single mutation `kind`.
fn run(ctx: &mut Ctx<'_, '_>, args: Args<'_>, kind: OpKind) -> Result<Value, FunctionError> {
    let start_user = match kind {
        OpKind::StartSession => Some(caller(ctx, args.str("userId"))?),
        _ => None,
    };
    let returns_id = matches!(kind, OpKind::StartSession | OpKind::MarkConnected);
    let op_id = args.str("opId");
    if let Some(op_id) = op_id {
        limits::length("opId", op_id, 1, limits::OP_ID)?;
        let known_user = start_user
            .clone()
            .or_else(|| ctx.identity.map(|i| i.subject.clone()));
        if let Some((row, outcome)) = dedupe::lookup(ctx.tx, op_id, known_user.as_deref())? {
            return match dedupe::session_outcome(&row, outcome)? {
                Ok(summary) if returns_id => Ok(dedupe::id_of(&summary)),
                Ok(summary) => current_session(ctx, &dedupe::id_of(&summary)),
                Err((code, message)) => Err(FunctionError::coded(code, message)),
            };
        }
    }
    let t_ms = match args.str("occurredAt") {
        Some(text) => limits::clamp_future(limits::timestamp("occurredAt", text)?, ctx.now_ms),
        None => ctx.now_ms,
    };
    let op = Op::parse(kind, args)?;
    let session = match (&op, &start_user) {
        (Op::Start(fields), Some(user)) => lifecycle::start(ctx.tx, user, fields, t_ms)?,
        _ => {
            let target = op
                .target()
                .ok_or_else(|| FunctionError::invalid("this op names no session"))?;
            let session = lifecycle::resolve(ctx.tx, target)?;
            ensure_owner(ctx, &session.user_id)?;
            lifecycle::transition(ctx.tx, session, &op, t_ms)?
        }
    };
    if let Some(op_id) = op_id {
        dedupe::record_session(ctx.tx, op_id, kind.as_str(), &session, ctx.now_ms)?;
    }
    Ok(if returns_id {
        Value::String(session.id.clone())
    } else {
        session.to_value()
    })
}

/// The session a replayed op names, as it is now.
fn current_session(ctx: &Ctx<'_, '_>, id: &Value) -> Result<Value, FunctionError> {
    let id = id.as_str().unwrap_or_default();
    match sessions::get(ctx.tx.conn, id)? {
        Some(session) => Ok(session.to_value()),
        None => Err(FunctionError::not_found(format!(
            "session {id} no longer exists"
        ))),
    }
}

pub fn start_session_args() -> Fields {
    let mut fields = vec![("userId", opt(V::String))];
    fields.extend(op_fields(OpKind::StartSession));
    fields
}

/// Creates a `connecting` session; returns its id.
pub fn start_session(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::StartSession)
}

pub fn mark_connected_args() -> Fields {
    op_fields(OpKind::MarkConnected)
}

/// `connecting` → `connected`; returns the session id.
pub fn mark_connected(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::MarkConnected)
}

pub fn end_session_args() -> Fields {
    op_fields(OpKind::EndSession)
}

/// Ends the call, computing its duration; returns the session.
pub fn end_session(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::EndSession)
}

pub fn update_session_settings_args() -> Fields {
    op_fields(OpKind::UpdateSessionSettings)
}

/// Sets camera, mic or audio option; returns the session.
pub fn update_session_settings(
    ctx: &mut Ctx<'_, '_>,
    args: Args<'_>,
) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::UpdateSessionSettings)
}

pub fn report_quality_issue_args() -> Fields {
    op_fields(OpKind::ReportQualityIssue)
}

/// Appends a quality issue; returns the session.
pub fn report_quality_issue(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::ReportQualityIssue)
}

pub fn mark_failed_args() -> Fields {
    op_fields(OpKind::MarkFailed)
}

/// Marks the call failed; returns the session.
pub fn mark_failed(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::MarkFailed)
}

pub fn mark_reconnecting_args() -> Fields {
    op_fields(OpKind::MarkReconnecting)
}

/// `connected` → `reconnecting`, counting the reconnect; returns the session.
pub fn mark_reconnecting(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::MarkReconnecting)
}

pub fn mark_reconnected_args() -> Fields {
    op_fields(OpKind::MarkReconnected)
}

/// `reconnecting` → `connected`, adding the interval's seconds; returns the session.
pub fn mark_reconnected(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::MarkReconnected)
}

pub fn mark_screen_share_args() -> Fields {
    op_fields(OpKind::MarkScreenShare)
}

/// Screen sharing started or stopped; returns the session.
pub fn mark_screen_share(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::MarkScreenShare)
}

pub fn rate_session_args() -> Fields {
    op_fields(OpKind::RateSession)
}

/// Rates an ended or failed session, once; returns the session.
pub fn rate_session(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::RateSession)
}

pub fn report_network_stats_args() -> Fields {
    op_fields(OpKind::ReportNetworkStats)
}

/// Merges network-quality samples or summaries into the session's; returns the
/// session.
pub fn report_network_stats(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    run(ctx, args, OpKind::ReportNetworkStats)
}

const END_CURSOR: &str = "_end_cursor";

pub fn get_user_sessions_args() -> Fields {
    vec![("userId", opt(V::String)), ("limit", opt(V::Number))]
}

/// The user's sessions, newest first.
pub fn get_user_sessions(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let limit = limits::page_size(
        "limit",
        args.f64("limit"),
        limits::SESSIONS_PAGE_DEFAULT,
        limits::SESSIONS_PAGE,
    )?;
    let found = sessions::by_user(ctx.tx.conn, &user, None, limit)?;
    Ok(Value::Array(found.iter().map(|s| s.to_value()).collect()))
}

pub fn get_user_sessions_page_args() -> Fields {
    let nullable_string = || V::Union(vec![V::String, V::Null]);
    vec![
        ("userId", opt(V::String)),
        (
            "paginationOpts",
            V::Object(vec![
                ("numItems", V::Number),
                ("cursor", nullable_string()),
                ("endCursor", opt(nullable_string())),
                ("id", opt(V::Number)),
                ("maximumRowsRead", opt(V::Number)),
                ("maximumBytesRead", opt(V::Number)),
            ]),
        ),
    ]
}

/// One page of the user's sessions, newest first, as Convex's `paginate` returns
/// it: `{page, isDone, continueCursor, splitCursor, pageStatus}`; the cursor after
/// the last page is `_end_cursor`. With `endCursor` the page is exactly
/// `(cursor, endCursor]` whatever `numItems` says — how `usePaginatedQuery` reloads
/// a page and reads the halves of a split one. This server has no read limits, so
/// it never asks for a split (`splitCursor` and `pageStatus` are null).
pub fn get_user_sessions_page(
    ctx: &mut Ctx<'_, '_>,
    args: Args<'_>,
) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let opts = args
        .value("paginationOpts")
        .and_then(Value::as_object)
        .map(Args)
        .ok_or_else(|| FunctionError::invalid("paginationOpts is required"))?;
    let num_items = limits::page_size(
        "paginationOpts.numItems",
        opts.f64("numItems"),
        limits::SESSIONS_PAGE_DEFAULT,
        limits::SESSIONS_PAGE,
    )?;
    let before_us = cursor_position(ctx, &user, opts.str("cursor"), "cursor")?;
    let end = match opts.str("endCursor") {
        None => None,
        Some(text) => Some((
            text.to_string(),
            cursor_position(ctx, &user, Some(text), "endCursor")?,
        )),
    };
    let (page, is_done, continue_cursor) = match (before_us, end) {
        (Some(i64::MIN), _) => (Vec::new(), true, END_CURSOR.to_string()),
        (_, Some((_, Some(i64::MIN)))) => {
            let page = sessions::by_user_down_to(ctx.tx.conn, &user, before_us, i64::MIN)?;
            (page, true, END_CURSOR.to_string())
        }
        (_, Some((end_cursor, Some(end_us)))) => {
            let page = sessions::by_user_down_to(ctx.tx.conn, &user, before_us, end_us)?;
            (page, false, end_cursor)
        }
        (_, _) => {
            let page = sessions::by_user(ctx.tx.conn, &user, before_us, num_items)?;
            let is_done = page.len() < num_items;
            let continue_cursor = match page.last() {
                Some(last) if !is_done => last.id.clone(),
                _ => END_CURSOR.to_string(),
            };
            (page, is_done, continue_cursor)
        }
    };
    let mut out = BTreeMap::new();
    out.insert(
        "page".to_string(),
        Value::Array(page.iter().map(|s| s.to_value()).collect()),
    );
    out.insert("isDone".to_string(), Value::Boolean(is_done));
    out.insert("continueCursor".to_string(), Value::String(continue_cursor));
    out.insert("splitCursor".to_string(), Value::Null);
    out.insert("pageStatus".to_string(), Value::Null);
    Ok(Value::Object(out))
}

/// Where a cursor points: None (the start) for a null cursor, `i64::MIN` for the
/// end, else the creation time of the user's session it names.
fn cursor_position(
    ctx: &Ctx<'_, '_>,
    user: &str,
    cursor: Option<&str>,
    field: &str,
) -> Result<Option<i64>, FunctionError> {
    match cursor {
        None => Ok(None),
        Some(END_CURSOR) => Ok(Some(i64::MIN)),
        Some(cursor) => {
            let at = (ids::table_of(cursor) == Some(Table::VideoCallSessions))
                .then(|| sessions::get(ctx.tx.conn, cursor))
                .transpose()?
                .flatten()
                .filter(|s| s.user_id == user)
                .ok_or_else(|| {
                    FunctionError::invalid(format!(
                        "paginationOpts.{field} is not a cursor of this query"
                    ))
                })?;
            Ok(Some(at.creation_us))
        }
    }
}

pub fn get_active_session_args() -> Fields {
    vec![("userId", opt(V::String))]
}

/// The newest `connecting`, `connected` or `reconnecting` session, or null.
pub fn get_active_session(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    Ok(sessions::active_for_user(ctx.tx.conn, &user)?
        .map(|s| s.to_value())
        .unwrap_or(Value::Null))
}

pub fn get_session_args() -> Fields {
    vec![
        ("sessionId", opt(V::Id(Table::VideoCallSessions))),
        ("clientSessionId", opt(V::String)),
    ]
}

/// One session or null; with an identity, another user's is `FORBIDDEN`.
pub fn get_session(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let reference = lifecycle::session_ref(args)?;
    let found = match &reference {
        SessionRef::Id(id) => sessions::get(ctx.tx.conn, id)?,
        SessionRef::Client(client) => sessions::by_client_session(ctx.tx.conn, client)?,
    };
    match found {
        Some(session) => {
            ensure_owner(ctx, &session.user_id)?;
            Ok(session.to_value())
        }
        None => Ok(Value::Null),
    }
}
