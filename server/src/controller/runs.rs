//! Starting a run: a fresh one (journal entry 0, `Run::start`) or one the
//! last server left unfinished (replayed from its journal, its pods
//! adopted, its lost tasks ended), then its executor and its actor.

use std::sync::Arc;

use engine::run::{Event, Plan, Run, Timer};
use engine::spec::not_enforced::Executor;
use engine::status::{Time, WorkflowPhase};
use tokio::sync::{mpsc, oneshot, watch};

use super::actor::{self, Actor, Outcome, Startup};
use super::{Controller, ControllerError, Running, Submitted, replay, sealing};
use crate::clock::now;
use crate::executor::{self, Backend, LocalExecutor, LocalStore, RunContext};
use crate::redact::{Masker, SecretRefs};
use crate::store::{Entry, LoggedEvent, WorkflowRow};

impl Controller {
    /// Start (or resume) a workflow's actor.
    pub(super) async fn start_run(&self, uid: &str) -> Result<(), ControllerError> {
        let row = self
            .inner
            .store
            .workflow_by_uid(uid)
            .await?
            .ok_or_else(|| ControllerError::NotFound(uid.to_string()))?;
        let submitted = submitted(&row)?;
        let log = match sealing::open(&self.inner.key, self.inner.store.events(&row.uid).await?) {
            Ok(log) => log,
            // Entries that no longer open (another key): the run cannot
            // be rebuilt, it ends saying why rather than waiting forever.
            Err(e) if !e.is_unavailable() => {
                let why = format!("cannot resume after a restart: {e}");
                self.end_with(&row, WorkflowPhase::Error, &why).await?;
                return Err(ControllerError::Internal(why));
            }
            Err(e) => return Err(e.into()),
        };
        let plans = plans_for(&row, &submitted, self.executor_kind());
        let run_dir = self.run_dir(uid);
        let mut startup = Startup::default();
        let replayed = match replay::replay(&plans, &log) {
            Ok(r) => r,
            Err(e) => {
                // A journal this version cannot replay: the run ends
                // (Error), saying why, rather than staying Running forever.
                let why = format!("cannot resume after a restart: {e}");
                self.end_with(&row, WorkflowPhase::Error, &why).await?;
                return Err(ControllerError::Internal(why));
            }
        };
        let (run, next_seq, timers) = match replayed {
            None => {
                let plan = match plans(&[]) {
                    Ok(p) => p,
                    Err(why) => {
                        // Stored, but it cannot be planned: it ends,
                        // saying why.
                        self.end_pending(&row, &why).await?;
                        return Err(ControllerError::Invalid(why));
                    }
                };
                let at = now();
                let started = LoggedEvent {
                    workflow_uid: uid.to_string(),
                    seq: 0,
                    at,
                    entry: Entry::Started,
                };
                self.inner.journal.write(vec![started], None).await?;
                let (run, actions) = Run::start(plan, at);
                startup.actions = actions;
                (run, 1, Vec::new())
            }
            Some(r) => {
                // The old server's local tasks: ended.
                let reaped = LocalExecutor::reap_orphans(&run_dir);
                if reaped > 0 {
                    tracing::info!(workflow = %row.name, "ended {reaped} orphaned task(s)");
                }
                // Its pods are followed again (spawn_actor).
                startup.adopt = r.in_flight.into_values().collect();
                startup.relaunch = r.deferred.into_values().collect();
                (r.run, r.next_seq, r.timers)
            }
        };
        self.spawn_actor(&row, run, next_seq, timers, startup).await
    }

    /// What runs the pods: pods on the cluster, or local processes.
    pub(super) fn executor_kind(&self) -> Executor {
        match self.inner.config.backend {
            Backend::Local(_) => Executor::Local,
            Backend::Kubernetes(_) => Executor::Kubernetes,
        }
    }

    /// Give a run its executor and its actor.
    pub(super) async fn spawn_actor(
        &self,
        row: &WorkflowRow,
        run: Run,
        next_seq: i64,
        timers: Vec<(Timer, Time)>,
        mut startup: Startup,
    ) -> Result<(), ControllerError> {
        let uid = row.uid.as_str();
        let run_dir = self.run_dir(uid);
        let (events, executor_events) = mpsc::unbounded_channel();
        let refs = secret_refs(&run.plan);
        let mut unmasked = None;
        let (store, masker) = match &self.inner.config.backend {
            Backend::Local(_) => self.local_store(&row.namespace, &refs).await?,
            // Pods read the cluster's Secrets and ConfigMaps.
            Backend::Kubernetes(_) => {
                let (values, unreadable) = match &self.inner.config.cluster_objects {
                    Some(cluster) => cluster.secret_values(&row.namespace, &refs).await,
                    None => (Vec::new(), Vec::new()),
                };
                if !unreadable.is_empty() {
                    unmasked = Some(format!(
                        "the values of Secret(s) {} could not be read, so a task that prints them \
                         shows them in its outputs: let Keelson's service account get them",
                        unreadable.join(", ")
                    ));
                }
                (LocalStore::empty(), Masker::new(&values))
            }
        };
        let executor = executor::for_run(
            &self.inner.config.backend,
            RunContext {
                namespace: row.namespace.clone(),
                workflow: row.name.clone(),
                uid: uid.to_string(),
                plan: run.plan.clone(),
                run_dir: run_dir.clone(),
                store,
                events,
            },
        );
        for (spec, started) in std::mem::take(&mut startup.adopt) {
            if !executor.adopt(&spec, started) {
                let message = if started {
                    "executor lost: server restarted while the task ran"
                } else {
                    "executor lost: server restarted as the task was starting"
                };
                startup
                    .events
                    .push(Event::NodeFailedToStart { node: spec.node, message: message.into() });
            }
        }
        let mut timer_heap = crate::timers::Timers::default();
        for (t, at) in timers {
            timer_heap.arm(t, at);
        }
        let (commands_tx, commands) = mpsc::unbounded_channel();
        let (done_tx, done) = watch::channel(false);
        self.state().running.insert(
            uid.to_string(),
            Running { commands: commands_tx, done, executor: executor.clone() },
        );
        let ttl = serde_json::to_value(&run.plan.spec)
            .ok()
            .and_then(|spec| spec.get("ttlStrategy").cloned());
        let default_ttl = self.inner.config.default_ttl.map(|d| d.as_secs() as i64);
        let actor = Actor {
            retention: actor::Retention { ttl, default_ttl, run_dir },
            uid: uid.to_string(),
            namespace: row.namespace.clone(),
            name: row.name.clone(),
            run,
            next_seq,
            executor,
            executor_events,
            commands,
            timers: timer_heap,
            journal: self.inner.journal.clone(),
            bus: self.inner.bus.clone(),
            row: row.clone(),
            shutdown: self.inner.shutdown.subscribe(),
            masker,
            unmasked,
            key: self.inner.key.clone(),
        };
        let (started, durable) = oneshot::channel();
        startup.started = Some(started);
        let this = self.clone();
        let uid = uid.to_string();
        tokio::spawn(async move {
            match actor.run(startup).await {
                Outcome::JournalFailed(e) => {
                    tracing::error!(workflow = %uid, "paused until the next start: {e}");
                }
                Outcome::Finished => {
                    tracing::debug!(workflow = %uid, "finished");
                    this.collect_artifacts_later(uid.clone());
                }
                Outcome::ShutDown => tracing::debug!(workflow = %uid, "left for the next start"),
            }
            this.finished(&uid, Some(done_tx));
        });
        // Returned once the run's status is stored: whoever asked (a
        // retry, an admission) reads the run as it is, not as it was —
        // unless the store is down, when the actor keeps trying alone.
        let _ = tokio::time::timeout(STATUS_WAIT, durable).await;
        Ok(())
    }

    /// The namespace's secrets and config maps, for `secretKeyRef` and
    /// `configMapKeyRef`; and a masker of the secret values `refs` reads.
    pub(super) async fn local_store(
        &self,
        namespace: &str,
        refs: &SecretRefs,
    ) -> Result<(LocalStore, Masker), ControllerError> {
        let mut local = LocalStore::empty();
        let mut read = Vec::new();
        for (name, data) in self.inner.store.secrets_in(&self.inner.key, namespace).await? {
            for (k, v) in data {
                let value = String::from_utf8_lossy(&v);
                if refs.reads(&name, &k) {
                    read.push(value.to_string());
                }
                local.insert_secret(&name, &k, &value);
            }
        }
        for (name, data) in self.inner.store.config_maps_in(namespace).await? {
            for (k, v) in data {
                local.insert_config_map(&name, &k, &v);
            }
        }
        Ok((local, Masker::new(&read)))
    }
}

/// How long starting a run waits for its first status to be stored.
const STATUS_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The row's plan for `-p` overrides added by retries, for `executor`
/// (what the status's `SpecWarning` lists).
pub(super) fn plans_for<'a>(
    row: &'a WorkflowRow,
    submitted: &'a Submitted,
    executor: Executor,
) -> impl Fn(&[(String, String)]) -> Result<Arc<Plan>, String> + 'a {
    move |extra| {
        let mut s = submitted.clone();
        s.parameters.extend(extra.iter().cloned());
        s.plan(&row.uid, &row.namespace, &row.name, row.created_at)
            .map(|p| Arc::new(Plan { executor, ..p }))
            .map_err(|e| e.to_string())
    }
}

/// The secrets a plan's templates read, wherever they are.
fn secret_refs(plan: &Plan) -> SecretRefs {
    let templates: Vec<&engine::spec::Template> = plan.templates.iter().collect();
    let all = serde_json::json!({"spec": plan.spec, "templates": templates});
    SecretRefs::in_json(&all)
}

/// What was submitted, as the row keeps it.
pub(super) fn submitted(row: &WorkflowRow) -> Result<Submitted, ControllerError> {
    serde_json::from_value(row.submission.clone())
        .map_err(|e| ControllerError::Internal(format!("stored submission of {}: {e}", row.name)))
}
