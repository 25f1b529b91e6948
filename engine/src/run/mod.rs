//! Running a workflow: the execution state machine (issue 3, in progress;
//! see `docs/design/state-machine.md`).
//!
//! [`Run::start`] and [`Run::step`] take events and return actions; they
//! never sleep, spawn or read a clock. So far it runs container and script
//! templates, steps (groups, `when`, `continueOn`, loops with aggregated
//! outputs) and DAGs (`dependencies`/`depends`, Omitted, `failFast`);
//! retries, suspend, exit handlers, hooks and deadlines come next and are
//! refused with a clear error until then.

mod book;
mod dag;
mod loops;
mod node;
pub mod plan;
mod pod;
mod scope;
mod steps;
mod template;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

pub use plan::{Plan, PlanError, Submission, plan};

use crate::status::{NodePhase, Time, WorkflowPhase, WorkflowStatus};
use book::Book;

/// What a container did, as an executor reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exit {
    pub code: i32,
    /// stdout, already trimmed of one trailing newline and cut to 256 KiB.
    pub result: Option<String>,
    /// Output parameters read from `valueFrom.path`, by name.
    pub parameters: BTreeMap<String, String>,
}

/// Something that happened to a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The executor started the node's process or pod.
    NodeStarted { node: String },
    /// The node's main container exited.
    NodeExited { node: String, exit: Exit },
    /// The node could not be started at all (image unknown, …): Error.
    NodeFailedToStart { node: String, message: String },
}

/// Something the executor must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Launch(LaunchSpec),
}

/// A pod-producing node, resolved: every `{{…}}` substituted.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchSpec {
    pub node: String,
    pub pod_name: String,
    pub template: String,
    /// The container (or the script template's container plus `source`)
    /// as JSON, with Kubernetes field names.
    pub container: Value,
    /// For script templates: the source to write to a file and run.
    pub source: Option<String>,
    /// Output parameters to read after exit: `(name, path)` from
    /// `outputs.parameters[].valueFrom.path`, substituted.
    pub output_paths: Vec<(String, String)>,
    /// Files to place before the process starts: input artifacts with
    /// `raw.data`, as `(path, contents)`.
    pub files: Vec<(String, String)>,
    /// `activeDeadlineSeconds` of the template, if any: the executor kills
    /// the process after this long (the engine also arms a timer).
    pub deadline_seconds: Option<u64>,
}

/// One workflow run.
#[derive(Debug, Clone)]
pub struct Run {
    pub plan: Arc<Plan>,
    pub status: WorkflowStatus,
    book: Book,
}

impl Run {
    /// Begin a run: the entrypoint's node and the first actions.
    pub fn start(plan: Arc<Plan>, now: Time) -> (Run, Vec<Action>) {
        let status = WorkflowStatus {
            phase: WorkflowPhase::Running,
            started_at: Some(now),
            ..Default::default()
        };
        let mut run = Run { plan, status, book: Book::default() };
        let mut out = Vec::new();
        template::start_entrypoint(&mut run, now, &mut out);
        run.settle(now);
        (run, out)
    }

    /// Apply one event.
    pub fn step(&mut self, event: Event, now: Time) -> Vec<Action> {
        let mut out = Vec::new();
        match event {
            Event::NodeStarted { node } => pod::started(self, &node, now),
            Event::NodeExited { node, exit } => pod::exited(self, &node, exit, now, &mut out),
            Event::NodeFailedToStart { node, message } => {
                node::finish(self, &node, NodePhase::Error, message, now, &mut out)
            }
        }
        self.settle(now);
        out
    }

    /// The workflow phase follows the root node.
    fn settle(&mut self, now: Time) {
        let root = self.plan.name.clone();
        let Some(r) = self.status.nodes.get(&root) else { return };
        let phase = match r.phase {
            NodePhase::Succeeded | NodePhase::Skipped | NodePhase::Omitted => {
                WorkflowPhase::Succeeded
            }
            NodePhase::Failed => WorkflowPhase::Failed,
            NodePhase::Error => WorkflowPhase::Error,
            NodePhase::Pending | NodePhase::Running => WorkflowPhase::Running,
        };
        if phase.is_completed() && !self.status.phase.is_completed() {
            self.status.message = r.message.clone();
            self.status.finished_at = Some(now);
        }
        self.status.phase = phase;
        self.status.progress = node::progress(self);
    }

    pub fn is_done(&self) -> bool {
        self.status.phase.is_completed()
    }
}

#[cfg(test)]
mod tests;
