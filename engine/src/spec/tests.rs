use serde_json::json;

use super::*;

fn wf(spec: Value) -> Value {
    json!({"apiVersion": API_VERSION, "kind": "Workflow",
           "metadata": {"generateName": "t-"}, "spec": spec})
}

#[test]
fn decodes_a_dag_workflow() {
    let doc = decode(wf(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "main", "dag": {"tasks": [
                {"name": "a", "template": "echo", "arguments": {"parameters": [{"name": "m", "value": 3}]}},
                {"name": "b", "template": "echo", "depends": "a", "when": "{{tasks.a.outputs.result}} == x"}
            ]}},
            {"name": "echo", "inputs": {"parameters": [{"name": "m"}]},
             "container": {"image": "alpine", "command": ["echo"], "args": ["{{inputs.parameters.m}}"],
                           "resources": {"limits": {"cpu": "1"}}}}
        ]
    })))
    .expect("valid");
    let (spec, path) = doc.workflow_spec();
    assert_eq!(path.to_string(), "spec");
    let dag = spec.templates[0].dag.as_ref().expect("dag");
    assert_eq!(
        dag.tasks[0].call.arguments.parameters[0].value.as_ref().map(|v| v.as_str()),
        Some("3")
    );
    assert_eq!(dag.tasks[1].depends.as_deref(), Some("a"));
    assert_eq!(spec.templates[1].kind(), Some(TemplateKind::Container));
    let c = spec.templates[1].container.as_ref().expect("container");
    assert!(c.other.contains_key("resources"));
}

#[test]
fn type_errors_name_the_field() {
    let e = decode(wf(json!({"templates": [{"name": "a", "steps": [[{"name": 3}]]}]})))
        .expect_err("bad");
    match e {
        DecodeError::Field { path, .. } => {
            assert_eq!(path.to_string(), "spec.templates[0].steps[0][0].name")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn other_kinds_are_named() {
    let e = decode(json!({"apiVersion": "v1", "kind": "ConfigMap"})).expect_err("not argo");
    assert!(e.to_string().contains("ConfigMap"));
}

#[test]
fn round_trip_keeps_every_field() {
    let original = wf(json!({
        "entrypoint": "main",
        "volumes": [{"name": "v", "emptyDir": {}}],
        "podGC": {"strategy": "OnPodSuccess"},
        "someFutureField": {"x": [1, 2]},
        "templates": [{"name": "main", "nodeSelector": {"a": "b"},
            "container": {"image": "busybox", "securityContext": {"runAsUser": 1000}},
            "retryStrategy": {"limit": "2", "backoff": {"duration": "1s", "factor": 2}}}]
    }));
    let doc = decode(original.clone()).expect("valid");
    assert_eq!(doc.to_json(), original);
}
