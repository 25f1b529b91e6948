//! Kubernetes-mode bench: N workflows of 10 pods each (a fan-out DAG:
//! one task, eight in parallel, one after) submitted through the API to a
//! real `keelson server --executor kubernetes` whose cluster is the
//! in-repo fake API server, with a simulated kubelet (each pod runs,
//! prints, succeeds and reports at once), so what is measured is
//! Keelson's side: completion rate, pod events handled per second, API
//! requests per workflow by kind, and the server's memory and CPU.
//!
//! ```sh
//! cargo bench -p server --bench kube
//! KUBE_WORKFLOWS=200 cargo bench -p server --bench kube
//! ```
//!
//! `KUBE_WORKFLOWS` (default 1000), `KUBE_CLIENTS` concurrent submitters
//! (default 8), `KUBE_PARALLELISM` the server's `--parallelism` (default
//! 0: no limit), `KUBE_QPS` the client's `--kube-qps` (default 0: no
//! limit — at Argo's 20/s the client limit alone would take minutes).

#[path = "../tests/support/fake_kube.rs"]
#[allow(dead_code)]
mod fake_kube;

#[path = "support/server.rs"]
#[allow(dead_code)]
mod bench_server;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bench_server::ServerProcess;
use fake_kube::FakeKube;
use server::store::{LabelSelector, ListQuery, Store};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn workflow(i: usize) -> serde_json::Value {
    let mut tasks = vec![serde_json::json!({"name": "first", "template": "work"})];
    for j in 0..8 {
        tasks.push(
            serde_json::json!({"name": format!("fan-{j}"), "template": "work", "depends": "first"}),
        );
    }
    let all: Vec<String> = (0..8).map(|j| format!("fan-{j}")).collect();
    tasks
        .push(serde_json::json!({"name": "last", "template": "work", "depends": all.join(" && ")}));
    serde_json::json!({"workflow": {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": format!("kube-{i}"), "labels": {"bench": "kube"}},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "dag": {"tasks": tasks}},
            {"name": "work", "container": {"image": "alpine", "command": ["echo", "hi"]}}
        ]}
    }})
}

fn main() {
    let n: usize = env_or("KUBE_WORKFLOWS", 1000);
    let clients: usize = env_or("KUBE_CLIENTS", 8);
    let parallelism: usize = env_or("KUBE_PARALLELISM", 0);
    let qps: f64 = env_or("KUBE_QPS", 0.0);
    let work = PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
        .join(".cache/keelson/bench-kube");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let fake = FakeKube::start();
    fake.simulate_kubelet();
    let kubeconfig = fake.kubeconfig(&work);
    let url = format!("sqlite://{}", work.join("keelson.db").display());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let (parallelism, qps) = (parallelism.to_string(), qps.to_string());
        let server = ServerProcess::start_with_env(
            &work,
            &url,
            &["--executor", "kubernetes", "--parallelism", &parallelism, "--kube-qps", &qps],
            &[("KUBECONFIG", kubeconfig.to_str().expect("path"))],
        )
        .await;
        let idle_rss = server.rss_kib();
        let (http, base) = (server.http(), server.base.clone());
        eprintln!("== {n} workflows × 10 pods, {clients} clients, --parallelism {parallelism}");
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (http, base, next) = (http.clone(), base.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return;
                    }
                    let r = http.post(format!("{base}/api/v1/workflows/default")).json(&workflow(i)).send().await;
                    match r {
                        Ok(r) if r.status().is_success() => {}
                        Ok(r) => panic!("submit {i}: {} {}", r.status(), r.text().await.unwrap_or_default()),
                        Err(e) => panic!("submit {i}: {e}"),
                    }
                }
            }));
        }
        // Memory while it runs, sampled.
        let peak = Arc::new(AtomicUsize::new(0));
        for t in tasks {
            t.await.expect("client");
        }
        let submit_secs = start.elapsed().as_secs_f64();
        eprintln!("   submitted in {submit_secs:.1} s");
        let store = Store::open(&url).await.expect("open the store");
        let done = ListQuery {
            namespace: Some("default".into()),
            labels: LabelSelector::parse("workflows.argoproj.io/completed=true").expect("selector"),
            ..Default::default()
        };
        loop {
            peak.fetch_max(server.rss_kib() as usize, Ordering::Relaxed);
            let finished = store.count_workflows(&done).await.expect("count");
            if finished as usize >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let complete_secs = start.elapsed().as_secs_f64();
        eprintln!("   completed in {complete_secs:.1} s");
        // Status writes trail the completions a little: let them land.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let ok = ListQuery { phases: vec!["Succeeded".into()], ..done.clone() };
        let failed = n as i64 - store.count_workflows(&ok).await.expect("count");
        let metrics = http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .unwrap_or_default();
        let metric = |name: &str| -> f64 {
            metrics
                .lines()
                .filter(|l| l.starts_with(name))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        let reconciles = metric("keelson_kube_reconciles_total");
        let pod_events = metric("keelson_kube_watch_events_total{resource=\"pods\"}");
        let result_events = metric("keelson_kube_watch_events_total{resource=\"workflowtaskresults\"}");
        let cpu = server.cpu_secs();
        let end_rss = server.rss_kib();
        let requests = fake.requests();
        let pods = (n * 10) as f64;
        let count = |k: &str| requests.get(k).copied().unwrap_or(0) as f64;
        let total: f64 = requests.iter().filter(|(k, _)| !k.starts_with("WATCH")).map(|(_, v)| *v as f64).sum();

        println!();
        println!(
            "| workflows × pods | completed (wf/s) | pods/s | watch events/s (pods + results) | reconciles | requests / wf | pod creates / wf | pod patches / wf | status writes / wf | log streams / wf | server CPU | RSS idle → peak → end | not Succeeded |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {n} × 10 | {:.0} | {:.0} | {:.0} | {reconciles:.0} ({:.0}/s) | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} s | {} → {} → {} MiB | {failed} |",
            n as f64 / complete_secs,
            pods / complete_secs,
            (pod_events + result_events) / complete_secs,
            reconciles / complete_secs,
            total / n as f64,
            count("POST pods") / n as f64,
            count("PATCH pods") / n as f64,
            count("PATCH workflows") / n as f64,
            count("GET pods/log") / n as f64,
            cpu,
            idle_rss / 1024,
            peak.load(Ordering::Relaxed) / 1024,
            end_rss / 1024,
        );
        eprintln!("requests: {requests:?}");
        drop(server);
    });
}
