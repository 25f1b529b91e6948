//! What the integration tests share: a real `keelson server` process and
//! the CLI (`keelson`), a throwaway PostgreSQL (`postgres`), a fake
//! Kubernetes API server (`fake_kube`), an S3-compatible server (`moto`)
//! and an Azure Blob Storage emulator (`azurite`),
//! workflows several areas run (`fixtures`), and reading a workflow's JSON
//! (`status`).

pub mod azurite;
pub mod fake_kube;
pub mod fixtures;
pub mod keelson;
pub mod moto;
pub mod postgres;
pub mod status;

/// A runtime for a test that is not `async` itself.
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// The test virtualenv's Python (`$KEELSON_PYTHON`, else
/// `~/.cache/keelson/venv/bin/python`), if it can import `modules`
/// (comma-separated, as Python's `import` takes them).
pub fn python(modules: &str) -> Option<std::path::PathBuf> {
    let p = std::env::var_os("KEELSON_PYTHON").map(std::path::PathBuf::from).or_else(|| {
        std::env::var_os("HOME")
            .map(|h| std::path::PathBuf::from(h).join(".cache/keelson/venv/bin/python"))
    })?;
    let ok = std::process::Command::new(&p)
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(p)
}

/// Run `script` with `python`; its stdout (a failure fails the test,
/// with Python's error).
pub fn run_python(python: &std::path::Path, script: &str) -> String {
    let out =
        std::process::Command::new(python).args(["-c", script]).output().expect("python runs");
    assert!(
        out.status.success(),
        "Python script failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
