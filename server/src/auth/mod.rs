//! Authentication and authorization. Users sign in with a
//! password (argon2id, [`password`]) and get a browser session kept in the
//! store (tower-sessions), or use API tokens ([`token`]) as
//! `Authorization: Bearer` — also in Argo's `authorization` cookie, which
//! is all a browser's EventSource can send. Each user holds a [`Role`] per
//! namespace; [`policy`] says what every route needs and [`guard`] checks
//! it, in one place, for every request. Logins are rate limited
//! ([`limiter`]).
//!
//! `--auth-mode none` lets everyone in as an administrator; the server
//! refuses it unless it listens on loopback only.

pub mod guard;
mod limiter;
pub mod password;
pub mod policy;
mod principal;
pub mod token;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::status::Time;
pub use principal::{Principal, Role, Scope, Via};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::clock::now;
use crate::store::{Binding, Sessions, Store, StoreError, TokenRow};

/// The name of the first administrator, made at first start.
pub const FIRST_ADMIN: &str = "admin";
/// Where the first administrator's password is left (0600) until it is
/// changed, like Jenkins' `initialAdminPassword`: `make run` reads it.
pub const INITIAL_PASSWORD_FILE: &str = "initial-admin-password";
/// Sets the first administrator's password instead of a generated one.
pub const ADMIN_PASSWORD_ENV: &str = "KEELSON_ADMIN_PASSWORD";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "keelson_session";
/// The header a cookie-authenticated change must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How long a cached token or user's roles is trusted before the store is
/// asked again (changes made through this server take effect at once).
const CACHE_FOR: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Users, sessions and API tokens (the default).
    Users,
    /// Nobody is asked who they are: everyone is an administrator.
    /// Only for a server that listens on loopback.
    None,
}

/// Session lifetimes and cookie flags.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after its login, used or not.
    pub absolute: Duration,
    /// `Secure` cookies (served over TLS).
    pub secure: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: Duration::from_secs(8 * 3600),
            absolute: Duration::from_secs(24 * 3600),
            secure: false,
        }
    }
}

/// What a session holds about its user (under [`crate::store::USER_KEY`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub name: String,
    pub login_at: i64,
    pub csrf: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
    #[error("no such user {0}")]
    NoSuchUser(String),
    #[error("wrong user name or password")]
    WrongCredentials,
    #[error("too many failed logins: try again in {} s", .0.as_secs().max(1))]
    TooMany(Duration),
    #[error("{0}")]
    Internal(String),
}

/// A user's (namespace or `*`, role) pairs.
pub type Bindings = Arc<Vec<(String, Role)>>;

#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    mode: Mode,
    sessions: SessionSettings,
    limiter: limiter::Limiter,
    initial_password_file: PathBuf,
    /// Token digest → who it is, until when the cache may say so.
    tokens: Mutex<HashMap<String, (Option<Principal>, Instant)>>,
    /// User name → their bindings (None: no such user).
    users: Mutex<HashMap<String, (Option<Bindings>, Instant)>>,
}

impl Auth {
    pub fn new(store: Store, mode: Mode, sessions: SessionSettings, data_dir: PathBuf) -> Auth {
        Auth {
            inner: Arc::new(Inner {
                store,
                mode,
                sessions,
                limiter: limiter::Limiter::default(),
                initial_password_file: data_dir.join(INITIAL_PASSWORD_FILE),
                tokens: Mutex::default(),
                users: Mutex::default(),
            }),
        }
    }

    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    pub fn sessions(&self) -> &SessionSettings {
        &self.inner.sessions
    }

    /// tower-sessions' layer: sessions in the store, `HttpOnly`,
    /// `SameSite=Lax`, `Secure` over TLS, idle expiry (renewed on use).
    pub fn session_layer(&self) -> SessionManagerLayer<Sessions> {
        let idle = time::Duration::seconds(
            i64::try_from(self.inner.sessions.idle.as_secs()).unwrap_or(i64::MAX),
        );
        SessionManagerLayer::new(Sessions::new(self.inner.store.clone()))
            .with_name(SESSION_COOKIE)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(self.inner.sessions.secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(idle))
            .with_always_save(true)
    }

    /// First start: no user at all → the administrator, with a password
    /// from `KEELSON_ADMIN_PASSWORD` or a generated one, left in
    /// `DATA_DIR/initial-admin-password` (0600) until it is changed.
    /// Returns the generated password, to be shown once.
    pub async fn bootstrap(&self) -> Result<Option<String>, AuthError> {
        if self.inner.mode == Mode::None || self.inner.store.user_count().await? > 0 {
            return Ok(None);
        }
        let given = std::env::var(ADMIN_PASSWORD_ENV).ok().filter(|p| !p.is_empty());
        let password = given.clone().unwrap_or_else(|| password::random_secret(20));
        let hash = hash_blocking(password.clone()).await?;
        let binding = Binding { namespace: "*".into(), role: Role::Admin.as_str().into() };
        self.inner.store.create_user(FIRST_ADMIN, &hash, &[binding], now()).await?;
        if given.is_some() {
            return Ok(None);
        }
        write_private(&self.inner.initial_password_file, &password)
            .map_err(|e| AuthError::Internal(format!("cannot write the initial password: {e}")))?;
        Ok(Some(password))
    }

    pub fn initial_password_file(&self) -> &std::path::Path {
        &self.inner.initial_password_file
    }

    /// The principal everyone is under `--auth-mode none`.
    pub fn open_principal() -> Principal {
        Principal {
            name: "anonymous".into(),
            via: Via::Open,
            bindings: Arc::new(vec![("*".into(), Role::Admin)]),
        }
    }

    /// Check a password (rate limited per user and client address).
    pub async fn check_password(
        &self,
        user: &str,
        password: &str,
        address: &str,
    ) -> Result<(), AuthError> {
        if user.is_empty() || user.len() > 64 {
            // No such user can exist (see `check_user_name`).
            return Err(AuthError::WrongCredentials);
        }
        let limiter = &self.inner.limiter;
        limiter.attempt(user, address).map_err(AuthError::TooMany)?;
        let stored = self.inner.store.user(user).await?;
        // Unknown users are checked against a decoy, in the same time.
        let hash = stored
            .as_ref()
            .map_or_else(|| password::decoy().to_string(), |u| u.password_hash.clone());
        let password = password.to_string();
        let matches = tokio::task::spawn_blocking(move || password::verify(&password, &hash))
            .await
            .map_err(|e| AuthError::Internal(e.to_string()))?;
        if matches && stored.is_some() {
            limiter.succeeded(user, address);
            Ok(())
        } else {
            Err(AuthError::WrongCredentials)
        }
    }

    /// Who holds this API token, if it is live.
    pub async fn by_token(
        &self,
        token: &str,
        in_cookie: bool,
    ) -> Result<Option<Principal>, AuthError> {
        let digest = token::digest(token);
        let cached = {
            let map = self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner());
            map.get(&digest).filter(|(_, until)| *until > Instant::now()).map(|(p, _)| p.clone())
        };
        let found = match cached {
            Some(p) => p,
            None => {
                let found = self.lookup_token(&digest).await?;
                let mut map = self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner());
                if map.len() > 10_000 {
                    map.clear();
                }
                map.insert(digest, (found.clone(), Instant::now() + CACHE_FOR));
                found
            }
        };
        Ok(found.map(|mut p| {
            if in_cookie && let Via::Token { id, expires } = &p.via {
                p.via = Via::TokenCookie { id: id.clone(), expires: *expires };
            }
            p
        }))
    }

    async fn lookup_token(&self, digest: &str) -> Result<Option<Principal>, AuthError> {
        let Some(t) = self.inner.store.token_by_digest(digest).await? else { return Ok(None) };
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now()) {
            return Ok(None);
        }
        let Some(bindings) = self.bindings_of(&t.user_name).await? else { return Ok(None) };
        let via = Via::Token { id: t.id, expires: t.expires_at.map(|e| e.0) };
        Ok(Some(Principal { name: t.user_name, via, bindings }))
    }

    /// The principal of a signed-in session, unless it is past its
    /// absolute lifetime or the user is gone.
    pub async fn by_session(&self, s: &SignedIn) -> Result<Option<Principal>, AuthError> {
        let absolute = i64::try_from(self.inner.sessions.absolute.as_secs()).unwrap_or(i64::MAX);
        if s.login_at.saturating_add(absolute) <= now().0 {
            return Ok(None);
        }
        let Some(bindings) = self.bindings_of(&s.name).await? else { return Ok(None) };
        Ok(Some(Principal {
            name: s.name.clone(),
            via: Via::Session { csrf: s.csrf.clone() },
            bindings,
        }))
    }

    /// A user's bindings (cached a few seconds), `None` if no such user.
    pub async fn bindings_of(
        &self,
        user: &str,
    ) -> Result<Option<Arc<Vec<(String, Role)>>>, AuthError> {
        {
            let map = self.inner.users.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((b, until)) = map.get(user)
                && *until > Instant::now()
            {
                return Ok(b.clone());
            }
        }
        let found = match self.inner.store.user(user).await? {
            None => None,
            Some(_) => Some(Arc::new(
                self.inner
                    .store
                    .bindings(user)
                    .await?
                    .into_iter()
                    .filter_map(|b| b.role.parse().ok().map(|r| (b.namespace, r)))
                    .collect::<Vec<_>>(),
            )),
        };
        let mut map = self.inner.users.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(user.to_string(), (found.clone(), Instant::now() + CACHE_FOR));
        Ok(found)
    }

    /// Forget every cached answer (after any change to users or tokens).
    fn invalidate(&self) {
        self.inner.tokens.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.inner.users.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// A new API token for `user`: the secret (to show once) and its row.
    pub async fn create_token(
        &self,
        user: &str,
        name: &str,
        expires_in: Option<Duration>,
    ) -> Result<(String, TokenRow), AuthError> {
        if name.trim().is_empty() {
            return Err(AuthError::Invalid("a token needs a name (what it is for)".into()));
        }
        if self.inner.store.user(user).await?.is_none() {
            return Err(AuthError::NoSuchUser(user.into()));
        }
        let t = token::generate().map_err(AuthError::Internal)?;
        let created = now();
        let row = TokenRow {
            id: t.id,
            user_name: user.into(),
            name: name.into(),
            created_at: created,
            expires_at: expires_in.map(|d| {
                Time(created.0.saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
            }),
            revoked_at: None,
        };
        self.inner.store.create_token(&row, &t.digest).await?;
        Ok((t.secret, row))
    }

    pub async fn revoke_token(&self, id: &str) -> Result<bool, AuthError> {
        let revoked = self.inner.store.revoke_token(id, now()).await?;
        self.invalidate();
        Ok(revoked)
    }

    pub async fn create_user(
        &self,
        name: &str,
        password: &str,
        bindings: &[(String, Role)],
    ) -> Result<(), AuthError> {
        check_user_name(name)?;
        password::check_strength(password).map_err(AuthError::Invalid)?;
        let hash = hash_blocking(password.to_string()).await?;
        self.inner.store.create_user(name, &hash, &to_rows(bindings), now()).await?;
        self.invalidate();
        Ok(())
    }

    /// New password: every session of the user ends (tokens stay).
    pub async fn set_password(&self, name: &str, password: &str) -> Result<(), AuthError> {
        password::check_strength(password).map_err(AuthError::Invalid)?;
        let hash = hash_blocking(password.to_string()).await?;
        if !self.inner.store.set_password(name, &hash).await? {
            return Err(AuthError::NoSuchUser(name.into()));
        }
        self.inner.store.delete_sessions_of(name).await?;
        if name == FIRST_ADMIN {
            let _ = std::fs::remove_file(&self.inner.initial_password_file);
        }
        self.invalidate();
        Ok(())
    }

    pub async fn set_roles(
        &self,
        name: &str,
        bindings: &[(String, Role)],
    ) -> Result<(), AuthError> {
        if self.inner.store.user(name).await?.is_none() {
            return Err(AuthError::NoSuchUser(name.into()));
        }
        self.inner.store.set_bindings(name, &to_rows(bindings)).await?;
        self.invalidate();
        Ok(())
    }

    /// Delete a user: their sessions and tokens end with them.
    pub async fn delete_user(&self, name: &str) -> Result<(), AuthError> {
        self.inner.store.delete_sessions_of(name).await?;
        if !self.inner.store.delete_user(name).await? {
            return Err(AuthError::NoSuchUser(name.into()));
        }
        self.invalidate();
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Drop expired sessions now and then.
    pub async fn run_session_sweeper(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.inner.store.delete_expired_sessions(now().0).await {
                tracing::warn!("could not drop expired sessions: {e}");
            }
        }
    }
}

/// `namespace=role` pairs as the API and CLI take them.
pub fn parse_bindings(items: &[String]) -> Result<Vec<(String, Role)>, String> {
    items
        .iter()
        .map(|item| {
            let (ns, role) = item.split_once('=').ok_or_else(|| {
                format!("{item:?}: write a role as NAMESPACE=ROLE (e.g. team-a=editor or *=viewer)")
            })?;
            if ns.is_empty() {
                return Err(format!(
                    "{item:?}: the namespace is empty (use * for every namespace)"
                ));
            }
            Ok((ns.to_string(), role.parse()?))
        })
        .collect()
}

fn to_rows(bindings: &[(String, Role)]) -> Vec<Binding> {
    bindings
        .iter()
        .map(|(ns, r)| Binding { namespace: ns.clone(), role: r.as_str().into() })
        .collect()
}

fn check_user_name(name: &str) -> Result<(), AuthError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AuthError::Invalid(format!(
            "user name {name:?}: use 1–64 letters, digits, '-', '_', '.' or '@'"
        )))
    }
}

async fn hash_blocking(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AuthError::Internal(e.to_string()))?
        .map_err(AuthError::Internal)
}

/// Write a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}
