//! `git` inputs, with the `git` command: a clone of `repo` at `dest`,
//! then the `fetch` refspecs, the `revision` checked out and submodules
//! updated, as Argo's driver does. Credentials come from secrets and
//! reach git only through its environment (an askpass helper for
//! username/password, an identity file for SSH), never its arguments.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use engine::spec::GitArtifact;
use tokio::process::Command;

use crate::store::secret;
use crate::{ArtifactError, Secrets};

/// The variables of this process git still gets: where programs,
/// certificates and proxies are.
const PASSED_ON: [&str; 10] = [
    "PATH",
    "LANG",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// The longest a clone may take before the node fails.
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The repository as messages name it: no credentials.
fn describe(repo: &str) -> String {
    match reqwest::Url::parse(repo) {
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            format!(
                "git repository {}://{}{}",
                u.scheme(),
                u.host_str().unwrap_or_default(),
                u.path()
            )
        }
        _ => format!("git repository {repo}"),
    }
}

/// What git runs with: the environment carrying credentials, and the
/// files that must outlive the command (removed when dropped).
struct Session {
    env: Vec<(String, String)>,
    scratch: PathBuf,
    /// Text git may echo that must not reach a message, and what to show
    /// instead.
    hide: Vec<(String, String)>,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

fn session(g: &GitArtifact, secrets: &dyn Secrets, dest: &Path) -> Result<Session, ArtifactError> {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let scratch = dest.with_file_name(format!(".{name}.git-session"));
    std::fs::create_dir_all(&scratch).map_err(|e| ArtifactError::local(&scratch, e))?;
    let mut s = Session {
        env: vec![
            ("GIT_TERMINAL_PROMPT".into(), "0".into()),
            // Nothing from the machine's or the user's git configuration.
            ("GIT_CONFIG_NOSYSTEM".into(), "1".into()),
            ("GIT_CONFIG_GLOBAL".into(), "/dev/null".into()),
            ("HOME".into(), scratch.display().to_string()),
        ],
        scratch,
        hide: vec![(g.repo.clone(), describe(&g.repo))],
    };
    let user = secret(secrets, g.username_secret.as_ref(), "git username")?;
    let password = secret(secrets, g.password_secret.as_ref(), "git password")?;
    if user.is_some() || password.is_some() {
        let askpass = s.scratch.join("askpass");
        let script = "#!/bin/sh\ncase \"$1\" in\n  Username*) printf '%s' \"$KEELSON_GIT_USERNAME\" ;;\n  *) printf '%s' \"$KEELSON_GIT_PASSWORD\" ;;\nesac\n";
        write_private(&askpass, script, 0o700)?;
        s.env.push(("GIT_ASKPASS".into(), askpass.display().to_string()));
        if let Some(p) = password.as_ref().filter(|p| !p.is_empty()) {
            s.hide.push((p.clone(), "***".into()));
        }
        s.env.push(("KEELSON_GIT_USERNAME".into(), user.unwrap_or_default()));
        s.env.push(("KEELSON_GIT_PASSWORD".into(), password.unwrap_or_default()));
    }
    let mut ssh = vec!["ssh".to_string(), "-o".into(), "BatchMode=yes".into()];
    if let Some(key) = secret(secrets, g.ssh_private_key_secret.as_ref(), "git SSH private key")? {
        let identity = s.scratch.join("identity");
        let key = if key.ends_with('\n') { key } else { format!("{key}\n") };
        write_private(&identity, &key, 0o600)?;
        ssh.extend([
            "-i".into(),
            identity.display().to_string(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
        ]);
    }
    if g.insecure_ignore_host_key == Some(true) {
        ssh.extend([
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
        ]);
    }
    s.env.push(("GIT_SSH_COMMAND".into(), ssh.join(" ")));
    Ok(s)
}

fn write_private(path: &Path, text: &str, mode: u32) -> Result<(), ArtifactError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| ArtifactError::local(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| ArtifactError::local(path, e))
}

/// Clone `g` into `dest` (which must not exist yet).
pub async fn clone(
    g: &GitArtifact,
    secrets: &dyn Secrets,
    dest: &Path,
) -> Result<(), ArtifactError> {
    if let Some(field) = g.other.keys().next() {
        return Err(ArtifactError::Location(format!("git.{field} is not supported by Keelson")));
    }
    if g.repo.is_empty() {
        return Err(ArtifactError::Location("git.repo is empty".into()));
    }
    let shown = describe(&g.repo);
    // Values go where git reads options: one that starts with `-` would
    // be taken for one (`--upload-pack=…` runs a command).
    let named = [("revision", g.revision.as_deref()), ("branch", g.branch.as_deref())];
    let refspecs = g.fetch.iter().map(|f| ("fetch", Some(f.as_str())));
    for (field, value) in named.into_iter().chain(refspecs) {
        if let Some(v) = value.filter(|v| v.starts_with('-')) {
            return Err(ArtifactError::Location(format!(
                "git.{field} {v:?} starts with '-', which git would read as an option"
            )));
        }
    }
    let s = session(g, secrets, dest)?;
    let depth = g.depth.filter(|d| *d > 0).map(|d| d.to_string());
    let mut clone: Vec<String> = vec!["clone".into(), "--quiet".into()];
    if let Some(d) = &depth {
        clone.extend(["--depth".into(), d.clone()]);
    }
    if g.single_branch == Some(true) {
        clone.push("--single-branch".into());
    }
    if let Some(b) = g.branch.as_deref().filter(|b| !b.is_empty()) {
        clone.extend(["--branch".into(), b.to_string()]);
    }
    clone.extend(["--".into(), g.repo.clone(), dest.display().to_string()]);
    git(&s, None, &clone, &shown).await?;
    for refspec in &g.fetch {
        git(
            &s,
            Some(dest),
            &["fetch".into(), "--quiet".into(), "origin".into(), refspec.clone()],
            &shown,
        )
        .await?;
    }
    if let Some(rev) = g.revision.as_deref().filter(|r| !r.is_empty()) {
        let checkout = ["checkout".into(), "--quiet".into(), rev.to_string(), "--".into()];
        if git(&s, Some(dest), &checkout, &shown).await.is_err() {
            // A shallow clone may not have it: fetch that revision alone.
            let mut fetch = vec!["fetch".to_string(), "--quiet".into()];
            if let Some(d) = &depth {
                fetch.extend(["--depth".into(), d.clone()]);
            }
            fetch.extend(["origin".into(), rev.to_string()]);
            git(&s, Some(dest), &fetch, &shown).await?;
            let detach = ["checkout".into(), "--quiet".into(), "FETCH_HEAD".into(), "--".into()];
            git(&s, Some(dest), &detach, &shown).await?;
        }
    }
    if g.disable_submodules != Some(true) && dest.join(".gitmodules").exists() {
        let mut update = vec![
            "submodule".to_string(),
            "update".into(),
            "--init".into(),
            "--recursive".into(),
            "--quiet".into(),
        ];
        if let Some(d) = &depth {
            update.extend(["--depth".into(), d.clone()]);
        }
        git(&s, Some(dest), &update, &shown).await?;
    }
    Ok(())
}

async fn git(
    s: &Session,
    dir: Option<&Path>,
    args: &[String],
    shown: &str,
) -> Result<(), ArtifactError> {
    let mut cmd = Command::new("git");
    if let Some(d) = dir {
        cmd.arg("-C").arg(d);
    }
    // Only what git needs: nothing else of this process's environment (a
    // pod's credentials for other stores among it) reaches it.
    cmd.args(args).env_clear();
    for var in PASSED_ON {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    cmd.envs(s.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|e| ArtifactError::Store {
        store: shown.to_string(),
        message: format!("cannot run git: {e}"),
    })?;
    let out = tokio::time::timeout(TIMEOUT, child.wait_with_output()).await.map_err(|_| {
        ArtifactError::Store {
            store: shown.to_string(),
            message: format!("git {} took longer than {} minutes", args[0], TIMEOUT.as_secs() / 60),
        }
    })?;
    let out =
        out.map_err(|e| ArtifactError::Store { store: shown.to_string(), message: e.to_string() })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut last =
        stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    for (secret, shown) in &s.hide {
        last = last.replace(secret.as_str(), shown);
    }
    Err(ArtifactError::Store {
        store: shown.to_string(),
        message: format!("git {}: {last}", args[0]),
    })
}
