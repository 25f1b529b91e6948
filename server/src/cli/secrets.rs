//! `keelson secret create|list|delete`: secrets for `secretKeyRef` in local
//! mode, sealed by the server. Values come from literals, files or
//! standard input and are never printed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use base64::Engine as _;
use serde_json::json;

use super::client::{Client, ClientArgs, seg};
use super::output::{self, Format};

#[derive(clap::Subcommand, Debug)]
pub enum SecretCommand {
    /// Create or replace a secret.
    Create {
        name: String,
        /// `key=value` (repeatable). Beware: shells keep history.
        #[arg(long = "from-literal", value_name = "KEY=VALUE")]
        literals: Vec<String>,
        /// `key=path`: the file's bytes (repeatable).
        #[arg(long = "from-file", value_name = "KEY=PATH")]
        files: Vec<String>,
        /// Read one key's value from standard input.
        #[arg(long = "from-stdin", value_name = "KEY")]
        stdin: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Secret names and their keys (never values).
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

pub fn run(cmd: &SecretCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        match cmd {
            SecretCommand::Create { name, literals, files, stdin, client } => {
                let client = Client::new(client)?;
                let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
                for l in literals {
                    let (k, v) = l.split_once('=').context("--from-literal: expected KEY=VALUE")?;
                    data.insert(k.to_string(), v.as_bytes().to_vec());
                }
                for f in files {
                    let (k, p) = f.split_once('=').context("--from-file: expected KEY=PATH")?;
                    let bytes = std::fs::read(PathBuf::from(p))
                        .with_context(|| format!("cannot read {p}"))?;
                    data.insert(k.to_string(), bytes);
                }
                if let Some(k) = stdin {
                    let mut buf = Vec::new();
                    std::io::stdin().read_to_end(&mut buf).context("cannot read standard input")?;
                    data.insert(k.clone(), buf);
                }
                if data.is_empty() {
                    bail!("give the secret's values: --from-literal, --from-file or --from-stdin");
                }
                let encoded: BTreeMap<String, String> = data
                    .iter()
                    .map(|(k, v)| (k.clone(), base64::engine::general_purpose::STANDARD.encode(v)))
                    .collect();
                let body = json!({"metadata": {"name": name}, "data": encoded});
                client
                    .post(&format!("/api/v1/namespaces/{}/secrets", seg(&client.namespace)), &body)
                    .await?;
                println!("secret {name} created ({} keys)", data.len());
            }
            SecretCommand::List { output, client } => {
                let client = Client::new(client)?;
                let list = client
                    .get(&format!("/api/v1/namespaces/{}/secrets", seg(&client.namespace)))
                    .await?;
                if !output::machine(*output, &list)? {
                    let rows: Vec<Vec<String>> = output::items(&list)
                        .map(|s| {
                            vec![
                                output::text(s, "/metadata/name"),
                                output::strings(s, "/keys", None).join(","),
                            ]
                        })
                        .collect();
                    output::print_table("secrets", &["NAME", "KEYS"], &rows);
                }
            }
            SecretCommand::Delete { names, client } => {
                let client = Client::new(client)?;
                let base = format!("/api/v1/namespaces/{}/secrets", seg(&client.namespace));
                client.delete_each(&base, names, "secret").await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
