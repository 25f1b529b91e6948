//! Streamed answers, framed as Argo frames them: each message
//! `{"result": …}` on its own line (`application/json`), or as a
//! Server-Sent Event `data: {…} ` (note the space) when the client asked
//! for exactly `text/event-stream`, with a `:` keep-alive line every 15 s;
//! or one websocket text message each, for our UI. Errors are Argo's
//! stream error body, `{"error": {grpc_code, http_code, message,
//! http_status}}`.
//!
//! Backpressure: every stream has a bounded buffer; a client that stops
//! reading for [`STALL`] is dropped (it can resume), so that nothing it
//! does slows the controller or other clients.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::error::ApiError;
use crate::metrics::METRICS;

/// How long a client may leave its buffer full before it is dropped.
pub const STALL: Duration = Duration::from_secs(10);
/// Messages buffered per stream.
pub const BUFFER: usize = 256;
/// Argo's SSE keep-alive period (`KEELSON_SSE_KEEPALIVE_MS` shortens it
/// for tests).
fn keep_alive() -> Duration {
    static EVERY: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *EVERY.get_or_init(|| {
        std::env::var("KEELSON_SSE_KEEPALIVE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(15), Duration::from_millis)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Newline-delimited JSON (Argo's default).
    Lines,
    /// Server-Sent Events.
    Sse,
    /// One websocket text message per result.
    Socket,
}

impl Framing {
    /// SSE if the client asked for exactly `text/event-stream` (as Argo
    /// matches), else lines.
    pub fn of(headers: &HeaderMap) -> Framing {
        if headers.get(header::ACCEPT).is_some_and(|a| a == "text/event-stream") {
            Framing::Sse
        } else {
            Framing::Lines
        }
    }

    fn wrap(self, json: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(json.len() + 16);
        match self {
            Framing::Lines => {
                out.extend_from_slice(json);
                out.push(b'\n');
            }
            Framing::Sse => {
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(json);
                out.extend_from_slice(b" \n\n");
            }
            Framing::Socket => out.extend_from_slice(json),
        }
        Bytes::from(out)
    }

    /// One message, framed: `{"result": <result>}`.
    pub fn result(self, result: &Value) -> Bytes {
        self.wrap(json!({"result": result}).to_string().as_bytes())
    }

    /// One message whose result is already JSON text.
    pub fn raw_result(self, result: &[u8]) -> Bytes {
        let mut json = Vec::with_capacity(result.len() + 11);
        json.extend_from_slice(b"{\"result\":");
        json.extend_from_slice(result);
        json.push(b'}');
        self.wrap(&json)
    }

    /// Argo's stream error body, framed.
    pub fn error(self, e: &ApiError) -> Bytes {
        let body = json!({"error": {
            "grpc_code": e.code,
            "http_code": e.status.as_u16(),
            "message": e.message,
            "http_status": e.status.canonical_reason().unwrap_or(""),
        }});
        self.wrap(body.to_string().as_bytes())
    }
}

/// An error before anything was streamed: its HTTP status, Argo's stream
/// error body.
pub fn error_response(e: ApiError, framing: Framing) -> Response {
    let content_type = content_type(framing);
    let (status, internal) = e.response_parts();
    let mut response =
        (status, [(header::CONTENT_TYPE, content_type)], framing.error(&e)).into_response();
    if let Some(internal) = internal {
        response.extensions_mut().insert(internal);
    }
    response
}

fn content_type(framing: Framing) -> &'static str {
    if framing == Framing::Sse { "text/event-stream" } else { "application/json" }
}

/// The sending side of a stream: bounded, and a client that does not read
/// for [`STALL`] is let go.
pub struct Sender {
    tx: mpsc::Sender<Bytes>,
    kind: &'static str,
}

/// The client is gone (left, or dropped for not reading).
#[derive(Debug)]
pub struct Gone;

impl Sender {
    pub async fn send(&self, b: Bytes) -> Result<(), Gone> {
        match tokio::time::timeout(STALL, self.tx.send(b)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Gone),
            Err(_) => {
                tracing::info!("a {} stream's client stopped reading: dropped", self.kind);
                METRICS.stream_dropped.get(&[("kind", self.kind)]).inc();
                Err(Gone)
            }
        }
    }

    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// A stream's two ends: what handlers send on, what the transport reads.
pub fn channel(kind: &'static str) -> (Sender, mpsc::Receiver<Bytes>) {
    let (tx, rx) = mpsc::channel(BUFFER);
    (Sender { tx, kind }, rx)
}

/// An HTTP response streaming what arrives on `rx` until its sender is
/// gone; SSE gets a keep-alive comment every 15 s.
pub fn response(rx: mpsc::Receiver<Bytes>, framing: Framing, kind: &'static str) -> Response {
    let subscriber = crate::metrics::Subscriber::new(kind);
    let sse = framing == Framing::Sse;
    let every = keep_alive();
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = (rx, tick, subscriber);
    let body = Body::from_stream(futures_util::stream::unfold(state, move |mut s| async move {
        let next = if sse {
            tokio::select! {
                b = s.0.recv() => b,
                _ = s.1.tick() => Some(Bytes::from_static(b":\n")),
            }
        } else {
            s.0.recv().await
        };
        next.map(|b| (Ok::<_, std::io::Error>(b), s))
    }));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type(framing)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_client_that_stops_reading_is_dropped_after_the_stall_time() {
        let (tx, rx) = channel("test");
        for _ in 0..BUFFER {
            tx.send(Bytes::from_static(b"x")).await.expect("room in the buffer");
        }
        let before = METRICS.stream_dropped.get(&[("kind", "test")]).get();
        let started = tokio::time::Instant::now();
        assert!(tx.send(Bytes::from_static(b"x")).await.is_err(), "the full buffer drops it");
        assert!(started.elapsed() >= STALL);
        assert_eq!(METRICS.stream_dropped.get(&[("kind", "test")]).get(), before + 1);
        // A client that left is gone at once.
        drop(rx);
        assert!(tx.send(Bytes::from_static(b"x")).await.is_err());
    }

    #[test]
    fn frames_are_argo_s() {
        let v = serde_json::json!({"a": 1});
        assert_eq!(Framing::Lines.result(&v), Bytes::from("{\"result\":{\"a\":1}}\n"));
        assert_eq!(Framing::Sse.result(&v), Bytes::from("data: {\"result\":{\"a\":1}} \n\n"));
        assert_eq!(Framing::Socket.raw_result(b"{\"a\":1}"), Bytes::from("{\"result\":{\"a\":1}}"));
    }
}
