//! `/api/v1/archived-workflows…`: Argo's workflow archive. Keelson keeps
//! every workflow in its store until its TTL, so the archive is the
//! finished ones (Succeeded, Failed, Error), addressed by uid: list (with
//! the list's selectors and `namespace`), get, delete, label keys and
//! values, retry and resubmit.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};

use super::error::ApiError;
use super::objects;
use super::query::{ListParams, optional_json};
use crate::controller::Controller;
use crate::store::{LabelSelector, ListQuery, WorkflowRow};

const FINISHED: [&str; 3] = ["Succeeded", "Failed", "Error"];

pub async fn list(
    State(c): State<Controller>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let mut q = ListQuery {
        namespace: params.get("namespace").filter(|n| !n.is_empty()).cloned(),
        phases: FINISHED.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    };
    if let Some(s) = params.get("listOptions.labelSelector") {
        q.labels = LabelSelector::parse(s).map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    if let Some(prefix) = params.get("namePrefix").or(params.get("nameFilter")) {
        q.name_prefix = Some(prefix.clone());
    }
    q.limit = match params.get("listOptions.limit") {
        Some(l) => l.parse().map_err(|_| ApiError::invalid(format!("limit {l:?}")))?,
        None => 0,
    };
    let (version, rows) = c.workflows_as_of(&q).await?;
    let items = rows.iter().map(objects::workflow).collect();
    Ok(Json(objects::list(items, i64::try_from(version).unwrap_or(i64::MAX), None)))
}

async fn finished(c: &Controller, uid: &str) -> Result<WorkflowRow, ApiError> {
    match c.store().workflow_by_uid(uid).await? {
        Some(row) if FINISHED.contains(&row.phase.as_str()) => Ok(row),
        _ => Err(ApiError::not_found(format!("archived workflow {uid:?} not found"))),
    }
}

pub async fn get(
    State(c): State<Controller>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(objects::workflow(&finished(&c, &uid).await?)))
}

pub async fn delete(
    State(c): State<Controller>,
    Path(uid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let row = finished(&c, &uid).await?;
    c.delete(&row.namespace, &row.name, false).await?;
    Ok(Json(json!({})))
}

pub async fn label_keys(State(c): State<Controller>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"items": c.store().finished_label_keys().await?})))
}

pub async fn label_values(
    State(c): State<Controller>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    // Argo asks `listOptions.labelSelector=KEY`.
    let key = params
        .get("listOptions.labelSelector")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::invalid("listOptions.labelSelector must name a label key"))?;
    Ok(Json(json!({"items": c.store().finished_label_values(key).await?})))
}

/// `PUT /api/v1/archived-workflows/{uid}/retry|resubmit`.
pub async fn again(
    State(c): State<Controller>,
    Path((uid, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let b: super::workflows::ActionBody = optional_json(&body)?;
    let row = finished(&c, &uid).await?;
    let params = super::workflows::parse_parameters(&b.parameters)?;
    let row = match action.as_str() {
        "retry" => {
            c.retry(&row.namespace, &row.name, b.restart_successful, b.node_field_selector, params)
                .await?
        }
        "resubmit" => c.resubmit(&row.namespace, &row.name, params).await?,
        other => return Err(ApiError::not_found(format!("no action {other:?}"))),
    };
    Ok(Json(objects::workflow(&row)))
}
