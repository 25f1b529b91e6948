//! A real `keelson server` process for tests: started on a free port with
//! its own data directory, stopped by SIGKILL or SIGTERM like an operator
//! would; and the `keelson` CLI run against it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const KEELSON: &str = env!("CARGO_BIN_EXE_keelson");

pub struct Server {
    pub child: Child,
    pub url: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub log: PathBuf,
    /// The administrator's API token (empty under `--auth-mode none`).
    pub token: String,
    /// Served over TLS: the (self-signed) certificate to trust.
    pub ca: Option<PathBuf>,
}

/// The first administrator's password in tests (KEELSON_ADMIN_PASSWORD).
pub const ADMIN_PASSWORD: &str = "test-admin-password";

impl Server {
    /// Start a server on `data_dir` (and `database_url`, default SQLite
    /// there) with these extra arguments; wait until it answers.
    pub fn start(data_dir: &Path, database_url: Option<&str>, extra: &[&str]) -> Server {
        Server::start_wrapped(&[], data_dir, database_url, extra)
    }

    /// Like [`Server::start`] (SQLite), with these environment variables.
    pub fn start_with_env(data_dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> Server {
        Server::launch(&[], env, data_dir, None, extra)
    }

    /// Like [`Server::start`], the command run through `wrapper` (e.g.
    /// `unshare … sh -c '…; exec "$@"' sh`).
    pub fn start_wrapped(
        wrapper: &[&str],
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> Server {
        Server::launch(wrapper, &[], data_dir, database_url, extra)
    }

    fn launch(
        wrapper: &[&str],
        env: &[(&str, &str)],
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let database_url = database_url.map_or_else(
            || format!("sqlite://{}", data_dir.join("keelson.db").display()),
            str::to_string,
        );
        std::fs::create_dir_all(data_dir).expect("data dir");
        let log = data_dir.join(format!("server-{port}.log"));
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(KEELSON);
                c
            }
            None => Command::new(KEELSON),
        };
        let child = command
            .arg("server")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--database-url", &database_url])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("KEELSON_LOG", "debug")
            .env("KEELSON_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start keelson server");
        let tls_cert = extra.windows(2).find(|w| w[0] == "--tls-cert").map(|w| PathBuf::from(w[1]));
        let scheme = if tls_cert.is_some() { "https" } else { "http" };
        let mut server = Server {
            child,
            url: format!("{scheme}://127.0.0.1:{port}"),
            ca: tls_cert,
            data_dir: data_dir.to_path_buf(),
            database_url,
            log,
            token: String::new(),
        };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the server did not start:\n{}",
                server.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        if !extra.windows(2).any(|w| w == ["--auth-mode", "none"]) {
            server.token = server.sign_in("admin", ADMIN_PASSWORD);
        }
        server
    }

    /// An HTTP client that sends the administrator's token.
    pub fn http(&self) -> reqwest::Client {
        match &self.ca {
            None => http_with(&self.token),
            Some(ca) => {
                let pem = std::fs::read(ca).expect("the certificate");
                let mut headers = reqwest::header::HeaderMap::new();
                let value = format!("Bearer {}", self.token).parse().expect("a header value");
                headers.insert(reqwest::header::AUTHORIZATION, value);
                reqwest::Client::builder()
                    .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("PEM"))
                    .default_headers(headers)
                    .build()
                    .expect("HTTP client")
            }
        }
    }

    /// `keelson login` as `user`: a new API token for them.
    pub fn sign_in(&self, user: &str, password: &str) -> String {
        use std::io::Write;
        let config = self.data_dir.join(format!("config-{user}"));
        let mut child = Command::new(KEELSON)
            .args(["login", "--server", &self.url, "-u", user, "--password-stdin"])
            .env("XDG_CONFIG_HOME", &config)
            .env("KEELSON_CA_CERT", self.ca.as_deref().unwrap_or(Path::new("")))
            .env_remove("KEELSON_TOKEN")
            .env_remove("KEELSON_SERVER")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run keelson login");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{password}");
        }
        let out = child.wait_with_output().expect("keelson login");
        assert!(
            out.status.success(),
            "keelson login -u {user} failed:\n{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log_text()
        );
        let saved = std::fs::read_to_string(config.join("keelson/config.json")).expect("config");
        let saved: serde_json::Value = serde_json::from_str(&saved).expect("config JSON");
        saved["token"].as_str().expect("a saved token").to_string()
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `keelson ARGS` against this server.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(KEELSON)
            .args(args)
            .env("KEELSON_SERVER", &self.url)
            .env("KEELSON_TOKEN", &self.token)
            .env("KEELSON_CA_CERT", self.ca.as_deref().unwrap_or(Path::new("")))
            .env("XDG_CONFIG_HOME", self.data_dir.join("config-none"))
            .output()
            .expect("run keelson")
    }

    /// `keelson ARGS`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "keelson {args:?} failed ({}):\n{}\n{}\nserver log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log_text()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The workflow as JSON.
    pub fn workflow(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["get", name, "-o", "json"])).expect("JSON")
    }

    /// Wait until `cond` holds of the workflow.
    pub fn wait_for(&self, name: &str, what: &str, cond: impl Fn(&serde_json::Value) -> bool) {
        let start = Instant::now();
        loop {
            let wf = self.workflow(name);
            if cond(&wf) {
                return;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "waited for {what}: {wf:#}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL: no shutdown at all.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for the process to exit; how long it took.
    pub fn terminate(mut self) -> (std::process::ExitStatus, Duration) {
        let start = Instant::now();
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let status = self.child.wait().expect("wait for the server");
        (status, start.elapsed())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory for a test's data, not under /tmp (tasks get a private
/// /tmp).
pub fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir")
}

/// Write a workflow file into `dir`.
pub fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write workflow");
    p
}

/// An HTTP client that sends `token` (none if empty).
pub fn http_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if !token.is_empty() {
        let value = format!("Bearer {token}").parse().expect("a header value");
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder().default_headers(headers).build().expect("HTTP client")
}
