//! Secrets (administrators): names and keys listed, values written once
//! and never shown again; create and delete.

use leptos::prelude::*;

/// A secret as listed: its name and keys (never its values).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretRow {
    pub name: String,
    pub keys: Vec<String>,
}

impl SecretRow {
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    pub fn from_json(v: &serde_json::Value) -> Option<SecretRow> {
        let name = v.pointer("/metadata/name").and_then(|n| n.as_str())?.to_string();
        let keys = v["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect();
        Some(SecretRow { name, keys })
    }
}

#[component]
pub fn Secrets() -> impl IntoView {
    let namespace = crate::namespace::current();
    view! {
        <h1>"Secrets"</h1>
        {move || {
            let ns = namespace.get();
            let paths =
                vec!["/api/v1/userinfo".to_string(), format!("/api/v1/namespaces/{ns}/secrets")];
            crate::load::page(paths, move |answers| {
                let ns = ns.clone();
                view! { <SecretList answers ns/> }
            })
        }}
    }
}

/// The namespace's secrets (`answers[1]`) for the user (`answers[0]`,
/// an administrator: others are refused the list).
#[component]
fn SecretList(answers: Vec<serde_json::Value>, ns: String) -> impl IntoView {
    let me = RwSignal::new(answers.first().map(crate::api::Me::from_json));
    let rows = RwSignal::new(crate::api::rows(answers.get(1), SecretRow::from_json));
    let error = RwSignal::new(None::<String>);
    let ns = StoredValue::new(ns);
    #[cfg(not(feature = "hydrate"))]
    let _ = (me, ns);
    let name = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let (n, k, v) = (name.get_untracked(), key.get_untracked(), value.get_untracked());
            leptos::task::spawn_local(async move {
                let body = serde_json::json!({"metadata": {"name": n}, "stringData": {k: v}});
                match crate::api::send_signed(
                    me,
                    "POST",
                    &format!("/api/v1/namespaces/{}/secrets", ns.get_value()),
                    &body,
                )
                .await
                {
                    Ok(answer) => {
                        // The value is gone from the page once sent.
                        value.set(String::new());
                        error.set(None);
                        if let Some(row) = SecretRow::from_json(&answer) {
                            rows.update(|rs| {
                                rs.retain(|r| r.name != row.name);
                                rs.push(row);
                            });
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let delete = move |victim: String| {
        #[cfg(feature = "hydrate")]
        {
            leptos::task::spawn_local(async move {
                let path = format!("/api/v1/namespaces/{}/secrets/{victim}", ns.get_value());
                match crate::api::send_signed(me, "DELETE", &path, &serde_json::Value::Null).await {
                    Ok(_) => rows.update(|rs| rs.retain(|r| r.name != victim)),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = victim;
    };
    view! {
        {crate::load::alert(error)}
        <crate::widgets::Table
            class="secrets"
            headers=&["Name", "Keys", "Actions"]
            rows
            row=move |r: SecretRow| {
                let victim = r.name.clone();
                view! {
                    <tr data-name=r.name.clone()>
                        <td>{r.name.clone()}</td>
                        <td>{r.keys.join(", ")}</td>
                        <td>
                            <button type="button" on:click=move |_| delete(victim.clone())>
                                "Delete"
                            </button>
                        </td>
                    </tr>
                }
            }
        />
        <form class="login" method="post" aria-label="create a secret" on:submit=create>
            <h2>"New secret"</h2>
            <crate::widgets::TextField label="Name" name="name" value=name required=true/>
            <crate::widgets::TextField label="Key" name="key" value=key required=true/>
            <crate::widgets::TextField
                label="Value"
                name="value"
                value=value
                required=true
                secret=true
                help="Written once: it is never shown again."
            />
            <button type="submit">"Create"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_row_has_names_and_keys_only() {
        let v = serde_json::json!({"metadata": {"name": "db"}, "keys": ["user", "password"]});
        let r = SecretRow::from_json(&v).unwrap_or_else(|| panic!("a row"));
        assert_eq!(
            r,
            SecretRow { name: "db".into(), keys: vec!["user".into(), "password".into()] }
        );
        assert!(SecretRow::from_json(&serde_json::json!({"keys": []})).is_none());
    }
}
