//! The namespace the pages show: `?namespace=` in the page's URL
//! (`default` without it) — so a link or a bookmark says it, the server
//! renders it, and Back goes to the previous one. The header's picker
//! changes it (offering the namespaces the user has a role in); the nav
//! links keep it.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// Where workflows go when nobody says otherwise (as Argo).
pub const DEFAULT: &str = "default";

/// Every namespace at once (the workflow list only; for those with a
/// role in `*`, as the server's role bindings write it).
pub const ALL: &str = "*";

/// `namespace` as it goes into an API path: every namespace is none
/// (`/api/v1/workflows/`, as `argo list -A` asks).
pub fn in_path(namespace: &str) -> &str {
    if namespace == ALL { "" } else { namespace }
}

/// The page's namespace: an object's page's own (`/workflows/{ns}/…`,
/// `/templates/{ns}/…`, `/cron-workflows/{ns}/…`), else `?namespace=` if it is a name Kubernetes would accept, else
/// [`DEFAULT`].
pub fn current() -> Memo<String> {
    let query = use_query_map();
    let location = use_location();
    Memo::new(move |_| {
        let path = location.pathname.get();
        let of_object = ["/workflows/", "/templates/", "/cron-workflows/"]
            .iter()
            .find_map(|kind| path.strip_prefix(kind))
            .and_then(|rest| rest.split_once('/'))
            .map(|(ns, _)| ns.to_string());
        of_object
            .or_else(|| query.with(|q| q.get("namespace")))
            .filter(|n| valid(n) || n == ALL)
            .unwrap_or_else(|| DEFAULT.into())
    })
}

/// The namespace to create in: the page's, or [`DEFAULT`] while every
/// namespace is chosen (the editor says where it submits).
pub fn current_one() -> Memo<String> {
    let all = current();
    Memo::new(move |_| {
        let ns = all.get();
        if ns == ALL { DEFAULT.to_string() } else { ns }
    })
}

/// What a page that lists one namespace at a time shows while every
/// namespace is chosen.
pub fn pick_one(what: &'static str) -> AnyView {
    view! {
        <p class="hint" role="status">
            {format!("{what} are listed one namespace at a time: pick one above.")}
        </p>
    }
    .into_any()
}

/// `namespace` in words: every namespace is "every namespace".
pub fn named(namespace: &str) -> &str {
    if namespace == ALL { "every namespace" } else { namespace }
}

/// `?namespace=` when it is not a namespace's name (said on the page
/// rather than silently showing another namespace).
fn refused() -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| q.get("namespace")).filter(|n| !n.is_empty() && !valid(n) && n != ALL)
    })
}

/// Where the picker sends a page at `path`: an object's page names its
/// namespace in its path, so the picker goes to the list of its kind.
fn list_of(path: &str) -> String {
    ["/workflows", "/templates", "/cron-workflows", "/cluster-templates"]
        .into_iter()
        .find(|list| path.strip_prefix(list).is_some_and(|rest| rest.starts_with('/')))
        .map_or_else(
            || path.to_string(),
            |list| if list == "/cluster-templates" { "/templates".into() } else { list.into() },
        )
}

/// A DNS label, as Kubernetes namespaces are.
pub fn valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// A workflow's name as Kubernetes allows it (a DNS subdomain): what a
/// page puts into an API path.
pub fn valid_object_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b))
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
}

/// The query that keeps `namespace` in a link (empty for the default).
pub fn query(namespace: &str) -> String {
    if namespace == DEFAULT { String::new() } else { format!("?namespace={namespace}") }
}

/// The header's namespace field: a plain GET form, so it works before
/// (and without) the page's script — Enter loads the page for the typed
/// namespace. On an object's page (a workflow, a template, a cron
/// workflow) it goes to that namespace's list of them.
#[component]
pub fn Picker() -> impl IntoView {
    let namespace = current();
    let location = use_location();
    let action = move || list_of(&location.pathname.get());
    let refused = refused();
    // The namespaces the signed-in user has a role in, offered as the
    // field is typed in; a role in `*` offers every namespace at once
    // (and leaves the field free for any other).
    // Asked again on the next page while unknown (signed out, then in).
    let known = RwSignal::new(Vec::<String>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        location.pathname.track();
        if known.with_untracked(Vec::is_empty) {
            leptos::task::spawn_local(async move {
                if let Ok(me) = crate::api::me().await {
                    // `*` sorts first: "all namespaces" heads the choices.
                    known.set(me.roles.into_keys().collect());
                }
            });
        }
    });
    view! {
        {move || {
            refused
                .get()
                .map(|n| {
                    view! {
                        <span class="error" role="alert">
                            {format!("“{n}” is not a namespace name: showing {DEFAULT}")}
                        </span>
                    }
                })
        }}
        <form class="namespace" method="get" action=action>
            <label>
                "Namespace "
                <input
                    name="namespace"
                    size="12"
                    autocomplete="off"
                    spellcheck="false"
                    list="known-namespaces"
                    prop:value=move || namespace.get()
                    value=move || namespace.get()
                />
            </label>
            <datalist id="known-namespaces">
                {move || {
                    known
                        .get()
                        .into_iter()
                        .map(|n| {
                            let label = (n == ALL).then_some("all namespaces");
                            view! { <option value=n label=label></option> }
                        })
                        .collect_view()
                }}
            </datalist>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dns_labels_are_namespaces() {
        assert!(valid("default"));
        assert!(valid("team-a1"));
        for bad in ["", "../users", "Team", "a/b", "-a", "a-", &"x".repeat(64)] {
            assert!(!valid(bad), "{bad}");
        }
        assert!(valid_object_name("ci-pipeline-x7k.2"));
        for bad in ["", "a/log", "x&logOptions.follow=true", ".a", "A", "a?b"] {
            assert!(!valid_object_name(bad), "{bad}");
        }
        assert_eq!(query("default"), "");
        assert_eq!(query("ci"), "?namespace=ci");
        assert_eq!(in_path(ALL), "");
        assert_eq!(list_of("/workflows/ci/build-x"), "/workflows");
        assert_eq!(list_of("/templates/ci/build"), "/templates");
        assert_eq!(list_of("/cluster-templates/shared"), "/templates");
        assert_eq!(list_of("/cron-workflows/ci/nightly"), "/cron-workflows");
        assert_eq!(list_of("/templates"), "/templates");
        assert_eq!(list_of("/secrets"), "/secrets");
        assert_eq!(in_path("ci"), "ci");
    }
}
