//! What a run remembers that `status` does not show: for each running
//! Steps or DAG node, where it is and what its children see; retries in
//! progress; exit handlers still to run; pods running or queued.
//!
//! Pure data: the interpreter's modules read and write it, and it uses
//! none of them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::LaunchSpec;
use super::scope::Args;
use crate::depends::Depends;
use crate::expr::Vars;
use crate::retry::RetryPlan;
use crate::spec::Arguments;

/// Maps and sets keyed by node ID or name: a fast hasher with a fixed seed
/// (the same iteration order on every run; node IDs are already hashes).
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
pub type Set<K> = std::collections::HashSet<K, foldhash::fast::FixedState>;

/// Per Steps/DAG node ("frame"), by node ID, and the rest of the run's
/// hidden state.
#[derive(Debug, Clone, Default)]
pub struct Bookkeeping {
    pub frames: Map<String, Frame>,
    /// Pod nodes created, and those that succeeded: `status.progress`,
    /// kept as counters so no event has to count all nodes.
    pub pods: usize,
    pub pods_succeeded: usize,
    /// Pod node → the key of its template (read when it exits).
    pub pod_template: Map<String, String>,
    /// Retry node → its retries.
    pub retries: Map<String, RetryState>,
    /// Attempt node → its Retry node.
    pub attempt_of: Map<String, String>,
    /// Node → the exit handler to run once it completes.
    pub exits: Map<String, ExitCall>,
    /// Exit-handler node → the node it belongs to.
    pub exit_of: Map<String, String>,
    /// Nodes whose exit handler is running: their step group waits.
    pub awaiting_exit: Set<String>,
    /// Launched pods not finished (what stop, deadlines and parallelism
    /// act on), and launches held back by `parallelism`, in order.
    pub active_pods: indexmap::IndexSet<String, foldhash::fast::FixedState>,
    pub queued: VecDeque<Queued>,
    /// Launched pods counted against a template's `parallelism`: the
    /// limiting Steps/DAG node's count, and each such pod's limiter.
    pub active_by_boundary: Map<String, usize>,
    pub limited: Map<String, String>,
    /// Pods that belong to an exit handler (spared by stop and deadlines).
    pub exit_pods: Set<String>,
    /// Nodes being killed → the message they end with (Failed).
    pub killing: Map<String, String>,
    /// Running Suspend nodes → their template's key.
    pub suspended: BTreeMap<String, String>,
    pub shutdown: Option<Shutdown>,
    /// The workflow is suspended (`Event::Suspend`): the launches held back
    /// until it resumes.
    pub held: Option<Vec<LaunchSpec>>,
    pub deadline_passed: bool,
    /// The workflow's exit handler, once started.
    pub workflow_exit: Option<String>,
    /// Per Steps/DAG node: the steps or tasks whose `outputs.result` its
    /// template reads (stdout is only kept for those, as in Argo).
    pub result_refs: Map<String, Set<String>>,
    /// `workflow.outputs.parameters.<globalName>` published so far.
    pub global_outputs: BTreeMap<String, String>,
    /// `workflow.outputs.artifacts.<globalName>` published so far (the
    /// artifact renamed to its global name; the last one wins).
    pub global_artifacts: Vec<crate::spec::Artifact>,
    /// When retrying a finished workflow: the nodes kept from the previous
    /// run, by ID; they end as recorded instead of running (see `rerun`).
    pub replay: Map<String, crate::status::NodeStatus>,
    /// Lifecycle hooks not triggered yet, by owner node ID (`""` for the
    /// workflow's); hook node → owner; owners' hook nodes still running;
    /// fulfilled owners waiting for them (see `hooks`).
    pub hooks: Map<String, Vec<PendingHook>>,
    pub hook_of: Map<String, String>,
    pub open_hooks: Map<String, usize>,
    pub hooks_awaited: Set<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    Stop,
    Terminate,
}

impl Shutdown {
    pub fn name(self) -> &'static str {
        match self {
            Shutdown::Stop => "Stop",
            Shutdown::Terminate => "Terminate",
        }
    }
}

/// A pod waiting for a `parallelism` slot.
#[derive(Debug, Clone)]
pub struct Queued {
    pub spec: LaunchSpec,
    /// The enclosing Steps/DAG node whose template limits it, if any.
    pub limited_by: Option<(String, usize)>,
}

/// A Retry node's state: what each attempt runs.
#[derive(Debug, Clone)]
pub struct RetryState {
    pub key: String,
    pub args: Args,
    pub locals: Vec<(String, String)>,
    pub boundary: Option<String>,
    pub in_exit: bool,
    pub plan: RetryPlan,
    pub attempts: Vec<String>,
}

/// A hook whose expression has not been true yet.
#[derive(Debug, Clone)]
pub struct PendingHook {
    /// The hook's name (the key under `hooks`).
    pub hook: String,
    /// The key of the template it runs, or why it cannot run.
    pub key: Result<String, String>,
    pub arguments: Arguments,
    pub expression: Option<String>,
    /// The scope of the step or task (the globals for the workflow).
    pub vars: Vars,
    /// `steps` or `tasks` and the step's name, whose `.status` the
    /// expression reads; empty for the workflow.
    pub prefix: &'static str,
    pub step: String,
}

/// An exit handler (`onExit` or `hooks.exit`) of a step or task.
#[derive(Debug, Clone)]
pub struct ExitCall {
    pub key: String,
    pub arguments: Arguments,
    pub expression: Option<String>,
    /// The scope the step or task was called in.
    pub vars: Vars,
    /// `steps` or `tasks`, and the step's or task's name: its own outputs
    /// are visible to the handler's arguments as `steps.<name>.…`.
    pub prefix: &'static str,
    pub step: String,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub template: String,
    /// Inside an exit handler (runs under `Stop` and past the deadline).
    pub in_exit: bool,
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
        /// Members not done yet, as last counted: each one that ends
        /// counts down, and only at zero is the group looked at as a
        /// whole (a looped step of 10,000 iterations must not rescan them
        /// on every exit).
        open: usize,
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
    pub by_node: Map<String, usize>,
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
