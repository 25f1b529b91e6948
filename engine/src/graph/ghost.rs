//! The whole plan of a running workflow: each DAG or steps node that is
//! still running gets a "ghost" box for every task or step of its
//! template that has not started yet, with the arrows its dependencies
//! give it, so the graph shows what will (or may) run next. A ghost is
//! replaced by the real node when it starts (the node's name is the
//! ghost's, so nothing else has to match them). Argo's UI shows only
//! what has started.
//!
//! Node names follow Argo's: a DAG task of DAG node `d` is `d.task`, step
//! group `i` of steps node `s` is `s[i]` and its steps `s[i].step`.

use std::collections::{HashMap, HashSet};

use super::preview::{called, shape_of, with_loop};
use super::workflow::{Drawing, Shape, Shown};
use crate::depends;
use crate::spec::Template;
use crate::status::{NodePhase, NodeStatus, NodeType};

/// The key of every ghost box starts with this (no node ID does).
pub const GHOST_PREFIX: &str = "ghost:";

/// A task or step not started yet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ghost {
    key: String,
    label: String,
    shape: Shape,
    template: String,
    /// Keys (node IDs or ghost keys) of what it comes after.
    after: Vec<String>,
}

impl Drawing {
    /// [`Drawing::of_run`], plus a ghost box for each task or step of a
    /// running DAG or steps node that has not started (`templates`: the
    /// workflow's, by which the nodes' `templateName`s are looked up).
    pub fn of_running(
        nodes: &[NodeStatus],
        expanded: &HashSet<String>,
        templates: &[Template],
    ) -> Drawing {
        let mut drawing = Drawing::of_run(nodes, expanded);
        let ghosts = ghosts(nodes, templates);
        if ghosts.is_empty() {
            return drawing;
        }
        let mut slot: HashMap<String, usize> =
            drawing.nodes.iter().enumerate().map(|(i, n)| (n.key.clone(), i)).collect();
        for g in ghosts {
            let me = drawing.nodes.len();
            drawing.nodes.push(Shown {
                key: g.key.clone(),
                label: g.label,
                shape: g.shape,
                template: g.template,
                kind: "not started",
                ghost: true,
            });
            for a in &g.after {
                if let Some(&from) = slot.get(a) {
                    drawing.edges.push((from, me));
                }
            }
            slot.insert(g.key, me);
        }
        drawing
    }
}

/// The ghosts of every running DAG and steps node, each after what it
/// waits for (a ghost comes after the ghosts it depends on, so they are
/// listed in an order where that is already known).
fn ghosts(nodes: &[NodeStatus], templates: &[Template]) -> Vec<Ghost> {
    let by_name: HashMap<&str, &Template> =
        templates.iter().map(|t| (t.name.as_str(), t)).collect();
    let named: HashMap<&str, &NodeStatus> = nodes.iter().map(|n| (n.name.as_str(), n)).collect();
    let mut out = Vec::new();
    for node in nodes {
        if !matches!(node.phase, NodePhase::Running | NodePhase::Pending) {
            continue;
        }
        let Some(template) = node.template_name.as_deref().and_then(|t| by_name.get(t)) else {
            continue;
        };
        match node.node_type {
            NodeType::Dag => dag_ghosts(node, template, &named, &by_name, &mut out),
            NodeType::Steps => steps_ghosts(node, template, &named, &by_name, &mut out),
            _ => {}
        }
    }
    out
}

fn dag_ghosts(
    dag_node: &NodeStatus,
    template: &Template,
    named: &HashMap<&str, &NodeStatus>,
    templates: &HashMap<&str, &Template>,
    out: &mut Vec<Ghost>,
) {
    let Some(dag) = &template.dag else { return };
    let key = |task: &str| format!("{GHOST_PREFIX}{}:{task}", dag_node.id);
    let started = |task: &str| named.get(format!("{}.{task}", dag_node.name).as_str()).copied();
    let mut mine: Vec<Ghost> = Vec::new();
    for task in &dag.tasks {
        if started(&task.name).is_some() {
            continue;
        }
        let mut upstream: Vec<String> = task.dependencies.clone().unwrap_or_default();
        if let Some(Ok(parsed)) = task.depends.as_deref().map(depends::parse) {
            upstream.extend(parsed.tasks().into_iter().map(|(n, _)| n.to_string()));
        }
        let mut after: Vec<String> = Vec::new();
        for up in &upstream {
            let Some(spec) = dag.tasks.iter().find(|t| &t.name == up) else { continue };
            let k = started(&spec.name).map_or_else(|| key(&spec.name), |n| n.id.clone());
            if !after.contains(&k) {
                after.push(k);
            }
        }
        if after.is_empty() {
            after.push(dag_node.id.clone());
        }
        mine.push(Ghost {
            key: key(&task.name),
            label: with_loop(&task.name, &task.flow),
            shape: shape_of(&task.call, templates),
            template: called(&task.call),
            after,
        });
    }
    // Dependencies first, so that every arrow's start is already drawn.
    out.extend(dependencies_first(mine));
}

fn steps_ghosts(
    steps_node: &NodeStatus,
    template: &Template,
    named: &HashMap<&str, &NodeStatus>,
    templates: &HashMap<&str, &Template>,
    out: &mut Vec<Ghost>,
) {
    let Some(groups) = &template.steps else { return };
    let group_name = |i: usize| format!("{}[{i}]", steps_node.name);
    // The groups after the last one that has started are ghosts.
    let last_started =
        (0..groups.len()).rev().find(|&i| named.contains_key(group_name(i).as_str()));
    let first_ghost = last_started.map_or(0, |i| i + 1);
    if first_ghost >= groups.len() {
        return;
    }
    let mut before: Vec<String> = match first_ghost.checked_sub(1) {
        None => vec![steps_node.id.clone()],
        Some(last) => {
            let group = named[group_name(last).as_str()];
            if group.children.is_empty() { vec![group.id.clone()] } else { group.children.clone() }
        }
    };
    for (i, group) in groups.iter().enumerate().skip(first_ghost) {
        let dot = format!("{GHOST_PREFIX}{}:[{i}]", steps_node.id);
        out.push(Ghost {
            key: dot.clone(),
            label: format!("[{i}]"),
            shape: Shape::Group,
            template: String::new(),
            after: before,
        });
        before = group
            .iter()
            .map(|step| {
                let key = format!("{dot}.{}", step.name);
                out.push(Ghost {
                    key: key.clone(),
                    label: with_loop(&step.name, &step.flow),
                    shape: shape_of(&step.call, templates),
                    template: called(&step.call),
                    after: vec![dot.clone()],
                });
                key
            })
            .collect();
        if before.is_empty() {
            before = vec![dot];
        }
    }
}

/// `ghosts` ordered so each comes after the ghosts it depends on (a
/// cycle, which lint refuses, keeps the rest in the written order).
fn dependencies_first(mut ghosts: Vec<Ghost>) -> Vec<Ghost> {
    let mut done: HashSet<String> = HashSet::new();
    let mut ordered = Vec::with_capacity(ghosts.len());
    let pending: HashSet<String> = ghosts.iter().map(|g| g.key.clone()).collect();
    while !ghosts.is_empty() {
        let before = ghosts.len();
        let (ready, waiting): (Vec<Ghost>, Vec<Ghost>) = ghosts
            .into_iter()
            .partition(|g| g.after.iter().all(|a| !pending.contains(a) || done.contains(a)));
        for g in &ready {
            done.insert(g.key.clone());
        }
        ordered.extend(ready);
        ghosts = waiting;
        if ghosts.len() == before {
            ordered.append(&mut ghosts);
        }
    }
    ordered
}
