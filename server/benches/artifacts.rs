//! Artifacts bench: what moving artifacts costs, printed as tables for
//! docs/performance.md.
//!
//! 1. **Round trip** of a 1 GiB directory (eight 128 MiB files of
//!    base64-like text) as tar+gzip through the built-in repository —
//!    save, then load — against `tar czf` + `tar xzf` of the same data.
//!    Goal: within 1.3×.
//! 2. **Peak memory** while 1 GiB passes from one task to the next: a
//!    `keelson run` through the built-in repository (tar+gzip), and
//!    `keelson exec` saving then loading it through S3 (moto; multipart).
//!    Goal: under 64 MiB each.
//! 3. **10,000 small files** as `archive: none` (one object each), saved
//!    and loaded concurrently (16 at once) against one at a time, through
//!    the built-in repository and through S3 (moto).
//!
//! ```sh
//! cargo bench -p server --bench artifacts
//! ARTIFACTS_BENCH=round-trip,memory,small-files cargo bench -p server --bench artifacts
//! ```
//!
//! Data goes under `~/.cache/keelson/bench-artifacts` (never /tmp: a
//! task's private /tmp hides it). The S3 parts need moto from the test
//! virtualenv (`make setup-test`) and say so when it is absent.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::spec::Artifact;
use serde_json::json;

const KEELSON: &str = env!("CARGO_BIN_EXE_keelson");
const GIB: u64 = 1 << 30;
const ACCESS_KEY: &str = "bench-access";
const SECRET_KEY: &str = "bench-secret";

fn work_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let dir = home.join(".cache/keelson/bench-artifacts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work dir");
    dir
}

/// `len` bytes of base64-like text from a fixed seed (gzip makes it
/// about three quarters of its size, like logs or CSV).
fn write_text(path: &Path, len: u64) {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut line = [0u8; 77];
    line[76] = b'\n';
    let mut written = 0;
    while written < len {
        for b in &mut line[..76] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = ALPHABET[(x % 64) as usize];
        }
        let n = (len - written).min(77) as usize;
        f.write_all(&line[..n]).expect("write");
        written += n as u64;
    }
    f.flush().expect("flush");
}

struct NoSecrets;

impl artifacts::Secrets for NoSecrets {
    fn value(&self, name: &str, key: &str) -> Result<String, String> {
        match (name, key) {
            ("cred", "accessKey") => Ok(ACCESS_KEY.into()),
            ("cred", "secretKey") => Ok(SECRET_KEY.into()),
            _ => Err(format!("no secret {name}/{key}")),
        }
    }
}

fn artifact(v: serde_json::Value) -> Artifact {
    serde_json::from_value(v).expect("an artifact")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn run(cmd: &mut Command) {
    let status = cmd.status().expect("runs");
    assert!(status.success(), "{cmd:?} failed");
}

// ------------------------------------------------------------ round trip

fn round_trip(dir: &Path, out: &mut String) {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    for i in 0..8 {
        write_text(&data.join(format!("part-{i}.txt")), GIB / 8);
    }
    let rt = runtime();
    let mover = artifacts::Mover::new(dir.join("repo"), Arc::new(NoSecrets), Default::default());
    let a = artifact(json!({"name": "data", "path": data, "builtin": {"key": "run/pod/data.tgz"}}));
    let mut keelson = Vec::new();
    let mut tar = Vec::new();
    for round in 0..3 {
        let loaded = dir.join(format!("loaded-{round}"));
        let started = Instant::now();
        rt.block_on(mover.save(&a, &data)).expect("save");
        let saved = started.elapsed();
        rt.block_on(mover.load(&a, &loaded)).expect("load");
        keelson.push((saved, started.elapsed() - saved));
        let _ = std::fs::remove_dir_all(&loaded);

        let archive = dir.join("tar.tgz");
        let extracted = dir.join(format!("tar-{round}"));
        std::fs::create_dir_all(&extracted).expect("mkdir");
        let started = Instant::now();
        run(Command::new("tar").arg("czf").arg(&archive).arg("-C").arg(dir).arg("data"));
        let packed = started.elapsed();
        run(Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(&extracted));
        tar.push((packed, started.elapsed() - packed));
        let _ = std::fs::remove_dir_all(&extracted);
        let _ = std::fs::remove_file(&archive);
    }
    let median = |v: &[(Duration, Duration)]| {
        let mut totals: Vec<(Duration, Duration)> = v.to_vec();
        totals.sort_by_key(|(a, b)| *a + *b);
        totals[totals.len() / 2]
    };
    let (ks, kl) = median(&keelson);
    let (ts, tl) = median(&tar);
    let ratio = secs(ks + kl) / secs(ts + tl);
    let object = std::fs::metadata(dir.join("repo/run/pod/data.tgz")).map(|m| m.len()).unwrap_or(0);
    let _ = writeln!(out, "\n### 1 GiB tar+gzip round trip (median of 3)\n");
    let _ = writeln!(out, "| | save / pack | load / unpack | total |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| Keelson (built-in repository) | {:.1} s | {:.1} s | {:.1} s |",
        secs(ks),
        secs(kl),
        secs(ks + kl)
    );
    let _ = writeln!(
        out,
        "| `tar czf` + `tar xzf` | {:.1} s | {:.1} s | {:.1} s |",
        secs(ts),
        secs(tl),
        secs(ts + tl)
    );
    let _ = writeln!(
        out,
        "\nRatio {ratio:.2}× (goal ≤ 1.3×); the object is {:.0} MiB ({:.0} % of the data).",
        object as f64 / (1 << 20) as f64,
        100.0 * object as f64 / GIB as f64
    );
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(dir.join("repo"));
}

// ---------------------------------------------------------------- memory

/// Wait for `child`; its wall time and peak resident memory (KiB).
fn wait_measured(mut child: Child, started: Instant) -> (bool, Duration, u64) {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child; `status` and `usage` outlive the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let _ = child.try_wait();
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    (ok, started.elapsed(), usage.ru_maxrss as u64)
}

const PASS_1GIB: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: pass-1gib}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: make, template: make}
    - - name: use
        template: use
        arguments: {artifacts: [{name: big, from: "{{steps.make.outputs.artifacts.big}}"}]}
  - name: make
    container: {image: busybox, command: [sh, -c, "head -c 1073741824 /dev/urandom > /tmp/big"]}
    outputs: {artifacts: [{name: big, path: /tmp/big}]}
  - name: use
    inputs: {artifacts: [{name: big, path: /tmp/big}]}
    container: {image: busybox, command: [sh, -c, "test $(wc -c < /tmp/big) = 1073741824"]}
"#;

fn memory(dir: &Path, moto: Option<&Moto>, out: &mut String) {
    let _ = writeln!(out, "\n### Peak memory while 1 GiB passes between two tasks\n");
    let _ = writeln!(out, "| what | process | time | peak RSS |");
    let _ = writeln!(out, "|---|---|---:|---:|");
    std::fs::write(dir.join("pass.yaml"), PASS_1GIB).expect("write");
    let started = Instant::now();
    let child = Command::new(KEELSON)
        .args(["run", "-q", "--color", "never", "pass.yaml", "--work-dir"])
        .arg(dir.join("run"))
        .current_dir(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("keelson run");
    let (ok, took, rss) = wait_measured(child, started);
    assert!(ok, "keelson run failed");
    let _ = writeln!(
        out,
        "| built-in repository, tar+gzip | `keelson run` (and its tasks) | {:.1} s | {:.1} MiB |",
        secs(took),
        rss as f64 / 1024.0
    );
    let _ = std::fs::remove_dir_all(dir.join("run"));

    let Some(s3) = moto else {
        let _ = writeln!(out, "| S3 | `keelson exec` | skipped: moto is not installed | |");
        return;
    };
    s3.create_bucket("bench");
    let location = json!({"bucket": "bench", "endpoint": s3.endpoint, "insecure": true,
        "key": "run/pod/big",
        "accessKeySecret": {"name": "cred", "key": "accessKey"},
        "secretKeySecret": {"name": "cred", "key": "secretKey"}});
    let big = dir.join("big");
    let save = engine::run::LaunchSpec {
        outputs: vec![artifact(
            json!({"name": "big", "path": big, "archive": {"none": {}}, "s3": location}),
        )],
        ..Default::default()
    };
    let loaded = dir.join("loaded");
    let load = engine::run::LaunchSpec {
        inputs: vec![artifact(json!({"name": "big", "path": loaded, "s3": location}))],
        ..Default::default()
    };
    for (what, launch, command) in [
        (
            "S3, saved (multipart, 8 MiB parts)",
            &save,
            format!("head -c {GIB} /dev/urandom > {}", big.display()),
        ),
        ("S3, loaded", &load, format!("test $(wc -c < {}) = {GIB}", loaded.display())),
    ] {
        let mut cmd = Command::new(KEELSON);
        cmd.args(["exec", "--", "sh", "-c", &command]).env("KEELSON_DIR", dir.join("exec"));
        for v in server::executor::kube::artifacts::env(launch).expect("env") {
            let name = v["name"].as_str().unwrap_or_default().to_string();
            let value = match v["value"].as_str() {
                Some(value) => value.to_string(),
                None if v["valueFrom"]["secretKeyRef"]["key"] == "accessKey" => ACCESS_KEY.into(),
                None => SECRET_KEY.into(),
            };
            cmd.env(name, value);
        }
        let started = Instant::now();
        let child = cmd.stdout(Stdio::null()).spawn().expect("keelson exec");
        let (ok, took, rss) = wait_measured(child, started);
        assert!(ok, "keelson exec failed ({what})");
        let _ = writeln!(
            out,
            "| {what} | `keelson exec` (and its command) | {:.1} s | {:.1} MiB |",
            secs(took),
            rss as f64 / 1024.0
        );
    }
    let _ = std::fs::remove_file(&big);
    let _ = std::fs::remove_file(&loaded);
}

// ----------------------------------------------------------- small files

fn small_files(dir: &Path, moto: Option<&Moto>, out: &mut String) {
    let tree = dir.join("tree");
    for i in 0..10_000 {
        let sub = tree.join(format!("d{:02}", i % 100));
        if i < 100 {
            std::fs::create_dir_all(&sub).expect("mkdir");
        }
        std::fs::write(sub.join(format!("f{i}.txt")), format!("file {i}\n")).expect("write");
    }
    let _ = writeln!(out, "\n### 10,000 small files as `archive: none` (one object each)\n");
    let _ = writeln!(out, "| store | at once | save | load |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let rt = runtime();
    let mut stores = vec![("built-in", json!({"builtin": {"key": "run/pod/tree"}}))];
    if let Some(s3) = moto {
        s3.create_bucket("small");
        stores.push((
            "S3 (moto)",
            json!({"s3": {"bucket": "small", "endpoint": s3.endpoint, "insecure": true,
                "key": "run/pod/tree",
                "accessKeySecret": {"name": "cred", "key": "accessKey"},
                "secretKeySecret": {"name": "cred", "key": "secretKey"}}}),
        ));
    }
    for (store, location) in stores {
        for concurrency in [1, 16] {
            let limits = artifacts::Limits { concurrency, ..Default::default() };
            let repo = dir.join(format!("repo-{concurrency}"));
            let mover = artifacts::Mover::new(repo.clone(), Arc::new(NoSecrets), limits);
            let mut v = location.clone();
            v["name"] = "tree".into();
            v["archive"] = json!({"none": {}});
            if let Some(s3) = v.get_mut("s3") {
                s3["key"] = format!("run/pod-{concurrency}/tree").into();
            }
            let a = artifact(v);
            let started = Instant::now();
            rt.block_on(mover.save(&a, &tree)).expect("save");
            let saved = started.elapsed();
            let loaded = dir.join(format!("loaded-{concurrency}"));
            let started = Instant::now();
            rt.block_on(mover.load(&a, &loaded)).expect("load");
            let took = started.elapsed();
            let count = walk_count(&loaded);
            assert_eq!(count, 10_000, "{store}: loaded {count} files");
            let _ = writeln!(
                out,
                "| {store} | {concurrency} | {:.2} s | {:.2} s |",
                secs(saved),
                secs(took)
            );
            let _ = std::fs::remove_dir_all(&loaded);
            let _ = std::fs::remove_dir_all(&repo);
        }
    }
}

fn walk_count(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(e.path());
            } else {
                n += 1;
            }
        }
    }
    n
}

// ------------------------------------------------------------------ moto

struct Moto {
    child: Child,
    endpoint: String,
    python: PathBuf,
}

impl Moto {
    fn start() -> Option<Moto> {
        let home = std::env::var_os("HOME").map(PathBuf::from)?;
        let python = std::env::var_os("KEELSON_PYTHON")
            .map_or_else(|| home.join(".cache/keelson/venv/bin/python"), PathBuf::from);
        let server = python.with_file_name("moto_server");
        if !server.exists() {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let endpoint = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(&endpoint).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Moto { child, endpoint, python })
    }

    fn create_bucket(&self, bucket: &str) {
        let script = format!(
            "import boto3\nboto3.client('s3', endpoint_url='http://{}', region_name='us-east-1', \
             aws_access_key_id='{ACCESS_KEY}', aws_secret_access_key='{SECRET_KEY}')\
             .create_bucket(Bucket='{bucket}')",
            self.endpoint
        );
        run(Command::new(&self.python).args(["-c", &script]));
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() {
    let wanted =
        std::env::var("ARTIFACTS_BENCH").unwrap_or_else(|_| "round-trip,memory,small-files".into());
    let dir = work_dir();
    let moto = Moto::start();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Artifacts (`cargo bench -p server --bench artifacts`)\n\n{} cores, moto {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        if moto.is_some() { "running" } else { "absent: S3 parts skipped" }
    );
    for part in wanted.split(',') {
        match part.trim() {
            "round-trip" => round_trip(&dir, &mut out),
            "memory" => memory(&dir, moto.as_ref(), &mut out),
            "small-files" => small_files(&dir, moto.as_ref(), &mut out),
            other => eprintln!("unknown part {other:?} (round-trip, memory, small-files)"),
        }
        eprintln!("{out}");
    }
    println!("{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
