//! The Kubernetes executor (`docs/design/kubernetes.md`): each
//! pod-producing node becomes a Pod.
//!
//! * `pod` — the Pod a node becomes (pure), with `patch` for Argo's
//!   `podSpecPatch`;
//! * `observe` — what a pod's status says of its node (pure);
//! * `task_result` — the WorkflowTaskResult `keelson exec` writes with a
//!   node's outputs (pure);
//! * `tracker` — one run's pods followed: watch news → engine events,
//!   once per node (pure);
//! * `run` — [`KubeExecutor`], the [`Executor`](super::Executor) of one
//!   run: creates and deletes pods, carries out the tracker's effects;
//! * `cluster` — the connection shared by all runs: client, rate limit
//!   (`throttle`), the pod and task-result watches;
//! * `logs` — a pod's log followed into the run's log files.

pub mod cluster;
pub mod logs;
pub mod observe;
pub mod patch;
pub mod pod;
#[cfg(test)]
mod request_tests;
pub mod run;
pub mod task_result;
pub mod throttle;
pub mod tracker;

pub use cluster::{Cluster, KubeConfig};
pub use observe::{PodState, observe};
pub use pod::{PodError, PodInputs, pod_for};
pub use run::{KubeExecutor, RunSetup};
