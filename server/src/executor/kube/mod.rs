//! The Kubernetes executor (issue 7, `docs/design/kubernetes.md`): each
//! pod-producing node becomes a Pod. What exists so far is pure: the Pod
//! a node becomes (`pod`) and the pod spec patches Argo allows
//! (`patch`); the client that creates and watches pods comes next.

pub mod patch;
pub mod pod;

pub use pod::{PodError, PodInputs, pod_for};
