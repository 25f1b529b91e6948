//! A pod's log over the websocket: every line once, in order, following
//! while the workflow runs; a dropped connection resumes after the last
//! line received (`resume=POD:OFFSET`).

use engine::status::Time;
use futures_util::StreamExt;
use gloo_net::websocket::{Message, WebSocketError};
use serde::Deserialize;

use super::{StreamMessage, socket_url};

/// One entry of a log stream: a line, asked for with its timestamp in
/// front, and where the log stands after it, to resume from.
#[derive(Debug, Deserialize)]
struct LogEntry {
    content: Option<String>,
    offset: Option<u64>,
    #[serde(rename = "podName")]
    pod_name: Option<String>,
}

/// How many times a dropped log connection is reopened in a row.
const RECONNECTS: u32 = 5;

/// Feed `lines` with each line that arrives, with the time it was
/// written, until the log ends; `Err` says why it stopped early.
pub async fn follow_log(
    namespace: &str,
    workflow: &str,
    pod: Option<&str>,
    follow: bool,
    mut lines: impl FnMut(Option<Time>, Option<String>, String),
) -> Result<(), String> {
    // Where each pod's log stands (a reconnection resumes each there).
    let mut offsets: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let mut failures = 0;
    loop {
        let resume: Vec<String> = offsets.iter().map(|(p, at)| format!("{p}:{at}")).collect();
        let one = pod.map(|p| format!("&podName={p}")).unwrap_or_default();
        let url = socket_url(&format!(
            "/ws/workflows/{namespace}/{workflow}/log?logOptions.container=main{one}\
             &logOptions.follow={follow}&logOptions.timestamps=true&resume={}",
            resume.join(",")
        ));
        let mut socket = match gloo_net::websocket::futures::WebSocket::open(&url) {
            Ok(s) => s,
            Err(e) => return Err(format!("the log cannot be opened: {e}")),
        };
        let mut ended = false;
        while let Some(message) = socket.next().await {
            let text = match message {
                Ok(Message::Text(text)) => text,
                Ok(Message::Bytes(_)) => continue,
                // The server closes a finished log itself, cleanly;
                // anything else is a dropped connection.
                Err(WebSocketError::ConnectionClose(e)) => {
                    ended = e.was_clean && matches!(e.code, 1000 | 1005);
                    break;
                }
                Err(_) => break,
            };
            let Ok(message) = serde_json::from_str::<StreamMessage<LogEntry>>(&text) else {
                continue;
            };
            if let Some(e) = message.error {
                return Err(e.message);
            }
            let Some(entry) = message.result else { continue };
            if let (Some(at), Some(p)) = (entry.offset, &entry.pod_name) {
                offsets.insert(p.clone(), at);
            }
            // Each line comes with the time it was written (the page
            // shows it on request); an empty line is its time alone.
            if let Some(content) = entry.content {
                let (at, text) = crate::time::split_timestamp(&content);
                lines(at, entry.pod_name.clone(), text.to_string());
                failures = 0;
            }
        }
        if ended || !follow {
            return Ok(());
        }
        failures += 1;
        if failures > RECONNECTS {
            return Err("the log connection keeps dropping".into());
        }
        sleep(failures * 500).await;
    }
}

async fn sleep(ms: u32) {
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = tx.send(());
        },
        std::time::Duration::from_millis(u64::from(ms)),
    );
    let _ = rx.await;
}
