//! The local executor with real processes: results, exit codes, scripts,
//! private /tmp, files, secrets and masking, kills, parallelism, argosay.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use engine::run::{Event, Exit, LaunchSpec};
use serde_json::{Value, json};
use server::executor::{Isolation, LocalConfig, LocalExecutor, LocalStore, OutputStream};
use tokio::sync::mpsc;

/// No test here should take longer; a hang fails instead of blocking CI.
const PATIENCE: Duration = Duration::from_secs(10);

struct Harness {
    exec: LocalExecutor,
    events: mpsc::UnboundedReceiver<Event>,
    dir: tempfile::TempDir,
}

fn harness(tweak: impl FnOnce(&mut LocalConfig)) -> Harness {
    // Not under /tmp: a task's private /tmp would hide it.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut config = LocalConfig::new(dir.path().join("run"));
    config.images.set_argosay(PathBuf::from(env!("CARGO_BIN_EXE_keelson")));
    config.kill_grace = Duration::from_secs(5);
    tweak(&mut config);
    let (tx, events) = mpsc::unbounded_channel();
    Harness { exec: LocalExecutor::new(config, tx), events, dir }
}

fn spec(node: &str, container: Value) -> LaunchSpec {
    LaunchSpec {
        node: node.into(),
        node_name: format!("wf.{node}"),
        pod_name: format!("{node}-pod"),
        template: "main".into(),
        template_key: "main".into(),
        container,
        source: None,
        output_paths: vec![],
        files: vec![],
        inputs: vec![],
        outputs: vec![],
        log_location: None,
        deadline_seconds: None,
    }
}

fn sh(script: &str) -> Value {
    json!({"image": "busybox", "command": ["sh", "-c", script]})
}

impl Harness {
    async fn next(&mut self) -> Event {
        match tokio::time::timeout(PATIENCE, self.events.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => panic!("event channel closed"),
            Err(_) => panic!("no event within {PATIENCE:?}"),
        }
    }

    /// Run one spec to its end: (whether it started, the final event).
    async fn run(&mut self, s: LaunchSpec) -> (bool, Event) {
        let node = s.node.clone();
        self.exec.launch(s);
        let mut started = false;
        loop {
            match self.next().await {
                Event::NodeStarted { node: n } if n == node => started = true,
                e @ (Event::NodeExited { .. } | Event::NodeFailedToStart { .. }) => {
                    return (started, e);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    async fn exit(&mut self, s: LaunchSpec) -> Exit {
        match self.run(s).await {
            (true, Event::NodeExited { exit, .. }) => exit,
            other => panic!("expected a start and an exit, got {other:?}"),
        }
    }

    async fn failure(&mut self, s: LaunchSpec) -> String {
        match self.run(s).await {
            (false, Event::NodeFailedToStart { message, .. }) => message,
            other => panic!("expected a failure to start, got {other:?}"),
        }
    }

    fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }
}

#[tokio::test]
async fn echo_gives_the_result_and_code_0() {
    let mut h = harness(|_| {});
    let exit = h
        .exit(spec(
            "echo-1",
            json!({"image": "busybox", "command": ["echo"], "args": ["hello world"]}),
        ))
        .await;
    assert_eq!(exit, Exit { code: 0, result: Some("hello world".into()), ..Default::default() });
}

#[tokio::test]
async fn exit_codes_are_reported_as_they_are() {
    let mut h = harness(|_| {});
    assert_eq!(h.exit(spec("exit-3", sh("echo out; exit 3"))).await.code, 3);
}

#[tokio::test]
async fn script_templates_run_their_source() {
    let mut h = harness(|_| {});
    let mut s = spec("script-1", json!({"image": "python:alpine3.23", "command": ["python3"]}));
    s.source = Some("import sys\nprint(21 * 2)\nprint(len(sys.argv))\n".into());
    assert_eq!(h.exit(s).await.result.as_deref(), Some("42\n1"));
}

#[tokio::test]
async fn concurrent_tasks_have_their_own_tmp() {
    let mut h = harness(|_| {});
    if h.exec.isolation() == Isolation::None {
        eprintln!("skipped: no namespaces on this machine, /tmp is shared");
        return;
    }
    for who in ["a", "b"] {
        // Each writes, waits for the other to have written, reads back.
        let mut s = spec(
            &format!("tmp-{who}"),
            sh(&format!("echo {who} > /tmp/out.txt; sleep 0.3; cat /tmp/out.txt")),
        );
        s.output_paths = vec![("out".into(), "/tmp/out.txt".into())];
        h.exec.launch(s);
    }
    let mut exits = std::collections::BTreeMap::new();
    while exits.len() < 2 {
        if let Event::NodeExited { node, exit } = h.next().await {
            exits.insert(node, exit);
        }
    }
    for who in ["a", "b"] {
        let exit = &exits[&format!("tmp-{who}")];
        assert_eq!(exit.parameters.get("out").map(String::as_str), Some(who));
        assert_eq!(exit.result.as_deref(), Some(who));
    }
}

#[tokio::test]
async fn raw_input_files_are_in_place_before_start() {
    let mut h = harness(|_| {});
    let file = |path: String, contents: &str, mode| engine::run::InlineFile {
        path,
        contents: contents.into(),
        mode,
    };
    let mut dir = "/tmp/in".to_string();
    if h.exec.isolation() == Isolation::None {
        // Without a private /tmp the file goes to the real one.
        dir = format!("/tmp/keelson-test-{}", std::process::id());
    }
    // `mode` is applied (a script made executable, as Argo does).
    let mut s = spec("files-1", sh(&format!("cat {dir}/data.txt; {dir}/run.sh")));
    s.files = vec![
        file(format!("{dir}/data.txt"), "payload\n", None),
        file(format!("{dir}/run.sh"), "#!/bin/sh\necho ran\n", Some(0o755)),
    ];
    assert_eq!(h.exit(s).await.result.as_deref(), Some("payload\nran"));
    let mut outside = spec("files-2", sh("cat /etc/keelson-test; cat /etc/passwd >/dev/null"));
    outside.files = vec![file("/etc/keelson-test".into(), "in its own root", None)];
    if h.exec.isolation() == Isolation::None {
        let message = h.failure(outside).await;
        assert!(message.contains("input file '/etc/keelson-test' is outside /tmp"), "{message}");
    } else {
        // The task gets its own root: the file is in its /etc, the host's /etc is untouched
        // and the rest of /etc is still readable.
        let exit = h.exit(outside).await;
        assert_eq!((exit.code, exit.result.as_deref()), (0, Some("in its own root")));
        assert!(!std::path::Path::new("/etc/keelson-test").exists());
    }
}

#[tokio::test]
async fn secrets_reach_the_env_and_are_masked_in_logs() {
    let mut store = LocalStore::empty();
    store.insert_secret("db", "password", "hunter2-s3cret");
    let mut h = harness(|c| c.store = store);
    let mut live = h.exec.logs();
    let container = json!({
        "image": "alpine:3.23",
        "command": ["sh", "-c", "echo pw=$PW; echo err $PW >&2"],
        "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
    });
    let exit = h.exit(spec("secret-1", container)).await;
    // Argo keeps outputs.result as printed; only logs are masked.
    assert_eq!(exit.result.as_deref(), Some("pw=hunter2-s3cret"));

    let log = std::fs::read_to_string(h.run_dir().join("logs/secret-1.log")).expect("log file");
    assert!(!log.contains("hunter2"), "{log}");
    let lines: Vec<Vec<&str>> = log.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 2, "{log}");
    for l in &lines {
        assert_eq!(l.len(), 3, "{log}");
        assert!(
            l[0].ends_with('Z') && l[0].len() == "2024-01-01T00:00:00.000000000Z".len(),
            "{log}"
        );
    }
    let mut by_stream: Vec<(&str, &str)> = lines.iter().map(|l| (l[1], l[2])).collect();
    by_stream.sort();
    assert_eq!(by_stream, [("stderr", "err ***"), ("stdout", "pw=***")]);

    let mut seen = Vec::new();
    while let Ok(line) = live.try_recv() {
        assert_eq!((line.node.as_str(), line.pod_name.as_str()), ("secret-1", "secret-1-pod"));
        seen.push((line.stream, line.text));
    }
    seen.sort_by_key(|(s, _)| *s == OutputStream::Stderr);
    assert_eq!(
        seen,
        [
            (OutputStream::Stdout, "pw=***".to_string()),
            (OutputStream::Stderr, "err ***".to_string())
        ]
    );

    let missing = json!({
        "image": "alpine", "command": ["true"],
        "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "db", "key": "nope"}}}],
    });
    assert_eq!(
        h.failure(spec("secret-2", missing)).await,
        "secret 'db' has no key 'nope' (environment variable X)"
    );
}

fn alive(pid: u32) -> bool {
    // A zombie waiting for its reaper is dead for our purposes.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

#[tokio::test]
async fn kill_stops_the_whole_process_group() {
    let mut h = harness(|_| {});
    let node = "kill-1";
    h.exec.launch(spec(node, sh("sleep 60 & echo $! > ${TMPDIR:-/tmp}/child; wait")));
    assert!(matches!(h.next().await, Event::NodeStarted { .. }));
    // With or without namespaces, the task's /tmp (or TMPDIR) is this.
    // (The first task of an executor runs in `tasks/slot-0`.)
    let pid_file = h.run_dir().join("tasks/slot-0/tmp/child");
    let start = Instant::now();
    let pid = loop {
        if let Some(pid) =
            std::fs::read_to_string(&pid_file).ok().and_then(|s| s.trim().parse::<u32>().ok())
        {
            break pid;
        }
        assert!(start.elapsed() < PATIENCE, "the child's pid never appeared");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(alive(pid));
    let killed_at = Instant::now();
    h.exec.kill(node);
    match h.next().await {
        Event::NodeExited { node: n, exit } => {
            assert_eq!(n, node);
            assert_eq!(exit.code, 143, "SIGTERM, as Kubernetes reports it");
        }
        other => panic!("expected an exit, got {other:?}"),
    }
    assert!(killed_at.elapsed() < Duration::from_secs(2), "took {:?}", killed_at.elapsed());
    let gone = Instant::now();
    while alive(pid) {
        assert!(gone.elapsed() < Duration::from_secs(2), "the grandchild {pid} survived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn sigkill_follows_when_sigterm_is_ignored() {
    let mut h = harness(|c| c.kill_grace = Duration::from_millis(200));
    h.exec.launch(spec("stubborn", sh("trap '' TERM; echo ready; sleep 60")));
    let mut live = h.exec.logs();
    assert!(matches!(h.next().await, Event::NodeStarted { .. }));
    // Kill only once the trap is set.
    let line =
        tokio::time::timeout(PATIENCE, live.recv()).await.expect("a line").expect("not lagged");
    assert_eq!(line.text, "ready");
    h.exec.kill("stubborn");
    match h.next().await {
        Event::NodeExited { exit, .. } => assert_eq!(exit.code, 137),
        other => panic!("expected an exit, got {other:?}"),
    }
}

#[tokio::test]
async fn deadlines_kill_the_process() {
    let mut h = harness(|_| {});
    let mut s = spec("deadline-1", sh("sleep 60"));
    s.deadline_seconds = Some(1);
    let start = Instant::now();
    assert_eq!(h.exit(s).await.code, 143);
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn unknown_images_without_a_command_fail_to_start() {
    let mut h = harness(|_| {});
    let m =
        h.failure(spec("img-1", json!({"image": "golang:1.18", "args": ["go", "version"]}))).await;
    assert!(m.starts_with("image 'golang:1.18' is not in Keelson's image table"), "{m}");
    let m = h
        .failure(spec(
            "img-2",
            json!({"image": "docker/whalesay", "command": ["no-such-cowsay-keelson"]}),
        ))
        .await;
    assert!(m.contains("command 'no-such-cowsay-keelson' (image 'docker/whalesay')"), "{m}");
    let m = h.failure(spec("img-3", json!(["not", "an", "object"]))).await;
    assert!(m.starts_with("the container is not valid"), "{m}");
}

#[tokio::test]
async fn parallelism_one_runs_tasks_one_after_the_other() {
    let mut h = harness(|c| c.parallelism = 1);
    h.exec.launch(spec("first", sh("sleep 0.2")));
    h.exec.launch(spec("second", sh("true")));
    let mut order = Vec::new();
    while order.len() < 4 {
        match h.next().await {
            Event::NodeStarted { node } => order.push(format!("start {node}")),
            Event::NodeExited { node, .. } => order.push(format!("exit {node}")),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(order, ["start first", "exit first", "start second", "exit second"]);
}

#[tokio::test]
async fn killing_a_queued_task_reports_an_exit_without_a_start() {
    let mut h = harness(|c| c.parallelism = 1);
    h.exec.launch(spec("running", sh("sleep 60")));
    h.exec.launch(spec("queued", sh("true")));
    assert_eq!(h.next().await, Event::NodeStarted { node: "running".into() });
    h.exec.kill("queued");
    match h.next().await {
        Event::NodeExited { node, exit } => assert_eq!((node.as_str(), exit.code), ("queued", 143)),
        other => panic!("unexpected {other:?}"),
    }
    h.exec.kill_all();
    match h.next().await {
        Event::NodeExited { node, exit } => {
            assert_eq!((node.as_str(), exit.code), ("running", 143))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn argosay_echo_exit_sleep_and_files() {
    let mut h = harness(|_| {});
    let argosay = |args: Value| json!({"image": "argoproj/argosay:v2", "args": args});
    let exit = h.exit(spec("say-1", argosay(json!(["echo", "hi there"])))).await;
    assert_eq!((exit.code, exit.result.as_deref()), (0, Some("hi there")));
    let exit = h.exit(spec("say-2", json!({"image": "argoproj/argosay:v2"}))).await;
    assert_eq!(exit.result.as_deref(), Some("hello argo"));
    assert_eq!(h.exit(spec("say-3", argosay(json!(["exit", "7"])))).await.code, 7);
    let start = Instant::now();
    assert_eq!(h.exit(spec("say-4", argosay(json!(["sleep", "300ms"])))).await.code, 0);
    assert!(start.elapsed() >= Duration::from_millis(300));
    let mut s = spec("say-5", argosay(json!(["echo", "to a file", "/tmp/x/y.txt"])));
    s.output_paths = vec![("p".into(), "/tmp/x/y.txt".into())];
    if h.exec.isolation() != Isolation::None {
        let exit = h.exit(s).await;
        assert_eq!(exit.parameters.get("p").map(String::as_str), Some("to a file"));
    }
    // `/argosay` as the command, as some workflows write it.
    let exit = h
        .exit(spec(
            "say-6",
            json!({"image": "x", "command": ["/argosay"], "args": ["echo", "cmd"]}),
        ))
        .await;
    assert_eq!(exit.result.as_deref(), Some("cmd"));
}

#[tokio::test]
async fn results_keep_the_last_256_kib() {
    let mut h = harness(|_| {});
    let exit = h.exit(spec("big-1", sh("head -c 300000 /dev/zero | tr '\\0' a; echo END"))).await;
    let result = exit.result.expect("a result");
    assert_eq!(result.len(), 256 * 1024);
    assert!(result.ends_with("aEND"));
    let log = std::fs::read_to_string(h.run_dir().join("logs/big-1.log")).expect("log file");
    let total: usize = log.lines().filter_map(|l| l.splitn(3, '\t').nth(2)).map(str::len).sum();
    assert_eq!(total, 300_003, "every byte is in the log, split into lines");
}

#[tokio::test]
async fn environment_and_working_dir() {
    let mut h = harness(|_| {});
    let container = json!({
        "image": "busybox",
        "command": ["sh", "-c", "echo \"$HOME|$HOSTNAME|$GREETING|$(pwd)|${TERM:-none}\""],
        "env": [{"name": "NAME", "value": "you"}, {"name": "GREETING", "value": "hi $(NAME)"}],
        "workingDir": "/tmp/wd",
    });
    let exit = h.exit(spec("env-1", container)).await;
    let result = exit.result.expect("a result");
    let fields: Vec<&str> = result.split('|').collect();
    let task = h.run_dir().join("tasks/slot-0");
    assert_eq!(fields[0], task.join("work").to_string_lossy());
    assert_eq!(&fields[1..3], ["env-1-pod", "hi you"]);
    if h.exec.isolation() != Isolation::None {
        assert_eq!(fields[3], "/tmp/wd");
    }
    assert_eq!(fields[4], "none");
}

#[tokio::test]
async fn without_isolation_tmpdir_is_private_and_tmp_is_shared() {
    let mut h = harness(|c| c.isolate = false);
    assert_eq!(h.exec.isolation(), Isolation::None);
    let shared = format!("/tmp/keelson-fallback-{}.txt", std::process::id());
    let mut s = spec("plain-1", sh(&format!("echo shared > {shared}; echo $TMPDIR")));
    s.output_paths = vec![("p".into(), shared.clone())];
    let exit = h.exit(s).await;
    let _ = std::fs::remove_file(&shared);
    assert_eq!(exit.parameters.get("p").map(String::as_str), Some("shared"));
    assert_eq!(exit.result.map(PathBuf::from), Some(h.run_dir().join("tasks/slot-0/tmp")));
}

#[tokio::test]
async fn reused_task_directories_start_empty() {
    let mut h = harness(|c| c.parallelism = 1);
    let first = h
        .exit(spec("leave-1", sh("echo x > ${TMPDIR:-/tmp}/left; echo y > left-in-work; mkdir -p ${TMPDIR:-/tmp}/d/e")))
        .await;
    assert_eq!(first.code, 0);
    let second = h.exit(spec("look-2", sh("ls -A ${TMPDIR:-/tmp}; ls -A; pwd"))).await;
    assert_eq!(second.code, 0);
    let work = h.run_dir().join("tasks/slot-0/work");
    assert_eq!(
        second.result.as_deref(),
        Some(work.to_string_lossy().as_ref()),
        "nothing left over"
    );
}

#[tokio::test]
async fn the_log_index_lists_every_node() {
    let mut h = harness(|c| c.parallelism = 1);
    assert_eq!(h.exit(spec("talk-1", sh("echo one; echo two >&2"))).await.code, 0);
    assert_eq!(h.exit(spec("quiet-2", sh("true"))).await.code, 0);
    let index = std::fs::read_to_string(h.run_dir().join("logs/index.jsonl")).expect("index");
    let entries: Vec<Value> =
        index.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["node"], "talk-1");
    assert_eq!(entries[0]["file"], "talk-1.log");
    assert_eq!(entries[0]["lines"], 2);
    assert!(entries[0]["firstLineAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(entries[1]["node"], "quiet-2");
    assert_eq!(entries[1]["file"], Value::Null, "a node that printed nothing has no file");
    assert!(!h.run_dir().join("logs/quiet-2.log").exists());
}
