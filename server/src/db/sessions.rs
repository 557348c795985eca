//! Rows of `videoCallSessions` and their document form.
//!
//! Invariant: an optional field that was never set is `None` here and absent from
//! the document (never `null`).

use crate::values::{self, Value};
use protocol::wire;
use protocol::SessionStatus;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One `videoCallSessions` document.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub creation_us: i64,
    pub appointment_id: Option<String>,
    pub user_id: String,
    pub support_worker_name: String,
    pub support_worker_id: Option<String>,
    pub session_status: SessionStatus,
    pub joined_at: String,
    pub connected_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration: Option<i64>,
    pub audio_option: Option<String>,
    pub camera_enabled: Option<bool>,
    pub mic_enabled: Option<bool>,
    pub quality_issues: Option<Vec<String>>,
    pub end_reason: Option<String>,
    pub metadata: Option<Value>,
    pub client_session_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Reconnection, screen sharing and rating (issue #13): absent until first set.
    pub extra: CallExtras,
}

/// The session fields of issue #13, every one optional (a row written before them
/// reads back with all of them `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallExtras {
    pub reconnect_count: Option<i64>,
    pub reconnect_seconds: Option<i64>,
    /// Start of the open reconnecting interval (only while reconnecting).
    pub reconnecting_since: Option<String>,
    pub screen_share_seconds: Option<i64>,
    /// Start of the open screen-share interval (only while sharing).
    pub screen_share_since: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<String>,
    /// Network quality as kept on the session (`protocol::network::NetworkStats::
    /// to_session_value`): absent until the first `reportNetworkStats`.
    pub network: Option<serde_json::Value>,
    /// The status the session had when the sweep closed it as abandoned; `None`
    /// otherwise (and again once a late op has undone the timeout).
    pub timed_out_from: Option<SessionStatus>,
    /// The device's offset from UTC in minutes when the session started (analytics,
    /// issue #13 item 5): every new session has one; `None` only on sessions an
    /// older server started, which no op counts in an analytics bucket.
    pub utc_offset_min: Option<i32>,
}

impl Session {
    /// The document as a Convex value, in the wire shape the SDK reads
    /// (`protocol::wire::Session`). Metadata is already a Convex value and goes in as
    /// it is, so nothing it holds is re-encoded.
    pub fn to_value(&self) -> Value {
        let doc = wire::Session {
            id: Some(self.id.clone()),
            creation_time: Some(self.creation_us as f64 / 1000.0),
            client_session_id: self.client_session_id.clone(),
            appointment_id: self.appointment_id.clone(),
            user_id: self.user_id.clone(),
            support_worker_name: self.support_worker_name.clone(),
            support_worker_id: self.support_worker_id.clone(),
            session_status: self.session_status,
            joined_at: self.joined_at.clone(),
            connected_at: self.connected_at.clone(),
            ended_at: self.ended_at.clone(),
            duration: self.duration.map(|d| d as f64),
            audio_option: self.audio_option.clone(),
            camera_enabled: self.camera_enabled,
            mic_enabled: self.mic_enabled,
            quality_issues: self.quality_issues.clone(),
            end_reason: self.end_reason.clone(),
            metadata: None,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            reconnect_count: self.extra.reconnect_count.map(|n| n as f64),
            reconnect_seconds: self.extra.reconnect_seconds.map(|n| n as f64),
            reconnecting_since: self.extra.reconnecting_since.clone(),
            screen_share_seconds: self.extra.screen_share_seconds.map(|n| n as f64),
            screen_share_since: self.extra.screen_share_since.clone(),
            rating: self.extra.rating.map(|n| n as f64),
            rating_comment: self.extra.rating_comment.clone(),
            rated_at: self.extra.rated_at.clone(),
            network: self.extra.network.clone(),
            utc_offset_min: self.extra.utc_offset_min.map(f64::from),
            timed_out_from: self.extra.timed_out_from,
        };
        let mut value = values::from_wire(&doc);
        if let (Value::Object(map), Some(metadata)) = (&mut value, &self.metadata) {
            map.insert("metadata".to_string(), metadata.clone());
        }
        value
    }

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
        let issues: Option<String> = row.get("quality_issues")?;
        let metadata: Option<String> = row.get("metadata")?;
        let network: Option<String> = row.get("network")?;
        let status = |name: &str| -> rusqlite::Result<Option<SessionStatus>> {
            let text: Option<String> = row.get(name)?;
            // A row whose state is not one of the five is corrupt: reading it as some
            // state (it used to become `connecting`) would let ops run on a guess.
            text.map(|t| {
                t.parse::<SessionStatus>().map_err(|e| {
                    let column = row.as_ref().column_index(name).unwrap_or(0);
                    rusqlite::Error::FromSqlConversionFailure(
                        column,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })
            })
            .transpose()
        };
        let session_status = status("session_status")?.ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(
                0,
                "session_status".into(),
                rusqlite::types::Type::Null,
            )
        })?;
        Ok(Session {
            id: row.get("id")?,
            creation_us: row.get("creation_us")?,
            appointment_id: row.get("appointment_id")?,
            user_id: row.get("user_id")?,
            support_worker_name: row.get("support_worker_name")?,
            support_worker_id: row.get("support_worker_id")?,
            session_status,
            joined_at: row.get("joined_at")?,
            connected_at: row.get("connected_at")?,
            ended_at: row.get("ended_at")?,
            duration: row.get("duration")?,
            audio_option: row.get("audio_option")?,
            camera_enabled: row.get("camera_enabled")?,
            mic_enabled: row.get("mic_enabled")?,
            quality_issues: issues.and_then(|t| serde_json::from_str(&t).ok()),
            end_reason: row.get("end_reason")?,
            metadata: metadata.and_then(|t| decode_value(&t)),
            client_session_id: row.get("client_session_id")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            extra: CallExtras {
                reconnect_count: row.get("reconnect_count")?,
                reconnect_seconds: row.get("reconnect_seconds")?,
                reconnecting_since: row.get("reconnecting_since")?,
                screen_share_seconds: row.get("screen_share_seconds")?,
                screen_share_since: row.get("screen_share_since")?,
                rating: row.get("rating")?,
                rating_comment: row.get("rating_comment")?,
                rated_at: row.get("rated_at")?,
                network: network.and_then(|t| serde_json::from_str(&t).ok()),
                timed_out_from: status("timed_out_from")?,
                utc_offset_min: row.get("utc_offset_min")?,
            },
        })
    }
}

fn decode_value(text: &str) -> Option<Value> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    Value::from_json(&json).ok()
}

const COLUMNS: &str = "id, creation_us, appointment_id, user_id, support_worker_name, \
    support_worker_id, session_status, joined_at, connected_at, ended_at, duration, \
    audio_option, camera_enabled, mic_enabled, quality_issues, end_reason, metadata, \
    client_session_id, created_at, updated_at, reconnect_count, reconnect_seconds, \
    reconnecting_since, screen_share_seconds, screen_share_since, rating, rating_comment, \
    rated_at, network, timed_out_from, utc_offset_min";

/// Writes the whole row (insert or replace).
pub fn put(conn: &Connection, s: &Session) -> rusqlite::Result<()> {
    let sql = format!(
        "INSERT OR REPLACE INTO video_call_sessions ({COLUMNS}) \
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,\
         ?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31)"
    );
    let issues = s
        .quality_issues
        .as_ref()
        .map(|i| serde_json::Value::from(i.clone()).to_string());
    let metadata = s.metadata.as_ref().map(|m| m.to_json().to_string());
    conn.prepare_cached(&sql)?.execute(params![
        s.id,
        s.creation_us,
        s.appointment_id,
        s.user_id,
        s.support_worker_name,
        s.support_worker_id,
        s.session_status.as_str(),
        s.joined_at,
        s.connected_at,
        s.ended_at,
        s.duration,
        s.audio_option,
        s.camera_enabled,
        s.mic_enabled,
        issues,
        s.end_reason,
        metadata,
        s.client_session_id,
        s.created_at,
        s.updated_at,
        s.extra.reconnect_count,
        s.extra.reconnect_seconds,
        s.extra.reconnecting_since,
        s.extra.screen_share_seconds,
        s.extra.screen_share_since,
        s.extra.rating,
        s.extra.rating_comment,
        s.extra.rated_at,
        s.extra.network.as_ref().map(|n| n.to_string()),
        s.extra.timed_out_from.map(SessionStatus::as_str),
        s.extra.utc_offset_min,
    ])?;
    Ok(())
}

fn one(
    conn: &Connection,
    filter: &str,
    key: &dyn rusqlite::ToSql,
) -> rusqlite::Result<Option<Session>> {
    let sql = format!("SELECT {COLUMNS} FROM video_call_sessions WHERE {filter} LIMIT 1");
    conn.prepare_cached(&sql)?
        .query_row([key], Session::from_row)
        .optional()
}

/// The session with this `_id`.
pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Session>> {
    one(conn, "id = ?1", &id)
}

/// The first session carrying this client-chosen id (index `by_client_session`).
pub fn by_client_session(conn: &Connection, client_id: &str) -> rusqlite::Result<Option<Session>> {
    one(
        conn,
        "client_session_id = ?1 ORDER BY creation_us ASC",
        &client_id,
    )
}

/// A user's sessions, newest first, strictly older than `before_us` when given
/// (index `by_user`).
pub fn by_user(
    conn: &Connection,
    user_id: &str,
    before_us: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM video_call_sessions INDEXED BY by_user \
         WHERE user_id = ?1 AND creation_us < ?2 ORDER BY creation_us DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![user_id, before_us.unwrap_or(i64::MAX), limit as i64],
        Session::from_row,
    )?;
    rows.collect()
}

/// The user's sessions older than `before_us` (all when None) down to and
/// including `from_us`, newest first: a page with an end cursor.
pub fn by_user_down_to(
    conn: &Connection,
    user_id: &str,
    before_us: Option<i64>,
    from_us: i64,
) -> rusqlite::Result<Vec<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM video_call_sessions INDEXED BY by_user \
         WHERE user_id = ?1 AND creation_us < ?2 AND creation_us >= ?3 ORDER BY creation_us DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![user_id, before_us.unwrap_or(i64::MAX), from_us],
        Session::from_row,
    )?;
    rows.collect()
}

/// The user's newest active (`connecting`, `connected` or `reconnecting`) session
/// (index `by_user_and_status`, one lookup per active status).
pub fn active_for_user(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM video_call_sessions INDEXED BY by_user_and_status \
         WHERE user_id = ?1 AND session_status = ?2 ORDER BY creation_us DESC LIMIT 1"
    );
    let mut newest: Option<Session> = None;
    for status in SessionStatus::ALL.into_iter().filter(|s| s.is_active()) {
        let found = conn
            .prepare_cached(&sql)?
            .query_row(params![user_id, status.as_str()], Session::from_row)
            .optional()?;
        if let Some(s) = found {
            if newest
                .as_ref()
                .is_none_or(|n| s.creation_us > n.creation_us)
            {
                newest = Some(s);
            }
        }
    }
    Ok(newest)
}

/// Up to `limit` sessions in `status` last updated strictly before `before` (an
/// ISO time as every row writes it: fixed width, so text order is time order),
/// oldest first (index `by_status_and_updated_at`, never a scan of history).
pub fn stale(
    conn: &Connection,
    status: SessionStatus,
    before: &str,
    limit: usize,
) -> rusqlite::Result<Vec<Session>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM video_call_sessions INDEXED BY by_status_and_updated_at \
         WHERE session_status = ?1 AND updated_at < ?2 ORDER BY updated_at, creation_us LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![status.as_str(), before, limit as i64],
        Session::from_row,
    )?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(status: SessionStatus) -> Session {
        Session {
            id: "k1".into(),
            creation_us: 1,
            appointment_id: None,
            user_id: "u".into(),
            support_worker_name: "W".into(),
            support_worker_id: None,
            session_status: status,
            joined_at: "2024-01-15T10:30:00.000Z".into(),
            connected_at: None,
            ended_at: None,
            duration: None,
            audio_option: None,
            camera_enabled: None,
            mic_enabled: None,
            quality_issues: None,
            end_reason: None,
            metadata: None,
            client_session_id: None,
            created_at: "2024-01-15T10:30:00.000Z".into(),
            updated_at: "2024-01-15T10:30:00.000Z".into(),
            extra: CallExtras::default(),
        }
    }

    #[test]
    fn a_row_with_an_unknown_status_is_an_error_not_a_guess() {
        let conn = Connection::open_in_memory().unwrap();
        crate::db::schema::create(&conn).unwrap();
        put(&conn, &session(SessionStatus::Ended)).unwrap();
        assert_eq!(
            get(&conn, "k1").unwrap().unwrap().session_status,
            SessionStatus::Ended
        );
        conn.execute(
            "UPDATE video_call_sessions SET session_status = 'paused'",
            [],
        )
        .unwrap();
        let err = get(&conn, "k1").unwrap_err().to_string();
        assert!(err.contains("unknown session status \"paused\""), "{err}");
    }
}
