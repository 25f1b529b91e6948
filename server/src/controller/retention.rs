//! After a run: when it is deleted (Argo's `ttlStrategy`, else the
//! server's default TTL) and the garbage collection that does it; the
//! node log index recorded in the store. (Argo's `podGC` has nothing
//! left to do here: a local task's directory is emptied as it ends; its
//! log stays until the workflow is deleted.)

use std::path::Path;
use std::time::Duration;

use engine::status::Time;
use serde_json::Value;

use super::{Controller, ControllerError};
use crate::clock::now;
use crate::store::NodeLog;

impl Controller {
    /// Delete the workflows whose TTL is over at `now`; their names.
    pub async fn collect_garbage(&self, now: Time) -> Result<Vec<String>, ControllerError> {
        let mut deleted = Vec::new();
        for (namespace, name) in self.inner.store.expired_workflows(now).await? {
            match self.delete(&namespace, &name, false).await {
                Ok(()) | Err(ControllerError::NotFound(_)) => deleted.push(name),
                Err(e) => tracing::warn!("cannot delete expired workflow {namespace}/{name}: {e}"),
            }
        }
        Ok(deleted)
    }

    /// Collect garbage every `every`, forever.
    pub async fn run_garbage_collector(self, every: Duration) {
        loop {
            match self.collect_garbage(now()).await {
                Ok(d) if !d.is_empty() => tracing::info!("deleted {} expired workflows", d.len()),
                Ok(_) => {}
                Err(e) => tracing::warn!("garbage collection: {e}"),
            }
            tokio::time::sleep(every).await;
        }
    }
}

/// When a workflow that ended in `phase` at `finished` expires:
/// `secondsAfterFailure` (Failed, Error) or `secondsAfterSuccess`
/// (Succeeded) if set, else `secondsAfterCompletion`, else the default.
pub fn expiry(
    ttl: Option<&Value>,
    default: Option<i64>,
    phase: &str,
    finished: Time,
) -> Option<Time> {
    let field = |name: &str| ttl.and_then(|t| t.get(name)).and_then(Value::as_i64);
    let specific = match phase {
        "Succeeded" => field("secondsAfterSuccess"),
        "Failed" | "Error" => field("secondsAfterFailure"),
        _ => None,
    };
    let seconds = specific.or_else(|| field("secondsAfterCompletion")).or(default)?;
    Some(Time(finished.0.saturating_add(seconds.max(0))))
}

/// The executor's log index of a run directory.
pub fn read_log_index(run_dir: &Path) -> Vec<NodeLog> {
    let Ok(text) = std::fs::read_to_string(run_dir.join("logs/index.jsonl")) else {
        return Vec::new();
    };
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_specific_ttl_wins() {
        let ttl = json!({"secondsAfterCompletion": 100, "secondsAfterFailure": 10});
        assert_eq!(expiry(Some(&ttl), None, "Failed", Time(1000)), Some(Time(1010)));
        assert_eq!(expiry(Some(&ttl), None, "Succeeded", Time(1000)), Some(Time(1100)));
        assert_eq!(expiry(None, Some(5), "Error", Time(1000)), Some(Time(1005)));
        assert_eq!(expiry(None, None, "Succeeded", Time(1000)), None);
    }
}
