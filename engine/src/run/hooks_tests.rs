//! Lifecycle hooks with expressions, at workflow and step/task level.

use serde_json::json;

use super::tests::{container, drive, ok, phase_of, plan_of};
use super::*;
use crate::status::{NodePhase, WorkflowPhase, node_id};

fn exit_by_arg(s: &LaunchSpec) -> Exit {
    let arg = s.container["args"][0].as_str().unwrap_or("");
    Exit { code: i32::from(arg.contains("fail")), ..Default::default() }
}

#[test]
fn step_hooks_run_once_when_their_expression_turns_true() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "work", "container": container("work")},
            {"name": "notify", "inputs": {"parameters": [{"name": "what"}]},
             "container": container("notify {{inputs.parameters.what}}")},
            {"name": "main", "steps": [
                [{"name": "step-1", "template": "work", "hooks": {
                    "running": {"expression": "steps[\"step-1\"].status == \"Running\"",
                        "template": "notify",
                        "arguments": {"parameters": [{"name": "what", "value": "running"}]}},
                    "success": {"expression": "steps[\"step-1\"].status == \"Succeeded\"",
                        "template": "notify",
                        "arguments": {"parameters": [{"name": "what", "value": "ok"}]}},
                    "failure": {"expression": "steps[\"step-1\"].status == \"Failed\"",
                        "template": "notify",
                        "arguments": {"parameters": [{"name": "what", "value": "failed"}]}}
                }}],
                [{"name": "step-2", "template": "work"}]
            ]}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(
        order,
        [
            "wf-x[0].step-1",
            "wf-x[0].step-1.hooks.running",
            "wf-x[0].step-1.hooks.success",
            "wf-x[1].step-2"
        ],
        "the next group waits for the hooks that started"
    );
    assert_eq!(phase_of(&run, "wf-x[0].step-1.hooks.failure"), None);
    let step = &run.status.nodes[&node_id("wf-x", "wf-x[0].step-1")];
    assert!(step.children.contains(&node_id("wf-x", "wf-x[0].step-1.hooks.success")));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn a_failing_hook_does_not_fail_its_task() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "work", "container": container("work")},
            {"name": "bad", "container": container("fail")},
            {"name": "main", "dag": {"tasks": [
                {"name": "a", "template": "work", "hooks": {"done": {
                    "expression": "tasks.a.status == \"Succeeded\"", "template": "bad"}}},
                {"name": "b", "template": "work", "dependencies": ["a"]}
            ]}}
        ]
    }));
    let (run, order) = drive(plan, exit_by_arg);
    assert_eq!(order, ["wf-x.a", "wf-x.a.hooks.done", "wf-x.b"]);
    assert_eq!(phase_of(&run, "wf-x.a.hooks.done"), Some(NodePhase::Failed));
    assert_eq!(phase_of(&run, "wf-x.a"), Some(NodePhase::Succeeded));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn workflow_hooks_see_the_workflow_status_and_the_workflow_waits_for_them() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "onExit": "work",
        "hooks": {
            "running": {"expression": "workflow.status == \"Running\"", "template": "work"},
            "failed": {"expression": "workflow.status == \"Failed\"", "template": "work"},
            "succeeded": {"expression": "workflow.status == \"Succeeded\"", "template": "work"}
        },
        "templates": [
            {"name": "work", "container": container("work")},
            {"name": "main", "steps": [[{"name": "a", "template": "work"}]]}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(
        order,
        ["wf-x[0].a", "wf-x.hooks.running", "wf-x.hooks.succeeded", "wf-x.onExit"],
        "hooks first seen true once the first event settles; onExit after the hooks"
    );
    assert_eq!(phase_of(&run, "wf-x.hooks.failed"), None);
    assert!(run.status.nodes["wf-x"].children.contains(&node_id("wf-x", "wf-x.hooks.running")));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn hook_errors_are_nodes_that_say_why() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "work", "container": container("work")},
            {"name": "main", "steps": [[{"name": "a", "template": "work", "hooks": {
                "typo": {"expression": "steps.a.status ==", "template": "work"},
                "nowhere": {"expression": "true", "template": "missing"}
            }}]]}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(order, ["wf-x[0].a"]);
    let typo = &run.status.nodes[&node_id("wf-x", "wf-x[0].a.hooks.typo")];
    assert_eq!(typo.phase, NodePhase::Error);
    assert!(typo.message.starts_with("hook expression:"), "{}", typo.message);
    let nowhere = &run.status.nodes[&node_id("wf-x", "wf-x[0].a.hooks.nowhere")];
    assert_eq!(nowhere.phase, NodePhase::Error);
    assert!(nowhere.message.contains("missing"), "{}", nowhere.message);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}
