//! A task's log: every line of stdout and stderr, timestamped when read,
//! with secret values masked, appended to `run_dir/logs/<node>.log` as
//! `RFC3339-nanos<TAB>stdout|stderr<TAB>text` and broadcast live.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::sync::{broadcast, mpsc};

use crate::redact::Masker;

/// Longer lines are split: one runaway line must not hold unbounded
/// memory, and log viewers cope badly with megabyte lines anyway.
pub const MAX_LINE: usize = 64 * 1024;

/// Which of a task's outputs a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

impl OutputStream {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        }
    }
}

/// One line a task printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub node: String,
    pub pod_name: String,
    pub stream: OutputStream,
    /// When the executor read it.
    pub time: SystemTime,
    /// Without its newline; secret values replaced by `***`.
    pub text: String,
}

/// A line on its way from a reader to the log writer.
#[derive(Debug)]
pub struct RawLine {
    pub stream: OutputStream,
    pub time: SystemTime,
    pub text: String,
}

/// Read `reader` to its end, sending each line to `tx` and every byte to
/// `on_bytes` (stdout's bytes make `outputs.result`).
pub async fn read_stream<R: AsyncRead + Unpin>(
    mut reader: R,
    stream: OutputStream,
    tx: mpsc::Sender<RawLine>,
    mut on_bytes: impl FnMut(&[u8]),
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut line: Vec<u8> = Vec::new();
    let send = |bytes: &[u8]| {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        RawLine {
            stream,
            time: SystemTime::now(),
            text: String::from_utf8_lossy(bytes).into_owned(),
        }
    };
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                tracing::warn!("reading a task's {}: {e}", stream.as_str());
                break;
            }
        };
        let chunk = &buf[..n];
        on_bytes(chunk);
        let mut rest = chunk;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&rest[..i]);
            rest = &rest[i + 1..];
            if tx.send(send(&line)).await.is_err() {
                return;
            }
            line.clear();
        }
        line.extend_from_slice(rest);
        while line.len() >= MAX_LINE {
            let tail = line.split_off(MAX_LINE);
            if tx.send(send(&line)).await.is_err() {
                return;
            }
            line = tail;
        }
    }
    if !line.is_empty() {
        let _ = tx.send(send(&line)).await;
    }
}

/// Where a task's lines go.
pub struct LogWriter {
    pub node: String,
    pub pod_name: String,
    pub file: PathBuf,
    pub masker: Masker,
    pub live: broadcast::Sender<LogLine>,
    pub index: LogIndex,
}

impl LogWriter {
    /// Write and broadcast lines until every sender is gone.
    /// The file is created with the first line: a task that prints nothing
    /// has no log file.
    pub async fn run(self, mut rx: mpsc::Receiver<RawLine>) {
        let mut file = None;
        let mut opened = false;
        let (mut lines, mut first_at, mut last_at) = (0u64, None, None);
        while let Some(first) = rx.recv().await {
            if !std::mem::replace(&mut opened, true) {
                file = match open(&self.file).await {
                    Ok(f) => Some(BufWriter::new(f)),
                    Err(e) => {
                        tracing::warn!("cannot write the log {}: {e}", self.file.display());
                        None
                    }
                };
            }
            let mut next = Some(first);
            // Write what is queued, then flush once, so the file is
            // current whenever the task is quiet; announce the lines only
            // then, so a follower woken by them finds them in the file.
            let mut announced = Vec::new();
            while let Some(raw) = next {
                lines += 1;
                first_at.get_or_insert(raw.time);
                last_at = Some(raw.time);
                let text = self.masker.mask(&raw.text).into_owned();
                if let Some(f) = &mut file {
                    let entry =
                        format!("{}\t{}\t{}\n", rfc3339_nanos(raw.time), raw.stream.as_str(), text);
                    if let Err(e) = f.write_all(entry.as_bytes()).await {
                        tracing::warn!("writing the log {}: {e}", self.file.display());
                        file = None;
                    }
                }
                announced.push(LogLine {
                    node: self.node.clone(),
                    pod_name: self.pod_name.clone(),
                    stream: raw.stream,
                    time: raw.time,
                    text,
                });
                // A chatty task still gets its lines out in small batches.
                next = if announced.len() < 256 { rx.try_recv().ok() } else { None };
            }
            if let Some(f) = &mut file
                && let Err(e) = f.flush().await
            {
                tracing::warn!("writing the log {}: {e}", self.file.display());
                file = None;
            }
            for line in announced {
                // No receivers is fine: nobody is watching live.
                let _ = self.live.send(line);
            }
        }
        self.index(lines, first_at, last_at);
    }

    /// Add the node's entry to the log index: which file holds its log
    /// (none when it printed nothing), how many lines, the first and last
    /// line's time.
    fn index(&self, lines: u64, first: Option<SystemTime>, last: Option<SystemTime>) {
        let file = self.file.file_name().map(|f| f.to_string_lossy().into_owned());
        let entry = serde_json::json!({
            "node": self.node,
            "podName": self.pod_name,
            "file": if lines > 0 { file } else { None },
            "lines": lines,
            "firstLineAt": first.map(rfc3339_nanos),
            "lastLineAt": last.map(rfc3339_nanos),
        });
        self.index.append(&entry);
    }
}

/// `index.jsonl` in the log directory: one JSON line per node, appended
/// when the node is over. One handle per executor, opened on first use.
#[derive(Clone)]
pub struct LogIndex {
    path: PathBuf,
    file: std::sync::Arc<std::sync::Mutex<Option<std::fs::File>>>,
}

impl LogIndex {
    pub fn new(log_dir: &std::path::Path) -> LogIndex {
        LogIndex { path: log_dir.join(INDEX), file: Default::default() }
    }

    /// Append one entry (a short write under a lock: entries never
    /// interleave).
    fn append(&self, entry: &serde_json::Value) {
        use std::io::Write as _;
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let opened =
                self.path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| {
                    std::fs::OpenOptions::new().create(true).append(true).open(&self.path)
                });
            match opened {
                Ok(f) => *guard = Some(f),
                Err(e) => {
                    tracing::warn!("cannot write the log index {}: {e}", self.path.display());
                    return;
                }
            }
        }
        if let Some(f) = guard.as_mut()
            && let Err(e) = f.write_all(format!("{entry}\n").as_bytes())
        {
            tracing::warn!("writing the log index {}: {e}", self.path.display());
        }
    }
}

/// The log index's file name, in the log directory.
pub const INDEX: &str = "index.jsonl";

async fn open(path: &std::path::Path) -> std::io::Result<tokio::fs::File> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    tokio::fs::OpenOptions::new().create(true).append(true).open(path).await
}

/// `2024-05-01T10:22:43.123456789Z`, as Kubernetes timestamps log lines.
pub fn rfc3339_nanos(t: SystemTime) -> String {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        // Before 1970: only a broken clock; whole seconds will do.
        Err(e) => (-(e.duration().as_secs() as i64), 0),
    };
    let whole = engine::status::Time(secs).to_string();
    let date_time = whole.strip_suffix('Z').unwrap_or(&whole);
    format!("{date_time}.{nanos:09}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::new(1_533_118_963, 42);
        assert_eq!(rfc3339_nanos(t), "2018-08-01T10:22:43.000000042Z");
    }

    #[tokio::test]
    async fn lines_are_split_and_long_ones_cut() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut input = b"one\r\ntwo\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 5));
        let mut seen = 0;
        read_stream(&input[..], OutputStream::Stdout, tx, |b| seen += b.len()).await;
        let mut lines = Vec::new();
        while let Some(l) = rx.recv().await {
            lines.push(l.text);
        }
        assert_eq!(seen, input.len());
        assert_eq!(lines.len(), 4);
        assert_eq!((lines[0].as_str(), lines[1].as_str()), ("one", "two"));
        assert_eq!((lines[2].len(), lines[3].len()), (MAX_LINE, 5));
    }
}
