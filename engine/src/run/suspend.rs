//! Suspension. Suspend templates: the node waits for a resume, or for its
//! `duration` (Argo's `executeSuspend`). The whole workflow (`argo
//! suspend`): launches are held back until it resumes.

use super::tick::Tick;
use super::{Action, Event, Exit, Run, Timer, TimerKind, node};
use crate::expr::Vars;
use crate::spec::Template;
use crate::status::{NodeOutputs, NodePhase, OutputParameter, Time};
use crate::substitute::{self, Mode};

pub fn start(t: &mut Tick, id: &str, key: &str, template: &Template, vars: &Vars) {
    if super::rerun::replay_leaf(t, id) {
        return;
    }
    if let Some(s) = t.run.book.shutdown {
        let msg = format!("Stopped with strategy '{}'", s.name());
        node::finish(t, id, NodePhase::Failed, msg);
        return;
    }
    let supplied: Vec<OutputParameter> = template
        .outputs
        .parameters
        .iter()
        .filter(|p| p.value_from.as_ref().is_some_and(|f| f.supplied.is_some()))
        .map(|p| OutputParameter {
            name: p.name.clone(),
            value: None,
            global_name: p.global_name.clone(),
        })
        .collect();
    if let Some(n) = t.run.status.nodes.get_mut(id)
        && !supplied.is_empty()
    {
        n.outputs = Some(NodeOutputs { parameters: supplied, ..Default::default() });
    }
    t.run.book.suspended.insert(id.to_string(), key.to_string());
    let Some(d) = template.suspend.as_ref().and_then(|s| s.duration.as_ref()) else { return };
    let text = substitute::string(&d.to_string(), vars, Mode::Strict)
        .map(|s| s.into_owned())
        .map_err(|e| e.message);
    let seconds = text.and_then(|s| {
        crate::duration::parse(&s).map_err(|e| format!("suspend.duration {s:?}: {e}"))
    });
    match seconds {
        Ok(d) => {
            let at = Time(t.now.0 + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2));
            let timer = Timer { node: id.to_string(), kind: TimerKind::Resume };
            t.out.push(Action::ArmTimer { timer, at });
        }
        Err(msg) => node::finish(t, id, NodePhase::Error, msg),
    }
}

/// Resume one suspended node (its `duration` is over, or a user said so).
/// Supplied outputs without a value take their `default`.
pub fn resume(t: &mut Tick, id: &str) {
    let run = &mut *t.run;
    let Some(key) = run.book.suspended.get(id) else { return };
    let defaults: Vec<(String, String)> = run
        .plan
        .template(key)
        .map(|template| {
            template
                .outputs
                .parameters
                .iter()
                .filter_map(|p| {
                    let d = p.value_from.as_ref()?.default.as_ref()?;
                    Some((p.name.clone(), d.0.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    // Argo refuses to resume while a supplied output has neither a value
    // nor a default ("raw output parameter … has not been set").
    let unset = run.status.nodes.get(id).and_then(|n| n.outputs.as_ref()).is_some_and(|o| {
        o.parameters
            .iter()
            .any(|p| p.value.is_none() && !defaults.iter().any(|(n, _)| *n == p.name))
    });
    if unset {
        return;
    }
    if let Some(o) = run.status.nodes.get_mut(id).and_then(|n| n.outputs.as_mut()) {
        for p in &mut o.parameters {
            if p.value.is_none() {
                p.value = defaults.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v.clone());
            }
        }
    }
    node::finish(t, id, NodePhase::Succeeded, String::new());
}

/// Set a suspended node's supplied outputs and message; a final phase ends
/// it (Succeeded resumes it, with defaults for outputs still unset).
pub fn set(
    t: &mut Tick,
    id: &str,
    phase: Option<NodePhase>,
    message: Option<String>,
    outputs: &std::collections::BTreeMap<String, String>,
) {
    if !t.run.book.suspended.contains_key(id) {
        return;
    }
    let Some(n) = t.run.status.nodes.get_mut(id) else { return };
    if let Some(o) = n.outputs.as_mut() {
        for p in &mut o.parameters {
            if let Some(v) = outputs.get(&p.name) {
                p.value = Some(v.clone());
            }
        }
    }
    if let Some(m) = &message {
        n.message.clone_from(m);
    }
    match phase {
        Some(NodePhase::Succeeded) => resume(t, id),
        Some(p @ (NodePhase::Failed | NodePhase::Error)) => {
            node::finish(t, id, p, message.unwrap_or_default());
        }
        _ => {}
    }
}

/// `argo suspend`: from now on launches are held back ([`hold_launches`]).
pub fn suspend_workflow(run: &mut Run) {
    // Suspending a suspended workflow changes nothing: what it holds
    // stays held.
    run.book.held.get_or_insert_with(Vec::new);
}

/// `argo resume` of the whole workflow: the launches held back go out,
/// and every suspended node resumes.
pub fn resume_workflow(t: &mut Tick) {
    release_held(t);
    let ids: Vec<String> = t.run.book.suspended.keys().cloned().collect();
    for id in ids {
        resume(t, &id);
    }
}

/// End a workflow-level suspension: the launches it held back go out, in
/// order.
pub fn release_held(t: &mut Tick) {
    let held = t.run.book.held.take().unwrap_or_default();
    t.out.extend(held.into_iter().map(Action::Launch));
}

/// While the workflow is suspended, the tick's launches wait for the
/// resume, in order. A held node that the tick kills (a deadline) never
/// started: it ends now, as a pod killed before it starts does.
pub fn hold_launches(t: &mut Tick) {
    let Some(held) = &mut t.run.book.held else { return };
    t.out.retain(|a| match a {
        Action::Launch(spec) => {
            held.push(spec.clone());
            false
        }
        _ => true,
    });
    let killed: Vec<String> = t
        .out
        .iter()
        .filter_map(|a| match a {
            Action::Kill { node } if held.iter().any(|s| &s.node == node) => Some(node.clone()),
            _ => None,
        })
        .collect();
    if killed.is_empty() {
        return;
    }
    held.retain(|s| !killed.contains(&s.node));
    t.out.retain(|a| !matches!(a, Action::Kill { node } if killed.contains(node)));
    for node in killed {
        let exit = Exit { code: 143, ..Default::default() };
        let actions = t.run.step(Event::NodeExited { node, exit }, t.now);
        t.out.extend(actions);
    }
}
