//! A template: the unit of work Argo calls by name.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::container::{Container, Script};
use super::flow::{DagTemplate, Step};
use super::params::{Inputs, Outputs};
use super::retry::RetryStrategy;
use super::scalars::IntOrString;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub inputs: Inputs,
    #[serde(default, skip_serializing_if = "is_default")]
    pub outputs: Outputs,

    // Exactly one of these says what the template does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<Script>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dag: Option<DagTemplate>,
    /// Groups run in order; the steps of a group run in parallel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Vec<Step>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<SuspendTemplate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_set: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_strategy: Option<RetryStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_fast: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemon: Option<bool>,
    /// Where this template's outputs (and archived logs) go instead of
    /// the repository's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_location: Option<super::ArtifactLocation>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Template fields Keelson keeps without interpreting.
pub const TEMPLATE_KEPT: &[&str] = &[
    "metadata",
    "nodeSelector",
    "affinity",
    "tolerations",
    "volumes",
    "initContainers",
    "sidecars",
    "schedulerName",
    "priorityClassName",
    "serviceAccountName",
    "automountServiceAccountToken",
    "executor",
    "hostAliases",
    "securityContext",
    "podSpecPatch",
    "metrics",
    "synchronization",
    "memoize",
    "resourceClaims",
    "podResources",
    "pendingTimeout",
    "annotations",
];

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// What a template does, named as Argo names the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Container,
    Script,
    Dag,
    Steps,
    Suspend,
    Resource,
    Http,
    Plugin,
    ContainerSet,
    Data,
}

impl TemplateKind {
    pub fn field(self) -> &'static str {
        match self {
            TemplateKind::Container => "container",
            TemplateKind::Script => "script",
            TemplateKind::Dag => "dag",
            TemplateKind::Steps => "steps",
            TemplateKind::Suspend => "suspend",
            TemplateKind::Resource => "resource",
            TemplateKind::Http => "http",
            TemplateKind::Plugin => "plugin",
            TemplateKind::ContainerSet => "containerSet",
            TemplateKind::Data => "data",
        }
    }

    /// Whether Keelson's local executor can run templates of this kind.
    pub fn runs_locally(self) -> bool {
        matches!(
            self,
            TemplateKind::Container
                | TemplateKind::Script
                | TemplateKind::Dag
                | TemplateKind::Steps
                | TemplateKind::Suspend
        )
    }
}

impl Template {
    /// Every template type field that is set (valid templates have one).
    pub fn kinds(&self) -> Vec<TemplateKind> {
        let mut k = Vec::new();
        let set = [
            (self.container.is_some(), TemplateKind::Container),
            (self.script.is_some(), TemplateKind::Script),
            (self.dag.is_some(), TemplateKind::Dag),
            (self.steps.is_some(), TemplateKind::Steps),
            (self.suspend.is_some(), TemplateKind::Suspend),
            (self.resource.is_some(), TemplateKind::Resource),
            (self.http.is_some(), TemplateKind::Http),
            (self.plugin.is_some(), TemplateKind::Plugin),
            (self.container_set.is_some(), TemplateKind::ContainerSet),
            (self.data.is_some(), TemplateKind::Data),
        ];
        for (on, kind) in set {
            if on {
                k.push(kind);
            }
        }
        k
    }

    /// The template's one kind, if it has exactly one.
    pub fn kind(&self) -> Option<TemplateKind> {
        match self.kinds().as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuspendTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<IntOrString>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
