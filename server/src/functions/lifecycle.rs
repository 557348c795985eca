//! The session lifecycle: what each op does to a session and to the stats.
//!
//! Shared by the single mutations and `applyBatch`, so both apply an op the same
//! way. Transitions are the protocol's one table (`protocol::SessionStatus::apply`):
//! connecting → connected → ended, connecting → ended (cancelled, no duration),
//! connected ⇄ reconnecting, any active state → ended | failed; settings, quality
//! issues and screen sharing only while active; a rating only once, on an ended or
//! failed session. Anything else is `INVALID_TRANSITION`. Every timestamp written is
//! the op's event time `t`, so durations, reconnect and screen-share seconds are
//! differences of event times (`protocol::time::whole_seconds_between`, each
//! interval on its own).

use super::limits;
use super::validate::{opt, Args, Fields, V};
use crate::db::analytics::{self, Period};
use crate::db::sessions::{self, CallExtras, Session};
use crate::db::stats::{self, Counters};
use crate::db::{appointments, Tx};
use crate::error::FunctionError;
use crate::ids::Table;
use crate::time;
use crate::values::Value;
use protocol::analytics::{check_utc_offset, LocalBuckets};
use protocol::network::{Metric, NetworkStats};
use protocol::time::whole_seconds_between;
use protocol::{OpKind, SessionStatus, Transition};

/// How an op names its session: `sessionId` wins over `clientSessionId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRef {
    Id(String),
    Client(String),
}

/// What `startSession` is given besides the user.
#[derive(Debug, Clone, PartialEq)]
pub struct StartFields {
    pub support_worker_name: String,
    pub support_worker_id: Option<String>,
    pub appointment_id: Option<String>,
    pub audio_option: Option<String>,
    pub client_session_id: Option<String>,
    pub metadata: Option<Value>,
    /// The device's UTC offset at start (0 when not given): stored on the session,
    /// it places the call in its local buckets.
    pub utc_offset_min: i32,
}

/// One op, with its limits already checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Start(StartFields),
    MarkConnected(SessionRef),
    End(SessionRef, Option<String>),
    UpdateSettings {
        target: SessionRef,
        camera_enabled: Option<bool>,
        mic_enabled: Option<bool>,
        audio_option: Option<String>,
    },
    /// The issue, and the device's UTC offset when reported (its hour's bucket;
    /// the session's offset when not given).
    ReportQualityIssue(SessionRef, String, Option<i32>),
    MarkFailed(SessionRef, Option<String>),
    MarkReconnecting(SessionRef),
    MarkReconnected(SessionRef),
    /// Screen sharing started (`true`) or stopped (`false`).
    MarkScreenShare(SessionRef, bool),
    RateSession {
        target: SessionRef,
        /// A whole number, `RATING_MIN..=RATING_MAX`.
        rating: i64,
        comment: Option<String>,
    },
    /// Network summaries to merge into the session's (at least one metric, each
    /// valid).
    ReportNetworkStats(SessionRef, Box<NetworkStats>),
}

/// The op-specific argument validators of `kind` (without `userId`, `opId`,
/// `occurredAt`).
pub fn fields(kind: OpKind) -> Fields {
    let reference = || {
        vec![
            ("sessionId", opt(V::Id(Table::VideoCallSessions))),
            ("clientSessionId", opt(V::String)),
        ]
    };
    let with = |extra: Fields| {
        let mut f = reference();
        f.extend(extra);
        f
    };
    match kind {
        OpKind::StartSession => vec![
            ("supportWorkerName", V::String),
            ("supportWorkerId", opt(V::String)),
            ("appointmentId", opt(V::Id(Table::Appointments))),
            ("audioOption", opt(V::String)),
            ("clientSessionId", opt(V::String)),
            ("metadata", opt(V::Any)),
            ("utcOffsetMin", opt(V::Number)),
        ],
        OpKind::MarkConnected => reference(),
        OpKind::EndSession => with(vec![("endReason", opt(V::String))]),
        OpKind::UpdateSessionSettings => with(vec![
            ("cameraEnabled", opt(V::Boolean)),
            ("micEnabled", opt(V::Boolean)),
            ("audioOption", opt(V::String)),
        ]),
        OpKind::ReportQualityIssue => {
            with(vec![("issue", V::String), ("utcOffsetMin", opt(V::Number))])
        }
        OpKind::MarkFailed => with(vec![("reason", opt(V::String))]),
        OpKind::MarkReconnecting | OpKind::MarkReconnected => reference(),
        OpKind::MarkScreenShare => with(vec![("active", V::Boolean)]),
        OpKind::RateSession => with(vec![("rating", V::Number), ("comment", opt(V::String))]),
        // Each metric is a number (a sample) or a summary object: checked by hand
        // (`NetworkStats::from_args`), so every bad value is INVALID_ARGUMENT naming
        // its metric, in a single mutation and in a batch alike.
        OpKind::ReportNetworkStats => with(
            Metric::ALL
                .into_iter()
                .map(|m| (m.name(), opt(V::Any)))
                .collect(),
        ),
    }
}

/// The session reference in `args`; neither key → `INVALID_ARGUMENT`.
pub fn session_ref(args: Args<'_>) -> Result<SessionRef, FunctionError> {
    let client = args.str("clientSessionId");
    if let Some(client) = client {
        limits::length("clientSessionId", client, 1, limits::CLIENT_SESSION_ID)?;
    }
    if let Some(id) = args.str("sessionId") {
        return Ok(SessionRef::Id(id.to_string()));
    }
    if let Some(client) = client {
        return Ok(SessionRef::Client(client.to_string()));
    }
    Err(FunctionError::invalid(
        "give sessionId or clientSessionId to name the session",
    ))
}

impl Op {
    /// Builds the op of `kind` from arguments that passed `fields(kind)`.
    pub fn parse(kind: OpKind, args: Args<'_>) -> Result<Op, FunctionError> {
        let reason = |key: &str| -> Result<Option<String>, FunctionError> {
            limits::optional_length(key, args.str(key), 0, limits::REASON)?;
            Ok(args.string(key))
        };
        Ok(match kind {
            OpKind::StartSession => {
                let name = args.str("supportWorkerName").unwrap_or_default();
                limits::text("supportWorkerName", name, limits::SUPPORT_WORKER_NAME)?;
                limits::optional_length(
                    "supportWorkerId",
                    args.str("supportWorkerId"),
                    0,
                    limits::SUPPORT_WORKER_ID,
                )?;
                limits::optional_length(
                    "audioOption",
                    args.str("audioOption"),
                    0,
                    limits::AUDIO_OPTION,
                )?;
                limits::optional_length(
                    "clientSessionId",
                    args.str("clientSessionId"),
                    1,
                    limits::CLIENT_SESSION_ID,
                )?;
                if let Some(m) = args.value("metadata") {
                    limits::metadata(m)?;
                }
                let utc_offset_min = utc_offset(args)?.unwrap_or(0);
                Op::Start(StartFields {
                    support_worker_name: name.to_string(),
                    support_worker_id: args.string("supportWorkerId"),
                    appointment_id: args.string("appointmentId"),
                    audio_option: args.string("audioOption"),
                    client_session_id: args.string("clientSessionId"),
                    metadata: args.value("metadata").cloned(),
                    utc_offset_min,
                })
            }
            OpKind::MarkConnected => Op::MarkConnected(session_ref(args)?),
            OpKind::EndSession => Op::End(session_ref(args)?, reason("endReason")?),
            OpKind::UpdateSessionSettings => {
                let target = session_ref(args)?;
                limits::optional_length(
                    "audioOption",
                    args.str("audioOption"),
                    0,
                    limits::AUDIO_OPTION,
                )?;
                Op::UpdateSettings {
                    target,
                    camera_enabled: args.bool("cameraEnabled"),
                    mic_enabled: args.bool("micEnabled"),
                    audio_option: args.string("audioOption"),
                }
            }
            OpKind::ReportQualityIssue => {
                let target = session_ref(args)?;
                let issue = args.str("issue").unwrap_or_default();
                limits::text("issue", issue, limits::ISSUE)?;
                Op::ReportQualityIssue(target, issue.to_string(), utc_offset(args)?)
            }
            OpKind::MarkFailed => Op::MarkFailed(session_ref(args)?, reason("reason")?),
            OpKind::MarkReconnecting => Op::MarkReconnecting(session_ref(args)?),
            OpKind::MarkReconnected => Op::MarkReconnected(session_ref(args)?),
            OpKind::MarkScreenShare => {
                let target = session_ref(args)?;
                let active = args
                    .bool("active")
                    .ok_or_else(|| FunctionError::invalid("active must be a boolean"))?;
                Op::MarkScreenShare(target, active)
            }
            OpKind::RateSession => {
                let target = session_ref(args)?;
                let rating = limits::rating(args.value("rating"))?;
                limits::optional_length("comment", args.str("comment"), 0, limits::COMMENT)?;
                Op::RateSession {
                    target,
                    rating,
                    comment: args.string("comment"),
                }
            }
            OpKind::ReportNetworkStats => {
                let target = session_ref(args)?;
                let mut metrics = serde_json::Map::new();
                for m in Metric::ALL {
                    if let Some(v) = args.value(m.name()) {
                        metrics.insert(m.name().to_string(), metric_json(v));
                    }
                }
                let stats = NetworkStats::from_args(&metrics).map_err(|(field, why)| {
                    // Named by its metric; `args` when no metric was given at all.
                    FunctionError::invalid(match field {
                        "args" => why.to_string(),
                        metric => format!("{metric} {why}"),
                    })
                })?;
                Op::ReportNetworkStats(target, Box::new(stats))
            }
        })
    }

    pub fn kind(&self) -> OpKind {
        match self {
            Op::Start(_) => OpKind::StartSession,
            Op::MarkConnected(_) => OpKind::MarkConnected,
            Op::End(..) => OpKind::EndSession,
            Op::UpdateSettings { .. } => OpKind::UpdateSessionSettings,
            Op::ReportQualityIssue(..) => OpKind::ReportQualityIssue,
            Op::MarkFailed(..) => OpKind::MarkFailed,
            Op::MarkReconnecting(_) => OpKind::MarkReconnecting,
            Op::MarkReconnected(_) => OpKind::MarkReconnected,
            Op::MarkScreenShare(..) => OpKind::MarkScreenShare,
            Op::RateSession { .. } => OpKind::RateSession,
            Op::ReportNetworkStats(..) => OpKind::ReportNetworkStats,
        }
    }

    /// What this op does to its session, by the protocol's one table (`None` for
    /// `startSession`).
    pub fn transition(&self) -> Option<Transition> {
        self.kind().transition()
    }

    /// The session this op acts on (`None` for `startSession`).
    pub fn target(&self) -> Option<&SessionRef> {
        match self {
            Op::Start(_) => None,
            Op::MarkConnected(r)
            | Op::End(r, _)
            | Op::ReportQualityIssue(r, ..)
            | Op::MarkFailed(r, _)
            | Op::MarkReconnecting(r)
            | Op::MarkReconnected(r)
            | Op::MarkScreenShare(r, _)
            | Op::ReportNetworkStats(r, _) => Some(r),
            Op::UpdateSettings { target, .. } | Op::RateSession { target, .. } => Some(target),
        }
    }
}

/// The optional `utcOffsetMin` argument (`protocol::analytics::check_utc_offset`).
fn utc_offset(args: Args<'_>) -> Result<Option<i32>, FunctionError> {
    args.f64("utcOffsetMin")
        .map(|minutes| check_utc_offset(minutes).map_err(|e| FunctionError::invalid(e.0)))
        .transpose()
}

/// The session a reference names, or `NOT_FOUND`.
pub fn resolve(tx: &Tx<'_>, reference: &SessionRef) -> Result<Session, FunctionError> {
    let found = match reference {
        SessionRef::Id(id) => sessions::get(tx.conn, id)?,
        SessionRef::Client(client) => sessions::by_client_session(tx.conn, client)?,
    };
    found.ok_or_else(|| FunctionError::not_found("no such video call session"))
}

/// Adds `delta` to the user's stats, to its worker's when the session has one, and
/// to the session's call buckets (those of `joinedAt` at its UTC offset) when it
/// has an offset: a session of an older server has none and touches no analytics
/// row, so no bucket counts more completed calls than calls.
fn bump_stats(tx: &mut Tx<'_>, session: &Session, delta: Counters) -> Result<(), FunctionError> {
    if delta.touches_user() {
        stats::bump_user(tx, &session.user_id, delta)?;
    }
    if let (Some(worker), true) = (&session.support_worker_id, delta.touches_worker()) {
        stats::bump_worker(tx, worker, &session.support_worker_name, delta)?;
    }
    let period = Period {
        calls: delta.total_sessions,
        completed_sessions: delta.completed_sessions,
        failed_sessions: delta.failed_sessions,
        total_duration: delta.total_duration,
        timed_calls: delta.timed_calls,
    };
    if period == Period::default() {
        return Ok(());
    }
    if let Some(buckets) = call_buckets(session)? {
        analytics::bump_periods(tx, &session.user_id, &buckets, period)?;
        if period.calls != 0 {
            analytics::bump_slot(tx, &session.user_id, buckets.slot, period.calls, 0)?;
        }
    }
    Ok(())
}

/// The local buckets of the session's `joinedAt`, `None` without an offset.
fn call_buckets(session: &Session) -> Result<Option<LocalBuckets>, FunctionError> {
    let Some(offset) = session.extra.utc_offset_min else {
        return Ok(None);
    };
    let joined = time::parse_iso(&session.joined_at).map_err(|e| {
        FunctionError::Internal(format!("the session's joinedAt is unreadable: {e}"))
    })?;
    Ok(Some(LocalBuckets::at(joined, offset)))
}

/// `startSession` for `user_id` at event time `t_ms`. A known `clientSessionId`
/// returns that session unchanged.
pub fn start(
    tx: &mut Tx<'_>,
    user_id: &str,
    fields: &StartFields,
    t_ms: i64,
) -> Result<Session, FunctionError> {
    if let Some(client) = &fields.client_session_id {
        if let Some(existing) = sessions::by_client_session(tx.conn, client)? {
            if existing.user_id != user_id {
                return Err(FunctionError::forbidden(
                    "this clientSessionId belongs to another user's session",
                ));
            }
            return Ok(existing);
        }
    }
    if let Some(appointment_id) = &fields.appointment_id {
        let appointment = appointments::get(tx.conn, appointment_id)?
            .ok_or_else(|| FunctionError::not_found("no such appointment"))?;
        if appointment.user_id != user_id {
            return Err(FunctionError::forbidden(
                "this appointment belongs to another user",
            ));
        }
    }
    let t = time::format_iso(t_ms);
    let (id, creation_us) = tx.new_doc(Table::VideoCallSessions);
    let session = Session {
        id,
        creation_us,
        appointment_id: fields.appointment_id.clone(),
        user_id: user_id.to_string(),
        support_worker_name: fields.support_worker_name.clone(),
        support_worker_id: fields.support_worker_id.clone(),
        session_status: SessionStatus::Connecting,
        joined_at: t.clone(),
        connected_at: None,
        ended_at: None,
        duration: None,
        audio_option: fields.audio_option.clone(),
        camera_enabled: Some(true),
        mic_enabled: Some(true),
        quality_issues: None,
        end_reason: None,
        metadata: fields.metadata.clone(),
        client_session_id: fields.client_session_id.clone(),
        created_at: t.clone(),
        updated_at: t,
        extra: CallExtras {
            utc_offset_min: Some(fields.utc_offset_min),
            ..CallExtras::default()
        },
    };
    sessions::put(tx.conn, &session)?;
    let delta = Counters {
        total_sessions: 1,
        ..Counters::default()
    };
    bump_stats(tx, &session, delta)?;
    Ok(session)
}

fn not_allowed(op: &str, status: SessionStatus) -> FunctionError {
    FunctionError::transition(format!("cannot {op} a session that is {}", status.as_str()))
}

/// How a refusal names what `op` tried to do.
fn verb(op: &Op) -> &'static str {
    match op {
        Op::Start(_) => "start",
        Op::MarkConnected(_) => "mark connected",
        Op::End(..) => "end",
        Op::UpdateSettings { .. } => "change the settings of",
        Op::ReportQualityIssue(..) => "report a quality issue on",
        Op::MarkFailed(..) => "mark failed",
        Op::MarkReconnecting(_) => "mark reconnecting",
        Op::MarkReconnected(_) => "mark reconnected",
        Op::MarkScreenShare(..) => "change screen sharing of",
        Op::RateSession { .. } => "rate",
        Op::ReportNetworkStats(..) => "report network stats on",
    }
}

/// Applies a non-start op to `session` at event time `t_ms`.
pub fn transition(
    tx: &mut Tx<'_>,
    mut session: Session,
    op: &Op,
    t_ms: i64,
) -> Result<Session, FunctionError> {
    let Some(transition) = op.transition() else {
        return Ok(session);
    };
    let t = time::format_iso(t_ms);
    if !matches!(op, Op::RateSession { .. }) {
        // A late op undoes the timeout first; if the op is then refused, the
        // caller's rollback undoes the undo too.
        undo_timeout(tx, &mut session)?;
    }
    let status = session.session_status;
    let next = status
        .apply(transition)
        .map_err(|_| not_allowed(verb(op), status))?;
    let mut delta = Counters::default();
    let mut issue_slot = None;
    if next.is_active() != status.is_active() {
        // The call is over: close what is still open at its end.
        close_intervals(&mut session, t_ms);
    }
    match op {
        Op::Start(_) => return Ok(session),
        Op::MarkConnected(_) => {
            session.connected_at = Some(t.clone());
        }
        Op::End(_, reason) => {
            // A call that dropped and came back is one call: its duration runs
            // from connectedAt whether it ends connected or reconnecting.
            if matches!(
                status,
                SessionStatus::Connected | SessionStatus::Reconnecting
            ) {
                let connected = session
                    .connected_at
                    .as_deref()
                    .and_then(|c| time::parse_iso(c).ok())
                    .unwrap_or(t_ms);
                let duration = whole_seconds_between(connected, t_ms);
                session.duration = Some(duration);
                delta.total_duration = duration;
                delta.timed_calls = 1;
            }
            delta.completed_sessions = 1;
            session.ended_at = Some(t.clone());
            if reason.is_some() {
                session.end_reason = reason.clone();
            }
            if let Some(appointment_id) = &session.appointment_id {
                if let Some(mut appointment) = appointments::get(tx.conn, appointment_id)? {
                    appointment.status = "completed".into();
                    appointment.completed_at = Some(t.clone());
                    appointments::put(tx.conn, &appointment)?;
                }
            }
        }
        Op::UpdateSettings {
            camera_enabled,
            mic_enabled,
            audio_option,
            ..
        } => {
            if camera_enabled.is_some() {
                session.camera_enabled = *camera_enabled;
            }
            if mic_enabled.is_some() {
                session.mic_enabled = *mic_enabled;
            }
            if audio_option.is_some() {
                session.audio_option = audio_option.clone();
            }
        }
        Op::ReportQualityIssue(_, issue, op_offset) => {
            let issues = session.quality_issues.get_or_insert_with(Vec::new);
            if issues.len() >= limits::QUALITY_ISSUES_PER_SESSION {
                return Err(FunctionError::invalid(format!(
                    "a session keeps at most {} quality issues",
                    limits::QUALITY_ISSUES_PER_SESSION
                )));
            }
            issues.push(issue.clone());
            delta.total_quality_issues = 1;
            // The issue's hour: its own time at the op's offset, else the
            // session's; none for a session of an older server.
            if let Some(session_offset) = session.extra.utc_offset_min {
                let slot = LocalBuckets::at(t_ms, op_offset.unwrap_or(session_offset)).slot;
                issue_slot = Some(slot);
            }
        }
        Op::MarkFailed(_, reason) => {
            session.ended_at = Some(t.clone());
            if reason.is_some() {
                session.end_reason = reason.clone();
            }
            delta.failed_sessions = 1;
        }
        Op::MarkReconnecting(_) => {
            session.extra.reconnecting_since = Some(t.clone());
            session.extra.reconnect_count = Some(session.extra.reconnect_count.unwrap_or(0) + 1);
            delta.total_reconnects = 1;
        }
        Op::MarkReconnected(_) => close_reconnecting(&mut session, t_ms),
        Op::MarkScreenShare(_, active) => {
            let sharing = session.extra.screen_share_since.is_some();
            if *active && !sharing {
                session.extra.screen_share_since = Some(t.clone());
            } else if !*active && sharing {
                close_screen_share(&mut session, t_ms);
            }
            // Otherwise a stale toggle: only updatedAt moves.
        }
        Op::RateSession {
            rating, comment, ..
        } => {
            if session.extra.rating.is_some() {
                return Err(FunctionError::transition(
                    "this session is rated already; a rating is never replaced",
                ));
            }
            session.extra.rating = Some(*rating);
            session.extra.rating_comment = comment.clone();
            session.extra.rated_at = Some(t.clone());
            delta.rating_sum = *rating;
            delta.rating_count = 1;
        }
        Op::ReportNetworkStats(_, report) => {
            let mut network = match &session.extra.network {
                Some(stored) => NetworkStats::from_session_value(stored).map_err(|(f, why)| {
                    FunctionError::Internal(format!("the session's stored network {f} {why}"))
                })?,
                None => NetworkStats::default(),
            };
            network.merge(report);
            session.extra.network = Some(network.to_session_value());
            // The worker's means count every sample of the report.
            if let Some(rtt) = report.get(Metric::RttMs) {
                delta.rtt_sum = rtt.sum;
                delta.rtt_count = rtt.count as i64;
            }
            if let Some(loss) = report.get(Metric::PacketLossPct) {
                delta.loss_sum = loss.sum;
                delta.loss_count = loss.count as i64;
            }
        }
    }
    session.session_status = next;
    session.updated_at = t;
    sessions::put(tx.conn, &session)?;
    if delta != Counters::default() {
        bump_stats(tx, &session, delta)?;
    }
    if let Some(slot) = issue_slot {
        analytics::bump_slot(tx, &session.user_id, slot, 0, 1)?;
    }
    Ok(session)
}

/// Whole seconds from an open interval's start (an ISO time) to `t_ms`; an
/// unreadable start counts 0.
fn interval_seconds(since: &str, t_ms: i64) -> i64 {
    time::parse_iso(since).map_or(0, |from| whole_seconds_between(from, t_ms))
}

/// Adds the open reconnecting interval to `reconnectSeconds` and removes
/// `reconnectingSince`.
fn close_reconnecting(session: &mut Session, t_ms: i64) {
    let extra = &mut session.extra;
    if let Some(since) = extra.reconnecting_since.take() {
        let seconds = interval_seconds(&since, t_ms);
        extra.reconnect_seconds = Some(extra.reconnect_seconds.unwrap_or(0) + seconds);
    }
}

/// Adds the open screen-share interval to `screenShareSeconds` and removes
/// `screenShareSince`.
fn close_screen_share(session: &mut Session, t_ms: i64) {
    let extra = &mut session.extra;
    if let Some(since) = extra.screen_share_since.take() {
        let seconds = interval_seconds(&since, t_ms);
        extra.screen_share_seconds = Some(extra.screen_share_seconds.unwrap_or(0) + seconds);
    }
}

/// Closes both open intervals at the call's end (`endSession`, `markFailed`).
fn close_intervals(session: &mut Session, t_ms: i64) {
    close_reconnecting(session, t_ms);
    close_screen_share(session, t_ms);
}

/// A metric argument as plain JSON for `NetworkStats::from_args`: finite numbers as
/// numbers (`-0` too, which Convex's JSON spells `{"$float": …}`); NaN, ±Infinity and
/// an int64 are no sample, so they become `null` (refused as "must be a number or a
/// summary"); objects and arrays keep their shape.
fn metric_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Float64(f) if f.is_finite() => {
            if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                serde_json::Value::from(*f as i64)
            } else {
                serde_json::Value::from(*f)
            }
        }
        Value::Float64(_) | Value::Int64(_) | Value::Null => serde_json::Value::Null,
        Value::Array(items) => items.iter().map(metric_json).collect(),
        Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), metric_json(v)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// The end reason of a session the sweep closed as abandoned.
pub const TIMEOUT_REASON: &str = "timeout";

/// Closes an abandoned session (docs/contract.md, "Abandoned sessions"): `ended`,
/// `endReason "timeout"`, `endedAt = updatedAt` (the last moment it was known
/// alive), no duration, `timedOutFrom` = its status, open intervals closed at
/// `updatedAt`; counted as completed. `updatedAt` stays.
pub fn time_out(tx: &mut Tx<'_>, mut session: Session) -> Result<(), FunctionError> {
    let from = session.session_status;
    if !from.is_active() {
        return Ok(());
    }
    let last_ms = time::parse_iso(&session.updated_at).map_err(|e| {
        FunctionError::Internal(format!("the session's updatedAt is unreadable: {e}"))
    })?;
    close_intervals(&mut session, last_ms);
    session.session_status = SessionStatus::Ended;
    session.end_reason = Some(TIMEOUT_REASON.to_string());
    session.ended_at = Some(session.updated_at.clone());
    session.extra.timed_out_from = Some(from);
    sessions::put(tx.conn, &session)?;
    let delta = Counters {
        completed_sessions: 1,
        ..Counters::default()
    };
    bump_stats(tx, &session, delta)
}

/// Undoes the timeout of a session the sweep closed, if it was: back to the status
/// it had, without `endedAt`, `endReason` and `timedOutFrom`, no longer counted as
/// completed. A session that was reconnecting gets its interval back from where the
/// sweep closed it (`reconnectingSince = endedAt`, which the sweep set to the
/// `updatedAt` it closed the interval at; `updatedAt` itself may have moved since,
/// by a rating of the timed-out session), so the seconds add up to the
/// online record; a closed screen-share interval stays closed (nothing records that
/// it was open).
fn undo_timeout(tx: &mut Tx<'_>, session: &mut Session) -> Result<(), FunctionError> {
    let Some(from) = session.extra.timed_out_from.take() else {
        return Ok(());
    };
    session.session_status = from;
    let closed_at = session.ended_at.take();
    session.end_reason = None;
    if from == SessionStatus::Reconnecting {
        session.extra.reconnecting_since = closed_at.or_else(|| Some(session.updated_at.clone()));
    }
    let delta = Counters {
        completed_sessions: -1,
        ..Counters::default()
    };
    bump_stats(tx, session, delta)
}
