//! The graph of a template before it runs (Argo cannot show this, issue
//! #8646): the entrypoint's DAG tasks with their dependencies, or its
//! steps group by group, then the exit handler. Loops are one box marked
//! with how they fan out; a task calling another DAG or steps template is
//! one box drawn as a template.

use std::collections::HashMap;

use super::workflow::{Drawing, Shape, Shown};
use crate::depends;
use crate::spec::{Call, CallFlow, Template, WorkflowSpec};

impl Drawing {
    /// The drawing of `spec`'s entrypoint (or of `entrypoint` if given);
    /// `None` if there is no such template.
    pub fn of_template(spec: &WorkflowSpec, entrypoint: Option<&str>) -> Option<Drawing> {
        let name = entrypoint.or(spec.entrypoint.as_deref())?;
        let templates: HashMap<&str, &Template> =
            spec.templates.iter().map(|t| (t.name.as_str(), t)).collect();
        let entry = templates.get(name)?;
        let mut d = Drawing::default();
        let root =
            d.push_shown(format!("template:{name}"), name.to_string(), Shape::Template, name);
        let mut last: Vec<usize> = Vec::new();
        if let Some(dag) = &entry.dag {
            let slots: HashMap<&str, usize> = dag
                .tasks
                .iter()
                .map(|t| {
                    let label = with_loop(&t.name, &t.flow);
                    let shape = shape_of(&t.call, &templates);
                    let key = format!("task:{}", t.name);
                    (t.name.as_str(), d.push_shown(key, label, shape, &called(&t.call)))
                })
                .collect();
            let mut feeds = vec![false; d.nodes.len()];
            for t in &dag.tasks {
                let me = slots[t.name.as_str()];
                let mut upstream: Vec<String> = t.dependencies.clone().unwrap_or_default();
                if let Some(Ok(parsed)) = t.depends.as_deref().map(depends::parse) {
                    upstream.extend(parsed.tasks().into_iter().map(|(n, _)| n.to_string()));
                }
                let mut any = false;
                for up in &upstream {
                    if let Some(&from) = slots.get(up.as_str())
                        && !d.edges.contains(&(from, me))
                    {
                        d.edges.push((from, me));
                        feeds[from] = true;
                        any = true;
                    }
                }
                if !any {
                    d.edges.push((root, me));
                }
            }
            last =
                dag.tasks.iter().map(|t| slots[t.name.as_str()]).filter(|&v| !feeds[v]).collect();
        } else if let Some(groups) = &entry.steps {
            let mut before = vec![root];
            for (i, group) in groups.iter().enumerate() {
                let dot = d.push_shown(format!("group:{i}"), format!("[{i}]"), Shape::Group, "");
                for &b in &before {
                    d.edges.push((b, dot));
                }
                before = group
                    .iter()
                    .map(|s| {
                        let label = with_loop(&s.name, &s.flow);
                        let shape = shape_of(&s.call, &templates);
                        let key = format!("step:{i}:{}", s.name);
                        let v = d.push_shown(key, label, shape, &called(&s.call));
                        d.edges.push((dot, v));
                        v
                    })
                    .collect();
                if before.is_empty() {
                    before = vec![dot];
                }
            }
            last = before;
        }
        if last.is_empty() {
            last = vec![root];
        }
        if let Some(handler) = &spec.on_exit {
            let exit =
                d.push_shown("onExit".into(), format!("onExit: {handler}"), Shape::Task, handler);
            for a in last {
                d.edges.push((a, exit));
            }
        }
        Some(d)
    }

    fn push_shown(&mut self, key: String, label: String, shape: Shape, template: &str) -> usize {
        self.nodes.push(Shown {
            key,
            label,
            shape,
            template: template.to_string(),
            kind: "",
            ghost: false,
        });
        self.nodes.len() - 1
    }
}

/// A task that calls a DAG or steps template of the same spec is drawn as
/// a template box.
pub(super) fn shape_of(call: &Call, templates: &HashMap<&str, &Template>) -> Shape {
    let called = call.template.as_deref().and_then(|t| templates.get(t));
    match called {
        Some(t) if t.dag.is_some() || t.steps.is_some() => Shape::Template,
        _ => Shape::Task,
    }
}

/// The template a task or step calls (here or through `templateRef`).
pub(super) fn called(call: &Call) -> String {
    call.template
        .clone()
        .or_else(|| call.template_ref.as_ref().map(|r| r.template.clone()))
        .unwrap_or_default()
}

/// `name`, marked with how it fans out when it loops.
pub(super) fn with_loop(name: &str, flow: &CallFlow) -> String {
    if let Some(items) = &flow.with_items {
        format!("{name} ×{}", items.len())
    } else if flow.with_param.is_some() {
        format!("{name} ×withParam")
    } else if flow.with_sequence.is_some() {
        format!("{name} ×withSequence")
    } else {
        name.to_string()
    }
}
