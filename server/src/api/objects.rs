//! Stored rows as the Kubernetes-shaped JSON objects Argo's API returns.

use serde_json::{Map, Value, json};

use crate::store::{TemplateRow, WorkflowRow};

pub const API_VERSION: &str = "argoproj.io/v1alpha1";
const PHASE_LABEL: &str = "workflows.argoproj.io/phase";
const COMPLETED_LABEL: &str = "workflows.argoproj.io/completed";

/// A Workflow: what was submitted, with its identity, Argo's system labels
/// and the latest status. Null timestamps are left out.
pub fn workflow(row: &WorkflowRow) -> Value {
    let submitted = row.submission.get("workflow").cloned().unwrap_or(Value::Null);
    let mut meta =
        submitted.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    meta.insert("name".into(), row.name.clone().into());
    meta.insert("namespace".into(), row.namespace.clone().into());
    meta.insert("uid".into(), row.uid.clone().into());
    meta.insert("creationTimestamp".into(), row.created_at.to_string().into());
    meta.insert("resourceVersion".into(), row.resource_version.to_string().into());
    let mut labels: Map<String, Value> =
        row.labels.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    if !row.phase.is_empty() {
        labels.insert(PHASE_LABEL.into(), row.phase.clone().into());
    }
    let completed = matches!(row.phase.as_str(), "Succeeded" | "Failed" | "Error");
    labels.insert(COMPLETED_LABEL.into(), completed.to_string().into());
    meta.insert("labels".into(), Value::Object(labels));
    let mut spec = submitted.get("spec").cloned().unwrap_or_else(|| json!({}));
    if row.suspended
        && let Some(s) = spec.as_object_mut()
    {
        s.insert("suspend".into(), true.into());
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "Workflow",
        "metadata": meta,
        "spec": spec,
        "status": row.status,
    })
}

/// A WorkflowTemplate or ClusterWorkflowTemplate as stored, with its
/// identity.
pub fn template(row: &TemplateRow) -> Value {
    let mut body = row.body.clone();
    if let Some(obj) = body.as_object_mut() {
        obj.insert("apiVersion".into(), API_VERSION.into());
        obj.insert(
            "kind".into(),
            match row.kind {
                crate::store::TemplateKind::WorkflowTemplate => "WorkflowTemplate",
                crate::store::TemplateKind::ClusterWorkflowTemplate => "ClusterWorkflowTemplate",
            }
            .into(),
        );
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert("name".into(), row.name.clone().into());
            if !row.namespace.is_empty() {
                m.insert("namespace".into(), row.namespace.clone().into());
            }
            m.insert("creationTimestamp".into(), row.created_at.to_string().into());
            m.insert("resourceVersion".into(), row.resource_version.to_string().into());
        }
    }
    body
}

/// A list response: `metadata` (with a resource version) and `items`,
/// never null.
pub fn list(items: Vec<Value>, resource_version: i64, next: Option<String>) -> Value {
    let mut meta = json!({"resourceVersion": resource_version.to_string()});
    if let Some(c) = next {
        meta["continue"] = c.into();
    }
    json!({"metadata": meta, "items": items})
}
