//! The journal writer: group commit. Every workflow's actor hands it
//! entries (and its latest status); one writer task commits whatever has
//! arrived while the previous commit ran, in one transaction, then
//! answers each waiter. A burst of task exits across many workflows so
//! costs a few commits, and an entry is durable before the actor that
//! wrote it acts on it (write-ahead).

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use crate::store::{AuditEntry, LoggedEvent, StatusUpdate, Store};

/// Most writes folded into one transaction.
const MAX_BATCH: usize = 512;

/// A commit failed: nothing of its batch was written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot write the journal: {0}")]
pub struct JournalError(pub String);

struct Write {
    events: Vec<LoggedEvent>,
    status: Option<StatusUpdate>,
    audit: Option<AuditEntry>,
    done: Option<oneshot::Sender<Result<(), JournalError>>>,
}

/// A handle on the writer; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::UnboundedSender<Write>,
}

impl Journal {
    /// Start the writer on the current runtime.
    pub fn start(store: Store) -> Journal {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(store, rx));
        Journal { tx }
    }

    /// Commit `events` (and `status`), and wait until they are durable.
    pub async fn write(
        &self,
        events: Vec<LoggedEvent>,
        status: Option<StatusUpdate>,
    ) -> Result<(), JournalError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Write { events, status, audit: None, done: Some(done) })
            .map_err(|_| JournalError("the writer has stopped".into()))?;
        wait.await.map_err(|_| JournalError("the writer has stopped".into()))?
    }

    /// Record a status with the next commit; nobody waits (a newer one
    /// will follow, or the journal rebuilds it).
    pub fn write_status(&self, status: StatusUpdate) {
        let _ = self.tx.send(Write {
            events: Vec::new(),
            status: Some(status),
            audit: None,
            done: None,
        });
    }

    /// Record an audit entry with the next commit; nobody waits.
    pub fn write_audit(&self, entry: AuditEntry) {
        let _ = self.tx.send(Write {
            events: Vec::new(),
            status: None,
            audit: Some(entry),
            done: None,
        });
    }
}

async fn writer(store: Store, mut rx: mpsc::UnboundedReceiver<Write>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        let mut events = Vec::new();
        // The latest status of each workflow, in the order first seen.
        let mut statuses: Vec<StatusUpdate> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        let mut waiters = Vec::new();
        let mut audit = Vec::new();
        for w in batch {
            events.extend(w.events);
            audit.extend(w.audit);
            if let Some(s) = w.status {
                match at.get(&s.uid) {
                    Some(&i) => statuses[i] = s,
                    None => {
                        at.insert(s.uid.clone(), statuses.len());
                        statuses.push(s);
                    }
                }
            }
            waiters.extend(w.done);
        }
        let result = store.write_batch(&events, &statuses, &audit).await.map_err(|e| {
            tracing::error!("journal commit of {} entries failed: {e}", events.len());
            JournalError(e.to_string())
        });
        for w in waiters {
            let _ = w.send(result.clone());
        }
    }
}
