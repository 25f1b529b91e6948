//! Users and their roles (administrators of `*` only, by the policy):
//! `GET/POST /api/v1/users`, `PUT/DELETE /api/v1/users/{name}`. Roles are
//! `{"namespace": "role"}`, `*` for every namespace.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::query::JsonBody;
use super::session::roles_json;
use crate::auth::{Auth, Principal, Role};

pub async fn list(State(auth): State<Auth>) -> Result<Json<Value>, ApiError> {
    let mut items = Vec::new();
    for u in auth.store().users().await? {
        let roles = auth.bindings_of(&u.name).await?.unwrap_or_default();
        items.push(json!({
            "name": u.name,
            "createdAt": u.created_at.to_string(),
            "roles": roles_json(&roles),
        }));
    }
    Ok(Json(json!({"items": items})))
}

fn parse_roles(roles: &BTreeMap<String, String>) -> Result<Vec<(String, Role)>, ApiError> {
    roles
        .iter()
        .map(|(ns, r)| {
            let role =
                r.parse::<Role>().map_err(|e| ApiError::invalid(format!("roles.{ns}: {e}")))?;
            Ok((ns.clone(), role))
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CreateBody {
    name: String,
    password: String,
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

pub async fn create(
    State(auth): State<Auth>,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Json<Value>, ApiError> {
    let roles = parse_roles(&body.roles)?;
    auth.create_user(&body.name, &body.password, &roles).await?;
    Ok(Json(json!({"name": body.name, "roles": roles_json(&roles)})))
}

#[derive(Deserialize)]
pub struct UpdateBody {
    password: Option<String>,
    roles: Option<BTreeMap<String, String>>,
}

pub async fn update(
    State(auth): State<Auth>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<UpdateBody>,
) -> Result<Json<Value>, ApiError> {
    if let Some(roles) = &body.roles {
        auth.set_roles(&name, &parse_roles(roles)?).await?;
    }
    if let Some(p) = &body.password {
        auth.set_password(&name, p).await?;
    }
    let roles = auth
        .bindings_of(&name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no such user {name}")))?;
    Ok(Json(json!({"name": name, "roles": roles_json(&roles)})))
}

pub async fn delete(
    State(auth): State<Auth>,
    principal: Principal,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if principal.name == name {
        return Err(ApiError::invalid("you cannot delete yourself; ask another administrator"));
    }
    auth.delete_user(&name).await?;
    Ok(Json(json!({})))
}
