//! `/api/v1/cron-workflows/{namespace}…`: create (checked: the document,
//! its schedules and time zone), list, get, update, delete, suspend,
//! resume. The status (last scheduled time, active runs, counts) is
//! computed from the store when read.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::query::JsonBody;
use super::{AppState, objects};
use crate::clock::now;
use crate::cron::{self, Scheduler};
use crate::store::CronRow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronBody {
    cron_workflow: Value,
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("cronworkflows.argoproj.io \"{name}\" not found"))
}

/// The CronWorkflow with its identity and status.
async fn object(s: &Scheduler, row: &CronRow) -> Result<Value, ApiError> {
    let history = s.history(row).await?;
    let mut body = row.body.clone();
    let active: Vec<Value> = history
        .iter()
        .filter(|w| matches!(w.phase.as_str(), "" | "Pending" | "Running"))
        .map(
            |w| json!({"kind": "Workflow", "namespace": w.namespace, "name": w.name, "uid": w.uid}),
        )
        .collect();
    let count = |p: &[&str]| history.iter().filter(|w| p.contains(&w.phase.as_str())).count();
    let suspended = row.body.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
    let mut status = json!({
        "active": active,
        "succeeded": count(&["Succeeded"]),
        "failed": count(&["Failed", "Error"]),
        "phase": if suspended { "Stopped" } else { "Active" },
        "conditions": [],
    });
    if let Some(t) = row.last_scheduled_at {
        status["lastScheduledTime"] = t.to_string().into();
    }
    if let Some(obj) = body.as_object_mut() {
        obj.insert("apiVersion".into(), objects::API_VERSION.into());
        obj.insert("kind".into(), "CronWorkflow".into());
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        meta["name"] = row.name.clone().into();
        meta["namespace"] = row.namespace.clone().into();
        meta["creationTimestamp"] = row.created_at.to_string().into();
        meta["resourceVersion"] = row.resource_version.to_string().into();
        obj.insert("status".into(), status);
    }
    Ok(body)
}

/// Check a CronWorkflow and return its name.
async fn check(state: &AppState, namespace: &str, body: &mut Value) -> Result<String, ApiError> {
    if let Some(obj) = body.as_object_mut() {
        obj.entry("apiVersion").or_insert_with(|| objects::API_VERSION.into());
        obj.entry("kind").or_insert_with(|| "CronWorkflow".into());
        obj.remove("status");
    }
    let name = body
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("metadata.name is required"))?
        .to_string();
    let probe = CronRow {
        namespace: namespace.to_string(),
        name: name.clone(),
        created_at: now(),
        body: body.clone(),
        resource_version: 0,
        last_scheduled_at: None,
        last_handled_at: None,
    };
    cron::parse(&probe).map_err(ApiError::invalid)?;
    state.controller.lint(namespace, body).await?;
    Ok(name)
}

/// `POST /api/v1/cron-workflows/{namespace}/lint`: a create's checks,
/// nothing stored.
pub async fn lint(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    JsonBody(b): JsonBody<CronBody>,
) -> Result<Json<Value>, ApiError> {
    let mut body = b.cron_workflow;
    check(&state, &namespace, &mut body).await?;
    Ok(Json(body))
}

pub async fn create(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
    JsonBody(b): JsonBody<CronBody>,
) -> Result<Json<Value>, ApiError> {
    let mut body = b.cron_workflow;
    let name = check(&state, &namespace, &mut body).await?;
    let store = state.controller.store();
    store.put_cron(&namespace, &name, now(), &body, false).await?;
    state.scheduler.wake();
    get(State(state), Path((namespace, name))).await
}

pub async fn update(
    State(state): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
    JsonBody(b): JsonBody<CronBody>,
) -> Result<Json<Value>, ApiError> {
    let mut body = b.cron_workflow;
    let given = check(&state, &namespace, &mut body).await?;
    if given != name {
        return Err(ApiError::invalid(format!("the body names {given:?}, the path {name:?}")));
    }
    let store = state.controller.store();
    let existing = store.cron(&namespace, &name).await?.ok_or_else(|| not_found(&name))?;
    store.put_cron(&namespace, &name, existing.created_at, &body, true).await?;
    state.scheduler.wake();
    get(State(state), Path((namespace, name))).await
}

pub async fn list(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let rows = state.controller.store().crons(Some(&namespace)).await?;
    let version = rows.iter().map(|r| r.resource_version).max().unwrap_or(0);
    let mut items = Vec::new();
    for r in &rows {
        items.push(object(&state.scheduler, r).await?);
    }
    Ok(Json(objects::list(items, version, None)))
}

/// How many next runs `next_runs` tells of each CronWorkflow.
const NEXT_RUNS: usize = 3;

/// `GET /api/v1/cron-schedules/{namespace}` (Keelson's own; Argo's UI
/// computes this in the browser): when each of the namespace's
/// CronWorkflows runs next, in its time zone's rules, so that a page
/// need not carry the time zone database. `{"items": [{"name",
/// "suspended", "nextRuns": [RFC 3339…]} or {"name", "error"}]}`.
pub async fn next_runs(
    State(state): State<AppState>,
    Path(namespace): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let rows = state.controller.store().crons(Some(&namespace)).await?;
    let now = now();
    let items: Vec<Value> = rows
        .iter()
        .map(|row| match cron::parse(row) {
            Ok((cron, schedules)) => {
                let mut next = Vec::new();
                for (schedule, zone) in &schedules {
                    let mut after = now;
                    // Each schedule's first few: together, the soonest.
                    for _ in 0..NEXT_RUNS {
                        let Some(t) = cron::schedule::next_after(schedule, zone, after) else {
                            break;
                        };
                        next.push(t);
                        after = t;
                    }
                }
                next.sort();
                next.dedup();
                next.truncate(NEXT_RUNS);
                json!({
                    "name": row.name,
                    "suspended": cron.spec.suspend == Some(true),
                    "nextRuns": next.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })
            }
            Err(e) => json!({"name": row.name, "error": e}),
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn get(
    State(state): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let row =
        state.controller.store().cron(&namespace, &name).await?.ok_or_else(|| not_found(&name))?;
    Ok(Json(object(&state.scheduler, &row).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    if state.controller.store().delete_cron(&namespace, &name).await? {
        Ok(Json(json!({})))
    } else {
        Err(not_found(&name))
    }
}

/// `PUT …/{name}/suspend` and `…/resume`.
pub async fn suspend_or_resume(
    State(state): State<AppState>,
    Path((namespace, name, action)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let suspend = match action.as_str() {
        "suspend" => true,
        "resume" => false,
        other => return Err(ApiError::not_found(format!("no action {other:?}"))),
    };
    let store = state.controller.store();
    let row = store.cron(&namespace, &name).await?.ok_or_else(|| not_found(&name))?;
    let mut body = row.body.clone();
    if let Some(spec) = body.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("suspend".into(), suspend.into());
    }
    store.put_cron(&namespace, &name, row.created_at, &body, true).await?;
    if !suspend {
        // Fires missed while suspended are not caught up (as Argo): the
        // schedule starts again from now.
        store.set_cron_handled(&namespace, &name, now(), false).await?;
    }
    state.scheduler.wake();
    get(State(state), Path((namespace, name))).await
}
