//! Nobody gets in who should not: every route without credentials is 401;
//! roles per namespace hold (a viewer cannot change anything, one
//! namespace's user cannot read another's); revoked and expired tokens
//! fail; cookie changes need the CSRF token; the session ID changes at
//! login and logout really ends the session; logins are rate limited;
//! secrets appear in no response and no log; `--auth-mode none` is
//! refused off loopback; the first start makes an administrator.

use std::time::Duration;

use crate::support::keelson::{ADMIN_PASSWORD, KEELSON, Server, data_dir, http_with};
use crate::support::rt;
use crate::support::status::{any_node, node};
use reqwest::Method;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

const WORKFLOW: &str = r#"{
  "workflow": {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": "sec-"},
    "spec": {"entrypoint": "main", "templates": [
      {"name": "main", "container": {"image": "alpine", "command": ["sh", "-c", "echo the password is $PW"],
        "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}}
    ]}
  }
}"#;

/// (method, path) of every route, with sample names filled in.
fn every_route() -> Vec<(Method, &'static str)> {
    use Method as M;
    vec![
        (M::GET, "/api/v1/info"),
        (M::POST, "/api/v1/logout"),
        (M::GET, "/api/v1/userinfo"),
        (M::POST, "/api/v1/password"),
        (M::GET, "/api/v1/tokens"),
        (M::POST, "/api/v1/tokens"),
        (M::DELETE, "/api/v1/tokens/abc"),
        (M::GET, "/api/v1/users"),
        (M::POST, "/api/v1/users"),
        (M::PUT, "/api/v1/users/bob"),
        (M::DELETE, "/api/v1/users/bob"),
        (M::GET, "/api/v1/audit"),
        (M::GET, "/api/v1/workflows/"),
        (M::GET, "/api/v1/workflows/default"),
        (M::POST, "/api/v1/workflows/default"),
        (M::POST, "/api/v1/workflows/default/submit"),
        (M::GET, "/api/v1/workflows/default/w"),
        (M::DELETE, "/api/v1/workflows/default/w"),
        (M::GET, "/api/v1/workflows/default/w/log"),
        (M::PUT, "/api/v1/workflows/default/w/stop"),
        (M::GET, "/api/v1/workflow-events/"),
        (M::GET, "/api/v1/workflow-events/default"),
        (M::GET, "/api/v1/workflow-templates/default"),
        (M::POST, "/api/v1/workflow-templates/default"),
        (M::GET, "/api/v1/workflow-templates/default/t"),
        (M::PUT, "/api/v1/workflow-templates/default/t"),
        (M::DELETE, "/api/v1/workflow-templates/default/t"),
        (M::GET, "/api/v1/cluster-workflow-templates"),
        (M::POST, "/api/v1/cluster-workflow-templates"),
        (M::GET, "/api/v1/cluster-workflow-templates/t"),
        (M::PUT, "/api/v1/cluster-workflow-templates/t"),
        (M::DELETE, "/api/v1/cluster-workflow-templates/t"),
        (M::GET, "/api/v1/cron-workflows/default"),
        (M::POST, "/api/v1/cron-workflows/default"),
        (M::GET, "/api/v1/cron-workflows/default/c"),
        (M::PUT, "/api/v1/cron-workflows/default/c"),
        (M::DELETE, "/api/v1/cron-workflows/default/c"),
        (M::PUT, "/api/v1/cron-workflows/default/c/suspend"),
        (M::GET, "/api/v1/namespaces/default/secrets"),
        (M::POST, "/api/v1/namespaces/default/secrets"),
        (M::DELETE, "/api/v1/namespaces/default/secrets/s"),
        (M::GET, "/metrics"),
        (M::POST, "/api/v1/workflows/default/lint"),
        (M::PUT, "/api/v1/workflows/default/w/set"),
        (M::POST, "/api/v1/workflow-templates/default/lint"),
        (M::POST, "/api/v1/cluster-workflow-templates/lint"),
        (M::POST, "/api/v1/cron-workflows/default/lint"),
        (M::GET, "/api/v1/archived-workflows"),
        (M::GET, "/api/v1/archived-workflows-label-keys"),
        (M::GET, "/api/v1/archived-workflows-label-values"),
        (M::GET, "/api/v1/archived-workflows/u"),
        (M::DELETE, "/api/v1/archived-workflows/u"),
        (M::PUT, "/api/v1/archived-workflows/u/retry"),
        (M::GET, "/ws/workflow-events/default"),
        (M::GET, "/ws/workflows/default/w/log"),
    ]
}

async fn status_and_body(r: reqwest::RequestBuilder) -> (u16, Value) {
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[test]
fn every_route_wants_credentials_and_roles_hold_per_namespace() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let anonymous = http_with("");
        for (method, path) in every_route() {
            let (status, body) =
                status_and_body(anonymous.request(method.clone(), url(path)).json(&json!({})))
                    .await;
            assert_eq!(status, 401, "{method} {path} without credentials: {body}");
            assert_eq!(body["code"], 16, "{method} {path}: {body}");
        }
        // Those that need nobody.
        for path in ["/healthz", "/readyz", "/api/v1/version"] {
            let r = anonymous.get(url(path)).send().await.expect("get");
            assert_eq!(r.status(), 200, "{path}");
        }
        // A made-up token, a malformed header: 401 too.
        let (status, _) =
            status_and_body(http_with("kst_nothing").get(url("/api/v1/workflows/default"))).await;
        assert_eq!(status, 401);
        let (status, _) = status_and_body(
            anonymous.get(url("/api/v1/workflows/default")).header("Authorization", "Basic eDp5"),
        )
        .await;
        assert_eq!(status, 401);

        // Users: a viewer of default, an editor of team-a.
        let admin = s.http();
        for (name, roles) in
            [("vic", json!({"default": "viewer"})), ("eddie", json!({"team-a": "editor"}))]
        {
            let (status, body) = status_and_body(
                admin
                    .post(url("/api/v1/users"))
                    .json(&json!({"name": name, "password": "long-enough-pw", "roles": roles})),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, body) = status_and_body(
            admin
                .post(url("/api/v1/users"))
                .json(&json!({"name": "vic", "password": "long-enough-pw"})),
        )
        .await;
        assert_eq!((status, body["code"].clone()), (409, json!(6)), "{body}");
        let vic = http_with(&s.sign_in("vic", "long-enough-pw"));
        let eddie = http_with(&s.sign_in("eddie", "long-enough-pw"));
        let workflow: Value = serde_json::from_str(WORKFLOW).expect("JSON");

        // The viewer reads default, changes nothing, sees no other namespace.
        let (status, _) = status_and_body(vic.get(url("/api/v1/workflows/default"))).await;
        assert_eq!(status, 200);
        for (method, path) in
            // (Lint changes nothing: viewers may lint.)
            every_route().into_iter().filter(|(m, p)| {
                *m != Method::GET && p.contains("/default") && !p.ends_with("/lint")
            })
        {
            let (status, body) =
                status_and_body(vic.request(method.clone(), url(path)).json(&json!({}))).await;
            assert_eq!(status, 403, "a viewer's {method} {path}: {body}");
            assert_eq!(body["code"], 7, "{body}");
        }
        for path in ["/api/v1/workflows/team-a", "/api/v1/workflows/", "/api/v1/users"] {
            let (status, _) = status_and_body(vic.get(url(path))).await;
            assert_eq!(status, 403, "the viewer of default reads {path}");
        }
        // Nor through a selector naming another namespace.
        for path in [
            "/api/v1/workflows/default?listOptions.fieldSelector=metadata.namespace%3Dteam-a",
            "/api/v1/workflow-events/default?listOptions.fieldSelector=metadata.namespace%3Dteam-a",
            "/api/v1/archived-workflows",
        ] {
            let (status, body) = status_and_body(vic.get(url(path))).await;
            assert!(status == 400 || status == 403, "{path}: {status} {body}");
        }
        // The editor of team-a submits there, reads nothing elsewhere, and
        // may not touch team-a's secrets (administrators only).
        let (status, body) =
            status_and_body(eddie.post(url("/api/v1/workflows/team-a")).json(&workflow)).await;
        assert_eq!(status, 200, "{body}");
        let name = body["metadata"]["name"].as_str().expect("a name").to_string();
        let (status, _) =
            status_and_body(eddie.get(url(&format!("/api/v1/workflows/team-a/{name}")))).await;
        assert_eq!(status, 200);
        for (method, path) in [
            (Method::GET, "/api/v1/workflows/default"),
            (Method::POST, "/api/v1/workflows/default"),
            (Method::GET, "/api/v1/namespaces/team-a/secrets"),
            (Method::GET, "/api/v1/audit"),
        ] {
            let (status, body) =
                status_and_body(eddie.request(method.clone(), url(path)).json(&workflow)).await;
            assert_eq!(status, 403, "the editor of team-a: {method} {path}: {body}");
        }
        let (status, _) =
            status_and_body(vic.get(url(&format!("/api/v1/workflows/team-a/{name}/log")))).await;
        assert_eq!(status, 403, "team-a's logs are not default's viewer's");

        // Who am I.
        let (_, me) = status_and_body(eddie.get(url("/api/v1/userinfo"))).await;
        assert_eq!(me["subject"], "eddie");
        assert_eq!(me["roles"], json!({"team-a": "editor"}));

        // The audit log says who did what, refusals included.
        let (status, audit) = status_and_body(admin.get(url("/api/v1/audit"))).await;
        assert_eq!(status, 200);
        let items = audit["items"].as_array().expect("items");
        assert!(
            items.iter().any(|e| e["who"] == "eddie"
                && e["path"] == "/api/v1/workflows/team-a"
                && e["status"] == 200),
            "{audit:#}"
        );
        assert!(
            items.iter().any(|e| e["who"] == "vic" && e["status"] == 403),
            "refusals are audited: {audit:#}"
        );
        assert!(items.iter().all(|e| e["remote"] == "127.0.0.1"), "{audit:#}");
    });
}

#[test]
fn revoked_and_expired_tokens_fail() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let admin = s.http();
        let (_, short) = status_and_body(
            // Times are whole seconds: 3 s leaves at least 2 for what
            // follows, even on a busy machine.
            admin.post(url("/api/v1/tokens")).json(&json!({"name": "short", "expiresInSeconds": 3})),
        )
        .await;
        let (_, long) =
            status_and_body(admin.post(url("/api/v1/tokens")).json(&json!({"name": "long"}))).await;
        let short_client = http_with(short["token"].as_str().expect("token"));
        let long_client = http_with(long["token"].as_str().expect("token"));
        let list = url("/api/v1/workflows/default");
        assert_eq!(status_and_body(long_client.get(&list)).await.0, 200);
        // The list shows tokens without their secrets.
        let (_, tokens) = status_and_body(admin.get(url("/api/v1/tokens"))).await;
        assert!(tokens["items"].as_array().is_some_and(|t| t.len() >= 3), "{tokens}");
        assert!(!tokens.to_string().contains(long["token"].as_str().unwrap_or("-")), "{tokens}");
        // A token cannot make one that outlives it.
        let (status, body) = status_and_body(
            short_client.post(url("/api/v1/tokens")).json(&json!({"name": "longer"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body["expiresAt"].is_string(), "it expires with its maker: {body}");
        let (status, _) = status_and_body(
            short_client
                .post(url("/api/v1/tokens"))
                .json(&json!({"name": "longer", "expiresInSeconds": 3600})),
        )
        .await;
        assert_eq!(status, 400);
        // Revoked: refused at once (no cache delay on this server).
        let id = long["id"].as_str().expect("id");
        assert_eq!(status_and_body(admin.delete(url(&format!("/api/v1/tokens/{id}")))).await.0, 200);
        let (status, body) = status_and_body(long_client.get(&list)).await;
        assert_eq!(status, 401, "{body}");
        // Expired.
        tokio::time::sleep(Duration::from_millis(4100)).await;
        let (status, body) = status_and_body(short_client.get(&list)).await;
        assert_eq!(status, 401, "an expired token: {body}");
        // Another user's token cannot be revoked by a non-administrator.
        let (status, _) = status_and_body(admin.post(url("/api/v1/users")).json(
            &json!({"name": "mallory", "password": "long-enough-pw", "roles": {"default": "editor"}}),
        ))
        .await;
        assert_eq!(status, 200);
        let mallory = http_with(&s.sign_in("mallory", "long-enough-pw"));
        let (_, admins) = status_and_body(admin.get(url("/api/v1/tokens"))).await;
        let admin_token = admins["items"][0]["id"].as_str().expect("an id").to_string();
        let (status, _) =
            status_and_body(mallory.delete(url(&format!("/api/v1/tokens/{admin_token}")))).await;
        assert_eq!(status, 404);
        // A deleted user's tokens die with them.
        assert_eq!(status_and_body(admin.delete(url("/api/v1/users/mallory"))).await.0, 200);
        assert_eq!(status_and_body(mallory.get(&list)).await.0, 401);
    });
}

/// The `name=value` of a Set-Cookie for `name`, and the whole header.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let pair = v.split(';').next()?.trim();
        pair.starts_with(&format!("{name}=")).then(|| (pair.to_string(), v.to_string()))
    })
}

#[test]
fn sessions_rotate_at_login_need_csrf_to_change_and_end_at_logout() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = http_with("");
        let login = json!({"username": "admin", "password": ADMIN_PASSWORD});
        let r = http.post(url("/api/v1/login")).json(&login).send().await.expect("login");
        assert_eq!(r.status(), 200);
        let (first, header) = set_cookie(&r, "keelson_session").expect("a session cookie");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(header.contains(flag), "{header}");
        }
        assert!(!header.contains("Secure"), "no TLS here: {header}");
        let body: Value = r.json().await.expect("JSON");
        let csrf = body["csrfToken"].as_str().expect("a CSRF token").to_string();
        // Logging in again with that cookie gives another session ID; the
        // old one is void.
        let r = http
            .post(url("/api/v1/login"))
            .header(COOKIE, &first)
            .json(&login)
            .send()
            .await
            .expect("login");
        let (second, _) = set_cookie(&r, "keelson_session").expect("a session cookie");
        assert_ne!(first, second, "a new session ID at login");
        let csrf2 =
            r.json::<Value>().await.expect("JSON")["csrfToken"].as_str().expect("csrf").to_string();
        let list = url("/api/v1/workflows/default");
        assert_eq!(status_and_body(http.get(&list).header(COOKIE, &first)).await.0, 401);
        assert_eq!(status_and_body(http.get(&list).header(COOKIE, &second)).await.0, 200);
        // Changes with the cookie: the CSRF token or 403.
        let workflow: Value = serde_json::from_str(WORKFLOW).expect("JSON");
        let (status, body) =
            status_and_body(http.post(&list).header(COOKIE, &second).json(&workflow)).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = status_and_body(
            http.post(&list).header(COOKIE, &second).header("X-CSRF-Token", &csrf).json(&workflow),
        )
        .await;
        assert_eq!(status, 403, "the old session's CSRF token");
        let (status, body) = status_and_body(
            http.post(&list).header(COOKIE, &second).header("X-CSRF-Token", &csrf2).json(&workflow),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        // Argo's `authorization` cookie reads (EventSource), never changes.
        let token = format!("authorization=Bearer%20{}", s.token);
        assert_eq!(status_and_body(http.get(&list).header(COOKIE, &token)).await.0, 200);
        assert_eq!(
            status_and_body(http.post(&list).header(COOKIE, &token).json(&workflow)).await.0,
            403
        );
        // Logout ends it: the cookie, replayed, is worthless.
        let (status, _) = status_and_body(
            http.post(url("/api/v1/logout")).header(COOKIE, &second).header("X-CSRF-Token", &csrf2),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(status_and_body(http.get(&list).header(COOKIE, &second)).await.0, 401);
    });
}

#[test]
fn logins_are_rate_limited_with_back_off() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = http_with("");
        let attempt = |password: &str| {
            http.post(url("/api/v1/login"))
                .json(&json!({"username": "admin", "password": password}))
        };
        for _ in 0..5 {
            let (status, body) = status_and_body(attempt("wrong-password")).await;
            assert_eq!(status, 401, "{body}");
        }
        // Not written down as the administrator's doing.
        let (_, audit) = status_and_body(s.http().get(url("/api/v1/audit"))).await;
        let logins: Vec<&Value> = audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["path"] == "/api/v1/login" && e["status"] == 401)
            .collect();
        assert!(
            !logins.is_empty() && logins.iter().all(|e| e["who"] == "anonymous (tried \"admin\")"),
            "{audit}"
        );
        // Past the free failures, even the right password waits.
        let r = attempt(ADMIN_PASSWORD).send().await.expect("login");
        assert_eq!(r.status(), 429);
        assert!(r.headers().get("retry-after").is_some());
        let body: Value = r.json().await.expect("JSON");
        assert_eq!(body["code"], 8);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (status, _) = status_and_body(attempt(ADMIN_PASSWORD)).await;
        assert_eq!(status, 200, "after the back-off");
    });
}

#[test]
fn secrets_appear_in_no_response_and_no_log() {
    const VALUE: &str = "s3cr3t-value-4711";
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    let name = rt().block_on(async {
        let admin = s.http();
        let (status, _) = status_and_body(
            admin
                .post(url("/api/v1/namespaces/default/secrets"))
                .json(&json!({"metadata": {"name": "db"}, "stringData": {"pw": VALUE}})),
        )
        .await;
        assert_eq!(status, 200);
        let workflow: Value = serde_json::from_str(WORKFLOW).expect("JSON");
        let (_, created) =
            status_and_body(admin.post(url("/api/v1/workflows/default")).json(&workflow)).await;
        created["metadata"]["name"].as_str().expect("name").to_string()
    });
    s.wait_for(&name, "the end", |wf| wf["status"]["phase"] == "Succeeded");
    rt().block_on(async {
        let admin = s.http();
        let mut seen = String::new();
        for path in [
            "/api/v1/namespaces/default/secrets".to_string(),
            format!("/api/v1/workflows/default/{name}"),
            format!("/api/v1/workflows/default/{name}/log?logOptions.container=main"),
            "/api/v1/workflows/default".to_string(),
            "/api/v1/audit".to_string(),
        ] {
            let (status, body) = status_and_body(admin.get(url(&path))).await;
            assert_eq!(status, 200, "{path}");
            seen.push_str(&body.to_string());
        }
        assert!(seen.contains("the password is ***"), "masked in the log: {seen}");
        assert!(!seen.contains(VALUE), "a secret in a response: {seen}");
    });
    let log = s.log_text();
    assert!(!log.contains(VALUE), "a secret in the server's log:\n{log}");
}

#[test]
fn auth_mode_none_is_refused_off_loopback() {
    let dir = data_dir();
    let out = std::process::Command::new(KEELSON)
        .args(["server", "--auth-mode", "none", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run keelson server");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only allowed on a loopback address"), "{err}");
    // On loopback it runs, everyone an administrator, and says so loudly.
    let s = Server::start(dir.path(), None, &["--auth-mode", "none"]);
    let (status, body) = rt().block_on(status_and_body(
        http_with("")
            .post(format!("{}/api/v1/namespaces/x/secrets", s.url))
            .json(&json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}})),
    ));
    assert_eq!(status, 200, "an administrator's change, without credentials: {body}");
    s.ok(&["list"]);
    // But not for another site's page in the browser (DNS rebinding, a
    // cross-site request or websocket).
    for (header, value) in [("Host", "evil.example:2746"), ("Origin", "http://evil.example")] {
        let (status, _) = rt().block_on(status_and_body(
            http_with("").get(format!("{}/api/v1/workflows/default", s.url)).header(header, value),
        ));
        assert_eq!(status, 403, "{header}: {value}");
        // Nor through a page rendered on the server, which reads the API
        // as the browser that asked for it.
        let (status, page) = rt().block_on(status_and_body(
            http_with("").get(format!("{}/secrets?namespace=x", s.url)).header(header, value),
        ));
        assert_eq!(status, 200, "{header}: {value}");
        let page = page.as_str().unwrap_or_default();
        assert!(page.contains("answers loopback names and pages only"), "{header}: {page}");
        assert!(!page.contains("data-name=\"s\""), "{header}: the secret is not listed: {page}");
    }
    let (_, page) =
        rt().block_on(status_and_body(http_with("").get(format!("{}/secrets?namespace=x", s.url))));
    assert!(
        page.as_str().unwrap_or_default().contains("data-name=\"s\""),
        "on loopback the page lists it: {page}"
    );
    assert!(s.log_text().contains("WARNING: --auth-mode none"), "{}", s.log_text());
}

#[test]
fn the_first_start_makes_an_administrator_with_a_one_time_password() {
    let dir = data_dir();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let log = dir.path().join("first.log");
    let mut child = std::process::Command::new(KEELSON)
        .args(["server", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .env_remove("KEELSON_ADMIN_PASSWORD")
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start");
    let file = dir.path().join("initial-admin-password");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    let password = std::fs::read_to_string(&file).expect("the password file");
    let password = password.trim();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).expect("metadata").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner may read it");
    let printed = std::fs::read_to_string(&log).expect("log");
    assert!(printed.contains(&format!("password: {password}")), "{printed}");
    let url = format!("http://127.0.0.1:{port}");
    rt().block_on(async {
        let http = http_with("");
        let (status, body) = status_and_body(
            http.post(format!("{url}/api/v1/login"))
                .json(&json!({"username": "admin", "password": password, "token": {"name": "t"}})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let admin = http_with(body["token"].as_str().expect("token"));
        let (status, body) = status_and_body(
            admin
                .post(format!("{url}/api/v1/password"))
                .json(&json!({"currentPassword": password, "newPassword": "a-better-password"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    });
    assert!(!file.exists(), "the one-time password is gone once changed");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn tls_serves_https_with_hsts_and_secure_cookies() {
    let dir = data_dir();
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("a certificate");
    let (cert_file, key_file) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert_file, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_file, cert.signing_key.serialize_pem()).expect("write key");
    let (c, k) =
        (cert_file.to_string_lossy().into_owned(), key_file.to_string_lossy().into_owned());
    let s = Server::start(dir.path(), None, &["--tls-cert", &c, "--tls-key", &k]);
    assert!(s.url.starts_with("https://"));
    // The CLI (trusting the certificate) works over TLS.
    s.ok(&["list"]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = s.http();
        let r = http.get(url("/api/v1/workflows/default")).send().await.expect("over TLS");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
        let r = http
            .post(url("/api/v1/login"))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .expect("login");
        let (_, header) = set_cookie(&r, "keelson_session").expect("a session cookie");
        assert!(header.contains("Secure") && header.contains("HttpOnly"), "{header}");
        // Plain HTTP on the TLS port gets nowhere.
        let plain = url("/healthz").replace("https://", "http://");
        assert!(http_with("").get(plain).send().await.is_err());
    });
    // A certificate that is not one is refused at start, clearly.
    let out = std::process::Command::new(KEELSON)
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &k,
            "--tls-key",
            &k,
            "--data-dir",
        ])
        .arg(dir.path().join("other"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the certificate chain"), "{err}");
}

#[test]
fn sessions_end_when_idle_and_at_their_absolute_limit() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &["--session-idle", "3", "--session-max", "8"]);
    let url = |p: &str| format!("{}{p}", s.url);
    rt().block_on(async {
        let http = http_with("");
        let login = || async {
            let r = http
                .post(url("/api/v1/login"))
                .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
                .send()
                .await
                .expect("login");
            set_cookie(&r, "keelson_session").expect("a cookie").0
        };
        let list = url("/api/v1/workflows/default");
        let status = |cookie: String| {
            let r = http.get(&list).header(COOKIE, cookie).send();
            async move { r.await.expect("list").status().as_u16() }
        };
        // (The server counts whole seconds: the checks leave a second's
        // room either side of the limit, measured from the login, so a
        // busy machine cannot make it fail.)
        // Used every second, it outlives its idle time, until its limit.
        let cookie = login().await;
        let born = std::time::Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let age = born.elapsed();
            let answer = status(cookie.clone()).await;
            if age < Duration::from_secs(7) {
                assert_eq!(answer, 200, "in use, {age:?} old");
            } else if age > Duration::from_secs(9) {
                assert_eq!(answer, 401, "past the absolute limit (idle only a second)");
                break;
            }
        }
        // Left alone longer than the idle time: over.
        let cookie = login().await;
        assert_eq!(status(cookie.clone()).await, 200);
        tokio::time::sleep(Duration::from_millis(4100)).await;
        assert_eq!(status(cookie).await, 401, "idle too long");
    });
}

/// A task that prints a secret's value: the value flows to the step that
/// reads the result, exactly as printed (Argo's semantics), also after a
/// `kill -9` and a replay of the journal; but no file under the data
/// directory, no API answer, no stream and no page holds it.
#[test]
fn a_printed_secret_flows_on_but_is_sealed_at_rest_and_masked_everywhere() {
    const VALUE: &str = "hunter2-Pr1nted-4711";
    const FLOW: &str = r#"{"workflow": {
      "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
      "metadata": {"name": "leaky"},
      "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [
          [{"name": "leak", "template": "leak"}],
          [{"name": "use", "template": "use",
            "arguments": {"parameters": [{"name": "v", "value": "{{steps.leak.outputs.result}}"}]}}]]},
        {"name": "leak", "container": {"image": "alpine", "command": ["sh", "-c", "echo pass=$PW"],
          "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "docker", "key": "password"}}}]}},
        {"name": "use", "inputs": {"parameters": [{"name": "v"}]},
          "retryStrategy": {"limit": 3, "retryPolicy": "Always"},
          "container": {"image": "alpine",
            "command": ["sh", "-c", "sleep 3; test \"$V\" = \"pass=$PW\" && echo matched"],
            "env": [{"name": "V", "value": "{{inputs.parameters.v}}"},
              {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "docker", "key": "password"}}}]}}
      ]}}}"#;
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    rt().block_on(async {
        let admin = s.http();
        let secret = json!({"metadata": {"name": "docker"}, "stringData": {"password": VALUE}});
        let url = format!("{}/api/v1/namespaces/default/secrets", s.url);
        assert_eq!(status_and_body(admin.post(url).json(&secret)).await.0, 200);
        let workflow: Value = serde_json::from_str(FLOW).expect("JSON");
        let url = format!("{}/api/v1/workflows/default", s.url);
        let (status, body) = status_and_body(admin.post(url).json(&workflow)).await;
        assert_eq!(status, 200, "{body}");
    });
    let use_running = |wf: &Value| {
        any_node(wf, |n| {
            n["type"] == "Pod" && n["templateName"] == "use" && n["phase"] == "Running"
        })
    };
    s.wait_for("leaky", "the step that reads the result to run", use_running);
    // The journal is all there is now: a new server replays it, opening
    // the sealed entry, and the lost step runs again with the value.
    let database_url = s.database_url.clone();
    s.kill9();
    let s = Server::start(dir.path(), Some(&database_url), &[]);
    s.wait_for("leaky", "the end", |wf| {
        wf["status"]["phase"].as_str().is_some_and(|p| p != "Running")
    });
    let wf = s.workflow("leaky");
    assert_eq!(wf["status"]["phase"], "Succeeded", "the value reached `use` as printed: {wf:#}");
    let leak = node(&wf, "leak");
    assert_eq!(leak["outputs"]["result"], "pass=***", "{leak:#}");

    let mut seen = String::new();
    rt().block_on(async {
        let admin = s.http();
        for path in [
            "/api/v1/workflows/default/leaky",
            "/api/v1/workflows/default",
            "/api/v1/workflows/default/leaky/log?logOptions.container=main",
            "/api/v1/archived-workflows?namespace=default",
            "/workflows/default/leaky",
            "/workflows?namespace=default",
        ] {
            let r = admin
                .get(format!("{}{path}", s.url))
                .header("Cookie", format!("authorization=Bearer {}", s.token))
                .send()
                .await
                .expect("answer");
            assert_eq!(r.status(), 200, "{path}");
            seen.push_str(&r.text().await.expect("body"));
        }
        // The watch stream: the workflow as it is, once.
        let r = admin
            .get(format!("{}/api/v1/workflow-events/default?listOptions.resourceVersion=0", s.url))
            .send()
            .await
            .expect("watch");
        let mut r = r;
        let read = tokio::time::timeout(Duration::from_secs(3), async {
            let mut text = String::new();
            while let Ok(Some(chunk)) = r.chunk().await {
                text.push_str(&String::from_utf8_lossy(&chunk));
                if text.contains("leaky") {
                    break;
                }
            }
            text
        })
        .await
        .unwrap_or_default();
        seen.push_str(&read);
    });
    assert!(seen.contains("pass=***"), "the result, masked: {seen}");
    assert!(seen.contains("matched"), "the step's log: {seen}");
    assert!(!seen.contains(VALUE), "the secret in an answer: {seen}");
    // At rest: not in any file of the data directory (the database and
    // its write-ahead log, logs, run directories).
    let mut files = vec![dir.path().to_path_buf()];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).expect("dir").flatten().map(|e| e.path()));
        } else if let Ok(bytes) = std::fs::read(&path) {
            checked += 1;
            let found = bytes.windows(VALUE.len()).any(|w| w == VALUE.as_bytes());
            assert!(!found, "the secret in {}", path.display());
        }
    }
    assert!(checked > 3, "the database and logs were read");
    // The journal holds the printed value sealed.
    rt().block_on(async {
        let store = server::store::Store::open(&database_url).await.expect("store");
        let row = store.workflow("default", "leaky").await.expect("read").expect("row");
        let journal = store.events(&row.uid).await.expect("journal");
        assert!(
            journal.iter().any(|e| matches!(e.entry, server::store::Entry::Sealed { .. })),
            "a sealed entry: {journal:?}"
        );
    });
}
