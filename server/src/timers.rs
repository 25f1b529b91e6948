//! The timers the engine arms (`Action::ArmTimer`): a heap, earliest
//! first, polled by whoever drives a run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use engine::run::Timer;
use engine::status::Time;

use crate::clock::now;

/// Timers armed by the engine, earliest first.
#[derive(Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(Time, u64, TimerKey)>>,
    seq: u64,
}

/// `Timer` with an order, for the heap.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TimerKey(Timer);

impl PartialOrd for TimerKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TimerKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.node.cmp(&other.0.node)
    }
}

impl Timers {
    pub fn arm(&mut self, timer: Timer, at: Time) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, TimerKey(timer))));
    }

    /// How long until the earliest timer is due.
    pub fn next_wait(&self) -> Option<Duration> {
        let Reverse((at, _, _)) = self.heap.peek()?;
        let wait = at.0.saturating_sub(now().0);
        Some(Duration::from_secs(u64::try_from(wait).unwrap_or(0)))
    }

    pub fn pop_due(&mut self) -> Option<Timer> {
        let Reverse((at, _, _)) = self.heap.peek()?;
        if at.0 > now().0 {
            return None;
        }
        self.heap.pop().map(|Reverse((_, _, t))| t.0)
    }
}
