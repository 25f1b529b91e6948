//! Scenario tests: a workflow, the exits its pods make, the nodes that result.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::spec::{Catalog, Document, decode};
use crate::status::{NodePhase, NodeType, fnv1a_32, node_id};

pub(super) const T0: Time = Time(1_700_000_000);

pub(super) fn plan_of(spec: Value) -> Arc<Plan> {
    let doc = decode(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "wf-"}, "spec": spec
    }))
    .expect("valid");
    let Document::Workflow(wf) = doc else { panic!("workflow") };
    let sub = Submission {
        name: "wf-x".into(),
        namespace: "argo".into(),
        uid: "u".into(),
        created_at: T0,
        parameters: vec![],
        entrypoint: None,
        artifact_repository: None,
    };
    Arc::new(plan(&wf, &Catalog::default(), &sub).expect("plans"))
}

/// Run to completion, one second per event; `exit` decides each pod's
/// exit code from its node name. Returns the run and the launch order.
pub(super) fn drive(plan: Arc<Plan>, exit: impl Fn(&LaunchSpec) -> Exit) -> (Run, Vec<String>) {
    let (run, actions) = Run::start(plan, T0);
    drive_from(run, actions, T0, exit)
}

/// Carry on a run: pods exit one at a time (one second each, in launch
/// order); when none is running the earliest timer fires; a killed pod
/// exits at once with 143.
pub(super) fn drive_from(
    mut run: Run,
    actions: Vec<Action>,
    mut now: Time,
    exit: impl Fn(&LaunchSpec) -> Exit,
) -> (Run, Vec<String>) {
    let mut order = Vec::new();
    let mut pods: Vec<LaunchSpec> = Vec::new();
    let mut timers: Vec<(Time, Timer)> = Vec::new();
    let mut pending = actions;
    loop {
        for a in std::mem::take(&mut pending) {
            match a {
                Action::Launch(spec) => pods.push(spec),
                Action::ArmTimer { timer, at } => timers.push((at, timer)),
                Action::Kill { node } => {
                    pods.retain(|p| p.node != node);
                    let e = Exit { code: 143, ..Default::default() };
                    pending.extend(run.step(Event::NodeExited { node, exit: e }, now));
                }
            }
        }
        if !pending.is_empty() {
            continue;
        }
        if !pods.is_empty() {
            let spec = pods.remove(0);
            now = Time(now.0 + 1);
            let name = run.status.nodes[&spec.node].name.clone();
            // Pod names are Argo's v2 names: workflow, template, hash of the node name.
            if name != "wf-x" {
                assert_eq!(spec.pod_name, format!("wf-x-{}-{}", spec.template, fnv1a_32(&name)));
            }
            order.push(name);
            pending.extend(run.step(Event::NodeStarted { node: spec.node.clone() }, now));
            let e = exit(&spec);
            pending.extend(run.step(Event::NodeExited { node: spec.node.clone(), exit: e }, now));
            continue;
        }
        timers.sort_by_key(|(at, _)| *at);
        if timers.is_empty() {
            break;
        }
        let (at, timer) = timers.remove(0);
        now = Time(now.0.max(at.0));
        pending.extend(run.step(Event::TimerFired { timer }, now));
    }
    (run, order)
}

pub(super) fn ok(_: &LaunchSpec) -> Exit {
    Exit::default()
}

pub(super) fn phase_of(run: &Run, name: &str) -> Option<NodePhase> {
    run.status.nodes.get(&node_id("wf-x", name)).map(|n| n.phase)
}

pub(super) fn container(args: &str) -> Value {
    json!({"image": "alpine", "command": ["sh", "-c"], "args": [args]})
}

#[test]
fn the_seed_ci_pipeline_runs_in_order() {
    let plan = plan_of(json!({
        "entrypoint": "build-and-push",
        "templates": [
            {"name": "checkout", "container": container("echo checkout")},
            {"name": "build-image", "container": container("echo build")},
            {"name": "push-image", "container": container("echo push")},
            {"name": "build-and-push", "dag": {"tasks": [
                {"name": "checkout-code", "template": "checkout"},
                {"name": "build-docker", "template": "build-image", "dependencies": ["checkout-code"]},
                {"name": "push-docker", "template": "push-image", "dependencies": ["build-docker"]}
            ]}}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(order, ["wf-x.checkout-code", "wf-x.build-docker", "wf-x.push-docker"]);
    // The image is recorded on each pod node (Keelson's addition).
    let pod = &run.status.nodes[&node_id("wf-x", "wf-x.checkout-code")];
    assert_eq!(pod.image.as_deref(), Some("alpine"));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
    assert_eq!(run.status.progress, "3/3");
    let root = &run.status.nodes["wf-x"];
    assert_eq!(root.node_type, NodeType::Dag);
    assert_eq!(root.children, [node_id("wf-x", "wf-x.checkout-code")]);
    let checkout = &run.status.nodes[&node_id("wf-x", "wf-x.checkout-code")];
    assert_eq!(checkout.display_name, "checkout-code");
    assert_eq!(checkout.boundary_id.as_deref(), Some("wf-x"));
    assert_eq!(checkout.children, [node_id("wf-x", "wf-x.build-docker")]);
    assert_eq!(root.outbound_nodes, [node_id("wf-x", "wf-x.push-docker")]);
    assert_eq!(run.status.finished_at, Some(Time(T0.0 + 3)));
}

#[test]
fn a_diamond_runs_its_middle_in_parallel() {
    let plan = plan_of(json!({
        "entrypoint": "d",
        "templates": [
            {"name": "echo", "inputs": {"parameters": [{"name": "m"}]},
             "container": container("echo {{inputs.parameters.m}}")},
            {"name": "d", "dag": {"tasks": [
                {"name": "A", "template": "echo", "arguments": {"parameters": [{"name": "m", "value": "A"}]}},
                {"name": "B", "template": "echo", "depends": "A", "arguments": {"parameters": [{"name": "m", "value": "B"}]}},
                {"name": "C", "template": "echo", "depends": "A", "arguments": {"parameters": [{"name": "m", "value": "C"}]}},
                {"name": "D", "template": "echo", "depends": "B && C", "arguments": {"parameters": [{"name": "m", "value": "{{tasks.B.status}}"}]}}
            ]}}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(order, ["wf-x.A", "wf-x.B", "wf-x.C", "wf-x.D"]);
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
    let d = &run.status.nodes[&node_id("wf-x", "wf-x.D")];
    let input = d.inputs.as_ref().map(|i| i.parameters[0].value.clone());
    assert_eq!(input, Some(Some(crate::spec::AnyString("Succeeded".into()))));
}

#[test]
fn failures_omit_dependents_but_depends_can_accept_them() {
    // Argo's dag-enhanced-depends example, in miniature.
    let plan = plan_of(json!({
        "entrypoint": "d",
        "templates": [
            {"name": "pass", "container": container("true")},
            {"name": "fail", "container": container("false")},
            {"name": "d", "dag": {"tasks": [
                {"name": "A", "template": "pass"},
                {"name": "B", "template": "pass", "depends": "A"},
                {"name": "C", "template": "fail", "depends": "A"},
                {"name": "should-execute-1", "template": "pass", "depends": "A && (C.Succeeded || C.Failed)"},
                {"name": "should-execute-2", "template": "pass", "depends": "B || C"},
                {"name": "should-not-execute", "template": "pass", "depends": "B && C"},
                {"name": "should-execute-3", "template": "pass", "depends": "should-execute-2.Succeeded || should-not-execute"}
            ]}}
        ]
    }));
    let (run, _) =
        drive(plan, |s| Exit { code: i32::from(s.template == "fail"), ..Default::default() });
    assert_eq!(phase_of(&run, "wf-x.C"), Some(NodePhase::Failed));
    assert_eq!(run.status.nodes[&node_id("wf-x", "wf-x.C")].message, "main: Error (exit code 1)");
    assert_eq!(phase_of(&run, "wf-x.should-not-execute"), Some(NodePhase::Omitted));
    assert_eq!(phase_of(&run, "wf-x.should-execute-3"), Some(NodePhase::Succeeded));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
}

#[test]
fn a_failed_leaf_fails_the_dag_and_the_workflow() {
    let plan = plan_of(json!({
        "entrypoint": "d",
        "templates": [
            {"name": "t", "container": container("x")},
            {"name": "d", "dag": {"tasks": [
                {"name": "A", "template": "t"},
                {"name": "B", "template": "t", "dependencies": ["A"]}
            ]}}
        ]
    }));
    let (run, order) = drive(plan, |_| Exit { code: 2, ..Default::default() });
    assert_eq!(order, ["wf-x.A"]);
    assert_eq!(phase_of(&run, "wf-x.B"), Some(NodePhase::Omitted));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Failed);
    assert_eq!(run.status.progress, "0/1");
}

#[test]
fn steps_run_group_by_group_with_when_and_outputs() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "flip", "script": {"image": "python", "command": ["python"], "source": "print('heads')"}},
            {"name": "say", "inputs": {"parameters": [{"name": "m"}]}, "container": container("echo {{inputs.parameters.m}}")},
            {"name": "main", "steps": [
                [{"name": "flip-coin", "template": "flip"}],
                [{"name": "heads", "template": "say", "when": "{{steps.flip-coin.outputs.result}} == heads",
                  "arguments": {"parameters": [{"name": "m", "value": "it was {{steps.flip-coin.outputs.result}}"}]}},
                 {"name": "tails", "template": "say", "when": "{{steps.flip-coin.outputs.result}} == tails",
                  "arguments": {"parameters": [{"name": "m", "value": "tails"}]}}]
            ]}
        ]
    }));
    let (run, order) = drive(plan, |s| Exit {
        result: (s.template == "flip").then(|| "heads".to_string()),
        ..Default::default()
    });
    assert_eq!(order, ["wf-x[0].flip-coin", "wf-x[1].heads"]);
    let tails = &run.status.nodes[&node_id("wf-x", "wf-x[1].tails")];
    assert_eq!(tails.phase, NodePhase::Skipped);
    assert_eq!(tails.message, "when 'heads == tails' evaluated false");
    assert_eq!(tails.node_type, NodeType::Skipped);
    let g1 = &run.status.nodes[&node_id("wf-x", "wf-x[1]")];
    assert_eq!(g1.node_type, NodeType::StepGroup);
    assert_eq!(g1.phase, NodePhase::Succeeded);
    // Group 1 hangs off the step of group 0.
    let flip = &run.status.nodes[&node_id("wf-x", "wf-x[0].flip-coin")];
    assert_eq!(flip.children, std::slice::from_ref(&g1.id));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
}

#[test]
fn a_failed_step_fails_its_group_unless_continue_on_allows_it() {
    let spec = |continue_on: Value| {
        plan_of(json!({
            "entrypoint": "main",
            "templates": [
                {"name": "t", "container": container("x")},
                {"name": "main", "steps": [
                    [{"name": "a", "template": "t", "continueOn": continue_on}],
                    [{"name": "b", "template": "t"}]
                ]}
            ]
        }))
    };
    let fail_a = |s: &LaunchSpec| Exit {
        code: i32::from(s.node.ends_with(&fnv1a_32("wf-x[0].a").to_string())),
        ..Default::default()
    };
    let (run, order) = drive(spec(json!({})), fail_a);
    assert_eq!(order, ["wf-x[0].a"]);
    let a_id = node_id("wf-x", "wf-x[0].a");
    assert_eq!(run.status.nodes["wf-x"].message, format!("child '{a_id}' failed"));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Failed);
    let (run, order) = drive(spec(json!({"failed": true})), fail_a);
    assert_eq!(order, ["wf-x[0].a", "wf-x[1].b"]);
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
}

#[test]
fn what_is_not_built_yet_is_an_error_not_a_silent_skip() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "t", "resource": {"action": "create", "manifest": "kind: ConfigMap"}},
            {"name": "main", "steps": [[{"name": "r", "template": "t"}]]}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert!(order.is_empty());
    let n = &run.status.nodes[&node_id("wf-x", "wf-x[0].r")];
    assert_eq!(n.phase, NodePhase::Error);
    assert!(n.message.contains("does not run `resource` templates"), "{}", n.message);
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Failed);
}

#[test]
fn missing_inputs_error_the_node() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "t", "inputs": {"parameters": [{"name": "x"}]}, "container": container("{{inputs.parameters.x}}")},
            {"name": "main", "steps": [[{"name": "a", "template": "t"}]]}
        ]
    }));
    let (run, _) = drive(plan, ok);
    let n = &run.status.nodes[&node_id("wf-x", "wf-x[0].a")];
    assert_eq!(n.message, "inputs.parameters.x was not supplied");
}

#[test]
fn step_loops_name_children_and_aggregate_outputs() {
    // Like our examples/loop-aggregate.yaml.
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "square", "inputs": {"parameters": [{"name": "num"}]},
             "outputs": {"parameters": [{"name": "sq", "valueFrom": {"path": "/tmp/sq"}}]},
             "container": container("echo {{inputs.parameters.num}}")},
            {"name": "sum", "inputs": {"parameters": [{"name": "values"}]},
             "container": container("echo {{inputs.parameters.values}}")},
            {"name": "main", "steps": [
                [{"name": "square", "template": "square", "withItems": [1, 2, 3],
                  "arguments": {"parameters": [{"name": "num", "value": "{{item}}"}]}}],
                [{"name": "total", "template": "sum",
                  "arguments": {"parameters": [{"name": "values", "value": "{{steps.square.outputs.parameters.sq}}"}]}}]
            ]}
        ]
    }));
    let (run, order) = drive(plan, |s| {
        let n = s.container["args"][0]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("echo ")
            .to_string();
        let mut e = Exit::default();
        if let Ok(i) = n.parse::<i64>() {
            e.parameters.insert("sq".into(), (i * i).to_string());
        }
        e
    });
    assert_eq!(
        order,
        ["wf-x[0].square(0:1)", "wf-x[0].square(1:2)", "wf-x[0].square(2:3)", "wf-x[1].total"]
    );
    let total = &run.status.nodes[&node_id("wf-x", "wf-x[1].total")];
    let got = total.inputs.as_ref().and_then(|i| i.parameters[0].value.clone()).map(|v| v.0);
    assert_eq!(got.as_deref(), Some(r#"["1","4","9"]"#));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
    assert_eq!(run.status.progress, "4/4");
}

#[test]
fn with_param_and_with_sequence_loops() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "arguments": {"parameters": [{"name": "list", "value": "[\"a\", \"b\"]"}]},
        "templates": [
            {"name": "t", "inputs": {"parameters": [{"name": "x"}]}, "container": container("{{inputs.parameters.x}}")},
            {"name": "main", "steps": [
                [{"name": "p", "template": "t", "withParam": "{{workflow.parameters.list}}",
                  "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}},
                 {"name": "s", "template": "t", "withSequence": {"start": "3", "end": "1", "format": "n%02d"},
                  "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}}],
                [{"name": "none", "template": "t", "withItems": [],
                  "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}}]
            ]}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(
        order,
        [
            "wf-x[0].p(0:a)",
            "wf-x[0].p(1:b)",
            "wf-x[0].s(0:n03)",
            "wf-x[0].s(1:n02)",
            "wf-x[0].s(2:n01)"
        ]
    );
    // `withItems: []` is no loop at all in Argo: the step runs once, and
    // here `{{item}}` cannot resolve.
    let none = &run.status.nodes[&node_id("wf-x", "wf-x[1].none")];
    assert_eq!(none.phase, NodePhase::Error, "{}", none.message);
}

#[test]
fn dag_loops_make_a_task_group() {
    let plan = plan_of(json!({
        "entrypoint": "d",
        "templates": [
            {"name": "t", "inputs": {"parameters": [{"name": "x"}]}, "container": container("{{inputs.parameters.x}}")},
            {"name": "d", "dag": {"tasks": [
                {"name": "fan", "template": "t", "withItems": ["a", "b"],
                 "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}},
                {"name": "any", "template": "t", "depends": "fan.AnySucceeded",
                 "arguments": {"parameters": [{"name": "x", "value": "{{tasks.fan.outputs.result}}"}]}}
            ]}}
        ]
    }));
    let (run, order) = drive(plan, |s| Exit {
        code: i32::from(s.container["args"][0] == "b"),
        result: Some(format!("\"{}\"", s.container["args"][0].as_str().unwrap_or_default())),
        ..Default::default()
    });
    assert_eq!(order, ["wf-x.fan(0:a)", "wf-x.fan(1:b)", "wf-x.any"]);
    let group = &run.status.nodes[&node_id("wf-x", "wf-x.fan")];
    assert_eq!(group.node_type, NodeType::TaskGroup);
    assert_eq!(group.phase, NodePhase::Failed);
    assert_eq!(group.children.len(), 2);
    // Only the succeeded iteration's result is aggregated.
    let any = &run.status.nodes[&node_id("wf-x", "wf-x.any")];
    let got = any.inputs.as_ref().and_then(|i| i.parameters[0].value.clone()).map(|v| v.0);
    assert_eq!(got.as_deref(), Some(r#"["a"]"#));
    // `any` is the only leaf and it succeeded.
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A DAG of `deps.len()` tasks; task i depends on the earlier tasks
    /// listed (so it is acyclic), with `depends` written as `a && b`.
    fn dag_plan(deps: &[Vec<usize>]) -> Arc<Plan> {
        let tasks: Vec<Value> = deps
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut t = json!({"name": format!("t{i}"), "template": "t"});
                if !d.is_empty() {
                    let expr: Vec<String> = d.iter().map(|j| format!("t{j}")).collect();
                    t["depends"] = json!(expr.join(" && "));
                }
                t
            })
            .collect();
        plan_of(json!({
            "entrypoint": "d",
            "templates": [
                {"name": "t", "container": container("x")},
                {"name": "d", "dag": {"tasks": tasks}}
            ]
        }))
    }

    /// Run with launches taken in the order `pick` chooses from the queue;
    /// checks that no task launches twice or before its dependencies ended.
    fn run_in_order(
        plan: Arc<Plan>,
        deps: &[Vec<usize>],
        codes: &[i32],
        pick: impl Fn(usize) -> usize,
    ) -> Result<BTreeMap<String, NodePhase>, TestCaseError> {
        let (mut run, mut queue) = Run::start(plan, T0);
        let mut ended: Vec<usize> = Vec::new();
        let mut launched: Vec<usize> = Vec::new();
        let mut now = T0;
        while !queue.is_empty() {
            let Action::Launch(spec) = queue.remove(pick(queue.len())) else { continue };
            let name = run.status.nodes[&spec.node].name.clone();
            let i: usize = name
                .trim_start_matches("wf-x.t")
                .parse()
                .map_err(|_| TestCaseError::fail(name.clone()))?;
            prop_assert!(!launched.contains(&i), "t{} launched twice", i);
            prop_assert!(
                deps[i].iter().all(|d| ended.contains(d)),
                "t{} launched before its dependencies",
                i
            );
            launched.push(i);
            now = Time(now.0 + 1);
            let exit = Exit { code: codes[i], ..Default::default() };
            queue.extend(run.step(Event::NodeExited { node: spec.node.clone(), exit }, now));
            ended.push(i);
        }
        prop_assert!(run.is_done(), "the run must end");
        Ok(run.status.nodes.values().map(|n| (n.name.clone(), n.phase)).collect())
    }

    fn dag_strategy() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<i32>)> {
        (1usize..10).prop_flat_map(|n| {
            let deps = (0..n)
                .map(|i| {
                    prop::collection::vec(0..i.max(1), 0..=i.min(3)).prop_map(move |mut d| {
                        d.retain(|j| *j < i);
                        d.sort_unstable();
                        d.dedup();
                        d
                    })
                })
                .collect::<Vec<_>>();
            (deps, prop::collection::vec(prop_oneof![4 => Just(0), 1 => Just(1)], n))
        })
    }

    /// A DAG (failFast off) whose tasks may retry: task i allows `limits[i]`
    /// retries, and its attempt k exits `codes[i][k]`.
    fn retry_plan(deps: &[Vec<usize>], limits: &[u8]) -> Arc<Plan> {
        let tasks: Vec<Value> = deps
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let mut t = json!({"name": format!("t{i}"), "template": format!("r{}", limits[i])});
                if !d.is_empty() {
                    let names: Vec<String> = d.iter().map(|j| format!("t{j}")).collect();
                    t["dependencies"] = json!(names);
                }
                t
            })
            .collect();
        let mut templates: Vec<Value> = (0..4u8)
            .map(|l| {
                json!({"name": format!("r{l}"), "retryStrategy": {"limit": l, "retryPolicy": "Always"},
                    "container": container("x")})
            })
            .collect();
        templates.push(json!({"name": "d", "dag": {"failFast": false, "tasks": tasks}}));
        plan_of(json!({"entrypoint": "d", "templates": templates}))
    }

    /// What Argo's rules say each task ends as: it runs when every
    /// dependency succeeded (else Omitted), and succeeds if one of its
    /// `limit + 1` attempts exits 0.
    fn expected(deps: &[Vec<usize>], limits: &[u8], codes: &[Vec<i32>]) -> Vec<NodePhase> {
        let mut phases: Vec<NodePhase> = Vec::new();
        for (i, d) in deps.iter().enumerate() {
            let phase = if d.iter().any(|j| phases[*j] != NodePhase::Succeeded) {
                NodePhase::Omitted
            } else if codes[i].iter().take(usize::from(limits[i]) + 1).any(|c| *c == 0) {
                NodePhase::Succeeded
            } else {
                NodePhase::Failed
            };
            phases.push(phase);
        }
        phases
    }

    /// `wf-x.t3(1)` is task 3, attempt 1.
    fn task_attempt(name: &str) -> Option<(usize, usize)> {
        let (t, a) = name.strip_prefix("wf-x.t")?.strip_suffix(')')?.split_once('(')?;
        Some((t.parse().ok()?, a.parse().ok()?))
    }

    fn retry_strategy() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<u8>, Vec<Vec<i32>>)> {
        dag_strategy().prop_flat_map(|(deps, _)| {
            let n = deps.len();
            let codes = prop::collection::vec(
                prop::collection::vec(prop_oneof![1 => Just(0), 1 => Just(1)], 4),
                n,
            );
            (Just(deps), prop::collection::vec(0u8..4, n), codes)
        })
    }

    proptest! {
        #[test]
        fn retried_tasks_end_as_argos_rules_say(
            (deps, limits, codes) in retry_strategy(),
            lifo in any::<bool>(),
        ) {
            let (mut run, mut queue) = Run::start(retry_plan(&deps, &limits), T0);
            let mut launched: Vec<(usize, usize)> = Vec::new();
            let mut ended: Vec<usize> = Vec::new();
            let mut now = T0;
            while !queue.is_empty() {
                let at = if lifo { queue.len() - 1 } else { 0 };
                let Action::Launch(spec) = queue.remove(at) else { continue };
                // `wf-x.t3(1)`: task 3, attempt 1.
                let name = run.status.nodes[&spec.node].name.clone();
                let (task, attempt) =
                    task_attempt(&name).ok_or_else(|| TestCaseError::fail(name.clone()))?;
                prop_assert!(!launched.contains(&(task, attempt)), "{} launched twice", name);
                prop_assert!(attempt <= usize::from(limits[task]), "{} is past the limit", name);
                prop_assert!(deps[task].iter().all(|d| ended.contains(d)), "{} ran early", name);
                launched.push((task, attempt));
                now = Time(now.0 + 1);
                let exit = Exit { code: codes[task][attempt], ..Default::default() };
                queue.extend(run.step(Event::NodeExited { node: spec.node.clone(), exit }, now));
                let retry = node_id("wf-x", &format!("wf-x.t{task}"));
                if run.status.nodes[&retry].phase.is_fulfilled() {
                    ended.push(task);
                }
            }
            prop_assert!(run.is_done(), "the run must end");
            let want = expected(&deps, &limits, &codes);
            for (i, phase) in want.iter().enumerate() {
                let got = run.status.nodes.get(&node_id("wf-x", &format!("wf-x.t{i}"))).map(|n| n.phase);
                prop_assert_eq!(got, Some(*phase), "t{}", i);
            }
        }

        /// What a server relies on to survive a crash: the events a run
        /// took, with their times, written out as JSON and replayed into a
        /// fresh run, give the same status and the same actions.
        #[test]
        fn a_logged_run_replays_to_the_same_status(
            (deps, limits, codes) in retry_strategy(),
            stop_after in prop::option::of(0usize..6),
        ) {
            let plan = retry_plan(&deps, &limits);
            let (mut run, mut queue) = Run::start(plan.clone(), T0);
            let mut log: Vec<(Event, Time)> = Vec::new();
            let mut actions: Vec<Vec<Action>> = Vec::new();
            let mut now = T0;
            let mut step = |run: &mut Run, e: Event, now: Time, log: &mut Vec<(Event, Time)>| {
                log.push((e.clone(), now));
                let out = run.step(e, now);
                actions.push(out.clone());
                out
            };
            let mut exits = 0;
            while !queue.is_empty() {
                let Action::Launch(spec) = queue.remove(0) else { continue };
                now = Time(now.0 + 1);
                let started = Event::NodeStarted { node: spec.node.clone() };
                queue.extend(step(&mut run, started, now, &mut log));
                let name = run.status.nodes[&spec.node].name.clone();
                let (task, attempt) =
                    task_attempt(&name).ok_or_else(|| TestCaseError::fail(name.clone()))?;
                let exit = Exit { code: codes[task][attempt], ..Default::default() };
                queue.extend(step(&mut run, Event::NodeExited { node: spec.node.clone(), exit }, now, &mut log));
                exits += 1;
                if Some(exits) == stop_after {
                    queue.extend(step(&mut run, Event::Stop, now, &mut log));
                }
            }
            let text = serde_json::to_string(&log).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let read: Vec<(Event, Time)> =
                serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&read, &log);
            let (mut again, _) = Run::start(plan, T0);
            for ((event, at), expected) in read.into_iter().zip(&actions) {
                prop_assert_eq!(&again.step(event, at), expected);
            }
            prop_assert_eq!(
                serde_json::to_value(&again.status).ok(),
                serde_json::to_value(&run.status).ok()
            );
        }

        #[test]
        fn order_of_exits_does_not_change_the_outcome((deps, codes) in dag_strategy()) {
            let plan = dag_plan(&deps);
            let fifo = run_in_order(plan.clone(), &deps, &codes, |_| 0)?;
            let lifo = run_in_order(plan, &deps, &codes, |len| len - 1)?;
            prop_assert_eq!(fifo, lifo);
        }
    }
}

#[test]
fn a_wide_fan_in_through_dependencies_runs() {
    // `dependencies` of 1,000 tasks: 3,000 references once rewritten.
    let mut tasks: Vec<Value> =
        (0..1000).map(|i| json!({"name": format!("t{i}"), "template": "t"})).collect();
    let all: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
    tasks.push(json!({"name": "sink", "template": "t", "dependencies": all}));
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "t", "container": container("x")},
            {"name": "main", "dag": {"tasks": tasks}}
        ]
    }));
    let (run, order) = drive(plan, ok);
    assert_eq!(order.len(), 1001);
    assert_eq!(order.last().map(String::as_str), Some("wf-x.sink"));
    assert_eq!(run.status.phase, crate::status::WorkflowPhase::Succeeded);
}
