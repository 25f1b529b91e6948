//! Which program a container runs, by Kubernetes' rules: `command` (plus
//! `args`) when given; otherwise the image's entrypoint plus `args`, or
//! plus the image's cmd when there are no `args`. `$(VAR)` references are
//! expanded with the container's variables, and the program is found on
//! the host, since there are no images locally.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::container::{Container, non_empty};
use super::env::ContainerEnv;
use super::error::StartError;
use super::expand::expand;
use super::images::ImageTable;

/// What to execute: `program` with `argv` (whose first element is the
/// `argv[0]` the process sees).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub program: PathBuf,
    pub argv: Vec<String>,
}

/// The argument vector before the program is looked up.
pub fn argv(
    c: &Container,
    images: &ImageTable,
    env: &ContainerEnv,
) -> Result<Vec<String>, StartError> {
    let image = c.image_name();
    let mut argv: Vec<String> = match non_empty(&c.command) {
        Some(command) => {
            command.iter().chain(non_empty(&c.args).unwrap_or_default()).cloned().collect()
        }
        None => {
            let entry = images
                .lookup(c.image.as_deref().unwrap_or_default())
                .ok_or_else(|| StartError::UnknownImage { image: image.to_string() })?;
            let tail = non_empty(&c.args).unwrap_or(&entry.cmd);
            entry.entrypoint.iter().chain(tail).cloned().collect()
        }
    };
    if argv.is_empty() {
        return Err(StartError::NoCommand { image: image.to_string() });
    }
    for a in &mut argv {
        *a = expand(a, |n| env.get(n));
    }
    Ok(argv)
}

/// Find the program for `argv` on `path` (the child's `PATH`). `/argosay`
/// is Keelson's built-in copy of Argo's test image.
/// Programs found on a PATH, remembered: searching the PATH cost a no-op
/// task more than its own start. Only hits are kept, so a program
/// installed later is still found.
#[derive(Default)]
pub struct PathCache(std::sync::Mutex<std::collections::HashMap<(String, String), PathBuf>>);

impl PathCache {
    fn find(&self, path: &str, program: &str) -> Option<PathBuf> {
        let key = (path.to_string(), program.to_string());
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = map.get(&key) {
            return Some(hit.clone());
        }
        let found =
            std::env::split_paths(path).map(|dir| dir.join(program)).find(|p| is_executable(p))?;
        map.insert(key, found.clone());
        Some(found)
    }
}

pub fn resolve(
    argv: Vec<String>,
    path: &str,
    image: &str,
    images: &ImageTable,
    cache: &PathCache,
) -> Result<Resolved, StartError> {
    let Some(first) = argv.first() else {
        return Err(StartError::NoCommand { image: image.to_string() });
    };
    if first == "/argosay" {
        let exe = images.argosay().map_err(StartError::SelfExe)?;
        let mut full = vec![exe.to_string_lossy().into_owned(), "argosay".to_string()];
        full.extend(argv.into_iter().skip(1));
        return Ok(Resolved { program: exe, argv: full });
    }
    let not_found =
        || StartError::NotFound { program: first.clone(), image: image.into(), hint: hint(first) };
    let program = if first.contains('/') {
        // A relative path with a slash is relative to the working
        // directory, which exists only once the task starts: let exec
        // report it then.
        let p = PathBuf::from(first);
        if p.is_absolute() && !p.exists() {
            return Err(not_found());
        }
        p
    } else {
        cache.find(path, first).ok_or_else(not_found)?
    };
    if first.contains('/') && program.is_absolute() && !is_executable(&program) {
        return Err(StartError::NotExecutable { program: first.clone(), image: image.into() });
    }
    Ok(Resolved { program, argv })
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// How to get programs that Argo's example images bring.
fn hint(program: &str) -> Option<&'static str> {
    match program {
        "cowsay" => Some("on Debian or Ubuntu: apt-get install cowsay"),
        "python" => Some("install Python 3, or use `python3`"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn argv_of(c: serde_json::Value) -> Result<Vec<String>, StartError> {
        let mut env = ContainerEnv::default();
        env.vars.push(("MSG".into(), "hi".into()));
        argv(&Container::from_json(&c)?, &ImageTable::builtin(), &env)
    }

    #[test]
    fn kubernetes_command_rules() {
        let a =
            argv_of(json!({"image": "nope", "command": ["echo"], "args": ["$(MSG)", "$$(MSG)"]}));
        assert_eq!(a.expect("command given"), ["echo", "hi", "$(MSG)"]);
        let a = argv_of(json!({"image": "argoproj/argosay:v2", "args": ["echo", "x"]}));
        assert_eq!(a.expect("entrypoint + args"), ["/argosay", "echo", "x"]);
        let a = argv_of(json!({"image": "argoproj/argosay:v2"}));
        assert_eq!(a.expect("entrypoint alone"), ["/argosay"]);
        let a = argv_of(json!({"image": "alpine:3.23", "args": ["-c", "true"]}));
        assert_eq!(a.expect("args replace cmd"), ["-c", "true"]);
        let a = argv_of(json!({"image": "busybox", "command": [], "args": []}));
        assert_eq!(a.expect("empty lists are absent"), ["sh"]);
        let e = argv_of(json!({"image": "golang:1.18", "args": ["go"]})).expect_err("unknown");
        assert!(e.to_string().starts_with("image 'golang:1.18' is not in Keelson's image table"));
        let e = argv_of(json!({"image": "x", "command": "echo"})).expect_err("bad JSON");
        assert!(e.to_string().starts_with("the container is not valid"), "{e}");
    }

    #[test]
    fn programs_are_found_on_the_path() {
        let t = ImageTable::builtin();
        let path = std::env::var("PATH").unwrap_or_default();
        let r =
            resolve(vec!["sh".into(), "-c".into()], &path, "busybox", &t, &PathCache::default())
                .expect("sh exists");
        assert!(r.program.is_absolute() && r.program.ends_with("sh"), "{r:?}");
        assert_eq!(r.argv, ["sh", "-c"]);
        let e = resolve(
            vec!["no-such-program-keelson".into()],
            &path,
            "img",
            &t,
            &PathCache::default(),
        )
        .expect_err("not found");
        assert!(e.to_string().contains("command 'no-such-program-keelson' (image 'img')"), "{e}");
        let mut t = ImageTable::builtin();
        t.set_argosay(PathBuf::from("/opt/keelson"));
        let r =
            resolve(vec!["/argosay".into(), "echo".into()], &path, "a", &t, &PathCache::default())
                .expect("argosay");
        assert_eq!(r.program, PathBuf::from("/opt/keelson"));
        assert_eq!(r.argv, ["/opt/keelson", "argosay", "echo"]);
    }
}
