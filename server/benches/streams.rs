//! Streams under load: W concurrent watch streams (Argo's
//! `/api/v1/workflow-events`) while submissions arrive at R per second for
//! S seconds, against a real `keelson server` (SQLite) on loopback. Each
//! watcher watches one label shard (`shard=K`, W/SHARDS watchers a shard),
//! as UI users watch their own workflows. Reported: submissions made and
//! lost (accepted but not stored, or refused), every watcher's events —
//! lost (a workflow of its shard ended Succeeded but the watcher never saw
//! it so) and dropped streams —, submit and get latency (p50, p99), the
//! server's CPU and peak memory. Then log-follow latency: a task prints
//! its clock every 50 ms; how long until the follower has the line.
//!
//! ```sh
//! cargo bench -p server --bench streams
//! STREAM_WATCHERS=200 STREAM_RATE=100 STREAM_SECONDS=20 cargo bench -p server --bench streams
//! ```
//!
//! `STREAM_WATCHERS` (1000), `STREAM_RATE` (200), `STREAM_SECONDS` (60),
//! `STREAM_SHARDS` (100), `STREAM_PARALLELISM` (the server's
//! `--parallelism`, 64). The table goes to stdout.

#[path = "support/server.rs"]
#[allow(dead_code)]
mod bench_server;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bench_server::ServerProcess;
use serde::Deserialize;
use server::store::{LabelSelector, ListQuery, Store};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Deserialize)]
struct Line {
    result: Option<Event>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Event {
    object: Object,
}

#[derive(Deserialize)]
struct Object {
    metadata: Meta,
    status: Option<Status>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
}

#[derive(Deserialize)]
struct Status {
    phase: Option<String>,
}

#[derive(Default)]
struct Watched {
    succeeded: BTreeSet<String>,
    events: usize,
    dropped: bool,
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn main() {
    let watchers: usize = env_or("STREAM_WATCHERS", 1000);
    let rate: usize = env_or("STREAM_RATE", 200);
    let seconds: u64 = env_or("STREAM_SECONDS", 60);
    let shards: usize = env_or("STREAM_SHARDS", 100).max(1);
    let parallelism: usize = env_or("STREAM_PARALLELISM", 64);
    let work = std::path::PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
        .join(".cache/keelson/bench-streams");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let url = format!("sqlite://{}", work.join("keelson.db").display());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let p = parallelism.to_string();
        let server = ServerProcess::start(&work, &url, &["--parallelism", &p]).await;
        let http = server.http();
        let base = server.base.clone();

        // The watchers, each on its own connection.
        eprintln!("== {watchers} watchers over {shards} shards");
        let results: Vec<Arc<Mutex<Watched>>> =
            (0..watchers).map(|_| Arc::new(Mutex::new(Watched::default()))).collect();
        let connected = Arc::new(AtomicUsize::new(0));
        for (i, watched) in results.iter().enumerate() {
            let client = server.http();
            let path = format!(
                "{base}/api/v1/workflow-events/bench?listOptions.labelSelector=shard%3D{}",
                i % shards
            );
            let (watched, connected) = (watched.clone(), connected.clone());
            tokio::spawn(async move {
                let mut r = match client.get(&path).send().await {
                    Ok(r) if r.status().is_success() => r,
                    _ => {
                        watched.lock().expect("lock").dropped = true;
                        connected.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                };
                connected.fetch_add(1, Ordering::Relaxed);
                let mut buf: Vec<u8> = Vec::new();
                loop {
                    let chunk = match r.chunk().await {
                        Ok(Some(c)) => c,
                        _ => {
                            watched.lock().expect("lock").dropped = true;
                            return;
                        }
                    };
                    buf.extend_from_slice(&chunk);
                    let mut start = 0;
                    let mut w = watched.lock().expect("lock");
                    while let Some(end) = buf[start..].iter().position(|b| *b == b'\n') {
                        let line = &buf[start..start + end];
                        start += end + 1;
                        let Ok(l) = serde_json::from_slice::<Line>(line) else { continue };
                        if l.error.is_some() {
                            w.dropped = true;
                        }
                        if let Some(e) = l.result {
                            w.events += 1;
                            if e.object.status.and_then(|s| s.phase).as_deref() == Some("Succeeded")
                            {
                                w.succeeded.insert(e.object.metadata.name);
                            }
                        }
                    }
                    drop(w);
                    buf.drain(..start);
                }
            });
        }
        while connected.load(Ordering::Relaxed) < watchers {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("   connected; submitting {rate}/s for {seconds} s");

        // Submissions at a steady rate; gets on the side.
        let total = rate * seconds as usize;
        let start = Instant::now();
        let cpu_before = server.cpu_secs();
        let next = Arc::new(AtomicUsize::new(0));
        let accepted: Arc<Mutex<Vec<(usize, Duration)>>> = Arc::default();
        let refused = Arc::new(AtomicUsize::new(0));
        let mut submitters = Vec::new();
        for _ in 0..32 {
            let (http, base, next, accepted, refused) =
                (http.clone(), base.clone(), next.clone(), accepted.clone(), refused.clone());
            submitters.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let due = start + Duration::from_secs_f64(i as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                    let body = serde_json::json!({"workflow": {
                        "metadata": {"name": format!("w-{i}"),
                                     "labels": {"shard": (i % shards).to_string()}},
                        "spec": {"entrypoint": "main", "templates": [{"name": "main",
                            "container": {"image": "alpine", "command": ["echo", "hi"]}}]}
                    }});
                    let t = Instant::now();
                    let r = http.post(format!("{base}/api/v1/workflows/bench")).json(&body).send().await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            accepted.lock().expect("lock").push((i, t.elapsed()));
                        }
                        _ => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        let gets: Arc<Mutex<Vec<Duration>>> = Arc::default();
        let getter = {
            let (http, base, gets) = (http.clone(), base.clone(), gets.clone());
            tokio::spawn(async move {
                let mut n = 0usize;
                loop {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let t = Instant::now();
                    let r = http.get(format!("{base}/api/v1/workflows/bench/w-{n}")).send().await;
                    if r.is_ok() {
                        gets.lock().expect("lock").push(t.elapsed());
                    }
                    n += 7;
                }
            })
        };
        let mut rss_peak = 0;
        let mut done = 0;
        while done < submitters.len() {
            done = submitters.iter().filter(|t| t.is_finished()).count();
            rss_peak = rss_peak.max(server.rss_kib());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let submit_secs = start.elapsed().as_secs_f64();
        getter.abort();
        eprintln!("   submitted in {submit_secs:.1} s; waiting for the runs to end");

        // Every accepted workflow ends; then the watchers get a moment.
        let store = Store::open(&url).await.expect("store");
        let finished = ListQuery {
            namespace: Some("bench".into()),
            labels: LabelSelector::parse("workflows.argoproj.io/completed=true").expect("sel"),
            ..Default::default()
        };
        let accepted: Vec<(usize, Duration)> = accepted.lock().expect("lock").clone();
        let wait_start = Instant::now();
        loop {
            let n = store.count_workflows(&finished).await.expect("count") as usize;
            rss_peak = rss_peak.max(server.rss_kib());
            if n >= accepted.len() || wait_start.elapsed() > Duration::from_secs(600) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let all_secs = start.elapsed().as_secs_f64();
        let cpu = server.cpu_secs() - cpu_before;
        tokio::time::sleep(Duration::from_secs(3)).await;
        let stored = store
            .count_workflows(&ListQuery { namespace: Some("bench".into()), ..Default::default() })
            .await
            .expect("count") as usize;
        let ok = ListQuery { phases: vec!["Succeeded".into()], ..finished.clone() };
        let succeeded = store.query_workflows(&ok).await.expect("query");
        let mut by_shard: HashMap<String, Vec<String>> = HashMap::new();
        for row in &succeeded {
            by_shard
                .entry(row.labels.get("shard").cloned().unwrap_or_default())
                .or_default()
                .push(row.name.clone());
        }
        let (mut lost_events, mut events, mut dropped) = (0usize, 0usize, 0usize);
        for (i, w) in results.iter().enumerate() {
            let w = w.lock().expect("lock");
            events += w.events;
            dropped += usize::from(w.dropped);
            let expected = by_shard.get(&(i % shards).to_string()).map_or(&[][..], |v| &v[..]);
            lost_events += expected.iter().filter(|n| !w.succeeded.contains(*n)).count();
        }
        let mut latencies: Vec<Duration> = accepted.iter().map(|(_, d)| *d).collect();
        latencies.sort();
        let mut gets = gets.lock().expect("lock").clone();
        gets.sort();
        let lost_submissions = accepted.len().saturating_sub(stored) + refused.load(Ordering::Relaxed);

        // Log follow latency.
        let follow = log_latency(&server).await;

        println!();
        println!(
            "| watchers | rate (wf/s) | achieved (wf/s) | submitted | lost submissions | not Succeeded | events delivered | lost events | dropped streams | submit p50 | submit p99 | get p99 | server CPU | server RSS peak |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {watchers} | {rate} | {:.0} | {} | {} | {} | {} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} % of a core over {:.0} s | {:.0} MiB |",
            accepted.len() as f64 / submit_secs,
            accepted.len(),
            lost_submissions,
            accepted.len().saturating_sub(succeeded.len()),
            events,
            lost_events,
            dropped,
            pct(&latencies, 0.50),
            pct(&latencies, 0.99),
            pct(&gets, 0.99),
            cpu / all_secs * 100.0,
            all_secs,
            rss_peak as f64 / 1024.0,
        );
        println!();
        println!("| log follow: lines | p50 | p99 | max |");
        println!("|---:|---:|---:|---:|");
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms |",
            follow.len(),
            pct(&follow, 0.5),
            pct(&follow, 0.99),
            follow.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
        );
    });
}

/// A task prints its clock (ns) every 50 ms, 100 times; the follower
/// notes when each line arrives. Sorted delays.
async fn log_latency(server: &ServerProcess) -> Vec<Duration> {
    let http = server.http();
    let base = &server.base;
    let script = "for i in $(seq 100); do date +%s%N; sleep 0.05; done";
    let body = serde_json::json!({"workflow": {
        "metadata": {"name": "clock"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main",
            "container": {"image": "alpine", "command": ["sh", "-c", script]}}]}
    }});
    http.post(format!("{base}/api/v1/workflows/logs")).json(&body).send().await.expect("submit");
    let mut r = http
        .get(format!("{base}/api/v1/workflows/logs/clock/log?logOptions.follow=true"))
        .send()
        .await
        .expect("follow");
    let mut delays = Vec::new();
    let mut buf = Vec::new();
    while let Ok(Some(chunk)) = r.chunk().await {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=end).collect();
            let v: serde_json::Value = serde_json::from_slice(&line).unwrap_or_default();
            if let Some(printed) =
                v["result"]["content"].as_str().and_then(|c| c.parse::<u128>().ok())
            {
                let ns = now.saturating_sub(printed);
                delays.push(Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX)));
            }
        }
    }
    delays.sort();
    delays
}
