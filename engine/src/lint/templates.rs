//! Each template on its own: one type, unique names, inputs and outputs,
//! retry and timing settings that parse, and the template kinds Keelson
//! does not run.

use std::collections::HashSet;

use super::context::DocCtx;
use crate::diag::{Diagnostic, FieldPath};
use crate::duration;
use crate::spec::{IntOrString, Parameter, RETRY_POLICIES, RetryStrategy, Template, TemplateKind};
use crate::suggest;

const KINDS: &str =
    "container, script, dag, steps, suspend, resource, http, plugin, containerSet or data";

pub fn check(ctx: &mut DocCtx<'_>) {
    let mut seen = HashSet::new();
    for (i, t) in ctx.spec.templates.iter().enumerate() {
        let path = ctx.templates_path().index(i);
        if !seen.insert(t.name.as_str()) {
            ctx.push(Diagnostic::error(
                "duplicate-template",
                path.key("name"),
                format!("template name `{}` is used twice", t.name),
            ));
        }
    }
    if let Some(r) = &ctx.spec.retry_strategy {
        retry(ctx, r, &ctx.spec_path.key("retryStrategy"));
    }
    for (t, path) in ctx.all_templates() {
        template(ctx, t, &path);
    }
}

fn template(ctx: &mut DocCtx<'_>, t: &Template, path: &FieldPath) {
    let what = if t.name.is_empty() {
        "this template".to_string()
    } else {
        format!("template `{}`", t.name)
    };
    match t.kinds().as_slice() {
        [] => ctx.push(Diagnostic::error(
            "no-template-type",
            path.clone(),
            format!("{what} does not say what it does: set one of {KINDS}"),
        )),
        [kind] => {
            if !kind.runs_locally() {
                ctx.push(
                    Diagnostic::warning(
                        "unsupported-template",
                        path.key(kind.field()),
                        format!(
                            "Keelson does not run `{}` templates: a workflow that reaches {what} fails there",
                            kind.field()
                        ),
                    )
                    .with_help("container, script, dag, steps and suspend templates run today"),
                );
            }
        }
        [first, second, ..] => ctx.push(Diagnostic::error(
            "multiple-template-types",
            path.key(second.field()),
            format!(
                "{what} sets both `{}` and `{}`; a template does exactly one thing",
                first.field(),
                second.field()
            ),
        )),
    }

    unique_params(ctx, &t.inputs.parameters, &path.key("inputs").key("parameters"));
    unique_params(ctx, &t.outputs.parameters, &path.key("outputs").key("parameters"));
    outputs(ctx, t, path);

    if let Some(r) = &t.retry_strategy {
        retry(ctx, r, &path.key("retryStrategy"));
    }
    if let Some(timeout) = &t.timeout
        && !timeout.contains("{{")
    {
        // Argo refuses a bare number here (unlike suspend durations).
        let bare = timeout.trim().parse::<i64>().is_ok();
        let err = if bare {
            Some(format!("timeout {timeout:?} needs a unit, e.g. \"{timeout}s\""))
        } else {
            duration::parse(timeout).err().map(|e| e.to_string())
        };
        if let Some(message) = err {
            ctx.push(Diagnostic::error("invalid-duration", path.key("timeout"), message));
        }
    }
    let flow = matches!(t.kind(), Some(TemplateKind::Dag | TemplateKind::Steps));
    if t.parallelism.is_some() && !flow && t.kind().is_some() {
        ctx.push(Diagnostic::error(
            "misplaced-field",
            path.key("parallelism"),
            "`parallelism` limits the children of a steps or DAG template; it has no effect here",
        ));
    }
    if t.timeout.is_some() && flow {
        ctx.push(
            Diagnostic::error(
                "misplaced-field",
                path.key("timeout"),
                "`timeout` is only valid on leaf templates (container, script, …); Argo refuses it on steps and DAG templates",
            )
            .with_help("set `timeout` on the templates the steps or tasks run"),
        );
    }
    if t.active_deadline_seconds.is_some() && flow {
        ctx.push(
            Diagnostic::error(
                "misplaced-field",
                path.key("activeDeadlineSeconds"),
                "`activeDeadlineSeconds` is only valid for leaf templates (container, script, …)",
            )
            .with_help("use `timeout` to bound a steps or DAG template"),
        );
    }
    if let Some(d) = t.suspend.as_ref().and_then(|s| s.duration.as_ref()) {
        duration_field(ctx, d, &path.key("suspend").key("duration"));
    }
    int_field(ctx, t.parallelism.as_ref(), &path.key("parallelism"));
    int_field(ctx, t.active_deadline_seconds.as_ref(), &path.key("activeDeadlineSeconds"));
    if let Some(c) = t.container.as_ref().or(t.script.as_ref().map(|s| &s.container)) {
        let field = if t.container.is_some() { "container" } else { "script" };
        if c.image.as_deref().is_none_or(str::is_empty) && ctx.spec.template_defaults.is_none() {
            ctx.push(Diagnostic::error(
                "missing-image",
                path.key(field),
                format!("{what} has no `image`"),
            ));
        }
    }
}

fn unique_params(ctx: &mut DocCtx<'_>, params: &[Parameter], path: &FieldPath) {
    let mut seen = HashSet::new();
    for (i, p) in params.iter().enumerate() {
        if !seen.insert(p.name.as_str()) {
            ctx.push(Diagnostic::error(
                "duplicate-parameter",
                path.index(i).key("name"),
                format!("parameter `{}` is declared twice", p.name),
            ));
        }
    }
}

/// An output parameter must say where its value comes from, in the way
/// its template type can provide it.
fn outputs(ctx: &mut DocCtx<'_>, t: &Template, path: &FieldPath) {
    for (i, p) in t.outputs.parameters.iter().enumerate() {
        let pp = path.key("outputs").key("parameters").index(i);
        let name = &p.name;
        let Some(from) = &p.value_from else {
            if p.value.is_none() {
                ctx.push(Diagnostic::error(
                    "output-without-source",
                    pp,
                    format!("output parameter `{name}` needs `valueFrom` or `value`"),
                ));
            }
            continue;
        };
        if p.value.is_some() {
            ctx.push(Diagnostic::error(
                "output-value-and-source",
                pp.key("value"),
                format!("output parameter `{name}` has both `value` and `valueFrom`; choose one"),
            ));
        }
        let sources = [
            from.path.is_some(),
            from.json_path.is_some(),
            from.jq_filter.is_some(),
            from.parameter.is_some(),
            from.expression.is_some(),
            from.supplied.is_some(),
            from.event.is_some(),
            from.config_map_key_ref.is_some(),
        ];
        let fp = pp.key("valueFrom");
        match sources.iter().filter(|b| **b).count() {
            0 => ctx.push(Diagnostic::error(
                "output-without-source",
                fp.clone(),
                format!("`valueFrom` of output parameter `{name}` names no source: use one of path, jsonPath, jqFilter, parameter, expression, supplied"),
            )),
            1 => {}
            _ => ctx.push(Diagnostic::error(
                "output-multiple-sources",
                fp.clone(),
                format!("`valueFrom` of output parameter `{name}` names several sources; choose one"),
            )),
        }
        let (needs, ok) = match t.kind() {
            Some(TemplateKind::Container | TemplateKind::Script | TemplateKind::ContainerSet) => {
                ("`path`", from.path.is_some())
            }
            Some(TemplateKind::Steps | TemplateKind::Dag) => (
                "`parameter` or `expression`",
                from.parameter.is_some() || from.expression.is_some(),
            ),
            Some(TemplateKind::Resource) => {
                ("`jsonPath` or `jqFilter`", from.json_path.is_some() || from.jq_filter.is_some())
            }
            _ => ("", true),
        };
        if !ok {
            let kind = t.kind().map_or("", TemplateKind::field);
            ctx.push(Diagnostic::error(
                "output-source-for-type",
                fp,
                format!(
                    "output parameter `{name}` of a {kind} template takes its value from {needs}"
                ),
            ));
        }
    }
}

fn retry(ctx: &mut DocCtx<'_>, r: &RetryStrategy, path: &FieldPath) {
    if let Some(policy) = &r.retry_policy
        && !RETRY_POLICIES.contains(&policy.as_str())
    {
        let mut d = Diagnostic::error(
            "invalid-retry-policy",
            path.key("retryPolicy"),
            format!("retryPolicy `{policy}` is not one of {}", RETRY_POLICIES.join(", ")),
        );
        d.help = suggest::help(policy, RETRY_POLICIES.iter().copied());
        ctx.push(d);
    }
    int_field(ctx, r.limit.as_ref(), &path.key("limit"));
    if let Some(b) = &r.backoff {
        let bp = path.key("backoff");
        for (v, name) in
            [(&b.duration, "duration"), (&b.max_duration, "maxDuration"), (&b.cap, "cap")]
        {
            if let Some(v) = v {
                duration_field(ctx, v, &bp.key(name));
            }
        }
        int_field(ctx, b.factor.as_ref(), &bp.key("factor"));
    }
}

/// An integer field that may also be a `{{…}}` tag resolved at run time.
fn int_field(ctx: &mut DocCtx<'_>, v: Option<&IntOrString>, path: &FieldPath) {
    if let Some(IntOrString::String(s)) = v
        && !s.contains("{{")
        && s.trim().parse::<i64>().is_err()
    {
        ctx.push(Diagnostic::error(
            "not-an-integer",
            path.clone(),
            format!("expected an integer (or a `{{{{…}}}}` tag), found {s:?}"),
        ));
    }
}

fn duration_field(ctx: &mut DocCtx<'_>, v: &IntOrString, path: &FieldPath) {
    if let IntOrString::String(s) = v
        && !s.contains("{{")
        && let Err(e) = duration::parse(s)
    {
        ctx.push(Diagnostic::error("invalid-duration", path.clone(), e.to_string()));
    }
}
