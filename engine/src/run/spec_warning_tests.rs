//! What a run does with fields Keelson does not enforce: the
//! `SpecWarning` condition that names them, the refusals (daemons, input
//! parameters from a ConfigMap), and a workflow submitted suspended or
//! shut down.

use std::sync::Arc;

use serde_json::json;

use super::tests::{T0, container, drive, drive_from, ok, plan_of};
use super::*;
use crate::spec::not_enforced::Executor;
use crate::status::{Condition, NodePhase, WorkflowPhase, node_id};

fn launched(out: &[Action]) -> Vec<String> {
    out.iter()
        .filter_map(|a| match a {
            Action::Launch(s) => Some(s.node_name.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_status_says_what_will_not_be_enforced() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [[
                {"name": "a", "template": "guarded"},
                {"name": "b", "template": "guarded"},
                {"name": "c", "template": "guarded"}
            ]]},
            {"name": "guarded", "synchronization": {"mutex": {"name": "m"}},
             "memoize": {"key": "k", "cache": {"configMap": {"name": "cache"}}},
             "container": container("true")}
        ]
    }));
    let (run, out) = Run::start(plan, T0);
    // Not enforced: the three guarded steps start together.
    assert_eq!(launched(&out).len(), 3, "{out:?}");
    let expected = Condition {
        condition_type: "SpecWarning".into(),
        status: "True".into(),
        message: "synchronization is not enforced (template guarded): its mutexes and \
                  semaphores are not taken, so the steps and tasks it guards may run at the \
                  same time; memoize is not enforced (template guarded): nothing is cached, so \
                  the template runs every time"
            .into(),
    };
    assert_eq!(run.status.conditions, vec![expected.clone()]);
    let v = serde_json::to_value(&run.status).unwrap_or_default();
    assert_eq!(
        v["conditions"],
        json!([{"type": "SpecWarning", "status": "True", "message": expected.message}])
    );
    // It lasts to the end of the run.
    let (run, _) = drive_from(run, out, T0, ok);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
    assert_eq!(run.status.conditions, vec![expected]);
}

#[test]
fn a_workflow_that_uses_nothing_unenforced_has_no_condition() {
    let plan = plan_of(
        json!({"entrypoint": "main", "templates": [{"name": "main", "container": container("true")}]}),
    );
    let (run, _) = Run::start(plan, T0);
    assert!(run.status.conditions.is_empty());
    let v = serde_json::to_value(&run.status).unwrap_or_default();
    assert!(v.get("conditions").is_none(), "{v}");
}

#[test]
fn the_condition_lists_what_the_executor_that_runs_it_ignores() {
    let spec = json!({
        "entrypoint": "main",
        "executor": {"serviceAccountName": "runner"},
        "templates": [{"name": "main", "container": container("true"),
            "sidecars": [{"name": "db", "image": "postgres"}]}]
    });
    let local = plan_of(spec.clone());
    assert_eq!(local.executor, Executor::Local);
    let (run, _) = Run::start(local, T0);
    let message = &run.status.conditions[0].message;
    assert!(
        message.starts_with("sidecars are not run by the local executor (template main)"),
        "{message}"
    );
    assert!(!message.contains("spec.executor"), "{message}");

    let mut kube = (*plan_of(spec)).clone();
    kube.executor = Executor::Kubernetes;
    let (run, _) = Run::start(Arc::new(kube), T0);
    let message = &run.status.conditions[0].message;
    assert!(message.starts_with("spec.executor is not used in Kubernetes mode"), "{message}");
    assert!(!message.contains("sidecars"), "{message}");
}

#[test]
fn a_daemon_step_ends_in_error_instead_of_waiting_for_ever() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [[{"name": "db", "template": "db"}], [{"name": "use", "template": "use"}]]},
            {"name": "db", "daemon": true, "retryStrategy": {"limit": 2}, "container": container("sleep 1000")},
            {"name": "use", "container": container("true")}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert!(order.is_empty(), "nothing launched: {order:?}");
    let db = &run.status.nodes[&node_id("wf-x", "wf-x[0].db")];
    assert_eq!(db.phase, NodePhase::Error);
    assert_eq!(
        db.message,
        "template 'db' is a daemon (daemon: true): Keelson does not run daemon templates"
    );
    assert!(run.is_done());
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
    assert!(
        run.status.conditions[0].message.starts_with("daemon templates are refused (template db)")
    );
}

#[test]
fn an_input_parameter_from_a_config_map_fails_its_node_saying_so() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [{"name": "main", "container": container("true"),
            "inputs": {"parameters": [{"name": "mode",
                "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}]}}]
    }));
    let (run, order) = drive(plan, ok);
    assert!(order.is_empty());
    assert_eq!(run.status.phase, WorkflowPhase::Error);
    assert_eq!(
        run.status.message,
        "inputs.parameters.mode: valueFrom.configMapKeyRef is not supported; pass the value as an argument"
    );
}

#[test]
fn a_workflow_submitted_suspended_launches_nothing_until_resumed() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "suspend": true,
        "templates": [{"name": "main", "container": container("true")}]
    }));
    let (mut run, out) = Run::start(plan, T0);
    assert!(launched(&out).is_empty(), "{out:?}");
    assert!(run.is_workflow_suspended());
    assert!(run.status.conditions.is_empty(), "suspend is enforced");
    let out = run.step(Event::Resume { node: None }, Time(T0.0 + 5));
    assert_eq!(launched(&out), vec!["wf-x"]);
    let (run, _) = drive_from(run, out, Time(T0.0 + 5), ok);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn a_workflow_submitted_stopped_runs_only_its_exit_handler() {
    let spec = |shutdown: &str| {
        plan_of(json!({
            "entrypoint": "main",
            "shutdown": shutdown,
            "onExit": "bye",
            "templates": [
                {"name": "main", "container": container("true")},
                {"name": "bye", "container": container("true")}
            ]
        }))
    };
    let (run, order) = drive(spec("Stop"), ok);
    assert_eq!(order, vec!["wf-x.onExit"]);
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
    assert_eq!(run.status.message, "Stopped with strategy 'Stop'");
    let main = &run.status.nodes[&node_id("wf-x", "wf-x")];
    assert_eq!(main.message, "workflow shutdown with strategy: Stop");

    let (run, order) = drive(spec("Terminate"), ok);
    assert!(order.is_empty(), "{order:?}");
    assert_eq!(run.status.message, "Stopped with strategy 'Terminate'");
}
