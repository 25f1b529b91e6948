//! State-machine cost: drive large DAGs to completion with synthetic
//! exits and report CPU time per task. Run with
//! `cargo bench -p engine --bench state_machine` (prints a table).

use std::sync::Arc;
use std::time::Instant;

use engine::run::{Action, Event, Exit, Run, Submission, plan};
use engine::spec::{Catalog, Document, decode};
use engine::status::Time;
use serde_json::{Value, json};

fn workflow(tasks: Vec<Value>) -> Arc<engine::run::Plan> {
    let doc = decode(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "bench"},
        "spec": {"entrypoint": "d", "templates": [
            {"name": "t", "container": {"image": "busybox", "command": ["true"]}},
            {"name": "d", "dag": {"tasks": tasks}}
        ]}
    }))
    .expect("valid");
    let Document::Workflow(wf) = doc else { unreachable!() };
    let sub = Submission {
        name: "bench".into(),
        namespace: "default".into(),
        uid: "u".into(),
        created_at: Time(0),
        parameters: vec![],
        entrypoint: None,
    };
    Arc::new(plan(&wf, &Catalog::default(), &sub).expect("plans"))
}

/// `layers` layers of `width` tasks; each task depends on up to 3 tasks of
/// the previous layer.
fn layered(layers: usize, width: usize) -> Vec<Value> {
    let mut tasks = Vec::new();
    for l in 0..layers {
        for w in 0..width {
            let mut t = json!({"name": format!("t{l}-{w}"), "template": "t"});
            if l > 0 {
                let deps: Vec<String> =
                    (0..3).map(|k| format!("t{}-{}", l - 1, (w + k * 7) % width)).collect();
                t["dependencies"] = json!(deps);
            }
            tasks.push(t);
        }
    }
    tasks
}

fn fan_out(n: usize) -> Vec<Value> {
    let mut tasks = vec![json!({"name": "root", "template": "t"})];
    for i in 0..n {
        tasks.push(json!({"name": format!("f{i}"), "template": "t", "dependencies": ["root"]}));
    }
    tasks
}

fn drive(plan: Arc<engine::run::Plan>) -> (usize, f64) {
    let start = Instant::now();
    let (mut run, mut queue) = Run::start(plan, Time(0));
    let mut done = 0;
    while let Some(Action::Launch(spec)) = queue.pop() {
        queue.extend(
            run.step(Event::NodeExited { node: spec.node, exit: Exit::default() }, Time(1)),
        );
        done += 1;
    }
    assert!(run.is_done());
    (done, start.elapsed().as_secs_f64())
}

fn main() {
    println!("| shape | tasks | total s | µs per task |");
    println!("|---|---:|---:|---:|");
    for (name, tasks) in [
        ("layered 10×100", layered(10, 100)),
        ("layered 20×500 (10,000 tasks)", layered(20, 500)),
        ("fan-out 1→10,000", fan_out(10_000)),
        ("fan-out 1→100,000", fan_out(100_000)),
    ] {
        let (n, secs) = drive(workflow(tasks));
        println!("| {name} | {n} | {secs:.3} | {:.1} |", secs * 1e6 / n as f64);
    }
}
