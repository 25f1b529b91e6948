//! What the controller asks of a Kubernetes cluster in Kubernetes mode:
//! each run's Workflow resource (so `kubectl get workflows` lists it and
//! it owns its pods), the namespaces' Secrets, and the ConfigMaps that
//! hold artifact repositories. Kubernetes mode
//! supplies it (`kube::Resources`); in local mode there is none, and
//! secrets live sealed in the store.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ControllerError;
use crate::redact::SecretRefs;

#[async_trait::async_trait]
pub trait ClusterObjects: Send + Sync {
    /// Create the Workflow resource of a submission (named, in
    /// `namespace`); its name and uid, which the run takes.
    async fn create_workflow(
        &self,
        namespace: &str,
        workflow: &Value,
    ) -> Result<(String, String), ControllerError>;

    /// Delete a run's Workflow resource, if it is still that run's (the
    /// same uid); failures are logged, not returned.
    async fn delete_workflow(&self, namespace: &str, name: &str, uid: &str);

    /// Create or replace a Secret; its keys.
    async fn put_secret(
        &self,
        namespace: &str,
        name: &str,
        data: BTreeMap<String, Vec<u8>>,
    ) -> Result<Vec<String>, ControllerError>;

    /// The Secrets of a namespace and their keys, never their values.
    async fn secret_keys(
        &self,
        namespace: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, ControllerError>;

    /// Delete a Secret; whether it existed.
    async fn delete_secret(&self, namespace: &str, name: &str) -> Result<bool, ControllerError>;

    /// The data of the Secrets `names` of `namespace`, by name and key
    /// (those not there are left out): the credentials of an artifact
    /// repository the server reads itself (downloads, uploads, garbage
    /// collection).
    async fn secret_data(
        &self,
        namespace: &str,
        names: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ControllerError>;

    /// The namespace Keelson itself runs in (its service account's, or
    /// the kubeconfig context's): where a workflow's
    /// `artifactRepositoryRef` is looked for after its own namespace, as
    /// Argo looks in its controller's.
    fn home_namespace(&self) -> String;

    /// ConfigMap `name` of `namespace` (artifact repositories), if any.
    async fn config_map(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Option<engine::run::plan::repository::ConfigMap>, ControllerError>;

    /// The values of the Secrets `refs` names in `namespace`, to keep
    /// them out of sight, and the names of those that could not be read.
    async fn secret_values(&self, namespace: &str, refs: &SecretRefs)
    -> (Vec<String>, Vec<String>);
}
