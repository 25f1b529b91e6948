//! The signed-in user's page: who they are and their roles, signing out,
//! and their API tokens — listed, made (the secret shown once, here),
//! revoked.

use engine::status::Time;
use leptos::prelude::*;

use crate::api::{List, Me, Token};

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created: Option<Time>,
    pub expires: Option<Time>,
    pub revoked: bool,
}

impl TokenRow {
    pub fn of(t: Token) -> TokenRow {
        TokenRow {
            id: t.id,
            name: t.name,
            created: t.created_at,
            expires: t.expires_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

#[component]
pub fn Account() -> impl IntoView {
    let paths = vec![crate::api::USERINFO.to_string(), crate::api::TOKENS.to_string()];
    view! {
        <h1>"Account"</h1>
        {crate::load::page(paths, |(me, tokens): (Me, List<Token>)| view! { <AccountDetail me tokens/> })}
    }
}

/// The user and their tokens.
#[component]
fn AccountDetail(me: Me, tokens: List<Token>) -> impl IntoView {
    let me = RwSignal::new(Some(me));
    let tokens = RwSignal::new(tokens.items.into_iter().map(TokenRow::of).collect::<Vec<_>>());
    let error = RwSignal::new(None::<String>);
    let fresh = RwSignal::new(None::<String>);
    view! {
        {crate::load::alert(error)}
        <SignedInAs me/>
        <SignOut me error/>
        <h2>"API tokens"</h2>
        <p class="hint">"For the CLI, Hera, the Argo SDK: sent as Authorization: Bearer."</p>
        <TokenTable tokens me error/>
        <FreshToken fresh/>
        <MakeTokenForm tokens fresh me error/>
    }
}

/// "Signed in as NAME (ROLE in NAMESPACE, …)."
#[component]
fn SignedInAs(me: RwSignal<Option<Me>>) -> impl IntoView {
    view! {
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
    }
}

/// Ends the session, then goes to the sign-in page.
#[component]
fn SignOut(me: RwSignal<Option<Me>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    let sign_out = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match crate::api::sign_out(me).await {
                    Ok(_) => navigate("/login", Default::default()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, me, error);
    };
    view! { <button type="button" on:click=sign_out>"Sign out"</button> }
}

/// The user's tokens, each with its Revoke button.
#[component]
fn TokenTable(
    tokens: RwSignal<Vec<TokenRow>>,
    me: RwSignal<Option<Me>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let revoke = move |id: String| {
        #[cfg(feature = "hydrate")]
        {
            leptos::task::spawn_local(async move {
                match crate::api::revoke_token(me, &id).await {
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
        let _ = (id, me, error);
    };
    view! {
        <crate::widgets::Table
            class="tokens"
            headers=&["Name", "Created", "Expires", "State", "Actions"]
            rows=tokens
            row=move |t: TokenRow| {
                let id = t.id.clone();
                let revoked = t.revoked;
                let expires = t.expires.map_or("never".to_string(), |e| e.to_string());
                view! {
                    <tr data-name=t.name.clone()>
                        <td>{t.name.clone()}</td>
                        <td>{crate::time::ago(t.created)}</td>
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
    }
}

/// A token just made: its secret, shown this once.
#[component]
fn FreshToken(fresh: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        fresh.get().map(|t| {
            view! {
                <p class="fresh-token" role="status">
                    "Your new token (copy it now: it is not shown again): "
                    <code data-token=t.clone()>{t.clone()}</code>
                </p>
            }
        })
    }
}

/// Make a token: a name and how many days it lasts.
#[component]
fn MakeTokenForm(
    tokens: RwSignal<Vec<TokenRow>>,
    fresh: RwSignal<Option<String>>,
    me: RwSignal<Option<Me>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(String::from("30"));
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let (label, days) = (name.get_untracked(), days.get_untracked().trim().parse().ok());
            leptos::task::spawn_local(async move {
                match crate::api::make_token(me, label, days).await {
                    Ok(mut made) => {
                        fresh.set(made.token.take());
                        tokens.update(|t| t.push(TokenRow::of(made)));
                        name.set(String::new());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (tokens, fresh, me, error);
    };
    view! {
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
    fn token_rows_say_whether_a_token_is_revoked() {
        let t: Token = serde_json::from_value(serde_json::json!({"id": 7, "name": "ci",
            "createdAt": "2026-01-01T00:00:00Z", "revokedAt": "2026-01-02T00:00:00Z"}))
        .unwrap_or_else(|e| panic!("{e}"));
        let row = TokenRow::of(t);
        assert_eq!((row.id.as_str(), row.revoked, row.expires), ("7", true, None));
        assert_eq!(row.created, Time::parse_rfc3339("2026-01-01T00:00:00Z"));
    }
}
