//! `keelson server` for real: a server process on SQLite (and on a
//! throwaway PostgreSQL), driven by the `keelson` CLI over HTTP — submit,
//! wait, list, get, logs, retry, resubmit, templates, secrets, delete —
//! then killed with SIGKILL mid-run and restarted (the workflow must end
//! right, with nothing lost or run twice unknowingly), and stopped with
//! SIGTERM (running tasks finish, the rest waits for the next start).

use std::collections::HashMap;
use std::path::Path;

use crate::support::fixtures::USES_SECRET;
use crate::support::keelson::{Server, data_dir, file};
use crate::support::status::{nodes, phase};
use serde_json::Value;
use server::store::{Entry, Store};

const FLAKY: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: flaky-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: marker}]}
  templates:
  - name: main
    steps:
    - - {name: first, template: flaky}
    - - {name: second, template: echo}
  - name: flaky
    container:
      image: alpine
      command: [sh, -c]
      args: ["if [ -e {{workflow.parameters.marker}} ]; then echo second try; else touch {{workflow.parameters.marker}}; echo first try; exit 3; fi"]
  - name: echo
    container: {image: alpine, command: [echo, after]}
"#;

const CRON: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: every}
spec:
  schedules: ["@every 2s"]
  concurrencyPolicy: Forbid
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      container: {image: alpine, command: [echo, tick]}
"#;

fn name_of(out: &str) -> String {
    out.lines().next().unwrap_or("").trim().to_string()
}

fn client_verbs(database_url: Option<&str>) {
    let dir = data_dir();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let examples = examples.to_string_lossy();
    let s = Server::start(dir.path(), database_url, &["--templates", &examples]);

    // Submit and wait: exit 0 when it succeeds.
    let diamond = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/diamond.yaml");
    let name = name_of(&s.ok(&["submit", &diamond.to_string_lossy(), "--wait", "-o", "name"]));
    assert!(name.starts_with("diamond-"), "{name}");
    let wf = s.workflow(&name);
    assert_eq!(phase(&wf), "Succeeded");
    assert_eq!(wf["metadata"]["labels"]["workflows.argoproj.io/completed"], "true");
    assert_eq!(wf["status"]["nodes"].as_object().map(|n| n.len()), Some(5));
    let listed: Value = serde_json::from_str(&s.ok(&["list", "-o", "json"])).expect("JSON");
    assert_eq!(listed["items"][0]["metadata"]["name"], name.as_str());
    assert!(s.ok(&["list"]).contains("Succeeded"));
    assert!(s.ok(&["get", &name]).contains("✔ A"));
    let logs = s.ok(&["logs", &name]);
    assert_eq!(logs.lines().count(), 4, "{logs}");
    raw_api(&s, &name);
    assert!(logs.lines().all(|l| l.starts_with(&format!("{name}-echo-"))), "{logs}");

    // A failure, then a retry that runs only what failed and what follows.
    let marker = dir.path().join("marker");
    let flaky = file(dir.path(), "flaky.yaml", FLAKY);
    let out = s.cli(&[
        "submit",
        &flaky.to_string_lossy(),
        "-p",
        &format!("marker={}", marker.display()),
        "--wait",
        "-o",
        "name",
    ]);
    assert_eq!(out.status.code(), Some(1), "a failed workflow fails --wait");
    let flaky_name = name_of(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(phase(&s.workflow(&flaky_name)), "Failed");
    // The retry answers with the run as it now is: running again, not
    // its failed past (a watch from there sees it through).
    let retried: Value =
        serde_json::from_str(&s.ok(&["retry", &flaky_name, "-o", "json"])).expect("JSON");
    assert_eq!(phase(&retried), "Running", "{retried:#}");
    s.ok(&["watch", &flaky_name]);
    let wf = s.workflow(&flaky_name);
    assert_eq!(phase(&wf), "Succeeded");
    let flaky_logs = s.ok(&["logs", &flaky_name]);
    assert!(flaky_logs.contains("second try") && flaky_logs.contains("after"), "{flaky_logs}");

    // Resubmit: a new workflow with a new name.
    let again = s.ok(&["resubmit", &flaky_name, "-o", "name"]);
    let again = name_of(&again);
    assert!(again.starts_with("flaky-") && again != flaky_name, "{again}");
    s.ok(&["watch", &again]);

    // A stored template, with a parameter.
    assert!(s.ok(&["template", "list"]).contains("parameterized-build"));
    let from = s.ok(&[
        "submit",
        "--from",
        "workflowtemplate/parameterized-build",
        "-p",
        "image-tag=v9",
        "--wait",
        "-o",
        "name",
    ]);
    let wf = s.workflow(&name_of(&from));
    assert_eq!(phase(&wf), "Succeeded", "{wf:#}");
    assert!(wf.to_string().contains("v9"));

    // Secrets: sealed, masked in logs, listed without values.
    s.ok(&["secret", "create", "db", "--from-literal", "password=hunter2-pw"]);
    let listed = s.ok(&["secret", "list"]);
    assert!(listed.contains("db") && listed.contains("password") && !listed.contains("hunter2"));
    let secret = file(dir.path(), "secret.yaml", USES_SECRET);
    s.ok(&["submit", &secret.to_string_lossy(), "--wait"]);
    let logs = s.ok(&["logs", "uses-secret"]);
    assert!(logs.contains("password is ***") && !logs.contains("hunter2"), "{logs}");

    // A CronWorkflow: created, it fires (every 2 s), suspended, deleted.
    let cron = file(dir.path(), "cron.yaml", CRON);
    s.ok(&["cron", "create", &cron.to_string_lossy()]);
    let start = std::time::Instant::now();
    let runs = loop {
        let runs = s.ok(&["list", "-l", "workflows.argoproj.io/cron-workflow=every", "-o", "name"]);
        if !runs.trim().is_empty() {
            break runs;
        }
        assert!(start.elapsed().as_secs() < 30, "the cron workflow never fired");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(runs.starts_with("every-"), "{runs}");
    let crons = s.ok(&["cron", "list"]);
    assert!(crons.contains("@every 2s") && crons.contains("NEXT RUN"), "{crons}");
    s.ok(&["cron", "suspend", "every"]);
    let got: Value =
        serde_json::from_str(&s.ok(&["cron", "get", "every", "-o", "json"])).expect("JSON");
    assert_eq!(got["spec"]["suspend"], true);
    assert!(got["status"]["lastScheduledTime"].is_string(), "{got:#}");
    s.ok(&["cron", "delete", "every"]);

    // A name is taken once; a deleted workflow is gone with its logs.
    let dup = s.cli(&["submit", &secret.to_string_lossy()]);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let uid = s.workflow("uses-secret")["metadata"]["uid"].as_str().unwrap_or("").to_string();
    s.ok(&["delete", "uses-secret"]);
    let gone = s.cli(&["get", "uses-secret"]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("not found"));
    assert!(!dir.path().join("runs").join(uid).exists());

    // Every change was audited.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let audit = rt.block_on(async {
        let store = Store::open(&s.database_url).await.expect("store");
        store.audit_log(engine::status::Time(0), 1000).await.expect("audit")
    });
    let created = audit
        .iter()
        .filter(|a| a.method == "POST" && a.path == "/api/v1/workflows/default")
        .count();
    assert!(created >= 3, "{audit:?}");
    assert!(audit.iter().any(|a| a.method == "DELETE" && a.status == 200), "{audit:?}");
    assert!(audit.iter().any(|a| a.status == 409), "the refused duplicate too: {audit:?}");
    assert!(audit.iter().all(|a| a.remote == "127.0.0.1"), "{audit:?}");
    assert!(
        audit.iter().all(|a| a.who == "admin" || a.path == "/api/v1/login"),
        "every change is the signed-in administrator's: {audit:?}"
    );
}

/// What Argo's clients rely on, checked on the wire.
fn raw_api(s: &Server, name: &str) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let http = s.http();
        let url = |p: &str| format!("{}{p}", s.url);
        // Errors: the HTTP status and `{code, message}`.
        let r = http.get(url("/api/v1/workflows/default/nope")).send().await.expect("get");
        assert_eq!(r.status(), 404);
        let body: Value = r.json().await.expect("JSON");
        assert_eq!(body["code"], 5);
        assert_eq!(body["message"], "workflows.argoproj.io \"nope\" not found");
        let r = http
            .put(url(&format!("/api/v1/workflows/default/{name}/stop")))
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 400, "stopping a finished workflow");
        assert_eq!(r.json::<Value>().await.expect("JSON")["code"], 9);
        // A body that is not the JSON expected: 400 in the same shape.
        for (method, path, body) in [
            (reqwest::Method::POST, "/api/v1/workflows/default".to_string(), "{"),
            (reqwest::Method::PUT, format!("/api/v1/workflows/default/{name}/retry"), "[1]"),
        ] {
            let r = http
                .request(method, url(&path))
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .expect("request");
            assert_eq!(r.status(), 400, "{path}");
            let e: Value = r.json().await.expect("a JSON error");
            assert_eq!(e["code"], 3, "{e}");
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        }
        // Lists: a resource version, and `items` never null.
        let empty: Value = http
            .get(url("/api/v1/workflows/nobody?listOptions.labelSelector=a%3Db"))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("JSON");
        assert_eq!(empty["items"], serde_json::json!([]));
        assert!(empty["metadata"]["resourceVersion"].is_string());
        // Logs as Server-Sent Events: `data: {"result":…} ` and a blank line.
        let text = http
            .get(url(&format!("/api/v1/workflows/default/{name}/log?logOptions.container=main")))
            .header("Accept", "text/event-stream")
            .send()
            .await
            .expect("log")
            .text()
            .await
            .expect("body");
        assert!(text.starts_with("data: {\"result\":{"), "{text}");
        assert!(text.ends_with("}} \n\n"), "{text:?}");
        assert_eq!(text.matches("data: ").count(), 4);
        // Python clients send True.
        let r = http
            .get(url(&format!("/api/v1/workflows/default/{name}/log?logOptions.follow=True")))
            .send()
            .await
            .expect("log");
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.text().await.expect("body").lines().count(),
            4,
            "follow ends with the workflow"
        );
    });
}

#[test]
fn the_cli_drives_a_server_on_sqlite() {
    client_verbs(None);
}

#[test]
fn the_cli_drives_a_server_on_postgres() {
    let Some((url, _cluster)) = crate::support::postgres::url_or_skip() else { return };
    client_verbs(Some(&url));
}

#[test]
fn an_unreachable_server_is_explained() {
    let out = std::process::Command::new(crate::support::keelson::KEELSON)
        .args(["list", "--server", "http://127.0.0.1:9"])
        .output()
        .expect("run keelson");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach a Keelson server at http://127.0.0.1:9"), "{err}");
    assert!(err.contains("keelson server"), "{err}");
}

const LONG: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: NAME}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: slow}
    - - {name: b, template: slow}
  - name: slow
    retryStrategy: {limit: 2, retryPolicy: Always}
    container:
      image: alpine
      command: [sh, -c]
      args: ["echo start; sleep SECONDS; echo done"]
"#;

fn long_workflow(dir: &Path, name: &str, seconds: &str) -> String {
    let text = LONG.replace("NAME", name).replace("SECONDS", seconds);
    file(dir, &format!("{name}.yaml"), &text).to_string_lossy().into_owned()
}

fn running_pod(wf: &Value, display: &str) -> bool {
    nodes(wf, display).iter().any(|n| n["type"] == "Pod" && n["phase"] == "Running")
}

/// Processes whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(needle))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Whether a process is alive (not gone, not a zombie).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| !r.trim_start().starts_with('Z')))
}

async fn journal(database_url: &str, uid: &str) -> Vec<server::store::LoggedEvent> {
    let store = Store::open(database_url).await.expect("open the store");
    store.events(uid).await.expect("journal")
}

fn crash_and_resume(database_url: Option<&str>) {
    let dir = data_dir();
    // A sleep length no other test uses, to find the task's processes.
    let seconds = if database_url.is_some() { "4.31" } else { "4.17" };
    let s = Server::start(dir.path(), database_url, &[]);
    let wf_file = long_workflow(dir.path(), "crash", seconds);
    s.ok(&["submit", &wf_file]);
    s.wait_for("crash", "step a to run", |wf| running_pod(wf, "a(0)"));
    let database_url = s.database_url.clone();
    let uid = s.workflow("crash")["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let old_tasks = processes_with(&format!("sleep {seconds}"));
    assert!(!old_tasks.is_empty(), "the task runs");
    s.kill9();

    let s = Server::start(dir.path(), Some(&database_url), &[]);
    s.wait_for("crash", "the lost task to be recorded", |wf| !nodes(wf, "a(1)").is_empty());
    let left: Vec<&String> = old_tasks.iter().filter(|p| alive(p)).collect();
    assert!(left.is_empty(), "the old server's task processes were ended: {left:?}");
    assert!(s.ok(&["watch", "crash"]).contains("Succeeded"));
    let wf = s.workflow("crash");
    assert_eq!(phase(&wf), "Succeeded", "{wf:#}");
    let lost = &nodes(&wf, "a(0)")[0];
    assert_eq!(lost["phase"], "Error");
    assert_eq!(lost["message"], "executor lost: server restarted while the task ran");
    for (display, p) in [("a(1)", "Succeeded"), ("b(0)", "Succeeded")] {
        assert_eq!(nodes(&wf, display)[0]["phase"], p, "{display}");
    }
    assert!(nodes(&wf, "a(2)").is_empty() && nodes(&wf, "b(1)").is_empty(), "nothing ran twice");

    // The journal: numbered without gaps, one start, each pod started and
    // ended once, the lost one recorded once.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let log = rt.block_on(journal(&database_url, &uid));
    let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (0..log.len() as i64).collect::<Vec<_>>());
    assert_eq!(log.iter().filter(|e| e.entry == Entry::Started).count(), 1);
    let mut started: HashMap<String, usize> = HashMap::new();
    let mut ended: HashMap<String, usize> = HashMap::new();
    for e in &log {
        match &e.entry {
            Entry::Engine(engine::run::Event::NodeStarted { node }) => {
                *started.entry(node.clone()).or_default() += 1
            }
            Entry::Engine(
                engine::run::Event::NodeExited { node, .. }
                | engine::run::Event::NodeFailedToStart { node, .. },
            ) => *ended.entry(node.clone()).or_default() += 1,
            _ => {}
        }
    }
    assert!(started.values().all(|n| *n == 1), "{started:?}");
    assert!(ended.values().all(|n| *n == 1), "{ended:?}");
    assert_eq!(ended.len(), 3, "a(0) lost, a(1) and b(0) ran: {ended:?}");
}

#[test]
fn a_killed_server_resumes_its_workflows_on_sqlite() {
    crash_and_resume(None);
}

#[test]
fn a_killed_server_resumes_its_workflows_on_postgres() {
    let Some((url, _cluster)) = crate::support::postgres::url_or_skip() else { return };
    crash_and_resume(Some(&url));
}

#[test]
fn sigterm_lets_running_tasks_finish_and_the_next_server_goes_on() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &["--shutdown-grace", "30"]);
    let wf_file = long_workflow(dir.path(), "graceful", "2");
    s.ok(&["submit", &wf_file]);
    s.wait_for("graceful", "step a to run", |wf| running_pod(wf, "a(0)"));
    let database_url = s.database_url.clone();
    let (status, took) = s.terminate();
    assert!(status.success(), "{status}");
    assert!(took.as_secs() < 20, "the server waited for a's 2 s, not the whole grace: {took:?}");

    let s = Server::start(dir.path(), Some(&database_url), &[]);
    let wf = s.workflow("graceful");
    assert_eq!(nodes(&wf, "a(0)")[0]["phase"], "Succeeded", "a finished before the server left");
    s.ok(&["watch", "graceful"]);
    let wf = s.workflow("graceful");
    assert_eq!(phase(&wf), "Succeeded", "{wf:#}");
    assert!(!wf.to_string().contains("executor lost"), "nothing was lost: {wf:#}");
    let uid = wf["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let log = rt.block_on(journal(&database_url, &uid));
    assert!(log.iter().any(|e| matches!(e.entry, Entry::Deferred { .. })), "b was deferred");
    assert!(log.iter().any(|e| matches!(e.entry, Entry::Relaunched { .. })), "and relaunched");
}

#[test]
fn logs_follow_new_tasks_until_the_workflow_ends() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let text = LONG
        .replace("NAME", "chatty")
        .replace("echo start; sleep SECONDS; echo done", "echo start; sleep 0.5; echo done");
    let wf = file(dir.path(), "chatty.yaml", &text);
    s.ok(&["submit", &wf.to_string_lossy()]);
    // Follow from the start: the second step's pod does not exist yet.
    let started = std::time::Instant::now();
    let out = s.ok(&["logs", "chatty", "-f"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].ends_with(": start") && lines[3].ends_with(": done"), "{out}");
    let pods: std::collections::BTreeSet<&str> =
        lines.iter().filter_map(|l| l.split(':').next()).collect();
    assert_eq!(pods.len(), 2, "both steps' pods: {out}");
    assert_eq!(phase(&s.workflow("chatty")), "Succeeded", "it ended when the workflow did");
    assert!(started.elapsed().as_secs() < 30);
}

const APPROVAL: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: approval}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: approve, template: wait}
    - - {name: ship, template: ship}
  - name: wait
    suspend: {}
  - name: ship
    container: {image: alpine, command: [echo, shipped]}
"#;

#[test]
fn a_suspend_step_waits_for_resume_by_node_selector() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let wf = file(dir.path(), "approval.yaml", APPROVAL);
    s.ok(&["submit", &wf.to_string_lossy()]);
    s.wait_for("approval", "the suspend step", |wf| {
        nodes(wf, "approve").iter().any(|n| n["phase"] == "Running")
    });
    let wrong = s.cli(&["resume", "approval", "--node-field-selector", "displayName=nope"]);
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("no suspended node matches"));
    s.ok(&["resume", "approval", "--node-field-selector", "displayName=approve"]);
    s.ok(&["watch", "approval"]);
    assert_eq!(phase(&s.workflow("approval")), "Succeeded");
    assert!(s.ok(&["logs", "approval"]).contains("shipped"));
}

const GATED: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: gated}
spec:
  entrypoint: main
  arguments: {parameters: [{name: ok, value: "no"}]}
  templates:
  - name: main
    retryStrategy: {limit: 1, retryPolicy: Always}
    container:
      image: alpine
      command: [sh, -c, 'sleep 1.13; test "{{workflow.parameters.ok}}" = yes']
"#;

/// `argo retry -p`: the retry runs with the new value — and so does the
/// replay of a server that died during that retry.
#[test]
fn a_retry_with_new_parameters_survives_a_crash() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let wf = file(dir.path(), "gated.yaml", GATED);
    let out = s.cli(&["submit", &wf.to_string_lossy(), "--wait"]);
    assert_eq!(out.status.code(), Some(1), "ok=no fails");
    s.ok(&["retry", "gated", "-p", "ok=yes"]);
    s.wait_for("gated", "the retried task to run", |wf| {
        wf["status"]["nodes"]
            .as_object()
            .is_some_and(|m| m.values().any(|n| n["type"] == "Pod" && n["phase"] == "Running"))
    });
    let database_url = s.database_url.clone();
    s.kill9();
    let s = Server::start(dir.path(), Some(&database_url), &[]);
    s.ok(&["watch", "gated"]);
    let wf = s.workflow("gated");
    assert_eq!(phase(&wf), "Succeeded", "{wf:#}");
    assert!(wf.to_string().contains("executor lost"), "the crash did hit the retry: {wf:#}");
}

const INTERLEAVED: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: interleaved}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: say, arguments: {parameters: [{name: who, value: a}, {name: wait, value: "0"}]}}
      - {name: b, template: say, arguments: {parameters: [{name: who, value: b}, {name: wait, value: "0.4"}]}}
  - name: say
    inputs: {parameters: [{name: who}, {name: wait}]}
    container:
      image: alpine
      command: [sh, -c]
      args: ["sleep {{inputs.parameters.wait}}; echo {{inputs.parameters.who}}1; sleep 0.8; echo {{inputs.parameters.who}}2"]
"#;

/// `argo logs` of a workflow whose pods ran side by side: one stream,
/// lines in the order they were written, whichever pod wrote them.
#[test]
fn a_workflows_log_merges_its_pods_lines_by_time() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let wf = file(dir.path(), "interleaved.yaml", INTERLEAVED);
    s.ok(&["submit", &wf.to_string_lossy(), "--wait"]);
    let logs = s.ok(&["logs", "interleaved"]);
    let order: Vec<&str> = logs
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|w| ["a1", "a2", "b1", "b2"].contains(w))
        .collect();
    assert_eq!(order, ["a1", "b1", "a2", "b2"], "{logs}");
}
