//! DAG templates: task names, `dependencies`/`depends`, `target`, cycles.

use std::collections::{HashMap, HashSet};

use super::context::DocCtx;
use crate::depends::{self, Depends, TaskResult};
use crate::diag::{Diagnostic, FieldPath};
use crate::spec::DagTemplate;
use crate::suggest;

pub fn check(ctx: &mut DocCtx<'_>) {
    for (t, path) in ctx.all_templates() {
        if let Some(dag) = &t.dag {
            check_dag(ctx, dag, &path.key("dag"));
        }
    }
}

fn check_dag(ctx: &mut DocCtx<'_>, dag: &DagTemplate, path: &FieldPath) {
    let tasks_path = path.key("tasks");
    if dag.tasks.is_empty() {
        ctx.push(Diagnostic::error("empty-dag", path.clone(), "a DAG needs at least one task"));
        return;
    }
    let names: Vec<&str> = dag.tasks.iter().map(|t| t.name.as_str()).collect();
    let mut seen = HashSet::new();
    for (i, name) in names.iter().enumerate() {
        if !seen.insert(*name) {
            ctx.push(Diagnostic::error(
                "duplicate-task",
                tasks_path.index(i).key("name"),
                format!("task name `{name}` is used twice in this DAG"),
            ));
        }
    }

    // Argo reads a DAG with one of the two dependency styles, not both.
    let first_dependencies = dag.tasks.iter().position(|t| t.dependencies.is_some());
    let first_depends = dag.tasks.iter().position(|t| t.depends.is_some());
    if let (Some(a), Some(b)) = (first_dependencies, first_depends) {
        let (later, field) = if a > b { (a, "dependencies") } else { (b, "depends") };
        ctx.push(
            Diagnostic::error(
                "mixed-dependencies",
                tasks_path.index(later).key(field),
                "`dependencies` and `depends` cannot be mixed in one DAG",
            )
            .with_help(format!(
                "task `{}` uses `dependencies`, task `{}` uses `depends`; rewrite one, e.g. \
                 `dependencies: [a, b]` is `depends: \"a && b\"`",
                names[a], names[b]
            )),
        );
    }

    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for (i, task) in dag.tasks.iter().enumerate() {
        let tp = tasks_path.index(i);
        let mut deps: Vec<&str> = Vec::new();
        if let Some(list) = &task.dependencies {
            for (j, d) in list.iter().enumerate() {
                let dp = tp.key("dependencies").index(j);
                if check_task_ref(ctx, d, &task.name, &names, dp, None) {
                    deps.push(d.as_str());
                }
            }
        }
        if let Some(expr) = &task.depends {
            let dp = tp.key("depends");
            match depends::parse(expr) {
                Ok(parsed) => {
                    group_results_need_loops(ctx, dag, &parsed, &dp);
                    for (name, offset) in parsed.tasks() {
                        let span = Some((offset, offset + name.len()));
                        if check_task_ref(ctx, name, &task.name, &names, dp.clone(), span)
                            && let Some(n) = names.iter().find(|n| **n == name)
                        {
                            deps.push(n);
                        }
                    }
                }
                Err(e) => ctx.push(
                    Diagnostic::error(
                        "invalid-depends",
                        dp,
                        format!("invalid `depends` expression: {}", e.message),
                    )
                    .within(e.offset, e.offset + e.len),
                ),
            }
        }
        edges.entry(task.name.as_str()).or_default().extend(deps);
    }

    if first_depends.is_some() {
        for (i, task) in dag.tasks.iter().enumerate() {
            if task.flow.continue_on.is_some() {
                ctx.push(
                    Diagnostic::error(
                        "continue-on-with-depends",
                        tasks_path.index(i).key("continueOn"),
                        "`continueOn` cannot be used in a DAG that uses `depends`",
                    )
                    .with_help(format!(
                        "let the tasks after `{}` say what they accept, e.g. `depends: \"{}.Succeeded || {}.Failed\"`",
                        task.name, task.name, task.name
                    )),
                );
            }
        }
    }

    if let Some(target) = &dag.target
        && !target.contains("{{")
    {
        for name in target.split_whitespace() {
            if !names.contains(&name) {
                let offset = target.find(name).unwrap_or(0);
                let mut d = Diagnostic::error(
                    "unknown-target",
                    path.key("target"),
                    format!("target `{name}` is not a task of this DAG"),
                )
                .within(offset, offset + name.len());
                d.help = suggest::help(name, names.iter().copied());
                ctx.push(d);
            }
        }
    }

    if let Some(cycle) = find_cycle(&names, &edges) {
        let at = names.iter().position(|n| *n == cycle[0]).unwrap_or(0);
        ctx.push(Diagnostic::error(
            "dependency-cycle",
            tasks_path.index(at),
            format!("dependency cycle: {}", cycle.join(" → ")),
        ));
    }
}

/// Report a reference to a task that does not exist (or to itself);
/// returns whether the reference is good.
fn check_task_ref(
    ctx: &mut DocCtx<'_>,
    name: &str,
    from: &str,
    names: &[&str],
    path: FieldPath,
    within: Option<(usize, usize)>,
) -> bool {
    let mut d = if name == from {
        Diagnostic::error("self-dependency", path, format!("task `{from}` depends on itself"))
    } else if !names.contains(&name) {
        let mut d = Diagnostic::error(
            "unknown-task",
            path,
            format!("task `{from}` depends on `{name}`, which is not a task of this DAG"),
        );
        d.help = suggest::help(name, names.iter().copied());
        d
    } else {
        return true;
    };
    if let Some((s, e)) = within {
        d = d.within(s, e);
    }
    ctx.push(d);
    false
}

/// A dependency cycle, as the list of tasks around it (first repeated at
/// the end), found with an iterative depth-first search.
fn find_cycle<'a>(
    names: &[&'a str],
    edges: &HashMap<&'a str, Vec<&'a str>>,
) -> Option<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark: HashMap<&str, Mark> = names.iter().map(|n| (*n, Mark::New)).collect();
    for start in names {
        if mark.get(start) != Some(&Mark::New) {
            continue;
        }
        // Stack of (node, index of next edge to follow).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        mark.insert(start, Mark::Active);
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let out = edges.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(dep) = out.get(*next) {
                *next += 1;
                match mark.get(dep).copied() {
                    Some(Mark::New) => {
                        mark.insert(dep, Mark::Active);
                        stack.push((dep, 0));
                    }
                    Some(Mark::Active) => {
                        let from = stack.iter().position(|(n, _)| n == dep).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[from..].iter().map(|(n, _)| *n).collect();
                        cycle.push(dep);
                        // Edges point from a task to what it waits for; print
                        // the cycle in execution order instead.
                        cycle.reverse();
                        return Some(cycle);
                    }
                    _ => {}
                }
            } else {
                mark.insert(node, Mark::Done);
                stack.pop();
            }
        }
    }
    None
}

/// `.AnySucceeded` and `.AllFailed` describe the iterations of a loop; on
/// a task without one they can never mean what the author wanted.
fn group_results_need_loops(
    ctx: &mut DocCtx<'_>,
    dag: &DagTemplate,
    d: &Depends,
    path: &FieldPath,
) {
    let mut refs = Vec::new();
    collect_results(d, &mut refs);
    for (name, result, offset) in refs {
        let Some(task) = dag.tasks.iter().find(|t| t.name == name) else { continue };
        let c = &task.flow;
        let looped = c.with_items.is_some() || c.with_param.is_some() || c.with_sequence.is_some();
        if result.is_group_result() && !looped {
            ctx.push(
                Diagnostic::error(
                    "group-result-without-loop",
                    path.clone(),
                    format!("`{name}.{result}` describes the iterations of a loop, but task `{name}` has no withItems, withParam or withSequence"),
                )
                .within(offset, offset + name.len() + 1 + result.name().len()),
            );
        }
    }
}

fn collect_results<'d>(d: &'d Depends, out: &mut Vec<(&'d str, TaskResult, usize)>) {
    match d {
        Depends::Task { name, result: Some(r), offset } => out.push((name, *r, *offset)),
        Depends::Task { .. } => {}
        Depends::Not(inner) => collect_results(inner, out),
        Depends::And(a, b) | Depends::Or(a, b) => {
            collect_results(a, out);
            collect_results(b, out);
        }
    }
}
