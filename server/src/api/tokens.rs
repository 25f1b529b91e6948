//! API tokens: `GET/POST /api/v1/tokens`, `DELETE /api/v1/tokens/{id}`.
//! Everyone manages their own; an administrator of `*` anyone's. The
//! secret is in the creation's answer only.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::query::{JsonBody, ListParams, is_true};
use crate::auth::{Auth, Principal, Role, Scope, Via};
use crate::store::TokenRow;

pub fn token_json(t: &TokenRow, secret: Option<&str>) -> Value {
    let mut v = json!({
        "id": t.id,
        "name": t.name,
        "user": t.user_name,
        "createdAt": t.created_at.to_string(),
    });
    if let Some(e) = t.expires_at {
        v["expiresAt"] = json!(e.to_string());
    }
    if let Some(r) = t.revoked_at {
        v["revokedAt"] = json!(r.to_string());
    }
    if let Some(s) = secret {
        v["token"] = json!(s);
    }
    v
}

/// Acting for another user takes an administrator of every namespace.
fn may_act_for(principal: &Principal, user: &str) -> Result<(), ApiError> {
    if principal.name == user { Ok(()) } else { principal.require(Role::Admin, &Scope::Cluster) }
}

/// `?all=true`: every user's (administrators); `?user=NAME`: one user's.
pub async fn list(
    State(auth): State<Auth>,
    principal: Principal,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let user = if is_true(q.get("all")) {
        principal.require(Role::Admin, &Scope::Cluster)?;
        None
    } else {
        let user = q.get("user").cloned().unwrap_or_else(|| principal.name.clone());
        may_act_for(&principal, &user)?;
        Some(user)
    };
    let rows = auth.store().tokens(user.as_deref()).await?;
    // Mark the token this request came with (what `keelson logout` revokes).
    let current = match &principal.via {
        Via::Token { id, .. } | Via::TokenCookie { id, .. } => Some(id.as_str()),
        _ => None,
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|t| {
            let mut v = token_json(t, None);
            if current == Some(t.id.as_str()) {
                v["current"] = json!(true);
            }
            v
        })
        .collect();
    Ok(Json(json!({"items": items})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    name: String,
    /// For whom (default: the caller).
    user: Option<String>,
    expires_in_seconds: Option<u64>,
}

pub async fn create(
    State(auth): State<Auth>,
    principal: Principal,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Json<Value>, ApiError> {
    let user = body.user.unwrap_or_else(|| principal.name.clone());
    may_act_for(&principal, &user)?;
    let mut expires_in = body.expires_in_seconds;
    // A token may not make one that outlives it: whoever holds a leaked
    // short-lived token cannot make it last.
    if let Via::Token { expires: Some(until), .. } = &principal.via {
        let left = u64::try_from(until - crate::clock::now().0).unwrap_or(0);
        if expires_in.is_some_and(|e| e > left) {
            return Err(ApiError::invalid(format!(
                "a token made with an API token cannot outlive it ({left} s left)"
            )));
        }
        expires_in = Some(expires_in.unwrap_or(left));
    }
    let (secret, row) =
        auth.create_token(&user, &body.name, expires_in.map(Duration::from_secs)).await?;
    Ok(Json(token_json(&row, Some(&secret))))
}

pub async fn revoke(
    State(auth): State<Auth>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let not_found = || ApiError::not_found(format!("no API token {id:?}"));
    let token = auth.store().token(&id).await?.ok_or_else(not_found)?;
    // Someone else's token is as good as absent to a non-administrator.
    may_act_for(&principal, &token.user_name).map_err(|_| not_found())?;
    auth.revoke_token(&id).await?;
    Ok(Json(json!({})))
}
