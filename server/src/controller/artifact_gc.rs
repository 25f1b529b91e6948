//! Artifact garbage collection (Argo's `artifactGC`), carried out. When a
//! run completes, its `OnWorkflowCompletion` outputs are deleted in the
//! background; when it is deleted, whatever is still due goes first, and
//! if that fails the workflow is kept, with an `ArtifactGCError`
//! condition, until it is deleted again (garbage collection tried anew)
//! or with `force` (the objects left where they are) — Argo's finalizer,
//! without its stuck workflows: nothing else waits for it. What is due is
//! decided by `engine::run::artifact_gc`, deleted by
//! `artifacts::delete` (a few tries with back-off; one already gone counts
//! as deleted).

use artifacts::delete::Collected;
use engine::run::artifact_gc::{self, GcItem, GcMoment};

use super::runs::{plans_for, submitted};
use super::{ChangeKind, Controller, ControllerError, change};
use crate::store::WorkflowRow;

/// Why a collection did not delete everything due.
#[derive(Debug)]
pub(super) struct GcFailure {
    pub why: String,
    /// `spec.artifactGC.forceFinalizerRemoval`: the workflow goes anyway.
    pub force_removal: bool,
}

impl Controller {
    /// Collect a completed run's `OnWorkflowCompletion` artifacts, in the
    /// background.
    pub(super) fn collect_artifacts_later(&self, uid: String) {
        let this = self.clone();
        tokio::spawn(async move {
            let row = match this.inner.store.workflow_by_uid(&uid).await {
                Ok(Some(row)) if super::is_completed(&row.phase) => row,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(workflow = %uid, "artifact garbage collection: {e}");
                    return;
                }
            };
            if let Err(e) = this.collect_artifacts(&row, GcMoment::Completion).await {
                tracing::warn!(workflow = %uid, "artifact garbage collection failed: {}", e.why);
            }
        });
    }

    /// Delete the artifacts due at `moment` and record it in the status;
    /// `Err` says which could not be deleted and why.
    pub(super) async fn collect_artifacts(
        &self,
        row: &WorkflowRow,
        moment: GcMoment,
    ) -> Result<(), GcFailure> {
        // Most runs ask for no collection: say so without reading their
        // whole status or planning them again.
        if !artifact_gc::declared(&row.submission) {
            return Ok(());
        }
        let failed = |why: String| GcFailure { why, force_removal: false };
        let status = row.typed_status().map_err(|e| failed(e.to_string()))?;
        let sub = submitted(row).map_err(|e| failed(e.to_string()))?;
        let plan =
            plans_for(row, &sub, self.executor_kind())(&[]).map_err(|e| failed(e.to_string()))?;
        let gc = plan.spec.artifact_gc.as_ref();
        let force_removal = gc.and_then(|g| g.force_finalizer_removal) == Some(true);
        let items = artifact_gc::due(&status, gc, moment);
        if items.is_empty() {
            return Ok(());
        }
        let Collected { deleted, failures } = self.delete_artifacts(&row.namespace, items).await;
        let failure = (!failures.is_empty()).then(|| failures.join("; "));
        self.record_collection(&row.uid, moment, &deleted, failure.clone())
            .await
            .map_err(|e| failed(e.to_string()))?;
        match failure {
            Some(why) => Err(GcFailure { why, force_removal }),
            None => Ok(()),
        }
    }

    /// Delete `items` from the namespace's stores.
    async fn delete_artifacts(&self, namespace: &str, items: Vec<GcItem>) -> Collected {
        let locations: Vec<_> = items.iter().map(|i| &i.location).collect();
        match self.store_access(namespace, &locations).await {
            Ok(access) => artifacts::delete::collect(items, &access.context()).await,
            Err(e) => Collected {
                failures: vec![format!("the credentials of namespace {namespace}: {e}")],
                ..Collected::default()
            },
        }
    }

    /// Mark what was deleted (and any failure) in the run's status as it
    /// is now, and tell watchers.
    async fn record_collection(
        &self,
        uid: &str,
        moment: GcMoment,
        deleted: &[(String, String)],
        failure: Option<String>,
    ) -> Result<(), ControllerError> {
        let Some(row) = self.inner.store.workflow_by_uid(uid).await? else { return Ok(()) };
        let mut status = row.typed_status()?;
        artifact_gc::record(&mut status, moment, deleted, failure);
        self.inner.store.replace_status(uid, &status).await?;
        if let Some(row) = self.inner.store.workflow_by_uid(uid).await? {
            self.inner.bus.publish(change(&row, ChangeKind::Modified));
        }
        Ok(())
    }
}
