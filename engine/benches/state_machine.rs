//! State-machine cost: drive large DAGs to completion with synthetic
//! exits and report CPU time per task, allocations per task and the
//! memory the finished run holds per node. Run with
//! `cargo bench -p engine --bench state_machine` (prints a table).

use std::alloc::{GlobalAlloc, Layout};

use mimalloc::MiMalloc as System;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts allocations and live bytes, for allocations per task and memory
/// per node.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        LIVE.fetch_add(layout.size(), Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        LIVE.fetch_add(new_size, Relaxed);
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

use engine::run::{Action, Event, Exit, Run, Submission, plan};
use engine::spec::{Catalog, Document, decode};
use engine::status::Time;
use serde_json::{Value, json};

/// A workflow whose entrypoint `d` is `main` (a DAG or steps template)
/// over the one container template `t`.
fn workflow(main: Value) -> Arc<engine::run::Plan> {
    let doc = decode(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "bench"},
        "spec": {"entrypoint": "d", "templates": [
            {"name": "t", "container": {"image": "busybox", "command": ["true"]}},
            main
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
        artifact_repository: None,
    };
    Arc::new(plan(&wf, &Catalog::default(), &sub).expect("plans"))
}

/// `layers` layers of `width` tasks; each task depends on up to 3 tasks of
/// the previous layer.
fn layered(layers: usize, width: usize) -> Value {
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
    json!({"name": "d", "dag": {"tasks": tasks}})
}

fn fan_out(n: usize) -> Value {
    let mut tasks = vec![json!({"name": "root", "template": "t"})];
    for i in 0..n {
        tasks.push(json!({"name": format!("f{i}"), "template": "t", "dependencies": ["root"]}));
    }
    json!({"name": "d", "dag": {"tasks": tasks}})
}

/// One step looped over `n` items: `n` pods in one step group.
fn step_loop(n: usize) -> Value {
    json!({"name": "d", "steps": [[
        {"name": "s", "template": "t", "withSequence": {"count": n.to_string()}}
    ]]})
}

struct Measured {
    tasks: usize,
    secs: f64,
    allocations: usize,
    /// Bytes the finished run holds (status, book), per node.
    bytes_per_node: f64,
}

/// Drive to completion: each launched pod starts, then exits 0.
fn drive(plan: Arc<engine::run::Plan>) -> Measured {
    let live_before = LIVE.load(Relaxed);
    let allocations_before = ALLOCATIONS.load(Relaxed);
    let start = Instant::now();
    let (mut run, mut queue) = Run::start(plan, Time(0));
    let mut tasks = 0;
    while let Some(Action::Launch(spec)) = queue.pop() {
        queue.extend(run.step(Event::NodeStarted { node: spec.node.clone() }, Time(1)));
        queue.extend(
            run.step(Event::NodeExited { node: spec.node, exit: Exit::default() }, Time(2)),
        );
        tasks += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    assert!(run.is_done());
    let allocations = ALLOCATIONS.load(Relaxed) - allocations_before;
    drop(queue);
    let held = LIVE.load(Relaxed).saturating_sub(live_before);
    let bytes_per_node = held as f64 / run.status.nodes.len() as f64;
    Measured { tasks, secs, allocations, bytes_per_node }
}

fn main() {
    let runs: usize =
        std::env::var("STATE_MACHINE_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    println!("{runs} runs per shape; the median run is shown, and the fastest.");
    println!(
        "| shape | tasks | median total s | µs per task (median) | µs per task (fastest) | allocations per task | bytes per node |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    // `STATE_MACHINE_SHAPES=fan-out-100k,layered-10k` runs only those.
    let only = std::env::var("STATE_MACHINE_SHAPES").ok();
    type Shape = (&'static str, &'static str, fn() -> Value);
    let shapes: [Shape; 5] = [
        ("layered-1k", "layered 10×100", || layered(10, 100)),
        ("layered-10k", "layered 20×500 (10,000 tasks)", || layered(20, 500)),
        ("fan-out-10k", "fan-out 1→10,000", || fan_out(10_000)),
        ("fan-out-100k", "fan-out 1→100,000", || fan_out(100_000)),
        ("steps-loop-10k", "looped step ×10,000", || step_loop(10_000)),
    ];
    for (key, name, tasks) in shapes {
        if only.as_deref().is_some_and(|o| !o.split(',').any(|k| k == key)) {
            continue;
        }
        // The median of `runs` drives, each from a fresh plan.
        let mut all: Vec<Measured> = (0..runs).map(|_| drive(workflow(tasks()))).collect();
        all.sort_by(|a, b| a.secs.total_cmp(&b.secs));
        let (best, m) = (all[0].secs, &all[all.len() / 2]);
        let n = m.tasks as f64;
        println!(
            "| {name} | {} | {:.3} | {:.1} | {:.1} | {:.0} | {:.0} |",
            m.tasks,
            m.secs,
            m.secs * 1e6 / n,
            best * 1e6 / n,
            m.allocations as f64 / n,
            m.bytes_per_node
        );
    }
}
