//! The CLI's HTTP client of a Keelson (or Argo) server: where it is, the
//! token, and errors a person can act on (server down, token refused,
//! the server's own message).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use serde_json::Value;

/// Where the server is when nothing says otherwise.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:2746";

/// Options every client verb takes.
#[derive(clap::Args, Debug, Clone)]
pub struct ClientArgs {
    /// The server's URL (default: $KEELSON_SERVER, the config file, or
    /// http://127.0.0.1:2746).
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// The namespace.
    #[arg(short = 'n', long, global = true, default_value = "default")]
    pub namespace: String,
}

/// `~/.config/keelson/config.json`: `{"server": …, "token": …}`, written
/// by `keelson login`. The token is sent to that server only.
#[derive(serde::Deserialize, serde::Serialize, Default)]
pub struct ConfigFile {
    pub server: Option<String>,
    pub token: Option<String>,
}

pub fn config_path() -> Option<PathBuf> {
    let dir = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    dir.map(|d| d.join("keelson/config.json"))
}

pub fn config_file() -> ConfigFile {
    let Some(path) = config_path() else { return ConfigFile::default() };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Save the config file, readable by its owner only (it holds a token).
pub fn save_config(config: &ConfigFile) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = config_path().context("no home directory to keep the config file in")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(serde_json::to_string_pretty(config)?.as_bytes())?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
    pub namespace: String,
}

impl Client {
    pub fn new(args: &ClientArgs) -> anyhow::Result<Client> {
        let file = config_file();
        let base = args
            .server
            .clone()
            .or_else(|| std::env::var("KEELSON_SERVER").ok().filter(|s| !s.is_empty()))
            .or_else(|| file.server.clone())
            .unwrap_or_else(|| DEFAULT_SERVER.to_string());
        let base = base.trim_end_matches('/').to_string();
        // The saved token belongs to the saved server: never send it to
        // another one.
        let saved = file.token.filter(|_| {
            file.server.as_deref().map(|s| s.trim_end_matches('/')) == Some(base.as_str())
        });
        let token = std::env::var("KEELSON_TOKEN").ok().filter(|t| !t.is_empty()).or(saved);
        let mut builder =
            reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(5));
        // A server with its own certificate authority (or a self-signed
        // certificate): trust it too.
        if let Some(path) = std::env::var_os("KEELSON_CA_CERT").filter(|p| !p.is_empty()) {
            let pem = std::fs::read(&path)
                .with_context(|| format!("cannot read KEELSON_CA_CERT {}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem).with_context(|| {
                format!("KEELSON_CA_CERT {} is not a PEM certificate", path.display())
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder.build().context("cannot make an HTTP client")?;
        Ok(Client { base, token, http, namespace: args.namespace.clone() })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    async fn send(&self, r: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let response = r.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or(text);
        match status.as_u16() {
            401 if self.token.is_none() => bail!(
                "the server at {} wants you signed in: run `keelson login` (or set KEELSON_TOKEN)",
                self.base
            ),
            401 => bail!(
                "the server at {} refused the token ({message}): run `keelson login` again",
                self.base
            ),
            403 => bail!("not allowed: {message}"),
            _ => Err(anyhow!("{message}")),
        }
    }

    fn unreachable(&self, e: reqwest::Error) -> anyhow::Error {
        if e.is_connect() || e.is_timeout() {
            anyhow!(
                "cannot reach a Keelson server at {}: start one with `keelson server`, or point \
                 --server / KEELSON_SERVER at yours",
                self.base
            )
        } else {
            anyhow!("request to {} failed: {e}", self.base)
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// POST without a token (signing in).
    pub async fn post_anonymous(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let r = self.http.post(format!("{}{path}", self.base)).json(body);
        let r = self.send(r).await?;
        r.json().await.context("the server's answer is not JSON")
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let r = self.request(reqwest::Method::GET, path).header("accept", "application/json");
        let r = self.send(r).await?;
        r.json().await.context("the server's answer is not JSON")
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let r = self.send(self.request(reqwest::Method::POST, path).json(body)).await?;
        r.json().await.context("the server's answer is not JSON")
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let r = self.send(self.request(reqwest::Method::PUT, path).json(body)).await?;
        r.json().await.context("the server's answer is not JSON")
    }

    /// POST the file `file` as the multipart form field `file`, streamed:
    /// the server's JSON answer.
    pub async fn upload(&self, path: &str, file: &Path) -> anyhow::Result<Value> {
        let f = tokio::fs::File::open(file)
            .await
            .with_context(|| format!("cannot read {}", file.display()))?;
        let len =
            f.metadata().await.with_context(|| format!("cannot read {}", file.display()))?.len();
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(f));
        let part = reqwest::multipart::Part::stream_with_length(body, len).file_name(name);
        let form = reqwest::multipart::Form::new().part("file", part);
        let r = self.send(self.request(reqwest::Method::POST, path).multipart(form)).await?;
        r.json().await.context("the server's answer is not JSON")
    }

    /// GET `path` into the file `dest` (created or truncated), streamed:
    /// its size.
    pub async fn download(&self, path: &str, dest: &Path) -> anyhow::Result<u64> {
        use tokio::io::AsyncWriteExt;
        let mut r = self.send(self.request(reqwest::Method::GET, path)).await?;
        let mut file = tokio::fs::File::create(dest)
            .await
            .with_context(|| format!("cannot create {}", dest.display()))?;
        let mut size = 0u64;
        while let Some(chunk) = r.chunk().await.map_err(|e| self.unreachable(e))? {
            file.write_all(&chunk)
                .await
                .with_context(|| format!("cannot write {}", dest.display()))?;
            size += chunk.len() as u64;
        }
        file.flush().await.with_context(|| format!("cannot write {}", dest.display()))?;
        Ok(size)
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<()> {
        self.send(self.request(reqwest::Method::DELETE, path)).await?;
        Ok(())
    }

    /// DELETE `base/<name>` for each name, saying so for each.
    pub async fn delete_each(
        &self,
        base: &str,
        names: &[String],
        kind: &str,
    ) -> anyhow::Result<()> {
        for name in names {
            self.delete(&format!("{base}/{}", seg(name))).await?;
            println!("{kind} {name} deleted");
        }
        Ok(())
    }

    /// A newline-delimited JSON stream: `each` gets every `result`; it
    /// returns `false` to stop.
    pub async fn stream(
        &self,
        path: &str,
        mut each: impl FnMut(Value) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        let mut r = self.send(self.request(reqwest::Method::GET, path)).await?;
        let mut buf: Vec<u8> = Vec::new();
        while let Some(chunk) = r.chunk().await.map_err(|e| self.unreachable(e))? {
            buf.extend_from_slice(&chunk);
            while let Some(end) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line);
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(&line)
                    .with_context(|| format!("the server sent something not JSON: {line}"))?;
                if let Some(err) = v.get("error") {
                    bail!(
                        "{}",
                        err.get("message").and_then(Value::as_str).unwrap_or("stream error")
                    );
                }
                if !each(v.get("result").cloned().unwrap_or(Value::Null))? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// A path segment, percent-encoded.
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
