//! The CronWorkflow scheduler with a clock moved by hand, on a real store
//! and controller (runs are real processes): fires, catch-up after
//! downtime, the starting deadline, concurrency policies, `when`,
//! `suspend` and history limits.

use std::time::Duration;

use engine::status::Time;
use serde_json::{Value, json};
use server::controller::{Controller, ControllerConfig};
use server::cron::{CRON_LABEL, Fired, SCHEDULED_ANNOTATION, Scheduler};
use server::store::{SecretKey, Store};

fn at(s: &str) -> Time {
    Time::parse_rfc3339(s).expect("time")
}

fn cron(name: &str, spec: Value, command: &str) -> Value {
    let mut spec = spec;
    spec["workflowSpec"] = json!({
        "entrypoint": "main",
        "templates": [{"name": "main", "container": {"image": "alpine", "command": ["sh", "-c", command]}}]
    });
    spec["workflowMetadata"] = json!({"labels": {"team": "data"}});
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
        "metadata": {"name": name, "namespace": "default"}, "spec": spec})
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    controller: Controller,
    scheduler: Scheduler,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let store = Store::open(&url).await.expect("store");
    let key = SecretKey::load_or_create(&dir.path().join("secret.key")).expect("key");
    let controller = Controller::start(store.clone(), key, ControllerConfig::new(dir.path()))
        .await
        .expect("start");
    let scheduler = Scheduler::new(controller.clone());
    Setup { _dir: dir, store, controller, scheduler }
}

fn started(f: &[Fired]) -> Vec<String> {
    f.iter()
        .filter_map(|f| match f {
            Fired::Started { workflow, .. } => Some(workflow.clone()),
            Fired::Skipped { .. } => None,
        })
        .collect()
}

fn skipped(f: &[Fired]) -> Vec<String> {
    f.iter()
        .filter_map(|f| match f {
            Fired::Skipped { why, .. } => Some(why.clone()),
            Fired::Started { .. } => None,
        })
        .collect()
}

async fn wait_done(store: &Store, name: &str) -> String {
    for _ in 0..600 {
        if let Some(w) = store.workflow("default", name).await.expect("get")
            && matches!(w.phase.as_str(), "Succeeded" | "Failed" | "Error")
        {
            return w.phase;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fires_catch_up_after_downtime_and_respect_the_deadline() {
    let s = setup().await;
    let body = cron("hourly", json!({"schedules": ["0 * * * *"], "timezone": "UTC"}), "echo hi");
    s.store
        .put_cron("default", "hourly", at("2026-01-01T09:30:00Z"), &body, false)
        .await
        .expect("put");

    assert!(s.scheduler.tick(at("2026-01-01T09:59:00Z")).await.expect("tick").is_empty());
    let f = s.scheduler.tick(at("2026-01-01T10:00:05Z")).await.expect("tick");
    let ten = at("2026-01-01T10:00:00Z").0;
    assert_eq!(started(&f), [format!("hourly-{ten}")]);
    let w = s.store.workflow("default", &format!("hourly-{ten}")).await.expect("get").expect("run");
    assert_eq!(w.labels.get(CRON_LABEL).map(String::as_str), Some("hourly"));
    assert_eq!(w.labels.get("team").map(String::as_str), Some("data"));
    assert_eq!(
        w.submission.pointer(&format!(
            "/workflow/metadata/annotations/{}",
            SCHEDULED_ANNOTATION.replace('/', "~1")
        )),
        Some(&json!("2026-01-01T10:00:00Z"))
    );
    assert_eq!(wait_done(&s.store, &format!("hourly-{ten}")).await, "Succeeded");
    // The same fire is never run twice.
    assert!(s.scheduler.tick(at("2026-01-01T10:00:30Z")).await.expect("tick").is_empty());

    // Down from 10:00 to 13:20: the latest missed fire (13:00) runs, once.
    let f = s.scheduler.tick(at("2026-01-01T13:20:00Z")).await.expect("tick");
    assert_eq!(started(&f), [format!("hourly-{}", at("2026-01-01T13:00:00Z").0)]);
    assert!(s.scheduler.tick(at("2026-01-01T13:21:00Z")).await.expect("tick").is_empty());

    // With a 10-minute starting deadline, a fire 20 minutes late is skipped.
    let mut body = body.clone();
    body["spec"]["startingDeadlineSeconds"] = json!(600);
    s.store
        .put_cron("default", "hourly", at("2026-01-01T09:30:00Z"), &body, true)
        .await
        .expect("put");
    let f = s.scheduler.tick(at("2026-01-01T14:20:00Z")).await.expect("tick");
    assert!(started(&f).is_empty());
    assert!(skipped(&f)[0].contains("startingDeadlineSeconds"), "{f:?}");
    let f = s.scheduler.tick(at("2026-01-01T15:05:00Z")).await.expect("tick");
    assert_eq!(started(&f).len(), 1, "5 minutes late is within the deadline");

    let row = s.store.cron("default", "hourly").await.expect("get").expect("cron");
    assert_eq!(row.last_scheduled_at, Some(at("2026-01-01T15:00:00Z")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_policies_when_suspend_and_history() {
    let s = setup().await;
    let t0 = at("2026-01-01T00:00:00Z");
    let minute = |m: i64| Time(t0.0 + 60 * m + 5);

    // Forbid: a run still going blocks the next.
    let forbid = cron(
        "forbid",
        json!({"schedules": ["* * * * *"], "timezone": "UTC",
        "concurrencyPolicy": "Forbid"}),
        "sleep 30",
    );
    s.store.put_cron("default", "forbid", t0, &forbid, false).await.expect("put");
    let f = s.scheduler.tick(minute(1)).await.expect("tick");
    let first = started(&f)[0].clone();
    let f = s.scheduler.tick(minute(2)).await.expect("tick");
    assert!(skipped(&f)[0].contains("Forbid"), "{f:?}");
    s.store.delete_cron("default", "forbid").await.expect("delete");
    s.controller.delete("default", &first, false).await.expect("delete the run");

    // Replace: the running one is terminated, a new one starts.
    let replace = cron(
        "replace",
        json!({"schedules": ["* * * * *"], "timezone": "UTC",
        "concurrencyPolicy": "Replace"}),
        "sleep 30",
    );
    s.store.put_cron("default", "replace", Time(t0.0 + 120), &replace, false).await.expect("put");
    let f = s.scheduler.tick(minute(3)).await.expect("tick");
    let old = started(&f)[0].clone();
    // Let it start running.
    for _ in 0..100 {
        let w = s.store.workflow("default", &old).await.expect("get").expect("run");
        if w.phase == "Running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let f = s.scheduler.tick(minute(4)).await.expect("tick");
    let new = started(&f)[0].clone();
    assert_ne!(new, old);
    assert_eq!(wait_done(&s.store, &old).await, "Failed", "the replaced run was terminated");
    s.controller.delete("default", &new, false).await.expect("delete the run");
    s.store.delete_cron("default", "replace").await.expect("delete");

    // `when` false: skipped; suspended: nothing at all.
    let when = cron(
        "when",
        json!({"schedules": ["* * * * *"], "timezone": "UTC",
        "when": "{{= cronworkflow.name == 'other' }}"}),
        "echo",
    );
    s.store.put_cron("default", "when", Time(t0.0 + 240), &when, false).await.expect("put");
    let f = s.scheduler.tick(minute(5)).await.expect("tick");
    assert!(skipped(&f)[0].contains("`when` is false"), "{f:?}");
    let mut suspended = when.clone();
    suspended["spec"]["suspend"] = json!(true);
    s.store.put_cron("default", "when", Time(t0.0 + 240), &suspended, true).await.expect("put");
    assert!(s.scheduler.tick(minute(6)).await.expect("tick").is_empty());
    s.store.delete_cron("default", "when").await.expect("delete");

    // History: one succeeded run kept.
    let keep = cron(
        "keep",
        json!({"schedules": ["* * * * *"], "timezone": "UTC",
        "successfulJobsHistoryLimit": 1}),
        "echo ok",
    );
    s.store.put_cron("default", "keep", Time(t0.0 + 360), &keep, false).await.expect("put");
    let mut runs = Vec::new();
    for m in 7..10 {
        let f = s.scheduler.tick(minute(m)).await.expect("tick");
        let name = started(&f)[0].clone();
        assert_eq!(wait_done(&s.store, &name).await, "Succeeded");
        runs.push(name);
    }
    let row = s.store.cron("default", "keep").await.expect("get").expect("cron");
    let history = s.scheduler.history(&row).await.expect("history");
    let names: Vec<&str> = history.iter().map(|w| w.name.as_str()).collect();
    // Trimmed as the third started: the first is gone; the second stays
    // until the next run is started.
    assert_eq!(names, [runs[2].as_str(), runs[1].as_str()]);
    assert!(!names.contains(&runs[0].as_str()), "the oldest was deleted: {names:?}");
}
