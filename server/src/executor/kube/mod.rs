//! The Kubernetes executor (issue 7, `docs/design/kubernetes.md`): each
//! pod-producing node becomes a Pod. What exists so far is pure: the Pod
//! a node becomes (`pod`), the pod spec patches Argo allows (`patch`),
//! and what a pod's status says of its node (`observe`); the client that
//! creates and watches pods comes next.

pub mod observe;
pub mod patch;
pub mod pod;

pub use observe::{PodState, observe};
pub use pod::{PodError, PodInputs, pod_for};
