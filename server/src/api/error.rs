//! Every API error, mapped in one place to Argo's shape: an HTTP status
//! and `{"code": <gRPC code>, "message": "…"}` (what Hera and the argo CLI
//! read).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::auth::AuthError;
use crate::controller::ControllerError;
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// The gRPC code Argo's gateway would send.
    pub code: u16,
    pub message: String,
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, code: 3, message: message.into() }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::NOT_FOUND, code: 5, message: message.into() }
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::UNAUTHORIZED, code: 16, message: message.into() }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::FORBIDDEN, code: 7, message: message.into() }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, code: 13, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"code": self.code, "message": self.message});
        (self.status, Json(body)).into_response()
    }
}

impl From<ControllerError> for ApiError {
    fn from(e: ControllerError) -> Self {
        let message = e.to_string();
        let (status, code) = match e {
            ControllerError::Invalid(_) => (StatusCode::BAD_REQUEST, 3),
            ControllerError::NotFound(_) => (StatusCode::NOT_FOUND, 5),
            ControllerError::AlreadyExists(_) => (StatusCode::CONFLICT, 6),
            // FailedPrecondition, which Argo's gateway sends as 400.
            ControllerError::Conflict(_) => (StatusCode::BAD_REQUEST, 9),
            ControllerError::ShuttingDown => (StatusCode::SERVICE_UNAVAILABLE, 14),
            ControllerError::Store(e) => return e.into(),
            ControllerError::Journal(_) => (StatusCode::INTERNAL_SERVER_ERROR, 13),
        };
        ApiError { status, code, message }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let message = e.to_string();
        match e {
            AuthError::Store(e) => e.into(),
            AuthError::Invalid(_) => ApiError::invalid(message),
            AuthError::NoSuchUser(_) => ApiError::not_found(message),
            AuthError::WrongCredentials => ApiError::unauthenticated(message),
            // ResourceExhausted; the caller adds Retry-After.
            AuthError::TooMany(_) => {
                ApiError { status: StatusCode::TOO_MANY_REQUESTS, code: 8, message }
            }
            AuthError::Internal(_) => {
                tracing::error!("authentication: {message}");
                ApiError::internal(message)
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists { .. } | StoreError::UserExists(_) => {
                ApiError { status: StatusCode::CONFLICT, code: 6, message: e.to_string() }
            }
            e => {
                tracing::error!("store: {e}");
                ApiError::internal(e.to_string())
            }
        }
    }
}
