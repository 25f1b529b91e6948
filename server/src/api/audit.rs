//! The audit log: every request that may change something (any method but
//! GET and HEAD) is recorded — when, who, what, the answer's status, from
//! where — in one place, with the journal's next commit. "Who" is
//! `anonymous` until authentication arrives (issue 5).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::controller::Controller;
use crate::store::AuditEntry;

pub async fn record(State(c): State<Controller>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let remote = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |ConnectInfo(a)| a.to_string());
    let response = next.run(req).await;
    c.audit(AuditEntry {
        at: crate::runner::now(),
        who: "anonymous".into(),
        method,
        path,
        status: i64::from(response.status().as_u16()),
        remote,
    });
    response
}
