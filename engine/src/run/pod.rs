//! Pod-producing nodes: resolving a container or script template into a
//! [`LaunchSpec`], and what happens when its process starts and exits.

use serde_json::Value;

use super::bookkeeping::{Queued, Shutdown};
use super::template::Invocation;
use super::tick::Tick;
use super::{Action, Exit, LaunchSpec, Run, Timer, TimerKind, artifacts, node};
use crate::expr::Vars;
use crate::spec::Template;
use crate::status::{NodeOutputs, NodePhase, OutputParameter, Time, pod_name};
use crate::substitute::{self, Mode};

pub fn launch(t: &mut Tick, id: &str, inv: &Invocation, template: &Template, mut vars: Vars) {
    let Some(n) = t.run.status.nodes.get(id) else { return };
    let name = n.name.clone();
    t.run.book.pod_template.insert(id.to_string(), inv.key.to_string());
    if inv.in_exit {
        t.run.book.exit_pods.insert(id.to_string());
    }
    if super::rerun::replay_leaf(t, id) {
        return;
    }
    match t.run.book.shutdown {
        // Argo's `createWorkflowPod` (workflow/controller/workflowpod.go)
        // says it with one space after the colon; a running pod that the
        // shutdown kills says it with two (`interrupts`).
        Some(Shutdown::Terminate) => {
            let msg = "workflow shutdown with strategy: Terminate".to_string();
            return node::finish(t, id, NodePhase::Failed, msg);
        }
        Some(Shutdown::Stop) if !inv.in_exit => {
            let msg = "workflow shutdown with strategy: Stop".to_string();
            return node::finish(t, id, NodePhase::Failed, msg);
        }
        _ => {}
    }
    if t.run.book.deadline_passed && !inv.in_exit {
        let msg = "Step exceeded its deadline".to_string();
        return node::finish(t, id, NodePhase::Failed, msg);
    }
    let pod = pod_name(&t.run.plan.name, &name, &template.name);
    vars.insert("pod.name", Value::String(pod.clone()));
    vars.insert("node.name", Value::String(name.clone()));
    for p in &template.outputs.parameters {
        if let Some(path) = p.value_from.as_ref().and_then(|f| f.path.as_ref()) {
            vars.insert(format!("outputs.parameters.{}.path", p.name), Value::String(path.clone()));
        }
    }
    for a in &template.outputs.artifacts {
        if let Some(path) = &a.path {
            vars.insert(format!("outputs.artifacts.{}.path", a.name), Value::String(path.clone()));
        }
    }
    let (container, source) = match (&template.container, &template.script) {
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
    let bound = t.run.status.nodes.get(id).and_then(|n| n.inputs.as_ref()).map(|i| &i.artifacts);
    let plan = t.run.plan.clone();
    let moves = |vars: &Vars| {
        let bound = bound.map(Vec::as_slice).unwrap_or_default();
        artifacts::resolve(template, bound, &plan.repository(), plan.spec.archive_logs, vars)
    };
    let resolved =
        resolved.and_then(|(c, s)| Ok((c, s, moves(&vars)?, deadline(template, &vars)?)));
    let (container, source, moves, deadline) = match resolved {
        Ok(r) => r,
        Err(message) => return node::finish(t, id, NodePhase::Error, message),
    };
    if let Some(n) = t.run.status.nodes.get_mut(id) {
        n.image = container.get("image").and_then(Value::as_str).map(str::to_string);
    }
    if let Some(secs) = deadline {
        let timer = Timer { node: id.to_string(), kind: TimerKind::NodeDeadline };
        t.out.push(Action::ArmTimer { timer, at: Time(t.now.0.saturating_add(secs)) });
    }
    let spec = LaunchSpec {
        node: id.to_string(),
        node_name: name,
        pod_name: pod,
        template: template.name.clone(),
        template_key: inv.key.to_string(),
        container,
        source,
        output_paths: output_paths(template, &vars),
        files: moves.files,
        inputs: moves.inputs,
        outputs: moves.outputs,
        log_location: moves.log_location,
        deadline_seconds: deadline.and_then(|d| u64::try_from(d).ok()),
    };
    let run = &mut *t.run;
    let limited_by = inv.boundary.and_then(|b| {
        let f = run.book.frames.get(b)?;
        let n = run.plan.template(&f.template)?.parallelism.as_ref()?.as_int()?;
        Some((b.to_string(), usize::try_from(n).unwrap_or(0)))
    });
    run.book.queued.push_back(Queued { spec, limited_by });
    release(t);
}

/// A launched pod is over: free its `parallelism` slots, launch what
/// waits for them.
pub fn done(t: &mut Tick, id: &str) {
    let book = &mut t.run.book;
    if let Some(b) = book.limited.remove(id)
        && let Some(c) = book.active_by_boundary.get_mut(&b)
    {
        *c = c.saturating_sub(1);
    }
    release(t);
}

/// Launch queued pods while `parallelism` (the workflow's, and each
/// enclosing template's) allows, in the order they were queued.
pub fn release(t: &mut Tick) {
    let global = t
        .run
        .plan
        .spec
        .parallelism
        .as_ref()
        .and_then(|p| p.as_int())
        .and_then(|p| usize::try_from(p).ok())
        .filter(|p| *p > 0);
    let book = &mut t.run.book;
    let mut i = 0;
    while i < book.queued.len() {
        if global.is_some_and(|g| book.active_pods.len() >= g) {
            return;
        }
        let q = &book.queued[i];
        if let Some((b, n)) = &q.limited_by
            && book.active_by_boundary.get(b).copied().unwrap_or(0) >= *n
        {
            i += 1;
            continue;
        }
        let Some(q) = book.queued.remove(i) else { return };
        if let Some((b, _)) = &q.limited_by {
            *book.active_by_boundary.entry(b.clone()).or_default() += 1;
            book.limited.insert(q.spec.node.clone(), b.clone());
        }
        book.active_pods.insert(q.spec.node.clone());
        t.out.push(Action::Launch(q.spec));
    }
}

/// Seconds before the pod is killed: the template's
/// `activeDeadlineSeconds`, else its `timeout`.
fn deadline(template: &Template, vars: &Vars) -> Result<Option<i64>, String> {
    if let Some(a) = &template.active_deadline_seconds {
        let raw = a.to_string();
        let text = substitute::string(&raw, vars, Mode::Strict).map_err(|e| e.message)?;
        let secs = text.trim().parse::<i64>().map_err(|_| {
            format!("activeDeadlineSeconds {text:?} is not a whole number of seconds")
        })?;
        return Ok(Some(secs));
    }
    if let Some(tm) = &template.timeout {
        let text = substitute::string(tm, vars, Mode::Strict).map_err(|e| e.message)?;
        let d = crate::duration::parse(&text).map_err(|e| format!("timeout: {e}"))?;
        return Ok(Some(i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)));
    }
    Ok(None)
}

/// Whether Argo would keep this pod's stdout as `outputs.result`: only
/// when the enclosing Steps/DAG template mentions
/// `steps.<X>.outputs.result` / `tasks.<X>.outputs.result` (or
/// `steps['X']…`) for the step or task the pod runs (`hasOutputResultRef`).
fn captures_result(run: &mut Run, id: &str) -> bool {
    let Some(n) = run.status.nodes.get(id) else { return false };
    let Some(boundary) = n.boundary_id.clone() else { return false };
    let mut name = n.name.as_str();
    loop {
        let cut = if let Some(r) = name.strip_suffix(')') {
            r.rfind('(').map(|i| &r[..i])
        } else if let Some(r) = name.strip_suffix(']') {
            r.rfind('[').map(|i| &r[..i])
        } else {
            None
        };
        match cut {
            Some(c) => name = c,
            None => break,
        }
    }
    let step = name.rsplit('.').next().unwrap_or(name).to_string();
    if let Some(names) = run.book.result_refs.get(&boundary) {
        return names.contains(&step);
    }
    let Some(key) = run.book.frames.get(&boundary).map(|f| f.template.clone()) else {
        return false;
    };
    let text =
        run.plan.template(&key).and_then(|t| serde_json::to_string(t).ok()).unwrap_or_default();
    let names = result_refs(&text);
    let found = names.contains(&step);
    run.book.result_refs.insert(boundary, names);
    found
}

/// The step and task names a template's JSON reads `outputs.result` of:
/// `steps.X.outputs.result`, `tasks.X.outputs.result`, `steps['X']…`.
/// Computed once per Steps/DAG node, so a pod's exit costs a lookup.
fn result_refs(text: &str) -> super::bookkeeping::Set<String> {
    let mut names = super::bookkeeping::Set::default();
    let mut rest = text;
    while let Some(at) = rest.find(".outputs.result") {
        let before = &rest[..at];
        let name = if let Some(b) = before.strip_suffix("']") {
            b.rsplit_once("['").map(|(_, n)| n)
        } else {
            let start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .map_or(0, |i| i + 1);
            Some(&before[start..])
        };
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            names.insert(n.to_string());
        }
        rest = &rest[at + ".outputs.result".len()..];
    }
    names
}

/// `(name, path)` of each output parameter read from a file.
fn output_paths(template: &Template, vars: &Vars) -> Vec<(String, String)> {
    template
        .outputs
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

pub fn started(run: &mut Run, id: &str) {
    if let Some(n) = run.status.nodes.get_mut(id)
        && n.phase == NodePhase::Pending
    {
        n.phase = NodePhase::Running;
    }
}

pub fn exited(t: &mut Tick, id: &str, exit: Exit) {
    let plan = t.run.plan.clone();
    let Some(template) = t.run.book.pod_template.get(id).and_then(|k| plan.template(k)) else {
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
    let repo = plan.repository();
    let artifacts =
        exit.artifacts.iter().map(|a| artifacts::recorded(a, template, &repo)).collect();
    let run = &mut *t.run;
    let result = if captures_result(run, id) { exit.result.clone() } else { None };
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outputs = Some(NodeOutputs {
            parameters,
            artifacts,
            result,
            exit_code: Some(exit.code.to_string()),
        });
    }
    let (phase, message) = if let Some(reason) = run.book.killing.remove(id) {
        (NodePhase::Failed, reason)
    } else if let Some(reason) = exit.reason.as_ref().filter(|_| exit.code != 0) {
        (NodePhase::Failed, format!("{reason} (exit code {})", exit.code))
    } else if exit.code != 0 {
        (NodePhase::Failed, format!("main: Error (exit code {})", exit.code))
    } else if let Some(e) = &exit.artifact_error {
        (NodePhase::Error, e.clone())
    } else if let Some(p) = missing {
        (NodePhase::Error, format!("output parameter '{p}' has no value: its path was not written"))
    } else {
        (NodePhase::Succeeded, String::new())
    };
    super::outputs::publish_globals(run, id);
    node::finish(t, id, phase, message);
}
