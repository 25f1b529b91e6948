//! What a run remembers that `status` does not show: for each running
//! Steps or DAG node, where it is and what its children see.

use std::collections::HashMap;

use crate::depends::Depends;
use crate::expr::Vars;

/// Per Steps/DAG node ("frame"), by node ID.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pub frames: HashMap<String, Frame>,
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
    Dag {
        tasks: Vec<TaskSlot>,
    },
}

#[derive(Debug, Clone)]
pub struct TaskSlot {
    pub name: String,
    /// The node once created.
    pub node: Option<String>,
    /// Indices of the tasks this one depends on.
    pub deps: Vec<usize>,
    pub depends: Option<Depends>,
}
