//! The ODFs: the home page (the viewer's ODFs with their key figures), an ODF's shared
//! figures, the signed-in member's way to their own statement (`pages`), and the API's list
//! and key figures (`api`).

pub(crate) mod api;
pub(crate) mod pages;

use crate::AppState;
use axum::routing::get;
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/odf/{slug}", get(pages::org_page))
        .route("/odf/{slug}/mi-estado", get(pages::my_statement))
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(api::list_orgs))
        .route("/orgs/{slug}", get(api::get_org))
}
