//! `GET /api/v1/workflows/{namespace}/{name}/log`: the workflow's task
//! logs as Argo streams them — `{"result":{"content":…,"podName":…}}` a
//! line (or `data: … ` events when the client asks for
//! `text/event-stream`), the lines of all pods merged by time. The log files
//! the executor writes are the source: read from where the last read
//! stopped whenever the executor announces new lines (they are in the
//! file by then), or every 100 ms, while following, until the workflow is
//! over. On a websocket (`/ws/…/log`) each entry also carries `offset`,
//! the byte offset after its line in its pod's log, and
//! `resume=POD:OFFSET,…` starts each pod there: a reconnecting browser
//! gets every line once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::error::ApiError;
use super::query::{ListParams, is_true};
use super::stream::{self, Framing, Sender};
use crate::controller::Controller;
use crate::executor::LocalExecutor;
use crate::store::WorkflowRow;

/// How often a followed log is looked at.
const POLL: Duration = Duration::from_millis(100);
/// How often while the workflow's tasks announce nothing (not running on
/// this server yet): the first lines must not wait for the slow poll.
const POLL_UNANNOUNCED: Duration = Duration::from_millis(20);
/// How often the workflow is re-read for new pods when nothing announced
/// a change.
const REREAD: Duration = Duration::from_secs(1);
/// Most bytes of entries held to merge one pass's lines by time.
const MERGE_MAX: usize = 64 << 20;

struct Options {
    pod: Option<String>,
    follow: bool,
    timestamps: bool,
    tail_lines: Option<usize>,
    /// Only lines written at or after this time (RFC 3339, comparable as
    /// text: the log files write UTC with nanoseconds).
    since: Option<String>,
    grep: Option<String>,
    framing: Framing,
    /// Pod name → byte offset to start its log at.
    resume: HashMap<String, u64>,
}

pub async fn workflow_logs(
    State(c): State<Controller>,
    Path((namespace, name)): Path<(String, String)>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Response {
    let framing = Framing::of(&headers);
    let (tx, rx) = stream::channel("log");
    match start(&c, &namespace, &name, None, &params, framing, tx).await {
        Ok(()) => stream::response(rx, framing, "log"),
        Err(e) => stream::error_response(e, framing),
    }
}

/// `GET /api/v1/workflows/{namespace}/{name}/{podName}/log`: one pod's.
pub async fn pod_logs(
    State(c): State<Controller>,
    Path((namespace, name, pod)): Path<(String, String, String)>,
    Query(params): Query<ListParams>,
    headers: HeaderMap,
) -> Response {
    let framing = Framing::of(&headers);
    let (tx, rx) = stream::channel("log");
    match start(&c, &namespace, &name, Some(pod), &params, framing, tx).await {
        Ok(()) => stream::response(rx, framing, "log"),
        Err(e) => stream::error_response(e, framing),
    }
}

/// Check the request and start streaming into `out` (errors come before
/// anything is streamed).
pub async fn start(
    c: &Controller,
    namespace: &str,
    name: &str,
    pod: Option<String>,
    params: &ListParams,
    framing: Framing,
    out: Sender,
) -> Result<(), ApiError> {
    let row = c.store().workflow(namespace, name).await?.ok_or_else(|| {
        ApiError::not_found(format!("workflows.argoproj.io \"{name}\" not found"))
    })?;
    let tail_lines = match params.get("logOptions.tailLines") {
        Some(n) => Some(n.parse().map_err(|_| ApiError::invalid(format!("tailLines {n:?}")))?),
        None => None,
    };
    let mut resume = HashMap::new();
    for item in
        params.get("resume").into_iter().flat_map(|r| r.split(',')).filter(|i| !i.is_empty())
    {
        let (pod, offset) = item
            .rsplit_once(':')
            .and_then(|(p, o)| Some((p.to_string(), o.parse::<u64>().ok()?)))
            .ok_or_else(|| ApiError::invalid(format!("resume {item:?}: expected POD:OFFSET")))?;
        resume.insert(pod, offset);
    }
    let since = match params.get("logOptions.sinceSeconds").filter(|s| !s.is_empty()) {
        None => None,
        Some(n) => {
            // Up to a century back: a count of seconds, not an overflow.
            let secs: i64 =
                n.parse().ok().filter(|s| (0..=3_155_760_000).contains(s)).ok_or_else(|| {
                    ApiError::invalid(format!("logOptions.sinceSeconds {n:?}: a number of seconds"))
                })?;
            let at = engine::status::Time(crate::clock::now().0 - secs).to_string();
            // The files' times have nanoseconds: compare like with like.
            Some(at.replace('Z', ".000000000Z"))
        }
    };
    let options = Options {
        since,
        pod: pod.or_else(|| params.get("podName").filter(|p| !p.is_empty()).cloned()),
        follow: is_true(params.get("logOptions.follow")),
        timestamps: is_true(params.get("logOptions.timestamps")),
        tail_lines,
        grep: params.get("grep").filter(|g| !g.is_empty()).cloned(),
        framing,
        resume,
    };
    tokio::spawn(follow(c.clone(), row, options, out));
    Ok(())
}

/// One pod's log file and how far it was read.
struct Reader {
    pod: String,
    file: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

async fn follow(c: Controller, mut row: WorkflowRow, o: Options, tx: Sender) {
    let run_dir = c.run_dir(&row.uid);
    let mut readers: HashMap<String, Reader> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut changes = c.bus().subscribe().live;
    let mut doorbell = c.live_logs(&row.uid);
    let mut last_read = Instant::now();
    let mut first_pass = true;
    loop {
        let over = matches!(row.phase.as_str(), "Succeeded" | "Failed" | "Error");
        for (id, pod) in pods(&row) {
            if o.pod.as_ref().is_some_and(|p| *p != pod && *p != id) {
                continue;
            }
            if !readers.contains_key(&id) {
                let file = LocalExecutor::log_file(&run_dir, &id);
                let offset = o.resume.get(&pod).copied().unwrap_or(0);
                readers.insert(id.clone(), Reader { pod, file, offset, partial: Vec::new() });
                order.push(id);
            }
        }
        // This pass's new lines of every pod, merged by time (a pod's own
        // lines keep their order) — unless there is too much to hold,
        // then pod after pod.
        let mut batch: Vec<(String, Bytes)> = Vec::new();
        let mut held = 0;
        for id in &order {
            let Some(r) = readers.get_mut(id) else { continue };
            let mut lines = read_new(r).await;
            if first_pass && let Some(n) = o.tail_lines {
                let skip = lines.len().saturating_sub(n);
                lines.drain(..skip);
            }
            for (line, end) in lines {
                let Some(entry) = entry(&line, end, &r.pod, &o) else { continue };
                if held > MERGE_MAX {
                    if tx.send(entry).await.is_err() {
                        return; // The client left.
                    }
                    continue;
                }
                held += entry.len();
                let time = line.split('\t').next().unwrap_or("").to_string();
                batch.push((time, entry));
            }
        }
        // The files' times are UTC with nanoseconds: text order is time order.
        batch.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, entry) in batch {
            if tx.send(entry).await.is_err() {
                return; // The client left.
            }
        }
        first_pass = false;
        if !o.follow || over {
            return;
        }
        // Wait a little, re-reading the workflow when it changed (or now
        // and then), so new pods and the end are seen.
        let mut reread = last_read.elapsed() >= REREAD;
        if doorbell.is_none() {
            doorbell = c.live_logs(&row.uid);
        }
        let sleep = tokio::time::sleep(if doorbell.is_some() { POLL } else { POLL_UNANNOUNCED });
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                // New lines are in the file: read them now.
                line = async { doorbell.as_mut()?.recv().await.ok() }, if doorbell.is_some() => {
                    if line.is_none() {
                        doorbell = None;
                    }
                    break;
                }
                change = changes.recv() => match change {
                    Ok(p) if p.change.uid == row.uid => reread = true,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => reread = true,
                    Err(_) => break,
                },
            }
        }
        if tx.is_closed() {
            return;
        }
        if reread {
            last_read = Instant::now();
            if doorbell.is_none() {
                doorbell = c.live_logs(&row.uid);
            }
            match c.store().workflow_by_uid(&row.uid).await {
                Ok(Some(r)) => row = r,
                // Deleted, or the store failed: end the stream.
                _ => return,
            }
        }
    }
}

/// Pod nodes (ID, pod name), in the order they started.
fn pods(row: &WorkflowRow) -> Vec<(String, String)> {
    let Some(nodes) = row.status.get("nodes").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut pods: Vec<(&str, String, String)> = nodes
        .values()
        .filter(|n| n.get("type").and_then(Value::as_str) == Some("Pod"))
        .filter_map(|n| {
            let id = n.get("id")?.as_str()?.to_string();
            let name = n.get("name")?.as_str()?;
            let template = n.get("templateName").and_then(Value::as_str).unwrap_or("");
            let started = n.get("startedAt").and_then(Value::as_str).unwrap_or("~");
            Some((started, id, engine::status::pod_name(&row.name, name, template)))
        })
        .collect();
    pods.sort();
    pods.into_iter().map(|(_, id, pod)| (id, pod)).collect()
}

/// Complete lines added to the file since the last read, each with the
/// byte offset just after it.
async fn read_new(r: &mut Reader) -> Vec<(String, u64)> {
    let Ok(mut f) = tokio::fs::File::open(&r.file).await else { return Vec::new() };
    if f.seek(std::io::SeekFrom::Start(r.offset)).await.is_err() {
        return Vec::new();
    }
    let mut buf = Vec::new();
    let Ok(n) = f.read_to_end(&mut buf).await else { return Vec::new() };
    // Where the bytes still held back (a partial line) start.
    let mut at = r.offset - r.partial.len() as u64;
    r.offset += n as u64;
    r.partial.extend_from_slice(&buf);
    let Some(end) = r.partial.iter().rposition(|b| *b == b'\n') else { return Vec::new() };
    let complete: Vec<u8> = r.partial.drain(..=end).collect();
    complete
        .split_inclusive(|b| *b == b'\n')
        .map(|line| {
            at += line.len() as u64;
            let text = String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(line));
            (text.into_owned(), at)
        })
        .collect()
}

/// A log file line (`time<TAB>stream<TAB>text`) as a stream entry.
fn entry(line: &str, end: u64, pod: &str, o: &Options) -> Option<Bytes> {
    let mut parts = line.splitn(3, '\t');
    let (time, _stream, text) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
    if o.grep.as_ref().is_some_and(|g| !text.contains(g.as_str())) {
        return None;
    }
    if o.since.as_deref().is_some_and(|since| time < since) {
        return None;
    }
    let content = if o.timestamps { format!("{time} {text}") } else { text.to_string() };
    // Argo's field order (content, podName), and it leaves an empty
    // line's content out.
    let mut result = if content.is_empty() {
        json!({"podName": pod})
    } else {
        json!({"content": content, "podName": pod})
    };
    if o.framing == Framing::Socket {
        result["offset"] = end.into();
    }
    Some(o.framing.result(&result))
}
