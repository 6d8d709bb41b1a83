//! The HTTP shell: routes, server-rendered HTML (askama templates) and the health endpoint.
//!
//! This is the read-only first slice of the web application: the list of ODFs, and per ODF its
//! members and trial balance. It only calls [`app::App`]; it never touches a database or a
//! rule directly. Spanish (es-MX) is the language of every page.

mod format;
mod pages;

use app::App;
use axum::{routing::get, Router};
use tower_http::limit::RequestBodyLimitLayer;

pub use format::money_es_mx;

/// Largest request body accepted anywhere (forms and JSON are small; imports use the CLI).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The router for the whole application.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(pages::healthz))
        .route("/", get(pages::index))
        .route("/odf/{slug}", get(pages::org_page))
        .route("/static/tequio.css", get(pages::stylesheet))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

/// Serves `router` on `listener` until ctrl-c.
pub async fn serve(app: App, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
