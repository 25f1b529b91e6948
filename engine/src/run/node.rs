//! Creating nodes, linking them, finishing them, and what follows from a
//! node finishing (its boundary advances).

use super::tick::Tick;
use super::{Run, template};
use crate::status::{NodePhase, NodeStatus, NodeType, node_id};

/// A node to add: its place in the tree and how it starts.
pub struct NewNode<'a> {
    /// The node's name (`wf[0].step`, `wf.task(0:x)`, …); its ID follows.
    pub name: &'a str,
    pub node_type: NodeType,
    /// The name it shows for its template, if it runs one.
    pub template: Option<&'a str>,
    /// The Steps or DAG node it belongs to (none for the root).
    pub boundary: Option<&'a str>,
    pub phase: NodePhase,
    pub message: String,
}

/// Add a node; returns its ID. Nodes born fulfilled (Skipped, Omitted,
/// Error) get `finishedAt = startedAt`, as Argo's `initializeNode` does.
pub fn create(t: &mut Tick, new: NewNode) -> String {
    let NewNode { name, node_type, template, boundary, phase, message } = new;
    let run = &mut *t.run;
    let id = node_id(&run.plan.name, name);
    let display = match boundary.and_then(|b| run.status.nodes.get(b)) {
        Some(b) => display_name(name, &b.name),
        None => name.to_string(),
    };
    let node = NodeStatus {
        id: id.clone(),
        name: name.to_string(),
        display_name: display,
        node_type,
        template_name: template.map(str::to_string),
        template_ref: None,
        phase,
        boundary_id: boundary.map(str::to_string),
        message,
        // A node kept by a retry keeps its times (`rerun`).
        started_at: super::rerun::started_at(run, &id, t.now),
        finished_at: if phase.is_fulfilled() {
            super::rerun::finished_at(run, &id, phase, t.now)
        } else {
            None
        },
        progress: String::new(),
        inputs: None,
        outputs: None,
        children: Vec::new(),
        outbound_nodes: Vec::new(),
        host_node_name: None,
        pod_ip: None,
        daemoned: None,
        image: None,
    };
    if matches!(node_type, NodeType::Pod | NodeType::Suspend) {
        run.book.pods += 1;
    }
    run.status.nodes.insert(id.clone(), node);
    id
}

/// `name` without its boundary's name and the separator after it
/// (`wf[0].a` under `wf` is `a`; `wf.b` under `wf` is `b`).
fn display_name(name: &str, boundary: &str) -> String {
    let rest = name.strip_prefix(boundary).unwrap_or(name);
    let rest = match rest.strip_prefix('[') {
        Some(r) => match r.find(']') {
            Some(i) if r[..i].bytes().all(|b| b.is_ascii_digit()) => &r[i + 1..],
            _ => rest,
        },
        None => rest,
    };
    rest.strip_prefix('.').unwrap_or(rest).to_string()
}

/// Link `child` under `parent`. Callers link each pair once (they dedupe
/// their parent lists), so this does not scan `children` — a fan-out of
/// 100,000 tasks under one node must not cost 100,000² comparisons.
pub fn add_child(run: &mut Run, parent: &str, child: &str) {
    if let Some(p) = run.status.nodes.get_mut(parent) {
        p.children.push(child.to_string());
    }
}

pub fn phase(run: &Run, id: &str) -> Option<NodePhase> {
    run.status.nodes.get(id).map(|n| n.phase)
}

/// Mark a node finished, then pass the news on: to its Retry node if it
/// is an attempt, else — once its exit handler (if any) has run — to its
/// boundary.
pub fn finish(t: &mut Tick, id: &str, phase: NodePhase, message: String) {
    let finished_at = super::rerun::finished_at(t.run, id, phase, t.now);
    let book = &mut t.run.book;
    let Some(n) = t.run.status.nodes.get_mut(id) else { return };
    if n.phase.is_fulfilled() {
        return;
    }
    n.phase = phase;
    n.message = message;
    n.finished_at = finished_at;
    if n.node_type == NodeType::Suspend && phase == NodePhase::Succeeded {
        book.pods_succeeded += 1;
    }
    if n.node_type == NodeType::Pod {
        if phase == NodePhase::Succeeded {
            book.pods_succeeded += 1;
        }
        if book.active_pods.swap_remove(id) {
            super::pod::done(t, id);
        }
    }
    t.run.book.suspended.remove(id);
    fulfilled(t, id);
}

/// `id` is fulfilled (finished now, or born fulfilled): tell whoever
/// waits for it.
pub fn fulfilled(t: &mut Tick, id: &str) {
    let book = &t.run.book;
    if let Some(retry) = book.attempt_of.get(id).cloned() {
        super::retry_node::next(t, &retry);
        return;
    }
    if !book.hook_of.is_empty() || !book.hooks.is_empty() || !book.open_hooks.is_empty() {
        if book.hook_of.contains_key(id) {
            if let Some(owner) = super::hooks::hook_done(t.run, id) {
                after_hooks(t, &owner);
            }
            return;
        }
        if super::hooks::owner_done(t, id) {
            return;
        }
    }
    after_hooks(t, id);
}

/// `id` is fulfilled and its hooks are over: its exit handler, then its
/// boundary.
fn after_hooks(t: &mut Tick, id: &str) {
    if let Some(exit) = t.run.book.exits.remove(id)
        && super::exit::start_for(t, id, exit)
    {
        return;
    }
    let owner = t.run.book.exit_of.get(id).cloned();
    let id = match &owner {
        Some(o) => {
            t.run.book.awaiting_exit.remove(o);
            o.as_str()
        }
        None => id,
    };
    let boundary = t.run.status.nodes.get(id).and_then(|n| n.boundary_id.clone());
    if let Some(b) = boundary {
        template::child_done(t, &b, id);
    }
}

/// The nodes a following node hangs off (Argo's `getOutboundNodes`).
pub fn outbound(run: &Run, id: &str) -> Vec<String> {
    let Some(n) = run.status.nodes.get(id) else { return Vec::new() };
    match n.node_type {
        NodeType::Steps | NodeType::Dag => {
            if n.outbound_nodes.is_empty() {
                vec![id.to_string()]
            } else {
                n.outbound_nodes.iter().flat_map(|o| outbound(run, o)).collect()
            }
        }
        NodeType::TaskGroup if !n.children.is_empty() => {
            n.children.iter().flat_map(|c| outbound(run, c)).collect()
        }
        NodeType::StepGroup => Vec::new(),
        NodeType::Retry => {
            match n.children.iter().rev().find(|c| run.book.attempt_of.contains_key(*c)) {
                Some(last) => outbound(run, last),
                None => vec![id.to_string()],
            }
        }
        _ => vec![id.to_string()],
    }
}

/// `N/M`: pods (and suspend nodes) that succeeded out of those created.
pub fn progress(run: &Run) -> String {
    let (done, total) = (run.book.pods_succeeded, run.book.pods);
    if total == 0 { String::new() } else { format!("{done}/{total}") }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn display_names() {
        assert_eq!(display_name("wf[0].a", "wf"), "a");
        assert_eq!(display_name("wf[1]", "wf"), "");
        assert_eq!(display_name("wf.b", "wf"), "b");
        assert_eq!(display_name("wf.b.c", "wf.b"), "c");
    }
}
