//! The opening position of an ODF that starts with history (issue 16): the page, the upload
//! and the API, all in `pages`.

pub(crate) mod pages;

use crate::AppState;
use axum::routing::get;
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(
        "/odf/{slug}/apertura",
        get(pages::opening_page).post(pages::upload_opening),
    )
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route(
        "/orgs/{slug}/opening",
        get(pages::get_opening).post(pages::post_opening),
    )
}
