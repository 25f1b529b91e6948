//! What every data page does once it is live in the browser: load, and
//! on the way either go to the sign-in page (signed out) or say what went
//! wrong on the page. On the server nothing is loaded (the page renders
//! its empty state).

use leptos::prelude::*;

/// Run `load` in the browser once the page is hydrated.
#[cfg(feature = "hydrate")]
pub fn in_browser<F, Fut>(error: RwSignal<Option<String>>, load: F)
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), crate::api::LoadError>> + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    // Effects run in the browser only.
    Effect::new(move |_| {
        let (navigate, done) = (navigate.clone(), load());
        leptos::task::spawn_local(async move {
            match done.await {
                Ok(()) => {}
                Err(crate::api::LoadError::SignedOut) => navigate("/login", Default::default()),
                Err(crate::api::LoadError::Other(message)) => error.set(Some(message)),
            }
        });
    });
}

/// The page's error, if any, as an alert.
pub fn alert(error: RwSignal<Option<String>>) -> impl IntoView {
    move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })
}
