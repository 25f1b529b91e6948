//! The HTTP API: Argo Server's paths and JSON shapes (so the `argo` CLI,
//! Hera and the SDK can talk to us) for workflows, workflow templates,
//! cron workflows, the archive, logs and watches (also over websockets),
//! plus Keelson's own: sign-in, users, API tokens, the audit log, secrets,
//! metrics and health. Handlers are thin: parse, call the controller or store, shape the
//! answer; errors are mapped in [`error`]. Who may call what is decided
//! before any handler runs, by `auth::guard` from the rules in
//! `auth::policy`; handlers that need the caller take a `Principal`.

mod archived;
mod artifacts;
mod audit;
mod config_maps;
mod crons;
mod error;
mod events;
mod fields;
mod health;
mod logs;
mod metrics;
mod objects;
mod observe;
pub mod query;
mod secrets;
mod session;
mod sockets;
mod stream;
mod templates;
mod tokens;
mod uploads;
mod users;
mod workflows;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post, put};
use serde_json::json;

pub use error::ApiError;
pub use observe::REQUEST_ID;

use crate::auth::{self, Auth};
use crate::controller::Controller;
use crate::cron::Scheduler;

/// `/artifact-files/…` up to the artifact's name; a file inside it may follow.
const ARTIFACT_FILES: &str = "/artifact-files/{namespace}/{kind}/{id}/{node}/{side}/{artifact}";

/// What handlers can reach.
#[derive(Clone)]
pub struct AppState {
    pub controller: Controller,
    pub scheduler: Scheduler,
    pub auth: Auth,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Auth {
        s.auth.clone()
    }
}

impl FromRef<AppState> for Controller {
    fn from_ref(s: &AppState) -> Controller {
        s.controller.clone()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/version", get(version))
        .route("/api/v1/info", get(info))
        .route("/api/v1/login", post(session::login))
        .route("/api/v1/logout", post(session::logout))
        .route("/api/v1/userinfo", get(session::userinfo))
        .route("/api/v1/password", post(session::change_password))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{name}", put(users::update).delete(users::delete))
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/workflows/", get(workflows::list))
        .route("/api/v1/workflows/{namespace}", get(workflows::list).post(workflows::create))
        .route("/api/v1/workflows/{namespace}/submit", post(workflows::submit))
        .route("/api/v1/workflows/{namespace}/lint", post(workflows::lint))
        .route("/api/v1/workflow-templates/{namespace}/lint", post(templates::lint))
        .route("/api/v1/cluster-workflow-templates/lint", post(templates::cluster_lint))
        .route("/api/v1/cron-workflows/{namespace}/lint", post(crons::lint))
        .route(
            "/api/v1/workflows/{namespace}/{name}",
            get(workflows::get).delete(workflows::delete),
        )
        .route("/api/v1/workflows/{namespace}/{name}/log", get(logs::workflow_logs))
        .route("/api/v1/workflows/{namespace}/{name}/node-events", get(workflows::node_events))
        .route("/api/v1/workflows/{namespace}/{name}/{pod}/log", get(logs::pod_logs))
        .route("/api/v1/workflows/{namespace}/{name}/{action}", put(workflows::action))
        .route("/api/v1/archived-workflows", get(archived::list))
        .route("/api/v1/archived-workflows/", get(archived::list))
        .route("/api/v1/archived-workflows-label-keys", get(archived::label_keys))
        .route("/api/v1/archived-workflows-label-values", get(archived::label_values))
        .route("/api/v1/archived-workflows/{uid}", get(archived::get).delete(archived::delete))
        .route("/api/v1/archived-workflows/{uid}/{action}", put(archived::again))
        .route("/ws/workflow-events/", get(sockets::watch))
        .route("/ws/workflow-events/{namespace}", get(sockets::watch))
        .route("/ws/workflows/{namespace}/{name}/log", get(sockets::logs))
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
        .route("/api/v1/cron-schedules/{namespace}", get(crons::next_runs))
        .route(
            "/api/v1/cron-workflows/{namespace}/{name}",
            get(crons::get).put(crons::update).delete(crons::delete),
        )
        .route("/api/v1/cron-workflows/{namespace}/{name}/{action}", put(crons::suspend_or_resume))
        .route("/artifacts/{namespace}/{name}/{node}/{artifact}", get(artifacts::output))
        .route("/input-artifacts/{namespace}/{name}/{node}/{artifact}", get(artifacts::input))
        .route("/artifacts-by-uid/{uid}/{node}/{artifact}", get(artifacts::output_by_uid))
        .route("/input-artifacts-by-uid/{uid}/{node}/{artifact}", get(artifacts::input_by_uid))
        .route(
            "/upload-artifacts/{namespace}/{template}/{artifact}",
            post(uploads::for_template).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/upload-artifacts/{namespace}",
            post(uploads::for_workflow).layer(DefaultBodyLimit::disable()),
        )
        .route(ARTIFACT_FILES, get(artifacts::file))
        .route(&format!("{ARTIFACT_FILES}/"), get(artifacts::file))
        .route(&format!("{ARTIFACT_FILES}/{{*file}}"), get(artifacts::file))
        .route(
            "/api/v1/namespaces/{namespace}/configmaps",
            get(config_maps::list).post(config_maps::create),
        )
        .route(
            "/api/v1/namespaces/{namespace}/configmaps/{name}",
            axum::routing::delete(config_maps::delete),
        )
        .route("/api/v1/namespaces/{namespace}/secrets", get(secrets::list).post(secrets::create))
        .route(
            "/api/v1/namespaces/{namespace}/secrets/{name}",
            axum::routing::delete(secrets::delete),
        )
        // The guard runs after routing (it needs the matched route), for
        // routed requests only; unknown paths are 404 for everyone.
        .route_layer(axum::middleware::from_fn_with_state(state.auth.clone(), auth::guard::guard))
        // Unknown API paths: 404 in Argo's shape, for everyone (after the
        // guard's layer: there is nothing to guard). Other paths are the
        // UI's (`crate::ui`, merged beside this router).
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::not_found("no such API path") }),
        )
        .layer(axum::middleware::from_fn(fields::project))
        .layer(axum::middleware::from_fn_with_state(state.controller.clone(), audit::record))
        .layer(state.auth.session_layer())
        .layer(axum::middleware::from_fn(observe::observe))
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
