//! The `argoproj.io/v1alpha1` model: serde types with Argo's JSON names.
//!
//! Types mirror what a user writes (the "low" form, like ripgrep's
//! `lowargs`): nothing is resolved or defaulted here. Fields Keelson reads
//! are typed; every other field lands in an `other` map, so a spec read
//! and written back keeps every field, and lint can tell known Argo or
//! Kubernetes fields (listed in the `*_KEPT` tables) from misspellings.

mod artifact;
mod catalog;
mod container;
mod flow;
pub mod not_enforced;
mod params;
mod retry;
mod scalars;
mod template;
mod workflow;

pub use artifact::{
    ARTIFACT_GC_STRATEGIES, ArchiveStrategy, Artifact, ArtifactGc, ArtifactLocation,
    ArtifactRepository, ArtifactRepositoryRef, ArtifactRepositoryRefStatus, AzureArtifact,
    AzureContainer, AzureRepository, BasicAuth, BuiltinArtifact, BuiltinRepository,
    DEFAULT_KEY_FORMAT, GcsArtifact, GcsBucket, GcsRepository, GitArtifact, HttpArtifact, HttpAuth,
    HttpHeader, Packing, RawArtifact, S3Artifact, S3Bucket, S3Repository, StoreKind, TarStrategy,
};
pub use catalog::{Catalog, RefError};
pub use container::{CONTAINER_KEPT, Container, EnvVar, EnvVarSource, KeyRef, Script};
pub use flow::{
    Call, CallFlow, ContinueOn, DagTask, DagTemplate, LifecycleHook, Sequence, Step, TemplateRef,
};
pub use params::{Arguments, Inputs, Outputs, Parameter, ValueFrom};
pub use retry::{Backoff, RETRY_POLICIES, RetryStrategy};
pub use scalars::{AnyString, IntOrString};
pub use template::{SuspendTemplate, TEMPLATE_KEPT, Template, TemplateKind};
pub use workflow::{
    CONCURRENCY_POLICIES, CronWorkflowSpec, META_KEPT, ObjectMeta, RESOURCE_KEPT, SPEC_KEPT,
    WorkflowSpec, WorkflowTemplateRef,
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diag::{FieldPath, PathSeg};

pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// A resource whose spec is a [`WorkflowSpec`] (or, for cron, wraps one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource<S> {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: S,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

pub type Workflow = Resource<WorkflowSpec>;
pub type CronWorkflow = Resource<CronWorkflowSpec>;

/// One document of a file, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Workflow(Workflow),
    WorkflowTemplate(Workflow),
    ClusterWorkflowTemplate(Workflow),
    CronWorkflow(Box<CronWorkflow>),
}

impl Document {
    pub fn kind(&self) -> &'static str {
        match self {
            Document::Workflow(_) => "Workflow",
            Document::WorkflowTemplate(_) => "WorkflowTemplate",
            Document::ClusterWorkflowTemplate(_) => "ClusterWorkflowTemplate",
            Document::CronWorkflow(_) => "CronWorkflow",
        }
    }

    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Document::Workflow(r)
            | Document::WorkflowTemplate(r)
            | Document::ClusterWorkflowTemplate(r) => &r.metadata,
            Document::CronWorkflow(r) => &r.metadata,
        }
    }

    /// The workflow spec, and the path to it (`spec` or
    /// `spec.workflowSpec` for a CronWorkflow).
    pub fn workflow_spec(&self) -> (&WorkflowSpec, FieldPath) {
        match self {
            Document::Workflow(r)
            | Document::WorkflowTemplate(r)
            | Document::ClusterWorkflowTemplate(r) => (&r.spec, FieldPath::root().key("spec")),
            Document::CronWorkflow(r) => {
                (&r.spec.workflow_spec, FieldPath::root().key("spec").key("workflowSpec"))
            }
        }
    }

    /// Name for messages: `name`, else `generateName` + `…`.
    pub fn display_name(&self) -> String {
        let m = self.metadata();
        match (&m.name, &m.generate_name) {
            (Some(n), _) => n.clone(),
            (None, Some(g)) => format!("{g}…"),
            (None, None) => "(unnamed)".to_string(),
        }
    }

    pub fn to_json(&self) -> Value {
        let r = match self {
            Document::Workflow(r)
            | Document::WorkflowTemplate(r)
            | Document::ClusterWorkflowTemplate(r) => serde_json::to_value(r),
            Document::CronWorkflow(r) => serde_json::to_value(r),
        };
        // Serializing plain data with string keys cannot fail.
        r.unwrap_or(Value::Null)
    }
}

/// Why a document could not be turned into a typed resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    #[error("`apiVersion` is {found:?}; Keelson reads `argoproj.io/v1alpha1`")]
    ApiVersion { found: String },
    #[error(
        "kind {kind:?} is not a workflow resource; Keelson reads Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow"
    )]
    Kind { kind: String },
    #[error("a document must be a mapping with `apiVersion` and `kind`")]
    NotAResource,
    #[error("{message}")]
    Field { path: FieldPath, message: String },
}

/// Type a JSON document. Errors name the field that did not fit.
pub fn decode(value: Value) -> Result<Document, DecodeError> {
    let Value::Object(map) = &value else { return Err(DecodeError::NotAResource) };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
    let api = map.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_string();
    if kind.is_empty() && api.is_empty() {
        return Err(DecodeError::NotAResource);
    }
    let is_argo_kind = matches!(
        kind.as_str(),
        "Workflow" | "WorkflowTemplate" | "ClusterWorkflowTemplate" | "CronWorkflow"
    );
    if !is_argo_kind {
        return Err(DecodeError::Kind { kind });
    }
    if api != API_VERSION {
        return Err(DecodeError::ApiVersion { found: api });
    }
    Ok(match kind.as_str() {
        "Workflow" => Document::Workflow(typed(value)?),
        "WorkflowTemplate" => Document::WorkflowTemplate(typed(value)?),
        "ClusterWorkflowTemplate" => Document::ClusterWorkflowTemplate(typed(value)?),
        _ => Document::CronWorkflow(Box::new(typed(value)?)),
    })
}

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = to_field_path(e.path());
        let message = e.inner().to_string();
        DecodeError::Field { path, message }
    })
}

fn to_field_path(p: &serde_path_to_error::Path) -> FieldPath {
    use serde_path_to_error::Segment;
    FieldPath(
        p.iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(PathSeg::Index(*index)),
                Segment::Map { key } => Some(PathSeg::Key(key.clone())),
                Segment::Enum { variant } => Some(PathSeg::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
