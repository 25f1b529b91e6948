//! Our own `examples/`, each run with `keelson run` as a user would: the
//! phase each must end in, and what it must have produced.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::status::{node, phase};

fn run(file: &str, extra: &[&str]) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples").join(file);
    let out = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .current_dir(&root)
        .args(["run", "-q", "-o", "json", "--color", "never", &format!("examples/{file}")])
        .arg("--work-dir")
        .arg(&work)
        .args(extra)
        .output()
        .expect("keelson runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{file}: no JSON ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr))
    })
}

#[test]
fn ci_pipeline_succeeds_in_order() {
    let wf = run("ci-pipeline.yaml", &[]);
    assert_eq!(phase(&wf), "Succeeded");
    assert_eq!(wf["status"]["progress"], "3/3");
}

#[test]
fn ci_pipeline_template_builds_the_branch_given() {
    let wf = run("ci-pipeline-template.yaml", &["-p", "branch=release-1"]);
    assert_eq!(phase(&wf), "Succeeded");
    assert_eq!(wf["status"]["progress"], "3/3");
    assert_eq!(node(&wf, "checkout-code")["inputs"]["parameters"][0]["value"], "release-1");
    assert_eq!(node(&wf, "build-docker")["inputs"]["parameters"][0]["value"], "linux/amd64");
}

#[test]
fn parameterized_build_takes_parameters() {
    let wf = run("parameterized-build.yaml", &["-p", "image-tag=v1.2"]);
    assert_eq!(phase(&wf), "Succeeded");
    let build = node(&wf, "build");
    assert_eq!(build["inputs"]["parameters"][0]["value"], "v1.2");
}

#[test]
fn diamond_runs_d_after_b_and_c() {
    let wf = run("diamond.yaml", &[]);
    assert_eq!(phase(&wf), "Succeeded");
    let d = node(&wf, "D");
    let b = node(&wf, "B");
    assert!(d["startedAt"].as_str() >= b["finishedAt"].as_str());
    assert_eq!(wf["status"]["progress"], "4/4");
}

#[test]
fn retry_backoff_succeeds_on_the_third_attempt() {
    let wf = run("retry-backoff.yaml", &[]);
    assert_eq!(phase(&wf), "Succeeded");
    let nodes = wf["status"]["nodes"].as_object().expect("nodes");
    let attempts =
        nodes.values().filter(|n| n["name"].as_str().is_some_and(|s| s.ends_with(')'))).count();
    assert_eq!(attempts, 3);
}

#[test]
fn loop_aggregate_sums_the_squares() {
    let wf = run("loop-aggregate.yaml", &[]);
    assert_eq!(phase(&wf), "Succeeded");
    let total = node(&wf, "total");
    assert_eq!(total["inputs"]["parameters"][0]["value"], r#"["1","4","9","16"]"#);
    assert_eq!(wf["status"]["progress"], "5/5");
}

#[test]
fn exit_handler_reports_the_failure() {
    let wf = run("exit-handler.yaml", &[]);
    assert_eq!(phase(&wf), "Failed");
    let name = wf["metadata"]["name"].as_str().expect("name").to_string();
    let exit = node(&wf, &format!("{name}.onExit"));
    assert_eq!(exit["phase"], "Succeeded");
}
