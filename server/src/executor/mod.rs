//! Executors run the engine's [`LaunchSpec`](engine::run::LaunchSpec)s and
//! report back [`Event`](engine::run::Event)s. Only the local one exists so
//! far: each node becomes a process on this machine (see
//! `docs/local-executor.md`).

pub mod local;

pub use local::{
    ImageEntry, ImageTable, Isolation, LoadError, LocalConfig, LocalExecutor, LocalStore, LogLine,
    Stream,
};
