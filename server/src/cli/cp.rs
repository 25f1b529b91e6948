//! `keelson cp NAME DIR` (`argo cp`): a workflow's output artifacts, each
//! downloaded from the server as it is stored into
//! `DIR/<path>/<file>`, `<path>` being Argo's template
//! `{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}` by
//! default (`{templateName}`, `{podName}` also work). A directory
//! stored file by file (`archive: none`) is copied file by file into
//! `DIR/<path>/<directory name>/`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use super::client::{Client, ClientArgs, seg};

#[derive(clap::Args, Debug)]
pub struct CpArgs {
    /// The workflow.
    pub name: String,
    /// Where the artifacts go.
    pub dir: PathBuf,
    /// Only the artifacts of this name.
    #[arg(long)]
    pub artifact_name: Option<String>,
    /// Only the artifacts of nodes of this template.
    #[arg(long)]
    pub template_name: Option<String>,
    /// Only the artifacts of this node (its ID).
    #[arg(long)]
    pub node_id: Option<String>,
    /// Where under DIR each artifact goes.
    #[arg(long, default_value = "{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}")]
    pub path: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

pub fn run(args: &CpArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let ns = client.namespace.clone();
        let wf = client.get(&format!("/api/v1/workflows/{}/{}", seg(&ns), seg(&args.name))).await?;
        let nodes = wf["status"]["nodes"].as_object().cloned().unwrap_or_default();
        let mut copied = 0;
        for (id, node) in &nodes {
            let template = node["templateName"].as_str().unwrap_or_default();
            if args.node_id.as_deref().is_some_and(|n| n != id)
                || args.template_name.as_deref().is_some_and(|t| t != template)
            {
                continue;
            }
            let pod = engine::status::pod_name(
                &args.name,
                node["name"].as_str().unwrap_or_default(),
                template,
            );
            for a in node["outputs"]["artifacts"].as_array().into_iter().flatten() {
                let name = a["name"].as_str().unwrap_or_default();
                if args.artifact_name.as_deref().is_some_and(|n| n != name) {
                    continue;
                }
                let path = args
                    .path
                    .replace("{namespace}", &ns)
                    .replace("{workflowName}", &args.name)
                    .replace("{nodeId}", id)
                    .replace("{templateName}", template)
                    .replace("{podName}", &pod)
                    .replace("{artifactName}", name);
                let dir = args.dir.join(path.trim_start_matches('/'));
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let file = file_name(a).unwrap_or_else(|| name.to_string());
                let dest = dir.join(&file);
                let (ns, wf, id, name) = (seg(&ns), seg(&args.name), seg(id), seg(name));
                if a.get("archive").and_then(|a| a.get("none")).is_none() {
                    let url = format!("/artifacts/{ns}/{wf}/{id}/{name}");
                    let size = client.download(&url, &dest).await?;
                    println!("{} ({size} bytes)", dest.display());
                    copied += 1;
                    continue;
                }
                let files = format!("/artifact-files/{ns}/workflows/{wf}/{id}/outputs/{name}");
                let listing = client.get(&format!("{files}/")).await?;
                let paths: Vec<&str> = listing["files"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f["path"].as_str())
                    .collect();
                if paths == [file.as_str()] {
                    let size = client.download(&files, &dest).await?;
                    println!("{} ({size} bytes)", dest.display());
                    copied += 1;
                    continue;
                }
                for path in paths {
                    let rel = safe_relative(path)
                        .with_context(|| format!("the server listed a bad path {path:?}"))?;
                    let to = dest.join(&rel);
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent)
                            .with_context(|| format!("cannot create {}", parent.display()))?;
                    }
                    let url = path.split('/').map(seg).collect::<Vec<_>>().join("/");
                    let size = client.download(&format!("{files}/{url}"), &to).await?;
                    println!("{} ({size} bytes)", to.display());
                }
                copied += 1;
            }
        }
        if copied == 0 {
            eprintln!("no artifact of {} matches", args.name);
            return Ok(ExitCode::from(1));
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `path` as a relative path of plain names only.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = path.split('/').collect();
    let plain = parts.iter().all(|p| !p.is_empty() && *p != "." && *p != "..");
    plain.then(|| parts.iter().collect())
}

/// The last part of the artifact's key: the stored object's name.
fn file_name(a: &Value) -> Option<String> {
    let a: engine::spec::Artifact = serde_json::from_value(a.clone()).ok()?;
    let key = a.location.key()?;
    let name = key.rsplit('/').next()?;
    (!name.is_empty() && name != "." && name != "..").then(|| name.to_string())
}
