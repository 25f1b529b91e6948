//! `/api/v1/workflows/{namespace}…`: list, create, submit from a template,
//! get, delete, and the actions (stop, terminate, suspend, resume, retry,
//! resubmit, set). Thin: parse, call the controller, shape the answer.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use engine::status::NodePhase;
use engine::status::Time;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::objects;
use super::query::{JsonBody, ListParams, flag, optional_json};
use crate::auth::Principal;
use crate::controller::{Controller, NodeUpdate, SubmitRequest};
use crate::store::{LabelSelector, ListQuery};

/// `GET /api/v1/workflows/{namespace}` (an empty namespace lists all).
pub async fn list(
    State(c): State<Controller>,
    namespace: Option<Path<String>>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let namespace = namespace.map(|Path(n)| n).filter(|n| !n.is_empty());
    let mut q = ListQuery { namespace, ..Default::default() };
    if let Some(s) = params.get("listOptions.labelSelector") {
        q.labels = LabelSelector::parse(s).map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    super::query::field_selector(&params, &mut q)?;
    if let Some(prefix) = params.get("nameFilter").or(params.get("namePrefix")) {
        q.name_prefix = Some(prefix.clone());
    }
    if let Some(phases) = params.get("phase") {
        q.phases = phases.split(',').map(str::to_string).collect();
    }
    for (key, field) in
        [("createdAfter", &mut q.created_after), ("createdBefore", &mut q.created_before)]
    {
        if let Some(t) = params.get(key) {
            *field = Some(Time::parse_rfc3339(t).ok_or_else(|| {
                ApiError::invalid(format!("{key}={t:?}: expected an RFC 3339 time"))
            })?);
        }
    }
    q.limit = match params.get("listOptions.limit") {
        Some(l) => {
            l.parse().map_err(|_| ApiError::invalid(format!("limit {l:?} is not a number")))?
        }
        None => 0,
    };
    if let Some(c) = params.get("listOptions.continue").filter(|c| !c.is_empty()) {
        let (t, uid) = c.split_once(':').ok_or_else(|| ApiError::invalid("bad continue token"))?;
        let t = t.parse().map_err(|_| ApiError::invalid("bad continue token"))?;
        q.after = Some((Time(t), uid.to_string()));
    }
    let (version, rows) = c.workflows_as_of(&q).await?;
    let next = (q.limit > 0 && rows.len() as i64 == q.limit)
        .then(|| rows.last().map(|r| format!("{}:{}", r.created_at.0, r.uid)))
        .flatten();
    let items = rows.iter().map(objects::workflow).collect();
    Ok(Json(objects::list(items, i64::try_from(version).unwrap_or(i64::MAX), next)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    workflow: Value,
    #[serde(default)]
    server_dry_run: bool,
}

/// `POST /api/v1/workflows/{namespace}` `{"workflow": …}`.
pub async fn create(
    State(c): State<Controller>,
    principal: Principal,
    Path(namespace): Path<String>,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Json<Value>, ApiError> {
    if body.server_dry_run {
        return Err(ApiError::invalid("serverDryRun is not supported"));
    }
    let mut workflow = body.workflow;
    with_kind(&mut workflow);
    let labels = creator(&principal);
    let row = c.submit(SubmitRequest { namespace, workflow, labels, ..Default::default() }).await?;
    Ok(Json(objects::workflow(&row)))
}

/// Who submitted a workflow, as Argo's server labels it
/// (`workflows.argoproj.io/creator`): the user's name made a label value.
pub(super) fn creator(principal: &Principal) -> BTreeMap<String, String> {
    let value: String = principal
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .take(63)
        .collect();
    let value = value.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
    if value.is_empty() {
        return BTreeMap::new();
    }
    BTreeMap::from([(CREATOR.to_string(), value)])
}

/// Argo's label for who submitted a workflow.
pub const CREATOR: &str = "workflows.argoproj.io/creator";

/// Argo's server takes a Workflow without `apiVersion` and `kind` (the
/// path says what it is); so do we.
fn with_kind(workflow: &mut Value) {
    if let Some(obj) = workflow.as_object_mut() {
        obj.entry("apiVersion").or_insert_with(|| objects::API_VERSION.into());
        obj.entry("kind").or_insert_with(|| "Workflow".into());
    }
}

#[derive(Deserialize)]
pub struct LintBody {
    workflow: Value,
}

/// `POST /api/v1/workflows/{namespace}/lint`: the checks of a submission
/// (against the namespace's templates), nothing run; the workflow back.
pub async fn lint(
    State(c): State<Controller>,
    Path(namespace): Path<String>,
    JsonBody(body): JsonBody<LintBody>,
) -> Result<Json<Value>, ApiError> {
    let mut workflow = body.workflow;
    with_kind(&mut workflow);
    c.lint(&namespace, &workflow).await?;
    Ok(Json(workflow))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SubmitOptions {
    #[serde(default)]
    parameters: Vec<String>,
    entry_point: Option<String>,
    /// `k=v,k2=v2`.
    labels: Option<String>,
    generate_name: Option<String>,
    name: Option<String>,
    /// Uploaded files for the template's argument artifacts, `name=key`.
    #[serde(default)]
    artifacts: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitBody {
    resource_kind: String,
    resource_name: String,
    #[serde(default)]
    submit_options: SubmitOptions,
}

/// `POST /api/v1/workflows/{namespace}/submit`: run a WorkflowTemplate or
/// ClusterWorkflowTemplate (`argo submit --from`).
pub async fn submit(
    State(c): State<Controller>,
    principal: Principal,
    Path(namespace): Path<String>,
    JsonBody(body): JsonBody<SubmitBody>,
) -> Result<Json<Value>, ApiError> {
    let (cluster, label) = match body.resource_kind.to_ascii_lowercase().as_str() {
        "workflowtemplate" => (false, "workflows.argoproj.io/workflow-template"),
        "clusterworkflowtemplate" => (true, "workflows.argoproj.io/cluster-workflow-template"),
        "cronworkflow" => return submit_cron(c, &principal, namespace, body).await,
        other => {
            return Err(ApiError::invalid(format!(
                "resourceKind {other:?}: expected WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow"
            )));
        }
    };
    let name = &body.resource_name;
    let o = body.submit_options;
    let mut labels = creator(&principal);
    labels.insert(label.to_string(), name.clone());
    for kv in o.labels.iter().flat_map(|l| l.split(',')).filter(|kv| !kv.is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| ApiError::invalid(format!("label {kv:?}: expected k=v")))?;
        labels.insert(k.to_string(), v.to_string());
    }
    let parameters = parse_parameters(&o.parameters)?;
    let mut metadata = json!({"labels": labels});
    match (o.name, o.generate_name) {
        (Some(n), _) => metadata["name"] = n.into(),
        (None, g) => metadata["generateName"] = g.unwrap_or_else(|| format!("{name}-")).into(),
    }
    let params: Vec<Value> =
        parameters.iter().map(|(k, v)| json!({"name": k, "value": v})).collect();
    let mut spec = json!({"workflowTemplateRef": {"name": name, "clusterScope": cluster}});
    if !params.is_empty() {
        spec["arguments"]["parameters"] = json!(params);
    }
    if !o.artifacts.is_empty() {
        let overrides = parse_pairs(&o.artifacts, "artifact", "NAME=KEY")?;
        let artifacts = c.uploaded_arguments(&namespace, (name, cluster), &overrides).await?;
        spec["arguments"]["artifacts"] = json!(artifacts);
    }
    if let Some(e) = o.entry_point {
        spec["entrypoint"] = e.into();
    }
    let workflow = json!({
        "apiVersion": objects::API_VERSION, "kind": "Workflow", "metadata": metadata, "spec": spec,
    });
    let row = c.submit(SubmitRequest { namespace, workflow, ..Default::default() }).await?;
    Ok(Json(objects::workflow(&row)))
}

/// `submit` of a CronWorkflow (`argo submit --from cronwf/NAME`): its
/// workflow now, with the parameters and labels asked for.
async fn submit_cron(
    c: Controller,
    principal: &Principal,
    namespace: String,
    body: SubmitBody,
) -> Result<Json<Value>, ApiError> {
    let name = &body.resource_name;
    let Some(row) = c.store().cron(&namespace, name).await? else {
        return Err(ApiError::not_found(format!("cronworkflows.argoproj.io \"{name}\" not found")));
    };
    let workflow = crate::cron::submitted_now(&row).map_err(ApiError::invalid)?;
    let o = body.submit_options;
    let mut labels = creator(principal);
    for kv in o.labels.iter().flat_map(|l| l.split(',')).filter(|kv| !kv.is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| ApiError::invalid(format!("label {kv:?}: expected k=v")))?;
        labels.insert(k.to_string(), v.to_string());
    }
    let parameters = parse_parameters(&o.parameters)?;
    let request = SubmitRequest {
        namespace,
        workflow,
        parameters,
        entrypoint: o.entry_point,
        labels,
        uid: None,
    };
    let row = c.submit(request).await?;
    Ok(Json(objects::workflow(&row)))
}

pub(super) fn parse_parameters(raw: &[String]) -> Result<Vec<(String, String)>, ApiError> {
    parse_pairs(raw, "parameter", "NAME=VALUE")
}

fn parse_pairs(raw: &[String], what: &str, shape: &str) -> Result<Vec<(String, String)>, ApiError> {
    raw.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| ApiError::invalid(format!("{what} {p:?}: expected {shape}")))
        })
        .collect()
}

/// `GET /api/v1/workflows/{namespace}/{name}`.
pub async fn get(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    match c.store().workflow(&namespace, &name).await? {
        Some(row) => Ok(Json(objects::workflow(&row))),
        None => Err(ApiError::not_found(format!("workflows.argoproj.io \"{name}\" not found"))),
    }
}

/// `GET /api/v1/workflows/{namespace}/{name}/node-events[?nodeId=ID]`
/// (Keelson's): what happened to the run's nodes, from its journal.
pub async fn node_events(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let node = params.get("nodeId").filter(|n| !n.is_empty());
    let items = c.node_events(&namespace, &name, node.map(String::as_str)).await?;
    Ok(Json(json!({ "items": items })))
}

/// `DELETE /api/v1/workflows/{namespace}/{name}[?force=true]` (Argo's
/// `DeleteWorkflowRequest.force`: leave artifacts that cannot be
/// garbage-collected).
pub async fn delete(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let force = params.get("force").is_some_and(|f| f == "true");
    c.delete(&namespace, &name, force).await?;
    Ok(Json(json!({})))
}

/// The body of the action calls (here and the archive's); each reads what
/// it needs.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ActionBody {
    #[serde(default, deserialize_with = "flag")]
    pub(super) restart_successful: bool,
    pub(super) node_field_selector: Option<String>,
    #[serde(default)]
    pub(super) parameters: Vec<String>,
    /// `set`: the node's new message, phase and output parameters (a
    /// JSON object, as text: Argo's `outputParameters`).
    message: Option<String>,
    phase: Option<String>,
    output_parameters: Option<String>,
}

/// `PUT /api/v1/workflows/{namespace}/{name}/{action}`.
pub async fn action(
    State(c): State<Controller>,
    Path((namespace, name, action)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: ActionBody = optional_json(&body)?;
    let (ns, name) = (namespace.as_str(), name.as_str());
    let row = match action.as_str() {
        "stop" => c.stop(ns, name).await?,
        "terminate" => c.terminate(ns, name).await?,
        "suspend" => c.suspend(ns, name).await?,
        "resume" => c.resume(ns, name, body.node_field_selector.as_deref()).await?,
        "retry" => {
            let parameters = parse_parameters(&body.parameters)?;
            let (restart, selector) = (body.restart_successful, body.node_field_selector);
            c.retry(ns, name, restart, selector, parameters).await?
        }
        "resubmit" => c.resubmit(ns, name, parse_parameters(&body.parameters)?).await?,
        "set" => c.set(ns, name, node_update(body)?).await?,
        other => return Err(ApiError::not_found(format!("no action {other:?}"))),
    };
    Ok(Json(objects::workflow(&row)))
}

/// `set`'s body (`argo node set`): the selector, and the phase, message
/// and output parameters to give the nodes it names.
fn node_update(body: ActionBody) -> Result<NodeUpdate, ApiError> {
    let selector = body
        .node_field_selector
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("set needs a nodeFieldSelector"))?;
    let phase = match body.phase.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some("Succeeded") => Some(NodePhase::Succeeded),
        Some("Failed") => Some(NodePhase::Failed),
        Some("Error") => Some(NodePhase::Error),
        Some(p) => {
            return Err(ApiError::invalid(format!(
                "phase {p:?}: a node can be set to Succeeded, Failed or Error"
            )));
        }
    };
    let outputs: BTreeMap<String, String> = match body.output_parameters.as_deref() {
        None | Some("") => BTreeMap::new(),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            ApiError::invalid(format!("outputParameters must be a JSON object of strings: {e}"))
        })?,
    };
    Ok(NodeUpdate { selector, phase, message: body.message, outputs })
}
