//! The signed-in user's page: who they are and their roles, signing out,
//! and their API tokens — listed, made (the secret shown once, here),
//! revoked.

use leptos::prelude::*;

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub expires: String,
    pub revoked: bool,
}

impl TokenRow {
    #[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
    pub fn from_json(v: &serde_json::Value) -> Option<TokenRow> {
        let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
        let id = match &v["id"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some(TokenRow {
            id,
            name: text("name"),
            created: text("createdAt"),
            expires: text("expiresAt"),
            revoked: v.get("revokedAt").is_some_and(|r| !r.is_null()),
        })
    }
}

#[component]
pub fn Account() -> impl IntoView {
    let paths = vec!["/api/v1/userinfo".to_string(), "/api/v1/tokens".to_string()];
    view! {
        <h1>"Account"</h1>
        {crate::load::page(paths, |answers| view! { <AccountDetail answers/> })}
    }
}

/// The user (`answers[0]`) and their tokens (`answers[1]`).
#[component]
fn AccountDetail(answers: Vec<serde_json::Value>) -> impl IntoView {
    let me = RwSignal::new(answers.first().map(crate::api::Me::from_json));
    let tokens = RwSignal::new(crate::api::rows(answers.get(1), TokenRow::from_json));
    let error = RwSignal::new(None::<String>);
    let fresh = RwSignal::new(None::<String>);
    let navigate = leptos_router::hooks::use_navigate();
    let sign_out = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match crate::api::send_signed(
                    me,
                    "POST",
                    "/api/v1/logout",
                    &serde_json::Value::Null,
                )
                .await
                {
                    Ok(_) => navigate("/login", Default::default()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &navigate;
    };
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(String::from("30"));
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let mut body = serde_json::json!({"name": name.get_untracked()});
            if let Ok(d) = days.get_untracked().trim().parse::<u64>() {
                body["expiresInSeconds"] = (d * 86_400).into();
            }
            leptos::task::spawn_local(async move {
                match crate::api::send_signed(me, "POST", "/api/v1/tokens", &body).await {
                    Ok(answer) => {
                        fresh.set(answer["token"].as_str().map(str::to_string));
                        if let Some(row) = TokenRow::from_json(&answer) {
                            tokens.update(|t| t.push(row));
                        }
                        name.set(String::new());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let revoke = move |id: String| {
        #[cfg(feature = "hydrate")]
        {
            leptos::task::spawn_local(async move {
                let path = format!("/api/v1/tokens/{id}");
                match crate::api::send_signed(me, "DELETE", &path, &serde_json::Value::Null).await {
                    Ok(_) => tokens.update(|t| {
                        if let Some(row) = t.iter_mut().find(|r| r.id == id) {
                            row.revoked = true;
                        }
                    }),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };
    view! {
        {crate::load::alert(error)}
        <p data-user=move || me.with(|m| m.as_ref().map(|m| m.user.clone()).unwrap_or_default())>
            {move || {
                me.with(|m| {
                    m.as_ref()
                        .map(|m| {
                            let roles: Vec<String> =
                                m.roles.iter().map(|(ns, r)| format!("{r} in {ns}")).collect();
                            format!("Signed in as {} ({}).", m.user, roles.join(", "))
                        })
                        .unwrap_or_default()
                })
            }}
        </p>
        <button type="button" on:click=sign_out>"Sign out"</button>
        <h2>"API tokens"</h2>
        <p class="hint">"For the CLI, Hera, the Argo SDK: sent as Authorization: Bearer."</p>
        <crate::widgets::Table
            class="tokens"
            headers=&["Name", "Created", "Expires", "State", "Actions"]
            rows=tokens
            row=move |t: TokenRow| {
                let id = t.id.clone();
                let revoked = t.revoked;
                let expires = if t.expires.is_empty() { "never".to_string() } else { t.expires.clone() };
                view! {
                    <tr data-name=t.name.clone()>
                        <td>{t.name.clone()}</td>
                        <td>{crate::time::ago(&t.created)}</td>
                        <td>{expires}</td>
                        <td>{if revoked { "revoked" } else { "active" }}</td>
                        <td>
                            <button type="button" disabled=revoked on:click=move |_| revoke(id.clone())>
                                "Revoke"
                            </button>
                        </td>
                    </tr>
                }
            }
        />
        {move || {
            fresh
                .get()
                .map(|t| {
                    view! {
                        <p class="fresh-token" role="status">
                            "Your new token (copy it now: it is not shown again): "
                            <code data-token=t.clone()>{t.clone()}</code>
                        </p>
                    }
                })
        }}
        <form class="login" method="post" aria-label="make a token" on:submit=create>
            <crate::widgets::TextField label="Name" name="name" value=name required=true/>
            <crate::widgets::TextField label="Expires in (days, empty: never)" name="days" value=days/>
            <button type="submit">"Make token"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_rows_read_ids_and_state() {
        let v = serde_json::json!({"id": 7, "name": "ci", "createdAt": "2026-01-01T00:00:00Z",
                                   "revokedAt": "2026-01-02T00:00:00Z"});
        let t = TokenRow::from_json(&v).unwrap_or_else(|| panic!("a row"));
        assert_eq!((t.id.as_str(), t.revoked, t.expires.as_str()), ("7", true, ""));
        assert!(TokenRow::from_json(&serde_json::json!({"name": "x"})).is_none());
    }
}
