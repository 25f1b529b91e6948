//! The templates page: the namespace's WorkflowTemplates and the
//! ClusterWorkflowTemplates, each with a
//! submit form made from its `spec.arguments.parameters` — `enum` → a
//! select, `description` → help text, defaults filled in — and the graph
//! of its entrypoint before it runs. Submitting goes straight to the new
//! run's page, followed live; a viewer sees no Submit button.

use leptos::prelude::*;

use crate::api::{List, Me, TemplateInfo, WorkflowTemplate};

#[component]
pub fn Templates() -> impl IntoView {
    let namespace = crate::namespace::current();
    view! {
        <h1>"Templates"</h1>
        {move || {
            let ns = namespace.get();
            let paths = vec![
                crate::api::USERINFO.to_string(),
                crate::api::templates_path(&ns),
                crate::api::CLUSTER_TEMPLATES.to_string(),
            ];
            type Answers = (Me, List<WorkflowTemplate>, List<WorkflowTemplate>);
            crate::load::page(paths, move |(me, own, cluster): Answers| {
                let ns = ns.clone();
                view! { <TemplateList me own cluster ns/> }
            })
        }}
    }
}

/// The namespace's WorkflowTemplates (`own`), then the
/// ClusterWorkflowTemplates, for the user.
#[component]
fn TemplateList(
    me: Me,
    own: List<WorkflowTemplate>,
    cluster: List<WorkflowTemplate>,
    ns: String,
) -> impl IntoView {
    // Viewers see no Submit button.
    let can_submit = me.can_edit(&ns);
    let own = own.items.iter().filter_map(|t| TemplateInfo::of(t, false));
    let cluster = cluster.items.iter().filter_map(|t| TemplateInfo::of(t, true));
    let templates: Vec<TemplateInfo> = own.chain(cluster).collect();
    let ns = StoredValue::new(ns);
    view! {
        {templates.is_empty().then(|| view! { <p class="hint">"No templates."</p> })}
        {templates
            .into_iter()
            .map(|t| view! { <SubmitForm template=t can_submit ns/> })
            .collect_view()}
    }
}

#[component]
fn SubmitForm(template: TemplateInfo, can_submit: bool, ns: StoredValue<String>) -> impl IntoView {
    let fields: Vec<(crate::api::ParameterInfo, RwSignal<String>)> =
        template.parameters.iter().map(|p| (p.clone(), RwSignal::new(p.value.clone()))).collect();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = template.name.clone();
    let values = fields.clone();
    let navigate = leptos_router::hooks::use_navigate();
    let entrypoint = RwSignal::new(template.entrypoint.clone());
    let labels = RwSignal::new(String::new());
    let default_entry = template.entrypoint.clone();
    let cluster = template.cluster;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parameters: Vec<(String, String)> =
            values.iter().map(|(p, v)| (p.name.clone(), v.get_untracked())).collect();
        // The browser checks `required` too; this also covers a value of
        // spaces only.
        let missing: Vec<&str> = values
            .iter()
            .filter(|(p, v)| p.required && v.get_untracked().trim().is_empty())
            .map(|(p, _)| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            error.set(Some(format!("a value is needed for {}", missing.join(", "))));
            return;
        }
        let chosen = entrypoint.get_untracked();
        let choice = crate::api::Submission {
            cluster,
            parameters,
            entrypoint: if chosen == default_entry { String::new() } else { chosen },
            labels: labels.get_untracked(),
        };
        let (name, navigate) = (name.clone(), navigate.clone());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let ns = ns.get_value();
            match submit(&ns, &name, &choice).await {
                Ok(workflow) => {
                    navigate(&format!("/workflows/{ns}/{workflow}"), Default::default())
                }
                Err(m) => error.set(Some(m)),
            }
            busy.set(false);
        });
    };
    let heading = format!("Submit {}", template.name);
    let preview_label: &'static str = "template graph";
    let preview = crate::graph::Source {
        drawing: Signal::stored(template.preview.clone()),
        phase: Callback::new(|_key: String| String::new()),
        changed: Signal::stored(Vec::new()),
        selected: Signal::stored(None),
        pick: Callback::new(|_| {}),
    };
    let entry = if template.entrypoint.is_empty() {
        String::new()
    } else {
        format!("entrypoint: {}", template.entrypoint)
    };
    view! {
        <section class="template" data-template=template.name.clone() data-cluster=cluster.to_string()>
            <h2>
                {template.name.clone()}
                {cluster.then(|| view! { <span class="chip">"cluster-wide"</span> })}
            </h2>
            <p class="hint">{entry}</p>
            <form class="submit" method="post" aria-label=heading on:submit=on_submit>
                {fields
                    .into_iter()
                    .map(|(p, value)| view! { <ParameterField parameter=p value/> })
                    .collect_view()}
                <label>
                    "entrypoint"
                    <select
                        name="entrypoint"
                        prop:value=move || entrypoint.get()
                        on:change=move |ev| entrypoint.set(event_target_value(&ev))
                    >
                        {template
                            .templates
                            .iter()
                            .map(|t| {
                                let selected = *t == template.entrypoint;
                                view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <crate::widgets::TextField
                    label="labels"
                    name="labels"
                    value=labels
                    placeholder="team=data,env=test"
                    help="Added to the workflow, comma-separated key=value."
                />
                {crate::load::alert(error)}
                {if can_submit {
                    view! { <button type="submit" disabled=move || busy.get()>"Submit"</button> }
                        .into_any()
                } else {
                    view! { <p class="hint">"Submitting needs the editor role."</p> }.into_any()
                }}
            </form>
            <crate::graph::Graph
                source=preview
                label=preview_label
                class="preview"
                scope=format!("preview-{}", template.name)
            />
        </section>
    }
}

/// One parameter: a select for an `enum`, a text field otherwise; the
/// description as its help.
#[component]
fn ParameterField(parameter: crate::api::ParameterInfo, value: RwSignal<String>) -> impl IntoView {
    let help = (!parameter.description.is_empty()).then(|| {
        view! { <small class="hint">{parameter.description.clone()}</small> }
    });
    let input = if parameter.choices.is_empty() {
        view! {
            <input
                name=parameter.name.clone()
                required=parameter.required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        }
        .into_any()
    } else {
        let choices = parameter.choices.clone();
        view! {
            <select
                name=parameter.name.clone()
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {choices
                    .into_iter()
                    .map(|c| {
                        let selected = c == value.get_untracked();
                        view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any()
    };
    view! {
        <label>
            {parameter.name.clone()}
            {input}
            {help}
        </label>
    }
}

#[cfg(feature = "hydrate")]
async fn submit(ns: &str, name: &str, choice: &crate::api::Submission) -> Result<String, String> {
    crate::api::submit_template(ns, name, choice).await
}

#[cfg(not(feature = "hydrate"))]
async fn submit(
    _ns: &str,
    _name: &str,
    _choice: &crate::api::Submission,
) -> Result<String, String> {
    Err("submitting needs the page's script".into())
}
