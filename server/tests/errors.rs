//! What a client hears when the server fails underneath: a fixed message
//! in Argo's `{code, message}` shape naming the request ID, never SQL,
//! paths or driver text (those go to the server's log, under the same
//! request ID); a store that is down is 503 within seconds, `/readyz` says
//! so, and the server carries on by itself when the store returns —
//! the workflow in flight completes, nothing lost.

use std::time::{Duration, Instant};

use crate::support::keelson::{Server, data_dir};
use crate::support::status::{any_node, node};
use serde_json::Value;

/// Text that must never reach a client.
fn assert_clean(body: &str, server: &Server) {
    let dir = server.data_dir.display().to_string();
    for leak in ["no such table", "workflows_gone", "sqlx", "SELECT", "database error", &dir] {
        assert!(!body.contains(leak), "{leak:?} reached the client: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_store_is_answered_with_a_request_id_and_the_detail_is_logged() {
    let dir = data_dir();
    let server = Server::start(dir.path(), None, &[]);
    // Break the store under the running server: its queries on
    // workflows now fail with SQLite's own words.
    let db = format!("sqlite://{}", dir.path().join("keelson.db").display());
    let pool = sqlx::SqlitePool::connect(&db).await.expect("open the database");
    sqlx::query("ALTER TABLE workflows RENAME TO workflows_gone")
        .execute(&pool)
        .await
        .expect("rename");
    let http = server.http();

    let response = http
        .get(format!("{}/api/v1/workflows/default", server.url))
        .header("x-request-id", "req-broken-store")
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), 500);
    assert_eq!(response.headers()["x-request-id"], "req-broken-store");
    let body = response.text().await.expect("body");
    assert_clean(&body, &server);
    let error: Value = serde_json::from_str(&body).expect("Argo's error shape");
    assert_eq!(error["code"], 13, "{body}");
    assert_eq!(error["message"], "internal error; request id req-broken-store", "{body}");

    // A stream's error before it starts: Argo's stream error body, clean.
    let response = http
        .get(format!(
            "{}/api/v1/workflows/default/some-run/log?logOptions.container=main",
            server.url
        ))
        .send()
        .await
        .expect("log");
    let id = response.headers()["x-request-id"].to_str().expect("id").to_string();
    assert_eq!(response.status(), 500);
    let body = response.text().await.expect("body");
    assert_clean(&body, &server);
    assert!(body.contains(&format!("request id {id}")), "{body}");

    // The detail is in the server's log, once, with the request's ID.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = server.log_text();
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("req-broken-store") && l.contains("no such table: workflows"))
            .collect();
        if lines.len() == 1 && log.lines().any(|l| l.contains(&id) && l.contains("no such table")) {
            break;
        }
        assert!(Instant::now() < deadline, "the detail was not logged once with the ID:\n{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const SLOW_THEN_FAST: &str = r#"{
  "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
  "metadata": {"name": "through-an-outage"},
  "spec": {"entrypoint": "main", "templates": [
    {"name": "main", "steps": [
      [{"name": "slow", "template": "slow"}],
      [{"name": "after", "template": "after"}]]},
    {"name": "slow", "container": {"image": "alpine", "command": ["sh", "-c", "sleep 6; echo slow done"]}},
    {"name": "after", "container": {"image": "alpine", "command": ["echo", "after"]}}
  ]}
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_store_outage_is_503_at_once_and_the_server_recovers_by_itself() {
    let Ok(pg) = crate::support::postgres::ThrowawayPostgres::start() else {
        eprintln!("skipped: no PostgreSQL to stop and start here; `make test` installs it");
        return;
    };
    let dir = data_dir();
    let server = Server::start(dir.path(), Some(&pg.url()), &[]);
    let http = server.http();
    let url = |path: &str| format!("{}{path}", server.url);
    let workflow: Value = serde_json::from_str(SLOW_THEN_FAST).expect("JSON");
    let created = http
        .post(url("/api/v1/workflows/default"))
        .json(&serde_json::json!({"workflow": workflow}))
        .send()
        .await
        .expect("submit");
    assert_eq!(created.status(), 200, "{}", created.text().await.unwrap_or_default());
    server.wait_for("through-an-outage", "the slow step to run", |wf| {
        any_node(wf, |n| n["displayName"] == "slow" && n["phase"] == "Running")
    });

    pg.stop().expect("stop PostgreSQL");
    // Answered promptly, 503 in Argo's shape, without the driver's words.
    let asked = Instant::now();
    let response = http.get(url("/api/v1/workflows/default")).send().await.expect("list");
    let took = asked.elapsed();
    assert_eq!(response.status(), 503);
    let body = response.text().await.expect("body");
    assert!(took < Duration::from_secs(6), "answered after {took:?}");
    let error: Value = serde_json::from_str(&body).expect("Argo's error shape");
    assert_eq!(error["code"], 14, "{body}");
    for leak in ["connection", "refused", "pool", "socket", "postgres", "sqlx"] {
        assert!(!body.to_lowercase().contains(leak), "{leak:?} reached the client: {body}");
    }
    let ready = reqwest::get(url("/readyz")).await.expect("readyz");
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.text().await.expect("body"), "store unavailable\n");
    // A submission in the outage is refused, not half-taken.
    assert_eq!(submit_one(&http, &server.url, "in-the-outage").await, 503);

    // The slow step ends while the store is down; its end waits in memory.
    tokio::time::sleep(Duration::from_secs(8)).await;
    pg.start_again().expect("start PostgreSQL again");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = reqwest::get(url("/readyz")).await.expect("readyz");
        if ready.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "never ready again:\n{}", server.log_text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.wait_for("through-an-outage", "the workflow to complete", |wf| {
        wf["status"]["phase"] == "Succeeded"
    });
    let wf = server.workflow("through-an-outage");
    for step in ["slow", "after"] {
        assert_eq!(node(&wf, step)["phase"], "Succeeded", "{step}: {wf:#}");
    }
    let log = server.ok(&["logs", "through-an-outage"]);
    assert!(log.contains("slow done") && log.contains("after"), "{log}");
    // And it takes submissions again.
    assert_eq!(submit_one(&http, &server.url, "after-the-outage").await, 200);
}

/// Submit a one-task workflow named `name`; the answer's status.
async fn submit_one(http: &reqwest::Client, server: &str, name: &str) -> u16 {
    let workflow = serde_json::json!({"workflow": {
        "metadata": {"name": name},
        "spec": {"entrypoint": "a", "templates": [
            {"name": "a", "container": {"image": "alpine", "command": ["true"]}}]}}});
    let url = format!("{server}/api/v1/workflows/default");
    http.post(url).json(&workflow).send().await.expect("submit").status().as_u16()
}
