//! Config maps at Kubernetes' paths (`/api/v1/namespaces/{namespace}/
//! configmaps…`) and in its ConfigMap shape: local mode's stand-ins for
//! the cluster's, read by `configMapKeyRef` and artifact repositories
//! (their annotations kept). Not secret: their data comes back out.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::query::JsonBody;
use crate::controller::{ConfigMapObject, Controller};

#[derive(Deserialize)]
pub struct ConfigMapBody {
    metadata: Meta,
    #[serde(default)]
    data: BTreeMap<String, String>,
}

#[derive(Deserialize)]
pub struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

fn shown(namespace: &str, m: &ConfigMapObject) -> Value {
    let mut metadata = json!({"name": m.name, "namespace": namespace});
    if !m.annotations.is_empty() {
        metadata["annotations"] = json!(m.annotations);
    }
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": m.data})
}

/// `POST /api/v1/namespaces/{namespace}/configmaps`: create or replace.
pub async fn create(
    State(c): State<Controller>,
    Path(namespace): Path<String>,
    JsonBody(body): JsonBody<ConfigMapBody>,
) -> Result<Json<Value>, ApiError> {
    let map = ConfigMapObject {
        name: body.metadata.name,
        data: body.data,
        annotations: body.metadata.annotations,
    };
    c.put_config_map(&namespace, &map).await?;
    Ok(Json(shown(&namespace, &map)))
}

/// `GET /api/v1/namespaces/{namespace}/configmaps`.
pub async fn list(
    State(c): State<Controller>,
    Path(namespace): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> =
        c.config_maps(&namespace).await?.iter().map(|m| shown(&namespace, m)).collect();
    Ok(Json(json!({"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {}, "items": items})))
}

/// `DELETE /api/v1/namespaces/{namespace}/configmaps/{name}`.
pub async fn delete(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    if c.delete_config_map(&namespace, &name).await? {
        Ok(Json(json!({})))
    } else {
        Err(ApiError::not_found(format!("configmaps \"{name}\" not found")))
    }
}
