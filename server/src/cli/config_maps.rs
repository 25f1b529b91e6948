//! `keelson configmap create|list|delete`: config maps in local mode, for
//! `configMapKeyRef` and artifact repositories (`--annotation
//! workflows.argoproj.io/default-artifact-repository=KEY` names the
//! `artifact-repositories` ConfigMap's default).

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;

use super::client::{Client, ClientArgs, seg};
use super::output::{self, Format};

#[derive(clap::Subcommand, Debug)]
pub enum ConfigMapCommand {
    /// Create or replace a config map.
    Create {
        name: String,
        /// `key=value` (repeatable).
        #[arg(long = "from-literal", value_name = "KEY=VALUE")]
        literals: Vec<String>,
        /// `key=path`: the file's text (repeatable).
        #[arg(long = "from-file", value_name = "KEY=PATH")]
        files: Vec<String>,
        /// `key=value`: an annotation (repeatable).
        #[arg(long = "annotation", value_name = "KEY=VALUE")]
        annotations: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Config map names and their keys.
    List {
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
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

fn pairs(items: &[String], flag: &str) -> anyhow::Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|l| {
            let (k, v) =
                l.split_once('=').with_context(|| format!("{flag}: expected KEY=VALUE"))?;
            Ok((k.to_string(), v.to_string()))
        })
        .collect()
}

pub fn run(cmd: &ConfigMapCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        match cmd {
            ConfigMapCommand::Create { name, literals, files, annotations, client } => {
                let client = Client::new(client)?;
                let mut data = pairs(literals, "--from-literal")?;
                for (k, p) in pairs(files, "--from-file")? {
                    let text =
                        std::fs::read_to_string(&p).with_context(|| format!("cannot read {p}"))?;
                    data.insert(k, text);
                }
                if data.is_empty() {
                    bail!("give the config map's values: --from-literal or --from-file");
                }
                let body = json!({
                    "metadata": {"name": name, "annotations": pairs(annotations, "--annotation")?},
                    "data": data,
                });
                let path = format!("/api/v1/namespaces/{}/configmaps", seg(&client.namespace));
                client.post(&path, &body).await?;
                println!("configmap {name} created ({} keys)", data.len());
            }
            ConfigMapCommand::List { output, client } => {
                let client = Client::new(client)?;
                let path = format!("/api/v1/namespaces/{}/configmaps", seg(&client.namespace));
                let list = client.get(&path).await?;
                if !output::machine(*output, &list)? {
                    let rows: Vec<Vec<String>> = output::items(&list)
                        .map(|m| {
                            let keys: Vec<String> = m["data"]
                                .as_object()
                                .map(|d| d.keys().cloned().collect())
                                .unwrap_or_default();
                            vec![output::text(m, "/metadata/name"), keys.join(",")]
                        })
                        .collect();
                    output::print_table("configmaps", &["NAME", "KEYS"], &rows);
                }
            }
            ConfigMapCommand::Delete { names, client } => {
                let client = Client::new(client)?;
                let base = format!("/api/v1/namespaces/{}/configmaps", seg(&client.namespace));
                client.delete_each(&base, names, "configmap").await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
