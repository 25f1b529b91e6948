//! Pod-producing nodes: resolving a container or script template into a
//! [`LaunchSpec`], and what happens when its process starts and exits.

use serde_json::Value;

use super::{Action, Exit, LaunchSpec, Run, node};
use crate::expr::Vars;
use crate::spec::Template;
use crate::status::{NodeOutputs, NodePhase, OutputParameter, Time, pod_name};
use crate::substitute::{self, Mode};

pub fn launch(
    run: &mut Run,
    id: &str,
    t: &Template,
    mut vars: Vars,
    now: Time,
    out: &mut Vec<Action>,
) {
    let Some(n) = run.status.nodes.get(id) else { return };
    let name = n.name.clone();
    let pod = pod_name(&run.plan.name, &name, &t.name);
    vars.insert("pod.name", Value::String(pod.clone()));
    vars.insert("node.name", Value::String(name));
    for p in &t.outputs.parameters {
        if let Some(path) = p.value_from.as_ref().and_then(|f| f.path.as_ref()) {
            vars.insert(format!("outputs.parameters.{}.path", p.name), Value::String(path.clone()));
        }
    }
    let (container, source) = match (&t.container, &t.script) {
        (Some(c), _) => (serde_json::to_value(c), None),
        (None, Some(s)) => (serde_json::to_value(&s.container), Some(s.source.clone())),
        (None, None) => return,
    };
    let resolved = container
        .map_err(|e| e.to_string())
        .and_then(|c| substitute::value(&c, &vars, Mode::Strict).map_err(|e| e.message))
        .and_then(|c| match source {
            Some(s) => substitute::string(&s, &vars, Mode::Strict)
                .map(|s| (c, Some(s.into_owned())))
                .map_err(|e| e.message),
            None => Ok((c, None)),
        });
    let resolved = resolved.and_then(|(c, s)| Ok((c, s, files(t, &vars)?)));
    match resolved {
        Ok((container, source, files)) => out.push(Action::Launch(LaunchSpec {
            node: id.to_string(),
            pod_name: pod,
            template: t.name.clone(),
            container,
            source,
            output_paths: output_paths(t, &vars),
            files,
            deadline_seconds: None,
        })),
        Err(message) => node::finish(run, id, NodePhase::Error, message, now, out),
    }
}

/// `(name, path)` of each output parameter read from a file.
fn output_paths(t: &Template, vars: &Vars) -> Vec<(String, String)> {
    t.outputs
        .parameters
        .iter()
        .filter_map(|p| {
            let path = p.value_from.as_ref()?.path.as_ref()?;
            let path = substitute::string(path, vars, Mode::AllowUnresolved)
                .map(|s| s.into_owned())
                .unwrap_or_else(|_| path.clone());
            Some((p.name.clone(), path))
        })
        .collect()
}

/// Input artifacts given inline (`raw.data`), to write before the start.
/// Other artifact sources need an artifact repository: refused.
fn files(t: &Template, vars: &Vars) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for a in &t.inputs.artifacts {
        let data = a.other.get("raw").and_then(|r| r.get("data")).and_then(Value::as_str);
        let (Some(path), Some(data)) = (&a.path, data) else {
            return Err(format!(
                "input artifact '{}': only inline `raw` artifacts with a `path` can be used \
                 without an artifact repository",
                a.name
            ));
        };
        let data = substitute::string(data, vars, Mode::Strict).map_err(|e| e.message)?;
        files.push((path.clone(), data.into_owned()));
    }
    Ok(files)
}

pub fn started(run: &mut Run, id: &str, _now: Time) {
    if let Some(n) = run.status.nodes.get_mut(id)
        && n.phase == NodePhase::Pending
    {
        n.phase = NodePhase::Running;
    }
}

pub fn exited(run: &mut Run, id: &str, exit: Exit, now: Time, out: &mut Vec<Action>) {
    let Some(template) = run
        .status
        .nodes
        .get(id)
        .and_then(|n| n.template_name.clone())
        .and_then(|t| run.plan.template(&t).cloned())
    else {
        return;
    };
    let mut missing = None;
    let mut parameters = Vec::new();
    for p in &template.outputs.parameters {
        let from = p.value_from.as_ref();
        let value = exit
            .parameters
            .get(&p.name)
            .cloned()
            .or_else(|| from.and_then(|f| f.default.as_ref()).map(|d| d.0.clone()))
            .or_else(|| p.value.as_ref().map(|v| v.0.clone()));
        if value.is_none() && from.is_some_and(|f| f.path.is_some()) && missing.is_none() {
            missing = Some(p.name.clone());
        }
        parameters.push(OutputParameter {
            name: p.name.clone(),
            value,
            global_name: p.global_name.clone(),
        });
    }
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outputs = Some(NodeOutputs {
            parameters,
            result: exit.result.clone(),
            exit_code: Some(exit.code.to_string()),
        });
    }
    let (phase, message) = if exit.code != 0 {
        (NodePhase::Failed, format!("main: Error (exit code {})", exit.code))
    } else if let Some(p) = missing {
        (NodePhase::Error, format!("output parameter '{p}' has no value: its path was not written"))
    } else {
        (NodePhase::Succeeded, String::new())
    };
    node::finish(run, id, phase, message, now, out);
}
