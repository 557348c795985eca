//! Tables and indexes, one SQLite table per Convex table.
//!
//! Documents are stored as columns; `creation_us` holds `_creationTime` in
//! microseconds so ordering by it is exact. The Convex indexes of the contract
//! each have an SQLite index with the same name and the same leading columns,
//! followed by `creation_us` as Convex appends `_creationTime`.

use rusqlite::Connection;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS video_call_sessions (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    appointment_id TEXT,
    user_id TEXT NOT NULL,
    support_worker_name TEXT NOT NULL,
    support_worker_id TEXT,
    session_status TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    connected_at TEXT,
    ended_at TEXT,
    duration INTEGER,
    audio_option TEXT,
    camera_enabled INTEGER,
    mic_enabled INTEGER,
    quality_issues TEXT,
    end_reason TEXT,
    metadata TEXT,
    client_session_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS by_user ON video_call_sessions (user_id, creation_us);
CREATE INDEX IF NOT EXISTS by_appointment ON video_call_sessions (appointment_id, creation_us);
CREATE INDEX IF NOT EXISTS by_status ON video_call_sessions (session_status, creation_us);
CREATE INDEX IF NOT EXISTS by_user_and_date ON video_call_sessions (user_id, created_at, creation_us);
CREATE INDEX IF NOT EXISTS by_support_worker ON video_call_sessions (support_worker_id, creation_us);
CREATE INDEX IF NOT EXISTS by_client_session ON video_call_sessions (client_session_id, creation_us);
CREATE INDEX IF NOT EXISTS by_user_and_status ON video_call_sessions (user_id, session_status, creation_us);
CREATE INDEX IF NOT EXISTS by_status_and_updated_at ON video_call_sessions (session_status, updated_at, creation_us);

CREATE TABLE IF NOT EXISTS appointments (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    support_worker_name TEXT NOT NULL,
    support_worker_id TEXT,
    scheduled_at TEXT,
    status TEXT NOT NULL,
    completed_at TEXT
);

CREATE TABLE IF NOT EXISTS processed_ops (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    op_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    result TEXT NOT NULL,
    processed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS by_op ON processed_ops (op_id, creation_us);
CREATE INDEX IF NOT EXISTS by_processed_at ON processed_ops (processed_at, creation_us);

CREATE TABLE IF NOT EXISTS client_watermarks (
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    forgotten_seq INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE IF NOT EXISTS user_stats (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    total_sessions INTEGER NOT NULL,
    completed_sessions INTEGER NOT NULL,
    failed_sessions INTEGER NOT NULL,
    total_duration INTEGER NOT NULL,
    total_quality_issues INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS user_stats_by_user ON user_stats (user_id, creation_us);

CREATE TABLE IF NOT EXISTS worker_stats (
    id TEXT PRIMARY KEY,
    creation_us INTEGER NOT NULL,
    support_worker_id TEXT NOT NULL,
    support_worker_name TEXT NOT NULL,
    total_sessions INTEGER NOT NULL,
    completed_sessions INTEGER NOT NULL,
    failed_sessions INTEGER NOT NULL,
    total_duration INTEGER NOT NULL,
    total_quality_issues INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS by_worker ON worker_stats (support_worker_id, creation_us);
CREATE INDEX IF NOT EXISTS by_total ON worker_stats (total_sessions, creation_us);

-- Analytics (issue #13 item 5): one row per (user, local day/week/month) and per
-- (user, local weekday-hour), bumped in the op's transaction; a query reads a
-- bounded range of them through the unique index, never the sessions.
CREATE TABLE IF NOT EXISTS user_period_stats (
    user_id TEXT NOT NULL,
    granularity TEXT NOT NULL,
    bucket TEXT NOT NULL,
    calls INTEGER NOT NULL,
    completed_sessions INTEGER NOT NULL,
    failed_sessions INTEGER NOT NULL,
    total_duration INTEGER NOT NULL,
    timed_calls INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS by_user_granularity_bucket
    ON user_period_stats (user_id, granularity, bucket);

CREATE TABLE IF NOT EXISTS user_hour_stats (
    user_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    quality_issues INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS by_user_slot ON user_hour_stats (user_id, slot);
"#;

const TABLES: [&str; 5] = [
    "video_call_sessions",
    "appointments",
    "processed_ops",
    "user_stats",
    "worker_stats",
];

/// Columns added to existing tables since the first release, with their type: a
/// file written by an older server gains them at open (as NULL in its old rows, read
/// as absent session fields and as 0 by the stats counters).
const ADDED_COLUMNS: [(&str, &str, &str); 22] = [
    ("processed_ops", "client_id", "TEXT"),
    ("processed_ops", "seq", "INTEGER"),
    // Reconnection, screen sharing and ratings (issue #13).
    ("video_call_sessions", "reconnect_count", "INTEGER"),
    ("video_call_sessions", "reconnect_seconds", "INTEGER"),
    ("video_call_sessions", "reconnecting_since", "TEXT"),
    ("video_call_sessions", "screen_share_seconds", "INTEGER"),
    ("video_call_sessions", "screen_share_since", "TEXT"),
    ("video_call_sessions", "rating", "INTEGER"),
    ("video_call_sessions", "rating_comment", "TEXT"),
    ("video_call_sessions", "rated_at", "TEXT"),
    ("user_stats", "total_reconnects", "INTEGER"),
    ("user_stats", "rating_sum", "INTEGER"),
    ("user_stats", "rating_count", "INTEGER"),
    // Network quality (JSON, `NetworkStats::to_session_value`) and the status of a
    // session closed as abandoned (issue #13, items 1 and 2).
    ("video_call_sessions", "network", "TEXT"),
    ("video_call_sessions", "timed_out_from", "TEXT"),
    // Analytics (issue #13 item 5): the device's UTC offset at start (NULL: a
    // session of an older server, whose buckets are unknown), and the worker's
    // rating and network sums (the leaderboard's means).
    ("video_call_sessions", "utc_offset_min", "INTEGER"),
    ("worker_stats", "rating_sum", "INTEGER"),
    ("worker_stats", "rating_count", "INTEGER"),
    ("worker_stats", "rtt_sum", "REAL"),
    ("worker_stats", "rtt_count", "INTEGER"),
    ("worker_stats", "loss_sum", "REAL"),
    ("worker_stats", "loss_count", "INTEGER"),
];

/// Indexes over added columns, created once the columns exist.
const ADDED_INDEXES: &str = "CREATE INDEX IF NOT EXISTS by_client_seq \
    ON processed_ops (user_id, client_id, seq, creation_us);";

/// Creates any missing table, column or index (files of older servers included).
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    for (table, column, ty) in ADDED_COLUMNS {
        let present: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = ?1"),
            [column],
            |r| r.get(0),
        )?;
        if present == 0 {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {ty}"))?;
        }
    }
    conn.execute_batch(ADDED_INDEXES)
}

/// The newest creation time in the file, so the clock never goes back.
pub fn max_creation_us(conn: &Connection) -> rusqlite::Result<i64> {
    let mut max = 0i64;
    for table in TABLES {
        let sql = format!("SELECT COALESCE(MAX(creation_us), 0) FROM {table}");
        max = max.max(conn.query_row(&sql, [], |r| r.get(0))?);
    }
    Ok(max)
}
