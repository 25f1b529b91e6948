//! Scenario tests for artifacts: passing with `from`, `fromExpression`
//! and `subPath`, keys, global outputs, and what a missing one does.

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::tests::{container, drive, plan_of};
use super::*;
use crate::status::{NodePhase, WorkflowPhase, node_id};

fn node<'a>(run: &'a Run, name: &str) -> &'a crate::status::NodeStatus {
    &run.status.nodes[&node_id("wf-x", name)]
}

/// An executor stand-in that saves every declared output where the
/// launch says, and records every launch.
fn saving(seen: Arc<Mutex<Vec<LaunchSpec>>>) -> impl Fn(&LaunchSpec) -> Exit {
    move |s: &LaunchSpec| {
        seen.lock().map(|mut v| v.push(s.clone())).ok();
        Exit { code: 0, artifacts: s.outputs.clone(), ..Default::default() }
    }
}

fn passing() -> serde_json::Value {
    json!({
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [
                [{"name": "gen", "template": "gen"}],
                [{"name": "use", "template": "use", "arguments": {"artifacts": [
                    {"name": "in", "from": "{{steps.gen.outputs.artifacts.out}}"}]}}],
                [{"name": "sub", "template": "use", "arguments": {"artifacts": [
                    {"name": "in", "from": "{{steps.gen.outputs.artifacts.dir}}", "subPath": "a/b.txt"}]}}]
            ],
             "outputs": {"artifacts": [{"name": "final", "from": "{{steps.gen.outputs.artifacts.out}}"}]}},
            {"name": "gen", "container": container("gen"), "outputs": {"artifacts": [
                {"name": "out", "path": "/tmp/out.txt", "globalName": "everyone"},
                {"name": "dir", "path": "/tmp/dir", "archive": {"none": {}}}]}},
            {"name": "use", "inputs": {"artifacts": [{"name": "in", "path": "/tmp/in", "mode": 493}]},
             "container": container("cat {{inputs.artifacts.in.path}}")}
        ]
    })
}

#[test]
fn an_output_is_passed_by_key_to_the_steps_that_take_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (run, order) = drive(plan_of(passing()), saving(seen.clone()));
    assert_eq!(order, ["wf-x[0].gen", "wf-x[1].use", "wf-x[2].sub"]);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
    let seen = seen.lock().map(|v| v.clone()).unwrap_or_default();
    let gen_pod = &seen[0].pod_name;
    let keys: Vec<_> = seen[0].outputs.iter().map(|a| a.location.key().unwrap_or("")).collect();
    assert_eq!(keys, [format!("wf-x/{gen_pod}/out.tgz"), format!("wf-x/{gen_pod}/dir")]);
    // The status keeps the key only; the consumer gets a complete location.
    let recorded = &node(&run, "wf-x[0].gen").outputs.as_ref().map(|o| o.artifacts.clone());
    let recorded = recorded.clone().unwrap_or_default();
    assert_eq!(
        serde_json::to_value(&recorded[0]).ok(),
        Some(json!({"name": "out", "path": "/tmp/out.txt", "globalName": "everyone",
            "builtin": {"key": format!("wf-x/{gen_pod}/out.tgz")}}))
    );
    let input = &seen[1].inputs[0];
    assert_eq!((input.path.as_deref(), input.mode), (Some("/tmp/in"), Some(493)));
    assert_eq!(input.location.key(), Some(format!("wf-x/{gen_pod}/out.tgz").as_str()));
    assert_eq!(seen[1].container["args"][0], "cat /tmp/in");
    assert_eq!(
        seen[2].inputs[0].location.key(),
        Some(format!("wf-x/{gen_pod}/dir/a/b.txt").as_str())
    );
    // Steps outputs by `from`, and the global output without its path.
    let root = node(&run, "wf-x").outputs.as_ref().map(|o| o.artifacts.clone()).unwrap_or_default();
    assert_eq!(root[0].name, "final");
    assert_eq!(root[0].location.key(), Some(format!("wf-x/{gen_pod}/out.tgz").as_str()));
    let global = run.status.outputs.as_ref().map(|o| o.artifacts.clone()).unwrap_or_default();
    assert_eq!((global[0].name.as_str(), global[0].path.as_deref()), ("everyone", None));
    let repo = run.status.artifact_repository_ref.as_ref().map(|r| r.default);
    assert_eq!(repo, Some(true));
}

#[test]
fn a_missing_output_errors_the_node_and_a_missing_input_says_not_supplied() {
    let plan = plan_of(passing());
    let (run, _) = drive(plan, |s| Exit {
        code: 0,
        artifact_error: (!s.outputs.is_empty())
            .then(|| "output artifact 'out': /tmp/out.txt does not exist".to_string()),
        ..Default::default()
    });
    let gen_node = node(&run, "wf-x[0].gen");
    assert_eq!(gen_node.phase, NodePhase::Error);
    assert_eq!(gen_node.message, "output artifact 'out': /tmp/out.txt does not exist");

    let plan = plan_of(json!({
        "entrypoint": "use",
        "templates": [{"name": "use", "inputs": {"artifacts": [{"name": "in", "path": "/tmp/in"}]},
            "container": container("x")}]
    }));
    let (run, order) = drive(plan, |_| Exit::default());
    assert!(order.is_empty());
    assert_eq!(node(&run, "wf-x").message, "required artifact 'in' not supplied");
    assert_eq!(run.status.phase, WorkflowPhase::Error);
}

#[test]
fn from_expression_picks_the_artifact_of_the_step_that_ran() {
    let plan = plan_of(json!({
        "entrypoint": "main",
        "templates": [
            {"name": "main", "steps": [
                [{"name": "flip", "template": "flip"}],
                [{"name": "heads", "template": "gen", "when": "{{steps.flip.outputs.result}} == heads"},
                 {"name": "tails", "template": "gen", "when": "{{steps.flip.outputs.result}} == tails"}]
            ],
             "outputs": {"artifacts": [{"name": "result", "fromExpression":
                "steps.flip.outputs.result == 'heads' ? steps.heads.outputs.artifacts.r : steps.tails.outputs.artifacts.r"}]}},
            {"name": "flip", "container": container("flip")},
            {"name": "gen", "container": container("gen"),
             "outputs": {"artifacts": [{"name": "r", "path": "/result.txt"}]}}
        ]
    }));
    let (run, order) = drive(plan, |s| Exit {
        code: 0,
        result: Some("tails".into()),
        artifacts: s.outputs.clone(),
        ..Default::default()
    });
    assert_eq!(order, ["wf-x[0].flip", "wf-x[1].tails"]);
    assert_eq!(run.status.phase, WorkflowPhase::Succeeded);
    let out = node(&run, "wf-x").outputs.as_ref().map(|o| o.artifacts.clone()).unwrap_or_default();
    assert_eq!(out[0].name, "result");
    assert!(out[0].location.key().is_some_and(|k| k.ends_with("/r.tgz")));
}
