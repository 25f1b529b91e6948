//! Secrets (administrators): names and keys listed, values written once
//! and never shown again; create and delete.

use leptos::prelude::*;

use crate::api::{List, Me, Secret};

/// A secret as listed: its name and keys (never its values).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretRow {
    pub name: String,
    pub keys: Vec<String>,
}

impl SecretRow {
    /// The row of `secret` (`None` if it has no name).
    pub fn of(secret: Secret) -> Option<SecretRow> {
        let name = secret.metadata.name;
        (!name.is_empty()).then_some(SecretRow { name, keys: secret.keys })
    }
}

#[component]
pub fn Secrets() -> impl IntoView {
    let namespace = crate::namespace::current();
    view! {
        <h1>"Secrets"</h1>
        {move || {
            let ns = namespace.get();
            if ns == crate::namespace::ALL {
                return crate::namespace::pick_one("Secrets");
            }
            let paths = vec![crate::api::USERINFO.to_string(), crate::api::secrets_path(&ns)];
            crate::load::page(paths, move |(me, secrets): (Me, List<Secret>)| {
                let ns = ns.clone();
                view! { <SecretList me secrets ns/> }
            })
            .into_any()
        }}
    }
}

/// The namespace's secrets for the user (an administrator: others are
/// refused the list).
#[component]
fn SecretList(me: Me, secrets: List<Secret>, ns: String) -> impl IntoView {
    let me = RwSignal::new(Some(me));
    let rows: RwSignal<Vec<SecretRow>> =
        RwSignal::new(secrets.items.into_iter().filter_map(SecretRow::of).collect());
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
                match crate::api::create_secret(me, &ns.get_value(), n, k, v).await {
                    Ok(secret) => {
                        // The value is gone from the page once sent.
                        value.set(String::new());
                        error.set(None);
                        if let Some(row) = SecretRow::of(secret) {
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
                match crate::api::delete_secret(me, &ns.get_value(), &victim).await {
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
        let read = |v: serde_json::Value| {
            serde_json::from_value::<Secret>(v).unwrap_or_else(|e| panic!("{e}"))
        };
        let v = serde_json::json!({"metadata": {"name": "db"}, "keys": ["user", "password"]});
        let r = SecretRow::of(read(v)).unwrap_or_else(|| panic!("a row"));
        assert_eq!(
            r,
            SecretRow { name: "db".into(), keys: vec!["user".into(), "password".into()] }
        );
        assert!(SecretRow::of(read(serde_json::json!({"keys": []}))).is_none());
    }
}
