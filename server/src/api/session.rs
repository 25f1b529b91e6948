//! Signing in and out: `POST /api/v1/login` (a browser session, or with
//! `token` an API token for a program such as `keelson login`),
//! `POST /api/v1/logout`, `GET /api/v1/userinfo` (Argo's shape, with our
//! roles and the session's CSRF token), `POST /api/v1/password`.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_sessions::Session;

use super::error::ApiError;
use super::query::{ClientAddress, JsonBody};
use super::tokens::token_json;
use crate::auth::guard::Who;
use crate::auth::{Auth, AuthError, Mode, Principal, SignedIn, Via, password};
use crate::clock::now;
use crate::store::USER_KEY;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    username: String,
    password: String,
    /// Instead of a session, make an API token with this name.
    token: Option<TokenRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub name: String,
    pub expires_in_seconds: Option<u64>,
}

pub async fn login(
    State(auth): State<Auth>,
    ClientAddress(address): ClientAddress,
    session: Session,
    JsonBody(body): JsonBody<LoginBody>,
) -> Response {
    let tried = body.username.clone();
    let (who, mut response) = match sign_in(&auth, &address, &session, body).await {
        Ok(v) => (Who(tried), Json(v).into_response()),
        Err(e) => {
            let wait = match &e {
                AuthError::TooMany(d) => Some(d.as_secs().max(1)),
                _ => None,
            };
            let mut r = ApiError::from(e).into_response();
            if let Some(secs) = wait
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            // Not who they said they were: the audit log says so.
            let name: String = tried.chars().take(64).collect();
            (Who(format!("anonymous (tried {name:?})")), r)
        }
    };
    response.extensions_mut().insert(who);
    response
}

async fn sign_in(
    auth: &Auth,
    address: &str,
    session: &Session,
    body: LoginBody,
) -> Result<Value, AuthError> {
    if auth.mode() == Mode::None {
        return Err(AuthError::Invalid(
            "this server runs with --auth-mode none: there is nothing to sign in to".into(),
        ));
    }
    auth.check_password(&body.username, &body.password, address).await?;
    if let Some(t) = body.token {
        let (secret, row) = auth
            .create_token(&body.username, &t.name, t.expires_in_seconds.map(Duration::from_secs))
            .await?;
        return Ok(token_json(&row, Some(&secret)));
    }
    let internal = |e: tower_sessions::session::Error| AuthError::Internal(e.to_string());
    // A new session ID at every login (no session fixation).
    session.cycle_id().await.map_err(internal)?;
    let signed_in = SignedIn {
        name: body.username.clone(),
        login_at: now().0,
        csrf: password::random_secret(32),
    };
    session.insert(USER_KEY, &signed_in).await.map_err(internal)?;
    let roles = auth.bindings_of(&body.username).await?.unwrap_or_default();
    Ok(json!({
        "user": body.username,
        "csrfToken": signed_in.csrf,
        "roles": roles_json(&roles),
    }))
}

/// End the session: its record is deleted, so the cookie is worthless
/// even if kept.
pub async fn logout(session: Session) -> Result<Json<Value>, ApiError> {
    session.flush().await.map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(json!({})))
}

/// Argo's `GetUserInfoResponse` fields, and ours: roles, CSRF token.
pub async fn userinfo(principal: Principal) -> Json<Value> {
    let mut v = json!({
        "issuer": "keelson",
        "subject": principal.name,
        "roles": roles_json(&principal.bindings),
    });
    if let Via::Session { csrf } = &principal.via {
        v["csrfToken"] = json!(csrf);
    }
    Json(v)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// Change one's own password (the current one is asked, rate limited).
pub async fn change_password(
    State(auth): State<Auth>,
    ClientAddress(address): ClientAddress,
    principal: Principal,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<Json<Value>, ApiError> {
    if principal.via == Via::Open {
        return Err(ApiError::invalid("this server runs with --auth-mode none: it has no users"));
    }
    auth.check_password(&principal.name, &body.current_password, &address).await?;
    auth.set_password(&principal.name, &body.new_password).await?;
    Ok(Json(json!({})))
}

pub fn roles_json(bindings: &[(String, crate::auth::Role)]) -> Value {
    let map: BTreeMap<&str, &str> =
        bindings.iter().map(|(ns, r)| (ns.as_str(), r.as_str())).collect();
    json!(map)
}
