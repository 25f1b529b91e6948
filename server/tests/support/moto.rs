//! A real S3-compatible server for the artifact tests: `moto_server` from
//! the test virtualenv (`make setup-test` installs it) on a free loopback
//! port, one per test, and boto3 — an S3 client that is not Keelson's —
//! to put objects in its buckets and to check what landed there.
//!
//! Without the virtualenv a test says it skipped, unless
//! `KEELSON_REQUIRE_CLIENTS` is set, as `make test` sets it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The credentials the tests give Keelson (moto checks signatures'
/// shape, not the keys).
pub const ACCESS_KEY: &str = "keelson-test-access";
pub const SECRET_KEY: &str = "keelson-test-secret-value";

pub struct Moto {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub endpoint: String,
    python: PathBuf,
}

impl Moto {
    /// A fresh server, or `None` (the test skips) where moto is not
    /// installed.
    pub fn start() -> Option<Moto> {
        let Some(python) = super::python("moto.server, boto3, flask_cors") else {
            assert!(
                std::env::var_os("KEELSON_REQUIRE_CLIENTS").is_none(),
                "moto and boto3 are not installed: run `make setup-test`"
            );
            eprintln!("SKIPPED: moto is not installed (make setup-test)");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let server = python.with_file_name("moto_server");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let endpoint = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(&endpoint).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Moto { child, endpoint, python })
    }

    /// Run Python with `s3` a boto3 client of this server; its stdout.
    pub fn boto(&self, script: &str) -> String {
        let prelude = format!(
            "import boto3, sys, io, json, tarfile\n\
             s3 = boto3.client('s3', endpoint_url='http://{}', region_name='us-east-1',\n\
                 aws_access_key_id='{ACCESS_KEY}', aws_secret_access_key='{SECRET_KEY}')\n",
            self.endpoint
        );
        super::run_python(&self.python, &format!("{prelude}{script}"))
    }

    pub fn create_bucket(&self, bucket: &str) {
        self.boto(&format!("s3.create_bucket(Bucket='{bucket}')"));
    }

    /// Upload a local file as `key`.
    pub fn put_file(&self, bucket: &str, key: &str, path: &Path) {
        self.boto(&format!(
            "s3.upload_file({:?}, '{bucket}', '{key}')",
            path.display().to_string()
        ));
    }

    /// Every key in `bucket`, sorted.
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let out = self.boto(&format!(
            "p = s3.get_paginator('list_objects_v2')\n\
             for page in p.paginate(Bucket='{bucket}'):\n\
             \x20   for o in page.get('Contents', []): print(o['Key'])"
        ));
        let mut keys: Vec<String> = out.lines().map(str::to_string).collect();
        keys.sort();
        keys
    }

    /// An object's bytes, downloaded to `to`.
    pub fn get_file(&self, bucket: &str, key: &str, to: &Path) -> Vec<u8> {
        self.boto(&format!(
            "s3.download_file('{bucket}', '{key}', {:?})",
            to.display().to_string()
        ));
        std::fs::read(to).expect("downloaded")
    }

    /// The names inside a tar+gzip object.
    pub fn tgz_names(&self, bucket: &str, key: &str) -> Vec<String> {
        let out = self.boto(&format!(
            "body = s3.get_object(Bucket='{bucket}', Key='{key}')['Body'].read()\n\
             with tarfile.open(fileobj=io.BytesIO(body), mode='r:gz') as t:\n\
             \x20   print('\\n'.join(sorted(t.getnames())))"
        ));
        out.lines().map(str::to_string).collect()
    }

    /// An artifact repository (Argo's `artifactRepository` shape) on this
    /// server, its keys in the `cred` secret (see [`Moto::secrets`]).
    pub fn repository(&self, bucket: &str) -> String {
        format!(
            "archiveLogs: true\n\
             s3:\n\
             \x20 bucket: {bucket}\n\
             \x20 endpoint: {}\n\
             \x20 insecure: true\n\
             \x20 accessKeySecret: {{name: cred, key: accessKey}}\n\
             \x20 secretKeySecret: {{name: cred, key: secretKey}}\n",
            self.endpoint
        )
    }

    /// The `--secrets` file holding the `cred` secret.
    pub fn secrets() -> String {
        format!("secrets:\n  cred:\n    accessKey: {ACCESS_KEY}\n    secretKey: {SECRET_KEY}\n")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
