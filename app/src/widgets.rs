//! The pieces every page is made of: a table of live rows, a button that
//! says why it is disabled, a labelled text field.

use std::hash::Hash;

use leptos::prelude::*;

/// A table with these column headers, one row per item of `rows` (kept
/// current: rows are keyed by their value, so a changed row is redrawn).
#[component]
pub fn Table<T, V, F>(
    class: &'static str,
    headers: &'static [&'static str],
    rows: RwSignal<Vec<T>>,
    row: F,
) -> impl IntoView
where
    T: Clone + Eq + Hash + Send + Sync + 'static,
    V: IntoView + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
{
    view! {
        <table class=format!("workflows {class}")>
            <thead>
                <tr>{headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr>
            </thead>
            <tbody>
                <For each=move || rows.get() key=|r| r.clone() children=row/>
            </tbody>
        </table>
    }
}

/// A button for `action` (its `data-action`), disabled while `busy` or
/// while `reason` says why not — the reason is its tooltip. With
/// `confirm`, a click first asks the question it gives (stop, terminate,
/// delete: what cannot be undone is never one click away).
#[component]
pub fn GuardedButton(
    label: &'static str,
    action: &'static str,
    #[prop(into)] reason: Signal<Option<String>>,
    busy: RwSignal<bool>,
    on_click: Callback<()>,
    #[prop(default = None)] confirm: Option<Callback<(), String>>,
) -> impl IntoView {
    let asking = RwSignal::new(None::<String>);
    let click = move |_| match confirm {
        Some(question) => asking.set(Some(question.run(()))),
        None => on_click.run(()),
    };
    view! {
        <button
            type="button"
            data-action=action
            disabled=move || busy.get() || reason.with(Option::is_some)
            title=move || reason.get().unwrap_or_default()
            on:click=click
        >
            {label}
        </button>
        {move || {
            asking
                .get()
                .map(|question| {
                    let yes = Callback::new(move |()| {
                        asking.set(None);
                        on_click.run(());
                    });
                    let no = Callback::new(move |()| asking.set(None));
                    view! { <ConfirmDialog question label yes no/> }
                })
        }}
    }
    // Erased: a button sits deep in tables, and its type would make theirs
    // too deep for the compiler.
    .into_any()
}

/// Delete the object at API `path` after asking `question`, then go to
/// `then` (its list); the server's refusal is shown beside it.
#[component]
pub fn DeleteObject(
    me: crate::api::Me,
    question: String,
    path: String,
    then: String,
    can_edit: bool,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let reason = (!can_edit).then(|| format!("needs the editor role (you are {})", me.user));
    let delete = move |()| {
        #[cfg(feature = "hydrate")]
        {
            let (me, path, then) = (me.clone(), path.clone(), then.clone());
            let navigate = leptos_router::hooks::use_navigate();
            busy.set(true);
            leptos::task::spawn_local(async move {
                let sent = crate::api::send::<serde::de::IgnoredAny>(
                    &me,
                    crate::api::Method::Delete,
                    &path,
                    &(),
                )
                .await;
                busy.set(false);
                match sent {
                    Ok(_) => navigate(&then, Default::default()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&me, &path, &then);
    };
    view! {
        <GuardedButton
            label="Delete"
            action="delete"
            reason=Signal::stored(reason)
            busy
            on_click=Callback::new(delete)
            confirm=Some(Callback::new(move |()| question.clone()))
        />
        {crate::load::alert(error)}
    }
}

/// A modal question: `label` does it, Cancel (focused first) or Escape
/// does not.
#[component]
pub fn ConfirmDialog(
    question: String,
    label: &'static str,
    yes: Callback<()>,
    no: Callback<()>,
) -> impl IntoView {
    let cancel = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(b) = cancel.get() {
            let _ = b.focus();
        }
    });
    let on_key = move |e: leptos::ev::KeyboardEvent| {
        if e.key() == "Escape" {
            no.run(());
        }
    };
    view! {
        <div class="modal-backdrop">
            <div
                class="dialog"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="confirm-question"
                on:keydown=on_key
            >
                <p id="confirm-question">{question}</p>
                <div class="dialog-actions">
                    <button type="button" node_ref=cancel on:click=move |_| no.run(())>
                        "Cancel"
                    </button>
                    <button type="button" class="danger" data-confirm=label on:click=move |_| yes.run(())>
                        {label}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// A labelled text input bound to `value`, with optional help below.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] placeholder: &'static str,
    #[prop(optional)] help: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] secret: bool,
) -> impl IntoView {
    let help = (!help.is_empty()).then(|| view! { <small class="hint">{help}</small> });
    view! {
        <label>
            {label}
            <input
                name=name
                type=if secret { "password" } else { "text" }
                autocomplete=if secret { "off" } else { "on" }
                placeholder=placeholder
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {help}
        </label>
    }
}
