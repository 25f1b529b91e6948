//! A namespace's secrets (`/api/v1/namespaces/{ns}/secrets`,
//! administrators): listed by name and keys — the API never shows a
//! value —, created (or replaced) with one key, deleted.

use serde::{Deserialize, Serialize};

use super::ObjectMeta;
#[cfg(feature = "hydrate")]
use super::{Me, Method, send_signed};

/// The path of the namespace's secrets.
pub fn secrets_path(namespace: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/secrets")
}

/// A secret as the API shows it: its name and keys (never its values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, deserialize_with = "super::nullable")]
    pub keys: Vec<String>,
}

/// Create (or replace) secret `name` holding `key` = `value`: the secret
/// as the API now shows it.
#[cfg(feature = "hydrate")]
pub async fn create_secret(
    known: leptos::prelude::RwSignal<Option<Me>>,
    namespace: &str,
    name: String,
    key: String,
    value: String,
) -> Result<Secret, String> {
    #[derive(Serialize)]
    struct NameOnly {
        name: String,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct NewSecret {
        metadata: NameOnly,
        string_data: std::collections::BTreeMap<String, String>,
    }
    let body = NewSecret { metadata: NameOnly { name }, string_data: [(key, value)].into() };
    send_signed(known, Method::Post, &secrets_path(namespace), &body).await
}

/// Delete secret `name`.
#[cfg(feature = "hydrate")]
pub async fn delete_secret(
    known: leptos::prelude::RwSignal<Option<Me>>,
    namespace: &str,
    name: &str,
) -> Result<(), String> {
    let path = format!("{}/{name}", secrets_path(namespace));
    send_signed::<serde::de::IgnoredAny>(known, Method::Delete, &path, &()).await?;
    Ok(())
}
