//! The web UI is served from the API's port: pages rendered on the server
//! (readable without JavaScript), the WASM and its script from `/pkg`
//! (built by `make ui`), API paths still answered by the API.
//!
//! Without the built site the asset checks say they skipped — unless
//! `KEELSON_REQUIRE_UI` is set, as `make test` sets it.

mod support;

use support::keelson::{KEELSON, Server, data_dir};

fn site_built() -> bool {
    let site = std::path::Path::new(KEELSON).with_file_name("site");
    let built = site.join("pkg/keelson.js").is_file();
    assert!(
        built || std::env::var_os("KEELSON_REQUIRE_UI").is_none(),
        "the UI's files are not built in {}: run `make ui`",
        site.display()
    );
    built
}

#[test]
fn pages_are_rendered_on_the_server_and_the_wasm_is_served() {
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let url = |p: &str| format!("{}{p}", s.url);
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let http = reqwest::Client::new();
        let r = http.get(url("/")).send().await.expect("page");
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
        let html = r.text().await.expect("html");
        for needle in [
            "<title>Keelson</title>",
            "data-hydrated=\"false\"",
            "/pkg/keelson.js",
            "/pkg/keelson_bg.wasm",
            "/pkg/keelson.css",
            "<nav aria-label=\"main\">",
        ] {
            assert!(html.contains(needle), "{needle} in {html}");
        }
        let login =
            http.get(url("/login")).send().await.expect("login").text().await.expect("html");
        assert!(login.contains("type=\"password\""), "{login}");
        // API paths are the API's, even unknown ones.
        let r = http.get(url("/api/v1/no-such-thing")).send().await.expect("api");
        assert_eq!(r.status(), 404);
        let e: serde_json::Value = r.json().await.expect("JSON");
        assert_eq!(e["code"], 5);
        let r = http.get(url("/no/such/page")).send().await.expect("page");
        assert_eq!(r.status(), 404);
        if !site_built() {
            eprintln!("SKIPPED: the UI's files are not built (make ui)");
            return;
        }
        let r = http.get(url("/pkg/keelson_bg.wasm")).send().await.expect("wasm");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/wasm");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        let wasm = r.bytes().await.expect("bytes");
        assert_eq!(&wasm[..4], b"\0asm");
        let js = http.get(url("/pkg/keelson.js")).send().await.expect("js");
        assert_eq!(js.status(), 200);
        let css = http.get(url("/pkg/keelson.css")).send().await.expect("css");
        assert_eq!(css.status(), 200);
        // Gzipped for browsers that say they take it, the same bytes
        // inside; revalidation answers 304.
        let r = http
            .get(url("/pkg/keelson_bg.wasm"))
            .header("Accept-Encoding", "gzip, deflate, br")
            .send()
            .await
            .expect("gzipped wasm");
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.headers()["content-type"], "application/wasm");
        let modified = r.headers()["last-modified"].clone();
        let packed = r.bytes().await.expect("bytes");
        assert!(packed.len() < wasm.len() / 2, "{} of {} bytes", packed.len(), wasm.len());
        assert!(gunzip(&packed) == wasm, "the gzipped WASM is the WASM");
        let again = http
            .get(url("/pkg/keelson_bg.wasm"))
            .header("If-Modified-Since", modified)
            .send()
            .await
            .expect("revalidation");
        assert_eq!(again.status(), 304);
    });
}

/// `gzip -d` of `packed` (the system's gzip: no decompressor crate for
/// one test).
fn gunzip(packed: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let packed = packed.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&packed));
    let out = child.wait_with_output().expect("gzip ends");
    writer.join().expect("writer").expect("written");
    assert!(out.status.success());
    out.stdout
}
