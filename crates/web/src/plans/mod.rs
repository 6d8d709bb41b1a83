//! Business plans (R-PLAN-1, R-PLAN-4): the plans page and agreeing a plan, one plan with its
//! history, revising its target and ending it (`pages`), and their API (`api`).

pub(crate) mod api;
pub(crate) mod pages;

use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/odf/{slug}/planes",
            get(pages::plans_page).post(pages::agree_plan),
        )
        .route(
            "/odf/{slug}/socios/{member_id}/plan",
            get(pages::member_plan),
        )
        .route("/odf/{slug}/planes/{id}", get(pages::plan_page))
        .route("/odf/{slug}/planes/{id}/meta", post(pages::revise_target))
        .route("/odf/{slug}/planes/{id}/terminar", post(pages::end_plan))
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{slug}/members/{member_id}/plans",
            get(api::member_plans),
        )
        .route(
            "/orgs/{slug}/plans",
            get(api::list_plans).post(api::agree_plan),
        )
        .route("/orgs/{slug}/plans/flagged", get(api::flagged_plans))
        .route("/orgs/{slug}/plans/{plan_id}", get(api::get_plan))
        .route(
            "/orgs/{slug}/plans/{plan_id}/target",
            post(api::revise_target),
        )
        .route("/orgs/{slug}/plans/{plan_id}/end", post(api::end_plan))
}
