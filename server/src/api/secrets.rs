//! Secrets at Kubernetes' paths (`/api/v1/namespaces/{namespace}/
//! secrets…`) and in its Secret shape on the way in (`data` base64, or
//! `stringData`). In local mode they are sealed in the store; in
//! Kubernetes mode they are the cluster's Secrets (`kube::secrets`), which
//! pods read by `secretKeyRef`. Values never come back out: a list shows
//! names and keys only.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::query::JsonBody;
use crate::controller::Controller;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretBody {
    metadata: Meta,
    #[serde(default)]
    data: BTreeMap<String, String>,
    #[serde(default)]
    string_data: BTreeMap<String, String>,
}

#[derive(Deserialize)]
pub struct Meta {
    name: String,
}

/// What is shown of a secret: its name and keys.
fn shown(namespace: &str, name: &str, keys: &[String]) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "keys": keys,
    })
}

/// `POST /api/v1/namespaces/{namespace}/secrets`: create or replace.
pub async fn create(
    State(c): State<Controller>,
    Path(namespace): Path<String>,
    JsonBody(body): JsonBody<SecretBody>,
) -> Result<Json<Value>, ApiError> {
    let name = body.metadata.name;
    if name.is_empty() {
        return Err(ApiError::invalid("metadata.name is required"));
    }
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (k, v) in body.data {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.trim())
            .map_err(|e| ApiError::invalid(format!("data.{k}: not base64 ({e})")))?;
        data.insert(k, bytes);
    }
    for (k, v) in body.string_data {
        data.insert(k, v.into_bytes());
    }
    if data.is_empty() {
        return Err(ApiError::invalid("a secret needs at least one key (data or stringData)"));
    }
    let keys = c.put_secret(&namespace, &name, data).await?;
    Ok(Json(shown(&namespace, &name, &keys)))
}

/// `GET /api/v1/namespaces/{namespace}/secrets`: names and keys.
pub async fn list(
    State(c): State<Controller>,
    Path(namespace): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let secrets = c.secret_keys(&namespace).await?;
    let items: Vec<Value> =
        secrets.iter().map(|(name, keys)| shown(&namespace, name, keys)).collect();
    Ok(Json(json!({"apiVersion": "v1", "kind": "SecretList", "metadata": {}, "items": items})))
}

/// `DELETE /api/v1/namespaces/{namespace}/secrets/{name}`.
pub async fn delete(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let deleted = c.delete_secret(&namespace, &name).await?;
    if deleted {
        Ok(Json(json!({})))
    } else {
        Err(ApiError::not_found(format!("secrets \"{name}\" not found")))
    }
}
