//! A pod's log, followed from the API server (`Api<Pod>::log_stream`,
//! timestamps on) into the run's log files — the same files, index and
//! live announcements as the local executor's, so the log endpoints,
//! websockets and the UI read Kubernetes runs unchanged, and a pod's log
//! outlives the pod (`podGC`). Secret values the pod's environment takes
//! from Kubernetes Secrets are masked.
//!
//! A stream that breaks is reopened from the last line's time; lines at
//! or before it are skipped, so nothing is written twice.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::AsyncBufReadExt as _;
use futures_util::TryStreamExt as _;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::Api;
use kube::api::LogParams;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::executor::{OutputStream, RawLine};
use crate::redact::Masker;

/// Attempts to open a stream before giving up on the pod's log.
const OPENS: u32 = 30;

/// Follow `pod`'s main container into `lines` until it ends, from after
/// `since` (the last line already kept). `exited` says whether the
/// container is known to have ended (the pod watch's news); when it does
/// not know, the pod is read to tell a closed stream from an ended one.
pub async fn follow(
    api: Api<Pod>,
    pod: String,
    since: Option<SystemTime>,
    lines: mpsc::Sender<RawLine>,
    exited: impl Fn() -> bool,
) {
    let mut last: Option<SystemTime> = since;
    let mut failures = 0;
    loop {
        let params = LogParams {
            container: Some("main".into()),
            follow: true,
            timestamps: true,
            since_time: last.map(jiff_time),
            ..LogParams::default()
        };
        let stream = match api.log_stream(&pod, &params).await {
            Ok(s) => s,
            Err(kube::Error::Api(e)) if e.code == 404 => return, // The pod is gone.
            Err(e) => {
                failures += 1;
                if failures >= OPENS {
                    tracing::warn!(pod = %pod, "giving up on the pod's log: {e}");
                    return;
                }
                // Container still being created, or the API server busy.
                tokio::time::sleep(Duration::from_millis(200 * u64::from(failures.min(10)))).await;
                continue;
            }
        };
        let mut reader = stream.lines();
        let mut broken = false;
        loop {
            match reader.try_next().await {
                Ok(Some(line)) => {
                    let (time, text) = split_timestamp(&line);
                    if let (Some(t), Some(l)) = (time, last)
                        && t <= l
                    {
                        continue; // Sent before the stream broke.
                    }
                    if time.is_some() {
                        last = time;
                    }
                    let raw = RawLine {
                        stream: OutputStream::Stdout,
                        time: time.unwrap_or_else(SystemTime::now),
                        text: text.to_string(),
                    };
                    if lines.send(raw).await.is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(pod = %pod, "pod log stream broke: {e}");
                    broken = true;
                    break;
                }
            }
        }
        if !broken && (exited() || ended(&api, &pod).await) {
            // The end of the stream and of the container.
            return;
        }
        // Closed while the container runs (an API server or kubelet
        // ends long follows now and then): reopened after the last line.
        failures += 1;
        if failures >= OPENS {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether the pod's main container has ended (or the pod is gone).
async fn ended(api: &Api<Pod>, pod: &str) -> bool {
    match api.get_opt(pod).await {
        Ok(Some(p)) => serde_json::to_value(&p).map_or(true, |json| {
            !matches!(
                super::pod_state::read(&json),
                super::PodState::Running | super::PodState::Waiting { .. }
            )
        }),
        Ok(None) => true,
        // Cannot tell: try the stream again (bounded by OPENS).
        Err(_) => false,
    }
}

/// The time of the last line in a log file the executor wrote
/// (`TIME\tSTREAM\tTEXT` lines), if any.
pub fn last_logged(file: &std::path::Path) -> Option<SystemTime> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(file).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024))).ok()?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    let line = text.lines().rev().find(|l| !l.is_empty())?;
    parse_time(line.split('\t').next()?)
}

/// `2024-05-01T10:22:43.123456789Z text` → the time and the text.
pub fn split_timestamp(line: &str) -> (Option<SystemTime>, &str) {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let Some((stamp, text)) = line.split_once(' ') else {
        return (parse_time(line), if parse_time(line).is_some() { "" } else { line });
    };
    match parse_time(stamp) {
        Some(t) => (Some(t), text),
        None => (None, line),
    }
}

fn parse_time(s: &str) -> Option<SystemTime> {
    let ts: jiff::Timestamp = s.parse().ok()?;
    let nanos = u64::try_from(ts.as_nanosecond()).ok()?;
    Some(UNIX_EPOCH + Duration::from_nanos(nanos))
}

fn jiff_time(t: SystemTime) -> k8s_openapi::jiff::Timestamp {
    let nanos = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    k8s_openapi::jiff::Timestamp::from_nanosecond(nanos as i128).unwrap_or_default()
}

/// The Secrets a container's environment reads (`secretKeyRef`,
/// `envFrom.secretRef`): name → keys (`None`: every key).
pub fn secret_refs(container: &Value) -> Vec<(String, Option<String>)> {
    let mut refs = Vec::new();
    for e in container["env"].as_array().into_iter().flatten() {
        let r = &e["valueFrom"]["secretKeyRef"];
        if let (Some(name), Some(key)) = (r["name"].as_str(), r["key"].as_str()) {
            refs.push((name.to_string(), Some(key.to_string())));
        }
    }
    for e in container["envFrom"].as_array().into_iter().flatten() {
        if let Some(name) = e["secretRef"]["name"].as_str() {
            refs.push((name.to_string(), None));
        }
    }
    refs
}

/// A masker for the values of the Secrets `refs` names (read from the
/// cluster; one that cannot be read masks nothing and says so).
pub async fn masker(api: Api<Secret>, refs: &[(String, Option<String>)]) -> Masker {
    Masker::new(&secret_values(&api, refs).await.0)
}

/// The values of the Secrets `refs` names (`None`: every key), and the
/// names of those that could not be read (said in the log too).
pub async fn secret_values(
    api: &Api<Secret>,
    refs: &[(String, Option<String>)],
) -> (Vec<String>, Vec<String>) {
    let mut values = Vec::new();
    let mut unreadable = Vec::new();
    let mut names: Vec<&str> = refs.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        match api.get(name).await {
            Ok(secret) => {
                let data = secret.data.unwrap_or_default();
                for (key, value) in data {
                    let wanted =
                        refs.iter().any(|(n, k)| n == name && k.as_ref().is_none_or(|k| *k == key));
                    if wanted {
                        values.push(String::from_utf8_lossy(&value.0).into_owned());
                    }
                }
            }
            Err(e) => {
                tracing::warn!("cannot read secret {name} to mask its values: {e}");
                unreadable.push(name.to_string());
            }
        }
    }
    (values, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_timestamped_line_splits_into_its_time_and_text() {
        let (t, text) = split_timestamp("2024-05-01T10:22:43.123456789Z hello world");
        assert_eq!(text, "hello world");
        let t = t.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos());
        assert_eq!(t, Some(1_714_558_963_123_456_789));
        assert_eq!(split_timestamp("no stamp here"), (None, "no stamp here"));
        assert_eq!(split_timestamp("2024-05-01T10:22:43Z").1, "", "an empty line");
    }

    #[test]
    fn the_secrets_a_container_reads_are_found() {
        let c = json!({
            "env": [
                {"name": "A", "value": "x"},
                {"name": "T", "valueFrom": {"secretKeyRef": {"name": "git", "key": "token"}}},
            ],
            "envFrom": [{"secretRef": {"name": "all"}}, {"configMapRef": {"name": "cm"}}],
        });
        assert_eq!(
            secret_refs(&c),
            vec![("git".to_string(), Some("token".to_string())), ("all".to_string(), None)]
        );
    }
}
