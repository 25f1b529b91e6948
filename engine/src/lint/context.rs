//! What every check needs: the document, its templates by name, the
//! catalog of referenceable templates, and the findings so far.

use crate::diag::{Diagnostic, FieldPath};
use crate::spec::{Call, Document, Template, WorkflowSpec};
pub use crate::spec::{Catalog, RefError};

/// The state shared by the checks of one document.
pub struct DocCtx<'a> {
    pub doc: &'a Document,
    pub spec: &'a WorkflowSpec,
    pub spec_path: FieldPath,
    pub catalog: &'a Catalog,
    /// The spec a `workflowTemplateRef` points at, when it resolves.
    pub referenced: Option<&'a WorkflowSpec>,
    diags: Vec<Diagnostic>,
}

/// How deep inline templates may nest before we stop looking.
const MAX_INLINE_DEPTH: usize = 16;

impl<'a> DocCtx<'a> {
    pub fn new(doc: &'a Document, catalog: &'a Catalog) -> Self {
        let (spec, spec_path) = doc.workflow_spec();
        let referenced = spec
            .workflow_template_ref
            .as_ref()
            .and_then(|r| catalog.get(&r.name, r.cluster_scope))
            .map(|w| &w.spec);
        Self { doc, spec, spec_path, catalog, referenced, diags: Vec::new() }
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn finish(self) -> Vec<Diagnostic> {
        self.diags
    }

    pub fn templates_path(&self) -> FieldPath {
        self.spec_path.key("templates")
    }

    /// A template of this workflow by name (including, for a workflow that
    /// uses `workflowTemplateRef`, the referenced spec's templates).
    pub fn local_template(&self, name: &str) -> Option<&'a Template> {
        self.spec
            .templates
            .iter()
            .chain(self.referenced.into_iter().flat_map(|s| s.templates.iter()))
            .find(|t| t.name == name)
    }

    pub fn local_template_names(&self) -> Vec<&'a str> {
        self.spec
            .templates
            .iter()
            .chain(self.referenced.into_iter().flat_map(|s| s.templates.iter()))
            .map(|t| t.name.as_str())
            .collect()
    }

    /// Every template written in this document with its path: top-level
    /// ones, then inline ones inside tasks, steps and hooks.
    pub fn all_templates(&self) -> Vec<(&'a Template, FieldPath)> {
        let mut out = Vec::new();
        let base = self.templates_path();
        for (i, t) in self.spec.templates.iter().enumerate() {
            collect_inline(t, base.index(i), 0, &mut out);
        }
        out
    }
}

fn collect_inline<'a>(
    t: &'a Template,
    path: FieldPath,
    depth: usize,
    out: &mut Vec<(&'a Template, FieldPath)>,
) {
    out.push((t, path.clone()));
    if depth >= MAX_INLINE_DEPTH {
        return;
    }
    for (call, call_path) in calls_of(t, &path) {
        if let Some(inline) = &call.inline {
            collect_inline(inline, call_path.key("inline"), depth + 1, out);
        }
    }
}

/// Every call a template makes (tasks, steps, their hooks), with paths.
pub fn calls_of<'a>(t: &'a Template, path: &FieldPath) -> Vec<(&'a Call, FieldPath)> {
    let mut out = Vec::new();
    if let Some(dag) = &t.dag {
        for (i, task) in dag.tasks.iter().enumerate() {
            let p = path.key("dag").key("tasks").index(i);
            out.push((&task.call, p.clone()));
            for (name, hook) in &task.flow.hooks {
                out.push((&hook.call, p.key("hooks").key(name)));
            }
        }
    }
    if let Some(groups) = &t.steps {
        for (g, group) in groups.iter().enumerate() {
            for (i, step) in group.iter().enumerate() {
                let p = path.key("steps").index(g).index(i);
                out.push((&step.call, p.clone()));
                for (name, hook) in &step.flow.hooks {
                    out.push((&hook.call, p.key("hooks").key(name)));
                }
            }
        }
    }
    out
}

/// The loop/condition/handler settings of every task and step, with paths.
pub fn flows_of<'a>(
    t: &'a Template,
    path: &FieldPath,
) -> Vec<(&'a crate::spec::CallFlow, FieldPath)> {
    let mut out = Vec::new();
    if let Some(dag) = &t.dag {
        for (i, task) in dag.tasks.iter().enumerate() {
            out.push((&task.flow, path.key("dag").key("tasks").index(i)));
        }
    }
    for (g, group) in t.steps.iter().flatten().enumerate() {
        for (i, step) in group.iter().enumerate() {
            out.push((&step.flow, path.key("steps").index(g).index(i)));
        }
    }
    out
}
