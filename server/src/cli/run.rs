//! `keelson run FILE`: lint, plan and run one workflow here, with each
//! task a local process; first, on stderr, a warning for each field the
//! run will not enforce; logs prefixed by task, a tree of nodes at the
//! end, exit 0 (Succeeded), 1 (Failed) or 2 (Error or invalid input).
//! Ctrl-C stops the workflow (exit handlers run), a second Ctrl-C
//! terminates it; SIGUSR1 resumes suspended nodes.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use engine::lint::{self, Options, Source};
use engine::run::artifact_gc::{self, GcMoment};
use engine::run::plan::repository::{ConfigMap, RepositorySource};
use engine::run::{Event, NodeSelector, RetryOptions, Run, Submission, plan_in};
use engine::spec::ArtifactRepository;
use engine::spec::{Catalog, Document, Workflow};
use engine::status::{WorkflowPhase, fnv1a_32};
use server::clock;
use server::controller;
use server::executor::{ImageTable, Isolation, LocalConfig, LocalExecutor, LocalStore, LogLine};
use server::runner::{self, UserCommand};
use tokio::sync::{broadcast, mpsc};

use super::{Colour, Output, files, render, tree};

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The workflow file (YAML or JSON; `-` reads standard input). Other
    /// documents in it (WorkflowTemplates) can be referenced.
    pub file: PathBuf,
    /// A workflow parameter, `name=value` (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// Start at this template instead of `spec.entrypoint`.
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Files or directories holding WorkflowTemplates and
    /// ClusterWorkflowTemplates that `templateRef` and
    /// `workflowTemplateRef` may point at (repeatable).
    #[arg(long = "templates", value_name = "PATH")]
    pub templates: Vec<PathBuf>,
    /// Secrets and config maps for `secretKeyRef`/`configMapKeyRef`: a
    /// directory (`secrets/<name>/<key>`, `configmaps/<name>/<key>`) or a
    /// YAML/JSON file (see docs/local-executor.md).
    #[arg(long, value_name = "PATH")]
    pub secrets: Option<PathBuf>,
    /// More images for the image table (YAML/JSON, see
    /// docs/local-executor.md).
    #[arg(long, value_name = "FILE")]
    pub images: Option<PathBuf>,
    /// Where outputs go when neither the workflow's
    /// `artifactRepositoryRef` nor an `artifact-repositories` config map
    /// says: a repository in Argo's `artifactRepository` shape (YAML or
    /// JSON). Default: the built-in repository in the work directory.
    #[arg(long, value_name = "FILE")]
    pub artifact_repository: Option<PathBuf>,
    /// Most task processes at once (default: twice the CPUs, at least 4).
    #[arg(long)]
    pub parallelism: Option<usize>,
    /// Where task directories and logs go (default: a new directory under
    /// the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// `human`: logs and a tree; `json`: the final Workflow (status
    /// included) on stdout, logs on stderr.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Print no task logs.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[arg(long, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
    /// Retry a finished run of this workflow (`argo retry`): FILE is what
    /// `-o json` printed for it. Failed and errored tasks and what follows
    /// them run again; the rest keeps its results.
    #[arg(long, value_name = "FILE")]
    pub retry_from: Option<PathBuf>,
    /// With --retry-from: also run again the succeeded nodes that
    /// --node-field-selector names.
    #[arg(long, requires = "retry_from")]
    pub restart_successful: bool,
    /// With --retry-from: nodes to run again, e.g. `displayName=build` or
    /// `templateName=test,phase=Succeeded`.
    #[arg(long, value_name = "SELECTOR", requires = "retry_from")]
    pub node_field_selector: Option<String>,
}

/// A previous run to retry: its name (node IDs derive from it) and its
/// final status.
struct Previous {
    name: String,
    status: engine::status::WorkflowStatus,
    options: RetryOptions,
}

fn previous(args: &RunArgs) -> anyhow::Result<Option<Previous>> {
    let Some(path) = &args.retry_from else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        format!("{}: not JSON (expected what `keelson run -o json` printed)", path.display())
    })?;
    let Some(name) = json.pointer("/metadata/name").and_then(|n| n.as_str()) else {
        bail!("{}: no metadata.name (expected what `keelson run -o json` printed)", path.display());
    };
    let status = serde_json::from_value(json.get("status").cloned().unwrap_or_default())
        .with_context(|| format!("{}: status is not a workflow status", path.display()))?;
    let node_selector = match &args.node_field_selector {
        Some(s) => Some(NodeSelector::parse(s)?),
        None => None,
    };
    let options = RetryOptions { restart_successful: args.restart_successful, node_selector };
    Ok(Some(Previous { name: name.to_string(), status, options }))
}

pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (wf, catalog, sources) = load(args)?;
    // Only the workflow's own file: the template files may hold others.
    let report = lint::lint(&sources[..1], &catalog, Options { strict: false });
    if report.failed() {
        render::errors(&report, &sources, colour(args.color, std::io::stderr().is_terminal()))?;
        eprintln!("error: the workflow is not valid; nothing was run");
        return Ok(ExitCode::from(2));
    }
    let previous = previous(args)?;
    let mut submission = submission(&wf, args)?;
    if let Some(p) = &previous {
        submission.name = p.name.clone();
        // Outputs go where the first run's went.
        submission.artifact_repository = p.status.artifact_repository_ref.clone();
    }
    let store = match &args.secrets {
        Some(p) => LocalStore::load(p)?,
        None => LocalStore::empty(),
    };
    let default_repository = match &args.artifact_repository {
        Some(p) => Some(super::files::artifact_repository(p)?),
        None => None,
    };
    let repositories = Repositories { store: &store, default: default_repository.as_ref() };
    let plan = match plan_in(&wf, &catalog, &submission, &repositories) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    // What this run will not enforce (its templates from WorkflowTemplates
    // included), as the status's SpecWarning condition says it.
    for warning in plan.spec_warnings() {
        eprintln!("keelson: warning: {warning}");
    }
    let work_dir = match &args.work_dir {
        Some(d) => d.clone(),
        // Not under /tmp: each task's private /tmp is mounted over it.
        None => super::data_dir().join("runs").join(&submission.name),
    };
    let mut config = LocalConfig::new(&work_dir);
    if let Some(n) = args.parallelism {
        config.parallelism = n;
    }
    let mut images = ImageTable::builtin();
    if let Some(p) = &args.images {
        images.extend_from_file(p)?;
    }
    config.images = images;
    config.store = store;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let started = match &previous {
        Some(p) => match Run::retry(plan, &p.status, &p.options, clock::now()) {
            Ok(started) => started,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        },
        None => Run::start(plan, clock::now()),
    };
    let (gc_root, gc_secrets) = (config.artifact_root.clone(), config.store.clone());
    let mut final_run = runtime.block_on(execute(started, config, args))?;
    runtime.block_on(collect_artifacts(&mut final_run, &gc_root, &gc_secrets));
    let colour = colour(args.color, std::io::stdout().is_terminal());
    let mut out = std::io::stdout().lock();
    match args.output {
        Output::Json => {
            let body = serde_json::json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Workflow",
                "metadata": {"name": final_run.plan.name, "namespace": final_run.plan.namespace},
                "status": final_run.status,
            });
            serde_json::to_writer_pretty(&mut out, &body)?;
            writeln!(out)?;
        }
        Output::Human => {
            tree::print(&mut out, &final_run.plan.name, &final_run.status, colour)?;
            writeln!(out, "Logs: {}", work_dir.join("logs").display())?;
            // Outputs kept by the built-in repository: where to find them.
            let kept = work_dir.join("artifacts");
            if kept.read_dir().is_ok_and(|mut d| d.next().is_some()) {
                writeln!(out, "Artifacts: {}", kept.display())?;
            }
        }
    }
    Ok(match final_run.status.phase {
        WorkflowPhase::Succeeded => ExitCode::SUCCESS,
        WorkflowPhase::Failed => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}

/// A run's artifact repositories: the config maps of `--secrets`, then
/// `--artifact-repository`.
struct Repositories<'a> {
    store: &'a LocalStore,
    default: Option<&'a ArtifactRepository>,
}

impl RepositorySource for Repositories<'_> {
    fn config_map(&self, namespace: &str, name: &str) -> Option<ConfigMap> {
        RepositorySource::config_map(self.store, namespace, name)
    }

    fn default_repository(&self) -> Option<&ArtifactRepository> {
        self.default
    }
}

fn colour(c: Colour, terminal: bool) -> bool {
    match c {
        Colour::Always => true,
        Colour::Never => false,
        Colour::Auto => terminal,
    }
}

/// The workflow to run, the templates it may reference, and every source
/// read (for lint's messages).
fn load(args: &RunArgs) -> anyhow::Result<(Workflow, Catalog, Vec<Source>)> {
    let mut sources = Vec::new();
    let main = if args.file.as_os_str() == "-" {
        let mut buf = String::new();
        std::io::stdin().read_to_string(&mut buf).context("cannot read standard input")?;
        Source { name: "<stdin>".into(), text: buf }
    } else {
        let text = std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        Source { name: args.file.display().to_string(), text }
    };
    sources.push(main);
    if !args.templates.is_empty() {
        for path in files::spec_files(&args.templates)? {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            sources.push(Source { name: path.display().to_string(), text });
        }
    }
    let mut catalog = Catalog::default();
    let mut workflow = None;
    for (i, s) in sources.iter().enumerate() {
        let Ok(nodes) = engine::yaml::load_str(&s.text, engine::yaml::Limits::default()) else {
            continue;
        };
        for node in nodes {
            let Ok(doc) = engine::spec::decode(node.to_json()) else { continue };
            catalog.add(&doc);
            if i == 0
                && workflow.is_none()
                && let Document::Workflow(w) = doc
            {
                workflow = Some(w);
            }
        }
    }
    if workflow.is_none() {
        workflow = from_template(&sources[0]);
    }
    let Some(wf) = workflow else {
        // Let lint explain what is wrong, if anything; else say what is missing.
        let report = lint::lint(&sources[..1], &catalog, Options { strict: false });
        if report.failed() {
            let mut err = std::io::stderr().lock();
            for f in &report.findings {
                let text = sources.first().map(|s| s.text.as_str());
                render::finding(&mut err, f, text, false)?;
            }
        }
        bail!("{} holds no Workflow to run", sources[0].name);
    };
    Ok((wf, catalog, sources))
}

/// A file holding a WorkflowTemplate (or ClusterWorkflowTemplate) and no
/// Workflow runs the template, as `argo submit --from workflowtemplate/…`.
fn from_template(source: &Source) -> Option<Workflow> {
    let nodes = engine::yaml::load_str(&source.text, engine::yaml::Limits::default()).ok()?;
    for node in nodes {
        let (kind, cluster) = match engine::spec::decode(node.to_json()) {
            Ok(Document::WorkflowTemplate(w)) => (w, false),
            Ok(Document::ClusterWorkflowTemplate(w)) => (w, true),
            _ => continue,
        };
        let name = kind.metadata.name.clone()?;
        let doc = serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": {"generateName": format!("{name}-")},
            "spec": {"workflowTemplateRef": {"name": name, "clusterScope": cluster}},
        });
        if let Ok(Document::Workflow(w)) = engine::spec::decode(doc) {
            return Some(w);
        }
    }
    None
}

fn submission(wf: &Workflow, args: &RunArgs) -> anyhow::Result<Submission> {
    let mut parameters = Vec::new();
    for p in &args.parameters {
        let Some((k, v)) = p.split_once('=') else {
            bail!("-p {p:?}: expected NAME=VALUE");
        };
        parameters.push((k.to_string(), v.to_string()));
    }
    let now = clock::now();
    let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
    let name = match (&wf.metadata.name, &wf.metadata.generate_name) {
        (Some(n), _) => n.clone(),
        (None, Some(g)) => format!("{g}{}", controller::generate_name_suffix(fnv1a_32(&seed))),
        (None, None) => format!("workflow-{}", controller::generate_name_suffix(fnv1a_32(&seed))),
    };
    Ok(Submission {
        uid: format!("{:08x}-local", fnv1a_32(&format!("{seed}{name}"))),
        name,
        namespace: wf.metadata.namespace.clone().unwrap_or_else(|| "default".into()),
        created_at: now,
        parameters,
        entrypoint: args.entrypoint.clone(),
        artifact_repository: None,
    })
}

/// Argo's `OnWorkflowCompletion` artifact garbage collection, once the
/// run is over: the artifacts deleted are marked so in its status, and
/// what could not be deleted is said (and set as `ArtifactGCError`).
async fn collect_artifacts(run: &mut Run, root: &std::path::Path, secrets: &LocalStore) {
    let gc = run.plan.spec.artifact_gc.as_ref();
    let items = artifact_gc::due(&run.status, gc, GcMoment::Completion);
    if items.is_empty() {
        return;
    }
    let ctx = artifacts::store::Context { builtin_root: root, secrets };
    let collected = artifacts::delete::collect(items, &ctx).await;
    for f in &collected.failures {
        eprintln!("keelson: artifact garbage collection: {f}");
    }
    let failure = (!collected.failures.is_empty()).then(|| collected.failures.join("; "));
    artifact_gc::record(&mut run.status, GcMoment::Completion, &collected.deleted, failure);
}

async fn execute(
    (run, actions): (Run, Vec<engine::run::Action>),
    config: LocalConfig,
    args: &RunArgs,
) -> anyhow::Result<Run> {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let executor = LocalExecutor::new(config, events_tx);
    if executor.isolation() == Isolation::None {
        eprintln!(
            "keelson: warning: tasks share this machine's /tmp (no mount namespaces here, \
             or the work directory is under /tmp); see docs/local-executor.md"
        );
    }
    let (commands_tx, mut commands) = mpsc::unbounded_channel();
    tokio::spawn(signals(commands_tx));
    let logs = executor.logs();
    let printer = (!args.quiet).then(|| {
        let to_stderr = args.output == Output::Json;
        let colour = colour(
            args.color,
            if to_stderr {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            },
        );
        tokio::spawn(print_logs(logs, to_stderr, colour))
    });
    let mut suspended_hint = run.is_workflow_suspended();
    if suspended_hint {
        eprintln!(
            "keelson: the workflow was submitted suspended; resume with `kill -USR1 {}`, stop with Ctrl-C",
            std::process::id()
        );
    }
    let done = runner::drive(run, actions, &executor, &mut events, &mut commands, |run, event| {
        if !suspended_hint
            && matches!(event, Event::NodeExited { .. } | Event::TimerFired { .. })
            && run.is_suspended()
        {
            suspended_hint = true;
            eprintln!(
                "keelson: the workflow is suspended; resume with `kill -USR1 {}`, stop with Ctrl-C",
                std::process::id()
            );
        }
    })
    .await;
    executor.kill_all();
    drop(executor);
    if let Some(p) = printer {
        // The log fan-out ends when the executor and its tasks are gone.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), p).await;
    }
    Ok(done)
}

/// Ctrl-C: stop, then terminate; SIGUSR1: resume.
async fn signals(control: mpsc::UnboundedSender<UserCommand>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut usr1)) =
        (signal(SignalKind::interrupt()), signal(SignalKind::user_defined1()))
    else {
        return;
    };
    let mut stops = 0;
    loop {
        tokio::select! {
            Some(()) = int.recv() => {
                stops += 1;
                let (what, c) = if stops == 1 {
                    ("stopping (exit handlers run); Ctrl-C again to terminate", UserCommand::Stop)
                } else {
                    ("terminating", UserCommand::Terminate)
                };
                eprintln!("\nkeelson: {what}");
                if control.send(c).is_err() {
                    return;
                }
            }
            Some(()) = usr1.recv() => {
                if control.send(UserCommand::Resume).is_err() {
                    return;
                }
            }
            else => return,
        }
    }
}

/// Each line as `<pod> | text`, a colour per task, like docker compose.
async fn print_logs(mut logs: broadcast::Receiver<LogLine>, to_stderr: bool, colour: bool) {
    const COLOURS: [&str; 6] = ["36", "33", "32", "35", "34", "31"];
    loop {
        let line = match logs.recv().await {
            Ok(l) => l,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                eprintln!("keelson: {n} log lines skipped (output too slow)");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let prefix = if colour {
            let c = COLOURS[(fnv1a_32(&line.pod_name) as usize) % COLOURS.len()];
            format!("\x1b[{c}m{} |\x1b[0m", line.pod_name)
        } else {
            format!("{} |", line.pod_name)
        };
        if to_stderr {
            eprintln!("{prefix} {}", line.text);
        } else {
            println!("{prefix} {}", line.text);
        }
    }
}
