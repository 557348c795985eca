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
    use crate::values::Value;

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
