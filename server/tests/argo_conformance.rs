//! Conformance: run Argo's own example workflows that need no cluster
//! (`runs_without_cluster = yes` in `../shared/argo-examples/
//! CLASSIFICATION.tsv`, and those whose only blocker is an artifact
//! repository: they run with the built-in one) with `keelson run`, and
//! compare each final phase
//! with the one Argo expects. Prints a table and the match rate; fails
//! when an example outside `KNOWN_MISMATCHES` does not match (the goal
//! is 95 %; the known mismatches are listed in docs/conformance.md).
//! Skipped, with a message, where `../shared/` is absent.
//!
//! Several examples sleep for a minute on purpose, so they run a few at a
//! time (they mostly wait).
//!
//! The examples that move artifacts then run a second time with an S3
//! repository on moto (`--artifact-repository` from Argo's e2e
//! ConfigMap, pointed at it), joined by Argo's own S3 examples
//! (`input-artifact-s3.yaml`, `output-artifact-s3.yaml`) with their
//! endpoint pointed at moto.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Examples not run, and why.
const NOT_RUN: &[(&str, &str)] = &[
    ("forever.yaml", "runs forever by design"),
    (
        "intermediate-parameters.yaml",
        "waits for a person to supply a value and resume (`argo node set` + `argo resume`)",
    ),
    (
        "suspend-template-outputs.yaml",
        "waits for a person to supply a value and resume (`argo node set` + `argo resume`)",
    ),
];

/// Examples Keelson does not run as Argo does, and why. The test
/// fails if one of them starts matching (update this list) or if any
/// other example stops matching.
const KNOWN_MISMATCHES: &[(&str, &str)] = &[
    ("container-set-template/graph-workflow.yaml", "Keelson does not run containerSet templates"),
    (
        "container-set-template/outputs-result-workflow.yaml",
        "Keelson does not run containerSet templates",
    ),
    (
        "container-set-template/parallel-workflow.yaml",
        "Keelson does not run containerSet templates",
    ),
    (
        "container-set-template/sequence-workflow.yaml",
        "Keelson does not run containerSet templates",
    ),
];

/// Our own reading of the phase Argo reaches where the classification has
/// none (`untested:*`) or where its label disagrees with Argo's rules.
const EXPECTED: &[(&str, &str, &str)] = &[
    (
        "continue-on-fail.yaml",
        "Succeeded",
        "labelled expected-failure, but `continueOn: {failed: true}` makes Argo's workflow Succeed",
    ),
    ("loops-arbitrary-sequential-steps.yaml", "Failed", "its fourth item exits 1 by design"),
    ("artifact-disable-archive.yaml", "Succeeded", "labelled flaky; nothing in it is random"),
    (
        "nested-workflow.yaml",
        "Succeeded",
        "labelled environment: it needs an artifact repository, the built-in one here",
    ),
    ("step-level-timeout.yaml", "Failed", "both steps time out; only `failed` is continued"),
    ("retry-conditional.yaml", "any", "random exit codes"),
    ("resubmit.yaml", "any", "random failures by design"),
    ("retry-on-error.yaml", "any", "random exit codes, two retries"),
    ("template-defaults.yaml", "any", "random exit codes, two retries"),
    (
        "workflow-template/retry-with-steps.yaml",
        "Succeeded|Failed",
        "random: 3 steps, each failing 2/3 of its 11 attempts — ~3 % of runs fail (Argo labels it flaky)",
    ),
    (
        "retry-with-steps.yaml",
        "Succeeded|Failed",
        "random: 3 steps, each failing 2/3 of its 11 attempts — ~3 % of runs fail (Argo labels it flaky)",
    ),
];

/// Blockers the built-in artifact repository lifts: passing artifacts
/// between tasks and saving outputs to the default repository.
const ARTIFACT_BLOCKERS: &[&str] = &["artifacts(from)", "artifacts(repo-default)"];

/// Examples classified `artifacts(s3)` whose S3 artifacts are key-only
/// (`s3: {key: …}`): they inherit the repository, so the built-in one
/// serves them.
const KEY_ONLY_S3: &[&str] =
    &["artifact-gc-workflow.yaml", "key-only-artifact.yaml", "map-reduce.yaml"];

/// Examples that wait in a suspend template: resumed after a moment.
const RESUME: &[&str] = &["suspend-template.yaml"];

const WORKERS: usize = 6;
const TIMEOUT: Duration = Duration::from_secs(240);

struct Case {
    file: String,
    expected: String,
    /// Blocked only by artifacts: run again against moto.
    moves_artifacts: bool,
}

/// How a pass runs its examples.
#[derive(Clone)]
struct Pass {
    /// `--secrets`: the repositories' ConfigMap (and credentials).
    secrets: PathBuf,
    /// Examples read from here instead of Argo's folder (rewritten ones).
    rewritten: Vec<(String, PathBuf)>,
    work: PathBuf,
}

/// Argo's S3 examples: they run against moto once their endpoint is its.
const S3_EXAMPLES: &[&str] = &["input-artifact-s3.yaml", "output-artifact-s3.yaml"];

struct Outcome {
    file: String,
    expected: String,
    got: String,
    seconds: f64,
    note: String,
}

fn examples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/argo-examples");
    dir.join("CLASSIFICATION.tsv").is_file().then_some(dir)
}

fn cases(dir: &Path) -> Vec<Case> {
    let tsv = std::fs::read_to_string(dir.join("CLASSIFICATION.tsv")).unwrap_or_default();
    let mut out = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 8 || cols[1] != "Workflow" {
            continue;
        }
        let file = cols[0].to_string();
        let lifted = |b: &str| {
            ARTIFACT_BLOCKERS.contains(&b)
                || (b == "artifacts(s3)" && KEY_ONLY_S3.contains(&file.as_str()))
        };
        let moves_artifacts =
            cols[4].contains("artifacts(") && cols[4].split_whitespace().all(lifted);
        if cols[5] != "yes" && !moves_artifacts {
            continue;
        }
        if NOT_RUN.iter().any(|(f, _)| *f == file) {
            continue;
        }
        let expected = match EXPECTED.iter().find(|(f, _, _)| *f == file) {
            Some((_, e, _)) => e.to_string(),
            None if cols[7].starts_with("Failed") => "Failed|Error".to_string(),
            None => "Succeeded".to_string(),
        };
        out.push(Case { file, expected, moves_artifacts });
    }
    out
}

fn run_case(dir: &Path, case: &Case, pass: &Pass) -> Outcome {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keelson"));
    let file = match pass.rewritten.iter().find(|(f, _)| *f == case.file) {
        Some((_, path)) => path.to_string_lossy().into_owned(),
        None => case.file.clone(),
    };
    cmd.current_dir(dir)
        .args(["run", "-q", "-o", "json", "--color", "never", &file])
        .arg("--secrets")
        .arg(&pass.secrets)
        .arg("--work-dir")
        .arg(pass.work.join(case.file.replace('/', "_")))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if case.file.contains('/') {
        cmd.args(["--templates", "workflow-template", "--templates", "cluster-workflow-template"]);
    }
    let outcome = |got: &str, note: String| Outcome {
        file: case.file.clone(),
        expected: case.expected.clone(),
        got: got.to_string(),
        seconds: started.elapsed().as_secs_f64(),
        note,
    };
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return outcome("-", format!("cannot start keelson: {e}")),
    };
    let resume = RESUME.contains(&case.file.as_str());
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {}
            Err(_) => break None,
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return outcome("timeout", format!("still running after {}s", TIMEOUT.as_secs()));
        }
        if resume && started.elapsed() > Duration::from_secs(2) {
            // As a user would: `kill -USR1` resumes suspended nodes.
            let _ = Command::new("kill").args(["-USR1", &child.id().to_string()]).status();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output();
    let (stdout, stderr) = match output {
        Ok(o) => (o.stdout, o.stderr),
        Err(_) => (Vec::new(), Vec::new()),
    };
    let phase = serde_json::from_slice::<serde_json::Value>(&stdout)
        .ok()
        .and_then(|v| v["status"]["phase"].as_str().map(str::to_string));
    let message = serde_json::from_slice::<serde_json::Value>(&stdout)
        .ok()
        .and_then(|v| v["status"]["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    match phase {
        Some(p) => outcome(&p, message),
        None => {
            let err = String::from_utf8_lossy(&stderr);
            let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
            outcome(&format!("exit {:?}", status.and_then(|s| s.code())), first)
        }
    }
}

fn matches(expected: &str, got: &str) -> bool {
    expected == "any" || expected.split('|').any(|e| e == got)
}

/// Run `cases` a few at a time; their outcomes, by file.
fn run_all(dir: &Path, cases: Vec<Case>, pass: &Pass) -> Vec<Outcome> {
    let queue = Arc::new(Mutex::new(cases.into_iter().collect::<VecDeque<_>>()));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, results, dir, pass) =
                (queue.clone(), results.clone(), dir.to_path_buf(), pass.clone());
            std::thread::spawn(move || {
                loop {
                    let next = queue.lock().map(|mut q| q.pop_front()).ok().flatten();
                    let Some(case) = next else { return };
                    let o = run_case(&dir, &case, &pass);
                    if let Ok(mut r) = results.lock() {
                        r.push(o);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let mut results = std::mem::take(&mut *results.lock().expect("results"));
    results.sort_by(|a, b| a.file.cmp(&b.file));
    results
}

/// Print the table; the examples that do not match and are not known
/// mismatches, and the known ones that now match.
fn report(title: &str, results: &[Outcome]) -> (Vec<String>, Vec<String>) {
    println!("\n{title}\n{:<72} {:<14} {:<10} {:>6}  note", "example", "expected", "got", "secs");
    let mut matched = 0;
    for r in results {
        let ok = matches(&r.expected, &r.got);
        matched += usize::from(ok);
        println!(
            "{} {:<70} {:<14} {:<10} {:>6.1}  {}",
            if ok { "✔" } else { "✖" },
            r.file,
            r.expected,
            r.got,
            r.seconds,
            if ok { String::new() } else { r.note.chars().take(120).collect() }
        );
    }
    let total = results.len();
    let rate = 100.0 * matched as f64 / total.max(1) as f64;
    println!("\n{title}: {matched}/{total} examples end in Argo's phase ({rate:.1} %)");
    let known = |f: &str| KNOWN_MISMATCHES.iter().any(|(k, _)| *k == f);
    let regressions = results
        .iter()
        .filter(|r| !matches(&r.expected, &r.got) && !known(&r.file))
        .map(|r| r.file.clone())
        .collect();
    let fixed = results
        .iter()
        .filter(|r| matches(&r.expected, &r.got) && known(&r.file))
        .map(|r| r.file.clone())
        .collect();
    (regressions, fixed)
}

#[test]
fn argo_examples_end_as_argo_says() {
    let Some(dir) = examples_dir() else {
        eprintln!("skipped: ../shared/argo-examples is not here");
        return;
    };
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("argo-conformance");
    let _ = std::fs::remove_dir_all(&work);
    // Argo's e2e environment's repositories, on the built-in store.
    let builtin = Pass {
        secrets: Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/argo-e2e-repositories.yaml"),
        rewritten: Vec::new(),
        work: work.join("builtin"),
    };
    let results = run_all(&dir, cases(&dir), &builtin);
    let (regressions, fixed) = report("conformance", &results);
    for (f, why) in NOT_RUN {
        println!("- {f:<70} not run: {why}");
    }
    assert!(regressions.is_empty(), "examples that no longer end as Argo says: {regressions:?}");
    assert!(
        fixed.is_empty(),
        "known mismatches that now match (update KNOWN_MISMATCHES): {fixed:?}"
    );
}

#[test]
fn argo_artifact_examples_end_as_argo_says_on_s3() {
    use crate::support::moto::{self, Moto};
    let Some(dir) = examples_dir() else {
        eprintln!("skipped: ../shared/argo-examples is not here");
        return;
    };
    let Some(s3) = Moto::start() else { return };
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("argo-conformance-s3");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    for bucket in ["artifacts", "my-bucket", "my-bucket-name"] {
        s3.create_bucket(bucket);
    }
    let seed = work.join("seed.txt");
    std::fs::write(&seed, "seeded\n").expect("seed");
    s3.put_file("my-bucket-name", "path/in/bucket", &seed);
    // Argo's e2e ConfigMap with both repositories on moto, Argo's
    // credential names, and the examples' own.
    let repository = s3.repository("artifacts").replace('\n', "\n    ");
    let (access, secret) = (moto::ACCESS_KEY, moto::SECRET_KEY);
    let secrets = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: artifact-repositories\n  annotations:\n    \
         workflows.argoproj.io/default-artifact-repository: default-v1\ndata:\n  default-v1: |\n    \
         {repository}\n  my-key: |\n    {repository}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {{name: cred}}\n\
         stringData: {{accessKey: {access}, secretKey: {secret}}}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {{name: my-s3-credentials}}\n\
         stringData: {{accessKey: {access}, secretKey: {secret}}}\n\
         ---\napiVersion: v1\nkind: Secret\nmetadata: {{name: my-minio-cred}}\n\
         stringData: {{accesskey: {access}, secretkey: {secret}}}\n"
    );
    let secrets_file = work.join("repositories.yaml");
    std::fs::write(&secrets_file, secrets).expect("repositories");
    let mut rewritten = Vec::new();
    for f in S3_EXAMPLES {
        let text = std::fs::read_to_string(dir.join(f)).expect("example");
        let text = text.replace(
            "endpoint: s3.amazonaws.com",
            &format!("endpoint: {}\n          insecure: true", s3.endpoint),
        );
        let to = work.join(f);
        std::fs::write(&to, text).expect("rewritten");
        rewritten.push((f.to_string(), to));
    }
    let mut cases: Vec<Case> = cases(&dir).into_iter().filter(|c| c.moves_artifacts).collect();
    for f in S3_EXAMPLES {
        cases.push(Case {
            file: f.to_string(),
            expected: "Succeeded".into(),
            moves_artifacts: true,
        });
    }
    let pass = Pass { secrets: secrets_file, rewritten, work: work.join("runs") };
    let results = run_all(&dir, cases, &pass);
    let (regressions, fixed) = report("conformance with S3 (moto)", &results);
    assert!(regressions.is_empty(), "examples that do not end as Argo says on S3: {regressions:?}");
    assert!(fixed.is_empty(), "known mismatches that now match: {fixed:?}");
    // What landed where Argo would put it.
    let keys = s3.keys("my-bucket");
    assert!(keys.contains(&"path/in/bucket/hello_world.txt.tgz".to_string()), "{keys:?}");
    let keys = s3.keys("artifacts");
    assert!(keys.iter().any(|k| k.starts_with("artifact-passing-")), "{keys:?}");
}
