//! What the integration tests share: a real `keelson server` process and
//! the CLI (`keelson`), a throwaway PostgreSQL (`postgres`), a fake
//! Kubernetes API server (`fake_kube`), an S3-compatible server (`moto`),
//! workflows several areas run (`fixtures`), and reading a workflow's JSON
//! (`status`).

pub mod fake_kube;
pub mod fixtures;
pub mod keelson;
pub mod moto;
pub mod postgres;
pub mod status;

/// A runtime for a test that is not `async` itself.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}
