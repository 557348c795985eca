//! Rows of `processedOps`: the record that makes a retried op a no-op.
//!
//! A row is written in the same transaction as the op's effects, so "applied" and
//! "recorded" cannot disagree. Rows older than 14 days are swept in bounded chunks.

use crate::db::Tx;
use crate::ids::Table;
use crate::values::Value;
use rusqlite::{params, Connection, OptionalExtension};

/// How long an op id is remembered.
pub const RETENTION_MS: i64 = 14 * 24 * 60 * 60 * 1000;
/// Rows deleted per statement, so a sweep never holds the writer for long.
pub const SWEEP_CHUNK: usize = 500;

/// One `processedOps` document.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedOp {
    pub op_id: String,
    pub user_id: String,
    pub kind: String,
    pub result: Value,
    pub processed_at: i64,
}

/// The record for `op_id`, if any (index `by_op`).
pub fn find(conn: &Connection, op_id: &str) -> rusqlite::Result<Option<ProcessedOp>> {
    conn.prepare_cached(
        "SELECT op_id, user_id, kind, result, processed_at FROM processed_ops \
         WHERE op_id = ?1 ORDER BY creation_us ASC LIMIT 1",
    )?
    .query_row([op_id], |r| {
        let result: String = r.get(3)?;
        let json: serde_json::Value = serde_json::from_str(&result).unwrap_or_default();
        Ok(ProcessedOp {
            op_id: r.get(0)?,
            user_id: r.get(1)?,
            kind: r.get(2)?,
            result: Value::from_json(&json).unwrap_or(Value::Null),
            processed_at: r.get(4)?,
        })
    })
    .optional()
}

/// Records an op.
pub fn insert(tx: &mut Tx<'_>, op: &ProcessedOp) -> rusqlite::Result<()> {
    let (id, creation_us) = tx.new_doc(Table::ProcessedOps);
    tx.conn
        .prepare_cached(
            "INSERT INTO processed_ops (id, creation_us, op_id, user_id, kind, result, processed_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7)",
        )?
        .execute(params![
            id,
            creation_us,
            op.op_id,
            op.user_id,
            op.kind,
            op.result.to_json().to_string(),
            op.processed_at
        ])?;
    Ok(())
}

/// Deletes up to `limit` records processed before `cutoff_ms` (index
/// `by_processed_at`); returns how many went.
pub fn delete_older_than(
    conn: &Connection,
    cutoff_ms: i64,
    limit: usize,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM processed_ops WHERE id IN (SELECT id FROM processed_ops \
         WHERE processed_at < ?1 ORDER BY processed_at LIMIT ?2)",
    )?
    .execute(params![cutoff_ms, limit as i64])
}

/// How many records there are (for tests and diagnostics).
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM processed_ops", [], |r| r.get(0))
}
