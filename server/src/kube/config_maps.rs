//! ConfigMaps in Kubernetes mode, read for artifact repositories (the
//! `artifact-repositories` ConfigMap and those an
//! `artifactRepositoryRef` names): data and annotations, as they are.

use engine::run::plan::repository::ConfigMap;
use k8s_openapi::api::core::v1::ConfigMap as KubeConfigMap;
use kube::Api;

use super::Cluster;
use crate::controller::ControllerError;

/// ConfigMap `name` in `namespace`, if it is there (and readable: a
/// refusal reads as absent, with a warning, as Argo falls through).
pub async fn get(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<Option<ConfigMap>, ControllerError> {
    let api: Api<KubeConfigMap> = Api::namespaced(cluster.client().clone(), namespace);
    cluster.throttle().await;
    match api.get_opt(name).await {
        Ok(Some(cm)) => Ok(Some(ConfigMap {
            data: cm.data.unwrap_or_default(),
            annotations: cm.metadata.annotations.unwrap_or_default(),
        })),
        Ok(None) => Ok(None),
        Err(kube::Error::Api(e)) if e.code == 403 => {
            tracing::warn!(
                "the cluster refused to read ConfigMap {namespace}/{name}: {}",
                e.message
            );
            Ok(None)
        }
        Err(e) => Err(super::cluster_error(e)),
    }
}
