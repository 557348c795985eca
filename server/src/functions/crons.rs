//! The sweeper's jobs (Convex: `crons.ts`): `processedOps` older than 14 days, and
//! sessions abandoned mid-call.
//!
//! It deletes in bounded chunks, each its own transaction, so mutations are never
//! held up for long. An op's stored outcome is kept for 14 days; ops that carry
//! their client's `clientId`/`seq` stay recognised as replays after that, because
//! the sweep raises the client's watermark in the same transaction as it deletes
//! (docs/contract.md, "Exactly once across any delay").

use crate::db::processed_ops::{self, RETENTION_MS, SWEEP_CHUNK};
use crate::db::{sessions, Db};
use crate::error::FunctionError;
use crate::functions::lifecycle;
use crate::time;
use protocol::SessionStatus;

/// Sessions closed per transaction by [`sweep_abandoned`].
pub const ABANDONED_CHUNK: usize = 200;

/// Closes every connecting, connected or reconnecting session whose `updatedAt` is
/// more than `timeout_ms` before `now_ms` (docs/contract.md, "Abandoned sessions"),
/// in chunks of [`ABANDONED_CHUNK`], each its own transaction, found through the
/// index on (status, updatedAt); returns how many it closed.
pub fn sweep_abandoned(db: &Db, now_ms: i64, timeout_ms: i64) -> Result<usize, FunctionError> {
    sweep_abandoned_in_chunks(db, now_ms, timeout_ms, ABANDONED_CHUNK)
}

/// [`sweep_abandoned`] with a chosen chunk size (tests use small ones).
pub fn sweep_abandoned_in_chunks(
    db: &Db,
    now_ms: i64,
    timeout_ms: i64,
    chunk: usize,
) -> Result<usize, FunctionError> {
    // `updatedAt < cutoff` is "more than the timeout before now"; a cutoff before
    // 1970 closes nothing (no event time is that early).
    let Some(cutoff) = now_ms
        .checked_sub(timeout_ms)
        .filter(|c| *c >= 0)
        .map(time::format_iso)
    else {
        return Ok(0);
    };
    let mut total = 0;
    for status in SessionStatus::ALL.into_iter().filter(|s| s.is_active()) {
        loop {
            let closed = db.mutate(|tx| -> Result<usize, FunctionError> {
                let stale = sessions::stale(tx.conn, status, &cutoff, chunk)?;
                let n = stale.len();
                for session in stale {
                    lifecycle::time_out(tx, session)?;
                }
                Ok(n)
            })?;
            total += closed;
            if closed < chunk {
                break;
            }
        }
    }
    Ok(total)
}

/// Deletes every record processed before `now_ms − 14 days`; returns how many.
pub fn sweep_processed_ops(db: &Db, now_ms: i64) -> rusqlite::Result<usize> {
    let cutoff = now_ms - RETENTION_MS;
    let mut total = 0;
    loop {
        let deleted =
            db.mutate(|tx| processed_ops::delete_older_than(tx.conn, cutoff, SWEEP_CHUNK))?;
        total += deleted;
        if deleted < SWEEP_CHUNK {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::processed_ops::ProcessedOp;
    use crate::db::stats;
    use crate::functions::lifecycle::{Op, SessionRef, StartFields};
    use crate::values::Value;

    const HOUR: i64 = 3_600_000;

    /// An op on the session a reference names.
    type MakeOp = fn(SessionRef) -> Op;

    /// A session of user `u` (worker `w`) named `name`, moved by `ops` (each at
    /// `t_ms`), last updated at `t_ms`.
    fn session(db: &Db, name: &str, t_ms: i64, ops: &[MakeOp]) {
        db.mutate(|tx| -> Result<(), FunctionError> {
            let fields = StartFields {
                support_worker_name: "W".into(),
                support_worker_id: Some("w".into()),
                appointment_id: None,
                audio_option: None,
                client_session_id: Some(name.into()),
                metadata: None,
                utc_offset_min: 0,
            };
            lifecycle::start(tx, "u", &fields, t_ms)?;
            for op in ops {
                let op = op(SessionRef::Client(name.into()));
                let s = lifecycle::resolve(tx, op.target().unwrap())?;
                lifecycle::transition(tx, s, &op, t_ms)?;
            }
            Ok(())
        })
        .unwrap();
    }

    fn status_of(db: &Db, name: &str) -> (SessionStatus, Option<SessionStatus>) {
        let s = db
            .read(|tx| sessions::by_client_session(tx.conn, name))
            .unwrap()
            .unwrap();
        (s.session_status, s.extra.timed_out_from)
    }

    #[test]
    fn the_abandoned_sweep_closes_every_stale_session_in_chunks_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite3")).unwrap();
        let now = 1_800_000_000_000;
        let timeout = 4 * HOUR;
        let chunk = 4;
        // 3 chunks and a bit of each active status, stale by 1 ms to a day.
        let connected: MakeOp = Op::MarkConnected;
        let reconnecting: MakeOp = Op::MarkReconnecting;
        let kinds: [(&str, &[MakeOp]); 3] = [
            ("connecting", &[]),
            ("connected", &[connected]),
            ("reconnecting", &[connected, reconnecting]),
        ];
        let mut stale = Vec::new();
        for (label, ops) in kinds {
            for i in 0..(3 * chunk + 1) {
                let name = format!("{label}-{i}");
                let age = timeout + 1 + (i as i64) * HOUR;
                session(&db, &name, now - age, ops);
                stale.push((name, label));
            }
        }
        // Exactly the timeout old, newer, and an ended one: left alone.
        session(&db, "boundary", now - timeout, &[connected]);
        session(&db, "fresh", now - 1, &[connected]);
        let end: MakeOp = |r| Op::End(r, None);
        session(&db, "ended", now - 10 * timeout, &[connected, end]);

        let closed = sweep_abandoned_in_chunks(&db, now, timeout, chunk).unwrap();
        assert_eq!(closed, stale.len());
        for (name, label) in &stale {
            assert_eq!(
                status_of(&db, name),
                (SessionStatus::Ended, label.parse().ok()),
                "{name}"
            );
        }
        assert_eq!(status_of(&db, "boundary"), (SessionStatus::Connected, None));
        assert_eq!(status_of(&db, "fresh"), (SessionStatus::Connected, None));
        assert_eq!(status_of(&db, "ended"), (SessionStatus::Ended, None));
        let user = db.read(|tx| stats::user(tx.conn, "u")).unwrap().unwrap();
        assert_eq!(user.completed_sessions, stale.len() as i64 + 1);
        assert_eq!(user.total_duration, 0, "a timeout adds no duration");
        let worker = db.read(|tx| stats::worker(tx.conn, "w")).unwrap().unwrap();
        assert_eq!(worker.counters.completed_sessions, stale.len() as i64 + 1);

        // Nothing is left to close: a second sweep closes nothing and counts nothing.
        assert_eq!(sweep_abandoned(&db, now, timeout).unwrap(), 0);
        let again = db.read(|tx| stats::user(tx.conn, "u")).unwrap().unwrap();
        assert_eq!(again, user);
        // A cutoff before 1970 closes nothing.
        assert_eq!(sweep_abandoned(&db, 5, timeout).unwrap(), 0);
    }

    #[test]
    fn sqlite_finds_stale_sessions_through_the_status_and_updated_at_index() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::db::schema::create(&conn).unwrap();
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT id FROM video_call_sessions \
                 WHERE session_status = 'connected' AND updated_at < 'x' \
                 ORDER BY updated_at, creation_us LIMIT 5",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let plan = plan.join("; ");
        assert!(plan.contains("by_status_and_updated_at"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "sorted by the index: {plan}");
    }

    #[test]
    fn sweeps_only_old_records_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite3")).unwrap();
        let now = 1_800_000_000_000;
        db.mutate(|tx| {
            for i in 0..(SWEEP_CHUNK + 7) {
                let op = ProcessedOp {
                    op_id: format!("old-{i}"),
                    user_id: "u".into(),
                    kind: "markConnected".into(),
                    result: Value::Null,
                    processed_at: now - RETENTION_MS - 1,
                };
                processed_ops::insert(tx, &op)?;
            }
            let fresh = ProcessedOp {
                op_id: "fresh".into(),
                user_id: "u".into(),
                kind: "markConnected".into(),
                result: Value::Null,
                processed_at: now - RETENTION_MS + 1,
            };
            processed_ops::insert(tx, &fresh)
        })
        .unwrap();
        assert_eq!(sweep_processed_ops(&db, now).unwrap(), SWEEP_CHUNK + 7);
        let left = db.read(|tx| processed_ops::count(tx.conn)).unwrap();
        assert_eq!(left, 1);
        let kept = db.read(|tx| processed_ops::find(tx.conn, "fresh")).unwrap();
        assert!(kept.is_some());
    }
}
