//! Executing a template for a node: bind its inputs, then hand over to the
//! kind of template it is (Argo's `executeTemplate`, without the parts
//! that are not built yet).

use serde_json::{Value, json};

use super::book::FrameKind;
use super::{Action, Run, dag, node, pod, steps};
use crate::expr::Vars;
use crate::spec::{AnyString, Call, Control, Parameter, TemplateKind};
use crate::status::{NodePhase, NodeType, Time};
use crate::substitute::{self, Mode};

/// The root node: the entrypoint with the workflow's parameters.
pub fn start_entrypoint(run: &mut Run, now: Time, out: &mut Vec<Action>) {
    let plan = run.plan.clone();
    let args: Vec<(String, String)> = plan
        .spec
        .arguments
        .parameters
        .iter()
        .filter_map(|p| p.value.as_ref().map(|v| (p.name.clone(), v.0.clone())))
        .collect();
    execute(run, &plan.name, &plan.entrypoint, &args, None, now, out);
}

/// Create and start the node `name` running template `template_name` with
/// `args` (already substituted by the caller). Returns the node's ID.
pub fn execute(
    run: &mut Run,
    name: &str,
    template_name: &str,
    args: &[(String, String)],
    boundary: Option<&str>,
    now: Time,
    out: &mut Vec<Action>,
) -> String {
    let plan = run.plan.clone();
    let Some(t) = plan.template(template_name) else {
        let msg = format!("template name '{template_name}' undefined");
        return error_node(run, name, Some(template_name), boundary, msg, now);
    };
    let vars = match bind_inputs(&t.inputs.parameters, args, &plan.globals) {
        Ok(v) => v,
        Err(msg) => return error_node(run, name, Some(template_name), boundary, msg, now),
    };
    let kind = match t.kind() {
        Some(k) => k,
        None => {
            let msg = format!("template '{template_name}' type is unknown");
            return error_node(run, name, Some(template_name), boundary, msg, now);
        }
    };
    let node_type = match kind {
        TemplateKind::Container | TemplateKind::Script => NodeType::Pod,
        TemplateKind::Steps => NodeType::Steps,
        TemplateKind::Dag => NodeType::Dag,
        other => {
            let msg = format!("Keelson cannot run `{}` templates yet", other.field());
            return error_node(run, name, Some(template_name), boundary, msg, now);
        }
    };
    if t.retry_strategy.is_some() || plan.spec.retry_strategy.is_some() {
        let msg = "retryStrategy is not supported by this version of Keelson yet".to_string();
        return error_node(run, name, Some(template_name), boundary, msg, now);
    }
    let phase = if node_type == NodeType::Pod { NodePhase::Pending } else { NodePhase::Running };
    let id = node::create(
        run,
        name,
        node_type,
        Some(template_name),
        boundary,
        phase,
        String::new(),
        now,
    );
    record_inputs(run, &id, &t.inputs.parameters, &vars);
    match kind {
        TemplateKind::Container | TemplateKind::Script => pod::launch(run, &id, t, vars, now, out),
        TemplateKind::Steps => steps::start(run, &id, template_name, vars, now, out),
        _ => dag::start(run, &id, template_name, vars, now, out),
    }
    id
}

/// A step, task or loop iteration: its `when` (false ⇒ a Skipped node
/// saying why), its arguments, then the template. Shared by steps and DAGs.
#[allow(clippy::too_many_arguments)]
pub fn call(
    run: &mut Run,
    name: &str,
    template: &str,
    when: Option<&str>,
    arguments: &[Parameter],
    boundary: &str,
    vars: &Vars,
    now: Time,
    out: &mut Vec<Action>,
) -> String {
    if let Some(w) = when {
        match evaluate_when(w, vars) {
            Ok(true) => {}
            Ok(false) => {
                let shown = substitute::string(w, vars, Mode::AllowUnresolved)
                    .map(|s| s.into_owned())
                    .unwrap_or_else(|_| w.to_string());
                let msg = format!("when '{shown}' evaluated false");
                let t = Some(template);
                return node::create(
                    run,
                    name,
                    NodeType::Skipped,
                    t,
                    Some(boundary),
                    NodePhase::Skipped,
                    msg,
                    now,
                );
            }
            Err(msg) => return error_node(run, name, Some(template), Some(boundary), msg, now),
        }
    }
    match super::scope::arguments(arguments, vars) {
        Ok(args) => execute(run, name, template, &args, Some(boundary), now, out),
        Err(msg) => error_node(run, name, Some(template), Some(boundary), msg, now),
    }
}

/// Substitute a `when`, then evaluate it with govaluate's rules.
pub fn evaluate_when(w: &str, vars: &Vars) -> Result<bool, String> {
    let text = substitute::string(w, vars, Mode::Strict).map_err(|e| e.message)?;
    crate::when::eval(&text).map_err(|e| e.message)
}

/// What a step or task calls, or why this version cannot run it yet.
pub fn callable<'a>(call: &'a Call, control: &Control) -> Result<&'a str, String> {
    if !control.hooks.is_empty() || control.on_exit.is_some() {
        return Err("hooks and onExit are not supported by this version of Keelson yet".into());
    }
    call.template.as_deref().ok_or_else(|| {
        "templateRef and inline templates are not supported by this version of Keelson yet".into()
    })
}

/// A node that did not run: type Skipped, phase Skipped, saying why.
pub fn skipped_node(
    run: &mut Run,
    name: &str,
    template: &str,
    boundary: &str,
    message: String,
    now: Time,
) -> String {
    let b = Some(boundary);
    node::create(run, name, NodeType::Skipped, Some(template), b, NodePhase::Skipped, message, now)
}

/// A node that failed before it could start: type Skipped, phase Error.
pub fn error_node(
    run: &mut Run,
    name: &str,
    template: Option<&str>,
    boundary: Option<&str>,
    message: String,
    now: Time,
) -> String {
    node::create(run, name, NodeType::Skipped, template, boundary, NodePhase::Error, message, now)
}

/// The template's scope: globals plus each input parameter's value —
/// the argument passed, else its `value`, else its `default`.
fn bind_inputs(
    inputs: &[Parameter],
    args: &[(String, String)],
    globals: &Vars,
) -> Result<Vars, String> {
    let mut vars = globals.clone();
    let mut all = Vec::new();
    for p in inputs {
        let given = args.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v.clone());
        let own = p.value.as_ref().or(p.default.as_ref()).map(|v: &AnyString| v.0.clone());
        let value = match (given, own) {
            (Some(v), _) => v,
            (None, Some(v)) => substitute::string(&v, globals, Mode::AllowUnresolved)
                .map_err(|e| e.message)?
                .into_owned(),
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

/// Keep the resolved inputs on the node, as Argo shows them.
fn record_inputs(run: &mut Run, id: &str, inputs: &[Parameter], vars: &Vars) {
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
pub fn child_done(run: &mut Run, frame: &str, child: &str, now: Time, out: &mut Vec<Action>) {
    match run.book.frames.get(frame).map(|f| matches!(f.kind, FrameKind::Steps { .. })) {
        Some(true) => steps::advance(run, frame, now, out),
        Some(false) => dag::child_done(run, frame, child, now, out),
        None => {}
    }
}
