//! Lifecycle hooks other than `exit` (Argo's `executeWfLifeCycleHook` and
//! `executeTmplLifeCycleHook`): `hooks: {<name>: {template, arguments,
//! expression}}` on the workflow or on a step or task. The expression is
//! evaluated after every event while its owner runs, and once more when
//! the owner ends; the first time it is true the hook runs, once, as node
//! `<owner>.hooks.<name>` (a child of the owner; for the workflow,
//! `<wf>.hooks.<name>`, a child of the root). The owner's step group or
//! dependants, and the workflow's completion, wait for hooks that started;
//! a hook's failure does not change its owner's phase.
//!
//! Cost: each event evaluates the hooks still pending, so a workflow
//! without hooks pays nothing.

use serde_json::Value;

use super::bookkeeping::PendingHook;
use super::template::{Invocation, Site, error_node, execute};
use super::tick::Tick;
use super::{Run, exit, node, scope};
use crate::expr::Vars;

/// The owner key of workflow-level hooks.
const WORKFLOW: &str = "";

/// Register the workflow's hooks (at start).
pub fn register_workflow(run: &mut Run) {
    let plan = run.plan.clone();
    let hooks: Vec<PendingHook> = plan
        .spec
        .hooks
        .iter()
        .filter(|(name, _)| *name != "exit")
        .map(|(name, h)| PendingHook {
            hook: name.clone(),
            key: plan.templates.resolve(&plan.entrypoint, &h.call, &format!("hooks.{name}")),
            arguments: h.call.arguments.clone(),
            expression: h.expression.clone(),
            vars: Vars::new(),
            prefix: "",
            step: String::new(),
        })
        .collect();
    if !hooks.is_empty() {
        run.book.hooks.insert(WORKFLOW.to_string(), hooks);
    }
}

/// Register a step's or task's hooks, for its node `id`.
pub fn register(run: &mut Run, id: &str, site: &Site, vars: &Vars) {
    let hooks: Vec<PendingHook> = site
        .flow
        .hooks
        .iter()
        .filter(|(name, _)| *name != "exit")
        .map(|(name, h)| PendingHook {
            hook: name.clone(),
            key: run.plan.templates.resolve(
                site.from,
                &h.call,
                &format!("{}.hooks.{name}", site.step),
            ),
            arguments: h.call.arguments.clone(),
            expression: h.expression.clone(),
            vars: vars.clone(),
            prefix: site.prefix,
            step: site.step.to_string(),
        })
        .collect();
    if !hooks.is_empty() {
        run.book.hooks.insert(id.to_string(), hooks);
    }
}

/// Evaluate every pending hook (after each event). Workflow hooks get
/// their last chance once the root node is fulfilled.
pub fn poll(t: &mut Tick) {
    if t.run.book.hooks.is_empty() {
        return;
    }
    let owners: Vec<String> = t.run.book.hooks.keys().cloned().collect();
    for owner in owners {
        evaluate(t, &owner);
    }
    let run = &mut *t.run;
    let root_done = run.status.nodes.get(&run.plan.name).is_some_and(|r| r.phase.is_fulfilled());
    if root_done {
        run.book.hooks.remove(WORKFLOW);
    }
}

/// `id` is fulfilled: its hooks get their last evaluation. Returns
/// whether hooks of it are still running (what follows `id` then waits
/// for [`hook_done`]).
pub fn owner_done(t: &mut Tick, id: &str) -> bool {
    if t.run.book.hooks.contains_key(id) {
        evaluate(t, id);
        t.run.book.hooks.remove(id);
    }
    let run = &mut *t.run;
    if run.book.open_hooks.get(id).copied().unwrap_or(0) > 0 {
        run.book.hooks_awaited.insert(id.to_string());
        return true;
    }
    false
}

/// Hook node `hook` is fulfilled. Returns its owner if the owner was
/// waiting for it and now goes on.
pub fn hook_done(run: &mut Run, hook: &str) -> Option<String> {
    let owner = run.book.hook_of.remove(hook)?;
    let open = run.book.open_hooks.entry(owner.clone()).or_default();
    *open = open.saturating_sub(1);
    if *open > 0 {
        return None;
    }
    run.book.open_hooks.remove(&owner);
    run.book.hooks_awaited.remove(&owner).then_some(owner)
}

/// Whether workflow-level hooks are still running.
pub fn workflow_hooks_open(run: &Run) -> bool {
    run.book.open_hooks.get(WORKFLOW).is_some_and(|n| *n > 0)
}

fn evaluate(t: &mut Tick, owner: &str) {
    let Some(pending) = t.run.book.hooks.get(owner).cloned() else { return };
    let mut still = Vec::with_capacity(pending.len());
    for h in pending {
        let run = &*t.run;
        let mut vars = if owner == WORKFLOW { run.globals() } else { h.vars.clone() };
        if owner != WORKFLOW {
            scope::add_node(&mut vars, run, h.prefix, &h.step, owner);
        }
        vars.insert("workflow.status", Value::String(exit::workflow_status(run)));
        let Some(expression) = h.expression.clone() else {
            let msg = format!("Expression required for hook {}", hook_name(run, owner, &h.hook));
            fail(t, owner, &h.hook, msg);
            continue;
        };
        if expression.contains("workflow.failures") {
            vars.insert("workflow.failures", Value::String(exit::failures(run)));
        }
        match crate::expr::eval_bool(&expression, &vars) {
            Ok(true) => trigger(t, owner, h, &vars),
            Ok(false) => still.push(h),
            Err(e) => {
                let msg = format!("hook expression: {}", e.message);
                fail(t, owner, &h.hook, msg);
            }
        }
    }
    let run = &mut *t.run;
    match run.book.hooks.get_mut(owner) {
        Some(p) if !still.is_empty() => *p = still,
        Some(_) => {
            run.book.hooks.remove(owner);
        }
        None => {}
    }
}

fn hook_name(run: &Run, owner: &str, hook: &str) -> String {
    let base = if owner == WORKFLOW {
        run.plan.name.clone()
    } else {
        run.status.nodes.get(owner).map(|n| n.name.clone()).unwrap_or_default()
    };
    format!("{base}.hooks.{hook}")
}

/// The node hooks of `owner` hang off, and their boundary.
fn parent(run: &Run, owner: &str) -> (String, Option<String>) {
    if owner == WORKFLOW {
        return (crate::status::node_id(&run.plan.name, &run.plan.name), None);
    }
    let boundary = run.status.nodes.get(owner).and_then(|n| n.boundary_id.clone());
    (owner.to_string(), boundary)
}

fn fail(t: &mut Tick, owner: &str, hook: &str, message: String) {
    let name = hook_name(t.run, owner, hook);
    let (parent, boundary) = parent(t.run, owner);
    let id = error_node(t, &name, None, boundary.as_deref(), message);
    node::add_child(t.run, &parent, &id);
}

fn trigger(t: &mut Tick, owner: &str, h: PendingHook, vars: &Vars) {
    let key = match h.key {
        Ok(k) => k,
        Err(msg) => return fail(t, owner, &h.hook, msg),
    };
    let args = match scope::arguments(&h.arguments, vars) {
        Ok(a) => a,
        Err(msg) => return fail(t, owner, &h.hook, msg),
    };
    let run = &mut *t.run;
    let name = hook_name(run, owner, &h.hook);
    let (parent, boundary) = parent(run, owner);
    let locals = vec![("workflow.status".to_string(), exit::workflow_status(run))];
    let inv = Invocation {
        name: &name,
        key: &key,
        args: &args,
        boundary: boundary.as_deref(),
        locals: &locals,
        attempt: false,
        in_exit: false,
    };
    // Counted before it starts: it may end at once.
    let id = crate::status::node_id(&run.plan.name, &name);
    run.book.hook_of.insert(id.clone(), owner.to_string());
    *run.book.open_hooks.entry(owner.to_string()).or_default() += 1;
    let created = execute(t, &inv);
    let run = &mut *t.run;
    node::add_child(run, &parent, &created);
    if created != id || run.status.nodes.get(&created).is_some_and(|n| n.phase.is_fulfilled()) {
        // Ended at once (or under another ID): nothing to wait for.
        if run.book.hook_of.remove(&id).is_some()
            && let Some(n) = run.book.open_hooks.get_mut(owner)
        {
            *n = n.saturating_sub(1);
        }
    }
}
