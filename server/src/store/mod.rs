//! The durable store (issue 4, first increment): workflows and the event
//! log each one is rebuilt from, in SQLite (the embedded default, WAL) or
//! PostgreSQL, chosen by the database URL. See `docs/design/server.md`.
//!
//! One SQL dialect for both: `$n` placeholders (SQLite reads them as
//! numbered parameters), `BIGINT`/`TEXT` columns, JSON as text. The
//! migrations (`server/migrations/`, run at open) are written in that
//! common dialect too; should the backends need to differ, they split
//! into a directory each.

mod config_maps;
mod secrets;

use std::str::FromStr;

use engine::run::Event;
use engine::status::{Time, WorkflowStatus};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Row};

pub use secrets::{KEY_ENV, SecretKey};

/// What can go wrong in the store, with what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("workflow {namespace}/{name} already exists")]
    AlreadyExists { namespace: String, name: String },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("secret key: {0}")]
    Key(String),
}

/// A workflow as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRow {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub created_at: Time,
    pub finished_at: Option<Time>,
    /// The Workflow as submitted (JSON).
    pub submission: serde_json::Value,
    pub status: WorkflowStatus,
    pub resource_version: i64,
}

/// A new workflow: its identity and what was submitted.
#[derive(Debug, Clone)]
pub struct NewWorkflow {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub created_at: Time,
    pub submission: serde_json::Value,
}

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
            .max_connections(if sqlite { 1 } else { 8 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // WAL: readers never wait for the writer; foreign
                        // keys are off by default in SQLite.
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!().run(&pool).await?;
        Ok(Store { pool })
    }

    pub async fn insert_workflow(&self, w: &NewWorkflow) -> Result<(), StoreError> {
        let r = sqlx::query(
            "INSERT INTO workflows (uid, namespace, name, created_at, submission) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&w.uid)
        .bind(&w.namespace)
        .bind(&w.name)
        .bind(w.created_at.0)
        .bind(w.submission.to_string())
        .execute(&self.pool)
        .await;
        match r {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::AlreadyExists {
                    namespace: w.namespace.clone(),
                    name: w.name.clone(),
                })
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(()),
        }
    }

    pub async fn workflow(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<WorkflowRow>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE namespace = $1 AND name = $2"))
            .bind(namespace)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| workflow_row(&r)).transpose()
    }

    /// Newest first, `limit` at most, after the keyset `after` (the last
    /// row of the previous page: its creation time and uid).
    pub async fn list_workflows(
        &self,
        namespace: &str,
        limit: i64,
        after: Option<(Time, &str)>,
    ) -> Result<Vec<WorkflowRow>, StoreError> {
        let (t, uid) = after.map_or((i64::MAX, ""), |(t, u)| (t.0, u));
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE namespace = $1 AND (created_at < $2 OR (created_at = $2 AND uid < $3)) \
             ORDER BY created_at DESC, uid DESC LIMIT $4"
        ))
        .bind(namespace)
        .bind(t)
        .bind(if after.is_some() { uid } else { "\u{10FFFF}" })
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(workflow_row).collect()
    }

    /// Append events, in one transaction (a batch may hold several
    /// workflows' events: one commit for a burst of exits).
    pub async fn append_events(&self, batch: &[LoggedEvent]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for e in batch {
            let event =
                serde_json::to_string(&e.event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query("INSERT INTO workflow_events (workflow_uid, seq, at, event) VALUES ($1, $2, $3, $4)")
                .bind(&e.workflow_uid)
                .bind(e.seq)
                .bind(e.at.0)
                .bind(event)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A workflow's events, in order.
    pub async fn events(&self, workflow_uid: &str) -> Result<Vec<LoggedEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, event FROM workflow_events WHERE workflow_uid = $1 ORDER BY seq",
        )
        .bind(workflow_uid)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get("event")?;
                Ok(LoggedEvent {
                    workflow_uid: workflow_uid.to_string(),
                    seq: r.try_get("seq")?,
                    at: Time(r.try_get("at")?),
                    event: serde_json::from_str(&text)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Record a workflow's status (and its phase and end, for listing).
    pub async fn save_status(&self, uid: &str, status: &WorkflowStatus) -> Result<(), StoreError> {
        let json = serde_json::to_string(status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE workflows SET status = $1, phase = $2, finished_at = $3, \
             resource_version = resource_version + 1 WHERE uid = $4",
        )
        .bind(json)
        .bind(status.phase.as_str())
        .bind(status.finished_at.map(|t| t.0))
        .bind(uid)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Which template resource: namespaced or cluster-wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    WorkflowTemplate,
    ClusterWorkflowTemplate,
}

impl TemplateKind {
    fn as_str(self) -> &'static str {
        match self {
            TemplateKind::WorkflowTemplate => "WorkflowTemplate",
            TemplateKind::ClusterWorkflowTemplate => "ClusterWorkflowTemplate",
        }
    }
}

/// A stored WorkflowTemplate or ClusterWorkflowTemplate.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRow {
    pub kind: TemplateKind,
    /// `""` for cluster templates.
    pub namespace: String,
    pub name: String,
    pub created_at: Time,
    pub body: serde_json::Value,
    pub resource_version: i64,
}

impl Store {
    /// Create or replace a template (`argo template create` / `update`).
    pub async fn put_template(
        &self,
        kind: TemplateKind,
        namespace: &str,
        name: &str,
        created_at: Time,
        body: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let namespace = scoped(kind, namespace);
        sqlx::query(
            "INSERT INTO workflow_templates (kind, namespace, name, created_at, body) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (kind, namespace, name) DO UPDATE SET body = excluded.body, \
             resource_version = workflow_templates.resource_version + 1",
        )
        .bind(kind.as_str())
        .bind(namespace)
        .bind(name)
        .bind(created_at.0)
        .bind(body.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn template(
        &self,
        kind: TemplateKind,
        namespace: &str,
        name: &str,
    ) -> Result<Option<TemplateRow>, StoreError> {
        let row = sqlx::query(&format!(
            "{SELECT_TEMPLATE} WHERE kind = $1 AND namespace = $2 AND name = $3"
        ))
        .bind(kind.as_str())
        .bind(scoped(kind, namespace))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| template_row(kind, &r)).transpose()
    }

    /// Templates of a kind (in a namespace), by name.
    pub async fn templates(
        &self,
        kind: TemplateKind,
        namespace: &str,
    ) -> Result<Vec<TemplateRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_TEMPLATE} WHERE kind = $1 AND namespace = $2 ORDER BY name"
        ))
        .bind(kind.as_str())
        .bind(scoped(kind, namespace))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| template_row(kind, r)).collect()
    }

    /// Delete a template; returns whether it existed.
    pub async fn delete_template(
        &self,
        kind: TemplateKind,
        namespace: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM workflow_templates WHERE kind = $1 AND namespace = $2 AND name = $3",
        )
        .bind(kind.as_str())
        .bind(scoped(kind, namespace))
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Cluster templates live in no namespace.
fn scoped(kind: TemplateKind, namespace: &str) -> &str {
    match kind {
        TemplateKind::WorkflowTemplate => namespace,
        TemplateKind::ClusterWorkflowTemplate => "",
    }
}

const SELECT_TEMPLATE: &str =
    "SELECT namespace, name, created_at, body, resource_version FROM workflow_templates";

fn template_row(kind: TemplateKind, r: &sqlx::any::AnyRow) -> Result<TemplateRow, StoreError> {
    let body: String = r.try_get("body")?;
    Ok(TemplateRow {
        kind,
        namespace: r.try_get("namespace")?,
        name: r.try_get("name")?,
        created_at: Time(r.try_get("created_at")?),
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        resource_version: r.try_get("resource_version")?,
    })
}

/// One entry of a workflow's event log.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    pub workflow_uid: String,
    pub seq: i64,
    pub at: Time,
    pub event: Event,
}

const SELECT: &str = "SELECT uid, namespace, name, phase, created_at, finished_at, submission, \
                      status, resource_version FROM workflows";

fn workflow_row(r: &sqlx::any::AnyRow) -> Result<WorkflowRow, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let submission: String = r.try_get("submission")?;
    let status: String = r.try_get("status")?;
    Ok(WorkflowRow {
        uid: r.try_get("uid")?,
        namespace: r.try_get("namespace")?,
        name: r.try_get("name")?,
        phase: r.try_get("phase")?,
        created_at: Time(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Time),
        submission: serde_json::from_str(&submission).map_err(corrupt)?,
        status: serde_json::from_str(&status).map_err(corrupt)?,
        resource_version: r.try_get("resource_version")?,
    })
}
