//! Removing stored artifacts (garbage collection): an artifact's object,
//! or every object under a directory's key (`archive: none`). An object
//! the store says is already gone counts as removed, as in Argo; others
//! are tried a few times with back-off, a few artifacts at once.

use std::sync::Arc;
use std::time::Duration;

use engine::run::artifact_gc::GcItem;
use futures_util::StreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::ArtifactError;
use crate::store::{Context, store_error};

/// Tries per artifact, the first wait between them (doubling), and
/// artifacts deleted at once.
const ATTEMPTS: u32 = 4;
const FIRST_WAIT: Duration = Duration::from_millis(250);
const IN_FLIGHT: usize = 8;

/// What a collection did.
#[derive(Debug, Default)]
pub struct Collected {
    /// (node, artifact) of each artifact deleted, sorted.
    pub deleted: Vec<(String, String)>,
    /// Why each of the others was not, sorted.
    pub failures: Vec<String>,
}

/// Delete `items`.
pub async fn collect(items: Vec<GcItem>, ctx: &Context<'_>) -> Collected {
    let results: Vec<_> = futures_util::stream::iter(items)
        .map(|item| async move {
            let result = delete_retrying(&item, ctx).await;
            (item, result)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut out = Collected::default();
    for (item, result) in results {
        match result {
            Ok(()) => out.deleted.push((item.node, item.artifact)),
            Err(e) => out
                .failures
                .push(format!("artifact '{}' of node {}: {e}", item.artifact, item.node)),
        }
    }
    out.deleted.sort();
    out.failures.sort();
    out
}

async fn delete_retrying(item: &GcItem, ctx: &Context<'_>) -> Result<(), ArtifactError> {
    let opened = crate::store::open(&item.location, ctx)?;
    let mut wait = FIRST_WAIT;
    let mut attempt = 1;
    loop {
        match delete(&opened.store, &opened.describe, &opened.key).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt >= ATTEMPTS => return Err(e),
            Err(e) => {
                tracing::debug!("deleting artifact '{}' (attempt {attempt}): {e}", item.artifact);
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
        }
    }
}

/// Delete the object at `key`, or the objects under it; how many went.
pub async fn delete(
    store: &Arc<dyn ObjectStore>,
    describe: &str,
    key: &Key,
) -> Result<u64, ArtifactError> {
    // A directory stored file by file has nothing at its own key: the
    // objects under it go, and the key itself only if it is one.
    let mut targets = Vec::new();
    let mut listed = store.list(Some(key));
    while let Some(meta) = listed.next().await {
        targets.push(meta.map_err(|e| store_error(describe, e))?.location);
    }
    if targets.is_empty() {
        targets.push(key.clone());
    }
    let mut removed = 0;
    for k in targets {
        match store.delete(&k).await {
            Ok(()) => removed += 1,
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error(describe, e)),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[tokio::test]
    async fn an_object_or_a_directory_goes_and_one_already_gone_is_fine() {
        let dir = tempfile::tempdir().expect("dir");
        let store: Arc<dyn ObjectStore> = Arc::new(
            object_store::local::LocalFileSystem::new_with_prefix(dir.path()).expect("store"),
        );
        for k in ["wf/a.tgz", "wf/dir/x", "wf/dir/y/z", "wf/dirx"] {
            store.put(&Key::from(k), Bytes::from_static(b"1").into()).await.expect("put");
        }
        assert!(delete(&store, "test", &Key::from("wf/a.tgz")).await.is_ok());
        assert!(delete(&store, "test", &Key::from("wf/dir")).await.is_ok());
        assert!(!dir.path().join("wf/a.tgz").exists());
        assert!(!dir.path().join("wf/dir/x").exists() && !dir.path().join("wf/dir/y/z").exists());
        assert!(dir.path().join("wf/dirx").exists(), "a sibling with the same prefix stays");
        assert!(delete(&store, "test", &Key::from("wf/a.tgz")).await.is_ok(), "already gone");
    }
}
