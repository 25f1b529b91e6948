//! The process groups of running tasks, written down (`groups/<node>`:
//! pgid and the leader's start time) so that a server started after a
//! crash can end the tasks its predecessor left behind. The kernel kills
//! a task's first process with keelson (`PR_SET_PDEATHSIG`), but not
//! what that process started; the start time guards against a recycled
//! process ID.

use std::path::{Path, PathBuf};

use super::sandbox;

fn file(dir: &Path, node: &str) -> PathBuf {
    dir.join(sandbox::file_name(node))
}

/// The leader's start time, in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`).
fn start_time(pid: libc::pid_t) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start
    // after the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Note a task's process group.
pub fn record(dir: &Path, node: &str, pgid: libc::pid_t) {
    let Some(start) = start_time(pgid) else { return };
    let write = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(file(dir, node), format!("{pgid} {start}\n")));
    if let Err(e) = write {
        tracing::warn!("cannot note the process group of {node}: {e}");
    }
}

/// The task ended and its group was killed.
pub fn forget(dir: &Path, node: &str) {
    let _ = std::fs::remove_file(file(dir, node));
}

/// Kill every group noted in `dir` whose leader is still the same
/// process; returns how many were killed. Empties `dir`.
pub fn reap(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut killed = 0;
    for e in entries.flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        let mut parts = text.split_whitespace();
        let (Some(pgid), Some(start)) = (
            parts.next().and_then(|p| p.parse::<libc::pid_t>().ok()),
            parts.next().and_then(|s| s.parse::<u64>().ok()),
        ) else {
            let _ = std::fs::remove_file(e.path());
            continue;
        };
        // The leader may be gone while the rest of its group lives on:
        // then the group has no process with that ID as leader to check,
        // and killing by group ID is safe only if the ID is not reused.
        let alive = start_time(pgid);
        if pgid > 1 && (alive == Some(start) || alive.is_none()) {
            super::process::signal_group(pgid, libc::SIGKILL);
            killed += 1;
        }
        let _ = std::fs::remove_file(e.path());
    }
    killed
}
