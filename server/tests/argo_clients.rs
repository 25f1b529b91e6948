//! Existing Argo clients work against `keelson server` unchanged: Hera and
//! the argo-workflows Python SDK, installed from PyPI by `make test`,
//! create, wait, get, list, submit from a template with parameters, lint,
//! read logs, retry, resubmit and delete (`tests/clients/argo_clients.py`).
//!
//! The Python environment is `$KEELSON_PYTHON` or
//! `~/.cache/keelson/venv/bin/python`. Without it the test says it skipped
//! — unless `KEELSON_REQUIRE_CLIENTS` is set, as `make test` sets it.

use std::process::Command;

use crate::support::keelson::{Server, data_dir};

#[test]
fn hera_and_the_argo_workflows_sdk_drive_the_server() {
    let Some(python) = crate::support::python("hera, argo_workflows") else {
        assert!(
            std::env::var_os("KEELSON_REQUIRE_CLIENTS").is_none(),
            "the Python Argo clients are not installed: run `make setup-test`"
        );
        eprintln!("SKIPPED: Hera and argo-workflows are not installed (make setup-test)");
        return;
    };
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let marks = dir.path().join("marks");
    std::fs::create_dir_all(&marks).expect("mark dir");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/argo_clients.py");
    let out = Command::new(python)
        .arg(script)
        .env("KEELSON_URL", &s.url)
        .env("KEELSON_TOKEN", &s.token)
        .env("MARK_DIR", &marks)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("all client checks passed"),
        "the Argo clients failed:\n{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        s.log_text()
    );
}
