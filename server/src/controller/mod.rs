//! The controller: accepts workflows, admits them under the parallelism
//! limits, runs each in its own [`actor`] and resumes every unfinished one
//! when the server starts again. See `docs/design/server.md`.
//!
//! | file | job |
//! |---|---|
//! | `submission` | a request → a stored row; a stored row → the same plan |
//! | `journal` | group commit of journal entries and statuses |
//! | `replay` | a run rebuilt from its journal |
//! | `actor` | one running workflow: journal, apply, act |
//! | `admission` | which pending workflow starts next |
//! | `retention` | TTL expiry and the node log index after a run |
//! | `bus` | change notifications for the API |

mod actor;
mod admission;
mod bus;
mod journal;
mod replay;
mod retention;
mod submission;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use engine::run::{Event, NodeSelector, RetryOptions, Run};
use engine::spec::{Catalog, Document};
use tokio::sync::{mpsc, watch};

pub use bus::{Bus, Change, ChangeKind, Missed, Published, Subscription};
pub use journal::JournalError;
pub use submission::{SubmitRequest, Submitted, check, suffix};

use crate::executor::kube::{KubeExecutor, RunSetup};
use crate::executor::{Executor, Isolation, LocalConfig, LocalExecutor, LocalStore, SlotPool};
use crate::runner::now;
use crate::store::{Entry, LoggedEvent, SecretKey, Store, StoreError, TemplateKind, WorkflowRow};
use actor::{Actor, Outcome, Startup};
use admission::{Admission, Pending};
use journal::Journal;

/// What the user can get wrong, and what can fail underneath.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error("{0}")]
    Invalid(String),
    #[error("workflows.argoproj.io \"{0}\" not found")]
    NotFound(String),
    #[error("workflows.argoproj.io \"{0}\" already exists")]
    AlreadyExists(String),
    /// The request does not apply to the workflow as it is now.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("the server is shutting down")]
    ShuttingDown,
}

/// How the controller runs workflows.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// Run directories (`runs/<uid>/`: task slots and logs) go here.
    pub data_dir: PathBuf,
    /// Most workflows running at once (0: no limit), like Argo's
    /// controller `parallelism`.
    pub parallelism: usize,
    /// Most running at once per namespace (0: no limit), like Argo's
    /// `namespaceParallelism`.
    pub namespace_parallelism: usize,
    /// Most task processes of one workflow at once.
    pub task_parallelism: usize,
    /// Between SIGTERM and SIGKILL for a task being stopped.
    pub kill_grace: Duration,
    /// Give tasks a private `/tmp` where the machine allows.
    pub isolate: bool,
    /// Delete finished workflows this long after they end, unless their
    /// `ttlStrategy` says otherwise (None: keep them).
    pub default_ttl: Option<Duration>,
    /// Kubernetes mode: tasks are pods on this cluster (local processes
    /// when `None`).
    pub cluster: Option<crate::executor::kube::Cluster>,
}

impl ControllerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let defaults = LocalConfig::new("");
        ControllerConfig {
            data_dir: data_dir.into(),
            parallelism: 0,
            namespace_parallelism: 0,
            task_parallelism: defaults.parallelism,
            kill_grace: defaults.kill_grace,
            isolate: true,
            default_ttl: None,
            cluster: None,
        }
    }
}

/// The controller; cheap to clone.
#[derive(Clone)]
pub struct Controller {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    key: Arc<SecretKey>,
    config: ControllerConfig,
    journal: Journal,
    bus: Bus,
    shutdown: watch::Sender<Option<Instant>>,
    /// Probed once, handed to every executor.
    isolation: Mutex<Option<Isolation>>,
    /// Task directories, shared by every workflow's executor.
    slots: SlotPool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    admission: Admission,
    /// Running workflows by uid: where their commands go.
    running: HashMap<String, Running>,
    stopping: bool,
}

struct Running {
    commands: mpsc::UnboundedSender<Event>,
    done: watch::Receiver<bool>,
    /// Its executor, for live log lines.
    executor: Arc<dyn Executor>,
}

impl Controller {
    /// Start the controller on the current runtime and resume every
    /// workflow the last server left unfinished.
    pub async fn start(
        store: Store,
        key: SecretKey,
        config: ControllerConfig,
    ) -> Result<Controller, ControllerError> {
        let journal = Journal::start(store.clone());
        // The last server's task directories: nobody's now.
        let _ = std::fs::remove_dir_all(config.data_dir.join("tasks"));
        let slots = SlotPool::new(&config.data_dir);
        let controller = Controller {
            inner: Arc::new(Inner {
                store,
                key: Arc::new(key),
                config,
                journal,
                bus: Bus::default(),
                shutdown: watch::channel(None).0,
                isolation: Mutex::new(None),
                slots,
                state: Mutex::new(State::default()),
            }),
        };
        let unfinished = controller.inner.store.unfinished_workflows().await?;
        let mut resumed = 0;
        for row in unfinished {
            if controller.inner.store.events(&row.uid).await?.is_empty() {
                controller.state().admission.push(pending(&row));
            } else {
                // It was running: it resumes whatever the limits say.
                controller.state().admission.started(&row.uid, &row.namespace);
                controller.spawn_start(row.uid.clone());
                resumed += 1;
            }
        }
        if resumed > 0 {
            tracing::info!("resuming {resumed} running workflows");
        }
        controller.admit();
        Ok(controller)
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Every log line a running workflow's tasks print from now on
    /// (`None` if it is not running here). Lines are in the log files
    /// before they are announced.
    pub fn live_logs(
        &self,
        uid: &str,
    ) -> Option<tokio::sync::broadcast::Receiver<crate::executor::LogLine>> {
        self.state().running.get(uid).map(|r| r.executor.logs())
    }

    /// Workflows (waiting for admission, running).
    pub fn queue_depth(&self) -> (usize, usize) {
        self.state().admission.depth()
    }

    /// Whether a shutdown has begun (nothing new is admitted).
    pub fn is_shutting_down(&self) -> bool {
        self.state().stopping
    }

    pub fn secret_key(&self) -> &SecretKey {
        &self.inner.key
    }

    pub fn bus(&self) -> &Bus {
        &self.inner.bus
    }

    /// The journal's (transactions committed, writes they carried).
    pub fn journal_stats(&self) -> (u64, u64) {
        self.inner.journal.stats()
    }

    /// Record an audited request with the next journal commit.
    pub fn audit(&self, entry: crate::store::AuditEntry) {
        self.inner.journal.write_audit(entry);
    }

    pub fn config(&self) -> &ControllerConfig {
        &self.inner.config
    }

    /// Where a workflow's run directory (task slots, `logs/`) is.
    pub fn run_dir(&self, uid: &str) -> PathBuf {
        self.inner.config.data_dir.join("runs").join(uid)
    }

    /// What runs the pods: pods on the cluster, or local processes.
    fn executor_kind(&self) -> engine::spec::not_enforced::Executor {
        use engine::spec::not_enforced::Executor;
        if self.inner.config.cluster.is_some() { Executor::Kubernetes } else { Executor::Local }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Check, store and queue a workflow; it starts when admitted.
    pub async fn submit(&self, req: SubmitRequest) -> Result<WorkflowRow, ControllerError> {
        if self.state().stopping {
            return Err(ControllerError::ShuttingDown);
        }
        let catalog = self.catalog(&req.namespace).await?;
        let generated = req.workflow.pointer("/metadata/name").is_none();
        // A generated name can collide (27^5 suffixes): draw again.
        let mut attempts = 0;
        let row = loop {
            let mut new = submission::prepare(&req, &catalog, now())?;
            // Kubernetes mode: the run is a Workflow resource too (so
            // `kubectl get workflows` lists it), and takes its uid.
            let created = match (&self.inner.config.cluster, &req.uid) {
                (Some(cluster), None) => {
                    let workflow = submission::named(&new)?;
                    let (_, uid) =
                        crate::kube::workflows::create_resource(cluster, &new.namespace, &workflow)
                            .await?;
                    new.uid = uid;
                    true
                }
                _ => false,
            };
            // With the journal's group commit: a burst of submissions
            // shares transactions.
            let inserted = match self.inner.journal.insert(new.clone()).await {
                Ok(inserted) => inserted,
                Err(e) => {
                    // Not stored: its resource must not run it either.
                    if created {
                        self.delete_resource(&new.namespace, &new.name, &new.uid).await;
                    }
                    return Err(e.into());
                }
            };
            if inserted {
                break new;
            }
            // The resource's reconcile may have stored this very run
            // first: that is the same submission.
            if let Some(row) = self.inner.store.workflow_by_uid(&new.uid).await? {
                return Ok(row);
            }
            if created {
                self.delete_resource(&new.namespace, &new.name, &new.uid).await;
            }
            attempts += 1;
            if !generated || attempts >= 8 {
                return Err(ControllerError::AlreadyExists(new.name));
            }
        };
        let stored = self.inner.store.workflow_by_uid(&row.uid).await?;
        let stored = stored.ok_or_else(|| ControllerError::NotFound(row.name.clone()))?;
        self.inner.bus.publish(change(&stored, ChangeKind::Added));
        self.state().admission.push(pending(&stored));
        self.admit();
        Ok(stored)
    }

    /// The WorkflowTemplates of `namespace` and every
    /// ClusterWorkflowTemplate, as a submission resolves against them.
    pub async fn catalog(&self, namespace: &str) -> Result<Catalog, ControllerError> {
        let mut catalog = Catalog::default();
        for kind in [TemplateKind::WorkflowTemplate, TemplateKind::ClusterWorkflowTemplate] {
            for t in self.inner.store.templates(kind, namespace).await? {
                if let Ok(
                    doc @ (Document::WorkflowTemplate(_) | Document::ClusterWorkflowTemplate(_)),
                ) = engine::spec::decode(t.body)
                {
                    catalog.add(&doc);
                }
            }
        }
        Ok(catalog)
    }

    async fn row(&self, namespace: &str, name: &str) -> Result<WorkflowRow, ControllerError> {
        self.inner
            .store
            .workflow(namespace, name)
            .await?
            .ok_or_else(|| ControllerError::NotFound(name.to_string()))
    }

    /// Stop, terminate, suspend or resume a workflow.
    pub async fn control(
        &self,
        namespace: &str,
        name: &str,
        event: Event,
    ) -> Result<WorkflowRow, ControllerError> {
        let row = self.row(namespace, name).await?;
        let sent = {
            let state = self.state();
            state.running.get(&row.uid).map(|r| r.commands.send(event.clone()).is_ok())
        };
        match sent {
            Some(true) => {}
            _ if row.finished_at.is_some() || is_completed(&row.phase) => {
                return Err(ControllerError::Conflict(format!(
                    "workflow {name} has already {}",
                    row.phase.to_lowercase()
                )));
            }
            _ if matches!(event, Event::Stop | Event::Terminate) => {
                // Never started: it ends here.
                if self.state().admission.remove(&row.uid) {
                    let message = format!(
                        "Stopped with strategy '{}'",
                        if event == Event::Stop { "Stop" } else { "Terminate" }
                    );
                    self.end_pending(&row, &message).await?;
                }
            }
            _ => {
                return Err(ControllerError::Conflict(format!(
                    "workflow {name} is not running yet (it is {})",
                    row.phase
                )));
            }
        }
        self.row(namespace, name).await
    }

    /// A pending workflow that will never start: Failed, with why.
    async fn end_pending(&self, row: &WorkflowRow, message: &str) -> Result<(), ControllerError> {
        self.end_with(row, engine::status::WorkflowPhase::Failed, message).await
    }

    /// A workflow that cannot go on ends here, saying why.
    async fn end_with(
        &self,
        row: &WorkflowRow,
        phase: engine::status::WorkflowPhase,
        message: &str,
    ) -> Result<(), ControllerError> {
        let t = now();
        let status = engine::status::WorkflowStatus {
            phase,
            message: message.to_string(),
            started_at: Some(t),
            finished_at: Some(t),
            ..Default::default()
        };
        self.inner.store.save_status(&row.uid, &status).await?;
        self.inner.bus.publish(Change {
            kind: ChangeKind::Modified,
            uid: row.uid.clone(),
            namespace: row.namespace.clone(),
            name: row.name.clone(),
            phase: status.phase.as_str().to_string(),
            row: None,
        });
        Ok(())
    }

    /// `argo retry`: run the failed parts of a finished workflow again
    /// (with new `-p` values, if given).
    pub async fn retry(
        &self,
        namespace: &str,
        name: &str,
        restart_successful: bool,
        node_field_selector: Option<String>,
        parameters: Vec<(String, String)>,
    ) -> Result<WorkflowRow, ControllerError> {
        let row = self.row(namespace, name).await?;
        if !is_completed(&row.phase) {
            return Err(ControllerError::Conflict(format!(
                "workflow {name} must be Failed or Error to retry (it is {})",
                row.phase
            )));
        }
        let node_selector = node_field_selector
            .as_deref()
            .map(NodeSelector::parse)
            .transpose()
            .map_err(|e| ControllerError::Invalid(e.to_string()))?;
        // Check it applies before recording it.
        let (submitted, log) = self.submitted_and_log(&row).await?;
        let plans = plans_for(&row, &submitted, self.executor_kind());
        let replayed = replay::replay(&plans, &log)
            .map_err(|e| ControllerError::Invalid(e.to_string()))?
            .ok_or_else(|| ControllerError::Conflict(format!("workflow {name} never ran")))?;
        let options = RetryOptions { restart_successful, node_selector };
        let at = now();
        let plan = if parameters.is_empty() {
            replayed.run.plan.clone()
        } else {
            let mut all = replayed.parameters.clone();
            all.extend(parameters.iter().cloned());
            plans(&all).map_err(ControllerError::Invalid)?
        };
        let (run, actions) = Run::retry(plan, &replayed.run.status, &options, at)
            .map_err(|e| ControllerError::Invalid(e.to_string()))?;
        self.inner
            .journal
            .write(
                vec![LoggedEvent {
                    workflow_uid: row.uid.clone(),
                    seq: replayed.next_seq,
                    at,
                    entry: Entry::Retried { restart_successful, node_field_selector, parameters },
                }],
                None,
            )
            .await?;
        // Running again: not to be collected until it ends again.
        self.inner.store.set_expiry(&row.uid, None).await?;
        self.state().admission.started(&row.uid, &row.namespace);
        let startup = Startup { actions, ..Startup::default() };
        if let Err(e) =
            self.spawn_actor(&row, run, replayed.next_seq + 1, Vec::new(), startup).await
        {
            self.finished(&row.uid, None);
            return Err(e);
        }
        self.row(namespace, name).await
    }

    /// `argo resubmit`: a new workflow from this one's spec.
    pub async fn resubmit(
        &self,
        namespace: &str,
        name: &str,
        parameters: Vec<(String, String)>,
    ) -> Result<WorkflowRow, ControllerError> {
        let row = self.row(namespace, name).await?;
        let submitted = submitted(&row)?;
        let old = submitted.workflow()?;
        let new = engine::run::resubmit(&old, &row.name, &parameters);
        let workflow =
            serde_json::to_value(&new).map_err(|e| ControllerError::Invalid(e.to_string()))?;
        self.submit(SubmitRequest {
            namespace: namespace.to_string(),
            workflow,
            parameters: Vec::new(),
            entrypoint: submitted.entrypoint.clone(),
            labels: BTreeMap::new(),
            uid: None,
        })
        .await
    }

    /// Delete a workflow: its tasks are killed, its row, journal and logs
    /// removed.
    pub async fn delete(&self, namespace: &str, name: &str) -> Result<(), ControllerError> {
        let row = self.row(namespace, name).await?;
        let running = {
            let mut state = self.state();
            state.admission.remove(&row.uid);
            state.running.get(&row.uid).map(|r| (r.commands.clone(), r.done.clone()))
        };
        if let Some((commands, mut done)) = running {
            let _ = commands.send(Event::Terminate);
            // Its tasks get their grace period; then it goes regardless.
            let wait = self.inner.config.kill_grace + Duration::from_secs(5);
            let _ = tokio::time::timeout(wait, done.wait_for(|d| *d)).await;
        }
        self.inner.store.delete_workflow(&row.uid).await?;
        let dir = self.run_dir(&row.uid);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove {}: {e}", dir.display());
        }
        self.inner.bus.publish(change(&row, ChangeKind::Deleted));
        self.delete_resource(&row.namespace, &row.name, &row.uid).await;
        Ok(())
    }

    /// Kubernetes mode: delete the run's Workflow resource (if it is
    /// still that run's); nothing in local mode.
    async fn delete_resource(&self, namespace: &str, name: &str, uid: &str) {
        if let Some(cluster) = &self.inner.config.cluster {
            crate::kube::workflows::delete_resource(cluster, namespace, name, uid).await;
        }
    }

    /// Graceful shutdown: admit nothing more; running tasks get `grace` to
    /// finish; launches not made are recorded for the next start.
    pub async fn shutdown(&self, grace: Duration) {
        let waits: Vec<watch::Receiver<bool>> = {
            let mut state = self.state();
            state.stopping = true;
            state.running.values().map(|r| r.done.clone()).collect()
        };
        let _ = self.inner.shutdown.send(Some(Instant::now() + grace));
        for mut done in waits {
            let _ =
                tokio::time::timeout(grace + Duration::from_secs(5), done.wait_for(|d| *d)).await;
        }
    }

    /// Start what the limits allow.
    fn admit(&self) {
        let starts = {
            let mut state = self.state();
            if state.stopping {
                return;
            }
            let (p, np) = (self.inner.config.parallelism, self.inner.config.namespace_parallelism);
            state.admission.admit(p, np)
        };
        for uid in starts {
            self.spawn_start(uid);
        }
    }

    fn spawn_start(&self, uid: String) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                match this.start_run(&uid).await {
                    Ok(()) => return,
                    // The store refuses for now (disk full, database
                    // down): try again, unless the server is stopping.
                    Err(e @ (ControllerError::Store(_) | ControllerError::Journal(_)))
                        if !this.state().stopping =>
                    {
                        if failures.is_multiple_of(30) {
                            tracing::error!(workflow = %uid, "cannot start yet: {e}; trying again");
                        }
                        failures += 1;
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                    Err(e) => {
                        tracing::error!(workflow = %uid, "cannot start: {e}");
                        this.finished(&uid, None);
                        return;
                    }
                }
            }
        });
    }

    async fn submitted_and_log(
        &self,
        row: &WorkflowRow,
    ) -> Result<(Submitted, Vec<LoggedEvent>), ControllerError> {
        Ok((submitted(row)?, self.inner.store.events(&row.uid).await?))
    }

    /// Start (or resume) a workflow's actor.
    async fn start_run(&self, uid: &str) -> Result<(), ControllerError> {
        let row = self
            .inner
            .store
            .workflow_by_uid(uid)
            .await?
            .ok_or_else(|| ControllerError::NotFound(uid.to_string()))?;
        let (submitted, log) = self.submitted_and_log(&row).await?;
        let plans = plans_for(&row, &submitted, self.executor_kind());
        let run_dir = self.run_dir(uid);
        let mut startup = Startup::default();
        let replayed = match replay::replay(&plans, &log) {
            Ok(r) => r,
            Err(e) => {
                // A journal this version cannot replay: the run ends
                // (Error), saying why, rather than staying Running forever.
                let why = format!("cannot resume after a restart: {e}");
                self.end_with(&row, engine::status::WorkflowPhase::Error, &why).await?;
                return Err(ControllerError::Invalid(why));
            }
        };
        let (run, next_seq, timers) = match replayed {
            None => {
                let plan = match plans(&[]) {
                    Ok(p) => p,
                    Err(why) => {
                        // Stored, but it cannot be planned: it ends,
                        // saying why.
                        self.end_pending(&row, &why).await?;
                        return Err(ControllerError::Invalid(why));
                    }
                };
                let at = now();
                self.inner
                    .journal
                    .write(
                        vec![LoggedEvent {
                            workflow_uid: uid.to_string(),
                            seq: 0,
                            at,
                            entry: Entry::Started,
                        }],
                        None,
                    )
                    .await?;
                let (run, actions) = Run::start(plan, at);
                startup.actions = actions;
                (run, 1, Vec::new())
            }
            Some(r) => {
                // The old server's local tasks: ended.
                let reaped = LocalExecutor::reap_orphans(&run_dir);
                if reaped > 0 {
                    tracing::info!(workflow = %row.name, "ended {reaped} orphaned task(s)");
                }
                // Its pods are followed again (spawn_actor).
                startup.adopt = r.in_flight.into_values().collect();
                startup.relaunch = r.deferred.into_values().collect();
                (r.run, r.next_seq, r.timers)
            }
        };
        self.spawn_actor(&row, run, next_seq, timers, startup).await
    }

    /// Give a run its executor and its actor.
    async fn spawn_actor(
        &self,
        row: &WorkflowRow,
        run: Run,
        next_seq: i64,
        timers: Vec<(engine::run::Timer, engine::status::Time)>,
        startup: Startup,
    ) -> Result<(), ControllerError> {
        let uid = row.uid.as_str();
        let run_dir = self.run_dir(uid);
        let (events_tx, executor_events) = mpsc::unbounded_channel();
        let executor: Arc<dyn Executor> = match &self.inner.config.cluster {
            Some(cluster) => Arc::new(KubeExecutor::new(
                cluster,
                RunSetup {
                    namespace: row.namespace.clone(),
                    workflow: row.name.clone(),
                    // Every run has its Workflow resource in this mode
                    // (same uid): it owns the pods.
                    resource_uid: Some(row.uid.clone()),
                    plan: run.plan.clone(),
                    run_dir: run_dir.clone(),
                    events: events_tx,
                },
            )),
            None => {
                let mut config = LocalConfig::new(&run_dir);
                config.store = self.local_store(&row.namespace).await?;
                config.parallelism = self.inner.config.task_parallelism;
                config.kill_grace = self.inner.config.kill_grace;
                config.isolate = self.inner.config.isolate;
                config.known_isolation =
                    *self.inner.isolation.lock().unwrap_or_else(|e| e.into_inner());
                config.slots = Some(self.inner.slots.clone());
                let local = LocalExecutor::new(config, events_tx);
                *self.inner.isolation.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(local.isolation());
                Arc::new(local)
            }
        };
        let mut startup = startup;
        for (spec, started) in std::mem::take(&mut startup.adopt) {
            if !executor.adopt(&spec, started) {
                let message = if started {
                    "executor lost: server restarted while the task ran"
                } else {
                    "executor lost: server restarted as the task was starting"
                };
                startup
                    .events
                    .push(Event::NodeFailedToStart { node: spec.node, message: message.into() });
            }
        }
        let mut timer_heap = crate::timers::Timers::default();
        for (t, at) in timers {
            timer_heap.arm(t, at);
        }
        let (commands_tx, commands) = mpsc::unbounded_channel();
        let (done_tx, done) = watch::channel(false);
        {
            let mut state = self.state();
            state.running.insert(
                uid.to_string(),
                Running { commands: commands_tx, done, executor: executor.clone() },
            );
        }
        let ttl = serde_json::to_value(&run.plan.spec)
            .ok()
            .and_then(|spec| spec.get("ttlStrategy").cloned());
        let default_ttl = self.inner.config.default_ttl.map(|d| d.as_secs() as i64);
        let actor = Actor {
            retention: actor::Retention { ttl, default_ttl, run_dir: run_dir.clone() },
            uid: uid.to_string(),
            namespace: row.namespace.clone(),
            name: row.name.clone(),
            run,
            next_seq,
            executor,
            executor_events,
            commands,
            timers: timer_heap,
            journal: self.inner.journal.clone(),
            bus: self.inner.bus.clone(),
            row: row.clone(),
            shutdown: self.inner.shutdown.subscribe(),
        };
        let this = self.clone();
        let uid = uid.to_string();
        tokio::spawn(async move {
            match actor.run(startup).await {
                Outcome::JournalFailed(e) => {
                    tracing::error!(workflow = %uid, "paused until the next start: {e}");
                }
                Outcome::Finished => tracing::debug!(workflow = %uid, "finished"),
                Outcome::ShutDown => tracing::debug!(workflow = %uid, "left for the next start"),
            }
            this.finished(&uid, Some(done_tx));
        });
        Ok(())
    }

    /// Delete the workflows whose TTL is over at `now`; their names.
    pub async fn collect_garbage(
        &self,
        now: engine::status::Time,
    ) -> Result<Vec<String>, ControllerError> {
        let mut deleted = Vec::new();
        for (namespace, name) in self.inner.store.expired_workflows(now).await? {
            match self.delete(&namespace, &name).await {
                Ok(()) | Err(ControllerError::NotFound(_)) => deleted.push(name),
                Err(e) => tracing::warn!("cannot delete expired workflow {namespace}/{name}: {e}"),
            }
        }
        Ok(deleted)
    }

    /// Collect garbage every `every`, forever.
    pub async fn run_garbage_collector(self, every: Duration) {
        loop {
            match self.collect_garbage(now()).await {
                Ok(d) if !d.is_empty() => tracing::info!("deleted {} expired workflows", d.len()),
                Ok(_) => {}
                Err(e) => tracing::warn!("garbage collection: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    }

    /// A workflow's actor ended (or never started): free its place.
    fn finished(&self, uid: &str, done: Option<watch::Sender<bool>>) {
        {
            let mut state = self.state();
            if let Some(r) = state.running.remove(uid) {
                drop(r);
            }
            state.admission.ended(uid);
        }
        if let Some(d) = done {
            let _ = d.send(true);
        }
        self.admit();
    }

    /// The namespace's secrets and config maps, for `secretKeyRef` and
    /// `configMapKeyRef`.
    async fn local_store(&self, namespace: &str) -> Result<LocalStore, ControllerError> {
        let mut local = LocalStore::empty();
        for (name, data) in self.inner.store.secrets_in(&self.inner.key, namespace).await? {
            for (k, v) in data {
                local.insert_secret(&name, &k, &String::from_utf8_lossy(&v));
            }
        }
        for (name, data) in self.inner.store.config_maps_in(namespace).await? {
            for (k, v) in data {
                local.insert_config_map(&name, &k, &v);
            }
        }
        Ok(local)
    }
}

/// The row's plan for `-p` overrides added by retries, for `executor`
/// (what the status's `SpecWarning` lists).
fn plans_for<'a>(
    row: &'a WorkflowRow,
    submitted: &'a Submitted,
    executor: engine::spec::not_enforced::Executor,
) -> impl Fn(&[(String, String)]) -> Result<Arc<engine::run::Plan>, String> + 'a {
    move |extra| {
        let mut s = submitted.clone();
        s.parameters.extend(extra.iter().cloned());
        s.plan(&row.uid, &row.namespace, &row.name, row.created_at)
            .map(|p| Arc::new(engine::run::Plan { executor, ..p }))
            .map_err(|e| e.to_string())
    }
}

fn submitted(row: &WorkflowRow) -> Result<Submitted, ControllerError> {
    serde_json::from_value(row.submission.clone())
        .map_err(|e| ControllerError::Invalid(format!("stored submission: {e}")))
}

fn is_completed(phase: &str) -> bool {
    matches!(phase, "Succeeded" | "Failed" | "Error")
}

fn pending(row: &WorkflowRow) -> Pending {
    let priority = row
        .submission
        .pointer("/workflow/spec/priority")
        .and_then(|p| p.as_i64().or_else(|| p.as_str().and_then(|s| s.parse().ok())))
        .unwrap_or(0);
    Pending {
        uid: row.uid.clone(),
        namespace: row.namespace.clone(),
        priority,
        created_at: row.created_at,
    }
}

fn change(row: &WorkflowRow, kind: ChangeKind) -> Change {
    Change {
        kind,
        uid: row.uid.clone(),
        namespace: row.namespace.clone(),
        name: row.name.clone(),
        phase: row.phase.clone(),
        row: (kind != ChangeKind::Deleted).then(|| std::sync::Arc::new(row.clone())),
    }
}
