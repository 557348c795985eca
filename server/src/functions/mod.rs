//! The public functions and the registry that maps `module:name` paths to them.
//!
//! A call is: find the function (unknown → "Could not find public function"), check
//! its kind, validate the arguments (→ `ArgumentValidationError`), then run the
//! handler inside ONE database transaction — a write transaction for mutations,
//! committed only if the handler succeeds.

pub mod analytics;
pub mod appointments;
pub mod batch;
pub mod crons;
pub mod dedupe;
pub mod identity;
pub mod lifecycle;
pub mod limits;
pub mod stats;
pub mod validate;
pub mod video_call_sessions;

use crate::auth::Identity;
use crate::db::{Db, Tx};
use crate::error::FunctionError;
use crate::values::Value;
use validate::{Args, Fields};

/// Query or mutation, as the HTTP route says and the function declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Query,
    Mutation,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Query => "Query",
            Kind::Mutation => "Mutation",
        }
    }
}

/// What a handler sees: the open transaction, the caller, and the server's now.
pub struct Ctx<'t, 'a> {
    pub tx: &'t mut Tx<'a>,
    pub identity: Option<&'t Identity>,
    pub now_ms: i64,
}

type Handler = fn(&mut Ctx<'_, '_>, Args<'_>) -> Result<Value, FunctionError>;

/// A registered public function.
pub struct Function {
    pub kind: Kind,
    pub args: fn() -> Fields,
    pub handler: Handler,
}

/// The function at `path` (`module:name`; a `.js` suffix on the module is allowed).
pub fn lookup(path: &str) -> Option<Function> {
    use video_call_sessions as vcs;
    let (module, name) = path.split_once(':')?;
    let module = module.strip_suffix(".js").unwrap_or(module);
    let m = |args, handler| {
        Some(Function {
            kind: Kind::Mutation,
            args,
            handler,
        })
    };
    let q = |args, handler| {
        Some(Function {
            kind: Kind::Query,
            args,
            handler,
        })
    };
    match (module, name) {
        ("videoCallSessions", "startSession") => m(vcs::start_session_args, vcs::start_session),
        ("videoCallSessions", "markConnected") => m(vcs::mark_connected_args, vcs::mark_connected),
        ("videoCallSessions", "endSession") => m(vcs::end_session_args, vcs::end_session),
        ("videoCallSessions", "updateSessionSettings") => m(
            vcs::update_session_settings_args,
            vcs::update_session_settings,
        ),
        ("videoCallSessions", "reportQualityIssue") => {
            m(vcs::report_quality_issue_args, vcs::report_quality_issue)
        }
        ("videoCallSessions", "markFailed") => m(vcs::mark_failed_args, vcs::mark_failed),
        ("videoCallSessions", "markReconnecting") => {
            m(vcs::mark_reconnecting_args, vcs::mark_reconnecting)
        }
        ("videoCallSessions", "markReconnected") => {
            m(vcs::mark_reconnected_args, vcs::mark_reconnected)
        }
        ("videoCallSessions", "markScreenShare") => {
            m(vcs::mark_screen_share_args, vcs::mark_screen_share)
        }
        ("videoCallSessions", "rateSession") => m(vcs::rate_session_args, vcs::rate_session),
        ("videoCallSessions", "reportNetworkStats") => {
            m(vcs::report_network_stats_args, vcs::report_network_stats)
        }
        ("videoCallSessions", "applyBatch") => m(batch::apply_batch_args, batch::apply_batch),
        ("videoCallSessions", "getUserSessions") => {
            q(vcs::get_user_sessions_args, vcs::get_user_sessions)
        }
        ("videoCallSessions", "getUserSessionsPage") => q(
            vcs::get_user_sessions_page_args,
            vcs::get_user_sessions_page,
        ),
        ("videoCallSessions", "getCallStats") => {
            q(stats::get_call_stats_args, stats::get_call_stats)
        }
        ("videoCallSessions", "getActiveSession") => {
            q(vcs::get_active_session_args, vcs::get_active_session)
        }
        ("videoCallSessions", "getSession") => q(vcs::get_session_args, vcs::get_session),
        ("videoCallSessions", "getSupportWorkerStats") => q(
            stats::get_support_worker_stats_args,
            stats::get_support_worker_stats,
        ),
        ("videoCallSessions", "getCallVolume") => {
            q(analytics::get_call_volume_args, analytics::get_call_volume)
        }
        ("videoCallSessions", "getDurationTrend") => q(
            analytics::get_duration_trend_args,
            analytics::get_duration_trend,
        ),
        ("videoCallSessions", "getPeakHours") => {
            q(analytics::get_peak_hours_args, analytics::get_peak_hours)
        }
        ("videoCallSessions", "getIssuesByHour") => q(
            analytics::get_issues_by_hour_args,
            analytics::get_issues_by_hour,
        ),
        ("videoCallSessions", "getSupportWorkerLeaderboard") => q(
            analytics::get_support_worker_leaderboard_args,
            analytics::get_support_worker_leaderboard,
        ),
        ("appointments", "create") => m(appointments::create_args, appointments::create),
        ("appointments", "get") => q(appointments::get_args, appointments::get),
        _ => None,
    }
}

/// Runs one function call to completion.
pub fn call(
    db: &Db,
    kind: Kind,
    path: &str,
    identity: Option<&Identity>,
    args: &Value,
    now_ms: i64,
) -> Result<Value, FunctionError> {
    let function = lookup(path).ok_or_else(|| {
        FunctionError::UnknownFunction(format!("Could not find public function for '{path}'."))
    })?;
    if function.kind != kind {
        return Err(FunctionError::UnknownFunction(format!(
            "Trying to execute {path} as {}, but it is defined as {}.",
            kind.name(),
            function.kind.name()
        )));
    }
    let Value::Object(map) = args else {
        return Err(FunctionError::Validation(format!(
            "Value does not match validator.\nPath: .\nValue: {}\nValidator: v.object({{...}})",
            args.to_json()
        )));
    };
    validate::check_args(&(function.args)(), map)?;
    let run = |tx: &mut Tx<'_>| {
        let mut ctx = Ctx {
            tx,
            identity,
            now_ms,
        };
        (function.handler)(&mut ctx, Args(map))
    };
    match kind {
        Kind::Mutation => db.mutate(run),
        Kind::Query => db.read(run),
    }
}
