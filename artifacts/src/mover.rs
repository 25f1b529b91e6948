//! Loading an input to its path and saving an output from it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine::spec::{ArchiveStrategy, Artifact, Packing};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::archive::{self, Sniffed};
use crate::store::{self, Opened};
use crate::transfer;
use crate::{ArtifactError, Secrets, git, http};

/// Bounds on what moving artifacts may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most an input archive may unpack to.
    pub unpack_cap: u64,
    /// Objects moved at once for a directory (`archive: none`).
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { unpack_cap: 64 << 30, concurrency: 16 }
    }
}

/// Moves artifacts for tasks: one per executor, shared by its tasks.
#[derive(Clone)]
pub struct Mover {
    builtin_root: PathBuf,
    secrets: Arc<dyn Secrets>,
    limits: Limits,
}

impl Mover {
    /// `builtin_root` is the built-in repository's directory.
    pub fn new(builtin_root: PathBuf, secrets: Arc<dyn Secrets>, limits: Limits) -> Mover {
        Mover { builtin_root, secrets, limits }
    }

    pub fn builtin_root(&self) -> &Path {
        &self.builtin_root
    }

    fn open(&self, a: &Artifact) -> Result<Opened, ArtifactError> {
        let ctx =
            store::Context { builtin_root: &self.builtin_root, secrets: self.secrets.as_ref() };
        store::open(&a.location, &ctx)
    }

    /// Put input `a` at `dest` (a host path; its parent is created). An
    /// archive is unpacked; a key that is a directory loads everything
    /// under it.
    pub async fn load(&self, a: &Artifact, dest: &Path) -> Result<(), ArtifactError> {
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(|e| ArtifactError::local(parent, e))?;
        }
        if let Some(g) = &a.location.git {
            git::clone(g, self.secrets.as_ref(), dest).await?;
            return self.apply_mode(a, dest);
        }
        let download = sibling(dest, "download");
        if let Some(h) = &a.location.http {
            let fetched = http::download(h, self.secrets.as_ref(), &download).await;
            if let Err(e) = fetched {
                let _ = tokio::fs::remove_file(&download).await;
                return Err(e);
            }
            self.settle(a, &download, dest).await?;
            return self.apply_mode(a, dest);
        }
        let o = self.open(a)?;
        match transfer::download(o.store.as_ref(), &o.describe, &o.key, &download).await {
            Ok(()) => self.settle(a, &download, dest).await?,
            Err(ArtifactError::NotFound { key, store }) => {
                let _ = tokio::fs::remove_file(&download).await;
                let n = self.load_prefix(&o, dest).await?;
                if n == 0 {
                    return Err(ArtifactError::NotFound { key, store });
                }
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&download).await;
                return Err(e);
            }
        }
        self.apply_mode(a, dest)
    }

    /// A downloaded object to `dest`, unpacked unless `archive: none`
    /// says otherwise; the download is removed either way.
    async fn settle(
        &self,
        a: &Artifact,
        download: &Path,
        dest: &Path,
    ) -> Result<(), ArtifactError> {
        let unpack = ArchiveStrategy::packing(a.archive.as_ref()) != Packing::None;
        let cap = self.limits.unpack_cap;
        let (from, to) = (download.to_path_buf(), dest.to_path_buf());
        let settled = tokio::task::spawn_blocking(move || settle(&from, &to, unpack, cap))
            .await
            .map_err(|e| ArtifactError::Location(format!("unpacking stopped: {e}")));
        let _ = tokio::fs::remove_file(download).await;
        settled?
    }

    fn apply_mode(&self, a: &Artifact, dest: &Path) -> Result<(), ArtifactError> {
        match a.mode {
            Some(mode) => apply_mode(dest, mode, a.recurse_mode == Some(true)),
            None => Ok(()),
        }
    }

    /// Every object under `o.key/` into the directory `dest`; how many.
    async fn load_prefix(&self, o: &Opened, dest: &Path) -> Result<usize, ArtifactError> {
        let prefix = o.key.clone();
        let listed: Vec<_> = o
            .store
            .list(Some(&prefix))
            .try_collect()
            .await
            .map_err(|e| store::store_error(&o.describe, e))?;
        let mut jobs = Vec::new();
        for meta in listed {
            let rel: Vec<_> = meta.location.prefix_match(&prefix).into_iter().flatten().collect();
            if rel.is_empty() {
                continue;
            }
            let mut path = dest.to_path_buf();
            for part in &rel {
                path.push(part.as_ref());
            }
            jobs.push((meta.location, path));
        }
        let n = jobs.len();
        futures_util::stream::iter(jobs)
            .map(|(key, path)| {
                let store = o.store.clone();
                let describe = o.describe.clone();
                async move {
                    if let Some(parent) = path.parent() {
                        tokio::fs::create_dir_all(parent)
                            .await
                            .map_err(|e| ArtifactError::local(parent, e))?;
                    }
                    transfer::download(store.as_ref(), &describe, &key, &path).await
                }
            })
            .buffer_unordered(self.limits.concurrency.max(1))
            .try_collect::<Vec<()>>()
            .await?;
        Ok(n)
    }

    /// Store output `a` of a pod whose command failed: as [`Mover::save`],
    /// except that at a key other attempts share (one that does not name
    /// `pod_name`, which Argo's default key format does) an object already
    /// there is left as it is — a failed attempt never overwrites what an
    /// earlier one saved (Argo #3761, #14986). `None` when left.
    pub async fn save_after_failure(
        &self,
        a: &Artifact,
        src: &Path,
        pod_name: &str,
    ) -> Result<Option<Artifact>, ArtifactError> {
        let own = a.location.key().is_some_and(|k| !pod_name.is_empty() && k.contains(pod_name));
        if !own && self.exists(a).await? {
            tracing::info!(artifact = %a.name, "not saved: the attempt failed and its key holds an earlier attempt's object");
            return Ok(None);
        }
        self.save(a, src).await
    }

    /// Whether something is stored at `a`'s key (an object, or objects
    /// under it as a directory).
    pub async fn exists(&self, a: &Artifact) -> Result<bool, ArtifactError> {
        let o = self.open(a)?;
        match o.store.head(&o.key).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => {
                let mut under = o.store.list(Some(&o.key));
                match under.next().await {
                    Some(Ok(_)) => Ok(true),
                    Some(Err(object_store::Error::NotFound { .. })) | None => Ok(false),
                    Some(Err(e)) => Err(store::store_error(&o.describe, e)),
                }
            }
            Err(e) => Err(store::store_error(&o.describe, e)),
        }
    }

    /// Store output `a` from `src` (a host path) at its location. `None`
    /// when the path does not exist and the artifact is optional.
    pub async fn save(&self, a: &Artifact, src: &Path) -> Result<Option<Artifact>, ArtifactError> {
        let meta = match tokio::fs::symlink_metadata(src).await {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if a.is_optional() {
                    return Ok(None);
                }
                let path = a.path.clone().unwrap_or_else(|| src.display().to_string());
                return Err(ArtifactError::Missing { path });
            }
            Err(e) => return Err(ArtifactError::local(src, e)),
        };
        let o = self.open(a)?;
        let store = o.store.as_ref();
        let src_owned = src.to_path_buf();
        match ArchiveStrategy::packing(a.archive.as_ref()) {
            Packing::Tgz { level } => {
                transfer::upload_packed(store, &o.describe, &o.key, move |w| {
                    let mut w = archive::pack_tgz(&src_owned, level, w)
                        .map_err(|e| ArtifactError::local(&src_owned, e))?;
                    w.flush().map_err(|e| ArtifactError::local(&src_owned, e))
                })
                .await?;
            }
            Packing::Zip => {
                // Written to a file first: a zip's directory, at its end,
                // points back into it. A new file of our own (0600), gone
                // when `staged` is dropped.
                let tmp = std::env::temp_dir();
                let staged = tempfile::Builder::new()
                    .prefix("keelson-zip-")
                    .tempfile_in(&tmp)
                    .map_err(|e| ArtifactError::local(&tmp, e))?;
                let path = staged.path().to_path_buf();
                let file = staged.reopen().map_err(|e| ArtifactError::local(&path, e))?;
                let packed = tokio::task::spawn_blocking(move || {
                    let mut f = archive::pack_zip(&src_owned, file)
                        .map_err(|e| ArtifactError::local(&src_owned, e))?;
                    f.flush().map_err(|e| ArtifactError::local(&path, e))
                })
                .await
                .map_err(|e| ArtifactError::Location(format!("packing stopped: {e}")))?;
                packed?;
                transfer::upload_file(store, &o.describe, &o.key, staged.path()).await?;
            }
            Packing::None if meta.is_dir() => self.save_tree(&o, src).await?,
            Packing::None if meta.is_file() => {
                transfer::upload_file(store, &o.describe, &o.key, src).await?;
            }
            // A link would be followed on this side, outside the task's
            // view; a pipe would never end.
            Packing::None => {
                let path = a.path.clone().unwrap_or_else(|| src.display().to_string());
                return Err(ArtifactError::Location(format!(
                    "{path} is not a regular file or a directory, which `archive: none` saves                      (the default tar archive keeps links as links)"
                )));
            }
        }
        Ok(Some(a.clone()))
    }

    /// A directory as one object per file under the key, several at once.
    async fn save_tree(&self, o: &Opened, src: &Path) -> Result<(), ArtifactError> {
        let root = src.to_path_buf();
        let files = tokio::task::spawn_blocking(move || walk(&root))
            .await
            .map_err(|e| ArtifactError::Location(format!("listing stopped: {e}")))??;
        futures_util::stream::iter(files)
            .map(|(rel, path)| {
                let store: Arc<dyn ObjectStore> = o.store.clone();
                let describe = o.describe.clone();
                let key =
                    Key::from_iter(o.key.parts().chain(rel.iter().map(|s| s.as_str().into())));
                async move { transfer::upload_file(store.as_ref(), &describe, &key, &path).await }
            })
            .buffer_unordered(self.limits.concurrency.max(1))
            .try_collect::<Vec<u64>>()
            .await?;
        Ok(())
    }
}

/// Regular files under `root`: (path segments below it, path).
fn walk(root: &Path) -> Result<Vec<(Vec<String>, PathBuf)>, ArtifactError> {
    let mut out = Vec::new();
    let mut stack = vec![(Vec::new(), root.to_path_buf())];
    while let Some((rel, dir)) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| ArtifactError::local(&dir, e))?;
        for e in entries {
            let e = e.map_err(|err| ArtifactError::local(&dir, err))?;
            let kind = e.file_type().map_err(|err| ArtifactError::local(&e.path(), err))?;
            let mut r = rel.clone();
            r.push(e.file_name().to_string_lossy().into_owned());
            if kind.is_dir() {
                stack.push((r, e.path()));
            } else if kind.is_file() {
                out.push((r, e.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `dest`'s hidden sibling for a download in progress.
fn sibling(dest: &Path, what: &str) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.{what}"))
}

/// A downloaded object to `dest`: unpacked if it is an archive (and
/// `unpack`), else moved there as it is.
fn settle(download: &Path, dest: &Path, unpack: bool, cap: u64) -> Result<(), ArtifactError> {
    let mut head = [0u8; 4];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(download).map_err(|e| ArtifactError::local(download, e))?;
        f.read(&mut head).map_err(|e| ArtifactError::local(download, e))?
    };
    let open = || std::fs::File::open(download).map_err(|e| ArtifactError::local(download, e));
    match archive::sniff(&head[..n]) {
        Sniffed::Gzip if unpack => archive::unpack_tgz(std::io::BufReader::new(open()?), dest, cap),
        Sniffed::Zip if unpack => archive::unpack_zip(open()?, dest, cap),
        _ => std::fs::rename(download, dest).map_err(|e| ArtifactError::local(dest, e)),
    }
}

/// `mode` on `path`, and with `recurse` on everything under it.
/// Links are left alone: a mode applies to what the artifact holds, never
/// to what a link in it points at (the host's files, seen from here).
/// Set-uid, set-gid and sticky bits are not given.
fn apply_mode(path: &Path, mode: i64, recurse: bool) -> Result<(), ArtifactError> {
    use std::os::unix::fs::PermissionsExt;
    let bits = u32::try_from(mode & 0o777).unwrap_or(0o644);
    let set = |p: &Path| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(bits))
            .map_err(|e| ArtifactError::local(p, e))
    };
    let meta = std::fs::symlink_metadata(path).map_err(|e| ArtifactError::local(path, e))?;
    if meta.is_symlink() {
        return Ok(());
    }
    set(path)?;
    if recurse && meta.is_dir() {
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).map_err(|e| ArtifactError::local(&dir, e))? {
                let e = e.map_err(|err| ArtifactError::local(&dir, err))?;
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p.clone());
                }
                if !e.file_type().is_ok_and(|t| t.is_symlink()) {
                    set(&p)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use engine::spec::{ArtifactLocation, BuiltinArtifact};

    use super::*;

    struct NoSecrets;
    impl Secrets for NoSecrets {
        fn value(&self, name: &str, _: &str) -> Result<String, String> {
            Err(format!("no secret {name}"))
        }
    }

    fn artifact(key: &str, archive: serde_json::Value) -> Artifact {
        Artifact {
            name: "a".into(),
            path: Some("/tmp/a".into()),
            archive: serde_json::from_value(archive).ok(),
            location: ArtifactLocation {
                builtin: Some(BuiltinArtifact { key: Some(key.into()) }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn outputs_round_trip_through_the_built_in_repository() {
        let t = tempfile::tempdir().expect("tempdir");
        let mover = Mover::new(t.path().join("repo"), Arc::new(NoSecrets), Limits::default());
        let src = t.path().join("task/out");
        fs::create_dir_all(src.join("d")).ok();
        fs::write(src.join("x.txt"), "x").ok();
        fs::write(src.join("d/y.txt"), "y").ok();

        let tgz = artifact("wf/pod/a.tgz", serde_json::Value::Null);
        assert!(mover.save(&tgz, &src).await.expect("saved").is_some());
        assert!(t.path().join("repo/wf/pod/a.tgz").is_file());
        let dest = t.path().join("next/in");
        mover.load(&tgz, &dest).await.expect("loaded");
        assert_eq!(fs::read_to_string(dest.join("d/y.txt")).ok().as_deref(), Some("y"));

        let none = artifact("wf/pod/out", serde_json::json!({"none": {}}));
        mover.save(&none, &src).await.expect("saved");
        assert_eq!(
            fs::read_to_string(t.path().join("repo/wf/pod/out/d/y.txt")).ok().as_deref(),
            Some("y")
        );
        let dest = t.path().join("next/by-prefix");
        mover.load(&none, &dest).await.expect("loaded by prefix");
        assert_eq!(fs::read_to_string(dest.join("x.txt")).ok().as_deref(), Some("x"));

        let missing = artifact("wf/pod/m.tgz", serde_json::Value::Null);
        let err = mover.save(&missing, &t.path().join("nope")).await;
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("/tmp/a does not exist (no such file or directory)")
        );
        let optional = Artifact { optional: Some(true), ..missing.clone() };
        assert!(mover.save(&optional, &t.path().join("nope")).await.expect("optional").is_none());
        let err = mover.load(&missing, &t.path().join("never")).await;
        assert!(matches!(err, Err(ArtifactError::NotFound { .. })), "{err:?}");
    }

    #[tokio::test]
    async fn a_large_output_goes_up_in_parts() {
        let t = tempfile::tempdir().expect("tempdir");
        let mover = Mover::new(t.path().join("repo"), Arc::new(NoSecrets), Limits::default());
        let src = t.path().join("big.bin");
        let data: Vec<u8> =
            (0..(20u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        fs::write(&src, &data).ok();
        let a = artifact("k/big.bin", serde_json::json!({"none": {}}));
        mover.save(&a, &src).await.expect("saved");
        let dest = t.path().join("back.bin");
        mover.load(&a, &dest).await.expect("loaded");
        assert!(fs::read(&dest).ok() == Some(data));
    }
}
