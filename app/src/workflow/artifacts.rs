//! A node's input and output artifacts in its panel: name, store, key and
//! size, a download link, and a preview — of the file itself, or for a
//! `.tgz`/`.zip` or a directory the list of its files, any of which can
//! be previewed in turn (Argo's UI cannot look inside a `.tgz`). Previews
//! are framed from `/artifact-files/`, which the server sends under a
//! content policy that allows no scripts; the frame is sandboxed too.

use engine::spec::Artifact;
use engine::status::NodeStatus;
use leptos::prelude::*;

use super::Run;
use crate::api::{ArtifactPaths, ArtifactSide, FileListing, human_size};

/// What the preview frame shows.
#[derive(Debug, Clone, PartialEq)]
struct Preview {
    title: String,
    src: String,
}

/// One artifact as the panel lists it.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    side: ArtifactSide,
    store: String,
    key: String,
    /// Served by the server (a keyed store: the built-in one, S3, GCS,
    /// Azure); `http`/`git`/`raw` inputs are not, nor what garbage
    /// collection deleted.
    served: bool,
    /// Deleted by artifact garbage collection.
    deleted: bool,
    /// A `.tgz` or `.zip`: its files can be listed.
    archive: bool,
    paths: ArtifactPaths,
}

impl Entry {
    fn new(run: Run, node: &str, a: &Artifact, side: ArtifactSide) -> Entry {
        let l = &a.location;
        let store = l.kind().map(|k| k.field()).unwrap_or("—");
        let store = match (store, l.s3.as_ref().and_then(|s| s.bucket.bucket.clone())) {
            ("builtin", _) => "built-in".to_string(),
            (s, Some(bucket)) if !bucket.is_empty() => format!("{s} {bucket}"),
            (s, _) => s.to_string(),
        };
        let key = l.key().map(str::to_string).or_else(|| l.http.as_ref().map(|h| h.url.clone()));
        let key = key.or_else(|| l.git.as_ref().map(|g| g.repo.clone())).unwrap_or_default();
        let lower = key.to_ascii_lowercase();
        let (namespace, workflow) = (run.namespace.get_value(), run.name.get_value());
        Entry {
            name: a.name.clone(),
            side,
            store,
            served: l.key().is_some() && a.deleted != Some(true),
            deleted: a.deleted == Some(true),
            archive: [".tgz", ".tar.gz", ".zip"].iter().any(|e| lower.ends_with(e)),
            paths: ArtifactPaths::new(&namespace, &workflow, node, &a.name, side),
            key,
        }
    }
}

#[component]
pub fn Artifacts(run: Run, node: NodeStatus) -> impl IntoView {
    let mut entries: Vec<Entry> = Vec::new();
    for a in node.inputs.iter().flat_map(|i| &i.artifacts) {
        entries.push(Entry::new(run, &node.id, a, ArtifactSide::Inputs));
    }
    for a in node.outputs.iter().flat_map(|o| &o.artifacts) {
        entries.push(Entry::new(run, &node.id, a, ArtifactSide::Outputs));
    }
    if entries.is_empty() {
        return ().into_any();
    }
    let preview = RwSignal::new(None::<Preview>);
    view! {
        <section class="artifacts" aria-label="artifacts">
            <h3>"Artifacts"</h3>
            <ul class="artifact-list">
                {entries.into_iter().map(|entry| view! { <Row entry preview/> }).collect_view()}
            </ul>
            {move || {
                preview
                    .get()
                    .map(|p| {
                        view! {
                            <figure class="preview">
                                <figcaption>
                                    <span>{p.title.clone()}</span>
                                    <button class="linklike" on:click=move |_| preview.set(None)>
                                        "Close"
                                    </button>
                                </figcaption>
                                <iframe sandbox="" src=p.src title=format!("preview of {}", p.title)></iframe>
                            </figure>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Row(entry: Entry, preview: RwSignal<Option<Preview>>) -> impl IntoView {
    // The object's size (`None` until known; `Some(None)`: not one object,
    // a directory stored file by file).
    let size = RwSignal::new(None::<Option<u64>>);
    let files = RwSignal::new(None::<Result<FileListing, String>>);
    #[cfg(feature = "hydrate")]
    if entry.served {
        let paths = entry.paths.clone();
        leptos::task::spawn_local(async move {
            size.set(Some(crate::api::object_size(&paths).await));
        });
    }
    let side = match entry.side {
        ArtifactSide::Inputs => "input",
        ArtifactSide::Outputs => "output",
    };
    let shown_size = move || match size.get() {
        Some(Some(bytes)) => human_size(bytes),
        Some(None) => "directory".to_string(),
        None => String::new(),
    };
    let (paths, name) = (entry.paths.clone(), entry.name.clone());
    let show = move |_| {
        preview.set(Some(Preview { title: name.clone(), src: paths.files.clone() }));
    };
    let paths = entry.paths.clone();
    let list = move |_| {
        files.set(Some(Ok(FileListing::default())));
        #[cfg(feature = "hydrate")]
        {
            let paths = paths.clone();
            leptos::task::spawn_local(async move {
                files.set(Some(crate::api::list_files(&paths).await));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &paths;
    };
    let archive = entry.archive;
    let listable = move || archive || size.get() == Some(None);
    let viewable = move || !archive && matches!(size.get(), Some(Some(_)));
    let download = entry.paths.download.clone();
    let actions = entry.served.then(|| {
        view! {
            <div class="artifact-actions">
                <a href=download download="">"Download"</a>
                <Show when=viewable>
                    <button class="linklike" on:click=show.clone()>"Preview"</button>
                </Show>
                <Show when=listable>
                    <button class="linklike" on:click=list.clone()>"Files"</button>
                </Show>
            </div>
        }
    });
    let (paths, name) = (entry.paths.clone(), entry.name.clone());
    view! {
        <li class="artifact" data-artifact=entry.name.clone() data-side=side>
            <div class="artifact-head">
                <strong>{entry.name.clone()}</strong>
                <span class="chip">{side}</span>
                <span class="chip">{entry.store.clone()}</span>
                {entry.deleted.then(|| view! { <span class="chip" title="deleted by artifact garbage collection">"deleted"</span> })}
                <span class="size">{shown_size}</span>
            </div>
            <code class="key">{entry.key.clone()}</code>
            {actions}
            {move || {
                files.get().map(|listing| match listing {
                    Err(m) => view! { <p class="error">{m}</p> }.into_any(),
                    Ok(listing) => file_list(listing, &paths, &name, preview).into_any(),
                })
            }}
        </li>
    }
}

fn file_list(
    listing: FileListing,
    paths: &ArtifactPaths,
    name: &str,
    preview: RwSignal<Option<Preview>>,
) -> impl IntoView {
    let truncated = listing.truncated;
    let items = listing
        .files
        .into_iter()
        .map(|f| {
            let src = paths.file(&f.path);
            let title = format!("{name}: {}", f.path);
            let open =
                move |_| preview.set(Some(Preview { title: title.clone(), src: src.clone() }));
            view! {
                <li>
                    <button class="linklike" on:click=open>{f.path.clone()}</button>
                    <span class="size">{human_size(f.size)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="files" aria-label=format!("files of {name}")>{items}</ul>
        {truncated.then(|| view! { <p class="hint">"Only the first files are listed."</p> })}
    }
}
