//! What users ask of the controller, one method each: submit, stop,
//! terminate, suspend, resume, set, retry, resubmit, delete; lint against
//! a namespace's templates; secrets. Each checks that it applies, then
//! hands the run what it must do (an event to its actor, or a journal
//! entry).

use std::collections::BTreeMap;

use engine::run::artifact_gc::GcMoment;
use engine::run::{Event, NodeSelector, RetryOptions, Run};
use engine::spec::{Catalog, Document};
use engine::status::{NodePhase, NodeStatus, NodeType, WorkflowPhase, WorkflowStatus};
use serde_json::Value;

use super::actor::Startup;
use super::runs::{plans_for, submitted};
use super::{Change, ChangeKind, Controller, ControllerError, change, is_completed, pending};
use super::{SubmitRequest, submission};
use crate::clock::now;
use crate::store::{Entry, LoggedEvent, TemplateKind, WorkflowRow};

/// `argo node set`: what to set on the suspended nodes a selector names.
#[derive(Debug, Clone, Default)]
pub struct NodeUpdate {
    /// Argo's node field selector (`displayName=approve`, …).
    pub selector: String,
    /// Succeeded, Failed or Error end the nodes so; `None` leaves them
    /// waiting.
    pub phase: Option<NodePhase>,
    pub message: Option<String>,
    /// Output parameters, by name; each must be one the node declares.
    pub outputs: BTreeMap<String, String>,
}

impl Controller {
    /// Check, store and queue a workflow; it starts when admitted.
    pub async fn submit(&self, req: SubmitRequest) -> Result<WorkflowRow, ControllerError> {
        if self.state().stopping {
            return Err(ControllerError::ShuttingDown);
        }
        let catalog = self.catalog(&req.namespace).await?;
        let repositories = self.repositories(&req.namespace, &req.workflow, &catalog).await?;
        let generated = req.workflow.pointer("/metadata/name").is_none();
        // A generated name can collide (27^5 suffixes): draw again.
        let mut attempts = 0;
        let row = loop {
            let mut new = submission::prepare(&req, &catalog, &repositories, now())?;
            // Kubernetes mode: the run is a Workflow resource too (so
            // `kubectl get workflows` lists it), and takes its uid.
            let created = match (&self.inner.config.cluster_objects, &req.uid) {
                (Some(cluster), None) => {
                    let workflow = submission::named(&new)?;
                    let (_, uid) = cluster.create_workflow(&new.namespace, &workflow).await?;
                    new.uid = uid;
                    true
                }
                _ => false,
            };
            // With the journal's group commit: a burst of submissions
            // shares transactions.
            let inserted = match self.inner.journal.insert(new.clone()).await {
                Ok(inserted) => inserted,
                Err(e) => {
                    // Not stored: its resource must not run it either.
                    if created {
                        self.delete_resource(&new.namespace, &new.name, &new.uid).await;
                    }
                    return Err(e.into());
                }
            };
            if inserted {
                break new;
            }
            // The resource's reconcile may have stored this very run
            // first: that is the same submission.
            if let Some(row) = self.inner.store.workflow_by_uid(&new.uid).await? {
                return Ok(row);
            }
            if created {
                self.delete_resource(&new.namespace, &new.name, &new.uid).await;
            }
            attempts += 1;
            if !generated || attempts >= 8 {
                return Err(ControllerError::AlreadyExists(new.name));
            }
        };
        let stored = self.inner.store.workflow_by_uid(&row.uid).await?;
        let stored = stored.ok_or_else(|| ControllerError::NotFound(row.name.clone()))?;
        self.inner.bus.publish(change(&stored, ChangeKind::Added));
        self.state().admission.push(pending(&stored));
        self.admit();
        Ok(stored)
    }

    /// The WorkflowTemplates of `namespace` and every
    /// ClusterWorkflowTemplate, as a submission resolves against them.
    pub async fn catalog(&self, namespace: &str) -> Result<Catalog, ControllerError> {
        let mut catalog = Catalog::default();
        for kind in [TemplateKind::WorkflowTemplate, TemplateKind::ClusterWorkflowTemplate] {
            for t in self.inner.store.templates(kind, namespace).await? {
                if let Ok(
                    doc @ (Document::WorkflowTemplate(_) | Document::ClusterWorkflowTemplate(_)),
                ) = engine::spec::decode(t.body)
                {
                    catalog.add(&doc);
                }
            }
        }
        Ok(catalog)
    }

    /// Lint a Workflow, template or CronWorkflow (JSON) against the
    /// templates of `namespace`: its errors, joined, as
    /// [`ControllerError::Invalid`].
    pub async fn lint(&self, namespace: &str, resource: &Value) -> Result<(), ControllerError> {
        let catalog = self.catalog(namespace).await?;
        submission::lint_resource(resource, &catalog)
    }

    /// The workflow's row.
    pub(super) async fn row(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<WorkflowRow, ControllerError> {
        self.inner
            .store
            .workflow(namespace, name)
            .await?
            .ok_or_else(|| ControllerError::NotFound(name.to_string()))
    }

    /// `argo stop`: running tasks are stopped, exit handlers run.
    pub async fn stop(&self, namespace: &str, name: &str) -> Result<WorkflowRow, ControllerError> {
        self.send(namespace, name, Event::Stop).await
    }

    /// `argo terminate`: like stop, and exit handlers do not run.
    pub async fn terminate(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<WorkflowRow, ControllerError> {
        self.send(namespace, name, Event::Terminate).await
    }

    /// `argo suspend`: nothing new starts until it is resumed.
    pub async fn suspend(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<WorkflowRow, ControllerError> {
        self.send(namespace, name, Event::Suspend).await
    }

    /// `argo resume`: the whole workflow, or the one suspended node
    /// `selector` names.
    pub async fn resume(
        &self,
        namespace: &str,
        name: &str,
        selector: Option<&str>,
    ) -> Result<WorkflowRow, ControllerError> {
        let node = match selector.filter(|s| !s.is_empty()) {
            None => None,
            Some(selector) => {
                let nodes = self.suspended_nodes(namespace, name, selector).await?;
                match nodes.as_slice() {
                    [one] => Some(one.id.clone()),
                    _ => {
                        return Err(ControllerError::Invalid(
                            "the selector matches several suspended nodes; name one".into(),
                        ));
                    }
                }
            }
        };
        self.send(namespace, name, Event::Resume { node }).await
    }

    /// `argo node set`: the suspended nodes the selector names get the
    /// message, output parameters and phase given (Argo's `SetWorkflow`).
    pub async fn set(
        &self,
        namespace: &str,
        name: &str,
        update: NodeUpdate,
    ) -> Result<WorkflowRow, ControllerError> {
        let nodes = self.suspended_nodes(namespace, name, &update.selector).await?;
        for n in &nodes {
            let expected: Vec<&str> =
                n.outputs.iter().flat_map(|o| &o.parameters).map(|p| p.name.as_str()).collect();
            if let Some(k) = update.outputs.keys().find(|k| !expected.contains(&k.as_str())) {
                return Err(ControllerError::Invalid(format!(
                    "node {} is not expecting output parameter {k}",
                    n.display_name
                )));
            }
        }
        let mut last = None;
        for n in nodes {
            let event = Event::SetNode {
                node: n.id,
                phase: update.phase,
                message: update.message.clone(),
                outputs: update.outputs.clone(),
            };
            last = Some(self.send(namespace, name, event).await?);
        }
        last.ok_or_else(|| {
            ControllerError::Invalid("no suspended node matches the selector".into())
        })
    }

    /// The suspended nodes of a workflow that `selector` names (at least
    /// one).
    async fn suspended_nodes(
        &self,
        namespace: &str,
        name: &str,
        selector: &str,
    ) -> Result<Vec<NodeStatus>, ControllerError> {
        if selector.is_empty() {
            return Err(ControllerError::Invalid("a node field selector is needed".into()));
        }
        let selector =
            NodeSelector::parse(selector).map_err(|e| ControllerError::Invalid(e.to_string()))?;
        let status = self.row(namespace, name).await?.typed_status()?;
        let nodes: Vec<NodeStatus> = status
            .nodes
            .into_values()
            .filter(|n| n.node_type == NodeType::Suspend && !n.phase.is_completed())
            .filter(|n| selector.matches(n))
            .collect();
        if nodes.is_empty() {
            return Err(ControllerError::Invalid("no suspended node matches the selector".into()));
        }
        Ok(nodes)
    }

    /// Hand a running workflow's actor `event`; a pending one that is
    /// stopped ends here.
    async fn send(
        &self,
        namespace: &str,
        name: &str,
        event: Event,
    ) -> Result<WorkflowRow, ControllerError> {
        let row = self.row(namespace, name).await?;
        let sent = {
            let state = self.state();
            state.running.get(&row.uid).map(|r| r.commands.send(event.clone()).is_ok())
        };
        match sent {
            Some(true) => {}
            _ if row.finished_at.is_some() || is_completed(&row.phase) => {
                return Err(ControllerError::Conflict(format!(
                    "workflow {name} has already {}",
                    row.phase.to_lowercase()
                )));
            }
            _ if matches!(event, Event::Stop | Event::Terminate) => {
                // Never started: it ends here.
                if self.state().admission.remove(&row.uid) {
                    let message = format!(
                        "Stopped with strategy '{}'",
                        if event == Event::Stop { "Stop" } else { "Terminate" }
                    );
                    self.end_pending(&row, &message).await?;
                }
            }
            _ => {
                return Err(ControllerError::Conflict(format!(
                    "workflow {name} is not running yet (it is {})",
                    row.phase
                )));
            }
        }
        self.row(namespace, name).await
    }

    /// A pending workflow that will never start: Failed, with why.
    pub(super) async fn end_pending(
        &self,
        row: &WorkflowRow,
        message: &str,
    ) -> Result<(), ControllerError> {
        self.end_with(row, WorkflowPhase::Failed, message).await
    }

    /// A workflow that cannot go on ends here, saying why.
    pub(super) async fn end_with(
        &self,
        row: &WorkflowRow,
        phase: WorkflowPhase,
        message: &str,
    ) -> Result<(), ControllerError> {
        let t = now();
        let status = WorkflowStatus {
            phase,
            message: message.to_string(),
            started_at: Some(t),
            finished_at: Some(t),
            ..Default::default()
        };
        self.inner.store.save_status(&row.uid, &status).await?;
        self.inner.bus.publish(Change {
            kind: ChangeKind::Modified,
            uid: row.uid.clone(),
            namespace: row.namespace.clone(),
            name: row.name.clone(),
            phase: status.phase.as_str().to_string(),
            row: None,
        });
        Ok(())
    }

    /// `argo retry`: run the failed parts of a finished workflow again
    /// (with new `-p` values, if given).
    pub async fn retry(
        &self,
        namespace: &str,
        name: &str,
        restart_successful: bool,
        node_field_selector: Option<String>,
        parameters: Vec<(String, String)>,
    ) -> Result<WorkflowRow, ControllerError> {
        let row = self.row(namespace, name).await?;
        if !is_completed(&row.phase) {
            return Err(ControllerError::Conflict(format!(
                "workflow {name} must be Failed or Error to retry (it is {})",
                row.phase
            )));
        }
        let node_selector = node_field_selector
            .as_deref()
            .map(NodeSelector::parse)
            .transpose()
            .map_err(|e| ControllerError::Invalid(e.to_string()))?;
        // Check it applies before recording it.
        let submitted = submitted(&row)?;
        let log = super::sealing::open(&self.inner.key, self.inner.store.events(&row.uid).await?)?;
        let plans = plans_for(&row, &submitted, self.executor_kind());
        let replayed = super::replay::replay(&plans, &log)
            .map_err(|e| ControllerError::Internal(format!("journal of {name}: {e}")))?
            .ok_or_else(|| ControllerError::Conflict(format!("workflow {name} never ran")))?;
        let options = RetryOptions { restart_successful, node_selector };
        let at = now();
        let plan = if parameters.is_empty() {
            replayed.run.plan.clone()
        } else {
            let mut all = replayed.parameters.clone();
            all.extend(parameters.iter().cloned());
            plans(&all).map_err(ControllerError::Invalid)?
        };
        let (run, actions) = Run::retry(plan, &replayed.run.status, &options, at)
            .map_err(|e| ControllerError::Invalid(e.to_string()))?;
        self.inner
            .journal
            .write(
                vec![LoggedEvent {
                    workflow_uid: row.uid.clone(),
                    seq: replayed.next_seq,
                    at,
                    entry: Entry::Retried { restart_successful, node_field_selector, parameters },
                }],
                None,
            )
            .await?;
        // Running again: not to be collected until it ends again.
        self.inner.store.set_expiry(&row.uid, None).await?;
        self.state().admission.started(&row.uid, &row.namespace);
        let startup = Startup { actions, ..Startup::default() };
        if let Err(e) =
            self.spawn_actor(&row, run, replayed.next_seq + 1, Vec::new(), startup).await
        {
            self.finished(&row.uid, None);
            return Err(e);
        }
        self.row(namespace, name).await
    }

    /// `argo resubmit`: a new workflow from this one's spec.
    pub async fn resubmit(
        &self,
        namespace: &str,
        name: &str,
        parameters: Vec<(String, String)>,
    ) -> Result<WorkflowRow, ControllerError> {
        let row = self.row(namespace, name).await?;
        let submitted = submitted(&row)?;
        let old = submitted
            .workflow()
            .map_err(|e| ControllerError::Internal(format!("stored workflow {name}: {e}")))?;
        let new = engine::run::resubmit(&old, &row.name, &parameters);
        let workflow = serde_json::to_value(&new)
            .map_err(|e| ControllerError::Internal(format!("resubmitted workflow: {e}")))?;
        self.submit(SubmitRequest {
            namespace: namespace.to_string(),
            workflow,
            parameters: Vec::new(),
            entrypoint: submitted.entrypoint.clone(),
            labels: BTreeMap::new(),
            uid: None,
        })
        .await
    }

    /// Delete a workflow: its tasks are killed, its row, journal and logs
    /// removed.
    /// Delete a workflow: a running one is terminated first, and the
    /// artifacts its `artifactGC` says go with it are deleted — if that
    /// fails the workflow stays (with `ArtifactGCError`) unless `force`.
    pub async fn delete(
        &self,
        namespace: &str,
        name: &str,
        force: bool,
    ) -> Result<(), ControllerError> {
        let row = self.row(namespace, name).await?;
        let running = {
            let mut state = self.state();
            state.admission.remove(&row.uid);
            state.running.get(&row.uid).map(|r| (r.commands.clone(), r.done.clone()))
        };
        if let Some((commands, mut done)) = running {
            let _ = commands.send(Event::Terminate);
            // Its tasks get their grace period; then it goes regardless.
            let wait = self.inner.config.stop_wait();
            let _ = tokio::time::timeout(wait, done.wait_for(|d| *d)).await;
        }
        if !force {
            let row = self.row(namespace, name).await?;
            match self.collect_artifacts(&row, GcMoment::Deletion).await {
                Ok(()) => {}
                Err(e) if e.force_removal => {
                    tracing::warn!(
                        "deleting {namespace}/{name} (forceFinalizerRemoval) though its \
                         artifacts were not all garbage-collected: {}",
                        e.why
                    );
                }
                Err(e) => {
                    return Err(ControllerError::Conflict(format!(
                        "workflow {name} is kept: its artifacts could not be garbage-collected \
                         ({}); delete it again to try again, or with --force to leave them",
                        e.why
                    )));
                }
            }
        }
        self.inner.store.delete_workflow(&row.uid).await?;
        let dir = self.run_dir(&row.uid);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove {}: {e}", dir.display());
        }
        self.inner.bus.publish(change(&row, ChangeKind::Deleted));
        self.delete_resource(&row.namespace, &row.name, &row.uid).await;
        Ok(())
    }

    /// Kubernetes mode: delete the run's Workflow resource (if it is
    /// still that run's); nothing in local mode.
    async fn delete_resource(&self, namespace: &str, name: &str, uid: &str) {
        if let Some(cluster) = &self.inner.config.cluster_objects {
            cluster.delete_workflow(namespace, name, uid).await;
        }
    }

    /// Create or replace a secret (sealed in the store; a Kubernetes
    /// Secret in Kubernetes mode); its keys.
    pub async fn put_secret(
        &self,
        namespace: &str,
        name: &str,
        data: BTreeMap<String, Vec<u8>>,
    ) -> Result<Vec<String>, ControllerError> {
        match &self.inner.config.cluster_objects {
            Some(cluster) => cluster.put_secret(namespace, name, data).await,
            None => {
                let key = &self.inner.key;
                self.inner.store.put_secret(key, namespace, name, &data, now()).await?;
                Ok(data.into_keys().collect())
            }
        }
    }

    /// The secrets of a namespace and their keys, never their values.
    pub async fn secret_keys(
        &self,
        namespace: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, ControllerError> {
        match &self.inner.config.cluster_objects {
            Some(cluster) => cluster.secret_keys(namespace).await,
            None => Ok(self.inner.store.secret_keys(namespace).await?),
        }
    }

    /// Delete a secret; whether it existed.
    pub async fn delete_secret(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<bool, ControllerError> {
        match &self.inner.config.cluster_objects {
            Some(cluster) => cluster.delete_secret(namespace, name).await,
            None => Ok(self.inner.store.delete_secret(namespace, name).await?),
        }
    }
}
