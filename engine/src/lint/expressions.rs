//! Fields that hold an expr-lang expression Argo evaluates after `{{…}}`
//! substitution: retry `expression`, lifecycle hook `expression`, and a
//! CronWorkflow's `when`.

use super::context::{DocCtx, flows_of};
use crate::diag::{Diagnostic, FieldPath};
use crate::tags::{self, TagKind};

pub fn check(ctx: &mut DocCtx<'_>) {
    let mut fields: Vec<(String, FieldPath, &'static str)> = Vec::new();
    if let Some(r) = &ctx.spec.retry_strategy
        && let Some(e) = &r.expression
    {
        fields.push((e.clone(), ctx.spec_path.key("retryStrategy").key("expression"), "retry"));
    }
    for (name, h) in &ctx.spec.hooks {
        if let Some(e) = &h.expression {
            fields.push((
                e.clone(),
                ctx.spec_path.key("hooks").key(name).key("expression"),
                "hook",
            ));
        }
    }
    for (t, path) in ctx.all_templates() {
        if let Some(e) = t.retry_strategy.as_ref().and_then(|r| r.expression.as_ref()) {
            fields.push((e.clone(), path.key("retryStrategy").key("expression"), "retry"));
        }
        let controls = flows_of(t, &path);
        for (flow, cpath) in controls {
            for (name, h) in &flow.hooks {
                if let Some(e) = &h.expression {
                    fields.push((
                        e.clone(),
                        cpath.key("hooks").key(name).key("expression"),
                        "hook",
                    ));
                }
            }
        }
    }
    if let crate::spec::Document::CronWorkflow(c) = ctx.doc
        && let Some(w) = &c.spec.when
    {
        fields.push((w.clone(), FieldPath::root().key("spec").key("when"), "`when`"));
    }
    for (src, path, what) in fields {
        for d in check_field(&src, &path, what) {
            ctx.push(d);
        }
    }
}

/// Check an expression that may contain `{{…}}` tags: each `{{=…}}` must
/// parse, and the text with every tag replaced by a placeholder of the
/// same length must parse too (offsets then still point into the source).
pub fn check_field(src: &str, path: &FieldPath, what: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let found = match tags::scan(src) {
        Ok(t) => t,
        Err(e) => {
            out.push(
                Diagnostic::error("unclosed-tag", path.clone(), "`{{` is never closed with `}}`")
                    .within(e.offset, e.offset + 2),
            );
            return out;
        }
    };
    let mut flat = String::with_capacity(src.len());
    let mut last = 0;
    for t in &found {
        if t.kind == TagKind::Expression
            && let Err(e) = crate::expr::check(t.body)
        {
            let start = t.body_offset + e.offset;
            out.push(
                Diagnostic::error(
                    "invalid-expression",
                    path.clone(),
                    format!("invalid expression `{}`: {}", t.body.trim(), e.message),
                )
                .within(start, start + e.len.max(1)),
            );
        }
        flat.push_str(&src[last..t.start]);
        // A placeholder identifier, as long as the tag it replaces.
        flat.push('x');
        flat.push_str(&"_".repeat(t.end - t.start - 1));
        last = t.end;
    }
    flat.push_str(&src[last..]);
    if !out.is_empty() {
        return out;
    }
    let whole_tag = found.len() == 1 && found[0].start == 0 && found[0].end == src.trim_end().len();
    if whole_tag {
        // `when: "{{= … }}"`: the tag's result is the expression's value.
        return out;
    }
    if let Err(e) = crate::expr::check(&flat) {
        out.push(
            Diagnostic::error(
                "invalid-expression",
                path.clone(),
                format!("invalid {what} expression: {}", e.message),
            )
            .within(e.offset, e.offset + e.len.max(1)),
        );
    }
    out
}
