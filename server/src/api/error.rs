//! Every API error, mapped in one place to Argo's shape: an HTTP status
//! and `{"code": <gRPC code>, "message": "…"}` (what Hera and the argo CLI
//! read).
//!
//! A caller's own mistake (bad YAML, an unknown name, a wrong password)
//! is answered with its precise message. Anything else — the store, the
//! journal, the cluster, data that no longer reads — is answered with a
//! fixed message and the request's ID: the detail never leaves the
//! server. It travels in the response's extensions ([`Internal`]) to the
//! request-observing middleware (`observe`), which logs it once under
//! the same request ID. A store that does not answer is 503 (Argo's
//! `Unavailable`), so clients know to try again.

use std::fmt::Display;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::observe;
use crate::auth::AuthError;
use crate::controller::{ControllerError, JournalError};
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// The gRPC code Argo's gateway would send.
    pub code: u16,
    /// What the client reads.
    pub message: String,
    /// What went wrong underneath, for the server's log only.
    internal: Option<String>,
}

/// The real error behind a fixed 5xx answer, in the response's extensions
/// for `observe` to log; never serialised.
#[derive(Debug, Clone)]
pub struct Internal(pub String);

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, 3, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, 5, message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, 6, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, 16, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, 7, message)
    }

    /// Aborted (410): a watch's resume point is no longer held.
    pub fn gone(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::GONE, 10, message)
    }

    fn new(status: StatusCode, code: u16, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), internal: None }
    }

    /// Something failed that the caller cannot fix: 500 (`Internal`) with
    /// a fixed message; `detail` goes to the log.
    pub fn internal(detail: impl Display) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 13,
            message: with_request_id("internal error"),
            internal: Some(detail.to_string()),
        }
    }

    /// The store (or the cluster) does not answer: 503 (`Unavailable`),
    /// try again; `detail` goes to the log.
    pub fn unavailable(what: &str, detail: impl Display) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: 14,
            message: with_request_id(&format!("{what} is unavailable; try again shortly")),
            internal: Some(detail.to_string()),
        }
    }

    /// The detail behind a fixed message, if this is one.
    pub fn internal_detail(&self) -> Option<&str> {
        self.internal.as_deref()
    }

    /// The status and the extension every answer made of this error
    /// carries (streams frame the body their own way).
    pub fn response_parts(&self) -> (StatusCode, Option<Internal>) {
        (self.status, self.internal.clone().map(Internal))
    }
}

/// `message; request id X` inside a request, `message` outside one.
fn with_request_id(message: &str) -> String {
    match observe::current_request_id() {
        Some(id) => format!("{message}; request id {id}"),
        None => message.to_string(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"code": self.code, "message": self.message});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(detail) = self.internal {
            response.extensions_mut().insert(Internal(detail));
        }
        response
    }
}

impl From<ControllerError> for ApiError {
    fn from(e: ControllerError) -> Self {
        match e {
            ControllerError::Invalid(m) => ApiError::invalid(m),
            e @ ControllerError::NotFound(_) => ApiError::not_found(e.to_string()),
            ControllerError::ObjectNotFound(m) => ApiError::not_found(m),
            e @ ControllerError::AlreadyExists(_) => ApiError::already_exists(e.to_string()),
            // FailedPrecondition, which Argo's gateway sends as 400.
            ControllerError::Conflict(m) => ApiError::new(StatusCode::BAD_REQUEST, 9, m),
            // The cluster refused what the caller asked (Kubernetes mode).
            ControllerError::Refused(m) => ApiError::new(StatusCode::BAD_REQUEST, 9, m),
            e @ ControllerError::ShuttingDown => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, 14, e.to_string())
            }
            ControllerError::Store(e) => e.into(),
            ControllerError::Journal(e) => e.into(),
            ControllerError::ClusterUnavailable(detail) => {
                ApiError::unavailable("the Kubernetes API server", detail)
            }
            ControllerError::Internal(detail) => ApiError::internal(detail),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => e.into(),
            e @ AuthError::Invalid(_) => ApiError::invalid(e.to_string()),
            e @ AuthError::NoSuchUser(_) => ApiError::not_found(e.to_string()),
            e @ AuthError::WrongCredentials => ApiError::unauthenticated(e.to_string()),
            // ResourceExhausted; the caller adds Retry-After.
            e @ AuthError::TooMany(_) => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, 8, e.to_string())
            }
            AuthError::Internal(detail) => ApiError::internal(format!("authentication: {detail}")),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists { .. } | StoreError::UserExists(_) => {
                ApiError::already_exists(e.to_string())
            }
            e if e.is_unavailable() => ApiError::unavailable("the store", format!("store: {e}")),
            e => ApiError::internal(format!("store: {e}")),
        }
    }
}

impl From<JournalError> for ApiError {
    fn from(e: JournalError) -> Self {
        if e.is_unavailable() {
            ApiError::unavailable("the store", e)
        } else {
            ApiError::internal(e)
        }
    }
}
