//! The durable store: workflows and the event log each one is rebuilt
//! from, WorkflowTemplates, CronWorkflows, secrets, config maps, the node
//! log index, the audit log, users, API tokens and browser sessions — in
//! SQLite (the embedded default, WAL) or PostgreSQL, chosen by the
//! database URL. See `docs/design/server.md`.
//!
//! One SQL dialect for both: `$n` placeholders (SQLite reads them as
//! numbered parameters), `BIGINT`/`TEXT` columns, JSON as text. The
//! migrations (`server/migrations/`, run at open) are written in that
//! common dialect too.

mod config_maps;
mod crons;
mod entry;
mod retention;
mod secrets;
mod selector;
mod sessions;
mod templates;
mod users;
mod workflows;

use std::str::FromStr;

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

pub use crons::CronRow;
pub use entry::{Entry, LoggedEvent};
pub use retention::{AuditEntry, NodeLog};
pub use secrets::{KEY_ENV, SecretKey};
pub use selector::{LabelSelector, ListQuery, SelectorError};
pub use sessions::{Sessions, USER_KEY};
pub use templates::{TemplateKind, TemplateRow};
pub use users::{Binding, TokenRow, UserRow};
pub use workflows::{Batch, NewWorkflow, StatusUpdate, WorkflowRow};

/// What can go wrong in the store, with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("{kind} {namespace}/{name} already exists")]
    AlreadyExists { kind: &'static str, namespace: String, name: String },
    #[error("user {0} already exists")]
    UserExists(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database cannot be written ({0}): is it read-only, or the disk full?")]
    NotWritable(String),
    #[error("secret key: {0}")]
    Key(String),
}

impl StoreError {
    /// The database does not answer or cannot take writes right now (it
    /// is down, out of reach, out of connections, busy, read-only or its
    /// disk is full): the request may succeed later, unchanged.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::NotWritable(_) => true,
            StoreError::Database(e) => database_unavailable(e),
            _ => false,
        }
    }
}

fn database_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: connection exceptions (08…), the server shutting
            // down or starting (57P01-57P03), out of disk or memory (53…),
            // a read-only transaction (25006).
            code.starts_with("08")
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "25006"
                // SQLite's primary result codes: BUSY, LOCKED, READONLY,
                // IOERR, FULL, CANTOPEN (extended codes keep them in the
                // low byte).
                // (SQLite's codes have at most 4 digits; PostgreSQL's
                // SQLSTATEs are 5 characters, often digits too.)
                || (code.len() < 5
                    && code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 10 | 13 | 14)))
        }
        _ => false,
    }
}

/// How long a query waits for a connection before the store is called
/// unavailable.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// Open (creating a SQLite file if needed) and migrate.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        }
        let url = if sqlite && !url.contains('?') {
            // Create the file if missing.
            format!("{url}?mode=rwc")
        } else {
            url.to_string()
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            // SQLite: one writer at a time (the journal, mostly), readers
            // beside it in WAL mode; a writer waits for another up to
            // the busy timeout instead of failing.
            .max_connections(if sqlite { 4 } else { 8 })
            // A database that is down is said within seconds (503), not
            // after sqlx's default half a minute.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // WAL: readers never wait for the writer; foreign
                        // keys are off by default in SQLite.
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                        // Name prefixes match as in PostgreSQL.
                        sqlx::query("PRAGMA case_sensitive_like = ON").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!().run(&pool).await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('last_open', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(now.to_string())
        .execute(&pool)
        .await
        .map_err(|e| StoreError::NotWritable(e.to_string()))?;
        Ok(Store { pool })
    }

    /// A trivial query: the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Bytes the database takes (SQLite: its pages, after folding the
    /// write-ahead log in; PostgreSQL: `pg_database_size`).
    pub async fn size_bytes(&self) -> Result<i64, StoreError> {
        use sqlx::Row;
        if sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await.is_ok() {
            let pages: i64 =
                sqlx::query("PRAGMA page_count").fetch_one(&self.pool).await?.try_get(0)?;
            let size: i64 =
                sqlx::query("PRAGMA page_size").fetch_one(&self.pool).await?.try_get(0)?;
            return Ok(pages * size);
        }
        let row = sqlx::query("SELECT pg_database_size(current_database()) AS n")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// The database's own consistency check: `"ok"` when sound (SQLite's
    /// `PRAGMA integrity_check`; PostgreSQL checks itself).
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        use sqlx::Row;
        match sqlx::query("PRAGMA integrity_check").fetch_one(&self.pool).await {
            Ok(row) => Ok(row.try_get::<String, _>(0)?),
            Err(_) => Ok("ok".into()),
        }
    }
}
