//! Every template a run can reach, under one key each: the workflow's own
//! by name, those of a referenced (Cluster)WorkflowTemplate as
//! `wft:<name>/<template>` / `cwft:<name>/<template>`, inline templates as
//! `<parent key>/inline:<step or task>`. A template's plain `template:`
//! references resolve in the scope it came from — inside a
//! WorkflowTemplate, its siblings — as Argo's template context does.

use std::collections::BTreeMap;

use super::PlanError;
use crate::spec::{Call, Catalog, Template, TemplateRef};

#[derive(Debug, Clone, Default)]
pub struct Templates {
    by_key: BTreeMap<String, Template>,
    /// Key → the prefix its plain references resolve under.
    scope: BTreeMap<String, String>,
}

impl Templates {
    /// The workflow's templates, plus everything reachable from them
    /// through `templateRef` and `inline`.
    pub fn collect(own: &[Template], catalog: &Catalog) -> Result<Templates, PlanError> {
        let mut t = Templates::default();
        let mut work: Vec<String> = Vec::new();
        for tmpl in own {
            t.insert(tmpl.name.clone(), String::new(), tmpl.clone(), &mut work);
        }
        while let Some(key) = work.pop() {
            let Some(tmpl) = t.by_key.get(&key).cloned() else { continue };
            for (name, call) in calls(&tmpl) {
                let name = name.as_str();
                if let Some(r) = &call.template_ref {
                    t.add_catalog_entry(r, catalog, &mut work)?;
                }
                if let Some(inline) = &call.inline {
                    let scope = t.scope.get(&key).cloned().unwrap_or_default();
                    let mut inline = (**inline).clone();
                    if inline.name.is_empty() {
                        inline.name = name.to_string();
                    }
                    t.insert(inline_key(&key, name), scope, inline, &mut work);
                }
            }
        }
        Ok(t)
    }

    /// Every template, in key order.
    pub fn iter(&self) -> impl Iterator<Item = &Template> {
        self.by_key.values()
    }

    fn insert(&mut self, key: String, scope: String, t: Template, work: &mut Vec<String>) {
        if self.by_key.contains_key(&key) {
            return;
        }
        self.by_key.insert(key.clone(), t);
        self.scope.insert(key.clone(), scope);
        work.push(key);
    }

    /// All templates of the referenced resource, so that their own plain
    /// references resolve among their siblings.
    fn add_catalog_entry(
        &mut self,
        r: &TemplateRef,
        catalog: &Catalog,
        work: &mut Vec<String>,
    ) -> Result<(), PlanError> {
        let prefix = ref_prefix(&r.name, r.cluster_scope);
        if self.scope.values().any(|s| *s == prefix) {
            return Ok(());
        }
        let Some(wt) = catalog.get(&r.name, r.cluster_scope) else {
            let kind =
                if r.cluster_scope { "clusterworkflowtemplates" } else { "workflowtemplates" };
            return Err(PlanError(format!("{kind}.argoproj.io \"{}\" not found", r.name)));
        };
        for tmpl in &wt.spec.templates {
            let key = format!("{prefix}{}", tmpl.name);
            self.insert(key, prefix.clone(), tmpl.clone(), work);
        }
        Ok(())
    }

    /// The WorkflowTemplates (`false`) and ClusterWorkflowTemplates
    /// (`true`) whose templates were pulled in, by name.
    pub fn resources(&self) -> std::collections::BTreeSet<(String, bool)> {
        self.scope
            .values()
            .filter_map(|prefix| {
                let (cluster, rest) = match prefix.split_once(':')? {
                    ("wft", rest) => (false, rest),
                    ("cwft", rest) => (true, rest),
                    _ => return None,
                };
                Some((rest.strip_suffix('/')?.to_string(), cluster))
            })
            .collect()
    }

    pub fn get(&self, key: &str) -> Option<&Template> {
        self.by_key.get(key)
    }

    /// Replace every template (after `templateDefaults` are applied).
    pub fn map(
        &mut self,
        f: impl Fn(&Template) -> Result<Template, PlanError>,
    ) -> Result<(), PlanError> {
        for t in self.by_key.values_mut() {
            *t = f(t)?;
        }
        Ok(())
    }

    /// The key of the template `call` (named `name` in its parent) runs,
    /// called from the template `from`.
    pub fn resolve(&self, from: &str, call: &Call, name: &str) -> Result<String, String> {
        if let Some(r) = &call.template_ref {
            let key = format!("{}{}", ref_prefix(&r.name, r.cluster_scope), r.template);
            return if self.by_key.contains_key(&key) {
                Ok(key)
            } else {
                let kind =
                    if r.cluster_scope { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" };
                Err(format!("template {} not found in {kind} {}", r.template, r.name))
            };
        }
        if call.inline.is_some() {
            return Ok(inline_key(from, name));
        }
        match &call.template {
            Some(t) => self.named(from, t),
            None => Err(format!("'{name}' names no template, templateRef or inline template")),
        }
    }

    /// A plain template name, as seen from the template `from`.
    pub fn named(&self, from: &str, template: &str) -> Result<String, String> {
        let scope = self.scope.get(from).map(String::as_str).unwrap_or("");
        let key = format!("{scope}{template}");
        if self.by_key.contains_key(&key) {
            Ok(key)
        } else {
            Err(format!("template name '{template}' undefined"))
        }
    }

    /// The `templateRef` a key stands for, for the node's `templateRef`.
    pub fn template_ref(&self, key: &str) -> Option<TemplateRef> {
        let (cluster, rest) = if let Some(r) = key.strip_prefix("cwft:") {
            (true, r)
        } else {
            (false, key.strip_prefix("wft:")?)
        };
        let (name, template) = rest.split_once('/')?;
        if template.contains('/') {
            return None;
        }
        Some(TemplateRef {
            name: name.to_string(),
            template: template.to_string(),
            cluster_scope: cluster,
            ..Default::default()
        })
    }
}

fn ref_prefix(name: &str, cluster: bool) -> String {
    if cluster { format!("cwft:{name}/") } else { format!("wft:{name}/") }
}

fn inline_key(parent: &str, name: &str) -> String {
    format!("{parent}/inline:{name}")
}

/// Each step or task of a template with the call it makes (hooks too).
/// Hooks are named `<step>.hooks.<hook>`, which is also the name their
/// inline template is registered under.
fn calls(t: &Template) -> Vec<(String, &Call)> {
    let mut out = Vec::new();
    let steps = t.steps.iter().flatten().flatten().map(|s| (&s.name, &s.call, &s.flow));
    let tasks = t.dag.iter().flat_map(|d| &d.tasks).map(|t| (&t.name, &t.call, &t.flow));
    for (name, call, flow) in steps.chain(tasks) {
        out.push((name.clone(), call));
        for (h, hook) in &flow.hooks {
            out.push((format!("{name}.hooks.{h}"), &hook.call));
        }
    }
    out
}
