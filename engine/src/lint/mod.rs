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
mod expressions;
mod fields;
mod names;
mod not_enforced;
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
            Err(e) => vec![decode_diagnostic(e, &l.node)],
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
        (&a.file, a.position.line, a.position.column).cmp(&(
            &b.file,
            b.position.line,
            b.position.column,
        ))
    });
    report
}

fn decode_diagnostic(e: &DecodeError, node: &Node) -> Diagnostic {
    match e {
        DecodeError::Field { path, message } => {
            let path = narrow_type_error(node, path, message);
            let mut d = Diagnostic::error("type", path.clone(), format!("`{path}`: {message}"));
            if message.contains("invalid type: boolean") {
                d = d.with_help(
                    "unquoted y/n, yes/no, on/off and true/false are booleans in Kubernetes YAML; quote the value to keep it a string",
                );
            }
            d
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

/// serde reports a type error at the nearest enclosing struct when fields
/// are flattened; find the value below it whose kind the message names
/// (`invalid type: boolean …`), so the finding points at it.
fn narrow_type_error(node: &Node, path: &FieldPath, message: &str) -> FieldPath {
    use crate::yaml::NodeKind;
    let Some(found) = message.strip_prefix("invalid type: ") else { return path.clone() };
    let wanted = |k: &NodeKind| match k {
        NodeKind::Bool(_) => found.starts_with("boolean"),
        NodeKind::Int(_) => found.starts_with("integer"),
        NodeKind::Float(_) => found.starts_with("floating"),
        NodeKind::Str { .. } => found.starts_with("string"),
        NodeKind::Seq(_) => found.starts_with("sequence"),
        NodeKind::Map(_) => found.starts_with("map"),
        NodeKind::Null => found.starts_with("null"),
    };
    let Some(start) = node.get(path) else { return path.clone() };
    if wanted(&start.kind) {
        return path.clone();
    }
    // Breadth-first: the shallowest match is the likeliest culprit.
    let mut queue = std::collections::VecDeque::from([(start, path.clone())]);
    while let Some((n, p)) = queue.pop_front() {
        match &n.kind {
            NodeKind::Map(entries) => {
                for (k, _, v) in entries {
                    if wanted(&v.kind) {
                        return p.key(k);
                    }
                    queue.push_back((v, p.key(k)));
                }
            }
            NodeKind::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    if wanted(&v.kind) {
                        return p.index(i);
                    }
                    queue.push_back((v, p.index(i)));
                }
            }
            _ => {}
        }
    }
    path.clone()
}

/// All checks on one typed document.
pub fn check_document(doc: &Document, catalog: &Catalog, options: Options) -> Vec<Diagnostic> {
    let mut ctx = DocCtx::new(doc, catalog);
    fields::check(&mut ctx, options);
    names::check(&mut ctx);
    not_enforced::check(&mut ctx);
    templates::check(&mut ctx);
    calls::check(&mut ctx);
    dag::check(&mut ctx);
    expressions::check(&mut ctx);
    steps::check(&mut ctx);
    variables::check(&mut ctx);
    workflow::check(&mut ctx);
    ctx.finish()
}

#[cfg(test)]
mod tests;
