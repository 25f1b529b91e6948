//! `GET /api/v1/workflow-events/{namespace}`: a watch of workflows, as
//! Argo streams it — `{"result":{"type":"ADDED|MODIFIED|DELETED",
//! "object":{…}}}` a line (or SSE `data: … ` events). The current state of
//! the matching workflows comes first (ADDED), then every change the
//! controller announces. A subscriber that falls behind re-reads what it
//! watches rather than slowing the controller.
//! (Resuming from a resource version comes with the API issue.)

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use tokio::sync::{broadcast, mpsc};

use super::error::ApiError;
use super::objects;
use super::query::ListParams;
use super::stream;
use crate::controller::Controller;
use crate::store::{LabelSelector, ListQuery, WorkflowRow};

pub async fn watch(
    State(c): State<Controller>,
    namespace: Option<Path<String>>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut q = ListQuery {
        namespace: namespace.map(|Path(n)| n).filter(|n| !n.is_empty()),
        ..Default::default()
    };
    let mut name = None;
    if let Some(s) = params.get("listOptions.fieldSelector") {
        for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            match term.split_once('=') {
                Some(("metadata.name", v)) => name = Some(v.to_string()),
                Some(("metadata.namespace", v)) => q.namespace = Some(v.to_string()),
                _ => {
                    return Err(ApiError::invalid(format!(
                        "field selector {term:?} not supported"
                    )));
                }
            }
        }
    }
    if let Some(s) = params.get("listOptions.labelSelector") {
        q.labels = LabelSelector::parse(s).map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    // One workflow watched: read only rows that can be it.
    if let Some(n) = &name {
        q.name_prefix = Some(n.clone());
    }
    let sse = stream::wants_sse(&headers);
    // Subscribe before reading, so nothing falls between.
    let changes = c.bus().subscribe();
    let initial = c.store().query_workflows(&q).await?;
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let filter = Filter { query: q, name };
        for row in initial.iter().filter(|r| filter.name_ok(&r.name)) {
            if tx.send(frame("ADDED", &objects::workflow(row), sse)).await.is_err() {
                return;
            }
        }
        follow(c, filter, changes, tx, sse).await;
    });
    Ok(stream::response(rx, sse))
}

struct Filter {
    query: ListQuery,
    name: Option<String>,
}

impl Filter {
    fn name_ok(&self, name: &str) -> bool {
        self.name.as_deref().is_none_or(|n| n == name)
    }
}

async fn follow(
    c: Controller,
    filter: Filter,
    mut changes: broadcast::Receiver<crate::controller::Change>,
    tx: mpsc::Sender<Bytes>,
    sse: bool,
) {
    loop {
        let change = match changes.recv().await {
            Ok(ch) => ch,
            Err(broadcast::error::RecvError::Lagged(_)) => {
                // Fell behind: send the current state again.
                let Ok(rows) = c.store().query_workflows(&filter.query).await else { return };
                for row in rows.iter().filter(|r| filter.name_ok(&r.name)) {
                    if tx.send(frame("MODIFIED", &objects::workflow(row), sse)).await.is_err() {
                        return;
                    }
                }
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        if !filter.name_ok(&change.name)
            || filter.query.namespace.as_ref().is_some_and(|n| *n != change.namespace)
        {
            continue;
        }
        let frame = if change.deleted {
            let object = json!({"apiVersion": objects::API_VERSION, "kind": "Workflow",
                "metadata": {"name": change.name, "namespace": change.namespace, "uid": change.uid}});
            frame("DELETED", &object, sse)
        } else {
            let row: Option<WorkflowRow> = match c.store().workflow_by_uid(&change.uid).await {
                Ok(r) => r,
                Err(_) => return,
            };
            let Some(row) = row else { continue };
            if !matches_labels(&c, &filter, &row).await {
                continue;
            }
            frame("MODIFIED", &objects::workflow(&row), sse)
        };
        if tx.send(frame).await.is_err() {
            return;
        }
    }
}

/// Whether the row still matches the watch's label selector (asked of the
/// store, which knows the selector's rules).
async fn matches_labels(c: &Controller, filter: &Filter, row: &WorkflowRow) -> bool {
    if filter.query.labels.0.is_empty() {
        return true;
    }
    let q = ListQuery {
        namespace: Some(row.namespace.clone()),
        labels: filter.query.labels.clone(),
        name_prefix: Some(row.name.clone()),
        ..Default::default()
    };
    c.store().query_workflows(&q).await.is_ok_and(|rows| rows.iter().any(|r| r.uid == row.uid))
}

fn frame(kind: &str, object: &serde_json::Value, sse: bool) -> Bytes {
    stream::frame(json!({"type": kind, "object": object}), sse)
}
