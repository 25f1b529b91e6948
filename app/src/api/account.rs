//! The signed-in user (`GET /api/v1/userinfo`), signing in and out, and
//! the user's API tokens (`/api/v1/tokens`: listed, made, revoked).

use std::collections::BTreeMap;

use engine::status::Time;
use serde::{Deserialize, Deserializer, Serialize};

#[cfg(feature = "hydrate")]
use super::{LoadError, Method, send_signed};

/// Who is signed in.
pub const USERINFO: &str = "/api/v1/userinfo";
/// The signed-in user's API tokens.
pub const TOKENS: &str = "/api/v1/tokens";

/// The signed-in user: name, role per namespace (`*` for all), and the
/// session's CSRF token (needed for changes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    #[serde(rename = "subject", default)]
    pub user: String,
    #[serde(default, deserialize_with = "super::nullable")]
    pub roles: BTreeMap<String, String>,
    #[serde(rename = "csrfToken", default)]
    pub csrf: String,
}

impl Me {
    /// Whether this user may change workflows in `namespace` (editor or
    /// admin there or everywhere).
    pub fn can_edit(&self, namespace: &str) -> bool {
        self.roles.iter().any(|(ns, role)| {
            (ns == namespace || ns == "*") && (role == "editor" || role == "admin")
        })
    }
}

/// An API token as listed (its secret, `token`, only in the answer that
/// made it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub created_at: Option<Time>,
    #[serde(default)]
    pub expires_at: Option<Time>,
    #[serde(default)]
    pub revoked_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A token's ID, a number or a string, as text.
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(i64),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(t) => t,
        Id::Number(n) => n.to_string(),
    })
}

/// The signed-in user, asked now.
#[cfg(feature = "hydrate")]
pub async fn me() -> Result<Me, LoadError> {
    super::get(USERINFO).await
}

/// Sign in (`POST /api/v1/login`); the server sets the session cookie.
/// `Err` is the server's message (wrong password, too many attempts) or a
/// network failure.
#[cfg(feature = "hydrate")]
pub async fn login(username: &str, password: &str) -> Result<(), String> {
    #[derive(Serialize)]
    struct Credentials<'a> {
        username: &'a str,
        password: &'a str,
    }
    let (status, text) =
        super::request(Method::Post, "/api/v1/login", None, &Credentials { username, password })
            .await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(super::ApiError::read(&text).say("signing in failed"))
    }
}

#[cfg(not(feature = "hydrate"))]
pub async fn login(_username: &str, _password: &str) -> Result<(), String> {
    Err("signing in needs the page's script".into())
}

/// End the session (`POST /api/v1/logout`).
#[cfg(feature = "hydrate")]
pub async fn sign_out(known: leptos::prelude::RwSignal<Option<Me>>) -> Result<(), String> {
    send_signed::<serde::de::IgnoredAny>(known, Method::Post, "/api/v1/logout", &()).await?;
    Ok(())
}

/// Make a token called `name` that expires after `days` (never if
/// `None`): the token, its secret in `token`.
#[cfg(feature = "hydrate")]
pub async fn make_token(
    known: leptos::prelude::RwSignal<Option<Me>>,
    name: String,
    days: Option<u64>,
) -> Result<Token, String> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct NewToken {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        expires_in_seconds: Option<u64>,
    }
    let body = NewToken { name, expires_in_seconds: days.map(|d| d * 86_400) };
    send_signed(known, Method::Post, TOKENS, &body).await
}

/// Revoke token `id`.
#[cfg(feature = "hydrate")]
pub async fn revoke_token(
    known: leptos::prelude::RwSignal<Option<Me>>,
    id: &str,
) -> Result<(), String> {
    let path = format!("{TOKENS}/{id}");
    send_signed::<serde::de::IgnoredAny>(known, Method::Delete, &path, &()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_and_tokens_are_read_typed() {
        let me: Me = serde_json::from_str(
            r#"{"issuer": "keelson", "subject": "ada", "csrfToken": "c",
                "roles": {"ci": "editor", "*": "viewer"}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((me.user.as_str(), me.csrf.as_str()), ("ada", "c"));
        assert!(me.can_edit("ci") && !me.can_edit("default"));

        let t: Token = serde_json::from_str(
            r#"{"id": 7, "name": "ci", "createdAt": "2026-01-01T00:00:00Z",
                "revokedAt": "2026-01-02T00:00:00Z"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.id.as_str(), t.revoked_at.is_some(), t.expires_at), ("7", true, None));
        assert!(serde_json::from_str::<Token>(r#"{"name": "x"}"#).is_err(), "no ID, no token");
    }
}
