use serde_json::json;

use super::*;
use crate::spec::{Document, decode};

fn doc(v: Value) -> Document {
    decode(v).expect("valid document")
}

fn workflow(d: &Document) -> &Workflow {
    match d {
        Document::Workflow(w) | Document::WorkflowTemplate(w) => w,
        _ => panic!("not a workflow"),
    }
}

fn sub(params: &[(&str, &str)]) -> Submission {
    Submission {
        name: "wf-abcde".into(),
        namespace: "argo".into(),
        uid: "uid-1".into(),
        created_at: Time(1_700_000_000),
        parameters: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        entrypoint: None,
        artifact_repository: None,
    }
}

fn simple() -> Document {
    doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "wf-", "labels": {"team": "ci"}},
        "spec": {
            "entrypoint": "main",
            "arguments": {"parameters": [
                {"name": "tag", "value": "latest"},
                {"name": "env", "value": "dev", "enum": ["dev", "prod"]}
            ]},
            "templateDefaults": {"timeout": "1h", "container": {"imagePullPolicy": "Never"}},
            "templates": [
                {"name": "main", "container": {"image": "busybox", "args": ["{{workflow.parameters.tag}}"]}},
                {"name": "wait", "suspend": {}}
            ]
        }
    }))
}

#[test]
fn globals_and_parameters() {
    let d = simple();
    let p = plan(workflow(&d), &Catalog::default(), &sub(&[("tag", "v2")])).expect("plans");
    assert_eq!(p.entrypoint, "main");
    let g = |k: &str| p.globals.get(k).and_then(Value::as_str).map(str::to_string);
    assert_eq!(g("workflow.name").as_deref(), Some("wf-abcde"));
    assert_eq!(g("workflow.parameters.tag").as_deref(), Some("v2"));
    assert_eq!(g("workflow.labels.team").as_deref(), Some("ci"));
    assert_eq!(g("workflow.creationTimestamp").as_deref(), Some("2023-11-14T22:13:20Z"));
    assert_eq!(
        g("workflow.parameters.json").as_deref(),
        Some(r#"[{"name":"tag","value":"v2"},{"name":"env","value":"dev"}]"#)
    );
}

#[test]
fn enum_is_enforced_at_submission() {
    let d = simple();
    let e = plan(workflow(&d), &Catalog::default(), &sub(&[("env", "qa")])).expect_err("qa");
    assert!(e.0.contains("should be present in spec.arguments.env.enum list"), "{e}");
}

#[test]
fn template_defaults_fill_in_but_never_override() {
    let d = simple();
    let p = plan(workflow(&d), &Catalog::default(), &sub(&[])).expect("plans");
    let main = p.template("main").expect("main");
    assert_eq!(main.timeout.as_deref(), Some("1h"));
    let c = main.container.as_ref().expect("container");
    assert_eq!(c.image.as_deref(), Some("busybox"));
    assert_eq!(c.other.get("imagePullPolicy"), Some(&json!("Never")));
    // A suspend template does not grow a container from the defaults.
    assert!(p.template("wait").expect("wait").container.is_none());
}

#[test]
fn workflow_template_refs_merge_with_the_workflows_arguments() {
    let wt = doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
        "metadata": {"name": "lib"},
        "spec": {"entrypoint": "hello",
                 "arguments": {"parameters": [{"name": "who", "value": "world"}, {"name": "n", "value": "1"}]},
                 "templates": [{"name": "hello", "container": {"image": "busybox"}}]}
    }));
    let mut catalog = Catalog::default();
    catalog.add(&wt);
    let w = doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "x-"},
        "spec": {"workflowTemplateRef": {"name": "lib"},
                 "arguments": {"parameters": [{"name": "who", "value": "keelson"}]}}
    }));
    let p = plan(workflow(&w), &catalog, &sub(&[])).expect("plans");
    assert_eq!(p.entrypoint, "hello");
    let g = |k: &str| p.globals.get(k).and_then(Value::as_str).map(str::to_string);
    assert_eq!(g("workflow.parameters.who").as_deref(), Some("keelson"));
    assert_eq!(g("workflow.parameters.n").as_deref(), Some("1"));
    let missing = doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "x-"}, "spec": {"workflowTemplateRef": {"name": "nope"}}
    }));
    let e = plan(workflow(&missing), &catalog, &sub(&[])).expect_err("missing");
    assert_eq!(e.0, "couldn't find workflow template \"nope\"");
}

#[test]
fn entrypoint_must_exist_and_parameters_need_values() {
    let d = simple();
    let mut s = sub(&[]);
    s.entrypoint = Some("nope".into());
    assert_eq!(
        plan(workflow(&d), &Catalog::default(), &s).map(|_| ()),
        Err(PlanError("template name 'nope' undefined".into()))
    );
    let no_value = doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "x"},
        "spec": {"entrypoint": "m", "arguments": {"parameters": [{"name": "p"}]},
                 "templates": [{"name": "m", "container": {"image": "busybox"}}]}
    }));
    let e = plan(workflow(&no_value), &Catalog::default(), &sub(&[])).expect_err("no value");
    assert_eq!(e.0, "spec.arguments.p.value or spec.arguments.p.valueFrom is required");
    assert!(plan(workflow(&no_value), &Catalog::default(), &sub(&[("p", "1")])).is_ok());
}

#[test]
fn unenforced_fields_are_found_in_every_template_the_run_can_reach() {
    // A library the workflow runs (workflowTemplateRef): its templates
    // become the workflow's own; `cached` is reached through templateRef,
    // `hook` through a hook; `unused` is never reached.
    let lib = doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
        "metadata": {"name": "lib"},
        "spec": {"entrypoint": "main",
                 "synchronization": {"mutexes": [{"name": "global"}]},
                 "templates": [
                     {"name": "main", "dag": {"tasks": [
                         {"name": "a", "template": "guarded",
                          "hooks": {"running": {"expression": "true", "template": "hook"}}},
                         {"name": "b", "templateRef": {"name": "lib", "template": "cached"}}
                     ]}},
                     {"name": "guarded", "synchronization": {"mutexes": [{"name": "m"}]},
                      "container": {"image": "busybox"}},
                     {"name": "cached", "memoize": {"key": "k", "cache": {"configMap": {"name": "c"}}},
                      "container": {"image": "busybox"}},
                     {"name": "hook", "daemon": true, "container": {"image": "busybox"}},
                     {"name": "unused", "metrics": {"prometheus": [{"name": "x"}]},
                      "container": {"image": "busybox"}}
                 ]}
    }));
    let mut catalog = Catalog::default();
    catalog.add(&lib);
    let w = doc(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "x-"},
        "spec": {"workflowTemplateRef": {"name": "lib"},
                 "templateDefaults": {"failFast": true}}
    }));
    let p = plan(workflow(&w), &catalog, &sub(&[])).expect("plans");
    let found: Vec<(Option<&str>, String)> =
        p.not_enforced.iter().map(|f| (f.template.as_deref(), f.gap.path.to_string())).collect();
    assert_eq!(
        found,
        vec![
            (None, "synchronization".to_string()),
            (Some("guarded"), "failFast".to_string()),
            (Some("guarded"), "synchronization".to_string()),
            (Some("hook"), "daemon".to_string()),
            (Some("hook"), "failFast".to_string()),
            (Some("main"), "failFast".to_string()),
            (Some("cached"), "failFast".to_string()),
            (Some("cached"), "memoize".to_string()),
        ]
    );
    let warnings = p.spec_warnings();
    assert_eq!(warnings.len(), 5, "{warnings:#?}");
    assert!(warnings[1].starts_with("memoize is not enforced (template cached)"), "{warnings:#?}");
    assert!(
        warnings[3].starts_with(
            "template failFast is not enforced (templates cached, guarded, hook, main)"
        ),
        "{warnings:#?}"
    );
    let condition = p.spec_warning().expect("a condition");
    assert_eq!(condition.condition_type, "SpecWarning");
    assert_eq!(condition.message, warnings.join("; "));
}
