//! Query strings and bodies as Argo's clients write them: dotted keys
//! (`listOptions.labelSelector`), booleans as `true`/`True`/`1`, JSON
//! bodies whose mistakes are answered in Argo's error shape.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::error::ApiError;
use crate::store::ListQuery;

/// The query string, key → value (the last one wins).
pub type ListParams = HashMap<String, String>;

/// A boolean query value or JSON field, Python-style spellings included.
pub fn is_true(v: Option<&String>) -> bool {
    v.is_some_and(|v| matches!(v.as_str(), "true" | "True" | "TRUE" | "1"))
}

/// Serde: a boolean given as JSON `true` or as the string `"true"`/`"True"`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => matches!(t.as_str(), "true" | "True" | "TRUE" | "1"),
    })
}

/// A JSON request body. One that is not the JSON expected is refused as
/// Argo refuses it — 400, `{"code": 3, "message": …}` — not with a plain
/// text Python clients cannot read.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => Err(ApiError::invalid(rejection.body_text())),
        }
    }
}

/// An optional JSON body: empty means the default.
pub fn optional_json<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid(format!("the request body: {e}")))
}

/// The client's address (`unknown` when not served over TCP, as in tests
/// that call the router directly).
pub struct ClientAddress(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(address(&parts.extensions)))
    }
}

pub fn address(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |axum::extract::ConnectInfo(a)| a.ip().to_string())
}

/// `listOptions.fieldSelector`: `metadata.name=` (exactly that workflow)
/// and `metadata.namespace=` — within the path's namespace only, which is
/// the one the caller was checked against.
pub fn field_selector(params: &ListParams, q: &mut ListQuery) -> Result<(), ApiError> {
    let Some(s) = params.get("listOptions.fieldSelector") else { return Ok(()) };
    for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match term.split_once('=') {
            Some(("metadata.name", v)) => q.name = Some(v.to_string()),
            Some(("metadata.namespace", v)) => {
                if q.namespace.as_ref().is_some_and(|n| n != v) {
                    return Err(ApiError::invalid(format!(
                        "field selector {term:?} names another namespace than the path"
                    )));
                }
                q.namespace = Some(v.to_string());
            }
            _ => {
                return Err(ApiError::invalid(format!(
                    "field selector {term:?} not supported (metadata.name, metadata.namespace)"
                )));
            }
        }
    }
    Ok(())
}
