//! Starting a task's process in its own process group (and, when allowed,
//! its own mount namespace), waiting for it, and killing it: SIGTERM to
//! the whole group, SIGKILL after the grace period, as Kubernetes stops a
//! container.

use std::io;
use std::path::Path;
use std::process::ExitStatus;
use std::time::Duration;

use super::command::Resolved;
use super::sandbox::{Isolation, Setup};
use super::spawn::{self, Child};

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
    /// The task's own `/`, if it has one.
    pub root: Option<&'a super::root::OwnRoot>,
}

/// A started process and its group.
pub struct Process {
    pub child: Child,
    pub pgid: libc::pid_t,
}

/// Start the process in a group of its own (so a kill reaches every
/// process it starts), stdin from /dev/null, stdout and stderr piped; in
/// its private `/tmp` when the isolation allows one (the working directory
/// may be under it, so the child changes to it itself).
pub fn spawn(l: &Launch<'_>) -> io::Result<Process> {
    let setup = if l.isolation.private_tmp() {
        Some(Setup::new(l.isolation, l.tmp, l.cwd, l.root)?)
    } else {
        None
    };
    let child = spawn::spawn(&spawn::Command {
        program: &l.resolved.program,
        argv: &l.resolved.argv,
        env: l.env,
        setup: setup.as_ref(),
        cwd_host: l.cwd_host,
    })?;
    let pgid = child.pid;
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
