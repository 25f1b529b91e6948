//! A node's artifacts as the server serves them: the download path
//! (`/artifacts/…`, `/input-artifacts/…`), the preview path
//! (`/artifact-files/…`, a file inside a `.tgz` after it), the object's
//! size (a `HEAD`), and the files inside an archive or a directory (the
//! listing, as JSON).

use serde::Deserialize;

use super::encode;

/// Which of a node's artifacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactSide {
    Inputs,
    Outputs,
}

/// Where one artifact is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPaths {
    /// The object as stored, to download.
    pub download: String,
    /// `/artifact-files/…/{name}`: the object to show; with `/` after it
    /// its listing, with a file's path after that, the file.
    pub files: String,
}

impl ArtifactPaths {
    pub fn new(
        namespace: &str,
        workflow: &str,
        node: &str,
        name: &str,
        side: ArtifactSide,
    ) -> ArtifactPaths {
        let (prefix, dir) = match side {
            ArtifactSide::Inputs => ("input-artifacts", "inputs"),
            ArtifactSide::Outputs => ("artifacts", "outputs"),
        };
        let (ns, wf, node, name) =
            (encode(namespace), encode(workflow), encode(node), encode(name));
        ArtifactPaths {
            download: format!("/{prefix}/{ns}/{wf}/{node}/{name}"),
            files: format!("/artifact-files/{ns}/workflows/{wf}/{node}/{dir}/{name}"),
        }
    }

    /// The path of a file inside the artifact.
    pub fn file(&self, path: &str) -> String {
        let path: Vec<String> = path.split('/').map(encode).collect();
        format!("{}/{}", self.files, path.join("/"))
    }
}

/// A file of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedFile {
    pub path: String,
    pub size: u64,
}

/// The files inside an archive or under a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FileListing {
    pub files: Vec<ListedFile>,
    #[serde(default)]
    pub truncated: bool,
}

/// The stored object's size; `None` when it is not one object (a
/// directory stored file by file) or cannot be read.
#[cfg(feature = "hydrate")]
pub async fn object_size(paths: &ArtifactPaths) -> Option<u64> {
    let response = gloo_net::http::Request::get(&paths.download)
        .method(gloo_net::http::Method::HEAD)
        .send()
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    response.headers().get("content-length")?.parse().ok()
}

/// The files inside the artifact (an archive's or a directory's).
#[cfg(feature = "hydrate")]
pub async fn list_files(paths: &ArtifactPaths) -> Result<FileListing, String> {
    let response = gloo_net::http::Request::get(&format!("{}/", paths.files))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("the server cannot be reached: {e}"))?;
    let text = response.text().await.unwrap_or_default();
    if !response.ok() {
        return Err(super::ApiError::read(&text).say("the files cannot be listed"));
    }
    serde_json::from_str(&text).map_err(|e| format!("the listing cannot be read: {e}"))
}

/// A size as people read it: `980 B`, `12.3 KiB`, `4.0 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_argo_servers_with_each_part_encoded() {
        let p = ArtifactPaths::new("ns", "wf", "wf-1", "my out", ArtifactSide::Outputs);
        assert_eq!(p.download, "/artifacts/ns/wf/wf-1/my%20out");
        assert_eq!(p.files, "/artifact-files/ns/workflows/wf/wf-1/outputs/my%20out");
        assert_eq!(p.file("out/a b.txt"), format!("{}/out/a%20b.txt", p.files));
        let i = ArtifactPaths::new("ns", "wf", "wf-2", "in", ArtifactSide::Inputs);
        assert_eq!(i.download, "/input-artifacts/ns/wf/wf-2/in");
        assert!(i.files.ends_with("/inputs/in"));
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 << 20), "5.0 MiB");
    }
}
