//! What cuts running work short: stop and terminate (a user's), and
//! deadlines (the workflow's `activeDeadlineSeconds`, a template's
//! `activeDeadlineSeconds` or `timeout`).

use super::bookkeeping::Shutdown;
use super::tick::Tick;
use super::{Action, Timer, TimerKind, node, retry_node, suspend};
use crate::status::{NodePhase, Time};

/// `argo stop` / `argo terminate`.
pub fn shutdown(t: &mut Tick, how: Shutdown) {
    // Launches held by a workflow suspension go out, to be killed.
    suspend::release_held(t);
    if t.run.book.shutdown == Some(Shutdown::Terminate) {
        return;
    }
    t.run.book.shutdown = Some(how);
    let spare_exit = how == Shutdown::Stop;
    // Two spaces, as Argo's `applyExecutionControl` says it
    // (workflow/controller/exec_control.go); a pod not started yet says
    // it with one (its `createWorkflowPod`).
    let kill = format!("workflow shutdown with strategy:  {}", how.name());
    stop_pods(t, &kill, spare_exit);
    let queued = format!("workflow shutdown with strategy: {}", how.name());
    fail_queued(t, &queued, spare_exit);
    let suspended = format!("Stopped with strategy '{}'", how.name());
    fail_suspended(t, &suspended);
    // Retries waiting for a backoff give up now.
    let waiting: Vec<String> = t.run.book.retries.keys().cloned().collect();
    for r in waiting {
        retry_node::next(t, &r);
    }
}

/// The first timer of a run: the workflow's deadline, if it has one.
pub fn arm_workflow_deadline(t: &mut Tick) {
    let plan = &t.run.plan;
    let Some(secs) = plan.spec.active_deadline_seconds.as_ref().and_then(|s| s.as_int()) else {
        return;
    };
    let timer = Timer { node: plan.name.clone(), kind: TimerKind::WorkflowDeadline };
    t.out.push(Action::ArmTimer { timer, at: Time(t.now.0.saturating_add(secs)) });
}

/// A template's own deadline: its pod is killed, the node Fails.
pub fn node_deadline(t: &mut Tick, id: &str) {
    // Kubernetes' words for a pod past its `activeDeadlineSeconds`, which
    // Argo's node shows.
    let msg = "Pod was active on the node longer than the specified deadline";
    let book = &mut t.run.book;
    if book.active_pods.contains(id) {
        kill(t, id, msg);
    } else if let Some(i) = book.queued.iter().position(|q| q.spec.node == id) {
        book.queued.remove(i);
        node::finish(t, id, NodePhase::Failed, "timeout".into());
    }
}

/// The workflow's `activeDeadlineSeconds`: everything still running,
/// except exit handlers, fails with `Step exceeded its deadline`.
pub fn workflow_deadline(t: &mut Tick) {
    if t.run.is_done() {
        return;
    }
    t.run.book.deadline_passed = true;
    let msg = "Step exceeded its deadline";
    stop_pods(t, msg, true);
    fail_queued(t, msg, true);
    fail_suspended(t, msg);
    let waiting: Vec<String> = t.run.book.retries.keys().cloned().collect();
    for r in waiting {
        retry_node::next(t, &r);
    }
}

fn kill(t: &mut Tick, id: &str, message: &str) {
    if t.run.book.killing.insert(id.to_string(), message.to_string()).is_none() {
        t.out.push(Action::Kill { node: id.to_string() });
    }
}

fn stop_pods(t: &mut Tick, message: &str, spare_exit: bool) {
    let book = &t.run.book;
    let pods: Vec<String> = book
        .active_pods
        .iter()
        .filter(|p| !(spare_exit && book.exit_pods.contains(*p)))
        .cloned()
        .collect();
    for p in pods {
        kill(t, &p, message);
    }
}

fn fail_queued(t: &mut Tick, message: &str, spare_exit: bool) {
    let book = &mut t.run.book;
    let (keep, drop): (Vec<_>, Vec<_>) = std::mem::take(&mut book.queued)
        .into_iter()
        .partition(|q| spare_exit && book.exit_pods.contains(&q.spec.node));
    book.queued = keep.into();
    for q in drop {
        node::finish(t, &q.spec.node, NodePhase::Failed, message.to_string());
    }
}

fn fail_suspended(t: &mut Tick, message: &str) {
    let ids: Vec<String> = t.run.book.suspended.keys().cloned().collect();
    for id in ids {
        node::finish(t, &id, NodePhase::Failed, message.to_string());
    }
}
