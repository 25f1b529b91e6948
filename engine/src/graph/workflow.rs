//! What the graph of a run shows: one box per node of `status.nodes`,
//! arrows from each node to its `children` (Argo's own edges: a DAG to its
//! first tasks, a task to its dependents, a step group to its steps and
//! each step to the next group), the exit handler after the run's last
//! nodes; wide fan-outs folded into one "N hidden nodes" box, a retry's
//! earlier attempts into one "N earlier attempts" box.

use std::collections::{HashMap, HashSet};

use super::layout::Size;
use crate::status::{NodePhase, NodeStatus, NodeType};

/// A parent with more children than this has them folded (unless
/// expanded).
pub const FOLD_ABOVE: usize = 24;
/// How many of a folded fan-out's children stay in view, in order; failed
/// ones are kept in view besides, up to as many again.
pub const FOLD_KEEP: usize = 8;

/// How a box is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Something that ran (or would): a pod, a suspend, a skipped step.
    Task,
    /// A DAG or steps template (a box of its own, drawn lighter), or a
    /// retry wrapper.
    Template,
    /// A step group or a task group: a dot.
    Group,
    /// `count` children of `parent` not shown; expanding `parent` shows
    /// them.
    Folded { parent: String, count: usize },
}

/// One box.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shown {
    /// The node's ID; for a folded box, the parent's ID + `/folded`.
    pub key: String,
    pub label: String,
    pub shape: Shape,
    /// The template it runs (what a search by template matches); empty
    /// for a box that runs none.
    pub template: String,
    /// What the node is, in a word or two (pod, DAG, steps, retry,
    /// loop, suspend, exit handler, not started); empty when the box
    /// says it by its shape.
    pub kind: &'static str,
    /// A task that has not started (see [`super::ghost`]).
    pub ghost: bool,
}

/// Boxes and arrows (indexes into `nodes`), ready for [`super::layout`].
/// Two drawings are equal when their structure is: a change of phase
/// alone does not change the drawing, so it needs no new layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Drawing {
    pub nodes: Vec<Shown>,
    pub edges: Vec<(usize, usize)>,
}

/// Labels longer than this are cut (the full name is in the tooltip).
pub const LABEL_CHARS: usize = 28;

impl Shown {
    /// The label as drawn: at most [`LABEL_CHARS`] characters.
    pub fn short_label(&self) -> String {
        if self.label.chars().count() <= LABEL_CHARS {
            return self.label.clone();
        }
        let mut cut: String = self.label.chars().take(LABEL_CHARS - 1).collect();
        cut.push('…');
        cut
    }

    /// The box's size in CSS pixels (text at ~7 px a character).
    pub fn size(&self) -> Size {
        let text = self.short_label().chars().count() as f64 * 7.0;
        // A template box says its kind after its label, a task under it
        // (with its time at the other end), in smaller type.
        let kind = self.kind.chars().count() as f64 * 6.0;
        match self.shape {
            Shape::Task => Size { width: (text + 44.0).max(kind + 90.0).max(96.0), height: 36.0 },
            Shape::Template => Size { width: (text + kind + 40.0).max(64.0), height: 26.0 },
            Shape::Group => Size { width: 14.0, height: 14.0 },
            Shape::Folded { .. } => Size { width: (text + 28.0).max(120.0), height: 30.0 },
        }
    }
}

impl Drawing {
    pub fn sizes(&self) -> Vec<Size> {
        self.nodes.iter().map(Shown::size).collect()
    }

    /// The drawing of a run's nodes (in `status.nodes` order). Fan-outs
    /// of more than [`FOLD_ABOVE`] children are folded unless their
    /// parent's ID is in `expanded`.
    pub fn of_run(nodes: &[NodeStatus], expanded: &HashSet<String>) -> Drawing {
        let index: HashMap<&str, usize> =
            nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
        // Each node's children that exist, once each, in order.
        let children: Vec<Vec<usize>> = nodes
            .iter()
            .map(|n| {
                let mut seen = HashSet::new();
                n.children
                    .iter()
                    .filter_map(|c| index.get(c.as_str()).copied())
                    .filter(|&c| seen.insert(c))
                    .collect()
            })
            .collect();
        let mut has_parent = vec![false; nodes.len()];
        for &c in children.iter().flatten() {
            has_parent[c] = true;
        }
        let roots: Vec<usize> = (0..nodes.len()).filter(|&v| !has_parent[v]).collect();

        // What is in view: everything reachable from the roots, except the
        // folded children of a wide fan-out.
        let mut slot: Vec<Option<usize>> = vec![None; nodes.len()];
        let mut drawing = Drawing::default();
        // (parent, hidden kids, what they are)
        let mut folds: Vec<(usize, Vec<usize>, Hidden)> = Vec::new();
        let mut queue = std::collections::VecDeque::new();
        for &r in &roots {
            slot[r] = Some(drawing.push(shown(&nodes[r])));
            queue.push_back(r);
        }
        while let Some(v) = queue.pop_front() {
            let kids = &children[v];
            let open = expanded.contains(&nodes[v].id);
            let (keep, hide, what) = match kids.split_last() {
                // A retry's attempts: the last in view, the earlier ones
                // (failed, or they would not have been retried) grouped.
                Some((&last, earlier))
                    if !open && !earlier.is_empty() && nodes[v].node_type == NodeType::Retry =>
                {
                    (vec![last], earlier.to_vec(), Hidden::Attempts)
                }
                _ if !open && kids.len() > FOLD_ABOVE => {
                    let (keep, hide) = fold(kids, nodes);
                    (keep, hide, Hidden::Nodes)
                }
                _ => (kids.clone(), Vec::new(), Hidden::Nodes),
            };
            for w in keep {
                if slot[w].is_none() {
                    slot[w] = Some(drawing.push(shown(&nodes[w])));
                    queue.push_back(w);
                }
            }
            if !hide.is_empty() {
                folds.push((v, hide, what));
            }
        }
        // Nodes reachable only through folded children belong to that
        // fold's box.
        let mut owner: Vec<Option<usize>> = vec![None; nodes.len()];
        for (parent, hide, what) in &folds {
            let hidden: Vec<usize> = hide.iter().copied().filter(|&w| slot[w].is_none()).collect();
            if hidden.is_empty() {
                continue;
            }
            let id = &nodes[*parent].id;
            let count = hidden.len();
            let folded = drawing.push(Shown {
                key: format!("{id}/folded"),
                label: what.label(count),
                shape: Shape::Folded { parent: id.clone(), count },
                template: String::new(),
                kind: "",
                ghost: false,
            });
            let mut stack = hidden;
            while let Some(w) = stack.pop() {
                if slot[w].is_some() || owner[w].is_some() {
                    continue;
                }
                owner[w] = Some(folded);
                stack.extend(children[w].iter().copied());
            }
            if let Some(p) = slot[*parent] {
                drawing.edges.push((p, folded));
            }
        }
        // Arrows: between nodes in view, and from a fold's box to what its
        // hidden nodes lead to.
        let mut seen: HashSet<(usize, usize)> = drawing.edges.iter().copied().collect();
        for (v, kids) in children.iter().enumerate() {
            let from = slot[v].or(owner[v]);
            for &w in kids {
                if let (Some(a), Some(b)) = (from, slot[w])
                    && seen.insert((a, b))
                {
                    drawing.edges.push((a, b));
                }
            }
        }
        // The exit handler runs after the whole run: draw it after the
        // run's last nodes (Argo's UI does the same).
        if let Some(&main) = roots.first() {
            for &r in &roots[1..] {
                if !nodes[r].name.ends_with(".onExit") {
                    continue;
                }
                let ends: Vec<usize> = nodes[main]
                    .outbound_nodes
                    .iter()
                    .filter_map(|o| index.get(o.as_str()).and_then(|&o| slot[o].or(owner[o])))
                    .collect();
                let ends = if ends.is_empty() { slot[main].into_iter().collect() } else { ends };
                for a in ends {
                    if let Some(b) = slot[r]
                        && seen.insert((a, b))
                    {
                        drawing.edges.push((a, b));
                    }
                }
            }
        }
        drawing
    }

    /// The drawing without the boxes whose keys are in `hidden`: what
    /// led into a hidden box now leads to what came out of it (so a
    /// chain keeps its order), each arrow once.
    pub fn without(&self, hidden: &HashSet<String>) -> Drawing {
        let gone: Vec<bool> = self.nodes.iter().map(|n| hidden.contains(&n.key)).collect();
        if !gone.contains(&true) {
            return self.clone();
        }
        let mut out_of: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for &(a, b) in &self.edges {
            out_of[a].push(b);
        }
        // Where each kept box's arrows end: kept boxes, through any
        // number of hidden ones.
        let mut slot = vec![None; self.nodes.len()];
        let mut drawing = Drawing::default();
        for (i, n) in self.nodes.iter().enumerate() {
            if !gone[i] {
                slot[i] = Some(drawing.push(n.clone()));
            }
        }
        let mut seen = HashSet::new();
        for a in 0..self.nodes.len() {
            let Some(from) = slot[a] else { continue };
            let mut stack: Vec<usize> = out_of[a].clone();
            let mut visited = HashSet::new();
            while let Some(b) = stack.pop() {
                if !visited.insert(b) {
                    continue;
                }
                match slot[b] {
                    Some(to) => {
                        if seen.insert((from, to)) {
                            drawing.edges.push((from, to));
                        }
                    }
                    None => stack.extend(out_of[b].iter().copied()),
                }
            }
        }
        drawing
    }

    fn push(&mut self, shown: Shown) -> usize {
        self.nodes.push(shown);
        self.nodes.len() - 1
    }
}

/// What a folded box stands for.
#[derive(Debug, Clone, Copy)]
enum Hidden {
    /// Children of a wide fan-out (a loop's items, many tasks).
    Nodes,
    /// A retry's earlier attempts.
    Attempts,
}

impl Hidden {
    fn label(self, count: usize) -> String {
        let plural = if count == 1 { "" } else { "s" };
        match self {
            Hidden::Nodes => format!("{count} hidden node{plural}"),
            Hidden::Attempts => format!("{count} earlier attempt{plural}"),
        }
    }
}

/// Which of a wide fan-out's children stay in view: the first
/// [`FOLD_KEEP`], and failed ones up to as many again.
fn fold(kids: &[usize], nodes: &[NodeStatus]) -> (Vec<usize>, Vec<usize>) {
    let mut keep = Vec::new();
    let mut hide = Vec::new();
    let mut failures = 0;
    for (i, &w) in kids.iter().enumerate() {
        let failed = matches!(nodes[w].phase, NodePhase::Failed | NodePhase::Error);
        if i < FOLD_KEEP {
            keep.push(w);
        } else if failed && failures < FOLD_KEEP {
            failures += 1;
            keep.push(w);
        } else {
            hide.push(w);
        }
    }
    (keep, hide)
}

fn shown(node: &NodeStatus) -> Shown {
    let shape = match node.node_type {
        NodeType::StepGroup | NodeType::TaskGroup => Shape::Group,
        NodeType::Steps | NodeType::Dag | NodeType::Retry => Shape::Template,
        NodeType::Pod
        | NodeType::Container
        | NodeType::Skipped
        | NodeType::Suspend
        | NodeType::Http
        | NodeType::Plugin => Shape::Task,
    };
    let label = if node.display_name.is_empty() { &node.name } else { &node.display_name };
    let template = node
        .template_name
        .clone()
        .or_else(|| node.template_ref.as_ref().map(|r| r.template.clone()))
        .unwrap_or_default();
    Shown {
        key: node.id.clone(),
        label: label.clone(),
        shape,
        template,
        kind: kind(node),
        ghost: false,
    }
}

/// What a node is, in a word or two.
fn kind(node: &NodeStatus) -> &'static str {
    if node.name.ends_with(".onExit") {
        return "exit handler";
    }
    match node.node_type {
        NodeType::Pod => "pod",
        NodeType::Container => "container",
        NodeType::Steps => "steps",
        NodeType::Dag => "DAG",
        NodeType::Retry => "retry",
        NodeType::TaskGroup => "loop",
        NodeType::StepGroup => "step group",
        NodeType::Skipped => "skipped",
        NodeType::Suspend => "suspend",
        NodeType::Http => "HTTP",
        NodeType::Plugin => "plugin",
    }
}
