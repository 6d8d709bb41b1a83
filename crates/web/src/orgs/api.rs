//! The API's ODFs: the list the caller sees and one ODF's key figures.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::orgs::pages::key_figures;
use crate::shell::{app_error, org_for, session, ApiError, ApiPath, ApiResult, Ctx};
use crate::AppState;
use app::access_cases::Action;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use store::Org;
use utoipa::ToSchema;

// ---------------------------------------------------------------- organisations

#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    slug: String,
    name: String,
    state: String,
    trade: String,
    members: u64,
    bank_minor: i64,
    dues_receivable_minor: i64,
    dues_income_minor: i64,
}

pub(crate) async fn org_out(state: &AppState, org: Org) -> Result<OrgOut, Response> {
    let k = key_figures(state, &org)
        .await
        .map_err(|e| app_error(e.into()))?;
    Ok(OrgOut {
        slug: org.data.slug,
        name: org.data.name,
        state: org.data.state,
        trade: org.data.trade,
        members: k.members,
        bank_minor: k.bank_minor as i64,
        dues_receivable_minor: k.dues_receivable_minor as i64,
        dues_income_minor: k.dues_income_minor as i64,
    })
}

/// The ODFs the caller sees (all of them for a supervisor), with key figures; at most 200.
#[utoipa::path(get, path = "/api/v1/orgs", security(("bearer" = [])), responses((status = 200, body = [OrgOut]), (status = 401, body = ApiError)))]
pub(crate) async fn list_orgs(State(state): State<AppState>, ctx: Ctx) -> ApiResult {
    let s = session(&ctx)?;
    let orgs = state
        .app
        .store()
        .orgs()
        .await
        .map_err(|e| app_error(e.into()))?;
    let mut out = Vec::new();
    for org in orgs
        .into_iter()
        .filter(|o| s.viewer.sees_org(o.id))
        .take(200)
    {
        out.push(org_out(&state, org).await?);
    }
    Ok(Json(out).into_response())
}

/// One ODF's shared key figures.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = OrgOut), (status = 404, body = ApiError)))]
pub(crate) async fn get_org(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    Ok(Json(org_out(&state, org).await?).into_response())
}
