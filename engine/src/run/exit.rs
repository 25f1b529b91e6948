//! Exit handlers: a step's or task's `onExit` / `hooks.exit`, run once the
//! node completes, and the workflow's, run once the root node is
//! fulfilled; plus the `workflow.status` and `workflow.failures` they see.

use serde_json::{Value, json};

use super::bookkeeping::{ExitCall, Shutdown};
use super::template::{Invocation, execute};
use super::tick::Tick;
use super::{Run, node, scope};
use crate::spec::Arguments;
use crate::status::{NodePhase, WorkflowPhase, pod_name};

/// Start `owner`'s exit handler if it applies. Returns whether a handler
/// is now running (the owner's boundary then waits for it).
pub fn start_for(t: &mut Tick, owner: &str, exit: ExitCall) -> bool {
    let run = &*t.run;
    let Some(n) = run.status.nodes.get(owner) else { return false };
    // Only completed nodes (not Skipped or Omitted) run their handler,
    // and terminate runs none.
    if !n.phase.is_completed() || run.book.shutdown == Some(Shutdown::Terminate) {
        return false;
    }
    let name = format!("{}.onExit", n.name);
    let boundary = n.boundary_id.clone();
    let mut vars = exit.vars.clone();
    scope::add_node(&mut vars, run, exit.prefix, &exit.step, owner);
    let status = workflow_status(run);
    vars.insert("workflow.status", Value::String(status.clone()));
    if let Some(e) = &exit.expression {
        match crate::expr::eval_bool(e, &vars) {
            Ok(true) => {}
            Ok(false) => return false,
            Err(err) => {
                let msg = format!("exit hook expression: {}", err.message);
                let id = super::template::error_node(t, &name, None, boundary.as_deref(), msg);
                node::add_child(t.run, owner, &id);
                return false;
            }
        }
    }
    let args = match scope::arguments(&exit.arguments, &vars) {
        Ok(a) => a,
        Err(msg) => {
            let id = super::template::error_node(t, &name, None, boundary.as_deref(), msg);
            node::add_child(t.run, owner, &id);
            return false;
        }
    };
    let locals = vec![("workflow.status".to_string(), status)];
    let inv = Invocation {
        name: &name,
        key: &exit.key,
        args: &args,
        boundary: boundary.as_deref(),
        locals: &locals,
        attempt: false,
        in_exit: true,
    };
    let id = execute(t, &inv);
    let run = &mut *t.run;
    node::add_child(run, owner, &id);
    if run.status.nodes.get(&id).is_some_and(|n| n.phase.is_fulfilled()) {
        return false;
    }
    run.book.exit_of.insert(id, owner.to_string());
    run.book.awaiting_exit.insert(owner.to_string());
    true
}

/// Start the workflow's exit handler (`spec.onExit` or `spec.hooks.exit`)
/// once; returns its node ID if there is one.
pub fn start_workflow_exit(t: &mut Tick) -> Option<String> {
    let run = &*t.run;
    if let Some(id) = &run.book.workflow_exit {
        return Some(id.clone());
    }
    if run.book.shutdown == Some(Shutdown::Terminate) {
        return None;
    }
    let plan = run.plan.clone();
    let spec = &plan.spec;
    let (template, arguments): (String, Arguments) = match (spec.hooks.get("exit"), &spec.on_exit) {
        (Some(h), _) => {
            let name = h.call.template.clone().unwrap_or_default();
            let args = if h.call.arguments.parameters.is_empty() {
                spec.arguments.clone()
            } else {
                h.call.arguments.clone()
            };
            (name, args)
        }
        (None, Some(name)) => (name.clone(), spec.arguments.clone()),
        (None, None) => return None,
    };
    let name = format!("{}.onExit", plan.name);
    let status = workflow_status(run);
    let failures = failures(run);
    let mut vars = run.globals();
    vars.insert("workflow.status", Value::String(status.clone()));
    vars.insert("workflow.failures", Value::String(failures.clone()));
    let args = match scope::arguments(&arguments, &vars) {
        Ok(a) => a,
        Err(_) => scope::Args::literal(&arguments),
    };
    let key = match plan.templates.named(&plan.entrypoint, &template) {
        Ok(k) => k,
        Err(msg) => {
            let id = super::template::error_node(t, &name, Some(&template), None, msg);
            t.run.book.workflow_exit = Some(id.clone());
            return Some(id);
        }
    };
    let locals =
        vec![("workflow.status".to_string(), status), ("workflow.failures".to_string(), failures)];
    let inv = Invocation {
        name: &name,
        key: &key,
        args: &args,
        boundary: None,
        locals: &locals,
        attempt: false,
        in_exit: true,
    };
    let id = execute(t, &inv);
    t.run.book.workflow_exit = Some(id.clone());
    Some(id)
}

/// `workflow.status`: the root node's phase, as a workflow phase.
pub fn workflow_status(run: &Run) -> String {
    let root = run.status.nodes.get(&run.plan.name).map(|n| n.phase);
    let phase = match root {
        None | Some(NodePhase::Pending) => WorkflowPhase::Pending,
        Some(NodePhase::Running) => WorkflowPhase::Running,
        Some(NodePhase::Succeeded | NodePhase::Skipped | NodePhase::Omitted) => {
            WorkflowPhase::Succeeded
        }
        Some(NodePhase::Failed) => WorkflowPhase::Failed,
        Some(NodePhase::Error) => WorkflowPhase::Error,
    };
    phase.as_str().to_string()
}

/// `workflow.failures`: every Failed or Error node as Argo lists them, the
/// JSON array then quoted once more (as Go's `strconv.Quote`); `"null"`
/// (with the quotes) when there are none.
pub fn failures(run: &Run) -> String {
    let list: Vec<Value> = run
        .status
        .nodes
        .values()
        .filter(|n| n.phase.is_failure())
        .map(|n| {
            let template = n.template_name.clone().unwrap_or_default();
            json!({
                "displayName": n.display_name,
                "message": n.message,
                "templateName": template,
                "phase": n.phase.as_str(),
                "podName": pod_name(&run.plan.name, &n.name, &template),
                "finishedAt": n.finished_at.map(|t| t.to_string()),
            })
        })
        .collect();
    let inner = if list.is_empty() { "null".to_string() } else { Value::Array(list).to_string() };
    Value::String(inner).to_string()
}
