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
