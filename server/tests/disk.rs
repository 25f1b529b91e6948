//! When the store cannot be written: a read-only database is refused at
//! start with a clear message; a disk that fills up mid-run stops the
//! journal (nothing half-written), submissions fail saying why, and once
//! space is freed the run goes on and ends right — no restart needed, no
//! corruption.

use std::time::{Duration, Instant};

use crate::support::keelson::{KEELSON, Server, data_dir, file};
use server::store::Store;

#[test]
fn a_read_only_database_is_refused_at_start() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    s.terminate();
    let url = format!("sqlite://{}?mode=ro", dir.path().join("keelson.db").display());
    let out = std::process::Command::new(KEELSON)
        .args(["server", "--listen", "127.0.0.1:0", "--database-url", &url, "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run keelson server");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be written") && err.contains("readonly"), "{err}");
}

const FILL: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: fill}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: fill, template: fill}
    - - {name: after, template: after}
  - name: fill
    container:
      image: alpine
      command: [sh, -c, "dd if=/dev/zero of=DIR/filler bs=64k count=2000 2>/dev/null; echo filled"]
  - name: after
    container: {image: alpine, command: [echo, after]}
"#;

fn unshare_works() -> bool {
    std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_pauses_the_journal_and_the_run_resumes_when_space_returns() {
    if !unshare_works() {
        eprintln!("skipped: needs `unshare --mount` (root in a namespace-capable sandbox)");
        return;
    }
    let outer = data_dir();
    let dir = outer.path().join("small");
    std::fs::create_dir_all(&dir).expect("dir");
    let d = dir.to_string_lossy().into_owned();
    // The server's data directory is an 8 MiB tmpfs, in a mount namespace
    // of its own.
    let mount = "mount -t tmpfs -o size=8m tmpfs \"$0\" && exec \"$@\"";
    let wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mount, &d];
    let s = Server::start_wrapped(&wrapper, &dir, None, &[]);
    let inside = |p: &str| format!("/proc/{}/root{}/{p}", s.child.id(), d);

    let wf = file(outer.path(), "fill.yaml", &FILL.replace("DIR", &d));
    s.ok(&["submit", &wf.to_string_lossy()]);
    let start = Instant::now();
    while !s.log_text().contains("cannot write the journal") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the disk never filled:\n{}",
            s.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(s.log_text().contains("tries again every second"));

    // Submissions are refused for now (503: try again), the disk's state
    // in the server's log, not in the answer; reads still work.
    let other = file(outer.path(), "other.yaml", &FILL.replace("name: fill}", "name: other}"));
    let out = s.cli(&["submit", &other.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the store is unavailable; try again shortly"), "{err}");
    let id = err.rsplit("request id ").next().unwrap_or("").trim().to_string();
    assert!(
        s.log_text().lines().any(|l| l.contains(&id) && l.contains("full")),
        "the log says why, under request {id}:\n{}",
        s.log_text()
    );
    assert_eq!(s.workflow("fill")["status"]["phase"], "Running");

    // Space again: the journal catches up and the run ends right.
    std::fs::remove_file(inside("filler")).expect("free the space");
    s.ok(&["watch", "fill"]);
    let wf = s.workflow("fill");
    assert_eq!(wf["status"]["phase"], "Succeeded", "{wf:#}");
    assert!(s.log_text().contains("the journal is writable again"));

    let url = format!("sqlite://{}", inside("keelson.db"));
    let uid = wf["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = Store::open(&url).await.expect("open the store");
        assert_eq!(store.integrity_check().await.expect("check"), "ok");
        let log = store.events(&uid).await.expect("journal");
        let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..log.len() as i64).collect::<Vec<_>>(), "no gaps, nothing twice");
        assert!(
            store.workflow("default", "other").await.expect("get").is_none(),
            "nothing half-written"
        );
    });
}
