//! Reading what a task saw through an overlay after its mount is gone:
//! the overlay's upper layer (what the task wrote) over the host's
//! directory (the lower layer), with overlayfs's rules — a whiteout (a
//! character device 0/0) hides a lower entry, an opaque directory hides
//! the whole lower directory under it. Outputs are read from here.

use std::io;
use std::path::{Path, PathBuf};

/// Where a path of the task's is after the exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// In one place: the upper layer, the host, or nowhere (a path that
    /// does not exist).
    At(PathBuf),
    /// A directory present in both layers: their merge.
    Both { upper: PathBuf, lower: PathBuf },
}

/// Where `rest` (relative to the overlaid directory) is, the overlay's
/// upper layer being `upper` and the host's directory `lower`; `missing`
/// is a path that never exists.
pub fn seen(upper: &Path, lower: &Path, rest: &Path, missing: PathBuf) -> Seen {
    let mut lower_visible = true;
    let mut u = upper.to_path_buf();
    let parts: Vec<_> = rest.components().collect();
    for (i, part) in parts.iter().enumerate() {
        u.push(part);
        let Ok(m) = std::fs::symlink_metadata(&u) else {
            // Nothing of the task's from here down: the host's, if visible.
            let l = lower.join(rest);
            return Seen::At(if lower_visible { l } else { missing });
        };
        if is_whiteout(&m) {
            return Seen::At(missing);
        }
        let last = i + 1 == parts.len();
        if !last && !m.is_dir() {
            return Seen::At(missing);
        }
        if m.is_dir() && is_opaque(&u) {
            lower_visible = false;
        }
    }
    let l = lower.join(rest);
    let Ok(m) = std::fs::symlink_metadata(&u) else {
        return Seen::At(if lower_visible { l } else { missing });
    };
    let both =
        lower_visible && m.is_dir() && std::fs::symlink_metadata(&l).is_ok_and(|m| m.is_dir());
    if both { Seen::Both { upper: u, lower: l } } else { Seen::At(u) }
}

/// Copy the merge of `upper` over `lower` to `out` (a new directory):
/// files hard-linked where the filesystem allows, else copied; links
/// recreated; devices, sockets and pipes left out.
pub fn merge(upper: &Path, lower: &Path, out: &Path) -> io::Result<()> {
    std::fs::create_dir_all(out)?;
    let mut names = std::collections::BTreeSet::new();
    for dir in [lower, upper] {
        for e in std::fs::read_dir(dir)? {
            names.insert(e?.file_name());
        }
    }
    for name in names {
        let (u, l, o) = (upper.join(&name), lower.join(&name), out.join(&name));
        match std::fs::symlink_metadata(&u) {
            Ok(m) if is_whiteout(&m) => {}
            Ok(m) if m.is_dir() && !is_opaque(&u) && l.is_dir() && !l.is_symlink() => {
                merge(&u, &l, &o)?
            }
            Ok(_) => copy(&u, &o)?,
            Err(_) => copy(&l, &o)?,
        }
    }
    let mode = std::fs::metadata(upper)?.permissions();
    std::fs::set_permissions(out, mode)
}

fn copy(from: &Path, to: &Path) -> io::Result<()> {
    let m = std::fs::symlink_metadata(from)?;
    if m.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
    } else if m.is_dir() {
        std::fs::create_dir_all(to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            copy(&e.path(), &to.join(e.file_name()))?;
        }
        std::fs::set_permissions(to, m.permissions())
    } else if m.is_file() {
        if std::fs::hard_link(from, to).is_err() {
            std::fs::copy(from, to)?;
        }
        Ok(())
    } else {
        Ok(())
    }
}

pub fn is_whiteout(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    m.file_type().is_char_device() && m.rdev() == 0
}

/// Marked opaque by overlayfs: `trusted.` as root, `user.` in a user
/// namespace (the `userxattr` mount option).
fn is_opaque(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
    ["trusted.overlay.opaque\0", "user.overlay.opaque\0"].iter().any(|name| {
        let mut value = [0u8; 2];
        // SAFETY: both strings are NUL-terminated and `value` outlives
        // the call, which writes at most `value.len()` bytes.
        let n = unsafe {
            libc::lgetxattr(
                path.as_ptr(),
                name.as_ptr().cast(),
                value.as_mut_ptr().cast(),
                value.len(),
            )
        };
        n >= 1 && value[0] == b'y'
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().expect("dir");
        let (upper, lower) = (dir.path().join("upper"), dir.path().join("lower"));
        for d in [&upper, &lower] {
            std::fs::create_dir_all(d.join("conf")).expect("mkdir");
        }
        std::fs::write(lower.join("conf/a"), "host a").expect("write");
        std::fs::write(lower.join("conf/b"), "host b").expect("write");
        std::fs::write(upper.join("conf/b"), "task b").expect("write");
        std::fs::write(upper.join("conf/c"), "task c").expect("write");
        (dir, upper, lower)
    }

    #[test]
    fn a_directory_in_both_layers_reads_as_their_merge() {
        let (dir, upper, lower) = layers();
        let missing = dir.path().join("never");
        assert_eq!(
            seen(&upper, &lower, Path::new("conf"), missing.clone()),
            Seen::Both { upper: upper.join("conf"), lower: lower.join("conf") }
        );
        assert_eq!(
            seen(&upper, &lower, Path::new("conf/a"), missing.clone()),
            Seen::At(lower.join("conf/a"))
        );
        assert_eq!(
            seen(&upper, &lower, Path::new("conf/b"), missing.clone()),
            Seen::At(upper.join("conf/b"))
        );
        let out = dir.path().join("merged");
        merge(&upper.join("conf"), &lower.join("conf"), &out).expect("merge");
        let read = |n: &str| std::fs::read_to_string(out.join(n)).expect("merged file");
        assert_eq!(
            (read("a"), read("b"), read("c")),
            ("host a".into(), "task b".into(), "task c".into())
        );
    }

    #[test]
    fn whiteouts_hide_what_the_task_deleted() {
        let (dir, upper, lower) = layers();
        // A whiteout needs mknod: only where this runs as root.
        let whiteout = upper.join("conf/a");
        let path = std::ffi::CString::new(whiteout.as_os_str().as_encoded_bytes()).expect("path");
        // SAFETY: a NUL-terminated path; mknod reads nothing else.
        if unsafe { libc::mknod(path.as_ptr(), libc::S_IFCHR | 0o600, 0) } != 0 {
            eprintln!("skipped: cannot make a whiteout here");
            return;
        }
        let missing = dir.path().join("never");
        assert_eq!(seen(&upper, &lower, Path::new("conf/a"), missing.clone()), Seen::At(missing));
        let out = dir.path().join("merged");
        merge(&upper.join("conf"), &lower.join("conf"), &out).expect("merge");
        assert!(!out.join("a").exists() && out.join("b").exists());
    }
}
