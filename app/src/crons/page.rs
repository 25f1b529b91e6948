//! A CronWorkflow's own page: its schedules in words, its next runs, what
//! it does when runs overlap, its actions (suspend or resume, submit now,
//! edit, delete), the runs it started, and its YAML.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{CronActions, CronRow, RUNS_LABEL};
use crate::api::{CronSchedules, CronWorkflow, List, Me, WorkflowItem};

/// `/cron-workflows/:namespace/:name`.
#[component]
pub fn CronPage() -> impl IntoView {
    let params = use_params_map();
    let ns = params.with_untracked(|p| p.get("namespace").unwrap_or_default());
    let name = params.with_untracked(|p| p.get("name").unwrap_or_default());
    if !crate::namespace::valid(&ns) || !crate::namespace::valid_object_name(&name) {
        return view! {
            <p class="error" role="alert">{format!("no cron workflow is called {name}")}</p>
        }
        .into_any();
    }
    let selector = format!("{RUNS_LABEL}={name}");
    let paths = vec![
        crate::api::USERINFO.to_string(),
        format!("{}/{name}", crate::api::crons_path(&ns)),
        crate::api::schedules_path(&ns),
        crate::runs_of::runs_path(&ns, &selector),
    ];
    type Answers = (Me, serde_json::Value, CronSchedules, List<WorkflowItem>);
    view! {
        <h1>{name.clone()}</h1>
        {crate::load::page(paths, move |(me, object, next, runs): Answers| {
            let (ns, selector) = (ns.clone(), selector.clone());
            view! { <Detail me object next runs ns selector/> }
        })}
    }
    .into_any()
}

#[component]
fn Detail(
    me: Me,
    object: serde_json::Value,
    next: CronSchedules,
    runs: List<WorkflowItem>,
    ns: String,
    selector: String,
) -> impl IntoView {
    let Some(row) = crate::api::read_via_text::<CronWorkflow>(&object)
        .and_then(CronRow::of)
        .map(|r| r.with_next_runs(&next))
    else {
        return view! { <p class="error" role="alert">"This cron workflow cannot be read."</p> }
            .into_any();
    };
    let path = format!("{}/{}", crate::api::crons_path(&ns), row.name);
    let question = format!("Delete the cron workflow {}? Its runs are kept.", row.name);
    let then = format!("/cron-workflows?namespace={}", crate::api::encode(&ns));
    let can_edit = me.can_edit(&ns);
    let known = RwSignal::new(Some(me.clone()));
    let rows = RwSignal::new(vec![row]);
    let error = RwSignal::new(None::<String>);
    let ns_value = StoredValue::new(ns.clone());
    let yaml = engine::yaml::to_yaml(&object);
    let copied = yaml.clone();
    view! {
        {move || {
            rows.with(|r| r.first().cloned())
                .map(|row| {
                    view! {
                        <Facts row=row.clone()/>
                        <div class="actions">
                            <CronActions row rows me=known error ns=ns_value/>
                        </div>
                    }
                })
        }}
        <div class="actions">
            <crate::widgets::DeleteObject me question path then can_edit/>
        </div>
        {crate::load::alert(error)}
        <crate::runs_of::RunsOf list=runs namespace=ns selector/>
        <section class="yaml-view" aria-label="the cron workflow as YAML">
            <details>
                <summary>{format!("YAML ({} lines)", yaml.lines().count())}</summary>
                <p><crate::yaml::CopyButton text=Signal::stored(copied) what="the cron workflow"/></p>
                <crate::yaml::Highlighted text=yaml/>
            </details>
        </section>
    }
    .into_any()
}

/// What the CronWorkflow does and when: schedules in words, time zone,
/// state, next runs, last run, overlap policy.
#[component]
fn Facts(row: CronRow) -> impl IntoView {
    let schedules = super::schedules_in_words(&row);
    let zone =
        if row.timezone.is_empty() { "the server's".to_string() } else { row.timezone.clone() };
    let state = if row.suspended { "suspended" } else { "active" };
    let next = match &row.next {
        _ if row.suspended => view! { <p>"none while suspended"</p> }.into_any(),
        Err(e) => view! { <p>{format!("never: {e}")}</p> }.into_any(),
        Ok(times) if times.is_empty() => view! { <p>"never"</p> }.into_any(),
        Ok(times) => {
            let items = times
                .iter()
                .map(|t| {
                    let at = t.to_string();
                    view! { <li data-at=at.clone() title=at>{crate::time::until(*t)}</li> }
                })
                .collect_view();
            view! { <ol class="next-runs" aria-label="next runs">{items}</ol> }.into_any()
        }
    };
    let policy = match row.policy.as_str() {
        "Forbid" => "Forbid: a run due while one runs is skipped",
        "Replace" => "Replace: a run due while one runs stops it first",
        _ => "Allow: runs may overlap",
    };
    view! {
        <dl class="facts">
            <dt>"Schedule"</dt>
            <dd>{schedules}</dd>
            <dt>"Time zone"</dt>
            <dd>{zone}</dd>
            <dt>"State"</dt>
            <dd data-state=state>{state}</dd>
            <dt>"Next runs"</dt>
            <dd>{next}</dd>
            <dt>"Last run"</dt>
            <dd title=row.last.map(|t| t.to_string()).unwrap_or_default()>
                {if row.last.is_some() { crate::time::ago(row.last) } else { "never".to_string() }}
            </dd>
            <dt>"Running now"</dt>
            <dd>{row.active}</dd>
            <dt>"When runs overlap"</dt>
            <dd>{policy}</dd>
        </dl>
    }
}
