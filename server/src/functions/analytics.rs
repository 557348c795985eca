//! The analytics queries of `videoCallSessions` (issue #13 item 5): call volume and
//! duration trend per local day, week or month, peak hours, quality issues by
//! hour, and the support-worker leaderboard.
//!
//! Each reads only aggregate rows kept up to date by the mutations (see
//! `db::analytics` and `lifecycle::bump_stats`): at most one row per bucket of the
//! range asked for (≤ 366), 168 slot rows, or `limit` worker rows, so the cost does
//! not grow with the history. Replies are `protocol::analytics`'s types; the user
//! is resolved as `getCallStats` resolves it.

use super::identity::caller;
use super::limits;
use super::stats::average;
use super::validate::{opt, Args, Fields, V};
use super::Ctx;
use crate::db::analytics::{self, Period};
use crate::db::stats::{self, WorkerStats};
use crate::error::FunctionError;
use crate::values::{self, Value};
use protocol::analytics::{
    buckets_between, mean2, round2, DurationBucket, Granularity, LeaderboardEntry, VolumeBucket,
};
use std::collections::HashMap;

fn range_args() -> Fields {
    vec![
        ("userId", opt(V::String)),
        ("granularity", V::String),
        ("from", V::String),
        ("to", V::String),
    ]
}

/// The caller's rows for every bucket of the range, oldest first, zero-filled.
fn range(ctx: &Ctx<'_, '_>, args: Args<'_>) -> Result<Vec<(String, Period)>, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let invalid = |e: protocol::analytics::AnalyticsError| FunctionError::invalid(e.0);
    let granularity = Granularity::parse(args.str("granularity").unwrap_or_default())
        .map_err(|e| FunctionError::invalid(limits::echo(&e.0)))?;
    let (from, to) = (
        args.str("from").unwrap_or_default(),
        args.str("to").unwrap_or_default(),
    );
    let buckets =
        buckets_between(granularity, &limits::echo(from), &limits::echo(to)).map_err(invalid)?;
    let (Some(first), Some(last)) = (buckets.first(), buckets.last()) else {
        return Ok(Vec::new());
    };
    let mut found: HashMap<String, Period> =
        analytics::periods(ctx.tx.conn, &user, granularity, first, last)?
            .into_iter()
            .collect();
    Ok(buckets
        .into_iter()
        .map(|bucket| {
            let period = found.remove(&bucket).unwrap_or_default();
            (bucket, period)
        })
        .collect())
}

pub fn get_call_volume_args() -> Fields {
    range_args()
}

/// Calls, completed and failed calls per local bucket from `from` to `to`.
pub fn get_call_volume(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let out: Vec<VolumeBucket> = range(ctx, args)?
        .into_iter()
        .map(|(bucket, p)| VolumeBucket {
            bucket,
            calls: p.calls as f64,
            completed_sessions: p.completed_sessions as f64,
            failed_sessions: p.failed_sessions as f64,
        })
        .collect();
    Ok(values::from_wire(&out))
}

pub fn get_duration_trend_args() -> Fields {
    range_args()
}

/// Ended calls and their mean duration per local bucket from `from` to `to`.
pub fn get_duration_trend(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let out: Vec<DurationBucket> = range(ctx, args)?
        .into_iter()
        .map(|(bucket, p)| DurationBucket {
            bucket,
            completed_sessions: p.completed_sessions as f64,
            timed_calls: p.timed_calls as f64,
            average_duration: (p.timed_calls > 0).then(|| average(p.total_duration, p.timed_calls)),
        })
        .collect();
    Ok(values::from_wire(&out))
}

pub fn get_peak_hours_args() -> Fields {
    vec![("userId", opt(V::String))]
}

/// Calls started per local weekday (Monday first) and hour: 7 arrays of 24.
pub fn get_peak_hours(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let mut grid = [[0f64; 24]; 7];
    for (slot, calls, _) in analytics::slots(ctx.tx.conn, &user)? {
        if let Some(cell) = grid
            .get_mut(slot as usize / 24)
            .and_then(|day| day.get_mut(slot as usize % 24))
        {
            *cell = calls as f64;
        }
    }
    Ok(values::from_wire(&grid.map(Vec::from).to_vec()))
}

pub fn get_issues_by_hour_args() -> Fields {
    vec![("userId", opt(V::String))]
}

/// Quality issues reported per local hour, all weekdays summed: 24 numbers.
pub fn get_issues_by_hour(ctx: &mut Ctx<'_, '_>, args: Args<'_>) -> Result<Value, FunctionError> {
    let user = caller(ctx, args.str("userId"))?;
    let mut hours = [0i64; 24];
    for (slot, _, issues) in analytics::slots(ctx.tx.conn, &user)? {
        if let Some(hour) = hours.get_mut(slot as usize % 24) {
            *hour += issues;
        }
    }
    Ok(values::from_wire(&hours.map(|n| n as f64).to_vec()))
}

pub fn get_support_worker_leaderboard_args() -> Fields {
    vec![("limit", opt(V::Number))]
}

fn leaderboard_entry(w: &WorkerStats) -> LeaderboardEntry {
    let c = &w.counters;
    let per_call = |n: i64| {
        if c.total_sessions == 0 {
            0.0
        } else {
            round2(n as f64 / c.total_sessions as f64)
        }
    };
    LeaderboardEntry {
        support_worker_id: w.support_worker_id.clone(),
        support_worker_name: w.support_worker_name.clone(),
        total_sessions: c.total_sessions as f64,
        completed_sessions: c.completed_sessions as f64,
        completion_rate: per_call(c.completed_sessions),
        average_duration: average(c.total_duration, c.total_sessions),
        average_rating: mean2(c.rating_sum as f64, c.rating_count as f64),
        rated_sessions: c.rating_count as f64,
        issues_per_call: per_call(c.total_quality_issues),
        average_rtt_ms: mean2(c.rtt_sum, c.rtt_count as f64),
        average_packet_loss_pct: mean2(c.loss_sum, c.loss_count as f64),
    }
}

/// The busiest workers (by `totalSessions`, ties newest row first) with their
/// completion rate, mean rating, issues per call and network means.
pub fn get_support_worker_leaderboard(
    ctx: &mut Ctx<'_, '_>,
    args: Args<'_>,
) -> Result<Value, FunctionError> {
    let limit = limits::page_size(
        "limit",
        args.f64("limit"),
        limits::LEADERBOARD_DEFAULT,
        limits::LEADERBOARD,
    )?;
    let rows = stats::top_workers(ctx.tx.conn, limit)?;
    let out: Vec<LeaderboardEntry> = rows.iter().map(leaderboard_entry).collect();
    Ok(values::from_wire(&out))
}
