//! The web UI is served from the API's port: pages rendered on the server
//! (readable without JavaScript), the WASM and its script from `/pkg`
//! (built by `make ui`), API paths still answered by the API.
//!
//! Without the built site the asset checks say they skipped — unless
//! `KEELSON_REQUIRE_UI` is set, as `make test` sets it.

use crate::support::keelson::{KEELSON, Server, data_dir};

fn site_built() -> bool {
    let site = std::path::Path::new(KEELSON).with_file_name("site");
    let built = site.join("pkg/keelson.js").is_file();
    assert!(
        built || std::env::var_os("KEELSON_REQUIRE_UI").is_none(),
        "the UI's files are not built in {}: run `make ui`",
        site.display()
    );
    built
}

#[test]
fn pages_are_rendered_on_the_server_and_the_wasm_is_served() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let http = reqwest::Client::new();
        let r = http.get(url("/")).send().await.expect("page");
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
        let html = r.text().await.expect("html");
        for needle in [
            "<title>Keelson</title>",
            "data-hydrated=\"false\"",
            "/pkg/keelson.js",
            "/pkg/keelson_bg.wasm",
            "/pkg/keelson.css",
            "<nav aria-label=\"main\">",
        ] {
            assert!(html.contains(needle), "{needle} in {html}");
        }
        // Pages are gzipped for browsers that take it.
        let r = http.get(url("/")).header("Accept-Encoding", "gzip").send().await.expect("page");
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let packed = r.bytes().await.expect("bytes");
        let page = String::from_utf8(gunzip(&packed)).expect("UTF-8");
        assert!(page.contains("<nav aria-label=\"main\">") && page.contains("</html>"), "{page}");
        assert!(packed.len() < page.len() / 2, "{} of {} bytes", packed.len(), page.len());
        let login =
            http.get(url("/login")).send().await.expect("login").text().await.expect("html");
        assert!(login.contains("type=\"password\""), "{login}");
        // API paths are the API's, even unknown ones.
        let r = http.get(url("/api/v1/no-such-thing")).send().await.expect("api");
        assert_eq!(r.status(), 404);
        let e: serde_json::Value = r.json().await.expect("JSON");
        assert_eq!(e["code"], 5);
        let r = http.get(url("/no/such/page")).send().await.expect("page");
        assert_eq!(r.status(), 404);
        if !site_built() {
            eprintln!("SKIPPED: the UI's files are not built (make ui)");
            return;
        }
        let r = http.get(url("/pkg/keelson_bg.wasm")).send().await.expect("wasm");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/wasm");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        let wasm = r.bytes().await.expect("bytes");
        assert_eq!(&wasm[..4], b"\0asm");
        let js = http.get(url("/pkg/keelson.js")).send().await.expect("js");
        assert_eq!(js.status(), 200);
        let css = http.get(url("/pkg/keelson.css")).send().await.expect("css");
        assert_eq!(css.status(), 200);
        // Gzipped for browsers that say they take it, the same bytes
        // inside; revalidation answers 304.
        let r = http
            .get(url("/pkg/keelson_bg.wasm"))
            .header("Accept-Encoding", "gzip, deflate, br")
            .send()
            .await
            .expect("gzipped wasm");
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.headers()["content-type"], "application/wasm");
        let modified = r.headers()["last-modified"].clone();
        let packed = r.bytes().await.expect("bytes");
        assert!(packed.len() < wasm.len() / 2, "{} of {} bytes", packed.len(), wasm.len());
        assert!(gunzip(&packed) == wasm, "the gzipped WASM is the WASM");
        let again = http
            .get(url("/pkg/keelson_bg.wasm"))
            .header("If-Modified-Since", modified)
            .send()
            .await
            .expect("revalidation");
        assert_eq!(again.status(), 304);
    });
}

/// `gzip -d` of `packed` (the system's gzip: no decompressor crate for
/// one test).
fn gunzip(packed: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let packed = packed.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&packed));
    let out = child.wait_with_output().expect("gzip ends");
    writer.join().expect("writer").expect("written");
    assert!(out.status.success());
    out.stdout
}

/// Each data page is rendered on the server with the asking user's data
/// (readable without JavaScript); without credentials the page is a
/// redirect to the sign-in page.
#[test]
fn pages_are_rendered_with_the_users_data() {
    let dir = data_dir();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let templates = root.join("examples/ci-pipeline-template.yaml");
    let s = Server::start(dir.path(), None, &["--templates", &templates.to_string_lossy()]);
    let diamond = root.join("examples/diamond.yaml");
    let name = s.ok(&["submit", &diamond.to_string_lossy(), "--wait", "-o", "name"]);
    let name = name.trim();
    let url = |p: &str| format!("{}{p}", s.url);
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        // Argo's cookie: what a browser signed in with a token sends.
        let cookie = format!("authorization=Bearer {}", s.token);
        let page = |path: String| {
            let (http, cookie) = (http.clone(), cookie.clone());
            async move {
                let r = http
                    .get(&path)
                    .header("Cookie", cookie)
                    .header("Accept", "text/html")
                    .send()
                    .await
                    .expect("page");
                assert_eq!(r.status(), 200, "{path}");
                assert_eq!(r.headers()["cache-control"], "no-store", "{path}: the user's data");
                r.text().await.expect("html")
            }
        };
        for path in ["/workflows", "/templates", "/cron-workflows", "/account", "/"] {
            let r = http
                .get(url(path))
                .header("Accept", "text/html")
                .send()
                .await
                .expect("signed-out page");
            assert_eq!(r.status(), 302, "{path} signed out");
            // The sign-in page brings the user back here.
            let back = path.replace('/', "%2F");
            assert_eq!(r.headers()["location"], format!("/login?next={back}").as_str(), "{path}");
        }

        let list = page(url("/workflows")).await;
        assert!(list.contains(&format!("data-name=\"{name}\"")), "{name} listed: {list}");
        assert!(list.contains(">Succeeded<"), "its phase: {list}");
        assert!(list.contains("1 shown"), "{list}");
        let elsewhere = page(url("/workflows?namespace=elsewhere")).await;
        assert!(elsewhere.contains("No workflows match."), "{elsewhere}");
        let filtered = page(url("/workflows?phase=Failed")).await;
        assert!(!filtered.contains(&format!("data-name=\"{name}\"")), "{filtered}");

        let run = page(url(&format!("/workflows/default/{name}"))).await;
        for task in ["A", "B", "C", "D"] {
            assert!(
                run.contains(&format!("data-label=\"{task}\" data-phase=\"Succeeded\"")),
                "task {task} drawn, green: {run}"
            );
        }
        let missing = page(url("/workflows/default/no-such-run")).await;
        assert!(missing.contains("workflow no-such-run does not exist"), "{missing}");

        let templates = page(url("/templates")).await;
        assert!(templates.contains("href=\"/templates/default/ci-pipeline\""), "{templates}");
        assert!(templates.contains("<span role=\"status\">1–1 of 1</span>"), "{templates}");
        let template = page(url("/templates/default/ci-pipeline")).await;
        assert!(template.contains("data-template=\"ci-pipeline\""), "{template}");
        assert!(template.contains("name=\"branch\""), "its parameters: {template}");
        assert!(template.contains(">Submit<"), "an administrator may submit: {template}");
        let crons = page(url("/cron-workflows")).await;
        assert!(crons.contains("No cron workflows."), "{crons}");
        // When each CronWorkflow runs next: from the server, which has the
        // time zones' rules.
        let api = s.http();
        for (name, schedule, suspend) in
            [("nightly", "0 2 * * *", false), ("held", "*/5 * * * *", true)]
        {
            let cron = serde_json::json!({"cronWorkflow": {"metadata": {"name": name}, "spec": {
                "schedule": schedule, "timezone": "Europe/Paris", "suspend": suspend,
                "workflowSpec": {"entrypoint": "main",
                    "templates": [{"name": "main", "container": {"image": "alpine"}}]}}}});
            let r = api.post(url("/api/v1/cron-workflows/default")).json(&cron).send().await;
            assert_eq!(r.expect("create").status(), 200, "{name}");
        }
        let next: serde_json::Value = api
            .get(url("/api/v1/cron-schedules/default"))
            .send()
            .await
            .expect("next runs")
            .json()
            .await
            .expect("JSON");
        let nightly = next["items"]
            .as_array()
            .and_then(|i| i.iter().find(|i| i["name"] == "nightly"))
            .unwrap_or_else(|| panic!("nightly in {next}"));
        let runs: Vec<&str> = nightly["nextRuns"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str())
            .collect();
        assert_eq!(runs.len(), 3, "{next}");
        for pair in runs.windows(2) {
            assert!(pair[0] < pair[1], "in order: {runs:?}");
        }
        for t in &runs {
            // 02:00 in Paris is 01:00 UTC in winter, 00:00 UTC in summer.
            assert!(t.ends_with("T01:00:00Z") || t.ends_with("T00:00:00Z"), "{t}");
        }
        let crons = page(url("/cron-workflows")).await;
        assert!(crons.contains("data-name=\"nightly\""), "{crons}");
        assert!(crons.contains("class=\"next-run\""), "{crons}");
        assert!(
            crons.contains(&format!("title=\"{}", runs[0])),
            "the next runs as its title: {crons}"
        );
        assert!(crons.contains(">in "), "how soon: {crons}");
        assert!(crons.contains("— (suspended)"), "{crons}");
        let account = page(url("/account")).await;
        assert!(account.contains("data-user=\"admin\""), "{account}");

        // Signed in with a session (as browsers are): the page is the
        // user's, and it renews the session's cookie as the API would.
        let login =
            serde_json::json!({"username": "admin", "password": crate::support::keelson::ADMIN_PASSWORD});
        let r = http.post(url("/api/v1/login")).json(&login).send().await.expect("login");
        let session = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("keelson_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string();
        let r = http
            .get(url("/account"))
            .header("Cookie", &session)
            .header("Accept", "text/html")
            .send()
            .await
            .expect("page");
        assert_eq!(r.status(), 200);
        let renewed = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(renewed.starts_with("keelson_session="), "the cookie renewed: {renewed:?}");
        assert!(r.text().await.expect("html").contains("data-user=\"admin\""));
    });
}
