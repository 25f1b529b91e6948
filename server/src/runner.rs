//! Driving one workflow run to its end in this process: the engine's
//! actions go to the executor, the executor's events, the timers the
//! engine armed and the user's stop/terminate/resume go back to the
//! engine. `keelson run` uses it, with no store and no journal; the
//! server's controller drives its runs with actors instead
//! (`controller::actor`). [`now`] is the clock both use.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use engine::run::{Action, Event, Run};
use engine::status::Time;
use tokio::sync::mpsc;

use crate::executor::Executor;
use crate::timers::Timers;

/// What a user can do to a running workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Stop,
    Terminate,
    Resume,
}

/// The time now, as the engine counts it (whole seconds).
pub fn now() -> Time {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Time(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Run `run` (just started, with its first `actions`) to the end.
/// `on_change` sees the run after every event.
pub async fn drive(
    mut run: Run,
    actions: Vec<Action>,
    executor: &impl Executor,
    events: &mut mpsc::UnboundedReceiver<Event>,
    control: &mut mpsc::UnboundedReceiver<Control>,
    mut on_change: impl FnMut(&Run, &Event),
) -> Run {
    let mut timers = Timers::default();
    perform(actions, executor, &mut timers);
    while !run.is_done() {
        let wait = timers.next_wait().unwrap_or(Duration::from_secs(3600));
        let event = tokio::select! {
            e = events.recv() => match e {
                Some(e) => e,
                None => break,
            },
            c = control.recv() => match c {
                Some(Control::Stop) => Event::Stop,
                Some(Control::Terminate) => Event::Terminate,
                Some(Control::Resume) => Event::Resume { node: None },
                // Nobody can stop us any more: keep running.
                None => std::future::pending().await,
            },
            () = tokio::time::sleep(wait) => match timers.pop_due() {
                Some(timer) => Event::TimerFired { timer },
                None => continue,
            },
        };
        let actions = run.step(event.clone(), now());
        on_change(&run, &event);
        perform(actions, executor, &mut timers);
    }
    run
}

fn perform(actions: Vec<Action>, executor: &impl Executor, timers: &mut Timers) {
    for a in actions {
        match a {
            Action::Launch(spec) => executor.launch(spec),
            Action::Kill { node } => executor.kill(&node),
            Action::ArmTimer { timer, at } => timers.arm(timer, at),
        }
    }
}
