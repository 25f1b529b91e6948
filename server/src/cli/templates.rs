//! `keelson template create|list|get|delete`: WorkflowTemplates (and, with
//! `--cluster`, ClusterWorkflowTemplates) on the server.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use engine::spec::Document;
use serde_json::json;

use super::client::{Client, ClientArgs, seg};
use super::files;
use super::output::{self, Format};

#[derive(clap::Subcommand, Debug)]
pub enum TemplateCommand {
    /// Create (or with --update, replace) the templates in files or
    /// directories.
    Create {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Replace templates that exist.
        #[arg(long)]
        update: bool,
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    List {
        /// ClusterWorkflowTemplates.
        #[arg(long)]
        cluster: bool,
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    Get {
        name: String,
        #[arg(long)]
        cluster: bool,
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Yaml)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
        #[arg(long)]
        cluster: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

fn base(client: &Client, cluster: bool) -> String {
    if cluster {
        "/api/v1/cluster-workflow-templates".into()
    } else {
        format!("/api/v1/workflow-templates/{}", seg(&client.namespace))
    }
}

pub fn run(cmd: &TemplateCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        match cmd {
            TemplateCommand::Create { paths, update, output, client } => {
                let client = Client::new(client)?;
                let mut found = 0;
                for (path, doc, typed) in files::documents(paths)? {
                    let cluster = match typed {
                        Document::WorkflowTemplate(_) => false,
                        Document::ClusterWorkflowTemplate(_) => true,
                        _ => continue,
                    };
                    found += 1;
                    let name = output::text(&doc, "/metadata/name");
                    let body = json!({"template": doc});
                    let b = base(&client, cluster);
                    let created =
                        if *update && client.get(&format!("{b}/{}", seg(&name))).await.is_ok() {
                            client.put(&format!("{b}/{}", seg(&name)), &body).await
                        } else {
                            client.post(&b, &body).await
                        }
                        .with_context(|| format!("{}: {name}", path.display()))?;
                    if !output::machine(*output, &created)? {
                        let kind =
                            if cluster { "ClusterWorkflowTemplate" } else { "WorkflowTemplate" };
                        println!("{kind} {name} created");
                    }
                }
                if found == 0 {
                    bail!("no WorkflowTemplate or ClusterWorkflowTemplate in the given files");
                }
            }
            TemplateCommand::List { cluster, output, client } => {
                let client = Client::new(client)?;
                let list = client.get(&base(&client, *cluster)).await?;
                if !output::machine(*output, &list)? {
                    let rows: Vec<Vec<String>> = output::items(&list)
                        .map(|t| {
                            let params =
                                output::strings(t, "/spec/arguments/parameters", Some("name"));
                            vec![output::text(t, "/metadata/name"), params.join(",")]
                        })
                        .collect();
                    output::print_table("templates", &["NAME", "PARAMETERS"], &rows);
                }
            }
            TemplateCommand::Get { name, cluster, output, client } => {
                let client = Client::new(client)?;
                let t = client.get(&format!("{}/{}", base(&client, *cluster), seg(name))).await?;
                if !output::machine(*output, &t)? {
                    output::machine(Format::Yaml, &t)?;
                }
            }
            TemplateCommand::Delete { names, cluster, client } => {
                let client = Client::new(client)?;
                client.delete_each(&base(&client, *cluster), names, "template").await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
