//! Files uploaded for a submission's input artifacts (multipart, field
//! `file`, at most 1 GiB, streamed to the store): Argo Server's
//! `POST /upload-artifacts/{namespace}/{workflowTemplate}/{artifact}`
//! answers `{"name", "key"}` for `submitOptions.artifacts`; Keelson's
//! `POST /upload-artifacts/{namespace}` (what `keelson submit FILE
//! --artifact name=PATH` uses) answers the whole location too.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::error::ApiError;
use crate::controller::{Controller, Uploaded};

/// `POST /upload-artifacts/{namespace}/{template}/{artifact}`.
pub async fn for_template(
    State(c): State<Controller>,
    Path((namespace, template, artifact)): Path<(String, String, String)>,
    form: Multipart,
) -> Result<Json<Value>, ApiError> {
    let uploaded = upload(&c, &namespace, Some(&template), &artifact, form).await?;
    Ok(Json(json!({"name": artifact, "key": uploaded.key})))
}

/// `POST /upload-artifacts/{namespace}`.
pub async fn for_workflow(
    State(c): State<Controller>,
    Path(namespace): Path<String>,
    form: Multipart,
) -> Result<Json<Value>, ApiError> {
    let uploaded = upload(&c, &namespace, None, "upload", form).await?;
    Ok(Json(json!({"key": uploaded.key, "location": uploaded.location})))
}

/// The form's `file` field, streamed to the controller as it arrives.
async fn upload(
    c: &Controller,
    namespace: &str,
    template: Option<&str>,
    artifact: &str,
    mut form: Multipart,
) -> Result<Uploaded, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid(format!("the upload is not a readable multipart form: {}", e.body_text()))
    };
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_string();
        let (tx, rx) = mpsc::channel::<Result<Bytes, String>>(4);
        let body = futures_util::stream::unfold(rx, |mut rx| async {
            rx.recv().await.map(|item| (item, rx))
        });
        let stored = c.upload_artifact(namespace, template, artifact, &file_name, body);
        let feed = async move {
            loop {
                let item = match field.chunk().await {
                    Ok(Some(bytes)) => Ok(bytes),
                    Ok(None) => return,
                    Err(e) => Err(e.body_text()),
                };
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
        };
        let (stored, ()) = tokio::join!(stored, feed);
        return Ok(stored?);
    }
    Err(ApiError::invalid("the form has no \"file\" field"))
}
