//! One workflow, live: every change over the websocket watch, from the
//! version of the list the page started from; the actions on it (retry, stop, …) with the session's CSRF token.

use futures_util::StreamExt;
use gloo_net::websocket::Message;

use super::{LoadError, Me, get_json, one_workflow, socket_url};
use crate::workflow::{Raw, Snapshot, read_event};

pub async fn me() -> Result<Me, LoadError> {
    Ok(Me::from_json(&get_json("/api/v1/userinfo").await?))
}

/// Hand `changed` the workflow as it is after each change from the
/// list's `version` on, until it is deleted, the page goes away or the
/// stream fails.
pub async fn follow_workflow(
    namespace: &str,
    name: &str,
    version: &str,
    mut changed: impl FnMut(Snapshot, Raw),
) -> Result<(), LoadError> {
    let url = socket_url(&format!(
        "/ws/workflow-events/{namespace}?{}&listOptions.resourceVersion={version}",
        one_workflow(name)
    ));
    let mut socket = gloo_net::websocket::futures::WebSocket::open(&url)
        .map_err(|e| LoadError::Other(format!("the live updates cannot start: {e}")))?;
    while let Some(Ok(Message::Text(text))) = socket.next().await {
        let Some(event) = read_event(&text) else { continue };
        if let Some(e) = event.error {
            return Err(LoadError::Other(e.message));
        }
        let Some(result) = event.result else { continue };
        if result.kind == "DELETED" {
            return Err(LoadError::Other(format!("workflow {name} was deleted")));
        }
        if let Some(update) = result.object {
            changed(update, Raw::Event(text.into()));
        }
    }
    Ok(())
}

/// `PUT /api/v1/workflows/{ns}/{name}/{action}` with `body` (or `DELETE`
/// for `delete`); `Err` is the server's message.
pub async fn act(
    me: &Me,
    namespace: &str,
    name: &str,
    action: &str,
    body: serde_json::Value,
) -> Result<(), String> {
    let path = format!("/api/v1/workflows/{namespace}/{name}");
    if action == "delete" {
        super::send(me, "DELETE", &path, &serde_json::Value::Null).await?;
    } else {
        super::send(me, "PUT", &format!("{path}/{action}"), &body).await?;
    }
    Ok(())
}
