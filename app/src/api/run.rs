//! One workflow, live: every change over the websocket watch, from the
//! version of the list the page started from; the actions on it (retry, stop, …) with the session's CSRF token.

use futures_util::StreamExt;
use gloo_net::websocket::Message;

use super::{LoadError, Me, get_json, one_workflow, socket_url};

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
    mut changed: impl FnMut(serde_json::Value),
) -> Result<(), LoadError> {
    let url = socket_url(&format!(
        "/ws/workflow-events/{namespace}?{}&listOptions.resourceVersion={version}",
        one_workflow(name)
    ));
    let mut socket = gloo_net::websocket::futures::WebSocket::open(&url)
        .map_err(|e| LoadError::Other(format!("the live updates cannot start: {e}")))?;
    while let Some(Ok(Message::Text(text))) = socket.next().await {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        if let Some(message) = v.pointer("/error/message").and_then(|m| m.as_str()) {
            return Err(LoadError::Other(message.to_string()));
        }
        if v.pointer("/result/type").and_then(|t| t.as_str()) == Some("DELETED") {
            return Err(LoadError::Other(format!("workflow {name} was deleted")));
        }
        if let Some(object) = v.pointer_mut("/result/object") {
            changed(object.take());
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
