//! `keelson cron create|list|get|suspend|resume|delete`: CronWorkflows on
//! the server.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use engine::spec::Document;
use engine::status::Time;
use serde_json::{Value, json};

use super::client::{Client, ClientArgs, seg};
use super::files;
use super::output::{self, Format, age, table};

#[derive(clap::Subcommand, Debug)]
pub enum CronCommand {
    /// Create the CronWorkflows in files or directories.
    Create {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    List {
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    Get {
        name: String,
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Stop scheduling runs (running ones go on).
    Suspend {
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Schedule runs again (from now on).
    Resume {
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub fn run(cmd: &CronCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        match cmd {
            CronCommand::Create { paths, output, client } => {
                let client = Client::new(client)?;
                let base = format!("/api/v1/cron-workflows/{}", seg(&client.namespace));
                let mut found = 0;
                for path in files::spec_files(paths)? {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    let nodes = engine::yaml::load_str(&text, engine::yaml::Limits::default())
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                    for node in nodes {
                        let doc = node.to_json();
                        if !matches!(
                            engine::spec::decode(doc.clone()),
                            Ok(Document::CronWorkflow(_))
                        ) {
                            continue;
                        }
                        found += 1;
                        let created = client
                            .post(&base, &json!({"cronWorkflow": doc}))
                            .await
                            .with_context(|| path.display().to_string())?;
                        if !output::machine(*output, &created)? {
                            let name = created
                                .pointer("/metadata/name")
                                .and_then(Value::as_str)
                                .unwrap_or("");
                            println!("CronWorkflow {name} created");
                        }
                    }
                }
                if found == 0 {
                    bail!("no CronWorkflow in the given files");
                }
            }
            CronCommand::List { output, client } => {
                let client = Client::new(client)?;
                let list = client
                    .get(&format!("/api/v1/cron-workflows/{}", seg(&client.namespace)))
                    .await?;
                if !output::machine(*output, &list)? {
                    let now = server::runner::now();
                    let rows: Vec<Vec<String>> = list
                        .get("items")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|c| {
                            let text = |p: &str| {
                                c.pointer(p).and_then(Value::as_str).unwrap_or("").to_string()
                            };
                            let mut schedules: Vec<String> = c
                                .pointer("/spec/schedules")
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect();
                            schedules.extend(
                                c.pointer("/spec/schedule")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                            );
                            let last = c
                                .pointer("/status/lastScheduledTime")
                                .and_then(Value::as_str)
                                .and_then(Time::parse_rfc3339)
                                .map(|t| age(now.0 - t.0) + " ago")
                                .unwrap_or_else(|| "never".into());
                            let active = c
                                .pointer("/status/active")
                                .and_then(Value::as_array)
                                .map_or(0, Vec::len);
                            let next = next_run(c, now)
                                .map(|t| format!("in {}", age(t.0 - now.0)))
                                .unwrap_or_else(|| "-".into());
                            let suspended =
                                c.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
                            vec![
                                text("/metadata/name"),
                                schedules.join(", "),
                                last,
                                next,
                                active.to_string(),
                                if suspended { "true" } else { "false" }.into(),
                            ]
                        })
                        .collect();
                    if rows.is_empty() {
                        eprintln!("No cron workflows found.");
                    } else {
                        print!(
                            "{}",
                            table(
                                &[
                                    "NAME",
                                    "SCHEDULES",
                                    "LAST RUN",
                                    "NEXT RUN",
                                    "ACTIVE",
                                    "SUSPENDED"
                                ],
                                &rows
                            )
                        );
                    }
                }
            }
            CronCommand::Get { name, output, client } => {
                let client = Client::new(client)?;
                let c = client
                    .get(&format!(
                        "/api/v1/cron-workflows/{}/{}",
                        seg(&client.namespace),
                        seg(name)
                    ))
                    .await?;
                if !output::machine(*output, &c)? {
                    output::machine(Format::Yaml, &c)?;
                }
            }
            CronCommand::Suspend { names, client } | CronCommand::Resume { names, client } => {
                let action =
                    if matches!(cmd, CronCommand::Suspend { .. }) { "suspend" } else { "resume" };
                let client = Client::new(client)?;
                for name in names {
                    let path = format!(
                        "/api/v1/cron-workflows/{}/{}/{action}",
                        seg(&client.namespace),
                        seg(name)
                    );
                    client.put(&path, &json!({})).await?;
                    println!(
                        "CronWorkflow {name} {action}{}",
                        if action == "suspend" { "ed" } else { "d" }
                    );
                }
            }
            CronCommand::Delete { names, client } => {
                let client = Client::new(client)?;
                for name in names {
                    client
                        .delete(&format!(
                            "/api/v1/cron-workflows/{}/{}",
                            seg(&client.namespace),
                            seg(name)
                        ))
                        .await?;
                    println!("CronWorkflow {name} deleted");
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// When the CronWorkflow fires next (none while suspended).
fn next_run(c: &Value, now: Time) -> Option<Time> {
    if c.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let row = server::store::CronRow {
        namespace: String::new(),
        name: String::new(),
        created_at: now,
        body: c.clone(),
        resource_version: 0,
        last_scheduled_at: None,
        last_handled_at: None,
    };
    let (_, schedules) = server::cron::parse(&row).ok()?;
    schedules.iter().filter_map(|(s, tz)| server::cron::schedule::next_after(s, tz, now)).min()
}
