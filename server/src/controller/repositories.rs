//! Where a submission's artifact repository is looked up (see
//! [`engine::run::plan::repository`]): the namespace's config maps as the
//! store keeps them, then the server's default.

use std::collections::BTreeMap;

use engine::run::plan::repository::{ConfigMap, RepositorySource};
use engine::spec::ArtifactRepository;

use super::{Controller, ControllerError};

/// One namespace's config maps and the server's default repository.
pub(super) struct Repositories {
    namespace: String,
    config_maps: BTreeMap<String, BTreeMap<String, String>>,
    default: Option<ArtifactRepository>,
}

impl RepositorySource for Repositories {
    /// The store keeps no annotations: a ConfigMap found here has no
    /// default key, so a ref to it names its key.
    fn config_map(&self, namespace: &str, name: &str) -> Option<ConfigMap> {
        if namespace != self.namespace {
            return None;
        }
        let data = self.config_maps.get(name)?.clone();
        Some(ConfigMap { data, annotations: BTreeMap::new() })
    }

    fn default_repository(&self) -> Option<&ArtifactRepository> {
        self.default.as_ref()
    }
}

impl Controller {
    /// What a submission in `namespace` resolves its repository against.
    pub(super) async fn repositories(
        &self,
        namespace: &str,
    ) -> Result<Repositories, ControllerError> {
        Ok(Repositories {
            namespace: namespace.to_string(),
            config_maps: self.inner.store.config_maps_in(namespace).await?,
            default: self.inner.config.artifact_repository.clone(),
        })
    }
}
