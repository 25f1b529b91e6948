//! The local executor: each pod-producing node runs as a process group on
//! this machine, with a private `/tmp`, at most `parallelism` at a time.
//! See `docs/local-executor.md` for the rules it follows.
//!
//! | file | job |
//! |---|---|
//! | `container` | the Kubernetes container JSON, typed |
//! | `images` | the image table (ENTRYPOINT/CMD of known images) |
//! | `command` | `command`/`args` resolution and the program on the host |
//! | `env`, `expand` | the environment, `$(VAR)` expansion |
//! | `store` | local secrets and config maps |
//! | `sandbox` | task directories, private `/tmp`, path mapping |
//! | `root` | a task's own `/` when its files are outside `/tmp` |
//! | `process` | spawn, signal, kill |
//! | `groups` | running tasks' process groups, noted for a successor |
//! | `logs` | line splitting, masking, the log file and live fan-out |
//! | `output` | `outputs.result` and output parameters |
//! | `task` | one node from launch to exit |

mod command;
mod container;
mod document;
mod env;
mod error;
mod expand;
mod groups;
mod images;
mod layers;
mod logs;
mod output;
mod process;
mod root;
mod sandbox;
mod spawn;
mod store;
mod task;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use engine::run::{Event, LaunchSpec};
use tokio::sync::{broadcast, mpsc, watch};

pub use error::{LoadError, StartError};
pub use images::{ImageEntry, ImageTable};
pub use logs::{LogLine, OutputStream};
// The Kubernetes executor writes pods' logs the same way.
pub(crate) use logs::{LogIndex, LogWriter, RawLine};
pub use output::{MAX_RESULT, Tail, read_limited};
pub use sandbox::Isolation;
use sandbox::TaskDirs;
pub use store::LocalStore;

/// Where running tasks' process groups are noted, in the run directory.
const GROUPS: &str = "groups";

/// Live log lines kept for slow receivers before they start losing them.
const LOG_BUFFER: usize = 4096;

/// How the local executor runs nodes.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// `tasks/slot-<n>/{tmp,work,staging}` (reused from task to task) and
    /// `logs/<node>.log` go here.
    pub run_dir: PathBuf,
    pub images: ImageTable,
    pub store: LocalStore,
    /// Most processes at once (0 counts as 1); further launches wait, first
    /// come first served.
    pub parallelism: usize,
    /// Between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
    /// Give each task a private `/tmp` when the machine allows it; `false`
    /// always runs without namespaces.
    pub isolate: bool,
    /// Task directories shared with other executors (a server's
    /// workflows); `None`: this executor's own, under `run_dir/tasks`.
    pub slots: Option<SlotPool>,
    /// What an earlier executor found this machine allows (its
    /// [`LocalExecutor::isolation`]), to skip the probe: a server makes one
    /// executor per workflow.
    pub known_isolation: Option<Isolation>,
    /// The built-in artifact repository's directory.
    pub artifact_root: PathBuf,
    /// Bounds on loading and saving artifacts.
    pub artifact_limits: artifacts::Limits,
}

impl LocalConfig {
    /// Built-in images, no secrets, twice as many processes as CPUs (at
    /// least 4), 10 s grace, isolation on.
    pub fn new(run_dir: impl Into<PathBuf>) -> LocalConfig {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let run_dir = run_dir.into();
        LocalConfig {
            artifact_root: run_dir.join("artifacts"),
            artifact_limits: artifacts::Limits::default(),
            run_dir,
            images: ImageTable::builtin(),
            store: LocalStore::empty(),
            parallelism: (2 * cpus).max(4),
            kill_grace: Duration::from_secs(10),
            isolate: true,
            known_isolation: None,
            slots: None,
        }
    }
}

/// Task directories (`<base>/tasks/slot-<n>`), emptied and reused from
/// task to task — by every executor holding the pool. Reusing them is what
/// keeps a task cheap: creating directories costs a no-op task more than
/// starting its process (docs/performance.md). Cheap to clone.
#[derive(Debug, Clone)]
pub struct SlotPool {
    base: PathBuf,
    slots: Arc<Mutex<Slots>>,
}

#[derive(Debug, Default)]
struct Slots {
    /// Emptied and ready.
    free: Vec<usize>,
    /// How many were ever handed out.
    made: usize,
}

impl SlotPool {
    /// Slots under `base/tasks/`. A new pool starts from nothing: empty
    /// `base/tasks` first if an earlier process left it.
    pub fn new(base: impl Into<PathBuf>) -> SlotPool {
        SlotPool { base: base.into(), slots: Arc::default() }
    }

    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot, and whether its directories exist already.
    fn take(&self) -> (usize, bool) {
        let mut s = self.lock();
        match s.free.pop() {
            Some(slot) => (slot, true),
            None => {
                s.made += 1;
                (s.made - 1, false)
            }
        }
    }

    /// An emptied slot, for the next task.
    fn give(&self, slot: usize) {
        self.lock().free.push(slot);
    }

    fn dirs(&self, slot: usize) -> TaskDirs {
        TaskDirs::new(&self.base, &format!("slot-{slot}"))
    }
}

/// Runs launch specs as local processes and reports [`Event`]s. Cheap to
/// clone; clones share everything.
#[derive(Clone)]
pub struct LocalExecutor {
    inner: Arc<Inner>,
}

struct Inner {
    config: LocalConfig,
    isolation: Isolation,
    events: mpsc::UnboundedSender<Event>,
    live: broadcast::Sender<LogLine>,
    runtime: tokio::runtime::Handle,
    index: logs::LogIndex,
    slots: SlotPool,
    paths: command::PathCache,
    mover: artifacts::Mover,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Nodes waiting for a free process slot, in launch order (checked
    /// already: they can run).
    queue: VecDeque<LaunchSpec>,
    running: usize,
    /// Every queued or running node; running ones with their kill switch.
    nodes: HashMap<String, Option<watch::Sender<bool>>>,
}

impl LocalExecutor {
    /// Creates the run directory, decides the isolation once (a throwaway
    /// child tries the namespaces; a run directory under `/tmp` rules them
    /// out) and warns if tasks will share `/tmp`.
    ///
    /// # Panics
    /// Outside a Tokio runtime: tasks are spawned on the current one.
    pub fn new(mut config: LocalConfig, events: mpsc::UnboundedSender<Event>) -> Self {
        // Tasks run in their own working directories: every path handed
        // to them (HOME, the script) must be absolute.
        let _ = std::fs::create_dir_all(&config.run_dir);
        if let Ok(abs) =
            config.run_dir.canonicalize().or_else(|_| std::path::absolute(&config.run_dir))
        {
            config.run_dir = abs;
        }
        let isolation = if !config.isolate {
            Isolation::None
        } else if let Some(known) = config.known_isolation
            && !config.run_dir.starts_with("/tmp")
        {
            known
        } else if config.run_dir.starts_with("/tmp") {
            // The private /tmp would hide the run directory (HOME, scripts,
            // the working directory) from the task itself.
            tracing::warn!(
                "the run directory {} is under /tmp, which each task's private /tmp would hide: \
                 tasks share this machine's /tmp (TMPDIR is private, but fixed paths like \
                 /tmp/out.txt can collide); choose a run directory elsewhere",
                config.run_dir.display()
            );
            Isolation::None
        } else {
            let isolation = sandbox::probe(&config.run_dir);
            if isolation == Isolation::None {
                tracing::warn!(
                    "namespaces are not available: tasks share this machine's /tmp (TMPDIR is \
                     private, but fixed paths like /tmp/out.txt can collide)"
                );
            }
            isolation
        };
        let (live, _) = broadcast::channel(LOG_BUFFER);
        let index = logs::LogIndex::new(&config.run_dir.join("logs"));
        let slots = config.slots.clone().unwrap_or_else(|| SlotPool::new(&config.run_dir));
        let mover = artifacts::Mover::new(
            config.artifact_root.clone(),
            Arc::new(config.store.clone()),
            config.artifact_limits,
        );
        LocalExecutor {
            inner: Arc::new(Inner {
                config,
                isolation,
                events,
                live,
                runtime: tokio::runtime::Handle::current(),
                index,
                slots,
                paths: command::PathCache::default(),
                mover,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// How tasks are isolated on this machine.
    pub fn isolation(&self) -> Isolation {
        self.inner.isolation
    }

    /// Start a node, or queue it behind `parallelism` running ones. Never
    /// blocks: `NodeStarted` follows when the process starts, then
    /// `NodeExited`; or `NodeFailedToStart` (at once when the spec cannot
    /// run: unknown image, missing program or secret, bad JSON).
    pub fn launch(&self, spec: LaunchSpec) {
        let node = spec.node.clone();
        let mut state = self.state();
        if state.nodes.contains_key(&node) {
            return self.fail(&node, StartError::AlreadyRunning { node: node.clone() });
        }
        let limit = self.inner.config.parallelism.max(1);
        if state.queue.is_empty() && state.running < limit {
            // Starts now: prepared once, in its slot.
            state.nodes.insert(node, None);
            state.queue.push_back(spec);
            return self.pump(&mut state);
        }
        // Waits: checked now, so that a node that cannot run fails at
        // once however long the queue; prepared again in its slot.
        let check = TaskDirs::new(&self.inner.config.run_dir, "check");
        if let Err(e) = task::prepare(spec.clone(), &self.context(check, false)) {
            return self.fail(&node, e);
        }
        state.nodes.insert(node, None);
        state.queue.push_back(spec);
        self.pump(&mut state);
    }

    fn context(&self, dirs: TaskDirs, reused: bool) -> task::Context<'_> {
        let c = &self.inner.config;
        task::Context {
            dirs,
            reused,
            images: &c.images,
            paths: &self.inner.paths,
            store: &c.store,
            isolation: self.inner.isolation,
        }
    }

    /// Stop a node: SIGTERM to its process group, SIGKILL after
    /// `kill_grace`. `NodeExited` follows with 128 + the signal (143 or
    /// 137), as Kubernetes reports it; a node still waiting for a slot
    /// exits with 143 without ever starting. Unknown nodes are ignored.
    pub fn kill(&self, node: &str) {
        let mut state = self.state();
        match state.nodes.get(node) {
            Some(Some(switch)) => {
                let _ = switch.send(true);
            }
            Some(None) => {
                state.queue.retain(|p| p.node != node);
                state.nodes.remove(node);
                let _ = self.inner.events.send(task::killed_before_start(node));
            }
            None => {}
        }
    }

    /// [`Self::kill`] every queued and running node.
    pub fn kill_all(&self) {
        let mut state = self.state();
        for p in std::mem::take(&mut state.queue) {
            state.nodes.remove(&p.node);
            let _ = self.inner.events.send(task::killed_before_start(&p.node));
        }
        for switch in state.nodes.values().flatten() {
            let _ = switch.send(true);
        }
    }

    /// Take back the launches still waiting for a process slot, without
    /// events: a server shutting down keeps them for its successor.
    pub fn take_queued(&self) -> Vec<LaunchSpec> {
        let mut state = self.state();
        let queued: Vec<LaunchSpec> = state.queue.drain(..).collect();
        for p in &queued {
            state.nodes.remove(&p.node);
        }
        queued
    }

    /// End the tasks an executor of `run_dir` that died left running
    /// (their process groups); how many there were. Call it before a new
    /// executor starts there.
    pub fn reap_orphans(run_dir: &std::path::Path) -> usize {
        groups::reap(&run_dir.join(GROUPS))
    }

    /// Nodes running now (queued ones not counted).
    pub fn running(&self) -> usize {
        self.state().running
    }

    /// Where the log of `node` is written under `run_dir` (it exists once
    /// the node printed a line).
    pub fn log_file(run_dir: &std::path::Path, node: &str) -> PathBuf {
        run_dir.join("logs").join(format!("{}.log", sandbox::file_name(node)))
    }

    /// Every log line of every node from now on. Bounded: a receiver that
    /// falls behind loses lines (`RecvError::Lagged`) and never slows the
    /// tasks down. The log files have everything.
    pub fn logs(&self) -> broadcast::Receiver<LogLine> {
        self.inner.live.subscribe()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves consistent data
        // (every update is a single step), so keep going.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fail(&self, node: &str, e: StartError) {
        let message = e.to_string();
        let _ =
            self.inner.events.send(Event::NodeFailedToStart { node: node.to_string(), message });
    }

    /// Start queued nodes while there are free slots.
    fn pump(&self, state: &mut State) {
        let limit = self.inner.config.parallelism.max(1);
        while state.running < limit {
            let Some(spec) = state.queue.pop_front() else { break };
            let node = spec.node.clone();
            let (slot, reused) = self.inner.slots.take();
            let dirs = self.inner.slots.dirs(slot);
            let prepared = match task::prepare(spec, &self.context(dirs.clone(), reused)) {
                Ok(p) => p,
                Err(e) => {
                    state.nodes.remove(&node);
                    if reused {
                        self.inner.slots.give(slot);
                    }
                    self.fail(&node, e);
                    continue;
                }
            };
            let (switch, kill) = watch::channel(false);
            state.nodes.insert(node.clone(), Some(switch));
            state.running += 1;
            let exec = self.clone();
            self.inner.runtime.spawn(async move {
                let rt = exec.runtime();
                let end = task::run(prepared, &rt, kill).await;
                // Its outputs are read: empty the directories for the next
                // (in place: usually three empty directories to look at).
                let clean = dirs.clear();
                exec.finished(&node, end, clean.then_some(slot));
            });
        }
    }

    /// A node ended: report it, then free its process slot (and its
    /// directories, if they could be emptied), so that with `parallelism`
    /// 1 the next `NodeStarted` comes after this event.
    fn finished(&self, node: &str, end: Event, dirs: Option<usize>) {
        let mut state = self.state();
        state.nodes.remove(node);
        let _ = self.inner.events.send(end);
        state.running = state.running.saturating_sub(1);
        if let Some(slot) = dirs {
            self.inner.slots.give(slot);
        }
        self.pump(&mut state);
    }

    fn runtime(&self) -> task::Runtime {
        task::Runtime {
            isolation: self.inner.isolation,
            kill_grace: self.inner.config.kill_grace,
            live: self.inner.live.clone(),
            events: self.inner.events.clone(),
            log_dir: self.inner.config.run_dir.join("logs"),
            index: self.inner.index.clone(),
            groups_dir: self.inner.config.run_dir.join(GROUPS),
            mover: self.inner.mover.clone(),
        }
    }
}
