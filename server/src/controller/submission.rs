//! From a submitted Workflow to a stored row, and back to the same
//! [`Plan`] whenever the run must be rebuilt (a restart, a retry). What is
//! stored is the Workflow itself (its name completed), the templates it
//! was resolved against *as they were then*, and the `-p` values: the
//! engine is deterministic, so the same inputs give the same plan even
//! after someone edits a WorkflowTemplate.

use std::collections::BTreeMap;

use engine::lint::{self, Options, Source};
use engine::run::plan::repository::RepositorySource;
use engine::run::{Plan, Submission, plan, plan_in};
use engine::spec::{ArtifactRepository, ArtifactRepositoryRefStatus, Catalog, Document, Workflow};
use engine::status::Time;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ControllerError;
use crate::store::NewWorkflow;

/// The `submission` column of a workflow row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    /// The Workflow as submitted, `metadata.name` completed.
    pub workflow: Value,
    /// The WorkflowTemplates and ClusterWorkflowTemplates it references,
    /// as they were at submission.
    #[serde(default)]
    pub templates: Vec<Value>,
    /// `-p name=value` overrides, in order.
    #[serde(default)]
    pub parameters: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
    /// The artifact repository resolved at submission, frozen: a restart
    /// or a retry saves where the first attempt did, whatever the
    /// ConfigMaps say by then. (Absent: the built-in repository.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_repository: Option<ArtifactRepositoryRefStatus>,
}

/// What a client asks to run.
#[derive(Debug, Clone, Default)]
pub struct SubmitRequest {
    pub namespace: String,
    /// A Workflow document (JSON, Kubernetes field names).
    pub workflow: Value,
    pub parameters: Vec<(String, String)>,
    pub entrypoint: Option<String>,
    /// More labels to put on the workflow (`argo submit -l`).
    pub labels: BTreeMap<String, String>,
    /// The run's uid when it is given (a Workflow resource's); a new one
    /// otherwise.
    pub uid: Option<String>,
}

impl Submitted {
    pub fn workflow(&self) -> Result<Workflow, ControllerError> {
        match engine::spec::decode(self.workflow.clone()) {
            Ok(Document::Workflow(w)) => Ok(w),
            Ok(other) => Err(ControllerError::Invalid(format!(
                "expected a Workflow, got a {}",
                other.kind()
            ))),
            Err(e) => Err(ControllerError::Invalid(e.to_string())),
        }
    }

    fn catalog(&self) -> Catalog {
        let mut catalog = Catalog::default();
        for t in &self.templates {
            if let Ok(doc) = engine::spec::decode(t.clone()) {
                catalog.add(&doc);
            }
        }
        catalog
    }

    /// The run's plan, rebuilt.
    pub fn plan(
        &self,
        uid: &str,
        namespace: &str,
        name: &str,
        created_at: Time,
    ) -> Result<Plan, ControllerError> {
        let wf = self.workflow()?;
        let sub = Submission {
            name: name.to_string(),
            namespace: namespace.to_string(),
            uid: uid.to_string(),
            created_at,
            parameters: self.parameters.clone(),
            entrypoint: self.entrypoint.clone(),
            artifact_repository: Some(self.artifact_repository.clone().unwrap_or_else(|| {
                ArtifactRepositoryRefStatus {
                    default: true,
                    artifact_repository: Some(ArtifactRepository::builtin()),
                    ..Default::default()
                }
            })),
        };
        plan(&wf, &self.catalog(), &sub).map_err(|e| ControllerError::Invalid(e.to_string()))
    }
}

/// Lint a resource (Workflow, template or CronWorkflow, as JSON) against
/// `catalog`: its errors, joined, as [`ControllerError::Invalid`].
pub fn lint_resource(doc: &Value, catalog: &Catalog) -> Result<(), ControllerError> {
    let text = serde_json::to_string_pretty(doc).map_err(internal)?;
    let source = Source { name: "resource".into(), text };
    let report = lint::lint(std::slice::from_ref(&source), catalog, Options { strict: false });
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.diagnostic.severity == engine::diag::Severity::Error)
        .map(|f| f.diagnostic.message.clone())
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(ControllerError::Invalid(errors.join("; "))) }
}

/// Check a request (lint, then plan against `catalog`), complete its name
/// and uid: the row to insert.
pub fn prepare(
    req: &SubmitRequest,
    catalog: &Catalog,
    repositories: &dyn RepositorySource,
    now: Time,
) -> Result<NewWorkflow, ControllerError> {
    lint_resource(&req.workflow, catalog)?;
    let mut workflow = req.workflow.clone();
    let wf = Submitted { workflow: workflow.clone(), ..Default::default() }.workflow()?;
    let name = match (&wf.metadata.name, &wf.metadata.generate_name) {
        (Some(n), _) => n.clone(),
        (None, Some(g)) => format!("{g}{}", generate_name_suffix(random())),
        (None, None) => {
            return Err(ControllerError::Invalid(
                "metadata.name or metadata.generateName is required".into(),
            ));
        }
    };
    if let Some(ns) = wf.metadata.namespace.as_deref()
        && ns != req.namespace
    {
        return Err(ControllerError::Invalid(format!(
            "the workflow's namespace {ns:?} does not match the request's {:?}",
            req.namespace
        )));
    }
    let uid = req.uid.clone().unwrap_or_else(uid);
    if let Some(meta) = workflow.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("name".into(), Value::String(name.clone()));
        meta.insert("namespace".into(), Value::String(req.namespace.clone()));
    }
    // Plan once now: a submission that cannot run is refused here, with
    // the reason, rather than failing later.
    let plan = plan_in(
        &wf,
        catalog,
        &Submission {
            name: name.clone(),
            namespace: req.namespace.clone(),
            uid: uid.clone(),
            created_at: now,
            parameters: req.parameters.clone(),
            entrypoint: req.entrypoint.clone(),
            artifact_repository: None,
        },
        repositories,
    )
    .map_err(|e| ControllerError::Invalid(e.to_string()))?;
    let mut submitted = Submitted {
        workflow,
        templates: Vec::new(),
        parameters: req.parameters.clone(),
        entrypoint: req.entrypoint.clone(),
        artifact_repository: Some(plan.artifact_repository.clone()),
    };
    for (template, cluster) in &plan.resources {
        if let Some(t) = catalog.get(template, *cluster) {
            let kind = if *cluster { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" };
            let mut doc = serde_json::to_value(t).map_err(internal)?;
            if let Some(m) = doc.as_object_mut() {
                m.insert("apiVersion".into(), "argoproj.io/v1alpha1".into());
                m.insert("kind".into(), kind.into());
            }
            submitted.templates.push(doc);
        }
    }
    let mut labels = wf.metadata.labels.clone();
    labels.extend(req.labels.clone());
    Ok(NewWorkflow {
        uid,
        namespace: req.namespace.clone(),
        name,
        labels,
        created_at: now,
        submission: serde_json::to_value(&submitted).map_err(internal)?,
    })
}

/// The Workflow of a prepared row as its resource shows it: the name
/// completed, the row's labels, `-p` values in `spec.arguments` (as Argo's
/// server writes a submitted Workflow).
pub fn named(new: &NewWorkflow) -> Result<Value, ControllerError> {
    let sub: Submitted = serde_json::from_value(new.submission.clone()).map_err(internal)?;
    let mut wf = sub.workflow;
    if !new.labels.is_empty() {
        wf["metadata"]["labels"] = serde_json::to_value(&new.labels).map_err(internal)?;
    }
    if !sub.parameters.is_empty() {
        let mut params =
            wf["spec"]["arguments"]["parameters"].as_array().cloned().unwrap_or_default();
        for (name, value) in &sub.parameters {
            match params.iter_mut().find(|p| p["name"] == name.as_str()) {
                Some(p) => p["value"] = value.clone().into(),
                None => params.push(serde_json::json!({"name": name, "value": value})),
            }
        }
        wf["spec"]["arguments"]["parameters"] = Value::Array(params);
    }
    if let Some(e) = &sub.entrypoint {
        wf["spec"]["entrypoint"] = e.clone().into();
    }
    Ok(wf)
}

impl Default for Submitted {
    fn default() -> Self {
        Submitted {
            workflow: Value::Null,
            templates: Vec::new(),
            parameters: Vec::new(),
            entrypoint: None,
            artifact_repository: None,
        }
    }
}

/// Five characters of `[a-z0-9]`, as Kubernetes completes a `generateName`.
pub fn generate_name_suffix(mut n: u32) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u32) as usize] as char;
            n /= ALPHABET.len() as u32;
            c
        })
        .collect()
}

/// A random UUID (version 4).
pub(super) fn uid() -> String {
    use chacha20poly1305::aead::OsRng;
    use chacha20poly1305::aead::rand_core::RngCore;
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// A random number for a `generateName` suffix.
fn random() -> u32 {
    use chacha20poly1305::aead::OsRng;
    use chacha20poly1305::aead::rand_core::RngCore;
    OsRng.next_u32()
}

/// Data the server made itself that does not (de)serialise: not the
/// caller's doing.
fn internal(e: serde_json::Error) -> ControllerError {
    ControllerError::Internal(format!("submission data: {e}"))
}
