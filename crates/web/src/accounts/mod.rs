//! Accounts (issue 16): the first run's set-up code, activating an account with its code, one's
//! own account (password, sessions), staff giving members their accounts with a printable
//! slip (`pages`); the programme administrator's page: organisations, supervisors, codes
//! (`programme`); and their API (`api`).

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod programme;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/inicio", post(pages::setup))
        .route("/activar", get(pages::activate_form).post(pages::activate))
        .route("/cuenta", get(pages::account_page))
        .route("/cuenta/clave", post(pages::change_password))
        .route("/cuenta/sesiones/{id}/cerrar", post(pages::end_session))
        .route(
            "/programa",
            get(programme::programme_page).post(programme::create_org),
        )
        .route("/programa/supervisores", post(programme::create_supervisor))
        .route("/programa/codigo", post(programme::reissue))
        .route(
            "/odf/{slug}/cuentas",
            get(pages::accounts_page).post(pages::create_account),
        )
        .route("/odf/{slug}/cuentas/{login}/codigo", post(pages::reissue))
}

/// The API routes of this chapter (under `/api/v1`, behind the session check; activation is
/// public and registered with the sign-in in `api.rs`).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", post(api::create_org))
        .route("/supervisors", post(api::create_supervisor))
        .route("/users/{login}/code", post(api::reissue_programme_code))
        .route(
            "/orgs/{slug}/accounts",
            get(api::list_accounts).post(api::create_account),
        )
        .route(
            "/orgs/{slug}/accounts/{login}/code",
            post(api::reissue_code),
        )
        .route("/me/password", post(api::change_password))
        .route("/me/sessions", get(api::my_sessions))
        .route("/me/sessions/{id}/end", post(api::end_session))
}
