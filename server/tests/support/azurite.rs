//! An Azure Blob Storage emulator for the artifact tests: Azurite (from
//! npm, `make setup-test` installs it in `tests/clients/node_modules`) on a
//! free loopback port with its own data directory, and the Python SDK
//! (`azure-storage-blob`, in the test virtualenv) to make containers and
//! to check what landed in them. Without them a test says it skipped,
//! unless `KEELSON_REQUIRE_CLIENTS` is set, as `make test` sets it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Azurite's well-known development account and key.
pub const ACCOUNT: &str = "devstoreaccount1";
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub struct Azurite {
    child: Child,
    /// `http://127.0.0.1:PORT/devstoreaccount1`.
    pub endpoint: String,
    python: PathBuf,
    _data: tempfile::TempDir,
}

impl Azurite {
    pub fn start() -> Option<Azurite> {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/clients/node_modules/.bin/azurite-blob");
        let python = super::python("azure.storage.blob");
        let (true, Some(python)) = (bin.exists(), python) else {
            assert!(
                std::env::var_os("KEELSON_REQUIRE_CLIENTS").is_none(),
                "Azurite or azure-storage-blob is not installed: run `make setup-test`"
            );
            eprintln!("SKIPPED: Azurite is not installed (make setup-test)");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let data = tempfile::tempdir().expect("a data directory");
        let child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string(), "--silent"])
            .args(["--skipApiVersionCheck", "--loose", "--location"])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "Azurite did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let endpoint = format!("http://127.0.0.1:{port}/{ACCOUNT}");
        Some(Azurite { child, endpoint, python, _data: data })
    }

    /// Run Python with `service` a client of this emulator; its stdout.
    pub fn python(&self, script: &str) -> String {
        let prelude = format!(
            "from azure.storage.blob import BlobServiceClient\n\
             service = BlobServiceClient.from_connection_string(\
             'DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};\
             BlobEndpoint={};')\n",
            self.endpoint
        );
        super::run_python(&self.python, &format!("{prelude}{script}"))
    }

    pub fn create_container(&self, name: &str) {
        self.python(&format!("service.create_container('{name}')"));
    }

    /// Every blob in `container`, sorted.
    pub fn blobs(&self, container: &str) -> Vec<String> {
        let out = self.python(&format!(
            "for b in service.get_container_client('{container}').list_blobs(): print(b.name)"
        ));
        let mut names: Vec<String> = out.lines().map(str::to_string).collect();
        names.sort();
        names
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
