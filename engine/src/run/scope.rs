//! The variables a node sees, as Argo's flat keys on top of `expr::Vars`.

use serde_json::Value;

use super::Run;
use crate::expr::Vars;
use crate::spec::{Arguments, Artifact};

/// Add what a finished step or task exposes as `<prefix>.<name>.…`.
pub fn add_node(vars: &mut Vars, run: &Run, prefix: &str, name: &str, id: &str) {
    let Some(n) = run.status.nodes.get(id) else { return };
    let key = |k: &str| format!("{prefix}.{name}.{k}");
    let s = |v: &str| Value::String(v.to_string());
    vars.insert(key("id"), s(&n.id));
    vars.insert(key("status"), s(n.phase.as_str()));
    if let Some(t) = n.started_at {
        vars.insert(key("startedAt"), s(&t.to_string()));
    }
    if let Some(t) = n.finished_at {
        vars.insert(key("finishedAt"), s(&t.to_string()));
    }
    if matches!(n.phase, crate::status::NodePhase::Skipped | crate::status::NodePhase::Omitted) {
        // A skipped producer has no outputs; its declared defaults stand in.
        let t = n.template_name.as_deref().and_then(|t| run.plan.template(t));
        // Without one the value is absent: nil to expressions.
        for p in t.iter().flat_map(|t| &t.outputs.parameters) {
            let k = key(&format!("outputs.parameters.{}", p.name));
            match p.value_from.as_ref().and_then(|f| f.default.as_ref()) {
                Some(d) => vars.insert(k, s(&d.0)),
                None => vars.insert(k, Value::Null),
            }
        }
    }
    if let Some(o) = &n.outputs {
        if let Some(r) = &o.result {
            vars.insert(key("outputs.result"), s(r));
        }
        if let Some(c) = &o.exit_code {
            vars.insert(key("exitCode"), s(c));
        }
        for p in &o.parameters {
            if let Some(v) = &p.value {
                vars.insert(key(&format!("outputs.parameters.{}", p.name)), s(v));
            }
        }
        add_artifacts(vars, &format!("{prefix}.{name}"), &o.artifacts);
    }
}

/// Global outputs published since the frame's scope was made.
pub fn add_global_outputs(vars: &mut Vars, run: &Run) {
    for (k, v) in &run.book.global_outputs {
        vars.insert(format!("workflow.outputs.parameters.{k}"), Value::String(v.clone()));
    }
    add_artifacts(vars, "workflow", &run.book.global_artifacts);
}

/// What a call passes to a template: parameter values and artifacts,
/// resolved in the caller's scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    pub parameters: Vec<(String, String)>,
    /// Each with its location (`from`/`fromExpression` already followed).
    pub artifacts: Vec<Artifact>,
}

impl Args {
    /// The arguments as written, for when they cannot be resolved (the
    /// workflow's exit handler still runs).
    pub fn literal(arguments: &Arguments) -> Args {
        let parameters = arguments
            .parameters
            .iter()
            .filter_map(|p| p.value.as_ref().map(|v| (p.name.clone(), v.0.clone())))
            .collect();
        Args { parameters, artifacts: Vec::new() }
    }
}

/// Call-site arguments with their tags replaced; every one must resolve,
/// except that an argument which is exactly one reference to a step's or
/// task's output that is absent (its producer was skipped, with no
/// default) counts as not supplied, so the input's own default applies
/// (Argo ≥ 4.0.7), and an optional artifact that cannot be found is not
/// passed.
pub fn arguments(arguments: &Arguments, vars: &Vars) -> Result<Args, String> {
    let mut out = Args::default();
    for p in &arguments.parameters {
        let raw = p.value.as_ref().map(|v| v.0.as_str()).unwrap_or_default();
        match crate::substitute::string(raw, vars, crate::substitute::Mode::Strict) {
            Ok(v) => out.parameters.push((p.name.clone(), v.into_owned())),
            Err(_) if is_output_reference(raw) => {}
            Err(e) => return Err(e.message),
        }
    }
    for a in &arguments.artifacts {
        match artifact(a, vars) {
            Ok(Some(found)) => out.artifacts.push(found),
            Ok(None) => {}
            Err(_) if a.is_optional() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// An artifact as a call or a template's outputs give it: `from` (a
/// reference to an artifact in scope), `fromExpression` (an expression
/// whose value is one), or a location written out, with its tags
/// replaced. `subPath` is appended to the key. `None` when it names no
/// source at all.
pub fn artifact(a: &Artifact, vars: &Vars) -> Result<Option<Artifact>, String> {
    let mut found = if let Some(from) = &a.from {
        let name = from.trim();
        let name = name.strip_prefix("{{").and_then(|n| n.strip_suffix("}}")).unwrap_or(name);
        let value = vars
            .get(name.trim())
            .filter(|v| v.is_object())
            .ok_or_else(|| format!("Unable to resolve: {from:?}"))?;
        stored(value, from)?
    } else if let Some(e) = &a.from_expression {
        let value = crate::expr::eval(e, vars)
            .map_err(|err| format!("unable to evaluate fromExpression {e:?}: {}", err.message))?;
        if value.is_null() {
            return Err(format!("fromExpression {e:?} evaluated to nil"));
        }
        stored(&value, e)?
    } else if a.location.has_store() {
        let json = serde_json::to_value(a).map_err(|e| e.to_string())?;
        let json = crate::substitute::value(&json, vars, crate::substitute::Mode::Strict)
            .map_err(|e| e.message)?;
        stored(&json, &a.name)?
    } else {
        return Ok(None);
    };
    found.name = a.name.clone();
    found.from = None;
    found.from_expression = None;
    found.global_name = a.global_name.clone();
    found.optional = a.optional.or(found.optional);
    if let Some(sub) = &a.sub_path {
        let sub = crate::substitute::string(sub, vars, crate::substitute::Mode::Strict)
            .map_err(|e| e.message)?;
        let key = found.location.key().unwrap_or_default().trim_end_matches('/').to_string();
        let joined = format!("{key}/{}", sub.trim_start_matches('/'));
        if !found.location.set_key(joined) {
            return Err(format!("artifact '{}': subPath needs an artifact with a key", a.name));
        }
    }
    Ok(Some(found))
}

fn stored(value: &Value, source: &str) -> Result<Artifact, String> {
    serde_json::from_value(value.clone())
        .map_err(|e| format!("{source:?} does not name an artifact: {e}"))
}

/// Add a finished node's artifacts as `<prefix>.outputs.artifacts.<name>`.
pub fn add_artifacts(vars: &mut Vars, prefix: &str, artifacts: &[Artifact]) {
    for a in artifacts {
        if let Ok(v) = serde_json::to_value(a) {
            vars.insert(format!("{prefix}.outputs.artifacts.{}", a.name), v);
        }
    }
}

/// `{{steps.X.outputs.parameters.P}}` or `{{tasks.X.outputs.parameters.P}}`
/// and nothing else.
fn is_output_reference(raw: &str) -> bool {
    let Some(inner) = raw.trim().strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) else {
        return false;
    };
    let inner = inner.trim();
    (inner.starts_with("steps.") || inner.starts_with("tasks."))
        && inner.contains(".outputs.parameters.")
        && !inner.contains("{{")
}

/// A looped step's or task's aggregated outputs, from its iterations in
/// order (Argo's `processAggregateNodeOutputs`).
pub fn add_aggregate(
    vars: &mut Vars,
    prefix: &str,
    name: &str,
    children: &[&crate::status::NodeStatus],
) {
    let outputs: Vec<Option<&crate::status::NodeOutputs>> = children
        .iter()
        .map(|n| {
            (n.phase == crate::status::NodePhase::Succeeded).then_some(n.outputs.as_ref()).flatten()
        })
        .collect();
    if let Ok(pairs) = crate::loops::aggregate_outputs(&outputs) {
        for (k, v) in pairs {
            vars.insert(format!("{prefix}.{name}.{k}"), Value::String(v));
        }
    }
}
