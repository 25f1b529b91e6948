//! One workflow: read as a list of just it (`GET /api/v1/workflows/{ns}`
//! narrowed to its name), then live — every change over the websocket
//! watch from that list's version — and the actions on it (retry, stop,
//! …) with the session's CSRF token. The workflow itself is read into
//! `crate::workflow::Snapshot`.

use serde::Serialize;

#[cfg(feature = "hydrate")]
use super::{EventKind, LoadError, Me, Method, socket_url};
use super::{StreamMessage, WatchEvent};
#[cfg(feature = "hydrate")]
use crate::workflow::{Raw, Snapshot, read_event};

/// A watch's message: a change of an object of type `T`, or the error
/// that stops the watch.
pub type Watched<T> = StreamMessage<WatchEvent<T>>;

/// The query that narrows a list (or a watch) to the workflow `name`: a
/// list, rather than a GET, because a list has the change bus's version
/// to watch from.
pub fn one_workflow(name: &str) -> String {
    format!("listOptions.fieldSelector=metadata.name={name}")
}

/// Hand `changed` the workflow as it is after each change from the
/// list's `version` on, until it is deleted, the page goes away or the
/// stream fails.
#[cfg(feature = "hydrate")]
pub async fn follow_workflow(
    namespace: &str,
    name: &str,
    version: &str,
    mut changed: impl FnMut(Snapshot, Raw),
) -> Result<(), LoadError> {
    use futures_util::StreamExt;
    use gloo_net::websocket::Message;

    let url = socket_url(&format!(
        "/ws/workflow-events/{namespace}?{}&listOptions.resourceVersion={version}",
        one_workflow(name)
    ));
    let mut socket = gloo_net::websocket::futures::WebSocket::open(&url)
        .map_err(|e| LoadError::Other(format!("the live updates cannot start: {e}")))?;
    while let Some(Ok(Message::Text(text))) = socket.next().await {
        let Some(message) = read_event(&text) else { continue };
        if let Some(e) = message.error {
            return Err(LoadError::Other(e.message));
        }
        let Some(event) = message.result else { continue };
        if event.kind == EventKind::Deleted {
            return Err(LoadError::Other(format!("workflow {name} was deleted")));
        }
        if let Some(update) = event.object {
            changed(update, Raw::Event(text.into()));
        }
    }
    Ok(())
}

/// The body of an action on a run: nothing, or for a retry from one node
/// which node and that what succeeded after it runs again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAction {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_field_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_successful: Option<bool>,
    /// Parameters to change on retry or resubmit, `name=value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<String>,
}

/// `PUT /api/v1/workflows/{ns}/{name}/{action}` with `body` (or `DELETE`
/// for `delete`): the name of the workflow the answer is (a resubmitted
/// run's is new; empty for `delete`); `Err` is the server's message.
#[cfg(feature = "hydrate")]
pub async fn act(
    me: &Me,
    namespace: &str,
    name: &str,
    action: &str,
    body: &RunAction,
) -> Result<String, String> {
    use serde::de::IgnoredAny;
    let path = format!("/api/v1/workflows/{namespace}/{name}");
    if action == "delete" {
        super::send::<IgnoredAny>(me, Method::Delete, &path, &()).await?;
        return Ok(String::new());
    }
    let answer: serde_json::Value =
        super::send(me, Method::Put, &format!("{path}/{action}"), body).await?;
    Ok(answer
        .pointer("/metadata/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(name)
        .to_string())
}
