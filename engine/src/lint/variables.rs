//! `{{…}}` tags: that they close, that expressions parse, and that every
//! variable they name exists where it is used.
//!
//! Scopes follow Argo: a template's body sees its own inputs, `pod.name`,
//! `node.name`, `retries` (with a retry strategy) and the `workflow.*`
//! globals; a DAG task additionally sees the tasks it depends on
//! (transitively) and `item` in a loop; a step sees the steps of earlier
//! groups. Steps and DAG outputs see all their steps or tasks.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::context::DocCtx;
use crate::diag::{Diagnostic, FieldPath, Severity};
use crate::spec::{Call, CallFlow, DagTemplate, Template};
use crate::suggest;
use crate::tags::{self, TagKind};

/// The `workflow.*` names that need no declaration.
const WORKFLOW_VARS: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "mainEntrypoint",
    "serviceAccountName",
    "priority",
    "duration",
    "status",
    "failures",
    "scheduledTime",
    "creationTimestamp",
    "parameters",
    "labels",
    "annotations",
];

/// Attributes of a step or task that `steps.X.…` / `tasks.X.…` may name.
const NODE_ATTRS: &[&str] =
    &["id", "ip", "status", "exitCode", "startedAt", "finishedAt", "hostNodeName", "outputs"];

/// A step or task visible from where a tag is used.
#[derive(Clone)]
struct Sibling<'a> {
    name: &'a str,
    callee: Option<&'a Template>,
}

/// Everything visible at one place.
#[derive(Clone)]
struct Scope<'a> {
    template: &'a Template,
    workflow_params: &'a BTreeSet<String>,
    /// WorkflowTemplates may be given more parameters at submission, so
    /// an undeclared `workflow.parameters.x` is only a warning there.
    open_params: bool,
    retries: bool,
    item: bool,
    /// `tasks` or `steps`, when inside a DAG or steps template.
    flow: Option<&'static str>,
    siblings: Vec<Sibling<'a>>,
    /// Inside `metrics`: the node's own `status`, `duration`, `exitCode`,
    /// `resourcesDuration.*` are defined there.
    metrics: bool,
    /// All step or task names of the template, for better messages
    /// (shared: every step's scope holds it).
    all_names: std::rc::Rc<[&'a str]>,
    current: Option<&'a str>,
}

pub fn check(ctx: &mut DocCtx<'_>) {
    let mut workflow_params: BTreeSet<String> =
        ctx.spec.arguments.parameters.iter().map(|p| p.name.clone()).collect();
    if let Some(r) = ctx.referenced {
        workflow_params.extend(r.arguments.parameters.iter().map(|p| p.name.clone()));
    }
    let wf_retry = ctx.spec.retry_strategy.is_some();
    let open_params = matches!(
        ctx.doc,
        crate::spec::Document::WorkflowTemplate(_)
            | crate::spec::Document::ClusterWorkflowTemplate(_)
    );

    for (t, path) in ctx.all_templates() {
        let base =
            Scope::new(t, &workflow_params, open_params, wf_retry || t.retry_strategy.is_some());
        let json = serde_json::to_value(t).unwrap_or(Value::Null);
        let Value::Object(fields) = &json else { continue };
        for (key, value) in fields {
            match key.as_str() {
                "dag" | "steps" | "outputs" => {}
                "metrics" => {
                    let scope = Scope { metrics: true, ..base.clone() };
                    walk(ctx, value, &path.key(key), &scope);
                }
                _ => walk(ctx, value, &path.key(key), &base),
            }
        }

        if let Some(dag) = &t.dag {
            check_dag(ctx, t, dag, &path, &base);
        } else if let Some(groups) = &t.steps {
            check_steps(ctx, t, groups, &path, &base);
        } else if let Some(outputs) = fields.get("outputs") {
            walk(ctx, outputs, &path.key("outputs"), &base);
        }
    }
    for (i, p) in ctx.spec.arguments.parameters.iter().enumerate() {
        if let Some(v) = &p.value {
            let scope = global_scope(&workflow_params, open_params);
            let path = ctx.spec_path.key("arguments").key("parameters").index(i).key("value");
            check_string(ctx, v.as_str(), &path, &scope);
        }
    }
}

/// Scope for workflow-level fields: only `workflow.*`.
fn global_scope(params: &BTreeSet<String>, open_params: bool) -> Scope<'_> {
    static EMPTY: std::sync::LazyLock<Template> = std::sync::LazyLock::new(Template::default);
    Scope::new(&EMPTY, params, open_params, false)
}

impl<'a> Scope<'a> {
    /// What a template's own body sees.
    fn new(
        template: &'a Template,
        workflow_params: &'a BTreeSet<String>,
        open_params: bool,
        retries: bool,
    ) -> Self {
        Scope {
            template,
            workflow_params,
            open_params,
            retries,
            metrics: false,
            item: false,
            flow: None,
            siblings: Vec::new(),
            all_names: std::rc::Rc::from(Vec::new()),
            current: None,
        }
    }
}

fn callee<'a>(ctx: &DocCtx<'a>, call: &'a Call) -> Option<&'a Template> {
    if let Some(name) = &call.template {
        return ctx.local_template(name);
    }
    if let Some(r) = &call.template_ref {
        return ctx.catalog.resolve(r).ok();
    }
    call.inline.as_deref()
}

fn has_loop(c: &CallFlow) -> bool {
    c.with_items.is_some() || c.with_param.is_some() || c.with_sequence.is_some()
}

fn check_dag<'d: 's, 's>(
    ctx: &mut DocCtx<'d>,
    t: &'d Template,
    dag: &'d DagTemplate,
    path: &FieldPath,
    base: &Scope<'s>,
) {
    let names: Vec<&str> = dag.tasks.iter().map(|t| t.name.as_str()).collect();
    let direct: HashMap<&str, Vec<String>> = dag
        .tasks
        .iter()
        .map(|task| {
            let mut deps: Vec<String> = task.dependencies.clone().unwrap_or_default();
            if let Some(d) = &task.depends
                && let Ok(parsed) = crate::depends::parse(d)
            {
                deps.extend(parsed.tasks().into_iter().map(|(n, _)| n.to_string()));
            }
            (task.name.as_str(), deps)
        })
        .collect();
    let callees: HashMap<&str, Option<&Template>> =
        dag.tasks.iter().map(|task| (task.name.as_str(), callee(ctx, &task.call))).collect();

    let names: std::rc::Rc<[&str]> = names.into();
    for (i, task) in dag.tasks.iter().enumerate() {
        let value = serde_json::to_value(task).unwrap_or(Value::Null);
        // Ancestors matter only to a task that mentions `tasks`: working
        // them out for every task of a large DAG was quadratic.
        let siblings = if mentions(&value, "tasks") {
            ancestors(&task.name, &direct)
                .iter()
                .map(|n| Sibling { name: n, callee: callees.get(n).copied().flatten() })
                .collect()
        } else {
            Vec::new()
        };
        let scope = Scope {
            item: has_loop(&task.flow),
            flow: Some("tasks"),
            siblings,
            all_names: names.clone(),
            current: Some(task.name.as_str()),
            ..base.clone()
        };
        let tp = path.key("dag").key("tasks").index(i);
        let me = callees.get(task.name.as_str()).copied().flatten();
        check_call_site(ctx, &value, &tp, &scope, me);
        if let Some(w) = &task.flow.when {
            check_when(ctx, w, &tp.key("when"));
        }
    }
    // A DAG's outputs may name any task.
    let scope = Scope {
        flow: Some("tasks"),
        siblings: dag
            .tasks
            .iter()
            .map(|task| Sibling {
                name: &task.name,
                callee: callees.get(task.name.as_str()).copied().flatten(),
            })
            .collect(),
        all_names: names,
        ..base.clone()
    };
    let outputs = serde_json::to_value(&t.outputs).unwrap_or(Value::Null);
    walk(ctx, &outputs, &path.key("outputs"), &scope);
}

fn check_steps<'d: 's, 's>(
    ctx: &mut DocCtx<'d>,
    t: &'d Template,
    groups: &'d [Vec<crate::spec::Step>],
    path: &FieldPath,
    base: &Scope<'s>,
) {
    let all_names: std::rc::Rc<[&str]> =
        groups.iter().flatten().map(|s| s.name.as_str()).collect::<Vec<_>>().into();
    let mut earlier: Vec<Sibling<'s>> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        for (i, step) in group.iter().enumerate() {
            let value = serde_json::to_value(step).unwrap_or(Value::Null);
            let siblings = if mentions(&value, "steps") {
                earlier.iter().map(|s| Sibling { name: s.name, callee: s.callee }).collect()
            } else {
                Vec::new()
            };
            let scope = Scope {
                item: has_loop(&step.flow),
                flow: Some("steps"),
                siblings,
                all_names: all_names.clone(),
                current: Some(step.name.as_str()),
                ..base.clone()
            };
            let sp = path.key("steps").index(g).index(i);
            let me = callee(ctx, &step.call);
            check_call_site(ctx, &value, &sp, &scope, me);
            if let Some(w) = &step.flow.when {
                check_when(ctx, w, &sp.key("when"));
            }
        }
        for step in group {
            earlier.push(Sibling { name: &step.name, callee: callee(ctx, &step.call) });
        }
    }
    let scope = Scope { flow: Some("steps"), siblings: earlier, all_names, ..base.clone() };
    let outputs = serde_json::to_value(&t.outputs).unwrap_or(Value::Null);
    walk(ctx, &outputs, &path.key("outputs"), &scope);
}

/// A task or step, without its inline template (checked on its own).
/// Its hooks run after it, so they also see the step or task itself.
fn check_call_site<'s>(
    ctx: &mut DocCtx<'_>,
    json: &Value,
    path: &FieldPath,
    scope: &Scope<'s>,
    itself: Option<&'s Template>,
) {
    let Value::Object(fields) = json else { return };
    for (key, value) in fields {
        match key.as_str() {
            "inline" => {}
            "hooks" | "onExit" => {
                let mut hook_scope = scope.clone();
                if let Some(me) = scope.current {
                    hook_scope.siblings.push(Sibling { name: me, callee: itself });
                }
                walk(ctx, value, &path.key(key), &hook_scope);
            }
            _ => walk(ctx, value, &path.key(key), scope),
        }
    }
}

fn check_when(ctx: &mut DocCtx<'_>, w: &str, path: &FieldPath) {
    if let Err(e) = crate::when::check(w) {
        ctx.push(
            Diagnostic::error(
                "invalid-when",
                path.clone(),
                format!("invalid `when` condition: {}", e.message),
            )
            .within(e.offset, e.offset + e.len),
        );
    }
}

/// Transitive dependencies of a task (bounded by the DAG's size, so a
/// cycle — reported elsewhere — cannot loop forever).
fn ancestors<'a>(task: &str, direct: &'a HashMap<&str, Vec<String>>) -> Vec<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut todo: Vec<&str> =
        direct.get(task).map(|d| d.iter().map(String::as_str).collect()).unwrap_or_default();
    while let Some(n) = todo.pop() {
        if seen.insert(n)
            && let Some(d) = direct.get(n)
        {
            todo.extend(d.iter().map(String::as_str));
        }
    }
    let mut v: Vec<&str> = seen.into_iter().collect();
    v.sort_unstable();
    v
}

/// Whether a string below `value` contains `needle`.
fn mentions(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.contains(needle),
        Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

/// Check every string below `value`.
fn walk(ctx: &mut DocCtx<'_>, value: &Value, path: &FieldPath, scope: &Scope<'_>) {
    match value {
        Value::String(s) => check_string(ctx, s, path, scope),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(ctx, v, &path.index(i), scope);
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                walk(ctx, v, &path.key(k), scope);
            }
        }
        _ => {}
    }
}

fn check_string(ctx: &mut DocCtx<'_>, s: &str, path: &FieldPath, scope: &Scope<'_>) {
    if !s.contains("{{") {
        return;
    }
    let found = match tags::scan(s) {
        Ok(t) => t,
        Err(e) => {
            ctx.push(
                Diagnostic::error("unclosed-tag", path.clone(), "`{{` is never closed with `}}`")
                    .within(e.offset, e.offset + 2),
            );
            return;
        }
    };
    // A name used many times in one field is reported once.
    let mut reported: HashSet<&str> = HashSet::new();
    for tag in found {
        if !reported.insert(tag.body) {
            continue;
        }
        let span = (tag.body_offset, tag.body_offset + tag.body.len());
        match tag.kind {
            TagKind::Simple => {
                if let Err(u) = resolve(tag.body, scope) {
                    ctx.push(report(u, path, span));
                }
            }
            TagKind::Expression => match crate::expr::check(tag.body) {
                Err(e) => ctx.push(
                    Diagnostic::error(
                        "invalid-expression",
                        path.clone(),
                        format!("invalid expression `{}`: {}", tag.body.trim(), e.message),
                    )
                    .within(tag.body_offset + e.offset, tag.body_offset + e.offset + e.len.max(1)),
                ),
                Ok(()) => {
                    for (name, offset) in crate::expr::references(tag.body) {
                        let checked = name.starts_with("inputs.parameters.")
                            || name.starts_with("workflow.parameters.");
                        if checked && let Err(u) = resolve(&name, scope) {
                            let start = tag.body_offset + offset;
                            let len = tag.body.get(offset..).map_or(name.len(), chain_len);
                            ctx.push(report(u, path, (start, start + len)));
                        }
                    }
                }
            },
        }
    }
}

/// A tag that does not resolve: (severity, message, help).
///
/// Argo itself only checks names under `item.`, `steps.`, `inputs.`,
/// `outputs.`, `pod.`, `workflow.` and `tasks.`; anything else (`{{item}}`
/// outside a loop, `{{retries}}` without a retry strategy, `{{foo}}`) it
/// passes through literally. Those are warnings here: valid Argo, but
/// almost certainly not what the author meant.
struct Unresolved {
    severity: Severity,
    message: String,
    help: Option<String>,
}

fn unknown(name: &str, why: impl Into<String>) -> Unresolved {
    Unresolved {
        severity: Severity::Error,
        message: format!("`{{{{{name}}}}}`: {}", why.into()),
        help: None,
    }
}

fn passed_through(name: &str, why: impl Into<String>) -> Unresolved {
    Unresolved {
        severity: Severity::Warning,
        message: format!(
            "`{{{{{name}}}}}`: {}; Argo leaves the tag in the text unchanged",
            why.into()
        ),
        help: None,
    }
}

fn report(u: Unresolved, path: &FieldPath, span: (usize, usize)) -> Diagnostic {
    let mut d = match u.severity {
        Severity::Error => Diagnostic::error("unknown-variable", path.clone(), u.message),
        Severity::Warning => Diagnostic::warning("unknown-variable", path.clone(), u.message),
    };
    d.help = u.help;
    d.within(span.0, span.1)
}

/// Whether `name` means something here; if not, why and a suggestion.
fn resolve(name: &str, scope: &Scope<'_>) -> Result<(), Unresolved> {
    let parts: Vec<&str> = name.split('.').collect();
    let t = scope.template;
    match parts.as_slice() {
        ["workflow", rest @ ..] => resolve_workflow(name, rest, scope),
        ["inputs", "parameters"] => Ok(()),
        ["inputs", "parameters", p] => {
            if t.inputs.parameters.iter().any(|x| x.name == *p) {
                Ok(())
            } else {
                let mut u = unknown(
                    name,
                    if t.name.is_empty() {
                        format!("no input parameter `{p}` is declared here")
                    } else {
                        format!("template `{}` declares no input parameter `{p}`", t.name)
                    },
                );
                u.help = suggest::help(p, t.inputs.parameters.iter().map(|x| x.name.as_str()));
                Err(u)
            }
        }
        ["inputs", "artifacts", a, rest @ ..] if rest.len() <= 1 => {
            if t.inputs.artifacts.iter().any(|x| x.name == *a) {
                Ok(())
            } else {
                Err(unknown(name, format!("no input artifact `{a}` is declared")))
            }
        }
        ["outputs", "result" | "exitCode"] => Ok(()),
        ["outputs", "parameters", p] | ["outputs", "parameters", p, "path"] => {
            if t.outputs.parameters.iter().any(|x| x.name == *p) {
                Ok(())
            } else {
                Err(unknown(name, format!("no output parameter `{p}` is declared")))
            }
        }
        ["outputs", "artifacts", a, "path"] => {
            if t.outputs.artifacts.iter().any(|x| x.name == *a) {
                Ok(())
            } else {
                Err(unknown(name, format!("no output artifact `{a}` is declared")))
            }
        }
        ["pod", "name"] | ["node", "name"] => Ok(()),
        ["status" | "duration" | "exitCode"] | ["resourcesDuration", _] if scope.metrics => Ok(()),
        ["retries"] | ["lastRetry", "exitCode" | "status" | "duration" | "message"] => {
            if scope.retries {
                Ok(())
            } else {
                Err(passed_through(name, "only defined in a template with a `retryStrategy`"))
            }
        }
        ["item", rest @ ..] => {
            let why = "`item` is only defined in a step or task with withItems, withParam or withSequence";
            match (scope.item, rest.is_empty()) {
                (true, _) => Ok(()),
                (false, true) => Err(passed_through(name, why)),
                (false, false) => Err(unknown(name, why)),
            }
        }
        [flow @ ("tasks" | "steps"), rest @ ..] => resolve_sibling(name, flow, rest, scope),
        _ => {
            let first = parts.first().copied().unwrap_or_default();
            let checked = ["inputs", "outputs", "pod"].contains(&first);
            let mut u = if checked {
                unknown(name, "unknown variable")
            } else {
                passed_through(name, "not a variable Argo defines")
            };
            u.help = suggest::help(
                first,
                ["workflow", "inputs", "outputs", "pod", "node", "retries", "lastRetry", "item", "tasks", "steps"],
            )
            .or_else(|| Some("see the variables Argo defines: workflow.*, inputs.*, steps.*, tasks.*, item, …".to_string()));
            Err(u)
        }
    }
}

fn resolve_workflow(name: &str, rest: &[&str], scope: &Scope<'_>) -> Result<(), Unresolved> {
    match rest {
        ["parameters", p] if *p != "json" => {
            if scope.workflow_params.contains(*p) {
                Ok(())
            } else {
                let why = format!(
                    "workflow parameter `{p}` is not declared in `spec.arguments.parameters`"
                );
                let mut u = if scope.open_params {
                    let mut u = unknown(
                        name,
                        format!("{why}; it must be given when the template is submitted"),
                    );
                    u.severity = Severity::Warning;
                    u
                } else {
                    unknown(name, why)
                };
                u.help = suggest::help(p, scope.workflow_params.iter().map(String::as_str));
                Err(u)
            }
        }
        ["outputs", "parameters" | "artifacts", _] => Ok(()),
        // Label and annotation keys may contain dots (`example.io/owner`).
        ["labels" | "annotations", _, ..] => Ok(()),
        ["creationTimestamp" | "parameters", _] => Ok(()),
        [v] if WORKFLOW_VARS.contains(v) => Ok(()),
        [v, ..] => {
            let mut u = unknown(name, format!("`workflow.{v}` is not a workflow variable"));
            u.help = suggest::help(v, WORKFLOW_VARS.iter().copied());
            Err(u)
        }
        [] => Err(unknown(name, "incomplete variable")),
    }
}

fn resolve_sibling(
    name: &str,
    flow: &str,
    rest: &[&str],
    scope: &Scope<'_>,
) -> Result<(), Unresolved> {
    // Argo defines the current step's or task's name everywhere.
    if rest == ["name"] {
        return Ok(());
    }
    let here = scope.flow == Some(if flow == "tasks" { "tasks" } else { "steps" });
    if !here {
        let what = if flow == "tasks" { "a DAG template" } else { "a steps template" };
        return Err(unknown(name, format!("`{flow}.…` is only defined inside {what}")));
    }
    let (target, attrs) = match rest {
        ["name"] => return Ok(()),
        [target, attrs @ ..] => (*target, attrs),
        [] => return Err(unknown(name, "incomplete variable")),
    };
    let Some(sib) = scope.siblings.iter().find(|s| s.name == target) else {
        let singular = if flow == "tasks" { "task" } else { "step" };
        let why = if scope.all_names.contains(&target) {
            match (flow, scope.current) {
                ("tasks", Some(cur)) => format!(
                    "task `{cur}` does not depend on `{target}`, so its results are not known here"
                ),
                (_, Some(cur)) => format!(
                    "step `{target}` does not run before step `{cur}` (only earlier step groups are visible)"
                ),
                _ => format!("{singular} `{target}` is not visible here"),
            }
        } else {
            format!("there is no {singular} `{target}` here")
        };
        let mut u = unknown(name, why);
        if !scope.all_names.contains(&target) {
            u.help = suggest::help(target, scope.all_names.iter().copied());
        }
        return Err(u);
    };
    match attrs {
        [a] if NODE_ATTRS.contains(a) && *a != "outputs" => Ok(()),
        ["outputs", "result" | "exitCode"] | ["outputs", "parameters"] => Ok(()),
        ["outputs", "parameters", p] => match sib.callee {
            Some(c) if !c.outputs.parameters.iter().any(|x| x.name == *p) => {
                let mut u = unknown(
                    name,
                    format!(
                        "template `{}` (run by `{target}`) has no output parameter `{p}`",
                        c.name
                    ),
                );
                u.help = suggest::help(p, c.outputs.parameters.iter().map(|x| x.name.as_str()));
                Err(u)
            }
            _ => Ok(()),
        },
        ["outputs", "artifacts", _] => Ok(()),
        [a, ..] => {
            let mut u = unknown(name, format!("`{a}` is not a {flow} attribute"));
            u.help = suggest::help(a, NODE_ATTRS.iter().copied());
            Err(u)
        }
        [] => Err(unknown(name, "incomplete variable")),
    }
}

/// Length of the variable chain at the start of `src` as written
/// (`inputs.parameters['my-p']` is longer than its dotted name).
fn chain_len(src: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in src.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '?' | '$') => {}
            None => return i,
        }
    }
    src.len()
}
