//! `keelson lint` as a user runs it: the real binary on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn keelson(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keelson"))
        .args(args)
        .output()
        .expect("the keelson binary runs")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn our_examples_lint_clean_even_strictly() {
    let examples = root().join("examples");
    let o = keelson(&["lint", "--strict", examples.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains(": 0 errors, 0 warnings"), "{}", stdout(&o));
}

fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keelson-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

#[test]
fn errors_exit_1_with_location_snippet_and_help() {
    let p = write_temp(
        "typo.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: t-\nspec:\n  entrypoint: mian\n  templates:\n    - name: main\n      container: {image: busybox}\n",
    );
    let o = keelson(&["lint", "--color", "never", p.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[unknown-template]: template `mian` is not defined"), "{out}");
    assert!(out.contains("typo.yaml:6:15"), "{out}");
    assert!(out.contains("6 |   entrypoint: mian"), "{out}");
    assert!(out.contains("^^^^ spec.entrypoint"), "{out}");
    assert!(out.contains("= help: did you mean `main`?"), "{out}");
}

#[test]
fn json_output_is_machine_readable() {
    let p = write_temp(
        "json.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: t-\nspec:\n  entrypont: main\n  templates:\n    - name: main\n      container: {image: busybox}\n",
    );
    let o = keelson(&["lint", "-o", "json", "--strict", p.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"unknown-field"), "{v}");
    assert!(codes.contains(&"missing-entrypoint"), "{v}");
    let f = &v["findings"][0];
    assert!(f["line"].is_u64() && f["column"].is_u64() && f["path"].is_string(), "{f}");
}

#[test]
fn standard_input_is_read_for_dash() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .args(["lint", "--color", "never", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("keelson starts");
    let spec = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: t-}\nspec:\n  entrypoint: main\n  templates:\n    - name: main\n      container: {image: busybox}\n";
    child.stdin.take().expect("stdin").write_all(spec.as_bytes()).expect("write");
    let o = child.wait_with_output().expect("exits");
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("1 file, 1 document: 0 errors, 0 warnings"), "{}", stdout(&o));
}

#[test]
fn unreadable_input_exits_2() {
    let o = keelson(&["lint", "/nonexistent/keelson.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read"));
}

/// The YAML blocks of the seed document: each starts at `apiVersion:` and
/// ends at the first unindented line that is not a YAML key (prose).
fn seed_workflows(seed: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<&str>> = None;
    for line in seed.lines() {
        let is_key = line.split_once(':').is_some_and(|(k, _)| !k.contains(' ') && !k.is_empty());
        let prose = !line.is_empty() && !line.starts_with([' ', '#']) && !is_key;
        if line.starts_with("apiVersion:") {
            if let Some(c) = cur.take() {
                out.push(c.join("\n"));
            }
            cur = Some(vec![line]);
        } else if prose {
            if let Some(c) = cur.take() {
                out.push(c.join("\n"));
            }
        } else if let Some(c) = cur.as_mut() {
            c.push(line);
        }
    }
    out.extend(cur.map(|c| c.join("\n")));
    out
}

#[test]
fn the_seed_workflows_report_exactly_their_real_problems() {
    let seed_path = root().join("../shared/seed.txt");
    let Ok(seed) = std::fs::read_to_string(&seed_path) else {
        println!("SKIPPED: ../shared/seed.txt is absent (only present on development machines)");
        return;
    };
    let wfs = seed_workflows(&seed);
    assert_eq!(wfs.len(), 2, "the seed holds two workflows: {wfs:#?}");

    let ci = write_temp("seed-ci.yaml", &wfs[0]);
    let o = keelson(&["lint", "--strict", "--color", "never", ci.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 errors, 0 warnings"), "{}", stdout(&o));

    let param = write_temp("seed-param.yaml", &wfs[1]);
    let o = keelson(&["lint", "-o", "json", param.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let findings = v["findings"].as_array().expect("findings");
    let summary: Vec<(String, String, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["code"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    // 1. The `{{=<% ctx.build_tag %>}}` expression is not expr-lang.
    // 2. Task `build` passes `tag` to `build-image`, which declares no
    //    inputs: the value never reaches the container.
    assert_eq!(
        summary,
        vec![
            ("warning".to_string(), "unused-argument".to_string(), 19),
            ("error".to_string(), "invalid-expression".to_string(), 29),
        ],
        "{findings:#?}"
    );
    let expr = &findings[1];
    // `{{=` opens at column 55; the expression, and its bad `<`, at 58.
    assert_eq!(expr["column"].as_u64(), Some(58), "{expr}");
    assert_eq!(expr["path"].as_str(), Some("spec.templates[1].container.args[0]"));
}
