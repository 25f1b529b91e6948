//! `keelson lint`: every check Keelson makes on a spec before running it.
//!
//! Input is a set of source files (so templates referenced with
//! `templateRef`/`workflowTemplateRef` resolve against each other, as
//! `argo lint` does); output is a [`Report`] of findings with file, line,
//! column and field path. Each submodule owns one family of checks and
//! reports [`Diagnostic`]s by path; this module turns paths into positions.

mod calls;
mod context;
mod dag;
mod fields;
mod names;
mod steps;
mod templates;
mod variables;
mod workflow;

use serde::Serialize;

pub use context::Catalog;
use context::DocCtx;

use crate::diag::{Diagnostic, FieldPath, Position, Severity};
use crate::spec::{self, DecodeError, Document};
use crate::yaml::{self, Limits, Node};

/// A file to lint.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Unknown fields are errors rather than warnings (`argo lint --strict`).
    pub strict: bool,
}

/// One finding, located.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub file: String,
    #[serde(flatten)]
    pub position: Position,
    /// Index of the YAML document inside the file (0-based).
    pub document: usize,
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

/// What lint read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentSummary {
    pub file: String,
    pub document: usize,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub documents: Vec<DocumentSummary>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.diagnostic.severity == severity).count()
    }

    /// Whether lint should exit non-zero.
    pub fn failed(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// A document that loaded, typed or not.
struct Loaded {
    file: usize,
    index: usize,
    node: Node,
    decoded: Result<Document, DecodeError>,
}

/// Lint `sources` together. `extra` holds templates known from elsewhere
/// (the server's store) for reference resolution.
pub fn lint(sources: &[Source], extra: &Catalog, options: Options) -> Report {
    let mut report = Report::default();
    let mut loaded = Vec::new();
    for (file, source) in sources.iter().enumerate() {
        match yaml::load_str(&source.text, Limits::default()) {
            Ok(docs) => {
                if docs.is_empty() {
                    report.findings.push(Finding {
                        file: source.name.clone(),
                        position: Position { line: 1, column: 1 },
                        document: 0,
                        diagnostic: Diagnostic::warning(
                            "empty-file",
                            FieldPath::root(),
                            "the file holds no YAML document",
                        ),
                    });
                }
                for (index, node) in docs.into_iter().enumerate() {
                    let decoded = spec::decode(node.to_json());
                    loaded.push(Loaded { file, index, node, decoded });
                }
            }
            Err(e) => report.findings.push(Finding {
                file: source.name.clone(),
                position: e.position,
                document: 0,
                diagnostic: Diagnostic::error("yaml", FieldPath::root(), e.message),
            }),
        }
    }

    let mut catalog = extra.clone();
    for l in &loaded {
        if let Ok(doc) = &l.decoded {
            catalog.add(doc);
        }
    }

    for l in &loaded {
        let source = &sources[l.file];
        let diags = match &l.decoded {
            Ok(doc) => {
                report.documents.push(DocumentSummary {
                    file: source.name.clone(),
                    document: l.index,
                    kind: doc.kind().to_string(),
                    name: doc.display_name(),
                });
                check_document(doc, &catalog, options)
            }
            Err(e) => vec![decode_diagnostic(e)],
        };
        for d in diags {
            let position = l.node.locate(&d.path, d.within);
            report.findings.push(Finding {
                file: source.name.clone(),
                position,
                document: l.index,
                diagnostic: d,
            });
        }
    }
    report.findings.sort_by(|a, b| {
        (&a.file, a.position.line, a.position.column).cmp(&(&b.file, b.position.line, b.position.column))
    });
    report
}

fn decode_diagnostic(e: &DecodeError) -> Diagnostic {
    match e {
        DecodeError::Field { path, message } => {
            Diagnostic::error("type", path.clone(), format!("`{path}`: {message}"))
        }
        DecodeError::Kind { .. } => {
            Diagnostic::warning("not-a-workflow", FieldPath::root().key("kind"), e.to_string())
                .with_help("Keelson skips this document")
        }
        DecodeError::ApiVersion { .. } => {
            Diagnostic::error("api-version", FieldPath::root().key("apiVersion"), e.to_string())
        }
        DecodeError::NotAResource => {
            Diagnostic::error("not-a-resource", FieldPath::root(), e.to_string())
        }
    }
}

/// All checks on one typed document.
pub fn check_document(doc: &Document, catalog: &Catalog, options: Options) -> Vec<Diagnostic> {
    let mut ctx = DocCtx::new(doc, catalog);
    fields::check(&mut ctx, options);
    names::check(&mut ctx);
    templates::check(&mut ctx);
    calls::check(&mut ctx);
    dag::check(&mut ctx);
    steps::check(&mut ctx);
    variables::check(&mut ctx);
    workflow::check(&mut ctx);
    ctx.finish()
}

#[cfg(test)]
mod tests;
