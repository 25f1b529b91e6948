//! Fields Keelson accepts but does not enforce whatever the executor
//! ([`crate::spec::not_enforced`]): a warning each, whose help says what
//! happens instead. Those of one executor only are reported where the
//! executor is known: by `keelson run` before it starts, and in the
//! `SpecWarning` condition of the workflow's status.

use super::context::DocCtx;
use crate::diag::{Diagnostic, FieldPath};
use crate::spec::Document;
use crate::spec::not_enforced::{Gap, Scope, cron_gaps, spec_gaps, template_gaps};

pub fn check(ctx: &mut DocCtx<'_>) {
    let mut found: Vec<(FieldPath, Gap)> = Vec::new();
    if let Document::CronWorkflow(c) = ctx.doc {
        let at = FieldPath::root().key("spec");
        found.extend(cron_gaps(&c.spec).into_iter().map(|g| (at.clone(), g)));
    }
    found.extend(spec_gaps(ctx.spec).into_iter().map(|g| (ctx.spec_path.clone(), g)));
    if let Some(t) = &ctx.spec.template_defaults {
        let at = ctx.spec_path.key("templateDefaults");
        found.extend(template_gaps(t).into_iter().map(|g| (at.clone(), g)));
    }
    for (t, at) in ctx.all_templates() {
        found.extend(template_gaps(t).into_iter().map(|g| (at.clone(), g)));
    }
    for (at, gap) in found {
        if gap.rule.scope != Scope::All {
            continue;
        }
        ctx.push(
            Diagnostic::warning("not-enforced", at.join(&gap.path), gap.rule.message())
                .with_help(gap.rule.effect),
        );
    }
}
