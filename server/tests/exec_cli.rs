//! `keelson exec`, the executor inside a Kubernetes pod, as a real
//! process: files placed, a script run, stdout passed through and kept as
//! the result, output parameters read, the report written, the command's
//! exit code returned; `--install-into` copies the binary.

use std::process::Command;

use crate::support::keelson::{KEELSON, data_dir};

fn exec(dir: &std::path::Path, env: &[(&str, String)], command: &[&str]) -> std::process::Output {
    let mut c = Command::new(KEELSON);
    c.arg("exec").arg("--").args(command).env("KEELSON_DIR", dir);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("keelson exec runs")
}

fn report(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("a report");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn exec_runs_the_command_and_reports_its_outputs() {
    let tmp = data_dir();
    let dir = tmp.path();
    let input = dir.join("in/a.txt");
    let answer = dir.join("out/answer");
    let files = serde_json::json!([[input.to_string_lossy(), "hello"]]).to_string();
    let outputs = serde_json::json!([["answer", answer.to_string_lossy()], ["missing", "/nope"]]);
    let script = format!(
        "cat {}; echo; mkdir -p {}; echo '42  ' > {}; echo oops >&2; exit 3",
        input.display(),
        dir.join("out").display(),
        answer.display()
    );
    let out = exec(
        dir,
        &[("KEELSON_FILES", files), ("KEELSON_OUTPUTS", outputs.to_string())],
        &["sh", "-c", &script],
    );
    assert_eq!(out.status.code(), Some(3), "the command's code");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n", "stdout passed through");
    assert!(String::from_utf8_lossy(&out.stderr).contains("oops"));
    let r = report(dir);
    assert_eq!(r["exitCode"], 3);
    assert_eq!(r["result"], "hello", "one trailing newline trimmed");
    assert_eq!(r["parameters"], serde_json::json!({"answer": "42"}), "trailing space trimmed");

    // A script template: the source is written and run as the last argument.
    let out = exec(dir, &[("KEELSON_SCRIPT", "echo from the script".into())], &["sh"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(report(dir)["result"], "from the script");

    // A program that is not there: 127, reported.
    let out = exec(dir, &[], &["/no/such/program"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(report(dir)["exitCode"], 127);

    // Killed by a signal: 128 + the signal.
    let out = exec(dir, &[], &["sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.code(), Some(128 + 15));
}

#[test]
fn install_copies_the_executor() {
    let tmp = data_dir();
    let to = tmp.path().join("var");
    let out = Command::new(KEELSON)
        .args(["exec", "--install-into"])
        .arg(&to)
        .output()
        .expect("keelson exec --install-into");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let copied = to.join("keelson");
    let version = Command::new(&copied).arg("--version").output().expect("the copy runs");
    assert!(version.status.success());
}

#[test]
fn in_a_pod_exec_reports_its_outputs_as_a_workflow_task_result() {
    use crate::support::fake_kube::{FakeKube, TASK_RESULTS};
    let fake = FakeKube::start();
    let tmp = data_dir();
    let dir = tmp.path();
    let answer = dir.join("answer");
    let outputs = serde_json::json!([["answer", answer.to_string_lossy()]]).to_string();
    let env = [
        ("KUBECONFIG", fake.kubeconfig(dir).to_string_lossy().into_owned()),
        ("KEELSON_POD_UID", "pod-uid-1".into()),
        ("KEELSON_NAMESPACE", "ci".into()),
        ("KEELSON_NODE_ID", "wf-123".into()),
        ("KEELSON_WORKFLOW", "wf".into()),
        ("KEELSON_POD_NAME", "wf-work-123".into()),
        ("KEELSON_OUTPUTS", outputs),
    ];
    let script = format!("echo built; echo 7 > {}", answer.display());
    let out = exec(dir, &env, &["sh", "-c", &script]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r = fake.get(TASK_RESULTS, "ci", "wf-123").expect("the task result");
    assert_eq!(r["metadata"]["labels"]["workflows.argoproj.io/workflow"], "wf");
    assert_eq!(r["metadata"]["labels"]["workflows.argoproj.io/report-outputs-completed"], "true");
    assert_eq!(r["metadata"]["ownerReferences"][0]["uid"], "pod-uid-1");
    assert_eq!(r["outputs"]["result"], "built");
    assert_eq!(r["outputs"]["exitCode"], "0");
    assert_eq!(r["outputs"]["parameters"][0], serde_json::json!({"name": "answer", "value": "7"}));

    // A retried attempt of the same node replaces it.
    let out = exec(dir, &env, &["sh", "-c", "echo again; exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    let r = fake.get(TASK_RESULTS, "ci", "wf-123").expect("the task result");
    assert_eq!(r["outputs"]["result"], "again");
    assert_eq!(r["outputs"]["exitCode"], "4");

    // No API server: the command's code still comes out, the failure is said.
    let mut env = env.to_vec();
    env[0].1 = dir.join("no-such-kubeconfig").to_string_lossy().into_owned();
    let out = exec(dir, &env, &["true"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot report the outputs"));
}

/// The kubelet's SIGTERM (a stop, a deleted pod) reaches the command,
/// which can end cleanly: its trap runs, its code comes out.
#[test]
fn exec_passes_sigterm_on_to_the_command() {
    let tmp = data_dir();
    let dir = tmp.path();
    let mut child = Command::new(KEELSON)
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            "trap 'echo cleaned up; exit 7' TERM; echo ready; while true; do sleep 0.05; done",
        ])
        .env("KEELSON_DIR", dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("keelson exec runs");
    let mut out = child.stdout.take().expect("stdout");
    let mut first = [0u8; 6];
    std::io::Read::read_exact(&mut out, &mut first).expect("ready");
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().expect("exits");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("the rest");
    assert_eq!(status.code(), Some(7), "the command's own exit");
    assert!(rest.contains("cleaned up"), "{rest}");
}

/// The environment the kubelet gives the main container for `launch`'s
/// artifacts: `secretKeyRef` variables filled in from `secrets`.
fn artifact_env(
    launch: &engine::run::LaunchSpec,
    secrets: &[(&str, &str, &str)],
) -> Vec<(String, String)> {
    let vars = server::executor::kube::artifacts::env(launch).expect("artifact env");
    vars.iter()
        .map(|v| {
            let name = v["name"].as_str().unwrap_or_default().to_string();
            let value = match v["value"].as_str() {
                Some(value) => value.to_string(),
                None => {
                    let r = &v["valueFrom"]["secretKeyRef"];
                    let (s, k) = (r["name"].as_str(), r["key"].as_str());
                    let found = secrets.iter().find(|(n, key, _)| Some(*n) == s && Some(*key) == k);
                    found.map(|(_, _, value)| value.to_string()).expect("a secret the test has")
                }
            };
            (name, value)
        })
        .collect()
}

#[test]
fn exec_moves_artifacts_with_credentials_the_command_never_sees() {
    use crate::support::moto::{ACCESS_KEY, Moto, SECRET_KEY};
    let Some(s3) = Moto::start() else { return };
    let tmp = data_dir();
    let dir = tmp.path();
    s3.create_bucket("pods");
    std::fs::write(dir.join("seed.txt"), "seeded\n").expect("seed");
    s3.put_file("pods", "seed/data.txt", &dir.join("seed.txt"));
    let location = |key: &str| {
        serde_json::json!({"bucket": "pods", "endpoint": s3.endpoint, "insecure": true, "key": key,
            "accessKeySecret": {"name": "cred", "key": "accessKey"},
            "secretKeySecret": {"name": "cred", "key": "secretKey"}})
    };
    let artifact = |v: serde_json::Value| -> engine::spec::Artifact {
        serde_json::from_value(v).expect("an artifact")
    };
    let launch = engine::run::LaunchSpec {
        inputs: vec![artifact(serde_json::json!({"name": "data",
            "path": dir.join("in/data.txt"), "s3": location("seed/data.txt")}))],
        outputs: vec![
            artifact(serde_json::json!({"name": "out", "path": dir.join("out"),
                "s3": location("wf/wf-pod/out.tgz")})),
            artifact(serde_json::json!({"name": "absent", "path": dir.join("absent"),
                "s3": location("wf/wf-pod/absent.tgz")})),
        ],
        ..Default::default()
    };
    let secrets = [("cred", "accessKey", ACCESS_KEY), ("cred", "secretKey", SECRET_KEY)];
    let vars = artifact_env(&launch, &secrets);
    let env: Vec<(&str, String)> = vars.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let script = format!(
        "mkdir -p {out} && cp {input} {out}/copy.txt && env | grep -c KEELSON_SECRET; exit 2",
        out = dir.join("out").display(),
        input = dir.join("in/data.txt").display()
    );
    let out = exec(dir, &env, &["sh", "-c", &script]);
    // Loaded before the command; the credentials were not its to see.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2));
    // Saved after the failed command, as Argo does; the missing one named.
    let r = report(dir);
    assert_eq!(r["artifacts"][0]["s3"]["key"], "wf/wf-pod/out.tgz", "{r}");
    let why = r["error"].as_str().unwrap_or_default();
    assert!(why.contains("output artifact 'absent'") && why.contains("does not exist"), "{why}");
    assert_eq!(s3.tgz_names("pods", "wf/wf-pod/out.tgz"), ["out", "out/copy.txt"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(SECRET_KEY));

    // An input that is not there: the command never runs.
    let mut missing = launch.clone();
    missing.inputs[0].location.s3.as_mut().expect("s3").key = Some("no/such/key".into());
    missing.outputs.clear();
    let env2 = artifact_env(&missing, &secrets);
    let env2: Vec<(&str, String)> = env2.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let marker = dir.join("ran");
    let out = exec(dir, &env2, &["sh", "-c", &format!("touch {}", marker.display())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!marker.exists(), "the command ran without its input");
    let why = report(dir)["error"].as_str().unwrap_or_default().to_string();
    assert!(why.contains("input artifact 'data'") && why.contains("no/such/key"), "{why}");
}

#[test]
fn exec_archives_the_commands_log_when_asked() {
    use crate::support::moto::{ACCESS_KEY, Moto, SECRET_KEY};
    use server::executor::kube::artifacts::LOG_PATH;
    let Some(s3) = Moto::start() else { return };
    let tmp = data_dir();
    let dir = tmp.path();
    s3.create_bucket("pods");
    let launch = engine::run::LaunchSpec {
        log_location: serde_json::from_value(serde_json::json!({"s3": {"bucket": "pods",
            "endpoint": s3.endpoint, "insecure": true, "key": "wf/wf-pod/main.log",
            "accessKeySecret": {"name": "cred", "key": "accessKey"},
            "secretKeySecret": {"name": "cred", "key": "secretKey"}}}))
        .ok(),
        ..Default::default()
    };
    let secrets = [("cred", "accessKey", ACCESS_KEY), ("cred", "secretKey", SECRET_KEY)];
    // The pod's /var/run/keelson is this test's directory.
    let log = dir.join("main.log").to_string_lossy().to_string();
    let vars: Vec<(String, String)> = artifact_env(&launch, &secrets)
        .into_iter()
        .map(|(k, v)| (k, v.replace(LOG_PATH, &log)))
        .collect();
    let env: Vec<(&str, String)> = vars.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let out = exec(dir, &env, &["sh", "-c", "echo to stdout; echo to stderr >&2; exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    // Both streams still reach the pod's log, and main.log has both.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "to stdout\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("to stderr"));
    let saved = s3.get_file("pods", "wf/wf-pod/main.log", &dir.join("got.log"));
    let saved = String::from_utf8_lossy(&saved).to_string();
    assert!(saved.contains("to stdout\n") && saved.contains("to stderr\n"), "{saved}");
    let r = report(dir);
    assert_eq!(r["artifacts"][0]["name"], "main-logs", "{r}");
}
