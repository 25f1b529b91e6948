//! Who is asking (a [`Principal`]) and what they may do: a [`Role`] per
//! namespace, `*` standing for every namespace.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::api::ApiError;

/// What a user may do in a namespace; each role includes the ones before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read workflows, templates, cron workflows and logs.
    Viewer,
    /// Also submit, retry, stop, delete; manage templates and crons.
    Editor,
    /// Also secrets; in `*`, users, everyone's tokens and the audit log.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("unknown role {s:?}: use viewer, editor or admin")),
        }
    }
}

/// Where a rule applies: one namespace, or the whole server (only a `*`
/// binding reaches it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Cluster,
    Namespace(String),
}

/// How the principal proved who they are; cookie-borne credentials need
/// a CSRF token to change anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session (cookie), with its CSRF token.
    Session { csrf: String },
    /// `Authorization: Bearer` with an API token (and when it expires,
    /// Unix seconds: tokens it makes may not outlive it).
    Token { id: String, expires: Option<i64> },
    /// Argo's `authorization` cookie holding an API token (what a
    /// browser's EventSource can send).
    TokenCookie { id: String, expires: Option<i64> },
    /// `--auth-mode none`: nobody is asked.
    Open,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub name: String,
    pub via: Via,
    /// (namespace or `*`, role), as granted.
    pub bindings: Arc<Vec<(String, Role)>>,
}

impl Principal {
    /// The strongest role held in `namespace` (directly or through `*`).
    pub fn role_in(&self, namespace: &str) -> Option<Role> {
        self.bindings.iter().filter(|(ns, _)| ns == "*" || ns == namespace).map(|(_, r)| *r).max()
    }

    pub fn may(&self, role: Role, scope: &Scope) -> bool {
        let held = match scope {
            Scope::Cluster => {
                self.bindings.iter().filter(|(ns, _)| ns == "*").map(|(_, r)| *r).max()
            }
            Scope::Namespace(ns) => self.role_in(ns),
        };
        held.is_some_and(|h| h >= role)
    }

    /// `may`, or the 403 that says what was missing.
    pub fn require(&self, role: Role, scope: &Scope) -> Result<(), ApiError> {
        if self.may(role, scope) {
            return Ok(());
        }
        let place = match scope {
            Scope::Cluster => "every namespace (*)".to_string(),
            Scope::Namespace(ns) => format!("namespace {ns:?}"),
        };
        Err(ApiError::forbidden(format!(
            "{} needs the {} role in {place}",
            self.name,
            role.as_str()
        )))
    }
}

/// Handlers take the principal the guard attached to the request.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Principal, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::unauthenticated("this route needs a signed-in user"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(bindings: &[(&str, Role)]) -> Principal {
        Principal {
            name: "u".into(),
            via: Via::Open,
            bindings: Arc::new(bindings.iter().map(|(n, r)| (n.to_string(), *r)).collect()),
        }
    }

    #[test]
    fn roles_include_the_weaker_ones_and_star_covers_every_namespace() {
        let ns = |n: &str| Scope::Namespace(n.into());
        let u = p(&[("a", Role::Editor), ("*", Role::Viewer)]);
        assert!(u.may(Role::Viewer, &ns("a")));
        assert!(u.may(Role::Editor, &ns("a")));
        assert!(!u.may(Role::Admin, &ns("a")));
        assert!(u.may(Role::Viewer, &ns("b")));
        assert!(!u.may(Role::Editor, &ns("b")));
        assert!(u.may(Role::Viewer, &Scope::Cluster));
        assert!(!u.may(Role::Editor, &Scope::Cluster));
        let only_a = p(&[("a", Role::Admin)]);
        assert!(!only_a.may(Role::Viewer, &Scope::Cluster));
        assert!(!only_a.may(Role::Viewer, &ns("b")));
        assert!(p(&[]).require(Role::Viewer, &ns("a")).is_err());
    }
}
