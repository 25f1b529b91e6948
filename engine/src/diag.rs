//! Diagnostics: what a check found, where, and how bad it is.
//!
//! A diagnostic names a field by its path inside the document
//! (`spec.templates[3].dag.tasks[1].dependencies[0]`); the loader that knows
//! the source text turns that path into a line and column.

use std::fmt;

use serde::Serialize;

/// How bad a finding is. Errors make `keelson lint` exit 1; warnings only
/// do so under `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// Where a field sits inside a document, e.g. `spec.templates[3].name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<PathSeg>);

impl FieldPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a mapping key.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathSeg::Key(k.to_string()));
        p
    }

    /// This path extended by a sequence index.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathSeg::Index(i));
        p
    }

    /// This path extended by all of `rest`.
    pub fn join(&self, rest: &FieldPath) -> Self {
        let mut p = self.clone();
        p.0.extend(rest.0.iter().cloned());
        p
    }

    pub fn segments(&self) -> &[PathSeg] {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                // Keys that would make the dotted form ambiguous are quoted.
                PathSeg::Key(k) if k.is_empty() || k.contains(['.', '[', ']', ' ']) => {
                    write!(f, "[{k:?}]")?;
                }
                PathSeg::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSeg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A position in a source file, 1-based like editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A finding about one field of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable rule name, e.g. `unknown-template`, for `--output json` users.
    pub code: &'static str,
    pub path: FieldPath,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Byte range inside the field's scalar value that the finding is about
    /// (e.g. the bad token of an expression), when narrower than the field.
    #[serde(skip)]
    pub within: Option<(usize, usize)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            path,
            message: message.into(),
            help: None,
            within: None,
        }
    }

    pub fn warning(code: &'static str, path: FieldPath, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(code, path, message) }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Narrow the finding to bytes `start..end` of the field's string value.
    pub fn within(mut self, start: usize, end: usize) -> Self {
        self.within = Some((start, end.max(start)));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_kubectl_explain() {
        let p = FieldPath::root()
            .key("spec")
            .key("templates")
            .index(3)
            .key("dag")
            .key("tasks")
            .index(1)
            .key("dependencies")
            .index(0);
        assert_eq!(p.to_string(), "spec.templates[3].dag.tasks[1].dependencies[0]");
        let q = FieldPath::root().key("metadata").key("labels").key("a.b/c");
        assert_eq!(q.to_string(), "metadata.labels[\"a.b/c\"]");
    }
}
