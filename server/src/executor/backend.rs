//! Which executor a server's runs get, and making one for a run: a
//! [`LocalExecutor`] of processes on this machine (the default), or, in
//! Kubernetes mode, a [`KubeExecutor`] of pods.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::run::{Event, Plan};
use tokio::sync::mpsc;

use super::kube::{KubeExecutor, Pods, RunSetup};
use super::{Executor, Isolation, LocalConfig, LocalExecutor, LocalStore, SlotPool};

/// Where a server's runs execute their tasks; cheap to clone.
#[derive(Clone)]
pub enum Backend {
    /// Processes on this machine.
    Local(LocalBackend),
    /// Pods on the cluster these watch.
    Kubernetes(Pods),
}

/// What every local run's executor shares.
#[derive(Clone)]
pub struct LocalBackend {
    /// Most task processes of one workflow at once.
    pub task_parallelism: usize,
    /// Between SIGTERM and SIGKILL for a task being stopped.
    pub kill_grace: Duration,
    /// Give tasks a private `/tmp` where the machine allows.
    pub isolate: bool,
    /// Task directories, shared by every workflow's executor.
    pub slots: SlotPool,
    /// What the first executor found this machine allows (probed once).
    pub isolation: Arc<Mutex<Option<Isolation>>>,
    /// The built-in artifact repository: `data_dir/artifacts`, one
    /// directory per namespace (a run reads and writes only its own
    /// namespace's, as roles are per namespace).
    pub artifact_root: PathBuf,
}

impl LocalBackend {
    /// Task directories under `data_dir/tasks`, the local executor's
    /// defaults otherwise.
    pub fn new(data_dir: impl Into<PathBuf>) -> LocalBackend {
        let data_dir = data_dir.into();
        let defaults = LocalConfig::new("");
        LocalBackend {
            artifact_root: data_dir.join("artifacts"),
            task_parallelism: defaults.parallelism,
            kill_grace: defaults.kill_grace,
            isolate: true,
            slots: SlotPool::new(data_dir),
            isolation: Arc::default(),
        }
    }
}

/// One run, as its executor needs to know it.
pub struct RunContext {
    pub namespace: String,
    pub workflow: String,
    pub uid: String,
    pub plan: Arc<Plan>,
    /// The run's directory: task slots (local) and logs.
    pub run_dir: PathBuf,
    /// The namespace's secrets and config maps (local mode only; pods
    /// read the cluster's).
    pub store: LocalStore,
    /// Where the executor's events go.
    pub events: mpsc::UnboundedSender<Event>,
}

/// A namespace as a directory name (namespaces are DNS labels; anything
/// else is made one path component).
pub fn namespace_dir(namespace: &str) -> String {
    let name: String = namespace
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') { format!("_{name}") } else { name }
}

/// The executor of one run.
pub fn for_run(backend: &Backend, run: RunContext) -> Arc<dyn Executor> {
    match backend {
        Backend::Kubernetes(pods) => Arc::new(KubeExecutor::new(
            pods,
            RunSetup {
                namespace: run.namespace,
                workflow: run.workflow,
                // Every run has its Workflow resource in this mode (same
                // uid): it owns the pods.
                resource_uid: Some(run.uid),
                plan: run.plan,
                run_dir: run.run_dir,
                events: run.events,
            },
        )),
        Backend::Local(local) => {
            let mut config = LocalConfig::new(&run.run_dir);
            config.store = run.store;
            config.parallelism = local.task_parallelism;
            config.kill_grace = local.kill_grace;
            config.isolate = local.isolate;
            config.known_isolation = *local.isolation.lock().unwrap_or_else(|e| e.into_inner());
            config.slots = Some(local.slots.clone());
            config.artifact_root = local.artifact_root.join(namespace_dir(&run.namespace));
            let executor = LocalExecutor::new(config, run.events);
            *local.isolation.lock().unwrap_or_else(|e| e.into_inner()) = Some(executor.isolation());
            Arc::new(executor)
        }
    }
}
