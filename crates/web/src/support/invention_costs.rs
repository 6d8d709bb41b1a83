//! An invention's Competition Sub-Fund expenses on the web (R-INNO-1, R-FUND-3): the invention's
//! page shows the prototype and sample payments linked to it and their total; staff link one
//! more, chosen by its description, date and amount among the ODF's payments not linked yet
//! (`POST /odf/{slug}/inventos/{id}/gastos`). API: `GET|POST
//! /api/v1/orgs/{slug}/inventions/{id}/expenses`.

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use crate::shell::format::money_es_mx;
use crate::shell::{
    app_error, check, check_csrf, org_for, visible_org, ApiError, ApiJson, ApiPath, ApiResult, Ctx,
    PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{Action, Session};
use app::Actor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Form, Json};
use serde::Deserialize;
use store::OrgId;
use utoipa::{OpenApi, ToSchema};

pub struct ExpenseRow {
    pub description: String,
    pub on: String,
    pub amount: String,
}

/// What the invention's page shows of its expenses.
#[derive(Default)]
pub struct ExpensesBlock {
    pub rows: Vec<ExpenseRow>,
    pub total: String,
    /// Staff link payments.
    pub may_link: bool,
    /// Payments not linked yet: (reference, "description · date · amount").
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
}

/// Who links a payment to an invention: staff, who record the Fund's payments.
pub(crate) fn may_link(session: &Session, org: OrgId) -> bool {
    session.viewer.may(org, Action::ManageMembers)
}

pub(crate) async fn block(
    state: &AppState,
    t: Tr,
    session: &Session,
    org: OrgId,
    id: i64,
    error: Option<String>,
) -> Result<ExpensesBlock, PageError> {
    let all = state
        .app
        .prototype_payments(org)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let mut total: i128 = 0;
    let mut out = ExpensesBlock {
        may_link: may_link(session, org),
        error,
        ..ExpensesBlock::default()
    };
    for p in &all {
        if p.invention == Some(id) {
            total += i128::from(p.amount_minor);
            out.rows.push(ExpenseRow {
                description: p.description.clone(),
                on: t.date(&p.on),
                amount: money_es_mx(i128::from(p.amount_minor)),
            });
        } else if p.invention.is_none() {
            out.options.push((
                p.reference.clone(),
                format!(
                    "{} · {} · {}",
                    p.description,
                    t.date(&p.on),
                    money_es_mx(i128::from(p.amount_minor))
                ),
            ));
        }
    }
    out.total = money_es_mx(total);
    Ok(out)
}

#[derive(Deserialize, Default, Clone)]
pub struct LinkForm {
    #[serde(default)]
    csrf: String,
    /// The payment's reference.
    #[serde(default)]
    pub expense: String,
}

/// Staff link a payment; linking it again changes nothing. A refusal is shown on the page
/// next to the list.
pub async fn link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<LinkForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    match state
        .app
        .link_prototype_payment(org.id, &actor, id, &form.expense)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/odf/{slug}/inventos/{id}#gastos")).into_response()),
        Err(e) if e.is_caller_error() && e.field() == Some("expense") => {
            let message = if e.rule_id() == Some("R-INNO-1") {
                t.get("s19.exp.err_taken")
            } else {
                t.get("s19.exp.err_choose")
            };
            let error = format!("{message} ({})", t.get("s19.exp.payment"));
            super::inventions::invention_with_expense_error(
                &state,
                &ctx,
                &slug,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                error,
            )
            .await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

/// A payment to link.
#[derive(Deserialize, ToSchema)]
pub struct ExpenseIn {
    /// The payment's reference (`fund spend --ref`).
    pub reference: String,
}

/// The invention's linked prototype and sample payments and their total (everyone in the
/// ODF's circle).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/inventions/{id}/expenses", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_expenses(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    // The invention must exist (404 otherwise).
    state
        .app
        .invention_for(org.id, None, id, crate::shell::today_mx())
        .await
        .map_err(crate::shell::access_error)?;
    let (linked, total) = state
        .app
        .invention_expenses(org.id, id)
        .await
        .map_err(app_error)?;
    Ok(Json(serde_json::json!({ "expenses": linked, "total_minor": total })).into_response())
}

/// Staff link a prototype or sample payment to the invention (R-INNO-1, R-FUND-3).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/inventions/{id}/expenses", security(("bearer" = [])), params(("slug" = String, Path), ("id" = i64, Path)), request_body = ExpenseIn, responses((status = 200), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn link_expense(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ExpenseIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    state
        .app
        .link_prototype_payment(
            org.id,
            &Actor::new(s.viewer.login.clone(), ctx.origin.clone()),
            id,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    let (linked, total) = state
        .app
        .invention_expenses(org.id, id)
        .await
        .map_err(app_error)?;
    Ok(Json(serde_json::json!({ "expenses": linked, "total_minor": total })).into_response())
}

#[derive(OpenApi)]
#[openapi(paths(list_expenses, link_expense), components(schemas(ExpenseIn)))]
pub(crate) struct ExpensesApi;

/// Adds the invention expenses' routes to the API's document (`ApiDoc`).
pub(crate) struct ExpensesDoc;

impl utoipa::Modify for ExpensesDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(ExpensesApi::openapi());
    }
}
