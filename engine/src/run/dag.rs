//! DAG templates: tasks start when what they depend on allows it (Argo's
//! `executeDAG` / `executeDAGTask` / `assessDAGPhase`).

use std::collections::HashMap;

use super::bookkeeping::{DagState, Frame, FrameKind, TaskSlot};
use super::node::NewNode;
use super::template::{Invocation, Site};
use super::tick::Tick;
use super::{Run, node, scope, template};
use crate::depends::{self, ContinueOn, TaskResult};
use crate::expr::Vars;
use crate::spec::{DagTask, DagTemplate};
use crate::status::{NodePhase, NodeType};

pub fn start(t: &mut Tick, id: &str, inv: &Invocation, mut vars: Vars) {
    // Each step or task clones this scope: share it.
    vars.freeze();
    let plan = t.run.plan.clone();
    let template = inv.key;
    let Some(dag) = plan.template(template).and_then(|tmpl| tmpl.dag.as_ref()) else { return };
    match slots(dag) {
        Ok(tasks) => {
            let mut state =
                DagState { dependents: vec![Vec::new(); tasks.len()], ..Default::default() };
            for (i, slot) in tasks.iter().enumerate() {
                for d in &slot.deps {
                    state.dependents[*d].push(i);
                }
                if slot.deps.is_empty() {
                    state.ready.insert(i);
                }
            }
            state.tasks = tasks;
            let frame = Frame {
                template: template.to_string(),
                in_exit: inv.in_exit,
                vars,
                kind: FrameKind::Dag(state),
            };
            t.run.book.frames.insert(id.to_string(), frame);
            advance(t, id);
        }
        Err(msg) => node::finish(t, id, NodePhase::Error, msg),
    }
}

/// A node under the DAG finished: settle its task (or count down its
/// loop), then start what that unblocks.
pub fn child_done(t: &mut Tick, id: &str, child: &str) {
    if let Some(Frame { kind: FrameKind::Dag(state), .. }) = t.run.book.frames.get_mut(id)
        && let Some(&i) = state.by_node.get(child)
    {
        let slot = &mut state.tasks[i];
        if slot.node.as_deref() == Some(child) {
            settle(state, i);
        } else {
            slot.open_iterations = slot.open_iterations.saturating_sub(1);
            if slot.open_iterations == 0 {
                state.closing.push(i);
            }
        }
    }
    advance(t, id);
}

/// Mark task `i` settled and release its dependents.
fn settle(state: &mut DagState, i: usize) {
    if std::mem::replace(&mut state.tasks[i].settled, true) {
        return;
    }
    state.open = state.open.saturating_sub(1);
    for k in 0..state.dependents[i].len() {
        let d = state.dependents[i][k];
        let w = &mut state.tasks[d].waiting;
        *w = w.saturating_sub(1);
        if *w == 0 && state.tasks[d].node.is_none() {
            state.ready.insert(d);
        }
    }
}

/// Each task with its dependencies as a parsed `depends` expression
/// (`dependencies` rewritten as Argo does, honouring `continueOn`).
fn slots(dag: &DagTemplate) -> Result<Vec<TaskSlot>, String> {
    let by_name: HashMap<&str, usize> =
        dag.tasks.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    let index = |name: &str| by_name.get(name).copied();
    dag.tasks
        .iter()
        .map(|t| {
            let expr = match (&t.depends, &t.dependencies) {
                (Some(d), _) => d.clone(),
                (None, Some(list)) => {
                    let names: Vec<&str> = list.iter().map(String::as_str).collect();
                    depends::from_dependencies(&names, &|n| continue_on(dag, index(n)))
                }
                (None, None) => String::new(),
            };
            let parsed = if expr.trim().is_empty() {
                None
            } else {
                Some(
                    depends::parse(&expr)
                        .map_err(|e| format!("task '{}': {}", t.name, e.message))?,
                )
            };
            let mut deps = Vec::new();
            if let Some(p) = &parsed {
                for (name, _) in p.tasks() {
                    let i = index(name).ok_or_else(|| {
                        format!("task '{}' depends on unknown task '{name}'", t.name)
                    })?;
                    if !deps.contains(&i) {
                        deps.push(i);
                    }
                }
            }
            let waiting = deps.len();
            Ok(TaskSlot {
                name: t.name.clone(),
                node: None,
                deps,
                depends: parsed,
                waiting,
                open_iterations: 0,
                settled: false,
            })
        })
        .collect()
}

fn continue_on(dag: &DagTemplate, task: Option<usize>) -> ContinueOn {
    let c = task.and_then(|i| dag.tasks.get(i)).and_then(|t| t.flow.continue_on.as_ref());
    ContinueOn { error: c.is_some_and(|c| c.error), failed: c.is_some_and(|c| c.failed) }
}

/// Start every ready task; finish the DAG when nothing is open and
/// nothing is ready.
///
/// The frame is taken out of the book while this runs: a child that
/// finishes at once (an error, an empty nested template) reaches
/// `child_done` again, finds no frame and returns, so the settled state of
/// each started node is checked here right after starting it.
pub fn advance(t: &mut Tick, id: &str) {
    let Some((key, mut frame)) = t.run.book.frames.remove_entry(id) else { return };
    let plan = t.run.plan.clone();
    let Some(dag) = plan.template(&frame.template).and_then(|tmpl| tmpl.dag.as_ref()) else {
        return;
    };
    let fail_fast = dag.fail_fast.unwrap_or(true);
    let dag_name = t.run.status.nodes.get(id).map(|n| n.name.clone()).unwrap_or_default();
    let from = frame.template.clone();
    let in_exit = frame.in_exit;
    let Frame { vars, kind: FrameKind::Dag(state), .. } = &mut frame else { return };
    while let Some(i) = state.closing.pop() {
        close_group(t, state, i);
    }
    while let Some(i) = state.ready.pop_first() {
        if state.tasks[i].node.is_some() {
            continue;
        }
        let name = format!("{dag_name}.{}", state.tasks[i].name);
        let running = RunningDag { id, from: &from, in_exit, vars, tasks: &state.tasks };
        let created = start_task(t, &running, i, &dag.tasks[i], &name);
        state.tasks[i].node = Some(created.clone());
        state.by_node.insert(created.clone(), i);
        state.open += 1;
        attach(t.run, id, &state.tasks, i, &created);
        let run = &*t.run;
        let Some(n) = run.status.nodes.get(&created) else { continue };
        if n.node_type == NodeType::TaskGroup {
            let open = n
                .children
                .iter()
                .filter(|c| node::phase(run, c).is_some_and(|p| !p.is_fulfilled()))
                .count();
            for c in n.children.clone() {
                state.by_node.insert(c, i);
            }
            state.tasks[i].open_iterations = open;
            if open == 0 {
                close_group(t, state, i);
            }
        } else if n.phase.is_fulfilled() {
            settle(state, i);
        }
    }
    let run = &mut *t.run;
    if state.open > 0 {
        run.book.frames.insert(key, frame);
        return;
    }
    let (mut phase, outbound) = assess(run, dag, &state.tasks, &state.dependents, fail_fast);
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outbound_nodes = outbound;
    }
    let mut message = String::new();
    if phase == NodePhase::Succeeded
        && let Some(template) = plan.template(&from)
        && let Err(msg) = template_outputs(run, id, template, vars, &state.tasks)
    {
        (phase, message) = (NodePhase::Error, msg);
    }
    node::finish(t, id, phase, message);
}

/// The template's `outputs`, from every task's results; globals published.
fn template_outputs(
    run: &mut Run,
    id: &str,
    template: &crate::spec::Template,
    vars: &Vars,
    tasks: &[TaskSlot],
) -> Result<(), String> {
    if template.outputs.parameters.is_empty() && template.outputs.artifacts.is_empty() {
        return Ok(());
    }
    let mut scope = vars.clone();
    for slot in tasks {
        add_task_scope(run, &mut scope, slot);
    }
    let outputs = super::outputs::from_scope(template, &scope)?;
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outputs = outputs;
    }
    super::outputs::publish_globals(run, id);
    Ok(())
}

/// What a settled task exposes as `tasks.<name>.…` (aggregated for a loop).
fn add_task_scope(run: &Run, scope: &mut Vars, slot: &TaskSlot) {
    let Some(n) = slot.node.as_ref().and_then(|n| run.status.nodes.get(n)) else { return };
    scope::add_node(scope, run, "tasks", &slot.name, &n.id);
    if n.node_type == NodeType::TaskGroup {
        let children: Vec<&crate::status::NodeStatus> =
            n.children.iter().filter_map(|c| run.status.nodes.get(c)).collect();
        scope::add_aggregate(scope, "tasks", &slot.name, &children);
    }
}

/// A TaskGroup is done when all its iterations are: Succeeded, or the
/// phase of the last failing one (Argo).
fn close_group(t: &mut Tick, state: &mut DagState, i: usize) {
    let Some(id) = state.tasks[i].node.clone() else { return };
    let run = &mut *t.run;
    let Some(n) = run.status.nodes.get(&id) else { return };
    if n.node_type != NodeType::TaskGroup || n.phase.is_fulfilled() {
        return;
    }
    let phase = n
        .children
        .iter()
        .filter_map(|c| node::phase(run, c))
        .rfind(|p| p.is_failure())
        .unwrap_or(NodePhase::Succeeded);
    if let Some(n) = run.status.nodes.get_mut(&id) {
        n.phase = phase;
        n.finished_at = Some(t.now);
    }
    settle(state, i);
}

/// A task without dependencies hangs off the DAG node; others off what
/// each dependency leads to.
fn attach(run: &mut Run, dag_id: &str, tasks: &[TaskSlot], i: usize, child: &str) {
    if tasks[i].deps.is_empty() {
        node::add_child(run, dag_id, child);
        return;
    }
    let mut parents: Vec<String> = tasks[i]
        .deps
        .iter()
        .filter_map(|d| tasks[*d].node.as_ref())
        .flat_map(|dep| node::outbound(run, dep))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    for p in parents {
        node::add_child(run, &p, child);
    }
}

/// The running DAG a task starts in.
struct RunningDag<'a> {
    /// The DAG node's ID.
    id: &'a str,
    /// The DAG template's key (where its tasks' template names resolve),
    /// and whether it runs inside an exit handler.
    from: &'a str,
    in_exit: bool,
    /// The DAG's own scope.
    vars: &'a Vars,
    /// Its tasks, as far as they have run.
    tasks: &'a [TaskSlot],
}

/// Start task `i` (the `task` of the template), named `name` — or each
/// iteration of a looped task, under a TaskGroup — or record it
/// Omitted/Skipped/Error; returns the node ID created.
fn start_task(t: &mut Tick, dag: &RunningDag, i: usize, task: &DagTask, name: &str) -> String {
    let RunningDag { id: dag_id, from, in_exit, vars, tasks } = *dag;
    let shown = task.call.template.as_deref();
    let error = |t: &mut Tick, msg: String| template::error_node(t, name, shown, Some(dag_id), msg);
    let run = &*t.run;
    if let Some(d) = &tasks[i].depends {
        let state = |dep: &str, result: TaskResult| {
            // A `depends` names only the task's own dependencies.
            let dep_node = tasks[i]
                .deps
                .iter()
                .map(|d| &tasks[*d])
                .find(|slot| slot.name == dep)
                .and_then(|slot| slot.node.as_ref())
                .and_then(|n| run.status.nodes.get(n));
            let children = || {
                dep_node
                    .map(|n| {
                        n.children.iter().filter_map(|c| node::phase(run, c)).collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            };
            match result {
                TaskResult::AnySucceeded => {
                    return children().contains(&NodePhase::Succeeded);
                }
                TaskResult::AllFailed => {
                    let c = children();
                    return !c.is_empty() && c.iter().all(|p| *p == NodePhase::Failed);
                }
                _ => {}
            }
            let phase = dep_node.map(|n| n.phase);
            matches!(
                (phase, result),
                (Some(NodePhase::Succeeded), TaskResult::Succeeded)
                    | (Some(NodePhase::Failed), TaskResult::Failed)
                    | (Some(NodePhase::Error), TaskResult::Errored)
                    | (Some(NodePhase::Skipped), TaskResult::Skipped)
                    | (Some(NodePhase::Omitted), TaskResult::Omitted)
            )
        };
        if !d.eval(&state) {
            let new = NewNode {
                name,
                node_type: NodeType::Skipped,
                template: shown,
                boundary: Some(dag_id),
                phase: NodePhase::Omitted,
                message: "omitted: depends condition not met".to_string(),
            };
            return node::create(t, new);
        }
    }
    let c = &task.flow;
    let key = match template::callable(run, from, &task.call, &task.name) {
        Ok(k) => k,
        Err(msg) => return error(t, msg),
    };
    let site = Site {
        key: &key,
        from,
        flow: c,
        arguments: &task.call.arguments,
        prefix: "tasks",
        step: &task.name,
        in_exit,
    };
    let scope = ancestor_scope(run, vars, tasks, i, task);
    let items = match super::loops::expand(c, &scope) {
        None => return template::call(t, name, &site, dag_id, &scope),
        Some(Err(msg)) => return error(t, msg),
        Some(Ok(items)) => items,
    };
    if items.is_empty() {
        let msg = "Skipped, empty params".to_string();
        return template::skipped_node(t, name, &key, dag_id, msg);
    }
    let new = NewNode {
        name,
        node_type: NodeType::TaskGroup,
        template: Some(template::shown_name(&key)),
        boundary: Some(dag_id),
        phase: NodePhase::Running,
        message: String::new(),
    };
    let group = node::create(t, new);
    for item in &items {
        let child = crate::loops::child_name(name, item);
        let mut item_scope = scope.clone();
        for (k, v) in crate::loops::item_vars(item) {
            item_scope.insert(k, v);
        }
        let cid = template::call(t, &child, &site, dag_id, &item_scope);
        node::add_child(t.run, &group, &cid);
    }
    group
}

/// What a task sees: the DAG's scope plus the results of the ancestors it
/// refers to (aggregated for a looped ancestor). Only referenced ancestors
/// are added, so a task deep in a large DAG costs what it uses.
fn ancestor_scope(run: &Run, vars: &Vars, tasks: &[TaskSlot], i: usize, task: &DagTask) -> Vars {
    let mut scope = vars.clone();
    scope::add_global_outputs(&mut scope, run);
    let wanted = referenced_tasks(task);
    if wanted.is_empty() {
        return scope;
    }
    let mut todo = tasks[i].deps.clone();
    let mut seen = vec![false; tasks.len()];
    while let Some(d) = todo.pop() {
        if std::mem::replace(&mut seen[d], true) {
            continue;
        }
        todo.extend(tasks[d].deps.iter().copied());
        if !wanted.contains(tasks[d].name.as_str()) {
            continue;
        }
        add_task_scope(run, &mut scope, &tasks[d]);
    }
    scope
}

/// Task names a task's fields mention as `tasks.NAME` or `tasks['NAME']`.
fn referenced_tasks(task: &DagTask) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    // Only arguments and the flow fields can hold a reference: a task
    // with neither (most of a large DAG) is not serialised to look.
    let c = &task.flow;
    if task.call.arguments == Default::default()
        && c.when.is_none()
        && c.with_param.is_none()
        && c.with_items.is_none()
        && c.with_sequence.is_none()
        && c.hooks.is_empty()
    {
        return names;
    }
    let text = serde_json::to_string(&(&task.call, &task.flow)).unwrap_or_default();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("tasks") {
        rest = &rest[at + 5..];
        let (name, after) = if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(r.len());
            (&r[..end], &r[end..])
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\\\"")) {
            let end = r.find(['\'', '\\']).unwrap_or(r.len());
            (&r[..end], &r[end..])
        } else {
            continue;
        };
        if !name.is_empty() {
            names.insert(name.to_string());
        }
        rest = after;
    }
    names
}

/// A started task's failure that its `continueOn` does not excuse.
fn failed_unexcused(run: &Run, slot: &TaskSlot, task: &DagTask) -> Option<NodePhase> {
    let phase = slot.node.as_ref().and_then(|n| node::phase(run, n))?;
    let k = task.flow.continue_on.as_ref();
    match phase {
        NodePhase::Failed if !k.is_some_and(|k| k.failed) => Some(phase),
        NodePhase::Error if !k.is_some_and(|k| k.error) => Some(phase),
        _ => None,
    }
}

/// The DAG's phase once nothing runs, and its outbound nodes.
///
/// Each target (the `target` tasks, else the leaves) carries the phase of
/// its branch: a completed task its own phase, a Skipped/Omitted one the
/// worst phase above it. A failing target fails the DAG (the first one
/// with `failFast`, the last one without).
///
/// `dag.failFast` changes only this assessment, not scheduling (Argo's
/// `assessDAGPhase`): a task whose `depends` accepts a failure still runs.
/// Keelson assesses once nothing runs; Argo, with `failFast`, may mark the
/// DAG Failed while unrelated branches still run (a known gap).
fn assess(
    run: &Run,
    dag: &DagTemplate,
    tasks: &[TaskSlot],
    dependents: &[Vec<usize>],
    fail_fast: bool,
) -> (NodePhase, Vec<String>) {
    let targets: Vec<usize> = match &dag.target {
        Some(t) if !t.trim().is_empty() => {
            t.split_whitespace().filter_map(|n| tasks.iter().position(|s| s.name == n)).collect()
        }
        _ => (0..tasks.len()).filter(|i| dependents[*i].is_empty()).collect(),
    };
    let mut memo: Vec<Option<NodePhase>> = vec![None; tasks.len()];
    let mut result = NodePhase::Succeeded;
    let mut outbound = Vec::new();
    for &t in &targets {
        let Some(id) = &tasks[t].node else {
            // Never ran: only possible when scheduling stopped on a failure.
            if let Some(p) =
                tasks.iter().zip(&dag.tasks).find_map(|(s, k)| failed_unexcused(run, s, k))
            {
                result = p;
            }
            continue;
        };
        outbound.extend(node::outbound(run, id));
        let branch = branch_phase(run, tasks, t, &mut memo, 0);
        let own = node::phase(run, id);
        let excused = dag.tasks[t].flow.continue_on.as_ref().is_some_and(|k| {
            (own == Some(NodePhase::Failed) && k.failed)
                || (own == Some(NodePhase::Error) && k.error)
        });
        if branch.is_failure() && !excused {
            result = branch;
            if fail_fast {
                break;
            }
        }
    }
    (result, outbound)
}

fn branch_phase(
    run: &Run,
    tasks: &[TaskSlot],
    i: usize,
    memo: &mut [Option<NodePhase>],
    depth: usize,
) -> NodePhase {
    if let Some(p) = memo[i] {
        return p;
    }
    let own =
        tasks[i].node.as_ref().and_then(|n| node::phase(run, n)).unwrap_or(NodePhase::Succeeded);
    let p = match own {
        NodePhase::Skipped | NodePhase::Omitted if depth < tasks.len() => tasks[i]
            .deps
            .clone()
            .into_iter()
            .map(|d| branch_phase(run, tasks, d, memo, depth + 1))
            .find(|p| p.is_failure())
            .unwrap_or(NodePhase::Succeeded),
        NodePhase::Skipped | NodePhase::Omitted => NodePhase::Succeeded,
        other => other,
    };
    memo[i] = Some(p);
    p
}
