//! Governance (R-GOV-1, R-GOV-2): the board's proposals, votes, comments and closing a vote
//! (`proposals`, API in `api`), and the group's settings changed by proposal (`settings`,
//! pages and API).

pub(crate) mod api;
pub(crate) mod proposals;
pub(crate) mod settings;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/odf/{slug}/propuestas",
            get(proposals::proposals_page).post(proposals::propose),
        )
        .route("/odf/{slug}/propuestas/{id}/voto", post(proposals::vote))
        .route(
            "/odf/{slug}/propuestas/{id}/comentario",
            post(proposals::comment),
        )
        .route("/odf/{slug}/propuestas/{id}/cerrar", post(proposals::close))
        .route(
            "/odf/{slug}/ajustes",
            get(settings::settings_page).post(settings::propose_setting),
        )
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{slug}/proposals",
            get(api::list_proposals).post(api::create_proposal),
        )
        .route("/orgs/{slug}/proposals/{id}/votes", post(api::cast_vote))
        .route(
            "/orgs/{slug}/proposals/{id}/comments",
            post(api::add_comment),
        )
        .route("/orgs/{slug}/proposals/{id}/close", post(api::close_vote))
        .route("/orgs/{slug}/settings", get(settings::list_settings))
        .route(
            "/orgs/{slug}/settings/proposals",
            post(settings::create_setting_proposal),
        )
}
