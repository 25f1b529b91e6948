//! Submit bench: N small workflows (one task, `echo`) POSTed to a real
//! `keelson server` through Argo's API, on SQLite and on PostgreSQL (a
//! throwaway cluster). Reports submissions/s and submit latency (p50,
//! p99), workflows/s completed (first submit to last completion), and the
//! store's growth per workflow (plus logs on disk).
//!
//! ```sh
//! cargo bench -p server --bench submit
//! SUBMIT_WORKFLOWS=2000 SUBMIT_BACKENDS=sqlite cargo bench -p server --bench submit
//! ```
//!
//! `SUBMIT_WORKFLOWS` (default 10000), `SUBMIT_CLIENTS` concurrent
//! submitters (default 8), `SUBMIT_PARALLELISM` the server's
//! `--parallelism` (running workflows at once, default 32),
//! `SUBMIT_BACKENDS` (`sqlite,postgres`). The table goes to stdout.

#[path = "../tests/support/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::store::{LabelSelector, ListQuery, Store};

#[path = "support/server.rs"]
#[allow(dead_code)]
mod bench_server;
use bench_server::ServerProcess;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Row {
    backend: &'static str,
    workflows: usize,
    submit_secs: f64,
    p50_ms: f64,
    p99_ms: f64,
    complete_secs: f64,
    store_bytes: i64,
    log_bytes: u64,
    failed: i64,
    commits: f64,
}

fn main() {
    let n: usize = env_or("SUBMIT_WORKFLOWS", 10_000);
    let clients: usize = env_or("SUBMIT_CLIENTS", 8);
    let parallelism: usize = env_or("SUBMIT_PARALLELISM", 32);
    let backends = std::env::var("SUBMIT_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let work = PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
        .join(".cache/keelson/bench-submit");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut rows = Vec::new();
    for backend in backends.split(',').map(str::trim) {
        let backend: &'static str = match backend {
            "sqlite" => "sqlite",
            "postgres" => "postgres",
            other => {
                eprintln!("unknown backend {other}");
                continue;
            }
        };
        let data = work.join(backend);
        let (url, _cluster) = match backend {
            "sqlite" => (format!("sqlite://{}", data.join("keelson.db").display()), None),
            "postgres" => match postgres::ThrowawayPostgres::start() {
                Ok(c) => (c.url(), Some(c)),
                Err(e) => {
                    eprintln!("postgres: skipped ({e})");
                    continue;
                }
            },
            _ => unreachable!(),
        };
        eprintln!("== {backend}: {n} workflows, {clients} clients, --parallelism {parallelism}");
        let row = rt.block_on(run(backend, &data, &url, n, clients, parallelism));
        rows.push(row);
    }
    println!();
    println!(
        "| store | workflows | submit (wf/s) | submit p50 | submit p99 | completed (wf/s) | commits / wf | store / wf | logs / wf | not Succeeded |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.1} ms | {:.1} ms | {:.0} | {:.2} | {:.1} KiB | {:.2} KiB | {} |",
            r.backend,
            r.workflows,
            r.workflows as f64 / r.submit_secs,
            r.p50_ms,
            r.p99_ms,
            r.workflows as f64 / r.complete_secs,
            r.commits / r.workflows as f64,
            r.store_bytes as f64 / r.workflows as f64 / 1024.0,
            r.log_bytes as f64 / r.workflows as f64 / 1024.0,
            r.failed,
        );
    }
}

async fn run(
    backend: &'static str,
    data: &Path,
    url: &str,
    n: usize,
    clients: usize,
    parallelism: usize,
) -> Row {
    let parallelism = parallelism.to_string();
    let server = ServerProcess::start(data, url, &["--parallelism", &parallelism]).await;
    let (http, base) = (server.http(), server.base.clone());
    let before = Store::open(url).await.expect("open the store").size_bytes().await.expect("size");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, base, next) = (http.clone(), base.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return latencies;
                }
                let body = serde_json::json!({"workflow": {
                    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                    "metadata": {"name": format!("bench-{i}"), "labels": {"bench": "submit"}},
                    "spec": {"entrypoint": "main", "templates": [{"name": "main",
                        "container": {"image": "alpine", "command": ["echo", format!("hello {i}")]}}]}
                }});
                let t = Instant::now();
                let r = http.post(format!("{base}/api/v1/workflows/bench")).json(&body).send().await;
                match r {
                    Ok(r) if r.status().is_success() => latencies.push(t.elapsed()),
                    Ok(r) => panic!("submit {i}: {} {}", r.status(), r.text().await.unwrap_or_default()),
                    Err(e) => panic!("submit {i}: {e}"),
                }
            }
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("client"));
    }
    let submit_secs = start.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    eprintln!("   submitted in {submit_secs:.1} s");

    let store = Store::open(url).await.expect("open the store");
    let done = ListQuery {
        namespace: Some("bench".into()),
        labels: LabelSelector::parse("workflows.argoproj.io/completed=true").expect("selector"),
        ..Default::default()
    };
    loop {
        let finished = store.count_workflows(&done).await.expect("count");
        if finished as usize >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let complete_secs = start.elapsed().as_secs_f64();
    eprintln!("   completed in {complete_secs:.1} s");
    let ok = ListQuery { phases: vec!["Succeeded".into()], ..done.clone() };
    let failed = n as i64 - store.count_workflows(&ok).await.expect("count");
    drop(server);
    // The server says at exit how many transactions its journal made.
    let log = std::fs::read_to_string(data.join("server.log")).unwrap_or_default();
    let commits = log
        .lines()
        .find_map(|l| l.split("made ").nth(1)?.split(' ').next()?.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    let store_bytes = store.size_bytes().await.expect("size") - before;
    Row {
        backend,
        workflows: n,
        submit_secs,
        p50_ms: pct(0.50).as_secs_f64() * 1000.0,
        p99_ms: pct(0.99).as_secs_f64() * 1000.0,
        complete_secs,
        store_bytes,
        log_bytes: du(&data.join("runs")),
        failed,
        commits,
    }
}

/// Bytes of the files under `dir`.
fn du(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => du(&e.path()),
            Ok(_) => e.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}
