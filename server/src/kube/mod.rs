//! Kubernetes mode's side of the Workflow resources
//! (`docs/design/kubernetes.md`): the reconciler that runs Workflows
//! applied with `kubectl` and writes every run's status back
//! (`workflows`), and the status as a resource carries it
//! (`resource_status`); leader election among replicas (`leader`);
//! the secrets API's Kubernetes Secrets (`secrets`); WorkflowTemplates,
//! ClusterWorkflowTemplates and CronWorkflows applied to the cluster
//! mirrored into the store (`mirror`).
//! The pods are the executor's (`executor::kube`).

pub mod leader;
pub mod mirror;
pub mod resource_status;
pub mod secrets;
pub mod workflows;
