//! Command-line parsing and dispatch. Each verb lives in its own module;
//! this one only declares the grammar.

mod argosay;
mod files;
mod lint;
mod render;
mod run;
mod tree;

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
    /// Argo's test image `argoproj/argosay:v2`, built in: the local
    /// executor runs it for `/argosay`.
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
    }
}
