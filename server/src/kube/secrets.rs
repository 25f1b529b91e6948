//! Secrets in Kubernetes mode: the secrets API (`keelson secret …`)
//! writes Kubernetes Secrets, which pods read through
//! `env.valueFrom.secretKeyRef` (resolved by the kubelet). Only Secrets
//! Keelson made are listed (label `app.kubernetes.io/managed-by:
//! keelson`); values never come back out.
//!
//! Writing Secrets is a wide right, so the server's base role does not
//! have it: an operator who wants `keelson secret create` in this mode
//! binds the `keelson-secrets` ClusterRole (deploy/README.md). Without
//! it, the cluster's refusal is said as such.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};

use super::Cluster;
use crate::controller::ControllerError;

/// The label on Secrets Keelson made.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "keelson");

fn api(cluster: &Cluster, namespace: &str) -> Api<Secret> {
    Api::namespaced(cluster.client().clone(), namespace)
}

/// A cluster error as the API's error.
fn refused(e: kube::Error, namespace: &str, what: &str) -> ControllerError {
    match e {
        kube::Error::Api(s) if s.code == 403 => {
            tracing::warn!("the cluster refused to {what} Secrets in {namespace}: {}", s.message);
            ControllerError::Refused(format!(
                "the cluster does not let Keelson {what} Secrets in namespace {namespace}: bind \
                 the keelson-secrets ClusterRole to its service account (deploy/README.md), or \
                 create the Secret with kubectl"
            ))
        }
        kube::Error::Api(s) if s.code == 404 => ControllerError::ObjectNotFound(s.message),
        e => crate::kube::cluster_error(e),
    }
}

/// Create or replace Secret `name` with `data`; its keys.
pub async fn put(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    data: BTreeMap<String, Vec<u8>>,
) -> Result<Vec<String>, ControllerError> {
    let keys: Vec<String> = data.keys().cloned().collect();
    let mut secret = Secret {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some([(MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string())].into()),
            ..ObjectMeta::default()
        },
        data: Some(data.into_iter().map(|(k, v)| (k, ByteString(v))).collect()),
        type_: Some("Opaque".into()),
        ..Secret::default()
    };
    let api = api(cluster, namespace);
    cluster.throttle().await;
    match api.create(&PostParams::default(), &secret).await {
        Ok(_) => return Ok(keys),
        Err(kube::Error::Api(e)) if e.code == 409 => {}
        Err(e) => return Err(refused(e, namespace, "create")),
    }
    // It exists: replace it whole (keys not given go), as the store does.
    let current = api.get(name).await.map_err(|e| refused(e, namespace, "read"))?;
    secret.metadata.resource_version = current.metadata.resource_version;
    cluster.throttle().await;
    api.replace(name, &PostParams::default(), &secret)
        .await
        .map_err(|e| refused(e, namespace, "update"))?;
    Ok(keys)
}

/// The Secrets Keelson made in `namespace`: names and keys.
pub async fn keys(
    cluster: &Cluster,
    namespace: &str,
) -> Result<BTreeMap<String, Vec<String>>, ControllerError> {
    let params = ListParams::default().labels(&format!("{}={}", MANAGED_BY.0, MANAGED_BY.1));
    let list =
        api(cluster, namespace).list(&params).await.map_err(|e| refused(e, namespace, "list"))?;
    Ok(list
        .items
        .into_iter()
        .map(|s| {
            let keys = s.data.map(|d| d.into_keys().collect()).unwrap_or_default();
            (s.metadata.name.unwrap_or_default(), keys)
        })
        .collect())
}

/// Delete Secret `name` (only one Keelson made); whether it was there.
pub async fn delete(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<bool, ControllerError> {
    let api = api(cluster, namespace);
    let Some(secret) = api.get_opt(name).await.map_err(|e| refused(e, namespace, "read"))? else {
        return Ok(false);
    };
    let ours = secret
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(MANAGED_BY.0))
        .is_some_and(|v| v == MANAGED_BY.1);
    if !ours {
        return Err(ControllerError::Invalid(format!(
            "secret {name} was not made by Keelson: delete it with kubectl"
        )));
    }
    cluster.throttle().await;
    match api.delete(name, &DeleteParams::default()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(false),
        Err(e) => Err(refused(e, namespace, "delete")),
    }
}

/// The data of the Secrets `names` in `namespace` (any Secret, not only
/// Keelson's: artifact repositories name the operator's), by name and
/// key — for the server to open an artifact repository. A Secret that is
/// not there is left out.
pub async fn data(
    cluster: &Cluster,
    namespace: &str,
    names: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ControllerError> {
    let api = api(cluster, namespace);
    let mut out = BTreeMap::new();
    for name in names {
        cluster.throttle().await;
        match api.get(name).await {
            Ok(secret) => {
                let data = secret.data.unwrap_or_default().into_iter();
                let values =
                    data.map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned())).collect();
                out.insert(name.clone(), values);
            }
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(refused(e, namespace, "read")),
        }
    }
    Ok(out)
}
