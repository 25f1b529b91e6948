//! The guard: one middleware, run on every routed request, that finds who
//! is calling (token, token cookie or session), checks the route's rule
//! from [`super::policy`], and for changes made with a cookie, the CSRF
//! token. Handlers then take a [`Principal`] and never check by hand.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::policy::{self, Need};
use super::{Auth, CSRF_HEADER, Mode, Principal, SignedIn, Via};
use crate::api::ApiError;
use crate::store::USER_KEY;

/// Who made a request, left on the response for the audit log.
#[derive(Debug, Clone)]
pub struct Who(pub String);

pub async fn guard(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let route = parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_string());
    let namespace = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .ok()
        .and_then(|ps| ps.iter().find(|(k, _)| *k == "namespace").map(|(_, v)| v.to_string()));
    let route = route.unwrap_or_default();
    // The archive's list names its namespace in the query.
    let namespace = namespace.or_else(|| {
        axum::extract::Query::<crate::api::query::ListParams>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|axum::extract::Query(q)| q.get("namespace").cloned())
            .filter(|n| !n.is_empty())
    });
    let Some(need) = policy::need(&parts.method, &route, namespace.as_deref()) else {
        tracing::error!("no access rule for {} {route}: refused", parts.method);
        return ApiError::forbidden("no access rule for this request").into_response();
    };
    if need == Need::Nobody {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let principal = match identify(&auth, &parts).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return ApiError::unauthenticated(
                "sign in (POST /api/v1/login) or send an API token as Authorization: Bearer TOKEN",
            )
            .into_response();
        }
        Err(e) => return e.into_response(),
    };
    if let Err(e) = check_csrf(&parts, &principal) {
        return with_who(e.into_response(), &principal.name);
    }
    if let Need::Role(role, scope) = &need
        && let Err(e) = principal.require(*role, scope)
    {
        return with_who(e.into_response(), &principal.name);
    }
    let name = principal.name.clone();
    parts.extensions.insert(principal);
    with_who(next.run(Request::from_parts(parts, body)).await, &name)
}

fn with_who(mut response: Response, name: &str) -> Response {
    response.extensions_mut().insert(Who(name.to_string()));
    response
}

/// The caller's credentials, in this order: `Authorization: Bearer`, Argo's
/// `authorization` cookie, the session cookie. Credentials that are there
/// but not valid are an error, not a fall-through to the next kind.
async fn identify(
    auth: &Auth,
    parts: &axum::http::request::Parts,
) -> Result<Option<Principal>, ApiError> {
    if auth.mode() == Mode::None {
        loopback_only(parts)?;
        return Ok(Some(Auth::open_principal()));
    }
    let invalid =
        || ApiError::unauthenticated("the API token is not valid (unknown, revoked or expired)");
    if let Some(value) = parts.headers.get(AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(bearer)
            .ok_or_else(|| ApiError::unauthenticated("Authorization must be `Bearer TOKEN`"))?;
        return auth
            .by_token(token, false)
            .await
            .map_err(store_error)?
            .ok_or_else(invalid)
            .map(Some);
    }
    if let Some(value) = cookie(parts, "authorization") {
        let value = value.replace("%20", " ");
        let token = bearer(&value).unwrap_or(&value);
        return auth
            .by_token(token, true)
            .await
            .map_err(store_error)?
            .ok_or_else(invalid)
            .map(Some);
    }
    let Some(session) = parts.extensions.get::<Session>() else { return Ok(None) };
    let signed_in = match session.get::<SignedIn>(USER_KEY).await {
        Ok(s) => s,
        // The session store failed: the caller is not signed out, the
        // store is down.
        Err(tower_sessions::session::Error::Store(e)) => {
            return Err(ApiError::unavailable("the store", format!("session store: {e}")));
        }
        Err(e) => {
            tracing::warn!("unreadable session: {e}");
            None
        }
    };
    let Some(signed_in) = signed_in else { return Ok(None) };
    let principal = auth.by_session(&signed_in).await.map_err(store_error)?;
    if principal.is_none() {
        // Past its absolute lifetime, or the user is gone: end it.
        let _ = session.flush().await;
    }
    Ok(principal)
}

fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn cookie<'a>(parts: &'a axum::http::request::Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Changes made with a cookie must prove they come from our own pages: a
/// session's changes carry its CSRF token in `X-CSRF-Token`; the token
/// cookie (for EventSource streams) cannot change anything.
fn check_csrf(parts: &axum::http::request::Parts, p: &Principal) -> Result<(), ApiError> {
    // A browser opens websockets with whatever cookies it has (and, with
    // no sign-in at all, with none): only a bearer header proves the
    // caller is not some other site's page.
    if parts.uri.path().starts_with("/ws/") && !matches!(p.via, Via::Token { .. }) {
        same_origin(parts)?;
    }
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    match &p.via {
        Via::Session { csrf } => {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !sent.is_empty() && constant_time_eq(sent.as_bytes(), csrf.as_bytes()) {
                Ok(())
            } else {
                Err(ApiError::forbidden(
                    "a change made with a session cookie needs the session's X-CSRF-Token header",
                ))
            }
        }
        Via::TokenCookie { .. } => Err(ApiError::forbidden(
            "the authorization cookie only reads; send the token as Authorization: Bearer to \
             change things",
        )),
        Via::Token { .. } | Via::Open => Ok(()),
    }
}

/// `--auth-mode none` trusts whoever reaches the loopback port; a web page
/// must not reach it through the browser: the `Host` must be a loopback
/// name (no DNS rebinding) and an `Origin`, if any, a loopback one.
fn loopback_only(parts: &axum::http::request::Parts) -> Result<(), ApiError> {
    fn loopback(host_port: &str) -> bool {
        let host = match host_port.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host_port,
        };
        matches!(host, "localhost" | "[::1]")
            || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    }
    let header =
        |name| parts.headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    let host_ok = header(axum::http::header::HOST).is_none_or(loopback);
    let origin_ok = header(axum::http::header::ORIGIN)
        .is_none_or(|o| o.split_once("://").is_some_and(|(_, rest)| loopback(rest)));
    if host_ok && origin_ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "--auth-mode none answers loopback names and pages only (Host and Origin)",
        ))
    }
}

/// A websocket opened with a session cookie must come from a page of ours
/// (browsers send `Origin` with every websocket handshake): another site
/// cannot borrow the user's session for a socket.
fn same_origin(parts: &axum::http::request::Parts) -> Result<(), ApiError> {
    let host = parts.headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok());
    let origin = parts.headers.get(axum::http::header::ORIGIN).and_then(|o| o.to_str().ok());
    match (origin, host) {
        (None, _) => Ok(()),
        (Some(o), Some(h)) if o.split_once("://").is_some_and(|(_, rest)| rest == h) => Ok(()),
        (Some(o), _) => Err(ApiError::forbidden(format!(
            "a websocket from {o} cannot use this server's session cookie"
        ))),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Credentials could not be checked (the store failed): never the
/// caller's fault, and never taken for "signed out".
fn store_error(e: super::AuthError) -> ApiError {
    ApiError::from(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_values_are_read_case_insensitively() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
