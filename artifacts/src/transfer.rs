//! Bytes to and from a store, streamed: an upload fed by a packer running
//! on a blocking thread (one small put, or a multipart upload once the
//! object outgrows one part), and a download written to a file.

use std::io::{self, Write};
use std::path::Path;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::ArtifactError;
use crate::store::store_error;

/// Parts of a multipart upload (S3 wants at least 5 MiB but the last).
const PART: usize = 8 << 20;
/// Chunks the packer hands over at a time.
const CHUNK: usize = 256 << 10;
/// Parts in flight at once. With the part being filled, what an upload
/// holds is (1 + this) × `PART`: 24 MiB, which keeps `keelson exec` under
/// 64 MiB while a 1 GiB object goes up (docs/performance.md).
const PARTS_IN_FLIGHT: usize = 2;

/// A `Write` that sends what is written, in chunks, to an async uploader.
pub struct ChannelWriter {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    pub fn new(tx: mpsc::Sender<Bytes>) -> ChannelWriter {
        ChannelWriter { tx, buf: Vec::with_capacity(CHUNK) }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the upload stopped"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Upload what `pack` writes (run on a blocking thread) to `key`. Returns
/// the object's size. Nothing is stored unless `pack` finished: a packer
/// that fails halfway leaves no cut-off object behind.
pub async fn upload_packed<F>(
    store: &dyn ObjectStore,
    describe: &str,
    key: &Key,
    pack: F,
) -> Result<u64, ArtifactError>
where
    F: FnOnce(ChannelWriter) -> Result<(), ArtifactError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(8);
    // `pack` flushes the writer when it is done.
    let packer = tokio::task::spawn_blocking(move || pack(ChannelWriter::new(tx)));
    let packed = async move {
        packer.await.map_err(|e| ArtifactError::Location(format!("packing stopped: {e}")))?
    };
    upload_stream(store, describe, key, rx, packed).await
}

/// Upload the chunks `rx` yields: one put when they fit in a part, a
/// multipart upload otherwise. The object is completed only once `packed`
/// says the chunks were all there; otherwise, or when the store fails, the
/// upload is aborted — with the store's error when it failed first (the
/// packer then only saw the channel close).
async fn upload_stream(
    store: &dyn ObjectStore,
    describe: &str,
    key: &Key,
    mut rx: mpsc::Receiver<Bytes>,
    packed: impl Future<Output = Result<(), ArtifactError>>,
) -> Result<u64, ArtifactError> {
    let mut first: Vec<Bytes> = Vec::new();
    let mut size = 0usize;
    while size < PART {
        match rx.recv().await {
            Some(b) => {
                size += b.len();
                first.push(b);
            }
            None => {
                packed.await?;
                let payload = PutPayload::from_iter(first);
                store.put(key, payload).await.map_err(|e| store_error(describe, e))?;
                return Ok(size as u64);
            }
        }
    }
    let upload = match store.put_multipart(key).await {
        Ok(u) => u,
        Err(e) => {
            drop(rx);
            let _ = packed.await;
            return Err(store_error(describe, e));
        }
    };
    let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
    let mut total = 0u64;
    let feed = async |w: &mut WriteMultipart, b: Bytes| -> Result<(), ArtifactError> {
        w.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(|e| store_error(describe, e))?;
        w.put(b);
        Ok(())
    };
    let mut result = Ok(());
    for b in first {
        total += b.len() as u64;
        if let Err(e) = feed(&mut w, b).await {
            result = Err(e);
            break;
        }
    }
    while result.is_ok() {
        let Some(b) = rx.recv().await else { break };
        total += b.len() as u64;
        result = feed(&mut w, b).await;
    }
    // The packer stops at its next chunk if the store failed.
    drop(rx);
    let packed = packed.await;
    let result = match (result, packed) {
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(())) => Ok(()),
    };
    match result {
        Ok(()) => {
            w.finish().await.map_err(|e| store_error(describe, e))?;
            Ok(total)
        }
        Err(e) => {
            let _ = w.abort().await;
            Err(e)
        }
    }
}

/// Upload what a client sends (`body`), at most `cap` bytes: the object's
/// size. Nothing is stored unless the body ended cleanly within the cap.
pub async fn upload_body<S>(
    store: &dyn ObjectStore,
    describe: &str,
    key: &Key,
    body: S,
    cap: u64,
) -> Result<u64, ArtifactError>
where
    S: futures_util::Stream<Item = Result<Bytes, String>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(8);
    let feeder = tokio::spawn(async move {
        let mut body = std::pin::pin!(body);
        let mut total = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk =
                chunk.map_err(|e| ArtifactError::Location(format!("the upload stopped: {e}")))?;
            total += chunk.len() as u64;
            if total > cap {
                return Err(ArtifactError::Location(format!(
                    "the upload is larger than the {cap}-byte cap"
                )));
            }
            if tx.send(chunk).await.is_err() {
                return Err(ArtifactError::Location("the upload stopped".into()));
            }
        }
        Ok(())
    });
    let fed = async move {
        feeder.await.map_err(|e| ArtifactError::Location(format!("the upload stopped: {e}")))?
    };
    upload_stream(store, describe, key, rx, fed).await
}

/// Upload a file as it is.
pub async fn upload_file(
    store: &dyn ObjectStore,
    describe: &str,
    key: &Key,
    src: &Path,
) -> Result<u64, ArtifactError> {
    let src = src.to_path_buf();
    upload_packed(store, describe, key, move |mut w| {
        let mut f = std::fs::File::open(&src).map_err(|e| ArtifactError::local(&src, e))?;
        io::copy(&mut f, &mut w).map_err(|e| ArtifactError::local(&src, e))?;
        w.flush().map_err(|e| ArtifactError::local(&src, e))
    })
    .await
}

/// Download `key` into the file `dest` (created or truncated).
pub async fn download(
    store: &dyn ObjectStore,
    describe: &str,
    key: &Key,
    dest: &Path,
) -> Result<(), ArtifactError> {
    let got = store.get(key).await.map_err(|e| match e {
        object_store::Error::NotFound { .. } => {
            ArtifactError::NotFound { key: key.to_string(), store: describe.to_string() }
        }
        e => store_error(describe, e),
    })?;
    let mut file =
        tokio::fs::File::create(dest).await.map_err(|e| ArtifactError::local(dest, e))?;
    let mut stream = got.into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| store_error(describe, e))?;
        file.write_all(&chunk).await.map_err(|e| ArtifactError::local(dest, e))?;
    }
    file.flush().await.map_err(|e| ArtifactError::local(dest, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packer that writes `len` bytes, then fails.
    fn failing(len: usize) -> impl FnOnce(ChannelWriter) -> Result<(), ArtifactError> + Send {
        move |mut w| {
            let chunk = vec![7u8; 64 << 10];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len());
                w.write_all(&chunk[..n]).map_err(|e| ArtifactError::local(Path::new("x"), e))?;
                left -= n;
            }
            w.flush().map_err(|e| ArtifactError::local(Path::new("x"), e))?;
            Err(ArtifactError::Location("the packer failed".into()))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_packer_that_fails_halfway_stores_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let store =
            object_store::local::LocalFileSystem::new_with_prefix(dir.path()).expect("store");
        for (name, len) in [("small", 1 << 20), ("multipart", 20 << 20)] {
            let key = Key::from(name);
            let e = upload_packed(&store, "test", &key, failing(len)).await;
            assert!(
                matches!(e, Err(ArtifactError::Location(ref m)) if m == "the packer failed"),
                "{e:?}"
            );
            assert!(!dir.path().join(name).exists(), "{name}: a cut-off object was stored");
        }
        let key = Key::from("whole");
        let size = upload_packed(&store, "test", &key, |mut w| {
            w.write_all(b"all there").map_err(|e| ArtifactError::local(Path::new("x"), e))?;
            w.flush().map_err(|e| ArtifactError::local(Path::new("x"), e))
        })
        .await
        .expect("stored");
        assert_eq!(size, 9);
        assert_eq!(std::fs::read(dir.path().join("whole")).expect("object"), b"all there");
    }
}
