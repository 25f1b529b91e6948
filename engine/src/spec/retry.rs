//! `retryStrategy` as written in a spec.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::scalars::IntOrString;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryStrategy {
    /// Retries after the first attempt (so `limit: 2` means three runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Value>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<IntOrString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<IntOrString>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The retry policies Argo knows.
pub const RETRY_POLICIES: &[&str] = &["Always", "OnFailure", "OnError", "OnTransientError"];
