//! Serving the web UI (issue 6): every page rendered here by Leptos (the
//! `app` crate with `ssr`), and the site's files — the hydration script
//! and WASM in `pkg/` (built by `make ui`, with gzipped twins), the
//! stylesheet — from the site root. API paths never reach this router: it is merged beside the API.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};

/// Where the site's files are when nothing says otherwise: `site/` beside
/// the executable (where `make ui` puts it for the debug build).
pub fn default_site_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.join("site")))
        .unwrap_or_else(|| PathBuf::from("site"))
}

/// Whether the browser's files are there (the pages work without them,
/// read-only, as server-rendered HTML).
pub fn has_assets(site_root: &Path) -> bool {
    site_root.join("pkg").join("keelson.js").is_file()
}

pub fn router(site_root: &Path) -> Router {
    let options = LeptosOptions::builder()
        .output_name("keelson")
        .site_root(site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build();
    let routes = generate_route_list(app::App);
    // `pkg/` holds `.gz` twins made by `make ui`: sent to browsers that
    // take gzip (all do), without compressing on every request.
    let pkg = tower_http::services::ServeDir::new(site_root.join("pkg")).precompressed_gzip();
    Router::new()
        .nest_service("/pkg", pkg)
        .leptos_routes(&options, routes, {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .layer(axum::middleware::map_response(revalidate))
        .with_state(options)
}

/// The site's files have fixed names: a browser may keep them but must
/// ask again (a 304 is cheap) so that a new build is picked up at once.
async fn revalidate(mut response: Response) -> Response {
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    response
}
