//! Steps templates: groups and step names.

use std::collections::HashMap;

use super::context::DocCtx;
use crate::diag::Diagnostic;

pub fn check(ctx: &mut DocCtx<'_>) {
    for (t, path) in ctx.all_templates() {
        let Some(groups) = &t.steps else { continue };
        // Step names must be unique across the whole template: `steps.NAME`
        // would otherwise be ambiguous.
        let mut first: HashMap<&str, (usize, usize)> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            if group.is_empty() {
                ctx.push(Diagnostic::warning(
                    "empty-step-group",
                    path.key("steps").index(g),
                    "this step group is empty",
                ));
            }
            for (i, step) in group.iter().enumerate() {
                if let Some((fg, fi)) = first.get(step.name.as_str()) {
                    ctx.push(Diagnostic::error(
                        "duplicate-step",
                        path.key("steps").index(g).index(i).key("name"),
                        format!(
                            "step name `{}` is already used by steps[{fg}][{fi}] of this template",
                            step.name
                        ),
                    ));
                } else {
                    first.insert(step.name.as_str(), (g, i));
                }
            }
        }
    }
}
