//! `GET /api/v1/workflow-events/{namespace}` (and `/ws/workflow-events/…`):
//! a watch of workflows, as Argo streams it — `{"result":{"type":
//! "ADDED|MODIFIED|DELETED","object":{…}}}` each. Without a resume point
//! the matching workflows come first (ADDED), then every change the
//! controller announces. With `listOptions.resourceVersion=N` (from a
//! list, or the last event seen) the workflows that changed since N come
//! first, in their current state, then the live changes: nothing missed.
//! Each event's `metadata.resourceVersion` is the point to resume from.
//!
//! Live changes carry the workflow, so watchers filter (namespace, name,
//! labels) in memory and share one rendering of each change; only a
//! watcher with a `fields` projection renders its own.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::error::ApiError;
use super::fields::Fields;
use super::objects;
use super::query::ListParams;
use super::stream::{self, Framing, Sender};
use crate::controller::{ChangeKind, Controller, Missed, Published, Subscription};
use crate::store::{LabelSelector, ListQuery, WorkflowRow};

/// What a watch wants.
pub struct WatchSpec {
    query: ListQuery,
    /// Projection of each event (`{type, object}`).
    fields: Option<Fields>,
    from: Option<u64>,
}

impl WatchSpec {
    pub fn parse(namespace: Option<String>, params: &ListParams) -> Result<WatchSpec, ApiError> {
        let mut query =
            ListQuery { namespace: namespace.filter(|n| !n.is_empty()), ..Default::default() };
        super::query::field_selector(params, &mut query)?;
        if let Some(s) = params.get("listOptions.labelSelector") {
            query.labels = LabelSelector::parse(s).map_err(|e| ApiError::invalid(e.to_string()))?;
        }
        let from = match params.get("listOptions.resourceVersion").map(String::as_str) {
            None | Some("" | "0") => None,
            Some(v) => Some(v.parse().map_err(|_| {
                ApiError::invalid(format!("listOptions.resourceVersion {v:?} is not a version"))
            })?),
        };
        let fields = Fields::parse(params.get("fields")).and_then(|f| f.under(&["result"]));
        Ok(WatchSpec { query, fields, from })
    }

    fn wants(&self, namespace: &str, name: &str) -> bool {
        self.query.name.as_deref().is_none_or(|n| n == name)
            && self.query.namespace.as_deref().is_none_or(|n| n == namespace)
    }

    fn wants_row(&self, row: &WorkflowRow) -> bool {
        self.wants(&row.namespace, &row.name) && self.query.labels.matches(&row.labels, &row.phase)
    }
}

pub async fn watch(
    State(c): State<Controller>,
    namespace: Option<Path<String>>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Response {
    let framing = Framing::of(&headers);
    let spec = match WatchSpec::parse(namespace.map(|Path(n)| n), &params) {
        Ok(s) => s,
        Err(e) => return stream::error_response(e, framing),
    };
    let (tx, rx) = stream::channel("watch");
    match start(&c, spec, framing, tx).await {
        Ok(()) => stream::response(rx, framing, "watch"),
        Err(e) => stream::error_response(e, framing),
    }
}

/// Subscribe and start streaming into `out`; an expired resume point or a
/// store failure is an error before anything is sent.
pub async fn start(
    c: &Controller,
    spec: WatchSpec,
    framing: Framing,
    out: Sender,
) -> Result<(), ApiError> {
    let sub = match spec.from {
        Some(v) => c.bus().resume(v).map_err(|e| ApiError::gone(e.to_string()))?,
        None => c.bus().subscribe(),
    };
    // Subscribed first, then read once the statuses announced so far
    // are written: nothing falls between.
    c.settled().await;
    let initial = match spec.from {
        None => Some(c.store().query_workflows(&spec.query).await?),
        Some(_) => None,
    };
    tokio::spawn(run(c.clone(), spec, sub, initial, framing, out));
    Ok(())
}

async fn run(
    c: Controller,
    spec: WatchSpec,
    mut sub: Subscription,
    initial: Option<Vec<WorkflowRow>>,
    framing: Framing,
    out: Sender,
) {
    let mut last = sub.from;
    for row in initial.iter().flatten().filter(|r| spec.wants(&r.namespace, &r.name)) {
        if out.send(event(&spec, "ADDED", row, sub.from, framing)).await.is_err() {
            return;
        }
    }
    for m in std::mem::take(&mut sub.missed) {
        if !spec.wants(&m.namespace, &m.name) {
            continue;
        }
        let Some(frame) = missed(&c, &spec, &m, framing).await else { continue };
        if out.send(frame).await.is_err() {
            return;
        }
    }
    loop {
        let p = match sub.live.recv().await {
            Ok(p) => p,
            Err(RecvError::Lagged(_)) => {
                // Fell too far behind: say where to resume, and let go.
                crate::metrics::METRICS.stream_dropped.get(&[("kind", "watch")]).inc();
                let e = ApiError::gone(format!(
                    "this watch fell behind and was closed: watch again with \
                     listOptions.resourceVersion={last}"
                ));
                let _ = out.send(framing.error(&e)).await;
                return;
            }
            Err(RecvError::Closed) => return,
        };
        last = p.version;
        let Some(frame) = live(&c, &spec, &p, framing).await else { continue };
        if out.send(frame).await.is_err() {
            return;
        }
    }
}

/// A live change as this watch frames it (`None`: not for this watch).
async fn live(
    c: &Controller,
    spec: &WatchSpec,
    p: &Arc<Published>,
    framing: Framing,
) -> Option<Bytes> {
    let ch = &p.change;
    if !spec.wants(&ch.namespace, &ch.name) {
        return None;
    }
    if ch.kind == ChangeKind::Deleted {
        return Some(deleted(spec, &ch.uid, &ch.namespace, &ch.name, p.version, framing));
    }
    let fetched;
    let row: &WorkflowRow = match &ch.row {
        Some(r) => r,
        None => {
            fetched = c.store().workflow_by_uid(&ch.uid).await.ok()??;
            &fetched
        }
    };
    if !spec.query.labels.matches(&row.labels, &row.phase) {
        return None;
    }
    let kind = ch.kind.as_str();
    if spec.fields.is_some() || ch.row.is_none() {
        return Some(event(spec, kind, row, p.version, framing));
    }
    // The common case: one rendering shared by every watcher.
    let json = p.rendered.get_or_init(|| Bytes::from(body(kind, row, p.version).to_string()));
    Some(framing.raw_result(json))
}

/// A workflow that changed while the watcher was away, in its state now.
async fn missed(c: &Controller, spec: &WatchSpec, m: &Missed, framing: Framing) -> Option<Bytes> {
    if m.deleted {
        return Some(deleted(spec, &m.uid, &m.namespace, &m.name, m.version, framing));
    }
    match c.store().workflow_by_uid(&m.uid).await.ok()? {
        Some(row) if spec.wants_row(&row) => {
            Some(event(spec, "MODIFIED", &row, m.version, framing))
        }
        Some(_) => None,
        // Deleted since; its DELETED change comes with the rest.
        None => None,
    }
}

fn body(kind: &str, row: &WorkflowRow, version: u64) -> Value {
    let mut object = objects::workflow(row);
    object["metadata"]["resourceVersion"] = version.to_string().into();
    json!({"type": kind, "object": object})
}

fn event(spec: &WatchSpec, kind: &str, row: &WorkflowRow, version: u64, framing: Framing) -> Bytes {
    let mut v = body(kind, row, version);
    if let Some(f) = &spec.fields {
        f.apply(&mut v);
    }
    framing.result(&v)
}

fn deleted(
    spec: &WatchSpec,
    uid: &str,
    namespace: &str,
    name: &str,
    version: u64,
    framing: Framing,
) -> Bytes {
    let mut v = json!({"type": "DELETED", "object": {
        "apiVersion": objects::API_VERSION, "kind": "Workflow",
        "metadata": {"name": name, "namespace": namespace, "uid": uid,
                     "resourceVersion": version.to_string()}}});
    if let Some(f) = &spec.fields {
        f.apply(&mut v);
    }
    framing.result(&v)
}
