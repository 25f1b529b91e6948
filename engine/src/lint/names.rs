//! Name rules Argo enforces: resource names, template/step/task names,
//! parameter and artifact names.

use std::sync::LazyLock;

use regex::Regex;

use super::context::DocCtx;
use crate::diag::{Diagnostic, FieldPath, PathSeg};
use crate::spec::{Artifact, Parameter};

/// Template, step and task names (Argo's `workflowFieldNameFmt`).
static FIELD_NAME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new("^[a-zA-Z0-9][-a-zA-Z0-9]*$").ok());
/// Parameter and artifact names.
static PARAM_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new("^[-a-zA-Z0-9_]+$").ok());
/// Kubernetes object names (DNS-1123 subdomain).
static OBJECT_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").ok()
});

const FIELD_NAME_MAX: usize = 128;
/// Workflow names end up in pod names and labels (63 characters).
const WORKFLOW_NAME_MAX: usize = 63;

fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(s))
}

pub fn check(ctx: &mut DocCtx<'_>) {
    metadata(ctx);
    let (spec_args, args_path) = (&ctx.spec.arguments, ctx.spec_path.key("arguments"));
    params(ctx, &spec_args.parameters, &args_path.key("parameters"));
    artifacts(ctx, &spec_args.artifacts, &args_path.key("artifacts"));
    for (t, path) in ctx.all_templates() {
        let inline = matches!(path.segments().last(), Some(PathSeg::Key(k)) if k == "inline");
        if t.name.is_empty() && !inline {
            ctx.push(Diagnostic::error(
                "missing-name",
                path.clone(),
                "every template needs a `name`",
            ));
        } else if !t.name.is_empty() {
            field_name(ctx, &t.name, &path.key("name"), "template");
        }
        params(ctx, &t.inputs.parameters, &path.key("inputs").key("parameters"));
        params(ctx, &t.outputs.parameters, &path.key("outputs").key("parameters"));
        artifacts(ctx, &t.inputs.artifacts, &path.key("inputs").key("artifacts"));
        artifacts(ctx, &t.outputs.artifacts, &path.key("outputs").key("artifacts"));
        if let Some(dag) = &t.dag {
            let uses_deps =
                dag.tasks.iter().any(|t| t.dependencies.is_some() || t.depends.is_some());
            for (i, task) in dag.tasks.iter().enumerate() {
                let p = path.key("dag").key("tasks").index(i).key("name");
                field_name(ctx, &task.name, &p, "task");
                // `depends` is an expression: a name starting with a digit
                // would read as a number there.
                if uses_deps && task.name.starts_with(|c: char| c.is_ascii_digit()) {
                    ctx.push(Diagnostic::error(
                        "task-name-digit",
                        p,
                        format!(
                            "task name `{}` cannot begin with a digit in a DAG that uses `depends` or `dependencies`",
                            task.name
                        ),
                    ));
                }
            }
        }
        for (g, group) in t.steps.iter().flatten().enumerate() {
            for (i, step) in group.iter().enumerate() {
                let p = path.key("steps").index(g).index(i).key("name");
                field_name(ctx, &step.name, &p, "step");
            }
        }
    }
}

fn metadata(ctx: &mut DocCtx<'_>) {
    let meta = ctx.doc.metadata();
    let path = FieldPath::root().key("metadata");
    match (&meta.name, &meta.generate_name) {
        (None, None) => ctx.push(Diagnostic::error(
            "missing-name",
            path,
            "`metadata.name` or `metadata.generateName` is required",
        )),
        (Some(name), _) => {
            let limit = if ctx.doc.kind() == "Workflow" { WORKFLOW_NAME_MAX } else { 253 };
            object_name(ctx, name, &path.key("name"), limit);
        }
        (None, Some(prefix)) => {
            // Kubernetes shortens a long prefix before adding its random
            // suffix, so only the characters matter.
            let probe = format!("{prefix}abcde");
            object_name(ctx, &probe, &path.key("generateName"), usize::MAX);
        }
    }
}

fn object_name(ctx: &mut DocCtx<'_>, name: &str, path: &FieldPath, limit: usize) {
    if name.len() > limit {
        ctx.push(Diagnostic::error(
            "name-too-long",
            path.clone(),
            format!("name is {} characters long; at most {limit} are allowed", name.len()),
        ));
    } else if !matches(&OBJECT_NAME, name) {
        ctx.push(Diagnostic::error(
            "invalid-name",
            path.clone(),
            format!(
                "`{name}` is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"
            ),
        ));
    }
}

fn field_name(ctx: &mut DocCtx<'_>, name: &str, path: &FieldPath, what: &str) {
    if name.is_empty() {
        ctx.push(Diagnostic::error(
            "missing-name",
            path.clone(),
            format!("every {what} needs a `name`"),
        ));
    } else if name.len() > FIELD_NAME_MAX {
        ctx.push(Diagnostic::error(
            "name-too-long",
            path.clone(),
            format!(
                "{what} name is {} characters long; at most {FIELD_NAME_MAX} are allowed",
                name.len()
            ),
        ));
    } else if !matches(&FIELD_NAME, name) {
        ctx.push(Diagnostic::error(
            "invalid-name",
            path.clone(),
            format!(
                "{what} name `{name}` must consist of letters, digits and '-', and start with a letter or digit"
            ),
        ));
    }
}

fn params(ctx: &mut DocCtx<'_>, ps: &[Parameter], path: &FieldPath) {
    for (i, p) in ps.iter().enumerate() {
        param_name(ctx, &p.name, &path.index(i).key("name"), "parameter");
    }
}

fn artifacts(ctx: &mut DocCtx<'_>, arts: &[Artifact], path: &FieldPath) {
    for (i, a) in arts.iter().enumerate() {
        param_name(ctx, &a.name, &path.index(i).key("name"), "artifact");
    }
}

fn param_name(ctx: &mut DocCtx<'_>, name: &str, path: &FieldPath, what: &str) {
    if name.is_empty() {
        ctx.push(Diagnostic::error(
            "missing-name",
            path.clone(),
            format!("every {what} needs a `name`"),
        ));
    } else if !matches(&PARAM_NAME, name) {
        ctx.push(Diagnostic::error(
            "invalid-name",
            path.clone(),
            format!("{what} name `{name}` must consist of letters, digits, '_' and '-'"),
        ));
    }
}
