//! Moving Argo artifacts between a task's files and where they are kept.
//!
//! The engine decides *what* moves and *where to* (complete locations,
//! keys, packing: `engine::run::LaunchSpec`); this crate does the IO:
//! [`Mover::load`] puts an input at its path before a task starts and
//! [`Mover::save`] stores an output after it ends. Objects live in a
//! store reached through `object_store` — Keelson's built-in repository (a
//! directory), S3 and S3-compatible stores, GCS, Azure Blob — opened per
//! location by [`store`]; packing and unpacking are in [`archive`];
//! `http` and `git` inputs are fetched by their own modules.
//! Credentials come from the caller's [`Secrets`], never from a log or a
//! message.

pub mod archive;
pub mod browse;
pub mod delete;
mod git;
mod http;
mod mover;
pub mod store;
pub mod transfer;

use std::path::{Path, PathBuf};

pub use mover::{Limits, Mover};

/// Where a store's credentials come from: Kubernetes-style secrets by
/// name and key (Keelson's sealed secrets, or a cluster's Secrets).
pub trait Secrets: Send + Sync {
    /// The value of `key` in secret `name`; `Err` says why there is none
    /// (without the value of anything).
    fn value(&self, name: &str, key: &str) -> Result<String, String>;
}

/// Why an artifact could not be moved. Messages name the store and key,
/// never a credential.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// An output's path does not exist after the task.
    #[error("{path} does not exist (no such file or directory)")]
    Missing { path: String },
    /// Nothing is stored at the key (nor under it, as a directory).
    #[error("no object at key {key:?} in {store}")]
    NotFound { key: String, store: String },
    /// The store refused or could not be reached.
    #[error("{store}: {message}")]
    Store { store: String, message: String },
    /// The location cannot be used as given.
    #[error("{0}")]
    Location(String),
    /// A credential is missing.
    #[error("{0}")]
    Credentials(String),
    /// An input archive is corrupt, escapes its target or is too big.
    #[error("refusing the archive: {0}")]
    BadArchive(String),
    /// Reading or writing the task's files.
    #[error("{}: {source}", path.display())]
    Local { path: PathBuf, source: std::io::Error },
}

impl ArtifactError {
    pub(crate) fn local(path: &Path, source: std::io::Error) -> ArtifactError {
        ArtifactError::Local { path: path.to_path_buf(), source }
    }
}
