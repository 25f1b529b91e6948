//! Workflow-level settings: `spec.arguments`, and CronWorkflow schedules
//! and policies.

use super::context::DocCtx;
use crate::diag::{Diagnostic, FieldPath};
use crate::spec::{CONCURRENCY_POLICIES, Document};
use crate::suggest;

/// CronWorkflow names get a suffix per run; Argo keeps room for it.
const CRON_NAME_MAX: usize = 52;

pub fn check(ctx: &mut DocCtx<'_>) {
    arguments(ctx);
    if let Document::CronWorkflow(c) = ctx.doc {
        let spec = &c.spec;
        let path = FieldPath::root().key("spec");
        if let Some(name) = &c.metadata.name
            && name.len() > CRON_NAME_MAX
        {
            ctx.push(Diagnostic::error(
                    "name-too-long",
                    FieldPath::root().key("metadata").key("name"),
                    format!("a CronWorkflow name may have at most {CRON_NAME_MAX} characters; `{name}` has {}", name.len()),
                ));
        }
        match (&spec.schedule, spec.schedules.is_empty()) {
            (None, true) => ctx.push(Diagnostic::error(
                "missing-schedule",
                path.clone(),
                "a CronWorkflow needs at least one entry in `schedules`",
            )),
            (Some(_), false) => ctx.push(Diagnostic::error(
                "schedule-and-schedules",
                path.key("schedule"),
                "set `schedules` (a list) or the older `schedule`, not both",
            )),
            (Some(s), true) => {
                ctx.push(
                    Diagnostic::warning(
                        "deprecated-field",
                        path.key("schedule"),
                        "`schedule` is Argo 3's field; Argo 4 reads only `schedules`",
                    )
                    .with_help(format!("write `schedules: [\"{s}\"]`")),
                );
                schedule(ctx, s, path.key("schedule"));
            }
            (None, false) => {}
        }
        for (i, s) in spec.schedules.iter().enumerate() {
            schedule(ctx, s, path.key("schedules").index(i));
        }
        if let Some(p) = &spec.concurrency_policy
            && !CONCURRENCY_POLICIES.contains(&p.as_str())
        {
            let mut d = Diagnostic::error(
                "invalid-concurrency-policy",
                path.key("concurrencyPolicy"),
                format!("concurrencyPolicy `{p}` is not one of Allow, Forbid, Replace"),
            );
            d.help = suggest::help(p, CONCURRENCY_POLICIES.iter().copied());
            ctx.push(d);
        }
        if spec.starting_deadline_seconds.is_some_and(|s| s < 0) {
            ctx.push(Diagnostic::error(
                "negative-deadline",
                path.key("startingDeadlineSeconds"),
                "startingDeadlineSeconds cannot be negative",
            ));
        }
    }
}

fn schedule(ctx: &mut DocCtx<'_>, s: &str, path: FieldPath) {
    if let Err(e) = crate::cron::parse(s) {
        ctx.push(Diagnostic::error(
            "invalid-schedule",
            path,
            format!("invalid cron schedule: {e}"),
        ));
    }
}

/// `spec.arguments.parameters`: where values may come from, and `enum`.
fn arguments(ctx: &mut DocCtx<'_>) {
    let path = ctx.spec_path.key("arguments").key("parameters");
    let must_have_value = matches!(ctx.doc, Document::CronWorkflow(_));
    for (i, p) in ctx.spec.arguments.parameters.iter().enumerate() {
        let pp = path.index(i);
        if let Some(from) = &p.value_from {
            let forbidden = [
                (from.path.is_some(), "path"),
                (from.json_path.is_some(), "jsonPath"),
                (from.jq_filter.is_some(), "jqFilter"),
                (from.parameter.is_some(), "parameter"),
                (from.expression.is_some(), "expression"),
            ];
            for (set, field) in forbidden {
                if set {
                    ctx.push(Diagnostic::error(
                        "invalid-argument-source",
                        pp.key("valueFrom").key(field),
                        format!("workflow arguments cannot take `valueFrom.{field}`; they allow only configMapKeyRef, supplied, event and default"),
                    ));
                }
            }
        }
        if p.enum_values.is_empty() {
            if must_have_value && p.value.is_none() && p.value_from.is_none() {
                ctx.push(Diagnostic::error(
                    "missing-value",
                    pp,
                    format!(
                        "parameter `{}` needs a `value`: a CronWorkflow submits itself",
                        p.name
                    ),
                ));
            }
            continue;
        }
        if let Some(v) = &p.value
            && !v.as_str().contains("{{")
            && !p.enum_values.iter().any(|e| e == v)
        {
            let mut d = Diagnostic::error(
                "value-not-in-enum",
                pp.key("value"),
                format!(
                    "value `{v}` of parameter `{}` is not one of its `enum` values: {}",
                    p.name,
                    p.enum_values.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
                ),
            );
            d.help = suggest::help(v.as_str(), p.enum_values.iter().map(|e| e.as_str()));
            ctx.push(d);
        }
    }
}
