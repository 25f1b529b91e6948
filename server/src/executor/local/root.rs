//! A task's own `/`, for tasks whose artifacts or output files are outside
//! `/tmp` (`/src`, `/mnt/out`, `/result.txt`, an input at `/bin/tool`).
//!
//! In a pod those paths are the container's own. Here the task gets a root
//! directory of its own, `tasks/<slot>/fsroot`, made in its mount
//! namespace: every top-level directory of the host bound in (so programs,
//! `/proc`, `/dev` and Keelson's data are where they always are), the
//! private `/tmp` over `/tmp`, and an overlay on each top-level directory
//! that an artifact path goes into — its writes land in
//! `tasks/<slot>/overlay/<dir>/upper`, never in the host's tree. A path
//! whose top-level directory the host does not have (`/src`, a file at the
//! root) is a plain directory of `fsroot`. Before the start, inputs are
//! written where the task will see them; after the exit, outputs are read
//! from there.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use super::error::StartError;
use super::layers::{self, Seen};
use super::sandbox::TaskDirs;

/// The host's top-level entries and how a task's root gets each.
#[derive(Debug, Clone)]
pub struct OwnRoot {
    /// The task's `/` on the host.
    pub dir: PathBuf,
    /// Top-level directories bound in as they are.
    binds: Vec<String>,
    /// Top-level symbolic links, recreated (`/bin` → `usr/bin`).
    links: Vec<(String, PathBuf)>,
    /// Top-level directories overlaid, with their upper directories.
    overlays: Vec<Overlay>,
}

#[derive(Debug, Clone)]
struct Overlay {
    name: String,
    upper: PathBuf,
    work: PathBuf,
}

/// `base/rest`, without the trailing `/` that joining an empty `rest`
/// would add.
fn join(base: &Path, rest: &Path) -> PathBuf {
    if rest.as_os_str().is_empty() { base.to_path_buf() } else { base.join(rest) }
}

/// The first component of an absolute path, and the rest.
fn split_top(abs: &Path) -> Option<(String, PathBuf)> {
    let mut parts = abs.components().filter(|c| !matches!(c, Component::RootDir));
    let top = match parts.next()? {
        Component::Normal(n) => n.to_string_lossy().into_owned(),
        _ => return None,
    };
    Some((top, parts.collect()))
}

impl OwnRoot {
    /// The root for a task whose files outside `/tmp` are `paths`
    /// (absolute, without `..`). The directories that hold Keelson's own
    /// data (`keep`) cannot be overlaid.
    pub fn plan(dirs: &TaskDirs, paths: &[PathBuf], keep: &Path) -> Result<OwnRoot, StartError> {
        let mut binds = Vec::new();
        let mut links = Vec::new();
        let entries = std::fs::read_dir("/").map_err(|e| {
            StartError::io("cannot list the host's / for the task's root".to_string(), e)
        })?;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "tmp" {
                continue;
            }
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_symlink() {
                if let Ok(target) = std::fs::read_link(e.path()) {
                    links.push((name, target));
                }
            } else if kind.is_dir() {
                binds.push(name);
            }
        }
        binds.sort();
        let mut root =
            OwnRoot { dir: dirs.root.join("fsroot"), binds, links, overlays: Vec::new() };
        let keep_top = split_top(keep).map(|(t, _)| t);
        for p in paths {
            let p = root.resolve_links(p);
            let Some((top, _)) = split_top(&p) else { continue };
            if top == "tmp" || !root.binds.contains(&top) {
                continue;
            }
            if keep_top.as_deref() == Some(top.as_str()) {
                return Err(StartError::OwnDataDir {
                    path: p.display().to_string(),
                    dir: format!("/{top}"),
                });
            }
            if root.overlays.iter().any(|o| o.name == top) {
                continue;
            }
            root.binds.retain(|b| *b != top);
            let base = dirs.root.join("overlay").join(&top);
            root.overlays.push(Overlay {
                upper: base.join("upper"),
                work: base.join("work"),
                name: top,
            });
        }
        Ok(root)
    }

    /// `/bin/x` → `/usr/bin/x` where `/bin` is a link to `usr/bin`.
    fn resolve_links(&self, abs: &Path) -> PathBuf {
        let Some((top, rest)) = split_top(abs) else { return abs.to_path_buf() };
        match self.links.iter().find(|(n, _)| *n == top) {
            Some((_, target)) => {
                let target =
                    if target.is_absolute() { target.clone() } else { Path::new("/").join(target) };
                join(&target, &rest)
            }
            None => abs.to_path_buf(),
        }
    }

    /// Where the task's `abs` is on the host, for writing it before the
    /// start (`None` under `/tmp`, which the caller maps).
    pub fn input(&self, abs: &Path) -> Option<PathBuf> {
        let abs = self.resolve_links(abs);
        let Some((top, rest)) = split_top(&abs) else { return Some(self.dir.clone()) };
        if top == "tmp" {
            return None;
        }
        if let Some(o) = self.overlays.iter().find(|o| o.name == top) {
            return Some(join(&o.upper, &rest));
        }
        if self.binds.contains(&top) {
            // Only overlaid directories take inputs; `plan` overlays
            // every one an input goes into.
            return Some(abs);
        }
        Some(join(&self.dir.join(top), &rest))
    }

    /// Where the task's `abs` is on the host after the exit: what it
    /// wrote (an overlay's upper layer, or its own root), else the host's,
    /// or both merged (see [`layers`]).
    pub fn output(&self, abs: &Path) -> Option<Seen> {
        let abs = self.resolve_links(abs);
        let Some((top, rest)) = split_top(&abs) else { return Some(Seen::At(self.dir.clone())) };
        if top == "tmp" {
            return None;
        }
        if let Some(o) = self.overlays.iter().find(|o| o.name == top) {
            // A path under the work directory, which never holds
            // anything, reads as missing.
            let missing = join(&o.work.join("deleted"), &rest);
            return Some(layers::seen(&o.upper, &Path::new("/").join(&top), &rest, missing));
        }
        if self.binds.contains(&top) {
            return Some(Seen::At(abs));
        }
        Some(Seen::At(join(&self.dir.join(top), &rest)))
    }

    /// Make the root's mount points and links and the overlays' layers
    /// (before the start, on the host).
    pub fn create(&self) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        for name in self.binds.iter().chain(self.overlays.iter().map(|o| &o.name)) {
            std::fs::create_dir_all(self.dir.join(name))?;
        }
        for (name, target) in &self.links {
            let at = self.dir.join(name);
            if std::fs::symlink_metadata(&at).is_err() {
                std::os::unix::fs::symlink(target, &at)?;
            }
        }
        std::fs::create_dir_all(self.dir.join("tmp"))?;
        for o in &self.overlays {
            std::fs::create_dir_all(&o.upper)?;
            std::fs::create_dir_all(&o.work)?;
        }
        Ok(())
    }

    /// What the child does to enter the root, prepared before the clone.
    pub fn mounts(&self, tmp: &Path, user_ns: bool) -> io::Result<RootMounts> {
        let c =
            |b: &[u8]| CString::new(b).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e));
        let path = |p: &Path| c(p.as_os_str().as_bytes());
        let mut binds = Vec::new();
        for name in &self.binds {
            binds.push((path(&Path::new("/").join(name))?, path(&self.dir.join(name))?));
        }
        binds.push((path(tmp)?, path(&self.dir.join("tmp"))?));
        let mut overlays = Vec::new();
        for o in &self.overlays {
            let mut options = Vec::new();
            options.extend_from_slice(b"lowerdir=/");
            options.extend_from_slice(escape(OsStr::new(&o.name)).as_slice());
            options.extend_from_slice(b",upperdir=");
            options.extend_from_slice(&escape(o.upper.as_os_str()));
            options.extend_from_slice(b",workdir=");
            options.extend_from_slice(&escape(o.work.as_os_str()));
            if user_ns {
                // An overlay mounted in a user namespace keeps its
                // metadata in user.* attributes.
                options.extend_from_slice(b",userxattr");
            }
            overlays.push((path(&self.dir.join(&o.name))?, c(&options)?));
        }
        Ok(RootMounts { root: path(&self.dir)?, binds, overlays })
    }
}

/// Overlay options separate with `,` and `:`: escape them in paths.
fn escape(s: &OsStr) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in s.as_bytes() {
        if matches!(b, b',' | b':' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// The child's mount calls, all strings made before the clone.
pub struct RootMounts {
    root: CString,
    /// `(source, target)`, bound recursively.
    binds: Vec<(CString, CString)>,
    /// `(target, options)`.
    overlays: Vec<(CString, CString)>,
}

impl RootMounts {
    /// In the child, after the namespace is private: mount everything,
    /// then make the root `/`. Only async-signal-safe calls.
    pub fn enter(&self) -> io::Result<()> {
        let check = |r: libc::c_int| if r == 0 { Ok(()) } else { Err(io::Error::last_os_error()) };
        let none: *const libc::c_char = std::ptr::null();
        // SAFETY: plain system calls on NUL-terminated strings owned by
        // `self`, which outlives them; none of them allocates.
        unsafe {
            for (source, target) in &self.binds {
                check(libc::mount(
                    source.as_ptr(),
                    target.as_ptr(),
                    none,
                    libc::MS_BIND | libc::MS_REC,
                    none.cast(),
                ))?;
            }
            for (target, options) in &self.overlays {
                check(libc::mount(
                    c"overlay".as_ptr(),
                    target.as_ptr(),
                    c"overlay".as_ptr(),
                    0,
                    options.as_ptr().cast(),
                ))?;
            }
            check(libc::chdir(self.root.as_ptr()))?;
            check(libc::chroot(c".".as_ptr()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_land_in_overlays_or_the_tasks_own_root() {
        let dirs = TaskDirs::new(Path::new("/data/run"), "slot-0");
        let paths = [
            PathBuf::from("/src/main.go"),
            PathBuf::from("/etc/out.txt"),
            PathBuf::from("/result.txt"),
        ];
        let Ok(root) = OwnRoot::plan(&dirs, &paths, Path::new("/data")) else { panic!("plans") };
        assert!(root.overlays.iter().any(|o| o.name == "etc"));
        assert!(!root.binds.contains(&"etc".to_string()));
        assert_eq!(
            root.input(Path::new("/src/main.go")),
            Some(dirs.root.join("fsroot/src/main.go"))
        );
        assert_eq!(
            root.input(Path::new("/etc/out.txt")),
            Some(dirs.root.join("overlay/etc/upper/out.txt"))
        );
        // Nothing written: the host's file is the task's.
        assert_eq!(
            root.output(Path::new("/etc/hostname")),
            Some(Seen::At(PathBuf::from("/etc/hostname")))
        );
        assert_eq!(
            root.output(Path::new("/result.txt")),
            Some(Seen::At(dirs.root.join("fsroot/result.txt")))
        );
        assert_eq!(root.output(Path::new("/tmp/x")), None);
    }

    #[test]
    fn keelsons_own_data_cannot_be_overlaid() {
        let dirs = TaskDirs::new(Path::new("/usr/local/keelson"), "slot-0");
        let paths = [PathBuf::from("/usr/local/bin/tool")];
        let err = OwnRoot::plan(&dirs, &paths, Path::new("/usr/local/keelson"));
        assert!(matches!(err, Err(StartError::OwnDataDir { .. })));
    }
}
