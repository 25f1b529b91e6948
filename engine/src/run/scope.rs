//! The variables a node sees, as Argo's flat keys on top of `expr::Vars`.

use serde_json::Value;

use super::Run;
use crate::expr::Vars;

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
    }
}

/// Global outputs published since the frame's scope was made.
pub fn add_global_outputs(vars: &mut Vars, run: &Run) {
    for (k, v) in &run.book.global_outputs {
        vars.insert(format!("workflow.outputs.parameters.{k}"), Value::String(v.clone()));
    }
}

/// Call-site arguments with their tags replaced; every one must resolve,
/// except that an argument which is exactly one reference to a step's or
/// task's output that is absent (its producer was skipped, with no
/// default) counts as not supplied, so the input's own default applies
/// (Argo ≥ 4.0.7).
pub fn arguments(
    params: &[crate::spec::Parameter],
    vars: &Vars,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for p in params {
        let raw = p.value.as_ref().map(|v| v.0.as_str()).unwrap_or_default();
        match crate::substitute::string(raw, vars, crate::substitute::Mode::Strict) {
            Ok(v) => out.push((p.name.clone(), v.into_owned())),
            Err(_) if is_output_reference(raw) => {}
            Err(e) => return Err(e.message),
        }
    }
    Ok(out)
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
