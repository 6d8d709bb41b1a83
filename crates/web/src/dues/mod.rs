//! Dues (R-ORG-6) and the collection sheet (issue 17): the pages (`pages`) and the API
//! (`api`); see `pages` for what each does.

pub(crate) mod api;
pub(crate) mod pages;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/odf/{slug}/cuotas",
            get(pages::dues_page).post(pages::charge_post),
        )
        .route("/odf/{slug}/cuotas/pago", post(pages::pay_post))
        .route(
            "/odf/{slug}/cuotas/recibos/{reference}",
            get(pages::receipt_page),
        )
        .route(
            "/odf/{slug}/cobranza",
            get(pages::sheet_page).post(pages::collect_post),
        )
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/orgs/{slug}/dues", get(api::api_arrears))
        .route("/orgs/{slug}/dues/charges", post(api::api_charge))
        .route("/orgs/{slug}/dues/payments", post(api::api_pay))
        .route(
            "/orgs/{slug}/dues/receipts/{reference}",
            get(api::api_receipt),
        )
        .route("/orgs/{slug}/dues/sheet", get(api::api_sheet))
        .route("/orgs/{slug}/dues/collections", post(api::api_collect))
}
