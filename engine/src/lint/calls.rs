//! References between templates: `entrypoint`, `onExit`, hooks, and what
//! every task and step calls — by name, by `templateRef` or inline — plus
//! whether the call supplies every input the callee requires.

use super::context::{DocCtx, RefError, calls_of, flows_of};
use crate::diag::{Diagnostic, FieldPath};
use crate::spec::{Call, Document, Template};
use crate::suggest;

pub fn check(ctx: &mut DocCtx<'_>) {
    entrypoint(ctx);
    entrypoint_inputs(ctx);
    hooks_need_expressions(ctx);
    workflow_template_ref(ctx);
    let spec = ctx.spec;
    if let Some(on_exit) = &spec.on_exit {
        let path = ctx.spec_path.key("onExit");
        named_template(ctx, on_exit, &path);
    }
    for (name, hook) in &spec.hooks {
        let path = ctx.spec_path.key("hooks").key(name);
        call(ctx, &hook.call, &path);
    }
    for (t, path) in ctx.all_templates() {
        for (c, call_path) in calls_of(t, &path) {
            call(ctx, c, &call_path);
        }
        for (flow, cpath) in flows_of(t, &path) {
            if let Some(on_exit) = &flow.on_exit {
                named_template(ctx, on_exit, &cpath.key("onExit"));
            }
        }
    }
}

fn entrypoint(ctx: &mut DocCtx<'_>) {
    let spec = ctx.spec;
    let path = ctx.spec_path.key("entrypoint");
    let from_ref = ctx.referenced.and_then(|r| r.entrypoint.as_ref());
    match (&spec.entrypoint, from_ref) {
        (Some(e), _) => {
            named_template(ctx, e, &path);
        }
        (None, Some(_)) => {}
        (None, None) => {
            // A WorkflowTemplate may leave the entrypoint to whoever submits
            // it; a workflow that will run needs one.
            let needs = matches!(ctx.doc, Document::Workflow(_) | Document::CronWorkflow(_))
                && spec.workflow_template_ref.is_none();
            if needs {
                ctx.push(
                    Diagnostic::error(
                        "missing-entrypoint",
                        ctx.spec_path.clone(),
                        "`entrypoint` is required: it names the template the workflow starts with",
                    )
                    .with_help(match spec.templates.first() {
                        Some(t) => format!("add `entrypoint: {}`", t.name),
                        None => "add `entrypoint:` and `templates:`".to_string(),
                    }),
                );
            }
        }
    }
}

fn workflow_template_ref(ctx: &mut DocCtx<'_>) {
    let Some(r) = &ctx.spec.workflow_template_ref else { return };
    let path = ctx.spec_path.key("workflowTemplateRef").key("name");
    if ctx.referenced.is_none() {
        let kind = if r.cluster_scope { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" };
        let mut d = Diagnostic::error(
            "unknown-workflow-template",
            path,
            format!("{kind} `{}` is not among the linted files", r.name),
        );
        d.help = suggest::help(&r.name, ctx.catalog.names(r.cluster_scope))
            .or_else(|| Some("lint it together with this file".to_string()));
        ctx.push(d);
    }
    if !ctx.spec.templates.is_empty() {
        ctx.push(Diagnostic::error(
            "templates-with-ref",
            ctx.templates_path(),
            "`templates` cannot be set together with `workflowTemplateRef`",
        ));
    }
}

/// A reference by name to a template of this workflow.
fn named_template<'a>(ctx: &mut DocCtx<'a>, name: &str, path: &FieldPath) -> Option<&'a Template> {
    if name.contains("{{") {
        // Resolved at run time (e.g. `template: "{{item.tmpl}}"`).
        return None;
    }
    let found = ctx.local_template(name);
    if found.is_none() {
        let names = ctx.local_template_names();
        let mut d = Diagnostic::error(
            "unknown-template",
            path.clone(),
            format!("template `{name}` is not defined in this workflow"),
        );
        d.help = suggest::help(name, names.iter().copied());
        ctx.push(d);
    }
    found
}

fn call(ctx: &mut DocCtx<'_>, c: &Call, path: &FieldPath) {
    let set = [c.template.is_some(), c.template_ref.is_some(), c.inline.is_some()];
    let callee = match set.iter().filter(|b| **b).count() {
        0 => {
            ctx.push(Diagnostic::error(
                "missing-template",
                path.clone(),
                "say what to run with one of `template`, `templateRef` or `inline`",
            ));
            return;
        }
        1 => {
            if let Some(name) = &c.template {
                named_template(ctx, name, &path.key("template"))
            } else if let Some(r) = &c.template_ref {
                let catalog = ctx.catalog;
                match catalog.resolve(r) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        let (field, message, help) = match e {
                            RefError::MissingResource { message, help } => ("name", message, help),
                            RefError::MissingTemplate { message, help } => {
                                ("template", message, help)
                            }
                        };
                        let mut d = Diagnostic::error(
                            "unknown-template-ref",
                            path.key("templateRef").key(field),
                            message,
                        );
                        d.help = help;
                        ctx.push(d);
                        None
                    }
                }
            } else {
                c.inline.as_deref()
            }
        }
        _ => {
            ctx.push(Diagnostic::error(
                "ambiguous-template",
                path.clone(),
                "use only one of `template`, `templateRef` and `inline`",
            ));
            return;
        }
    };
    if let Some(t) = callee {
        arguments_satisfy(ctx, c, t, path);
    }
}

/// Every input parameter without a value or default must be passed.
fn arguments_satisfy(ctx: &mut DocCtx<'_>, c: &Call, callee: &Template, path: &FieldPath) {
    for input in &callee.inputs.parameters {
        let has_own =
            input.value.is_some() || input.default.is_some() || input.value_from.is_some();
        let passed = c.arguments.parameters.iter().any(|a| a.name == input.name);
        if !has_own && !passed {
            ctx.push(
                Diagnostic::error(
                    "missing-argument",
                    path.clone(),
                    format!(
                        "template `{}` needs input parameter `{}`, which is not passed",
                        callee.name, input.name
                    ),
                )
                .with_help(format!(
                    "add `arguments: {{parameters: [{{name: {}, value: …}}]}}`",
                    input.name
                )),
            );
        }
    }
    for (i, a) in c.arguments.parameters.iter().enumerate() {
        if !callee.inputs.parameters.iter().any(|p| p.name == a.name) {
            let mut d = Diagnostic::warning(
                "unused-argument",
                path.key("arguments").key("parameters").index(i).key("name"),
                format!(
                    "template `{}` has no input parameter `{}`; the value is ignored",
                    callee.name, a.name
                ),
            );
            d.help =
                suggest::help(&a.name, callee.inputs.parameters.iter().map(|p| p.name.as_str()));
            ctx.push(d);
        }
    }
}

/// Hooks other than `exit` fire on a condition, which they must state.
pub(super) fn hooks_need_expressions(ctx: &mut DocCtx<'_>) {
    let mut hooks: Vec<(FieldPath, bool)> = Vec::new();
    for (name, h) in &ctx.spec.hooks {
        hooks
            .push((ctx.spec_path.key("hooks").key(name), name != "exit" && h.expression.is_none()));
    }
    for (t, path) in ctx.all_templates() {
        for (flow, cpath) in flows_of(t, &path) {
            for (name, h) in &flow.hooks {
                hooks
                    .push((cpath.key("hooks").key(name), name != "exit" && h.expression.is_none()));
            }
        }
    }
    for (path, missing) in hooks {
        if missing {
            ctx.push(
                Diagnostic::error(
                    "hook-without-expression",
                    path,
                    "a lifecycle hook other than `exit` needs an `expression` saying when it runs",
                )
                .with_help("e.g. `expression: workflow.status == \"Running\"`"),
            );
        }
    }
}

/// A Workflow runs its entrypoint with `spec.arguments`: every input the
/// entrypoint needs must be there.
fn entrypoint_inputs(ctx: &mut DocCtx<'_>) {
    if !matches!(ctx.doc, Document::Workflow(_) | Document::CronWorkflow(_)) {
        return;
    }
    let Some(name) =
        ctx.spec.entrypoint.as_ref().or(ctx.referenced.and_then(|r| r.entrypoint.as_ref()))
    else {
        return;
    };
    let Some(t) = ctx.local_template(name) else { return };
    let given: Vec<&str> = ctx
        .spec
        .arguments
        .parameters
        .iter()
        .chain(ctx.referenced.into_iter().flat_map(|r| r.arguments.parameters.iter()))
        .map(|p| p.name.as_str())
        .collect();
    for input in &t.inputs.parameters {
        let has_own =
            input.value.is_some() || input.default.is_some() || input.value_from.is_some();
        if !has_own && !given.contains(&input.name.as_str()) {
            ctx.push(
                Diagnostic::error(
                    "missing-argument",
                    ctx.spec_path.key("entrypoint"),
                    format!(
                        "entrypoint `{name}` needs input parameter `{}`, which `spec.arguments.parameters` does not give",
                        input.name
                    ),
                )
                .with_help(format!("declare `{}` in `spec.arguments.parameters`", input.name)),
            );
        }
    }
}
