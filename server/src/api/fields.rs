//! Argo's `fields` query parameter: prune an answer to the dotted paths
//! listed (`metadata,items.metadata.name,items.status.phase`), or, when
//! the list starts with `-`, remove them (`-items.status.nodes`). Paths
//! have no array indices: a path through an array applies to each of its
//! elements. A path keeps (or removes) its whole subtree. Lists and gets
//! use paths from the top of the answer; streams from `result.`.

use axum::body::Body;
use axum::extract::{MatchedPath, Query, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::query::ListParams;

/// The projection of every JSON answer to a GET with `fields`, in one
/// place; streams project each message themselves (from `result.`).
pub async fn project(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let fields = Query::<ListParams>::try_from_uri(req.uri())
        .ok()
        .and_then(|Query(q)| Fields::parse(q.get("fields")));
    let route = req.extensions().get::<MatchedPath>().map_or("", |m| m.as_str());
    let streams =
        route.ends_with("/log") || route.contains("workflow-events") || route.starts_with("/ws/");
    let Some(fields) = fields.filter(|_| !streams) else { return next.run(req).await };
    let response = next.run(req).await;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !response.status().is_success() || !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return super::ApiError::internal("could not read the answer to project it")
            .into_response();
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    fields.apply(&mut v);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(v.to_string()))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fields {
    exclude: bool,
    paths: Vec<Vec<String>>,
}

impl Fields {
    /// `None` for an absent or empty parameter (everything is kept).
    pub fn parse(param: Option<&String>) -> Option<Fields> {
        let text = param?.trim();
        let (exclude, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let paths: Vec<Vec<String>> = rest
            .split(',')
            .map(|p| p.trim().trim_start_matches('-'))
            .filter(|p| !p.is_empty())
            .map(|p| p.split('.').map(str::to_string).collect())
            .collect();
        (!paths.is_empty()).then_some(Fields { exclude, paths })
    }

    /// The same fields seen from below `prefix` (`result.object.` for a
    /// watch's object): paths outside it are dropped.
    pub fn under(&self, prefix: &[&str]) -> Option<Fields> {
        let paths: Vec<Vec<String>> = self
            .paths
            .iter()
            .filter(|p| p.len() > prefix.len() && p.iter().zip(prefix).all(|(a, b)| a == b))
            .map(|p| p[prefix.len()..].to_vec())
            .collect();
        (!paths.is_empty()).then_some(Fields { exclude: self.exclude, paths })
    }

    pub fn apply(&self, v: &mut Value) {
        if self.exclude {
            for p in &self.paths {
                remove(v, p);
            }
        } else {
            let refs: Vec<&[String]> = self.paths.iter().map(Vec::as_slice).collect();
            keep(v, &refs);
        }
    }
}

fn remove(v: &mut Value, path: &[String]) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| remove(i, path)),
        Value::Object(map) => match path {
            [] => {}
            [last] => {
                map.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(child) = map.get_mut(first) {
                    remove(child, rest);
                }
            }
        },
        _ => {}
    }
}

/// Keep only what `paths` reach; a path that ends keeps its subtree.
fn keep(v: &mut Value, paths: &[&[String]]) {
    if paths.iter().any(|p| p.is_empty()) {
        return;
    }
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| keep(i, paths)),
        Value::Object(map) => {
            let mut kept = Map::new();
            for (k, mut child) in std::mem::take(map) {
                let below: Vec<&[String]> =
                    paths.iter().filter(|p| p[0] == k).map(|p| &p[1..]).collect();
                if !below.is_empty() {
                    keep(&mut child, &below);
                    kept.insert(k, child);
                }
            }
            *map = kept;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list() -> Value {
        json!({
            "metadata": {"resourceVersion": "7"},
            "items": [
                {"metadata": {"name": "a", "uid": "1"}, "status": {"phase": "Running", "nodes": {"x": {}}}},
                {"metadata": {"name": "b", "uid": "2"}, "status": {"phase": "Failed"}}
            ]
        })
    }

    #[test]
    fn a_keep_list_goes_through_arrays_and_keeps_subtrees() {
        let f = Fields::parse(Some(&"metadata,items.metadata.name,items.status.phase".into()))
            .expect("fields");
        let mut v = list();
        f.apply(&mut v);
        assert_eq!(
            v,
            json!({
                "metadata": {"resourceVersion": "7"},
                "items": [
                    {"metadata": {"name": "a"}, "status": {"phase": "Running"}},
                    {"metadata": {"name": "b"}, "status": {"phase": "Failed"}}
                ]
            })
        );
    }

    #[test]
    fn a_leading_dash_excludes() {
        let f = Fields::parse(Some(&"-items.status.nodes,items.metadata.uid".into())).expect("f");
        let mut v = list();
        f.apply(&mut v);
        assert_eq!(
            v["items"][0],
            json!({"metadata": {"name": "a"}, "status": {"phase": "Running"}})
        );
        assert_eq!(v["metadata"]["resourceVersion"], "7");
    }

    #[test]
    fn stream_fields_are_seen_from_the_object() {
        let f = Fields::parse(Some(
            &"result.type,result.object.metadata.name,result.object.status.phase".into(),
        ))
        .expect("f");
        let mut event = json!({"type": "MODIFIED", "object": {"metadata": {"name": "a", "uid": "1"}, "status": {"phase": "Running", "nodes": {}}}});
        f.under(&["result"]).expect("under result").apply(&mut event);
        assert_eq!(
            event,
            json!({"type": "MODIFIED", "object": {"metadata": {"name": "a"}, "status": {"phase": "Running"}}})
        );
        assert!(Fields::parse(Some(&String::new())).is_none());
        assert!(f.under(&["other"]).is_none());
    }
}
