//! What users and clocks do to a running workflow: stop, terminate,
//! resume, and deadlines (the workflow's `activeDeadlineSeconds`, a
//! template's `activeDeadlineSeconds` or `timeout`).

use super::bookkeeping::Shutdown;
use super::{Action, Run, Timer, TimerKind, node, retry_node, suspend};
use crate::status::{NodePhase, Time};

/// `argo stop` / `argo terminate`.
pub fn shutdown(run: &mut Run, how: Shutdown, now: Time, out: &mut Vec<Action>) {
    if run.book.shutdown == Some(Shutdown::Terminate) {
        return;
    }
    run.book.shutdown = Some(how);
    let spare_exit = how == Shutdown::Stop;
    let kill = format!("workflow shutdown with strategy:  {}", how.name());
    stop_pods(run, &kill, spare_exit, out);
    let queued = format!("workflow shutdown with strategy: {}", how.name());
    fail_queued(run, &queued, spare_exit, now, out);
    let suspended = format!("Stopped with strategy '{}'", how.name());
    fail_suspended(run, &suspended, now, out);
    // Retries waiting for a backoff give up now.
    let waiting: Vec<String> = run.book.retries.keys().cloned().collect();
    for r in waiting {
        retry_node::next(run, &r, now, out);
    }
}

/// Resume every suspended node, or the one named.
pub fn resume(run: &mut Run, which: Option<&str>, now: Time, out: &mut Vec<Action>) {
    let ids: Vec<String> = match which {
        Some(id) => vec![id.to_string()],
        None => run.book.suspended.keys().cloned().collect(),
    };
    for id in ids {
        suspend::resume(run, &id, now, out);
    }
}

/// The first timer of a run: the workflow's deadline, if it has one.
pub fn arm_workflow_deadline(run: &mut Run, now: Time, out: &mut Vec<Action>) {
    let Some(secs) = run.plan.spec.active_deadline_seconds.as_ref().and_then(|s| s.as_int()) else {
        return;
    };
    let timer = Timer { node: run.plan.name.clone(), kind: TimerKind::WorkflowDeadline };
    out.push(Action::ArmTimer { timer, at: Time(now.0.saturating_add(secs)) });
}

pub fn timer_fired(run: &mut Run, timer: Timer, now: Time, out: &mut Vec<Action>) {
    match timer.kind {
        TimerKind::Backoff => retry_node::next(run, &timer.node, now, out),
        TimerKind::Resume => suspend::resume(run, &timer.node, now, out),
        TimerKind::NodeDeadline => node_deadline(run, &timer.node, now, out),
        TimerKind::WorkflowDeadline => workflow_deadline(run, now, out),
    }
}

/// A template's own deadline: its pod is killed, the node Fails.
fn node_deadline(run: &mut Run, id: &str, now: Time, out: &mut Vec<Action>) {
    let msg = "Pod was active on the node longer than the specified deadline";
    if run.book.active_pods.contains(id) {
        kill(run, id, msg, out);
    } else if let Some(i) = run.book.queued.iter().position(|q| q.spec.node == id) {
        run.book.queued.remove(i);
        node::finish(run, id, NodePhase::Failed, "timeout".into(), now, out);
    }
}

/// The workflow's `activeDeadlineSeconds`: everything still running,
/// except exit handlers, fails with `Step exceeded its deadline`.
fn workflow_deadline(run: &mut Run, now: Time, out: &mut Vec<Action>) {
    if run.is_done() {
        return;
    }
    run.book.deadline_passed = true;
    let msg = "Step exceeded its deadline";
    stop_pods(run, msg, true, out);
    fail_queued(run, msg, true, now, out);
    fail_suspended(run, msg, now, out);
    let waiting: Vec<String> = run.book.retries.keys().cloned().collect();
    for r in waiting {
        retry_node::next(run, &r, now, out);
    }
}

fn kill(run: &mut Run, id: &str, message: &str, out: &mut Vec<Action>) {
    if run.book.killing.insert(id.to_string(), message.to_string()).is_none() {
        out.push(Action::Kill { node: id.to_string() });
    }
}

fn stop_pods(run: &mut Run, message: &str, spare_exit: bool, out: &mut Vec<Action>) {
    let pods: Vec<String> = run
        .book
        .active_pods
        .iter()
        .filter(|p| !(spare_exit && run.book.exit_pods.contains(*p)))
        .cloned()
        .collect();
    for p in pods {
        kill(run, &p, message, out);
    }
}

fn fail_queued(run: &mut Run, message: &str, spare_exit: bool, now: Time, out: &mut Vec<Action>) {
    let (keep, drop): (Vec<_>, Vec<_>) = std::mem::take(&mut run.book.queued)
        .into_iter()
        .partition(|q| spare_exit && run.book.exit_pods.contains(&q.spec.node));
    run.book.queued = keep.into();
    for q in drop {
        node::finish(run, &q.spec.node, NodePhase::Failed, message.to_string(), now, out);
    }
}

fn fail_suspended(run: &mut Run, message: &str, now: Time, out: &mut Vec<Action>) {
    let ids: Vec<String> = run.book.suspended.keys().cloned().collect();
    for id in ids {
        node::finish(run, &id, NodePhase::Failed, message.to_string(), now, out);
    }
}
