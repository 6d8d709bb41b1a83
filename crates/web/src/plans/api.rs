//! The API's business plans (R-PLAN-1: list, agree, revise the target, end; a member's own
//! plans) and the plans flagged for review (R-PLAN-4).

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::shell::{
    access_error, app_error, invalid, org_for, shape, ApiError, ApiJson, ApiPath, ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::Action;
use app::fund_cases::PlanCommand;
use app::Audit;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use fund::{BusinessPlan, NewBusinessPlan, PlanStatus, Target, TargetMeasure};
use ledger::Money;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------- plans

#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    /// revenue or profit.
    measure: &'static str,
    amount_minor: i64,
    by: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct PlanChangeOut {
    on: NaiveDate,
    /// agreed, status, target or measures.
    kind: &'static str,
    reason: String,
    from_status: Option<&'static str>,
    to_status: Option<&'static str>,
    from_target: Option<TargetOut>,
    to_target: Option<TargetOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    id: i64,
    member_id: i64,
    member_name: String,
    currency: String,
    baseline_revenue_minor: i64,
    baseline_profit_minor: i64,
    target: TargetOut,
    measures: Vec<String>,
    /// active, succeeded, failed or abandoned.
    status: &'static str,
    agreed_on: NaiveDate,
    history: Vec<PlanChangeOut>,
}

fn target_out(t: &Target) -> TargetOut {
    TargetOut {
        measure: match t.measure {
            TargetMeasure::Revenue => "revenue",
            TargetMeasure::Profit => "profit",
        },
        amount_minor: t.amount.amount_minor(),
        by: t.by,
    }
}

fn plan_out(p: BusinessPlan, member_name: String) -> PlanOut {
    PlanOut {
        id: p.id,
        member_id: p.member_id,
        member_name,
        currency: p.baseline_revenue.currency().as_str().to_string(),
        baseline_revenue_minor: p.baseline_revenue.amount_minor(),
        baseline_profit_minor: p.baseline_profit.amount_minor(),
        target: target_out(&p.target),
        measures: p.measures.clone(),
        status: p.status.as_str(),
        agreed_on: p.agreed_on,
        history: p
            .history
            .iter()
            .map(|c| {
                let mut out = PlanChangeOut {
                    on: c.on,
                    kind: "agreed",
                    reason: c.reason.clone(),
                    from_status: None,
                    to_status: None,
                    from_target: None,
                    to_target: None,
                };
                match &c.kind {
                    fund::plan::PlanChangeKind::Agreed => {}
                    fund::plan::PlanChangeKind::StatusChanged { from, to } => {
                        out.kind = "status";
                        out.from_status = Some(from.as_str());
                        out.to_status = Some(to.as_str());
                    }
                    fund::plan::PlanChangeKind::TargetRevised { from, to } => {
                        out.kind = "target";
                        out.from_target = Some(target_out(from));
                        out.to_target = Some(target_out(to));
                    }
                    fund::plan::PlanChangeKind::MeasuresRevised => out.kind = "measures",
                }
                out
            })
            .collect(),
    }
}

/// Each plan with its member's name (names read once per member).
async fn plans_out(
    state: &AppState,
    org_id: i64,
    plans: Vec<BusinessPlan>,
) -> Result<Vec<PlanOut>, axum::response::Response> {
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(plans.len());
    for p in plans {
        let name = match names.get(&p.member_id) {
            Some(n) => String::clone(n),
            None => {
                let m = state
                    .app
                    .store()
                    .member(org_id, p.member_id)
                    .await
                    .map_err(|e| app_error(e.into()))?;
                let n = app::dues_cases::member_name(&m);
                names.insert(p.member_id, n.clone());
                n
            }
        };
        out.push(plan_out(p, name));
    }
    Ok(out)
}

/// R-PLAN-1: every plan of the ODF as it is now (staff, board, supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/plans", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [PlanOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn list_plans(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let plans = state.app.plans(org.id).await.map_err(app_error)?;
    Ok(Json(plans_out(&state, org.id, plans).await?).into_response())
}

/// R-PLAN-1: a member's plans, the one in force last (the member themself, staff, board,
/// supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members/{member_id}/plans", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), responses((status = 200, body = [PlanOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn member_plans(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    s.viewer
        .check(org.id, Action::ViewMember(member_id))
        .map_err(access_error)?;
    state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| app_error(e.into()))?;
    let mut plans: Vec<BusinessPlan> = state
        .app
        .plans(org.id)
        .await
        .map_err(app_error)?
        .into_iter()
        .filter(|p| p.member_id == member_id)
        .collect();
    plans.sort_by_key(|p| (p.agreed_on, p.id));
    Ok(Json(plans_out(&state, org.id, plans).await?).into_response())
}

/// One plan with its history: its member, staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/plans/{plan_id}", security(("bearer" = [])), params(("slug" = String, Path), ("plan_id" = i64, Path)), responses((status = 200, body = PlanOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn get_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, plan_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let plan = state.app.plan(org.id, plan_id).await.map_err(app_error)?;
    s.viewer
        .check(org.id, Action::ViewMember(plan.member_id))
        .map_err(access_error)?;
    let mut out = plans_out(&state, org.id, vec![plan]).await?;
    Ok(Json(out.remove(0)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct FlaggedOut {
    /// The last closed period (`YYYY-MM`), absent before the first close.
    last_closed: Option<String>,
    /// The setting: consecutive periods with no positive increment (3 by default).
    periods_setting: u32,
    plans: Vec<FlaggedPlanOut>,
}

#[derive(Serialize, ToSchema)]
pub struct FlaggedPlanOut {
    plan_id: i64,
    member_id: i64,
    member_name: String,
    /// The periods with no positive increment, oldest first.
    periods: Vec<String>,
}

/// R-PLAN-4: the active plans with no positive increment for the setting's consecutive
/// periods up to the last closed one (staff, board, supervisors).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/plans/flagged", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = FlaggedOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub(crate) async fn flagged_plans(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let (last, flags) = state.app.flagged_plans(org.id).await.map_err(app_error)?;
    let periods_setting = state
        .app
        .fund_settings(org.id)
        .await
        .map_err(app_error)?
        .inadequate_plan_periods;
    Ok(Json(FlaggedOut {
        last_closed: last.map(|p| p.to_string()),
        periods_setting,
        plans: flags
            .into_iter()
            .map(|f| FlaggedPlanOut {
                plan_id: f.flag.plan_id,
                member_id: f.flag.member_id,
                member_name: f.member_name,
                periods: f.flag.periods.iter().map(|p| p.to_string()).collect(),
            })
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct PlanIn {
    member_id: i64,
    baseline_revenue_minor: i64,
    /// May be negative (a loss).
    baseline_profit_minor: i64,
    /// revenue (default) or profit.
    measure: Option<String>,
    target_minor: i64,
    by: NaiveDate,
    #[serde(default)]
    measures: Vec<String>,
    /// The day it was agreed (default today in America/Mexico_City).
    on: Option<NaiveDate>,
}

/// Reads a target measure (`revenue`, `profit`), naming the field when refused.
fn measure_of(text: Option<&str>) -> Result<TargetMeasure, axum::response::Response> {
    match text.unwrap_or("revenue") {
        "revenue" => Ok(TargetMeasure::Revenue),
        "profit" => Ok(TargetMeasure::Profit),
        _ => Err(invalid("measure", "must be revenue or profit")),
    }
}

/// The day of a change as the API gives it (default today), checked by `fact_date`.
fn when_of(on: Option<NaiveDate>) -> app::FactDate {
    app::FactDate::new(on, crate::shell::today_mx())
}

/// R-PLAN-1: agrees a member's plan (staff): 201 with the plan.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/plans", security(("bearer" = [])), params(("slug" = String, Path)), request_body = PlanIn, responses((status = 201, body = PlanOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn agree_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<PlanIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let cur = org.data.currency;
    let new = NewBusinessPlan {
        member_id: body.member_id,
        baseline_revenue: Money::new(body.baseline_revenue_minor, cur),
        baseline_profit: Money::new(body.baseline_profit_minor, cur),
        target: Target {
            measure: measure_of(body.measure.as_deref())?,
            amount: Money::new(body.target_minor, cur),
            by: body.by,
        },
        measures: body.measures,
        services: Vec::new(),
    };
    let audit = Audit::new(s.viewer.login.clone(), ctx.origin.clone());
    let plan = state
        .app
        .agree_plan(org.id, new, when_of(body.on), &audit)
        .await
        .map_err(app_error)?;
    let mut out = plans_out(&state, org.id, vec![plan]).await?;
    Ok((StatusCode::CREATED, Json(out.remove(0))).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct TargetIn {
    target_minor: i64,
    by: NaiveDate,
    #[schema(schema_with = shape::text_500)]
    reason: String,
    /// The day of the change (default today).
    on: Option<NaiveDate>,
}

/// R-PLAN-1: revises an active plan's target (staff); the baseline never changes and the
/// history keeps the previous target.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/plans/{plan_id}/target", security(("bearer" = [])), params(("slug" = String, Path), ("plan_id" = i64, Path)), request_body = TargetIn, responses((status = 200, body = PlanOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn revise_target(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, plan_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<TargetIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let plan = state.app.plan(org.id, plan_id).await.map_err(app_error)?;
    let command = PlanCommand::Target {
        target: Target {
            measure: plan.target.measure,
            amount: Money::new(body.target_minor, org.data.currency),
            by: body.by,
        },
        reason: body.reason,
    };
    change(&state, &ctx, &org, &s, plan_id, command, body.on).await
}

#[derive(Deserialize, ToSchema)]
pub struct EndIn {
    /// succeeded, failed or abandoned.
    status: String,
    #[schema(schema_with = shape::text_500)]
    reason: String,
    /// The day of the change (default today).
    on: Option<NaiveDate>,
}

/// R-PLAN-1: ends an active plan as succeeded, failed or abandoned (staff).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/plans/{plan_id}/end", security(("bearer" = [])), params(("slug" = String, Path), ("plan_id" = i64, Path)), request_body = EndIn, responses((status = 200, body = PlanOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(crate) async fn end_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, plan_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<EndIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let to = match body.status.as_str() {
        "succeeded" => PlanStatus::Succeeded,
        "failed" => PlanStatus::Failed,
        "abandoned" => PlanStatus::Abandoned,
        _ => return Err(invalid("status", "must be succeeded, failed or abandoned")),
    };
    let command = PlanCommand::Status {
        to,
        reason: body.reason,
    };
    change(&state, &ctx, &org, &s, plan_id, command, body.on).await
}

async fn change(
    state: &AppState,
    ctx: &Ctx,
    org: &store::Org,
    s: &app::access_cases::Session,
    plan_id: i64,
    command: PlanCommand,
    on: Option<NaiveDate>,
) -> ApiResult {
    let audit = Audit::new(s.viewer.login.clone(), ctx.origin.clone());
    let plan = state
        .app
        .change_plan(org.id, plan_id, command, when_of(on), &audit)
        .await
        .map_err(app_error)?;
    let mut out = plans_out(state, org.id, vec![plan]).await?;
    Ok(Json(out.remove(0)).into_response())
}
