//! The HTTP API: Argo Server's paths and JSON shapes (so the `argo` CLI,
//! Hera and the SDK can talk to us), the subset the `keelson` CLI needs so
//! far. Handlers are thin: parse, call the controller or store, shape the
//! answer; errors are mapped in [`error`]. Authentication comes with the
//! API issue (issue 5): bind to loopback until then.

mod audit;
mod crons;
mod error;
mod events;
mod logs;
mod objects;
mod query;
mod secrets;
mod stream;
mod templates;
mod workflows;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post, put};
use serde_json::json;

pub use error::ApiError;

use crate::controller::Controller;
use crate::cron::Scheduler;

/// What handlers can reach.
#[derive(Clone)]
pub struct AppState {
    pub controller: Controller,
    pub scheduler: Scheduler,
}

impl FromRef<AppState> for Controller {
    fn from_ref(s: &AppState) -> Controller {
        s.controller.clone()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/version", get(version))
        .route("/api/v1/info", get(info))
        .route("/api/v1/workflows/", get(workflows::list))
        .route("/api/v1/workflows/{namespace}", get(workflows::list).post(workflows::create))
        .route("/api/v1/workflows/{namespace}/submit", post(workflows::submit))
        .route(
            "/api/v1/workflows/{namespace}/{name}",
            get(workflows::get).delete(workflows::delete),
        )
        .route("/api/v1/workflows/{namespace}/{name}/log", get(logs::workflow_logs))
        .route("/api/v1/workflows/{namespace}/{name}/{action}", put(workflows::action))
        .route("/api/v1/workflow-events/", get(events::watch))
        .route("/api/v1/workflow-events/{namespace}", get(events::watch))
        .route(
            "/api/v1/workflow-templates/{namespace}",
            get(templates::list).post(templates::create),
        )
        .route(
            "/api/v1/workflow-templates/{namespace}/{name}",
            get(templates::get).put(templates::update).delete(templates::delete),
        )
        .route(
            "/api/v1/cluster-workflow-templates",
            get(templates::cluster_list).post(templates::cluster_create),
        )
        .route(
            "/api/v1/cluster-workflow-templates/{name}",
            get(templates::cluster_get)
                .put(templates::cluster_update)
                .delete(templates::cluster_delete),
        )
        .route("/api/v1/cron-workflows/{namespace}", get(crons::list).post(crons::create))
        .route(
            "/api/v1/cron-workflows/{namespace}/{name}",
            get(crons::get).put(crons::update).delete(crons::delete),
        )
        .route("/api/v1/cron-workflows/{namespace}/{name}/{action}", put(crons::suspend_or_resume))
        .route("/api/v1/namespaces/{namespace}/secrets", get(secrets::list).post(secrets::create))
        .route(
            "/api/v1/namespaces/{namespace}/secrets/{name}",
            axum::routing::delete(secrets::delete),
        )
        .fallback(|| async { ApiError::not_found("no such API path") })
        .layer(axum::middleware::from_fn_with_state(state.controller.clone(), audit::record))
        .with_state(state)
}

/// `GET /api/v1/version`: all eight string fields, as Hera requires.
async fn version() -> axum::Json<serde_json::Value> {
    let v = env!("CARGO_PKG_VERSION");
    axum::Json(json!({
        "version": format!("v{v}"),
        "buildDate": "",
        "gitCommit": "",
        "gitTag": format!("v{v}"),
        "gitTreeState": "",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
    }))
}

async fn info() -> axum::Json<serde_json::Value> {
    axum::Json(json!({"managedNamespace": "", "links": [], "modals": {}}))
}
