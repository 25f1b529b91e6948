//! Turning command-line paths into the files a verb reads.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Spec files named by `paths`: files as given, directories searched
/// recursively for YAML and JSON, in a stable (sorted) order.
pub fn spec_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        // `-` is standard input, as for `argo lint`.
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            let before = out.len();
            collect(p, &mut out)?;
            if out.len() == before {
                bail!("{} holds no .yaml, .yml or .json files", p.display());
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if matches!(e.extension().and_then(|x| x.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(e);
        }
    }
    Ok(())
}

/// Every Argo resource in the files (and directories) named by `paths`:
/// its file, its JSON and its typed form. A file that cannot be read or
/// parsed is an error; documents that are not Argo resources are skipped.
pub fn documents(
    paths: &[PathBuf],
) -> anyhow::Result<Vec<(PathBuf, serde_json::Value, engine::spec::Document)>> {
    let mut out = Vec::new();
    for path in spec_files(paths)? {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let nodes = engine::yaml::load_str(&text, engine::yaml::Limits::default())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        for node in nodes {
            let json = node.to_json();
            if let Ok(doc) = engine::spec::decode(json.clone()) {
                out.push((path.clone(), json, doc));
            }
        }
    }
    Ok(out)
}

/// A repository file (`--artifact-repository`): Argo's `artifactRepository`
/// shape, YAML or JSON.
pub fn artifact_repository(path: &Path) -> anyhow::Result<engine::spec::ArtifactRepository> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    engine::run::plan::repository::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: not an artifact repository: {e}", path.display()))
}
