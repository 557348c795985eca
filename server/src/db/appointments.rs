//! Rows of `appointments`, the table a session may be linked to.

use crate::values::Value;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// One `appointments` document.
#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub id: String,
    pub creation_us: i64,
    pub user_id: String,
    pub support_worker_name: String,
    pub support_worker_id: Option<String>,
    pub scheduled_at: Option<String>,
    /// `scheduled` | `completed` | `cancelled`.
    pub status: String,
    pub completed_at: Option<String>,
}

impl Appointment {
    pub fn to_value(&self) -> Value {
        let mut doc = BTreeMap::new();
        let s = |t: &String| Value::String(t.clone());
        doc.insert("_id".into(), s(&self.id));
        doc.insert(
            "_creationTime".into(),
            Value::Float64(self.creation_us as f64 / 1000.0),
        );
        doc.insert("userId".into(), s(&self.user_id));
        doc.insert("supportWorkerName".into(), s(&self.support_worker_name));
        doc.insert("status".into(), s(&self.status));
        for (key, value) in [
            ("supportWorkerId", &self.support_worker_id),
            ("scheduledAt", &self.scheduled_at),
            ("completedAt", &self.completed_at),
        ] {
            if let Some(v) = value {
                doc.insert(key.into(), s(v));
            }
        }
        Value::Object(doc)
    }
}

/// Writes the whole row (insert or replace).
pub fn put(conn: &Connection, a: &Appointment) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO appointments (id, creation_us, user_id, support_worker_name, \
         support_worker_id, scheduled_at, status, completed_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    )?
    .execute(params![
        a.id,
        a.creation_us,
        a.user_id,
        a.support_worker_name,
        a.support_worker_id,
        a.scheduled_at,
        a.status,
        a.completed_at
    ])?;
    Ok(())
}

/// The appointment with this `_id`.
pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Appointment>> {
    conn.prepare_cached(
        "SELECT id, creation_us, user_id, support_worker_name, support_worker_id, \
         scheduled_at, status, completed_at FROM appointments WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Appointment {
            id: r.get(0)?,
            creation_us: r.get(1)?,
            user_id: r.get(2)?,
            support_worker_name: r.get(3)?,
            support_worker_id: r.get(4)?,
            scheduled_at: r.get(5)?,
            status: r.get(6)?,
            completed_at: r.get(7)?,
        })
    })
    .optional()
}
