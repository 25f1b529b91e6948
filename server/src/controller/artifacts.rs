//! A node's artifact, read back for a client (Argo Server's
//! `/artifacts/…` and `/input-artifacts/…`): where the status says it is
//! — a key-only location completed from the run's frozen repository —,
//! opened with the namespace's secrets and streamed as the object is, as
//! Argo serves it (a `.tgz` stays one).

use bytes::Bytes;
use engine::spec::Artifact;
use engine::status::WorkflowStatus;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;

use super::{Controller, ControllerError};
use crate::executor::{Backend, namespace_dir};
use crate::redact::SecretRefs;

/// Which of a node's artifacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inputs,
    Outputs,
}

/// An artifact's object, ready to stream.
pub struct ArtifactObject {
    /// The object's file name (its key's last part).
    pub file_name: String,
    pub size: u64,
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

impl Controller {
    /// Artifact `name` of node `node` (its ID or its pod's name) of
    /// workflow `namespace/workflow`.
    pub async fn artifact(
        &self,
        namespace: &str,
        workflow: &str,
        node: &str,
        name: &str,
        side: Side,
    ) -> Result<ArtifactObject, ControllerError> {
        let Backend::Local(local) = &self.inner.config.backend else {
            return Err(ControllerError::Refused(
                "artifacts are not served by the server in Kubernetes mode: read them from \
                 the artifact repository"
                    .into(),
            ));
        };
        let row = self.row(namespace, workflow).await?;
        let status = row.typed_status()?;
        let a = located(&status, workflow, node, name, side)?;
        let (store, _) = self.local_store(namespace, &SecretRefs::default()).await?;
        let root = local.artifact_root.join(namespace_dir(namespace));
        let ctx = artifacts::store::Context { builtin_root: &root, secrets: &store };
        let opened = artifacts::store::open(&a.location, &ctx)
            .map_err(|e| ControllerError::Invalid(format!("artifact '{name}': {e}")))?;
        let missing = || {
            ControllerError::ObjectNotFound(format!(
                "artifact '{name}': nothing at key {:?} in {}",
                opened.key.as_ref(),
                opened.describe
            ))
        };
        let got = match opened.store.get(&opened.key).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Err(missing()),
            Err(e) => {
                return Err(ControllerError::Invalid(format!(
                    "artifact '{name}': {}",
                    artifacts::store::store_error(&opened.describe, e)
                )));
            }
        };
        let size = got.meta.size;
        let file_name = opened.key.filename().unwrap_or(name).to_string();
        let body = got.into_stream().map_err(std::io::Error::other).boxed();
        Ok(ArtifactObject { file_name, size, body })
    }
}

/// The artifact as the status records it, with a complete location.
/// `node` is a node's ID or its pod's name (Argo's clients send either).
fn located(
    status: &WorkflowStatus,
    workflow: &str,
    node: &str,
    name: &str,
    side: Side,
) -> Result<Artifact, ControllerError> {
    let by_pod = || {
        status.nodes.values().find(|n| {
            let template = n.template_name.as_deref().unwrap_or_default();
            engine::status::pod_name(workflow, &n.name, template) == node
        })
    };
    let n = status
        .nodes
        .get(node)
        .or_else(by_pod)
        .ok_or_else(|| ControllerError::ObjectNotFound(format!("node {node:?} not found")))?;
    let list = match side {
        Side::Outputs => n.outputs.as_ref().map(|o| &o.artifacts),
        Side::Inputs => n.inputs.as_ref().map(|i| &i.artifacts),
    };
    let mut a = list.and_then(|l| l.iter().find(|a| a.name == name)).cloned().ok_or_else(|| {
        ControllerError::ObjectNotFound(format!("artifact {name:?} not found on node {node:?}"))
    })?;
    if a.location.is_key_only() {
        let repository = status
            .artifact_repository_ref
            .as_ref()
            .and_then(|r| r.artifact_repository.clone())
            .unwrap_or_else(engine::spec::ArtifactRepository::builtin);
        a.location = repository.relocate(&a.location);
    }
    Ok(a)
}
