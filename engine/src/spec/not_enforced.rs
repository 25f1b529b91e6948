//! Fields Keelson reads but does not act on: the one list of them.
//!
//! A spec may set fields whose effect Keelson does not provide (yet), for
//! every executor (`synchronization`, `memoize`) or for one (the local
//! executor has no sidecars; Kubernetes mode no executor service account).
//! Each such field is a [`Rule`], with what Keelson does instead. Lint
//! warns about the rules that hold whatever the executor; a run's plan
//! keeps every finding, and the workflow's status gets a `SpecWarning`
//! condition listing those of the executor that runs it. Where ignoring a
//! field would make the run fatally different (a daemon step would wait
//! for ever), the rule says [`Treatment::Refuse`]: the node ends in Error.
//!
//! `docs/conformance.md` ("Accepted but not enforced") lists every rule.

use serde_json::Value;

use super::{ArtifactLocation, Container, CronWorkflowSpec, Template, WorkflowSpec};
use crate::diag::FieldPath;

/// What runs a workflow's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// Each pod a process on this machine (`keelson run`, and `keelson
    /// server` by default).
    #[default]
    Local,
    /// Each pod a Pod (`keelson server --executor kubernetes`).
    Kubernetes,
}

/// The executors a rule concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Local,
    Kubernetes,
}

impl Scope {
    pub fn includes(self, executor: Executor) -> bool {
        match self {
            Scope::All => true,
            Scope::Local => executor == Executor::Local,
            Scope::Kubernetes => executor == Executor::Kubernetes,
        }
    }
}

/// What Keelson does with a workflow that sets the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Runs it without the field's effect.
    Warn,
    /// Ends the node (or refuses the submission) with a message saying why.
    Refuse,
}

/// One field (or family of fields) Keelson accepts but does not enforce.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// What is not done, as a sentence's start: "synchronization is not
    /// enforced". Workflow-level rules name the field `spec.…`.
    pub what: &'static str,
    /// What happens instead (no `:` or `;`: messages join with those).
    pub effect: &'static str,
    pub scope: Scope,
    pub treatment: Treatment,
}

impl Rule {
    /// `what`, naming the executor it concerns.
    pub fn message(&self) -> String {
        match self.scope {
            Scope::All => self.what.to_string(),
            Scope::Local => format!("{} by the local executor", self.what),
            Scope::Kubernetes => format!("{} in Kubernetes mode", self.what),
        }
    }
}

const fn rule(what: &'static str, effect: &'static str, scope: Scope) -> Rule {
    Rule { what, effect, scope, treatment: Treatment::Warn }
}

const fn refuse(what: &'static str, effect: &'static str, scope: Scope) -> Rule {
    Rule { what, effect, scope, treatment: Treatment::Refuse }
}

// Templates, whatever the executor.
pub static SYNCHRONIZATION: Rule = rule(
    "synchronization is not enforced",
    "its mutexes and semaphores are not taken, so the steps and tasks it guards may run at the same time",
    Scope::All,
);
pub static MEMOIZE: Rule = rule(
    "memoize is not enforced",
    "nothing is cached, so the template runs every time",
    Scope::All,
);
pub static DAEMON: Rule = refuse(
    "daemon templates are refused",
    "Keelson does not run daemons, so the node ends in Error (the step would wait for the daemon to exit)",
    Scope::All,
);
pub static FAIL_FAST: Rule = rule(
    "template failFast is not enforced",
    "after a child fails, the template's other children still start",
    Scope::All,
);
pub static METRICS: Rule =
    rule("metrics are not emitted", "Keelson has no custom Prometheus metrics", Scope::All);
pub static UNSUPPORTED_STORE: Rule = refuse(
    "artifacts in OSS, HDFS, Artifactory or a plugin's store are refused",
    "Keelson does not support those stores, so the node ends in Error",
    Scope::All,
);
pub static INPUT_FROM_CONFIG_MAP: Rule = refuse(
    "input parameters from a ConfigMap are refused",
    "Keelson does not read ConfigMaps into parameters, so the node ends in Error unless its caller passes the value",
    Scope::All,
);
pub static DISPLAY_NAME: Rule = rule(
    "the workflows.argoproj.io/display-name annotation is not applied",
    "nodes keep their own display name",
    Scope::All,
);
pub static RESOURCE_CLAIMS: Rule =
    rule("resourceClaims are not applied", "no devices are claimed for the pods", Scope::All);
pub static POD_RESOURCES: Rule = rule(
    "podResources are not applied",
    "the pods get no pod-level requests or limits",
    Scope::All,
);
pub static PENDING_TIMEOUT: Rule =
    rule("pendingTimeout is not enforced", "a node may stay Pending indefinitely", Scope::All);

// Templates, Kubernetes mode.
pub static EXECUTOR: Rule = rule(
    "executor is not used",
    "Keelson's executor runs inside the main container, with the pod's service account",
    Scope::Kubernetes,
);
pub static RETRY_AFFINITY: Rule = rule(
    "retryStrategy.affinity is not applied",
    "a retry may run on the node where the last attempt failed",
    Scope::Kubernetes,
);

// Templates, the local executor.
pub static SIDECARS: Rule =
    rule("sidecars are not run", "only the main container runs", Scope::Local);
pub static INIT_CONTAINERS: Rule =
    rule("initContainers are not run", "the main container starts without them", Scope::Local);
pub static VOLUMES: Rule = rule(
    "volumes and volumeMounts are not mounted",
    "paths under a mount are this machine's own",
    Scope::Local,
);
pub static SECURITY_CONTEXT: Rule =
    rule("securityContext is not applied", "the task runs as Keelson's own user", Scope::Local);
pub static POD_SPEC_PATCH: Rule =
    rule("podSpecPatch is not applied", "the settings it patches have no effect", Scope::Local);
pub static RESOURCES: Rule = rule(
    "container resources are not applied",
    "the task has no CPU or memory requests or limits",
    Scope::Local,
);
pub static PROBES: Rule = rule(
    "probes and lifecycle hooks are not run",
    "the container is never restarted or signalled by them",
    Scope::Local,
);
pub static NAME_RESOLUTION: Rule =
    rule("hostAliases are not applied", "names resolve as on this machine", Scope::Local);
pub static ENV_FIELD_REF: Rule = refuse(
    "environment values from fieldRef (other than metadata.name), resourceFieldRef or fileKeyRef are refused",
    "the node fails to start (Error)",
    Scope::Local,
);

// The workflow spec.
pub static SPEC_SYNCHRONIZATION: Rule = rule(
    "spec.synchronization is not enforced",
    "its mutexes and semaphores are not taken, so workflows holding the same lock may run at the same time",
    Scope::All,
);
pub static SPEC_METRICS: Rule =
    rule("spec.metrics are not emitted", "Keelson has no custom Prometheus metrics", Scope::All);
pub static VOLUME_CLAIM_TEMPLATES: Rule = rule(
    "spec.volumeClaimTemplates are not created",
    "no PersistentVolumeClaims exist for the workflow, so in Kubernetes mode pods that mount them cannot start",
    Scope::All,
);
pub static VOLUME_CLAIM_GC: Rule = rule(
    "spec.volumeClaimGC is not used",
    "no claims are created, so none are deleted",
    Scope::All,
);
pub static WORKFLOW_METADATA: Rule = rule(
    "spec.workflowMetadata is not applied",
    "its labels and annotations are not added to the Workflow",
    Scope::All,
);
pub static EXECUTOR_PLUGINS: Rule =
    rule("spec.executorPlugins are not used", "Keelson runs no executor plugins", Scope::All);
pub static SPEC_RESOURCE_CLAIMS: Rule =
    rule("spec.resourceClaims are not applied", "no devices are claimed for the pods", Scope::All);
pub static SPEC_POD_RESOURCES: Rule = rule(
    "spec.podResources are not applied",
    "the pods get no pod-level requests or limits",
    Scope::All,
);
pub static ARGUMENT_FROM_CONFIG_MAP: Rule = rule(
    "workflow parameters from a ConfigMap are not read",
    "the parameter's default is used",
    Scope::All,
);
pub static ARGUMENT_FROM_CONFIG_MAP_NO_DEFAULT: Rule = refuse(
    "workflow parameters from a ConfigMap without a default are refused",
    "the submission is refused",
    Scope::All,
);
pub static SPEC_EXECUTOR: Rule = rule(
    "spec.executor is not used",
    "Keelson's executor runs inside the main container, with the pod's service account",
    Scope::Kubernetes,
);
pub static SPEC_RETRY_AFFINITY: Rule = rule(
    "spec.retryStrategy.affinity is not applied",
    "a retry may run on the node where the last attempt failed",
    Scope::Kubernetes,
);
pub static POD_DISRUPTION_BUDGET: Rule = rule(
    "spec.podDisruptionBudget is not created",
    "the workflow's pods have no disruption budget",
    Scope::Kubernetes,
);
pub static SPEC_VOLUMES: Rule = rule(
    "spec.volumes are not mounted",
    "paths under a mount are this machine's own",
    Scope::Local,
);
pub static SPEC_SECURITY_CONTEXT: Rule = rule(
    "spec.securityContext is not applied",
    "the tasks run as Keelson's own user",
    Scope::Local,
);
pub static SPEC_POD_SPEC_PATCH: Rule = rule(
    "spec.podSpecPatch is not applied",
    "the settings it patches have no effect",
    Scope::Local,
);
pub static SPEC_NAME_RESOLUTION: Rule = rule(
    "spec.hostAliases and spec.dnsConfig are not applied",
    "names resolve as on this machine",
    Scope::Local,
);

// A CronWorkflow.
pub static STOP_STRATEGY: Rule = rule(
    "stopStrategy is not enforced",
    "the CronWorkflow keeps scheduling runs whatever its condition says",
    Scope::All,
);

/// Every rule, for documentation and tests.
pub static RULES: &[&Rule] = &[
    &SYNCHRONIZATION,
    &MEMOIZE,
    &DAEMON,
    &FAIL_FAST,
    &METRICS,
    &UNSUPPORTED_STORE,
    &INPUT_FROM_CONFIG_MAP,
    &DISPLAY_NAME,
    &RESOURCE_CLAIMS,
    &POD_RESOURCES,
    &PENDING_TIMEOUT,
    &EXECUTOR,
    &RETRY_AFFINITY,
    &SIDECARS,
    &INIT_CONTAINERS,
    &VOLUMES,
    &SECURITY_CONTEXT,
    &POD_SPEC_PATCH,
    &RESOURCES,
    &PROBES,
    &NAME_RESOLUTION,
    &ENV_FIELD_REF,
    &SPEC_SYNCHRONIZATION,
    &SPEC_METRICS,
    &VOLUME_CLAIM_TEMPLATES,
    &VOLUME_CLAIM_GC,
    &WORKFLOW_METADATA,
    &EXECUTOR_PLUGINS,
    &SPEC_RESOURCE_CLAIMS,
    &SPEC_POD_RESOURCES,
    &ARGUMENT_FROM_CONFIG_MAP,
    &ARGUMENT_FROM_CONFIG_MAP_NO_DEFAULT,
    &SPEC_EXECUTOR,
    &SPEC_RETRY_AFFINITY,
    &POD_DISRUPTION_BUDGET,
    &SPEC_VOLUMES,
    &SPEC_SECURITY_CONTEXT,
    &SPEC_POD_SPEC_PATCH,
    &SPEC_NAME_RESOLUTION,
    &STOP_STRATEGY,
];

/// A rule a spec trips, at a field.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Relative to the template, or to the workflow spec.
    pub path: FieldPath,
    pub rule: &'static Rule,
}

/// Whether a kept field says anything: `false`, `null`, `""`, `[]` and `{}`
/// ask for nothing.
fn set(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    }
}

struct Gaps(Vec<Gap>);

impl Gaps {
    fn push(&mut self, path: FieldPath, rule: &'static Rule) {
        self.0.push(Gap { path, rule });
    }

    /// Each of `fields` of `map` that is set, under `at`.
    fn fields(
        &mut self,
        map: &serde_json::Map<String, Value>,
        at: &FieldPath,
        fields: &[(&str, &'static Rule)],
    ) {
        for (field, rule) in fields {
            if set(map.get(*field)) {
                self.push(at.key(field), rule);
            }
        }
    }
}

/// The rules a template trips (not those of the templates it calls or
/// holds inline), with paths relative to it.
pub fn template_gaps(t: &Template) -> Vec<Gap> {
    let mut g = Gaps(Vec::new());
    let at = FieldPath::root();
    if t.daemon == Some(true) {
        g.push(at.key("daemon"), &DAEMON);
    }
    if t.fail_fast == Some(true) {
        g.push(at.key("failFast"), &FAIL_FAST);
    }
    g.fields(
        &t.other,
        &at,
        &[
            ("synchronization", &SYNCHRONIZATION),
            ("memoize", &MEMOIZE),
            ("metrics", &METRICS),
            ("resourceClaims", &RESOURCE_CLAIMS),
            ("podResources", &POD_RESOURCES),
            ("pendingTimeout", &PENDING_TIMEOUT),
            ("executor", &EXECUTOR),
            ("sidecars", &SIDECARS),
            ("initContainers", &INIT_CONTAINERS),
            ("volumes", &VOLUMES),
            ("securityContext", &SECURITY_CONTEXT),
            ("podSpecPatch", &POD_SPEC_PATCH),
            ("hostAliases", &NAME_RESOLUTION),
        ],
    );
    let display = "workflows.argoproj.io/display-name";
    if set(t.other.get("annotations").and_then(|a| a.get(display))) {
        g.push(at.key("annotations").key(display), &DISPLAY_NAME);
    }
    if let Some(a) = t.retry_strategy.as_ref().and_then(|r| r.affinity.as_ref())
        && set(Some(a))
    {
        g.push(at.key("retryStrategy").key("affinity"), &RETRY_AFFINITY);
    }
    if let Some(l) = &t.archive_location {
        store(&mut g, l, &at.key("archiveLocation"));
    }
    for (i, a) in t.outputs.artifacts.iter().enumerate() {
        let ap = at.key("outputs").key("artifacts").index(i);
        store(&mut g, &a.location, &ap);
    }
    for (i, a) in t.inputs.artifacts.iter().enumerate() {
        let ap = at.key("inputs").key("artifacts").index(i);
        store(&mut g, &a.location, &ap);
    }
    for (i, p) in t.inputs.parameters.iter().enumerate() {
        let from_config_map = p.value_from.as_ref().is_some_and(|f| f.config_map_key_ref.is_some());
        if from_config_map && p.value.is_none() && p.default.is_none() {
            let pp = at.key("inputs").key("parameters").index(i);
            g.push(pp.key("valueFrom").key("configMapKeyRef"), &INPUT_FROM_CONFIG_MAP);
        }
    }
    if let Some(c) = &t.container {
        container(&mut g, c, &at.key("container"));
    }
    if let Some(s) = &t.script {
        container(&mut g, &s.container, &at.key("script"));
    }
    g.0
}

/// A location in a store Keelson does not support.
fn store(g: &mut Gaps, l: &ArtifactLocation, at: &FieldPath) {
    if let Some(k) = l.kind().filter(|k| !k.is_supported()) {
        g.push(at.key(k.field()), &UNSUPPORTED_STORE);
    }
}

fn container(g: &mut Gaps, c: &Container, at: &FieldPath) {
    g.fields(
        &c.other,
        at,
        &[
            ("resources", &RESOURCES),
            ("volumeMounts", &VOLUMES),
            ("volumeDevices", &VOLUMES),
            ("securityContext", &SECURITY_CONTEXT),
            ("livenessProbe", &PROBES),
            ("readinessProbe", &PROBES),
            ("startupProbe", &PROBES),
            ("lifecycle", &PROBES),
        ],
    );
    for (i, e) in c.env.iter().enumerate() {
        let Some(from) = &e.value_from else { continue };
        let field_ref = from.other.get("fieldRef");
        let pod_name = field_ref.and_then(|f| f.get("fieldPath")).and_then(Value::as_str)
            == Some("metadata.name");
        let other_source =
            set(from.other.get("resourceFieldRef")) || set(from.other.get("fileKeyRef"));
        if (set(field_ref) && !pod_name) || other_source {
            g.push(at.key("env").index(i).key("valueFrom"), &ENV_FIELD_REF);
        }
    }
}

/// The rules the workflow-level fields of a spec trip (not its
/// templates'), with paths relative to the spec.
pub fn spec_gaps(s: &WorkflowSpec) -> Vec<Gap> {
    let mut g = Gaps(Vec::new());
    let at = FieldPath::root();
    g.fields(
        &s.other,
        &at,
        &[
            ("synchronization", &SPEC_SYNCHRONIZATION),
            ("metrics", &SPEC_METRICS),
            ("volumeClaimTemplates", &VOLUME_CLAIM_TEMPLATES),
            ("volumeClaimGC", &VOLUME_CLAIM_GC),
            ("workflowMetadata", &WORKFLOW_METADATA),
            ("executorPlugins", &EXECUTOR_PLUGINS),
            ("resourceClaims", &SPEC_RESOURCE_CLAIMS),
            ("podResources", &SPEC_POD_RESOURCES),
            ("executor", &SPEC_EXECUTOR),
            ("podDisruptionBudget", &POD_DISRUPTION_BUDGET),
            ("volumes", &SPEC_VOLUMES),
            ("securityContext", &SPEC_SECURITY_CONTEXT),
            ("podSpecPatch", &SPEC_POD_SPEC_PATCH),
            ("hostAliases", &SPEC_NAME_RESOLUTION),
            ("dnsConfig", &SPEC_NAME_RESOLUTION),
        ],
    );
    if let Some(a) = s.retry_strategy.as_ref().and_then(|r| r.affinity.as_ref())
        && set(Some(a))
    {
        g.push(at.key("retryStrategy").key("affinity"), &SPEC_RETRY_AFFINITY);
    }
    for (i, a) in s.arguments.artifacts.iter().enumerate() {
        store(&mut g, &a.location, &at.key("arguments").key("artifacts").index(i));
    }
    for (i, p) in s.arguments.parameters.iter().enumerate() {
        let Some(from) = &p.value_from else { continue };
        if from.config_map_key_ref.is_none() || p.value.is_some() {
            continue;
        }
        let pp = at.key("arguments").key("parameters").index(i);
        let rule = if from.default.is_some() {
            &ARGUMENT_FROM_CONFIG_MAP
        } else {
            &ARGUMENT_FROM_CONFIG_MAP_NO_DEFAULT
        };
        g.push(pp.key("valueFrom").key("configMapKeyRef"), rule);
    }
    g.0
}

/// The rules a CronWorkflow's own fields trip (its `workflowSpec` aside),
/// with paths relative to its spec.
pub fn cron_gaps(c: &CronWorkflowSpec) -> Vec<Gap> {
    let mut g = Gaps(Vec::new());
    if set(c.stop_strategy.as_ref()) {
        g.push(FieldPath::root().key("stopStrategy"), &STOP_STRATEGY);
    }
    g.0
}

/// A gap found in a run's plan: the template it is in (by name), or the
/// workflow spec (`None`).
#[derive(Debug, Clone, PartialEq)]
pub struct NotEnforced {
    pub template: Option<String>,
    pub gap: Gap,
}

/// One line per rule, naming the templates it was found in, e.g.
/// `synchronization is not enforced (templates a, b): its mutexes …`.
/// In rule order, so the text is the same on every run.
pub fn summarize<'a>(found: impl IntoIterator<Item = &'a NotEnforced>) -> Vec<String> {
    let mut by_rule: Vec<(&'static Rule, Vec<&str>)> = Vec::new();
    for f in found {
        let names = match by_rule.iter_mut().find(|(r, _)| **r == *f.gap.rule) {
            Some((_, names)) => names,
            None => {
                by_rule.push((f.gap.rule, Vec::new()));
                let last = by_rule.len() - 1;
                &mut by_rule[last].1
            }
        };
        if let Some(t) = &f.template
            && !names.contains(&t.as_str())
        {
            names.push(t);
        }
    }
    let order = |r: &Rule| RULES.iter().position(|x| **x == *r).unwrap_or(usize::MAX);
    by_rule.sort_by_key(|(r, _)| order(r));
    by_rule
        .into_iter()
        .map(|(rule, mut names)| {
            names.sort_unstable();
            let within = match names.as_slice() {
                [] => String::new(),
                [one] => format!(" (template {one})"),
                many => format!(" (templates {})", many.join(", ")),
            };
            format!("{}{within}: {}", rule.message(), rule.effect)
        })
        .collect()
}

#[cfg(test)]
mod tests;
