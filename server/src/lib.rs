//! The `server` crate as a library: what the `keelson` binary runs on
//! (executors, the store; the controller and API later). It is a library
//! so integration tests can drive it directly, without the CLI.

pub mod api;
pub mod auth;
pub mod controller;
pub mod cron;
pub mod executor;
pub mod kube;
pub mod metrics;
pub mod runner;
pub mod store;
pub mod timers;
pub mod tls;
pub mod ui;
