//! A task's private directories and its private `/tmp`.
//!
//! Argo's examples pass data through fixed paths like `/tmp/out.txt`; in a
//! cluster every pod has its own `/tmp`. Locally each task gets
//! `run_dir/tasks/<node>/tmp`, bind-mounted over `/tmp` in a mount
//! namespace of its own (plus a user namespace when not root), so
//! concurrent tasks never see each other's files. Where namespaces are not
//! allowed the task runs without isolation: `TMPDIR` points at its private
//! directory, but a program that writes `/tmp/x` writes the real `/tmp/x`.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};

use super::error::StartError;
use super::layers::Seen;

/// How tasks are isolated, decided once per executor by [`probe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// A mount namespace per task (running as root).
    MountNamespace,
    /// A user and a mount namespace per task (not root; the task keeps the
    /// caller's uid and gid).
    UserNamespace,
    /// No namespaces: `/tmp` is shared with the host.
    None,
}

impl Isolation {
    pub fn private_tmp(self) -> bool {
        self != Isolation::None
    }
}

/// Find the strongest isolation this machine allows, by setting it up in a
/// throwaway child that never executes anything. `scratch` is an existing
/// directory to bind over `/tmp` there.
pub fn probe(scratch: &Path) -> Isolation {
    let candidates: &[Isolation] = if is_root() {
        &[Isolation::MountNamespace, Isolation::UserNamespace]
    } else {
        &[Isolation::UserNamespace]
    };
    for &isolation in candidates {
        let Ok(setup) = Setup::new(isolation, scratch, Path::new("/"), None) else { continue };
        let mut cmd = std::process::Command::new("/bin/true");
        // SAFETY: the closure runs in the forked child before exec and only
        // makes async-signal-safe system calls (unshare, open, write,
        // close, mount, chdir) on memory prepared before the fork.
        unsafe {
            cmd.pre_exec(move || {
                setup.enter()?;
                // Success is reported as this marker error, so the child
                // stops here and nothing is executed.
                Err(io::Error::from_raw_os_error(libc::ECANCELED))
            });
        }
        if let Err(e) = cmd.spawn()
            && e.raw_os_error() == Some(libc::ECANCELED)
        {
            return isolation;
        }
    }
    Isolation::None
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// What the child does between fork and exec to get its private `/tmp`:
/// everything it needs is allocated here, before the fork.
pub struct Setup {
    user_ns: bool,
    /// The task's own root to enter, if it has one (see `root`).
    root: Option<super::root::RootMounts>,
    uid_map: CString,
    gid_map: CString,
    tmp: CString,
    cwd: CString,
}

impl Setup {
    /// `cwd` is the working directory as the task sees it (after the bind
    /// mount, so it may be under `/tmp`).
    pub fn new(
        isolation: Isolation,
        tmp: &Path,
        cwd: &Path,
        root: Option<&super::root::OwnRoot>,
    ) -> io::Result<Setup> {
        let c = |bytes: &[u8]| {
            CString::new(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
        };
        // SAFETY: getuid and getgid have no preconditions and cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let map = |id: u32| c(format!("{id} {id} 1").as_bytes());
        let user_ns = isolation == Isolation::UserNamespace;
        Ok(Setup {
            root: root.map(|r| r.mounts(tmp, user_ns)).transpose()?,
            user_ns,
            uid_map: map(uid)?,
            gid_map: map(gid)?,
            tmp: c(tmp.as_os_str().as_bytes())?,
            cwd: c(cwd.as_os_str().as_bytes())?,
        })
    }

    /// Run in the child after fork: only async-signal-safe calls, no
    /// allocation.
    pub fn enter(&self) -> io::Result<()> {
        let check = |r: libc::c_int| if r == 0 { Ok(()) } else { Err(io::Error::last_os_error()) };
        let flags =
            if self.user_ns { libc::CLONE_NEWUSER | libc::CLONE_NEWNS } else { libc::CLONE_NEWNS };
        // SAFETY: plain system calls on NUL-terminated strings owned by
        // `self`, which outlives them; none of them allocates.
        unsafe {
            check(libc::unshare(flags))?;
            if self.user_ns {
                // An unprivileged process may map only its own ids, and
                // only after giving up setgroups.
                write_file(c"/proc/self/setgroups", b"deny")?;
                write_file(c"/proc/self/uid_map", self.uid_map.as_bytes())?;
                write_file(c"/proc/self/gid_map", self.gid_map.as_bytes())?;
            }
            // Private propagation first, or the bind mount would appear in
            // the host's (and every other task's) namespace.
            let none = std::ptr::null();
            check(libc::mount(
                none,
                c"/".as_ptr(),
                none,
                libc::MS_REC | libc::MS_PRIVATE,
                none.cast(),
            ))?;
            match &self.root {
                // The root binds the private /tmp itself.
                Some(root) => root.enter()?,
                None => check(libc::mount(
                    self.tmp.as_ptr(),
                    c"/tmp".as_ptr(),
                    none,
                    libc::MS_BIND | libc::MS_REC,
                    none.cast(),
                ))?,
            }
            check(libc::chdir(self.cwd.as_ptr()))?;
        }
        Ok(())
    }
}

/// open + write + close, the async-signal-safe way.
///
/// # Safety
/// Only to be called where raw system calls are allowed (after fork).
unsafe fn write_file(path: &std::ffi::CStr, data: &[u8]) -> io::Result<()> {
    // SAFETY: `path` is NUL-terminated and `data` is a valid buffer; the
    // descriptor is closed on every path.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = libc::write(fd, data.as_ptr().cast(), data.len());
        let err = io::Error::last_os_error();
        libc::close(fd);
        if n < 0 || n as usize != data.len() {
            return Err(err);
        }
    }
    Ok(())
}

/// A task's directories on the host: `run_dir/tasks/<node>/…`.
#[derive(Debug, Clone)]
pub struct TaskDirs {
    pub root: PathBuf,
    /// Mounted over `/tmp`.
    pub tmp: PathBuf,
    /// `HOME` and the default working directory.
    pub work: PathBuf,
    /// Script sources (Argo's `/argo/staging`), kept out of `/tmp` so a
    /// task's `/tmp` starts empty, as in a pod.
    pub staging: PathBuf,
}

impl TaskDirs {
    pub fn new(run_dir: &Path, node: &str) -> TaskDirs {
        let root = run_dir.join("tasks").join(file_name(node));
        TaskDirs {
            tmp: root.join("tmp"),
            work: root.join("work"),
            staging: root.join("staging"),
            root,
        }
    }

    /// The task's root, `tmp` and `work`; `staging` is made when a script
    /// is written there. Directories are what a no-op task costs most
    /// (each is an inode to allocate), so no more than these.
    pub fn create(&self) -> io::Result<()> {
        let made = |r: io::Result<()>| match r {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
            _ => Ok(()),
        };
        match std::fs::create_dir(&self.root) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::create_dir_all(&self.root)?,
            r => made(r)?,
        }
        made(std::fs::create_dir(&self.tmp))?;
        made(std::fs::create_dir(&self.work))
    }
}

impl TaskDirs {
    /// Empty the directories for the next task: `tmp` and `work` stay
    /// (emptied), everything else under the root goes. Returns whether
    /// that worked (if not, the directories are not used again).
    pub fn clear(&self) -> bool {
        fn empty(dir: &Path, keep: &[&str]) -> io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                if keep.iter().any(|k| entry.file_name() == *k) {
                    continue;
                }
                if entry.file_type()?.is_dir() {
                    remove_tree(&entry.path())?;
                } else {
                    std::fs::remove_file(entry.path())?;
                }
            }
            Ok(())
        }
        empty(&self.root, &["tmp", "work"]).is_ok()
            && empty(&self.tmp, &[]).is_ok()
            && empty(&self.work, &[]).is_ok()
    }
}

/// Remove a directory tree, even one whose directories a task (or
/// overlayfs: its `work/work` is mode 000) left without write or search
/// permission for their owner: those are opened up and removal retried.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            let mut stack = vec![dir.to_path_buf()];
            while let Some(d) = stack.pop() {
                let is_dir = std::fs::symlink_metadata(&d).is_ok_and(|m| m.is_dir());
                if !is_dir {
                    continue;
                }
                std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))?;
                for entry in std::fs::read_dir(&d)? {
                    stack.push(entry?.path());
                }
            }
            std::fs::remove_dir_all(dir)
        }
        other => other,
    }
}

/// A node ID as a file name: anything but `[A-Za-z0-9._-]` becomes `_`.
pub fn file_name(node: &str) -> String {
    let s: String = node
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    match s.as_str() {
        "" | "." | ".." => format!("_{s}"),
        _ => s,
    }
}

/// Container paths and where they are on the host.
#[derive(Debug, Clone)]
pub struct PathMap {
    pub isolation: Isolation,
    pub dirs: TaskDirs,
    /// The working directory as the task sees it.
    pub cwd: PathBuf,
    /// The task's own `/`, when its files are outside `/tmp`.
    pub root: Option<super::root::OwnRoot>,
}

impl PathMap {
    /// Where a path the task wrote (an output) is on the host after the
    /// exit: under the private `/tmp` it is in the task's directory, in
    /// the task's own root it is what [`OwnRoot::output`] says — a
    /// directory in both layers of an overlay is merged into the staging
    /// directory first —, elsewhere it is the host's own path. `None` for
    /// paths with `..`.
    ///
    /// [`OwnRoot::output`]: super::root::OwnRoot::output
    pub fn output(&self, path: &str) -> io::Result<Option<PathBuf>> {
        let Some(abs) = self.absolute(path) else { return Ok(None) };
        if let Some(host) = self.tmp_on_host(&abs) {
            return Ok(Some(host));
        }
        match self.root.as_ref().and_then(|r| r.output(&abs)) {
            None => Ok(Some(abs)),
            Some(Seen::At(host)) => Ok(Some(host)),
            Some(Seen::Both { upper, lower }) => {
                // Readable, and one per path: `/out/a-b` and `/out/a_b`
                // differ in their hash.
                let text = abs.to_string_lossy();
                let readable: String = text
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' })
                    .collect();
                let name = format!("{readable}-{:08x}", engine::status::fnv1a_32(&text));
                let merged = self.dirs.staging.join("merged").join(name);
                if !merged.exists() {
                    super::layers::merge(&upper, &lower, &merged)?;
                }
                Ok(Some(merged))
            }
        }
    }

    /// Where to write an input file before start; only `/tmp` is allowed,
    /// since anything else would be written into the host's own tree.
    pub fn input(&self, path: &str) -> Result<PathBuf, StartError> {
        let abs = self.absolute(path).ok_or_else(|| StartError::DotDot { path: path.into() })?;
        match self.tmp_on_host(&abs) {
            Some(host) => Ok(host),
            None if abs.starts_with("/tmp") => Ok(abs),
            None => match self.root.as_ref().and_then(|r| r.input(&abs)) {
                Some(host) => Ok(host),
                None => Err(StartError::FileOutsideTmp { path: path.into() }),
            },
        }
    }

    /// With a private `/tmp`, `/tmp/rest` is `dirs.tmp/rest` on the host.
    pub fn tmp_on_host(&self, abs: &Path) -> Option<PathBuf> {
        if !self.isolation.private_tmp() {
            return None;
        }
        abs.strip_prefix("/tmp").ok().map(|rest| self.dirs.tmp.join(rest))
    }

    /// Absolute, relative ones against the working directory; `None` if
    /// it climbs with `..`.
    pub fn absolute(&self, path: &str) -> Option<PathBuf> {
        let p = Path::new(path);
        if p.components().any(|c| c == Component::ParentDir) {
            return None;
        }
        let abs = if p.is_absolute() { p.to_path_buf() } else { self.cwd.join(p) };
        // Drop `.` components so prefixes compare as expected.
        Some(abs.components().filter(|c| *c != Component::CurDir).collect())
    }
}

/// The task's working directory: `(as the task sees it, on the host)`.
///
/// None given: the task's work directory. Under `/tmp` with a private
/// `/tmp`: created there. Otherwise an existing host directory is used as
/// it is, and a missing one is created under `tasks/<node>/root/` (a pod
/// would find it in its image; the host has no such directory).
pub fn working_dir(
    given: Option<&str>,
    isolation: Isolation,
    dirs: &TaskDirs,
) -> Result<(PathBuf, PathBuf), StartError> {
    let Some(given) = given.filter(|g| !g.is_empty()) else {
        return Ok((dirs.work.clone(), dirs.work.clone()));
    };
    let map = PathMap { isolation, dirs: dirs.clone(), cwd: dirs.work.clone(), root: None };
    let abs = map.absolute(given).ok_or_else(|| StartError::DotDot { path: given.into() })?;
    if let Some(host) = map.tmp_on_host(&abs) {
        return Ok((abs, host));
    }
    if abs.is_dir() {
        return Ok((abs.clone(), abs));
    }
    let rel = abs.strip_prefix("/").unwrap_or(&abs);
    let host = dirs.root.join("root").join(rel);
    Ok((host.clone(), host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(isolation: Isolation) -> PathMap {
        let dirs = TaskDirs::new(Path::new("/run"), "wf-1");
        PathMap { isolation, cwd: dirs.work.clone(), dirs, root: None }
    }

    #[test]
    fn paths_under_tmp_are_private() {
        let m = map(Isolation::MountNamespace);
        assert_eq!(
            m.output("/tmp/out.txt").ok().flatten(),
            Some(PathBuf::from("/run/tasks/wf-1/tmp/out.txt"))
        );
        assert_eq!(
            m.output("/tmp/./a/b").ok().flatten(),
            Some(PathBuf::from("/run/tasks/wf-1/tmp/a/b"))
        );
        assert_eq!(m.output("/mnt/file").ok().flatten(), Some(PathBuf::from("/mnt/file")));
        assert_eq!(
            m.output("rel.txt").ok().flatten(),
            Some(PathBuf::from("/run/tasks/wf-1/work/rel.txt"))
        );
        assert_eq!(m.output("/tmp/../etc/passwd").ok().flatten(), None);
        assert_eq!(m.output("/tmpfoo").ok().flatten(), Some(PathBuf::from("/tmpfoo")));
        assert!(m.input("/tmp/in").is_ok());
        assert!(matches!(m.input("/etc/x"), Err(StartError::FileOutsideTmp { .. })));
        assert!(matches!(m.input("/tmp/../etc/x"), Err(StartError::DotDot { .. })));
    }

    #[test]
    fn without_isolation_tmp_is_the_real_one() {
        let m = map(Isolation::None);
        assert_eq!(m.output("/tmp/out.txt").ok().flatten(), Some(PathBuf::from("/tmp/out.txt")));
        assert_eq!(m.input("/tmp/in").ok(), Some(PathBuf::from("/tmp/in")));
    }

    #[test]
    fn node_ids_are_safe_file_names() {
        assert_eq!(file_name("hello-123"), "hello-123");
        assert_eq!(file_name("../x/y"), ".._x_y");
        assert_eq!(file_name(".."), "_..");
        assert_eq!(file_name(""), "_");
    }

    #[test]
    fn working_dirs() {
        let dirs = TaskDirs::new(Path::new("/run"), "n");
        let wd = |g, i| working_dir(g, i, &dirs).expect("valid");
        assert_eq!(wd(None, Isolation::MountNamespace).0, dirs.work);
        let (seen, host) = wd(Some("/tmp/w"), Isolation::MountNamespace);
        assert_eq!((seen, host), (PathBuf::from("/tmp/w"), dirs.tmp.join("w")));
        assert_eq!(wd(Some("/"), Isolation::None).0, PathBuf::from("/"));
        let (seen, host) = wd(Some("/no/such/dir"), Isolation::None);
        assert_eq!(seen, dirs.root.join("root/no/such/dir"));
        assert_eq!(seen, host);
    }
}
