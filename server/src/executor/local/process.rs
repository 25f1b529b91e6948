//! Starting a task's process in its own process group (and, when allowed,
//! its own mount namespace), waiting for it, and killing it: SIGTERM to
//! the whole group, SIGKILL after the grace period, as Kubernetes stops a
//! container.

use std::io;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

use super::command::Resolved;
use super::sandbox::{Isolation, Setup};

/// Everything needed to start the process.
pub struct Launch<'a> {
    pub resolved: &'a Resolved,
    pub env: &'a [(String, String)],
    pub isolation: Isolation,
    /// The private `/tmp` on the host.
    pub tmp: &'a Path,
    /// The working directory as the task sees it, and on the host.
    pub cwd: &'a Path,
    pub cwd_host: &'a Path,
}

/// A started process and its group.
pub struct Process {
    pub child: Child,
    pub pgid: libc::pid_t,
}

pub fn spawn(l: &Launch<'_>) -> io::Result<Process> {
    let mut cmd = Command::new(&l.resolved.program);
    if let Some((arg0, rest)) = l.resolved.argv.split_first() {
        // Some programs (busybox applets) look at argv[0].
        cmd.arg0(arg0).args(rest);
    }
    cmd.env_clear()
        .envs(l.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so a kill reaches every process it started.
        .process_group(0)
        // Should the executor's task be dropped (runtime shutdown), the
        // process must not outlive it.
        .kill_on_drop(true);
    if l.isolation.private_tmp() {
        // The working directory may be under the private /tmp, which
        // exists only after the mount: the child changes to it itself.
        let setup = Setup::new(l.isolation, l.tmp, l.cwd)?;
        // SAFETY: the closure runs in the forked child before exec and only
        // makes async-signal-safe system calls on memory prepared before
        // the fork (see `Setup::enter`).
        unsafe {
            cmd.pre_exec(move || setup.enter());
        }
    } else {
        cmd.current_dir(l.cwd_host);
    }
    let child = cmd.spawn()?;
    let pid =
        child.id().ok_or_else(|| io::Error::other("the process exited before it had a pid"))?;
    let pgid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    Ok(Process { child, pgid })
}

/// Signal every process of the group; a group that is gone is fine.
pub fn signal_group(pgid: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill has no memory-safety preconditions; a negative pid
    // addresses the process group, which this executor created.
    let r = unsafe { libc::kill(-pgid, signal) };
    if r != 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ESRCH) {
            tracing::warn!("signal {signal} to process group {pgid}: {e}");
        }
    }
}

/// Stop the process: SIGTERM to the group, then SIGKILL if it is still
/// there after `grace`.
pub async fn terminate(p: &mut Process, grace: Duration) -> io::Result<ExitStatus> {
    signal_group(p.pgid, libc::SIGTERM);
    match tokio::time::timeout(grace, p.child.wait()).await {
        Ok(status) => status,
        Err(_) => {
            signal_group(p.pgid, libc::SIGKILL);
            p.child.wait().await
        }
    }
}

/// The exit code as Kubernetes reports it: the code, or 128 + the signal
/// that ended the process (143 for SIGTERM, 137 for SIGKILL).
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(sig)) => 128 + sig,
        (None, None) => -1,
    }
}
