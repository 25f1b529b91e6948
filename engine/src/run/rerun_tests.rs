//! Retrying finished workflows: what runs again, what is kept as it was.

use serde_json::json;

use super::tests::{T0, container, drive, drive_from, ok, phase_of, plan_of};
use super::*;
use crate::status::{NodePhase, WorkflowPhase, node_id};

fn code_of(s: &LaunchSpec) -> i32 {
    let arg = s.container["args"][0].as_str().unwrap_or("");
    if arg.contains("fail") { 1 } else { 0 }
}

fn diamond() -> serde_json::Value {
    json!({
        "entrypoint": "main",
        "templates": [
            {"name": "ok", "container": container("echo ok")},
            {"name": "flaky", "container": container("fail")},
            {"name": "main", "dag": {"failFast": false, "tasks": [
                {"name": "a", "template": "ok"},
                {"name": "b", "template": "flaky", "dependencies": ["a"]},
                {"name": "c", "template": "ok", "dependencies": ["a"]},
                {"name": "d", "template": "ok", "dependencies": ["b", "c"]}
            ]}}
        ]
    })
}

fn retry(
    run: &Run,
    options: &RetryOptions,
    exit: impl Fn(&LaunchSpec) -> Exit,
) -> (Run, Vec<String>) {
    let later = Time(T0.0 + 1000);
    let (again, actions) =
        Run::retry(run.plan.clone(), &run.status, options, later).expect("retryable");
    drive_from(again, actions, later, exit)
}

#[test]
fn retry_runs_the_failed_task_and_what_follows_it_only() {
    let plan = plan_of(diamond());
    let (first, order) = drive(plan, |s| Exit { code: code_of(s), ..Default::default() });
    assert_eq!(order, ["wf-x.a", "wf-x.b", "wf-x.c"]);
    assert_eq!(first.status.phase, WorkflowPhase::Failed);
    assert_eq!(phase_of(&first, "wf-x.d"), Some(NodePhase::Omitted));

    let (second, order) = retry(&first, &RetryOptions::default(), ok);
    assert_eq!(order, ["wf-x.b", "wf-x.d"], "a and c are kept, b and what follows run again");
    assert_eq!(second.status.phase, WorkflowPhase::Succeeded);
    // Kept nodes keep their times; the rerun ones are new.
    let a = node_id("wf-x", "wf-x.a");
    assert_eq!(second.status.nodes[&a], first.status.nodes[&a]);
    let b = node_id("wf-x", "wf-x.b");
    assert!(second.status.nodes[&b].started_at > first.status.nodes[&b].started_at);
    assert_eq!(second.status.progress, "4/4");
}

#[test]
fn a_retry_that_fails_again_fails_again() {
    let plan = plan_of(diamond());
    let fail = |s: &LaunchSpec| Exit { code: code_of(s), ..Default::default() };
    let (first, _) = drive(plan, fail);
    let (second, order) = retry(&first, &RetryOptions::default(), fail);
    assert_eq!(order, ["wf-x.b"]);
    assert_eq!(second.status.phase, WorkflowPhase::Failed);
    // And it can be retried again.
    let (third, order) = retry(&second, &RetryOptions::default(), ok);
    assert_eq!(order, ["wf-x.b", "wf-x.d"]);
    assert_eq!(third.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn kept_outputs_feed_the_tasks_that_run_again() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "gen", "container": container("echo 42"),
             "outputs": {"parameters": [{"name": "n", "valueFrom": {"path": "/tmp/n"}}]}},
            {"name": "use", "inputs": {"parameters": [{"name": "n"}]},
             "container": container("use {{inputs.parameters.n}}")},
            {"name": "main", "steps": [
                [{"name": "gen", "template": "gen"}],
                [{"name": "use", "template": "use", "arguments": {"parameters": [
                    {"name": "n", "value": "{{steps.gen.outputs.parameters.n}}"}]}}]
            ]}
        ]
    }));
    let (first, _) = drive(plan, |s| {
        let mut e = Exit::default();
        if s.template == "gen" {
            e.parameters.insert("n".into(), "42".into());
        } else {
            e.code = 3;
        }
        e
    });
    assert_eq!(first.status.phase, WorkflowPhase::Failed);
    let seen = std::cell::RefCell::new(Vec::new());
    let (second, order) = retry(&first, &RetryOptions::default(), |s| {
        seen.borrow_mut().push(s.container["args"][0].as_str().unwrap_or("").to_string());
        Exit::default()
    });
    assert_eq!(order, ["wf-x[1].use"]);
    assert_eq!(seen.into_inner(), ["use 42"]);
    assert_eq!(second.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn a_retry_node_that_succeeded_keeps_its_failed_attempts() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "flaky", "retryStrategy": {"limit": 3, "backoff": {"duration": "30s"}},
             "container": container("attempt {{retries}}")},
            {"name": "bad", "container": container("fail")},
            {"name": "main", "dag": {"failFast": false, "tasks": [
                {"name": "f", "template": "flaky"},
                {"name": "g", "template": "bad"}
            ]}}
        ]
    }));
    let (first, order) = drive(plan, |s| {
        let arg = s.container["args"][0].as_str().unwrap_or("");
        Exit { code: i32::from(arg == "attempt 0" || arg == "fail"), ..Default::default() }
    });
    assert_eq!(order, ["wf-x.f(0)", "wf-x.g", "wf-x.f(1)"]);
    assert_eq!(first.status.phase, WorkflowPhase::Failed);
    let (second, order) = retry(&first, &RetryOptions::default(), ok);
    assert_eq!(order, ["wf-x.g"], "the retry node and both its attempts are kept, with no backoff");
    let f = node_id("wf-x", "wf-x.f");
    assert_eq!(second.status.nodes[&f], first.status.nodes[&f]);
    assert_eq!(phase_of(&second, "wf-x.f(0)"), Some(NodePhase::Failed));
    assert_eq!(second.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn a_retry_node_that_gave_up_starts_counting_again() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [{"name": "main", "retryStrategy": {"limit": 1},
            "container": container("fail")}]
    }));
    let fail = |_: &LaunchSpec| Exit { code: 1, ..Default::default() };
    let (first, order) = drive(plan, fail);
    assert_eq!(order, ["wf-x(0)", "wf-x(1)"]);
    let (second, order) = retry(&first, &RetryOptions::default(), ok);
    assert_eq!(order, ["wf-x(0)"]);
    assert_eq!(second.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn restart_successful_reruns_the_selected_nodes_and_their_followers() {
    let plan = plan_of(diamond());
    let (first, _) = drive(plan, ok);
    assert_eq!(first.status.phase, WorkflowPhase::Succeeded);
    let plain = Run::retry(first.plan.clone(), &first.status, &RetryOptions::default(), T0);
    assert!(plain.unwrap_err().0.contains("--restart-successful"));
    let options = RetryOptions {
        restart_successful: true,
        node_selector: Some(NodeSelector::parse("displayName=c").expect("parses")),
    };
    let (second, order) = retry(&first, &options, ok);
    assert_eq!(order, ["wf-x.c", "wf-x.d"]);
    assert_eq!(second.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn workflow_exit_handlers_run_again_on_retry() {
    let mut spec = diamond();
    spec["onExit"] = json!("ok");
    let plan = plan_of(spec);
    let (first, order) = drive(plan, |s| Exit { code: code_of(s), ..Default::default() });
    assert_eq!(order.last().map(String::as_str), Some("wf-x.onExit"));
    let (_, order) = retry(&first, &RetryOptions::default(), ok);
    assert_eq!(order, ["wf-x.b", "wf-x.d", "wf-x.onExit"]);
}

#[test]
fn running_workflows_and_bad_selectors_are_refused() {
    let plan = plan_of(diamond());
    let (run, _) = Run::start(plan, T0);
    let err = Run::retry(run.plan.clone(), &run.status, &RetryOptions::default(), T0).unwrap_err();
    assert!(err.0.contains("phase Running"), "{err}");
    assert!(NodeSelector::parse("colour=red").unwrap_err().0.contains("unknown field"));
    assert!(NodeSelector::parse("displayName").unwrap_err().0.contains("no `=`"));
    let s = NodeSelector::parse("inputs.parameters.x.value=1, phase!=Failed").expect("parses");
    let mut n = run.status.nodes.values().next().cloned().expect("root");
    assert!(!s.matches(&n));
    n.inputs = Some(crate::spec::Inputs {
        parameters: vec![crate::spec::Parameter {
            name: "x".into(),
            value: Some(crate::spec::AnyString("1".into())),
            ..Default::default()
        }],
        ..Default::default()
    });
    assert!(s.matches(&n));
    n.phase = NodePhase::Failed;
    assert!(!s.matches(&n));
}
