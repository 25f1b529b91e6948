//! Websockets for our UI: `/ws/workflow-events/{namespace}` and
//! `/ws/workflows/{namespace}/{name}/log` carry what the HTTP streams
//! carry — the same query parameters, one `{"result": …}` text message per
//! event or log entry, `{"error": …}` and a close on failure. Resume
//! points: a watch's `listOptions.resourceVersion` (each event's object
//! has its own), a log's `resume=POD:OFFSET,…` (each entry has its
//! `offset`). The guard has checked the caller and, for a session cookie,
//! that the page is our own origin.

use axum::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};

use super::error::ApiError;
use super::events::{self, WatchSpec};
use super::logs;
use super::observe::{self, RequestId};
use super::query::ListParams;
use super::stream::{self, Framing};
use crate::controller::Controller;

pub async fn watch(
    State(c): State<Controller>,
    namespace: Option<Path<String>>,
    Query(params): Query<ListParams>,
    Extension(id): Extension<RequestId>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let namespace = namespace.map(|Path(n)| n);
    upgrade.on_upgrade(move |socket| {
        observe::within(id.0.clone(), async move {
            let (tx, rx) = stream::channel("websocket");
            let started = match WatchSpec::parse(namespace, &params) {
                Ok(spec) => events::start(&c, spec, Framing::Socket, tx).await,
                Err(e) => Err(e),
            };
            serve(socket, rx, started.err(), id).await;
        })
    })
}

pub async fn logs(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    Extension(id): Extension<RequestId>,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| {
        observe::within(id.0.clone(), async move {
            let (tx, rx) = stream::channel("websocket");
            let started =
                logs::start(&c, &namespace, &name, None, &params, Framing::Socket, tx).await;
            serve(socket, rx, started.err(), id).await;
        })
    })
}

/// Forward the stream to the socket until either side ends.
async fn serve(
    socket: WebSocket,
    mut rx: tokio::sync::mpsc::Receiver<axum::body::Bytes>,
    failed: Option<ApiError>,
    RequestId(id): RequestId,
) {
    let _subscriber = crate::metrics::Subscriber::new("websocket");
    let (mut sink, mut incoming) = socket.split();
    if let Some(e) = failed {
        // The upgrade answered the request long ago: its detail is logged
        // here, under the same request ID.
        if let Some(detail) = e.internal_detail() {
            tracing::error!(request = %id, "websocket: {detail}");
        }
        let text = String::from_utf8_lossy(&Framing::Socket.error(&e)).into_owned();
        let _ = sink.send(Message::Text(text.into())).await;
        let _ = sink.close().await;
        return;
    }
    loop {
        tokio::select! {
            next = rx.recv() => {
                let Some(bytes) = next else { break };
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if sink.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            m = incoming.next() => match m {
                // Pings are answered by the library; anything else the
                // browser says is ignored, until it closes.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = sink.close().await;
}
