//! `keelson submit FILE… | --from workflowtemplate/NAME`: check the files
//! here (errors with file and line, before anything is sent), apply `-p`
//! and `--entrypoint` as `argo submit` does, create the workflows on the
//! server; `--wait` until they end, `--watch` their progress.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use engine::lint::{self, Options, Source};
use engine::spec::{Catalog, Document};
use serde_json::{Value, json};

use super::client::{Client, ClientArgs, seg};
use super::output::{self, Format};
use super::{render, watch};

#[derive(clap::Args, Debug)]
pub struct SubmitArgs {
    /// Workflow files (YAML or JSON; `-` reads standard input).
    #[arg(required_unless_present = "from")]
    pub files: Vec<PathBuf>,
    /// Run a template on the server instead: `workflowtemplate/NAME` or
    /// `clusterworkflowtemplate/NAME`.
    #[arg(long, value_name = "KIND/NAME", conflicts_with = "files")]
    pub from: Option<String>,
    /// A workflow parameter, `name=value` (repeatable).
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// An input artifact, `name=PATH` (a file, uploaded to the artifact
    /// repository) or `name=URL` (an http artifact); repeatable.
    #[arg(long = "artifact", value_name = "NAME=PATH|URL")]
    pub artifacts: Vec<String>,
    /// Start at this template instead of `spec.entrypoint`.
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Labels to add, `k=v` (repeatable or comma-separated).
    #[arg(short = 'l', long = "labels", value_name = "K=V")]
    pub labels: Vec<String>,
    /// Wait until the workflows end; exit 1 if one did not succeed.
    #[arg(long)]
    pub wait: bool,
    /// Show the workflow's progress until it ends (implies --wait).
    #[arg(long)]
    pub watch: bool,
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

pub fn run(args: &SubmitArgs) -> anyhow::Result<ExitCode> {
    super::block_on(submit(args))
}

async fn submit(args: &SubmitArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.client)?;
    let ns = seg(&client.namespace);
    let parameters = pairs(&args.parameters, "-p")?;
    let labels = pairs(
        &args.labels.iter().flat_map(|l| l.split(',')).map(str::to_string).collect::<Vec<_>>(),
        "-l",
    )?;
    let artifacts = pairs(&args.artifacts, "--artifact")?;
    for (artifact, at) in &artifacts {
        if !is_url(at) && !Path::new(at).is_file() {
            bail!(
                "--artifact {artifact}={at}: not a file (pack a directory with tar first) nor an http(s) URL"
            );
        }
    }
    let mut created = Vec::new();
    if let Some(from) = &args.from {
        let (kind, name) = from.split_once('/').context("--from: expected KIND/NAME")?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "workflowtemplate" | "wftmpl" => "WorkflowTemplate",
            "clusterworkflowtemplate" | "cwftmpl" => "ClusterWorkflowTemplate",
            other => bail!(
                "--from {other}/…: expected workflowtemplate/NAME or clusterworkflowtemplate/NAME"
            ),
        };
        let mut options = json!({
            "parameters": parameters.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
        });
        if !labels.is_empty() {
            options["labels"] =
                labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",").into();
        }
        if let Some(e) = &args.entrypoint {
            options["entryPoint"] = e.clone().into();
        }
        if !artifacts.is_empty() {
            if kind != "WorkflowTemplate" {
                bail!("--artifact with --from: only a WorkflowTemplate takes uploads (as in Argo)");
            }
            let mut keys = Vec::new();
            for (artifact, given) in &artifacts {
                if is_url(given) {
                    bail!(
                        "--artifact {artifact}={given}: with --from, give a file (a URL can be \
                         set in the template's arguments)"
                    );
                }
                let path = format!("/upload-artifacts/{ns}/{}/{}", seg(name), seg(artifact));
                let uploaded = client.upload(&path, Path::new(given)).await?;
                let key = uploaded["key"].as_str().context("the upload's answer has no key")?;
                keys.push(format!("{artifact}={key}"));
            }
            options["artifacts"] = json!(keys);
        }
        let body = json!({"resourceKind": kind, "resourceName": name, "submitOptions": options});
        created.push(client.post(&format!("/api/v1/workflows/{ns}/submit"), &body).await?);
    } else {
        let workflows = load(&client, &args.files).await?;
        let mut given = Vec::new();
        for (artifact, at) in &artifacts {
            let mut a = if is_url(at) {
                json!({"http": {"url": at}})
            } else {
                let uploaded =
                    client.upload(&format!("/upload-artifacts/{ns}"), Path::new(at)).await?;
                uploaded["location"].clone()
            };
            a["name"] = artifact.clone().into();
            given.push(a);
        }
        for mut wf in workflows {
            apply(&mut wf, &parameters, args.entrypoint.as_deref(), &labels);
            set_artifacts(&mut wf, &given);
            created.push(
                client.post(&format!("/api/v1/workflows/{ns}"), &json!({"workflow": wf})).await?,
            );
        }
    }
    for wf in &created {
        if !output::machine(args.output, wf)? {
            let name = wf.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
            println!("Name:       {name}");
            println!("Namespace:  {}", client.namespace);
            println!(
                "Status:     {}",
                wf.pointer("/status/phase").and_then(Value::as_str).unwrap_or("Pending")
            );
        }
    }
    if !(args.wait || args.watch) {
        return Ok(ExitCode::SUCCESS);
    }
    let mut all_ok = true;
    for wf in &created {
        let name = wf.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        let last = watch::until_done(&client, name, args.watch).await?;
        let phase = last.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
        if args.output == Format::Human && !args.watch {
            println!("{name} {phase}");
        }
        all_ok &= phase == "Succeeded";
    }
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn pairs(raw: &[String], flag: &str) -> anyhow::Result<Vec<(String, String)>> {
    raw.iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .with_context(|| format!("{flag} {p:?}: expected NAME=VALUE"))
        })
        .collect()
}

/// The Workflows in `files`, linted against the server's templates; lint
/// errors are printed with their file and line and nothing is sent.
async fn load(client: &Client, files: &[PathBuf]) -> anyhow::Result<Vec<Value>> {
    let mut sources = Vec::new();
    for f in files {
        let (name, text) = if f.as_os_str() == "-" {
            let mut buf = String::new();
            std::io::stdin().read_to_string(&mut buf).context("cannot read standard input")?;
            ("<stdin>".to_string(), buf)
        } else {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            (f.display().to_string(), text)
        };
        sources.push(Source { name, text });
    }
    let catalog = server_catalog(client).await?;
    let report = lint::lint(&sources, &catalog, Options { strict: false });
    if report.failed() {
        render::errors(&report, &sources, std::io::stderr().is_terminal())?;
        bail!("the workflow is not valid; nothing was submitted");
    }
    let mut workflows = Vec::new();
    for s in &sources {
        let nodes = engine::yaml::load_str(&s.text, engine::yaml::Limits::default())
            .map_err(|e| anyhow::anyhow!("{}: {e}", s.name))?;
        for node in nodes {
            let json = node.to_json();
            match engine::spec::decode(json.clone()) {
                Ok(Document::Workflow(_)) => workflows.push(json),
                Ok(other) => eprintln!(
                    "keelson: {}: skipping a {} (submit runs Workflows; use `keelson template create` \
                     or `submit --from`)",
                    s.name,
                    other.kind()
                ),
                Err(_) => {}
            }
        }
    }
    if workflows.is_empty() {
        bail!(
            "no Workflow in {}",
            sources.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(workflows)
}

/// The server's WorkflowTemplates and ClusterWorkflowTemplates, so that
/// `templateRef`s lint as they will resolve.
async fn server_catalog(client: &Client) -> anyhow::Result<Catalog> {
    let mut catalog = Catalog::default();
    let ns = seg(&client.namespace);
    for path in [
        format!("/api/v1/workflow-templates/{ns}"),
        "/api/v1/cluster-workflow-templates".to_string(),
    ] {
        let list = client.get(&path).await?;
        for item in list.get("items").and_then(Value::as_array).into_iter().flatten() {
            if let Ok(doc) = engine::spec::decode(item.clone()) {
                catalog.add(&doc);
            }
        }
    }
    Ok(catalog)
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The `--artifact` arguments written into the Workflow's
/// `spec.arguments.artifacts`, replacing any of the same name.
fn set_artifacts(wf: &mut Value, given: &[Value]) {
    if given.is_empty() {
        return;
    }
    let Some(obj) = wf.as_object_mut() else { return };
    let spec = obj.entry("spec").or_insert_with(|| json!({}));
    if spec.pointer("/arguments/artifacts").and_then(Value::as_array).is_none() {
        spec["arguments"]["artifacts"] = json!([]);
    }
    let Some(list) = spec.pointer_mut("/arguments/artifacts").and_then(Value::as_array_mut) else {
        return;
    };
    for a in given {
        match list.iter_mut().find(|b| b.get("name") == a.get("name")) {
            Some(b) => *b = a.clone(),
            None => list.push(a.clone()),
        }
    }
}

/// `-p`, `--entrypoint` and `-l` written into the Workflow, as `argo
/// submit` does (a parameter the spec does not declare is added).
fn apply(
    wf: &mut Value,
    parameters: &[(String, String)],
    entrypoint: Option<&str>,
    labels: &[(String, String)],
) {
    let Some(obj) = wf.as_object_mut() else { return };
    let spec = obj.entry("spec").or_insert_with(|| json!({}));
    if let Some(e) = entrypoint {
        spec["entrypoint"] = e.into();
    }
    if !parameters.is_empty() {
        if spec.pointer("/arguments/parameters").and_then(Value::as_array).is_none() {
            spec["arguments"]["parameters"] = json!([]);
        }
        if let Some(list) = spec.pointer_mut("/arguments/parameters").and_then(Value::as_array_mut)
        {
            for (k, v) in parameters {
                match list.iter_mut().find(|p| p.get("name").and_then(Value::as_str) == Some(k)) {
                    Some(p) => {
                        p["value"] = v.clone().into();
                        if let Some(m) = p.as_object_mut() {
                            m.remove("valueFrom");
                        }
                    }
                    None => list.push(json!({"name": k, "value": v})),
                }
            }
        }
    }
    if !labels.is_empty() {
        let meta = obj.entry("metadata").or_insert_with(|| json!({}));
        if meta.get("labels").and_then(Value::as_object).is_none() {
            meta["labels"] = json!({});
        }
        for (k, v) in labels {
            meta["labels"][k] = v.clone().into();
        }
    }
}
