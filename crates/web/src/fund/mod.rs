//! The Fund (issue 3): reporting income, a member's statement (with its credit and trade
//! parts, cached: `pages::StatementCache`), the period close, the Fund page (`pages`); and
//! their API (`api`), which also has the loan quote, a lease's purchase option and the trade
//! summary.

pub(crate) mod api;
pub mod pages;

use crate::shell::read_cache;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/odf/{slug}/socios/{member_id}",
            get(pages::member_statement),
        )
        .route("/odf/{slug}/reportar", get(pages::my_report))
        .route(
            "/odf/{slug}/socios/{member_id}/reporte",
            get(pages::report_form_page)
                .post(pages::file_report)
                .layer(axum::middleware::map_response(read_cache::log_only)),
        )
        .route(
            "/odf/{slug}/cierre",
            get(pages::close_page).post(pages::close_post),
        )
        .route("/odf/{slug}/fondo", get(pages::fund_page))
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{slug}/members/{member_id}/reports",
            post(api::file_report).layer(axum::middleware::map_response(read_cache::log_only)),
        )
        .route(
            "/orgs/{slug}/periods/{period}/close",
            get(api::close_preview).post(api::close_period),
        )
        .route("/orgs/{slug}/loan-quote", post(api::loan_quote))
        .route(
            "/orgs/{slug}/members/{member_id}/fund",
            get(api::member_fund),
        )
        .route(
            "/orgs/{slug}/leases/{lease_id}/purchase",
            post(api::purchase_lease),
        )
        .route("/orgs/{slug}/fund", get(api::odf_fund))
        .route("/orgs/{slug}/trade", get(api::trade_summary))
}
