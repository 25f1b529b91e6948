//! Who may use a server: `keelson login|logout|passwd`, `keelson user …`,
//! `keelson token …` and `keelson audit`. `login` trades a password for an
//! API token kept in the config file (0600), for that server only.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::client::{Client, ClientArgs, ConfigFile, config_file, save_config, seg};
use super::output::{self, Format};

#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    /// The user name.
    #[arg(short = 'u', long, default_value = "admin")]
    pub username: String,
    /// Read the password from standard input (one line) instead of
    /// asking for it.
    #[arg(long)]
    pub password_stdin: bool,
    /// The token expires after this many seconds [default: never].
    #[arg(long, value_name = "SECONDS")]
    pub expires_in: Option<u64>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Args, Debug)]
pub struct PasswdArgs {
    /// Read the current and the new password from standard input, a
    /// line each.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user (the password is asked, or read with --password-stdin).
    Create {
        name: String,
        /// `NAMESPACE=ROLE` (viewer, editor, admin; `*` for every
        /// namespace), repeatable.
        #[arg(long = "role", value_name = "NAMESPACE=ROLE")]
        roles: Vec<String>,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Users and their roles.
    List {
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Replace a user's roles, or set their password.
    Set {
        name: String,
        #[arg(long = "role", value_name = "NAMESPACE=ROLE")]
        roles: Vec<String>,
        /// Set a new password (asked, or read with --password-stdin).
        #[arg(long)]
        password: bool,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete users (their sessions and tokens end).
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Make an API token; it is printed once.
    Create {
        /// What it is for.
        name: String,
        /// For another user (administrators).
        #[arg(long)]
        user: Option<String>,
        #[arg(long, value_name = "SECONDS")]
        expires_in: Option<u64>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Your tokens (--all: everyone's, for administrators).
    List {
        #[arg(long)]
        all: bool,
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
        output: Format,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Revoke tokens by id.
    Revoke {
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// Entries since this Unix time (seconds).
    #[arg(long, default_value_t = 0)]
    pub since: i64,
    /// Only this user's.
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    #[command(flatten)]
    pub client: ClientArgs,
}

pub fn login(args: &LoginArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let password = secret("Password", args.password_stdin)?;
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "cli".into());
        let answer = client
            .post_anonymous(
                "/api/v1/login",
                &json!({
                    "username": args.username,
                    "password": password,
                    "token": {
                        "name": format!("keelson login ({host})"),
                        "expiresInSeconds": args.expires_in,
                    },
                }),
            )
            .await?;
        let token =
            answer.get("token").and_then(Value::as_str).context("no token in the answer")?;
        let path = save_config(&ConfigFile {
            server: Some(client.base().to_string()),
            token: Some(token.to_string()),
        })?;
        println!(
            "signed in to {} as {}; token saved in {}",
            client.base(),
            args.username,
            path.display()
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn logout(args: &LogoutArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let file = config_file();
        if file.token.is_none() {
            println!("not signed in");
            return Ok(ExitCode::SUCCESS);
        }
        // Revoke the saved token on its server, then forget it.
        if let Ok(me) = client.get("/api/v1/tokens").await
            && let Some(items) = me.get("items").and_then(Value::as_array)
            && let Some(id) = items
                .iter()
                .find(|t| t.get("revokedAt").is_none() && saved_token_is(&file, t))
                .and_then(|t| t.get("id").and_then(Value::as_str))
        {
            client.delete(&format!("/api/v1/tokens/{}", seg(id))).await?;
        }
        save_config(&ConfigFile { server: file.server, token: None })?;
        println!("signed out of {}", client.base());
        Ok(ExitCode::SUCCESS)
    })
}

/// The listed token this request was made with (the server marks it).
fn saved_token_is(_file: &ConfigFile, t: &Value) -> bool {
    t.get("current").and_then(Value::as_bool).unwrap_or(false)
}

pub fn passwd(args: &PasswdArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let (current, new) = if args.password_stdin {
            let mut lines = std::io::stdin().lock().lines();
            let mut next = || -> anyhow::Result<String> {
                Ok(lines.next().context("expected two lines: current and new password")??)
            };
            (next()?, next()?)
        } else {
            let current = secret("Current password", false)?;
            let new = secret("New password", false)?;
            if secret("New password again", false)? != new {
                bail!("the two new passwords differ; nothing changed");
            }
            (current, new)
        };
        client
            .post("/api/v1/password", &json!({"currentPassword": current, "newPassword": new}))
            .await?;
        println!("password changed (your browser sessions have ended; tokens still work)");
        Ok(ExitCode::SUCCESS)
    })
}

pub fn user(cmd: &UserCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        match cmd {
            UserCommand::Create { name, roles, password_stdin, client } => {
                let client = Client::new(client)?;
                let password = new_secret(*password_stdin)?;
                let roles = roles_map(roles)?;
                client
                    .post(
                        "/api/v1/users",
                        &json!({"name": name, "password": password, "roles": roles}),
                    )
                    .await?;
                println!("user {name} created");
            }
            UserCommand::List { output, client } => {
                let client = Client::new(client)?;
                let v = client.get("/api/v1/users").await?;
                let rows: Vec<Vec<String>> = output::items(&v)
                    .map(|u| {
                        vec![
                            output::text(u, "/name"),
                            roles_text(u.get("roles")),
                            output::text(u, "/createdAt"),
                        ]
                    })
                    .collect();
                if !output::machine(*output, &v)? {
                    output::print_table("users", &["NAME", "ROLES", "CREATED"], &rows);
                }
            }
            UserCommand::Set { name, roles, password, password_stdin, client } => {
                let client = Client::new(client)?;
                let mut body = json!({});
                if !roles.is_empty() {
                    body["roles"] = roles_map(roles)?;
                }
                if *password || *password_stdin {
                    body["password"] = json!(new_secret(*password_stdin)?);
                }
                if body.as_object().is_some_and(serde_json::Map::is_empty) {
                    bail!("nothing to change: give --role NAMESPACE=ROLE or --password");
                }
                let v = client.put(&format!("/api/v1/users/{}", seg(name)), &body).await?;
                println!("user {name}: {}", roles_text(v.get("roles")));
            }
            UserCommand::Delete { names, client } => {
                Client::new(client)?.delete_each("/api/v1/users", names, "user").await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn token(cmd: &TokenCommand) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        match cmd {
            TokenCommand::Create { name, user, expires_in, client } => {
                let client = Client::new(client)?;
                let v = client
                    .post(
                        "/api/v1/tokens",
                        &json!({"name": name, "user": user, "expiresInSeconds": expires_in}),
                    )
                    .await?;
                eprintln!(
                    "token {} for {} (shown this once; send it as Authorization: Bearer …):",
                    output::text(&v, "/id"),
                    output::text(&v, "/user")
                );
                println!("{}", output::text(&v, "/token"));
            }
            TokenCommand::List { all, output, client } => {
                let client = Client::new(client)?;
                let path = if *all { "/api/v1/tokens?all=true" } else { "/api/v1/tokens" };
                let v = client.get(path).await?;
                let rows: Vec<Vec<String>> = output::items(&v)
                    .map(|t| {
                        let state = if t.get("revokedAt").is_some() { "revoked" } else { "live" };
                        vec![
                            output::text(t, "/id"),
                            output::text(t, "/name"),
                            output::text(t, "/user"),
                            output::text(t, "/createdAt"),
                            output::text(t, "/expiresAt"),
                            state.to_string(),
                        ]
                    })
                    .collect();
                if !output::machine(*output, &v)? {
                    let header = ["ID", "NAME", "USER", "CREATED", "EXPIRES", "STATE"];
                    output::print_table("tokens", &header, &rows);
                }
            }
            TokenCommand::Revoke { ids, client } => {
                Client::new(client)?.delete_each("/api/v1/tokens", ids, "token").await?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn audit(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    super::block_on(async {
        let client = Client::new(&args.client)?;
        let mut path = format!("/api/v1/audit?since={}&limit={}", args.since, args.limit);
        if let Some(u) = &args.user {
            path.push_str(&format!("&user={}", seg(u)));
        }
        let v = client.get(&path).await?;
        let rows: Vec<Vec<String>> = output::items(&v)
            .map(|e| {
                ["/at", "/who", "/method", "/path", "/status", "/remote"]
                    .iter()
                    .map(|p| match e.pointer(p) {
                        Some(Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => String::new(),
                    })
                    .collect()
            })
            .collect();
        if !output::machine(args.output, &v)? {
            let header = ["AT", "WHO", "METHOD", "PATH", "STATUS", "FROM"];
            output::print_table("audit entries", &header, &rows);
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn roles_map(items: &[String]) -> anyhow::Result<Value> {
    let parsed = server::auth::parse_bindings(items).map_err(anyhow::Error::msg)?;
    Ok(json!(
        parsed
            .iter()
            .map(|(ns, r)| (ns.clone(), r.as_str()))
            .collect::<std::collections::BTreeMap<_, _>>()
    ))
}

fn roles_text(roles: Option<&Value>) -> String {
    let Some(map) = roles.and_then(Value::as_object) else { return String::new() };
    map.iter()
        .map(|(ns, r)| format!("{ns}={}", r.as_str().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(",")
}

/// A new password, asked twice (or one line of standard input).
fn new_secret(from_stdin: bool) -> anyhow::Result<String> {
    let p = secret("Password", from_stdin)?;
    if !from_stdin && secret("Password again", false)? != p {
        bail!("the two passwords differ; nothing changed");
    }
    Ok(p)
}

/// A secret from one line of standard input, or asked on the terminal
/// without echo.
fn secret(prompt: &str, from_stdin: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).context("cannot read standard input")?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    eprint!("{prompt}: ");
    std::io::stderr().flush().ok();
    let _echo = EchoOff::new();
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the terminal")?;
    eprintln!();
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// The terminal's echo turned off while it lives.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> EchoOff {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios we own.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff(None);
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            EchoOff(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            // SAFETY: restores the settings read in `new`.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, t) };
        }
    }
}
