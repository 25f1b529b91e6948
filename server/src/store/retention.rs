//! What outlives a run and what does not: workflows' expiry (TTL), the
//! index of node logs, and the audit log of changes.

use engine::status::Time;
use sqlx::Row;

use super::{Store, StoreError};

/// One node's log, as the executor's `logs/index.jsonl` describes it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeLog {
    pub node: String,
    pub pod_name: String,
    /// The file under the run's `logs/` (none: the node printed nothing).
    pub file: Option<String>,
    pub lines: i64,
    pub first_line_at: Option<String>,
    pub last_line_at: Option<String>,
}

/// One audited request.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: Time,
    pub who: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub remote: String,
}

impl Store {
    /// Workflows whose expiry is due at `now`: (namespace, name).
    pub async fn expired_workflows(&self, now: Time) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT namespace, name FROM workflows WHERE expires_at IS NOT NULL AND expires_at <= $1 \
             ORDER BY expires_at",
        )
        .bind(now.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("namespace")?, r.try_get("name")?))).collect()
    }

    pub async fn set_expiry(&self, uid: &str, at: Option<Time>) -> Result<(), StoreError> {
        sqlx::query("UPDATE workflows SET expires_at = $1 WHERE uid = $2")
            .bind(at.map(|t| t.0))
            .bind(uid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Record node log entries (a node seen again replaces its entry).
    pub(super) async fn put_node_logs_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        uid: &str,
        logs: &[NodeLog],
    ) -> Result<(), StoreError> {
        for l in logs {
            sqlx::query(
                "INSERT INTO node_logs (workflow_uid, node, pod_name, file, lines, first_line_at, \
                 last_line_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (workflow_uid, node) DO UPDATE SET pod_name = excluded.pod_name, \
                 file = excluded.file, lines = excluded.lines, \
                 first_line_at = excluded.first_line_at, last_line_at = excluded.last_line_at",
            )
            .bind(uid)
            .bind(&l.node)
            .bind(&l.pod_name)
            .bind(&l.file)
            .bind(l.lines)
            .bind(&l.first_line_at)
            .bind(&l.last_line_at)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    pub async fn node_logs(&self, uid: &str) -> Result<Vec<NodeLog>, StoreError> {
        let rows = sqlx::query(
            "SELECT node, pod_name, file, lines, first_line_at, last_line_at FROM node_logs \
             WHERE workflow_uid = $1 ORDER BY first_line_at, node",
        )
        .bind(uid)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NodeLog {
                    node: r.try_get("node")?,
                    pod_name: r.try_get("pod_name")?,
                    file: r.try_get("file")?,
                    lines: r.try_get("lines")?,
                    first_line_at: r.try_get("first_line_at")?,
                    last_line_at: r.try_get("last_line_at")?,
                })
            })
            .collect()
    }

    pub(super) async fn insert_audit(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        e: &AuditEntry,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (at, who, method, path, status, remote) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.at.0)
        .bind(&e.who)
        .bind(&e.method)
        .bind(&e.path)
        .bind(e.status)
        .bind(&e.remote)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Audit entries since `since`, oldest first, at most `limit`.
    pub async fn audit_log(&self, since: Time, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, who, method, path, status, remote FROM audit WHERE at >= $1 ORDER BY at LIMIT $2",
        )
        .bind(since.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: Time(r.try_get("at")?),
                    who: r.try_get("who")?,
                    method: r.try_get("method")?,
                    path: r.try_get("path")?,
                    status: r.try_get("status")?,
                    remote: r.try_get("remote")?,
                })
            })
            .collect()
    }
}
