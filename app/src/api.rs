//! The UI's calls to the server's REST API, made from the browser with the
//! session cookie (hydrate); on the server (ssr) there is nothing to call
//! yet: pages render their empty state and the browser fills them.

/// Sign in; the server sets the session cookie. `Err` is the server's
/// message (wrong password, too many attempts) or a network failure.
#[cfg(feature = "hydrate")]
pub async fn login(username: &str, password: &str) -> Result<(), String> {
    let body = serde_json::json!({"username": username, "password": password});
    let request =
        gloo_net::http::Request::post("/api/v1/login").json(&body).map_err(|e| e.to_string())?;
    let response =
        request.send().await.map_err(|e| format!("the server cannot be reached: {e}"))?;
    if response.ok() {
        return Ok(());
    }
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    Err(answer["message"].as_str().unwrap_or("signing in failed").to_string())
}

#[cfg(not(feature = "hydrate"))]
pub async fn login(_username: &str, _password: &str) -> Result<(), String> {
    Err("signing in needs the page's script".into())
}
