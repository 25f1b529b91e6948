//! Kubernetes mode's side of the Workflow resources (issue 7,
//! `docs/design/kubernetes.md`): what Keelson writes back to a Workflow
//! resource (`resource_status`). The controller on the resources comes
//! next.

pub mod resource_status;
