//! The stats queries: per user (`getCallStats`) and per support worker
//! (`getSupportWorkerStats`), read from the running aggregates in O(1) per row.
//!
//! `averageDuration` is `Math.round(totalDuration / totalSessions)` (halves round
//! up), 0 when there are no sessions; `failureRate` is `failed / total`;
//! `averageRating` is `protocol::wire::average_rating` (two decimals, null while
//! nothing is rated).

use super::identity::caller;
use super::limits;
use super::validate::{opt, Args, Fields, V};
use super::Ctx;
use crate::db::stats::{self, Counters, WorkerStats};
use crate::error::FunctionError;
use crate::values::{self, Value};
use protocol::wire::{average_rating, CallStats};

const WORKERS_DEFAULT: usize = 20;
const WORKERS_MAX: usize = 100;

/// JavaScript's `Math.round(total / count)`, 0 for no sessions.
pub fn average(total: i64, count: i64) -> f64 {
    if count == 0 {
        0.0
    } else {
        (total as f64 / count as f64 + 0.5).floor()
    }
}

fn call_stats(c: &Counters) -> CallStats {
    CallStats {
        total_sessions: c.total_sessions as f64,
        completed_sessions: c.completed_sessions as f64,
        failed_sessions: c.failed_sessions as f64,
        total_duration: c.total_duration as f64,
        average_duration: average(c.total_duration, c.total_sessions),
        total_quality_issues: c.total_quality_issues as f64,
        total_reconnects: c.total_reconnects as f64,
        average_rating: average_rating(c.rating_sum as f64, c.rating_count as f64),
    }
}

pub fn get_call_stats_args() -> Fields {
    vec![("userId", opt(V::String))]
}

/// The user's totals; zeros for a user with no sessions.
pub fn get_call_stats(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let counters = stats::user(ctx.tx.conn, &user)?.unwrap_or_default();
    Ok(values::from_wire(&call_stats(&counters)))
}

/// A worker's row: the user stats' shape plus who the worker is and the failure rate.
fn worker_value(w: &WorkerStats) -> Value {
    let Value::Object(mut map) = values::from_wire(&call_stats(&w.counters)) else {
        return Value::Null;
    };
    // Worker rows keep the seed's shape (the leaderboard of issue #13 extends them).
    map.remove("totalReconnects");
    map.remove("averageRating");
    map.insert(
        "supportWorkerId".into(),
        Value::String(w.support_worker_id.clone()),
    );
    map.insert(
        "supportWorkerName".into(),
        Value::String(w.support_worker_name.clone()),
    );
    let c = &w.counters;
    let rate = if c.total_sessions == 0 {
        0.0
    } else {
        c.failed_sessions as f64 / c.total_sessions as f64
    };
    map.insert("failureRate".into(), Value::Float64(rate));
    Value::Object(map)
}

pub fn get_support_worker_stats_args() -> Fields {
    vec![
        ("supportWorkerId", opt(V::String)),
        ("limit", opt(V::Number)),
    ]
}

/// One worker's stats (empty if unknown), or the busiest workers first.
pub fn get_support_worker_stats(
    ctx: &mut Ctx<'_, '_>,
    args: Args<'_>,
) -> Result<Value, FunctionError> {
    let limit = limits::page_size("limit", args.f64("limit"), WORKERS_DEFAULT, WORKERS_MAX)?;
    limits::optional_length(
        "supportWorkerId",
        args.str("supportWorkerId"),
        0,
        limits::SUPPORT_WORKER_ID,
    )?;
    let rows = match args.str("supportWorkerId") {
        Some(worker) => stats::worker(ctx.tx.conn, worker)?.into_iter().collect(),
        None => stats::top_workers(ctx.tx.conn, limit)?,
    };
    Ok(Value::Array(rows.iter().map(worker_value).collect()))
}

#[cfg(test)]
mod tests {
    use super::average;

    #[test]
    fn average_rounds_like_math_round() {
        // The seed's dashboard: 4,980 seconds over 45 calls → 111.
        assert_eq!(average(4980, 45), 111.0);
        assert_eq!(average(3, 2), 2.0);
        assert_eq!(average(5, 4), 1.0);
        assert_eq!(average(0, 0), 0.0);
    }
}
