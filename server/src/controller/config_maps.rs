//! Config maps in local mode (`configMapKeyRef`, artifact repositories):
//! kept in the store with their annotations. In Kubernetes mode they are
//! the cluster's, managed with kubectl.

use std::collections::BTreeMap;

use super::{Controller, ControllerError};
use crate::clock::now;

/// A config map as the API shows it (config maps are not secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMapObject {
    pub name: String,
    pub data: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Controller {
    fn config_maps_here(&self) -> Result<(), ControllerError> {
        match self.inner.config.cluster_objects {
            Some(_) => Err(ControllerError::Refused(
                "in Kubernetes mode config maps are the cluster's: manage them with kubectl".into(),
            )),
            None => Ok(()),
        }
    }

    /// Create or replace a config map.
    pub async fn put_config_map(
        &self,
        namespace: &str,
        map: &ConfigMapObject,
    ) -> Result<(), ControllerError> {
        self.config_maps_here()?;
        if map.name.is_empty() {
            return Err(ControllerError::Invalid("metadata.name is required".into()));
        }
        if map.data.is_empty() {
            return Err(ControllerError::Invalid(
                "a config map needs at least one key in data".into(),
            ));
        }
        let valid = |k: &String| {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if let Some(k) = map.data.keys().find(|k| !valid(k)) {
            return Err(ControllerError::Invalid(format!(
                "data key {k:?}: keys are letters, digits, '-', '_' and '.'"
            )));
        }
        let store = &self.inner.store;
        store.put_config_map(namespace, &map.name, &map.data, &map.annotations, now()).await?;
        Ok(())
    }

    /// A namespace's config maps.
    pub async fn config_maps(
        &self,
        namespace: &str,
    ) -> Result<Vec<ConfigMapObject>, ControllerError> {
        self.config_maps_here()?;
        let mut annotations = self.inner.store.config_map_annotations_in(namespace).await?;
        let maps = self.inner.store.config_maps_in(namespace).await?;
        Ok(maps
            .into_iter()
            .map(|(name, data)| {
                let annotations = annotations.remove(&name).unwrap_or_default();
                ConfigMapObject { name, data, annotations }
            })
            .collect())
    }

    /// Delete a config map; whether it existed.
    pub async fn delete_config_map(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<bool, ControllerError> {
        self.config_maps_here()?;
        Ok(self.inner.store.delete_config_map(namespace, name).await?)
    }
}
