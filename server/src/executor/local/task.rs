//! One node's life: [`prepare`] turns a launch spec into everything
//! needed to run it (no side effects, so a node that cannot start is
//! reported at once), and [`run`] places its files, starts it, streams its
//! logs, waits (or kills) and collects its outputs.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::run::{Event, Exit, LaunchSpec};
use engine::spec::{ArchiveStrategy, Artifact, ArtifactLocation};
use tokio::sync::{broadcast, mpsc, watch};

use super::command::{self, Resolved};
use super::container::Container;
use super::env::container_env;
use super::error::StartError;
use super::groups;
use super::images::ImageTable;
use super::logs::{self, LogLine, LogWriter, OutputStream};
use super::output::{self, Tail};
use super::process::{self, Launch};
use super::root::OwnRoot;
use super::sandbox::{self, Isolation, PathMap, TaskDirs};
use super::store::LocalStore;
use crate::redact::Masker;

/// How long to wait for the pipes to close after the process group is
/// gone: only a process that left the group (setsid) can hold them open.
const DRAIN: Duration = Duration::from_secs(2);

/// The PATH when the executor's own has none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What preparing a node needs from the executor.
pub struct Context<'a> {
    /// The task directory the node runs in (a reusable slot, see
    /// `LocalExecutor`), and whether it is known to be clean and in place.
    pub dirs: TaskDirs,
    pub reused: bool,
    pub images: &'a ImageTable,
    pub paths: &'a command::PathCache,
    pub store: &'a LocalStore,
    pub isolation: Isolation,
}

/// A node ready to start. (No `Debug`: `env` holds secret values.)
pub struct Prepared {
    pub node: String,
    pub pod_name: String,
    image: String,
    resolved: Resolved,
    env: Vec<(String, String)>,
    masker: Masker,
    map: PathMap,
    cwd_host: PathBuf,
    /// Host path and contents, written before start.
    files: Vec<(PathBuf, String)>,
    /// `mode` of the raw inputs that give one.
    modes: Vec<(PathBuf, u32)>,
    script: Option<(PathBuf, String)>,
    outputs: Vec<(String, String)>,
    /// Input artifacts and where they go on the host.
    inputs: Vec<(PathBuf, Artifact)>,
    /// Output artifacts (where they are on the host is known after the
    /// exit: a task's own root shows what it wrote, else the host's).
    saves: Vec<Artifact>,
    log_location: Option<ArtifactLocation>,
    deadline: Option<Duration>,
    /// The slot directories are clean and in place (nothing to create).
    reused: bool,
}

pub fn prepare(spec: LaunchSpec, ctx: &Context<'_>) -> Result<Prepared, StartError> {
    let container = Container::from_json(&spec.container)?;
    let image = container.image_name().to_string();
    let cenv = container_env(&container, ctx.store, &spec.pod_name)?;
    let mut argv = command::argv(&container, ctx.images, &cenv)?;
    let dirs = ctx.dirs.clone();
    let root = own_root(&spec, container.working_dir.as_deref(), ctx.isolation, &dirs)?;
    let script = spec.source.map(|source| (dirs.staging.join("script"), source));
    if let Some((path, _)) = &script {
        // Argo runs `command + [file]` for scripts.
        argv.push(path.to_string_lossy().into_owned());
    }

    let (cwd, cwd_host) = match &root {
        // As in a container: `/` unless the spec says otherwise.
        Some(r) => {
            let given = container.working_dir.as_deref().filter(|w| !w.is_empty()).unwrap_or("/");
            let map = PathMap {
                isolation: ctx.isolation,
                dirs: dirs.clone(),
                cwd: "/".into(),
                root: Some(r.clone()),
            };
            let abs =
                map.absolute(given).ok_or_else(|| StartError::DotDot { path: given.into() })?;
            let host = map.input(given)?;
            (abs, host)
        }
        None => sandbox::working_dir(container.working_dir.as_deref(), ctx.isolation, &dirs)?,
    };
    let mut env = base_env(&dirs, &spec.pod_name, ctx.isolation);
    for (name, value) in cenv.vars {
        match env.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => env.push((name, value)),
        }
    }
    let path = env.iter().find(|(n, _)| n == "PATH").map_or("", |(_, v)| v.as_str());
    let resolved = command::resolve(argv, path, &image, ctx.images, ctx.paths)?;

    let map = PathMap { isolation: ctx.isolation, dirs, cwd, root };
    let mut modes = Vec::new();
    let mut files = Vec::new();
    for f in spec.files {
        let host = map.input(&f.path)?;
        if let Some(mode) = f.mode {
            modes.push((host.clone(), mode));
        }
        files.push((host, f.contents));
    }
    let inputs = spec
        .inputs
        .into_iter()
        .map(|a| Ok((map.input(a.path.as_deref().unwrap_or_default())?, a)))
        .collect::<Result<_, StartError>>()?;
    let saves = spec
        .outputs
        .into_iter()
        .map(|a| {
            let path = a.path.as_deref().unwrap_or_default();
            map.absolute(path).ok_or_else(|| StartError::DotDot { path: path.into() })?;
            Ok(a)
        })
        .collect::<Result<_, StartError>>()?;
    Ok(Prepared {
        node: spec.node,
        pod_name: spec.pod_name,
        image,
        resolved,
        env,
        masker: Masker::new(&cenv.secrets),
        map,
        cwd_host,
        files,
        modes,
        script,
        outputs: spec.output_paths,
        inputs,
        saves,
        log_location: spec.log_location,
        deadline: spec.deadline_seconds.map(Duration::from_secs),
        reused: ctx.reused,
    })
}

/// The task's own `/` (see `root`), when it has files outside `/tmp` —
/// inputs, outputs, output parameters or a working directory the host
/// does not have — and the machine gives it a mount namespace.
fn own_root(
    spec: &LaunchSpec,
    working_dir: Option<&str>,
    isolation: Isolation,
    dirs: &TaskDirs,
) -> Result<Option<OwnRoot>, StartError> {
    if !isolation.private_tmp() {
        return Ok(None);
    }
    let outside = |p: &str| p.starts_with('/') && p != "/tmp" && !p.starts_with("/tmp/");
    let mut paths: Vec<PathBuf> = spec
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(spec.inputs.iter().chain(&spec.outputs).filter_map(|a| a.path.as_deref()))
        .chain(spec.output_paths.iter().map(|(_, p)| p.as_str()))
        .filter(|p| outside(p))
        .map(PathBuf::from)
        .collect();
    if paths.is_empty() {
        return Ok(None);
    }
    if let Some(w) = working_dir.filter(|w| outside(w) && !Path::new(w).is_dir()) {
        paths.push(PathBuf::from(w));
    }
    for p in &paths {
        if p.components().any(|c| c == std::path::Component::ParentDir) {
            return Err(StartError::DotDot { path: p.display().to_string() });
        }
    }
    OwnRoot::plan(dirs, &paths, &dirs.root).map(Some)
}

/// What a process starts with before the container's own variables: the
/// host's PATH (plus /usr/games, where Debian puts cowsay, which Argo's
/// cowsay images have on their PATH), HOME in the task's work directory,
/// LANG, and HOSTNAME as in a pod. Nothing else leaks from the host.
fn base_env(dirs: &TaskDirs, pod_name: &str, isolation: Isolation) -> Vec<(String, String)> {
    let mut path = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.to_string());
    if !std::env::split_paths(&path).any(|p| p == std::path::Path::new("/usr/games")) {
        path.push_str(":/usr/games");
    }
    let mut env = vec![
        ("PATH".to_string(), path),
        ("HOME".to_string(), dirs.work.to_string_lossy().into_owned()),
        ("HOSTNAME".to_string(), pod_name.to_string()),
    ];
    if let Ok(lang) = std::env::var("LANG") {
        env.push(("LANG".to_string(), lang));
    }
    if !isolation.private_tmp() {
        // Without a private /tmp, programs that honour TMPDIR at least
        // stay out of each other's way.
        env.push(("TMPDIR".to_string(), dirs.tmp.to_string_lossy().into_owned()));
    }
    env
}

/// What running a node needs from the executor.
pub struct Runtime {
    pub isolation: Isolation,
    pub kill_grace: Duration,
    pub live: broadcast::Sender<LogLine>,
    pub events: mpsc::UnboundedSender<Event>,
    pub log_dir: PathBuf,
    pub index: super::logs::LogIndex,
    /// Where running tasks' process groups are noted (see `groups`).
    pub groups_dir: PathBuf,
    pub mover: artifacts::Mover,
}

/// Run a prepared node to its end and return the event that ends it
/// (`NodeExited` or `NodeFailedToStart`); `NodeStarted` is sent on
/// `rt.events` as soon as the process exists.
pub async fn run(p: Prepared, rt: &Runtime, mut kill: watch::Receiver<bool>) -> Event {
    let node = p.node.clone();
    let failed =
        |e: StartError| Event::NodeFailedToStart { node: node.clone(), message: e.to_string() };
    if let Err(e) = place_files(&p) {
        return failed(e);
    }
    for (host, a) in &p.inputs {
        // An earlier input may have left a link on the way (a tarball's,
        // a repository's): loading through it would write where it points.
        if let Some(link) = link_on_the_way(&p.map.dirs.root, host) {
            let message = format!(
                "input artifact '{}': its path goes through a link an earlier input made ({})",
                a.name,
                link.display()
            );
            return Event::NodeFailedToStart { node: node.clone(), message };
        }
        if let Err(e) = rt.mover.load(a, host).await {
            let message = format!("input artifact '{}': {e}", a.name);
            return Event::NodeFailedToStart { node: node.clone(), message };
        }
    }
    if *kill.borrow() {
        return killed_before_start(&node);
    }
    let launch = Launch {
        resolved: &p.resolved,
        env: &p.env,
        isolation: rt.isolation,
        tmp: &p.map.dirs.tmp,
        cwd: &p.map.cwd,
        cwd_host: &p.cwd_host,
        root: p.map.root.as_ref(),
    };
    let mut proc = match process::spawn(&launch) {
        Ok(proc) => proc,
        Err(e) => return failed(spawn_error(e, &p)),
    };
    groups::record(&rt.groups_dir, &node, proc.pgid);
    let _ = rt.events.send(Event::NodeStarted { node: node.clone() });

    let (tx, rx) = mpsc::channel(1024);
    let sink = LogWriter {
        node: p.node.clone(),
        pod_name: p.pod_name.clone(),
        file: rt.log_dir.join(format!("{}.log", sandbox::file_name(&p.node))),
        masker: p.masker.clone(),
        live: rt.live.clone(),
        index: rt.index.clone(),
    };
    let sink = tokio::spawn(sink.run(rx));
    let tail = Arc::new(Mutex::new(Tail::default()));
    let mut readers = Vec::new();
    if let Some(out) = proc.child.stdout.take() {
        let (tx, tail) = (tx.clone(), tail.clone());
        readers.push(tokio::spawn(logs::read_stream(out, OutputStream::Stdout, tx, move |b| {
            tail.lock().unwrap_or_else(|e| e.into_inner()).push(b)
        })));
    }
    if let Some(err) = proc.child.stderr.take() {
        readers.push(tokio::spawn(logs::read_stream(
            err,
            OutputStream::Stderr,
            tx.clone(),
            |_| {},
        )));
    }
    drop(tx);

    let deadline = async {
        match p.deadline {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let exited = tokio::select! {
        status = proc.child.wait() => Some(status),
        () = kill_requested(&mut kill) => None,
        () = deadline => None,
    };
    let status = match exited {
        Some(status) => status,
        None => process::terminate(&mut proc, rt.kill_grace).await,
    };
    // Kubernetes ends a container's other processes with its main one;
    // here they would also hold the pipes open.
    process::signal_group(proc.pgid, libc::SIGKILL);
    groups::forget(&rt.groups_dir, &node);
    let code = match status {
        Ok(s) => process::exit_code(s),
        Err(e) => {
            tracing::error!("waiting for node {node}: {e}");
            -1
        }
    };

    let drain = async {
        for r in &mut readers {
            let _ = r.await;
        }
    };
    if tokio::time::timeout(DRAIN, drain).await.is_err() {
        tracing::warn!(
            "node {node}: a process left its group and keeps its output open; ignoring it"
        );
        for r in &readers {
            r.abort();
        }
    }
    let _ = sink.await;

    let result = tail.lock().unwrap_or_else(|e| e.into_inner()).result();
    let parameters = output::parameters(&p.outputs, &p.map);
    let (artifacts, artifact_error) = save_outputs(&p, rt, code).await;
    let exit =
        Exit { code, result: Some(result), parameters, reason: None, artifacts, artifact_error };
    Event::NodeExited { node, exit }
}

/// The first directory between `root` (the task's directory) and `path`
/// that is a symbolic link, if any.
fn link_on_the_way(root: &Path, path: &Path) -> Option<PathBuf> {
    let mut links = path
        .ancestors()
        .skip(1)
        .take_while(|a| a.starts_with(root) && *a != root)
        .filter(|a| std::fs::symlink_metadata(a).is_ok_and(|m| m.is_symlink()));
    links.next().map(Path::to_path_buf)
}

/// Save the output artifacts (also after a failure, as Argo does, but
/// never over an earlier attempt's object) and the archived log: what was
/// saved, and the first thing that could not be.
async fn save_outputs(p: &Prepared, rt: &Runtime, code: i32) -> (Vec<Artifact>, Option<String>) {
    let mut saved = Vec::new();
    let mut error = None;
    for a in &p.saves {
        let path = a.path.as_deref().unwrap_or_default();
        let host = match p.map.output(path) {
            Ok(Some(host)) => host,
            Ok(None) => continue,
            Err(e) => {
                error.get_or_insert(format!("output artifact '{}': reading {path}: {e}", a.name));
                continue;
            }
        };
        let stored = if code == 0 {
            rt.mover.save(a, &host).await
        } else {
            rt.mover.save_after_failure(a, &host, &p.pod_name).await
        };
        match stored {
            Ok(Some(a)) => saved.push(a),
            Ok(None) => {}
            Err(e) => {
                let message = format!("output artifact '{}': {e}", a.name);
                tracing::debug!(node = %p.node, "{message}");
                error.get_or_insert(message);
            }
        }
    }
    if let Some(location) = &p.log_location {
        match save_log(p, rt, location).await {
            Ok(a) => saved.push(a),
            Err(e) => {
                error.get_or_insert(format!("archiving the log: {e}"));
            }
        }
    }
    (saved, error)
}

/// The node's log as the container printed it (`main.log`: the lines
/// without Keelson's time and stream columns), saved as `main-logs`.
async fn save_log(
    p: &Prepared,
    rt: &Runtime,
    location: &ArtifactLocation,
) -> Result<Artifact, artifacts::ArtifactError> {
    let file = rt.log_dir.join(format!("{}.log", sandbox::file_name(&p.node)));
    let plain = p.map.dirs.staging.join("main.log");
    let text = match tokio::fs::read_to_string(&file).await {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(artifacts::ArtifactError::Local { path: file, source: e }),
    };
    if let Some(dir) = plain.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| artifacts::ArtifactError::Local { path: dir.to_path_buf(), source: e })?;
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let body = line.splitn(3, '\t').nth(2).unwrap_or_default();
        out.push_str(body);
        out.push('\n');
    }
    tokio::fs::write(&plain, out)
        .await
        .map_err(|e| artifacts::ArtifactError::Local { path: plain.clone(), source: e })?;
    let a = Artifact {
        name: engine::run::MAIN_LOGS.to_string(),
        archive: Some(ArchiveStrategy { none: Some(Default::default()), ..Default::default() }),
        location: location.clone(),
        ..Default::default()
    };
    let saved = rt.mover.save(&a, &plain).await?;
    Ok(saved.unwrap_or(a))
}

/// The exit a node killed while it waited for a slot reports: what a
/// SIGTERM'd container shows.
pub fn killed_before_start(node: &str) -> Event {
    Event::NodeExited {
        node: node.to_string(),
        exit: Exit { code: 128 + libc::SIGTERM, ..Default::default() },
    }
}

async fn kill_requested(kill: &mut watch::Receiver<bool>) {
    // A dropped sender means nobody can kill any more: wait forever.
    if kill.wait_for(|k| *k).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The task's directories, input files and script, before start.
fn place_files(p: &Prepared) -> Result<(), StartError> {
    let dirs = &p.map.dirs;
    let io = |what: String| move |e| StartError::io(what, e);
    if !p.reused {
        // A task directory left by an earlier run with the same run
        // directory would hand this task stale files (outputs it never
        // wrote).
        match std::fs::remove_dir_all(&dirs.root) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(StartError::io(format!("cannot clear {}", dirs.root.display()), e));
            }
            _ => {}
        }
        dirs.create().map_err(io(format!("cannot create {}", dirs.root.display())))?;
    }
    if let Some(root) = &p.map.root {
        root.create()
            .map_err(io(format!("cannot make the task's root in {}", root.dir.display())))?;
    }
    if p.cwd_host != dirs.work {
        std::fs::create_dir_all(&p.cwd_host)
            .map_err(io(format!("cannot create the working directory {}", p.cwd_host.display())))?;
    }
    let writes = p.files.iter().chain(&p.script);
    for (path, contents) in writes {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
        }
        std::fs::write(path, contents).map_err(io(format!("cannot write {}", path.display())))?;
    }
    for (path, mode) in &p.modes {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
            .map_err(io(format!("cannot set the mode of {}", path.display())))?;
    }
    // Argo's script file is executable: `command: [sh, -c]` runs it by path.
    if let Some((path, _)) = &p.script {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(io(format!("cannot make {} executable", path.display())))?;
    }
    Ok(())
}

fn spawn_error(e: io::Error, p: &Prepared) -> StartError {
    let program = p.resolved.argv.first().cloned().unwrap_or_default();
    if e.kind() == io::ErrorKind::NotFound && !p.resolved.program.exists() {
        return StartError::NotFound { program, image: p.image.clone(), hint: None };
    }
    StartError::io(format!("cannot start '{program}' (image '{}')", p.image), e)
}
