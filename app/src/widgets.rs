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
/// while `reason` says why not — the reason is its tooltip.
#[component]
pub fn GuardedButton(
    label: &'static str,
    action: &'static str,
    #[prop(into)] reason: Signal<Option<String>>,
    busy: RwSignal<bool>,
    on_click: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            data-action=action
            disabled=move || busy.get() || reason.with(Option::is_some)
            title=move || reason.get().unwrap_or_default()
            on:click=move |_| on_click.run(())
        >
            {label}
        </button>
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
