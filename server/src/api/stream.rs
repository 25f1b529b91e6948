//! A streamed response as Argo frames it: each message `{"result": …}`
//! on its own line (`application/json`), or as a Server-Sent Event
//! `data: {…} ` (note the space) when the client asked for exactly
//! `text/event-stream`.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

/// Whether the client wants Server-Sent Events (Argo matches exactly).
pub fn wants_sse(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).is_some_and(|a| a == "text/event-stream")
}

/// One message, framed.
pub fn frame(result: serde_json::Value, sse: bool) -> Bytes {
    let json = serde_json::json!({"result": result}).to_string();
    Bytes::from(if sse { format!("data: {json} \n\n") } else { format!("{json}\n") })
}

/// A response streaming what arrives on `rx`, until its senders are gone.
pub fn response(rx: mpsc::Receiver<Bytes>, sse: bool) -> Response {
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    }));
    let content_type = if sse { "text/event-stream" } else { "application/json" };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}
