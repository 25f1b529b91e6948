//! The WorkflowTemplates and ClusterWorkflowTemplates a workflow may
//! reference (`templateRef`, `workflowTemplateRef`), by name. Lint builds
//! one from the files it reads; the server from its store.

use std::collections::HashMap;

use super::{Document, Template, TemplateRef, Workflow};

/// WorkflowTemplates and ClusterWorkflowTemplates that `templateRef` and
/// `workflowTemplateRef` may point at.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    namespaced: HashMap<String, Workflow>,
    cluster: HashMap<String, Workflow>,
}

impl Catalog {
    pub fn add(&mut self, doc: &Document) {
        match doc {
            Document::WorkflowTemplate(w) => {
                if let Some(n) = &w.metadata.name {
                    self.namespaced.insert(n.clone(), w.clone());
                }
            }
            Document::ClusterWorkflowTemplate(w) => {
                if let Some(n) = &w.metadata.name {
                    self.cluster.insert(n.clone(), w.clone());
                }
            }
            _ => {}
        }
    }

    pub fn get(&self, name: &str, cluster_scope: bool) -> Option<&Workflow> {
        if cluster_scope { self.cluster.get(name) } else { self.namespaced.get(name) }
    }

    pub fn names(&self, cluster_scope: bool) -> impl Iterator<Item = &str> {
        let m = if cluster_scope { &self.cluster } else { &self.namespaced };
        m.keys().map(String::as_str)
    }

    /// The template a `templateRef` names, or why it cannot be found.
    pub fn resolve(&self, r: &TemplateRef) -> Result<&Template, RefError> {
        let kind = if r.cluster_scope { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" };
        let Some(wt) = self.get(&r.name, r.cluster_scope) else {
            return Err(RefError::MissingResource {
                message: format!("{kind} `{}` is not among the linted files", r.name),
                help: crate::suggest::help(&r.name, self.names(r.cluster_scope)),
            });
        };
        wt.spec.templates.iter().find(|t| t.name == r.template).ok_or_else(|| {
            RefError::MissingTemplate {
                message: format!("{kind} `{}` has no template `{}`", r.name, r.template),
                help: crate::suggest::help(
                    &r.template,
                    wt.spec.templates.iter().map(|t| t.name.as_str()),
                ),
            }
        })
    }
}

/// Why a `templateRef` does not resolve.
#[derive(Debug, Clone)]
pub enum RefError {
    MissingResource { message: String, help: Option<String> },
    MissingTemplate { message: String, help: Option<String> },
}
