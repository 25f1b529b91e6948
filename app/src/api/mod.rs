//! The UI's calls to the server's REST API and websockets, and the types
//! the pages read the API's answers into (its wire types), each beside
//! the calls that fetch it: `account` (the user, signing in and out, API
//! tokens), `artifacts` (a node's artifacts: paths, sizes, listings), `list` (the workflow list, its filters, pages and watch),
//! `run` (one workflow followed live, and its actions), `log` (a pod's
//! log), `templates` (the submit forms' data, submitting), `crons` and
//! `secrets`; here, what they share — lists, object metadata, stream
//! messages, Argo's error body — and the request itself.
//!
//! Calls are made from the browser with the session cookie (hydrate). On
//! the server (ssr) nothing here calls out: a page's first data is the
//! server's own API answered in-process (`crate::load`), read into the
//! same types.

mod account;
mod artifacts;
mod crons;
mod list;
#[cfg(feature = "hydrate")]
mod log;
mod run;
mod secrets;
mod templates;

use std::collections::BTreeMap;

use engine::status::{Time, WorkflowPhase};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

pub use account::{Me, TOKENS, Token, USERINFO, login};
#[cfg(feature = "hydrate")]
pub use account::{make_token, me, revoke_token, sign_out};
pub use artifacts::{ArtifactPaths, ArtifactSide, FileListing, human_size};
#[cfg(feature = "hydrate")]
pub use artifacts::{list_files, object_size};
#[cfg(feature = "hydrate")]
pub use crons::set_suspended;
pub use crons::{CronSchedules, CronWorkflow, crons_path, schedules_path};
pub use list::{ListFilter, WorkflowItem, WorkflowRow, page_path, read_page};
#[cfg(feature = "hydrate")]
pub use list::{act_on_many, follow_workflows, more_workflows};
#[cfg(feature = "hydrate")]
pub use log::follow_log;
pub use run::{RunAction, Watched, one_workflow};
#[cfg(feature = "hydrate")]
pub use run::{act, follow_workflow};
pub use secrets::{Secret, secrets_path};
#[cfg(feature = "hydrate")]
pub use secrets::{create_secret, delete_secret};
pub use templates::{
    CLUSTER_TEMPLATES, ParameterInfo, Submission, TemplateInfo, WorkflowTemplate, templates_path,
};
#[cfg(feature = "hydrate")]
pub use templates::{submit_template, upload_artifact};

/// Argo's error body, `{"code": <gRPC code>, "message": "…"}`: what a
/// refused request answers, and what a stream says when it stops.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: i32,
    #[serde(default)]
    pub message: String,
}

#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
impl ApiError {
    /// The error a failed request's body holds (none if it is not one).
    pub fn read(body: &str) -> ApiError {
        serde_json::from_str(body).unwrap_or_default()
    }

    /// What to tell the user: the server's message, or `otherwise` if it
    /// sent none.
    pub fn say(self, otherwise: &str) -> String {
        match (self.message.is_empty(), self.code) {
            (false, _) => self.message,
            (true, 0) => otherwise.to_string(),
            (true, code) => format!("{otherwise} (code {code})"),
        }
    }
}

/// A list as the API answers it: its items, each read on its own (one
/// this UI cannot read is left out, not the whole list), and where the
/// list stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct List<T> {
    #[serde(default)]
    pub metadata: ListMeta,
    #[serde(default = "Vec::new", deserialize_with = "each_readable")]
    pub items: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List { metadata: ListMeta::default(), items: Vec::new() }
    }
}

/// A list's `metadata`: the version a watch takes over from, and the
/// next page's token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default)]
    pub resource_version: Option<String>,
    #[serde(default, rename = "continue")]
    pub next: Option<String>,
}

impl ListMeta {
    /// The version to watch from (`0`, from the start, if none is given).
    pub fn version(&self) -> String {
        self.resource_version.clone().unwrap_or_else(|| "0".into())
    }

    /// The token of the page after this one (`None`: this is the last).
    pub fn next_page(&self) -> Option<String> {
        self.next.clone().filter(|c| !c.is_empty())
    }
}

/// An object's `metadata`, the parts the pages show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub creation_timestamp: Option<Time>,
}

/// An object read for its name alone (the workflow a submission made).
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Named {
    #[serde(default)]
    pub metadata: ObjectMeta,
}

/// One message of a stream (a watch, a log) as grpc-gateway frames it:
/// a result, or the error that stops the stream.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Deserialize)]
pub struct StreamMessage<T> {
    pub result: Option<T>,
    pub error: Option<ApiError>,
}

/// A change a watch reports: what happened, and the object as it now is.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Deserialize)]
pub struct WatchEvent<T> {
    #[serde(rename = "type", default)]
    pub kind: EventKind,
    pub object: Option<T>,
}

/// A watch event's `type`.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventKind {
    Added,
    Modified,
    Deleted,
    /// Anything else (a bookmark, an error): not a change of the object.
    #[default]
    #[serde(other)]
    Other,
}

/// A list of objects (or `null`, Go's empty list), each read on its own:
/// one that cannot be read is left out. Each is kept as its text, then
/// read from it: the bundle holds one reader of each type, from text
/// (reading from a `serde_json::Value` would compile a second).
fn each_readable<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let items = Option::<Vec<Box<serde_json::value::RawValue>>>::deserialize(d)?;
    Ok(items
        .unwrap_or_default()
        .iter()
        .filter_map(|v| serde_json::from_str(v.get()).ok())
        .collect())
}

/// `value` read as `T` by way of its text. The browser bundle holds the
/// code that reads each wire type from text already; reading a JSON
/// value directly would compile a second reader of every type (the
/// spec's are large) into it.
pub fn read_via_text<T: DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    serde_json::from_str(&value.to_string()).ok()
}

/// A field that may be `null` (as Go writes an empty map or list): its
/// default then.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A workflow's phase as the pages name it: one the controller has not
/// looked at yet is Pending.
pub fn phase_name(phase: WorkflowPhase) -> &'static str {
    match phase {
        WorkflowPhase::Unknown => "Pending",
        known => known.as_str(),
    }
}

/// Why a page could not load its data (sent from the server to the
/// browser with a page's first data).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LoadError {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignedOut,
    Other(String),
}

/// The HTTP methods the UI sends.
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// `ws://` or `wss://` (as the page) URL of `path` on this server.
#[cfg(feature = "hydrate")]
fn socket_url(path: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let secure = location.and_then(|l| l.protocol().ok()).is_some_and(|p| p == "https:");
    format!("{}://{host}{path}", if secure { "wss" } else { "ws" })
}

/// `method path` with `body` as JSON (none if it is `()`), and the CSRF
/// token if given: the answer's status and text.
#[cfg(feature = "hydrate")]
async fn request(
    method: Method,
    path: &str,
    csrf: Option<&str>,
    body: &impl Serialize,
) -> Result<(u16, String), String> {
    use gloo_net::http::{Method as M, RequestBuilder};
    let method = match method {
        Method::Get => M::GET,
        Method::Post => M::POST,
        Method::Put => M::PUT,
        Method::Delete => M::DELETE,
    };
    let mut builder = RequestBuilder::new(path).method(method);
    if let Some(token) = csrf {
        builder = builder.header("X-CSRF-Token", token);
    }
    let body = serde_json::to_string(body).map_err(|e| e.to_string())?;
    let request = if body == "null" {
        builder.build()
    } else {
        builder.header("Content-Type", "application/json").body(body)
    };
    let response = request
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("the server cannot be reached: {e}"))?;
    let text = response.text().await.unwrap_or_default();
    Ok((response.status(), text))
}

/// A successful answer's text read as `T` (an empty answer as `null`).
#[cfg(feature = "hydrate")]
fn read_answer<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let text = if text.trim().is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|e| format!("the server's answer cannot be read: {e}"))
}

/// `GET path`, read as `T`.
#[cfg(feature = "hydrate")]
pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, LoadError> {
    let (status, text) = request(Method::Get, path, None, &()).await.map_err(LoadError::Other)?;
    if status == 401 {
        return Err(LoadError::SignedOut);
    }
    if !(200..300).contains(&status) {
        return Err(LoadError::Other(ApiError::read(&text).say("failed")));
    }
    serde_json::from_str(&text).map_err(|e| LoadError::Other(e.to_string()))
}

/// `method path` with `body` (`&()` for none) and the session's CSRF
/// token: the server's answer read as `T` (`serde::de::IgnoredAny` when
/// it does not matter), or its message.
#[cfg(feature = "hydrate")]
pub async fn send<T: DeserializeOwned>(
    me: &Me,
    method: Method,
    path: &str,
    body: &impl Serialize,
) -> Result<T, String> {
    let (status, text) = request(method, path, Some(&me.csrf), body).await?;
    if (200..300).contains(&status) {
        read_answer(&text)
    } else {
        Err(ApiError::read(&text).say("the request failed"))
    }
}

/// [`send`] as the signed-in user the page knows of — asked for first if
/// the page has not learnt it yet (a form sent the moment the page is
/// live must not be dropped).
#[cfg(feature = "hydrate")]
pub async fn send_signed<T: DeserializeOwned>(
    known: leptos::prelude::RwSignal<Option<Me>>,
    method: Method,
    path: &str,
    body: &impl Serialize,
) -> Result<T, String> {
    use leptos::prelude::*;
    let me = match known.get_untracked() {
        Some(me) => me,
        None => {
            let me = signed_in().await?;
            known.set(Some(me.clone()));
            me
        }
    };
    send(&me, method, path, body).await
}

/// The signed-in user, for a change about to be sent; `Err` says why not.
#[cfg(feature = "hydrate")]
pub async fn signed_in() -> Result<Me, String> {
    me().await.map_err(|e| match e {
        LoadError::SignedOut => "signed out: sign in again".to_string(),
        LoadError::Other(m) => m,
    })
}

/// Percent-encode a query value.
pub(crate) fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_the_items_they_can_read() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Item {
            n: u32,
        }
        let l: List<Item> = serde_json::from_str(
            r#"{"metadata": {"resourceVersion": "9", "continue": ""},
                "items": [{"n": 1}, {"n": "two"}, {"n": 3}]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.items, [Item { n: 1 }, Item { n: 3 }]);
        assert_eq!((l.metadata.version(), l.metadata.next_page()), ("9".into(), None));
        let empty: List<Item> =
            serde_json::from_str(r#"{"items": null}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(empty.items.is_empty());
        assert_eq!(empty.metadata.version(), "0");
    }

    #[test]
    fn errors_and_events_are_typed() {
        let e = ApiError::read(r#"{"code": 7, "message": "forbidden"}"#);
        assert_eq!(e, ApiError { code: 7, message: "forbidden".into() });
        assert_eq!(ApiError::read("not json").say("failed"), "failed");
        assert_eq!(ApiError::read(r#"{"code": 13}"#).say("failed"), "failed (code 13)");
        let kind = |t: &str| {
            serde_json::from_str::<WatchEvent<()>>(&format!(r#"{{"type": "{t}"}}"#))
                .map(|e| e.kind)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(kind("DELETED"), EventKind::Deleted);
        assert_eq!(kind("MODIFIED"), EventKind::Modified);
        assert_eq!(kind("BOOKMARK"), EventKind::Other);
        assert_eq!(phase_name(WorkflowPhase::Unknown), "Pending");
        assert_eq!(phase_name(WorkflowPhase::Failed), "Failed");
    }
}
