//! The audit log: every request that may change something (any method but
//! GET and HEAD) is recorded — when, who, what, the answer's status, from
//! where — in one place, with the journal's next commit, refused ones
//! included. Administrators read it at `GET /api/v1/audit`.

use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

use super::error::ApiError;
use super::query::{ListParams, address};
use crate::auth::guard::Who;
use crate::controller::Controller;
use crate::store::AuditEntry;
use engine::status::Time;

pub async fn record(State(c): State<Controller>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let remote = address(req.extensions());
    let response = next.run(req).await;
    let who = response.extensions().get::<Who>().map_or("anonymous", |w| w.0.as_str());
    c.audit(AuditEntry {
        at: crate::clock::now(),
        who: who.to_string(),
        method,
        path,
        status: i64::from(response.status().as_u16()),
        remote,
    });
    response
}

/// `?since=UNIX_SECONDS&limit=N&user=NAME`: oldest first.
pub async fn list(
    State(c): State<Controller>,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let number = |k: &str, default: i64| -> Result<i64, ApiError> {
        q.get(k).map_or(Ok(default), |v| {
            v.parse().map_err(|_| ApiError::invalid(format!("{k}={v:?} is not a number")))
        })
    };
    let since = Time(number("since", 0)?);
    let limit = number("limit", 1000)?.clamp(1, 10_000);
    let entries = c.store().audit_log(since, limit).await?;
    let items: Vec<Value> = entries
        .iter()
        .filter(|e| q.get("user").is_none_or(|u| &e.who == u))
        .map(|e| {
            json!({
                "at": e.at.to_string(),
                "who": e.who,
                "method": e.method,
                "path": e.path,
                "status": e.status,
                "remote": e.remote,
            })
        })
        .collect();
    Ok(Json(json!({"items": items})))
}
