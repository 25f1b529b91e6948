//! The in-process change bus: every workflow the controller adds, changes
//! or deletes is announced here, with the workflow as it now is, for the
//! API's watches and the UI's websockets.
//!
//! Each change gets a resource version from one increasing sequence
//! (started at the server's start time in microseconds, so versions from
//! an earlier server are never mistaken for current ones). A recent
//! window of changes is kept (identity only, not the workflow) so that a
//! watcher can resume from the last version it saw: it gets every
//! workflow that changed since, in its current state, then the live
//! changes — nothing missed. A version older than the window is refused
//! as expired (Kubernetes' 410), and the client lists again.
//!
//! Live delivery is a bounded broadcast: a subscriber that falls more
//! than [`CAPACITY`] changes behind is told so (and dropped by the API,
//! to resume); it never slows the controller or anyone else.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use tokio::sync::broadcast;

use crate::store::WorkflowRow;

/// Live changes buffered for each subscriber.
pub const CAPACITY: usize = 4096;
/// Changes remembered for resuming.
const WINDOW: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// A workflow changed.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: ChangeKind,
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub phase: String,
    /// The workflow as of this change (`None` when deleted, or when the
    /// publisher has no row at hand: readers then ask the store).
    pub row: Option<Arc<WorkflowRow>>,
}

/// A change as delivered: its resource version, and its wire form made
/// once for every subscriber that wants it unprojected.
#[derive(Debug)]
pub struct Published {
    pub version: u64,
    pub change: Change,
    /// `{"type":…,"object":…}`, filled by the first subscriber to need it.
    pub rendered: OnceLock<Bytes>,
}

/// What a resuming watcher missed: the workflows that changed after its
/// version (each once, with the latest version that touched it).
#[derive(Debug, Clone)]
pub struct Missed {
    pub version: u64,
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub deleted: bool,
}

/// A resume point older than the remembered window (or from another
/// server's lifetime).
#[derive(Debug, thiserror::Error)]
#[error(
    "resource version {asked} is too old (the oldest remembered is {oldest}): list again and \
     watch from the list's resourceVersion"
)]
pub struct Expired {
    pub asked: u64,
    pub oldest: u64,
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Arc<Published>>,
    window: Arc<Mutex<Window>>,
}

struct Window {
    /// The last version given out.
    current: u64,
    /// Versions before this one are forgotten.
    first: u64,
    recent: VecDeque<Missed>,
}

impl Default for Bus {
    fn default() -> Self {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2));
        Bus {
            tx: broadcast::channel(CAPACITY).0,
            window: Arc::new(Mutex::new(Window {
                current: start,
                first: start + 1,
                recent: VecDeque::new(),
            })),
        }
    }
}

/// A subscription: what was missed (when resuming), then live changes.
pub struct Subscription {
    pub missed: Vec<Missed>,
    pub live: broadcast::Receiver<Arc<Published>>,
    /// The version the subscription starts after.
    pub from: u64,
}

impl Bus {
    pub fn publish(&self, change: Change) {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        w.current += 1;
        let version = w.current;
        if w.recent.len() == WINDOW
            && let Some(gone) = w.recent.pop_front()
        {
            w.first = gone.version + 1;
        }
        w.recent.push_back(Missed {
            version,
            uid: change.uid.clone(),
            namespace: change.namespace.clone(),
            name: change.name.clone(),
            deleted: change.kind == ChangeKind::Deleted,
        });
        // Sent under the lock, so that a subscriber sees each change
        // exactly once: in `missed` or live. Nobody listening is fine.
        let _ = self.tx.send(Arc::new(Published { version, change, rendered: OnceLock::new() }));
    }

    /// The latest version given out: what a list answers as its
    /// `resourceVersion`, to watch from.
    pub fn current(&self) -> u64 {
        self.window.lock().unwrap_or_else(|e| e.into_inner()).current
    }

    /// Live changes from now on.
    pub fn subscribe(&self) -> Subscription {
        let w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        Subscription { missed: Vec::new(), live: self.tx.subscribe(), from: w.current }
    }

    /// The changes after `version` (each workflow once), then live ones.
    pub fn resume(&self, version: u64) -> Result<Subscription, Expired> {
        let w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if version + 1 < w.first || version > w.current {
            return Err(Expired { asked: version, oldest: w.first.saturating_sub(1) });
        }
        let mut latest: HashMap<&str, usize> = HashMap::new();
        let after: Vec<&Missed> = w.recent.iter().filter(|m| m.version > version).collect();
        for (i, m) in after.iter().enumerate() {
            latest.insert(&m.uid, i);
        }
        let mut missed: Vec<Missed> =
            latest.values().map(|&i| after[i].clone()).collect::<Vec<_>>();
        missed.sort_by_key(|m| m.version);
        Ok(Subscription { missed, live: self.tx.subscribe(), from: w.current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(uid: &str, kind: ChangeKind) -> Change {
        Change {
            kind,
            uid: uid.into(),
            namespace: "ns".into(),
            name: uid.into(),
            phase: String::new(),
            row: None,
        }
    }

    #[test]
    fn a_resumed_subscription_gets_each_missed_workflow_once_then_live_changes() {
        let bus = Bus::default();
        let start = bus.current();
        bus.publish(change("a", ChangeKind::Added));
        bus.publish(change("b", ChangeKind::Added));
        let seen = bus.current();
        bus.publish(change("a", ChangeKind::Modified));
        bus.publish(change("c", ChangeKind::Added));
        bus.publish(change("a", ChangeKind::Deleted));
        let mut s = bus.resume(seen).expect("within the window");
        let missed: Vec<(&str, bool)> =
            s.missed.iter().map(|m| (m.uid.as_str(), m.deleted)).collect();
        assert_eq!(missed, vec![("c", false), ("a", true)]);
        assert_eq!(s.from, start + 5);
        bus.publish(change("d", ChangeKind::Added));
        let live = s.live.try_recv().expect("a live change");
        assert_eq!((live.change.uid.as_str(), live.version), ("d", start + 6));
        assert!(s.live.try_recv().is_err(), "nothing twice");
        // From the start: everything; from the future or the past: expired.
        assert_eq!(bus.resume(start).expect("all").missed.len(), 4);
        assert!(bus.resume(start + 100).is_err());
        assert!(bus.resume(start - 5).is_err());
    }
}
