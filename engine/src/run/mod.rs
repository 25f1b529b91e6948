//! Running a workflow: the execution state machine (see
//! `docs/design/state-machine.md`).
//!
//! [`Run::start`], [`Run::retry`] and [`Run::step`] take events and return
//! actions; they never sleep, spawn or read a clock. A run executes
//! container and script templates, steps (groups, `when`, `continueOn`,
//! loops with aggregated outputs), DAGs (`dependencies`/`depends`,
//! Omitted, `failFast`), suspend templates, retries, exit handlers,
//! lifecycle hooks, deadlines, `parallelism`, stop, terminate and resume.
//! A template of another kind (containerSet, resource, http, data,
//! plugin) ends as an Error node that says Keelson does not run it.

pub mod artifact_gc;
mod artifacts;
mod bookkeeping;
mod dag;
mod exit;
mod hooks;
mod interrupts;
mod loops;
mod node;
mod outputs;
pub mod plan;
mod pod;
mod rerun;
mod resubmit;
mod retry_node;
mod scope;
mod steps;
mod suspend;
mod template;
mod tick;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use artifacts::MAIN_LOGS;
pub use plan::{Plan, PlanError, Submission, plan, plan_in};
pub use rerun::{NodeSelector, RetryError, RetryOptions};
pub use resubmit::{RESUBMITTED_FROM, resubmit};

use crate::spec::{Artifact, ArtifactLocation};
use crate::status::{NodePhase, Time, WorkflowPhase, WorkflowStatus};
use bookkeeping::{Bookkeeping, Shutdown};
use tick::Tick;

/// What a container did, as an executor reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exit {
    pub code: i32,
    /// stdout, already trimmed of one trailing newline and cut to 256 KiB.
    pub result: Option<String>,
    /// Output parameters read from `valueFrom.path`, by name.
    pub parameters: BTreeMap<String, String>,
    /// Output artifacts saved, each with the location it was saved to
    /// (an optional one whose path did not exist is left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    /// Why the outputs could not all be saved (a required artifact's path
    /// missing, a store refusing): the node ends in Error with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_error: Option<String>,
    /// Why the container ended when it was not the command's own doing
    /// (Kubernetes' `OOMKilled`, `DeadlineExceeded`…): the node's message
    /// says it, as Argo's does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Something that happened to a run. Serialisable: a server keeps each
/// one, with the time it was applied, and rebuilds a run by replaying them
/// (the engine is deterministic; see `docs/design/server.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum Event {
    /// The executor started the node's process or pod.
    NodeStarted { node: String },
    /// The node's main container exited (also after a [`Action::Kill`]).
    NodeExited { node: String, exit: Exit },
    /// The node could not be started at all (image unknown, …): Error.
    NodeFailedToStart { node: String, message: String },
    /// A timer armed by [`Action::ArmTimer`] is due.
    TimerFired { timer: Timer },
    /// Resume suspended nodes: all of them, or the one named (node ID).
    Resume { node: Option<String> },
    /// `argo stop`: running pods are killed, nothing new starts except
    /// exit handlers, which do run.
    Stop,
    /// `argo terminate`: like stop, and exit handlers do not run.
    Terminate,
    /// `argo node set` (the API's `set`): a suspended node's supplied
    /// output parameters and message; a phase of Succeeded, Failed or
    /// Error ends it so (Argo's `SetWorkflow`). Other nodes are left as
    /// they are.
    SetNode {
        node: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        phase: Option<crate::status::NodePhase>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        outputs: std::collections::BTreeMap<String, String>,
    },
    /// `argo suspend`: nothing new starts (launches are held back, the
    /// nodes stay Pending) until `Resume { node: None }`; running pods go
    /// on. Stop and terminate release what was held, to be killed.
    Suspend,
}

/// Something the executor must do.
// `Launch` is the action there is most of, and it is moved whole to the
// executor: boxing it would allocate once per launch to make the rare
// small actions smaller.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Launch(LaunchSpec),
    /// Kill the node's process (SIGTERM, then SIGKILL after a grace
    /// period); a [`Event::NodeExited`] follows, and the node ends with
    /// the reason the engine recorded, not the exit code.
    Kill {
        node: String,
    },
    /// Send [`Event::TimerFired`] at `at` (or at once if `at` is past).
    /// Timers are never cancelled: the engine ignores one that no longer
    /// applies.
    ArmTimer {
        timer: Timer,
        at: Time,
    },
}

/// A wake-up the engine asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Timer {
    /// The node it concerns (the root node for the workflow deadline).
    pub node: String,
    pub kind: TimerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimerKind {
    /// A retry's backoff is over.
    Backoff,
    /// A suspend template's `duration` is over.
    Resume,
    /// A template's `activeDeadlineSeconds` or `timeout` is reached.
    NodeDeadline,
    /// The workflow's `activeDeadlineSeconds` is reached.
    WorkflowDeadline,
}

/// A pod-producing node, resolved: every `{{…}}` substituted.
/// A file placed before a process starts: a `raw` input artifact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineFile {
    pub path: String,
    pub contents: String,
    /// The artifact's `mode` (permission bits), if it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LaunchSpec {
    /// The node's ID.
    pub node: String,
    /// The node's name (`wf.step[0].task`), as Argo annotates its pod.
    pub node_name: String,
    pub pod_name: String,
    /// The template's name.
    pub template: String,
    /// Its key in the plan ([`Plan::template`]): where its pod-level
    /// settings are (a `templateRef`'d template's key is not its name).
    pub template_key: String,
    /// The container (or the script template's container plus `source`)
    /// as JSON, with Kubernetes field names.
    pub container: Value,
    /// For script templates: the source to write to a file and run.
    pub source: Option<String>,
    /// Output parameters to read after exit: `(name, path)` from
    /// `outputs.parameters[].valueFrom.path`, substituted.
    pub output_paths: Vec<(String, String)>,
    /// Files to place before the process starts: input artifacts with
    /// `raw.data`.
    pub files: Vec<InlineFile>,
    /// Input artifacts to load before the process starts (other than
    /// `raw` ones): each with its `path` and a complete location.
    pub inputs: Vec<Artifact>,
    /// Output artifacts to save once the process is over, also after a
    /// failure: each with its `path`, its `archive` and the complete
    /// location of the object it becomes.
    pub outputs: Vec<Artifact>,
    /// Where the main container's log goes when logs are archived
    /// (`archiveLogs`): saved as the output `main-logs`.
    pub log_location: Option<ArtifactLocation>,
    /// `activeDeadlineSeconds` of the template, if any: the executor kills
    /// the process after this long (the engine also arms a timer).
    pub deadline_seconds: Option<u64>,
}

/// One workflow run.
#[derive(Debug, Clone)]
pub struct Run {
    pub plan: Arc<Plan>,
    pub status: WorkflowStatus,
    book: Bookkeeping,
}

impl Run {
    /// Begin a run: the entrypoint's node and the first actions.
    pub fn start(plan: Arc<Plan>, now: Time) -> (Run, Vec<Action>) {
        // Submitted suspended (`spec.suspend`) or shut down
        // (`spec.shutdown`): nothing launches until it is resumed; every
        // pod that would start fails.
        let shutdown = match plan.spec.shutdown.as_deref() {
            Some("Stop") => Some(bookkeeping::Shutdown::Stop),
            Some("Terminate") => Some(bookkeeping::Shutdown::Terminate),
            _ => None,
        };
        let held = (plan.spec.suspend == Some(true)).then(Vec::new);
        let book = Bookkeeping { shutdown, held, ..Bookkeeping::default() };
        let (mut run, mut out) = Run::begin(plan, book, now);
        if let Some(held) = &mut run.book.held {
            out.retain(|a| match a {
                Action::Launch(spec) => {
                    held.push(spec.clone());
                    false
                }
                _ => true,
            });
        }
        (run, out)
    }

    /// Retry a finished workflow (`argo retry`): its failed and errored
    /// pods, what follows them and — with `restart_successful` — the nodes
    /// the selector names run again; everything else keeps its recorded
    /// outcome. `plan` is the workflow's plan (with any new parameters),
    /// `previous` its final status.
    pub fn retry(
        plan: Arc<Plan>,
        previous: &WorkflowStatus,
        options: &RetryOptions,
        now: Time,
    ) -> Result<(Run, Vec<Action>), RetryError> {
        let replay = rerun::kept_nodes(&plan.name, previous, options)?;
        let book = Bookkeeping { replay, ..Bookkeeping::default() };
        Ok(Run::begin(plan, book, now))
    }

    fn begin(plan: Arc<Plan>, book: Bookkeeping, now: Time) -> (Run, Vec<Action>) {
        let status = WorkflowStatus {
            phase: WorkflowPhase::Running,
            started_at: Some(now),
            conditions: plan.spec_warning().into_iter().collect(),
            artifact_repository_ref: Some(plan.artifact_repository.clone()),
            ..Default::default()
        };
        let mut run = Run { plan, status, book };
        hooks::register_workflow(&mut run);
        let mut t = Tick::new(&mut run, now);
        interrupts::arm_workflow_deadline(&mut t);
        template::start_entrypoint(&mut t);
        settle(&mut t);
        let out = t.out;
        (run, out)
    }

    /// Apply one event.
    pub fn step(&mut self, event: Event, now: Time) -> Vec<Action> {
        let mut t = Tick::new(self, now);
        dispatch(&mut t, event);
        settle(&mut t);
        suspend::hold_launches(&mut t);
        t.out
    }

    /// Whether the whole workflow is suspended (`argo suspend`), as opposed
    /// to some of its suspend nodes waiting ([`Run::is_suspended`]).
    pub fn is_workflow_suspended(&self) -> bool {
        self.book.held.is_some()
    }

    /// The workflow's variables now: the plan's globals plus the global
    /// outputs published so far.
    pub(crate) fn globals(&self) -> crate::expr::Vars {
        let mut g = self.plan.globals.clone();
        scope::add_global_outputs(&mut g, self);
        g
    }

    /// Whether a suspend node waits for a resume (or its duration), or the
    /// whole workflow is suspended.
    pub fn is_suspended(&self) -> bool {
        !self.book.suspended.is_empty() || self.book.held.is_some()
    }

    pub fn is_done(&self) -> bool {
        self.status.phase.is_completed()
    }
}

/// Hand an event to the part of the interpreter it concerns.
fn dispatch(t: &mut Tick, event: Event) {
    match event {
        Event::NodeStarted { node } => pod::started(t.run, &node),
        Event::NodeExited { node, exit } => pod::exited(t, &node, exit),
        Event::NodeFailedToStart { node, message } => {
            node::finish(t, &node, NodePhase::Error, message)
        }
        Event::TimerFired { timer } => match timer.kind {
            TimerKind::Backoff => retry_node::next(t, &timer.node),
            TimerKind::Resume => suspend::resume(t, &timer.node),
            TimerKind::NodeDeadline => interrupts::node_deadline(t, &timer.node),
            TimerKind::WorkflowDeadline => interrupts::workflow_deadline(t),
        },
        Event::Resume { node: Some(id) } => suspend::resume(t, &id),
        Event::Resume { node: None } => suspend::resume_workflow(t),
        Event::Stop => interrupts::shutdown(t, Shutdown::Stop),
        Event::Terminate => interrupts::shutdown(t, Shutdown::Terminate),
        Event::Suspend => suspend::suspend_workflow(t.run),
        Event::SetNode { node, phase, message, outputs } => {
            suspend::set(t, &node, phase, message, &outputs);
        }
    }
}

/// The workflow phase follows the root node, then the exit handler.
fn settle(t: &mut Tick) {
    if t.run.status.phase.is_completed() {
        t.run.status.progress = node::progress(t.run);
        return;
    }
    hooks::poll(t);
    let run = &mut *t.run;
    run.status.progress = node::progress(run);
    let root = run.plan.name.clone();
    let Some(r) = run.status.nodes.get(&root) else { return };
    if !r.phase.is_fulfilled() {
        run.status.phase = WorkflowPhase::Running;
        return;
    }
    let (root_phase, root_message) = (r.phase, r.message.clone());
    if hooks::workflow_hooks_open(run) {
        run.status.phase = WorkflowPhase::Running;
        return;
    }
    if let Some(exit) = exit::start_workflow_exit(t) {
        t.run.status.progress = node::progress(t.run);
        if t.run.status.nodes.get(&exit).is_some_and(|n| !n.phase.is_fulfilled()) {
            return;
        }
    }
    let run = &mut *t.run;
    let exit = run.book.workflow_exit.as_ref().and_then(|e| run.status.nodes.get(e));
    let (phase, mut message) = match root_phase {
        NodePhase::Succeeded | NodePhase::Skipped | NodePhase::Omitted => match exit {
            Some(e) if e.phase == NodePhase::Failed => (WorkflowPhase::Failed, e.message.clone()),
            Some(e) if e.phase == NodePhase::Error => (WorkflowPhase::Error, e.message.clone()),
            _ => (WorkflowPhase::Succeeded, String::new()),
        },
        NodePhase::Error => (WorkflowPhase::Error, root_message),
        _ => (WorkflowPhase::Failed, root_message),
    };
    if let Some(s) = run.book.shutdown
        && phase != WorkflowPhase::Succeeded
    {
        message = format!("Stopped with strategy '{}'", s.name());
    }
    run.status.phase = phase;
    run.status.message = message;
    run.status.finished_at = Some(t.now);
}

#[cfg(test)]
mod artifacts_tests;
#[cfg(test)]
mod feature_tests;
#[cfg(test)]
mod hooks_tests;
#[cfg(test)]
mod rerun_tests;
#[cfg(test)]
mod spec_warning_tests;
#[cfg(test)]
mod tests;
