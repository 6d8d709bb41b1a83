//! Trade (issue 6): the trade page (purchasing rounds, orders, outlets, members' savings) and
//! the loan simulator (R-CRED-3), both in `pages`. The trade summary's API route is in
//! `fund::api` with the Fund's.

pub(crate) mod pages;

use crate::AppState;
use axum::routing::get;
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/odf/{slug}/simulador", get(pages::quote_page))
        .route("/odf/{slug}/comercio", get(pages::trade_page))
}

/// The API routes of this chapter (none of its own yet: see `fund::api`).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
}
