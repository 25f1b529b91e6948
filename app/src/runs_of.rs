//! The latest runs of a template or a cron workflow — found by the label
//! Argo puts on the workflows they submit — linked, with a link to all of
//! them in the workflow list.

use leptos::prelude::*;

use crate::api::{List, ListFilter, WorkflowItem, encode};

/// Runs shown (the newest first).
const SHOWN: usize = 10;

/// The API path that lists the runs `selector` finds in `namespace`.
pub fn runs_path(namespace: &str, selector: &str) -> String {
    let filter = ListFilter { labels: selector.to_string(), ..Default::default() };
    crate::api::page_path(namespace, &filter, None)
}

/// The newest runs of `list` (read from [`runs_path`]).
#[component]
pub fn RunsOf(list: List<WorkflowItem>, namespace: String, selector: String) -> impl IntoView {
    let (rows, more, _) = crate::api::read_page(list);
    let all = format!("/workflows?namespace={}&labels={}", encode(&namespace), encode(&selector));
    let count = match (rows.len(), more) {
        (0, _) => "No runs yet.".to_string(),
        (n, None) if n <= SHOWN => format!("{n} in all."),
        (_, _) => format!("The newest {SHOWN}."),
    };
    let lines = rows
        .into_iter()
        .take(SHOWN)
        .map(|row| {
            let href = format!("/workflows/{}/{}", encode(&namespace), encode(&row.name));
            let phase = row.phase.as_str();
            view! {
                <tr data-name=row.name.clone()>
                    <td><a href=href>{row.name.clone()}</a></td>
                    <td class=format!("phase {}", phase.to_lowercase())>
                        <crate::icons::PhaseIcon phase=phase.to_string()/>
                        {phase}
                    </td>
                    <td title=row.started.map(|t| t.to_string()).unwrap_or_default()>
                        {crate::time::ago(row.started)}
                    </td>
                    <td>{crate::time::duration(row.started, row.finished)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="runs-of" aria-labelledby="runs-of-heading">
            <h2 id="runs-of-heading">"Runs"</h2>
            <table class="workflows" aria-labelledby="runs-of-heading">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Phase"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Duration"</th>
                    </tr>
                </thead>
                <tbody>{lines}</tbody>
            </table>
            <p class="hint">{count} " " <a href=all>"All runs in the workflow list"</a></p>
        </section>
    }
}
