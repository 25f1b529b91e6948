//! Artifacts end to end with `keelson run` and the local executor: passed
//! between tasks through the built-in repository and through a real
//! S3-compatible server (moto, checked with boto3), at paths anywhere in a
//! task's filesystem view, with Argo's rules for missing, optional and
//! hostile artifacts.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::moto::{self, Moto};
use crate::support::status::node;

struct Ran {
    workflow: Value,
    stdout: String,
    stderr: String,
}

fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn run(dir: &Path, workflow: &str, extra: &[&str]) -> Ran {
    std::fs::write(dir.join("wf.yaml"), workflow).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_keelson"))
        .current_dir(dir)
        .args(["run", "-o", "json", "--color", "never", "wf.yaml", "--work-dir"])
        .arg(dir.join("work"))
        .args(extra)
        .output()
        .expect("keelson runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let workflow = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no workflow JSON ({e}):\n{stdout}\n{stderr}"));
    Ran { workflow, stdout, stderr }
}

fn output<'a>(n: &'a Value, name: &str) -> Option<&'a Value> {
    n["outputs"]["artifacts"].as_array()?.iter().find(|a| a["name"] == name)
}

const PASSING: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: passing}
spec:
  entrypoint: main
  archiveLogs: true
  templates:
  - name: main
    dag:
      tasks:
      - {name: make, template: make}
      - name: use
        template: use
        dependencies: [make]
        arguments:
          artifacts:
          - {name: tree, from: "{{tasks.make.outputs.artifacts.tree}}"}
          - {name: users, from: "{{tasks.make.outputs.artifacts.users}}"}
          - {name: etc, from: "{{tasks.make.outputs.artifacts.etc}}"}
      - {name: missing, template: missing}
      - {name: optional, template: optional}
      - {name: unsupplied, template: use}
      # Argo keeps a pod's stdout as its result only when something reads it.
      - name: report
        template: report
        dependencies: [use]
        arguments:
          parameters: [{name: said, value: "{{tasks.use.outputs.result}}"}]
  - name: report
    inputs: {parameters: [{name: said}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.said}}"]}
  - name: make
    container:
      image: busybox
      command: [sh, -c]
      args: ["mkdir -p /mnt/out/sub && echo one > /mnt/out/a.txt && echo two > /mnt/out/sub/b.txt && echo made > /etc/keelson-made && echo made"]
    outputs:
      artifacts:
      - {name: tree, path: /mnt/out}
      - {name: users, path: /etc/passwd, archive: {none: {}}}
      - {name: etc, path: /etc}
  - name: use
    inputs:
      artifacts:
      - {name: tree, path: /src/tree}
      - {name: users, path: /work/passwd, mode: 0600}
      - {name: etc, path: /src/etc}
    container:
      image: busybox
      command: [sh, -c]
      args: ["cat /src/tree/a.txt /src/tree/sub/b.txt; head -c 5 /work/passwd; stat -c %a /work/passwd; cat /src/etc/keelson-made; cmp /etc/passwd /src/etc/passwd && echo same"]
  - name: missing
    container: {image: busybox, command: [sh, -c, "true"]}
    outputs:
      artifacts: [{name: gone, path: /tmp/nothing-here}]
  - name: optional
    container: {image: busybox, command: [sh, -c, "true"]}
    outputs:
      artifacts: [{name: maybe, path: /tmp/nothing-here, optional: true}]
"#;

#[test]
fn artifacts_pass_between_tasks_through_the_built_in_repository() {
    let dir = work_dir("built-in");
    let ran = run(&dir, PASSING, &[]);
    let wf = &ran.workflow;
    let make = node(wf, "make");
    assert_eq!(make["phase"], "Succeeded", "{}", ran.stderr);
    let tree = output(make, "tree").expect("tree saved");
    let key = tree["builtin"]["key"].as_str().expect("a built-in key");
    assert!(key.starts_with("passing/") && key.ends_with("/tree.tgz"), "{key}");
    // One tar+gzip object in the work directory, Argo's layout inside:
    // a single entry named after the path.
    let object = dir.join("work/artifacts").join(key);
    let listing = Command::new("tar").arg("tzf").arg(&object).output().expect("tar");
    let mut names: Vec<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|l| l.trim_end_matches('/').to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["out", "out/a.txt", "out/sub", "out/sub/b.txt"]);
    let users = output(make, "users").expect("users saved");
    assert!(users["builtin"]["key"].as_str().is_some_and(|k| k.ends_with("/passwd")), "{users}");
    // archiveLogs: the task's log as `main-logs`.
    let logs = output(make, "main-logs").expect("main-logs");
    let log_key = logs["builtin"]["key"].as_str().expect("log key");
    assert!(log_key.ends_with("/main.log"), "{log_key}");
    let log = std::fs::read_to_string(dir.join("work/artifacts").join(log_key)).expect("log");
    assert!(log.contains("made"), "{log}");

    // Loaded at /src and /work in the task's own root, with its mode; the
    // host's /src and /work are untouched.
    let used = node(wf, "use");
    assert_eq!(used["phase"], "Succeeded", "{used}");
    // `/etc` as the task saw it: the host's files and the one it wrote.
    assert_eq!(used["outputs"]["result"], "one\ntwo\nroot:600\nmade\nsame");
    assert!(!Path::new("/src/tree").exists() && !Path::new("/work/passwd").exists());
    assert!(!Path::new("/etc/keelson-made").exists());

    // A required output that is not there fails its node, naming the path;
    // an optional one is left out.
    let missing = node(wf, "missing");
    assert_eq!(missing["phase"], "Error", "{missing}");
    assert!(
        missing["message"].as_str().is_some_and(|m| m.contains("/tmp/nothing-here")),
        "{missing}"
    );
    let optional = node(wf, "optional");
    assert_eq!(optional["phase"], "Succeeded", "{optional}");
    assert!(output(optional, "maybe").is_none(), "{optional}");
    // An input with nothing to load is Argo's error.
    let unsupplied = node(wf, "unsupplied");
    assert_eq!(unsupplied["phase"], "Error", "{unsupplied}");
    assert!(
        unsupplied["message"]
            .as_str()
            .is_some_and(|m| m.contains("required artifact 'tree' not supplied")),
        "{unsupplied}"
    );
}

const THROUGH_S3: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: through-s3}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: make, template: make}
      - name: use
        template: use
        dependencies: [make]
        arguments:
          artifacts:
          - {name: big, from: "{{tasks.make.outputs.artifacts.big}}"}
          - {name: hello, from: "{{tasks.make.outputs.artifacts.hello}}"}
      - {name: hostile, template: hostile}
      - {name: no-bucket, template: no-bucket}
      - name: report
        template: report
        dependencies: [use]
        arguments:
          parameters:
          - {name: said, value: "{{tasks.make.outputs.result}} {{tasks.use.outputs.result}}"}
  - name: report
    inputs: {parameters: [{name: said}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.said}}"]}
  - name: make
    container:
      image: busybox
      command: [sh, -c]
      args: ["head -c 20971520 /dev/urandom > /tmp/big && echo hi > /tmp/hello.txt && sha256sum /tmp/big | cut -c1-64"]
    outputs:
      artifacts:
      - {name: big, path: /tmp/big, archive: {none: {}}}
      - {name: hello, path: /tmp/hello.txt}
      - {name: named, path: /tmp/hello.txt, s3: {key: explicit/hello.txt}, archive: {none: {}}}
  - name: use
    inputs:
      artifacts:
      - {name: big, path: /tmp/in/big}
      - {name: hello, path: /tmp/in/hello.txt}
      - {name: seed, path: /tmp/in/seed.txt, s3: {key: seed/data.txt}}
      - {name: seed-dir, path: /tmp/in/seed-dir, s3: {key: seed/dir}}
    container:
      image: busybox
      command: [sh, -c]
      args: ["sha256sum /tmp/in/big | cut -c1-64; cat /tmp/in/hello.txt /tmp/in/seed.txt; echo $(ls /tmp/in/seed-dir)"]
  - name: hostile
    inputs:
      artifacts:
      - {name: bomb, path: /tmp/in/x, s3: {key: evil.tgz}}
    container: {image: busybox, command: [sh, -c, "true"]}
  - name: no-bucket
    inputs:
      artifacts:
      - name: lost
        path: /tmp/in/lost
        s3:
          bucket: no-such-bucket
          key: x
          endpoint: ENDPOINT
          insecure: true
          accessKeySecret: {name: cred, key: accessKey}
          secretKeySecret: {name: cred, key: secretKey}
    container: {image: busybox, command: [sh, -c, "true"]}
"#;

#[test]
fn artifacts_pass_through_s3_and_land_as_argo_lays_them_out() {
    let Some(s3) = Moto::start() else { return };
    let dir = work_dir("s3");
    s3.create_bucket("artifacts");
    std::fs::write(dir.join("seed.txt"), "seeded\n").expect("seed");
    s3.put_file("artifacts", "seed/data.txt", &dir.join("seed.txt"));
    s3.put_file("artifacts", "seed/dir/one.txt", &dir.join("seed.txt"));
    s3.put_file("artifacts", "seed/dir/two.txt", &dir.join("seed.txt"));
    // A tarball whose entry climbs out of the target.
    s3.boto(
        "buf = io.BytesIO()\n\
         with tarfile.open(fileobj=buf, mode='w:gz') as t:\n\
         \x20   data = b'escaped'\n\
         \x20   info = tarfile.TarInfo('../escape.txt'); info.size = len(data)\n\
         \x20   t.addfile(info, io.BytesIO(data))\n\
         s3.put_object(Bucket='artifacts', Key='evil.tgz', Body=buf.getvalue())",
    );
    std::fs::write(dir.join("repo.yaml"), s3.repository("artifacts")).expect("repo");
    std::fs::write(dir.join("secrets.yaml"), Moto::secrets()).expect("secrets");
    let workflow = THROUGH_S3.replace("ENDPOINT", &s3.endpoint);
    let ran =
        run(&dir, &workflow, &["--artifact-repository", "repo.yaml", "--secrets", "secrets.yaml"]);
    let wf = &ran.workflow;
    let make = node(wf, "make");
    assert_eq!(make["phase"], "Succeeded", "{make}\n{}", ran.stderr);
    let used = node(wf, "use");
    assert_eq!(used["phase"], "Succeeded", "{used}\n{}", ran.stderr);
    // 20 MiB went up in parts and came back whole.
    let sum = make["outputs"]["result"].as_str().expect("make's sum");
    assert_eq!(sum.len(), 64);
    assert_eq!(used["outputs"]["result"], format!("{sum}\nhi\nseeded\none.txt two.txt"));

    // In the bucket, as Argo lays it out: `<workflow>/<pod>/<name>.tgz`
    // holding one entry named after the path, `archive: none` under the
    // path's base name, a key-only artifact at its own key, and the logs.
    let keys = s3.keys("artifacts");
    let find = |suffix: &str| {
        keys.iter()
            .find(|k| k.starts_with("through-s3/") && k.ends_with(suffix))
            .unwrap_or_else(|| panic!("no key ending {suffix} in {keys:?}"))
            .clone()
    };
    assert_eq!(s3.tgz_names("artifacts", &find("/hello.tgz")), ["hello.txt"]);
    let big = s3.get_file("artifacts", &find("/big"), &dir.join("big"));
    assert_eq!(big.len(), 20 * 1024 * 1024);
    assert!(keys.contains(&"explicit/hello.txt".to_string()), "{keys:?}");
    assert_eq!(s3.get_file("artifacts", "explicit/hello.txt", &dir.join("hello")), b"hi\n");
    find("/main.log");
    let recorded = output(make, "big").expect("big recorded");
    assert_eq!(recorded["s3"]["key"].as_str(), Some(find("/big").as_str()), "{recorded}");

    // A tarball that climbs out, a bucket that is not there: Error nodes
    // that name the artifact and the store, and nothing escaped.
    let hostile = node(wf, "hostile");
    assert_eq!(hostile["phase"], "Error", "{hostile}");
    let message = hostile["message"].as_str().unwrap_or_default();
    assert!(message.contains("'bomb'") && message.contains("escape.txt"), "{message}");
    assert!(!dir.join("work").join("escape.txt").exists());
    let lost = node(wf, "no-bucket");
    assert_eq!(lost["phase"], "Error", "{lost}");
    let message = lost["message"].as_str().unwrap_or_default();
    assert!(message.contains("'lost'") && message.contains("no-such-bucket"), "{message}");

    // The credentials are nowhere in what the run printed.
    for text in [&ran.stdout, &ran.stderr] {
        assert!(!text.contains(moto::SECRET_KEY), "the secret key was printed");
    }
}

/// A web server on loopback: `/page.txt` for the right header and basic
/// auth only, `/bundle.tgz` and `/link.tgz` for anyone, 404 otherwise.
fn web_server(bundle: Vec<u8>, link: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    use axum::http::{HeaderMap, StatusCode};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = std::thread::spawn(move || {
        crate::support::rt().block_on(async move {
            let page = |headers: HeaderMap| async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
                // "u:p" in base64.
                let token = headers.get("x-token").and_then(|v| v.to_str().ok());
                if auth == Some("Basic dTpw") && token == Some("abc") {
                    (StatusCode::OK, "from the web\n".to_string())
                } else {
                    (StatusCode::UNAUTHORIZED, "no".to_string())
                }
            };
            let app = axum::Router::new()
                .route("/page.txt", axum::routing::get(page))
                .route("/bundle.tgz", axum::routing::get(move || async move { bundle.clone() }))
                .route("/link.tgz", axum::routing::get(move || async move { link.clone() }));
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    (format!("http://{addr}"), handle)
}

const FROM_THE_WEB: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: from-the-web}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: fetch, template: fetch}
      - {name: denied, template: denied}
      - {name: through-a-link, template: through-a-link}
      - {name: lost, template: lost}
      - name: report
        template: report
        dependencies: [fetch]
        arguments:
          parameters: [{name: said, value: "{{tasks.fetch.outputs.result}}"}]
  - name: report
    inputs: {parameters: [{name: said}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.said}}"]}
  - name: fetch
    inputs:
      artifacts:
      - name: page
        path: /tmp/in/page.txt
        http:
          url: URL/page.txt?signature=s3cr3t-token
          headers: [{name: X-Token, value: abc}]
          auth:
            basicAuth:
              usernameSecret: {name: web, key: user}
              passwordSecret: {name: web, key: pass}
      - {name: bundle, path: /tmp/in/bundle, http: {url: URL/bundle.tgz}}
    container:
      image: busybox
      command: [sh, -c, "cat /tmp/in/page.txt; ls /tmp/in/bundle | tr '\\n' ,"]
  - name: denied
    inputs:
      artifacts: [{name: page, path: /tmp/in/page.txt, http: {url: "URL/page.txt?signature=s3cr3t-token"}}]
    container: {image: busybox, command: [sh, -c, "true"]}
  - name: through-a-link
    inputs:
      artifacts:
      - {name: link, path: /tmp/in/link, http: {url: URL/link.tgz}}
      - {name: after, path: /tmp/in/link/planted.tgz, http: {url: URL/bundle.tgz}, archive: {none: {}}}
    container: {image: busybox, command: [sh, -c, "true"]}
  - name: lost
    inputs:
      artifacts: [{name: gone, path: /tmp/in/gone, http: {url: URL/gone}}]
    container: {image: busybox, command: [sh, -c, "true"]}
"#;

#[test]
fn http_inputs_are_fetched_with_their_headers_and_credentials() {
    let dir = work_dir("http");
    // A tarball of a directory, unpacked at the input's path.
    std::fs::create_dir_all(dir.join("bundle")).expect("mkdir");
    std::fs::write(dir.join("bundle/a.txt"), "a").expect("write");
    std::fs::write(dir.join("bundle/b.txt"), "b").expect("write");
    let tar = Command::new("tar")
        .current_dir(&dir)
        .args(["czf", "bundle.tgz", "bundle"])
        .status()
        .expect("tar");
    assert!(tar.success());
    // A tarball holding only a link to a directory of the host's.
    let outside = dir.join("outside");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::os::unix::fs::symlink(&outside, dir.join("link")).expect("symlink");
    let tar = Command::new("tar")
        .current_dir(&dir)
        .args(["czf", "link.tgz", "link"])
        .status()
        .expect("tar");
    assert!(tar.success());
    let read = |name: &str| std::fs::read(dir.join(name)).expect("tgz");
    let (url, _server) = web_server(read("bundle.tgz"), read("link.tgz"));
    std::fs::write(dir.join("secrets.yaml"), "secrets:\n  web:\n    user: u\n    pass: p\n")
        .expect("secrets");
    let ran = run(&dir, &FROM_THE_WEB.replace("URL", &url), &["--secrets", "secrets.yaml"]);
    let wf = &ran.workflow;
    let fetch = node(wf, "fetch");
    assert_eq!(fetch["phase"], "Succeeded", "{fetch}\n{}", ran.stderr);
    assert_eq!(fetch["outputs"]["result"], "from the web\na.txt,b.txt,");
    let denied = node(wf, "denied");
    assert_eq!(denied["phase"], "Error", "{denied}");
    let message = denied["message"].as_str().unwrap_or_default();
    assert!(message.contains("'page'") && message.contains("401"), "{message}");
    // The query (a signed URL's token) stays out of messages.
    assert!(!message.contains("s3cr3t-token"), "{message}");
    // A later input is never written through a link an earlier one made.
    let linked = node(wf, "through-a-link");
    assert_eq!(linked["phase"], "Error", "{linked}");
    let message = linked["message"].as_str().unwrap_or_default();
    assert!(message.contains("'after'") && message.contains("goes through a link"), "{message}");
    assert!(!outside.join("planted.tgz").exists(), "written through the link");
    let lost = node(wf, "lost");
    assert_eq!(lost["phase"], "Error", "{lost}");
    assert!(lost["message"].as_str().is_some_and(|m| m.contains("404")), "{lost}");
}

/// `git` with `args` in `dir`; its stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

struct GitDaemon(std::process::Child);

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn git_inputs_are_cloned_at_the_revision_asked_for() {
    let dir = work_dir("git");
    let repos = dir.join("repos");
    let repo = repos.join("project.git");
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("version"), "v1\n").expect("write");
    git(&repo, &["add", "version"]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join("version"), "v2\n").expect("write");
    git(&repo, &["commit", "-q", "-am", "two"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let daemon = Command::new("git")
        .args(["daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1"])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", repos.display()))
        .arg(&repos)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("git daemon starts");
    let _daemon = GitDaemon(daemon);
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "git daemon did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let url = format!("git://127.0.0.1:{port}/project.git");
    let planted = dir.join("planted");
    let planted = planted.display();
    let workflow = format!(
        r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: from-git}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: build, template: build}}
      - {{name: missing, template: missing}}
      - {{name: injected, template: injected}}
    - - name: report
        template: report
        arguments:
          parameters: [{{name: said, value: "{{{{steps.build.outputs.result}}}}"}}]
  - name: report
    inputs: {{parameters: [{{name: said}}]}}
    container: {{image: busybox, command: [echo, "{{{{inputs.parameters.said}}}}"]}}
  - name: build
    inputs:
      artifacts:
      - {{name: old, path: /src/old, git: {{repo: "{url}", revision: "{first}"}}}}
      - {{name: new, path: /src/new, git: {{repo: "{url}", depth: 1}}}}
    container:
      image: busybox
      command: [sh, -c, "cat /src/old/version /src/new/version; test -d /src/new/.git && echo has-git"]
  - name: injected
    inputs:
      artifacts:
      - {{name: sneaky, path: /src/y, git: {{repo: "{url}", revision: "--upload-pack=touch {planted}"}}}}
    container: {{image: busybox, command: [sh, -c, "true"]}}
  - name: missing
    inputs:
      artifacts:
      - {{name: nothing, path: /src/x, git: {{repo: "git://127.0.0.1:{port}/nothing.git"}}}}
    container: {{image: busybox, command: [sh, -c, "true"]}}
"#
    );
    let ran = run(&dir, &workflow, &[]);
    let wf = &ran.workflow;
    let build = node(wf, "build");
    assert_eq!(build["phase"], "Succeeded", "{build}\n{}", ran.stderr);
    assert_eq!(build["outputs"]["result"], "v1\nv2\nhas-git");
    let missing = node(wf, "missing");
    assert_eq!(missing["phase"], "Error", "{missing}");
    let message = missing["message"].as_str().unwrap_or_default();
    assert!(message.contains("'nothing'") && message.contains("nothing.git"), "{message}");
    // A revision git would read as an option is refused, never run.
    let injected = node(wf, "injected");
    assert_eq!(injected["phase"], "Error", "{injected}");
    let message = injected["message"].as_str().unwrap_or_default();
    assert!(message.contains("starts with '-'"), "{message}");
    assert!(!dir.join("planted").exists());
}

const ATTEMPTS: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: attempts}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: good
        template: write
        arguments: {parameters: [{name: what, value: good}, {name: code, value: "0"}]}
    - - name: bad
        template: write
        continueOn: {failed: true}
        arguments: {parameters: [{name: what, value: bad}, {name: code, value: "1"}]}
  - name: write
    inputs: {parameters: [{name: what}, {name: code}]}
    container:
      image: busybox
      command: [sh, -c, "echo {{inputs.parameters.what}} > /tmp/report.txt; exit {{inputs.parameters.code}}"]
    outputs:
      artifacts:
      - {name: shared, path: /tmp/report.txt, s3: {key: shared/report.txt}, archive: {none: {}}}
      - {name: own, path: /tmp/report.txt, archive: {none: {}}}
"#;

#[test]
fn a_failed_attempt_never_overwrites_what_an_earlier_one_saved() {
    let dir = work_dir("attempts");
    let ran = run(&dir, ATTEMPTS, &[]);
    let wf = &ran.workflow;
    let bad = node(wf, "bad");
    assert_eq!(bad["phase"], "Failed", "{bad}\n{}", ran.stderr);
    // Saved after the failure at its own key (it names the pod), as Argo
    // does; the shared key keeps the earlier attempt's object.
    let own = output(bad, "own").expect("own saved after the failure");
    let key = own["builtin"]["key"].as_str().expect("a key");
    let kept =
        |key: &str| std::fs::read_to_string(dir.join("work/artifacts").join(key)).expect("object");
    assert_eq!(kept(key), "bad\n");
    assert!(output(bad, "shared").is_none(), "{bad}");
    assert_eq!(kept("shared/report.txt"), "good\n");
    let good = node(wf, "good");
    assert!(output(good, "shared").is_some(), "{good}");
}

const SERVED: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: served-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: make, template: make}
    - - name: use
        template: use
        arguments: {artifacts: [{name: report, from: "{{steps.make.outputs.artifacts.report}}"}]}
  - name: make
    container:
      image: busybox
      command: [sh, -c, "echo '<b>hello</b>' > /tmp/report.html && mkdir -p /tmp/out/sub && echo notes > /tmp/out/notes.txt && echo '{\"n\": 1}' > /tmp/out/sub/data.json"]
    outputs:
      artifacts:
      - {name: report, path: /tmp/report.html, archive: {none: {}}}
      - {name: packed, path: /tmp/report.html}
      - {name: bundle, path: /tmp/out}
      - {name: site, path: /tmp/out, archive: {none: {}}}
  - name: use
    inputs: {artifacts: [{name: report, path: /tmp/in.html}]}
    container: {image: busybox, command: [cat, /tmp/in.html]}
"#;

#[test]
fn the_server_serves_a_nodes_artifacts_as_argo_server_does() {
    use crate::support::keelson::{Server, data_dir, file, http_with};
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let wf = file(dir.path(), "served.yaml", SERVED);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();
    s.wait_for(&name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");
    let w = s.workflow(&name);
    let id = |display: &str| node(&w, display)["id"].as_str().expect("an id").to_string();
    let (make, used) = (id("make"), id("use"));
    let rt = crate::support::rt();
    let get = |client: &reqwest::Client, path: String| {
        rt.block_on(async {
            let r = client.get(format!("{}{path}", s.url)).send().await.expect("answered");
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let body = r.bytes().await.expect("body");
            (status, headers, body)
        })
    };
    // An output as it is stored, with Argo's headers.
    let (status, headers, body) =
        get(&s.http(), format!("/artifacts/default/{name}/{make}/report"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(&body[..], b"<b>hello</b>\n");
    assert_eq!(headers["content-disposition"], "attachment; filename=\"report.html\"");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["content-security-policy"].to_str().expect("ascii").starts_with("sandbox"));
    assert_eq!(headers["accept-ranges"], "bytes");
    // A tar+gzip output stays one, as Argo serves it.
    let (status, headers, body) =
        get(&s.http(), format!("/artifacts/default/{name}/{make}/packed"));
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/gzip");
    assert_eq!(&body[..2], [0x1f, 0x8b]);
    // The same bytes as the next step's input.
    let (status, _, body) =
        get(&s.http(), format!("/input-artifacts/default/{name}/{used}/report"));
    assert_eq!(status, 200);
    assert_eq!(&body[..], b"<b>hello</b>\n");
    // A pod's name addresses its node too (Argo's clients send either).
    let pod = format!("{name}-make-{}", &make[name.len() + 1..]);
    let (status, _, body) = get(&s.http(), format!("/artifacts/default/{name}/{pod}/report"));
    assert_eq!(status, 200, "{pod}: {}", String::from_utf8_lossy(&body));
    // Unknown names are 404 in Argo's shape; no credentials, 401.
    let (status, _, body) = get(&s.http(), format!("/artifacts/default/{name}/{make}/nothing"));
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = get(&http_with(""), format!("/artifacts/default/{name}/{make}/report"));
    assert_eq!(status, 401);

    // HEAD: the size alone.
    let (status, length) = rt.block_on(async {
        let r = s.http().head(format!("{}/artifacts/default/{name}/{make}/report", s.url));
        let r = r.send().await.expect("answered");
        (
            r.status().as_u16(),
            r.headers()["content-length"].to_str().unwrap_or_default().to_string(),
        )
    });
    assert_eq!((status, length.as_str()), (200, "13"));

    // Byte ranges, and a range outside the object.
    let ranged = |path: String, range: &str| {
        rt.block_on(async {
            let r = s.http().get(format!("{}{path}", s.url)).header("range", range);
            let r = r.send().await.expect("answered");
            let (status, headers) = (r.status().as_u16(), r.headers().clone());
            (status, headers, r.bytes().await.expect("body"))
        })
    };
    let report = format!("/artifacts/default/{name}/{make}/report");
    let (status, headers, body) = ranged(report.clone(), "bytes=3-7");
    assert_eq!((status, &body[..]), (206, &b"hello"[..]));
    assert_eq!(headers["content-range"], "bytes 3-7/13");
    let (status, _, body) = ranged(report.clone(), "bytes=-5");
    assert_eq!((status, &body[..]), (206, &b"</b>\n"[..]));
    let (status, headers, _) = ranged(report, "bytes=100-");
    assert_eq!(status, 416);
    assert_eq!(headers["content-range"], "bytes */13");

    // By the workflow's uid, as Argo's archive links them.
    let uid = w["metadata"]["uid"].as_str().expect("uid").to_string();
    let (status, _, body) = get(&s.http(), format!("/artifacts-by-uid/{uid}/{make}/report"));
    assert_eq!((status, &body[..]), (200, &b"<b>hello</b>\n"[..]));
    let (status, _, body) = get(&s.http(), format!("/input-artifacts-by-uid/{uid}/{used}/report"));
    assert_eq!((status, &body[..]), (200, &b"<b>hello</b>\n"[..]));
    let (status, _, _) = get(&s.http(), format!("/artifacts-by-uid/no-such-uid/{make}/report"));
    assert_eq!(status, 404);
    let (status, _, _) = get(&http_with(""), format!("/artifacts-by-uid/{uid}/{make}/report"));
    assert_eq!(status, 401);

    // `/artifact-files/`: the files inside a .tgz, listed and read one by
    // one (Argo cannot look into one), by name or in the archive by uid.
    let json_get = |path: String| {
        rt.block_on(async {
            let r = s.http().get(format!("{}{path}", s.url)).header("accept", "application/json");
            let r = r.send().await.expect("answered");
            assert_eq!(r.status().as_u16(), 200, "{path}");
            r.json::<Value>().await.expect("json")
        })
    };
    for base in [format!("workflows/{name}"), format!("archived-workflows/{uid}")] {
        let files = format!("/artifact-files/default/{base}/{make}/outputs");
        let listing = json_get(format!("{files}/bundle/"));
        let mut got = listing["files"].as_array().cloned().unwrap_or_default();
        got.sort_by_key(|f| f["path"].as_str().map(str::to_string));
        let want =
            json!([{"path": "out/notes.txt", "size": 6}, {"path": "out/sub/data.json", "size": 9}]);
        assert_eq!(Value::from(got), want, "{base}");
        let (status, headers, body) = get(&s.http(), format!("{files}/bundle/out/sub/data.json"));
        assert_eq!((status, &body[..]), (200, &b"{\"n\": 1}\n"[..]), "{base}");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["content-disposition"], "inline; filename=\"data.json\"");
        let (status, _, _) = get(&s.http(), format!("{files}/bundle/out/missing.txt"));
        assert_eq!(status, 404);
        let sub = json_get(format!("{files}/bundle/out/sub/"));
        assert_eq!(sub["files"], json!([{"path": "data.json", "size": 9}]));
    }
    // A directory stored file by file (`archive: none`): the artifact
    // redirects to its listing, an HTML page as Argo's or JSON.
    let files = format!("/artifact-files/default/workflows/{name}/{make}/outputs");
    let (status, final_url, page) = rt.block_on(async {
        let r = s.http().get(format!("{}{files}/site", s.url)).send().await.expect("answered");
        (r.status().as_u16(), r.url().path().to_string(), r.text().await.expect("page"))
    });
    assert_eq!(status, 200, "{page}");
    assert!(final_url.ends_with("/site/"), "{final_url}");
    assert!(page.contains("<a href=\"./notes.txt\">notes.txt</a>"), "{page}");
    assert!(page.contains("<a href=\"./sub/\">sub/</a>"), "{page}");
    let listing = json_get(format!("{files}/site/"));
    assert_eq!(
        listing["files"],
        json!([{"path": "notes.txt", "size": 6}, {"path": "sub/data.json", "size": 9}])
    );
    let (status, _, body) = get(&s.http(), format!("{files}/site/sub/data.json"));
    assert_eq!((status, &body[..]), (200, &b"{\"n\": 1}\n"[..]));
    // A plain file is shown inline; a bad path part is a 400.
    let (status, headers, _) = get(&s.http(), format!("{files}/report"));
    assert_eq!(status, 200);
    assert_eq!(headers["content-disposition"], "inline; filename=\"report.html\"");
    let (status, _, _) =
        get(&s.http(), format!("/artifact-files/default/nope/{name}/{make}/outputs/report"));
    assert_eq!(status, 400);

    // `keelson cp` (as `argo cp`): each output where Argo's default path
    // puts it, filtered by template or by name.
    let out = dir.path().join("copied");
    s.ok(&["cp", &name, &out.to_string_lossy(), "--template-name", "make"]);
    let at = |artifact: &str, file: &str| {
        out.join(format!("default/{name}/{make}/outputs/{artifact}/{file}"))
    };
    assert_eq!(std::fs::read(at("report", "report.html")).expect("copied"), b"<b>hello</b>\n");
    assert_eq!(std::fs::read(at("packed", "packed.tgz")).expect("copied")[..2], [0x1f, 0x8b]);
    // A directory stored file by file is copied file by file.
    assert_eq!(std::fs::read(at("site", "out/sub/data.json")).expect("copied"), b"{\"n\": 1}\n");
    assert_eq!(std::fs::read(at("site", "out/notes.txt")).expect("copied"), b"notes\n");
    let only = dir.path().join("only");
    s.ok(&["cp", &name, &only.to_string_lossy(), "--artifact-name", "packed"]);
    let base = only.join(format!("default/{name}/{make}/outputs"));
    assert!(base.join("packed/packed.tgz").exists() && !base.join("report").exists());
}

#[test]
fn a_namespaces_artifact_repositories_config_map_is_used_from_submission_on() {
    use crate::support::keelson::{Server, data_dir, file};
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    s.ok(&[
        "configmap",
        "create",
        "artifact-repositories",
        "--from-literal",
        "v1=builtin: {keyFormat: 'kept/{{workflow.name}}'}",
        "--annotation",
        "workflows.argoproj.io/default-artifact-repository=v1",
    ]);
    let listed: serde_json::Value =
        serde_json::from_str(&s.ok(&["configmap", "list", "-o", "json"])).expect("JSON");
    let annotations = &listed["items"][0]["metadata"]["annotations"];
    assert_eq!(annotations["workflows.argoproj.io/default-artifact-repository"], "v1");

    let wf = file(dir.path(), "served.yaml", SERVED);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();
    s.wait_for(&name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");
    let w = s.workflow(&name);
    let repo = &w["status"]["artifactRepositoryRef"];
    assert_eq!(
        (repo["configMap"].as_str(), repo["key"].as_str()),
        (Some("artifact-repositories"), Some("v1"))
    );
    let key = output(node(&w, "make"), "report").and_then(|a| a["builtin"]["key"].as_str());
    assert_eq!(key, Some(format!("kept/{name}/report.html").as_str()));

    // Without it, a ref to it is refused at submission, with Argo's words.
    s.ok(&["configmap", "delete", "artifact-repositories"]);
    let referring = SERVED.replace(
        "  entrypoint: main\n",
        "  entrypoint: main\n  artifactRepositoryRef: {key: v1}\n",
    );
    let wf = file(dir.path(), "referring.yaml", &referring);
    let out = s.cli(&["submit", &wf.to_string_lossy()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("failed to find any artifact repository"), "{said}");
}

const VIA_AZURE: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: via-azure}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: make, template: make}
    - - name: use
        template: use
        arguments: {artifacts: [{name: out, from: "{{steps.make.outputs.artifacts.out}}"}]}
      - name: report
        template: report
        arguments: {parameters: [{name: said, value: "{{steps.make.outputs.result}}"}]}
  - name: make
    container:
      image: busybox
      command: [sh, -c, "mkdir -p /tmp/o && echo hi > /tmp/o/a && head -c 12000000 /dev/urandom > /tmp/o/big && echo made"]
    outputs: {artifacts: [{name: out, path: /tmp/o}]}
  - name: use
    inputs: {artifacts: [{name: out, path: /tmp/in}]}
    container: {image: busybox, command: [sh, -c, "cat /tmp/in/a; wc -c < /tmp/in/big"]}
  - name: report
    inputs: {parameters: [{name: said}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.said}}"]}
"#;

#[test]
fn artifacts_pass_through_azure_blob_storage() {
    use crate::support::azurite::{self, Azurite};
    let Some(az) = Azurite::start() else { return };
    az.create_container("arts");
    let dir = work_dir("azure");
    let repo = format!(
        "azure:\n  endpoint: {}\n  container: arts\n  accountKeySecret: {{name: az, key: key}}\n",
        az.endpoint
    );
    std::fs::write(dir.join("repo.yaml"), repo).expect("repo");
    std::fs::write(
        dir.join("secrets.yaml"),
        format!("secrets:\n  az:\n    key: {}\n", azurite::KEY),
    )
    .expect("secrets");
    let ran =
        run(&dir, VIA_AZURE, &["--artifact-repository", "repo.yaml", "--secrets", "secrets.yaml"]);
    let used = node(&ran.workflow, "use");
    assert_eq!(used["phase"], "Succeeded", "{used}\n{}", ran.stderr);
    // Argo's layout in the container, checked with Azure's own client:
    // a 12 MB tar+gzip went up in blocks.
    let blobs = az.blobs("arts");
    assert!(
        blobs.iter().any(|b| b.starts_with("via-azure/via-azure-make-") && b.ends_with("/out.tgz")),
        "{blobs:?}"
    );
    assert!(!ran.stdout.contains(azurite::KEY) && !ran.stderr.contains(azurite::KEY));
}

const COLLECTED: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: collected-}
spec:
  entrypoint: make
  artifactGC: {strategy: OnWorkflowDeletion}
  templates:
  - name: make
    container:
      image: busybox
      command: [sh, -c, "mkdir -p /tmp/d && echo 1 > /tmp/d/one && echo 2 > /tmp/d/two && echo x > /tmp/x"]
    outputs:
      artifacts:
      - {name: whole, path: /tmp/x}
      - {name: early, path: /tmp/x, artifactGC: {strategy: OnWorkflowCompletion}}
      - {name: kept, path: /tmp/x, artifactGC: {strategy: Never}}
      - {name: dir, path: /tmp/d, archive: {none: {}}}
"#;

#[test]
fn artifacts_are_garbage_collected_as_their_strategies_say() {
    use crate::support::keelson::{Server, data_dir, file};
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let repo = dir.path().join("artifacts/default");
    let wf = file(dir.path(), "collected.yaml", COLLECTED);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();
    s.wait_for(&name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");
    // OnWorkflowCompletion (the artifact's own strategy): gone once the
    // run is over, marked `deleted`; the others stay for now.
    s.wait_for(&name, "completion GC", |w| {
        w["status"]["artifactGCStatus"]["strategiesProcessed"]["OnWorkflowCompletion"] == true
    });
    let w = s.workflow(&name);
    let make = node(&w, &name);
    let key =
        |a: &str| output(make, a).and_then(|a| a["builtin"]["key"].as_str()).map(str::to_string);
    let (whole, early, kept, d) = (key("whole"), key("early"), key("kept"), key("dir"));
    let at = |k: &Option<String>| repo.join(k.as_deref().expect("a key"));
    assert_eq!(output(make, "early").map(|a| a["deleted"].clone()), Some(Value::Bool(true)));
    assert!(!at(&early).exists(), "early is collected at completion");
    assert!(output(make, "whole").is_some_and(|a| a["deleted"].is_null()));
    assert!(at(&whole).exists() && at(&kept).exists() && at(&d).join("one").exists());

    // Deletion: the workflow's strategy (OnWorkflowDeletion) takes the
    // rest but what says Never, the directory's files too.
    s.ok(&["delete", &name]);
    assert!(!at(&whole).exists() && !at(&d).join("one").exists() && !at(&d).join("two").exists());
    assert!(at(&kept).exists(), "Never keeps it");
    assert!(!s.cli(&["get", &name]).status.success(), "the workflow is gone");
}

#[test]
fn a_failed_collection_keeps_the_workflow_until_it_is_forced() {
    use crate::support::keelson::{Server, data_dir, file};
    let Some(s3) = Moto::start() else { return };
    s3.create_bucket("artifacts");
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let access = format!("accessKey={}", moto::ACCESS_KEY);
    let secret = format!("secretKey={}", moto::SECRET_KEY);
    s.ok(&["secret", "create", "cred", "--from-literal", &access, "--from-literal", &secret]);
    let repository = format!("v1={}", s3.repository("artifacts"));
    s.ok(&[
        "configmap",
        "create",
        "artifact-repositories",
        "--from-literal",
        &repository,
        "--annotation",
        "workflows.argoproj.io/default-artifact-repository=v1",
    ]);
    let wf = file(dir.path(), "collected.yaml", COLLECTED);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "-o", "name"]).trim().to_string();
    s.wait_for(&name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");
    s.wait_for(&name, "completion GC", |w| {
        w["status"]["artifactGCStatus"]["strategiesProcessed"]["OnWorkflowCompletion"] == true
    });
    let keys = s3.keys("artifacts");
    assert!(keys.iter().any(|k| k.ends_with("/whole.tgz")), "{keys:?}");
    assert!(!keys.iter().any(|k| k.ends_with("/early.tgz")), "collected at completion: {keys:?}");

    // The store goes away: deleting keeps the workflow and says why.
    drop(s3);
    let refused = s.cli(&["delete", &name]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("is kept") && said.contains("'whole'") && said.contains("--force"),
        "{said}"
    );
    let w = s.workflow(&name);
    let conditions = w["status"]["conditions"].as_array().cloned().unwrap_or_default();
    let gc = conditions.iter().find(|c| c["type"] == "ArtifactGCError").expect("ArtifactGCError");
    assert!(gc["message"].as_str().is_some_and(|m| m.contains("'whole'")), "{gc}");
    assert!(!gc["message"].as_str().unwrap_or_default().contains(moto::SECRET_KEY));
    // Forced, it goes.
    s.ok(&["delete", &name, "--force"]);
    assert!(!s.cli(&["get", &name]).status.success(), "the workflow is gone");
}

#[test]
fn keelson_run_collects_on_workflow_completion_artifacts_at_its_end() {
    let dir = work_dir("collected");
    let ran = run(&dir, &COLLECTED.replace("generateName: collected-", "name: collected"), &[]);
    let root = node(&ran.workflow, "collected");
    assert_eq!(root["phase"], "Succeeded", "{}", ran.stderr);
    let repo = dir.join("work/artifacts");
    let key = |a: &str| {
        let key = output(root, a).and_then(|a| a["builtin"]["key"].as_str()).expect("a key");
        repo.join(key)
    };
    assert_eq!(output(root, "early").map(|a| a["deleted"].clone()), Some(Value::Bool(true)));
    assert!(!key("early").exists(), "OnWorkflowCompletion: gone at the end");
    assert!(key("whole").exists() && key("kept").exists(), "the others stay");
    let processed = &ran.workflow["status"]["artifactGCStatus"]["strategiesProcessed"];
    assert_eq!(processed["OnWorkflowCompletion"], true);
}

const TAKES_DATA: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: takes-data}
spec:
  entrypoint: show
  arguments: {artifacts: [{name: data}]}
  templates:
  - name: show
    inputs: {artifacts: [{name: data, path: /tmp/data.txt}]}
    script: {image: busybox, command: [sh], source: cat /tmp/data.txt}
"#;

#[test]
fn submitted_files_become_input_artifacts() {
    use crate::support::keelson::{Server, data_dir, file};
    let dir = data_dir();
    let s = Server::start(dir.path(), None, &[]);
    let local = file(dir.path(), "local.txt", "from my laptop\n");
    let local = local.to_string_lossy().to_string();
    let given = format!("data={local}");
    let result = |name: &str| {
        s.wait_for(name, "Succeeded", |w| w["status"]["phase"] == "Succeeded");
        s.ok(&["logs", name])
    };

    // A WorkflowTemplate's argument, as Argo's UI does it: the file goes
    // to /upload-artifacts/…, the submission names the key it got.
    let t = file(dir.path(), "takes-data.yaml", TAKES_DATA);
    s.ok(&["template", "create", &t.to_string_lossy()]);
    let from = ["submit", "--from", "workflowtemplate/takes-data", "--artifact", &given];
    let name = s.ok(&[&from[..], &["-o", "name"]].concat()).trim().to_string();
    assert!(result(&name).contains("from my laptop"), "{}", result(&name));
    let w = s.workflow(&name);
    let key = w["spec"]["arguments"]["artifacts"][0]["builtin"]["key"].as_str().unwrap_or_default();
    assert!(key.starts_with("uploads/default/") && key.ends_with("/local.txt"), "{w:#}");

    // A Workflow file's argument (Keelson's route), and a URL as an http
    // artifact.
    let wf = TAKES_DATA
        .replace("kind: WorkflowTemplate", "kind: Workflow")
        .replace("metadata: {name: takes-data}", "metadata: {generateName: given-}");
    let wf = file(dir.path(), "given.yaml", &wf);
    let name = s.ok(&["submit", &wf.to_string_lossy(), "--artifact", &given, "-o", "name"]);
    assert!(result(name.trim()).contains("from my laptop"));
    let url = "data=https://example.invalid/data.txt";
    let name = s.ok(&["submit", &wf.to_string_lossy(), "--artifact", url, "-o", "name"]);
    let w = s.workflow(name.trim());
    assert_eq!(
        w["spec"]["arguments"]["artifacts"][0]["http"]["url"],
        "https://example.invalid/data.txt"
    );

    // What is refused, and why.
    let out = s.cli(&[
        "submit",
        "--from",
        "workflowtemplate/takes-data",
        "--artifact",
        "nope=/etc/hostname",
    ]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("'nope' not found in WorkflowTemplate"),
        "{said}"
    );
    let out = s.cli(&["submit", &wf.to_string_lossy(), "--artifact", "data=/no/such/file"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("not a file"), "{said}");
    let rt = crate::support::rt();
    let (status, body) = rt.block_on(async {
        let body = json!({"resourceKind": "WorkflowTemplate", "resourceName": "takes-data",
            "submitOptions": {"artifacts": ["data=../../etc/passwd"]}});
        let r = s.http().post(format!("{}/api/v1/workflows/default/submit", s.url)).json(&body);
        let r = r.send().await.expect("answered");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    });
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("is not an upload's key"), "{body}");
}
