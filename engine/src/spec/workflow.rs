//! The resources: Workflow, WorkflowTemplate, ClusterWorkflowTemplate and
//! CronWorkflow, and the `WorkflowSpec` they share.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::flow::LifecycleHook;
use super::params::Arguments;
use super::retry::RetryStrategy;
use super::scalars::IntOrString;
use super::template::Template;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

pub const META_KEPT: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
    "finalizers",
    "managedFields",
    "selfLink",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<Template>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub arguments: Arguments,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_exit: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hooks: BTreeMap<String, LifecycleHook>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_template_ref: Option<WorkflowTemplateRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_strategy: Option<RetryStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_defaults: Option<Box<Template>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_repository_ref: Option<super::ArtifactRepositoryRef>,
    #[serde(rename = "artifactGC", skip_serializing_if = "Option::is_none")]
    pub artifact_gc: Option<super::ArtifactGc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_logs: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// WorkflowSpec fields kept without interpretation (Kubernetes pod
/// settings, GC, artifacts, metrics).
pub const SPEC_KEPT: &[&str] = &[
    "serviceAccountName",
    "automountServiceAccountToken",
    "executor",
    "volumes",
    "volumeClaimTemplates",
    "nodeSelector",
    "affinity",
    "tolerations",
    "imagePullSecrets",
    "hostNetwork",
    "dnsPolicy",
    "dnsConfig",
    "ttlStrategy",
    "schedulerName",
    "podGC",
    "podPriorityClassName",
    "hostAliases",
    "securityContext",
    "podSpecPatch",
    "podDisruptionBudget",
    "metrics",
    "synchronization",
    "volumeClaimGC",
    "podMetadata",
    "workflowMetadata",
    "podResources",
    "resourceClaims",
    "executorPlugins",
];

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowTemplateRef {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cluster_scope: bool,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronWorkflowSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<String>,
    /// Argo 3's single schedule; Argo 4 only reads `schedules`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_deadline_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_strategy: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_metadata: Option<Value>,
    #[serde(default)]
    pub workflow_spec: WorkflowSpec,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

pub const CONCURRENCY_POLICIES: &[&str] = &["Allow", "Forbid", "Replace"];

/// Top-level fields of every resource.
pub const RESOURCE_KEPT: &[&str] = &["status"];
