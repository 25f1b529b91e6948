//! Executors run the engine's [`LaunchSpec`](engine::run::LaunchSpec)s and
//! report back [`Event`](engine::run::Event)s, behind the [`Executor`]
//! trait. Only the local one exists so far: each node becomes a process on
//! this machine (see `docs/local-executor.md`).

pub mod local;

use engine::run::LaunchSpec;

/// What drives tasks for the engine: start a node, stop one. Events
/// (`NodeStarted`, `NodeExited`, `NodeFailedToStart`) come back on the
/// channel the executor was made with. The local executor implements it;
/// the Kubernetes one (issue 7) will, so the runner and the controller do
/// not care which runs the pods.
pub trait Executor {
    /// Start the node (or queue it); never blocks.
    fn launch(&self, spec: LaunchSpec);
    /// Stop the node (SIGTERM, then SIGKILL after a grace period, or the
    /// equivalent); its `NodeExited` follows.
    fn kill(&self, node: &str);
}

impl Executor for LocalExecutor {
    fn launch(&self, spec: LaunchSpec) {
        LocalExecutor::launch(self, spec);
    }
    fn kill(&self, node: &str) {
        LocalExecutor::kill(self, node);
    }
}

pub use local::{
    ImageEntry, ImageTable, Isolation, LoadError, LocalConfig, LocalExecutor, LocalStore, LogLine,
    SlotPool, Stream,
};
