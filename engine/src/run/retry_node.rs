//! Retry nodes: a template with a `retryStrategy` runs as a node of type
//! Retry whose children `name(0)`, `name(1)`, … are the attempts
//! (Argo's `processNodeRetries`; the decisions are `crate::retry`'s).

use super::bookkeeping::RetryState;
use super::node::NewNode;
use super::template::{Invocation, execute, record_inputs, shown_name};
use super::tick::Tick;
use super::{Action, Run, Timer, TimerKind, node};
use crate::expr::Vars;
use crate::retry::{self, Attempt, Decision};
use crate::spec::{RetryStrategy, Template};
use crate::status::{NodePhase, NodeType, Time};
use crate::substitute::{self, Mode};

/// Create the Retry node for `inv` and its first attempt.
pub fn start(
    t: &mut Tick,
    inv: &Invocation,
    template: &Template,
    strategy: &RetryStrategy,
    vars: &Vars,
) -> String {
    let shown = Some(shown_name(inv.key));
    let plan = match resolve(strategy, vars) {
        Ok(p) => p,
        Err(msg) => return super::template::error_node(t, inv.name, shown, inv.boundary, msg),
    };
    let new = NewNode {
        name: inv.name,
        node_type: NodeType::Retry,
        template: shown,
        boundary: inv.boundary,
        phase: NodePhase::Running,
        message: String::new(),
    };
    let id = node::create(t, new);
    let run = &mut *t.run;
    if let Some(n) = run.status.nodes.get_mut(&id) {
        n.template_ref = run.plan.templates.template_ref(inv.key);
    }
    record_inputs(run, &id, &template.inputs.parameters, vars);
    let state = RetryState {
        key: inv.key.to_string(),
        args: inv.args.clone(),
        locals: inv.locals.to_vec(),
        boundary: inv.boundary.map(str::to_string),
        in_exit: inv.in_exit,
        plan,
        attempts: Vec::new(),
    };
    run.book.retries.insert(id.clone(), state);
    next(t, &id);
    id
}

/// `{{…}}` in the strategy (a parameterised `limit`), then Argo's parse.
fn resolve(s: &RetryStrategy, vars: &Vars) -> Result<retry::RetryPlan, String> {
    let json = serde_json::to_value(s).map_err(|e| e.to_string())?;
    let json = substitute::value(&json, vars, Mode::Strict).map_err(|e| e.message)?;
    let s: RetryStrategy = serde_json::from_value(json).map_err(|e| e.to_string())?;
    retry::plan(&s).map_err(|e| e.message)
}

/// Decide what follows the Retry node's latest attempt, and do it:
/// another attempt (now or after a backoff), or the end of the node.
pub fn next(t: &mut Tick, id: &str) {
    let now = t.now;
    loop {
        let run = &mut *t.run;
        if run.status.nodes.get(id).is_none_or(|n| n.phase.is_fulfilled()) {
            return;
        }
        let Some(state) = run.book.retries.get(id).cloned() else { return };
        let attempts = attempts(run, &state);
        // A kept Retry node (retry of a finished workflow) repeats its
        // recorded attempts, without backoff, and ends as it did.
        if let Some((phase, message)) = super::rerun::recorded(run, id) {
            if attempts.last().is_some_and(|a| !a.phase.is_fulfilled()) {
                return;
            }
            if super::rerun::recorded_attempt(run, id, attempts.len()).is_some() {
                let index = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
                let child = start_attempt(t, id, &state, index, &attempts);
                if !t.run.status.nodes.get(&child).is_some_and(|n| n.phase.is_fulfilled()) {
                    return;
                }
                continue;
            }
            copy_last_outputs(run, id, &state);
            run.book.retries.remove(id);
            node::finish(t, id, phase, message);
            return;
        }
        let started = run.status.nodes.get(id).and_then(|n| n.started_at).unwrap_or(now);
        let last_done = attempts.last().is_some_and(|a| a.phase.is_fulfilled());
        let decision = if let (Some(s), true) = (run.book.shutdown, last_done) {
            let phase = attempts.last().map_or(NodePhase::Failed, |a| a.phase);
            if phase.is_failure() {
                Decision::GiveUp { phase, message: format!("Stopped with strategy '{}'", s.name()) }
            } else {
                Decision::Done
            }
        } else if run.book.deadline_passed && last_done && !state.in_exit {
            let phase = attempts.last().map_or(NodePhase::Failed, |a| a.phase);
            if phase.is_failure() {
                Decision::GiveUp { phase, message: "retry exceeded workflow deadline".into() }
            } else {
                Decision::Done
            }
        } else {
            retry::decide(&state.plan, &attempts, started, now, &run.globals())
        };
        match decision {
            Decision::Retry { attempt, at } if at.0 <= now.0 => {
                set_message(run, id, "");
                let child = start_attempt(t, id, &state, attempt, &attempts);
                if !t.run.status.nodes.get(&child).is_some_and(|n| n.phase.is_fulfilled()) {
                    return;
                }
            }
            Decision::Retry { at, .. } => {
                let msg = retry::backoff_message(&state.plan, &attempts).unwrap_or_default();
                set_message(run, id, &msg);
                arm(t, id, at);
                return;
            }
            Decision::Wait { until, message } => {
                if let Some(at) = until {
                    set_message(run, id, &message);
                    arm(t, id, at);
                }
                return;
            }
            Decision::GiveUp { phase, message } => {
                copy_last_outputs(run, id, &state);
                run.book.retries.remove(id);
                node::finish(t, id, phase, message);
                return;
            }
            Decision::Done => {
                copy_last_outputs(run, id, &state);
                run.book.retries.remove(id);
                let message =
                    run.status.nodes.get(id).map(|n| n.message.clone()).unwrap_or_default();
                node::finish(t, id, NodePhase::Succeeded, message);
                return;
            }
        }
    }
}

fn arm(t: &mut Tick, id: &str, at: Time) {
    t.out.push(Action::ArmTimer {
        timer: Timer { node: id.to_string(), kind: TimerKind::Backoff },
        at,
    });
}

fn set_message(run: &mut Run, id: &str, message: &str) {
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.message = message.to_string();
    }
}

fn start_attempt(
    t: &mut Tick,
    id: &str,
    state: &RetryState,
    attempt: u32,
    attempts: &[Attempt],
) -> String {
    let run = &mut *t.run;
    let retry_name = run.status.nodes.get(id).map(|n| n.name.clone()).unwrap_or_default();
    let name = format!("{retry_name}({attempt})");
    let child_id = crate::status::node_id(&run.plan.name, &name);
    run.book.attempt_of.insert(child_id.clone(), id.to_string());
    let mut locals = state.locals.clone();
    locals.extend(retry::attempt_vars(attempts));
    let inv = Invocation {
        name: &name,
        key: &state.key,
        args: &state.args,
        boundary: state.boundary.as_deref(),
        locals: &locals,
        attempt: true,
        in_exit: state.in_exit,
    };
    // Recorded before it starts: an attempt can end at once (an error, or
    // a replayed outcome), and what follows must see it as the latest.
    node::add_child(run, id, &child_id);
    if let Some(s) = run.book.retries.get_mut(id) {
        s.attempts.push(child_id.clone());
    }
    execute(t, &inv)
}

/// The attempts so far, as `crate::retry` reads them.
fn attempts(run: &Run, state: &RetryState) -> Vec<Attempt> {
    state
        .attempts
        .iter()
        .filter_map(|a| run.status.nodes.get(a))
        .map(|n| Attempt {
            phase: n.phase,
            exit_code: n
                .outputs
                .as_ref()
                .and_then(|o| o.exit_code.as_ref())
                .and_then(|c| c.parse().ok()),
            message: n.message.clone(),
            started_at: n.started_at.unwrap_or_default(),
            finished_at: n.finished_at.unwrap_or_default(),
        })
        .collect()
}

/// A Retry node ends with its last attempt's outputs.
fn copy_last_outputs(run: &mut Run, id: &str, state: &RetryState) {
    let outputs =
        state.attempts.last().and_then(|a| run.status.nodes.get(a)).and_then(|n| n.outputs.clone());
    if let Some(n) = run.status.nodes.get_mut(id) {
        n.outputs = outputs;
    }
}
