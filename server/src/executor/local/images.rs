//! The image table: what an image would run when a container gives no
//! `command` (its ENTRYPOINT and CMD). Locally there are no images, only
//! the host's programs, so Keelson needs this table to follow Kubernetes'
//! rules for `command`/`args` (see [`super::command`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::document;
use super::error::LoadError;

/// An image's ENTRYPOINT and CMD, as its Dockerfile sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageEntry {
    #[serde(default)]
    pub entrypoint: Vec<String>,
    #[serde(default)]
    pub cmd: Vec<String>,
}

impl ImageEntry {
    pub fn new(entrypoint: &[&str], cmd: &[&str]) -> Self {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        ImageEntry { entrypoint: own(entrypoint), cmd: own(cmd) }
    }
}

/// Images by name. Names match with or without a registry and tag:
/// `alpine` covers `alpine:3.23` and `docker.io/library/alpine`, while an
/// entry with a tag (`argoproj/argosay:v2`) covers only that tag.
#[derive(Debug, Clone, Default)]
pub struct ImageTable {
    entries: BTreeMap<String, ImageEntry>,
    /// The program behind `/argosay`; `None` means this executable.
    argosay: Option<PathBuf>,
}

/// The user's file: `images: {name: {entrypoint: [...], cmd: [...]}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImagesFile {
    #[serde(default)]
    images: BTreeMap<String, ImageEntry>,
}

impl ImageTable {
    /// No images at all: every container needs a `command`.
    pub fn empty() -> Self {
        ImageTable::default()
    }

    /// The images Argo's examples use. Entrypoints and cmds are the real
    /// images' (`docker inspect`), except where a host program stands in:
    /// `argoproj/argosay:v2`'s `/argosay` is `keelson argosay`.
    pub fn builtin() -> Self {
        let mut t = ImageTable::empty();
        t.insert("busybox", ImageEntry::new(&[], &["sh"]));
        t.insert("alpine", ImageEntry::new(&[], &["/bin/sh"]));
        t.insert("python", ImageEntry::new(&[], &["python3"]));
        t.insert("debian", ImageEntry::new(&[], &["bash"]));
        t.insert("ubuntu", ImageEntry::new(&[], &["/bin/bash"]));
        // The real ENTRYPOINT is docker-entrypoint.sh, which only runs CMD.
        t.insert("bash", ImageEntry::new(&[], &["bash"]));
        t.insert("argoproj/argosay:v2", ImageEntry::new(&["/argosay"], &[]));
        // v1 is Ubuntu with cowsay (Argo's test/e2e/images/argosay/v1).
        t.insert("argoproj/argosay:v1", ImageEntry::new(&[], &["cowsay"]));
        t.insert("docker/whalesay", ImageEntry::new(&[], &["/bin/bash"]));
        t
    }

    /// Add or replace an image; `image` is normalised like a lookup.
    pub fn insert(&mut self, image: &str, entry: ImageEntry) {
        self.entries.insert(key(image), entry);
    }

    /// Add the images of a YAML or JSON file (see the module docs); they
    /// replace built-in entries of the same name.
    pub fn extend_from_file(&mut self, path: &Path) -> Result<(), LoadError> {
        let doc = document::read(path)?;
        self.extend_from_json(doc, path)
    }

    /// Like [`Self::extend_from_file`], from text (`origin` names it in
    /// errors).
    pub fn extend_from_str(&mut self, text: &str, origin: &Path) -> Result<(), LoadError> {
        let doc = document::parse(text, origin)?;
        self.extend_from_json(doc, origin)
    }

    fn extend_from_json(&mut self, doc: Value, origin: &Path) -> Result<(), LoadError> {
        if doc.is_null() {
            return Ok(());
        }
        let file: ImagesFile = serde_json::from_value(doc).map_err(|e| LoadError::Invalid {
            path: origin.to_path_buf(),
            message: format!(
                "{e} (expected `images: {{NAME: {{entrypoint: [...], cmd: [...]}}}}`)"
            ),
        })?;
        for (name, entry) in file.images {
            self.insert(&name, entry);
        }
        Ok(())
    }

    /// The entry for an image reference, tag first, then the bare name.
    pub fn lookup(&self, image: &str) -> Option<&ImageEntry> {
        let (repo, tag) = normalise(image);
        tag.and_then(|t| self.entries.get(&format!("{repo}:{t}")))
            .or_else(|| self.entries.get(&repo))
    }

    /// Use `exe` (run as `exe argosay …`) for `/argosay` instead of this
    /// executable; tests use it, since their executable is the test binary.
    pub fn set_argosay(&mut self, exe: PathBuf) {
        self.argosay = Some(exe);
    }

    /// The program that implements `/argosay`.
    pub fn argosay(&self) -> std::io::Result<PathBuf> {
        match &self.argosay {
            Some(p) => Ok(p.clone()),
            None => std::env::current_exe(),
        }
    }
}

fn key(image: &str) -> String {
    match normalise(image) {
        (repo, Some(tag)) => format!("{repo}:{tag}"),
        (repo, None) => repo,
    }
}

/// `docker.io/library/alpine:3.23@sha256:…` → (`alpine`, `3.23`): no
/// digest, no registry (a first component with a `.` or `:`, or
/// `localhost`), no `library/`.
fn normalise(image: &str) -> (String, Option<String>) {
    let image = image.trim();
    let image = image.split_once('@').map_or(image, |(name, _digest)| name);
    let (path, tag) = match image.rfind(':') {
        // A colon before the last slash is a registry's port, not a tag.
        Some(i) if !image[i..].contains('/') => (&image[..i], Some(image[i + 1..].to_string())),
        _ => (image, None),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 1 {
        let first = parts[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            parts.remove(0);
        }
    }
    if parts.len() > 1 && parts[0] == "library" {
        parts.remove(0);
    }
    (parts.join("/"), tag.filter(|t| !t.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_with_or_without_registry_and_tag() {
        let t = ImageTable::builtin();
        for name in ["busybox", "busybox:1.36", "docker.io/library/busybox:latest"] {
            assert_eq!(t.lookup(name).map(|e| e.cmd.clone()), Some(vec!["sh".to_string()]));
        }
        assert!(t.lookup("docker.io/library/alpine:3.23").is_some());
        assert!(t.lookup("python:alpine3.23").is_some());
        assert!(t.lookup("localhost:5000/python:3").is_some());
        assert!(t.lookup("docker/whalesay:latest").is_some());
        assert_eq!(t.lookup("argoproj/argosay:v2").map(|e| e.entrypoint.len()), Some(1));
        assert_eq!(
            t.lookup("argoproj/argosay:v1").map(|e| e.cmd.clone()),
            Some(vec!["cowsay".into()])
        );
        // A tagged entry covers only its tag.
        assert!(t.lookup("argoproj/argosay").is_none());
        assert!(t.lookup("argoproj/argosay:v3").is_none());
        assert!(t.lookup("golang:1.18").is_none());
    }

    #[test]
    fn user_images_extend_and_replace() {
        let mut t = ImageTable::builtin();
        let text = "images:\n  golang:\n    cmd: [go]\n  busybox:\n    entrypoint: [echo]\n";
        t.extend_from_str(text, Path::new("images.yaml")).expect("valid table");
        assert_eq!(t.lookup("golang:1.18"), Some(&ImageEntry::new(&[], &["go"])));
        assert_eq!(t.lookup("busybox"), Some(&ImageEntry::new(&["echo"], &[])));
        let json = r#"{"images": {"node": {"cmd": ["node"]}}}"#;
        t.extend_from_str(json, Path::new("images.json")).expect("valid JSON table");
        assert!(t.lookup("node:9.1-alpine").is_some());
    }

    #[test]
    fn a_typo_in_the_table_is_an_error() {
        let mut t = ImageTable::empty();
        let err = t
            .extend_from_str("images:\n  x:\n    command: [go]\n", Path::new("i.yaml"))
            .expect_err("unknown field");
        assert!(err.to_string().contains("unknown field `command`"), "{err}");
    }
}
