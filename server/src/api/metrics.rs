//! `GET /metrics`: Prometheus' text format — what `crate::metrics` counted,
//! and gauges read now: workflows by phase (the store), queue depth and
//! running workflows (the controller).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::error::ApiError;
use crate::controller::Controller;
use crate::metrics::{METRICS, Sample};

pub async fn metrics(State(c): State<Controller>) -> Result<impl IntoResponse, ApiError> {
    let started = std::time::Instant::now();
    let phases = c.store().count_by_phase().await?;
    let query = started.elapsed();
    let (queued, running) = c.queue_depth();
    let gauges = [
        Sample {
            name: "keelson_workflows",
            help: "Workflows in the store, by phase.",
            values: phases
                .into_iter()
                .map(|(p, n)| {
                    let p = if p.is_empty() { "Pending".to_string() } else { p };
                    (format!("phase=\"{p}\""), n as f64)
                })
                .collect(),
        },
        Sample {
            name: "keelson_workflows_queued",
            help: "Workflows waiting for admission (parallelism limits).",
            values: vec![(String::new(), queued as f64)],
        },
        Sample {
            name: "keelson_workflows_running",
            help: "Workflows admitted and running.",
            values: vec![(String::new(), running as f64)],
        },
        Sample {
            name: "keelson_store_query_seconds",
            help: "How long this scrape's count of workflows by phase took.",
            values: vec![(String::new(), query.as_secs_f64())],
        },
    ];
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], METRICS.render(&gauges)))
}
