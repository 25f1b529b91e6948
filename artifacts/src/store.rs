//! The object store a location names, opened with its credentials: the
//! built-in repository (a directory), S3 and S3-compatible stores, GCS
//! and Azure Blob, all through `object_store`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use engine::spec::{ArtifactLocation, KeyRef, S3Bucket};
use object_store::ObjectStore;
use object_store::path::Path as Key;

use crate::{ArtifactError, Secrets};

/// An opened store and the object's key in it.
pub struct Opened {
    pub store: Arc<dyn ObjectStore>,
    pub key: Key,
    /// What to call the store in messages (`s3 bucket b at host:9000`).
    pub describe: String,
}

/// What opening a store needs besides the location.
pub struct Context<'a> {
    /// The built-in repository's directory.
    pub builtin_root: &'a std::path::Path,
    pub secrets: &'a dyn Secrets,
}

fn client_options() -> object_store::ClientOptions {
    object_store::ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(10))
        // Until a response body has finished: a whole object on a GET.
        .with_timeout(Duration::from_secs(30 * 60))
}

pub(crate) fn secret(
    secrets: &dyn Secrets,
    r: Option<&KeyRef>,
    what: &str,
) -> Result<Option<String>, ArtifactError> {
    let Some(r) = r.filter(|r| !r.name.is_empty()) else { return Ok(None) };
    secrets.value(&r.name, &r.key).map(Some).map_err(|why| {
        ArtifactError::Credentials(format!("{what} (secret {:?}, key {:?}): {why}", r.name, r.key))
    })
}

/// The key as `object_store` spells it: segments between `/`, empty ones
/// dropped.
pub fn key(raw: &str) -> Result<Key, ArtifactError> {
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        return Err(ArtifactError::Location(
            "the key is empty: it would name the whole bucket or repository".into(),
        ));
    }
    if trimmed.split('/').any(|s| s == ".." || s == ".") {
        return Err(ArtifactError::Location(format!("key {raw:?} has '.' or '..' segments")));
    }
    Key::parse(trimmed).map_err(|e| ArtifactError::Location(format!("key {raw:?}: {e}")))
}

/// Open the store `location` names.
pub fn open(location: &ArtifactLocation, ctx: &Context<'_>) -> Result<Opened, ArtifactError> {
    let raw_key = location.key().unwrap_or_default();
    let key = key(raw_key)?;
    if location.builtin.is_some() {
        return builtin(ctx.builtin_root.to_path_buf(), key);
    }
    if let Some(s3) = &location.s3 {
        return open_s3(&s3.bucket, key, ctx);
    }
    if let Some(g) = &location.gcs {
        let bucket = g.bucket.bucket.clone().unwrap_or_default();
        let mut b = object_store::gcp::GoogleCloudStorageBuilder::new()
            .with_bucket_name(&bucket)
            .with_client_options(client_options());
        if let Some(sa) = secret(
            ctx.secrets,
            g.bucket.service_account_key_secret.as_ref(),
            "GCS service account key",
        )? {
            // A key may name another endpoint (`gcs_base_url`: an
            // emulator, or a private gateway); plain http only if it says so.
            let base = serde_json::from_str::<serde_json::Value>(&sa).ok().and_then(|v| {
                v.get("gcs_base_url").and_then(serde_json::Value::as_str).map(str::to_string)
            });
            if base.is_some_and(|u| u.starts_with("http://")) {
                b = b.with_client_options(client_options().with_allow_http(true));
            }
            b = b.with_service_account_key(sa);
        }
        let store = b.build().map_err(|e| store_error(&format!("gcs bucket {bucket}"), e))?;
        return Ok(Opened {
            store: Arc::new(store),
            key,
            describe: format!("gcs bucket {bucket}"),
        });
    }
    if let Some(a) = &location.azure {
        let c = &a.container;
        let container = c.container.clone().unwrap_or_default();
        let describe = format!("azure container {container}");
        let mut b = object_store::azure::MicrosoftAzureBuilder::new()
            .with_container_name(&container)
            .with_client_options(client_options());
        if let Some(endpoint) = c.endpoint.as_deref().filter(|e| !e.is_empty()) {
            let endpoint = endpoint.trim_end_matches('/');
            let account = account_of(endpoint).ok_or_else(|| {
                ArtifactError::Location(format!(
                    "azure endpoint {endpoint:?}: expected https://ACCOUNT.blob.core.windows.net \
                     or, for an emulator, http://HOST:PORT/ACCOUNT"
                ))
            })?;
            b = b
                .with_account(account)
                .with_endpoint(endpoint.to_string())
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(k) = secret(ctx.secrets, c.account_key_secret.as_ref(), "Azure account key")? {
            b = b.with_access_key(k);
        }
        let store = b.build().map_err(|e| store_error(&describe, e))?;
        return Ok(Opened { store: Arc::new(store), key, describe });
    }
    let kind = location.kind().map_or("no", |k| k.field());
    Err(ArtifactError::Location(format!("a {kind} location is not an object store")))
}

/// The storage account an endpoint names: `https://ACCOUNT.blob.core.
/// windows.net` (and the other clouds' `.blob.` hosts), or an emulator's
/// `http://HOST:PORT/ACCOUNT` (Azurite's path style).
fn account_of(endpoint: &str) -> Option<String> {
    let rest = endpoint.split("://").nth(1)?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let account =
        if host.contains(".blob.") { host.split('.').next() } else { path.split('/').next() };
    account.filter(|a| !a.is_empty()).map(str::to_string)
}

/// The built-in repository: a directory of objects.
pub fn builtin(root: PathBuf, key: Key) -> Result<Opened, ArtifactError> {
    std::fs::create_dir_all(&root).map_err(|e| ArtifactError::local(&root, e))?;
    let store = object_store::local::LocalFileSystem::new_with_prefix(&root)
        .map_err(|e| store_error("the built-in repository", e))?
        .with_automatic_cleanup(true);
    Ok(Opened { store: Arc::new(store), key, describe: "the built-in repository".to_string() })
}

fn open_s3(b: &S3Bucket, key: Key, ctx: &Context<'_>) -> Result<Opened, ArtifactError> {
    let bucket = b.bucket.clone().unwrap_or_default();
    if bucket.is_empty() {
        return Err(ArtifactError::Location("the s3 location names no bucket".into()));
    }
    let endpoint = b.endpoint.clone().filter(|e| !e.is_empty());
    let describe = match &endpoint {
        Some(e) => format!("s3 bucket {bucket} at {e}"),
        None => format!("s3 bucket {bucket}"),
    };
    let insecure = b.insecure == Some(true);
    let mut builder = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&bucket)
        .with_region(
            b.region.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| "us-east-1".into()),
        )
        .with_client_options(client_options().with_allow_http(insecure));
    if let Some(e) = &endpoint {
        let url = if e.contains("://") {
            e.clone()
        } else if insecure {
            format!("http://{e}")
        } else {
            format!("https://{e}")
        };
        // MinIO and most S3-compatible stores want path-style requests.
        let path_style = b.force_path_style.unwrap_or(true);
        builder = builder.with_endpoint(url).with_virtual_hosted_style_request(!path_style);
    }
    let access = secret(ctx.secrets, b.access_key_secret.as_ref(), "S3 access key")?;
    let secret_key = secret(ctx.secrets, b.secret_key_secret.as_ref(), "S3 secret key")?;
    match (access, secret_key) {
        (Some(a), Some(s)) => {
            builder = builder.with_access_key_id(a.trim()).with_secret_access_key(s.trim());
            if let Some(t) =
                secret(ctx.secrets, b.session_token_secret.as_ref(), "S3 session token")?
            {
                builder = builder.with_token(t.trim());
            }
        }
        (None, None) if b.use_sdk_creds == Some(true) => {
            // The environment's credentials (AWS_* variables, instance
            // metadata), as the AWS SDK finds them.
            let env = object_store::aws::AmazonS3Builder::from_env();
            if let Some(a) =
                env.get_config_value(&object_store::aws::AmazonS3ConfigKey::AccessKeyId)
            {
                builder = builder.with_access_key_id(a);
            }
            if let Some(s) =
                env.get_config_value(&object_store::aws::AmazonS3ConfigKey::SecretAccessKey)
            {
                builder = builder.with_secret_access_key(s);
            }
            if let Some(t) = env.get_config_value(&object_store::aws::AmazonS3ConfigKey::Token) {
                builder = builder.with_token(t);
            }
        }
        (None, None) => builder = builder.with_skip_signature(true),
        _ => {
            return Err(ArtifactError::Credentials(format!(
                "{describe}: accessKeySecret and secretKeySecret go together"
            )));
        }
    }
    let store = builder.build().map_err(|e| store_error(&describe, e))?;
    Ok(Opened { store: Arc::new(store), key, describe })
}

pub fn store_error(describe: &str, e: object_store::Error) -> ArtifactError {
    ArtifactError::Store { store: describe.to_string(), message: short(&e) }
}

/// An `object_store` error in one line, without its chain of sources
/// repeated.
fn short(e: &object_store::Error) -> String {
    let text = e.to_string();
    text.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_azure_endpoint_names_its_account_by_host_or_by_path() {
        let account = |e: &str| account_of(e);
        assert_eq!(account("https://acme.blob.core.windows.net").as_deref(), Some("acme"));
        assert_eq!(account("https://acme.blob.core.chinacloudapi.cn/").as_deref(), Some("acme"));
        assert_eq!(
            account("http://127.0.0.1:10000/devstoreaccount1").as_deref(),
            Some("devstoreaccount1")
        );
        assert_eq!(account("http://127.0.0.1:10000"), None);
    }
}
