//! Cron workflows: the namespace's CronWorkflows
//! (`GET /api/v1/cron-workflows/{ns}`), when each runs next
//! (`GET /api/v1/cron-schedules/{ns}`, Keelson's own: the server knows
//! the time zones' rules, so the page need not carry them), and suspend
//! or resume.

use engine::spec::CronWorkflowSpec;
use engine::status::Time;
use serde::{Deserialize, Serialize};

use super::ObjectMeta;
#[cfg(feature = "hydrate")]
use super::{Me, Method, send_signed};

/// The path of the namespace's CronWorkflows.
pub fn crons_path(namespace: &str) -> String {
    format!("/api/v1/cron-workflows/{namespace}")
}

/// The path of when the namespace's CronWorkflows run next.
pub fn schedules_path(namespace: &str) -> String {
    format!("/api/v1/cron-schedules/{namespace}")
}

/// A CronWorkflow: its name, its spec (the engine's), what it has run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CronWorkflow {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: CronWorkflowSpec,
    #[serde(default)]
    pub status: CronStatus,
}

/// A CronWorkflow's `status`: when it last started a run, and the runs
/// going now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronStatus {
    #[serde(default)]
    pub last_scheduled_time: Option<Time>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub active: Vec<ObjectReference>,
}

/// A reference to an object (a run the CronWorkflow started).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectReference {
    #[serde(default)]
    pub name: String,
}

/// When the namespace's CronWorkflows run next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronSchedules {
    #[serde(default, deserialize_with = "super::each_readable")]
    pub items: Vec<NextRuns>,
}

/// One CronWorkflow's next runs, or why it has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NextRuns {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "super::nullable")]
    pub next_runs: Vec<Time>,
    #[serde(default)]
    pub error: Option<String>,
}

/// Suspend (`true`) or resume CronWorkflow `name`: it as it now is.
#[cfg(feature = "hydrate")]
pub async fn set_suspended(
    known: leptos::prelude::RwSignal<Option<Me>>,
    namespace: &str,
    name: &str,
    suspend: bool,
) -> Result<CronWorkflow, String> {
    let action = if suspend { "suspend" } else { "resume" };
    let path = format!("{}/{name}/{action}", crons_path(namespace));
    send_signed(known, Method::Put, &path, &()).await
}
