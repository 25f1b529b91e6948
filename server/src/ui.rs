//! Serving the web UI: every page rendered here by Leptos (the
//! `app` crate with `ssr`), and the site's files — the hydration script
//! and WASM in `pkg/` (built by `make ui`, with gzipped twins), the
//! stylesheet — from the site root. API paths never reach this router: it is merged beside the API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use app::{LoadError, ServerApi};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header, request::Parts};
use axum::response::Response;
use leptos::prelude::{LeptosOptions, provide_context, use_context};
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};
use tower_service::Service;

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

/// The UI's routes; `api` is the API's router, which the pages read from
/// in-process (as the browser asking for the page) while they are rendered.
pub fn router(site_root: &Path, api: Router) -> Router {
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
        .leptos_routes_with_context(&options, routes, move || provide_api(api.clone()), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .layer(axum::middleware::map_response(revalidate))
        // Pages gzipped on the way out (a 5,000-node run's page is
        // megabytes of markup that compresses tenfold); `pkg/` answers
        // are gzipped already and pass through as they are.
        .layer(tower_http::compression::CompressionLayer::new().gzip(true))
        .with_state(options)
}

/// The site's files have fixed names: a browser may keep them but must
/// ask again (a 304 is cheap) so that a new build is picked up at once.
/// Pages carry the signed-in user's data (and the session's CSRF token):
/// not stored at all — Back after signing out must not show them, and a
/// page brought back from a cache would watch from a stale version.
async fn revalidate(mut response: Response) -> Response {
    let page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let policy = if page { "no-store" } else { "no-cache" };
    response.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(policy));
    response
}

/// Give the page being rendered its way to the API: as the browser that
/// asked for the page — its cookies (session, roles), its `Host` and
/// `Origin` (the API's checks against DNS rebinding apply to pages too),
/// where it connects from.
fn provide_api(api: Router) {
    let asked = use_context::<Parts>().map(|p| Asker::of(&p)).unwrap_or_default();
    let page = use_context::<ResponseOptions>();
    provide_context(ServerApi(Arc::new(move |path| {
        Box::pin(read(api.clone(), path, asked.clone(), page.clone()))
    })));
}

/// What of the page's request goes with each of its reads.
#[derive(Clone, Default)]
struct Asker {
    headers: HeaderMap,
    from: Option<ConnectInfo<SocketAddr>>,
}

/// The headers that say who asks and from where; not the page's
/// conditional or content headers (a read must get a full JSON answer).
const ASKER_HEADERS: [header::HeaderName; 6] = [
    header::COOKIE,
    header::HOST,
    header::ORIGIN,
    header::AUTHORIZATION,
    header::USER_AGENT,
    // The page's request ID: an error the read logs names the page's.
    header::HeaderName::from_static(crate::api::REQUEST_ID),
];

impl Asker {
    fn of(parts: &Parts) -> Asker {
        let mut headers = HeaderMap::new();
        for name in ASKER_HEADERS {
            for value in parts.headers.get_all(&name) {
                headers.append(name.clone(), value.clone());
            }
        }
        Asker { headers, from: parts.extensions.get::<ConnectInfo<SocketAddr>>().copied() }
    }
}

/// What a page says when its data could not be read for a reason of the
/// server's own (the detail is in the server's log).
const UNANSWERED: &str = "the server could not read this page's data";

/// Pages read small lists and one workflow; this bounds what one page may
/// pull in (a 100,000-node workflow is about 20 MiB).
const MOST_READ: usize = 64 << 20;

async fn read(
    mut api: Router,
    path: String,
    asked: Asker,
    page: Option<ResponseOptions>,
) -> Result<serde_json::Value, LoadError> {
    let mut request = Request::get(path.as_str()).body(Body::empty()).map_err(|e| {
        tracing::error!("page data {path}: {e}");
        LoadError::Other(UNANSWERED.into())
    })?;
    *request.headers_mut() = asked.headers;
    request.headers_mut().insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    if let Some(from) = asked.from {
        request.extensions_mut().insert(from);
    }
    let response = match api.call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // A session's cookie is renewed by each use (it ends after a while
    // idle): the page carries the renewal to the browser.
    if let (Some(page), Some(renewed)) = (&page, response.headers().get(header::SET_COOKIE)) {
        page.insert_header(header::SET_COOKIE, renewed.clone());
    }
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED {
        return Err(LoadError::SignedOut);
    }
    // Pages read JSON documents, never streams (a log that follows would
    // hold the page until the workflow ends).
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !json {
        tracing::error!("page data {path}: not a JSON answer ({status})");
        return Err(LoadError::Other(UNANSWERED.into()));
    }
    let body = axum::body::to_bytes(response.into_body(), MOST_READ).await.map_err(|e| {
        tracing::error!("page data {path}: {e}");
        LoadError::Other(UNANSWERED.into())
    })?;
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if !status.is_success() {
        let message = value["message"].as_str().unwrap_or("the request failed");
        return Err(LoadError::Other(message.to_string()));
    }
    Ok(value)
}
