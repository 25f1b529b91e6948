//! The pods of every run on a cluster: two watches — pods labelled
//! `workflows.argoproj.io/workflow` and WorkflowTaskResults — whose
//! events go to the run that owns them (by namespace and workflow name),
//! plus a tick for what only time reveals (overdue outputs, stuck pods).
//! Each run's executor registers here.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject};
use kube::runtime::watcher;

use super::pod::LABEL_WORKFLOW;
use super::run::RunPods;
use super::task_result;
use super::tracker::Patience;
use crate::kube::Cluster;
use crate::metrics::METRICS;

/// How often time is looked at.
const TICK: Duration = Duration::from_secs(1);

/// How Kubernetes mode runs.
#[derive(Debug, Clone)]
pub struct KubeConfig {
    /// The image with the `keelson` binary, for each pod's init container.
    pub executor_image: String,
    pub patience: Patience,
    /// Grace period of a killed pod.
    pub kill_grace: Duration,
}

impl Default for KubeConfig {
    fn default() -> Self {
        KubeConfig {
            executor_image: "ghcr.io/keelson/keelson:latest".into(),
            patience: Patience::default(),
            kill_grace: Duration::from_secs(10),
        }
    }
}

/// The pods of every run on one cluster; cheap to clone.
#[derive(Clone)]
pub struct Pods {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pods {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pods").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

struct Inner {
    cluster: Cluster,
    config: KubeConfig,
    /// Runs with pods, by (namespace, workflow name).
    runs: Mutex<HashMap<(String, String), Arc<RunPods>>>,
}

impl Pods {
    /// Start watching the pods and task results of `cluster`.
    pub fn start(cluster: Cluster, config: KubeConfig) -> Pods {
        let pods = Pods { inner: Arc::new(Inner { cluster, config, runs: Mutex::default() }) };
        let weak = Arc::downgrade(&pods.inner);
        tokio::spawn(watch_pods(weak.clone(), pods.pods_api()));
        tokio::spawn(watch_results(weak.clone(), pods.results_api()));
        tokio::spawn(tick(weak));
        pods
    }

    pub fn cluster(&self) -> &Cluster {
        &self.inner.cluster
    }

    pub fn config(&self) -> &KubeConfig {
        &self.inner.config
    }

    fn pods_api(&self) -> Api<Pod> {
        let client = self.inner.cluster.client().clone();
        match self.inner.cluster.namespace() {
            Some(ns) => Api::namespaced(client, ns),
            None => Api::all(client),
        }
    }

    fn results_api(&self) -> Api<DynamicObject> {
        let ar = task_result::api_resource();
        let client = self.inner.cluster.client().clone();
        match self.inner.cluster.namespace() {
            Some(ns) => Api::namespaced_with(client, ns, &ar),
            None => Api::all_with(client, &ar),
        }
    }

    pub(super) fn register(&self, run: Arc<RunPods>) {
        runs(&self.inner).insert((run.namespace.clone(), run.workflow.clone()), run);
    }

    /// Forget `run` (if it is still the one registered under its name).
    pub(super) fn unregister(&self, run: &RunPods) {
        let mut runs = runs(&self.inner);
        let key = (run.namespace.clone(), run.workflow.clone());
        if runs.get(&key).is_some_and(|r| std::ptr::eq(Arc::as_ptr(r), run)) {
            runs.remove(&key);
        }
    }
}

fn runs(inner: &Inner) -> MutexGuard<'_, HashMap<(String, String), Arc<RunPods>>> {
    inner.runs.lock().unwrap_or_else(|e| e.into_inner())
}

/// The run a resource belongs to (its namespace and workflow label).
fn owner(inner: &Inner, meta: &kube::api::ObjectMeta) -> Option<Arc<RunPods>> {
    let workflow = meta.labels.as_ref()?.get(LABEL_WORKFLOW)?;
    let namespace = meta.namespace.clone()?;
    runs(inner).get(&(namespace, workflow.clone())).cloned()
}

async fn watch_pods(inner: std::sync::Weak<Inner>, api: Api<Pod>) {
    let config = watcher::Config::default().labels(LABEL_WORKFLOW);
    let mut events = watcher(api, config).boxed();
    // Pods seen during a relist, by run, and when the relist began.
    let mut relist: Option<HashMap<(String, String), HashSet<String>>> = None;
    let mut listed_from = Instant::now();
    while let Some(event) = events.next().await {
        let Some(inner) = inner.upgrade() else { return };
        match event {
            Ok(watcher::Event::Init) => {
                relist = Some(HashMap::new());
                listed_from = Instant::now();
            }
            Ok(watcher::Event::InitApply(pod)) => {
                if let (Some(seen), Some(ns), Some(wf)) = (
                    relist.as_mut(),
                    pod.metadata.namespace.clone(),
                    pod.metadata.labels.as_ref().and_then(|l| l.get(LABEL_WORKFLOW)).cloned(),
                ) {
                    seen.entry((ns, wf))
                        .or_default()
                        .insert(pod.metadata.name.clone().unwrap_or_default());
                }
                pod_event(&inner, &pod, false);
            }
            Ok(watcher::Event::InitDone) => {
                let seen = relist.take().unwrap_or_default();
                let all: Vec<Arc<RunPods>> = runs(&inner).values().cloned().collect();
                for run in all {
                    let key = (run.namespace.clone(), run.workflow.clone());
                    let empty = HashSet::new();
                    run.relisted(seen.get(&key).unwrap_or(&empty), listed_from);
                }
            }
            Ok(watcher::Event::Apply(pod)) => pod_event(&inner, &pod, false),
            Ok(watcher::Event::Delete(pod)) => pod_event(&inner, &pod, true),
            Err(e) => {
                // The watcher retries by itself; say so, slowly.
                tracing::warn!("watching pods: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn pod_event(inner: &Inner, pod: &Pod, deleted: bool) {
    METRICS.kube_watch_events.get(&[("resource", "pods")]).inc();
    let Some(run) = owner(inner, &pod.metadata) else { return };
    let name = pod.metadata.name.clone().unwrap_or_default();
    let json = match serde_json::to_value(pod) {
        Ok(json) => json,
        Err(e) => {
            tracing::warn!(pod = %name, "unreadable pod: {e}");
            return;
        }
    };
    if deleted {
        run.pod_deleted(&name, &json);
    } else {
        run.pod_changed(&name, &json, Instant::now());
    }
}

async fn watch_results(inner: std::sync::Weak<Inner>, api: Api<DynamicObject>) {
    let config = watcher::Config::default().labels(LABEL_WORKFLOW);
    let mut events = watcher(api, config).boxed();
    while let Some(event) = events.next().await {
        let Some(inner) = inner.upgrade() else { return };
        match event {
            Ok(watcher::Event::InitApply(r) | watcher::Event::Apply(r)) => {
                METRICS.kube_watch_events.get(&[("resource", "workflowtaskresults")]).inc();
                let Some(run) = owner(&inner, &r.metadata) else { continue };
                match serde_json::to_value(&r) {
                    Ok(json) => {
                        if let Some((node, outputs)) = task_result::outputs_of(&json) {
                            run.outputs(&node, outputs, task_result::writer_of(&json));
                        }
                    }
                    Err(e) => tracing::warn!("unreadable task result: {e}"),
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!("watching task results: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn tick(inner: std::sync::Weak<Inner>) {
    let mut every = tokio::time::interval(TICK);
    loop {
        every.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        let all: Vec<Arc<RunPods>> = runs(&inner).values().cloned().collect();
        let now = Instant::now();
        for run in all {
            run.tick(now);
        }
    }
}
