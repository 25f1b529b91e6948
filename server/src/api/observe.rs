//! What every request leaves behind: a request ID (the client's
//! `X-Request-Id`, or a new one) on the response and on every log line
//! of the request (a tracing span), its latency and status in the
//! metrics, by route pattern, and — for an answer that hid an internal
//! error behind a fixed message — that error in the log, once, with the
//! request ID the client was given.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::error::Internal;
use crate::metrics::METRICS;

pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    /// The ID of the request being answered, for messages that name it.
    static CURRENT: String;
}

/// The ID of the request this task is answering, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Run `work` as part of request `id` (a websocket's task, after the
/// upgrade answered): messages it makes name that ID.
pub async fn within<F: std::future::Future>(id: String, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// A request's ID, in its extensions, for work that outlives the request
/// task (a websocket's).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub async fn observe(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map_or_else(new_id, str::to_string);
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let span = tracing::info_span!("request", id = %id, method = %method, path = %req.uri().path());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = CURRENT.scope(id.clone(), next.run(req)).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    span.in_scope(|| {
        if let Some(Internal(detail)) = response.extensions_mut().remove::<Internal>() {
            tracing::error!(status = status.as_u16(), "{detail}");
        }
        tracing::debug!(status = status.as_u16(), ms = elapsed.as_millis() as u64, "answered")
    });
    let m = method.as_str();
    METRICS.http_duration.get(&[("method", m), ("route", &route)]).observe(elapsed);
    METRICS.http_requests.get(&[("method", m), ("route", &route), ("code", status.as_str())]).inc();
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    response
}

fn new_id() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::getrandom(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
