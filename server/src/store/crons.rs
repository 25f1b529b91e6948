//! CronWorkflows: the resource as submitted, and the last time the
//! scheduler started a run of it.

use engine::status::Time;
use sqlx::Row;

use super::{Store, StoreError};

/// A stored CronWorkflow.
#[derive(Debug, Clone, PartialEq)]
pub struct CronRow {
    pub namespace: String,
    pub name: String,
    pub created_at: Time,
    pub body: serde_json::Value,
    pub resource_version: i64,
    pub last_scheduled_at: Option<Time>,
    /// The last fire time dealt with (run or skipped).
    pub last_handled_at: Option<Time>,
}

const SELECT: &str = "SELECT namespace, name, created_at, body, resource_version, \
                      last_scheduled_at, last_handled_at FROM cron_workflows";

impl Store {
    /// Create (`replace` false: fails if it exists) or replace a
    /// CronWorkflow; replacing keeps its schedule history.
    pub async fn put_cron(
        &self,
        namespace: &str,
        name: &str,
        created_at: Time,
        body: &serde_json::Value,
        replace: bool,
    ) -> Result<(), StoreError> {
        let sql = if replace {
            "INSERT INTO cron_workflows (namespace, name, created_at, body) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (namespace, name) DO UPDATE SET body = excluded.body, \
             resource_version = cron_workflows.resource_version + 1"
        } else {
            "INSERT INTO cron_workflows (namespace, name, created_at, body) VALUES ($1, $2, $3, $4)"
        };
        let r = sqlx::query(sql)
            .bind(namespace)
            .bind(name)
            .bind(created_at.0)
            .bind(body.to_string())
            .execute(&self.pool)
            .await;
        match r {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::AlreadyExists {
                    kind: "cron workflow",
                    namespace: namespace.into(),
                    name: name.into(),
                })
            }
            r => r.map(|_| ()).map_err(Into::into),
        }
    }

    pub async fn cron(&self, namespace: &str, name: &str) -> Result<Option<CronRow>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE namespace = $1 AND name = $2"))
            .bind(namespace)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| cron_row(&r)).transpose()
    }

    /// The CronWorkflows of a namespace (`None`: all), by name.
    pub async fn crons(&self, namespace: Option<&str>) -> Result<Vec<CronRow>, StoreError> {
        let rows = match namespace {
            Some(ns) => {
                sqlx::query(&format!("{SELECT} WHERE namespace = $1 ORDER BY namespace, name"))
                    .bind(ns)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("{SELECT} ORDER BY namespace, name"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(cron_row).collect()
    }

    /// Record that the fire at `at` was dealt with, and whether a run was
    /// started for it.
    pub async fn set_cron_handled(
        &self,
        namespace: &str,
        name: &str,
        at: Time,
        started: bool,
    ) -> Result<(), StoreError> {
        let sql = if started {
            "UPDATE cron_workflows SET last_handled_at = $1, last_scheduled_at = $1, \
             resource_version = resource_version + 1 WHERE namespace = $2 AND name = $3"
        } else {
            "UPDATE cron_workflows SET last_handled_at = $1, \
             resource_version = resource_version + 1 WHERE namespace = $2 AND name = $3"
        };
        sqlx::query(sql).bind(at.0).bind(namespace).bind(name).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn delete_cron(&self, namespace: &str, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM cron_workflows WHERE namespace = $1 AND name = $2")
            .bind(namespace)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

fn cron_row(r: &sqlx::any::AnyRow) -> Result<CronRow, StoreError> {
    let body: String = r.try_get("body")?;
    Ok(CronRow {
        namespace: r.try_get("namespace")?,
        name: r.try_get("name")?,
        created_at: Time(r.try_get("created_at")?),
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        resource_version: r.try_get("resource_version")?,
        last_scheduled_at: r.try_get::<Option<i64>, _>("last_scheduled_at")?.map(Time),
        last_handled_at: r.try_get::<Option<i64>, _>("last_handled_at")?.map(Time),
    })
}
