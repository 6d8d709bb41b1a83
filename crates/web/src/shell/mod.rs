//! The shell: what every chapter's pages and API routes share, and nothing of any chapter.
//! Chapter modules (`members`, `plans`, `dues`, `fund`, ...) import from here; this module
//! imports none of them (the router is assembled in `lib.rs` and `api.rs`).
//!
//! - the request context [`Ctx`] (session, language, origin: `auth`), sign-in and out
//!   (`signin`), the sign-in limiter (`limiter`), client addresses (`client_addr`);
//! - pages: errors ([`PageError`], [`PageResult`]), [`render`], [`require`], [`visible_org`],
//!   [`check`], [`check_csrf`], the header's navigation ([`Nav`]), the language cookie
//!   (`page`); forms' fields, labels and refusals, the confirmation step (`forms`); dates
//!   (`dates`); numbers, money and times in words (`format`, `i18n`), charts (`chart`), the
//!   rules page (`rules`); a member typed by name or number on a form (`member_pick`);
//! - static files, the health check and the 404 page (`static_files`); security headers and
//!   the page script (`security`); reads cached until a write (`read_cache`);
//! - working without a signal: the manifest, the service worker, the offline script and page,
//!   the session probe and the replay of a queued form (`offline`, issue 20);
//! - the API: the JSON error body, refusals, the session and organisation of a route, the
//!   idempotency layer and `POST /api/v1/session` (`api`); the contract's extractors,
//!   error bodies of the framework's rejections and the OpenAPI modifier (`api_contract`).

pub(crate) mod api;
pub(crate) mod api_contract;
pub(crate) mod auth;
pub(crate) mod chart;
pub mod client_addr;
pub(crate) mod csv;
pub(crate) mod dates;
pub(crate) mod format;
pub(crate) mod forms;
pub(crate) mod i18n;
pub mod limiter;
pub(crate) mod names;

pub(crate) mod member_pick;
pub(crate) mod offline;
pub(crate) mod page;
pub(crate) mod pager;
pub mod read_cache;
pub(crate) mod read_gate;
pub(crate) mod rules;
pub(crate) mod security;
pub(crate) mod signin;
pub(crate) mod static_files;
pub(crate) mod words;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub(crate) use api::{access_error, app_error, invalid, org_for, session, ApiError, ApiResult};
pub(crate) use api_contract::{shape, ApiJson, ApiPath, ApiQuery};
pub(crate) use auth::Ctx;
pub(crate) use dates::{fact_date_field, today_mx};
pub(crate) use forms::{
    field_label, field_problem, form_error, label, local_time, staff_form, ConfirmPage, FormField,
};
pub(crate) use i18n::{Lang, Tr};
pub(crate) use page::{
    check, check_csrf, render, require, visible_org, Nav, PageError, PageResult,
};
pub(crate) use signin::random_token;
pub(crate) use words::role_label;

/// The shell's own pages: health, static files, sign-in and out, the rules.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(static_files::healthz))
        .route("/static/tequio.css", get(static_files::stylesheet))
        .route("/static/htmx.min.js", get(static_files::htmx))
        .route("/static/htmx-LICENSE.txt", get(static_files::htmx_licence))
        .route("/static/tequio.js", get(security::script))
        .route("/entrar", get(signin::signin_form).post(signin::signin))
        .route("/salir", post(signin::signout))
        .route("/reglas", get(rules::rules_page))
        // Issue 20: the installable app and working without a signal.
        .route("/manifest.webmanifest", get(offline::manifest))
        .route("/sw.js", get(offline::service_worker))
        .route("/static/offline.js", get(offline::script))
        .route("/static/icon.svg", get(offline::icon_svg))
        .route("/static/icon-192.png", get(offline::icon_192))
        .route("/static/icon-512.png", get(offline::icon_512))
        .route("/sin-conexion", get(offline::offline_page))
        .route("/sesion", get(offline::probe))
        // Issue 18: a member typed by name or number, suggested as one types.
        .route("/odf/{slug}/socios/opciones", get(member_pick::suggestions))
}
