//! Members (R-ORG-2..5, issue 17): the list, search and "add a member" form, the members
//! import (`list`); a member's record, its edit, a leave, the board and committees with their
//! roles and seats, the import from an uploaded file (`record`); and their API (`api`).

pub(crate) mod api;
pub(crate) mod csv;
pub(crate) mod list;
pub(crate) mod record;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/odf/{slug}/socios",
            get(list::members_page).post(list::add_member),
        )
        .route("/odf/{slug}/socios.csv", get(csv::members_csv))
        .route("/odf/{slug}/socios/importar", post(record::import_members))
        .route(
            "/odf/{slug}/socios/{member_id}/ficha",
            get(record::record_page),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/editar",
            post(record::edit_member),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/baja",
            post(record::record_leave),
        )
        .route(
            "/odf/{slug}/consejo",
            get(record::board_page).post(record::give_role),
        )
        .route("/odf/{slug}/consejo/{id}/terminar", post(record::end_role))
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{slug}/members",
            get(api::list_members).post(api::add_member),
        )
        .route(
            "/orgs/{slug}/members/{member_id}/statement",
            get(api::member_statement),
        )
        .route(
            "/orgs/{slug}/members/{member_id}/leave",
            post(api::record_leave),
        )
        .route(
            "/orgs/{slug}/members/{member_id}/edit",
            post(api::edit_member),
        )
        .route("/orgs/{slug}/roles", post(api::assign_role))
        .route("/orgs/{slug}/roles/current", get(api::list_roles))
        .route("/orgs/{slug}/roles/{id}/end", post(api::end_role))
}
