//! `keelson run --retry-from`: a failed run retried for real, with real
//! processes; only the failed task and what follows it run again.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::status::node;

fn keelson(dir: &Path, args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .current_dir(dir)
        .args(["run", "-o", "json", "--color", "never", "wf.yaml", "--work-dir"])
        .arg(dir.join("work"))
        .args(args)
        .output()
        .expect("keelson runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("no JSON ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), json)
}

#[test]
fn a_failed_run_retried_runs_only_what_failed_and_what_follows() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("retry-cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let marker = dir.join("fixed");
    let counter = dir.join("runs-of-a");
    let wf = format!(
        r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: retry-cli-
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {{name: a, template: count}}
          - {{name: b, template: flaky, dependencies: [a]}}
          - {{name: c, template: count, dependencies: [b]}}
    - name: count
      container:
        image: busybox
        command: [sh, -c, 'echo x >> {counter}; echo counted']
    - name: flaky
      container:
        image: busybox
        command: [sh, -c, 'test -f {marker} || exit 3']
"#,
        counter = counter.display(),
        marker = marker.display()
    );
    std::fs::write(dir.join("wf.yaml"), wf).expect("write");

    let (code, first) = keelson(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(first["status"]["phase"], "Failed");
    assert_eq!(node(&first, "b")["message"], "main: Error (exit code 3)");
    std::fs::write(dir.join("first.json"), first.to_string()).expect("write");

    std::fs::write(&marker, "").expect("fix");
    let (code, second) = keelson(&dir, &["--retry-from", "first.json"]);
    assert_eq!(code, 0, "{second}");
    assert_eq!(second["metadata"]["name"], first["metadata"]["name"]);
    assert_eq!(node(&second, "a"), node(&first, "a"), "a is kept as it was");
    assert_eq!(node(&second, "c")["phase"], "Succeeded");
    // `a` ran once (first run), `c` once (the retry).
    let runs = std::fs::read_to_string(&counter).expect("counter");
    assert_eq!(runs.lines().count(), 2);

    // A succeeded run is retried only with --restart-successful and a selector.
    std::fs::write(dir.join("second.json"), second.to_string()).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .current_dir(&dir)
        .args(["run", "wf.yaml", "--retry-from", "second.json", "--work-dir"])
        .arg(dir.join("work"))
        .output()
        .expect("keelson runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--restart-successful"));
    let (code, third) = keelson(
        &dir,
        &[
            "--retry-from",
            "second.json",
            "--restart-successful",
            "--node-field-selector",
            "displayName=c",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(node(&third, "b"), node(&second, "b"));
    let runs = std::fs::read_to_string(&counter).expect("counter");
    assert_eq!(runs.lines().count(), 3, "only c ran again");
}
