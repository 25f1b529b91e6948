//! What can be done to the run — retry, resubmit, stop, terminate,
//! suspend, resume, delete — and to a node (retry from it). A button that
//! does not apply now, or needs a role the user lacks, is disabled and
//! says why in its tooltip.

use engine::status::WorkflowPhase;
use leptos::prelude::*;

use super::{Run, Summary};
use crate::api::RunAction;

/// Why `action` cannot be done now (`None`: it can).
pub(super) fn not_now(action: &str, s: &Summary) -> Option<&'static str> {
    let done = s.phase.is_completed();
    let failed = matches!(s.phase, WorkflowPhase::Failed | WorkflowPhase::Error);
    match action {
        "retry" if !failed => Some("only a Failed or Error workflow can be retried"),
        "resubmit" if !done => Some("the workflow has not finished"),
        "stop" | "terminate" if done => Some("the workflow has finished"),
        "suspend" if done => Some("the workflow has finished"),
        "suspend" if s.suspended => Some("the workflow is already suspended"),
        "resume" if !(s.suspended || s.waiting) => Some("nothing is suspended"),
        _ => None,
    }
}

const ACTIONS: [(&str, &str); 7] = [
    ("retry", "Retry"),
    ("resubmit", "Resubmit"),
    ("suspend", "Suspend"),
    ("resume", "Resume"),
    ("stop", "Stop"),
    ("terminate", "Terminate"),
    ("delete", "Delete"),
];

/// What to ask before an action that cannot be taken back.
pub fn question(action: &str, what: &str) -> Option<String> {
    match action {
        "stop" => Some(format!(
            "Stop {what}? Running tasks are asked to end (SIGTERM); exit handlers still run."
        )),
        "terminate" => Some(format!(
            "Terminate {what}? Running tasks are killed and exit handlers do not run."
        )),
        "delete" => Some(format!("Delete {what} and the logs? This cannot be undone.")),
        _ => None,
    }
}

/// `Some(reason)` when the signed-in user may not change this namespace.
pub(super) fn lacks_role(run: Run) -> Option<String> {
    let namespace = run.namespace.get_value();
    run.me.with(|me| match me {
        None => Some("signing in…".to_string()),
        Some(me) if !me.can_edit(&namespace) => {
            Some(format!("needs the editor role in {namespace} (you are {})", me.user))
        }
        Some(_) => None,
    })
}

#[component]
pub fn Actions(run: Run) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let buttons = ACTIONS
        .into_iter()
        .map(|(action, label)| {
            let reason = move || {
                lacks_role(run)
                    .or_else(|| run.summary.with(|s| not_now(action, s)).map(str::to_string))
            };
            let navigate = navigate.clone();
            let click = move |()| {
                let navigate = navigate.clone();
                perform(run, action, RunAction::default(), error, busy, move |workflow| {
                    let ns = run.namespace.get_value();
                    if action == "delete" {
                        let list = format!("/workflows{}", crate::namespace::query(&ns));
                        navigate(&list, Default::default());
                    } else if action == "resubmit" {
                        // The new run.
                        navigate(&format!("/workflows/{ns}/{workflow}"), Default::default());
                    }
                });
            };
            let name = run.name.get_value();
            let confirm = question(action, &name).map(|q| Callback::new(move |()| q.clone()));
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
        <div class="actions" role="toolbar" aria-label="workflow actions">
            {buttons}
        </div>
        {crate::load::alert(error)}
    }
    .into_any()
}

/// "Retry from here": retry the workflow restarting this node and what
/// follows it (Argo's `retry --node-field-selector id=… --restart-successful`).
#[component]
pub fn RetryNode(run: Run, id: String) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let reason = move || {
        lacks_role(run).or_else(|| run.summary.with(|s| not_now("retry", s)).map(str::to_string))
    };
    let body = RunAction {
        node_field_selector: Some(format!("id={id}")),
        restart_successful: Some(true),
        ..RunAction::default()
    };
    view! {
        <button
            type="button"
            data-action="retry-node"
            disabled=move || busy.get() || reason().is_some()
            title=move || reason().unwrap_or_default()
            on:click=move |_| perform(run, "retry", body.clone(), error, busy, |_| {})
        >
            "Retry from this node"
        </button>
        {crate::load::alert(error)}
    }
}

/// Resume the suspend node `id` (an approval step) right where it waits.
#[component]
pub fn ResumeNode(run: Run, id: String) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let body = RunAction { node_field_selector: Some(format!("id={id}")), ..RunAction::default() };
    view! {
        <button
            type="button"
            class="primary"
            data-action="resume-node"
            disabled=move || busy.get() || lacks_role(run).is_some()
            title=move || lacks_role(run).unwrap_or_default()
            on:click=move |_| perform(run, "resume", body.clone(), error, busy, |_| {})
        >
            "Resume this step"
        </button>
        {crate::load::alert(error)}
    }
}

/// Do `action` with `body`; `then` gets the name of the workflow the
/// answer is (a resubmitted run's is new).
pub fn perform(
    run: Run,
    action: &'static str,
    body: RunAction,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    then: impl FnOnce(String) + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        let Some(me) = run.me.get_untracked() else { return };
        let (namespace, name) = (run.namespace.get_value(), run.name.get_value());
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match crate::api::act(&me, &namespace, &name, action, &body).await {
                Ok(workflow) => then(workflow),
                Err(m) => error.set(Some(m)),
            }
            busy.set(false);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (run, action, body, error, busy, then);
}

/// The run's parameters, editable, and "Resubmit with these" / "Retry
/// with these" (Argo's `resubmit -p`, `retry -p`): only the changed ones
/// are sent; a resubmitted run is opened.
#[component]
pub fn RerunWith(run: Run, parameters: Vec<(String, String)>) -> impl IntoView {
    let values: Vec<(String, RwSignal<String>, String)> =
        parameters.into_iter().map(|(k, v)| (k, RwSignal::new(v.clone()), v)).collect();
    let fields = values.clone();
    let values = StoredValue::new(values);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let changed = move || {
        values.with_value(|vs| {
            vs.iter()
                .filter(|(_, v, was)| v.get_untracked() != *was)
                .map(|(k, v, _)| format!("{k}={}", v.get_untracked()))
                .collect::<Vec<_>>()
        })
    };
    let buttons = [("resubmit", "Resubmit with these"), ("retry", "Retry with these")]
        .into_iter()
        .map(|(action, label)| {
            let reason = move || {
                lacks_role(run)
                    .or_else(|| run.summary.with(|s| not_now(action, s)).map(str::to_string))
            };
            let navigate = navigate.clone();
            let click = move |()| {
                let navigate = navigate.clone();
                let body = RunAction { parameters: changed(), ..RunAction::default() };
                perform(run, action, body, error, busy, move |workflow| {
                    if action == "resubmit" {
                        let ns = run.namespace.get_value();
                        navigate(&format!("/workflows/{ns}/{workflow}"), Default::default());
                    }
                });
            };
            view! {
                <crate::widgets::GuardedButton
                    label
                    action=action
                    reason=Signal::derive(reason)
                    busy
                    on_click=Callback::new(click)
                />
            }
        })
        .collect_view();
    view! {
        // `tbody` written out: the browser's parser adds it anyway, and
        // hydration must find what the server sent.
        <table aria-label="parameters">
            <tbody>
            {fields
                .into_iter()
                .map(|(k, v, _)| {
                    view! {
                        <tr>
                            <th scope="row">{k.clone()}</th>
                            <td>
                                <input
                                    aria-label=k
                                    prop:value=move || v.get()
                                    value=v.get_untracked()
                                    on:input=move |ev| v.set(event_target_value(&ev))
                                />
                            </td>
                        </tr>
                    }
                })
                .collect_view()}
            </tbody>
        </table>
        <div class="actions" role="toolbar" aria-label="run again">
            {buttons}
        </div>
        {crate::load::alert(error)}
    }
}
