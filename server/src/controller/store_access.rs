//! What the server needs to open a namespace's artifact stores itself
//! (downloads, uploads, garbage collection): the credentials the
//! locations name — the store's sealed secrets in local mode, the
//! cluster's Secrets in Kubernetes mode — and the namespace's directory
//! of the built-in repository.

use std::path::PathBuf;

use engine::spec::ArtifactLocation;

use super::{Controller, ControllerError};
use crate::executor::{Backend, LocalStore, namespace_dir};
use crate::redact::SecretRefs;

/// Credentials and the built-in repository's directory, for
/// `artifacts::store::Context`.
pub(super) struct StoreAccess {
    pub secrets: LocalStore,
    pub builtin_root: PathBuf,
}

impl StoreAccess {
    pub fn context(&self) -> artifacts::store::Context<'_> {
        artifacts::store::Context { builtin_root: &self.builtin_root, secrets: &self.secrets }
    }
}

impl Controller {
    /// Access to the stores `locations` name, in `namespace`.
    pub(super) async fn store_access(
        &self,
        namespace: &str,
        locations: &[&ArtifactLocation],
    ) -> Result<StoreAccess, ControllerError> {
        let dir = namespace_dir(namespace);
        if let Backend::Local(local) = &self.inner.config.backend {
            let (secrets, _) = self.local_store(namespace, &SecretRefs::default()).await?;
            return Ok(StoreAccess { secrets, builtin_root: local.artifact_root.join(dir) });
        }
        let Some(cluster) = &self.inner.config.cluster_objects else {
            return Err(ControllerError::Internal("Kubernetes mode without a cluster".into()));
        };
        let mut names = Vec::new();
        for l in locations {
            let json = serde_json::to_value(l).unwrap_or_default();
            names.extend(SecretRefs::in_json(&json).refs.into_iter().map(|(n, _)| n));
        }
        names.sort();
        names.dedup();
        let mut secrets = LocalStore::empty();
        for (name, data) in cluster.secret_data(namespace, &names).await? {
            for (k, v) in data {
                secrets.insert_secret(&name, &k, &v);
            }
        }
        let builtin_root = self.inner.config.data_dir.join("artifacts").join(dir);
        Ok(StoreAccess { secrets, builtin_root })
    }
}
