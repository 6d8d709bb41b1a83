//! Static files (the stylesheet, htmx, the script), the health check and the 404 page.

use crate::shell::{Ctx, PageError};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

// ---------------------------------------------------------------- static and health

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.app.store().orgs().await {
        Ok(orgs) => {
            Json(serde_json::json!({"status": "ok", "organisations": orgs.len()})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

const CACHE: &str = "public, max-age=86400";

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        include_str!("../../static/tequio.css"),
    )
        .into_response()
}

/// htmx 2.0.4 (BSD Zero-Clause licence, static/htmx-LICENSE.txt), served pre-compressed when
/// the browser accepts gzip (16 KB instead of 51 KB).
pub async fn htmx(headers: axum::http::HeaderMap) -> Response {
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let js = (header::CONTENT_TYPE, "text/javascript; charset=utf-8");
    if gzip {
        (
            [
                js,
                (header::CONTENT_ENCODING, "gzip"),
                (header::CACHE_CONTROL, CACHE),
            ],
            &include_bytes!("../../static/htmx.min.js.gz")[..],
        )
            .into_response()
    } else {
        (
            [js, (header::CACHE_CONTROL, CACHE)],
            &include_bytes!("../../static/htmx.min.js")[..],
        )
            .into_response()
    }
}

pub async fn htmx_licence() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        include_str!("../../static/htmx-LICENSE.txt"),
    )
        .into_response()
}

pub async fn not_found(ctx: Ctx) -> Response {
    PageError::NotFound(ctx.t).into_response()
}
