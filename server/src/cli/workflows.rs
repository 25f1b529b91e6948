//! The client verbs on existing workflows: `list`, `get`, `watch`,
//! `logs`, `retry`, `resubmit`, `stop`, `terminate`, `suspend`,
//! `resume`, `delete`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use engine::status::Time;
use serde_json::{Value, json};

use super::client::{Client, ClientArgs, seg};
use super::output::{self, Format, age, table};
use super::watch;

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Only these phases (comma-separated: Running,Failed,…).
    #[arg(long)]
    pub status: Option<String>,
    /// A label selector (`k=v,k2!=v2,k3 in (a,b)`).
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Only names starting with this.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// At most this many.
    #[arg(long)]
    pub limit: Option<u32>,
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct NameArgs {
    pub name: String,
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct NamesArgs {
    #[arg(required = true)]
    pub names: Vec<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct DeleteArgs {
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Delete even if the artifacts its `artifactGC` names cannot be
    /// (they are left in the repository), as `argo delete --force`.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct ResumeArgs {
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Resume only the suspended node this names (e.g.
    /// `displayName=approve`), as `argo resume --node-field-selector`.
    #[arg(long, value_name = "SELECTOR")]
    pub node_field_selector: Option<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct LogsArgs {
    pub name: String,
    /// Only this pod (or node ID).
    pub pod: Option<String>,
    /// Keep printing lines as they are written, until the workflow ends.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only this node (its pod name or node ID; like the POD argument).
    #[arg(long)]
    pub node: Option<String>,
    /// Only lines containing this.
    #[arg(long)]
    pub grep: Option<String>,
    /// The last N lines of each pod.
    #[arg(long)]
    pub tail: Option<u64>,
    /// Prefix each line with its time.
    #[arg(long)]
    pub timestamps: bool,
    /// Print lines without the pod name.
    #[arg(long)]
    pub no_color: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct RetryArgs {
    pub name: String,
    /// Also run again the succeeded nodes --node-field-selector names.
    #[arg(long)]
    pub restart_successful: bool,
    /// Nodes to run again, e.g. `displayName=build`.
    #[arg(long, value_name = "SELECTOR")]
    pub node_field_selector: Option<String>,
    /// New parameter values for the retry, `name=value` (repeatable).
    #[arg(short = 'p', long = "parameter")]
    pub parameters: Vec<String>,
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct ResubmitArgs {
    pub name: String,
    /// New parameter values, `name=value` (repeatable).
    #[arg(short = 'p', long = "parameter")]
    pub parameters: Vec<String>,
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

pub fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let ns = if args.all_namespaces { String::new() } else { seg(&client.namespace) };
        let mut selector: Vec<String> = args.selector.iter().cloned().collect();
        if let Some(s) = &args.status {
            selector.push(format!("workflows.argoproj.io/phase in ({s})"));
        }
        let mut query = Vec::new();
        if !selector.is_empty() {
            query.push(format!("listOptions.labelSelector={}", seg(&selector.join(","))));
        }
        if let Some(p) = &args.prefix {
            query.push(format!("nameFilter={}", seg(p)));
        }
        if let Some(l) = args.limit {
            query.push(format!("listOptions.limit={l}"));
        }
        let path = format!("/api/v1/workflows/{ns}?{}", query.join("&"));
        let list = client.get(&path).await?;
        if output::machine(args.output, &list)? {
            return Ok(ExitCode::SUCCESS);
        }
        let now = server::clock::now();
        let items = list.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|wf| {
                let text =
                    |p: &str| wf.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
                let time =
                    |p: &str| wf.pointer(p).and_then(Value::as_str).and_then(Time::parse_rfc3339);
                let created = time("/metadata/creationTimestamp");
                let (started, finished) = (time("/status/startedAt"), time("/status/finishedAt"));
                let duration = match (started, finished) {
                    (Some(s), Some(f)) => age(f.0 - s.0),
                    (Some(s), None) => age(now.0 - s.0),
                    _ => String::new(),
                };
                let mut row = Vec::new();
                if args.all_namespaces {
                    row.push(text("/metadata/namespace"));
                }
                let mut phase = text("/status/phase");
                if wf.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
                    phase = format!("{phase} (Suspended)");
                }
                row.extend([
                    text("/metadata/name"),
                    phase,
                    created.map(|c| age(now.0 - c.0)).unwrap_or_default(),
                    duration,
                    text("/status/progress"),
                    text("/status/message"),
                ]);
                row
            })
            .collect();
        let mut header = vec!["NAME", "STATUS", "AGE", "DURATION", "PROGRESS", "MESSAGE"];
        if args.all_namespaces {
            header.insert(0, "NAMESPACE");
        }
        if rows.is_empty() {
            eprintln!("No workflows found.");
        } else if std::io::stdout().is_terminal() {
            // Colour the phase (after aligning: escapes have no width).
            let status = header.iter().position(|h| *h == "STATUS").unwrap_or(1);
            for line in table(&header, &rows).lines() {
                let phase = line.split_whitespace().nth(status).unwrap_or("");
                let colour = match phase {
                    "Succeeded" => "32",
                    "Failed" | "Error" => "31",
                    "Running" | "Pending" => "36",
                    _ => "",
                };
                if colour.is_empty() {
                    println!("{line}");
                } else {
                    println!(
                        "{}",
                        line.replacen(phase, &format!("\x1b[{colour}m{phase}\x1b[0m"), 1)
                    );
                }
            }
        } else {
            print!("{}", table(&header, &rows));
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn get(args: &NameArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let path = format!("/api/v1/workflows/{}/{}", seg(&client.namespace), seg(&args.name));
        let wf = client.get(&path).await?;
        if !output::machine(args.output, &wf)? {
            watch::print_tree(&wf, std::io::stdout().is_terminal())?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn watch(args: &NameArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let last = watch::until_done(&client, &args.name, args.output == Format::Human).await?;
        output::machine(args.output, &last)?;
        let ok = last.pointer("/status/phase").and_then(Value::as_str) == Some("Succeeded");
        Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}

pub fn logs(args: &LogsArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let mut query = vec!["logOptions.container=main".to_string()];
        if let Some(p) = args.pod.as_ref().or(args.node.as_ref()) {
            query.push(format!("podName={}", seg(p)));
        }
        if args.follow {
            query.push("logOptions.follow=true".into());
        }
        if args.timestamps {
            query.push("logOptions.timestamps=true".into());
        }
        if let Some(t) = args.tail {
            query.push(format!("logOptions.tailLines={t}"));
        }
        if let Some(g) = &args.grep {
            query.push(format!("grep={}", seg(g)));
        }
        let path = format!(
            "/api/v1/workflows/{}/{}/log?{}",
            seg(&client.namespace),
            seg(&args.name),
            query.join("&")
        );
        let colour = !args.no_color && std::io::stdout().is_terminal();
        let mut out = std::io::stdout().lock();
        client
            .stream(&path, |entry| {
                let pod = entry.get("podName").and_then(Value::as_str).unwrap_or("");
                let content = entry.get("content").and_then(Value::as_str).unwrap_or("");
                if colour {
                    let c = 31 + (engine::status::fnv1a_32(pod) % 6);
                    writeln!(out, "\x1b[{c}m{pod}:\x1b[0m {content}")?;
                } else {
                    writeln!(out, "{pod}: {content}")?;
                }
                Ok(true)
            })
            .await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `stop`, `terminate`, `suspend`, `resume`: a PUT per workflow.
pub fn act(action: &str, args: &NamesArgs) -> anyhow::Result<ExitCode> {
    put_each(action, &args.names, &args.client, json!({}))
}

pub fn resume(args: &ResumeArgs) -> anyhow::Result<ExitCode> {
    let body = match &args.node_field_selector {
        Some(s) => json!({"nodeFieldSelector": s}),
        None => json!({}),
    };
    put_each("resume", &args.names, &args.client, body)
}

fn put_each(
    action: &str,
    names: &[String],
    client: &ClientArgs,
    body: Value,
) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(client)?;
        let ns = seg(&client.namespace);
        for name in names {
            client.put(&format!("/api/v1/workflows/{ns}/{}/{action}", seg(name)), &body).await?;
            println!("workflow {name} {}", past(action));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn past(action: &str) -> &'static str {
    match action {
        "stop" => "stopped",
        "terminate" => "terminated",
        "suspend" => "suspended",
        "resume" => "resumed",
        _ => "done",
    }
}

pub fn delete(args: &DeleteArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let ns = seg(&client.namespace);
        let force = if args.force { "?force=true" } else { "" };
        for name in &args.names {
            client.delete(&format!("/api/v1/workflows/{ns}/{}{force}", seg(name))).await?;
            println!("Workflow '{name}' deleted");
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn retry(args: &RetryArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let mut body = json!({
            "restartSuccessful": args.restart_successful,
            "parameters": args.parameters,
        });
        if let Some(s) = &args.node_field_selector {
            body["nodeFieldSelector"] = s.clone().into();
        }
        let path =
            format!("/api/v1/workflows/{}/{}/retry", seg(&client.namespace), seg(&args.name));
        let wf = client.put(&path, &body).await?;
        if !output::machine(args.output, &wf)? {
            println!("workflow {} retried", args.name);
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn resubmit(args: &ResubmitArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let body = json!({"parameters": args.parameters});
        let path =
            format!("/api/v1/workflows/{}/{}/resubmit", seg(&client.namespace), seg(&args.name));
        let wf = client.put(&path, &body).await?;
        if !output::machine(args.output, &wf)? {
            let name = wf.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
            println!("Name:       {name}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
