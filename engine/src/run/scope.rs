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
    vars.insert(key("status"), s(phase_name(n.phase)));
    if let Some(t) = n.started_at {
        vars.insert(key("startedAt"), s(&t.to_string()));
    }
    if let Some(t) = n.finished_at {
        vars.insert(key("finishedAt"), s(&t.to_string()));
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

pub fn phase_name(p: crate::status::NodePhase) -> &'static str {
    use crate::status::NodePhase::*;
    match p {
        Pending => "Pending",
        Running => "Running",
        Succeeded => "Succeeded",
        Skipped => "Skipped",
        Failed => "Failed",
        Error => "Error",
        Omitted => "Omitted",
    }
}

/// Call-site arguments with their tags replaced; every one must resolve.
pub fn arguments(
    params: &[crate::spec::Parameter],
    vars: &Vars,
) -> Result<Vec<(String, String)>, String> {
    params
        .iter()
        .map(|p| {
            let raw = p.value.as_ref().map(|v| v.0.as_str()).unwrap_or_default();
            crate::substitute::string(raw, vars, crate::substitute::Mode::Strict)
                .map(|v| (p.name.clone(), v.into_owned()))
                .map_err(|e| e.message)
        })
        .collect()
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
