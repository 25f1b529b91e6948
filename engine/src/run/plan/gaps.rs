//! The fields of a plan that Keelson accepts but does not enforce
//! ([`crate::spec::not_enforced`]): those of the effective spec and of
//! every template the run can reach, after `templateDefaults`.

use std::collections::BTreeSet;

use super::Templates;
use crate::spec::not_enforced::{NotEnforced, spec_gaps, template_gaps};
use crate::spec::{CallFlow, Template, WorkflowSpec};

/// What the run of `spec` from `entrypoint` would not enforce.
pub fn find(spec: &WorkflowSpec, templates: &Templates, entrypoint: &str) -> Vec<NotEnforced> {
    let mut found: Vec<NotEnforced> =
        spec_gaps(spec).into_iter().map(|gap| NotEnforced { template: None, gap }).collect();
    for key in reachable(spec, templates, entrypoint) {
        let Some(t) = templates.get(&key) else { continue };
        for gap in template_gaps(t) {
            found.push(NotEnforced { template: Some(t.name.clone()), gap });
        }
    }
    found
}

/// The keys of the templates a run can reach: the entrypoint, the
/// workflow's exit handler and hooks, and what they call, as the run
/// resolves them. Templates that are only defined (a WorkflowTemplate's
/// other templates) do not count.
fn reachable(spec: &WorkflowSpec, templates: &Templates, entrypoint: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut work = vec![entrypoint.to_string()];
    let exit =
        spec.hooks.get("exit").and_then(|h| h.call.template.as_ref()).or(spec.on_exit.as_ref());
    if let Some(t) = exit
        && let Ok(k) = templates.named(entrypoint, t)
    {
        work.push(k);
    }
    for (name, h) in spec.hooks.iter().filter(|(n, _)| *n != "exit") {
        if let Ok(k) = templates.resolve(entrypoint, &h.call, &format!("hooks.{name}")) {
            work.push(k);
        }
    }
    while let Some(key) = work.pop() {
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(t) = templates.get(&key) else { continue };
        for (name, call, flow) in children(t) {
            if let Ok(k) = templates.resolve(&key, call, name) {
                work.push(k);
            }
            if let Some(k) = flow.on_exit.as_ref().and_then(|t| templates.named(&key, t).ok()) {
                work.push(k);
            }
            for (h, hook) in &flow.hooks {
                if let Ok(k) = templates.resolve(&key, &hook.call, &format!("{name}.hooks.{h}")) {
                    work.push(k);
                }
            }
        }
    }
    seen
}

/// Each step and task of a template: its name, call and control.
fn children(t: &Template) -> Vec<(&str, &crate::spec::Call, &CallFlow)> {
    let steps = t.steps.iter().flatten().flatten().map(|s| (s.name.as_str(), &s.call, &s.flow));
    let tasks = t.dag.iter().flat_map(|d| &d.tasks).map(|t| (t.name.as_str(), &t.call, &t.flow));
    steps.chain(tasks).collect()
}
