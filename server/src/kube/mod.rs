//! Kubernetes mode's side of the Workflow resources
//! (`docs/design/kubernetes.md`): the reconciler that runs Workflows
//! applied with `kubectl` and writes every run's status back
//! (`workflows`), and the status as a resource carries it
//! (`resource_status`); leader election among replicas (`leader`);
//! the secrets API's Kubernetes Secrets (`secrets`); WorkflowTemplates,
//! ClusterWorkflowTemplates and CronWorkflows applied to the cluster
//! mirrored into the store (`mirror`); the connection they share
//! (`cluster`: client and rate limit, `throttle`); what the controller
//! asks of the cluster (`resources`).
//! The pods are the executor's (`executor::kube`).

mod cluster;
mod config_maps;
pub mod leader;
pub mod mirror;
pub mod resource_status;
mod resources;
pub mod secrets;
mod throttle;
pub mod workflows;

pub use cluster::Cluster;
pub use resources::Resources;

use crate::controller::ControllerError;

/// A Kubernetes API error as the controller's, by who can act on it: what
/// the cluster refuses about the request itself (400, 404, 422) is the
/// caller's to fix and says why; our own credentials or rights (401,
/// 403) are the operator's (an internal error; the detail is logged);
/// a cluster that is busy (429), failing (5xx) or out of reach is
/// unavailable for now.
pub fn cluster_error(e: kube::Error) -> ControllerError {
    match e {
        kube::Error::Api(s) if matches!(s.code, 400 | 404 | 409 | 422) => {
            ControllerError::Refused(format!("the cluster refused it: {}", s.message))
        }
        kube::Error::Api(s) if matches!(s.code, 401 | 403) => ControllerError::Internal(format!(
            "the cluster refused Keelson's own credentials ({}): {}",
            s.code, s.message
        )),
        kube::Error::Api(s) if s.code == 429 || s.code >= 500 => {
            ControllerError::ClusterUnavailable(format!("{} ({})", s.message, s.code))
        }
        kube::Error::Api(s) => {
            ControllerError::Internal(format!("unexpected answer {}: {}", s.code, s.message))
        }
        other => ControllerError::ClusterUnavailable(other.to_string()),
    }
}
