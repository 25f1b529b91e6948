//! The `server` crate as a library: what the `keelson` binary runs on —
//! the store, the controller, the CronWorkflow scheduler, the HTTP API and
//! the web UI it serves, authentication, the executors (local processes
//! and Kubernetes pods) and Kubernetes mode's Workflow resources. It is a
//! library so integration tests can drive it directly, without the CLI.

pub mod api;
pub mod auth;
pub mod clock;
pub mod controller;
pub mod cron;
pub mod executor;
pub mod kube;
pub mod metrics;
pub mod redact;
pub mod runner;
pub mod store;
pub mod timers;
pub mod tls;
pub mod ui;
