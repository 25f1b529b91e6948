//! CronWorkflows: a scheduler that starts a Workflow each time one of a
//! CronWorkflow's `schedules` fires, as Argo's cron controller does — the
//! run named `<cron>-<unix time of the fire>` (so a fire is never run
//! twice, even across a crash), labelled and annotated as Argo does,
//! under `concurrencyPolicy`, `startingDeadlineSeconds`, `suspend`,
//! `when` and the history limits. Unlike Argo (issue #9632), a fire missed
//! while the server was down runs when it comes back, if it is still
//! within the starting deadline: the latest missed fire, once.
//!
//! The scheduler reads time from a [`Clock`], so tests move time by hand.

pub mod schedule;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use engine::cron::Schedule;
use engine::expr::Vars;
use engine::spec::{CronWorkflow, Document};
use engine::status::Time;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::controller::{Controller, ControllerError, SubmitRequest};
use crate::store::{CronRow, LabelSelector, ListQuery};

pub const CRON_LABEL: &str = "workflows.argoproj.io/cron-workflow";
pub const SCHEDULED_ANNOTATION: &str = "workflows.argoproj.io/scheduled-time";

/// Fires further back than this are not looked for (a minute schedule
/// over a year is half a million steps).
const LOOKBACK: i64 = 366 * 24 * 3600;
/// The scheduler looks at least this often (a CronWorkflow created or
/// changed also wakes it).
const MAX_SLEEP: Duration = Duration::from_secs(5);

/// Where the scheduler reads the time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Time;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Time {
        crate::clock::now()
    }
}

/// What a pass did with one CronWorkflow's fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fired {
    Started {
        cron: String,
        workflow: String,
        at: Time,
    },
    /// Skipped: why.
    Skipped {
        cron: String,
        at: Time,
        why: String,
    },
}

/// The scheduler; cheap to clone.
#[derive(Clone)]
pub struct Scheduler {
    controller: Controller,
    wake: Arc<Notify>,
}

impl Scheduler {
    pub fn new(controller: Controller) -> Scheduler {
        Scheduler { controller, wake: Arc::new(Notify::new()) }
    }

    /// Look again now (a CronWorkflow was created, changed or resumed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Run passes forever on `clock`.
    pub async fn run(self, clock: impl Clock) {
        loop {
            let now = clock.now();
            if let Err(e) = self.tick(now).await {
                tracing::warn!("cron: {e}");
            }
            let wait = match self.next_fire(now).await {
                Some(t) => {
                    Duration::from_secs(u64::try_from(t.0 - now.0).unwrap_or(0)).min(MAX_SLEEP)
                }
                None => MAX_SLEEP,
            };
            tokio::select! {
                () = tokio::time::sleep(wait.max(Duration::from_millis(200))) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    /// The earliest fire after `now` of any active CronWorkflow.
    async fn next_fire(&self, now: Time) -> Option<Time> {
        let rows = self.controller.store().crons(None).await.ok()?;
        rows.iter()
            .filter_map(|r| {
                let (cron, schedules) = parse(r).ok()?;
                if cron.spec.suspend == Some(true) {
                    return None;
                }
                schedules.iter().filter_map(|(s, tz)| schedule::next_after(s, tz, now)).min()
            })
            .min()
    }

    /// One pass at `now`: start every run that is due.
    pub async fn tick(&self, now: Time) -> Result<Vec<Fired>, ControllerError> {
        let mut fired = Vec::new();
        for row in self.controller.store().crons(None).await? {
            match self.consider(&row, now).await {
                Ok(Some(f)) => fired.push(f),
                Ok(None) => {}
                Err(e) => tracing::warn!("cron {}/{}: {e}", row.namespace, row.name),
            }
        }
        Ok(fired)
    }

    async fn consider(&self, row: &CronRow, now: Time) -> Result<Option<Fired>, ControllerError> {
        let (cron, schedules) = parse(row).map_err(ControllerError::Invalid)?;
        if cron.spec.suspend == Some(true) {
            return Ok(None);
        }
        let since = row.last_handled_at.unwrap_or(row.created_at).max(Time(now.0 - LOOKBACK));
        let Some(at) = schedule::latest_between(&schedules, since, now) else { return Ok(None) };
        let skip = |why: String| Fired::Skipped { cron: row.name.clone(), at, why };
        let store = self.controller.store();
        if let Some(deadline) = cron.spec.starting_deadline_seconds
            && now.0 - at.0 > deadline
        {
            store.set_cron_handled(&row.namespace, &row.name, at, false).await?;
            return Ok(Some(skip(format!(
                "missed by {}s, more than startingDeadlineSeconds ({deadline})",
                now.0 - at.0
            ))));
        }
        let history = self.history(row).await?;
        if let Some(when) = cron.spec.when.as_deref().filter(|w| !w.trim().is_empty()) {
            let go = evaluate_when(when, row, &history, now).map_err(ControllerError::Invalid)?;
            if !go {
                store.set_cron_handled(&row.namespace, &row.name, at, false).await?;
                return Ok(Some(skip(format!("`when` is false: {when}"))));
            }
        }
        let active: Vec<&crate::store::WorkflowRow> = history
            .iter()
            .filter(|w| matches!(w.phase.as_str(), "" | "Pending" | "Running"))
            .collect();
        match cron.spec.concurrency_policy.as_deref().unwrap_or("Allow") {
            "Forbid" if !active.is_empty() => {
                store.set_cron_handled(&row.namespace, &row.name, at, false).await?;
                return Ok(Some(skip(format!(
                    "concurrencyPolicy Forbid: {} still running",
                    active[0].name
                ))));
            }
            "Replace" => {
                for w in &active {
                    if let Err(e) = self.controller.terminate(&w.namespace, &w.name).await {
                        tracing::warn!("cron {}: cannot replace {}: {e}", row.name, w.name);
                    }
                }
            }
            _ => {}
        }
        let workflow = child(&cron, row, at);
        let name = format!("{}-{}", row.name, at.0);
        match self
            .controller
            .submit(SubmitRequest {
                namespace: row.namespace.clone(),
                workflow,
                ..Default::default()
            })
            .await
        {
            // Started before a crash, recorded now.
            Ok(_) | Err(ControllerError::AlreadyExists(_)) => {}
            // Not handled: the next server starts it.
            Err(ControllerError::ShuttingDown) => return Err(ControllerError::ShuttingDown),
            Err(e) => {
                // A run that cannot start is not retried every pass.
                store.set_cron_handled(&row.namespace, &row.name, at, false).await?;
                return Ok(Some(skip(format!("cannot start: {e}"))));
            }
        }
        store.set_cron_handled(&row.namespace, &row.name, at, true).await?;
        self.trim_history(&cron, &history).await;
        Ok(Some(Fired::Started { cron: row.name.clone(), workflow: name, at }))
    }

    /// This CronWorkflow's runs, the most recently scheduled first.
    pub async fn history(
        &self,
        row: &CronRow,
    ) -> Result<Vec<crate::store::WorkflowRow>, ControllerError> {
        let selector = format!("{CRON_LABEL}={}", row.name);
        let q = ListQuery {
            namespace: Some(row.namespace.clone()),
            // A name Kubernetes accepts is a valid label value: a failure
            // here is ours, not the caller's.
            labels: LabelSelector::parse(&selector)
                .map_err(|e| ControllerError::Internal(format!("cron {}: {e}", row.name)))?,
            ..Default::default()
        };
        let mut runs = self.controller.store().query_workflows(&q).await?;
        // Several runs can be created within a second (a clock moved by
        // hand, catch-up): order by the fire they were for.
        let scheduled = |w: &crate::store::WorkflowRow| {
            w.submission
                .pointer("/workflow/metadata/annotations")
                .and_then(|a| a.get(SCHEDULED_ANNOTATION))
                .and_then(Value::as_str)
                .and_then(Time::parse_rfc3339)
                .unwrap_or(w.created_at)
        };
        runs.sort_by_key(|w| std::cmp::Reverse((scheduled(w), w.created_at)));
        Ok(runs)
    }

    /// Keep `successfulJobsHistoryLimit` (3) succeeded and
    /// `failedJobsHistoryLimit` (1) failed runs; delete older ones.
    async fn trim_history(&self, cron: &CronWorkflow, history: &[crate::store::WorkflowRow]) {
        let keep_ok = cron.spec.successful_jobs_history_limit.unwrap_or(3).max(0) as usize;
        let keep_failed = cron.spec.failed_jobs_history_limit.unwrap_or(1).max(0) as usize;
        let ok = history.iter().filter(|w| w.phase == "Succeeded").skip(keep_ok);
        let failed = history
            .iter()
            .filter(|w| matches!(w.phase.as_str(), "Failed" | "Error"))
            .skip(keep_failed);
        for w in ok.chain(failed) {
            if let Err(e) = self.controller.delete(&w.namespace, &w.name, false).await {
                tracing::warn!("cron history: cannot delete {}: {e}", w.name);
            }
        }
    }
}

/// A stored CronWorkflow, typed, with its schedules parsed in their zones.
pub fn parse(row: &CronRow) -> Result<(CronWorkflow, Vec<(Schedule, TimeZone)>), String> {
    let cron = match engine::spec::decode(row.body.clone()) {
        Ok(Document::CronWorkflow(c)) => *c,
        Ok(other) => return Err(format!("expected a CronWorkflow, got a {}", other.kind())),
        Err(e) => return Err(e.to_string()),
    };
    let mut specs = cron.spec.schedules.clone();
    specs.extend(cron.spec.schedule.clone());
    if specs.is_empty() {
        return Err("spec.schedules is empty".into());
    }
    let mut schedules = Vec::new();
    for s in &specs {
        let parsed = engine::cron::parse(s).map_err(|e| e.to_string())?;
        let tz =
            schedule::zone(&parsed, cron.spec.timezone.as_deref()).map_err(|e| e.to_string())?;
        schedules.push((parsed, tz));
    }
    Ok((cron, schedules))
}

/// The Workflow `argo submit --from cronwf/NAME` starts now: the cron's
/// workflow, named `NAME-` and a suffix, labelled as its runs are (Argo's
/// `ConvertCronWorkflowToWorkflow`), outside the schedule (no scheduled
/// time, no concurrency policy).
pub fn submitted_now(row: &CronRow) -> Result<Value, String> {
    let (cron, _) = parse(row)?;
    let mut workflow = child(&cron, row, Time(0));
    if let Some(meta) = workflow.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("name");
        meta.insert("generateName".into(), format!("{}-", row.name).into());
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(SCHEDULED_ANNOTATION);
        }
    }
    Ok(workflow)
}

/// The Workflow a fire at `at` starts.
fn child(cron: &CronWorkflow, row: &CronRow, at: Time) -> Value {
    let meta = cron.spec.workflow_metadata.clone().unwrap_or_else(|| json!({}));
    let mut labels: BTreeMap<String, Value> = meta
        .get("labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    labels.insert(CRON_LABEL.into(), row.name.clone().into());
    let mut annotations: BTreeMap<String, Value> = meta
        .get("annotations")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    annotations.insert(SCHEDULED_ANNOTATION.into(), at.to_string().into());
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "name": format!("{}-{}", row.name, at.0),
            "namespace": row.namespace,
            "labels": labels,
            "annotations": annotations,
        },
        "spec": cron.spec.workflow_spec,
    })
}

/// `when`: its `{{…}}` tags substituted (`cronworkflow.name`,
/// `.namespace`, `.lastScheduledTime`, `.succeeded`, `.failed`,
/// `.labels.<k>`, `.annotations.<k>`), then read as a boolean expression.
fn evaluate_when(
    when: &str,
    row: &CronRow,
    history: &[crate::store::WorkflowRow],
    now: Time,
) -> Result<bool, String> {
    let mut vars = Vars::new();
    vars.set_clock(now.0);
    vars.insert("cronworkflow.name", row.name.clone().into());
    vars.insert("cronworkflow.namespace", row.namespace.clone().into());
    vars.insert(
        "cronworkflow.lastScheduledTime",
        row.last_scheduled_at.map_or(Value::Null, |t| t.to_string().into()),
    );
    let count =
        |phases: &[&str]| history.iter().filter(|w| phases.contains(&w.phase.as_str())).count();
    vars.insert("cronworkflow.succeeded", count(&["Succeeded"]).into());
    vars.insert("cronworkflow.failed", count(&["Failed", "Error"]).into());
    for (field, key) in [("labels", "labels"), ("annotations", "annotations")] {
        if let Some(m) = row.body.pointer(&format!("/metadata/{key}")).and_then(Value::as_object) {
            for (k, v) in m {
                vars.insert(format!("cronworkflow.{field}.{k}"), v.clone());
            }
        }
    }
    let text = engine::substitute::string(when, &vars, engine::substitute::Mode::Strict)
        .map_err(|e| format!("when: {e}"))?;
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        expr => engine::expr::eval_bool(expr, &vars).map_err(|e| format!("when {expr:?}: {e}")),
    }
}
