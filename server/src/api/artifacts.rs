//! Argo Server's artifact routes: `GET /artifacts/{namespace}/{name}/
//! {nodeId}/{artifactName}` (what `argo cp` reads), `/input-artifacts/…`,
//! the same by workflow uid (`/artifacts-by-uid/…`), and `/artifact-files/
//! {namespace}/{workflows|archived-workflows}/{name|uid}/{nodeId}/
//! {inputs|outputs}/{artifactName}[/{file…}]` that the UI previews from.
//! Objects stream as stored, with Argo's headers — the file name, a type
//! from its extension, and a content policy that keeps HTML opened from
//! here from acting as the site — and byte ranges. A path ending in `/`
//! lists a directory's files, or a `.tgz`/`.zip`'s: as Argo's HTML page,
//! or as JSON for a client that asks for it.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::error::ApiError;
use crate::auth::{Principal, Role, Scope};
use crate::controller::{
    ArtifactFile, ArtifactObject, ArtifactRef, Controller, Part, Side, Span, WorkflowRef,
};

/// Argo's policy for what it serves (`ARGO_ARTIFACT_CONTENT_SECURITY_POLICY`):
/// no scripts, nothing loaded from elsewhere.
const POLICY: &str = "sandbox allow-same-origin; base-uri 'none'; default-src 'none'; \
                      img-src 'self'; style-src 'self' 'unsafe-inline'";

/// `GET /artifacts/{namespace}/{name}/{node}/{artifact}`.
pub async fn output(
    State(c): State<Controller>,
    Path((namespace, name, node, artifact)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let workflow = WorkflowRef::Name { namespace: &namespace, name: &name };
    let at = ArtifactRef { workflow, node: &node, name: &artifact, side: Side::Outputs };
    download(&c, at, &method, &headers).await
}

/// `GET /input-artifacts/{namespace}/{name}/{node}/{artifact}`.
pub async fn input(
    State(c): State<Controller>,
    Path((namespace, name, node, artifact)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let workflow = WorkflowRef::Name { namespace: &namespace, name: &name };
    let at = ArtifactRef { workflow, node: &node, name: &artifact, side: Side::Inputs };
    download(&c, at, &method, &headers).await
}

/// `GET /artifacts-by-uid/{uid}/{node}/{artifact}`.
pub async fn output_by_uid(
    State(c): State<Controller>,
    principal: Principal,
    Path((uid, node, artifact)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    by_uid(&c, &principal, (&uid, &node, &artifact), Side::Outputs, &headers).await
}

/// `GET /input-artifacts-by-uid/{uid}/{node}/{artifact}`.
pub async fn input_by_uid(
    State(c): State<Controller>,
    principal: Principal,
    Path((uid, node, artifact)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    by_uid(&c, &principal, (&uid, &node, &artifact), Side::Inputs, &headers).await
}

/// The route names no namespace: the caller's role is checked in the
/// workflow's, once it is known.
async fn by_uid(
    c: &Controller,
    principal: &Principal,
    (uid, node, name): (&str, &str, &str),
    side: Side,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let namespace = c.namespace_of_uid(uid).await?;
    principal.require(Role::Viewer, &Scope::Namespace(namespace.clone()))?;
    let workflow = WorkflowRef::Uid { namespace: Some(&namespace), uid };
    let at = ArtifactRef { workflow, node, name, side };
    download(c, at, &Method::GET, headers).await
}

/// The object, or for `HEAD` its size alone (the UI shows it).
async fn download(
    c: &Controller,
    at: ArtifactRef<'_>,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let object = if method == Method::HEAD {
        c.artifact_head(at).await?
    } else {
        c.artifact(at, span(headers)).await?
    };
    Ok(object_response(object, "attachment"))
}

/// The path of `/artifact-files/…`.
#[derive(serde::Deserialize)]
pub struct FilePath {
    namespace: String,
    kind: String,
    id: String,
    node: String,
    side: String,
    artifact: String,
    #[serde(default)]
    file: String,
}

/// `GET /artifact-files/{namespace}/{kind}/{id}/{node}/{side}/{artifact}`
/// (also with `/` and `/{*file}` after it).
pub async fn file(
    State(c): State<Controller>,
    Path(p): Path<FilePath>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let workflow = match p.kind.as_str() {
        "workflows" => WorkflowRef::Name { namespace: &p.namespace, name: &p.id },
        "archived-workflows" => WorkflowRef::Uid { namespace: Some(&p.namespace), uid: &p.id },
        other => {
            return Err(ApiError::invalid(format!(
                "{other:?}: expected workflows or archived-workflows"
            )));
        }
    };
    let side = match p.side.as_str() {
        "outputs" => Side::Outputs,
        "inputs" => Side::Inputs,
        other => return Err(ApiError::invalid(format!("{other:?}: expected inputs or outputs"))),
    };
    let listing = uri.path().ends_with('/');
    let at = ArtifactRef { workflow, node: &p.node, name: &p.artifact, side };
    match c.artifact_file(at, &p.file, listing, span(&headers)).await? {
        ArtifactFile::Object(object) => Ok(object_response(object, "inline")),
        ArtifactFile::Directory => {
            Ok(Redirect::temporary(&format!("{}/", uri.path())).into_response())
        }
        ArtifactFile::Listing(listing) if wants_json(&headers) => {
            let files: Vec<_> =
                listing.files.iter().map(|f| json!({"path": f.path, "size": f.size})).collect();
            Ok(Json(json!({"files": files, "truncated": listing.truncated})).into_response())
        }
        ArtifactFile::Listing(listing) => {
            let paths: Vec<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
            if paths.contains(&"index.html") {
                return Ok(
                    Redirect::temporary(&format!("{}index.html", uri.path())).into_response()
                );
            }
            let mut response = Response::new(Body::from(html_listing(&paths)));
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            secure(h);
            Ok(response)
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The `Range` header as a span; anything but one `bytes=` range is the
/// whole object (as HTTP allows a server to answer).
fn span(headers: &HeaderMap) -> Span {
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Span::Whole;
    };
    let Some(spec) = range.trim().strip_prefix("bytes=") else { return Span::Whole };
    if spec.contains(',') {
        return Span::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else { return Span::Whole };
    match (start.parse::<u64>().ok(), end.parse::<u64>().ok()) {
        (Some(s), Some(e)) if s <= e => Span::Between(s, e),
        (Some(s), None) if end.is_empty() => Span::From(s),
        (None, Some(n)) if start.is_empty() => Span::Last(n),
        _ => Span::Whole,
    }
}

/// Argo's listing page: the directory's own files and its subdirectories
/// (`dir/`), each linked relative to it, names escaped.
fn html_listing(paths: &[&str]) -> String {
    let mut out = String::from("<html><body><ul>\n<li><a href=\"..\">..</a></li>\n");
    let mut seen = std::collections::BTreeSet::new();
    for path in paths {
        let entry = match path.split_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => path.to_string(),
        };
        if seen.insert(entry.clone()) {
            let shown = escape(&entry);
            let href = escape(&entry.split('/').map(segment).collect::<Vec<_>>().join("/"));
            out.push_str(&format!("<li><a href=\"./{href}\">{shown}</a></li>\n"));
        }
    }
    out.push_str("</ul></body></html>");
    out
}

fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn secure(h: &mut HeaderMap) {
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

/// `disposition`: `attachment` to download, `inline` to show.
fn object_response(object: ArtifactObject, disposition: &str) -> Response {
    let file_name = object.file_name.replace(['"', '\\', '\r', '\n'], "_");
    let disposition = format!("{disposition}; filename=\"{file_name}\"");
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("_"));
    let (status, length) = match &object.part {
        Part::Whole => (StatusCode::OK, object.size),
        Part::Range(r) => (StatusCode::PARTIAL_CONTENT, r.end - r.start),
        Part::Unsatisfiable => (StatusCode::RANGE_NOT_SATISFIABLE, 0),
    };
    let mut response = Response::new(Body::from_stream(object.body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_DISPOSITION, value(&disposition));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(&object.file_name)));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    match &object.part {
        Part::Whole => {}
        Part::Range(r) => {
            let range = format!("bytes {}-{}/{}", r.start, r.end - 1, object.size);
            h.insert(header::CONTENT_RANGE, value(&range));
        }
        Part::Unsatisfiable => {
            h.insert(header::CONTENT_RANGE, value(&format!("bytes */{}", object.size)));
        }
    }
    secure(h);
    response
}

/// A MIME type from a file name's extension.
fn mime(file_name: &str) -> &'static str {
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt" | "log" | "md" | "out" | "err") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("tsv") => "text/tab-separated-values; charset=utf-8",
        Some("yaml" | "yml") => "application/yaml",
        Some("xml") => "application/xml",
        Some("tgz" | "gz") => "application/gzip",
        Some("zip") => "application/zip",
        Some("tar") => "application/x-tar",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_range(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(v).expect("header"));
        h
    }

    #[test]
    fn range_headers_become_spans() {
        assert_eq!(span(&HeaderMap::new()), Span::Whole);
        assert_eq!(span(&with_range("bytes=0-99")), Span::Between(0, 99));
        assert_eq!(span(&with_range("bytes=100-")), Span::From(100));
        assert_eq!(span(&with_range("bytes=-5")), Span::Last(5));
        assert_eq!(span(&with_range("bytes=0-1,4-5")), Span::Whole);
        assert_eq!(span(&with_range("bytes=9-2")), Span::Whole);
        assert_eq!(span(&with_range("items=0-1")), Span::Whole);
    }

    #[test]
    fn the_listing_page_shows_one_level_and_escapes_names() {
        let page = html_listing(&["a.txt", "d/x", "d/y", "<b>\".html"]);
        assert!(page.contains("<a href=\"./a.txt\">a.txt</a>"), "{page}");
        assert_eq!(page.matches("./d/\"").count(), 1, "{page}");
        assert!(page.contains("&lt;b&gt;&quot;.html"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
    }
}
