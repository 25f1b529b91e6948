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
use super::output::{self, Format, age};

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
                for (path, doc, typed) in files::documents(paths)? {
                    if !matches!(typed, Document::CronWorkflow(_)) {
                        continue;
                    }
                    found += 1;
                    let created = client
                        .post(&base, &json!({"cronWorkflow": doc}))
                        .await
                        .with_context(|| path.display().to_string())?;
                    if !output::machine(*output, &created)? {
                        println!(
                            "CronWorkflow {} created",
                            output::text(&created, "/metadata/name")
                        );
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
                    let now = server::clock::now();
                    let rows: Vec<Vec<String>> = output::items(&list)
                        .map(|c| {
                            let mut schedules = output::strings(c, "/spec/schedules", None);
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
                            let next = next_run(c, now)
                                .map(|t| format!("in {}", age(t.0 - now.0)))
                                .unwrap_or_else(|| "-".into());
                            let active = c
                                .pointer("/status/active")
                                .and_then(Value::as_array)
                                .map_or(0, Vec::len);
                            let suspended =
                                c.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
                            vec![
                                output::text(c, "/metadata/name"),
                                schedules.join(", "),
                                last,
                                next,
                                active.to_string(),
                                suspended.to_string(),
                            ]
                        })
                        .collect();
                    let header =
                        ["NAME", "SCHEDULES", "LAST RUN", "NEXT RUN", "ACTIVE", "SUSPENDED"];
                    output::print_table("cron workflows", &header, &rows);
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
                let base = format!("/api/v1/cron-workflows/{}", seg(&client.namespace));
                client.delete_each(&base, names, "CronWorkflow").await?;
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
