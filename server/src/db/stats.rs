//! Running aggregates per user (`userStats`) and per support worker (`workerStats`).
//!
//! They are bumped in the transaction that changes a session, so reading them is
//! O(1) however long the history is, and they always agree with the sessions.

use crate::db::Tx;
use crate::ids::Table;
use rusqlite::{params, Connection, OptionalExtension};

/// Counter values, or a change to them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    pub total_sessions: i64,
    pub completed_sessions: i64,
    pub failed_sessions: i64,
    pub total_duration: i64,
    pub total_quality_issues: i64,
    /// User stats only (issue #13): reconnects. Nullable column (files of older
    /// servers), read as 0.
    pub total_reconnects: i64,
    /// The sum and count of ratings: user and worker rows (nullable, read as 0).
    pub rating_sum: i64,
    pub rating_count: i64,
    /// Analytics periods only: ended calls that have a duration.
    pub timed_calls: i64,
    /// Worker rows only (the leaderboard, issue #13 item 5): the sum and count of
    /// every RTT and packet-loss sample reported in the worker's sessions.
    pub rtt_sum: f64,
    pub rtt_count: i64,
    pub loss_sum: f64,
    pub loss_count: i64,
}

impl Counters {
    /// Whether `self` (a change) touches a counter that worker rows keep.
    pub fn touches_worker(&self) -> bool {
        Counters {
            total_reconnects: 0,
            timed_calls: 0,
            ..*self
        } != Counters::default()
    }

    /// Whether `self` (a change) touches a counter that user rows keep.
    pub fn touches_user(&self) -> bool {
        Counters {
            timed_calls: 0,
            rtt_sum: 0.0,
            rtt_count: 0,
            loss_sum: 0.0,
            loss_count: 0,
            ..*self
        } != Counters::default()
    }
}

/// One `workerStats` row.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerStats {
    pub support_worker_id: String,
    pub support_worker_name: String,
    pub counters: Counters,
}

const COUNTERS: &str =
    "total_sessions, completed_sessions, failed_sessions, total_duration, total_quality_issues";

/// The user-only counters, 0 where a row of an older server has NULL.
const USER_COUNTERS: &str =
    "COALESCE(total_reconnects, 0), COALESCE(rating_sum, 0), COALESCE(rating_count, 0)";

/// The worker-only counters, 0 where a row of an older server has NULL.
const WORKER_COUNTERS: &str = "COALESCE(rating_sum, 0), COALESCE(rating_count, 0), \
    COALESCE(rtt_sum, 0), COALESCE(rtt_count, 0), COALESCE(loss_sum, 0), COALESCE(loss_count, 0)";

fn counters_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Counters> {
    Ok(Counters {
        total_sessions: r.get(first)?,
        completed_sessions: r.get(first + 1)?,
        failed_sessions: r.get(first + 2)?,
        total_duration: r.get(first + 3)?,
        total_quality_issues: r.get(first + 4)?,
        ..Counters::default()
    })
}

/// A user's counters (`None` for a user with no sessions).
pub fn user(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<Counters>> {
    conn.prepare_cached(&format!(
        "SELECT {COUNTERS}, {USER_COUNTERS} FROM user_stats WHERE user_id = ?1 \
         ORDER BY creation_us LIMIT 1"
    ))?
    .query_row([user_id], |r| {
        Ok(Counters {
            total_reconnects: r.get(5)?,
            rating_sum: r.get(6)?,
            rating_count: r.get(7)?,
            ..counters_at(r, 0)?
        })
    })
    .optional()
}

/// Adds `delta` to a user's counters, creating the row on first use.
pub fn bump_user(tx: &mut Tx<'_>, user_id: &str, delta: Counters) -> rusqlite::Result<()> {
    let updated = tx
        .conn
        .prepare_cached(
            "UPDATE user_stats SET total_sessions = total_sessions + ?2, \
             completed_sessions = completed_sessions + ?3, failed_sessions = failed_sessions + ?4, \
             total_duration = total_duration + ?5, total_quality_issues = total_quality_issues + ?6, \
             total_reconnects = COALESCE(total_reconnects, 0) + ?7, \
             rating_sum = COALESCE(rating_sum, 0) + ?8, \
             rating_count = COALESCE(rating_count, 0) + ?9 \
             WHERE user_id = ?1",
        )?
        .execute(params![
            user_id,
            delta.total_sessions,
            delta.completed_sessions,
            delta.failed_sessions,
            delta.total_duration,
            delta.total_quality_issues,
            delta.total_reconnects,
            delta.rating_sum,
            delta.rating_count
        ])?;
    if updated == 0 {
        let (id, creation_us) = tx.new_doc(Table::UserStats);
        tx.conn
            .prepare_cached(&format!(
                "INSERT INTO user_stats (id, creation_us, user_id, {COUNTERS}, \
                 total_reconnects, rating_sum, rating_count) \
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"
            ))?
            .execute(params![
                id,
                creation_us,
                user_id,
                delta.total_sessions,
                delta.completed_sessions,
                delta.failed_sessions,
                delta.total_duration,
                delta.total_quality_issues,
                delta.total_reconnects,
                delta.rating_sum,
                delta.rating_count
            ])?;
    }
    Ok(())
}

/// Adds `delta` to a worker's counters; a new session (`total_sessions` > 0) also
/// sets the name, so the name is that of the worker's most recently started session
/// (as on `convex/`, where only starts write the worker's own row).
pub fn bump_worker(
    tx: &mut Tx<'_>,
    worker_id: &str,
    worker_name: &str,
    delta: Counters,
) -> rusqlite::Result<()> {
    let updated = tx
        .conn
        .prepare_cached(
            "UPDATE worker_stats SET \
             support_worker_name = CASE WHEN ?3 > 0 THEN ?2 ELSE support_worker_name END, \
             total_sessions = total_sessions + ?3, \
             completed_sessions = completed_sessions + ?4, failed_sessions = failed_sessions + ?5, \
             total_duration = total_duration + ?6, total_quality_issues = total_quality_issues + ?7, \
             rating_sum = COALESCE(rating_sum, 0) + ?8, rating_count = COALESCE(rating_count, 0) + ?9, \
             rtt_sum = COALESCE(rtt_sum, 0) + ?10, rtt_count = COALESCE(rtt_count, 0) + ?11, \
             loss_sum = COALESCE(loss_sum, 0) + ?12, loss_count = COALESCE(loss_count, 0) + ?13 \
             WHERE support_worker_id = ?1",
        )?
        .execute(params![
            worker_id,
            worker_name,
            delta.total_sessions,
            delta.completed_sessions,
            delta.failed_sessions,
            delta.total_duration,
            delta.total_quality_issues,
            delta.rating_sum,
            delta.rating_count,
            delta.rtt_sum,
            delta.rtt_count,
            delta.loss_sum,
            delta.loss_count
        ])?;
    if updated == 0 {
        let (id, creation_us) = tx.new_doc(Table::WorkerStats);
        tx.conn
            .prepare_cached(&format!(
                "INSERT INTO worker_stats (id, creation_us, support_worker_id, support_worker_name, \
                 {COUNTERS}, rating_sum, rating_count, rtt_sum, rtt_count, loss_sum, loss_count) \
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
            ))?
            .execute(params![
                id,
                creation_us,
                worker_id,
                worker_name,
                delta.total_sessions,
                delta.completed_sessions,
                delta.failed_sessions,
                delta.total_duration,
                delta.total_quality_issues,
                delta.rating_sum,
                delta.rating_count,
                delta.rtt_sum,
                delta.rtt_count,
                delta.loss_sum,
                delta.loss_count
            ])?;
    }
    Ok(())
}

fn worker_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WorkerStats> {
    Ok(WorkerStats {
        support_worker_id: r.get(0)?,
        support_worker_name: r.get(1)?,
        counters: Counters {
            rating_sum: r.get(7)?,
            rating_count: r.get(8)?,
            rtt_sum: r.get(9)?,
            rtt_count: r.get(10)?,
            loss_sum: r.get(11)?,
            loss_count: r.get(12)?,
            ..counters_at(r, 2)?
        },
    })
}

/// One worker's row (index `by_worker`).
pub fn worker(conn: &Connection, worker_id: &str) -> rusqlite::Result<Option<WorkerStats>> {
    conn.prepare_cached(&format!(
        "SELECT support_worker_id, support_worker_name, {COUNTERS}, {WORKER_COUNTERS} FROM worker_stats \
         WHERE support_worker_id = ?1 ORDER BY creation_us LIMIT 1"
    ))?
    .query_row([worker_id], worker_row)
    .optional()
}

/// Workers by `totalSessions` descending, newest row first on ties (index `by_total`).
pub fn top_workers(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<WorkerStats>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT support_worker_id, support_worker_name, {COUNTERS}, {WORKER_COUNTERS} FROM worker_stats \
         INDEXED BY by_total ORDER BY total_sessions DESC, creation_us DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit as i64], worker_row)?;
    rows.collect()
}
