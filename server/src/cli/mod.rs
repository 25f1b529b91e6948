//! Command-line parsing and dispatch. Each verb lives in its own module;
//! this one only declares the grammar.

mod access;
mod argosay;
mod client;
mod config_maps;
mod cp;
mod crons;
mod exec;
mod files;
mod lint;
mod output;
mod render;
mod run;
mod secrets;
mod server;
mod submit;
mod templates;
mod tree;
mod watch;
mod workflows;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "keelson", version, about = "Run Argo Workflows on a laptop or a cluster")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check workflow files (YAML or JSON) and report every problem with its
    /// file, line, column and field.
    Lint(LintArgs),
    /// Run a workflow here and now, each task a local process: logs as they
    /// come, a tree of nodes at the end; exit 0 Succeeded, 1 Failed, 2 Error.
    Run(Box<run::RunArgs>),
    /// Serve: the store, the controller and the HTTP API (Argo's paths).
    Server(Box<server::ServerArgs>),
    /// Submit workflows to a server (`--from workflowtemplate/NAME` runs a
    /// stored template).
    Submit(Box<submit::SubmitArgs>),
    /// List workflows.
    List(workflows::ListArgs),
    /// One workflow as a tree of nodes (or -o json|yaml|name).
    Get(workflows::NameArgs),
    /// Follow a workflow until it ends (exit 1 if it did not succeed).
    Watch(workflows::NameArgs),
    /// A workflow's task logs (-f follows them).
    Logs(workflows::LogsArgs),
    /// Download a workflow's output artifacts into a directory (`argo cp`).
    Cp(cp::CpArgs),
    /// Run the failed parts of a finished workflow again.
    Retry(workflows::RetryArgs),
    /// Submit a finished workflow again, as a new one.
    Resubmit(workflows::ResubmitArgs),
    /// Stop workflows: running tasks are killed, exit handlers run.
    Stop(workflows::NamesArgs),
    /// Terminate workflows: like stop, without exit handlers.
    Terminate(workflows::NamesArgs),
    /// Suspend workflows: nothing new starts until resumed.
    Suspend(workflows::NamesArgs),
    /// Resume suspended workflows (and their suspend nodes).
    Resume(workflows::ResumeArgs),
    /// Delete workflows with their logs (and the artifacts their
    /// `artifactGC` says go with them).
    Delete(workflows::DeleteArgs),
    /// WorkflowTemplates on the server.
    #[command(subcommand)]
    Template(templates::TemplateCommand),
    /// CronWorkflows on the server.
    #[command(subcommand)]
    Cron(crons::CronCommand),
    /// Secrets for `secretKeyRef` (local mode), sealed by the server.
    #[command(subcommand)]
    Secret(secrets::SecretCommand),
    /// Config maps (local mode): for `configMapKeyRef` and artifact
    /// repositories.
    #[command(subcommand, name = "configmap")]
    ConfigMap(config_maps::ConfigMapCommand),
    /// Sign in to a server: the password buys an API token, saved in
    /// ~/.config/keelson/config.json for that server.
    Login(access::LoginArgs),
    /// Revoke the saved token and forget it.
    Logout(access::LogoutArgs),
    /// Change your password.
    Passwd(access::PasswdArgs),
    /// Users and their roles per namespace (administrators).
    #[command(subcommand)]
    User(access::UserCommand),
    /// API tokens for programs.
    #[command(subcommand)]
    Token(access::TokenCommand),
    /// Who changed what, when, from where (administrators).
    Audit(access::AuditArgs),
    /// Argo's test image `argoproj/argosay:v2`, built in: the local
    /// executor runs it for `/argosay`.
    /// Keelson's executor inside a Kubernetes pod: runs the command,
    /// captures its result and output parameters.
    #[command(hide = true)]
    Exec(exec::ExecArgs),
    #[command(hide = true, disable_help_flag = true)]
    Argosay {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Files or directories (directories are searched for *.yaml, *.yml and
    /// *.json); `-` reads standard input. Templates referenced with
    /// templateRef or workflowTemplateRef are resolved among all of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Treat unknown fields as errors, like `argo lint --strict`.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// Colour: auto (when writing to a terminal), always or never.
    #[arg(long, value_enum, default_value_t = Colour::Auto)]
    pub color: Colour,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Auto,
    Always,
    Never,
}

pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Lint(args) => lint::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Argosay { args } => argosay::run(&args),
        Command::Exec(args) => exec::run(&args),
        Command::Server(args) => server::run(&args),
        Command::Submit(args) => submit::run(&args),
        Command::List(args) => workflows::list(&args),
        Command::Get(args) => workflows::get(&args),
        Command::Watch(args) => workflows::watch(&args),
        Command::Logs(args) => workflows::logs(&args),
        Command::Cp(args) => cp::run(&args),
        Command::Retry(args) => workflows::retry(&args),
        Command::Resubmit(args) => workflows::resubmit(&args),
        Command::Stop(args) => workflows::act("stop", &args),
        Command::Terminate(args) => workflows::act("terminate", &args),
        Command::Suspend(args) => workflows::act("suspend", &args),
        Command::Resume(args) => workflows::resume(&args),
        Command::Delete(args) => workflows::delete(&args),
        Command::Template(cmd) => templates::run(&cmd),
        Command::Secret(cmd) => secrets::run(&cmd),
        Command::ConfigMap(cmd) => config_maps::run(&cmd),
        Command::Cron(cmd) => crons::run(&cmd),
        Command::Login(args) => access::login(&args),
        Command::Logout(args) => access::logout(&args),
        Command::Passwd(args) => access::passwd(&args),
        Command::User(cmd) => access::user(&cmd),
        Command::Token(cmd) => access::token(&cmd),
        Command::Audit(args) => access::audit(&args),
    }
}

/// Run a client verb's future on a small runtime.
fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?
        .block_on(f)
}

/// `$XDG_STATE_HOME/keelson`, else `~/.local/state/keelson`, else
/// `./.keelson`: runs' work directories and the server's data.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("keelson");
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(h) => PathBuf::from(h).join(".local/state/keelson"),
        None => PathBuf::from(".keelson"),
    }
}
