//! YAML as the pages show it: keys and values marked, and a button that
//! copies it.

use leptos::prelude::*;

/// Past this many lines YAML is shown as plain text (a highlighted line
/// is several elements; a large run's status is a hundred thousand
/// lines).
pub const HIGHLIGHT_UP_TO: usize = 4_000;

/// YAML with its keys and values marked (plain past [`HIGHLIGHT_UP_TO`]
/// lines): keys, strings, and numbers, booleans and null, each its colour.
#[component]
pub fn Highlighted(text: String) -> impl IntoView {
    if text.lines().count() > HIGHLIGHT_UP_TO {
        return view! { <pre class="yaml" tabindex="0">{text}</pre> }.into_any();
    }
    let lines = text
        .lines()
        .map(|line| {
            let (lead, key, rest) = split_key(line);
            let value = if key.is_empty() { rest } else { rest.trim_start_matches(':') };
            let class = value_class(value.trim());
            view! {
                {lead.to_string()}<span class="k">{key.to_string()}</span>
                <span class=class>{rest.to_string()}</span>"\n"
            }
        })
        .collect_view();
    view! { <pre class="yaml" tabindex="0">{lines}</pre> }.into_any()
}

/// The class a YAML scalar is marked with: `n` for a number, boolean or
/// null, `s` for a string, none for what opens a block (`|`, `>`) or
/// nothing.
pub fn value_class(value: &str) -> &'static str {
    match value {
        "" | "|" | "|-" | ">" | ">-" | "{}" | "[]" => "",
        "true" | "false" | "null" | "~" => "n",
        v if v.parse::<f64>().is_ok() => "n",
        _ => "s",
    }
}

/// A YAML line as indentation (and list dash), key, and the rest (from
/// the colon); a line without a key is all rest.
pub fn split_key(line: &str) -> (&str, &str, &str) {
    let body = line.trim_start_matches([' ', '-']);
    let lead = &line[..line.len() - body.len()];
    let key_end = body.find(": ").or_else(|| body.ends_with(':').then(|| body.len() - 1));
    match key_end {
        Some(end)
            if !body.starts_with(['"', '\'', '{', '[', '|', '>']) && !body[..end].contains(' ') =>
        {
            (lead, &body[..end], &body[end..])
        }
        _ => (lead, "", body),
    }
}

/// Copies `text` to the clipboard, and says so.
#[component]
pub fn CopyButton(text: Signal<String>, what: &'static str) -> impl IntoView {
    let said = RwSignal::new("");
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(window) = web_sys::window() else { return };
            let promise = window.navigator().clipboard().write_text(&text.get_untracked());
            leptos::task::spawn_local(async move {
                let copied = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
                said.set(if copied { "Copied." } else { "The browser did not allow copying." });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
    };
    view! {
        <button type="button" on:click=copy>{format!("Copy {what}")}</button>
        <span class="hint" role="status">{move || said.get()}</span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_told_from_values() {
        assert_eq!(split_key("  name: hello"), ("  ", "name", ": hello"));
        assert_eq!(split_key("- name: a"), ("- ", "name", ": a"));
        assert_eq!(split_key("spec:"), ("", "spec", ":"));
        assert_eq!(split_key("  - plain value"), ("  - ", "", "plain value"));
        assert_eq!(split_key("  - \"a: b\""), ("  - ", "", "\"a: b\""));
        assert_eq!(split_key("  two words: x"), ("  ", "", "two words: x"));
    }

    #[test]
    fn values_are_told_apart() {
        assert_eq!(value_class("3"), "n");
        assert_eq!(value_class("-1.5"), "n");
        assert_eq!(value_class("true"), "n");
        assert_eq!(value_class("null"), "n");
        assert_eq!(value_class("hello"), "s");
        assert_eq!(value_class("\"3\""), "s");
        assert_eq!(value_class("|-"), "");
        assert_eq!(value_class(""), "");
    }
}
