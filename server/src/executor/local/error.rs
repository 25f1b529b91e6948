//! Why a node could not start, and why a configuration file could not be
//! read. A [`StartError`]'s text is what the user sees as the node's
//! message (`NodeFailedToStart`), so each one names the image, command,
//! secret or path at fault.

use std::path::PathBuf;

/// A node that cannot be started; its `Display` is the node's message.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the container is not valid: {0}")]
    BadContainer(String),

    #[error(
        "image '{image}' is not in Keelson's image table: give the container a `command`, \
         or add the image to the table (see docs/local-executor.md)"
    )]
    UnknownImage { image: String },

    #[error(
        "the container has no `command`, and image '{image}' has neither an entrypoint nor a \
         cmd in Keelson's image table"
    )]
    NoCommand { image: String },

    #[error("{}", not_found(program, image, hint))]
    NotFound { program: String, image: String, hint: Option<&'static str> },

    #[error("command '{program}' (image '{image}') is not an executable file")]
    NotExecutable { program: String, image: String },

    #[error("cannot find Keelson's own executable to run /argosay: {0}")]
    SelfExe(std::io::Error),

    #[error("{kind} '{name}' not found (environment variable {var})")]
    MissingObject { kind: &'static str, name: String, var: String },

    #[error("{kind} '{name}' has no key '{key}' (environment variable {var})")]
    MissingKey { kind: &'static str, name: String, key: String, var: String },

    #[error(
        "environment variable {var}: fieldRef '{path}' has no local value (only metadata.name \
         is supported by the local executor)"
    )]
    UnsupportedFieldRef { var: String, path: String },

    #[error("environment variable {var}: valueFrom.{field} is not supported by the local executor")]
    UnsupportedValueFrom { var: String, field: String },

    #[error(
        "input file '{path}' is outside /tmp: the local executor can only place files in a \
         task's private /tmp"
    )]
    FileOutsideTmp { path: String },

    #[error(
        "path '{path}' is under {dir}, which holds Keelson's own data: the local executor cannot give a task its own copy of it; use another path"
    )]
    OwnDataDir { path: String, dir: String },

    #[error("path '{path}' contains '..', which the local executor refuses")]
    DotDot { path: String },

    #[error("node '{node}' is already running")]
    AlreadyRunning { node: String },

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl StartError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        StartError::Io { what: what.into(), source }
    }
}

fn not_found(program: &str, image: &str, hint: &Option<&'static str>) -> String {
    let mut m = format!(
        "command '{program}' (image '{image}') was not found on this machine's PATH: the local \
         executor runs containers as processes here, so the program must be installed"
    );
    if let Some(h) = hint {
        m.push_str(" (");
        m.push_str(h);
        m.push(')');
    }
    m
}

/// A configuration file (image table, local store) that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}
