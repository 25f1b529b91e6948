//! Workflows: their rows (identity, submission, latest status, what
//! listing filters on), their journals, and the batched write the
//! controller's journal makes (events and statuses in one transaction).

use std::collections::BTreeMap;

use engine::status::{Time, WorkflowStatus};
use sqlx::Row;

use super::selector::{Bind, ListQuery, where_clause};
use super::{Entry, LoggedEvent, Store, StoreError};

/// A workflow as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRow {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub labels: BTreeMap<String, String>,
    pub created_at: Time,
    pub started_at: Option<Time>,
    pub finished_at: Option<Time>,
    pub suspended: bool,
    /// What was submitted (JSON; the controller's `Submission`).
    pub submission: serde_json::Value,
    /// The latest status written (Argo's JSON).
    pub status: serde_json::Value,
    pub resource_version: i64,
}

impl WorkflowRow {
    /// The status, typed.
    pub fn typed_status(&self) -> Result<WorkflowStatus, StoreError> {
        serde_json::from_value(self.status.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// A new workflow: its identity and what was submitted. It starts Pending.
#[derive(Debug, Clone)]
pub struct NewWorkflow {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub created_at: Time,
    pub submission: serde_json::Value,
}

/// One group commit's writes (see [`Store::write_batch`]).
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub inserts: Vec<NewWorkflow>,
    pub events: Vec<LoggedEvent>,
    pub statuses: Vec<StatusUpdate>,
    /// Node log index entries, by workflow uid.
    pub node_logs: Vec<(String, Vec<super::NodeLog>)>,
    pub audit: Vec<super::AuditEntry>,
}

impl Batch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty()
            && self.events.is_empty()
            && self.statuses.is_empty()
            && self.node_logs.is_empty()
            && self.audit.is_empty()
    }
}

/// A workflow's latest status, for [`Store::write_batch`].
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub uid: String,
    /// The status as JSON text (serialised by the caller, off the writer).
    pub status: String,
    pub phase: String,
    pub started_at: Option<Time>,
    pub finished_at: Option<Time>,
    pub suspended: bool,
    /// When the finished workflow is to be deleted (TTL).
    pub expires_at: Option<Time>,
}

impl StatusUpdate {
    pub fn new(uid: &str, status: &WorkflowStatus, suspended: bool) -> Result<Self, StoreError> {
        Ok(StatusUpdate {
            uid: uid.to_string(),
            status: serde_json::to_string(status)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            phase: status.phase.as_str().to_string(),
            started_at: status.started_at,
            finished_at: status.finished_at,
            suspended,
            expires_at: None,
        })
    }
}

const SELECT: &str = "SELECT uid, namespace, name, phase, labels, created_at, started_at, \
                      finished_at, suspended, submission, status, resource_version FROM workflows";

impl Store {
    pub async fn insert_workflow(&self, w: &NewWorkflow) -> Result<(), StoreError> {
        let batch = Batch { inserts: vec![w.clone()], ..Batch::default() };
        match self.write_batch(&batch).await?.first() {
            Some(true) => Ok(()),
            _ => Err(StoreError::AlreadyExists {
                kind: "workflow",
                namespace: w.namespace.clone(),
                name: w.name.clone(),
            }),
        }
    }

    /// Insert unless the name (or uid) is taken; whether it was inserted.
    async fn insert_workflow_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        w: &NewWorkflow,
    ) -> Result<bool, StoreError> {
        let labels =
            serde_json::to_string(&w.labels).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let done = sqlx::query(
            "INSERT INTO workflows (uid, namespace, name, phase, labels, created_at, submission, status) \
             VALUES ($1, $2, $3, 'Pending', $4, $5, $6, '{\"phase\":\"Pending\"}') \
             ON CONFLICT DO NOTHING",
        )
        .bind(&w.uid)
        .bind(&w.namespace)
        .bind(&w.name)
        .bind(labels)
        .bind(w.created_at.0)
        .bind(w.submission.to_string())
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        for (k, v) in &w.labels {
            sqlx::query("INSERT INTO workflow_labels (uid, key, value) VALUES ($1, $2, $3)")
                .bind(&w.uid)
                .bind(k)
                .bind(v)
                .execute(&mut **tx)
                .await?;
        }
        Ok(true)
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

    pub async fn workflow_by_uid(&self, uid: &str) -> Result<Option<WorkflowRow>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE uid = $1"))
            .bind(uid)
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
        self.query_workflows(&ListQuery {
            namespace: Some(namespace.to_string()),
            limit,
            after: after.map(|(t, u)| (t, u.to_string())),
            ..Default::default()
        })
        .await
    }

    /// Workflows matching `q`, newest first.
    pub async fn query_workflows(&self, q: &ListQuery) -> Result<Vec<WorkflowRow>, StoreError> {
        let (clause, binds) = where_clause(q);
        let limit = if q.limit > 0 { format!(" LIMIT {}", q.limit) } else { String::new() };
        let sql = format!("{SELECT}{clause} ORDER BY created_at DESC, uid DESC{limit}");
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(workflow_row).collect()
    }

    /// How many workflows match `q` (its limit and page ignored).
    pub async fn count_workflows(&self, q: &ListQuery) -> Result<i64, StoreError> {
        let (clause, binds) = where_clause(&ListQuery { limit: 0, after: None, ..q.clone() });
        let sql = format!("SELECT COUNT(*) AS n FROM workflows{clause}");
        let mut query = sqlx::query(&sql);
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        Ok(query.fetch_one(&self.pool).await?.try_get("n")?)
    }

    /// The label keys of finished workflows (the archive's label keys).
    pub async fn finished_label_keys(&self) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT l.key AS key FROM workflow_labels l JOIN workflows w ON w.uid = l.uid \
             WHERE w.phase IN ('Succeeded', 'Failed', 'Error') ORDER BY l.key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("key")?)).collect()
    }

    /// The values one label key has on finished workflows.
    pub async fn finished_label_values(&self, key: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT l.value AS value FROM workflow_labels l JOIN workflows w \
             ON w.uid = l.uid WHERE w.phase IN ('Succeeded', 'Failed', 'Error') AND l.key = $1 \
             ORDER BY l.value",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("value")?)).collect()
    }

    /// How many workflows are in each phase (`""`: not started yet).
    pub async fn count_by_phase(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows =
            sqlx::query("SELECT phase, COUNT(*) AS n FROM workflows GROUP BY phase ORDER BY phase")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok((r.try_get("phase")?, r.try_get("n")?))).collect()
    }

    /// Workflows not finished (Pending or Running), oldest first: what a
    /// starting server resumes.
    pub async fn unfinished_workflows(&self) -> Result<Vec<WorkflowRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE phase IN ('', 'Pending', 'Running') ORDER BY created_at, uid"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(workflow_row).collect()
    }

    /// Delete a workflow with its journal and labels; whether it existed.
    pub async fn delete_workflow(&self, uid: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Children first: SQLite enforces the cascade only with its
        // foreign-key pragma on, which a shared database may not have.
        for table in [
            "workflow_events WHERE workflow_uid",
            "workflow_labels WHERE uid",
            "node_logs WHERE workflow_uid",
        ] {
            sqlx::query(&format!("DELETE FROM {table} = $1")).bind(uid).execute(&mut *tx).await?;
        }
        let done =
            sqlx::query("DELETE FROM workflows WHERE uid = $1").bind(uid).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Append events, in one transaction (a batch may hold several
    /// workflows' events: one commit for a burst of exits).
    pub async fn append_events(&self, events: &[LoggedEvent]) -> Result<(), StoreError> {
        self.write_batch(&Batch { events: events.to_vec(), ..Batch::default() }).await.map(|_| ())
    }

    /// The group commit: new workflows, journal entries, the latest
    /// statuses, node logs and audit entries, in one transaction — all of
    /// it or none. Returns, for each insert in order, whether it was new
    /// (`false`: the name was taken).
    pub async fn write_batch(&self, batch: &Batch) -> Result<Vec<bool>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let written = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let inserted = Self::write_batch_in(&mut tx, batch).await?;
            tx.commit().await?;
            Ok(inserted)
        }
        .await;
        if written.is_err() {
            // A failed SQLite transaction (disk full) can leave its lock
            // behind on the connection: it leaves the pool.
            conn.close_on_drop();
        }
        written
    }

    async fn write_batch_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        batch: &Batch,
    ) -> Result<Vec<bool>, StoreError> {
        let mut inserted = Vec::with_capacity(batch.inserts.len());
        for w in &batch.inserts {
            inserted.push(Self::insert_workflow_in(tx, w).await?);
        }
        // Journal entries many rows to a statement: one round trip to
        // PostgreSQL for a burst, not one per entry.
        for chunk in batch.events.chunks(ROWS_PER_INSERT) {
            let entries = chunk
                .iter()
                .map(|e| serde_json::to_string(&e.entry))
                .collect::<Result<Vec<String>, _>>()
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let sql =
                multi_row_insert("workflow_events (workflow_uid, seq, at, event)", 4, chunk.len());
            let mut query = sqlx::query(&sql);
            for (e, entry) in chunk.iter().zip(&entries) {
                query = query.bind(&e.workflow_uid).bind(e.seq).bind(e.at.0).bind(entry);
            }
            query.execute(&mut **tx).await?;
        }
        for s in &batch.statuses {
            sqlx::query(
                "UPDATE workflows SET status = $1, phase = $2, started_at = $3, finished_at = $4, \
                 suspended = $5, expires_at = $6, resource_version = resource_version + 1 \
                 WHERE uid = $7",
            )
            .bind(&s.status)
            .bind(&s.phase)
            .bind(s.started_at.map(|t| t.0))
            .bind(s.finished_at.map(|t| t.0))
            .bind(i64::from(s.suspended))
            .bind(s.expires_at.map(|t| t.0))
            .bind(&s.uid)
            .execute(&mut **tx)
            .await?;
        }
        for (uid, logs) in &batch.node_logs {
            Self::put_node_logs_in(tx, uid, logs).await?;
        }
        for a in &batch.audit {
            Self::insert_audit(tx, a).await?;
        }
        Ok(inserted)
    }

    /// A workflow's journal, in order.
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
                let entry: Entry = serde_json::from_str(&text)
                    .map_err(|e| StoreError::Corrupt(format!("journal entry {text:?}: {e}")))?;
                Ok(LoggedEvent {
                    workflow_uid: workflow_uid.to_string(),
                    seq: r.try_get("seq")?,
                    at: Time(r.try_get("at")?),
                    entry,
                })
            })
            .collect()
    }

    /// Replace a finished workflow's status alone (its phase, times and
    /// expiry stay): what garbage collection records after the run.
    pub async fn replace_status(
        &self,
        uid: &str,
        status: &WorkflowStatus,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(status).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "UPDATE workflows SET status = $1, resource_version = resource_version + 1 \
             WHERE uid = $2",
        )
        .bind(text)
        .bind(uid)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Record a workflow's status (and its phase and times, for listing).
    pub async fn save_status(&self, uid: &str, status: &WorkflowStatus) -> Result<(), StoreError> {
        let status = StatusUpdate::new(uid, status, false)?;
        self.write_batch(&Batch { statuses: vec![status], ..Batch::default() }).await.map(|_| ())
    }
}

/// Rows per multi-row `INSERT` (SQLite allows 32,766 parameters).
const ROWS_PER_INSERT: usize = 500;

/// `INSERT INTO <table_and_columns> VALUES ($1, …), (…), …` for `rows`
/// rows of `columns` parameters each.
pub(super) fn multi_row_insert(table_and_columns: &str, columns: usize, rows: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = format!("INSERT INTO {table_and_columns} VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            let _ = write!(sql, "{}${}", if c == 0 { "" } else { ", " }, r * columns + c + 1);
        }
        sql.push(')');
    }
    sql
}

fn workflow_row(r: &sqlx::any::AnyRow) -> Result<WorkflowRow, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let submission: String = r.try_get("submission")?;
    let status: String = r.try_get("status")?;
    let labels: String = r.try_get("labels")?;
    Ok(WorkflowRow {
        uid: r.try_get("uid")?,
        namespace: r.try_get("namespace")?,
        name: r.try_get("name")?,
        phase: r.try_get("phase")?,
        labels: serde_json::from_str(&labels).map_err(corrupt)?,
        created_at: Time(r.try_get("created_at")?),
        started_at: r.try_get::<Option<i64>, _>("started_at")?.map(Time),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Time),
        suspended: r.try_get::<i64, _>("suspended")? != 0,
        submission: serde_json::from_str(&submission).map_err(corrupt)?,
        status: serde_json::from_str(&status).map_err(corrupt)?,
        resource_version: r.try_get("resource_version")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn multi_row_inserts_number_their_parameters() {
        assert_eq!(
            super::multi_row_insert("t (a, b)", 2, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
