//! A pod's artifacts: the inputs it loads and the outputs it saves, with
//! every location made complete (Argo's `Relocate` of key-only locations
//! against the artifact repository, the keys of outputs that name no
//! location: `<keyFormat>/<name>.tgz`), and what a node's status records
//! of them once saved.

use crate::expr::Vars;
use crate::spec::{
    ArchiveStrategy, Artifact, ArtifactLocation, ArtifactRepository, Packing, Template,
};
use crate::substitute::{self, Mode};

/// The name Argo gives the archived log of the main container.
pub const MAIN_LOGS: &str = "main-logs";

/// What a pod moves, resolved at its launch.
#[derive(Debug, Default)]
pub struct PodArtifacts {
    /// Inline `raw` inputs.
    pub files: Vec<super::InlineFile>,
    pub inputs: Vec<Artifact>,
    pub outputs: Vec<Artifact>,
    pub log_location: Option<ArtifactLocation>,
}

/// Resolve a pod's artifacts: `bound` are its input artifacts as bound to
/// the call (see `template::bind_artifacts`), `vars` its scope (with
/// `pod.name`).
pub fn resolve(
    template: &Template,
    bound: &[Artifact],
    repo: &ArtifactRepository,
    spec_archive_logs: Option<bool>,
    vars: &Vars,
) -> Result<PodArtifacts, String> {
    let mut out = PodArtifacts::default();
    for a in bound {
        let Some(path) = a.path.clone() else {
            return Err(format!("input artifact '{}' has no path to load it to", a.name));
        };
        let Some(kind) = a.location.kind() else {
            if a.is_optional() {
                continue;
            }
            return Err(format!("required artifact '{}' not supplied", a.name));
        };
        if !kind.is_supported() {
            return Err(format!(
                "input artifact '{}': Keelson does not support {} artifacts",
                a.name,
                kind.field()
            ));
        }
        if let Some(raw) = &a.location.raw {
            // Permission bits only, as Argo applies them (a mode out of
            // range is the file's default).
            let mode = a.mode.and_then(|m| u32::try_from(m & 0o7777).ok());
            out.files.push(super::InlineFile { path, contents: raw.data.clone(), mode });
            continue;
        }
        let mut a = a.clone();
        if a.location.is_key_only() {
            a.location = repo.relocate(&a.location);
        }
        out.inputs.push(a);
    }
    let (base, _) = base_location(template, repo, vars)?;
    for d in &template.outputs.artifacts {
        out.outputs.push(output(d, &base, repo, vars)?);
    }
    if archives_logs(template, repo, spec_archive_logs) {
        out.log_location = Some(child(&base, "main.log"));
    }
    Ok(out)
}

/// Where a pod's outputs go when they name no location: the template's
/// `archiveLocation` if it names a store (a key-only one completed from
/// the repository), else the repository with its key format rendered.
/// The flag says whether it is the repository (a node's status then keeps
/// only keys).
fn base_location(
    template: &Template,
    repo: &ArtifactRepository,
    vars: &Vars,
) -> Result<(ArtifactLocation, bool), String> {
    if let Some(own) = template.archive_location.as_ref().filter(|l| l.has_store()) {
        let json = serde_json::to_value(own).map_err(|e| e.to_string())?;
        let json = substitute::value(&json, vars, Mode::Strict)
            .map_err(|e| format!("archiveLocation: {}", e.message))?;
        let own: ArtifactLocation = serde_json::from_value(json).map_err(|e| e.to_string())?;
        if own.is_key_only() {
            return Ok((repo.relocate(&own), true));
        }
        return Ok((own, false));
    }
    let key = substitute::string(repo.key_format(), vars, Mode::Strict)
        .map_err(|e| format!("the artifact repository's key format: {}", e.message))?;
    Ok((repo.location(key.trim_matches('/').to_string()), true))
}

/// `base` with `name` appended to its key.
fn child(base: &ArtifactLocation, name: &str) -> ArtifactLocation {
    let mut l = base.clone();
    let key = base.key().unwrap_or_default().trim_end_matches('/');
    let key = if key.is_empty() { name.to_string() } else { format!("{key}/{name}") };
    l.set_key(key);
    l
}

/// One output artifact of a pod, made complete.
fn output(
    d: &Artifact,
    base: &ArtifactLocation,
    repo: &ArtifactRepository,
    vars: &Vars,
) -> Result<Artifact, String> {
    let json = serde_json::to_value(d).map_err(|e| e.to_string())?;
    let json = substitute::value(&json, vars, Mode::AllowUnresolved).map_err(|e| e.message)?;
    let mut a: Artifact = serde_json::from_value(json).map_err(|e| e.to_string())?;
    let Some(path) = &a.path else {
        return Err(format!("output artifact '{}' has no path", a.name));
    };
    if let Some(kind) = a.location.kind() {
        if !kind.is_supported() {
            return Err(format!(
                "output artifact '{}': Keelson does not support {} artifacts",
                a.name,
                kind.field()
            ));
        }
        if a.location.key().is_none() {
            return Err(format!(
                "output artifact '{}': its {} location has no key",
                a.name,
                kind.field()
            ));
        }
        if a.location.is_key_only() {
            a.location = repo.relocate(&a.location);
        }
        return Ok(a);
    }
    let file = match ArchiveStrategy::packing(a.archive.as_ref()) {
        Packing::Tgz { .. } => format!("{}.tgz", a.name),
        Packing::Zip => format!("{}.zip", a.name),
        Packing::None => path.trim_end_matches('/').rsplit('/').next().unwrap_or(path).to_string(),
    };
    a.location = child(base, &file);
    Ok(a)
}

/// Whether the main container's log is archived: a `true` from the
/// repository wins; otherwise the template's `archiveLocation.archiveLogs`,
/// then `spec.archiveLogs` (Argo's `isArchiveLogs`).
fn archives_logs(template: &Template, repo: &ArtifactRepository, spec: Option<bool>) -> bool {
    if repo.archive_logs == Some(true) {
        return true;
    }
    template.archive_location.as_ref().and_then(|l| l.archive_logs).or(spec).unwrap_or(false)
}

/// What a node's status keeps of a saved artifact: an object in the
/// workflow's repository by key only (Argo's `s3: {key}`), any other
/// location in full.
pub fn recorded(saved: &Artifact, template: &Template, repo: &ArtifactRepository) -> Artifact {
    let declared = template.outputs.artifacts.iter().find(|d| d.name == saved.name);
    let own = declared.map(|d| &d.location).filter(|l| l.has_store() && !l.is_key_only());
    let template_own =
        template.archive_location.as_ref().filter(|l| l.has_store() && !l.is_key_only());
    let mut a = saved.clone();
    if own.is_none() && template_own.is_none() && same_store(&a.location, repo) {
        a.location = ArtifactLocation { archive_logs: None, ..a.location.key_only() };
    }
    a
}

fn same_store(l: &ArtifactLocation, repo: &ArtifactRepository) -> bool {
    l.kind() == repo.location(String::new()).kind()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn template(v: Value) -> Template {
        serde_json::from_value(v).unwrap_or_default()
    }

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("workflow.name", json!("wf"));
        v.insert("pod.name", json!("wf-gen-123"));
        v
    }

    #[test]
    fn outputs_without_a_location_go_under_the_key_format() {
        let t = template(json!({"name": "gen", "outputs": {"artifacts": [
            {"name": "a", "path": "/tmp/a"},
            {"name": "b", "path": "/tmp/dir/", "archive": {"none": {}}},
            {"name": "c", "path": "/tmp/c", "archive": {"zip": {}}},
            {"name": "d", "path": "/tmp/d", "s3": {"key": "fixed/d.txt"}}
        ]}}));
        let repo = ArtifactRepository::builtin();
        let p = resolve(&t, &[], &repo, None, &vars()).unwrap_or_default();
        let keys: Vec<_> = p.outputs.iter().map(|a| a.location.key().unwrap_or("")).collect();
        assert_eq!(
            keys,
            ["wf/wf-gen-123/a.tgz", "wf/wf-gen-123/dir", "wf/wf-gen-123/c.zip", "fixed/d.txt"]
        );
        assert!(p.outputs.iter().all(|a| a.location.builtin.is_some()));
        assert_eq!(p.log_location, None);
    }

    #[test]
    fn a_missing_required_input_is_named() {
        let t = template(json!({"name": "use"}));
        let bound =
            [Artifact { name: "x".into(), path: Some("/tmp/x".into()), ..Default::default() }];
        let err = resolve(&t, &bound, &ArtifactRepository::builtin(), None, &vars()).err();
        assert_eq!(err.as_deref(), Some("required artifact 'x' not supplied"));
        let optional = [Artifact { optional: Some(true), ..bound[0].clone() }];
        let ok = resolve(&t, &optional, &ArtifactRepository::builtin(), None, &vars());
        assert!(ok.is_ok_and(|p| p.inputs.is_empty()));
    }

    #[test]
    fn logs_are_archived_by_the_repository_or_the_template_or_the_spec() {
        let t = template(json!({"name": "t"}));
        let mut repo = ArtifactRepository::builtin();
        let on = |t: &Template, repo: &ArtifactRepository, spec| {
            resolve(t, &[], repo, spec, &vars()).ok().and_then(|p| p.log_location)
        };
        assert_eq!(on(&t, &repo, None), None);
        let l = on(&t, &repo, Some(true));
        assert_eq!(l.as_ref().and_then(|l| l.key()), Some("wf/wf-gen-123/main.log"));
        let off = template(json!({"name": "t", "archiveLocation": {"archiveLogs": false}}));
        assert_eq!(on(&off, &repo, Some(true)), None);
        repo.archive_logs = Some(true);
        assert!(on(&off, &repo, None).is_some());
    }

    #[test]
    fn the_status_keeps_only_the_key_of_a_repository_object() {
        let t = template(json!({"name": "gen", "outputs": {"artifacts": [
            {"name": "a", "path": "/tmp/a"}]}}));
        let repo: ArtifactRepository =
            serde_json::from_value(json!({"s3": {"bucket": "b", "endpoint": "e:9000"}}))
                .unwrap_or_default();
        let p = resolve(&t, &[], &repo, None, &vars()).unwrap_or_default();
        let kept = recorded(&p.outputs[0], &t, &repo);
        assert_eq!(
            serde_json::to_value(&kept).ok(),
            Some(json!({"name": "a", "path": "/tmp/a", "s3": {"key": "wf/wf-gen-123/a.tgz"}}))
        );
    }
}
