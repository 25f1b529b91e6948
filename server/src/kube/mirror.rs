//! WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows applied
//! to the cluster (`kubectl apply -f` of Argo manifests) are mirrored into
//! the store, where submissions resolve `workflowTemplateRef` /
//! `templateRef` and the cron scheduler reads its schedules — so the same
//! code serves both modes. A resource deleted from the cluster is deleted
//! from the store, also when that happened while nobody watched (a
//! relist finds it gone); what was created through Keelson's API stays.
//!
//! A resource that does not lint is not mirrored, and the server's log
//! says why (Argo's controller likewise refuses it when it is used); it
//! is tried again every few seconds, as it may refer to a template whose
//! own watch event has not come yet.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt as _;
use kube::api::{Api, DynamicObject};
use kube::discovery::ApiResource;
use kube::runtime::watcher;
use serde_json::{Value, json};

use super::Cluster;
use crate::clock::now;
use crate::controller::Controller;
use crate::metrics::METRICS;
use crate::store::TemplateKind;

/// How often resources that did not lint are tried again.
const RETRY: Duration = Duration::from_secs(2);

/// The kinds mirrored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Template(TemplateKind),
    Cron,
}

impl Kind {
    fn api_resource(self) -> ApiResource {
        let (kind, plural) = match self {
            Kind::Template(TemplateKind::WorkflowTemplate) => {
                ("WorkflowTemplate", "workflowtemplates")
            }
            Kind::Template(TemplateKind::ClusterWorkflowTemplate) => {
                ("ClusterWorkflowTemplate", "clusterworkflowtemplates")
            }
            Kind::Cron => ("CronWorkflow", "cronworkflows"),
        };
        ApiResource {
            group: "argoproj.io".into(),
            version: "v1alpha1".into(),
            api_version: "argoproj.io/v1alpha1".into(),
            kind: kind.into(),
            plural: plural.into(),
        }
    }
}

/// Start mirroring the three kinds.
pub fn start(cluster: Cluster, controller: Controller) {
    for kind in [
        Kind::Template(TemplateKind::WorkflowTemplate),
        Kind::Template(TemplateKind::ClusterWorkflowTemplate),
        Kind::Cron,
    ] {
        let ar = kind.api_resource();
        let client = cluster.client().clone();
        let namespace = cluster.namespace().map(str::to_string);
        let api: Api<DynamicObject> = match (cluster.namespace(), kind) {
            // Cluster-scoped: always all.
            (_, Kind::Template(TemplateKind::ClusterWorkflowTemplate)) | (None, _) => {
                Api::all_with(client, &ar)
            }
            (Some(ns), _) => Api::namespaced_with(client, ns, &ar),
        };
        tokio::spawn(mirror(kind, api, namespace, controller.clone()));
    }
}

/// The annotation on documents mirrored from the cluster: those a relist
/// does not find are deleted from the store (what was created through
/// the API has none and stays).
pub const FROM_CLUSTER: &str = "keelson.dev/from-cluster";

async fn mirror(
    kind: Kind,
    api: Api<DynamicObject>,
    namespace: Option<String>,
    controller: Controller,
) {
    // What a relist found, until it is complete.
    let mut listed: Option<HashSet<(String, String)>> = None;
    let mut events = watcher(api, watcher::Config::default()).boxed();
    let resource = kind.api_resource().plural;
    // Resources that did not lint, tried again now and then: one may
    // refer to a template whose own event has not come yet.
    let mut pending: HashMap<(String, String), DynamicObject> = HashMap::new();
    let mut retry = tokio::time::interval(RETRY);
    loop {
        let event = tokio::select! {
            e = events.next() => match e {
                Some(e) => e,
                None => return,
            },
            _ = retry.tick(), if !pending.is_empty() => {
                for (key, o) in std::mem::take(&mut pending) {
                    if put(kind, &o, &controller).await.is_err() {
                        pending.insert(key, o);
                    }
                }
                continue;
            }
        };
        match event {
            Ok(watcher::Event::Init) => listed = Some(HashSet::new()),
            Ok(watcher::Event::InitDone) => {
                let seen = listed.take().unwrap_or_default();
                if let Err(e) = forget_unseen(kind, &seen, namespace.as_deref(), &controller).await
                {
                    tracing::warn!("cannot tidy the store after listing {resource}: {e}");
                }
            }
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => {
                METRICS.kube_watch_events.get(&[("resource", &resource)]).inc();
                let key = where_is(kind, &o);
                if let Some(seen) = listed.as_mut() {
                    seen.insert(key.clone());
                }
                pending.remove(&key);
                if let Err(why) = put(kind, &o, &controller).await {
                    tracing::warn!(
                        "{} {} from the cluster is not used: {why}",
                        kind.api_resource().kind,
                        key.1
                    );
                    pending.insert(key, o);
                }
            }
            Ok(watcher::Event::Delete(o)) => {
                METRICS.kube_watch_events.get(&[("resource", &resource)]).inc();
                let (namespace, name) = where_is(kind, &o);
                pending.remove(&(namespace.clone(), name.clone()));
                let store = controller.store();
                let outcome = match kind {
                    Kind::Template(k) => {
                        store.delete_template(k, &namespace, &name).await.map(drop)
                    }
                    Kind::Cron => store.delete_cron(&namespace, &name).await.map(drop),
                };
                if let Err(e) = outcome {
                    tracing::warn!("cannot delete {name} from the store: {e}");
                }
            }
            Err(e) => {
                tracing::warn!("watching {resource}: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Delete from the store what was mirrored from the cluster (in the
/// namespace watched, if one) and is not there any more — deleted while
/// nobody watched.
async fn forget_unseen(
    kind: Kind,
    seen: &HashSet<(String, String)>,
    namespace: Option<&str>,
    c: &Controller,
) -> Result<(), crate::store::StoreError> {
    let store = c.store();
    let mirrored = |body: &Value| body["metadata"]["annotations"][FROM_CLUSTER] == "true";
    let watched = |ns: &str| match (kind, namespace) {
        (Kind::Template(TemplateKind::ClusterWorkflowTemplate), _) | (_, None) => true,
        (_, Some(n)) => n == ns,
    };
    match kind {
        Kind::Template(k) => {
            for row in store.all_templates(k).await? {
                let key = (row.namespace.clone(), row.name.clone());
                if mirrored(&row.body) && watched(&row.namespace) && !seen.contains(&key) {
                    tracing::info!(
                        "{} {} is gone from the cluster",
                        kind.api_resource().kind,
                        row.name
                    );
                    store.delete_template(k, &row.namespace, &row.name).await?;
                }
            }
        }
        Kind::Cron => {
            for row in store.crons(None).await? {
                let key = (row.namespace.clone(), row.name.clone());
                if mirrored(&row.body) && watched(&row.namespace) && !seen.contains(&key) {
                    tracing::info!("CronWorkflow {} is gone from the cluster", row.name);
                    store.delete_cron(&row.namespace, &row.name).await?;
                }
            }
        }
    }
    Ok(())
}

/// The namespace (empty for cluster-scoped) and name of a resource.
fn where_is(kind: Kind, o: &DynamicObject) -> (String, String) {
    let namespace = match kind {
        Kind::Template(TemplateKind::ClusterWorkflowTemplate) => String::new(),
        _ => o.metadata.namespace.clone().unwrap_or_default(),
    };
    (namespace, o.metadata.name.clone().unwrap_or_default())
}

/// The document as its author wrote it (no status, no server fields).
fn document(kind: Kind, o: &DynamicObject) -> Value {
    let meta = &o.metadata;
    let mut metadata = json!({"name": meta.name});
    if kind != Kind::Template(TemplateKind::ClusterWorkflowTemplate) {
        metadata["namespace"] = meta.namespace.clone().into();
    }
    if let Some(labels) = &meta.labels {
        metadata["labels"] = json!(labels);
    }
    let mut annotations = meta.annotations.clone().unwrap_or_default();
    annotations.insert(FROM_CLUSTER.to_string(), "true".to_string());
    metadata["annotations"] = json!(annotations);
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind.api_resource().kind,
        "metadata": metadata,
        "spec": o.data.get("spec").cloned().unwrap_or(Value::Null),
    })
}

async fn put(kind: Kind, o: &DynamicObject, c: &Controller) -> Result<(), String> {
    let (namespace, name) = where_is(kind, o);
    let body = document(kind, o);
    let doc = engine::spec::decode(body.clone()).map_err(|e| e.to_string())?;
    let mut catalog = c.catalog(&namespace).await.map_err(|e| e.to_string())?;
    catalog.add(&doc);
    crate::controller::lint_resource(&body, &catalog).map_err(|e| e.to_string())?;
    let store = c.store();
    match kind {
        Kind::Template(k) => store.put_template(k, &namespace, &name, now(), &body).await,
        Kind::Cron => store.put_cron(&namespace, &name, now(), &body, true).await,
    }
    .map_err(|e| e.to_string())
}
