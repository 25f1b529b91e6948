//! The server's integration tests, in one binary (one link for all of
//! them): real `keelson server` processes, the CLI, real SQLite and
//! PostgreSQL, real processes, a fake Kubernetes API server, Argo's own
//! clients and examples. Each module is one area; `support` is what they
//! share.
//!
//! Argo's examples (`argo_conformance`) take minutes: `make test` runs
//! them on their own, after the rest.

mod support;

mod admission;
mod api;
mod argo_clients;
mod argo_conformance;
mod artifacts;
mod cron;
mod deploy;
mod disk;
mod errors;
mod examples;
mod exec_cli;
mod kubernetes;
mod kubernetes_cluster;
mod lint_cli;
mod local_executor;
mod retention;
mod retry_cli;
mod run_warnings_cli;
mod security;
mod server_process;
mod store;
mod ui;
