//! Retrying a finished workflow (Argo's `FormulateRetryWorkflow`): failed
//! and errored pods and everything downstream of them run again; the rest
//! is kept as it was.
//!
//! Argo edits the old status (deletes nodes, resets their enclosing
//! boundaries to Running) and lets the operator walk the tree again,
//! finding kept nodes already complete. We do the same walk with the state
//! machine itself: the run starts from scratch with the kept nodes as a
//! *replay* book, and wherever it would launch a pod or suspend whose node
//! was kept, it takes the recorded outcome (phase, message, outputs, times)
//! instead. Kept nodes of every type keep their `startedAt`/`finishedAt`,
//! so the retried status reads like Argo's: old results untouched, new
//! attempts alongside.

use std::collections::{HashMap, HashSet, VecDeque};

use super::tick::Tick;
use super::{Run, node};
use crate::status::{NodePhase, NodeStatus, NodeType, Time, WorkflowPhase};

/// What `argo retry` takes besides the workflow.
#[derive(Debug, Clone, Default)]
pub struct RetryOptions {
    /// `--restart-successful`: also run again the succeeded nodes the
    /// selector matches (and what follows them).
    pub restart_successful: bool,
    /// `--node-field-selector`, e.g. `displayName=build,phase=Succeeded`.
    pub node_selector: Option<NodeSelector>,
}

/// Why a workflow cannot be retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RetryError(pub String);

/// Argo's node field selector: `field=value` / `field!=value` terms,
/// comma-separated, all of which must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSelector {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: Field,
    equal: bool,
    value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    DisplayName,
    Id,
    Name,
    TemplateName,
    Phase,
    TemplateRefName,
    TemplateRefTemplate,
    InputParameter(String),
}

impl NodeSelector {
    /// Parse `a=b,c!=d`. Fields: `displayName`, `id`, `name`,
    /// `templateName`, `phase`, `templateRef.name`, `templateRef.template`,
    /// `inputs.parameters.<name>.value`.
    pub fn parse(text: &str) -> Result<NodeSelector, RetryError> {
        let mut terms = Vec::new();
        for raw in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (key, equal, value) = if let Some((k, v)) = raw.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = raw.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = raw.split_once('=') {
                (k, true, v)
            } else {
                return Err(RetryError(format!(
                    "node field selector term {raw:?} has no `=` or `!=`"
                )));
            };
            let key = key.trim();
            let field = match key {
                "displayName" => Field::DisplayName,
                "id" => Field::Id,
                "name" => Field::Name,
                "templateName" => Field::TemplateName,
                "phase" => Field::Phase,
                "templateRef.name" => Field::TemplateRefName,
                "templateRef.template" => Field::TemplateRefTemplate,
                other => match other
                    .strip_prefix("inputs.parameters.")
                    .and_then(|r| r.strip_suffix(".value"))
                {
                    Some(p) if !p.is_empty() => Field::InputParameter(p.to_string()),
                    _ => {
                        return Err(RetryError(format!(
                            "node field selector: unknown field {key:?} (use displayName, id, \
                             name, templateName, phase, templateRef.name, \
                             templateRef.template or inputs.parameters.<name>.value)"
                        )));
                    }
                },
            };
            terms.push(Term { field, equal, value: value.trim().to_string() });
        }
        if terms.is_empty() {
            return Err(RetryError("node field selector is empty".into()));
        }
        Ok(NodeSelector { terms })
    }

    pub fn matches(&self, n: &NodeStatus) -> bool {
        self.terms.iter().all(|t| {
            let actual: Option<String> = match &t.field {
                Field::DisplayName => Some(n.display_name.clone()),
                Field::Id => Some(n.id.clone()),
                Field::Name => Some(n.name.clone()),
                Field::TemplateName => n.template_name.clone(),
                Field::Phase => Some(n.phase.as_str().to_string()),
                Field::TemplateRefName => n.template_ref.as_ref().map(|r| r.name.clone()),
                Field::TemplateRefTemplate => n.template_ref.as_ref().map(|r| r.template.clone()),
                Field::InputParameter(p) => n.inputs.as_ref().and_then(|i| {
                    i.parameters.iter().find(|x| x.name == *p)?.value.as_ref().map(|v| v.0.clone())
                }),
            };
            (actual.as_deref() == Some(t.value.as_str())) == t.equal
        })
    }
}

/// The nodes of `previous` a retry keeps, by ID: everything except the
/// nodes to run again, what follows them, their enclosing boundaries and
/// the workflow's exit handler.
pub fn kept_nodes(
    plan_name: &str,
    previous: &super::WorkflowStatus,
    options: &RetryOptions,
) -> Result<super::bookkeeping::Map<String, NodeStatus>, RetryError> {
    let selector = options.node_selector.as_ref().filter(|_| options.restart_successful);
    match previous.phase {
        WorkflowPhase::Failed | WorkflowPhase::Error => {}
        WorkflowPhase::Succeeded if selector.is_some() => {}
        WorkflowPhase::Succeeded => {
            return Err(RetryError(
                "the workflow succeeded: to run parts of it again, pass --restart-successful \
                 with a --node-field-selector naming them"
                    .into(),
            ));
        }
        other => {
            return Err(RetryError(format!(
                "cannot retry a workflow in phase {}: only finished workflows (Failed or Error) \
                 can be retried",
                if other.as_str().is_empty() { "Unknown" } else { other.as_str() }
            )));
        }
    }
    let nodes = &previous.nodes;
    // Each node's parent: the last node listing it among its children.
    let mut parent: HashMap<&str, &str> = HashMap::new();
    for n in nodes.values() {
        for c in &n.children {
            parent.insert(c.as_str(), n.id.as_str());
        }
    }
    let reaches_success = reaches_success(previous);
    let mut start: Vec<&NodeStatus> = nodes
        .values()
        .filter(|n| {
            let selected = selector.is_some_and(|s| s.matches(n));
            let failed_pod = n.node_type == NodeType::Pod && n.phase.is_failure() && {
                // An attempt is judged from its Retry node: a retry that
                // succeeded in the end keeps its failed attempts.
                let from = match parent.get(n.id.as_str()).and_then(|p| nodes.get(*p)) {
                    Some(p) if p.node_type == NodeType::Retry => p.id.as_str(),
                    _ => n.id.as_str(),
                };
                !reaches_success.contains(from)
            };
            selected || failed_pod
        })
        .collect();
    // Breadth-first from the root, as Argo processes them.
    start.sort_by_key(|n| (depth(n.id.as_str(), &parent), n.id.clone()));
    let mut deleted: HashSet<String> = HashSet::new();
    let mut reset: HashSet<String> = HashSet::new();
    let root = crate::status::node_id(plan_name, plan_name);
    let exit_prefix = format!("{plan_name}.onExit");
    for n in nodes.values().filter(|n| n.name.starts_with(&exit_prefix)) {
        deleted.insert(n.id.clone());
    }
    for s in start {
        if deleted.contains(&s.id) {
            continue;
        }
        let mut queue = VecDeque::from([s.id.as_str()]);
        while let Some(id) = queue.pop_front() {
            if !deleted.insert(id.to_string()) {
                continue;
            }
            if let Some(n) = nodes.get(id) {
                queue.extend(n.children.iter().map(String::as_str));
            }
        }
        let mut up = parent.get(s.id.as_str()).copied();
        let mut guard = 0usize;
        while let Some(p) = up {
            guard += 1;
            if guard > nodes.len() {
                break;
            }
            if let Some(n) = nodes.get(p)
                && matches!(
                    n.node_type,
                    NodeType::Retry
                        | NodeType::Steps
                        | NodeType::StepGroup
                        | NodeType::Dag
                        | NodeType::TaskGroup
                )
            {
                reset.insert(p.to_string());
            }
            up = parent.get(p).copied();
        }
        reset.insert(root.clone());
    }
    // A deleted node's own exit handler goes with it.
    let deleted_names: HashSet<&str> =
        nodes.values().filter(|n| deleted.contains(&n.id)).map(|n| n.name.as_str()).collect();
    for n in nodes.values() {
        if let Some((owner, _)) = n.name.rsplit_once(".onExit")
            && deleted_names.contains(owner)
        {
            deleted.insert(n.id.clone());
        }
    }
    Ok(nodes
        .values()
        .filter(|n| !deleted.contains(&n.id) && !reset.contains(&n.id) && n.phase.is_fulfilled())
        .map(|n| (n.id.clone(), n.clone()))
        .collect::<super::bookkeeping::Map<_, _>>())
}

/// Nodes from which a Succeeded node can be reached through `children`.
fn reaches_success(status: &super::WorkflowStatus) -> HashSet<String> {
    let nodes = &status.nodes;
    let mut memo: HashMap<&str, bool> = HashMap::new();
    for start in nodes.keys() {
        // Iterative post-order walk; the graph is acyclic in any status the
        // engine wrote, and a revisit of an open node counts as false.
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        let mut open: HashSet<&str> = HashSet::new();
        while let Some((id, i)) = stack.pop() {
            if memo.contains_key(id) {
                continue;
            }
            open.insert(id);
            let children = nodes.get(id).map(|n| n.children.as_slice()).unwrap_or(&[]);
            if let Some(c) = children.get(i) {
                stack.push((id, i + 1));
                if !memo.contains_key(c.as_str()) && !open.contains(c.as_str()) {
                    stack.push((c.as_str(), 0));
                }
                continue;
            }
            let yes = children.iter().any(|c| {
                nodes.get(c).is_some_and(|n| n.phase == NodePhase::Succeeded)
                    || memo.get(c.as_str()).copied().unwrap_or(false)
            });
            memo.insert(id, yes);
            open.remove(id);
        }
    }
    memo.into_iter().filter(|(_, yes)| *yes).map(|(id, _)| id.to_string()).collect()
}

fn depth(id: &str, parent: &HashMap<&str, &str>) -> usize {
    let mut d = 0;
    let mut at = id;
    while let Some(p) = parent.get(at) {
        d += 1;
        at = p;
        if d > parent.len() {
            break;
        }
    }
    d
}

/// When node `id` starts: `now`, or its recorded start if it was kept.
pub fn started_at(run: &Run, id: &str, now: Time) -> Option<Time> {
    match run.book.replay.get(id) {
        Some(prev) => prev.started_at,
        None => Some(now),
    }
}

/// When node `id` ends as `phase`: `now`, or its recorded end if it was
/// kept and ends as it did.
pub fn finished_at(run: &Run, id: &str, phase: NodePhase, now: Time) -> Option<Time> {
    match run.book.replay.get(id) {
        Some(prev) if prev.phase == phase => prev.finished_at,
        _ => Some(now),
    }
}

/// If the pod or suspend node `id` was kept, end it with its recorded
/// outcome instead of running it. Returns whether it did.
pub fn replay_leaf(t: &mut Tick, id: &str) -> bool {
    let run = &mut *t.run;
    let Some(prev) = run.book.replay.get(id) else { return false };
    if !prev.phase.is_fulfilled() {
        return false;
    }
    let (phase, message, outputs) = (prev.phase, prev.message.clone(), prev.outputs.clone());
    let image = prev.image.clone();
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outputs = outputs;
        n.image = image;
    }
    super::outputs::publish_globals(run, id);
    node::finish(t, id, phase, message);
    true
}

/// For a kept Retry node: its next attempt, if one was recorded.
pub fn recorded_attempt(run: &Run, retry: &str, index: usize) -> Option<String> {
    run.book.replay.get(retry)?;
    let name = run.status.nodes.get(retry).map(|n| format!("{}({index})", n.name))?;
    let id = crate::status::node_id(&run.plan.name, &name);
    run.book.replay.contains_key(&id).then_some(id)
}

/// A kept Retry node's recorded ending.
pub fn recorded(run: &Run, id: &str) -> Option<(NodePhase, String)> {
    run.book.replay.get(id).map(|n| (n.phase, n.message.clone()))
}
