//! After a run: its node log index lands in the store, and garbage
//! collection deletes it (row, journal, logs) when its `ttlStrategy` — or
//! the server's default TTL — says so, and not before.

use std::time::Duration;

use engine::status::Time;
use serde_json::json;
use server::controller::{Controller, ControllerConfig, SubmitRequest};
use server::store::{SecretKey, Store};

fn workflow(name: &str, ttl: Option<serde_json::Value>) -> serde_json::Value {
    let mut spec = json!({
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine", "command": ["echo", "hello"]}}]
    });
    if let Some(t) = ttl {
        spec["ttlStrategy"] = t;
    }
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": name}, "spec": spec})
}

async fn finished(store: &Store, name: &str) -> server::store::WorkflowRow {
    for _ in 0..400 {
        if let Some(w) = store.workflow("default", name).await.expect("get")
            && w.phase == "Succeeded"
        {
            // The expiry is written just after the final status.
            tokio::time::sleep(Duration::from_millis(100)).await;
            return w;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} did not succeed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_strategy_and_the_default_ttl_delete_finished_workflows() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let store = Store::open(&url).await.expect("store");
    let key = SecretKey::load_or_create(&dir.path().join("secret.key")).expect("key");
    let mut config = ControllerConfig::new(dir.path());
    config.default_ttl = Some(Duration::from_secs(3600));
    let c = Controller::start(store.clone(), key, config).await.expect("start");
    let submit = |name: &str, ttl| {
        c.submit(SubmitRequest {
            namespace: "default".into(),
            workflow: workflow(name, ttl),
            ..Default::default()
        })
    };
    submit("short", Some(json!({"secondsAfterSuccess": 10, "secondsAfterCompletion": 1000})))
        .await
        .expect("submit");
    submit("default-ttl", None).await.expect("submit");
    let short = finished(&store, "short").await;
    let other = finished(&store, "default-ttl").await;

    // The node log index is in the store.
    let logs = store.node_logs(&short.uid).await.expect("node logs");
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_eq!(logs[0].lines, 1);
    assert!(logs[0].pod_name.starts_with("short"), "{logs:?}");
    let run_dir = dir.path().join("runs").join(&short.uid);
    assert!(run_dir.join("logs").exists());

    let end = short.finished_at.expect("finished");
    assert!(c.collect_garbage(Time(end.0 + 9)).await.expect("gc").is_empty(), "not yet");
    assert_eq!(c.collect_garbage(Time(end.0 + 11)).await.expect("gc"), ["short"]);
    assert!(store.workflow("default", "short").await.expect("get").is_none());
    assert!(store.events(&short.uid).await.expect("journal").is_empty());
    assert!(store.node_logs(&short.uid).await.expect("logs").is_empty());
    assert!(!run_dir.exists(), "its logs are gone");

    // The server's default (an hour) for the one without a ttlStrategy.
    let end = other.finished_at.expect("finished");
    assert!(c.collect_garbage(Time(end.0 + 3599)).await.expect("gc").is_empty());
    assert_eq!(c.collect_garbage(Time(end.0 + 3601)).await.expect("gc"), ["default-ttl"]);
}
