//! Steps templates: groups run in order, the steps of a group together
//! (Argo's `executeSteps` / `executeStepGroup`).

use super::bookkeeping::{Frame, FrameKind};
use super::node::NewNode;
use super::template::{Invocation, Site};
use super::tick::Tick;
use super::{Run, node, scope, template};
use crate::expr::Vars;
use crate::spec::{Step, Template};
use crate::status::{NodePhase, NodeType};

pub fn start(t: &mut Tick, id: &str, inv: &Invocation, mut vars: Vars) {
    // Each step or task clones this scope: share it.
    vars.freeze();
    let frame = Frame {
        template: inv.key.to_string(),
        in_exit: inv.in_exit,
        vars,
        kind: FrameKind::Steps {
            group: 0,
            group_node: String::new(),
            members: Vec::new(),
            starting: false,
            open: 0,
        },
    };
    t.run.book.frames.insert(id.to_string(), frame);
    start_group(t, id, 0);
    advance(t, id);
}

fn steps_of(run: &Run, frame: &Frame) -> Option<Template> {
    run.plan.template(&frame.template).cloned()
}

/// Create group `g`'s node and start its steps.
fn start_group(t: &mut Tick, id: &str, g: usize) {
    let Some(frame) = t.run.book.frames.get(id).cloned() else { return };
    let Some(template) = steps_of(t.run, &frame) else { return };
    let groups = template.steps.unwrap_or_default();
    let Some(group) = groups.get(g) else { return };
    let steps_name = t.run.status.nodes.get(id).map(|n| n.name.clone()).unwrap_or_default();
    let group_name = format!("{steps_name}[{g}]");
    let prev_group = match &frame.kind {
        FrameKind::Steps { group_node, .. } if g > 0 => Some(group_node.clone()),
        _ => None,
    };
    let new = NewNode {
        name: &group_name,
        node_type: NodeType::StepGroup,
        template: None,
        boundary: Some(id),
        phase: NodePhase::Running,
        message: String::new(),
    };
    let gid = node::create(t, new);
    let run = &mut *t.run;
    // Group 0 hangs off the Steps node; later groups off what the previous
    // group's children lead to (or the previous group when it had none).
    let parents = match &prev_group {
        None => vec![id.to_string()],
        Some(p) => {
            let children = run.status.nodes.get(p).map(|n| n.children.clone()).unwrap_or_default();
            if children.is_empty() {
                vec![p.clone()]
            } else {
                children.iter().flat_map(|c| node::outbound(run, c)).collect()
            }
        }
    };
    let mut parents = parents;
    parents.sort_unstable();
    parents.dedup();
    for p in parents {
        node::add_child(run, &p, &gid);
    }
    if let Some(f) = run.book.frames.get_mut(id) {
        f.kind = FrameKind::Steps {
            group: g,
            group_node: gid.clone(),
            members: Vec::new(),
            starting: true,
            open: 0,
        };
    }
    // Scope: the template's own, plus every step of the earlier groups.
    let mut vars = frame.vars.clone();
    scope::add_global_outputs(&mut vars, run);
    for (gi, earlier) in groups.iter().enumerate().take(g) {
        for s in earlier {
            add_step_scope(run, &mut vars, &format!("{steps_name}[{gi}]"), s);
        }
    }
    let this_group = StartingGroup { steps_id: id, frame: &frame, name: &group_name, vars: &vars };
    for (si, step) in group.clone().iter().enumerate() {
        let children = run_step(t, &this_group, step);
        for child in children {
            node::add_child(t.run, &gid, &child);
            if let Some(Frame { kind: FrameKind::Steps { members, .. }, .. }) =
                t.run.book.frames.get_mut(id)
            {
                members.push((child, si));
            }
        }
    }
    if let Some(Frame { kind: FrameKind::Steps { starting, .. }, .. }) =
        t.run.book.frames.get_mut(id)
    {
        *starting = false;
    }
}

/// What a finished step exposes to later groups: its own node's values,
/// or, for a looped step, the aggregate of its iterations.
fn add_step_scope(run: &Run, vars: &mut Vars, group_name: &str, step: &Step) {
    let name = format!("{group_name}.{}", step.name);
    let id = crate::status::node_id(&run.plan.name, &name);
    if run.status.nodes.contains_key(&id) {
        scope::add_node(vars, run, "steps", &step.name, &id);
        return;
    }
    // Loop children are named `<step>(<i>:<item>)` under the group.
    let group_id = crate::status::node_id(&run.plan.name, group_name);
    let prefix = format!("{name}(");
    let children: Vec<&crate::status::NodeStatus> = run
        .status
        .nodes
        .get(&group_id)
        .map(|g| {
            g.children
                .iter()
                .filter_map(|c| run.status.nodes.get(c))
                .filter(|n| n.name.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    scope::add_aggregate(vars, "steps", &step.name, &children);
}

/// The step group being started: what each of its steps runs under.
struct StartingGroup<'a> {
    /// The Steps node, and its frame.
    steps_id: &'a str,
    frame: &'a Frame,
    /// The group's node name (`wf[0]`): its steps are named under it.
    name: &'a str,
    /// What its steps see: the template's scope and the earlier groups'
    /// steps.
    vars: &'a Vars,
}

/// Start one step — or each iteration of a looped step — or record it
/// Skipped/Error; returns the node IDs created.
fn run_step(t: &mut Tick, group: &StartingGroup, step: &Step) -> Vec<String> {
    let StartingGroup { steps_id, frame, name: group_name, vars } = *group;
    let name = format!("{group_name}.{}", step.name);
    let c = &step.flow;
    let key = match template::callable(t.run, &frame.template, &step.call, &step.name) {
        Ok(k) => k,
        Err(msg) => {
            let shown = step.call.template.as_deref();
            return vec![template::error_node(t, &name, shown, Some(steps_id), msg)];
        }
    };
    let site = Site {
        key: &key,
        from: &frame.template,
        flow: c,
        arguments: &step.call.arguments,
        prefix: "steps",
        step: &step.name,
        in_exit: frame.in_exit,
    };
    let items = match super::loops::expand(c, vars) {
        None => return vec![template::call(t, &name, &site, steps_id, vars)],
        Some(Err(msg)) => {
            let shown = Some(template::shown_name(&key));
            return vec![template::error_node(t, &name, shown, Some(steps_id), msg)];
        }
        Some(Ok(items)) => items,
    };
    if items.is_empty() {
        let msg = "Skipped, empty params".to_string();
        return vec![template::skipped_node(t, &name, &key, steps_id, msg)];
    }
    items
        .iter()
        .map(|item| {
            let child = crate::loops::child_name(&name, item);
            let mut item_vars = vars.clone();
            for (k, v) in crate::loops::item_vars(item) {
                item_vars.insert(k, v);
            }
            template::call(t, &child, &site, steps_id, &item_vars)
        })
        .collect()
}

/// A member of the running group is done (with its exit handler and
/// hooks): count it; look at the group once none is left.
pub fn child_done(t: &mut Tick, id: &str) {
    if let Some(Frame { kind: FrameKind::Steps { starting, open, .. }, .. }) =
        t.run.book.frames.get_mut(id)
    {
        if *starting {
            // The group is looked at once it is fully started.
            return;
        }
        if *open > 1 {
            *open -= 1;
            return;
        }
        *open = 0;
    }
    advance(t, id);
}

/// Move on if the running group is done: next group, or finish.
pub fn advance(t: &mut Tick, id: &str) {
    loop {
        let run = &mut *t.run;
        let Some(frame) = run.book.frames.get(id) else { return };
        let FrameKind::Steps { starting, group_node, .. } = &frame.kind else { return };
        if *starting {
            return;
        }
        let children =
            run.status.nodes.get(group_node).map(|n| n.children.clone()).unwrap_or_default();
        let still_open = children
            .iter()
            .filter(|c| {
                node::phase(run, c).is_some_and(|p| !p.is_fulfilled())
                    || run.book.awaiting_exit.contains(*c)
                    || run.book.hooks_awaited.contains(*c)
            })
            .count();
        if still_open > 0 {
            if let Some(Frame { kind: FrameKind::Steps { open, .. }, .. }) =
                run.book.frames.get_mut(id)
            {
                *open = still_open;
            }
            return;
        }
        let Some(frame) = run.book.frames.get(id).cloned() else { return };
        let FrameKind::Steps { group, group_node, members, .. } = &frame.kind else { return };
        let Some(template) = steps_of(run, &frame) else { return };
        let groups = template.steps.clone().unwrap_or_default();
        let failed = members.iter().find(|(c, si)| {
            let p = node::phase(run, c).unwrap_or(NodePhase::Error);
            let k = groups[*group].get(*si).and_then(|s| s.flow.continue_on.as_ref());
            (p == NodePhase::Failed && !k.is_some_and(|k| k.failed))
                || (p == NodePhase::Error && !k.is_some_and(|k| k.error))
        });
        if let Some((child, _)) = failed {
            let msg = format!("child '{child}' failed");
            set_phase(t, group_node, NodePhase::Failed, &msg);
            t.run.book.frames.remove(id);
            node::finish(t, id, NodePhase::Failed, msg);
            return;
        }
        set_phase(t, group_node, NodePhase::Succeeded, "");
        if group + 1 < groups.len() {
            start_group(t, id, group + 1);
            continue;
        }
        let run = &mut *t.run;
        let outbound: Vec<String> = children.iter().flat_map(|c| node::outbound(run, c)).collect();
        if let Some(n) = run.status.nodes.get_mut(id) {
            n.outbound_nodes = outbound;
        }
        let (phase, message) = match template_outputs(run, id, &frame, &template) {
            Ok(()) => (NodePhase::Succeeded, String::new()),
            Err(msg) => (NodePhase::Error, msg),
        };
        run.book.frames.remove(id);
        node::finish(t, id, phase, message);
        return;
    }
}

/// The template's `outputs`, from every step's results; globals published.
fn template_outputs(
    run: &mut Run,
    id: &str,
    frame: &Frame,
    template: &Template,
) -> Result<(), String> {
    if template.outputs.parameters.is_empty() && template.outputs.artifacts.is_empty() {
        return Ok(());
    }
    let steps_name = run.status.nodes.get(id).map(|n| n.name.clone()).unwrap_or_default();
    let mut vars = frame.vars.clone();
    for (gi, group) in template.steps.iter().flatten().enumerate() {
        for s in group {
            add_step_scope(run, &mut vars, &format!("{steps_name}[{gi}]"), s);
        }
    }
    let outputs = super::outputs::from_scope(template, &vars)?;
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outputs = outputs;
    }
    super::outputs::publish_globals(run, id);
    Ok(())
}

fn set_phase(t: &mut Tick, id: &str, phase: NodePhase, message: &str) {
    if let Some(n) = t.run.status.nodes.get_mut(id) {
        n.phase = phase;
        n.message = message.to_string();
        n.finished_at = Some(t.now);
    }
}
