//! The final tree of nodes, like `argo get`: one line per node, indented
//! under its parent, with phase, template, duration and message.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use engine::status::{NodePhase, NodeStatus, NodeType, WorkflowStatus};

pub fn print(out: &mut impl Write, name: &str, s: &WorkflowStatus, colour: bool) -> io::Result<()> {
    let phase = s.phase.as_str();
    writeln!(out)?;
    writeln!(out, "Name:       {name}")?;
    writeln!(out, "Status:     {}", paint(colour, phase_colour_wf(phase), phase))?;
    if !s.message.is_empty() {
        writeln!(out, "Message:    {}", s.message)?;
    }
    if let (Some(a), Some(b)) = (s.started_at, s.finished_at) {
        writeln!(out, "Duration:   {}", duration(b.0 - a.0))?;
    }
    if !s.progress.is_empty() {
        writeln!(out, "Progress:   {}", s.progress)?;
    }
    if let Some(o) = &s.outputs {
        for p in &o.parameters {
            writeln!(out, "Output:     {} = {}", p.name, p.value.as_deref().unwrap_or(""))?;
        }
    }
    writeln!(out)?;
    let mut tree = Tree::new(out, s, colour);
    if let Some(root) = s.nodes.get(name) {
        tree.line(root, "", true, true)?;
    }
    let exit_name = format!("{name}.onExit");
    if let Some(exit) = s.nodes.values().find(|n| n.name == exit_name) {
        tree.seen.clear();
        tree.line(exit, "", true, true)?;
    }
    Ok(())
}

/// Nodes by the Steps/DAG node they run inside.
type Inside<'a> = HashMap<&'a str, Vec<&'a NodeStatus>>;

/// What is drawn under `n`: a Steps node's steps group by group; a DAG's
/// tasks in start order; a Retry's attempts and a TaskGroup's iterations;
/// any node's own exit handler.
fn below<'a>(run: &'a WorkflowStatus, inside: &Inside<'a>, n: &NodeStatus) -> Vec<&'a NodeStatus> {
    let nodes = &run.nodes;
    let own = |c: &&NodeStatus| c.name.starts_with(&format!("{}.onExit", n.name));
    let mut out: Vec<&NodeStatus> = match n.node_type {
        NodeType::Steps => {
            let mut groups: Vec<&NodeStatus> = inside
                .get(n.id.as_str())
                .into_iter()
                .flatten()
                .copied()
                .filter(|c| c.node_type == NodeType::StepGroup)
                .collect();
            groups.sort_by_key(|g| group_index(&g.name));
            groups
                .iter()
                .flat_map(|g| g.children.iter().filter_map(|c| nodes.get(c)))
                .filter(|c| c.boundary_id.as_deref() == Some(n.id.as_str()) && !own(c))
                .collect()
        }
        NodeType::Dag => {
            let mut tasks: Vec<&NodeStatus> = inside
                .get(n.id.as_str())
                .into_iter()
                .flatten()
                .copied()
                .filter(|c| {
                    !c.name.contains(".onExit")
                        && !c.name[n.name.len()..].trim_start_matches('.').contains('(')
                })
                .collect();
            tasks.sort_by(|a, b| (a.started_at, &a.name).cmp(&(b.started_at, &b.name)));
            tasks
        }
        NodeType::Retry | NodeType::TaskGroup => {
            n.children.iter().filter_map(|c| nodes.get(c)).filter(|c| !own(c)).collect()
        }
        _ => Vec::new(),
    };
    out.extend(n.children.iter().filter_map(|c| nodes.get(c)).filter(|c| own(c)));
    out
}

fn group_index(name: &str) -> usize {
    name.rsplit('[').next().and_then(|r| r.trim_end_matches(']').parse().ok()).unwrap_or(0)
}

/// Printing the tree: where lines go, the run they come from.
struct Tree<'a, W> {
    out: &'a mut W,
    run: &'a WorkflowStatus,
    inside: Inside<'a>,
    /// Nodes printed (a node is printed once, under its first parent).
    seen: HashSet<String>,
    colour: bool,
}

impl<'a, W: Write> Tree<'a, W> {
    fn new(out: &'a mut W, run: &'a WorkflowStatus, colour: bool) -> Self {
        let mut inside: Inside = HashMap::new();
        for node in run.nodes.values() {
            if let Some(b) = &node.boundary_id {
                inside.entry(b.as_str()).or_default().push(node);
            }
        }
        Tree { out, run, inside, seen: HashSet::new(), colour }
    }

    /// `n`'s line, then its children's, indented under it.
    fn line(&mut self, n: &NodeStatus, indent: &str, last: bool, top: bool) -> io::Result<()> {
        if !self.seen.insert(n.id.clone()) {
            return Ok(());
        }
        let (branch, next_indent) = if top {
            (String::new(), String::new())
        } else if last {
            (format!("{indent}└─"), format!("{indent}  "))
        } else {
            (format!("{indent}├─"), format!("{indent}│ "))
        };
        let name = if top { n.name.as_str() } else { n.display_name.as_str() };
        let dur = match (n.started_at, n.finished_at) {
            (Some(a), Some(b)) => duration(b.0 - a.0),
            _ => String::new(),
        };
        let template = n.template_name.clone().unwrap_or_default();
        writeln!(
            self.out,
            "{branch}{} {:<28} {:<20} {:>6}  {}",
            paint(self.colour, phase_colour(n.phase), symbol(n.phase)),
            name,
            template,
            dur,
            n.message
        )?;
        let (run, inside) = (self.run, &self.inside);
        let children: Vec<&NodeStatus> =
            below(run, inside, n).into_iter().filter(|c| !self.seen.contains(&c.id)).collect();
        for (i, c) in children.iter().enumerate() {
            let last = i + 1 == children.len();
            self.line(c, &next_indent, last, false)?;
        }
        Ok(())
    }
}

fn symbol(p: NodePhase) -> &'static str {
    match p {
        NodePhase::Succeeded => "✔",
        NodePhase::Failed => "✖",
        NodePhase::Error => "⚠",
        NodePhase::Skipped | NodePhase::Omitted => "○",
        NodePhase::Running => "●",
        NodePhase::Pending => "◷",
    }
}

fn phase_colour(p: NodePhase) -> &'static str {
    match p {
        NodePhase::Succeeded => "32",
        NodePhase::Failed | NodePhase::Error => "31",
        NodePhase::Running | NodePhase::Pending => "36",
        NodePhase::Skipped | NodePhase::Omitted => "2",
    }
}

fn phase_colour_wf(p: &str) -> &'static str {
    match p {
        "Succeeded" => "32",
        "Failed" | "Error" => "31",
        _ => "36",
    }
}

fn paint(on: bool, code: &str, s: &str) -> String {
    if on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
}

fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{}s", s / 60, s % 60),
        s => format!("{}h{}m", s / 3600, (s % 3600) / 60),
    }
}
