//! Looking inside a stored artifact without unpacking it anywhere: the
//! files of a tar+gzip or zip archive and any one of them streamed out,
//! or the objects under a directory's key (`archive: none`). This is what
//! lets a person preview a file inside a `.tgz`, which Argo's UI cannot.

use std::io::{self, Read};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::ArtifactError;
use crate::archive::{cause, safe_relative};
use crate::store::store_error;

/// The most files a listing holds; past it, it says it was cut short.
pub const MAX_LISTED: usize = 10_000;
/// Bytes handed to the client at a time.
const CHUNK: usize = 256 << 10;

/// How an object is packed, from its key: Argo names a tar+gzip output
/// `<name>.tgz` and a zip one `<name>.zip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    TarGzip,
    Zip,
}

impl Packing {
    pub fn of_key(key: &str) -> Option<Packing> {
        let key = key.to_ascii_lowercase();
        if key.ends_with(".tgz") || key.ends_with(".tar.gz") {
            Some(Packing::TarGzip)
        } else if key.ends_with(".zip") {
            Some(Packing::Zip)
        } else {
            None
        }
    }
}

/// A file of a listing, by its path relative to what was listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFile {
    pub path: String,
    pub size: u64,
}

/// The files inside an archive or under a directory, in their order there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub files: Vec<ListedFile>,
    /// More than [`MAX_LISTED`] files: the rest are left out.
    pub truncated: bool,
}

impl Listing {
    fn push(&mut self, path: String, size: u64) -> bool {
        if self.files.len() >= MAX_LISTED {
            self.truncated = true;
            return false;
        }
        self.files.push(ListedFile { path, size });
        true
    }
}

/// One file's bytes, streamed.
pub struct Streamed {
    pub size: u64,
    pub body: BoxStream<'static, Result<Bytes, io::Error>>,
}

/// An entry's path as a plain relative path (`./a/b` → `a/b`), or `None`
/// for one that could never be unpacked (absolute, `..`).
fn entry_path(raw: &std::path::Path) -> Option<String> {
    let rel = safe_relative(raw).ok()?;
    let s = rel.to_string_lossy().into_owned();
    (!s.is_empty()).then_some(s)
}

fn corrupt(packing: Packing, e: impl std::fmt::Display) -> ArtifactError {
    let what = match packing {
        Packing::TarGzip => "tar+gzip",
        Packing::Zip => "zip",
    };
    ArtifactError::BadArchive(format!("not a valid {what} archive: {e}"))
}

/// A blocking reader of the object at `key`, for a blocking thread.
async fn reader(
    store: &Arc<dyn ObjectStore>,
    describe: &str,
    key: &Key,
) -> Result<impl Read + Send + 'static, ArtifactError> {
    let got = store.get(key).await.map_err(|e| not_found_or(describe, key, e))?;
    let describe = describe.to_string();
    let bytes = got.into_stream().map_err(move |e| io::Error::other(store_error(&describe, e)));
    Ok(SyncIoBridge::new(StreamReader::new(bytes)))
}

fn not_found_or(describe: &str, key: &Key, e: object_store::Error) -> ArtifactError {
    match e {
        object_store::Error::NotFound { .. } => {
            ArtifactError::NotFound { key: key.to_string(), store: describe.to_string() }
        }
        e => store_error(describe, e),
    }
}

/// A zip needs seeking (its directory is at its end): the object goes to
/// a temporary file first.
async fn spooled(
    store: &Arc<dyn ObjectStore>,
    describe: &str,
    key: &Key,
) -> Result<tempfile::NamedTempFile, ArtifactError> {
    let tmp = tempfile::NamedTempFile::new()
        .map_err(|e| ArtifactError::local(&std::env::temp_dir(), e))?;
    crate::transfer::download(store.as_ref(), describe, key, tmp.path()).await?;
    Ok(tmp)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ArtifactError> + Send + 'static,
) -> Result<T, ArtifactError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ArtifactError::Location(format!("reading the archive stopped: {e}")))?
}

/// The files inside the archive at `key`.
pub async fn list_archive(
    store: &Arc<dyn ObjectStore>,
    describe: &str,
    key: &Key,
    packing: Packing,
) -> Result<Listing, ArtifactError> {
    match packing {
        Packing::TarGzip => {
            let input = reader(store, describe, key).await?;
            blocking(move || list_tgz(input)).await
        }
        Packing::Zip => {
            let tmp = spooled(store, describe, key).await?;
            blocking(move || {
                list_zip(tmp.reopen().map_err(|e| ArtifactError::local(tmp.path(), e))?)
            })
            .await
        }
    }
}

fn list_tgz(input: impl Read) -> Result<Listing, ArtifactError> {
    let bad = |e: io::Error| corrupt(Packing::TarGzip, cause(&e));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(input));
    let mut listing = Listing::default();
    for entry in archive.entries().map_err(bad)? {
        let entry = entry.map_err(bad)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Some(path) = entry_path(&entry.path().map_err(bad)?) else { continue };
        if !listing.push(path, entry.size()) {
            break;
        }
    }
    Ok(listing)
}

fn list_zip(file: std::fs::File) -> Result<Listing, ArtifactError> {
    let mut zip = zip::ZipArchive::new(file).map_err(|e| corrupt(Packing::Zip, e))?;
    let mut listing = Listing::default();
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|e| corrupt(Packing::Zip, e))?;
        if f.is_dir() {
            continue;
        }
        let Some(path) = entry_path(std::path::Path::new(f.name())) else { continue };
        if !listing.push(path, f.size()) {
            break;
        }
    }
    Ok(listing)
}

/// The file at `path` inside the archive at `key`, streamed as it is
/// decompressed; `None` when the archive has no such file.
pub async fn open_in_archive(
    store: &Arc<dyn ObjectStore>,
    describe: &str,
    key: &Key,
    packing: Packing,
    path: &str,
) -> Result<Option<Streamed>, ArtifactError> {
    let want = path.trim_matches('/').to_string();
    let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(4);
    let (found_tx, found_rx) = oneshot::channel();
    match packing {
        Packing::TarGzip => {
            let input = reader(store, describe, key).await?;
            tokio::task::spawn_blocking(move || send_from_tgz(input, &want, found_tx, tx));
        }
        Packing::Zip => {
            let tmp = spooled(store, describe, key).await?;
            tokio::task::spawn_blocking(move || send_from_zip(tmp, &want, found_tx, tx));
        }
    }
    let found = found_rx
        .await
        .map_err(|_| ArtifactError::Location("reading the archive stopped".into()))??;
    let Some(size) = found else { return Ok(None) };
    let body = stream::unfold(rx, |mut rx| async { rx.recv().await.map(|item| (item, rx)) });
    Ok(Some(Streamed { size, body: body.boxed() }))
}

type Found = oneshot::Sender<Result<Option<u64>, ArtifactError>>;

fn send_from_tgz(
    input: impl Read,
    want: &str,
    found: Found,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
) {
    let bad = |e: io::Error| corrupt(Packing::TarGzip, cause(&e));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(input));
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            let _ = found.send(Err(bad(e)));
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let _ = found.send(Err(bad(e)));
                return;
            }
        };
        let matches = entry.header().entry_type().is_file()
            && entry.path().ok().and_then(|p| entry_path(&p)).as_deref() == Some(want);
        if matches {
            let _ = found.send(Ok(Some(entry.size())));
            send_all(&mut entry, &tx);
            return;
        }
    }
    let _ = found.send(Ok(None));
}

fn send_from_zip(
    tmp: tempfile::NamedTempFile,
    want: &str,
    found: Found,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
) {
    let opened = tmp
        .reopen()
        .map_err(|e| ArtifactError::local(tmp.path(), e))
        .and_then(|f| zip::ZipArchive::new(f).map_err(|e| corrupt(Packing::Zip, e)));
    let mut zip = match opened {
        Ok(zip) => zip,
        Err(e) => {
            let _ = found.send(Err(e));
            return;
        }
    };
    let index = (0..zip.len()).find(|i| {
        zip.by_index_raw(*i).is_ok_and(|f| {
            !f.is_dir() && entry_path(std::path::Path::new(f.name())).as_deref() == Some(want)
        })
    });
    let Some(index) = index else {
        let _ = found.send(Ok(None));
        return;
    };
    match zip.by_index(index) {
        Ok(mut f) => {
            let _ = found.send(Ok(Some(f.size())));
            send_all(&mut f, &tx);
        }
        Err(e) => {
            let _ = found.send(Err(corrupt(Packing::Zip, e)));
        }
    }
}

/// Copy `from` to the channel in chunks; a read error goes down it too,
/// so the client's body ends in an error rather than looking complete.
fn send_all(from: &mut impl Read, tx: &mpsc::Sender<Result<Bytes, io::Error>>) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if tx.blocking_send(Ok(Bytes::copy_from_slice(&buf[..n]))).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
}

/// The objects under `key` taken as a directory (`archive: none` of a
/// directory stores one object per file under it).
pub async fn list_prefix(
    store: &Arc<dyn ObjectStore>,
    describe: &str,
    key: &Key,
) -> Result<Listing, ArtifactError> {
    let mut objects = store.list(Some(key));
    let mut listing = Listing::default();
    while let Some(meta) = objects.next().await {
        let meta = meta.map_err(|e| store_error(describe, e))?;
        let Some(rel) = meta.location.prefix_match(key) else { continue };
        let path = rel.map(|p| p.as_ref().to_string()).collect::<Vec<_>>().join("/");
        if path.is_empty() {
            continue;
        }
        if !listing.push(path, meta.size) {
            break;
        }
    }
    listing.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &std::path::Path) -> Arc<dyn ObjectStore> {
        Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir).expect("store"))
    }

    /// `out/` with a text file, a nested one and a link, packed as Argo does.
    fn packed(work: &std::path::Path, packing: Packing) -> Vec<u8> {
        let src = work.join("out");
        std::fs::create_dir_all(src.join("deep")).expect("dirs");
        std::fs::write(src.join("hello.txt"), "hello\n").expect("file");
        std::fs::write(src.join("deep/data.json"), "{\"n\": 1}").expect("file");
        std::os::unix::fs::symlink("hello.txt", src.join("link")).expect("link");
        match packing {
            Packing::TarGzip => crate::archive::pack_tgz(&src, 6, Vec::new()).expect("tgz"),
            Packing::Zip => crate::archive::pack_zip(&src, io::Cursor::new(Vec::new()))
                .expect("zip")
                .into_inner(),
        }
    }

    async fn collect(s: Streamed) -> Vec<u8> {
        let chunks: Vec<Bytes> = s.body.try_collect().await.expect("body");
        chunks.concat()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn files_inside_an_archive_are_listed_and_read_one_by_one() {
        for (packing, name) in [(Packing::TarGzip, "out.tgz"), (Packing::Zip, "out.zip")] {
            let dir = tempfile::tempdir().expect("dir");
            let bytes = packed(dir.path(), packing);
            let repo = dir.path().join("repo");
            std::fs::create_dir_all(&repo).expect("repo");
            let store = store(&repo);
            let key = Key::from(format!("wf/pod/{name}"));
            store.put(&key, bytes.into()).await.expect("put");
            assert_eq!(Packing::of_key(key.as_ref()), Some(packing));

            let listing = list_archive(&store, "test", &key, packing).await.expect("list");
            let mut paths: Vec<_> =
                listing.files.iter().map(|f| (f.path.as_str(), f.size)).collect();
            paths.sort();
            assert_eq!(paths, [("out/deep/data.json", 8), ("out/hello.txt", 6)], "{name}");
            assert!(!listing.truncated);

            let file = open_in_archive(&store, "test", &key, packing, "out/deep/data.json")
                .await
                .expect("open")
                .expect("found");
            assert_eq!(file.size, 8);
            assert_eq!(collect(file).await, b"{\"n\": 1}", "{name}");
            for missing in ["out/nope", "out/deep", "out/link"] {
                let none = open_in_archive(&store, "test", &key, packing, missing).await;
                assert!(matches!(none, Ok(None)), "{name} {missing}");
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_corrupt_or_missing_archive_says_so() {
        let dir = tempfile::tempdir().expect("dir");
        let store = store(dir.path());
        let key = Key::from("bad.tgz");
        store.put(&key, Bytes::from_static(b"\x1f\x8bnot really gzip").into()).await.expect("put");
        let e = list_archive(&store, "test", &key, Packing::TarGzip).await;
        assert!(
            matches!(e, Err(ArtifactError::BadArchive(ref m)) if m.contains("tar+gzip")),
            "{e:?}"
        );
        let e = open_in_archive(&store, "test", &key, Packing::TarGzip, "x").await;
        assert!(matches!(e, Err(ArtifactError::BadArchive(_))), "{:?}", e.err());
        let gone = Key::from("gone.zip");
        let e = list_archive(&store, "test", &gone, Packing::Zip).await;
        assert!(matches!(e, Err(ArtifactError::NotFound { .. })), "{e:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_directory_key_lists_the_objects_under_it() {
        let dir = tempfile::tempdir().expect("dir");
        let store = store(dir.path());
        for (k, v) in [("d/b.txt", "bb"), ("d/a/c.txt", "c"), ("dx/other", "no")] {
            store.put(&Key::from(k), Bytes::from(v).into()).await.expect("put");
        }
        let listing = list_prefix(&store, "test", &Key::from("d")).await.expect("list");
        let paths: Vec<_> = listing.files.iter().map(|f| (f.path.as_str(), f.size)).collect();
        assert_eq!(paths, [("a/c.txt", 1), ("b.txt", 2)]);
    }

    #[test]
    fn a_listing_stops_at_its_cap() {
        let mut listing = Listing::default();
        for i in 0..=MAX_LISTED {
            listing.push(format!("f{i}"), 0);
        }
        assert_eq!(listing.files.len(), MAX_LISTED);
        assert!(listing.truncated);
    }
}
