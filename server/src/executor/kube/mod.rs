//! The Kubernetes executor (`docs/design/kubernetes.md`): each
//! pod-producing node becomes a Pod.
//!
//! * `pod` — the Pod a node becomes (pure), with `patch` for Argo's
//!   `podSpecPatch`;
//! * `pod_state` — what a pod's status says of its node (pure);
//! * `task_result` — the WorkflowTaskResult `keelson exec` writes with a
//!   node's outputs (pure);
//! * `tracker` — one run's pods followed: watch news → engine events,
//!   once per node (pure);
//! * `run` — [`KubeExecutor`], the [`Executor`](super::Executor) of one
//!   run: creates and deletes pods, carries out the tracker's effects;
//! * `pods` — the pods of all runs: the pod and task-result watches,
//!   routed to each run (the connection itself is `kube::Cluster`);
//! * `logs` — a pod's log followed into the run's log files.

pub mod artifacts;
pub mod logs;
pub mod patch;
pub mod pod;
pub mod pod_state;
pub mod pods;
#[cfg(test)]
mod request_tests;
pub mod run;
pub mod task_result;
pub mod tracker;

pub use pod::{PodError, PodInputs, pod_for};
pub use pod_state::PodState;
pub use pods::{KubeConfig, Pods};
pub use run::{KubeExecutor, RunSetup};
