//! The audit log (issue 5 item 7, R-GOV-2): what changed, before and after (`changes`), an
//! ODF's and the programme's log pages (`pages`) and the API's (`api`).

pub(crate) mod api;
pub mod changes;
pub(crate) mod pages;

use crate::AppState;
use axum::routing::get;
use axum::Router;

pub use changes::{LOOKBACK, PER_PAGE};

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/bitacora", get(pages::programme_audit))
        .route("/odf/{slug}/bitacora", get(pages::audit_page))
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route("/orgs/{slug}/audit", get(api::audit))
}
