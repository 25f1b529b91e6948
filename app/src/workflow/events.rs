//! The chosen node's life as the run's journal tells it (`GET
//! …/node-events?nodeId=`): started, exited with its code and why, its
//! retry's back-off, its deadline, resumed — each with when. Read when
//! the panel shows the node, and again whenever its status changes (the
//! panel's facts are drawn anew then).

use engine::status::Time;
use leptos::prelude::*;
use serde::Deserialize;

use super::Run;

/// One thing that happened to the node (or to the run).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeEvent {
    pub time: Option<Time>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Events {
    #[serde(default)]
    items: Vec<NodeEvent>,
}

/// The path of node `id`'s events.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn events_path(run: &Run, id: &str) -> String {
    format!(
        "/api/v1/workflows/{}/{}/node-events?nodeId={}",
        run.namespace.get_value(),
        run.name.get_value(),
        crate::api::encode(id)
    )
}

#[component]
pub fn NodeEvents(run: Run, id: String) -> impl IntoView {
    let events = RwSignal::new(None::<Vec<NodeEvent>>);
    #[cfg(feature = "hydrate")]
    {
        let path = events_path(&run, &id);
        leptos::task::spawn_local(async move {
            if let Ok(read) = crate::api::get::<Events>(&path).await {
                events.set(Some(read.items));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (run, id);
    view! {
        <details class="node-events" open>
            <summary>"Events"</summary>
            {move || match events.get() {
                None => view! { <p class="hint">"Reading…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="hint">"Nothing yet."</p> }.into_any(),
                Some(list) => {
                    view! {
                        <ol aria-label="node events">
                            {list
                                .into_iter()
                                .map(|e| {
                                    let at = e.time.map(|t| t.to_string()).unwrap_or_default();
                                    let clock = e.time.map(crate::time::clock).unwrap_or_default();
                                    let reason = e.reason.clone();
                                    view! {
                                        <li data-reason=reason>
                                            <time datetime=at.clone() title=at>{clock}</time>
                                            " "
                                            <strong>{e.reason}</strong>
                                            " "
                                            {e.message}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ol>
                    }
                        .into_any()
                }
            }}
        </details>
    }
}
