//! A template's submit form, made from its `spec.arguments.parameters`
//! — `enum` → a select, `description` → help text, defaults filled in,
//! `?param=value` in the page's URL filling it in — and the graph of its
//! entrypoint before it runs. Submitting goes straight to the new run's
//! page, followed live; a viewer sees no Submit button.

use leptos::prelude::*;

use crate::api::{ParameterInfo, TemplateInfo};

/// One template's submit form and its graph.
#[component]
pub fn SubmitForm(
    template: TemplateInfo,
    can_submit: bool,
    ns: StoredValue<String>,
) -> impl IntoView {
    // `?param=value…` on the template's page fills this form in: a link
    // to run it with given values (read on the server and in the browser
    // alike, so both render the same values).
    let query = leptos_router::hooks::use_query_map();
    let given = query.get_untracked();
    let fields: Vec<(ParameterInfo, RwSignal<String>)> = template
        .parameters
        .iter()
        .map(|p| {
            let value = given.get(&p.name).unwrap_or_else(|| p.value.clone());
            (p.clone(), RwSignal::new(value))
        })
        .collect();
    let link_fields = fields.clone();
    let page = super::page_href(&ns.get_value(), &template.name, template.cluster);
    let share = move || {
        let values: Vec<String> = link_fields
            .iter()
            .map(|(p, v)| {
                format!("{}={}", crate::api::encode(&p.name), crate::api::encode(&v.get()))
            })
            .collect();
        let join = if page.contains('?') { '&' } else { '?' };
        format!("{page}{join}{}", values.join("&"))
    };
    let form = Form {
        values: StoredValue::new(fields.clone()),
        entrypoint: RwSignal::new(template.entrypoint.clone()),
        labels: RwSignal::new(String::new()),
        extra: RwSignal::new(String::new()),
        default_entry: StoredValue::new(template.entrypoint.clone()),
        cluster: template.cluster,
        files: StoredValue::new(
            template.artifacts.iter().map(|a| (a.clone(), NodeRef::new())).collect(),
        ),
    };
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name = template.name.clone();
    let navigate = leptos_router::hooks::use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let choice = match form.choice() {
            Ok(choice) => choice,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        let (name, navigate) = (name.clone(), navigate.clone());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let ns = ns.get_value();
            let mut choice = choice;
            // Each chosen file first: the submission names their keys.
            match upload_chosen(&ns, &name, form.files.get_value()).await {
                Ok(uploaded) => choice.artifacts = uploaded,
                Err(m) => {
                    error.set(Some(m));
                    busy.set(false);
                    return;
                }
            }
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
    let cluster = template.cluster;
    let entry = if template.entrypoint.is_empty() {
        String::new()
    } else {
        format!("entrypoint: {}", template.entrypoint)
    };
    view! {
        <section class="template" data-template=template.name.clone() data-cluster=cluster.to_string()>
            <h2>"Submit"</h2>
            <p class="hint">{entry}</p>
            <form class="submit" method="post" aria-label=heading on:submit=on_submit>
                {fields
                    .into_iter()
                    .map(|(p, value)| view! { <ParameterField parameter=p value/> })
                    .collect_view()}
                {form
                    .files
                    .get_value()
                    .into_iter()
                    .map(|(artifact, input)| {
                        view! {
                            <label>
                                {format!("{artifact} (artifact)")}
                                <input type="file" name=artifact node_ref=input/>
                                <small class="hint">"A file to use instead of the template's; none: the template's."</small>
                            </label>
                        }
                    })
                    .collect_view()}
                <EntrypointField
                    entrypoint=form.entrypoint
                    choices=template.templates.clone()
                    default=template.entrypoint.clone()
                />
                <label>
                    "more parameters"
                    <textarea
                        name="more-parameters"
                        rows="2"
                        spellcheck="false"
                        placeholder="name=value, one a line"
                        prop:value=move || form.extra.get()
                        on:input=move |ev| form.extra.set(event_target_value(&ev))
                    ></textarea>
                    <small class="hint">"Parameters the template does not declare (Argo adds them)."</small>
                </label>
                <crate::widgets::TextField
                    label="labels"
                    name="labels"
                    value=form.labels
                    placeholder="team=data,env=test"
                    help="Added to the workflow, comma-separated key=value."
                />
                {crate::load::alert(error)}
                <SubmitButton can_submit busy/>
                <a class="share" href=share>"Link to these values"</a>
            </form>
            <TemplatePreview name=template.name.clone() drawing=template.preview.clone()/>
        </section>
    }
}

/// What a template's submit form holds.
#[derive(Clone, Copy)]
struct Form {
    values: StoredValue<Vec<(ParameterInfo, RwSignal<String>)>>,
    entrypoint: RwSignal<String>,
    labels: RwSignal<String>,
    /// Parameters the template does not declare, `name=value` a line.
    extra: RwSignal<String>,
    /// The template's own entrypoint (chosen: none is sent).
    default_entry: StoredValue<String>,
    cluster: bool,
    /// A file field for each argument artifact (uploaded when the form
    /// is sent).
    files: StoredValue<Vec<(String, NodeRef<leptos::html::Input>)>>,
}

impl Form {
    /// The submission the form says, or why it cannot be sent.
    fn choice(self) -> Result<crate::api::Submission, String> {
        let (parameters, missing) = self.values.with_value(|values| {
            let parameters: Vec<(String, String)> =
                values.iter().map(|(p, v)| (p.name.clone(), v.get_untracked())).collect();
            // The browser checks `required` too; this also covers a value
            // of spaces only.
            let missing: Vec<String> = values
                .iter()
                .filter(|(p, v)| p.required && v.get_untracked().trim().is_empty())
                .map(|(p, _)| p.name.clone())
                .collect();
            (parameters, missing)
        });
        if !missing.is_empty() {
            return Err(format!("a value is needed for {}", missing.join(", ")));
        }
        let mut parameters = parameters;
        for line in self.extra.get_untracked().lines().map(str::trim).filter(|l| !l.is_empty()) {
            let Some((k, v)) = line.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
                return Err(format!("more parameters: {line:?} is not name=value"));
            };
            parameters.push((k.trim().to_string(), v.to_string()));
        }
        let chosen = self.entrypoint.get_untracked();
        let default = self.default_entry.with_value(|d| chosen == *d);
        Ok(crate::api::Submission {
            cluster: self.cluster,
            parameters,
            entrypoint: if default { String::new() } else { chosen },
            labels: self.labels.get_untracked(),
            artifacts: Vec::new(),
        })
    }
}

/// The entrypoint to run: one of the template's templates, its own
/// chosen at first.
#[component]
fn EntrypointField(
    entrypoint: RwSignal<String>,
    choices: Vec<String>,
    default: String,
) -> impl IntoView {
    view! {
        <label>
            "entrypoint"
            <select
                name="entrypoint"
                prop:value=move || entrypoint.get()
                on:change=move |ev| entrypoint.set(event_target_value(&ev))
            >
                {choices
                    .into_iter()
                    .map(|t| {
                        let selected = t == default;
                        view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Submit, or (a viewer) why there is no Submit button.
#[component]
fn SubmitButton(can_submit: bool, busy: RwSignal<bool>) -> impl IntoView {
    if can_submit {
        view! { <button type="submit" disabled=move || busy.get()>"Submit"</button> }.into_any()
    } else {
        view! { <p class="hint">"Submitting needs the editor role."</p> }.into_any()
    }
}

/// The graph of the template's entrypoint before anything runs.
#[component]
fn TemplatePreview(name: String, drawing: engine::graph::Drawing) -> impl IntoView {
    let preview_label: &'static str = "template graph";
    let preview = crate::graph::Source {
        drawing: Signal::stored(drawing),
        state: Callback::new(|_key: String| crate::graph::BoxState::default()),
        changed: Signal::stored(Vec::new()),
        selected: Signal::stored(None),
        pick: Callback::new(|_| {}),
    };
    view! {
        <crate::graph::Graph
            source=preview
            label=preview_label
            class="preview"
            scope=format!("preview-{name}")
        />
    }
}

/// One parameter: a select for an `enum`, a text field otherwise; the
/// description as its help.
#[component]
fn ParameterField(parameter: ParameterInfo, value: RwSignal<String>) -> impl IntoView {
    let help = (!parameter.description.is_empty()).then(|| {
        view! { <small class="hint">{parameter.description.clone()}</small> }
    });
    // A long or multi-line value (a script, a JSON document) gets room.
    let long = value.with_untracked(|v| v.contains('\n') || v.len() > 60);
    let input = if parameter.choices.is_empty() && long {
        let rows = value.with_untracked(|v| v.lines().count().clamp(3, 12));
        view! {
            <textarea
                name=parameter.name.clone()
                required=parameter.required
                rows=rows
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            >
                {value.get_untracked()}
            </textarea>
        }
        .into_any()
    } else if parameter.choices.is_empty() {
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

/// Upload the file chosen in each artifact field: (artifact, key) each.
#[cfg(feature = "hydrate")]
async fn upload_chosen(
    ns: &str,
    name: &str,
    fields: Vec<(String, NodeRef<leptos::html::Input>)>,
) -> Result<Vec<(String, String)>, String> {
    let mut uploaded = Vec::new();
    for (artifact, input) in fields {
        let file = input.get_untracked().and_then(|i| i.files()).and_then(|f| f.get(0));
        if let Some(file) = file {
            let key = crate::api::upload_artifact(ns, name, &artifact, &file).await?;
            uploaded.push((artifact, key));
        }
    }
    Ok(uploaded)
}

#[cfg(not(feature = "hydrate"))]
async fn upload_chosen(
    _ns: &str,
    _name: &str,
    _fields: Vec<(String, NodeRef<leptos::html::Input>)>,
) -> Result<Vec<(String, String)>, String> {
    Err("uploading needs the page's script".into())
}

#[cfg(not(feature = "hydrate"))]
async fn submit(
    _ns: &str,
    _name: &str,
    _choice: &crate::api::Submission,
) -> Result<String, String> {
    Err("submitting needs the page's script".into())
}
