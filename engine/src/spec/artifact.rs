//! Artifacts and where they live: Argo's `Artifact`, `ArtifactLocation`
//! (one of s3, gcs, azure, http, git, raw, … per artifact), archive
//! strategies, `artifactGC`, and the artifact repositories a workflow's
//! outputs go to by default (`ArtifactRepository`, `artifactRepositoryRef`).
//!
//! `builtin` is Keelson's own location: the repository in the server's
//! data directory (or a `keelson run` directory) used when none is
//! configured. Go's and Hera's decoders ignore the field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::container::KeyRef;

/// An artifact: declared by a template (`inputs`/`outputs`), passed as an
/// argument, or recorded in a node's status with where it was stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    #[serde(default)]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// File mode bits applied to a loaded input (`0755` in YAML is 493).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// A path inside the artifact to use instead of the whole of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// Apply `mode` to every file under a directory, not just the top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurse_mode: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveStrategy>,
    #[serde(rename = "artifactGC", skip_serializing_if = "Option::is_none")]
    pub artifact_gc: Option<ArtifactGc>,
    /// Status only: the object was garbage-collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(flatten)]
    pub location: ArtifactLocation,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Artifact {
    pub fn is_optional(&self) -> bool {
        self.optional == Some(true)
    }
}

/// Where an artifact is: at most one store is set (Argo's
/// `ArtifactLocation`, inlined into [`Artifact`] and used on its own as a
/// template's `archiveLocation`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_logs: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Artifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs: Option<GcsArtifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureArtifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpArtifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git: Option<GitArtifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawArtifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builtin: Option<BuiltinArtifact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hdfs: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifactory: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
}

/// The kind of store a location names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    S3,
    Gcs,
    Azure,
    Http,
    Git,
    Raw,
    Builtin,
    Oss,
    Hdfs,
    Artifactory,
    Plugin,
}

impl StoreKind {
    /// The field that names it (`s3`, `gcs`, …).
    pub fn field(self) -> &'static str {
        match self {
            StoreKind::S3 => "s3",
            StoreKind::Gcs => "gcs",
            StoreKind::Azure => "azure",
            StoreKind::Http => "http",
            StoreKind::Git => "git",
            StoreKind::Raw => "raw",
            StoreKind::Builtin => "builtin",
            StoreKind::Oss => "oss",
            StoreKind::Hdfs => "hdfs",
            StoreKind::Artifactory => "artifactory",
            StoreKind::Plugin => "plugin",
        }
    }

    /// Stores Keelson reads and writes.
    pub fn is_supported(self) -> bool {
        !matches!(
            self,
            StoreKind::Oss | StoreKind::Hdfs | StoreKind::Artifactory | StoreKind::Plugin
        )
    }
}

impl ArtifactLocation {
    /// The stores set, in field order (a valid location has at most one).
    pub fn kinds(&self) -> Vec<StoreKind> {
        let set = [
            (self.s3.is_some(), StoreKind::S3),
            (self.gcs.is_some(), StoreKind::Gcs),
            (self.azure.is_some(), StoreKind::Azure),
            (self.http.is_some(), StoreKind::Http),
            (self.git.is_some(), StoreKind::Git),
            (self.raw.is_some(), StoreKind::Raw),
            (self.builtin.is_some(), StoreKind::Builtin),
            (self.oss.is_some(), StoreKind::Oss),
            (self.hdfs.is_some(), StoreKind::Hdfs),
            (self.artifactory.is_some(), StoreKind::Artifactory),
            (self.plugin.is_some(), StoreKind::Plugin),
        ];
        set.into_iter().filter_map(|(on, k)| on.then_some(k)).collect()
    }

    /// The one store set, if any.
    pub fn kind(&self) -> Option<StoreKind> {
        self.kinds().first().copied()
    }

    /// Whether a store is named at all (`archiveLogs` alone is not one).
    pub fn has_store(&self) -> bool {
        self.kind().is_some()
    }

    /// The object key (blob name for Azure) of a keyed store.
    pub fn key(&self) -> Option<&str> {
        if let Some(s) = &self.s3 {
            return s.key.as_deref();
        }
        if let Some(g) = &self.gcs {
            return g.key.as_deref();
        }
        if let Some(a) = &self.azure {
            return a.blob.as_deref();
        }
        self.builtin.as_ref().and_then(|b| b.key.as_deref())
    }

    /// Set the key of the keyed store this location names; false when it
    /// names none.
    pub fn set_key(&mut self, key: String) -> bool {
        if let Some(s) = &mut self.s3 {
            s.key = Some(key);
        } else if let Some(g) = &mut self.gcs {
            g.key = Some(key);
        } else if let Some(a) = &mut self.azure {
            a.blob = Some(key);
        } else if let Some(b) = &mut self.builtin {
            b.key = Some(key);
        } else {
            return false;
        }
        true
    }

    /// A location that gives only a key (`s3: {key: x}`): Argo completes it
    /// from the artifact repository (bucket, endpoint, credentials).
    pub fn is_key_only(&self) -> bool {
        let bare = |b: &S3Bucket| b.bucket.is_none() && b.endpoint.is_none();
        if let Some(s) = &self.s3 {
            return bare(&s.bucket);
        }
        if let Some(g) = &self.gcs {
            return g.bucket.bucket.is_none();
        }
        if let Some(a) = &self.azure {
            return a.container.container.is_none() && a.container.endpoint.is_none();
        }
        self.builtin.is_some()
    }

    /// Only the key of this location, in the same kind of store: what a
    /// node's status records of a saved artifact (Argo keeps `s3: {key}`
    /// and finds the rest in `status.artifactRepositoryRef`).
    pub fn key_only(&self) -> ArtifactLocation {
        let key = self.key().map(str::to_string);
        let mut out = ArtifactLocation::default();
        if self.s3.is_some() {
            out.s3 = Some(S3Artifact { key, ..Default::default() });
        } else if self.gcs.is_some() {
            out.gcs = Some(GcsArtifact { key, ..Default::default() });
        } else if self.azure.is_some() {
            out.azure = Some(AzureArtifact { blob: key, ..Default::default() });
        } else if self.builtin.is_some() {
            out.builtin = Some(BuiltinArtifact { key });
        } else {
            return self.clone();
        }
        out
    }
}

/// An S3 (or S3-compatible) bucket and how to reach it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Bucket {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Plain HTTP instead of HTTPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_secret: Option<KeyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key_secret: Option<KeyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token_secret: Option<KeyRef>,
    #[serde(rename = "roleARN", skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(rename = "useSDKCreds", skip_serializing_if = "Option::is_none")]
    pub use_sdk_creds: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_bucket_if_not_present: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_secret: Option<KeyRef>,
    /// Path-style requests (`endpoint/bucket/key`), Keelson's default for
    /// a custom endpoint, as MinIO expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_path_style: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Artifact {
    #[serde(flatten)]
    pub bucket: S3Bucket,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GcsBucket {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_key_secret: Option<KeyRef>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GcsArtifact {
    #[serde(flatten)]
    pub bucket: GcsBucket,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureContainer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_key_secret: Option<KeyRef>,
    #[serde(rename = "useSDKCreds", skip_serializing_if = "Option::is_none")]
    pub use_sdk_creds: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureArtifact {
    #[serde(flatten)]
    pub container: AzureContainer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
}

/// A file fetched over HTTP(S).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpArtifact {
    #[serde(default)]
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeader>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<HttpAuth>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpHeader {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpAuth {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasicAuth {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_secret: Option<KeyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_secret: Option<KeyRef>,
}

/// A Git repository checked out as an input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitArtifact {
    #[serde(default)]
    pub repo: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fetch: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_secret: Option<KeyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_secret: Option<KeyRef>,
    #[serde(rename = "sshPrivateKeySecret", skip_serializing_if = "Option::is_none")]
    pub ssh_private_key_secret: Option<KeyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_ignore_host_key: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_submodules: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_branch: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An input given inline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawArtifact {
    #[serde(default)]
    pub data: String,
}

/// An object in Keelson's built-in repository.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuiltinArtifact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// How an output is packed: tar+gzip (the default), zip, or as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveStrategy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tar: Option<TarStrategy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub none: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TarStrategy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression_level: Option<i64>,
}

/// An output's packing, decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Packing {
    /// tar+gzip at this level (gzip's 0–9; -1 is the default, 6).
    Tgz {
        level: i64,
    },
    Zip,
    /// The file as it is; a directory as one object per file.
    None,
}

impl ArchiveStrategy {
    pub fn packing(strategy: Option<&ArchiveStrategy>) -> Packing {
        match strategy {
            Some(s) if s.none.is_some() => Packing::None,
            Some(s) if s.zip.is_some() => Packing::Zip,
            Some(s) => Packing::Tgz {
                level: s.tar.as_ref().and_then(|t| t.compression_level).unwrap_or(-1),
            },
            None => Packing::Tgz { level: -1 },
        }
    }
}

/// `artifactGC` of an artifact or (with more fields, kept in `other`) of
/// the workflow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactGc {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_finalizer_removal: Option<bool>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Argo's GC strategies.
pub const ARTIFACT_GC_STRATEGIES: &[&str] =
    &["OnWorkflowCompletion", "OnWorkflowDeletion", "Never"];

/// `spec.artifactRepositoryRef`: a key of a ConfigMap of repositories.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactRepositoryRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Where a workflow's outputs go by default (Argo's `ArtifactRepository`;
/// `builtin` is Keelson's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactRepository {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_logs: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Repository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs: Option<GcsRepository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureRepository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builtin: Option<BuiltinRepository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hdfs: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifactory: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Argo's default key format: one folder per pod.
pub const DEFAULT_KEY_FORMAT: &str = "{{workflow.name}}/{{pod.name}}";

impl ArtifactRepository {
    /// The built-in repository with Argo's key format.
    pub fn builtin() -> ArtifactRepository {
        ArtifactRepository { builtin: Some(BuiltinRepository::default()), ..Default::default() }
    }

    /// The stores the repository names (one, when it is valid).
    pub fn kinds(&self) -> Vec<&'static str> {
        [
            ("s3", self.s3.is_some()),
            ("gcs", self.gcs.is_some()),
            ("azure", self.azure.is_some()),
            ("builtin", self.builtin.is_some()),
            ("oss", self.oss.is_some()),
            ("hdfs", self.hdfs.is_some()),
            ("artifactory", self.artifactory.is_some()),
            ("plugin", self.plugin.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }

    /// The template of the keys of outputs that name no location.
    pub fn key_format(&self) -> &str {
        let f = if let Some(s) = &self.s3 {
            s.key_format.as_deref()
        } else if let Some(g) = &self.gcs {
            g.key_format.as_deref()
        } else if let Some(a) = &self.azure {
            a.blob_name_format.as_deref()
        } else {
            self.builtin.as_ref().and_then(|b| b.key_format.as_deref())
        };
        f.filter(|f| !f.is_empty()).unwrap_or(DEFAULT_KEY_FORMAT)
    }

    /// A key-only location (`s3: {key}`) completed from the repository:
    /// its store, bucket and credentials, the location's own key.
    pub fn relocate(&self, location: &ArtifactLocation) -> ArtifactLocation {
        let mut l = self.location(location.key().unwrap_or_default().to_string());
        l.archive_logs = location.archive_logs;
        l
    }

    /// The repository as a location with `key`.
    pub fn location(&self, key: String) -> ArtifactLocation {
        let mut l = ArtifactLocation { archive_logs: self.archive_logs, ..Default::default() };
        if let Some(s) = &self.s3 {
            l.s3 = Some(S3Artifact { bucket: s.bucket.clone(), key: Some(key) });
        } else if let Some(g) = &self.gcs {
            l.gcs = Some(GcsArtifact { bucket: g.bucket.clone(), key: Some(key) });
        } else if let Some(a) = &self.azure {
            l.azure = Some(AzureArtifact { container: a.container.clone(), blob: Some(key) });
        } else if self.builtin.is_some() {
            l.builtin = Some(BuiltinArtifact { key: Some(key) });
        } else {
            l.oss = self.oss.clone();
            l.hdfs = self.hdfs.clone();
            l.artifactory = self.artifactory.clone();
            l.plugin = self.plugin.clone();
        }
        l
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Repository {
    #[serde(flatten)]
    pub bucket: S3Bucket,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_format: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GcsRepository {
    #[serde(flatten)]
    pub bucket: GcsBucket,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_format: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureRepository {
    #[serde(flatten)]
    pub container: AzureContainer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_name_format: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuiltinRepository {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_format: Option<String>,
}

/// `status.artifactRepositoryRef`: the repository a run resolved, frozen
/// for its life (Argo's `ArtifactRepositoryRefStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactRepositoryRefStatus {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The server's default repository, not a ConfigMap's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_repository: Option<ArtifactRepository>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_artifact_reads_and_writes_argos_json() {
        let v = json!({
            "name": "out", "path": "/tmp/x", "mode": 493,
            "s3": {"endpoint": "minio:9000", "bucket": "b", "key": "k/x.tgz",
                   "accessKeySecret": {"name": "cred", "key": "a"}, "useSDKCreds": false},
            "archive": {"tar": {"compressionLevel": 1}},
            "artifactGC": {"strategy": "OnWorkflowDeletion"},
            "extra": 1
        });
        let a: Artifact = serde_json::from_value(v.clone()).unwrap_or_default();
        assert_eq!(a.location.kind(), Some(StoreKind::S3));
        assert_eq!(a.location.key(), Some("k/x.tgz"));
        assert!(!a.location.is_key_only());
        assert_eq!(ArchiveStrategy::packing(a.archive.as_ref()), Packing::Tgz { level: 1 });
        assert_eq!(a.other.get("extra"), Some(&json!(1)));
        assert_eq!(serde_json::to_value(&a).ok(), Some(v));
        let only = a.location.key_only();
        assert_eq!(serde_json::to_value(&only).ok(), Some(json!({"s3": {"key": "k/x.tgz"}})));
    }

    #[test]
    fn a_repository_gives_the_key_format_and_locations() {
        let r: ArtifactRepository = serde_json::from_value(json!({
            "archiveLogs": true,
            "s3": {"bucket": "my-bucket", "endpoint": "minio:9000", "insecure": true}
        }))
        .unwrap_or_default();
        assert_eq!(r.key_format(), DEFAULT_KEY_FORMAT);
        let l = r.location("wf/pod/a.tgz".into());
        assert_eq!(
            serde_json::to_value(&l).ok(),
            Some(json!({"archiveLogs": true, "s3": {"bucket": "my-bucket",
                "endpoint": "minio:9000", "insecure": true, "key": "wf/pod/a.tgz"}}))
        );
        assert_eq!(ArtifactRepository::builtin().key_format(), DEFAULT_KEY_FORMAT);
    }
}
