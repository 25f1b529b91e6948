//! Prometheus metrics: a handful of counters, gauges and histograms the
//! server updates as it works, and their text exposition (format 0.0.4)
//! for `GET /metrics`. Small and hand-made: lock-free atomics on the hot
//! paths, a mutex only to find a labelled series the first time.
//!
//! Gauges that are facts about the store (workflows by phase) or the
//! controller (queue depth) are read at scrape time instead of being kept
//! here; see `api::metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

#[derive(Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Relaxed);
    }
    pub fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}

/// Bucket bounds (seconds) for request and store latencies: 0.5 ms–10 s.
const LATENCY_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub struct Histogram {
    counts: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        // Cumulative at render time: count each observation in its bucket.
        if let Some(i) = LATENCY_BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_nanos.fetch_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX), Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, c) in LATENCY_BUCKETS.iter().zip(&self.counts) {
            cumulative += c.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Relaxed) as f64 / 1e9;
        let braces = |s: &str| if s.is_empty() { String::new() } else { format!("{{{s}}}") };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// Series of one metric by label set (`key="value",…`, already escaped).
pub struct Family<M> {
    series: Mutex<BTreeMap<String, Arc<M>>>,
}

impl<M> Default for Family<M> {
    fn default() -> Self {
        Family { series: Mutex::default() }
    }
}

impl<M: Default> Family<M> {
    pub fn get(&self, labels: &[(&str, &str)]) -> Arc<M> {
        let key = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
            .collect::<Vec<_>>()
            .join(",");
        let mut map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key).or_default().clone()
    }

    fn each(&self) -> Vec<(String, Arc<M>)> {
        let map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Everything the server counts as it goes.
#[derive(Default)]
pub struct Metrics {
    pub tasks_started: Counter,
    /// By `result`: succeeded, failed (non-zero exit), error (never ran).
    pub tasks_finished: Family<Counter>,
    /// By method, route (pattern, not path) and status code.
    pub http_requests: Family<Counter>,
    /// By method and route.
    pub http_duration: Family<Histogram>,
    /// Open streams by kind (watch, log, websocket).
    pub stream_subscribers: Family<Gauge>,
    /// Streams dropped for falling behind, by kind.
    pub stream_dropped: Family<Counter>,
    /// Journal transactions and how long each took.
    pub store_commit: Histogram,
    /// Kubernetes mode: watch events handled, by resource.
    pub kube_watch_events: Family<Counter>,
    /// Kubernetes mode: Workflow resource reconciles, by result.
    pub kube_reconciles: Family<Counter>,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// One open stream, counted while it lives.
pub struct Subscriber(Arc<Gauge>);

impl Subscriber {
    pub fn new(kind: &str) -> Subscriber {
        let g = METRICS.stream_subscribers.get(&[("kind", kind)]);
        g.add(1);
        Subscriber(g)
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.0.add(-1);
    }
}

/// A metric of the caller's, read at scrape time.
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    /// (labels, value)
    pub values: Vec<(String, f64)>,
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn line(out: &mut String, name: &str, labels: &str, value: impl std::fmt::Display) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

impl Metrics {
    /// The text exposition, with `gauges` read by the caller.
    pub fn render(&self, gauges: &[Sample]) -> String {
        let mut out = String::new();
        header(&mut out, "keelson_build_info", "gauge", "The running version.");
        line(
            &mut out,
            "keelson_build_info",
            &format!("version=\"{}\"", env!("CARGO_PKG_VERSION")),
            1,
        );
        for g in gauges {
            header(&mut out, g.name, "gauge", g.help);
            for (labels, v) in &g.values {
                line(&mut out, g.name, labels, v);
            }
        }
        header(&mut out, "keelson_tasks_started_total", "counter", "Task processes started.");
        line(&mut out, "keelson_tasks_started_total", "", self.tasks_started.get());
        header(&mut out, "keelson_tasks_finished_total", "counter", "Tasks ended, by result.");
        for (l, c) in self.tasks_finished.each() {
            line(&mut out, "keelson_tasks_finished_total", &l, c.get());
        }
        header(&mut out, "keelson_http_requests_total", "counter", "API requests answered.");
        for (l, c) in self.http_requests.each() {
            line(&mut out, "keelson_http_requests_total", &l, c.get());
        }
        let name = "keelson_http_request_duration_seconds";
        header(&mut out, name, "histogram", "API latency to the response's head, by route.");
        for (l, h) in self.http_duration.each() {
            h.render(&mut out, name, &l);
        }
        header(
            &mut out,
            "keelson_stream_subscribers",
            "gauge",
            "Open watch, log and websocket streams.",
        );
        for (l, g) in self.stream_subscribers.each() {
            line(&mut out, "keelson_stream_subscribers", &l, g.get());
        }
        let name = "keelson_stream_dropped_total";
        header(&mut out, name, "counter", "Streams dropped for falling behind (clients resume).");
        for (l, c) in self.stream_dropped.each() {
            line(&mut out, name, &l, c.get());
        }
        let name = "keelson_store_commit_duration_seconds";
        header(
            &mut out,
            name,
            "histogram",
            "Journal transactions (group commits), how long each took.",
        );
        self.store_commit.render(&mut out, name, "");
        let name = "keelson_kube_watch_events_total";
        header(&mut out, name, "counter", "Kubernetes watch events handled, by resource.");
        for (l, c) in self.kube_watch_events.each() {
            line(&mut out, name, &l, c.get());
        }
        let name = "keelson_kube_reconciles_total";
        header(&mut out, name, "counter", "Workflow resource reconciles, by result.");
        for (l, c) in self.kube_reconciles.each() {
            line(&mut out, name, &l, c.get());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        let h = m.http_duration.get(&[("route", "/a\"b")]);
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(30));
        h.observe(Duration::from_secs(60));
        let text = m.render(&[]);
        assert!(
            text.contains(
                r#"keelson_http_request_duration_seconds_bucket{route="/a\"b",le="0.0005"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"keelson_http_request_duration_seconds_bucket{route="/a\"b",le="0.05"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"keelson_http_request_duration_seconds_bucket{route="/a\"b",le="+Inf"} 3"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"keelson_http_request_duration_seconds_count{route="/a\"b"} 3"#),
            "{text}"
        );
        let s = Subscriber::new("watch");
        assert_eq!(METRICS.stream_subscribers.get(&[("kind", "watch")]).get(), 1);
        drop(s);
        assert_eq!(METRICS.stream_subscribers.get(&[("kind", "watch")]).get(), 0);
    }
}
