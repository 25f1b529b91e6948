//! The parts of a Kubernetes container the local executor uses, read from
//! the launch spec's JSON. Everything else (resources, volume mounts,
//! probes, …) is ignored: it has no local meaning.

use serde::Deserialize;
use serde_json::Value;

use super::error::StartError;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub image: Option<String>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<EnvVar>>,
    pub env_from: Option<Vec<EnvFromSource>>,
    pub working_dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
    pub value_from: Option<EnvVarSource>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    pub secret_key_ref: Option<KeyRef>,
    pub config_map_key_ref: Option<KeyRef>,
    pub field_ref: Option<FieldRef>,
    pub resource_field_ref: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct KeyRef {
    pub name: String,
    pub key: String,
    pub optional: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    pub field_path: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvFromSource {
    pub prefix: Option<String>,
    pub config_map_ref: Option<ObjectRef>,
    pub secret_ref: Option<ObjectRef>,
}

#[derive(Debug, Deserialize)]
pub struct ObjectRef {
    pub name: String,
    pub optional: Option<bool>,
}

impl Container {
    pub fn from_json(v: &Value) -> Result<Container, StartError> {
        if !v.is_object() {
            return Err(StartError::BadContainer(format!("expected an object, found {v}")));
        }
        Container::deserialize(v).map_err(|e| StartError::BadContainer(e.to_string()))
    }

    /// The image as written, or a placeholder for messages.
    pub fn image_name(&self) -> &str {
        self.image.as_deref().unwrap_or("(no image)")
    }
}

/// Kubernetes treats an empty list like an absent one.
pub fn non_empty(list: &Option<Vec<String>>) -> Option<&[String]> {
    list.as_deref().filter(|l| !l.is_empty())
}
