//! Driving one workflow run to its end in this process: the engine's
//! actions go to the executor, the executor's events, the timers the
//! engine armed and the user's stop/terminate/resume go back to the
//! engine. `keelson run` uses it, with no store and no journal; the
//! server's controller drives its runs with actors instead
//! (`controller::actor`).

use std::time::Duration;

use engine::run::{Action, Event, Run};
use tokio::sync::mpsc;

use crate::clock::now;
use crate::executor::Executor;
use crate::timers::Timers;

/// What the person running `keelson run` can do to the workflow (Ctrl-C
/// stops, a second one terminates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    Stop,
    Terminate,
    Resume,
}

/// Run `run` (just started, with its first `actions`) to the end.
/// `on_change` sees the run after every event.
pub async fn drive(
    mut run: Run,
    actions: Vec<Action>,
    executor: &impl Executor,
    events: &mut mpsc::UnboundedReceiver<Event>,
    commands: &mut mpsc::UnboundedReceiver<UserCommand>,
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
            c = commands.recv() => match c {
                Some(UserCommand::Stop) => Event::Stop,
                Some(UserCommand::Terminate) => Event::Terminate,
                Some(UserCommand::Resume) => Event::Resume { node: None },
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
