//! A template's own page: what it is for, its submit form and graph, its
//! latest runs, its YAML, and Edit YAML / Delete.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{List, Me, TemplateInfo, WorkflowItem, WorkflowTemplate};

/// `/templates/:namespace/:name`: a WorkflowTemplate.
#[component]
pub fn TemplatePage() -> impl IntoView {
    let params = use_params_map();
    let ns = params.with_untracked(|p| p.get("namespace").unwrap_or_default());
    let name = params.with_untracked(|p| p.get("name").unwrap_or_default());
    view! { <TemplateDetail ns name cluster=false/> }
}

/// `/cluster-templates/:name`: a ClusterWorkflowTemplate, submitted to
/// the page's namespace.
#[component]
pub fn ClusterTemplatePage() -> impl IntoView {
    let params = use_params_map();
    let name = params.with_untracked(|p| p.get("name").unwrap_or_default());
    let ns = crate::namespace::current_one().get_untracked();
    view! { <TemplateDetail ns name cluster=true/> }
}

/// The label Argo puts on the workflows a template submits.
fn runs_label(cluster: bool) -> &'static str {
    if cluster {
        "workflows.argoproj.io/cluster-workflow-template"
    } else {
        "workflows.argoproj.io/workflow-template"
    }
}

#[component]
pub fn TemplateDetail(ns: String, name: String, cluster: bool) -> impl IntoView {
    if !crate::namespace::valid(&ns) || !crate::namespace::valid_object_name(&name) {
        return view! { <p class="error" role="alert">{format!("no template is called {name}")}</p> }
            .into_any();
    }
    let path = if cluster {
        format!("{}/{name}", crate::api::CLUSTER_TEMPLATES)
    } else {
        format!("{}/{name}", crate::api::templates_path(&ns))
    };
    let selector = format!("{}={name}", runs_label(cluster));
    let paths = vec![
        crate::api::USERINFO.to_string(),
        path.clone(),
        crate::runs_of::runs_path(&ns, &selector),
    ];
    type Answers = (Me, serde_json::Value, List<WorkflowItem>);
    view! {
        <h1>
            {name.clone()}
            {cluster.then(|| view! { " " <span class="chip">"cluster-wide"</span> })}
        </h1>
        {crate::load::page(paths, move |(me, object, runs): Answers| {
            let (ns, selector, path) = (ns.clone(), selector.clone(), path.clone());
            view! { <Detail me object runs ns selector path cluster/> }
        })}
    }
    .into_any()
}

/// The page under its heading, once the template and its runs are read.
#[component]
fn Detail(
    me: Me,
    object: serde_json::Value,
    runs: List<WorkflowItem>,
    ns: String,
    selector: String,
    /// The template's API path (what Delete deletes).
    path: String,
    cluster: bool,
) -> impl IntoView {
    let Some(info) = crate::api::read_via_text::<WorkflowTemplate>(&object)
        .and_then(|t| TemplateInfo::of(&t, cluster))
    else {
        return view! { <p class="error" role="alert">"This template cannot be read."</p> }
            .into_any();
    };
    let can_edit = me.can_edit(&ns);
    // A cluster-wide template is changed by editors of every namespace.
    let can_change = if cluster { me.can_edit(crate::namespace::ALL) } else { can_edit };
    let edit_href = if cluster {
        format!("/editor?cluster-template={}", crate::api::encode(&info.name))
    } else {
        format!(
            "/editor?namespace={}&template={}",
            crate::api::encode(&ns),
            crate::api::encode(&info.name)
        )
    };
    let description = (!info.description.is_empty())
        .then(|| view! { <p class="description">{info.description.clone()}</p> });
    let yaml = engine::yaml::to_yaml(&object);
    let copied = yaml.clone();
    let name = info.name.clone();
    let ns_value = StoredValue::new(ns.clone());
    view! {
        {description}
        <div class="actions">
            <a class="edit" href=edit_href aria-label=format!("Edit YAML of {name}")>"Edit YAML"</a>
            <crate::widgets::DeleteObject
                me
                question=format!("Delete the template {name}? Its runs are kept.")
                path
                then=format!("/templates?namespace={}", crate::api::encode(&ns))
                can_edit=can_change
            />
        </div>
        <super::form::SubmitForm template=info can_submit=can_edit ns=ns_value/>
        <crate::runs_of::RunsOf list=runs namespace=ns selector/>
        <section class="yaml-view" aria-label="the template as YAML">
            <details>
                <summary>{format!("YAML ({} lines)", yaml.lines().count())}</summary>
                <p><crate::yaml::CopyButton text=Signal::stored(copied) what="the template"/></p>
                <crate::yaml::Highlighted text=yaml/>
            </details>
        </section>
    }
    .into_any()
}
