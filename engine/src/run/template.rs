//! Executing a template for a node: bind its inputs, then hand over to the
//! kind of template it is (Argo's `executeTemplate`).

use serde_json::{Value, json};

use super::bookkeeping::{ExitCall, FrameKind};
use super::node::NewNode;
use super::scope::Args;
use super::tick::Tick;
use super::{Run, dag, node, pod, retry_node, steps, suspend};
use crate::expr::Vars;
use crate::spec::{AnyString, Arguments, Call, CallFlow, Parameter, TemplateKind};
use crate::status::{NodePhase, NodeType, node_id};
use crate::substitute::{self, Mode};

/// One request to run a template as a node.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// The node's name (`wf[0].step`, `wf.task(0:x)`, …).
    pub name: &'a str,
    /// The template's key in the plan.
    pub key: &'a str,
    /// Arguments, already substituted.
    pub args: &'a Args,
    pub boundary: Option<&'a str>,
    /// Extra variables: `retries`, `lastRetry.*`, `workflow.status`, …
    pub locals: &'a [(String, String)],
    /// An attempt of a Retry node (does not retry again).
    pub attempt: bool,
    /// Part of an exit handler: runs under `Stop` and past the deadline.
    pub in_exit: bool,
}

/// The root node: the entrypoint with the workflow's parameters.
pub fn start_entrypoint(t: &mut Tick) {
    let plan = t.run.plan.clone();
    let mut args = Args::literal(&plan.spec.arguments);
    // `spec.arguments.artifacts` name their locations (tags in them see
    // the workflow's variables).
    for a in &plan.spec.arguments.artifacts {
        match super::scope::artifact(a, &plan.globals) {
            Ok(Some(found)) => args.artifacts.push(found),
            Ok(None) => {}
            Err(msg) => {
                let msg = format!("spec.arguments.artifacts.{}: {msg}", a.name);
                error_node(t, &plan.name, Some(shown_name(&plan.entrypoint)), None, msg);
                return;
            }
        }
    }
    let inv = Invocation {
        name: &plan.name,
        key: &plan.entrypoint,
        args: &args,
        boundary: None,
        locals: &[],
        attempt: false,
        in_exit: false,
    };
    execute(t, &inv);
}

/// Create and start the node `inv.name` running its template. Returns the
/// node's ID.
pub fn execute(t: &mut Tick, inv: &Invocation) -> String {
    let plan = t.run.plan.clone();
    let shown = shown_name(inv.key);
    let Some(template) = plan.template(inv.key) else {
        let msg = format!("template name '{shown}' undefined");
        return error_node(t, inv.name, Some(shown), inv.boundary, msg);
    };
    if template.daemon == Some(true) {
        let msg = format!(
            "template '{shown}' is a daemon (daemon: true): Keelson does not run daemon templates"
        );
        return error_node(t, inv.name, Some(shown), inv.boundary, msg);
    }
    let inputs = &template.inputs.parameters;
    let mut vars = match bind_inputs(inputs, &inv.args.parameters, &t.run.globals(), inv.locals) {
        Ok(v) => v,
        Err(msg) => return error_node(t, inv.name, Some(shown), inv.boundary, msg),
    };
    let artifacts = match bind_artifacts(&template.inputs.artifacts, &inv.args.artifacts, &mut vars)
    {
        Ok(a) => a,
        Err(msg) => return error_node(t, inv.name, Some(shown), inv.boundary, msg),
    };
    // Sprig's `date` of "now" sees the time the template started.
    vars.set_clock(t.now.0);
    if !inv.attempt
        && let Some(s) = template.retry_strategy.as_ref().or(plan.spec.retry_strategy.as_ref())
    {
        return retry_node::start(t, inv, template, s, &vars);
    }
    let Some(kind) = template.kind() else {
        let msg = format!("template '{shown}' type is unknown");
        return error_node(t, inv.name, Some(shown), inv.boundary, msg);
    };
    let (node_type, phase) = match kind {
        TemplateKind::Container | TemplateKind::Script => (NodeType::Pod, NodePhase::Pending),
        TemplateKind::Steps => (NodeType::Steps, NodePhase::Running),
        TemplateKind::Dag => (NodeType::Dag, NodePhase::Running),
        TemplateKind::Suspend => (NodeType::Suspend, NodePhase::Running),
        other => {
            let msg = format!("Keelson does not run `{}` templates", other.field());
            return error_node(t, inv.name, Some(shown), inv.boundary, msg);
        }
    };
    let new = NewNode {
        name: inv.name,
        node_type,
        template: Some(shown),
        boundary: inv.boundary,
        phase,
        message: String::new(),
    };
    let id = node::create(t, new);
    if let Some(n) = t.run.status.nodes.get_mut(&id) {
        n.template_ref = plan.templates.template_ref(inv.key);
    }
    record_inputs(t.run, &id, inputs, &vars);
    record_artifacts(t.run, &id, artifacts);
    match kind {
        TemplateKind::Container | TemplateKind::Script => pod::launch(t, &id, inv, template, vars),
        TemplateKind::Steps => steps::start(t, &id, inv, vars),
        TemplateKind::Suspend => suspend::start(t, &id, inv.key, template, &vars),
        _ => dag::start(t, &id, inv, vars),
    }
    id
}

/// The name a node shows for the template under `key`.
pub fn shown_name(key: &str) -> &str {
    let last = key.rsplit('/').next().unwrap_or(key);
    last.strip_prefix("inline:").unwrap_or(last)
}

/// Where a step or task is called from and what it says about the call.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The key of the template the call runs.
    pub key: &'a str,
    /// The calling template's key (where `onExit` names resolve).
    pub from: &'a str,
    pub flow: &'a CallFlow,
    pub arguments: &'a Arguments,
    /// `steps` or `tasks`, and the step's or task's own name.
    pub prefix: &'static str,
    pub step: &'a str,
    pub in_exit: bool,
}

/// A step, task or loop iteration: its `when` (false ⇒ a Skipped node
/// saying why), its arguments, its exit handler, then the template.
/// Shared by steps and DAGs.
pub fn call(t: &mut Tick, name: &str, site: &Site, boundary: &str, vars: &Vars) -> String {
    let shown = Some(shown_name(site.key));
    if let Some(w) = &site.flow.when {
        match evaluate_when(w, vars) {
            Ok(true) => {}
            Ok(false) => {
                let shown_when = substitute::string(w, vars, Mode::AllowUnresolved)
                    .map(|s| s.into_owned())
                    .unwrap_or_else(|_| w.to_string());
                let message = format!("when '{shown_when}' evaluated false");
                let new = NewNode {
                    name,
                    node_type: NodeType::Skipped,
                    template: shown,
                    boundary: Some(boundary),
                    phase: NodePhase::Skipped,
                    message,
                };
                return node::create(t, new);
            }
            Err(msg) => return error_node(t, name, shown, Some(boundary), msg),
        }
    }
    let args = match super::scope::arguments(site.arguments, vars) {
        Ok(a) => a,
        Err(msg) => return error_node(t, name, shown, Some(boundary), msg),
    };
    let run = &mut *t.run;
    match exit_call(run, site, vars) {
        Ok(Some(exit)) => {
            run.book.exits.insert(node_id(&run.plan.name, name), exit);
        }
        Ok(None) => {}
        Err(msg) => return error_node(t, name, shown, Some(boundary), msg),
    }
    if site.flow.hooks.keys().any(|k| k != "exit") {
        super::hooks::register(run, &node_id(&run.plan.name, name), site, vars);
    }
    let inv = Invocation {
        name,
        key: site.key,
        args: &args,
        boundary: Some(boundary),
        locals: &[],
        attempt: false,
        in_exit: site.in_exit,
    };
    execute(t, &inv)
}

/// The step's or task's exit handler: `hooks.exit`, else `onExit`.
fn exit_call(run: &Run, site: &Site, vars: &Vars) -> Result<Option<ExitCall>, String> {
    let c = site.flow;
    let (key, arguments, expression) = match (c.hooks.get("exit"), &c.on_exit) {
        (Some(h), _) => {
            let hook_name = format!("{}.hooks.exit", site.step);
            let key = run.plan.templates.resolve(site.from, &h.call, &hook_name)?;
            (key, h.call.arguments.clone(), h.expression.clone())
        }
        (None, Some(t)) => {
            // Argo passes the workflow's arguments to a step's `onExit`.
            let key = run.plan.templates.named(site.from, t)?;
            (key, run.plan.spec.arguments.clone(), None)
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(ExitCall {
        key,
        arguments,
        expression,
        vars: vars.clone(),
        prefix: site.prefix,
        step: site.step.to_string(),
    }))
}

/// Substitute a `when`, then evaluate it with govaluate's rules.
pub fn evaluate_when(w: &str, vars: &Vars) -> Result<bool, String> {
    let text = substitute::string(w, vars, Mode::Strict).map_err(|e| e.message)?;
    crate::when::eval(&text).map_err(|e| e.message)
}

/// The key of the template a step or task calls.
pub fn callable(run: &Run, from: &str, call: &Call, name: &str) -> Result<String, String> {
    run.plan.templates.resolve(from, call, name)
}

/// A node that did not run: type Skipped, phase Skipped, saying why.
pub fn skipped_node(
    t: &mut Tick,
    name: &str,
    template: &str,
    boundary: &str,
    message: String,
) -> String {
    let new = NewNode {
        name,
        node_type: NodeType::Skipped,
        template: Some(shown_name(template)),
        boundary: Some(boundary),
        phase: NodePhase::Skipped,
        message,
    };
    node::create(t, new)
}

/// A node that failed before it could start: type Skipped, phase Error.
pub fn error_node(
    t: &mut Tick,
    name: &str,
    template: Option<&str>,
    boundary: Option<&str>,
    message: String,
) -> String {
    let new = NewNode {
        name,
        node_type: NodeType::Skipped,
        template,
        boundary,
        phase: NodePhase::Error,
        message,
    };
    node::create(t, new)
}

/// The template's scope: globals, locals, then each input parameter's
/// value — the argument passed, else its `value`, else its `default`.
fn bind_inputs(
    inputs: &[Parameter],
    args: &[(String, String)],
    globals: &Vars,
    locals: &[(String, String)],
) -> Result<Vars, String> {
    let mut vars = globals.clone();
    for (k, v) in locals {
        vars.insert(k.clone(), Value::String(v.clone()));
    }
    let mut all = Vec::new();
    for p in inputs {
        let given = args.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v.clone());
        let own = p.value.as_ref().or(p.default.as_ref()).map(|v: &AnyString| v.0.clone());
        let value = match (given, own) {
            (Some(v), _) => v,
            (None, Some(v)) => substitute::string(&v, &vars, Mode::AllowUnresolved)
                .map_err(|e| e.message)?
                .into_owned(),
            (None, None)
                if p.value_from.as_ref().is_some_and(|f| f.config_map_key_ref.is_some()) =>
            {
                return Err(format!(
                    "inputs.parameters.{}: valueFrom.configMapKeyRef is not supported; pass the value as an argument",
                    p.name
                ));
            }
            (None, None) => return Err(format!("inputs.parameters.{} was not supplied", p.name)),
        };
        if !p.enum_values.is_empty() && !p.enum_values.iter().any(|e| e.0 == value) {
            return Err(format!("inputs.parameters.{} value {value:?} is not in its enum", p.name));
        }
        vars.insert(format!("inputs.parameters.{}", p.name), Value::String(value.clone()));
        all.push(json!({"name": p.name, "value": value}));
    }
    if !all.is_empty() {
        vars.insert("inputs.parameters", Value::String(Value::Array(all).to_string()));
    }
    Ok(vars)
}

/// The template's input artifacts: each declaration (its `path`, `mode`,
/// `optional`) with the location the caller passed, else its own (tags
/// replaced), else none (loading it will say it was not supplied, unless
/// it is optional). Adds `inputs.artifacts.<name>` (the artifact) and
/// `inputs.artifacts.<name>.path` to `vars`.
fn bind_artifacts(
    declared: &[crate::spec::Artifact],
    given: &[crate::spec::Artifact],
    vars: &mut Vars,
) -> Result<Vec<crate::spec::Artifact>, String> {
    let mut bound = Vec::new();
    for d in declared {
        let source = match given.iter().find(|g| g.name == d.name) {
            Some(g) => Some(g.clone()),
            None => super::scope::artifact(d, vars)
                .map_err(|msg| format!("inputs.artifacts.{}: {msg}", d.name))?,
        };
        let mut a = d.clone();
        a.from = None;
        a.from_expression = None;
        a.sub_path = None;
        if let Some(s) = source {
            a.location = s.location;
            if a.archive.is_none() {
                a.archive = s.archive;
            }
        }
        if let Some(path) = &a.path {
            let path = substitute::string(path, vars, Mode::Strict).map_err(|e| e.message)?;
            a.path = Some(path.into_owned());
        }
        if let Some(p) = &a.path {
            vars.insert(format!("inputs.artifacts.{}.path", a.name), Value::String(p.clone()));
        }
        if let Ok(v) = serde_json::to_value(&a) {
            vars.insert(format!("inputs.artifacts.{}", a.name), v);
        }
        bound.push(a);
    }
    Ok(bound)
}

/// Keep the bound input artifacts on the node.
fn record_artifacts(run: &mut Run, id: &str, artifacts: Vec<crate::spec::Artifact>) {
    if artifacts.is_empty() {
        return;
    }
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.inputs.get_or_insert_with(Default::default).artifacts = artifacts;
    }
}

/// Keep the resolved inputs on the node, as Argo shows them.
pub fn record_inputs(run: &mut Run, id: &str, inputs: &[Parameter], vars: &Vars) {
    if inputs.is_empty() {
        return;
    }
    let params = inputs
        .iter()
        .map(|p| Parameter {
            name: p.name.clone(),
            value: vars
                .get(&format!("inputs.parameters.{}", p.name))
                .and_then(Value::as_str)
                .map(|v| AnyString(v.to_string())),
            ..Default::default()
        })
        .collect();
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.inputs = Some(crate::spec::Inputs { parameters: params, ..Default::default() });
    }
}

/// A child of the Steps or DAG node `frame` finished.
pub fn child_done(t: &mut Tick, frame: &str, child: &str) {
    match t.run.book.frames.get(frame).map(|f| matches!(f.kind, FrameKind::Steps { .. })) {
        Some(true) => steps::child_done(t, frame),
        Some(false) => dag::child_done(t, frame, child),
        None => {}
    }
}
