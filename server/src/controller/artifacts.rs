//! A node's artifact, read back for a client (Argo Server's
//! `/artifacts/…`, `/input-artifacts/…`, `/artifacts-by-uid/…` and
//! `/artifact-files/…`): where the status says it is — a key-only location
//! completed from the run's frozen repository —, opened with the
//! namespace's secrets and streamed as the object is, as Argo serves it (a
//! `.tgz` stays one). Beyond Argo, the files inside a `.tgz` or `.zip` can
//! be listed and read one at a time, without unpacking anything.

use std::ops::Range;

use artifacts::browse::{self, Listing, Packing};
use artifacts::store::Opened;
use bytes::Bytes;
use engine::spec::Artifact;
use engine::status::WorkflowStatus;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange, ObjectStoreExt};

use super::{Controller, ControllerError};
use crate::store::WorkflowRow;

/// Which of a node's artifacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inputs,
    Outputs,
}

/// The workflow an artifact belongs to: by name, or by uid (Argo's
/// archive and its `…-by-uid` routes).
#[derive(Debug, Clone, Copy)]
pub enum WorkflowRef<'a> {
    Name { namespace: &'a str, name: &'a str },
    Uid { namespace: Option<&'a str>, uid: &'a str },
}

/// One artifact of one node.
#[derive(Debug, Clone, Copy)]
pub struct ArtifactRef<'a> {
    pub workflow: WorkflowRef<'a>,
    /// A node's ID or its pod's name (Argo's clients send either).
    pub node: &'a str,
    pub name: &'a str,
    pub side: Side,
}

/// The bytes asked for, from an HTTP `Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Whole,
    /// From this offset to the end.
    From(u64),
    /// The last this many bytes.
    Last(u64),
    /// From the first to the second offset, both included.
    Between(u64, u64),
}

impl Span {
    /// The byte range of an object of `size` bytes; `None` when none of
    /// it is in the object.
    fn within(self, size: u64) -> Option<Range<u64>> {
        let range = match self {
            Span::Whole => 0..size,
            Span::From(start) => start..size,
            Span::Last(n) => size.saturating_sub(n)..size,
            Span::Between(start, end) => start..end.saturating_add(1).min(size),
        };
        (range.start < range.end || (size == 0 && self == Span::Whole)).then_some(range)
    }
}

/// Which part of an object a response carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Whole,
    Range(Range<u64>),
    /// The span asked for is not in the object: nothing is sent.
    Unsatisfiable,
}

/// An artifact's object (or a file inside one), ready to stream.
pub struct ArtifactObject {
    /// The file's name (the key's last part, or the file's in an archive).
    pub file_name: String,
    /// The whole object's size.
    pub size: u64,
    pub part: Part,
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

/// What `/artifact-files/` answers.
pub enum ArtifactFile {
    Object(ArtifactObject),
    /// The files under a directory or inside an archive, relative to the
    /// path asked for.
    Listing(Listing),
    /// The path is a directory: ask again with a trailing `/`.
    Directory,
}

impl Controller {
    /// The namespace of the workflow with this uid (for the caller's
    /// access to be checked before anything of it is read).
    pub async fn namespace_of_uid(&self, uid: &str) -> Result<String, ControllerError> {
        let row = self.inner.store.workflow_by_uid(uid).await?;
        row.map(|r| r.namespace).ok_or_else(|| ControllerError::NotFound(uid.to_string()))
    }

    /// The artifact's object as stored (`span` of it).
    pub async fn artifact(
        &self,
        at: ArtifactRef<'_>,
        span: Span,
    ) -> Result<ArtifactObject, ControllerError> {
        let (_, opened) = self.open_artifact(at).await?;
        whole_or_part(&opened, at.name, span).await
    }

    /// The artifact's name and size, without its bytes (`HEAD`).
    pub async fn artifact_head(
        &self,
        at: ArtifactRef<'_>,
    ) -> Result<ArtifactObject, ControllerError> {
        let (_, opened) = self.open_artifact(at).await?;
        let meta = match opened.store.head(&opened.key).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(ControllerError::ObjectNotFound(format!(
                    "artifact '{}': nothing at key {:?} in {}",
                    at.name,
                    opened.key.as_ref(),
                    opened.describe
                )));
            }
            Err(e) => {
                let e = artifacts::store::store_error(&opened.describe, e);
                return Err(ControllerError::Invalid(format!("artifact '{}': {e}", at.name)));
            }
        };
        let file_name = opened.key.filename().unwrap_or(at.name).to_string();
        let body = futures_util::stream::empty().boxed();
        Ok(ArtifactObject { file_name, size: meta.size, part: Part::Whole, body })
    }

    /// `/artifact-files/…`: `file` inside the artifact (empty: the
    /// artifact itself), or with `listing` the files under it. A `.tgz` or
    /// `.zip` is looked into as the directory it packs; a directory's key
    /// (`archive: none`) lists the objects under it.
    pub async fn artifact_file(
        &self,
        at: ArtifactRef<'_>,
        file: &str,
        listing: bool,
        span: Span,
    ) -> Result<ArtifactFile, ControllerError> {
        let (_, opened) = self.open_artifact(at).await?;
        let file = file.trim_matches('/');
        let failed = |e| ControllerError::Invalid(format!("artifact '{}': {e}", at.name));
        let packing = Packing::of_key(opened.key.as_ref());
        if let Some(packing) = packing.filter(|_| listing || !file.is_empty()) {
            if listing {
                let all =
                    browse::list_archive(&opened.store, &opened.describe, &opened.key, packing)
                        .await
                        .map_err(|e| not_found_or(e, at.name, failed))?;
                return Ok(ArtifactFile::Listing(below(all, file)));
            }
            let found = browse::open_in_archive(
                &opened.store,
                &opened.describe,
                &opened.key,
                packing,
                file,
            )
            .await
            .map_err(|e| not_found_or(e, at.name, failed))?;
            let Some(found) = found else {
                return Err(ControllerError::ObjectNotFound(format!(
                    "artifact '{}' has no file {file:?}",
                    at.name
                )));
            };
            let file_name = file.rsplit('/').next().unwrap_or(file).to_string();
            return Ok(ArtifactFile::Object(ArtifactObject {
                file_name,
                size: found.size,
                part: Part::Whole,
                body: found.body,
            }));
        }
        let key = if file.is_empty() {
            opened.key.clone()
        } else {
            artifacts::store::key(&format!("{}/{file}", opened.key)).map_err(failed)?
        };
        let target = Opened { store: opened.store.clone(), key, describe: opened.describe };
        if listing {
            let all = browse::list_prefix(&target.store, &target.describe, &target.key)
                .await
                .map_err(failed)?;
            if !all.files.is_empty() {
                return Ok(ArtifactFile::Listing(all));
            }
        }
        match whole_or_part(&target, at.name, span).await {
            Ok(object) if listing => {
                // A single file lists as itself.
                let path = object.file_name.clone();
                let files = vec![browse::ListedFile { path, size: object.size }];
                Ok(ArtifactFile::Listing(Listing { files, truncated: false }))
            }
            Ok(object) => Ok(ArtifactFile::Object(object)),
            Err(ControllerError::ObjectNotFound(m)) if !listing => {
                let under = browse::list_prefix(&target.store, &target.describe, &target.key)
                    .await
                    .map_err(failed)?;
                if under.files.is_empty() {
                    Err(ControllerError::ObjectNotFound(m))
                } else {
                    Ok(ArtifactFile::Directory)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The artifact's status entry and its store, opened with the
    /// namespace's secrets.
    async fn open_artifact(
        &self,
        at: ArtifactRef<'_>,
    ) -> Result<(Artifact, Opened), ControllerError> {
        let row = self.artifact_row(at.workflow).await?;
        let status = row.typed_status()?;
        let a = located(&status, &row.name, at)?;
        let access = self.store_access(&row.namespace, &[&a.location]).await?;
        let opened = artifacts::store::open(&a.location, &access.context())
            .map_err(|e| ControllerError::Invalid(format!("artifact '{}': {e}", at.name)))?;
        Ok((a, opened))
    }

    async fn artifact_row(&self, w: WorkflowRef<'_>) -> Result<WorkflowRow, ControllerError> {
        match w {
            WorkflowRef::Name { namespace, name } => self.row(namespace, name).await,
            WorkflowRef::Uid { namespace, uid } => {
                let row = self.inner.store.workflow_by_uid(uid).await?;
                row.filter(|r| namespace.is_none_or(|ns| r.namespace == ns))
                    .ok_or_else(|| ControllerError::NotFound(uid.to_string()))
            }
        }
    }
}

/// The listing's files under `dir` (all of them for an empty `dir`), with
/// paths relative to it.
fn below(all: Listing, dir: &str) -> Listing {
    if dir.is_empty() {
        return all;
    }
    let prefix = format!("{dir}/");
    let files = all
        .files
        .into_iter()
        .filter_map(|mut f| {
            f.path = f.path.strip_prefix(&prefix)?.to_string();
            Some(f)
        })
        .collect();
    Listing { files, truncated: all.truncated }
}

fn not_found_or(
    e: artifacts::ArtifactError,
    name: &str,
    otherwise: impl Fn(artifacts::ArtifactError) -> ControllerError,
) -> ControllerError {
    match e {
        e @ artifacts::ArtifactError::NotFound { .. } => {
            ControllerError::ObjectNotFound(format!("artifact '{name}': {e}"))
        }
        e => otherwise(e),
    }
}

/// The object at `opened`'s key, whole or the `span` of it.
async fn whole_or_part(
    opened: &Opened,
    name: &str,
    span: Span,
) -> Result<ArtifactObject, ControllerError> {
    let missing = || {
        ControllerError::ObjectNotFound(format!(
            "artifact '{name}': nothing at key {:?} in {}",
            opened.key.as_ref(),
            opened.describe
        ))
    };
    let failed = |e| {
        ControllerError::Invalid(format!(
            "artifact '{name}': {}",
            artifacts::store::store_error(&opened.describe, e)
        ))
    };
    let file_name = opened.key.filename().unwrap_or(name).to_string();
    let mut options = GetOptions::default();
    let mut part = Part::Whole;
    if span != Span::Whole {
        let meta = match opened.store.head(&opened.key).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => return Err(missing()),
            Err(e) => return Err(failed(e)),
        };
        let Some(range) = span.within(meta.size) else {
            let body = futures_util::stream::empty().boxed();
            let part = Part::Unsatisfiable;
            return Ok(ArtifactObject { file_name, size: meta.size, part, body });
        };
        options.range = Some(GetRange::Bounded(range.clone()));
        part = Part::Range(range);
    }
    let got = match opened.store.get_opts(&opened.key, options).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { .. }) => return Err(missing()),
        Err(e) => return Err(failed(e)),
    };
    let size = got.meta.size;
    let body = got.into_stream().map_err(std::io::Error::other).boxed();
    Ok(ArtifactObject { file_name, size, part, body })
}

/// The artifact as the status records it, with a complete location.
fn located(
    status: &WorkflowStatus,
    workflow: &str,
    at: ArtifactRef<'_>,
) -> Result<Artifact, ControllerError> {
    let (node, name) = (at.node, at.name);
    let by_pod = || {
        status.nodes.values().find(|n| {
            let template = n.template_name.as_deref().unwrap_or_default();
            engine::status::pod_name(workflow, &n.name, template) == node
        })
    };
    let n = status
        .nodes
        .get(node)
        .or_else(by_pod)
        .ok_or_else(|| ControllerError::ObjectNotFound(format!("node {node:?} not found")))?;
    let list = match at.side {
        Side::Outputs => n.outputs.as_ref().map(|o| &o.artifacts),
        Side::Inputs => n.inputs.as_ref().map(|i| &i.artifacts),
    };
    let mut a = list.and_then(|l| l.iter().find(|a| a.name == name)).cloned().ok_or_else(|| {
        ControllerError::ObjectNotFound(format!("artifact {name:?} not found on node {node:?}"))
    })?;
    if a.location.is_key_only() {
        let repository = status
            .artifact_repository_ref
            .as_ref()
            .and_then(|r| r.artifact_repository.clone())
            .unwrap_or_else(engine::spec::ArtifactRepository::builtin);
        a.location = repository.relocate(&a.location);
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_fall_within_the_object_or_are_unsatisfiable() {
        assert_eq!(Span::Whole.within(10), Some(0..10));
        assert_eq!(Span::Whole.within(0), Some(0..0));
        assert_eq!(Span::From(4).within(10), Some(4..10));
        assert_eq!(Span::From(10).within(10), None);
        assert_eq!(Span::Last(3).within(10), Some(7..10));
        assert_eq!(Span::Last(30).within(10), Some(0..10));
        assert_eq!(Span::Between(2, 4).within(10), Some(2..5));
        assert_eq!(Span::Between(8, 400).within(10), Some(8..10));
        assert_eq!(Span::Between(12, 14).within(10), None);
        assert_eq!(Span::Last(0).within(10), None);
    }

    #[test]
    fn a_listing_below_a_directory_is_relative_to_it() {
        let file = |p: &str| browse::ListedFile { path: p.into(), size: 1 };
        let all = Listing {
            files: vec![file("out/a"), file("out/d/b"), file("other")],
            truncated: false,
        };
        let paths: Vec<_> = below(all, "out").files.into_iter().map(|f| f.path).collect();
        assert_eq!(paths, ["a", "d/b"]);
    }
}
