//! `keelson exec` (hidden): Keelson's executor inside a Kubernetes pod,
//! as Argo's emissary is (see `server::executor::kube::pod`). An init
//! container runs `keelson exec --install-into DIR` to copy this binary
//! into a volume every container mounts; the main container runs
//! `DIR/keelson exec -- COMMAND…`, which
//!
//! 1. places the input files (`KEELSON_FILES`, JSON `[{path, contents,
//!    mode}…]`) and
//!    the script of a script template (`KEELSON_SCRIPT`, run as the last
//!    argument of the command, as Argo does);
//! 2. runs the command, its stdout passed through and its end kept for
//!    `outputs.result` (Argo's rules: the last 256 KiB, one trailing
//!    newline trimmed);
//!    Input artifacts (`KEELSON_INPUTS`) are loaded first, with the
//!    credentials the kubelet put in the environment
//!    (`server::executor::kube::artifacts`), which the command does not
//!    inherit; one that cannot be loaded ends the node before the command
//!    runs;
//! 3. reads the output parameters' files (`KEELSON_OUTPUTS`, JSON
//!    `[[name, path]…]`), saves the output artifacts (`KEELSON_SAVES`,
//!    also after a failure) and writes the report — exit code, result,
//!    parameters, saved artifacts, what could not be moved — as JSON to
//!    `KEELSON_REPORT` (default `DIR/report.json`) and, in a pod
//!    (`KEELSON_POD_UID`, `KEELSON_NAMESPACE` from the downward API), as a
//!    WorkflowTaskResult for the controller;
//! 4. exits with the command's code (128 + the signal that killed it),
//!    passing the kubelet's SIGTERM on to the command meanwhile.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::Context;
use engine::spec::Artifact;
use server::executor::kube::artifacts as kube_artifacts;
use server::executor::kube::pod::VAR_DIR;
use server::executor::kube::task_result::{self, Outputs, Owner, task_result_for};
use server::executor::{Tail, read_limited};

#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    /// Copy this binary into DIR (as DIR/keelson) and stop.
    #[arg(long, value_name = "DIR")]
    install_into: Option<PathBuf>,
    /// The command to run, and its arguments.
    #[arg(last = true)]
    command: Vec<String>,
}

pub fn run(args: &ExecArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.install_into {
        install(dir)?;
        return Ok(ExitCode::SUCCESS);
    }
    let dir = std::env::var_os("KEELSON_DIR").map_or_else(|| PathBuf::from(VAR_DIR), PathBuf::from);
    let report_path =
        std::env::var_os("KEELSON_REPORT").map_or_else(|| dir.join("report.json"), PathBuf::from);
    let mut argv = args.command.clone();
    anyhow::ensure!(!argv.is_empty(), "keelson exec: no command given (after --)");
    if let Some(files) = std::env::var_os("KEELSON_FILES") {
        let files: Vec<engine::run::InlineFile> = serde_json::from_str(&files.to_string_lossy())
            .context("KEELSON_FILES is not a JSON list of files")?;
        for f in files {
            write(Path::new(&f.path), &f.contents)?;
            if let Some(mode) = f.mode {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&f.path, std::fs::Permissions::from_mode(mode))
                    .with_context(|| format!("cannot set the mode of {}", f.path))?;
            }
        }
    }
    if let Some(source) = std::env::var_os("KEELSON_SCRIPT") {
        let script = dir.join("script");
        write(&script, &source.to_string_lossy())?;
        argv.push(script.to_string_lossy().into_owned());
    }
    let outputs: Vec<(String, String)> = match std::env::var_os("KEELSON_OUTPUTS") {
        Some(o) => serde_json::from_str(&o.to_string_lossy())
            .context("KEELSON_OUTPUTS is not a JSON list of [name, path]")?,
        None => Vec::new(),
    };
    let moving = Moving::from_env(&dir)?;
    if let Err(why) = moving.load() {
        eprintln!("keelson exec: {why}");
        let failed = Report { code: 1, error: Some(why), inputs_failed: true, ..Report::default() };
        report(&report_path, &failed)?;
        return Ok(ExitCode::from(1));
    }

    let mut command = Command::new(&argv[0]);
    for var in &moving.hidden {
        command.env_remove(var);
    }
    // archiveLogs: stdout and stderr also go to a file, saved with the
    // outputs.
    let log = match std::env::var_os(kube_artifacts::LOG) {
        Some(path) => Some(LogFile::create(Path::new(&path))?),
        None => None,
    };
    let stderr = if log.is_some() { Stdio::piped() } else { Stdio::inherit() };
    let mut child = match command
        .args(&argv[1..])
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            // As a shell says it: 127 for a program that is not there.
            eprintln!("keelson exec: {}: {e}", argv[0]);
            let code = if e.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
            report(&report_path, &Report { code, ..Report::default() })?;
            return Ok(ExitCode::from(code as u8));
        }
    };
    forward_signals(&child);
    let errors = match (child.stderr.take(), &log) {
        (Some(err), Some(log)) => Some(log.copy_stderr(err)),
        _ => None,
    };
    let mut tail = Tail::default();
    if let Some(mut out) = child.stdout.take() {
        let mut buf = vec![0u8; 64 * 1024];
        let mut stdout = std::io::stdout().lock();
        loop {
            let n = match out.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context("reading the command's output"),
            };
            tail.push(&buf[..n]);
            if let Some(log) = &log {
                log.append(&buf[..n]);
            }
            // The pod's log is ours too: a closed stdout is no reason to
            // stop the command.
            let _ = stdout.write_all(&buf[..n]).and_then(|()| stdout.flush());
        }
    }
    if let Some(errors) = errors {
        let _ = errors.join();
    }
    let status = child.wait().context("waiting for the command")?;
    let code = status.code().unwrap_or_else(|| {
        use std::os::unix::process::ExitStatusExt;
        128 + status.signal().unwrap_or(0)
    });
    let mut parameters = BTreeMap::new();
    for (name, path) in outputs {
        match read_limited(Path::new(&path)) {
            Ok(text) => {
                parameters.insert(name, text.trim_end().to_string());
            }
            // Absent: the engine applies the parameter's default or
            // fails the node, saying which.
            Err(e) => eprintln!("keelson exec: output parameter {name}: {path}: {e}"),
        }
    }
    let (artifacts, error) = moving.save(code);
    if let Some(why) = &error {
        eprintln!("keelson exec: {why}");
    }
    let done =
        Report { code, result: tail.result(), parameters, artifacts, error, inputs_failed: false };
    report(&report_path, &done)?;
    Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)))
}

/// The command's log as a file (stdout and stderr as they come), for
/// `archiveLogs`; a write that fails is said once and the command goes on.
#[derive(Clone)]
struct LogFile {
    file: std::sync::Arc<std::sync::Mutex<Option<std::fs::File>>>,
}

impl LogFile {
    fn create(path: &Path) -> anyhow::Result<LogFile> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create the log file {}", path.display()))?;
        Ok(LogFile { file: std::sync::Arc::new(std::sync::Mutex::new(Some(file))) })
    }

    fn append(&self, bytes: &[u8]) {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = guard.as_mut()
            && let Err(e) = f.write_all(bytes)
        {
            eprintln!("keelson exec: the log file: {e}; main.log will be cut short");
            *guard = None;
        }
    }

    /// Pass the command's stderr on, and into the file, on a thread.
    fn copy_stderr(&self, mut err: std::process::ChildStderr) -> std::thread::JoinHandle<()> {
        let log = self.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            let mut stderr = std::io::stderr();
            loop {
                let n = match err.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => return,
                };
                log.append(&buf[..n]);
                let _ = stderr.write_all(&buf[..n]);
            }
        })
    }
}

/// What the command left, reported.
#[derive(Default)]
struct Report {
    code: i32,
    result: String,
    parameters: BTreeMap<String, String>,
    artifacts: Vec<Artifact>,
    error: Option<String>,
    /// The command never ran: an input could not be loaded.
    inputs_failed: bool,
}

/// The node's artifacts and the means to move them.
struct Moving {
    inputs: Vec<Artifact>,
    saves: Vec<Artifact>,
    /// The variables that hold credentials: not the command's.
    hidden: Vec<String>,
    mover: Option<(artifacts::Mover, tokio::runtime::Runtime)>,
}

impl Moving {
    fn from_env(dir: &Path) -> anyhow::Result<Moving> {
        let list = |var: &str| -> anyhow::Result<Vec<Artifact>> {
            match std::env::var(var) {
                Ok(text) => serde_json::from_str(&text)
                    .with_context(|| format!("{var} is not a JSON list of artifacts")),
                Err(_) => Ok(Vec::new()),
            }
        };
        let inputs = list(kube_artifacts::INPUTS)?;
        let saves = list(kube_artifacts::SAVES)?;
        let refs: Vec<(String, String, String)> = match std::env::var(kube_artifacts::SECRET_REFS) {
            Ok(text) => serde_json::from_str(&text)
                .context("KEELSON_SECRET_REFS is not a JSON list of [secret, key, variable]")?,
            Err(_) => Vec::new(),
        };
        let mut secrets = EnvSecrets::default();
        let mut hidden = vec![kube_artifacts::SECRET_REFS.to_string()];
        if !refs.is_empty() {
            // The command runs as the same user: without this it could
            // read the credentials in /proc/<this>/environ. (The command
            // itself is dumpable again: execve resets it.)
            // SAFETY: prctl with these arguments only changes a flag.
            unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
        }
        for (name, key, var) in refs {
            if let Ok(value) = std::env::var(&var) {
                secrets.values.insert((name, key), value);
            }
            hidden.push(var);
        }
        let mover = if inputs.is_empty() && saves.is_empty() {
            None
        } else {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let mover = artifacts::Mover::new(
                dir.join("builtin"),
                std::sync::Arc::new(secrets),
                artifacts::Limits::default(),
            );
            Some((mover, runtime))
        };
        Ok(Moving { inputs, saves, hidden, mover })
    }

    /// Load every input at its path; why one could not be.
    fn load(&self) -> Result<(), String> {
        let Some((mover, rt)) = &self.mover else { return Ok(()) };
        for a in &self.inputs {
            let path = Path::new(a.path.as_deref().unwrap_or_default());
            rt.block_on(mover.load(a, path))
                .map_err(|e| format!("input artifact '{}': {e}", a.name))?;
        }
        Ok(())
    }

    /// Save every output there is (after a failure, never over an
    /// earlier attempt's object): what was saved, and the first thing that
    /// could not be.
    fn save(&self, code: i32) -> (Vec<Artifact>, Option<String>) {
        let (mut saved, mut error) = (Vec::new(), None);
        let Some((mover, rt)) = &self.mover else { return (saved, error) };
        let pod = std::env::var("KEELSON_POD_NAME").unwrap_or_default();
        for a in &self.saves {
            let path = Path::new(a.path.as_deref().unwrap_or_default());
            let stored = if code == 0 {
                rt.block_on(mover.save(a, path))
            } else {
                rt.block_on(mover.save_after_failure(a, path, &pod))
            };
            match stored {
                Ok(Some(a)) => saved.push(a),
                Ok(None) => {}
                Err(e) => {
                    error.get_or_insert(format!("output artifact '{}': {e}", a.name));
                }
            }
        }
        (saved, error)
    }
}

/// Credentials as the kubelet put them in the environment.
#[derive(Default)]
struct EnvSecrets {
    values: BTreeMap<(String, String), String>,
}

impl artifacts::Secrets for EnvSecrets {
    fn value(&self, name: &str, key: &str) -> Result<String, String> {
        self.values
            .get(&(name.to_string(), key.to_string()))
            .cloned()
            .ok_or_else(|| format!("secret {name:?} key {key:?} is not in the pod's environment"))
    }
}

/// The command's process, for the signal handler.
static CHILD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn pass_on(signal: libc::c_int) {
    let pid = CHILD.load(std::sync::atomic::Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe and has no memory-safety
        // preconditions.
        unsafe { libc::kill(pid, signal) };
    }
}

/// As PID 1 of its container, this process gets the kubelet's SIGTERM
/// (a stop, a deleted pod) — and would ignore it, PID 1 having no
/// default handlers: pass SIGTERM, SIGINT and SIGHUP on to the command,
/// so it can end cleanly within the grace period.
fn forward_signals(child: &std::process::Child) {
    CHILD.store(i32::try_from(child.id()).unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        // SAFETY: the handler only calls kill with an atomic's value.
        unsafe { libc::signal(signal, pass_on as *const () as libc::sighandler_t) };
    }
}

fn report(path: &Path, r: &Report) -> anyhow::Result<()> {
    let mut report = serde_json::json!({
        "exitCode": r.code,
        "result": r.result,
        "parameters": r.parameters,
        "artifacts": r.artifacts,
    });
    if let Some(why) = &r.error {
        report["error"] = why.clone().into();
    }
    write(path, &report.to_string())?;
    // In a pod (its identity comes from the downward API): the outputs
    // go to the controller as a WorkflowTaskResult.
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(pod_uid), Some(namespace)) = (var("KEELSON_POD_UID"), var("KEELSON_NAMESPACE")) {
        let outputs = Outputs {
            exit_code: Some(r.code),
            result: Some(r.result.clone()),
            parameters: r.parameters.clone(),
            artifacts: r.artifacts.clone(),
            error: r.error.clone(),
            inputs_failed: r.inputs_failed,
        };
        let node = var("KEELSON_NODE_ID").unwrap_or_default();
        let workflow = var("KEELSON_WORKFLOW").unwrap_or_default();
        let pod_name = var("KEELSON_POD_NAME").unwrap_or_default();
        let owner = Owner {
            node: &node,
            namespace: &namespace,
            workflow: &workflow,
            pod_name: &pod_name,
            pod_uid: &pod_uid,
        };
        let resource = task_result_for(&owner, &outputs);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        // Not fatal: the command's exit code still ends the node (the
        // controller stops waiting for the outputs after --result-wait).
        if let Err(e) = runtime.block_on(send_task_result(&namespace, &node, resource)) {
            eprintln!("keelson exec: cannot report the outputs to the cluster: {e:#}");
        }
    }
    Ok(())
}

/// Create the task result (or replace one an earlier attempt left),
/// retrying what may pass (the API server busy, the network).
async fn send_task_result(
    namespace: &str,
    name: &str,
    resource: serde_json::Value,
) -> anyhow::Result<()> {
    use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
    let client = kube::Client::try_default().await?;
    let api: Api<DynamicObject> =
        Api::namespaced_with(client, namespace, &task_result::api_resource());
    let object: DynamicObject = serde_json::from_value(resource.clone())?;
    let mut wait = std::time::Duration::from_millis(200);
    for attempt in 1.. {
        let outcome = match api.create(&PostParams::default(), &object).await {
            Err(kube::Error::Api(e)) if e.code == 409 => {
                api.patch(name, &PatchParams::default(), &Patch::Merge(&resource)).await.map(|_| ())
            }
            other => other.map(|_| ()),
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(kube::Error::Api(e)) if e.code < 500 && e.code != 429 => return Err(e.into()),
            Err(e) if attempt >= 8 => return Err(e.into()),
            Err(_) => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(std::time::Duration::from_secs(5));
            }
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn install(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let me = std::env::current_exe().context("where is this program")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let to = dir.join("keelson");
    std::fs::copy(&me, &to).with_context(|| format!("cannot copy to {}", to.display()))?;
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", to.display()))?;
    Ok(())
}
