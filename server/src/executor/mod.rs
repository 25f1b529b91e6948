//! Executors run the engine's [`LaunchSpec`](engine::run::LaunchSpec)s and
//! report back [`Event`](engine::run::Event)s, behind the [`Executor`]
//! trait: the local one makes each node a process on this machine (see
//! `docs/local-executor.md`), the Kubernetes one a Pod (`kube`, see
//! `docs/design/kubernetes.md`). The controller holds each run's executor
//! as an `Arc<dyn Executor>`.

mod backend;
pub mod kube;
pub mod local;

pub use backend::{Backend, LocalBackend, RunContext, for_run, namespace_dir};

use engine::run::LaunchSpec;
use tokio::sync::broadcast;

/// What drives tasks for the engine: start a node, stop one, stop all.
/// Events (`NodeStarted`, `NodeExited`, `NodeFailedToStart`) come back on
/// the channel the executor was made with. The controller's actors do not
/// care which executor runs the tasks.
pub trait Executor: Send + Sync {
    /// Start the node (or queue it); never blocks.
    fn launch(&self, spec: LaunchSpec);
    /// Stop the node (SIGTERM, then SIGKILL after a grace period, or the
    /// equivalent); its `NodeExited` follows.
    fn kill(&self, node: &str);
    /// [`Executor::kill`] every queued and running node.
    fn kill_all(&self);
    /// Nodes running now (queued ones not counted).
    fn running(&self) -> usize;
    /// Take back the launches not started yet, without events: a server
    /// shutting down keeps them for its successor.
    fn take_queued(&self) -> Vec<LaunchSpec>;
    /// Every log line of every node from now on (bounded: a receiver that
    /// falls behind loses lines, never slows the tasks).
    fn logs(&self) -> broadcast::Receiver<LogLine>;
    /// Follow again a node the last server launched (`started`: it was
    /// known to run). Whether this executor can: a local process died
    /// with its server, a pod did not.
    fn adopt(&self, _spec: &LaunchSpec, _started: bool) -> bool {
        false
    }
    /// Whether tasks go on when this server stops (pods do; a stopping
    /// server then leaves at once, and the next one adopts them).
    fn outlives_server(&self) -> bool {
        false
    }
    /// The workflow ended (`succeeded` or not): what is left of its tasks
    /// may go (`podGC`).
    fn ended(&self, _succeeded: bool) {}
}

impl Executor for LocalExecutor {
    fn launch(&self, spec: LaunchSpec) {
        LocalExecutor::launch(self, spec);
    }
    fn kill(&self, node: &str) {
        LocalExecutor::kill(self, node);
    }
    fn kill_all(&self) {
        LocalExecutor::kill_all(self);
    }
    fn running(&self) -> usize {
        LocalExecutor::running(self)
    }
    fn take_queued(&self) -> Vec<LaunchSpec> {
        LocalExecutor::take_queued(self)
    }
    fn logs(&self) -> broadcast::Receiver<LogLine> {
        LocalExecutor::logs(self)
    }
}

pub use local::{
    ImageEntry, ImageTable, Isolation, LoadError, LocalConfig, LocalExecutor, LocalStore, LogLine,
    OutputStream, SlotPool, Tail, read_limited,
};
pub(crate) use local::{LogIndex, LogWriter, RawLine};
