//! `keelson server`: the store, the controller (resuming what the last
//! server left running) and the HTTP API on one port, until SIGTERM or
//! Ctrl-C — then a graceful shutdown: nothing new is admitted, running
//! tasks get the grace period, what is not done resumes at the next start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use engine::spec::Document;
use server::auth::{Auth, FIRST_ADMIN, Mode, SessionSettings};
use server::controller::{Controller, ControllerConfig};
use server::executor::{Backend, LocalBackend};
use server::store::{SecretKey, Store, TemplateKind};

use super::files;

#[derive(clap::Args, Debug)]
pub struct ServerArgs {
    /// Where the database (by default), the secret key and the runs' task
    /// directories and logs live [default: ~/.local/state/keelson].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…` [default: sqlite://DATA_DIR/keelson.db].
    #[arg(long, value_name = "URL", env = "KEELSON_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The address to serve on.
    #[arg(long, default_value = "127.0.0.1:2746")]
    pub listen: SocketAddr,
    /// `users`: everyone signs in (password, session or API token) and
    /// holds roles per namespace. `none`: nobody is asked, everyone is an
    /// administrator — refused unless --listen is a loopback address.
    #[arg(long, value_enum, default_value = "users")]
    pub auth_mode: server::auth::Mode,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs
    /// --tls-key. Session cookies are then `Secure`, answers carry HSTS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The web UI's files (`pkg/` with the WASM, built by `make ui`)
    /// [default: `site/` beside this executable].
    #[arg(long, value_name = "DIR", env = "KEELSON_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// A browser session unused this long ends.
    #[arg(long, value_name = "SECONDS", default_value_t = 8 * 3600)]
    pub session_idle: u64,
    /// A browser session ends this long after its login, used or not.
    #[arg(long, value_name = "SECONDS", default_value_t = 24 * 3600)]
    pub session_max: u64,
    /// Most workflows running at once (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub parallelism: usize,
    /// Most workflows running at once per namespace (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub namespace_parallelism: usize,
    /// Most task processes of one workflow at once (default: twice the
    /// CPUs, at least 4).
    #[arg(long)]
    pub task_parallelism: Option<usize>,
    /// Load (create or replace) the WorkflowTemplates and
    /// ClusterWorkflowTemplates in these files or directories at start,
    /// into the `default` namespace (repeatable).
    #[arg(long = "templates", value_name = "PATH")]
    pub templates: Vec<PathBuf>,
    /// Where outputs go when neither a workflow's `artifactRepositoryRef`
    /// nor its namespace's `artifact-repositories` config map says: a
    /// repository in Argo's `artifactRepository` shape (YAML or JSON)
    /// [default: the built-in repository in the data directory].
    #[arg(long, value_name = "FILE")]
    pub artifact_repository: Option<PathBuf>,
    /// Delete finished workflows (and their logs) this many seconds after
    /// they end, unless their `ttlStrategy` says otherwise [default: keep].
    #[arg(long, value_name = "SECONDS")]
    pub ttl: Option<u64>,
    /// On SIGTERM, how long running tasks may go on before the server
    /// leaves them (they resume, per their retryStrategy, at the next start).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Who runs the tasks: `local` processes on this machine, or
    /// `kubernetes` pods (in-cluster config, else KUBECONFIG or
    /// ~/.kube/config).
    #[arg(long, value_enum, default_value = "local", env = "KEELSON_EXECUTOR")]
    pub executor: ExecutorKind,
    /// Kubernetes mode: the image holding the `keelson` binary, copied
    /// into each pod to run its command and report its outputs.
    #[arg(
        long,
        value_name = "IMAGE",
        env = "KEELSON_EXECUTOR_IMAGE",
        default_value = "ghcr.io/keelson/keelson:latest"
    )]
    pub executor_image: String,
    /// Kubernetes mode: watch and run pods in this namespace only
    /// [default: all namespaces].
    #[arg(long, value_name = "NAMESPACE", env = "KEELSON_MANAGED_NAMESPACE")]
    pub managed_namespace: Option<String>,
    /// Kubernetes mode: API requests per second the controller makes
    /// after a burst (0: no limit).
    #[arg(long, value_name = "QPS", default_value_t = 20.0, value_parser = non_negative)]
    pub kube_qps: f64,
    /// Kubernetes mode: requests allowed at once before --kube-qps applies.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub kube_burst: u32,
    /// Kubernetes mode: how long a finished pod's outputs (its task
    /// result) are waited for before its node ends without them.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub result_wait: u64,
    /// Kubernetes mode with several replicas: only the holder of a Lease
    /// runs (store, controller, API); the others wait, not serving, and
    /// one takes over when the holder stops renewing.
    #[arg(long, env = "KEELSON_LEADER_ELECT")]
    pub leader_elect: bool,
    /// The Lease's name.
    #[arg(long, value_name = "NAME", default_value = "keelson-controller")]
    pub lease_name: String,
    /// The Lease's namespace (the pod's, from the downward API).
    #[arg(long, value_name = "NAMESPACE", env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// How long a lease holds without renewal.
    #[arg(long, value_name = "SECONDS", default_value_t = 15)]
    pub lease_duration: u64,
}

fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a rate (a number, 0 or more)")),
    }
}

/// Who runs the tasks.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutorKind {
    Local,
    Kubernetes,
}

pub fn run(args: &ServerArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

fn init_logging() {
    let level = match std::env::var("KEELSON_LOG").unwrap_or_default().to_ascii_lowercase().as_str()
    {
        "trace" => tracing::Level::TRACE,
        "debug" => tracing::Level::DEBUG,
        "warn" => tracing::Level::WARN,
        "error" => tracing::Level::ERROR,
        _ => tracing::Level::INFO,
    };
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr);
    // Structured logs for collectors: one JSON object a line, with the
    // request span (its ID, method, path) on every line logged inside it.
    if std::env::var("KEELSON_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        let _ = builder.json().with_current_span(true).with_span_list(false).try_init();
    } else {
        let _ = builder.with_ansi(std::io::stderr().is_terminal()).try_init();
    }
}

/// Wait for the lease, then keep it; losing it ends the process (a
/// standby takes over; this one restarts as a standby).
async fn lead(args: &ServerArgs) -> anyhow::Result<()> {
    use server::kube::leader::{Elector, Timings};
    let client = kube::Client::try_default()
        .await
        .context("cannot reach the Kubernetes API server (--leader-elect)")?;
    let identity = std::env::var("POD_NAME")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("keelson-{}", std::process::id()));
    let timings = Timings::for_lease(Duration::from_secs(args.lease_duration.max(1)));
    let pod = std::env::var("POD_NAME").ok().filter(|n| !n.is_empty());
    if let Some(pod) = &pod {
        server::kube::leader::mark_pod(client.clone(), &args.lease_namespace, pod, false).await;
    }
    let elector =
        Elector::new(client.clone(), &args.lease_namespace, &args.lease_name, &identity, timings);
    elector.acquire().await;
    if let Some(pod) = &pod {
        // The Service sends requests to the pod with this label.
        server::kube::leader::mark_pod(client, &args.lease_namespace, pod, true).await;
    }
    tokio::spawn(async move {
        elector.keep().await;
        tracing::error!("lost the lease: stopping so that another replica leads");
        std::process::exit(1);
    });
    Ok(())
}

async fn serve(args: &ServerArgs) -> anyhow::Result<ExitCode> {
    let data_dir = args.data_dir.clone().unwrap_or_else(super::data_dir);
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let url = match &args.database_url {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", data_dir.join("keelson.db").display()),
    };
    if args.auth_mode == Mode::None && !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "--auth-mode none lets anyone who reaches the server run anything as an \
             administrator: it is only allowed on a loopback address, not {}",
            args.listen
        );
    }
    if args.leader_elect {
        anyhow::ensure!(
            args.executor == ExecutorKind::Kubernetes,
            "--leader-elect needs --executor kubernetes (the lease lives in the cluster)"
        );
        lead(args).await?;
    }
    let store = Store::open(&url)
        .await
        .with_context(|| format!("cannot open the store {}", redact(&url)))?;
    // TLS first: a bad certificate is found before anything starts.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(server::tls::acceptor(cert, key)?),
        _ => None,
    };
    let sessions = SessionSettings {
        idle: Duration::from_secs(args.session_idle),
        absolute: Duration::from_secs(args.session_max),
        secure: tls.is_some(),
    };
    let auth = Auth::new(store.clone(), args.auth_mode, sessions, data_dir.clone());
    let first_password = auth.bootstrap().await.context("cannot create the first administrator")?;
    let key = SecretKey::load_or_create(&data_dir.join("secret.key"))?;
    load_templates(&store, &args.templates).await?;
    let mut config = ControllerConfig::new(&data_dir);
    config.parallelism = args.parallelism;
    config.namespace_parallelism = args.namespace_parallelism;
    config.default_ttl = args.ttl.map(Duration::from_secs);
    if let Some(p) = &args.artifact_repository {
        config.artifact_repository = Some(super::files::artifact_repository(p)?);
    }
    let mut local = LocalBackend::new(&data_dir);
    if let Some(n) = args.task_parallelism {
        local.task_parallelism = n;
    }
    let kill_grace = local.kill_grace;
    config.backend = Backend::Local(local);
    let mut cluster = None;
    if args.executor == ExecutorKind::Kubernetes {
        let connected = server::kube::Cluster::connect(args.kube_qps, args.kube_burst)
            .await
            .context("cannot reach the Kubernetes API server (--executor kubernetes)")?
            .managing(args.managed_namespace.clone());
        server::kube::workflows::check_served(&connected).await.map_err(anyhow::Error::msg)?;
        let pods = server::executor::kube::KubeConfig {
            executor_image: args.executor_image.clone(),
            patience: server::executor::kube::tracker::Patience {
                result_wait: Duration::from_secs(args.result_wait),
                ..Default::default()
            },
            kill_grace,
        };
        config.backend =
            Backend::Kubernetes(server::executor::kube::Pods::start(connected.clone(), pods));
        config.cluster_objects = Some(Arc::new(server::kube::Resources::new(connected.clone())));
        tracing::info!("tasks run as pods on the cluster");
        cluster = Some(connected);
    }
    let controller = Controller::start(store, key, config).await?;
    if let Some(cluster) = cluster {
        // Workflow resources in (kubectl apply) and out (their status).
        server::kube::workflows::start(cluster.clone(), controller.clone());
        // Templates and crons applied with kubectl, into the store.
        server::kube::mirror::start(cluster, controller.clone());
    }
    tokio::spawn(controller.clone().run_garbage_collector(Duration::from_secs(10)));
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!(
        "keelson server: {scheme}://{} (data in {}, store {})",
        args.listen,
        data_dir.display(),
        redact(&url)
    );
    announce_auth(&auth, args, first_password.as_deref());
    tokio::spawn(auth.clone().run_session_sweeper(Duration::from_secs(600)));
    let scheduler = server::cron::Scheduler::new(controller.clone());
    tokio::spawn(scheduler.clone().run(server::cron::SystemClock));
    let site_root = args.site_root.clone().unwrap_or_else(server::ui::default_site_root);
    if !server::ui::has_assets(&site_root) {
        tracing::warn!(
            "no UI assets in {}: pages are served without their script (run `make ui`)",
            site_root.display()
        );
    }
    let api = server::api::router(server::api::AppState {
        controller: controller.clone(),
        scheduler,
        auth,
    });
    let app = api.clone().merge(server::ui::router(&site_root, api));
    let grace = Duration::from_secs(args.shutdown_grace);
    let c = controller.clone();
    let shutdown = async move {
        shutdown_signal().await;
        eprintln!("keelson server: shutting down (running tasks get {}s)", grace.as_secs());
        c.shutdown(grace).await;
    };
    match tls {
        Some(acceptor) => {
            let app = app.layer(axum::middleware::map_response(server::tls::hsts));
            server::tls::serve(listener, acceptor, app, shutdown).await;
        }
        None => {
            axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .with_graceful_shutdown(shutdown)
                .await
                .context("the HTTP server failed")?
        }
    }
    let (commits, writes) = controller.journal_stats();
    eprintln!("keelson server: stopped; the journal made {commits} commits for {writes} writes");
    Ok(ExitCode::SUCCESS)
}

/// Say how to get in: loudly when nobody is asked; the first
/// administrator's password once, at first start.
fn announce_auth(auth: &Auth, args: &ServerArgs, first_password: Option<&str>) {
    if auth.mode() == Mode::None {
        eprintln!(
            "\n  WARNING: --auth-mode none: no sign-in, every caller is an administrator.\n  \
             Only processes on this machine can reach {} — keep it that way.\n",
            args.listen
        );
        tracing::warn!("authentication is off (--auth-mode none)");
        return;
    }
    if let Some(password) = first_password {
        eprintln!(
            "\n  First start: created the administrator account.\n    user:     {FIRST_ADMIN}\n    \
             password: {password}\n  It is also in {} (readable by you only) until you change \
             it:\n    keelson login --server http://{} -u {FIRST_ADMIN}\n    keelson passwd\n",
            auth.initial_password_file().display(),
            args.listen
        );
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `--templates`: every WorkflowTemplate and ClusterWorkflowTemplate
/// found, created or replaced in `default`.
async fn load_templates(store: &Store, paths: &[PathBuf]) -> anyhow::Result<()> {
    if paths.is_empty() {
        return Ok(());
    }
    let mut n = 0;
    for (_, json, doc) in files::documents(paths)? {
        let kind = match doc {
            Document::WorkflowTemplate(_) => TemplateKind::WorkflowTemplate,
            Document::ClusterWorkflowTemplate(_) => TemplateKind::ClusterWorkflowTemplate,
            _ => continue,
        };
        let Some(name) = json.pointer("/metadata/name").and_then(|n| n.as_str()) else { continue };
        let created = store
            .template(kind, "default", name)
            .await?
            .map_or_else(server::clock::now, |t| t.created_at);
        store.put_template(kind, "default", name, created, &json).await?;
        n += 1;
    }
    eprintln!("keelson server: {n} templates loaded");
    Ok(())
}
