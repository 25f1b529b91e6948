//! The controller's limits, for real: with `parallelism` 1 one workflow
//! runs at a time, and a waiting one with a higher `spec.priority` goes
//! before older ones.

use std::time::Duration;

use serde_json::json;
use server::controller::{Controller, ControllerConfig, SubmitRequest};
use server::store::{ListQuery, SecretKey, Store};

fn workflow(name: &str, priority: i64) -> serde_json::Value {
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": name},
        "spec": {"entrypoint": "main", "priority": priority, "templates": [{"name": "main",
            "container": {"image": "alpine", "command": ["sh", "-c", "sleep 0.3"]}}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_at_a_time_highest_priority_first() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let store = Store::open(&url).await.expect("store");
    let key = SecretKey::load_or_create(&dir.path().join("secret.key")).expect("key");
    let mut config = ControllerConfig::new(dir.path());
    config.parallelism = 1;
    let c = Controller::start(store.clone(), key, config).await.expect("start");
    for (name, priority) in [("first", 0), ("old", 0), ("urgent", 5)] {
        c.submit(SubmitRequest {
            namespace: "default".into(),
            workflow: workflow(name, priority),
            ..Default::default()
        })
        .await
        .expect("submit");
    }
    // Watch who runs, until all three are done.
    let running = ListQuery { phases: vec!["Running".into()], ..Default::default() };
    let mut order: Vec<String> = Vec::new();
    for _ in 0..400 {
        let rows = store.query_workflows(&running).await.expect("list");
        assert!(
            rows.len() <= 1,
            "two at once: {:?}",
            rows.iter().map(|r| &r.name).collect::<Vec<_>>()
        );
        for r in rows {
            if order.last() != Some(&r.name) {
                order.push(r.name);
            }
        }
        let done = ListQuery { phases: vec!["Succeeded".into()], ..Default::default() };
        if store.count_workflows(&done).await.expect("count") == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(order, ["first", "urgent", "old"]);
}
