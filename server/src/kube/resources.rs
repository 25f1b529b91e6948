//! Kubernetes mode's [`ClusterObjects`]: what the controller asks of the
//! cluster — Workflow resources (`workflows`), Secrets (`secrets`) and
//! ConfigMaps (`config_maps`).

use std::collections::BTreeMap;

use serde_json::Value;

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use super::Cluster;
use crate::controller::{ClusterObjects, ControllerError};
use crate::redact::SecretRefs;

/// The cluster's Workflow resources and Secrets, for the controller.
pub struct Resources {
    cluster: Cluster,
}

impl Resources {
    pub fn new(cluster: Cluster) -> Resources {
        Resources { cluster }
    }
}

#[async_trait::async_trait]
impl ClusterObjects for Resources {
    async fn create_workflow(
        &self,
        namespace: &str,
        workflow: &Value,
    ) -> Result<(String, String), ControllerError> {
        super::workflows::create_resource(&self.cluster, namespace, workflow).await
    }

    async fn delete_workflow(&self, namespace: &str, name: &str, uid: &str) {
        super::workflows::delete_resource(&self.cluster, namespace, name, uid).await;
    }

    async fn put_secret(
        &self,
        namespace: &str,
        name: &str,
        data: BTreeMap<String, Vec<u8>>,
    ) -> Result<Vec<String>, ControllerError> {
        super::secrets::put(&self.cluster, namespace, name, data).await
    }

    async fn secret_keys(
        &self,
        namespace: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, ControllerError> {
        super::secrets::keys(&self.cluster, namespace).await
    }

    async fn delete_secret(&self, namespace: &str, name: &str) -> Result<bool, ControllerError> {
        super::secrets::delete(&self.cluster, namespace, name).await
    }

    async fn secret_data(
        &self,
        namespace: &str,
        names: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ControllerError> {
        super::secrets::data(&self.cluster, namespace, names).await
    }

    fn home_namespace(&self) -> String {
        self.cluster.client().default_namespace().to_string()
    }

    async fn config_map(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<engine::run::plan::repository::ConfigMap>, ControllerError> {
        super::config_maps::get(&self.cluster, namespace, name).await
    }

    async fn secret_values(
        &self,
        namespace: &str,
        refs: &SecretRefs,
    ) -> (Vec<String>, Vec<String>) {
        if refs.computed {
            tracing::warn!(
                "a template names a Secret with {{{{…}}}}: its values are masked in logs only"
            );
        }
        let api: Api<Secret> = Api::namespaced(self.cluster.client().clone(), namespace);
        crate::executor::kube::logs::secret_values(&api, &refs.refs).await
    }
}
