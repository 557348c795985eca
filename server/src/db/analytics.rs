//! The analytics aggregates (issue #13 item 5): `user_period_stats`, one row per
//! user and local day, week or month, and `user_hour_stats`, one row per user and
//! local weekday-hour slot.
//!
//! Rows are created at 0 by their first bump and changed only in the transaction
//! of the op that changes a session, so the dashboard's queries read a bounded
//! range of rows through the unique indexes (`by_user_granularity_bucket`,
//! `by_user_slot`) however long the history is. Bucketing is
//! `protocol::analytics`; what each op adds is `functions::lifecycle`.

use crate::db::Tx;
use protocol::analytics::{Granularity, LocalBuckets};
use rusqlite::{params, Connection};

/// A change to a session's call-bucket rows, or their values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub calls: i64,
    pub completed_sessions: i64,
    pub failed_sessions: i64,
    pub total_duration: i64,
    pub timed_calls: i64,
}

/// Adds `delta` to the day, week and month rows of `buckets` for `user_id`.
pub fn bump_periods(
    tx: &mut Tx<'_>,
    user_id: &str,
    buckets: &LocalBuckets,
    delta: Period,
) -> rusqlite::Result<()> {
    let mut stmt = tx.conn.prepare_cached(
        "INSERT INTO user_period_stats (user_id, granularity, bucket, calls, \
         completed_sessions, failed_sessions, total_duration, timed_calls) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (user_id, granularity, bucket) DO UPDATE SET \
         calls = calls + excluded.calls, \
         completed_sessions = completed_sessions + excluded.completed_sessions, \
         failed_sessions = failed_sessions + excluded.failed_sessions, \
         total_duration = total_duration + excluded.total_duration, \
         timed_calls = timed_calls + excluded.timed_calls",
    )?;
    for granularity in Granularity::ALL {
        stmt.execute(params![
            user_id,
            granularity.as_str(),
            buckets.bucket(granularity),
            delta.calls,
            delta.completed_sessions,
            delta.failed_sessions,
            delta.total_duration,
            delta.timed_calls
        ])?;
    }
    Ok(())
}

/// Adds to the calls and quality issues of one weekday-hour slot of `user_id`.
pub fn bump_slot(
    tx: &mut Tx<'_>,
    user_id: &str,
    slot: u32,
    calls: i64,
    quality_issues: i64,
) -> rusqlite::Result<()> {
    tx.conn
        .prepare_cached(
            "INSERT INTO user_hour_stats (user_id, slot, calls, quality_issues) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, slot) DO UPDATE SET \
             calls = calls + excluded.calls, \
             quality_issues = quality_issues + excluded.quality_issues",
        )?
        .execute(params![user_id, slot, calls, quality_issues])?;
    Ok(())
}

/// The user's rows of one granularity whose bucket is `from..=to` (bucket names
/// sort as their dates do), at most one per bucket of the range.
pub fn periods(
    conn: &Connection,
    user_id: &str,
    granularity: Granularity,
    from: &str,
    to: &str,
) -> rusqlite::Result<Vec<(String, Period)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT bucket, calls, completed_sessions, failed_sessions, total_duration, \
         timed_calls FROM user_period_stats INDEXED BY by_user_granularity_bucket \
         WHERE user_id = ?1 AND granularity = ?2 AND bucket >= ?3 AND bucket <= ?4",
    )?;
    let rows = stmt.query_map(params![user_id, granularity.as_str(), from, to], |r| {
        Ok((
            r.get(0)?,
            Period {
                calls: r.get(1)?,
                completed_sessions: r.get(2)?,
                failed_sessions: r.get(3)?,
                total_duration: r.get(4)?,
                timed_calls: r.get(5)?,
            },
        ))
    })?;
    rows.collect()
}

/// The user's slot rows: `(slot, calls, quality issues)`, at most 168.
pub fn slots(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<(u32, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT slot, calls, quality_issues FROM user_hour_stats INDEXED BY by_user_slot \
         WHERE user_id = ?1",
    )?;
    let rows = stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite answers both reads by searching the unique indexes, never by a scan.
    #[test]
    fn reads_search_the_unique_indexes() {
        let conn = Connection::open_in_memory().unwrap();
        crate::db::schema::create(&conn).unwrap();
        for (sql, index) in [
            (
                "SELECT calls FROM user_period_stats WHERE user_id = 'u' AND granularity = 'day' \
                 AND bucket >= '2024-01-01' AND bucket <= '2024-12-31'",
                "by_user_granularity_bucket",
            ),
            (
                "SELECT calls FROM user_hour_stats WHERE user_id = 'u'",
                "by_user_slot",
            ),
        ] {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(
                plan.iter()
                    .all(|p| p.starts_with("SEARCH") && p.contains(index)),
                "{plan:?}"
            );
        }
    }
}
