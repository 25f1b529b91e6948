//! A `keelson server` process for benches: started on a free port with its
//! own data directory and a known administrator password, signed in (an
//! API token), stopped with SIGTERM when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const KEELSON: &str = env!("CARGO_BIN_EXE_keelson");
const PASSWORD: &str = "bench-admin-password";

pub struct ServerProcess {
    pub child: Child,
    pub base: String,
    pub token: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    pub async fn start(data: &Path, database_url: &str, extra: &[&str]) -> ServerProcess {
        ServerProcess::start_with_env(data, database_url, extra, &[]).await
    }

    /// [`ServerProcess::start`] with these environment variables.
    pub async fn start_with_env(
        data: &Path,
        database_url: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> ServerProcess {
        std::fs::create_dir_all(data).expect("data dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let child = Command::new(KEELSON)
            .args(["server", "--database-url", database_url])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .arg("--data-dir")
            .arg(data)
            .env("KEELSON_LOG", "warn")
            .env("KEELSON_ADMIN_PASSWORD", PASSWORD)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(data.join("server.log")).expect("log"))
            .spawn()
            .expect("start the server");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let answer: serde_json::Value = http
            .post(format!("{base}/api/v1/login"))
            .json(&serde_json::json!({"username": "admin", "password": PASSWORD,
                                      "token": {"name": "bench"}}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login answer");
        let token = answer["token"].as_str().expect("a token").to_string();
        ServerProcess { child, base, token }
    }

    /// A client that sends the token.
    pub fn http(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {}", self.token).parse().expect("header");
        headers.insert(reqwest::header::AUTHORIZATION, value);
        reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(2048)
            .build()
            .expect("HTTP client")
    }

    /// The server's resident memory now (KiB), from /proc.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// The server's CPU time so far (user + system), from /proc.
    pub fn cpu_secs(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // After the command name's closing parenthesis: fields 14 and 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = [11, 12].iter().filter_map(|i| f.get(*i)?.parse::<f64>().ok()).sum();
        // SAFETY: sysconf has no memory-safety preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        ticks / hz.max(1.0)
    }
}
