//! Files uploaded to become a submission's input artifacts, as Argo
//! Server's `/upload-artifacts/{namespace}/{workflowTemplate}/{artifact}`
//! takes them: the artifact must be one of the WorkflowTemplate's
//! `spec.arguments.artifacts`; the file is stored at
//! `uploads/{namespace}/{uuid}/{file name}` in that artifact's store, or
//! else the repository the template's runs would use; the key is
//! returned, and a submission of the template names it
//! (`submitOptions.artifacts: ["name=key"]`). Without a template (a
//! Keelson extension, for `keelson submit FILE --artifact name=PATH`) the
//! namespace's default repository is used and the whole location is
//! returned, to be put in the Workflow's own arguments.

use bytes::Bytes;
use engine::run::plan::repository;
use engine::spec::{Artifact, ArtifactLocation, ArtifactRepositoryRef};
use futures_util::Stream;
use serde_json::json;

use super::submission::uid;
use super::{Controller, ControllerError};

/// Argo's cap on an upload (`ARGO_SERVER_MAX_ARTIFACT_UPLOAD_BYTES`).
pub const MAX_UPLOAD: u64 = 1 << 30;

/// A stored upload.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub key: String,
    /// Where it is, complete (store, bucket, credentials' secret names).
    pub location: ArtifactLocation,
}

impl Controller {
    /// Store `body` (named `file_name` by the client) for artifact
    /// `artifact` of WorkflowTemplate `template` (or, with none, of a
    /// Workflow of `namespace`).
    pub async fn upload_artifact<S>(
        &self,
        namespace: &str,
        template: Option<&str>,
        artifact: &str,
        file_name: &str,
        body: S,
    ) -> Result<Uploaded, ControllerError>
    where
        S: Stream<Item = Result<Bytes, String>> + Send + 'static,
    {
        let file = sanitized(file_name)?;
        let key = format!("uploads/{namespace}/{}/{file}", uid());
        let template = template.map(|t| (t, false));
        let catalog = self.catalog(namespace).await?;
        let location = self.upload_location(namespace, &catalog, template, artifact, &key).await?;
        let access = self.store_access(namespace, &[&location]).await?;
        let failed = |e| ControllerError::Invalid(format!("artifact '{artifact}': {e}"));
        let opened = artifacts::store::open(&location, &access.context()).map_err(failed)?;
        artifacts::transfer::upload_body(
            opened.store.as_ref(),
            &opened.describe,
            &opened.key,
            body,
            MAX_UPLOAD,
        )
        .await
        .map_err(failed)?;
        Ok(Uploaded { key, location })
    }

    /// A template's argument artifacts with the uploads `overrides` names
    /// (`name=key`, Argo's `submitOptions.artifacts`), for a submission
    /// of it: each a copy of the template's, at the uploaded key.
    pub async fn uploaded_arguments(
        &self,
        namespace: &str,
        (template, cluster): (&str, bool),
        overrides: &[(String, String)],
    ) -> Result<Vec<Artifact>, ControllerError> {
        let catalog = self.catalog(namespace).await?;
        let t = found(&catalog, namespace, template, cluster)?;
        let mut out = Vec::new();
        for (name, key) in overrides {
            if !is_upload_key(namespace, key) {
                return Err(ControllerError::Invalid(format!(
                    "invalid artifact key override for {name}: {key:?} is not an upload's key \
                     (uploads/{namespace}/{{uuid}}/{{file}})"
                )));
            }
            let mut a =
                template_artifact(&t.spec.arguments.artifacts, name, namespace, template)?.clone();
            let on = Some((template, cluster));
            a.location = self.upload_location(namespace, &catalog, on, name, key).await?;
            out.push(a);
        }
        Ok(out)
    }

    /// Where an upload for `artifact` goes, at `key` (`catalog`: the
    /// namespace's templates, read once by the caller).
    async fn upload_location(
        &self,
        namespace: &str,
        catalog: &engine::spec::Catalog,
        template: Option<(&str, bool)>,
        artifact: &str,
        key: &str,
    ) -> Result<ArtifactLocation, ControllerError> {
        let mut reference: Option<ArtifactRepositoryRef> = None;
        let mut workflow = json!({"spec": {}});
        if let Some((name, cluster)) = template {
            let t = found(catalog, namespace, name, cluster)?;
            let own = template_artifact(&t.spec.arguments.artifacts, artifact, namespace, name)?;
            // A keyed store of its own takes the upload; one without keys
            // (`raw`, `http`, `git`) gives way to the repository.
            if own.location.has_store() && !own.location.is_key_only() {
                let mut location = own.location.clone();
                if location.set_key(key.to_string()) {
                    return Ok(location);
                }
            }
            reference = t.spec.artifact_repository_ref.clone();
            workflow =
                json!({"spec": {"workflowTemplateRef": {"name": name, "clusterScope": cluster}}});
        }
        let repositories = self.repositories(namespace, &workflow, catalog).await?;
        let resolved = repository::resolve(reference.as_ref(), namespace, &repositories)
            .map_err(|e| ControllerError::Invalid(e.to_string()))?;
        let repository =
            resolved.artifact_repository.unwrap_or_else(engine::spec::ArtifactRepository::builtin);
        Ok(repository.location(key.to_string()))
    }
}

fn found<'a>(
    catalog: &'a engine::spec::Catalog,
    namespace: &str,
    name: &str,
    cluster: bool,
) -> Result<&'a engine::spec::Workflow, ControllerError> {
    catalog.get(name, cluster).ok_or_else(|| {
        let kind = if cluster { "clusterworkflowtemplates" } else { "workflowtemplates" };
        ControllerError::ObjectNotFound(format!(
            "{kind}.argoproj.io {name:?} not found in namespace {namespace:?}"
        ))
    })
}

fn template_artifact<'a>(
    artifacts: &'a [Artifact],
    name: &str,
    namespace: &str,
    template: &str,
) -> Result<&'a Artifact, ControllerError> {
    artifacts.iter().find(|a| a.name == name).ok_or_else(|| {
        ControllerError::ObjectNotFound(format!(
            "Artifact '{name}' not found in WorkflowTemplate {namespace}/{template} \
             arguments.artifacts"
        ))
    })
}

/// The client's file name without any directory (`..`, `/` and `\` are
/// not taken), as Argo sanitises it.
fn sanitized(file_name: &str) -> Result<String, ControllerError> {
    let base = file_name.replace('\\', "/");
    let base = base.rsplit('/').next().unwrap_or_default();
    if base.is_empty() || base == "." || base == ".." {
        return Err(ControllerError::Invalid(format!("invalid file name {file_name:?}")));
    }
    Ok(base.to_string())
}

/// Whether `key` is one an upload to `namespace` made
/// (`uploads/{namespace}/{uuid}/{file}`): a submission may name no other.
pub fn is_upload_key(namespace: &str, key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    matches!(parts.as_slice(), ["uploads", ns, id, file]
        if *ns == namespace
            && id.len() == 36
            && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && !file.is_empty() && *file != "." && *file != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(sanitized("data.csv").ok().as_deref(), Some("data.csv"));
        assert_eq!(sanitized("../../etc/passwd").ok().as_deref(), Some("passwd"));
        assert_eq!(sanitized("C:\\Users\\me\\x.bin").ok().as_deref(), Some("x.bin"));
        assert!(sanitized("..").is_err() && sanitized("dir/").is_err() && sanitized("").is_err());
    }

    #[test]
    fn only_keys_an_upload_made_are_taken() {
        let id = "0b8e3c2a-5f7d-4c1e-9a6b-2d4f8e1c3a5b";
        assert!(is_upload_key("ns", &format!("uploads/ns/{id}/data.csv")));
        assert!(!is_upload_key("other", &format!("uploads/ns/{id}/data.csv")));
        assert!(!is_upload_key("ns", &format!("uploads/ns/{id}/../x")));
        assert!(!is_upload_key("ns", "uploads/ns/short/data.csv"));
        assert!(!is_upload_key("ns", &format!("other/ns/{id}/data.csv")));
        assert!(!is_upload_key("ns", &format!("uploads/ns/{id}/a/b")));
    }
}
