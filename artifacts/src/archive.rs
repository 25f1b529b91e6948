//! Packing an output and unpacking an input, as Argo's executor does:
//! tar+gzip with one top entry named after the path (`basename(path)`),
//! zip the same way, and on load any gzip'd tar or zip unpacked so that a
//! single top entry becomes the path itself (several make the path a
//! directory holding them).
//!
//! Unpacking refuses entries that would land outside the target (`..`,
//! absolute paths, links pointing out of it) and stops at a size cap, so
//! a hostile archive ends the node with a message instead of filling the
//! disk.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::ArtifactError;

/// What a downloaded object is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Gzip,
    Zip,
    Plain,
}

pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Gzip
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else {
        Sniffed::Plain
    }
}

/// The name the packed path gets inside the archive.
fn entry_name(src: &Path) -> PathBuf {
    src.file_name().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// Write `src` (a file or a directory) as a gzip'd tar with one top entry,
/// `basename(src)`. `level` is gzip's 0–9; anything else is the default
/// (6). Symbolic links are kept as links.
pub fn pack_tgz<W: Write>(src: &Path, level: i64, out: W) -> io::Result<W> {
    let level = u32::try_from(level).ok().filter(|l| *l <= 9).unwrap_or(6);
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    tar.mode(tar::HeaderMode::Complete);
    let name = entry_name(src);
    if fs::symlink_metadata(src)?.is_dir() {
        tar.append_dir_all(&name, src)?;
    } else {
        tar.append_path_with_name(src, &name)?;
    }
    tar.into_inner()?.finish()
}

/// Write `src` as a zip with one top entry, `basename(src)` (a zip's
/// directory is written last, with offsets: `out` must seek).
pub fn pack_zip<W: Write + io::Seek>(src: &Path, out: W) -> io::Result<W> {
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let name = entry_name(src);
    let mut stack = vec![(src.to_path_buf(), name)];
    while let Some((path, name)) = stack.pop() {
        let meta = fs::symlink_metadata(&path)?;
        let shown = name.to_string_lossy().replace('\\', "/");
        if meta.is_dir() {
            zip.add_directory(format!("{shown}/"), options).map_err(io::Error::other)?;
            let mut children: Vec<_> = fs::read_dir(&path)?.collect::<Result<_, _>>()?;
            children.sort_by_key(|e| e.file_name());
            for c in children.into_iter().rev() {
                stack.push((c.path(), name.join(c.file_name())));
            }
        } else if meta.is_file() {
            use std::os::unix::fs::PermissionsExt;
            let options = options.unix_permissions(meta.permissions().mode());
            zip.start_file(shown, options).map_err(io::Error::other)?;
            io::copy(&mut fs::File::open(&path)?, &mut zip)?;
        }
    }
    zip.finish().map_err(io::Error::other)
}

/// A reader that fails once more than `cap` bytes have come through it,
/// and says so in `over` (the tar reader rewords the errors it passes on).
struct Capped<'a, R> {
    inner: R,
    left: u64,
    over: &'a std::cell::Cell<bool>,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        if n64 > self.left {
            self.over.set(true);
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, "over the size cap"));
        }
        self.left -= n64;
        Ok(n)
    }
}

fn over_cap(cap: u64) -> ArtifactError {
    bad(format!("it unpacks to more than {cap} bytes (the size cap)"))
}

/// The innermost cause of an error: the tar reader's own wording names
/// host paths.
pub(crate) fn cause(e: &io::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// Unpack a gzip'd tar read from `input` to `dest` (which must not
/// exist), at most `cap` bytes of it.
pub fn unpack_tgz(input: impl Read, dest: &Path, cap: u64) -> Result<(), ArtifactError> {
    let gz = flate2::read::GzDecoder::new(input);
    let over = std::cell::Cell::new(false);
    let capped = Capped { inner: gz, left: cap, over: &over };
    let staging = staging_dir(dest)?;
    let result = extract_tar(capped, &staging, MAX_ENTRIES)
        .map_err(|e| if over.get() { over_cap(cap) } else { e })
        .and_then(|()| settle(&staging, dest));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Unpack a zip file (it needs seeking: the directory is at its end) to
/// `dest`, at most `cap` bytes.
pub fn unpack_zip(file: fs::File, dest: &Path, cap: u64) -> Result<(), ArtifactError> {
    let staging = staging_dir(dest)?;
    let result = extract_zip(file, &staging, cap).and_then(|()| settle(&staging, dest));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn bad(why: impl Into<String>) -> ArtifactError {
    ArtifactError::BadArchive(why.into())
}

fn staging_dir(dest: &Path) -> Result<PathBuf, ArtifactError> {
    let parent = dest.parent().unwrap_or(Path::new("/"));
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let staging = parent.join(format!(".{name}.unpacking"));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|e| ArtifactError::local(&staging, e))?;
    Ok(staging)
}

/// One top entry becomes `dest`; several (or none) make `dest` the
/// directory that holds them.
fn settle(staging: &Path, dest: &Path) -> Result<(), ArtifactError> {
    let entries: Vec<_> = fs::read_dir(staging)
        .and_then(|d| d.collect::<Result<_, _>>())
        .map_err(|e| ArtifactError::local(staging, e))?;
    let from = match entries.as_slice() {
        [one] => one.path(),
        _ => staging.to_path_buf(),
    };
    fs::rename(&from, dest).map_err(|e| ArtifactError::local(dest, e))?;
    if from != staging {
        let _ = fs::remove_dir(staging);
    }
    Ok(())
}

/// A relative path made only of plain names, or why not.
pub(crate) fn safe_relative(path: &Path) -> Result<PathBuf, ArtifactError> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(bad(format!("entry {} climbs out with '..'", path.display())));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(bad(format!("entry {} is an absolute path", path.display())));
            }
        }
    }
    Ok(out)
}

/// The most entries an input archive may hold: past it, a bomb of empty
/// files would run the disk out of inodes, not bytes.
pub const MAX_ENTRIES: usize = 1_000_000;

fn too_many(max: usize) -> ArtifactError {
    bad(format!("it holds more than {max} entries"))
}

fn extract_tar(input: impl Read, root: &Path, max_entries: usize) -> Result<(), ArtifactError> {
    let mut archive = tar::Archive::new(input);
    // Modes as written, less set-uid, set-gid and sticky bits.
    archive.set_preserve_permissions(false);
    archive.set_overwrite(true);
    let corrupt = |e: io::Error| bad(format!("not a valid tar+gzip archive: {}", cause(&e)));
    for (n, entry) in archive.entries().map_err(corrupt)?.enumerate() {
        if n >= max_entries {
            return Err(too_many(max_entries));
        }
        let mut entry = entry.map_err(corrupt)?;
        let raw = entry.path().map_err(corrupt)?.into_owned();
        let rel = safe_relative(&raw)?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        // A symbolic link may point anywhere (`/etc/alternatives/java` →
        // `/usr/lib/jvm/…`): it is the task's view it resolves in, as in a
        // container. A hard link names an entry of the archive.
        let kind = entry.header().entry_type();
        if kind.is_hard_link() {
            let target = entry.link_name().map_err(corrupt)?.unwrap_or_default().into_owned();
            if safe_relative(&target).is_err() {
                return Err(bad(format!(
                    "hard link {} points outside the archive ({})",
                    raw.display(),
                    target.display()
                )));
            }
        }
        // Parents first, and never through a link: `unpack_in` checks
        // that the entry stays under `root` after resolving them, so an
        // entry under a link that points out is refused.
        let unpacked = entry.unpack_in(root).map_err(corrupt)?;
        if !unpacked {
            return Err(bad(format!("entry {} would land outside the target", raw.display())));
        }
    }
    Ok(())
}

fn extract_zip(file: fs::File, root: &Path, cap: u64) -> Result<(), ArtifactError> {
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| bad(format!("not a valid zip archive: {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(too_many(MAX_ENTRIES));
    }
    let mut left = cap;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| bad(format!("not a valid zip archive: {e}")))?;
        let name = PathBuf::from(f.name());
        let rel = safe_relative(&name)?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let out = root.join(&rel);
        if f.is_dir() {
            fs::create_dir_all(&out).map_err(|e| ArtifactError::local(&out, e))?;
            continue;
        }
        if f.is_symlink() {
            return Err(bad(format!(
                "entry {} is a link, which zip inputs may not hold",
                f.name()
            )));
        }
        if let Some(dir) = out.parent() {
            fs::create_dir_all(dir).map_err(|e| ArtifactError::local(dir, e))?;
        }
        let mut w = fs::File::create(&out).map_err(|e| ArtifactError::local(&out, e))?;
        let over = std::cell::Cell::new(false);
        let mut capped = Capped { inner: &mut f, left, over: &over };
        io::copy(&mut capped, &mut w).map_err(|e| {
            if over.get() {
                over_cap(cap)
            } else {
                bad(format!("not a valid zip archive: {}", cause(&e)))
            }
        })?;
        left = capped.left;
        if let Some(mode) = f.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&out, fs::Permissions::from_mode(mode & 0o777));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) {
        fs::create_dir_all(dir.join("sub")).ok();
        fs::write(dir.join("a.txt"), "alpha").ok();
        fs::write(dir.join("sub/b.txt"), "beta").ok();
    }

    #[test]
    fn a_directory_round_trips_through_tgz_under_its_own_name() {
        let t = tempfile::tempdir().expect("tempdir");
        let src = t.path().join("out");
        tree(&src);
        let bytes = pack_tgz(&src, 1, Vec::new()).expect("packed");
        assert_eq!(sniff(&bytes), Sniffed::Gzip);
        let mut names = Vec::new();
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        for e in a.entries().expect("entries") {
            names.push(e.expect("entry").path().expect("path").display().to_string());
        }
        assert!(names.iter().all(|n| n.starts_with("out")), "{names:?}");
        let dest = t.path().join("in");
        unpack_tgz(bytes.as_slice(), &dest, 1 << 20).expect("unpacked");
        assert_eq!(fs::read_to_string(dest.join("sub/b.txt")).ok().as_deref(), Some("beta"));
    }

    #[test]
    fn a_single_file_unpacks_to_the_path_itself() {
        let t = tempfile::tempdir().expect("tempdir");
        let src = t.path().join("message.txt");
        fs::write(&src, "hello").ok();
        let bytes = pack_tgz(&src, -1, Vec::new()).expect("packed");
        let dest = t.path().join("x/y");
        fs::create_dir_all(t.path().join("x")).ok();
        unpack_tgz(bytes.as_slice(), &dest, 1 << 20).expect("unpacked");
        assert_eq!(fs::read_to_string(&dest).ok().as_deref(), Some("hello"));
        let zipped = pack_zip(&src, io::Cursor::new(Vec::new())).expect("zipped").into_inner();
        assert_eq!(sniff(&zipped), Sniffed::Zip);
        let zf = t.path().join("m.zip");
        fs::write(&zf, &zipped).ok();
        let dest = t.path().join("z");
        unpack_zip(fs::File::open(&zf).expect("open"), &dest, 1 << 20).expect("unzipped");
        assert_eq!(fs::read_to_string(&dest).ok().as_deref(), Some("hello"));
    }

    fn tar_with(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        for (name, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_mode(0o644);
            if kind.is_symlink() || kind.is_hard_link() {
                h.set_size(0);
                // Writing the raw name lets the test build what a hostile
                // archiver would.
                let _ = h.set_link_name(data);
                let bytes = name.as_bytes();
                h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
                h.set_cksum();
                b.append(&h, io::empty()).ok();
            } else {
                h.set_size(data.len() as u64);
                let bytes = name.as_bytes();
                h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
                h.set_cksum();
                b.append(&h, data.as_bytes()).ok();
            }
        }
        b.into_inner().and_then(|g| g.finish()).unwrap_or_default()
    }

    #[test]
    fn escaping_entries_are_refused() {
        let t = tempfile::tempdir().expect("tempdir");
        let outside = t.path().join("outside");
        fs::create_dir_all(&outside).expect("mkdir");
        let out = outside.display().to_string();
        let cases = [
            tar_with(&[("../evil", tar::EntryType::Regular, "x")]),
            tar_with(&[("/etc/evil", tar::EntryType::Regular, "x")]),
            tar_with(&[("d/h", tar::EntryType::Link, "../../x")]),
            // Writing through a link that points out.
            tar_with(&[
                ("d/link", tar::EntryType::Symlink, &out),
                ("d/link/evil", tar::EntryType::Regular, "x"),
            ]),
            tar_with(&[
                ("d/link", tar::EntryType::Symlink, "../../outside"),
                ("d/link/evil", tar::EntryType::Regular, "x"),
            ]),
        ];
        for (i, bytes) in cases.iter().enumerate() {
            let dest = t.path().join(format!("d{i}"));
            let err = unpack_tgz(bytes.as_slice(), &dest, 1 << 20);
            assert!(matches!(err, Err(ArtifactError::BadArchive(_))), "case {i}: {err:?}");
            assert!(!dest.exists());
        }
        assert!(!t.path().parent().unwrap_or(t.path()).join("evil").exists());
        assert!(!outside.join("evil").exists());
        // Links themselves are kept as they are, wherever they point.
        let ok = tar_with(&[
            ("d/f", tar::EntryType::Regular, "x"),
            ("d/l", tar::EntryType::Symlink, "f"),
            ("d/java", tar::EntryType::Symlink, "/usr/lib/jvm/bin/java"),
        ]);
        let dest = t.path().join("ok");
        assert!(unpack_tgz(ok.as_slice(), &dest, 1 << 20).is_ok());
        let java = fs::read_link(dest.join("java")).expect("a link");
        assert_eq!(java, Path::new("/usr/lib/jvm/bin/java"));
    }

    #[test]
    fn too_many_entries_are_refused() {
        let t = tempfile::tempdir().expect("tempdir");
        let entries: Vec<(String, tar::EntryType, &str)> =
            (0..5).map(|i| (format!("d/f{i}"), tar::EntryType::Regular, "")).collect();
        let entries: Vec<(&str, tar::EntryType, &str)> =
            entries.iter().map(|(n, k, d)| (n.as_str(), *k, *d)).collect();
        let bytes = tar_with(&entries);
        let gz = flate2::read::GzDecoder::new(bytes.as_slice());
        let err = extract_tar(gz, t.path(), 3).expect_err("five entries, three allowed");
        assert!(err.to_string().contains("more than 3 entries"), "{err}");
        let gz = flate2::read::GzDecoder::new(bytes.as_slice());
        let ok = t.path().join("ok");
        fs::create_dir_all(&ok).expect("mkdir");
        let r = extract_tar(gz, &ok, 5);
        assert!(r.is_ok(), "{r:?}");
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let t = tempfile::tempdir().expect("tempdir");
        let src = t.path().join("zeros");
        fs::write(&src, vec![0u8; 4 << 20]).ok();
        let bytes = pack_tgz(&src, 9, Vec::new()).expect("packed");
        assert!(bytes.len() < 64 << 10);
        let err = unpack_tgz(bytes.as_slice(), &t.path().join("out"), 1 << 20);
        let Err(ArtifactError::BadArchive(why)) = err else { panic!("{err:?}") };
        assert!(why.contains("size cap"), "{why}");
        assert!(!t.path().join("out").exists());
    }
}
