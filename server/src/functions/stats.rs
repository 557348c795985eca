//! The stats queries: per user (`getCallStats`) and per support worker
//! (`getSupportWorkerStats`), read from the running aggregates in O(1) per row.
//!
//! `averageDuration` is `Math.round(totalDuration / totalSessions)` (halves round
//! up), 0 when there are no sessions; `failureRate` is `failed / total`.

use super::identity::caller;
use super::limits;
use super::validate::{opt, Args, Fields, V};
use super::Ctx;
use crate::db::stats::{self, Counters, WorkerStats};
use crate::error::FunctionError;
use crate::values::Value;
use std::collections::BTreeMap;

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

fn counters_into(map: &mut BTreeMap<String, Value>, c: &Counters) {
    let mut put = |k: &str, v: f64| {
        map.insert(k.to_string(), Value::Float64(v));
    };
    put("totalSessions", c.total_sessions as f64);
    put("completedSessions", c.completed_sessions as f64);
    put("failedSessions", c.failed_sessions as f64);
    put("totalDuration", c.total_duration as f64);
    put(
        "averageDuration",
        average(c.total_duration, c.total_sessions),
    );
    put("totalQualityIssues", c.total_quality_issues as f64);
}

pub fn get_call_stats_args() -> Fields {
    vec![("userId", opt(V::String))]
}

/// The user's totals; zeros for a user with no sessions.
pub fn get_call_stats(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let counters = stats::user(ctx.tx.conn, &user)?.unwrap_or_default();
    let mut map = BTreeMap::new();
    counters_into(&mut map, &counters);
    Ok(Value::Object(map))
}

fn worker_value(w: &WorkerStats) -> Value {
    let mut map = BTreeMap::new();
    map.insert(
        "supportWorkerId".into(),
        Value::String(w.support_worker_id.clone()),
    );
    map.insert(
        "supportWorkerName".into(),
        Value::String(w.support_worker_name.clone()),
    );
    counters_into(&mut map, &w.counters);
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
