//! The document around every page, and the routes.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document the server sends: head (styles, the hydration
/// script), then the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Set once the WASM has taken over, so that browser tests (and people)
    // know the page is live.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    view! {
        <Stylesheet id="keelson" href="/pkg/keelson.css"/>
        <Title text="Keelson"/>
        <div class="app" data-hydrated=move || hydrated.get().to_string()>
            <Router>
                <header class="top">
                    <A href="/" attr:class="brand">"Keelson"</A>
                    <Nav/>
                    <crate::namespace::Picker/>
                    <ThemeToggle/>
                </header>
                <main>
                    // Data pages are rendered whole on the server (`Async`):
                    // they read without JavaScript, and the browser takes
                    // their data from the HTML rather than asking again.
                    <Routes fallback=|| view! { <p>"No such page."</p> }>
                        <Route path=path!("/") view=crate::workflows::Workflows ssr=SsrMode::Async/>
                        <Route
                            path=path!("/workflows")
                            view=crate::workflows::Workflows
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/login") view=Login/>
                        <Route path=path!("/account") view=crate::account::Account ssr=SsrMode::Async/>
                        <Route
                            path=path!("/templates")
                            view=crate::templates::Templates
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/templates/:namespace/:name")
                            view=crate::templates::TemplatePage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/cluster-templates/:name")
                            view=crate::templates::ClusterTemplatePage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/cron-workflows") view=crate::crons::Crons ssr=SsrMode::Async/>
                        <Route
                            path=path!("/cron-workflows/:namespace/:name")
                            view=crate::crons::CronPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/secrets") view=crate::secrets::Secrets ssr=SsrMode::Async/>
                        <Route path=path!("/editor") view=crate::editor::Editor ssr=SsrMode::Async/>
                        <Route
                            path=path!("/workflows/:namespace/:name")
                            view=crate::workflow::WorkflowPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </Router>
        </div>
    }
}

/// The main links, each keeping the page's namespace.
#[component]
fn Nav() -> impl IntoView {
    let namespace = crate::namespace::current();
    let link = move |path: &'static str| {
        move || format!("{path}{}", crate::namespace::query(&namespace.get()))
    };
    view! {
        <nav aria-label="main">
            <A href=link("/workflows")>"Workflows"</A>
            <A href=link("/templates")>"Templates"</A>
            <A href=link("/cron-workflows")>"Cron workflows"</A>
            <A href=link("/editor")>"New from YAML"</A>
            <A href=link("/secrets")>"Secrets"</A>
            <A href="/account">"Account"</A>
        </nav>
    }
}

/// Sign in: the server checks the password and sets the session cookie;
/// then back to the page that sent the user here (`?next=`), or on to the
/// workflows. A refusal is said on the page.
#[component]
fn Login() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let after_sign_in =
        move || query.with_untracked(|q| back_to(q.get("next").as_deref()).to_string());
    let error = RwSignal::new(None::<String>);
    let (busy, set_busy) = signal(false);
    let user = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let navigate = leptos_router::hooks::use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let username = user.get().map(|i| i.value()).unwrap_or_default();
        let secret = password.get().map(|i| i.value()).unwrap_or_default();
        let navigate = navigate.clone();
        set_busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::login(&username, &secret).await {
                Ok(()) => navigate(&after_sign_in(), Default::default()),
                Err(message) => error.set(Some(message)),
            }
            set_busy.set(false);
        });
    };
    view! {
        <h1>"Sign in"</h1>
        <form class="login" method="post" on:submit=on_submit>
            <label>
                "User"
                <input name="username" autocomplete="username" required node_ref=user/>
            </label>
            <label>
                "Password"
                <input
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    node_ref=password
                />
            </label>
            {crate::load::alert(error)}
            <button type="submit" disabled=move || busy.get()>"Sign in"</button>
        </form>
    }
}

/// Where to go after signing in: `next` if it is a path of this site
/// (never another site: `//host` or `https://…`), else the workflows.
fn back_to(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/workflows",
    }
}

/// Light, dark, or as the system says: kept in the browser
/// (`localStorage`), applied as `data-theme` on the document.
#[component]
fn ThemeToggle() -> impl IntoView {
    const THEMES: [&str; 3] = ["auto", "light", "dark"];
    let theme = RwSignal::new("auto");
    #[cfg(feature = "hydrate")]
    {
        let storage = || web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        // After hydration (the server rendered "auto"): the saved choice.
        Effect::new(move |_| {
            let saved = storage().and_then(|s| s.get_item("keelson-theme").ok().flatten());
            if let Some(t) = saved.and_then(|t| THEMES.into_iter().find(|x| *x == t)) {
                theme.set(t);
            }
        });
        Effect::new(move |first: Option<()>| {
            let t = theme.get();
            let root =
                web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
            if let Some(root) = root {
                let _ = if t == "auto" {
                    root.remove_attribute("data-theme")
                } else {
                    root.set_attribute("data-theme", t)
                };
            }
            // Saved when changed, not when first read.
            if first.is_some()
                && let Some(s) = storage()
            {
                let _ = s.set_item("keelson-theme", t);
            }
        });
    }
    let next = move |_| {
        theme.update(|t| {
            let i = THEMES.iter().position(|x| x == t).unwrap_or(0);
            *t = THEMES[(i + 1) % THEMES.len()];
        })
    };
    view! {
        <button type="button" class="theme" on:click=next title="colour theme">
            {move || format!("Theme: {}", theme.get())}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_in_goes_back_only_within_this_site() {
        assert_eq!(back_to(Some("/workflows/ci/run-1?x=1")), "/workflows/ci/run-1?x=1");
        for away in [None, Some("//evil.example"), Some("https://evil.example"), Some("/\\evil")] {
            assert_eq!(back_to(away), "/workflows", "{away:?}");
        }
    }
}
