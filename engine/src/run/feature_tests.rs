//! Scenario tests for retries, exit handlers, suspend, stop/terminate,
//! deadlines, parallelism, template outputs and `templateRef`.

use std::sync::Arc;

use serde_json::json;

use super::tests::{T0, container, drive, drive_from, ok, phase_of, plan_of};
use super::*;
use crate::spec::{Catalog, Document, decode};
use crate::status::{NodePhase, NodeType, WorkflowPhase, node_id};

fn node<'a>(run: &'a Run, name: &str) -> &'a crate::status::NodeStatus {
    &run.status.nodes[&node_id("wf-x", name)]
}

#[test]
fn retries_make_a_retry_node_with_numbered_attempts() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [{"name": "main", "retryStrategy": {"limit": 2},
            "container": container("exit 1")}]
    }));
    let (run, order) = drive(plan, |_| Exit { code: 1, ..Default::default() });
    assert_eq!(order, ["wf-x(0)", "wf-x(1)", "wf-x(2)"]);
    let root = node(&run, "wf-x");
    assert_eq!(root.node_type, NodeType::Retry);
    assert_eq!(root.phase, NodePhase::Failed);
    assert_eq!(root.message, "No more retries left");
    assert_eq!(root.children.len(), 3);
    assert_eq!(node(&run, "wf-x(1)").boundary_id, None);
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
    assert_eq!(run.status.progress, "0/3");
}

#[test]
fn a_retry_that_succeeds_takes_its_attempts_outputs_and_retries_var() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "flaky", "retryStrategy": {"limit": "3", "retryPolicy": "Always"},
             "container": container("attempt {{retries}}")},
            {"name": "main", "steps": [[{"name": "f", "template": "flaky"}],
                [{"name": "after", "template": "echo", "arguments": {"parameters": [
                    {"name": "m", "value": "{{steps.f.outputs.result}}"}]}}]]},
            {"name": "echo", "inputs": {"parameters": [{"name": "m"}]}, "container": container("{{inputs.parameters.m}}")}
        ]
    }));
    let (run, order) = drive(plan, |s| {
        let arg = s.container["args"][0].as_str().unwrap_or("").to_string();
        let code = if arg == "attempt 2" || !arg.starts_with("attempt") { 0 } else { 1 };
        Exit { code, result: Some(arg), ..Default::default() }
    });
    assert_eq!(order, ["wf-x[0].f(0)", "wf-x[0].f(1)", "wf-x[0].f(2)", "wf-x[1].after"]);
    assert_eq!(node(&run, "wf-x[0].f").phase, NodePhase::Succeeded);
    assert_eq!(
        node(&run, "wf-x[1].after").inputs.as_ref().unwrap().parameters[0]
            .value
            .as_ref()
            .unwrap()
            .0,
        "attempt 2"
    );
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn backoff_waits_on_a_timer() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [{"name": "main", "retryStrategy": {"limit": 1, "backoff": {"duration": "10s"}},
            "container": container("x")}]
    }));
    let (mut run, actions) = Run::start(plan, T0);
    let Some(Action::Launch(first)) = actions.first().cloned() else { panic!("launch") };
    let out = run.step(
        Event::NodeExited { node: first.node, exit: Exit { code: 1, ..Default::default() } },
        Time(T0.0 + 2),
    );
    assert_eq!(
        out,
        vec![Action::ArmTimer {
            timer: Timer { node: "wf-x".into(), kind: TimerKind::Backoff },
            at: Time(T0.0 + 12),
        }]
    );
    assert_eq!(node(&run, "wf-x").message, "Backoff for 10 seconds");
    let out = run.step(
        Event::TimerFired { timer: Timer { node: "wf-x".into(), kind: TimerKind::Backoff } },
        Time(T0.0 + 12),
    );
    assert!(matches!(&out[..], [Action::Launch(s)] if s.node == node_id("wf-x", "wf-x(1)")));
    assert_eq!(node(&run, "wf-x").message, "");
}

#[test]
fn step_exit_handlers_run_after_the_step_and_before_the_next_group() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "p", "value": "v"}]},
        "templates": [
            {"name": "t", "container": container("x")},
            {"name": "cleanup", "container": container("cleanup")},
            {"name": "main", "steps": [[{"name": "a", "template": "t", "onExit": "cleanup"}],
                                       [{"name": "b", "template": "t"}]]}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(order, ["wf-x[0].a", "wf-x[0].a.onExit", "wf-x[1].b"]);
    let a = node(&run, "wf-x[0].a");
    assert!(a.children.contains(&node_id("wf-x", "wf-x[0].a.onExit")));
    assert_eq!(node(&run, "wf-x[0].a.onExit").boundary_id, Some("wf-x".into()));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn exit_hooks_see_the_steps_outputs_and_their_failure_does_not_fail_the_group() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "t", "container": container("x")},
            {"name": "report", "inputs": {"parameters": [{"name": "r"}]}, "container": container("{{inputs.parameters.r}}")},
            {"name": "main", "steps": [[{"name": "a", "template": "t", "hooks": {"exit": {
                "template": "report", "arguments": {"parameters": [{"name": "r", "value": "{{steps.a.outputs.result}}"}]}}}}]]}
        ]
    }));
    let (run, order) = drive(plan, |s| Exit {
        code: if s.container["args"][0] == "hello" { 1 } else { 0 },
        result: Some("hello".into()),
        ..Default::default()
    });
    assert_eq!(order, ["wf-x[0].a", "wf-x[0].a.onExit"]);
    assert_eq!(node(&run, "wf-x[0].a.onExit").phase, NodePhase::Failed);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn the_workflow_exit_handler_sees_status_and_failures_and_can_fail_the_workflow() {
    let spec = |fail: bool| {
        plan_of(json!({
            "entrypoint": "main",
            "onExit": "exit",
            "templates": [
                {"name": "main", "container": container(if fail { "fail" } else { "ok" })},
                {"name": "exit", "steps": [[
                    {"name": "celebrate", "template": "say", "when": "{{workflow.status}} == Succeeded",
                     "arguments": {"parameters": [{"name": "m", "value": "yay"}]}},
                    {"name": "cry", "template": "say", "when": "{{workflow.status}} != Succeeded",
                     "arguments": {"parameters": [{"name": "m", "value": "{{workflow.failures}}"}]}}
                ]]},
                {"name": "say", "inputs": {"parameters": [{"name": "m"}]}, "container": container("{{inputs.parameters.m}}")}
            ]
        }))
    };
    let code = |s: &LaunchSpec| Exit {
        code: i32::from(s.container["args"][0] == "fail"),
        ..Default::default()
    };
    let (run, order) = drive(spec(false), code);
    assert_eq!(order, ["wf-x", "wf-x.onExit[0].celebrate"]);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
    assert_eq!(phase_of(&run, "wf-x.onExit[0].cry"), Some(NodePhase::Skipped));
    let (run, order) = drive(spec(true), code);
    assert_eq!(order, ["wf-x", "wf-x.onExit[0].cry"]);
    let cry = node(&run, "wf-x.onExit[0].cry");
    let m = cry.inputs.as_ref().unwrap().parameters[0].value.as_ref().unwrap().0.clone();
    // A JSON string holding the JSON array, as Argo's strconv.Quote makes it.
    let inner: String = serde_json::from_str(&m).expect("quoted");
    let list: serde_json::Value = serde_json::from_str(&inner).expect("array");
    assert_eq!(list[0]["displayName"], "wf-x");
    assert_eq!(list[0]["message"], "main: Error (exit code 1)");
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
    assert_eq!(run.status.message, "main: Error (exit code 1)");
    assert!(node(&run, "wf-x.onExit").boundary_id.is_none());
}

#[test]
fn suspend_waits_for_resume_or_duration() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "wait", "suspend": {}},
            {"name": "nap", "suspend": {"duration": "20"}},
            {"name": "main", "steps": [[{"name": "w", "template": "wait"}], [{"name": "n", "template": "nap"}]]}
        ]
    }));
    let (mut run, actions) = Run::start(plan, T0);
    assert!(actions.is_empty());
    assert_eq!(node(&run, "wf-x[0].w").node_type, NodeType::Suspend);
    assert_eq!(node(&run, "wf-x[0].w").phase, NodePhase::Running);
    let out = run.step(Event::Resume { node: None }, Time(T0.0 + 5));
    assert_eq!(
        out,
        vec![Action::ArmTimer {
            timer: Timer { node: node_id("wf-x", "wf-x[1].n"), kind: TimerKind::Resume },
            at: Time(T0.0 + 25),
        }]
    );
    let (run, _) = drive_from(run, out, Time(T0.0 + 5), ok);
    assert_eq!(node(&run, "wf-x[1].n").finished_at, Some(Time(T0.0 + 25)));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
    assert_eq!(run.status.progress, "2/2");
}

#[test]
fn set_node_supplies_outputs_and_ends_a_suspended_node_with_its_phase() {
    let plan = || {
        plan_of(json!({
            "entrypoint": "main",
            "templates": [
                {"name": "approve", "suspend": {},
                 "outputs": {"parameters": [{"name": "ok", "valueFrom": {"supplied": {}}}]}},
                {"name": "main", "steps": [[{"name": "a", "template": "approve"}]]}
            ]
        }))
    };
    let id = node_id("wf-x", "wf-x[0].a");
    let set = |phase, message: Option<&str>, outputs: &[(&str, &str)]| Event::SetNode {
        node: id.clone(),
        phase,
        message: message.map(str::to_string),
        outputs: outputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    // Outputs and message only: still waiting; then Succeeded resumes it.
    let (mut run, _) = Run::start(plan(), T0);
    run.step(set(None, Some("looked at"), &[("ok", "yes"), ("other", "x")]), Time(T0.0 + 1));
    let a = node(&run, "wf-x[0].a");
    assert_eq!(a.phase, NodePhase::Running);
    assert_eq!(a.message, "looked at");
    let out = a.outputs.as_ref().expect("outputs");
    assert_eq!(out.parameters.len(), 1, "only the parameters it expects");
    assert_eq!(out.parameters[0].value.as_deref(), Some("yes"));
    run.step(set(Some(NodePhase::Succeeded), None, &[]), Time(T0.0 + 2));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
    // Failed ends it failed, with the message.
    let (mut run, _) = Run::start(plan(), T0);
    run.step(set(Some(NodePhase::Failed), Some("rejected"), &[]), Time(T0.0 + 1));
    assert_eq!(node(&run, "wf-x[0].a").phase, NodePhase::Failed);
    assert_eq!(node(&run, "wf-x[0].a").message, "rejected");
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
    // The event survives the journal.
    let e = set(Some(NodePhase::Succeeded), None, &[("ok", "yes")]);
    let text = serde_json::to_string(&e).expect("JSON");
    assert_eq!(serde_json::from_str::<Event>(&text).expect("back"), e);
}

#[test]
fn stop_kills_pods_and_runs_the_exit_handler_terminate_does_not() {
    let spec = || {
        plan_of(json!({
            "entrypoint": "main",
            "onExit": "bye",
            "templates": [
                {"name": "main", "container": container("sleep")},
                {"name": "bye", "container": container("bye")}
            ]
        }))
    };
    for (event, runs_exit, msg) in [
        (Event::Stop, true, "Stopped with strategy 'Stop'"),
        (Event::Terminate, false, "Stopped with strategy 'Terminate'"),
    ] {
        let (mut run, _) = Run::start(spec(), T0);
        run.step(Event::NodeStarted { node: "wf-x".into() }, T0);
        let out = run.step(event, Time(T0.0 + 1));
        assert_eq!(out, vec![Action::Kill { node: "wf-x".into() }]);
        let out = run.step(
            Event::NodeExited {
                node: "wf-x".into(),
                exit: Exit { code: 143, ..Default::default() },
            },
            Time(T0.0 + 2),
        );
        assert_eq!(
            node(&run, "wf-x").message,
            format!(
                "workflow shutdown with strategy:  {}",
                if runs_exit { "Stop" } else { "Terminate" }
            )
        );
        assert_eq!(
            out.iter().any(
                |a| matches!(a, Action::Launch(s) if s.node == node_id("wf-x", "wf-x.onExit"))
            ),
            runs_exit
        );
        let (run, _) = drive_from(run, out, Time(T0.0 + 2), ok);
        assert_eq!(run.status.phase, WorkflowPhase::Failed);
        assert_eq!(run.status.message, msg);
    }
}

#[test]
fn deadlines_kill_pods() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "activeDeadlineSeconds": 30,
        "templates": [
            {"name": "slow", "activeDeadlineSeconds": 10, "container": container("sleep")},
            {"name": "main", "steps": [[{"name": "a", "template": "slow"}]]}
        ]
    }));
    let (mut run, actions) = Run::start(plan.clone(), T0);
    let a = node_id("wf-x", "wf-x[0].a");
    assert!(actions.contains(&Action::ArmTimer {
        timer: Timer { node: a.clone(), kind: TimerKind::NodeDeadline },
        at: Time(T0.0 + 10)
    }));
    let out = run.step(
        Event::TimerFired { timer: Timer { node: a.clone(), kind: TimerKind::NodeDeadline } },
        Time(T0.0 + 10),
    );
    assert_eq!(out, vec![Action::Kill { node: a.clone() }]);
    run.step(
        Event::NodeExited { node: a.clone(), exit: Exit { code: 137, ..Default::default() } },
        Time(T0.0 + 11),
    );
    assert_eq!(
        run.status.nodes[&a].message,
        "Pod was active on the node longer than the specified deadline"
    );
    assert_eq!(run.status.phase, WorkflowPhase::Failed);

    let (mut run, _) = Run::start(plan, T0);
    let out = run.step(
        Event::TimerFired {
            timer: Timer { node: "wf-x".into(), kind: TimerKind::WorkflowDeadline },
        },
        Time(T0.0 + 30),
    );
    assert_eq!(out, vec![Action::Kill { node: a.clone() }]);
    run.step(
        Event::NodeExited { node: a.clone(), exit: Exit { code: 143, ..Default::default() } },
        Time(T0.0 + 31),
    );
    assert_eq!(run.status.nodes[&a].message, "Step exceeded its deadline");
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
}

#[test]
fn parallelism_holds_pods_back() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "parallelism": 2,
        "templates": [
            {"name": "t", "container": container("x")},
            {"name": "main", "steps": [[{"name": "p", "template": "t", "withItems": [1, 2, 3, 4, 5]}]]}
        ]
    }));
    let (mut run, actions) = Run::start(plan, T0);
    assert_eq!(actions.len(), 2);
    let Action::Launch(first) = &actions[0] else { panic!() };
    let out = run.step(
        Event::NodeExited { node: first.node.clone(), exit: Exit::default() },
        Time(T0.0 + 1),
    );
    assert_eq!(out.len(), 1);
    let (run, order) =
        drive_from(run, [actions[1].clone()].into_iter().chain(out).collect(), Time(T0.0 + 1), ok);
    assert_eq!(order.len(), 4);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);

    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "t", "container": container("x")},
            {"name": "main", "parallelism": 1, "steps": [[{"name": "p", "template": "t", "withItems": [1, 2, 3]}]]}
        ]
    }));
    let (_, actions) = Run::start(plan, T0);
    assert_eq!(actions.len(), 1);
}

#[test]
fn steps_and_dag_templates_compute_outputs_and_publish_globals() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "gen", "container": container("x"),
             "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/o"}, "globalName": "g"}]}},
            {"name": "inner", "dag": {"tasks": [{"name": "a", "template": "gen"},
                                               {"name": "skip", "template": "gen", "when": "false"}]},
             "outputs": {"parameters": [
                {"name": "from-a", "valueFrom": {"parameter": "{{tasks.a.outputs.parameters.o}}"}},
                {"name": "fallback", "valueFrom": {"expression": "tasks.skip.outputs.parameters.o ?? 'none'"}}]}},
            {"name": "main", "steps": [[{"name": "i", "template": "inner"}],
                [{"name": "use", "template": "echo", "arguments": {"parameters": [
                    {"name": "m", "value": "{{steps.i.outputs.parameters.from-a}}/{{steps.i.outputs.parameters.fallback}}/{{workflow.outputs.parameters.g}}"}]}}]]},
            {"name": "echo", "inputs": {"parameters": [{"name": "m"}]}, "container": container("{{inputs.parameters.m}}")}
        ]
    }));
    let (run, _) = drive(plan, |_| Exit {
        parameters: [("o".to_string(), "42".to_string())].into(),
        ..Default::default()
    });
    let used = node(&run, "wf-x[1].use");
    assert_eq!(used.inputs.as_ref().unwrap().parameters[0].value.as_ref().unwrap().0, "42/none/42");
    let global = &run.status.outputs.as_ref().unwrap().parameters[0];
    assert_eq!((global.name.as_str(), global.value.as_deref()), ("g", Some("42")));
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn an_absent_output_argument_lets_the_input_default_apply() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "gen", "container": container("x"),
             "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/o"}}]}},
            {"name": "use", "inputs": {"parameters": [{"name": "m", "default": "dflt"}]}, "container": container("{{inputs.parameters.m}}")},
            {"name": "main", "dag": {"tasks": [
                {"name": "p", "template": "gen", "when": "false"},
                {"name": "c", "template": "use", "depends": "p.Skipped",
                 "arguments": {"parameters": [{"name": "m", "value": "{{tasks.p.outputs.parameters.o}}"}]}}]}}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(order, ["wf-x.c"]);
    let c = node(&run, "wf-x.c");
    assert_eq!(c.inputs.as_ref().unwrap().parameters[0].value.as_ref().unwrap().0, "dflt");
}

#[test]
fn template_refs_resolve_in_their_own_workflow_template() {
    let wt = decode(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
        "metadata": {"name": "lib"},
        "spec": {"templates": [
            {"name": "hello", "steps": [[{"name": "s", "template": "leaf"}]]},
            {"name": "leaf", "container": container("from lib")}
        ]}
    }))
    .expect("valid");
    let mut catalog = Catalog::default();
    catalog.add(&wt);
    let doc = decode(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "wf-"},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "leaf", "container": container("own")},
            {"name": "main", "dag": {"tasks": [
                {"name": "r", "templateRef": {"name": "lib", "template": "hello"}},
                {"name": "inl", "inline": {"container": container("inline")}}
            ]}}
        ]}
    }))
    .expect("valid");
    let Document::Workflow(wf) = doc else { panic!() };
    let sub = Submission {
        name: "wf-x".into(),
        namespace: "argo".into(),
        uid: "u".into(),
        created_at: T0,
        parameters: vec![],
        entrypoint: None,
        artifact_repository: None,
    };
    let plan = Arc::new(plan(&wf, &catalog, &sub).expect("plans"));
    let (run, _) = drive(plan, |s| {
        assert_ne!(s.container["args"][0], "own");
        ok(s)
    });
    let r = node(&run, "wf-x.r");
    assert_eq!(r.template_ref.as_ref().map(|t| t.name.as_str()), Some("lib"));
    assert_eq!(node(&run, "wf-x.r[0].s").phase, NodePhase::Succeeded);
    assert_eq!(node(&run, "wf-x.inl").phase, NodePhase::Succeeded);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
}

#[test]
fn aggregated_loop_outputs_reach_the_next_group() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [
                [{"name": "square", "template": "sq", "arguments": {"parameters": [{"name": "num", "value": "{{item}}"}]}, "withItems": [1, 2]}],
                [{"name": "total", "template": "sum", "arguments": {"parameters": [{"name": "values", "value": "{{steps.square.outputs.parameters.square}}"}]}}]
            ]},
            {"name": "sq", "inputs": {"parameters": [{"name": "num"}]},
             "outputs": {"parameters": [{"name": "square", "valueFrom": {"path": "/tmp/square"}}]},
             "script": {"image": "python:alpine3.23", "command": ["python"], "source": "{{inputs.parameters.num}}"}},
            {"name": "sum", "inputs": {"parameters": [{"name": "values"}]}, "container": container("{{inputs.parameters.values}}")}
        ]
    }));
    let (run, _) = drive(plan, |s| Exit {
        parameters: [("square".to_string(), s.source.clone().unwrap_or_default())].into(),
        result: Some(String::new()),
        ..Default::default()
    });
    let total = node(&run, "wf-x[1].total");
    assert_eq!(total.message, "");
    assert_eq!(
        total.inputs.as_ref().unwrap().parameters[0].value.as_ref().unwrap().0,
        r#"["1","2"]"#
    );
}

#[test]
fn a_suspended_workflow_holds_launches_until_resumed_and_stop_releases_them() {
    let spec = || {
        plan_of(json!({
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [[{"name": "a", "template": "t"}],
                    [{"name": "b", "template": "t"}]]},
                {"name": "t", "container": container("x")}
            ]
        }))
    };
    let launched = |out: &[Action]| -> Vec<String> {
        out.iter()
            .filter_map(|a| match a {
                Action::Launch(s) => Some(s.node.clone()),
                _ => None,
            })
            .collect()
    };
    let a = node_id("wf-x", "wf-x[0].a");
    let b = node_id("wf-x", "wf-x[1].b");
    let exit_a = || Event::NodeExited { node: a.clone(), exit: Exit::default() };

    // Suspend, then resume: b starts only at the resume.
    let (mut run, out) = Run::start(spec(), T0);
    assert_eq!(launched(&out), std::slice::from_ref(&a));
    assert!(run.step(Event::Suspend, T0).is_empty());
    assert!(run.is_workflow_suspended() && run.is_suspended());
    assert!(launched(&run.step(exit_a(), Time(T0.0 + 1))).is_empty());
    assert_eq!(run.status.nodes[&b].phase, NodePhase::Pending);
    // A second suspend keeps what is held.
    assert!(run.step(Event::Suspend, Time(T0.0 + 1)).is_empty());
    let out = run.step(Event::Resume { node: None }, Time(T0.0 + 2));
    assert_eq!(launched(&out), std::slice::from_ref(&b));
    assert!(!run.is_workflow_suspended());

    // Suspend, then stop: what was held is launched and killed at once.
    let (mut run, _) = Run::start(spec(), T0);
    run.step(Event::Suspend, T0);
    run.step(exit_a(), Time(T0.0 + 1));
    let out = run.step(Event::Stop, Time(T0.0 + 2));
    assert_eq!(launched(&out), std::slice::from_ref(&b));
    assert!(out.contains(&Action::Kill { node: b.clone() }), "{out:?}");
    run.step(
        Event::NodeExited { node: b.clone(), exit: Exit { code: 143, ..Default::default() } },
        Time(T0.0 + 3),
    );
    assert_eq!(run.status.phase, WorkflowPhase::Failed);
}

#[test]
fn a_deadline_during_a_suspension_ends_the_held_nodes() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "activeDeadlineSeconds": 10,
        "templates": [
            {"name": "main", "steps": [[{"name": "a", "template": "t"}], [{"name": "b", "template": "t"}]]},
            {"name": "t", "container": container("x")}
        ]
    }));
    let a = node_id("wf-x", "wf-x[0].a");
    let b = node_id("wf-x", "wf-x[1].b");
    let (mut run, out) = Run::start(plan, T0);
    let deadline = out
        .iter()
        .find_map(|a| match a {
            Action::ArmTimer { timer, .. } if timer.kind == TimerKind::WorkflowDeadline => {
                Some(timer.clone())
            }
            _ => None,
        })
        .expect("a workflow deadline timer");
    run.step(Event::NodeStarted { node: a.clone() }, T0);
    run.step(Event::Suspend, T0);
    run.step(Event::NodeExited { node: a, exit: Exit::default() }, Time(T0.0 + 1));
    assert_eq!(run.status.nodes[&b].phase, NodePhase::Pending, "held");
    let out = run.step(Event::TimerFired { timer: deadline }, Time(T0.0 + 10));
    assert!(
        !out.iter().any(|a| matches!(a, Action::Launch(_) | Action::Kill { .. })),
        "nothing to start or kill: {out:?}"
    );
    assert!(run.status.nodes[&b].phase.is_completed(), "{:?}", run.status.nodes[&b]);
    assert!(run.is_done(), "the workflow ended: {:?}", run.status.phase);
}
