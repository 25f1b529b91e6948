//! `GET /healthz` (the process answers) and `GET /readyz` (it can do its
//! work: the store answers and the server is not shutting down), for
//! Kubernetes probes and load balancers. No credentials needed.

use axum::extract::State;
use axum::http::StatusCode;

use crate::controller::Controller;

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn readyz(State(c): State<Controller>) -> (StatusCode, String) {
    if c.is_shutting_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n".into());
    }
    match c.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok\n".into()),
        Err(e) => {
            // Probes are unauthenticated: the driver's words stay here.
            tracing::warn!("not ready: store: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n".into())
        }
    }
}
