//! The daily sweep of `processedOps` older than 14 days (Convex: `crons.ts`).
//!
//! It deletes in bounded chunks, each its own transaction, so mutations are never
//! held up for long. An op's stored outcome is kept for 14 days; ops that carry
//! their client's `clientId`/`seq` stay recognised as replays after that, because
//! the sweep raises the client's watermark in the same transaction as it deletes
//! (docs/contract.md, "Exactly once across any delay").

use crate::db::processed_ops::{self, RETENTION_MS, SWEEP_CHUNK};
use crate::db::Db;

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
