//! The journal writer: group commit. Submissions, every workflow's journal
//! entries and latest status, node logs and audit entries are handed to
//! one writer task, which commits whatever has arrived while the previous
//! commit ran in one transaction, then answers each waiter. A burst of
//! submissions or task exits across many workflows so costs a few commits,
//! and an entry is durable before the actor that wrote it acts on it
//! (write-ahead).

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use crate::store::{
    AuditEntry, Batch, LoggedEvent, NewWorkflow, NodeLog, StatusUpdate, Store, StoreError,
};

/// Most writes folded into one transaction.
const MAX_BATCH: usize = 512;

/// A commit failed: nothing of its batch was written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    /// The store refused the commit.
    #[error("cannot write the journal: {0}")]
    Store(std::sync::Arc<StoreError>),
    /// What was to be written could not be serialised.
    #[error("cannot write the journal: {0}")]
    Encode(String),
    /// The writer task is gone (the runtime is shutting down).
    #[error("cannot write the journal: the writer has stopped")]
    Stopped,
}

impl JournalError {
    /// The store is down or full for now: the same write may pass later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            JournalError::Store(e) => e.is_unavailable(),
            JournalError::Encode(_) => false,
            JournalError::Stopped => true,
        }
    }
}

/// One caller's part of a batch.
#[derive(Default)]
struct Write {
    insert: Option<NewWorkflow>,
    events: Vec<LoggedEvent>,
    status: Option<StatusUpdate>,
    node_logs: Option<(String, Vec<NodeLog>)>,
    audit: Option<AuditEntry>,
    /// Answered with whether the insert (if any) was new.
    done: Option<oneshot::Sender<Result<bool, JournalError>>>,
}

/// A handle on the writer; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    tx: mpsc::UnboundedSender<Write>,
    stats: std::sync::Arc<Stats>,
}

/// What the group commit achieved: transactions, and the writes they
/// carried.
#[derive(Debug, Default)]
pub struct Stats {
    pub commits: std::sync::atomic::AtomicU64,
    pub writes: std::sync::atomic::AtomicU64,
}

impl Journal {
    /// Start the writer on the current runtime.
    pub fn start(store: Store) -> Journal {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = std::sync::Arc::new(Stats::default());
        tokio::spawn(writer(store, rx, stats.clone()));
        Journal { tx, stats }
    }

    /// (transactions committed, writes they carried) so far.
    pub fn stats(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.stats.commits.load(Relaxed), self.stats.writes.load(Relaxed))
    }

    async fn send(&self, mut w: Write) -> Result<bool, JournalError> {
        let (done, wait) = oneshot::channel();
        w.done = Some(done);
        self.tx.send(w).map_err(|_| JournalError::Stopped)?;
        wait.await.map_err(|_| JournalError::Stopped)?
    }

    /// Commit `events` (and `status`), and wait until they are durable.
    pub async fn write(
        &self,
        events: Vec<LoggedEvent>,
        status: Option<StatusUpdate>,
    ) -> Result<(), JournalError> {
        self.send(Write { events, status, ..Write::default() }).await.map(|_| ())
    }

    /// Store a new workflow; `false` if its name is taken.
    pub async fn insert(&self, w: NewWorkflow) -> Result<bool, JournalError> {
        self.send(Write { insert: Some(w), ..Write::default() }).await
    }

    /// A run's last status with its node log index, durably.
    pub async fn finish(
        &self,
        status: StatusUpdate,
        logs: Vec<NodeLog>,
    ) -> Result<(), JournalError> {
        let node_logs = Some((status.uid.clone(), logs));
        self.send(Write { status: Some(status), node_logs, ..Write::default() }).await.map(|_| ())
    }

    /// Record a status with the next commit; nobody waits (a newer one
    /// will follow, or the journal rebuilds it).
    pub fn write_status(&self, status: StatusUpdate) {
        let _ = self.tx.send(Write { status: Some(status), ..Write::default() });
    }

    /// Wait until every write handed over before this call is committed:
    /// a status recorded without waiting ([`Journal::write_status`]) is
    /// in the store afterwards. Changes are announced right after their
    /// status is handed over, so a reader that takes the change bus's
    /// version, waits here, then reads the store sees every change up to
    /// that version.
    pub async fn settled(&self) -> Result<(), JournalError> {
        self.send(Write::default()).await.map(|_| ())
    }

    /// Record an audit entry with the next commit; nobody waits.
    pub fn write_audit(&self, entry: AuditEntry) {
        let _ = self.tx.send(Write { audit: Some(entry), ..Write::default() });
    }
}

async fn writer(
    store: Store,
    mut rx: mpsc::UnboundedReceiver<Write>,
    stats: std::sync::Arc<Stats>,
) {
    while let Some(first) = rx.recv().await {
        let mut writes = vec![first];
        while writes.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(w) => writes.push(w),
                Err(_) => break,
            }
        }
        let carried = writes.len() as u64;
        let mut batch = Batch::default();
        // The latest status of each workflow, in the order first seen.
        let mut at: HashMap<String, usize> = HashMap::new();
        // Each waiter, and which insert (if any) it made.
        let mut waiters = Vec::new();
        for w in writes {
            let insert = w.insert.map(|i| {
                batch.inserts.push(i);
                batch.inserts.len() - 1
            });
            batch.events.extend(w.events);
            if let Some(s) = w.status {
                match at.get(&s.uid) {
                    Some(&i) => batch.statuses[i] = s,
                    None => {
                        at.insert(s.uid.clone(), batch.statuses.len());
                        batch.statuses.push(s);
                    }
                }
            }
            batch.node_logs.extend(w.node_logs);
            batch.audit.extend(w.audit);
            waiters.extend(w.done.map(|d| (d, insert)));
        }
        if batch.is_empty() {
            // Only waiters: what they wait for is committed already.
            for (w, _) in waiters {
                let _ = w.send(Ok(true));
            }
            continue;
        }
        let started = std::time::Instant::now();
        let result = store.write_batch(&batch).await.map_err(|e| {
            tracing::error!(
                "journal commit of {} entries and {} submissions failed: {e}",
                batch.events.len(),
                batch.inserts.len()
            );
            JournalError::Store(std::sync::Arc::new(e))
        });
        if result.is_ok() {
            crate::metrics::METRICS.store_commit.observe(started.elapsed());
            use std::sync::atomic::Ordering::Relaxed;
            stats.commits.fetch_add(1, Relaxed);
            stats.writes.fetch_add(carried, Relaxed);
        }
        for (w, insert) in waiters {
            let answer = match (&result, insert) {
                (Ok(inserted), Some(i)) => Ok(inserted.get(i).copied().unwrap_or(false)),
                (Ok(_), None) => Ok(true),
                (Err(e), _) => Err(e.clone()),
            };
            let _ = w.send(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewWorkflow;
    use engine::status::Time;

    /// A status handed over without waiting is in the store once the
    /// journal has settled, whatever the writer was doing meanwhile.
    #[tokio::test]
    async fn settled_means_every_status_handed_over_is_stored() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("k.db").display());
        let store = Store::open(&url).await.expect("store");
        let journal = Journal::start(store.clone());
        let new = |i: usize| NewWorkflow {
            uid: format!("u{i}"),
            namespace: "argo".into(),
            name: format!("wf-{i}"),
            labels: Default::default(),
            created_at: Time(1),
            submission: serde_json::json!({}),
        };
        for i in 0..20 {
            assert!(journal.insert(new(i)).await.expect("insert"));
        }
        for round in 0..5 {
            for i in 0..20 {
                journal.write_status(StatusUpdate {
                    uid: format!("u{i}"),
                    status: serde_json::json!({"phase": "Running", "round": round}).to_string(),
                    phase: "Running".into(),
                    started_at: Some(Time(2)),
                    finished_at: None,
                    suspended: false,
                    expires_at: None,
                });
            }
            journal.settled().await.expect("settled");
            for i in 0..20 {
                let row = store.workflow_by_uid(&format!("u{i}")).await.expect("read");
                let row = row.expect("stored");
                assert_eq!(row.status["round"], round, "u{i} in round {round}");
            }
        }
    }
}
