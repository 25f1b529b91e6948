//! The workflow list: the namespace's (or every namespace's, `*`)
//! workflows with phase, template,
//! start, duration, progress and labels; filters (name prefix, phases,
//! labels, started within) kept in the page's URL; pages of 50 with
//! "More"; kept current live (list, then watch from the list's version,
//! like Argo's UI); and bulk actions on the rows ticked.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{List, ListFilter, Me, WorkflowItem, WorkflowRow};

/// Phases a user can filter on.
const PHASES: [&str; 5] = ["Pending", "Running", "Succeeded", "Failed", "Error"];
/// What bulk actions there are.
const BULK: [(&str, &str); 4] =
    [("stop", "Stop"), ("terminate", "Terminate"), ("retry", "Retry"), ("delete", "Delete")];

#[component]
pub fn Workflows() -> impl IntoView {
    let query = use_query_map();
    let namespace = crate::namespace::current();
    let filter = Memo::new(move |_| query.with(ListFilter::from_query));
    view! {
        <h1>"Workflows"</h1>
        <FilterForm filter namespace/>
        // Each change of namespace or filters lists anew (and the old
        // watch stops at its next message).
        {move || {
            let (ns, f) = (namespace.get(), filter.get());
            let paths = vec![crate::api::USERINFO.to_string(), crate::api::page_path(&ns, &f, None)];
            crate::load::page(paths, move |(me, list): (Me, List<WorkflowItem>)| {
                let (ns, f) = (ns.clone(), f.clone());
                view! { <WorkflowTable me list ns filter=f/> }
            })
        }}
    }
}

/// The first page of the list for the user, kept current from the watch.
#[component]
fn WorkflowTable(
    me: Me,
    list: List<WorkflowItem>,
    ns: String,
    filter: ListFilter,
) -> impl IntoView {
    let (first, next, version) = crate::api::read_page(list);
    let rows = RwSignal::new(first);
    let more = RwSignal::new(next);
    let error = RwSignal::new(None::<String>);
    let ticked = RwSignal::new(BTreeSet::<String>::new());
    let can_edit = me.can_edit(&ns);
    let all = ns == crate::namespace::ALL;
    let ns = StoredValue::new(ns);
    let filter = StoredValue::new(filter);
    #[cfg(not(feature = "hydrate"))]
    let _ = (version, filter);
    #[cfg(feature = "hydrate")]
    {
        // The watch ends with this table (new filters make a new one).
        crate::load::in_browser(error, move || {
            let (ns, f, version) = (ns.get_value(), filter.get_value(), version.clone());
            async move { crate::api::follow_workflows(&ns, &f, &version, rows, more).await }
        });
    }
    let load_more = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(token) = more.get_untracked() {
            let (ns, f) = (ns.get_value(), filter.get_value());
            leptos::task::spawn_local(async move {
                if let Err(e) = crate::api::more_workflows(&ns, &f, &token, rows, more).await {
                    error.set(Some(e));
                }
            });
        }
    };
    view! {
        {crate::load::alert(error)}
        <BulkBar ticked can_edit ns/>
        <PhaseCounts rows/>
        <table class="workflows">
            <thead>
                <tr>
                    <th scope="col">
                        <input
                            type="checkbox"
                            aria-label="select all"
                            prop:checked=move || {
                                let n = rows.with(Vec::len);
                                n > 0 && ticked.with(BTreeSet::len) == n
                            }
                            on:change=move |ev| {
                                let all = event_target_checked(&ev);
                                ticked
                                    .set(
                                        if all {
                                            rows.with(|r| r.iter().map(WorkflowRow::key).collect())
                                        } else {
                                            BTreeSet::new()
                                        },
                                    );
                            }
                        />
                    </th>
                    {all.then(|| view! { <th scope="col">"Namespace"</th> })}
                    <th scope="col">"Name"</th>
                    <th scope="col">"Phase"</th>
                    <th scope="col">"Template"</th>
                    <th scope="col">"Started"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Progress"</th>
                    <th scope="col">"Message"</th>
                    <th scope="col">"Labels"</th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=move || rows.get()
                    key=|r| r.clone()
                    children=move |r| view! { <Row row=r ticked all/> }
                />
            </tbody>
        </table>
        <p class="hint" data-count=move || rows.with(Vec::len)>
            {move || {
                let n = rows.with(Vec::len);
                if n == 0 { "No workflows match.".to_string() } else { format!("{n} shown") }
            }}
        </p>
        {move || {
            more.get()
                .map(|_| view! { <button type="button" on:click=load_more>"More"</button> })
        }}
    }
}

/// How many of the shown workflows are in each phase.
#[component]
fn PhaseCounts(rows: RwSignal<Vec<WorkflowRow>>) -> impl IntoView {
    let counts = move || {
        rows.with(|rows| {
            let mut counts: Vec<(&'static str, usize)> = Vec::new();
            for r in rows {
                let phase = crate::api::phase_name(r.phase);
                match counts.iter_mut().find(|(p, _)| *p == phase) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((phase, 1)),
                }
            }
            counts.sort_by_key(|(p, _)| *p);
            counts
        })
    };
    view! {
        <p class="phase-counts" aria-label="workflows by phase">
            {move || {
                counts()
                    .into_iter()
                    .map(|(phase, n)| {
                        let class = format!("count phase {}", phase.to_lowercase());
                        view! {
                            <span class=class data-phase=phase>
                                <crate::icons::PhaseIcon phase=phase.to_string()/>
                                {format!("{n} {}", phase.to_lowercase())}
                            </span>
                        }
                    })
                    .collect_view()
            }}
        </p>
    }
}

#[component]
fn Row(
    row: WorkflowRow,
    ticked: RwSignal<BTreeSet<String>>,
    /// The list holds every namespace's: each row says its own.
    all: bool,
) -> impl IntoView {
    let name = row.name.clone();
    let key = row.key();
    let check = {
        let key = key.clone();
        move || ticked.with(|t| t.contains(&key))
    };
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        ticked.update(|t| {
            if on {
                t.insert(key.clone());
            } else {
                t.remove(&key);
            }
        });
    };
    let phase = crate::api::phase_name(row.phase);
    let phase_class = format!("phase {}", phase.to_lowercase());
    let href = format!("/workflows/{}/{name}", row.namespace);
    let select_label =
        if all { format!("select {name} in {}", row.namespace) } else { format!("select {name}") };
    let link_text = name.clone();
    let labels = row
        .labels
        .iter()
        .map(|(k, v)| view! { <span class="chip">{format!("{k}={v}")}</span> })
        .collect_view();
    view! {
        <tr data-name=name.clone() data-namespace=row.namespace.clone()>
            <td>
                <input
                    type="checkbox"
                    aria-label=select_label
                    prop:checked=check
                    on:change=toggle
                />
            </td>
            {all.then(|| view! { <td>{row.namespace.clone()}</td> })}
            <td>
                <leptos_router::components::A href=href>{link_text}</leptos_router::components::A>
            </td>
            <td class=phase_class>
                <crate::icons::PhaseIcon phase=phase.to_string()/>
                {phase}
            </td>
            <td>{row.template.clone()}</td>
            <td title=row.started.map(|t| t.to_string()).unwrap_or_default()>
                {crate::time::ago(row.started)}
            </td>
            <td>{crate::time::duration(row.started, row.finished)}</td>
            <td>{row.progress.clone()}</td>
            <td class="message" title=row.message.clone()>{row.message.clone()}</td>
            <td class="labels">{labels}</td>
        </tr>
    }
}

/// The filters, as a form: applying it puts them in the URL (so a
/// filtered list can be bookmarked, and Back undoes a filter).
#[component]
fn FilterForm(filter: Memo<ListFilter>, namespace: Memo<String>) -> impl IntoView {
    let navigate = use_navigate();
    let f = filter.get_untracked();
    let name = RwSignal::new(f.name_prefix.clone());
    let labels = RwSignal::new(f.labels.clone());
    let since = RwSignal::new(f.since.clone());
    let phases = RwSignal::new(f.phases.iter().cloned().collect::<BTreeSet<String>>());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = ListFilter {
            name_prefix: name.get_untracked(),
            labels: labels.get_untracked(),
            since: since.get_untracked(),
            phases: phases.get_untracked().into_iter().collect(),
        };
        navigate(
            &format!("/workflows{}", f.to_query(&namespace.get_untracked())),
            Default::default(),
        );
    };
    view! {
        <form class="filters" aria-label="filter workflows" on:submit=apply>
            // Sent as it is without the script: the namespace goes along.
            {move || {
                let ns = namespace.get();
                (ns != crate::namespace::DEFAULT)
                    .then(|| view! { <input type="hidden" name="namespace" value=ns/> })
            }}
            <crate::widgets::TextField label="Name starts with" name="prefix" value=name/>
            <crate::widgets::TextField
                label="Labels"
                name="labels"
                value=labels
                placeholder="team=data,env!=prod"
            />
            <label>
                "Started within"
                <select
                    name="since"
                    prop:value=move || since.get()
                    on:change=move |ev| since.set(event_target_value(&ev))
                >
                    <option value="">"any time"</option>
                    <option value="1h">"the last hour"</option>
                    <option value="24h">"the last day"</option>
                    <option value="168h">"the last week"</option>
                </select>
            </label>
            <fieldset>
                <legend>"Phases"</legend>
                {PHASES
                    .into_iter()
                    .map(|p| {
                        view! {
                            <label class="inline">
                                <input
                                    type="checkbox"
                                    name="phase"
                                    value=p
                                    prop:checked=move || phases.with(|s| s.contains(p))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        phases
                                            .update(|s| {
                                                if on {
                                                    s.insert(p.to_string());
                                                } else {
                                                    s.remove(p);
                                                }
                                            });
                                    }
                                />
                                {p}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <button type="submit">"Apply"</button>
        </form>
    }
}

/// Actions on the ticked rows, one request each; what failed is said.
#[component]
fn BulkBar(
    ticked: RwSignal<BTreeSet<String>>,
    can_edit: bool,
    ns: StoredValue<String>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let buttons = BULK
        .into_iter()
        .map(|(action, label)| {
            let reason = move || {
                if !can_edit {
                    Some(format!(
                        "needs the editor role in {}",
                        crate::namespace::named(&ns.get_value())
                    ))
                } else if ticked.with(BTreeSet::is_empty) {
                    Some("tick the workflows first".to_string())
                } else {
                    None
                }
            };
            let click = move |()| {
                let keys: Vec<String> = ticked.get_untracked().into_iter().collect();
                #[cfg(feature = "hydrate")]
                {
                    busy.set(true);
                    error.set(None);
                    leptos::task::spawn_local(async move {
                        let failures = crate::api::act_on_many(action, &keys).await;
                        if !failures.is_empty() {
                            error.set(Some(failures.join("; ")));
                        }
                        ticked.set(BTreeSet::new());
                        busy.set(false);
                    });
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = keys;
            };
            let confirm = Callback::new(move |()| {
                let n = ticked.with(BTreeSet::len);
                let what = if n == 1 { "1 workflow".to_string() } else { format!("{n} workflows") };
                crate::workflow::question(action, &what)
                    .unwrap_or_else(|| format!("{label} {what}?"))
            });
            let confirm = matches!(action, "stop" | "terminate" | "delete").then_some(confirm);
            view! {
                <crate::widgets::GuardedButton
                    label
                    action
                    reason=Signal::derive(reason)
                    busy
                    on_click=Callback::new(click)
                    confirm
                />
            }
        })
        .collect_view();
    view! {
        <div class="actions" role="toolbar" aria-label="actions on the selected workflows">
            <span class="hint">{move || format!("{} selected", ticked.with(BTreeSet::len))}</span>
            {buttons}
        </div>
        {crate::load::alert(error)}
    }
}
