//! One run's executor in Kubernetes mode: [`KubeExecutor`] makes a pod
//! of each launch (`pod_for`), deletes pods to kill, and [`RunPods`]
//! turns what the cluster's watches say of its pods into the engine's
//! events (through the pure [`Tracker`]) and carries out the rest: pods'
//! logs followed into the run's log files, finished pods labelled
//! completed or deleted (`podGC`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use engine::run::{Event, LaunchSpec, Plan};
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::pod::{LABEL_COMPLETED, PodInputs, pod_for};
use super::pods::Pods;
use super::task_result::Outputs;
use super::tracker::{Effect, PodGc, Tracker};
use crate::executor::{Executor, LocalExecutor, LogIndex, LogLine, LogWriter};

/// A Secret an environment reads: its name, and the key (`None`: all).
type SecretRef = (String, Option<String>);

/// What the pods of one run need.
pub struct RunSetup {
    pub namespace: String,
    pub workflow: String,
    /// The Workflow resource's uid, if the run has one (it owns the pods).
    pub resource_uid: Option<String>,
    pub plan: Arc<Plan>,
    /// The run's directory (its log files go under `logs/`).
    pub run_dir: std::path::PathBuf,
    pub events: mpsc::UnboundedSender<Event>,
}

/// A run's pods and where their news goes.
pub struct RunPods {
    pub(super) namespace: String,
    pub(super) workflow: String,
    resource_uid: Option<String>,
    plan: Arc<Plan>,
    run_dir: std::path::PathBuf,
    pods: Pods,
    tracker: Mutex<Tracker>,
    events: mpsc::UnboundedSender<Event>,
    live: broadcast::Sender<LogLine>,
    index: LogIndex,
    /// The Secrets each launched node's environment reads, until its log
    /// is followed (their values are masked in it).
    secret_refs: Mutex<HashMap<String, Vec<SecretRef>>>,
    /// Nodes whose log is being followed: set when it is all in the file.
    log_done: Mutex<HashMap<String, tokio::sync::watch::Receiver<bool>>>,
}

/// The executor of one run (see the module's description).
pub struct KubeExecutor {
    pub(super) run: Arc<RunPods>,
}

impl KubeExecutor {
    pub fn new(pods: &Pods, setup: RunSetup) -> KubeExecutor {
        let gc = PodGc::from_spec(
            setup.plan.spec.other.get("podGC").and_then(|g| g["strategy"].as_str()),
        );
        let tracker = Tracker::new(pods.config().patience, gc);
        let run = Arc::new(RunPods {
            index: LogIndex::new(&setup.run_dir.join("logs")),
            namespace: setup.namespace,
            workflow: setup.workflow,
            resource_uid: setup.resource_uid,
            plan: setup.plan,
            run_dir: setup.run_dir,
            pods: pods.clone(),
            tracker: Mutex::new(tracker),
            events: setup.events,
            live: broadcast::channel(4096).0,
            secret_refs: Mutex::default(),
            log_done: Mutex::default(),
        });
        pods.register(run.clone());
        KubeExecutor { run }
    }
}

impl Drop for KubeExecutor {
    fn drop(&mut self) {
        self.run.pods.unregister(&self.run);
    }
}

impl Executor for KubeExecutor {
    fn launch(&self, spec: LaunchSpec) {
        self.run.launch(spec);
    }

    fn kill(&self, node: &str) {
        let delete_now = self.run.tracker().kill(node);
        if delete_now && let Some(pod) = self.run.pod_of(node) {
            self.run.delete_pod(pod, true);
        }
    }

    fn kill_all(&self) {
        let pods = self.run.tracker().active_pods();
        for (node, _) in pods {
            self.kill(&node);
        }
    }

    fn running(&self) -> usize {
        self.run.tracker().running()
    }

    /// Pods are created at once: nothing waits in a queue here.
    fn take_queued(&self) -> Vec<LaunchSpec> {
        Vec::new()
    }

    fn logs(&self) -> broadcast::Receiver<LogLine> {
        self.run.live.subscribe()
    }

    fn adopt(&self, spec: &LaunchSpec, started: bool) -> bool {
        self.run.remember_secrets(spec);
        self.run.tracker().adopted(&spec.node, &spec.pod_name, started);
        if started {
            // Its log continues where the file stops.
            self.run.follow_log(spec.node.clone(), spec.pod_name.clone());
        }
        // The watches may have listed the pod before this run was here
        // to take it: read it (and its outputs) once.
        let run = self.run.clone();
        let spec = spec.clone();
        tokio::spawn(async move { run.reread(spec, started).await });
        true
    }

    fn outlives_server(&self) -> bool {
        true
    }

    fn ended(&self, succeeded: bool) {
        let gc = self.run.tracker().gc();
        if gc.at_workflow_end(succeeded) {
            for pod in self.run.tracker().pods() {
                self.run.delete_pod(pod, false);
            }
        }
    }
}

impl RunPods {
    pub(super) fn tracker(&self) -> MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn launch(self: &Arc<Self>, spec: LaunchSpec) {
        let run = self;
        let pod = match run.plan.template(&spec.template_key) {
            None => Err(format!("template {} is not in the plan", spec.template_key)),
            Some(template) => pod_for(&PodInputs {
                workflow: &run.workflow,
                namespace: &run.namespace,
                uid: run.resource_uid.as_deref(),
                launch: &spec,
                template,
                spec: &run.plan.spec,
                executor_image: &run.pods.config().executor_image,
            })
            .map_err(|e| e.to_string()),
        };
        let pod =
            match pod.and_then(|p| serde_json::from_value::<Pod>(p).map_err(|e| e.to_string())) {
                Ok(p) => p,
                Err(message) => {
                    let _ = run.events.send(Event::NodeFailedToStart { node: spec.node, message });
                    return;
                }
            };
        run.remember_secrets(&spec);
        run.tracker().launched(&spec.node, &spec.pod_name);
        let run = run.clone();
        tokio::spawn(async move { run.create(spec, pod).await });
    }

    fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.pods.cluster().client().clone(), &self.namespace)
    }

    fn pod_of(&self, node: &str) -> Option<String> {
        self.tracker().active_pod(node)
    }

    /// Note the Secrets the node's environment reads, for its log's
    /// masking.
    fn remember_secrets(&self, spec: &LaunchSpec) {
        let refs = super::logs::secret_refs(&spec.container);
        if !refs.is_empty() {
            self.secret_refs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(spec.node.clone(), refs);
        }
    }

    async fn create(self: Arc<Self>, spec: LaunchSpec, pod: Pod) {
        // A pod of the same name from an earlier attempt of this node (a
        // retried workflow) is replaced; what may pass (the API server
        // busy or out of reach) is tried again with back-off — a create
        // that did land meanwhile answers 409 and is found ours.
        let mut wait = Duration::from_millis(250);
        let mut last_error = None;
        for _ in 0..CREATE_TRIES {
            self.pods.cluster().throttle().await;
            let error = match self.pods().create(&PostParams::default(), &pod).await {
                Ok(created) => return self.created(&spec, created.metadata.uid.as_deref()),
                Err(kube::Error::Api(e)) if e.code == 409 => {
                    match self.pods().get_opt(&spec.pod_name).await {
                        // Ours already (launched twice, or our own earlier
                        // try that landed): the same pod.
                        Ok(Some(existing)) if self.is_current(&existing) => {
                            return self.created(&spec, existing.metadata.uid.as_deref());
                        }
                        Ok(Some(stale)) => match self.replace(&spec.node, stale).await {
                            Ok(()) => continue,
                            Err(e) => e,
                        },
                        // Gone meanwhile: create again.
                        Ok(None) => continue,
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            if !passing(&error) {
                let message = format!("cannot create pod {}: {}", spec.pod_name, describe(&error));
                let effects = self.tracker().create_failed(&spec.node, message);
                self.apply(effects);
                return;
            }
            tracing::debug!(pod = %spec.pod_name, "create failed, trying again: {error}");
            last_error = Some(describe(&error));
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
        let why = last_error.unwrap_or_else(|| "an earlier pod of that name stays".into());
        let message = format!("cannot create pod {}: {why}", spec.pod_name);
        let effects = self.tracker().create_failed(&spec.node, message);
        self.apply(effects);
        // A create that landed after all must not run untracked.
        self.delete_pod(spec.pod_name, false);
    }

    fn created(self: &Arc<Self>, spec: &LaunchSpec, uid: Option<&str>) {
        if self.tracker().created(&spec.node, uid, Instant::now()) {
            self.delete_pod(spec.pod_name.clone(), true);
        }
    }

    /// Whether an existing pod of a node's name is this run's current
    /// attempt: owned by this run's resource and not ended. (An ended
    /// one is an earlier attempt's: a launch is always a new attempt.)
    fn is_current(&self, pod: &Pod) -> bool {
        let owned = match &self.resource_uid {
            Some(uid) => pod
                .metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.kind == "Workflow" && o.uid == *uid),
            None => true,
        };
        let ended = serde_json::to_value(pod).map(|p| {
            matches!(
                super::pod_state::read(&p),
                super::PodState::Exited { .. } | super::PodState::Lost { .. }
            )
        });
        owned && !ended.unwrap_or(true)
    }

    /// Delete an earlier attempt's pod (at once) and wait until it is
    /// gone; its events are ignored meanwhile.
    async fn replace(&self, node: &str, stale: Pod) -> Result<(), kube::Error> {
        let name = stale.metadata.name.clone().unwrap_or_default();
        let uid = stale.metadata.uid.clone().unwrap_or_default();
        tracing::debug!(pod = %name, "replacing an earlier attempt's pod");
        self.tracker().replacing(node, &uid);
        self.pods.cluster().throttle().await;
        let params = DeleteParams { grace_period_seconds: Some(0), ..DeleteParams::default() };
        match self.pods().delete(&name, &params).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
        for _ in 0..300 {
            match self.pods().get_opt(&name).await? {
                Some(p) if p.metadata.uid.as_deref() == Some(uid.as_str()) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }

    /// Read an adopted node's pod and task result as they are now. A pod
    /// that never started and is not there was not created before the
    /// last server stopped: it is created now.
    async fn reread(self: Arc<Self>, spec: LaunchSpec, started: bool) {
        let pod = spec.pod_name.clone();
        match self.pods().get_opt(&pod).await {
            Ok(Some(p)) => match serde_json::to_value(&p) {
                Ok(json) => self.pod_changed(&pod, &json, Instant::now()),
                Err(e) => tracing::warn!(pod = %pod, "unreadable pod: {e}"),
            },
            Ok(None) if !started => return self.launch(spec),
            Ok(None) => self.pod_deleted(&pod, &Value::Null),
            // The watch will tell.
            Err(e) => tracing::warn!(pod = %pod, "cannot read the pod: {e}"),
        }
        let ar = super::task_result::api_resource();
        let results: Api<kube::api::DynamicObject> =
            Api::namespaced_with(self.pods.cluster().client().clone(), &self.namespace, &ar);
        if let Ok(Some(r)) = results.get_opt(&spec.node).await
            && let Ok(json) = serde_json::to_value(&r)
            && let Some((node, outputs)) = super::task_result::outputs_of(&json)
        {
            self.outputs(&node, outputs, super::task_result::writer_of(&json));
        }
    }

    pub(super) fn pod_changed(self: &Arc<Self>, name: &str, pod: &Value, now: Instant) {
        let effects = self.tracker().pod_changed(name, pod, now);
        self.apply(effects);
    }

    pub(super) fn pod_deleted(self: &Arc<Self>, name: &str, pod: &Value) {
        let effects = self.tracker().pod_deleted(name, pod);
        self.apply(effects);
    }

    pub(super) fn outputs(self: &Arc<Self>, node: &str, outputs: Outputs, writer: Option<&str>) {
        let effects = self.tracker().outputs(node, outputs, writer);
        self.apply(effects);
    }

    pub(super) fn relisted(
        self: &Arc<Self>,
        seen: &std::collections::HashSet<String>,
        listed_from: Instant,
    ) {
        let effects = self.tracker().relisted(seen, listed_from);
        self.apply(effects);
    }

    pub(super) fn tick(self: &Arc<Self>, now: Instant) {
        let effects = self.tracker().tick(now);
        self.apply(effects);
    }

    fn apply(self: &Arc<Self>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Engine(e) => self.tell(e),
                Effect::FollowLog { node, pod } => self.follow_log(node, pod),
                Effect::MarkCompleted { pod } => self.mark_completed(pod),
                Effect::DeletePod { pod } => self.delete_pod(pod, false),
            }
        }
    }

    /// Tell the engine. A node's end waits (a while) for its log to be
    /// in the files: once a workflow is over, its whole log can be read,
    /// as in local mode.
    fn tell(self: &Arc<Self>, event: Event) {
        let node = match &event {
            Event::NodeExited { node, .. } | Event::NodeFailedToStart { node, .. } => node,
            _ => return drop(self.events.send(event)),
        };
        let following = self.log_done.lock().unwrap_or_else(|e| e.into_inner()).get(node).cloned();
        let Some(mut done) = following else { return drop(self.events.send(event)) };
        let events = self.events.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(LOG_DRAIN, done.wait_for(|d| *d)).await;
            let _ = events.send(event);
        });
    }

    fn follow_log(self: &Arc<Self>, node: String, pod: String) {
        let run = self.clone();
        let (done_tx, done) = tokio::sync::watch::channel(false);
        self.log_done.lock().unwrap_or_else(|e| e.into_inner()).insert(node.clone(), done);
        tokio::spawn(async move {
            let refs = run.secret_refs.lock().unwrap_or_else(|e| e.into_inner()).remove(&node);
            let refs = refs.unwrap_or_default();
            let secrets: Api<Secret> =
                Api::namespaced(run.pods.cluster().client().clone(), &run.namespace);
            let masker = super::logs::masker(secrets, &refs).await;
            let (tx, rx) = mpsc::channel(1024);
            let node_key = node.clone();
            let file = LocalExecutor::log_file(&run.run_dir, &node);
            // After a restart the file has the lines up to a point: the
            // stream resumes after its last one.
            let since = super::logs::last_logged(&file);
            let sink = LogWriter {
                file,
                node,
                pod_name: pod.clone(),
                masker,
                live: run.live.clone(),
                index: run.index.clone(),
            };
            let sink = tokio::spawn(sink.run(rx));
            let key = node_key.clone();
            let (tracked, node) = (run.clone(), key.clone());
            let exited = move || tracked.tracker().has_exited(&node);
            super::logs::follow(run.pods(), pod, since, tx, exited).await;
            let _ = sink.await;
            run.log_done.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
            let _ = done_tx.send(true);
        });
    }

    fn mark_completed(self: &Arc<Self>, pod: String) {
        let run = self.clone();
        tokio::spawn(async move {
            run.pods.cluster().throttle().await;
            let patch = json!({"metadata": {"labels": {LABEL_COMPLETED: "true"}}});
            match run.pods().patch(&pod, &PatchParams::default(), &Patch::Merge(&patch)).await {
                Ok(_) => {}
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => tracing::warn!(pod = %pod, "cannot label the pod completed: {e}"),
            }
        });
    }

    fn delete_pod(self: &Arc<Self>, pod: String, with_grace: bool) {
        let run = self.clone();
        tokio::spawn(async move {
            run.pods.cluster().throttle().await;
            let grace = run.pods.config().kill_grace.as_secs();
            let params = DeleteParams {
                grace_period_seconds: with_grace.then(|| u32::try_from(grace).unwrap_or(u32::MAX)),
                ..DeleteParams::default()
            };
            let mut wait = Duration::from_millis(250);
            for attempt in 1.. {
                match run.pods().delete(&pod, &params).await {
                    Ok(_) => return,
                    Err(kube::Error::Api(e)) if e.code == 404 => return,
                    Err(e) if passing(&e) && attempt < CREATE_TRIES => {
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(10));
                    }
                    Err(e) => {
                        tracing::warn!(pod = %pod, "cannot delete the pod: {e}");
                        return;
                    }
                }
            }
        });
    }
}

/// How long a node's end waits for the rest of its log.
const LOG_DRAIN: Duration = Duration::from_secs(10);

/// Attempts at creating a pod (about a minute and a half of back-off).
const CREATE_TRIES: u32 = 12;

/// Whether an error may pass if the request is made again: the API
/// server busy (429), failing (5xx) or not reached.
fn passing(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => s.code == 429 || s.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// An API error as a user reads it: Kubernetes' own message.
fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({})", s.message, s.reason),
        other => other.to_string(),
    }
}
