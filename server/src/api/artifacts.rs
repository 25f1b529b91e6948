//! Argo Server's artifact downloads: `GET /artifacts/{namespace}/{name}/
//! {nodeId}/{artifactName}` (what `argo cp` reads) and `/input-artifacts/
//! …`, streamed as the object is stored, with Argo's headers — the file
//! name, a type from its extension, and a sandbox so that HTML opened from
//! here cannot act as the site.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use super::error::ApiError;
use crate::controller::{Controller, Side};

/// `GET /artifacts/{namespace}/{name}/{node}/{artifact}`.
pub async fn output(
    State(c): State<Controller>,
    Path((namespace, name, node, artifact)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    serve(&c, &namespace, &name, &node, &artifact, Side::Outputs).await
}

/// `GET /input-artifacts/{namespace}/{name}/{node}/{artifact}`.
pub async fn input(
    State(c): State<Controller>,
    Path((namespace, name, node, artifact)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    serve(&c, &namespace, &name, &node, &artifact, Side::Inputs).await
}

async fn serve(
    c: &Controller,
    namespace: &str,
    name: &str,
    node: &str,
    artifact: &str,
    side: Side,
) -> Result<Response, ApiError> {
    let object = c.artifact(namespace, name, node, artifact, side).await?;
    let disposition = format!("attachment; filename=\"{}\"", object.file_name.replace('"', "_"));
    let mut response = Response::new(Body::from_stream(object.body));
    let headers = response.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("_"));
    headers.insert(header::CONTENT_DISPOSITION, value(&disposition));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(&object.file_name)));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(object.size));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}

/// A MIME type from a file name's extension.
fn mime(file_name: &str) -> &'static str {
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt" | "log") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("yaml" | "yml") => "application/yaml",
        Some("tgz" | "gz") => "application/gzip",
        Some("zip") => "application/zip",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
