//! The controller: accepts workflows, admits them under the parallelism
//! limits, runs each in its own [`actor`] and resumes every unfinished one
//! when the server starts again. The API's handlers each make one call
//! here; the controller decides. See `docs/design/server.md`.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | the [`Controller`] and what it shares ([`Inner`]), admission of pending runs |
//! | `commands` | what users ask: submit, stop, terminate, suspend, resume, set, retry, resubmit, delete, secrets, lint |
//! | `runs` | starting or resuming a run's actor with its executor |
//! | `submission` | a request → a stored row; a stored row → the same plan |
//! | `journal` | group commit of journal entries and statuses |
//! | `replay` | a run rebuilt from its journal |
//! | `sealing` | journal entries that carry a secret's value, sealed and opened |
//! | `actor` | one running workflow: journal, apply, act |
//! | `admission` | which pending workflow starts next |
//! | `retention` | TTL expiry, garbage collection, the node log index after a run |
//! | `bus` | change notifications for the API |
//! | `cluster_objects` | what the controller asks of a cluster in Kubernetes mode |

mod actor;
mod admission;
mod artifact_gc;
mod artifacts;
mod bus;
mod cluster_objects;
mod commands;
mod config_maps;
mod journal;
mod node_events;
mod replay;
mod repositories;
mod retention;
mod runs;
mod sealing;
mod store_access;
mod submission;
mod uploads;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use engine::run::Event;
use tokio::sync::{mpsc, watch};

pub use artifacts::{ArtifactFile, ArtifactObject, ArtifactRef, Part, Side, Span, WorkflowRef};
pub use bus::{Bus, Change, ChangeKind, Missed, Published, Subscription};
pub use cluster_objects::ClusterObjects;
pub use commands::NodeUpdate;
pub use config_maps::ConfigMapObject;
pub use journal::JournalError;
pub use node_events::NodeEvent;
pub use submission::{SubmitRequest, Submitted, generate_name_suffix, lint_resource};
pub use uploads::{MAX_UPLOAD, Uploaded, is_upload_key};

use crate::executor::{Backend, Executor, LocalBackend};
use crate::store::{SecretKey, Store, StoreError, WorkflowRow};
use admission::{Admission, Pending};
use journal::Journal;

/// What the user can get wrong, and what can fail underneath.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    #[error("{0}")]
    Invalid(String),
    #[error("workflows.argoproj.io \"{0}\" not found")]
    NotFound(String),
    /// Another object than a workflow is not there; the message says which.
    #[error("{0}")]
    ObjectNotFound(String),
    #[error("workflows.argoproj.io \"{0}\" already exists")]
    AlreadyExists(String),
    /// The request does not apply to the workflow as it is now.
    #[error("{0}")]
    Conflict(String),
    /// Kubernetes mode: the cluster refused what was asked, for a reason
    /// the caller can act on (an invalid object, a missing namespace).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// Kubernetes mode: the API server does not answer (or answers 5xx).
    #[error("the Kubernetes API server is unavailable: {0}")]
    ClusterUnavailable(String),
    /// Something the caller did not cause and cannot fix: stored data
    /// that no longer reads, an unexpected answer from the cluster.
    #[error("{0}")]
    Internal(String),
    #[error("the server is shutting down")]
    ShuttingDown,
}

/// How the controller runs workflows.
#[derive(Clone)]
pub struct ControllerConfig {
    /// Run directories (`runs/<uid>/`: task slots and logs) go here.
    pub data_dir: PathBuf,
    /// Most workflows running at once (0: no limit), like Argo's
    /// controller `parallelism`.
    pub parallelism: usize,
    /// Most running at once per namespace (0: no limit), like Argo's
    /// `namespaceParallelism`.
    pub namespace_parallelism: usize,
    /// Delete finished workflows this long after they end, unless their
    /// `ttlStrategy` says otherwise (None: keep them).
    pub default_ttl: Option<Duration>,
    /// Where tasks run: local processes, or pods.
    pub backend: Backend,
    /// Kubernetes mode: Workflow resources and Secrets on the cluster
    /// (`None` in local mode).
    pub cluster_objects: Option<Arc<dyn ClusterObjects>>,
    /// Where outputs go when neither the workflow nor its namespace's
    /// `artifact-repositories` ConfigMap says (`--artifact-repository`;
    /// `None`: Keelson's built-in repository).
    pub artifact_repository: Option<engine::spec::ArtifactRepository>,
}

impl ControllerError {
    /// The store or the cluster does not answer for now: the same call
    /// may pass later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            ControllerError::Store(e) => e.is_unavailable(),
            ControllerError::Journal(e) => e.is_unavailable(),
            ControllerError::ClusterUnavailable(_) => true,
            _ => false,
        }
    }
}

impl ControllerConfig {
    /// Local processes, task directories under `data_dir`, no limits.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        ControllerConfig {
            backend: Backend::Local(LocalBackend::new(&data_dir)),
            data_dir,
            parallelism: 0,
            namespace_parallelism: 0,
            default_ttl: None,
            cluster_objects: None,
            artifact_repository: None,
        }
    }

    /// How long a deleted workflow's tasks get to stop before it goes
    /// regardless.
    fn stop_wait(&self) -> Duration {
        let grace = match &self.backend {
            Backend::Local(l) => l.kill_grace,
            Backend::Kubernetes(pods) => pods.config().kill_grace,
        };
        grace + Duration::from_secs(5)
    }
}

/// The controller; cheap to clone.
#[derive(Clone)]
pub struct Controller {
    inner: Arc<Inner>,
}

/// What every part of the controller shares.
struct Inner {
    /// Workflows, journals, templates, secrets: the source of truth.
    store: Store,
    /// Seals secrets (and journal entries that carry their values).
    key: Arc<SecretKey>,
    config: ControllerConfig,
    /// The one writer of journal entries and statuses (group commit).
    journal: Journal,
    /// Every change, for watches and Kubernetes mode's status writer.
    bus: Bus,
    /// Set to the grace deadline when the server begins shutting down.
    shutdown: watch::Sender<Option<Instant>>,
    /// Admission and the running actors.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    admission: Admission,
    /// Running workflows by uid: where their commands go.
    running: HashMap<String, Running>,
    stopping: bool,
}

/// A running workflow's actor, as the controller reaches it.
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
        let controller = Controller {
            inner: Arc::new(Inner {
                store,
                key: Arc::new(key),
                config,
                journal,
                bus: Bus::default(),
                shutdown: watch::channel(None).0,
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

    /// Wait until every status handed to the journal is in the store
    /// (statuses are written behind the changes announced on the bus).
    /// Whoever takes the bus's version first, then waits here, then reads
    /// the store, reads every change up to that version.
    pub async fn settled(&self) {
        if let Err(e) = self.inner.journal.settled().await {
            tracing::warn!("reading the store before the journal settled: {e}");
        }
    }

    /// The workflows `q` selects, and the bus version they are current
    /// to: a watch from that version misses nothing they lack.
    pub async fn workflows_as_of(
        &self,
        q: &crate::store::ListQuery,
    ) -> Result<(u64, Vec<WorkflowRow>), StoreError> {
        let version = self.bus().current();
        self.settled().await;
        Ok((version, self.store().query_workflows(q).await?))
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

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
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

    /// Start (or resume) a run in the background; while the store
    /// refuses (disk full, database down), try again, unless the server
    /// is stopping.
    fn spawn_start(&self, uid: String) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                match this.start_run(&uid).await {
                    Ok(()) => return,
                    Err(e) if e.is_unavailable() && !this.state().stopping => {
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

    /// A workflow's actor ended (or never started): free its place —
    /// unless a retry has already given the run a new actor.
    fn finished(&self, uid: &str, done: Option<watch::Sender<bool>>) {
        {
            let mut state = self.state();
            let ours = match (&done, state.running.get(uid)) {
                (Some(d), Some(r)) => r.done.same_channel(&d.subscribe()),
                _ => true,
            };
            if ours {
                state.running.remove(uid);
                state.admission.ended(uid);
            }
        }
        if let Some(d) = done {
            let _ = d.send(true);
        }
        self.admit();
    }
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
        row: (kind != ChangeKind::Deleted).then(|| Arc::new(row.clone())),
    }
}
