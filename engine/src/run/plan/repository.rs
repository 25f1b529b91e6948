//! Which artifact repository a run's outputs go to, resolved once at
//! submission in Argo's order (`workflow/artifactrepositories`):
//!
//! - with `spec.artifactRepositoryRef`: the ConfigMap it names (default
//!   `artifact-repositories`) in the workflow's namespace, then in the
//!   controller's; the key is the ref's, or the ConfigMap's
//!   `workflows.argoproj.io/default-artifact-repository` annotation;
//! - without: the workflow namespace's `artifact-repositories` ConfigMap,
//!   then the server's default repository — and where the server has none,
//!   Keelson's built-in one (Argo has no such fallback: its runs fail to
//!   save).
//!
//! A missing ConfigMap falls through to the next place; a ConfigMap that
//! is there but lacks the key is an error, as in Argo. The result is
//! frozen into `status.artifactRepositoryRef` with the repository itself,
//! so later edits of the ConfigMap do not move a running workflow's
//! outputs.

use std::collections::BTreeMap;

use super::PlanError;
use crate::spec::{ArtifactRepository, ArtifactRepositoryRef, ArtifactRepositoryRefStatus};

/// The ConfigMap a ref names when it names none.
pub const CONFIG_MAP: &str = "artifact-repositories";

/// The annotation naming a ConfigMap's default key.
pub const DEFAULT_KEY_ANNOTATION: &str = "workflows.argoproj.io/default-artifact-repository";

/// A ConfigMap as resolution reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigMap {
    pub data: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// Where repositories come from.
pub trait RepositorySource {
    /// The ConfigMap `name` in `namespace`, if there is one.
    fn config_map(&self, namespace: &str, name: &str) -> Option<ConfigMap>;
    /// The controller's own namespace (Kubernetes mode), searched after
    /// the workflow's for a ref's ConfigMap.
    fn controller_namespace(&self) -> Option<&str> {
        None
    }
    /// The server's default repository (`--artifact-repository`).
    fn default_repository(&self) -> Option<&ArtifactRepository> {
        None
    }
}

/// No ConfigMaps and no server default: every run without a ref uses the
/// built-in repository.
pub struct BuiltinOnly;

impl RepositorySource for BuiltinOnly {
    fn config_map(&self, _: &str, _: &str) -> Option<ConfigMap> {
        None
    }
}

/// Resolve the repository of a workflow in `namespace` with `reference`
/// (its `spec.artifactRepositoryRef`).
pub fn resolve(
    reference: Option<&ArtifactRepositoryRef>,
    namespace: &str,
    source: &dyn RepositorySource,
) -> Result<ArtifactRepositoryRefStatus, PlanError> {
    let mut namespaces = vec![namespace];
    if let Some(ns) = source.controller_namespace().filter(|ns| *ns != namespace)
        && reference.is_some()
    {
        namespaces.push(ns);
    }
    let empty = ArtifactRepositoryRef::default();
    let wanted = reference.unwrap_or(&empty);
    let name = wanted.config_map.as_deref().filter(|n| !n.is_empty()).unwrap_or(CONFIG_MAP);
    for ns in namespaces {
        let Some(cm) = source.config_map(ns, name) else { continue };
        let key = match wanted.key.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => k.to_string(),
            None => cm.annotations.get(DEFAULT_KEY_ANNOTATION).cloned().ok_or_else(|| {
                PlanError(format!(
                    "artifact repository: config map {name:?} in namespace {ns:?} names no key \
                     and has no {DEFAULT_KEY_ANNOTATION:?} annotation"
                ))
            })?,
        };
        let text = cm.data.get(&key).ok_or_else(|| {
            PlanError(format!(
                "artifact repository: config map {name:?} in namespace {ns:?} has no key {key:?}"
            ))
        })?;
        let repository = parse(text).map_err(|e| {
            PlanError(format!(
                "artifact repository: key {key:?} of config map {name:?} in namespace {ns:?}: {e}"
            ))
        })?;
        return Ok(ArtifactRepositoryRefStatus {
            config_map: Some(name.to_string()),
            key: Some(key),
            namespace: Some(ns.to_string()),
            default: false,
            artifact_repository: Some(repository),
        });
    }
    if let Some(r) = reference {
        return Err(PlanError(format!(
            "failed to find any artifact repository: config map {name:?}{} not found in \
             namespace {namespace:?}",
            r.key.as_deref().map(|k| format!(" (key {k:?})")).unwrap_or_default()
        )));
    }
    let repository =
        source.default_repository().cloned().unwrap_or_else(ArtifactRepository::builtin);
    Ok(ArtifactRepositoryRefStatus {
        default: true,
        artifact_repository: Some(repository),
        ..Default::default()
    })
}

/// A repository as Argo's ConfigMaps and `artifactRepository` settings
/// write it (YAML or JSON).
pub fn parse(text: &str) -> Result<ArtifactRepository, String> {
    let docs = crate::yaml::load_str(text, crate::yaml::Limits::default())
        .map_err(|e| format!("line {}: {}", e.position.line, e.message))?;
    let [doc] = docs.as_slice() else {
        return Err("expected one YAML document".into());
    };
    let repository: ArtifactRepository =
        serde_json::from_value(doc.to_json()).map_err(|e| e.to_string())?;
    let kinds = repository.kinds();
    match kinds.as_slice() {
        [_] => Ok(repository),
        [] => Err("names no store (s3, gcs, azure, …)".into()),
        many => Err(format!("names more than one store: {}", many.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Maps(Vec<(&'static str, &'static str, ConfigMap)>, Option<ArtifactRepository>);

    impl RepositorySource for Maps {
        fn config_map(&self, namespace: &str, name: &str) -> Option<ConfigMap> {
            self.0.iter().find(|(ns, n, _)| *ns == namespace && *n == name).map(|m| m.2.clone())
        }
        fn controller_namespace(&self) -> Option<&str> {
            Some("argo")
        }
        fn default_repository(&self) -> Option<&ArtifactRepository> {
            self.1.as_ref()
        }
    }

    fn cm(data: &[(&str, &str)], default_key: Option<&str>) -> ConfigMap {
        ConfigMap {
            data: data.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            annotations: default_key
                .map(|k| (DEFAULT_KEY_ANNOTATION.to_string(), k.to_string()))
                .into_iter()
                .collect(),
        }
    }

    const S3: &str = "s3:\n  bucket: my-bucket\n  endpoint: minio:9000\n  insecure: true\n";

    #[test]
    fn without_anything_the_built_in_repository_is_the_default() {
        let r = resolve(None, "default", &BuiltinOnly).expect("resolves");
        assert!(r.default);
        assert_eq!(r.artifact_repository, Some(ArtifactRepository::builtin()));
    }

    #[test]
    fn the_namespaces_config_map_beats_the_servers_default() {
        let server =
            ArtifactRepository { archive_logs: Some(true), ..ArtifactRepository::builtin() };
        let maps = Maps(
            vec![("default", CONFIG_MAP, cm(&[("v1", S3)], Some("v1")))],
            Some(server.clone()),
        );
        let r = resolve(None, "default", &maps).expect("resolves");
        assert_eq!(
            (r.config_map.as_deref(), r.key.as_deref(), r.namespace.as_deref(), r.default),
            (Some(CONFIG_MAP), Some("v1"), Some("default"), false)
        );
        let s3 = r.artifact_repository.and_then(|a| a.s3).expect("s3");
        assert_eq!(s3.bucket.bucket.as_deref(), Some("my-bucket"));
        let r = resolve(None, "other", &maps).expect("resolves");
        assert!(r.default);
        assert_eq!(r.artifact_repository, Some(server));
    }

    #[test]
    fn a_ref_looks_in_the_controllers_namespace_too_and_fails_when_nowhere() {
        let maps = Maps(vec![("argo", "repos", cm(&[("my-key", S3)], None))], None);
        let wanted =
            ArtifactRepositoryRef { config_map: Some("repos".into()), key: Some("my-key".into()) };
        let r = resolve(Some(&wanted), "default", &maps).expect("resolves");
        assert_eq!(r.namespace.as_deref(), Some("argo"));
        let missing = ArtifactRepositoryRef { config_map: None, key: Some("my-key".into()) };
        let e = resolve(Some(&missing), "default", &maps).expect_err("no artifact-repositories");
        assert!(e.0.contains("failed to find any artifact repository"), "{e}");
    }

    #[test]
    fn a_present_config_map_without_the_key_is_an_error() {
        let maps = Maps(vec![("default", CONFIG_MAP, cm(&[("v1", S3)], None))], None);
        let e = resolve(None, "default", &maps).expect_err("no annotation");
        assert!(
            e.0.contains("has no \"workflows.argoproj.io/default-artifact-repository\""),
            "{e}"
        );
        let wanted = ArtifactRepositoryRef { config_map: None, key: Some("v2".into()) };
        let e = resolve(Some(&wanted), "default", &maps).expect_err("no v2");
        assert!(e.0.contains("has no key \"v2\""), "{e}");
    }

    #[test]
    fn a_repository_names_exactly_one_store() {
        assert!(parse("archiveLogs: true\n").expect_err("none").contains("names no store"));
        let both = "s3: {bucket: a}\ngcs: {bucket: b}\n";
        assert!(parse(both).expect_err("two").contains("more than one store: s3, gcs"));
        assert!(parse("s3: [").is_err());
        let r =
            parse("archiveLogs: true\nbuiltin: {keyFormat: 'x/{{workflow.name}}'}\n").expect("ok");
        assert_eq!(r.key_format(), "x/{{workflow.name}}");
    }
}
