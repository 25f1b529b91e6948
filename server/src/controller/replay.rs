//! Rebuilding a run from its journal: start it from its plan, apply every
//! logged entry at its logged time. The actions this produces were taken
//! by the server that wrote the journal, so they are not taken again;
//! what is kept of them is what is still outstanding — pods launched
//! with no exit logged, timers armed and not fired.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use engine::run::{Action, LaunchSpec, NodeSelector, Plan, RetryOptions, Run, Timer};
use engine::status::Time;

use crate::store::{Entry, LoggedEvent};

/// The run's plan for the `-p` overrides retries added so far.
pub type Plans<'a> = dyn Fn(&[(String, String)]) -> Result<Arc<Plan>, String> + 'a;

/// A run rebuilt from its journal.
pub struct Replayed {
    pub run: Run,
    /// Pods launched with no exit logged, by node, and whether their
    /// process was known to start.
    pub in_flight: BTreeMap<String, (LaunchSpec, bool)>,
    /// Launches a server shutting down did not make (`Entry::Deferred`):
    /// they never ran, so they are launched now.
    pub deferred: BTreeMap<String, LaunchSpec>,
    /// Timers armed and not fired, with when they are due.
    pub timers: Vec<(Timer, Time)>,
    /// The next entry's number.
    pub next_seq: i64,
    /// `-p` overrides that retries added, in order.
    pub parameters: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("the journal does not begin with the run's start")]
    NoStart,
    #[error("entry {seq}: {why}")]
    Bad { seq: i64, why: String },
}

/// Replay `log` (a workflow's whole journal, in order) on `plan`. `None`
/// when the run never started.
///
/// `plans` gives the run's plan for the `-p` overrides added by retries so
/// far (none at first): a retry with new parameters continues on a new
/// plan, as `argo retry -p` does.
pub fn replay(plans: &Plans<'_>, log: &[LoggedEvent]) -> Result<Option<Replayed>, ReplayError> {
    let Some(first) = log.first() else { return Ok(None) };
    if first.entry != Entry::Started {
        return Err(ReplayError::NoStart);
    }
    let plan = plans(&[]).map_err(|why| ReplayError::Bad { seq: first.seq, why })?;
    let (run, actions) = Run::start(plan, first.at);
    let mut r = Replayed {
        run,
        in_flight: BTreeMap::new(),
        deferred: BTreeMap::new(),
        timers: Vec::new(),
        next_seq: 0,
        parameters: Vec::new(),
    };
    let mut timers: HashMap<Timer, Time> = HashMap::new();
    absorb(&mut r, &mut timers, actions);
    for e in &log[1..] {
        match &e.entry {
            Entry::Started => {
                return Err(ReplayError::Bad { seq: e.seq, why: "a second start".into() });
            }
            Entry::Sealed { .. } => {
                // `sealing::open` opens them before replay.
                return Err(ReplayError::Bad { seq: e.seq, why: "a sealed entry".into() });
            }
            Entry::Retried { restart_successful, node_field_selector, parameters } => {
                let node_selector = node_field_selector
                    .as_deref()
                    .map(NodeSelector::parse)
                    .transpose()
                    .map_err(|err| ReplayError::Bad { seq: e.seq, why: err.to_string() })?;
                let options =
                    RetryOptions { restart_successful: *restart_successful, node_selector };
                r.parameters.extend(parameters.iter().cloned());
                let plan =
                    plans(&r.parameters).map_err(|why| ReplayError::Bad { seq: e.seq, why })?;
                let (run, actions) = Run::retry(plan, &r.run.status, &options, e.at)
                    .map_err(|err| ReplayError::Bad { seq: e.seq, why: err.to_string() })?;
                r.run = run;
                r.in_flight.clear();
                r.deferred.clear();
                timers.clear();
                absorb(&mut r, &mut timers, actions);
            }
            Entry::Deferred { nodes } => {
                for node in nodes {
                    if let Some((spec, false)) = r.in_flight.remove(node) {
                        r.deferred.insert(node.clone(), spec);
                    }
                }
            }
            Entry::Relaunched { nodes } => {
                for node in nodes {
                    if let Some(spec) = r.deferred.remove(node) {
                        r.in_flight.insert(node.clone(), (spec, false));
                    }
                }
            }
            Entry::Engine(event) => {
                use engine::run::Event;
                match event {
                    Event::NodeStarted { node } => {
                        if let Some(spec) = r.deferred.remove(node) {
                            r.in_flight.insert(node.clone(), (spec, true));
                        } else if let Some(p) = r.in_flight.get_mut(node) {
                            p.1 = true;
                        }
                    }
                    Event::NodeExited { node, .. } | Event::NodeFailedToStart { node, .. } => {
                        r.in_flight.remove(node);
                        r.deferred.remove(node);
                    }
                    Event::TimerFired { timer } => {
                        timers.remove(timer);
                    }
                    _ => {}
                }
                let actions = r.run.step(event.clone(), e.at);
                absorb(&mut r, &mut timers, actions);
            }
        }
    }
    r.next_seq = log.last().map_or(0, |e| e.seq + 1);
    let mut timers: Vec<(Timer, Time)> = timers.into_iter().collect();
    timers.sort_by(|a, b| (a.1, &a.0.node).cmp(&(b.1, &b.0.node)));
    r.timers = timers;
    Ok(Some(r))
}

fn absorb(r: &mut Replayed, timers: &mut HashMap<Timer, Time>, actions: Vec<Action>) {
    for a in actions {
        match a {
            Action::Launch(spec) => {
                r.in_flight.insert(spec.node.clone(), (spec, false));
            }
            Action::ArmTimer { timer, at } => {
                timers.insert(timer, at);
            }
            Action::Kill { .. } => {}
        }
    }
}
