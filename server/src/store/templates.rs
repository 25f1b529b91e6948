//! WorkflowTemplates and ClusterWorkflowTemplates, stored as submitted.

use engine::status::Time;
use sqlx::Row;

use super::{Store, StoreError};

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

    /// Templates of a kind in every namespace.
    pub async fn all_templates(&self, kind: TemplateKind) -> Result<Vec<TemplateRow>, StoreError> {
        let rows =
            sqlx::query(&format!("{SELECT_TEMPLATE} WHERE kind = $1 ORDER BY namespace, name"))
                .bind(kind.as_str())
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
