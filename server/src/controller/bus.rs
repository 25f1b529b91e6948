//! The in-process change bus: every status the controller writes is
//! announced here, for the API's watches and the UI. Bounded: a slow
//! subscriber loses changes (`Lagged`) and re-reads the store; it never
//! slows the controller.

use tokio::sync::broadcast;

/// Changes kept for subscribers that fall behind.
const CAPACITY: usize = 4096;

/// A workflow changed (or was deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub phase: String,
    pub deleted: bool,
}

#[derive(Clone)]
pub struct Bus {
    tx: broadcast::Sender<Change>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus { tx: broadcast::channel(CAPACITY).0 }
    }
}

impl Bus {
    pub fn publish(&self, change: Change) {
        // Nobody listening is fine.
        let _ = self.tx.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }
}
