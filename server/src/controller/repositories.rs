//! Where a submission's artifact repository is looked up (see
//! [`engine::run::plan::repository`]): the namespace's ConfigMaps — the
//! cluster's in Kubernetes mode, else the store's config maps with their
//! annotations —, then the server's default.

use std::collections::BTreeMap;

use engine::run::plan::repository::{CONFIG_MAP, ConfigMap, RepositorySource};
use engine::spec::{ArtifactRepository, Catalog};
use serde_json::Value;

use super::{Controller, ControllerError};

/// The ConfigMaps that may hold a submission's repository, by namespace
/// and name, and the server's default repository.
pub(super) struct Repositories {
    config_maps: BTreeMap<(String, String), ConfigMap>,
    controller_namespace: Option<String>,
    default: Option<ArtifactRepository>,
}

impl RepositorySource for Repositories {
    fn config_map(&self, namespace: &str, name: &str) -> Option<ConfigMap> {
        self.config_maps.get(&(namespace.to_string(), name.to_string())).cloned()
    }

    fn controller_namespace(&self) -> Option<&str> {
        self.controller_namespace.as_deref()
    }

    fn default_repository(&self) -> Option<&ArtifactRepository> {
        self.default.as_ref()
    }
}

/// The ConfigMaps a workflow's resolution may read: `artifact-repositories`
/// and the one its `artifactRepositoryRef` names (its own, or its
/// WorkflowTemplate's).
fn wanted(workflow: &Value, catalog: &Catalog) -> Vec<String> {
    let mut names = vec![CONFIG_MAP.to_string()];
    let mut specs = vec![workflow.get("spec").cloned().unwrap_or_default()];
    if let Some(r) = workflow.pointer("/spec/workflowTemplateRef") {
        let name = r["name"].as_str().unwrap_or_default();
        let cluster = r["clusterScope"].as_bool().unwrap_or(false);
        if let Some(t) = catalog.get(name, cluster) {
            specs.push(serde_json::to_value(&t.spec).unwrap_or_default());
        }
    }
    for spec in specs {
        if let Some(n) = spec.pointer("/artifactRepositoryRef/configMap").and_then(Value::as_str) {
            names.push(n.to_string());
        }
    }
    names.sort();
    names.dedup();
    names
}

impl Controller {
    /// What a submission of `workflow` in `namespace` resolves its
    /// repository against.
    pub(super) async fn repositories(
        &self,
        namespace: &str,
        workflow: &Value,
        catalog: &Catalog,
    ) -> Result<Repositories, ControllerError> {
        let mut config_maps = BTreeMap::new();
        let mut controller_namespace = None;
        match &self.inner.config.cluster_objects {
            Some(cluster) => {
                let home = cluster.home_namespace();
                for ns in [namespace, home.as_str()] {
                    for name in wanted(workflow, catalog) {
                        if let Some(cm) = cluster.config_map(ns, &name).await? {
                            config_maps.insert((ns.to_string(), name), cm);
                        }
                    }
                }
                controller_namespace = Some(home);
            }
            None => {
                let store = &self.inner.store;
                let mut annotations = store.config_map_annotations_in(namespace).await?;
                for (name, data) in store.config_maps_in(namespace).await? {
                    let annotations = annotations.remove(&name).unwrap_or_default();
                    config_maps
                        .insert((namespace.to_string(), name), ConfigMap { data, annotations });
                }
            }
        }
        Ok(Repositories {
            config_maps,
            controller_namespace,
            default: self.inner.config.artifact_repository.clone(),
        })
    }
}
