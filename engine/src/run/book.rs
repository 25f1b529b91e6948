//! What a run remembers that `status` does not show: for each running
//! Steps or DAG node, where it is and what its children see.

use std::collections::{BTreeSet, HashMap};

use crate::depends::Depends;
use crate::expr::Vars;

/// Per Steps/DAG node ("frame"), by node ID.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub frames: HashMap<String, Frame>,
    /// Pod nodes created, and those that succeeded: `status.progress`,
    /// kept as counters so no event has to count all nodes.
    pub pods: usize,
    pub pods_succeeded: usize,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub template: String,
    /// The template's own scope: globals and its inputs.
    pub vars: Vars,
    pub kind: FrameKind,
}

#[derive(Debug, Clone)]
pub enum FrameKind {
    Steps {
        /// Index of the group running now, and its node.
        group: usize,
        group_node: String,
        /// The group's child nodes with the index of the step each runs
        /// (a looped step has several).
        members: Vec<(String, usize)>,
        /// Set while the group's steps are being started, so that a child
        /// finishing at once does not judge a half-built group.
        starting: bool,
    },
    Dag(DagState),
}

/// A running DAG's bookkeeping. Work per event is proportional to what
/// the event touches: a finished task decrements its dependents' counters
/// and only tasks that reach zero are looked at.
#[derive(Debug, Clone, Default)]
pub struct DagState {
    pub tasks: Vec<TaskSlot>,
    /// For each task, the tasks that depend on it.
    pub dependents: Vec<Vec<usize>>,
    /// Tasks whose dependencies are all settled, waiting to be started;
    /// started in declaration order.
    pub ready: BTreeSet<usize>,
    /// Node ID → task index, for task nodes and loop iterations.
    pub by_node: HashMap<String, usize>,
    /// Tasks started and not yet settled.
    pub open: usize,
    /// Looped tasks whose last iteration just finished.
    pub closing: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct TaskSlot {
    pub name: String,
    /// The node once created.
    pub node: Option<String>,
    /// Indices of the tasks this one depends on.
    pub deps: Vec<usize>,
    pub depends: Option<Depends>,
    /// Dependencies not settled yet.
    pub waiting: usize,
    /// For a looped task (TaskGroup): iterations not settled yet.
    pub open_iterations: usize,
    pub settled: bool,
}
