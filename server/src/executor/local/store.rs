//! Local stand-ins for Kubernetes Secrets and ConfigMaps, read from a
//! directory (`secrets/<name>/<key>`, `configmaps/<name>/<key>`, the way
//! Kubernetes mounts them), from one YAML/JSON file
//! (`{secrets: {name: {key: value}}, configMaps: {...}}`), or from
//! Kubernetes manifests (`kind: Secret` / `kind: ConfigMap` documents, as
//! `kubectl apply` takes them; a ConfigMap's annotations are kept).

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use engine::run::plan::repository::{ConfigMap, RepositorySource};
use serde_json::{Value, json};

use super::document;
use super::error::LoadError;

/// Name → key → value.
pub type Objects = BTreeMap<String, BTreeMap<String, String>>;

/// Secrets and config maps by name.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LocalStore {
    secrets: Objects,
    config_maps: Objects,
    /// ConfigMaps' annotations, by name (manifests only).
    annotations: Objects,
}

/// Names and keys only: a debug print must not reveal a secret.
impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = |o: &Objects| -> BTreeMap<String, Vec<String>> {
            o.iter().map(|(n, kv)| (n.clone(), kv.keys().cloned().collect())).collect()
        };
        f.debug_struct("LocalStore")
            .field("secrets", &keys(&self.secrets))
            .field("config_maps", &self.config_maps)
            .finish()
    }
}

/// Artifact stores' credentials come from the same secrets as a task's
/// environment.
impl artifacts::Secrets for LocalStore {
    fn value(&self, name: &str, key: &str) -> Result<String, String> {
        let secret = self.secret(name).ok_or_else(|| format!("there is no secret {name:?}"))?;
        secret.get(key).cloned().ok_or_else(|| format!("secret {name:?} has no key {key:?}"))
    }
}

/// Artifact repositories come from the config maps (`artifact-repositories`
/// and those a workflow's `artifactRepositoryRef` names). The local store
/// is one namespace's; only manifests carry the annotation naming a
/// ConfigMap's default key.
impl RepositorySource for LocalStore {
    fn config_map(&self, _namespace: &str, name: &str) -> Option<ConfigMap> {
        let data = self.config_maps.get(name)?.clone();
        let annotations = self.annotations.get(name).cloned().unwrap_or_default();
        Some(ConfigMap { data, annotations })
    }
}

impl LocalStore {
    pub fn empty() -> Self {
        LocalStore::default()
    }

    /// Load a directory or a YAML/JSON file (see the module docs).
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let meta = std::fs::metadata(path)
            .map_err(|source| LoadError::Io { path: path.into(), source })?;
        if meta.is_dir() {
            Ok(LocalStore {
                secrets: read_kind_dir(&path.join("secrets"))?,
                config_maps: read_kind_dir(&path.join("configmaps"))?,
                annotations: Objects::new(),
            })
        } else {
            let text = std::fs::read_to_string(path)
                .map_err(|source| LoadError::Io { path: path.into(), source })?;
            Self::parse(&text, path)
        }
    }

    /// Parse the file form or manifests from text (`origin` names it in
    /// errors).
    pub fn parse(text: &str, origin: &Path) -> Result<Self, LoadError> {
        let docs = document::parse_all(text, origin)?;
        let is_manifest = |d: &Value| d.get("kind").is_some() && d.get("apiVersion").is_some();
        if !docs.is_empty() && docs.iter().all(is_manifest) {
            return Self::from_manifests(docs, origin);
        }
        Self::from_json(document::parse(text, origin)?, origin)
    }

    fn from_manifests(docs: Vec<Value>, origin: &Path) -> Result<Self, LoadError> {
        let invalid = |message: String| LoadError::Invalid { path: origin.into(), message };
        let mut store = LocalStore::empty();
        for (i, doc) in docs.into_iter().enumerate() {
            let kind = doc["kind"].as_str().unwrap_or_default();
            let name = doc.pointer("/metadata/name").and_then(Value::as_str).ok_or_else(|| {
                invalid(format!("document {}: a {kind} without metadata.name", i + 1))
            })?;
            let strings = |field: &str| -> Result<BTreeMap<String, String>, LoadError> {
                match doc.get(field) {
                    None | Some(Value::Null) => Ok(BTreeMap::new()),
                    Some(v) => objects(json!({name: v}), field)
                        .map(|mut o| o.remove(name).unwrap_or_default())
                        .map_err(|e| invalid(format!("{kind} {name:?}: {e}"))),
                }
            };
            match kind {
                "ConfigMap" => {
                    store.config_maps.insert(name.into(), strings("data")?);
                    let annotations = doc
                        .pointer("/metadata/annotations")
                        .cloned()
                        .map(|a| objects(json!({name: a}), "metadata.annotations"))
                        .transpose()
                        .map_err(|e| invalid(format!("ConfigMap {name:?}: {e}")))?
                        .and_then(|mut o| o.remove(name))
                        .unwrap_or_default();
                    store.annotations.insert(name.into(), annotations);
                }
                "Secret" => {
                    let mut data = BTreeMap::new();
                    for (k, v) in strings("data")? {
                        let bytes =
                            base64::engine::general_purpose::STANDARD.decode(v.trim()).map_err(
                                |_| invalid(format!("Secret {name:?}: data.{k} is not base64")),
                            )?;
                        let text = String::from_utf8(bytes).map_err(|_| {
                            invalid(format!("Secret {name:?}: data.{k} is not UTF-8 text"))
                        })?;
                        data.insert(k, text);
                    }
                    data.extend(strings("stringData")?);
                    store.secrets.insert(name.into(), data);
                }
                other => {
                    return Err(invalid(format!(
                        "document {}: a {other}; only Secrets and ConfigMaps are read here",
                        i + 1
                    )));
                }
            }
        }
        Ok(store)
    }

    fn from_json(doc: Value, origin: &Path) -> Result<Self, LoadError> {
        let invalid = |message: String| LoadError::Invalid { path: origin.into(), message };
        let mut store = LocalStore::empty();
        let top = match doc {
            Value::Null => return Ok(store),
            Value::Object(m) => m,
            _ => return Err(invalid("expected a mapping with `secrets` and `configMaps`".into())),
        };
        for (field, value) in top {
            let target = match field.as_str() {
                "secrets" => &mut store.secrets,
                "configMaps" => &mut store.config_maps,
                _ => {
                    return Err(invalid(format!(
                        "unknown field `{field}`: expected `secrets` or `configMaps`"
                    )));
                }
            };
            *target = objects(value, &field).map_err(invalid)?;
        }
        Ok(store)
    }

    pub fn insert_secret(&mut self, name: &str, key: &str, value: &str) {
        self.secrets.entry(name.into()).or_default().insert(key.into(), value.into());
    }

    pub fn insert_config_map(&mut self, name: &str, key: &str, value: &str) {
        self.config_maps.entry(name.into()).or_default().insert(key.into(), value.into());
    }

    pub fn secret(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.secrets.get(name)
    }

    pub fn config_map(&self, name: &str) -> Option<&BTreeMap<String, String>> {
        self.config_maps.get(name)
    }
}

fn objects(value: Value, field: &str) -> Result<Objects, String> {
    let mut out = Objects::new();
    let Value::Object(by_name) = value else {
        return Err(format!("`{field}` must map names to {{key: value}}"));
    };
    for (name, keys) in by_name {
        let Value::Object(keys) = keys else {
            return Err(format!("`{field}.{name}` must map keys to values"));
        };
        let mut entry = BTreeMap::new();
        for (key, v) in keys {
            let s = document::scalar_string(&v)
                .ok_or_else(|| format!("`{field}.{name}.{key}` must be a string"))?;
            entry.insert(key, s);
        }
        out.insert(name, entry);
    }
    Ok(out)
}

/// `<dir>/<name>/<key>` files; a missing `<dir>` is simply empty.
fn read_kind_dir(dir: &Path) -> Result<Objects, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut out = Objects::new();
    let names = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(dir)(e)),
    };
    for name in names {
        let name = name.map_err(io(dir))?;
        if !name.file_type().map_err(io(&name.path()))?.is_dir() {
            continue;
        }
        let mut entry = BTreeMap::new();
        for key in std::fs::read_dir(name.path()).map_err(io(&name.path()))? {
            let key = key.map_err(io(&name.path()))?;
            if !key.file_type().map_err(io(&key.path()))?.is_file() {
                continue;
            }
            // Kept byte for byte, as a mounted secret would be.
            let value = std::fs::read_to_string(key.path()).map_err(io(&key.path()))?;
            entry.insert(key.file_name().to_string_lossy().into_owned(), value);
        }
        out.insert(name.file_name().to_string_lossy().into_owned(), entry);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_form() {
        let text = "secrets:\n  db:\n    password: s3cret\n    port: 5432\nconfigMaps:\n  cfg:\n    mode: fast\n";
        let s = LocalStore::parse(text, Path::new("store.yaml")).expect("valid store");
        assert_eq!(
            s.secret("db").and_then(|d| d.get("password")).map(String::as_str),
            Some("s3cret")
        );
        assert_eq!(s.secret("db").and_then(|d| d.get("port")).map(String::as_str), Some("5432"));
        assert_eq!(
            s.config_map("cfg").and_then(|d| d.get("mode")).map(String::as_str),
            Some("fast")
        );
        assert!(!format!("{s:?}").contains("s3cret"), "debug output hides secret values");
        let bad = LocalStore::parse("secret: {}\n", Path::new("s.yaml")).expect_err("typo");
        assert!(bad.to_string().contains("unknown field `secret`"), "{bad}");
    }

    #[test]
    fn manifest_form() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: artifact-repositories\n  annotations:\n    workflows.argoproj.io/default-artifact-repository: v1\ndata:\n  v1: |\n    s3: {bucket: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: cred}\ndata:\n  accessKey: YWRtaW4=\nstringData:\n  secretKey: pw\n";
        let s = LocalStore::parse(text, Path::new("k.yaml")).expect("manifests");
        let cm = RepositorySource::config_map(&s, "any", "artifact-repositories").expect("cm");
        assert_eq!(
            cm.annotations
                .get(engine::run::plan::repository::DEFAULT_KEY_ANNOTATION)
                .map(String::as_str),
            Some("v1")
        );
        assert_eq!(cm.data.get("v1").map(String::as_str), Some("s3: {bucket: b}\n"));
        let cred = s.secret("cred").expect("secret");
        assert_eq!(cred.get("accessKey").map(String::as_str), Some("admin"));
        assert_eq!(cred.get("secretKey").map(String::as_str), Some("pw"));
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
        let e = LocalStore::parse(pod, Path::new("p.yaml")).expect_err("a pod");
        assert!(e.to_string().contains("only Secrets and ConfigMaps"), "{e}");
        let bad = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: '%%%'}\n";
        let e = LocalStore::parse(bad, Path::new("s.yaml")).expect_err("not base64");
        assert!(e.to_string().contains("data.k is not base64"), "{e}");
    }

    #[test]
    fn directory_form() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("secrets/db")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("configmaps/cfg")).expect("mkdir");
        std::fs::write(dir.path().join("secrets/db/password"), "pw\n").expect("write");
        std::fs::write(dir.path().join("configmaps/cfg/mode"), "fast").expect("write");
        let s = LocalStore::load(dir.path()).expect("valid store dir");
        assert_eq!(
            s.secret("db").and_then(|d| d.get("password")).map(String::as_str),
            Some("pw\n")
        );
        assert_eq!(
            s.config_map("cfg").and_then(|d| d.get("mode")).map(String::as_str),
            Some("fast")
        );
    }
}
