//! The context every step of the interpreter works in.

use super::{Action, Run};
use crate::status::Time;

/// One application of an event: the run, the time it is applied at, and
/// the actions it causes.
pub(crate) struct Tick<'a> {
    /// The run the event changes.
    pub run: &'a mut Run,
    /// When the event is applied: the time every node started or finished
    /// by it records, and what timers are armed relative to.
    pub now: Time,
    /// The actions the event causes, in the order the executor is to
    /// carry them out.
    pub out: Vec<Action>,
}

impl<'a> Tick<'a> {
    pub fn new(run: &'a mut Run, now: Time) -> Tick<'a> {
        Tick { run, now, out: Vec::new() }
    }
}
