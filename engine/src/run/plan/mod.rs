//! From a submitted Workflow to the [`Plan`] a run starts from: the spec a
//! `workflowTemplateRef` points at merged in, `templateDefaults` applied to
//! every template, submit-time parameters applied and checked against
//! `enum`, and the global variables (`workflow.*`) computed.
//!
//! Like ripgrep's `hiargs`, a `Plan` is built once and never changes: the
//! state machine reads it; it never re-reads the user's spec.

use serde_json::{Value, json};

use crate::expr::Vars;
use crate::spec::not_enforced::{self, Executor, NotEnforced};
use crate::spec::{
    AnyString, ArtifactRepository, ArtifactRepositoryRefStatus, Catalog, Parameter, Template,
    TemplateKind, Workflow, WorkflowSpec,
};
use crate::status::Condition;

const ALL_KINDS: [TemplateKind; 10] = [
    TemplateKind::Container,
    TemplateKind::Script,
    TemplateKind::Dag,
    TemplateKind::Steps,
    TemplateKind::Suspend,
    TemplateKind::Resource,
    TemplateKind::Http,
    TemplateKind::Plugin,
    TemplateKind::ContainerSet,
    TemplateKind::Data,
];
use crate::status::Time;

/// What the caller knows that the spec does not: the run's identity.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The final name (a `generateName` already completed by the caller).
    pub name: String,
    pub namespace: String,
    pub uid: String,
    pub created_at: Time,
    /// `-p name=value` overrides, in order.
    pub parameters: Vec<(String, String)>,
    /// `--entrypoint` override.
    pub entrypoint: Option<String>,
    /// The artifact repository resolved when the run was first planned
    /// (a stored run's, frozen): used as it is. `None`: resolve it.
    pub artifact_repository: Option<ArtifactRepositoryRefStatus>,
}

/// The resolved, immutable description of one run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub namespace: String,
    pub entrypoint: String,
    /// The effective spec (Argo's `storedWorkflowTemplateSpec`), with
    /// defaults applied and final parameter values.
    pub spec: WorkflowSpec,
    /// Every reachable template by key (see [`Templates`]).
    pub templates: Templates,
    /// `workflow.*` variables, as Argo's flat keys.
    pub globals: Vars,
    /// Every WorkflowTemplate (`false`) and ClusterWorkflowTemplate
    /// (`true`) the plan was resolved against, by name: what a server
    /// keeps with the submission so that the same plan can be rebuilt
    /// after the templates change.
    pub resources: std::collections::BTreeSet<(String, bool)>,
    /// The fields the run will not enforce, for every executor (see
    /// [`crate::spec::not_enforced`]).
    pub not_enforced: Vec<NotEnforced>,
    /// What runs the pods: which of `not_enforced` the workflow's
    /// `SpecWarning` condition lists. [`plan`] says the local executor.
    pub executor: Executor,
    /// Where outputs that name no location go (see [`repository`]).
    pub artifact_repository: ArtifactRepositoryRefStatus,
}

impl Plan {
    /// The template stored under `key` (a workflow template's own key is
    /// its name).
    pub fn template(&self, key: &str) -> Option<&Template> {
        self.templates.get(key)
    }

    /// What `self.executor` will not enforce, one line per rule (see
    /// [`not_enforced::summarize`]).
    pub fn spec_warnings(&self) -> Vec<String> {
        let here = self.not_enforced.iter().filter(|f| f.gap.rule.scope.includes(self.executor));
        not_enforced::summarize(here)
    }

    /// Argo's `SpecWarning` condition saying what will not be enforced,
    /// if anything: the lines of [`Plan::spec_warnings`], joined.
    /// The repository outputs go to (the built-in one when none is set).
    pub fn repository(&self) -> std::borrow::Cow<'_, ArtifactRepository> {
        match &self.artifact_repository.artifact_repository {
            Some(r) => std::borrow::Cow::Borrowed(r),
            None => std::borrow::Cow::Owned(ArtifactRepository::builtin()),
        }
    }

    pub fn spec_warning(&self) -> Option<Condition> {
        let lines = self.spec_warnings();
        (!lines.is_empty()).then(|| Condition {
            condition_type: Condition::SPEC_WARNING.to_string(),
            status: "True".to_string(),
            message: lines.join("; "),
        })
    }
}

/// Why a submission cannot run. Messages follow Argo's where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// Resolve `wf` for running, with no artifact repository but the
/// built-in one (unless `sub` carries one already).
pub fn plan(wf: &Workflow, catalog: &Catalog, sub: &Submission) -> Result<Plan, PlanError> {
    plan_in(wf, catalog, sub, &repository::BuiltinOnly)
}

/// Resolve `wf` for running, its artifact repository from `repositories`
/// (unless `sub` carries one already).
pub fn plan_in(
    wf: &Workflow,
    catalog: &Catalog,
    sub: &Submission,
    repositories: &dyn repository::RepositorySource,
) -> Result<Plan, PlanError> {
    let mut spec = effective_spec(&wf.spec, catalog)?;
    apply_parameters(&mut spec.arguments.parameters, &sub.parameters);
    for p in &spec.arguments.parameters {
        check_value(p)?;
    }
    let entrypoint = sub
        .entrypoint
        .clone()
        .or_else(|| spec.entrypoint.clone())
        .ok_or_else(|| PlanError("spec.entrypoint is required".into()))?;
    let mut templates = Templates::collect(&spec.templates, catalog)?;
    if let Some(defaults) = spec.template_defaults.as_deref() {
        let defaults = serde_json::to_value(defaults).map_err(|e| PlanError(e.to_string()))?;
        templates.map(|t| with_defaults(t, &defaults))?;
    }
    if templates.get(&entrypoint).is_none() {
        return Err(PlanError(format!("template name '{entrypoint}' undefined")));
    }
    let mut globals = globals(wf, &spec, sub, &entrypoint);
    // Every template's scope starts as a clone of these.
    globals.freeze();
    let not_enforced = gaps::find(&spec, &templates, &entrypoint);
    let mut resources = templates.resources();
    if let Some(r) = &wf.spec.workflow_template_ref {
        resources.insert((r.name.clone(), r.cluster_scope));
    }
    let artifact_repository = match &sub.artifact_repository {
        Some(frozen) => frozen.clone(),
        None => repository::resolve(
            spec.artifact_repository_ref.as_ref(),
            &sub.namespace,
            repositories,
        )?,
    };
    Ok(Plan {
        resources,
        not_enforced,
        executor: Executor::default(),
        artifact_repository,
        name: sub.name.clone(),
        namespace: sub.namespace.clone(),
        entrypoint,
        spec,
        templates,
        globals,
    })
}

/// The workflow's own spec, or the referenced template's spec overlaid
/// with the workflow's fields (the workflow's arguments win by name).
fn effective_spec(own: &WorkflowSpec, catalog: &Catalog) -> Result<WorkflowSpec, PlanError> {
    let Some(r) = &own.workflow_template_ref else { return Ok(own.clone()) };
    let kind = if r.cluster_scope { "cluster workflow template" } else { "workflow template" };
    let base = catalog
        .get(&r.name, r.cluster_scope)
        .ok_or_else(|| PlanError(format!("couldn't find {kind} {:?}", r.name)))?;
    let mut spec = base.spec.clone();
    let mut own_json = serde_json::to_value(own).map_err(|e| PlanError(e.to_string()))?;
    if let Value::Object(m) = &mut own_json {
        m.remove("workflowTemplateRef");
        m.remove("arguments");
    }
    let mut merged = serde_json::to_value(&spec).map_err(|e| PlanError(e.to_string()))?;
    merge(&mut merged, own_json);
    let arguments = std::mem::take(&mut spec.arguments);
    spec = serde_json::from_value(merged).map_err(|e| PlanError(e.to_string()))?;
    spec.arguments = arguments;
    for p in &own.arguments.parameters {
        match spec.arguments.parameters.iter_mut().find(|q| q.name == p.name) {
            Some(q) => *q = p.clone(),
            None => spec.arguments.parameters.push(p.clone()),
        }
    }
    for a in &own.arguments.artifacts {
        match spec.arguments.artifacts.iter_mut().find(|b| b.name == a.name) {
            Some(b) => *b = a.clone(),
            None => spec.arguments.artifacts.push(a.clone()),
        }
    }
    spec.workflow_template_ref = None;
    Ok(spec)
}

/// `-p name=value`: set the parameter's value, or add it (as `argo submit`
/// does for a name the spec does not declare).
fn apply_parameters(params: &mut Vec<Parameter>, overrides: &[(String, String)]) {
    for (name, value) in overrides {
        match params.iter_mut().find(|p| &p.name == name) {
            Some(p) => {
                p.value = Some(AnyString(value.clone()));
                p.value_from = None;
            }
            None => params.push(Parameter {
                name: name.clone(),
                value: Some(AnyString(value.clone())),
                ..Default::default()
            }),
        }
    }
}

/// A workflow parameter must have a value, within its `enum` if it has one.
fn check_value(p: &Parameter) -> Result<(), PlanError> {
    let name = &p.name;
    let Some(value) = &p.value else {
        if let Some(from) = &p.value_from {
            if from.default.is_none() && from.config_map_key_ref.is_some() {
                return Err(PlanError(format!(
                    "spec.arguments.{name}.valueFrom.configMapKeyRef needs a ConfigMap store, which `keelson run` does not have"
                )));
            }
            return Ok(());
        }
        return Err(PlanError(format!(
            "spec.arguments.{name}.value or spec.arguments.{name}.valueFrom is required"
        )));
    };
    if !p.enum_values.is_empty() && !p.enum_values.iter().any(|e| e == value) {
        let allowed: Vec<&str> = p.enum_values.iter().map(AnyString::as_str).collect();
        return Err(PlanError(format!(
            "spec.arguments.{name}.value should be present in spec.arguments.{name}.enum list ({})",
            allowed.join(", ")
        )));
    }
    Ok(())
}

/// A template with `templateDefaults` underneath: every field the template
/// sets wins; maps merge; lists are replaced (JSON merge patch semantics).
fn with_defaults(t: &Template, defaults: &Value) -> Result<Template, PlanError> {
    let mut base = defaults.clone();
    // Defaults never supply a name or a type the template does not have.
    if let Value::Object(m) = &mut base {
        m.remove("name");
        let own_kinds = t.kinds();
        for kind in ALL_KINDS {
            if !own_kinds.contains(&kind) {
                m.remove(kind.field());
            }
        }
    }
    let own = serde_json::to_value(t).map_err(|e| PlanError(e.to_string()))?;
    merge(&mut base, own);
    serde_json::from_value(base)
        .map_err(|e| PlanError(format!("templates.{}: templateDefaults do not fit: {e}", t.name)))
}

/// JSON merge: `patch`'s fields win, objects merge recursively.
fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, p) => *b = p,
    }
}

/// Argo's global variables (`workflow.*`).
fn globals(wf: &Workflow, spec: &WorkflowSpec, sub: &Submission, entrypoint: &str) -> Vars {
    let mut g = Vars::new();
    let s = |v: &str| Value::String(v.to_string());
    g.insert("workflow.name", s(&sub.name));
    g.insert("workflow.namespace", s(&sub.namespace));
    g.insert("workflow.uid", s(&sub.uid));
    g.insert("workflow.mainEntrypoint", s(entrypoint));
    let sa = spec.other.get("serviceAccountName").and_then(Value::as_str).unwrap_or("default");
    g.insert("workflow.serviceAccountName", s(sa));
    let created = sub.created_at.to_string();
    g.insert("workflow.creationTimestamp", s(&created));
    g.insert("workflow.creationTimestamp.RFC3339", s(&created));
    g.insert("workflow.creationTimestamp.s", s(&sub.created_at.0.to_string()));
    // strftime's fields, as artifact key formats use them
    // (`{{workflow.creationTimestamp.Y}}/…`); UTC.
    let secs = sub.created_at.0;
    let (y, m, d) = crate::status::calendar::civil_from_days(secs.div_euclid(86_400));
    let day = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (day / 3600, day % 3600 / 60, day % 60);
    let fields = [
        ("Y", format!("{y}")),
        ("y", format!("{:02}", y.rem_euclid(100))),
        ("m", format!("{m:02}")),
        ("d", format!("{d:02}")),
        ("H", format!("{hh:02}")),
        ("M", format!("{mm:02}")),
        ("S", format!("{ss:02}")),
        ("F", format!("{y}-{m:02}-{d:02}")),
        ("T", format!("{hh:02}:{mm:02}:{ss:02}")),
    ];
    for (k, v) in fields {
        g.insert(format!("workflow.creationTimestamp.{k}"), s(&v));
    }
    if let Some(p) = &spec.priority {
        g.insert("workflow.priority", s(&p.to_string()));
    }
    let mut params = Vec::new();
    for p in &spec.arguments.parameters {
        let value = p
            .value
            .as_ref()
            .or(p.value_from.as_ref().and_then(|f| f.default.as_ref()))
            .map(|v| v.0.clone())
            .unwrap_or_default();
        g.insert(format!("workflow.parameters.{}", p.name), s(&value));
        params.push(json!({"name": p.name, "value": value}));
    }
    if !params.is_empty() {
        let text = Value::String(Value::Array(params).to_string());
        g.insert("workflow.parameters", text.clone());
        g.insert("workflow.parameters.json", text);
    }
    for (prefix, map) in
        [("labels", &wf.metadata.labels), ("annotations", &wf.metadata.annotations)]
    {
        for (k, v) in map {
            g.insert(format!("workflow.{prefix}.{k}"), s(v));
        }
        let text = Value::String(serde_json::to_string(map).unwrap_or_default());
        g.insert(format!("workflow.{prefix}"), text.clone());
        g.insert(format!("workflow.{prefix}.json"), text);
    }
    g
}

mod gaps;
pub mod repository;
mod templates;
#[cfg(test)]
mod tests;

pub use templates::Templates;
