//! `keelson run` tells, before it starts, what the workflow asks for that
//! it will not enforce; the final status carries the same `SpecWarning`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[test]
fn unenforced_fields_are_printed_before_the_run_and_kept_in_the_status() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-warnings-cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("wf.yaml"),
        r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: guarded-
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: a, template: guarded}
          - {name: b, template: guarded}
          - {name: c, template: guarded}
    - name: guarded
      synchronization:
        mutex: {name: m}
      memoize:
        key: "same"
        cache: {configMap: {name: cache}}
      container:
        image: busybox
        command: [sh, -c, 'echo guarded work']
"#,
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .current_dir(&dir)
        .args(["run", "-o", "json", "--color", "never", "wf.yaml", "--work-dir"])
        .arg(dir.join("work"))
        .output()
        .expect("keelson runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    let sync = "keelson: warning: synchronization is not enforced (template guarded): its \
                mutexes and semaphores are not taken, so the steps and tasks it guards may run \
                at the same time";
    let memoize = "keelson: warning: memoize is not enforced (template guarded): nothing is \
                   cached, so the template runs every time";
    let lines: Vec<&str> = stderr.lines().collect();
    let at = |wanted: &str| lines.iter().position(|l| *l == wanted);
    let (Some(s), Some(m)) = (at(sync), at(memoize)) else {
        panic!("the warnings are not on stderr:\n{stderr}");
    };
    // Before the run: ahead of every task's log line (on stderr with -o json).
    let first_log = lines.iter().position(|l| l.ends_with("| guarded work"));
    assert!(first_log.is_some_and(|f| s < f && m < f), "{stderr}");

    let wf: Value = serde_json::from_slice(&out.stdout).expect("the final Workflow as JSON");
    let conditions = &wf["status"]["conditions"];
    assert_eq!(conditions[0]["type"], "SpecWarning", "{wf}");
    assert_eq!(conditions[0]["status"], "True");
    let message = conditions[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("synchronization is not enforced (template guarded)"), "{message}");
    assert!(message.contains("memoize is not enforced (template guarded)"), "{message}");
    // Not enforced, and so: all three ran.
    let pods = wf["status"]["nodes"]
        .as_object()
        .map(|m| m.values().filter(|n| n["type"] == "Pod" && n["phase"] == "Succeeded").count());
    assert_eq!(pods, Some(3), "{wf}");
}
