//! Rows of `processedOps`: the record that makes a retried op a no-op.
//!
//! A row is written in the same transaction as the op's effects, so "applied" and
//! "recorded" cannot disagree. Rows older than 14 days are swept in bounded chunks.
//!
//! A batch op sent by an SDK client instance also names that instance and its place
//! in the instance's sequence (`client_id`, `seq`). When the sweep forgets such rows
//! it raises the instance's watermark (`client_watermarks.forgotten_seq`) to the
//! highest `seq` forgotten, in the same transaction, so an op of that instance at or
//! below the watermark is known as already processed however late it comes again.

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
    .query_row([op_id], read_row)
    .optional()
}

/// An SDK client instance and an op's place in its sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSeq {
    pub client_id: String,
    pub seq: i64,
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProcessedOp> {
    let result: String = r.get(3)?;
    let json: serde_json::Value = serde_json::from_str(&result).unwrap_or_default();
    Ok(ProcessedOp {
        op_id: r.get(0)?,
        user_id: r.get(1)?,
        kind: r.get(2)?,
        result: Value::from_json(&json).unwrap_or(Value::Null),
        processed_at: r.get(4)?,
    })
}

/// The record of `user`'s op `seq` of client instance `client_id`, if still kept
/// (index `by_client_seq`).
pub fn find_by_seq(
    conn: &Connection,
    user: &str,
    client: &ClientSeq,
) -> rusqlite::Result<Option<ProcessedOp>> {
    conn.prepare_cached(
        "SELECT op_id, user_id, kind, result, processed_at FROM processed_ops \
         WHERE user_id = ?1 AND client_id = ?2 AND seq = ?3 ORDER BY creation_us ASC LIMIT 1",
    )?
    .query_row(params![user, client.client_id, client.seq], read_row)
    .optional()
}

/// The highest `seq` of `user`'s client instance `client_id` whose record was swept
/// (0 when none was).
pub fn forgotten_seq(conn: &Connection, user: &str, client_id: &str) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT forgotten_seq FROM client_watermarks WHERE user_id = ?1 AND client_id = ?2",
        )?
        .query_row(params![user, client_id], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Records an op.
pub fn insert(tx: &mut Tx<'_>, op: &ProcessedOp) -> rusqlite::Result<()> {
    insert_with_seq(tx, op, None)
}

/// Records an op, with its client instance and `seq` when it came with them.
pub fn insert_with_seq(
    tx: &mut Tx<'_>,
    op: &ProcessedOp,
    client: Option<&ClientSeq>,
) -> rusqlite::Result<()> {
    let (id, creation_us) = tx.new_doc(Table::ProcessedOps);
    tx.conn
        .prepare_cached(
            "INSERT INTO processed_ops (id, creation_us, op_id, user_id, kind, result, processed_at, \
             client_id, seq) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        )?
        .execute(params![
            id,
            creation_us,
            op.op_id,
            op.user_id,
            op.kind,
            op.result.to_json().to_string(),
            op.processed_at,
            client.map(|c| c.client_id.as_str()),
            client.map(|c| c.seq),
        ])?;
    Ok(())
}

/// Deletes up to `limit` records processed before `cutoff_ms` (index
/// `by_processed_at`); returns how many went. Run inside a transaction: the
/// watermarks of the client instances whose records go are raised by the same
/// statements' transaction, so a record is never gone without its watermark.
pub fn delete_older_than(
    conn: &Connection,
    cutoff_ms: i64,
    limit: usize,
) -> rusqlite::Result<usize> {
    let rows: Vec<(String, String, Option<String>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT id, user_id, client_id, seq FROM processed_ops \
             WHERE processed_at < ?1 ORDER BY processed_at LIMIT ?2",
        )?
        .query_map(params![cutoff_ms, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let now = crate::time::now_ms();
    for (id, user, client, seq) in &rows {
        if let (Some(client), Some(seq)) = (client, seq) {
            conn.prepare_cached(
                "INSERT INTO client_watermarks (user_id, client_id, forgotten_seq, updated_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id, client_id) DO UPDATE SET \
                 forgotten_seq = MAX(forgotten_seq, excluded.forgotten_seq), \
                 updated_at = excluded.updated_at",
            )?
            .execute(params![user, client, seq, now])?;
        }
        conn.prepare_cached("DELETE FROM processed_ops WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(rows.len())
}

/// How many records there are (for tests and diagnostics).
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM processed_ops", [], |r| r.get(0))
}
