//! The Keelson web UI, in Leptos: the server renders every page
//! (feature `ssr`, through `leptos_axum` in `server/`), the browser
//! hydrates it from WASM (feature `hydrate`, built by `make ui` with
//! `cargo build --target wasm32-unknown-unknown` and the pinned
//! `wasm-bindgen` CLI). Pages talk to the server's own REST API and
//! websockets with the session cookie, like any other client.

// Leptos' view types nest deeply (the workflow page's is one type).
#![recursion_limit = "256"]

mod account;
mod ansi;
mod api;
mod crons;
mod editor;
mod graph;
mod icons;
mod load;
mod namespace;
mod runs_of;
mod secrets;
mod shell;
mod templates;
mod time;
mod widgets;
mod workflow;
mod workflows;
mod yaml;

pub use shell::{App, shell};

pub use api::LoadError;
#[cfg(feature = "ssr")]
pub use load::ServerApi;

/// The browser's entry point: take over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
