//! The SQLite store: one file, WAL journal, one writer.
//!
//! Every call runs inside ONE SQLite transaction (`BEGIN IMMEDIATE` for mutations),
//! so a mutation's effects, its stats updates and its `processedOps` record commit
//! together or not at all. `synchronous=FULL`: a mutation acknowledged to a client
//! survives a crash or power loss, which the client's exactly-once outbox relies on.
//! `_creationTime` comes from a clock that only moves forward, also across restarts.

pub mod analytics;
pub mod appointments;
pub mod processed_ops;
pub mod schema;
pub mod sessions;
pub mod stats;

use crate::ids::{self, Table};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the directory for the database {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
}

/// Hands out strictly increasing creation times, in microseconds.
#[derive(Debug)]
pub struct Clock {
    last_us: i64,
}

impl Clock {
    fn next(&mut self) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        self.last_us = now.max(self.last_us + 1);
        self.last_us
    }
}

/// An open transaction plus the creation clock.
pub struct Tx<'a> {
    pub conn: &'a Connection,
    clock: &'a mut Clock,
}

impl Tx<'_> {
    /// A fresh `(_id, creation µs)` for a new document of `table`.
    pub fn new_doc(&mut self, table: Table) -> (String, i64) {
        (ids::new_id(table), self.clock.next())
    }

    /// Runs `f` so that, if it fails, everything it wrote is undone while the
    /// surrounding transaction carries on (an `applyBatch` op that is rejected).
    pub fn nested<T, E: From<rusqlite::Error>>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        self.conn.execute_batch("SAVEPOINT op")?;
        let out = f(self);
        match out {
            Ok(_) => self.conn.execute_batch("RELEASE op")?,
            Err(_) => self.conn.execute_batch("ROLLBACK TO op; RELEASE op")?,
        }
        out
    }
}

struct Inner {
    conn: Connection,
    clock: Clock,
}

/// The database, shared by all request handlers.
pub struct Db {
    inner: Mutex<Inner>,
}

impl Db {
    /// Opens (creating if needed) the database file and its parent directories.
    pub fn open(path: &Path) -> Result<Db, OpenError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| OpenError::CreateDir {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let sqlite = |source| OpenError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(sqlite)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;",
        )
        .map_err(sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sqlite)?;
        schema::create(&conn).map_err(sqlite)?;
        let last_us = schema::max_creation_us(&conn).map_err(sqlite)?;
        Ok(Db {
            inner: Mutex::new(Inner {
                conn,
                clock: Clock { last_us },
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves no open transaction behind (it is
        // rolled back on drop), so the connection is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in one write transaction: committed if it returns `Ok`, rolled
    /// back otherwise.
    pub fn mutate<T, E: From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut inner = self.lock();
        let Inner { conn, clock } = &mut *inner;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&mut Tx { conn: &tx, clock })?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on one consistent snapshot; nothing it might write is kept.
    pub fn read<T, E: From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut inner = self.lock();
        let Inner { conn, clock } = &mut *inner;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&mut Tx { conn: &tx, clock })
    }
}
