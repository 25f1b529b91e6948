//! Templates: the list of the namespace's WorkflowTemplates and the
//! ClusterWorkflowTemplates (found by name or description, a page at a
//! time), and each one's own page (`page`) with its submit form (`form`).

mod form;
mod page;

use leptos::prelude::*;

pub use page::{ClusterTemplatePage, TemplatePage};

use crate::api::{List, TemplateInfo, WorkflowTemplate};

/// Rows of the list shown at once.
const PAGE: usize = 50;

/// A template's own page: `/templates/NS/NAME`, or for a cluster
/// template `/cluster-templates/NAME?namespace=NS` (the namespace its
/// runs go to).
pub fn page_href(ns: &str, name: &str, cluster: bool) -> String {
    use crate::api::encode;
    if cluster {
        format!("/cluster-templates/{}?namespace={}", encode(name), encode(ns))
    } else {
        format!("/templates/{}/{}", encode(ns), encode(name))
    }
}

#[component]
pub fn Templates() -> impl IntoView {
    let namespace = crate::namespace::current();
    // `/templates?template=NAME&param=value…` (the form of a template
    // link that names it in the query) goes to the template's page with
    // the values.
    let query = leptos_router::hooks::use_query_map();
    if let Some(to) =
        query.with_untracked(|q| old_link(q, &crate::namespace::current_one().get_untracked()))
    {
        return view! { <leptos_router::components::Redirect path=to/> }.into_any();
    }
    view! {
        <h1>"Templates"</h1>
        {move || {
            let ns = namespace.get();
            if ns == crate::namespace::ALL {
                return crate::namespace::pick_one("Templates");
            }
            let paths = vec![
                crate::api::templates_path(&ns),
                crate::api::CLUSTER_TEMPLATES.to_string(),
            ];
            type Answers = (List<WorkflowTemplate>, List<WorkflowTemplate>);
            crate::load::page(paths, move |(own, cluster): Answers| {
                let ns = ns.clone();
                view! { <TemplateList own cluster ns/> }
            })
            .into_any()
        }}
    }
    .into_any()
}

/// Where `/templates?template=NAME&…` goes: the template's page, with
/// the other values (not the namespace, which its path holds).
fn old_link(query: &leptos_router::params::ParamsMap, ns: &str) -> Option<String> {
    let name = query.get("template")?;
    use crate::api::encode;
    let values: Vec<String> = query
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_ref(), "template" | "namespace"))
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let page = page_href(ns, &name, false);
    Some(if values.is_empty() { page } else { format!("{page}?{}", values.join("&")) })
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Listed {
    name: String,
    cluster: bool,
    entrypoint: String,
    parameters: String,
    description: String,
    href: String,
}

impl Listed {
    fn of(t: TemplateInfo, ns: &str) -> Listed {
        Listed {
            href: page_href(ns, &t.name, t.cluster),
            parameters: t.parameters.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
            name: t.name,
            cluster: t.cluster,
            entrypoint: t.entrypoint,
            description: t.description,
        }
    }

    /// Whether `query` (lower case) is in its name or description.
    fn matches(&self, query: &str) -> bool {
        query.is_empty()
            || self.name.to_lowercase().contains(query)
            || self.description.to_lowercase().contains(query)
    }
}

/// The namespace's WorkflowTemplates (`own`), then the
/// ClusterWorkflowTemplates: a find box and pages of [`PAGE`].
#[component]
fn TemplateList(
    own: List<WorkflowTemplate>,
    cluster: List<WorkflowTemplate>,
    ns: String,
) -> impl IntoView {
    let own = own.items.iter().filter_map(|t| TemplateInfo::of(t, false));
    let cluster = cluster.items.iter().filter_map(|t| TemplateInfo::of(t, true));
    let all: Vec<Listed> = own.chain(cluster).map(|t| Listed::of(t, &ns)).collect();
    let total = all.len();
    let all = StoredValue::new(all);
    let query = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);
    let found = Memo::new(move |_| {
        let q = query.get();
        all.with_value(|all| all.iter().filter(|t| t.matches(&q)).cloned().collect::<Vec<_>>())
    });
    let rows = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        let start = page.get() * PAGE;
        rows.set(found.with(|f| f.iter().skip(start).take(PAGE).cloned().collect()));
    });
    // The first page as the server renders it (the effect runs in the
    // browser only).
    rows.set(found.with_untracked(|f| f.iter().take(PAGE).cloned().collect()));
    let shown = move || {
        let n = found.with(Vec::len);
        let start = page.get() * PAGE;
        match n {
            0 if total == 0 => "No templates.".to_string(),
            0 => "No template matches.".to_string(),
            _ => format!("{}–{} of {n}", start + 1, (start + PAGE).min(n)),
        }
    };
    // (Outside the markup: a `>=` there would end the tag.)
    let at_end = move || (page.get() + 1) * PAGE >= found.with(Vec::len);
    view! {
        <p>
            <input
                type="search"
                placeholder="Find templates (name, description)"
                aria-label="find templates"
                on:input=move |ev| {
                    query.set(event_target_value(&ev).to_lowercase());
                    page.set(0);
                }
            />
        </p>
        <crate::widgets::Table
            class="templates"
            headers=&["Name", "Entrypoint", "Parameters", "Description"]
            rows
            row=|t: Listed| {
                view! {
                    <tr data-name=t.name.clone() data-cluster=t.cluster.to_string()>
                        <td>
                            <a href=t.href>{t.name.clone()}</a>
                            {t.cluster.then(|| view! { " " <span class="chip">"cluster-wide"</span> })}
                        </td>
                        <td>{t.entrypoint}</td>
                        <td>{t.parameters}</td>
                        <td>{t.description}</td>
                    </tr>
                }
            }
        />
        <p class="pager">
            <button
                type="button"
                disabled=move || page.get() == 0
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
            >
                "Previous"
            </button>
            " "
            <span role="status">{shown}</span>
            " "
            <button
                type="button"
                disabled=at_end
                on:click=move |_| page.update(|p| *p += 1)
            >
                "Next"
            </button>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_found_by_name_or_description_and_links_to_its_page() {
        let t = Listed {
            name: "nightly-Build".into(),
            cluster: false,
            entrypoint: "main".into(),
            parameters: String::new(),
            description: "Builds the images every night".into(),
            href: page_href("team a", "nightly-Build", false),
        };
        assert!(t.matches(""));
        assert!(t.matches("build"));
        assert!(t.matches("images"));
        assert!(!t.matches("deploy"));
        assert_eq!(t.href, "/templates/team%20a/nightly-Build");
        assert_eq!(page_href("ci", "shared", true), "/cluster-templates/shared?namespace=ci");
        let mut q = leptos_router::params::ParamsMap::new();
        q.insert("namespace", "ci".to_string());
        q.insert("template", "build".to_string());
        q.insert("image-tag", "v 2".to_string());
        assert_eq!(old_link(&q, "ci").as_deref(), Some("/templates/ci/build?image-tag=v%202"));
        assert_eq!(old_link(&leptos_router::params::ParamsMap::new(), "ci"), None);
    }
}
