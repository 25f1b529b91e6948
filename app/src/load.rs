//! How a data page gets its first data: the API's answers to the page's
//! paths, read into the page's own types (`crate::api`'s), on the server,
//! which renders the page with them (so it reads without JavaScript) and
//! sends them along in the HTML; in the browser, which takes them from
//! there when it hydrates the page (or asks the API itself when the user
//! moves to the page inside the app). Signed out, the page sends the user
//! to the sign-in page (an HTTP redirect on the server). What the page
//! does live afterwards (watches, refreshes) is the page's own business.

use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::LoadError;

/// The server's own API as the browser asking for a page would see it:
/// `GET path` with the browser's session, answered in-process. The server
/// provides one as context to every page it renders.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ServerApi(pub std::sync::Arc<dyn Fn(String) -> ServerAnswer + Send + Sync>);

#[cfg(feature = "ssr")]
pub type ServerAnswer =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, LoadError>> + Send>>;

/// A page whose content needs the API's answers to `paths`, read in
/// order into the tuple `T` (one type per path): rendered by `body` once
/// they are there.
pub fn page<T, V, F>(paths: Vec<String>, body: F) -> impl IntoView
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    #[cfg(feature = "ssr")]
    let api = use_context::<ServerApi>();
    // Signed out, the sign-in page comes back here afterwards.
    let location = leptos_router::hooks::use_location();
    let here = format!(
        "{}{}",
        location.pathname.get_untracked(),
        match location.search.get_untracked() {
            s if s.is_empty() => String::new(),
            s => format!("?{}", s.trim_start_matches('?')),
        }
    );
    let sign_in = format!("/login?next={}", crate::api::encode(&here));
    let first = Resource::new(
        || (),
        move |()| {
            let paths = paths.clone();
            #[cfg(feature = "ssr")]
            {
                let api = api.clone();
                async move {
                    let api = api.ok_or_else(|| LoadError::Other("no API to ask".into()))?;
                    let mut answers = Vec::with_capacity(paths.len());
                    for path in paths {
                        answers.push((api.0)(path).await?);
                    }
                    read::<T>(answers)
                }
            }
            #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
            {
                // The browser's requests are not `Send`; they never leave
                // its one thread.
                send_wrapper::SendWrapper::new(async move {
                    let mut answers = Vec::with_capacity(paths.len());
                    for path in paths {
                        answers.push(crate::api::get::<Value>(&path).await?);
                    }
                    read::<T>(answers)
                })
            }
            #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
            {
                let _ = paths;
                std::future::ready(Err::<T, _>(LoadError::Other("no API".into())))
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="hint">"Loading…"</p> }>
            {move || {
                let (body, sign_in) = (body.clone(), sign_in.clone());
                Suspend::new(async move {
                    match first.await {
                        Ok(answers) => body(answers).into_any(),
                        Err(LoadError::SignedOut) => {
                            view! { <leptos_router::components::Redirect path=sign_in/> }
                                .into_any()
                        }
                        Err(LoadError::Other(message)) => {
                            view! { <p class="error" role="alert">{message}</p> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// The answers, one per path, read as the tuple `T`.
#[cfg(any(feature = "ssr", feature = "hydrate"))]
fn read<T: DeserializeOwned>(answers: Vec<Value>) -> Result<T, LoadError> {
    T::deserialize(Value::Array(answers))
        .map_err(|e| LoadError::Other(format!("the server's answer cannot be read: {e}")))
}

/// Run `load` in the browser once the page is live (and again whenever
/// what it reads changes); signed out, go to the sign-in page, otherwise
/// say on the page what went wrong.
#[cfg(feature = "hydrate")]
pub fn in_browser<F, Fut>(error: RwSignal<Option<String>>, load: F)
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), LoadError>> + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    // Effects run in the browser only.
    Effect::new(move |_| {
        let (navigate, done) = (navigate.clone(), load());
        spawn_while_shown(async move {
            match done.await {
                Ok(()) => {}
                Err(LoadError::SignedOut) => navigate("/login", Default::default()),
                Err(LoadError::Other(message)) => error.set(Some(message)),
            }
        });
    });
}

/// Run `task` in the browser while what called this is on the page: when
/// it goes away (or the effect that called this runs again), the task is
/// dropped at once — and with it its websocket, closed.
#[cfg(feature = "hydrate")]
pub fn spawn_while_shown(task: impl std::future::Future<Output = ()> + 'static) {
    let (gone_tx, gone) = futures_channel::oneshot::channel::<()>();
    let gone_tx = std::sync::Mutex::new(Some(gone_tx));
    on_cleanup(move || {
        if let Some(tx) = gone_tx.lock().ok().and_then(|mut t| t.take()) {
            let _ = tx.send(());
        }
    });
    leptos::task::spawn_local(async move {
        let _ = futures_util::future::select(Box::pin(task), gone).await;
    });
}

/// The page's error, if any, as an alert.
pub fn alert(error: RwSignal<Option<String>>) -> impl IntoView {
    move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })
}
