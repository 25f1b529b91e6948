//! Workflow resources (`argoproj.io/v1alpha1`), in and out.
//!
//! * **In**: a `kube_runtime::Controller` on Workflows. Reconcile is
//!   level-triggered and idempotent: a resource whose uid the store does
//!   not know is submitted (the same path as `POST /api/v1/workflows`,
//!   the resource's uid kept as the run's, so its pods are owned by it);
//!   one the store knows has its status aligned; one being deleted has
//!   its run deleted, then Keelson's finalizer removed. Running it twice
//!   changes nothing the first run got right.
//! * **Out**: every change on the controller's bus is written to the
//!   resource's `status` (Argo's shape, the node map left out past
//!   256 KiB: [`resource_status`]), coalesced per workflow, through the
//!   client's rate limit, with Argo's `phase`/`completed` labels.
//! * Workflows submitted through the API are created as resources first
//!   ([`create_resource`]), so `kubectl get workflows` lists every run.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use kube::runtime::controller::{Action, Controller as Reconciler};
use kube::runtime::watcher;
use serde_json::{Value, json};

use super::Cluster;
use super::resource_status::resource_status;
use crate::controller::{Controller, ControllerError, SubmitRequest};
use crate::metrics::METRICS;

/// Keelson's finalizer: a deleted resource's run is deleted before the
/// resource goes.
pub const FINALIZER: &str = "keelson.dev/cleanup";
/// Argo's finalizer on a workflow whose artifacts are garbage-collected:
/// the resource stays until they are (or until someone removes it, or
/// `keelson delete --force`, to give up on them).
pub const ARTIFACT_GC_FINALIZER: &str = "workflows.argoproj.io/artifact-gc";
/// Argo's labels on a Workflow resource.
const LABEL_PHASE: &str = "workflows.argoproj.io/phase";
const LABEL_COMPLETED: &str = "workflows.argoproj.io/completed";
/// Unfinished workflows are looked at again this often (a missed bus
/// change is made good).
const RESYNC: Duration = Duration::from_secs(300);

pub fn api_resource() -> ApiResource {
    ApiResource {
        group: "argoproj.io".into(),
        version: "v1alpha1".into(),
        api_version: "argoproj.io/v1alpha1".into(),
        kind: "Workflow".into(),
        plural: "workflows".into(),
    }
}

fn api(cluster: &Cluster, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(cluster.client().clone(), namespace, &api_resource())
}

/// Why a resource could not be handled (retried with back-off).
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error(transparent)]
    Controller(#[from] ControllerError),
    #[error("unreadable resource: {0}")]
    Json(#[from] serde_json::Error),
}

/// Whether the cluster serves Argo's Workflow resource to this server:
/// a clear refusal at start rather than a watch failing forever.
pub async fn check_served(cluster: &Cluster) -> Result<(), String> {
    let ar = api_resource();
    let api: Api<DynamicObject> = match cluster.namespace() {
        Some(ns) => Api::namespaced_with(cluster.client().clone(), ns, &ar),
        None => Api::all_with(cluster.client().clone(), &ar),
    };
    match api.list_metadata(&kube::api::ListParams::default().limit(1)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 404 => {
            Err("the cluster does not serve argoproj.io/v1alpha1 Workflows: install Argo's CRDs \
             (kubectl apply -k deploy/crds)"
                .into())
        }
        Err(kube::Error::Api(e)) if e.code == 403 || e.code == 401 => Err(format!(
            "the cluster does not let this server list Workflows ({}): apply deploy/base's RBAC \
             or give the server's account the keelson-server role",
            e.message
        )),
        Err(e) => Err(format!("cannot reach the Kubernetes API server: {e}")),
    }
}

/// Start the reconciler and the status writer.
pub fn start(cluster: Cluster, controller: Controller) {
    tokio::spawn(write_statuses(cluster.clone(), controller.clone()));
    let ar = api_resource();
    let workflows: Api<DynamicObject> = match cluster.namespace() {
        Some(ns) => Api::namespaced_with(cluster.client().clone(), ns, &ar),
        None => Api::all_with(cluster.client().clone(), &ar),
    };
    let context = Arc::new(Context { cluster, controller });
    tokio::spawn(async move {
        Reconciler::new_with(workflows, watcher::Config::default(), ar)
            .run(reconcile, retry_later, context)
            .for_each(|outcome| async move {
                let result = if outcome.is_ok() { "ok" } else { "error" };
                METRICS.kube_reconciles.get(&[("result", result)]).inc();
                if let Err(e) = outcome {
                    tracing::debug!("workflow resource: {e}");
                }
            })
            .await;
    });
}

struct Context {
    cluster: Cluster,
    controller: Controller,
}

fn retry_later(_: Arc<DynamicObject>, e: &ResourceError, _: Arc<Context>) -> Action {
    tracing::warn!("workflow resource: {e}");
    Action::requeue(Duration::from_secs(5))
}

async fn reconcile(wf: Arc<DynamicObject>, ctx: Arc<Context>) -> Result<Action, ResourceError> {
    let meta = &wf.metadata;
    let (Some(namespace), Some(name), Some(uid)) = (&meta.namespace, &meta.name, &meta.uid) else {
        return Ok(Action::await_change());
    };
    let api = api(&ctx.cluster, namespace);
    let finalizers = meta.finalizers.clone().unwrap_or_default();
    let ours = finalizers.iter().any(|f| f == FINALIZER);
    let row = ctx.controller.store().workflow_by_uid(uid).await.map_err(ControllerError::from)?;

    if meta.deletion_timestamp.is_some() {
        if ours {
            if let Some(row) = &row {
                // Argo's finalizer gone (removed by hand, or never put):
                // the artifacts are given up on.
                let force = !finalizers.iter().any(|f| f == ARTIFACT_GC_FINALIZER);
                match ctx.controller.delete(namespace, name, force).await {
                    Ok(()) | Err(ControllerError::NotFound(_)) => {}
                    Err(e @ ControllerError::Conflict(_)) => {
                        // Kept, with the ArtifactGCError the run now has.
                        if let Ok(Some(kept)) =
                            ctx.controller.store().workflow_by_uid(&row.uid).await
                        {
                            write_status(&ctx.cluster, namespace, name, uid, &kept.status, true)
                                .await?;
                        }
                        return Err(e.into());
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // With the version read: another controller's finalizer
            // added meanwhile is not dropped (409, and a new look).
            let rest: Vec<&String> = finalizers
                .iter()
                .filter(|f| *f != FINALIZER && *f != ARTIFACT_GC_FINALIZER)
                .collect();
            let patch =
                json!({"metadata": {"finalizers": rest, "resourceVersion": meta.resource_version}});
            ctx.cluster.throttle().await;
            match api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(e.into()),
            }
        }
        return Ok(Action::await_change());
    }
    let mut version = meta.resource_version.clone();
    let mut finalizers = finalizers;
    if !ours {
        finalizers.push(FINALIZER.to_string());
        ctx.cluster.throttle().await;
        let patch = json!({"metadata": {"finalizers": finalizers, "resourceVersion": version}});
        let patched = api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
        version = patched.metadata.resource_version;
    }
    let row = match row {
        Some(row) => row,
        None => {
            let request = SubmitRequest {
                namespace: namespace.clone(),
                workflow: submitted(&wf)?,
                uid: Some(uid.clone()),
                ..SubmitRequest::default()
            };
            match ctx.controller.submit(request).await {
                Ok(row) => row,
                Err(e @ (ControllerError::Invalid(_) | ControllerError::AlreadyExists(_))) => {
                    // Argo's way: the resource's status says why it will
                    // not run.
                    let status = json!({"phase": "Error", "message": e.to_string()});
                    write_status(&ctx.cluster, namespace, name, uid, &status, true).await?;
                    return Ok(Action::await_change());
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let wants_gc = engine::run::artifact_gc::declared(&row.submission);
    if wants_gc && !finalizers.iter().any(|f| f == ARTIFACT_GC_FINALIZER) {
        finalizers.push(ARTIFACT_GC_FINALIZER.to_string());
        ctx.cluster.throttle().await;
        let patch = json!({"metadata": {"finalizers": finalizers, "resourceVersion": version}});
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await?;
    }
    let current = wf.data.get("status").cloned().unwrap_or(Value::Null);
    if current["phase"] != row.status["phase"] || current["finishedAt"] != row.status["finishedAt"]
    {
        write_status(&ctx.cluster, namespace, name, uid, &row.status, true).await?;
    }
    let over = matches!(row.phase.as_str(), "Succeeded" | "Failed" | "Error");
    Ok(if over { Action::await_change() } else { Action::requeue(RESYNC) })
}

/// The Workflow to submit from a resource: what its author wrote.
fn submitted(wf: &DynamicObject) -> Result<Value, serde_json::Error> {
    let meta = &wf.metadata;
    let mut metadata = json!({"name": meta.name, "namespace": meta.namespace});
    if let Some(labels) = &meta.labels {
        metadata["labels"] = serde_json::to_value(labels)?;
    }
    if let Some(annotations) = &meta.annotations {
        metadata["annotations"] = serde_json::to_value(annotations)?;
    }
    Ok(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": metadata,
        "spec": wf.data.get("spec").cloned().unwrap_or(Value::Null),
    }))
}

/// Write `status` (the full one, as the store has it) to the resource
/// with uid `uid` — replaced whole (a merge would keep what a retried
/// node no longer has), and only if the resource is still that run's (a
/// re-created workflow of the same name is another run). With `labels`,
/// Argo's phase and completed labels too.
pub async fn write_status(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    uid: &str,
    status: &Value,
    labels: bool,
) -> Result<(), kube::Error> {
    let ops = json!([
        {"op": "test", "path": "/metadata/uid", "value": uid},
        {"op": "add", "path": "/status", "value": resource_status(status)},
    ]);
    let patch: json_patch::Patch = serde_json::from_value(ops).map_err(kube::Error::SerdeError)?;
    let api = api(cluster, namespace);
    cluster.throttle().await;
    match api.patch(name, &PatchParams::default(), &Patch::<()>::Json(patch)).await {
        Ok(_) => {}
        // No resource (deleted meanwhile) or another run's: not ours to write.
        Err(kube::Error::Api(e)) if e.code == 404 || e.code == 422 => return Ok(()),
        Err(e) => return Err(e),
    }
    if !labels {
        return Ok(());
    }
    let phase = status["phase"].as_str().unwrap_or("");
    let completed = matches!(phase, "Succeeded" | "Failed" | "Error");
    let mut values = BTreeMap::new();
    values.insert(LABEL_COMPLETED, Value::from(completed.to_string()));
    values.insert(LABEL_PHASE, if phase.is_empty() { Value::Null } else { phase.into() });
    let patch = json!({"metadata": {"labels": values}});
    cluster.throttle().await;
    match api.patch(name, &PatchParams::default(), &Patch::Merge(&patch)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(()),
        Err(e) => Err(e),
    }
}

/// Every change on the bus, written to its resource: the latest status
/// of each workflow, one write at a time per workflow.
async fn write_statuses(cluster: Cluster, controller: Controller) {
    let mut live = controller.bus().subscribe().live;
    // The phase last labelled on each running workflow's resource.
    let mut phases: HashMap<String, String> = HashMap::new();
    loop {
        let first = match live.recv().await {
            Ok(p) => p,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                // The periodic reconcile makes good what was missed.
                tracing::warn!("status writer fell {n} changes behind");
                continue;
            }
            Err(_) => return,
        };
        // Everything queued meanwhile: only each workflow's latest counts.
        let mut latest: HashMap<String, Arc<crate::controller::Published>> = HashMap::new();
        latest.insert(first.change.uid.clone(), first);
        while let Ok(p) = live.try_recv() {
            latest.insert(p.change.uid.clone(), p);
        }
        for p in latest.into_values() {
            let c = &p.change;
            if c.kind == crate::controller::ChangeKind::Deleted {
                phases.remove(&c.uid);
                continue;
            }
            let status = match &c.row {
                Some(row) => row.status.clone(),
                None => match controller.store().workflow_by_uid(&c.uid).await {
                    Ok(Some(row)) => row.status,
                    _ => continue,
                },
            };
            // The labels only when the phase moved (a few times a run).
            let phase = status["phase"].as_str().unwrap_or("").to_string();
            let labels = phases.get(&c.uid) != Some(&phase);
            match write_status(&cluster, &c.namespace, &c.name, &c.uid, &status, labels).await {
                Ok(()) if matches!(phase.as_str(), "Succeeded" | "Failed" | "Error") => {
                    phases.remove(&c.uid);
                }
                Ok(()) => {
                    phases.insert(c.uid.clone(), phase);
                }
                Err(e) => {
                    tracing::warn!(workflow = %c.name, "cannot write the status to its resource: {e}");
                }
            }
        }
    }
}

/// Create the resource for a workflow submitted through the API (with
/// Keelson's finalizer); its name (a `generateName` completed by the API
/// server) and uid, which the run takes.
pub async fn create_resource(
    cluster: &Cluster,
    namespace: &str,
    workflow: &Value,
) -> Result<(String, String), ControllerError> {
    let mut resource = workflow.clone();
    resource["apiVersion"] = "argoproj.io/v1alpha1".into();
    resource["kind"] = "Workflow".into();
    resource["metadata"]["namespace"] = namespace.into();
    resource["metadata"]["finalizers"] = json!([FINALIZER]);
    if let Some(obj) = resource.as_object_mut() {
        obj.remove("status");
    }
    let object: DynamicObject = serde_json::from_value(resource)
        .map_err(|e| ControllerError::Invalid(format!("not a Workflow resource: {e}")))?;
    cluster.throttle().await;
    match api(cluster, namespace).create(&PostParams::default(), &object).await {
        Ok(created) => match (created.metadata.name, created.metadata.uid) {
            (Some(name), Some(uid)) => Ok((name, uid)),
            _ => Err(ControllerError::Internal(
                "the API server created a Workflow and returned no name or uid".into(),
            )),
        },
        Err(kube::Error::Api(e)) if e.code == 409 => {
            let name = workflow["metadata"]["name"].as_str().unwrap_or_default();
            Err(ControllerError::AlreadyExists(name.to_string()))
        }
        Err(e) => Err(crate::kube::cluster_error(e)),
    }
}

/// Delete a workflow's resource (its run, `uid`, was deleted); absent —
/// or already another run's of the same name — is fine.
pub async fn delete_resource(cluster: &Cluster, namespace: &str, name: &str, uid: &str) {
    let params = DeleteParams {
        preconditions: Some(kube::api::Preconditions {
            uid: Some(uid.to_string()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    cluster.throttle().await;
    match api(cluster, namespace).delete(name, &params).await {
        Ok(_) => {}
        Err(kube::Error::Api(e)) if e.code == 404 || e.code == 409 => {}
        Err(e) => tracing::warn!(workflow = %name, "cannot delete its resource: {e}"),
    }
}
