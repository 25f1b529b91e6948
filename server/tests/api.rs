//! Contract tests on the wire: what Argo's clients and our UI rely on,
//! checked as bytes and JSON over real HTTP against a real server — the
//! watch and its resume points, SSE framing, stream errors, `fields`,
//! lint, `set`, the archive, websockets with resume, metrics, request IDs,
//! health.

use std::time::{Duration, Instant};

use crate::support::keelson::{Server, data_dir};
use crate::support::rt;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn echo(name: &str, text: &str) -> Value {
    json!({"workflow": {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": name, "labels": {"suite": "api"}},
        "spec": {"entrypoint": "main", "templates": [
            {"name": "main", "container": {"image": "alpine", "command": ["sh", "-c", text]}}
        ]}
    }})
}

/// GET a JSON answer.
async fn get_json(http: &reqwest::Client, url: impl reqwest::IntoUrl) -> Value {
    let r = http.get(url).send().await.expect("a GET");
    r.json().await.expect("a JSON answer")
}

/// Newline-delimited messages of a streamed response.
struct Lines {
    response: reqwest::Response,
    buf: Vec<u8>,
}

impl Lines {
    fn new(response: reqwest::Response) -> Lines {
        Lines { response, buf: Vec::new() }
    }

    /// The next non-empty line, or `None` at the end or after `wait`.
    async fn next(&mut self, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line).trim_end_matches('\n').to_string();
                if line.trim().is_empty() {
                    continue;
                }
                return Some(line);
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buf.extend_from_slice(&chunk),
                _ => return None,
            }
        }
    }
}

/// Read watch events until every one of `names` was seen Succeeded;
/// the last resource version seen.
async fn until_succeeded(lines: &mut Lines, names: &[&str]) -> u64 {
    let mut done = std::collections::BTreeSet::new();
    let mut last = 0;
    let start = Instant::now();
    while done.len() < names.len() {
        assert!(start.elapsed() < Duration::from_secs(60), "waited for {names:?}, saw {done:?}");
        let Some(line) = lines.next(Duration::from_secs(30)).await else {
            panic!("the watch ended; saw {done:?}")
        };
        let v: Value = serde_json::from_str(&line).expect("a JSON line");
        let object = &v["result"]["object"];
        last = object["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("each event has its resource version");
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        if object["status"]["phase"] == "Succeeded" && names.contains(&name) {
            done.insert(name.to_string());
        }
    }
    last
}

#[test]
fn a_watch_resumes_from_a_resource_version_and_misses_nothing() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = s.http();
        let list: Value = get_json(&http, url("/api/v1/workflows/default")).await;
        let from = list["metadata"]["resourceVersion"].as_str().expect("a version").to_string();
        let watch = |from: String| {
            http.get(url(&format!(
                "/api/v1/workflow-events/default?listOptions.resourceVersion={from}"
            )))
            .send()
        };
        let mut lines = Lines::new(watch(from).await.expect("watch"));
        for n in ["one", "two", "three"] {
            let r = http.post(url("/api/v1/workflows/default")).json(&echo(n, "echo hi")).send();
            assert_eq!(r.await.expect("create").status(), 200);
        }
        let last = until_succeeded(&mut lines, &["one", "two", "three"]).await;
        drop(lines);
        // Away: two more run, one is deleted.
        for n in ["four", "five"] {
            http.post(url("/api/v1/workflows/default"))
                .json(&echo(n, "echo hi"))
                .send()
                .await
                .expect("create");
        }
        s.wait_for("five", "five to end", |wf| wf["status"]["phase"] == "Succeeded");
        s.wait_for("four", "four to end", |wf| wf["status"]["phase"] == "Succeeded");
        http.delete(url("/api/v1/workflows/default/one")).send().await.expect("delete");
        let mut lines = Lines::new(watch(last.to_string()).await.expect("watch"));
        let mut seen = Vec::new();
        while let Some(line) = lines.next(Duration::from_millis(1500)).await {
            let v: Value = serde_json::from_str(&line).expect("JSON");
            let r = &v["result"];
            seen.push(format!(
                "{} {} {}",
                r["type"].as_str().unwrap_or(""),
                r["object"]["metadata"]["name"].as_str().unwrap_or(""),
                r["object"]["status"]["phase"].as_str().unwrap_or("")
            ));
        }
        assert!(seen.contains(&"MODIFIED four Succeeded".to_string()), "{seen:?}");
        assert!(seen.contains(&"MODIFIED five Succeeded".to_string()), "{seen:?}");
        assert!(seen.contains(&"DELETED one ".to_string()), "{seen:?}");
        assert!(!seen.iter().any(|e| e.contains("two") || e.contains("three")), "{seen:?}");
        // Too old a version: 410 and Argo's stream error body.
        let r = watch("5".into()).await.expect("watch");
        assert_eq!(r.status(), 410);
        let body: Value = r.json().await.expect("JSON");
        assert_eq!(body["error"]["http_code"], 410, "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("too old")), "{body}");
    });
}

#[test]
fn streams_are_framed_as_argo_frames_them() {
    let dir = data_dir();
    let s = Server::start_with_env(dir.path(), &[("KEELSON_SSE_KEEPALIVE_MS", "300")], &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = s.http();
        http.post(url("/api/v1/workflows/default"))
            .json(&echo("framed", "echo hi"))
            .send()
            .await
            .expect("create");
        s.wait_for("framed", "the end", |wf| wf["status"]["phase"] == "Succeeded");
        // SSE watch: headers, `data: {"result":…} ` and a blank line.
        let r = http
            .get(url(
                "/api/v1/workflow-events/default?fields=result.type,result.object.metadata.name",
            ))
            .header("Accept", "text/event-stream")
            .send()
            .await
            .expect("watch");
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let mut lines = Lines::new(r);
        let first = lines.next(Duration::from_secs(5)).await.expect("an event");
        // Then, with nothing to say, Argo's keep-alive comment (every 15 s;
        // this server was started with 300 ms).
        let mut raw = lines.response;
        let chunk = tokio::time::timeout(Duration::from_secs(5), raw.chunk()).await;
        let chunk = chunk.expect("a keep-alive in time").expect("read").expect("a chunk");
        assert_eq!(&chunk[..], b":\n");
        assert_eq!(
            first,
            r#"data: {"result":{"type":"ADDED","object":{"metadata":{"name":"framed"}}}} "#
        );
        // The same without SSE: one JSON object a line.
        let r = http.get(url("/api/v1/workflow-events/default")).send().await.expect("watch");
        assert_eq!(r.headers()["content-type"], "application/json");
        let line = Lines::new(r).next(Duration::from_secs(5)).await.expect("an event");
        let v: Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(v["result"]["type"], "ADDED");
        assert_eq!(v["result"]["object"]["kind"], "Workflow");
        // One pod's log at Argo's pod path; sinceSeconds.
        let all = http.get(url("/api/v1/workflows/default/framed/log")).send().await.expect("log");
        let line = Lines::new(all).next(Duration::from_secs(5)).await.expect("a line");
        let entry: Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(entry["result"]["content"], "hi");
        let pod = entry["result"]["podName"].as_str().expect("a pod").to_string();
        let r = http.get(url(&format!("/api/v1/workflows/default/framed/{pod}/log"))).send();
        let text = r.await.expect("pod log").text().await.expect("body");
        // Byte for byte as Argo sends it: content, then podName.
        assert_eq!(text, format!("{{\"result\":{{\"content\":\"hi\",\"podName\":\"{pod}\"}}}}\n"));
        let r = http.get(url("/api/v1/workflows/default/framed/no-such-pod/log")).send();
        assert_eq!(r.await.expect("log").text().await.expect("body"), "", "another pod's: nothing");
        // (The server's clock is in whole seconds: wait two.)
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let recent =
            http.get(url("/api/v1/workflows/default/framed/log?logOptions.sinceSeconds=1")).send();
        assert_eq!(recent.await.expect("log").text().await.expect("body"), "");
        let overflow =
            "/api/v1/workflows/default/framed/log?logOptions.sinceSeconds=-9223372036854775808";
        assert_eq!(http.get(url(overflow)).send().await.expect("log").status(), 400);
        let hour = http
            .get(url("/api/v1/workflows/default/framed/log?logOptions.sinceSeconds=3600"))
            .send();
        assert_eq!(hour.await.expect("log").text().await.expect("body").lines().count(), 1);
        // A stream error before anything was sent: its status, Argo's body.
        let r = http.get(url("/api/v1/workflows/default/nope/log")).send().await.expect("log");
        assert_eq!(r.status(), 404);
        let e: Value = r.json().await.expect("JSON");
        assert_eq!(
            e,
            json!({"error": {"grpc_code": 5, "http_code": 404, "http_status": "Not Found",
                "message": "workflows.argoproj.io \"nope\" not found"}})
        );
        let r = http
            .get(url("/api/v1/workflows/default/nope/log"))
            .header("Accept", "text/event-stream")
            .send()
            .await
            .expect("log");
        assert_eq!(r.status(), 404);
        let text = r.text().await.expect("body");
        assert!(text.starts_with("data: {\"error\":{") && text.ends_with("} \n\n"), "{text:?}");
        // A name field selector is the exact name, not a prefix.
        let by_name = |n: &str| {
            url(&format!("/api/v1/workflows/default?listOptions.fieldSelector=metadata.name%3D{n}"))
        };
        assert_eq!(
            get_json(&http, by_name("framed")).await["items"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(get_json(&http, by_name("fram")).await["items"], json!([]));
        // `fields` on lists and gets: keep-lists and exclusions.
        let list: Value = get_json(
            &http,
            url("/api/v1/workflows/default?fields=metadata,items.metadata.name,items.status.phase"),
        )
        .await;
        assert_eq!(
            list["items"],
            json!([{"metadata": {"name": "framed"}, "status": {"phase": "Succeeded"}}])
        );
        assert!(list["metadata"]["resourceVersion"].is_string());
        let got: Value =
            get_json(&http, url("/api/v1/workflows/default/framed?fields=-status.nodes,spec"))
                .await;
        assert!(got.get("spec").is_none() && got["status"].get("nodes").is_none(), "{got}");
        assert_eq!(got["status"]["phase"], "Succeeded");
    });
}

#[test]
fn lint_set_and_the_archive_answer_as_argo_does() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = s.http();
        // Lint: a good workflow comes back; a bad one is 400 with why.
        let r = http.post(url("/api/v1/workflows/default/lint")).json(&echo("l", "true")).send();
        let r = r.await.expect("lint");
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.expect("JSON")["metadata"]["name"], "l");
        let mut bad = echo("l", "true");
        bad["workflow"]["spec"]["entrypoint"] = json!("nowhere");
        let r = http.post(url("/api/v1/workflows/default/lint")).json(&bad).send().await.expect("lint");
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.expect("JSON");
        assert_eq!(e["code"], 3);
        assert!(e["message"].as_str().is_some_and(|m| m.contains("nowhere")), "{e}");
        let template = json!({"template": {"metadata": {"name": "t"}, "spec": {
            "templates": [{"name": "main", "container": {"image": "alpine"}}]}}});
        for path in ["/api/v1/workflow-templates/default/lint", "/api/v1/cluster-workflow-templates/lint"] {
            let r = http.post(url(path)).json(&template).send().await.expect("lint");
            assert_eq!(r.status(), 200, "{path}");
        }
        let r = http.get(url("/api/v1/workflow-templates/default/t")).send().await.expect("get");
        assert_eq!(r.status(), 404, "lint stores nothing");
        let cron = json!({"cronWorkflow": {"metadata": {"name": "c"}, "spec": {"schedule": "not a schedule",
            "workflowSpec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}}}});
        let r = http.post(url("/api/v1/cron-workflows/default/lint")).json(&cron).send().await.expect("lint");
        assert_eq!(r.status(), 400);

        // Submit a cron workflow now (`argo submit --from cronwf/nightly`).
        let mut cron = cron;
        cron["cronWorkflow"]["metadata"]["name"] = json!("nightly");
        cron["cronWorkflow"]["spec"]["schedule"] = json!("0 3 1 1 *");
        let r = http.post(url("/api/v1/cron-workflows/default")).json(&cron).send().await.expect("cron");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let now = json!({"resourceKind": "CronWorkflow", "resourceName": "nightly",
                         "submitOptions": {"labels": "why=testing"}});
        let r = http.post(url("/api/v1/workflows/default/submit")).json(&now).send().await.expect("submit");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let wf: Value = r.json().await.expect("JSON");
        assert!(wf["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("nightly-")), "{wf}");
        let labels = &wf["metadata"]["labels"];
        assert_eq!(labels["workflows.argoproj.io/cron-workflow"], "nightly", "{wf}");
        assert_eq!((&labels["why"], &labels["workflows.argoproj.io/creator"]), (&json!("testing"), &json!("admin")));
        let mut missing = now.clone();
        missing["resourceName"] = json!("nobody");
        let r = http.post(url("/api/v1/workflows/default/submit")).json(&missing).send().await.expect("submit");
        assert_eq!(r.status(), 404);

        // Set: supply a suspended node's output and end it.
        let approval = json!({"workflow": {"metadata": {"name": "approval"}, "spec": {
            "entrypoint": "main", "templates": [
                {"name": "approve", "suspend": {},
                 "outputs": {"parameters": [{"name": "answer", "valueFrom": {"supplied": {}}}]}},
                {"name": "use", "inputs": {"parameters": [{"name": "a"}]},
                 "container": {"image": "alpine", "command": ["sh", "-c", "echo answer={{inputs.parameters.a}}"]}},
                {"name": "main", "steps": [
                    [{"name": "approve", "template": "approve"}],
                    [{"name": "use", "template": "use", "arguments": {"parameters": [
                        {"name": "a", "value": "{{steps.approve.outputs.parameters.answer}}"}]}}]]}]}}});
        let r = http.post(url("/api/v1/workflows/default")).json(&approval).send().await.expect("create");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        s.wait_for("approval", "the suspend node", |wf| {
            wf["status"]["nodes"].as_object().is_some_and(|n| {
                n.values().any(|n| n["type"] == "Suspend" && n["phase"] == "Running")
            })
        });
        let set = |body: Value| http.put(url("/api/v1/workflows/default/approval/set")).json(&body).send();
        let r = set(json!({"nodeFieldSelector": "displayName=approve", "outputParameters": "{\"nope\": \"x\"}"}))
            .await
            .expect("set");
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.expect("JSON");
        assert!(e["message"].as_str().is_some_and(|m| m.contains("not expecting output parameter nope")), "{e}");
        let r = set(json!({"nodeFieldSelector": "displayName=approve", "phase": "Succeeded",
                           "outputParameters": "{\"answer\": \"yes\"}"}))
        .await
        .expect("set");
        assert_eq!(r.status(), 200);
        s.wait_for("approval", "the end", |wf| wf["status"]["phase"] == "Succeeded");
        let logs = s.ok(&["logs", "approval"]);
        assert!(logs.contains("answer=yes"), "{logs}");

        // Node events: each node's life from the journal, in order.
        let wf: Value = get_json(&http, url("/api/v1/workflows/default/approval")).await;
        assert_eq!(wf["metadata"]["labels"]["workflows.argoproj.io/creator"], "admin", "who submitted it");
        let id_of = |shown: &str| {
            wf["status"]["nodes"].as_object().and_then(|n| {
                n.values().find(|n| n["displayName"] == shown).and_then(|n| n["id"].as_str().map(String::from))
            })
        };
        let (Some(approve), Some(used)) = (id_of("approve"), id_of("use")) else { panic!("{wf}") };
        let told = |node: &str| {
            let path = format!("/api/v1/workflows/default/approval/node-events?nodeId={node}");
            let http = http.clone();
            let u = url(&path);
            async move {
                let v: Value = get_json(&http, u).await;
                v["items"].as_array().cloned().unwrap_or_default()
                    .iter()
                    .map(|e| format!("{} {}", e["reason"].as_str().unwrap_or("?"), e["message"].as_str().unwrap_or("?")))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(told(&approve).await, ["RunStarted the run started", "Set set to Succeeded"]);
        assert_eq!(told(&used).await, ["RunStarted the run started", "Started started", "Exited exited with code 0"]);
        let r = http.get(url("/api/v1/workflows/default/nobody/node-events")).send().await.expect("events");
        assert_eq!(r.status(), 404);

        // The archive: finished workflows by uid.
        let wf: Value = get_json(&http, url("/api/v1/workflows/default/approval")).await;
        let uid = wf["metadata"]["uid"].as_str().expect("uid").to_string();
        let list: Value = get_json(&http, url("/api/v1/archived-workflows?namespace=default")).await;
        assert!(list["items"].as_array().is_some_and(|i| i.iter().any(|w| w["metadata"]["uid"] == uid.as_str())), "{list}");
        let got: Value = get_json(&http, url(&format!("/api/v1/archived-workflows/{uid}"))).await;
        assert_eq!(got["metadata"]["name"], "approval");
        let keys: Value = get_json(&http, url("/api/v1/archived-workflows-label-keys")).await;
        assert!(keys["items"].is_array(), "{keys}");
        let r = http.delete(url(&format!("/api/v1/archived-workflows/{uid}"))).send().await.expect("delete");
        assert_eq!(r.status(), 200);
        let r = http.get(url(&format!("/api/v1/archived-workflows/{uid}"))).send().await.expect("get");
        assert_eq!(r.status(), 404);
    });
}

async fn socket(
    s: &Server,
    path: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let ws_url = format!("{}{path}", s.url.replace("http://", "ws://"));
    let mut request = ws_url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {}", s.token).parse().expect("header"));
    let (ws, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    ws
}

async fn next_json(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    wait: Duration,
) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

#[test]
fn websockets_carry_the_streams_and_resume_without_loss_or_duplicates() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = s.http();
        let mut ws = socket(&s, "/ws/workflow-events/default").await;
        http.post(url("/api/v1/workflows/default"))
            .json(&echo("lines", "for i in 1 2 3 4 5 6; do echo line-$i; sleep 0.2; done"))
            .send()
            .await
            .expect("create");
        let mut last = String::new();
        loop {
            let v = next_json(&mut ws, Duration::from_secs(30)).await.expect("an event");
            last = v["result"]["object"]["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or(&last)
                .to_string();
            if v["result"]["object"]["status"]["phase"] == "Running" {
                break;
            }
        }
        // Log over a websocket: entries with offsets; cut off, then resume.
        let mut log = socket(&s, "/ws/workflows/default/lines/log?logOptions.follow=true").await;
        let first = next_json(&mut log, Duration::from_secs(30)).await.expect("a log entry");
        assert_eq!(first["result"]["content"], "line-1");
        let pod = first["result"]["podName"].as_str().expect("pod").to_string();
        let offset = first["result"]["offset"].as_u64().expect("an offset");
        drop(log);
        let mut log = socket(
            &s,
            &format!(
                "/ws/workflows/default/lines/log?logOptions.follow=true&resume={pod}:{offset}"
            ),
        )
        .await;
        let mut rest = Vec::new();
        while let Some(v) = next_json(&mut log, Duration::from_secs(10)).await {
            if let Some(c) = v["result"]["content"].as_str() {
                rest.push(c.to_string());
            }
        }
        assert_eq!(rest, ["line-2", "line-3", "line-4", "line-5", "line-6"], "each line once");
        // The watch, resumed from the last version seen, ends Succeeded.
        drop(ws);
        let mut ws =
            socket(&s, &format!("/ws/workflow-events/default?listOptions.resourceVersion={last}"))
                .await;
        let mut phases = Vec::new();
        while let Some(v) = next_json(&mut ws, Duration::from_secs(2)).await {
            phases
                .push(v["result"]["object"]["status"]["phase"].as_str().unwrap_or("").to_string());
            if phases.last().is_some_and(|p| p == "Succeeded") {
                break;
            }
        }
        assert_eq!(phases.last().map(String::as_str), Some("Succeeded"), "{phases:?}");
        // An expired resume point: an error message, then the close.
        let mut ws = socket(&s, "/ws/workflow-events/default?listOptions.resourceVersion=3").await;
        let e = next_json(&mut ws, Duration::from_secs(5)).await.expect("an error");
        assert_eq!(e["error"]["http_code"], 410, "{e}");
        // Another site's page cannot open one with Argo's token cookie.
        let mut request =
            format!("{}/ws/workflow-events/default", s.url.replace("http://", "ws://"))
                .into_client_request()
                .expect("request");
        let headers = request.headers_mut();
        headers.insert("Cookie", format!("authorization=Bearer%20{}", s.token).parse().expect("h"));
        headers.insert("Origin", "http://evil.example".parse().expect("h"));
        assert!(tokio_tungstenite::connect_async(request).await.is_err());
        // Without credentials, no socket.
        let request = format!("{}/ws/workflow-events/default", s.url.replace("http://", "ws://"));
        assert!(tokio_tungstenite::connect_async(request).await.is_err());
    });
}

#[test]
fn metrics_request_ids_and_health() {
    let dir = data_dir();
    let s = Server::start_with_env(dir.path(), &[("KEELSON_LOG_FORMAT", "json")], &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = s.http();
        http.post(url("/api/v1/workflows/default")).json(&echo("counted", "echo hi")).send().await.expect("create");
        s.wait_for("counted", "the end", |wf| wf["status"]["phase"] == "Succeeded");
        let r = http.get(url("/api/v1/workflows/default")).header("X-Request-Id", "abc-123").send().await.expect("list");
        assert_eq!(r.headers()["x-request-id"], "abc-123");
        let r = http.get(url("/api/v1/workflows/default")).send().await.expect("list");
        assert_eq!(r.headers()["x-request-id"].len(), 16, "a new one when none is sent");
        // Structured logs: a JSON object a line, the request's ID on it.
        let log = s.log_text();
        let line = log.lines().find(|l| l.contains("abc-123")).expect("the request in the log");
        let entry: Value = serde_json::from_str(line).expect("a JSON log line");
        assert_eq!(entry["span"]["id"], "abc-123", "{entry}");
        assert_eq!(entry["span"]["path"], "/api/v1/workflows/default", "{entry}");
        let text = http.get(url("/metrics")).send().await.expect("metrics").text().await.expect("text");
        for needle in [
            "keelson_workflows{phase=\"Succeeded\"} 1",
            "keelson_workflows_queued 0",
            "keelson_tasks_started_total 1",
            "keelson_tasks_finished_total{result=\"succeeded\"} 1",
            "keelson_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/workflows/{namespace}\",le=\"+Inf\"} 1",
            "keelson_http_requests_total{method=\"GET\",route=\"/api/v1/workflows/{namespace}\",code=\"200\"}",
            "keelson_store_commit_duration_seconds_count",
            "# TYPE keelson_stream_subscribers gauge",
        ] {
            assert!(text.contains(needle), "{needle} in:\n{text}");
        }
        // Health: no credentials needed.
        let anonymous = reqwest::Client::new();
        assert_eq!(anonymous.get(url("/healthz")).send().await.expect("healthz").status(), 200);
        assert_eq!(anonymous.get(url("/readyz")).send().await.expect("readyz").status(), 200);
        assert_eq!(anonymous.get(url("/metrics")).send().await.expect("metrics").status(), 401);
    });
}
