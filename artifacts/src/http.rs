//! `http` inputs: a GET of the artifact's URL with its headers and basic
//! auth (credentials from secrets), streamed to a file. As Argo's driver,
//! any 2xx answer is the artifact; anything else names the status.

use std::path::Path;
use std::time::Duration;

use engine::spec::HttpArtifact;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::store::secret;
use crate::{ArtifactError, Secrets};

/// The URL without credentials or query (signed URLs carry tokens there):
/// what messages call it.
pub fn describe(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!("{}://{}{}", u.scheme(), u.host_str().unwrap_or_default(), u.path()),
        Err(_) => "an invalid URL".to_string(),
    }
}

/// Download `h` to `dest`.
pub async fn download(
    h: &HttpArtifact,
    secrets: &dyn Secrets,
    dest: &Path,
) -> Result<(), ArtifactError> {
    let shown = describe(&h.url);
    let url = reqwest::Url::parse(&h.url)
        .map_err(|e| ArtifactError::Location(format!("http url {shown}: {e}")))?;
    if let Some(auth) = &h.auth
        && let Some(field) = auth.other.keys().next()
    {
        return Err(ArtifactError::Location(format!(
            "http auth.{field} is not supported by Keelson (basicAuth is)"
        )));
    }
    // The artifact's own headers and credentials are for its host: a
    // redirect elsewhere is not followed when there are any.
    let host = url.host_str().map(str::to_string);
    let private = !h.headers.is_empty() || h.auth.is_some();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("more than 10 redirects")
        } else if private && attempt.url().host_str().map(str::to_string) != host {
            attempt.error("a redirect to another host, which would get the artifact's headers")
        } else {
            attempt.follow()
        }
    });
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(120))
        .timeout(Duration::from_secs(30 * 60))
        .redirect(redirects)
        .build()
        .map_err(|e| ArtifactError::Store { store: shown.clone(), message: e.to_string() })?;
    let mut req = client.get(url);
    for header in &h.headers {
        req = req.header(&header.name, &header.value);
    }
    if let Some(basic) = h.auth.as_ref().and_then(|a| a.basic_auth.as_ref()) {
        let user = secret(secrets, basic.username_secret.as_ref(), "http basic auth username")?;
        let password = secret(secrets, basic.password_secret.as_ref(), "http basic auth password")?;
        req = req.basic_auth(user.unwrap_or_default(), password);
    }
    let unreachable =
        |e: reqwest::Error| ArtifactError::Store { store: shown.clone(), message: plain(&e) };
    let resp = req.send().await.map_err(unreachable)?;
    let status = resp.status();
    if !status.is_success() {
        return Err(ArtifactError::Store { store: shown, message: format!("answered {status}") });
    }
    let mut file =
        tokio::fs::File::create(dest).await.map_err(|e| ArtifactError::local(dest, e))?;
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(unreachable)?;
        file.write_all(&chunk).await.map_err(|e| ArtifactError::local(dest, e))?;
    }
    file.flush().await.map_err(|e| ArtifactError::local(dest, e))?;
    Ok(())
}

/// A reqwest error without the URL it carries (which may hold a token).
fn plain(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    let mut cause = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(c) = cause {
        detail = c.to_string();
        cause = c.source();
    }
    if detail.is_empty() { what.to_string() } else { format!("{what}: {detail}") }
}
