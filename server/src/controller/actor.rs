//! One running workflow: a tokio task that owns its [`Run`], its executor
//! and its timers. Events (task exits, timers, user actions) arrive in
//! batches; each batch is written to the journal and committed *before*
//! the engine applies it and before any action it causes is taken
//! (write-ahead), so a crash at any point leaves a journal that replays to
//! what really happened.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::run::{Action, Event, LaunchSpec, Run};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::bus::{Bus, Change, ChangeKind};
use super::journal::{Journal, JournalError};
use super::sealing;
use crate::clock::now;
use crate::executor::Executor;
use crate::redact::Masker;
use crate::store::{Entry, LoggedEvent, SecretKey, StatusUpdate, WorkflowRow};
use crate::timers::Timers;

/// Most events folded into one journal write.
const MAX_BATCH: usize = 256;
/// Status snapshots of a busy workflow are written at most this often
/// (the journal has every event; the snapshot is for reading and listing)…
const STATUS_EVERY: Duration = Duration::from_millis(250);
/// …and for a big one, no more often than this per node: a 100,000-node
/// status (tens of MB of JSON) every 5 s, so that one huge workflow does
/// not fill the shared journal writer's commits.
const STATUS_PER_NODE: Duration = Duration::from_micros(50);

/// Where the actor's workflow stands when it returns.
#[derive(Debug)]
pub enum Outcome {
    /// The run is over (its final status is durable).
    Finished,
    /// The server is shutting down; the run resumes at the next start.
    ShutDown,
    /// The journal could not be written: the run stops here and resumes
    /// from what was durable at the next start.
    JournalFailed(JournalError),
}

/// What happens to the run's record once it is over.
pub struct Retention {
    /// `spec.ttlStrategy` (the effective spec's).
    pub ttl: Option<serde_json::Value>,
    /// The server's default TTL in seconds.
    pub default_ttl: Option<i64>,
    pub run_dir: std::path::PathBuf,
}

pub struct Actor {
    pub retention: Retention,
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub run: Run,
    pub next_seq: i64,
    pub executor: std::sync::Arc<dyn Executor>,
    pub executor_events: mpsc::UnboundedReceiver<Event>,
    pub commands: mpsc::UnboundedReceiver<Event>,
    pub timers: Timers,
    pub journal: Journal,
    pub bus: Bus,
    /// The workflow's row as it started (identity, submission): each
    /// status published on the bus is this with the new status.
    pub row: WorkflowRow,
    /// Set to the grace deadline when the server shuts down.
    pub shutdown: watch::Receiver<Option<Instant>>,
    /// The values of the secrets the run reads: masked in every status
    /// it publishes, sealed in the journal entries that carry them.
    pub masker: Masker,
    /// Why some secret values could not be masked (Secrets Kubernetes
    /// would not let us read): said on the workflow as a `SpecWarning`.
    pub unmasked: Option<String>,
    pub key: Arc<SecretKey>,
}

/// What to do first: actions a fresh start (or retry) asked for, pods to
/// launch again, events to apply (lost pods).
#[derive(Default)]
pub struct Startup {
    pub actions: Vec<Action>,
    pub relaunch: Vec<LaunchSpec>,
    pub events: Vec<Event>,
    /// Nodes the last server launched and that may still run (and
    /// whether they were known to start): the executor follows them
    /// again if it can.
    pub adopt: Vec<(LaunchSpec, bool)>,
    /// Told once the run's first status is durable: a reader from then
    /// on sees the run as it now is (a retried run Running, not Failed).
    pub started: Option<oneshot::Sender<()>>,
}

/// Where the actor's loop stands, between batches.
struct Pace {
    /// When the status snapshot was last written.
    status_saved: Instant,
    /// The run changed since.
    status_dirty: bool,
    /// Shutting down: launches held back, and until when tasks may run.
    draining: Option<(Instant, Vec<LaunchSpec>)>,
}

impl Actor {
    pub async fn run(mut self, startup: Startup) -> Outcome {
        match self.drive(startup).await {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(workflow = %self.name, "stopped: {e}");
                // What is durable is replayed at the next start; local
                // processes must not outlive what we can record (pods are
                // adopted by the next start).
                if !self.executor.outlives_server() {
                    self.executor.kill_all();
                }
                Outcome::JournalFailed(e)
            }
        }
    }

    async fn drive(&mut self, startup: Startup) -> Result<Outcome, JournalError> {
        let mut pace = Pace { status_saved: Instant::now(), status_dirty: false, draining: None };
        if !startup.relaunch.is_empty() {
            let nodes = startup.relaunch.iter().map(|s| s.node.clone()).collect();
            self.append(vec![Entry::Relaunched { nodes }]).await?;
        }
        let mut actions = startup.actions;
        actions.extend(startup.relaunch.into_iter().map(Action::Launch));
        self.perform(actions, &mut pace);
        if !startup.events.is_empty() {
            self.apply(startup.events, &mut pace).await?;
        }
        self.save_status(true).await?;
        pace.status_saved = Instant::now();
        if let Some(started) = startup.started {
            let _ = started.send(());
        }
        loop {
            if self.run.is_done() {
                break;
            }
            if let Some((deadline, _)) = &pace.draining
                && (self.executor.outlives_server()
                    || self.executor.running() == 0
                    || Instant::now() >= *deadline)
            {
                // Exits already reported are recorded before leaving.
                let mut last = Vec::new();
                while let Ok(e) = self.executor_events.try_recv() {
                    last.push(e);
                }
                if !last.is_empty() {
                    self.apply(last, &mut pace).await?;
                }
                return self.defer(&mut pace).await;
            }
            let timer_wait = self.timers.next_wait().unwrap_or(Duration::from_secs(3600));
            let status_wait = if pace.status_dirty {
                self.status_every().saturating_sub(pace.status_saved.elapsed())
            } else {
                Duration::from_secs(3600)
            };
            let drain_wait = match &pace.draining {
                Some((deadline, _)) => deadline.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            }
            .min(Duration::from_millis(100));
            let first = tokio::select! {
                Some(e) = self.executor_events.recv() => e,
                Some(c) = self.commands.recv() => c,
                () = tokio::time::sleep(timer_wait) => match self.timers.pop_due() {
                    Some(timer) => Event::TimerFired { timer },
                    None => continue,
                },
                () = tokio::time::sleep(status_wait), if pace.status_dirty => {
                    self.save_status(false).await?;
                    pace.status_dirty = false;
                    pace.status_saved = Instant::now();
                    continue;
                }
                () = tokio::time::sleep(drain_wait), if pace.draining.is_some() => continue,
                Ok(()) = self.shutdown.changed(), if pace.draining.is_none() => {
                    if let Some(deadline) = *self.shutdown.borrow() {
                        let held = self.executor.take_queued();
                        pace.draining = Some((deadline, held));
                    }
                    continue;
                }
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.executor_events.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
            while let Some(timer) = self.timers.pop_due() {
                batch.push(Event::TimerFired { timer });
            }
            self.apply(batch, &mut pace).await?;
            if self.run.is_done() || pace.status_saved.elapsed() >= self.status_every() {
                self.save_status(self.run.is_done()).await?;
                pace.status_dirty = false;
                pace.status_saved = Instant::now();
            }
        }
        self.executor.kill_all();
        self.executor.ended(self.run.status.phase == engine::status::WorkflowPhase::Succeeded);
        Ok(Outcome::Finished)
    }

    /// How often this workflow's status snapshot may be written.
    fn status_every(&self) -> Duration {
        let nodes = u32::try_from(self.run.status.nodes.len()).unwrap_or(u32::MAX);
        STATUS_EVERY.max(STATUS_PER_NODE * nodes)
    }

    /// Journal, then apply, then act.
    async fn apply(&mut self, events: Vec<Event>, pace: &mut Pace) -> Result<(), JournalError> {
        let at = now();
        let entries = events.iter().cloned().map(Entry::Engine).collect();
        self.append_at(entries, at).await?;
        let mut actions = Vec::new();
        for e in events {
            count_task(&e);
            actions.extend(self.run.step(e, at));
        }
        self.perform(actions, pace);
        pace.status_dirty = true;
        Ok(())
    }

    async fn append(&mut self, entries: Vec<Entry>) -> Result<(), JournalError> {
        self.append_at(entries, now()).await
    }

    async fn append_at(
        &mut self,
        entries: Vec<Entry>,
        at: engine::status::Time,
    ) -> Result<(), JournalError> {
        let mut logged = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            let seq = self.next_seq + i as i64;
            let entry = sealing::seal(&self.key, &self.masker, &self.uid, seq, entry)
                .map_err(|e| JournalError::Encode(e.to_string()))?;
            logged.push(LoggedEvent { workflow_uid: self.uid.clone(), seq, at, entry });
        }
        let n = logged.len() as i64;
        self.write_retrying(logged, None).await?;
        self.next_seq += n;
        Ok(())
    }

    /// Write to the journal; while the store refuses (disk full, database
    /// read-only or unreachable), say so and try again every second —
    /// nothing is applied or acted on meanwhile, and nothing is lost: the
    /// batch is all or nothing. Gives up only when the server shuts down.
    async fn write_retrying(
        &self,
        events: Vec<LoggedEvent>,
        status: Option<StatusUpdate>,
    ) -> Result<(), JournalError> {
        self.retrying(|| self.journal.write(events.clone(), status.clone())).await
    }

    /// Make `attempt` until it succeeds or the server shuts down.
    async fn retrying<F, Fut>(&self, mut attempt: F) -> Result<(), JournalError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), JournalError>>,
    {
        let mut failures = 0u32;
        loop {
            match attempt().await {
                Ok(()) => {
                    if failures > 0 {
                        tracing::info!(workflow = %self.name, "the journal is writable again");
                    }
                    return Ok(());
                }
                Err(e) => {
                    if failures.is_multiple_of(60) {
                        tracing::error!(
                            workflow = %self.name,
                            "{e}; the workflow waits (its tasks go on) and tries again every second"
                        );
                    }
                    failures += 1;
                    if self.shutdown.borrow().is_some() {
                        return Err(e);
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    fn perform(&mut self, actions: Vec<Action>, pace: &mut Pace) {
        for a in actions {
            match a {
                Action::Launch(spec) => match &mut pace.draining {
                    Some((_, held)) => held.push(spec),
                    None => self.executor.launch(spec),
                },
                Action::Kill { node } => self.executor.kill(&node),
                Action::ArmTimer { timer, at } => self.timers.arm(timer, at),
            }
        }
    }

    /// Shutting down: record the launches not made, and the status.
    async fn defer(&mut self, pace: &mut Pace) -> Result<Outcome, JournalError> {
        let held = pace.draining.take().map(|(_, h)| h).unwrap_or_default();
        if !held.is_empty() {
            let nodes = held.into_iter().map(|s| s.node).collect();
            self.append(vec![Entry::Deferred { nodes }]).await?;
        }
        self.save_status(true).await?;
        Ok(Outcome::ShutDown)
    }

    /// Write the status snapshot (waiting for it when `durable`) and tell
    /// the bus.
    async fn save_status(&mut self, durable: bool) -> Result<(), JournalError> {
        let corrupt = |e: serde_json::Error| JournalError::Encode(e.to_string());
        // One serialisation for the store's text and the bus' row, with
        // secret values masked in both.
        let mut status = serde_json::to_value(&self.run.status).map_err(corrupt)?;
        self.masker.mask_status(&mut status);
        if let Some(why) = &self.unmasked {
            let warning =
                serde_json::json!({"type": "SpecWarning", "status": "True", "message": why});
            match status.get_mut("conditions").and_then(Value::as_array_mut) {
                Some(conditions) => conditions.push(warning),
                None => status["conditions"] = Value::Array(vec![warning]),
            }
        }
        let suspended = self.run.is_workflow_suspended();
        let mut update = StatusUpdate {
            uid: self.uid.clone(),
            status: serde_json::to_string(&status).map_err(corrupt)?,
            phase: self.run.status.phase.as_str().to_string(),
            started_at: self.run.status.started_at,
            finished_at: self.run.status.finished_at,
            suspended,
            expires_at: None,
        };
        let row = WorkflowRow {
            phase: update.phase.clone(),
            started_at: update.started_at,
            finished_at: update.finished_at,
            suspended,
            status,
            ..self.row.clone()
        };
        if self.run.is_done() {
            // The end: when the record expires, and its node log index,
            // with the final status in one write.
            let r = &self.retention;
            let finished = self.run.status.finished_at.unwrap_or_else(now);
            update.expires_at =
                super::retention::expiry(r.ttl.as_ref(), r.default_ttl, &update.phase, finished);
            let logs = super::retention::read_log_index(&r.run_dir);
            self.retrying(|| self.journal.finish(update.clone(), logs.clone())).await?;
        } else if durable {
            self.write_retrying(Vec::new(), Some(update)).await?;
        } else {
            self.journal.write_status(update);
        }
        self.bus.publish(Change {
            kind: ChangeKind::Modified,
            uid: self.uid.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            phase: row.phase.clone(),
            row: Some(std::sync::Arc::new(row)),
        });
        Ok(())
    }
}

/// Task starts and ends, for the metrics.
fn count_task(e: &Event) {
    use crate::metrics::METRICS;
    match e {
        Event::NodeStarted { .. } => METRICS.tasks_started.inc(),
        Event::NodeExited { exit, .. } => {
            let result = if exit.code == 0 { "succeeded" } else { "failed" };
            METRICS.tasks_finished.get(&[("result", result)]).inc();
        }
        Event::NodeFailedToStart { .. } => METRICS.tasks_finished.get(&[("result", "error")]).inc(),
        _ => {}
    }
}
