//! The credit chapter's JSON routes (issue 18): loans from the application to the last
//! payment, and the portfolio. Who may: as the pages (a member applies for themself, staff for
//! a member; staff disburse and record payments; the borrower, staff, board and supervisors
//! read a loan; staff, board and supervisors the list and the portfolio).

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use super::loans::actor;
use super::portfolio::{bucket_key, percent};
use super::view::{self, Loan};
use crate::shell::access_error;
use crate::shell::api_contract::{shape, ApiJson, ApiPath, ApiQuery};
use crate::shell::app_error;
use crate::shell::org_for;
use crate::shell::today_mx;
use crate::shell::ApiError;
use crate::shell::ApiResult;
use crate::shell::Ctx;
use crate::AppState;
use app::access_cases::Action;
use app::credit_cases::{may_apply_for, LoanRequest, QuoteForm};
use app::FactDate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_loans, apply, get_loan, disburse, repay, portfolio),
    components(schemas(
        ApplyIn,
        LoanOut,
        LoanRowOut,
        LoanPaymentOut,
        LoanListOut,
        RepayIn,
        PortfolioOut,
        BucketOut
    ))
)]
struct CreditPaths;

/// Adds the credit chapter's routes to the API document (a modifier of `api::ApiDoc`, before
/// the contract's, so they get the shared error answers too).
pub(crate) struct CreditApiDoc;

impl utoipa::Modify for CreditApiDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(CreditPaths::openapi());
        openapi.merge(super::leases_api::LeasePaths::openapi());
        openapi.merge(super::lines_api::LinePaths::openapi());
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoanRowOut {
    pub number: u32,
    pub due_date: NaiveDate,
    pub due_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
    pub paid_minor: i64,
    pub outstanding_minor: i64,
    pub settled_on: Option<NaiveDate>,
    /// The trust paid it to the lender (R-FUND-6).
    pub paid_by_trust: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LoanPaymentOut {
    pub reference: String,
    pub on: NaiveDate,
    pub amount_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LoanOut {
    pub loan_id: i64,
    /// Absent for the ODF's own loan.
    pub member_id: Option<i64>,
    pub borrower: String,
    /// `waiting` (for the board), `rejected`, `approved` (not disbursed), `active`, `closed`,
    /// `written_off`.
    pub stage: String,
    /// The board's proposal about `loan:{loan_id}` (R-GOV-2), for loans applied for here.
    pub proposal_id: Option<i64>,
    pub start: NaiveDate,
    pub installments: u32,
    pub principal_minor: i64,
    pub outstanding_principal_minor: i64,
    pub paid_minor: i64,
    /// Fell due by today and unpaid.
    pub due_now_minor: i64,
    pub days_late: u32,
    pub rows: Vec<LoanRowOut>,
    pub payments: Vec<LoanPaymentOut>,
    /// False when the same request had been recorded before: nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

fn loan_out(l: Loan, created: Option<bool>) -> LoanOut {
    LoanOut {
        loan_id: l.id,
        member_id: l.member_id,
        borrower: l.borrower,
        stage: l.stage.key().to_string(),
        proposal_id: l.proposal_id,
        start: l.start,
        installments: l.installments,
        principal_minor: l.principal_minor,
        outstanding_principal_minor: l.outstanding_principal_minor,
        paid_minor: l.paid_minor,
        due_now_minor: l.due_now_minor,
        days_late: l.days_late,
        rows: l
            .rows
            .into_iter()
            .map(|r| LoanRowOut {
                number: r.number,
                due_date: r.due_date,
                due_minor: r.due_minor,
                principal_minor: r.principal_minor,
                interest_minor: r.interest_minor,
                paid_minor: r.paid_minor,
                outstanding_minor: r.outstanding_minor,
                settled_on: r.settled_on,
                paid_by_trust: r.by_trust,
            })
            .collect(),
        payments: l
            .payments
            .into_iter()
            .map(|p| LoanPaymentOut {
                reference: p.reference,
                on: p.on,
                amount_minor: p.amount_minor,
                principal_minor: p.principal_minor,
                interest_minor: p.interest_minor,
            })
            .collect(),
        created,
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoanListOut {
    pub loans: Vec<LoanOut>,
}

/// Every loan and application of the ODF, newest first: staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/loans", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = LoanListOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_loans(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let loans = view::loans(&state, &org, today_mx(), None)
        .await
        .map_err(app_error)?;
    Ok(Json(LoanListOut {
        loans: loans.into_iter().map(|l| loan_out(l, None)).collect(),
    })
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ApplyIn {
    /// The member who borrows (a member applies only for themself).
    pub member_id: i64,
    /// Pesos as typed in Mexico, e.g. `10,000.00`.
    #[schema(schema_with = shape::line)]
    pub amount: String,
    /// Number of installments.
    #[schema(schema_with = shape::line)]
    pub installments: String,
    /// Disbursement date, `YYYY-MM-DD` (today or later).
    #[schema(schema_with = shape::line)]
    pub start: String,
    /// `monthly` (default), `fortnightly` or `weekly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// `equal-installments` (default) or `equal-principal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// What the business plan recommends, minor units (default: the amount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_minor: Option<i64>,
    /// The application's reference: the same reference again answers the first application.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// Applies for a loan at the line's rate (R-CRED-4) and opens the board's proposal about
/// `loan:{id}` (R-GOV-2): the member themself or staff. 201 with the loan (`stage: waiting`);
/// the same reference again is 200 with `created: false`. 422 naming the field (`amount`,
/// `installments`, `start`, `member_id`, R-CRED-1/3/5 limits).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/loans", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ApplyIn, responses((status = 201, body = LoanOut), (status = 200, body = LoanOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<ApplyIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    if !may_apply_for(&s.viewer, org.id, body.member_id) {
        return Err(access_error(app::access_cases::AccessError::Forbidden {
            rule: "R-GOV-1",
            action: "apply_for_loan".into(),
        }));
    }
    let mut form = QuoteForm::new(&body.amount, "0", &body.installments, &body.start);
    if let Some(f) = body.frequency {
        form.frequency = f;
    }
    if let Some(m) = body.method {
        form.method = m;
    }
    let (a, created) = state
        .app
        .apply_for_loan(
            org.id,
            &actor(&ctx, &s),
            LoanRequest {
                member_id: body.member_id,
                form,
                plan_recommended_minor: body.plan_minor,
                token: body.reference,
            },
            today_mx(),
        )
        .await
        .map_err(app_error)?;
    let l = view::loan(&state, &org, a.loan_id, today_mx())
        .await
        .map_err(app_error)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(loan_out(l, Some(created)))).into_response())
}

/// One loan or application: its borrower, staff, board, supervisors (others: 404).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/loans/{loan_id}", security(("bearer" = [])), params(("slug" = String, Path), ("loan_id" = i64, Path)), responses((status = 200, body = LoanOut), (status = 404, body = ApiError)))]
pub async fn get_loan(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, loan_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let l = view::loan(&state, &org, loan_id, today_mx())
        .await
        .map_err(app_error)?;
    let action = match l.member_id {
        Some(m) => Action::ViewMember(m),
        None => Action::ViewMembers,
    };
    s.viewer
        .check(org.id, action)
        .map_err(|_| access_error(app::access_cases::AccessError::NotFound))?;
    Ok(Json(loan_out(l, None)).into_response())
}

/// Staff disburse a loan the board approved (R-GOV-2; R-CRED-3 draws the line) on its start
/// date. 201; again, 200 with `created: false`. 422 naming `decision` while the board has not
/// approved it.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/loans/{loan_id}/disbursement", security(("bearer" = [])), params(("slug" = String, Path), ("loan_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = LoanOut), (status = 200, body = LoanOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn disburse(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, loan_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let (_, out) = state
        .app
        .disburse_applied_loan(org.id, &actor(&ctx, &s), loan_id, today_mx())
        .await
        .map_err(app_error)?;
    let l = view::loan(&state, &org, loan_id, today_mx())
        .await
        .map_err(app_error)?;
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(loan_out(l, Some(out.created)))).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RepayIn {
    /// Minor units, positive.
    pub amount_minor: i64,
    /// The day it was paid (default today in America/Mexico_City); not after today nor
    /// before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// The payment's reference (receipt number): the same reference again records nothing.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// Staff record a payment (R-CRED-4: late interest, fees, interest, principal; the excess
/// prepays; R-FUND-6: it replenishes the trust first). 201 with the loan; the same reference
/// again is 200 with `created: false`; with another amount, 422.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/loans/{loan_id}/payments", security(("bearer" = [])), params(("slug" = String, Path), ("loan_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RepayIn, responses((status = 201, body = LoanOut), (status = 200, body = LoanOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn repay(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, loan_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<RepayIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let when = FactDate::new(body.on, today_mx());
    app::fact_date::check_fact_date(when, org.data.founded_on).map_err(|e| app_error(e.into()))?;
    // A loan the book does not hold (yet) is a 404, as a missing one.
    view::loan(&state, &org, loan_id, today_mx())
        .await
        .map_err(app_error)?;
    let (_, out) = state
        .app
        .repay_loan(
            org.id,
            &actor(&ctx, &s),
            loan_id,
            body.amount_minor,
            when.on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    let l = view::loan(&state, &org, loan_id, today_mx())
        .await
        .map_err(app_error)?;
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(loan_out(l, Some(out.created)))).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioParams {
    /// The day, `YYYY-MM-DD` (default today in America/Mexico_City).
    on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct BucketOut {
    /// `current`, `1-30`, `31-60`, `61-90`, `91-180`, `over-180` days past due.
    pub bucket: String,
    pub loans: u32,
    pub outstanding_principal_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PortfolioOut {
    pub on: NaiveDate,
    pub gross_portfolio_minor: i64,
    /// Percent with one decimal (`12.5%`), `—` when there is no portfolio.
    pub par30: String,
    pub par90: String,
    pub repayment_rate: String,
    pub aging: Vec<BucketOut>,
}

/// Portfolio quality: PAR30, PAR90, repayment rate and aging buckets. Staff, board,
/// supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/loan-portfolio", security(("bearer" = [])), params(("slug" = String, Path), PortfolioParams), responses((status = 200, body = PortfolioOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn portfolio(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<PortfolioParams>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let on = q.on.unwrap_or_else(today_mx);
    let p = state
        .app
        .loan_portfolio(org.id, on)
        .await
        .map_err(app_error)?;
    Ok(Json(PortfolioOut {
        on,
        gross_portfolio_minor: p.gross_portfolio_minor,
        par30: percent(&p.par30),
        par90: percent(&p.par90),
        repayment_rate: percent(&p.repayment_rate),
        aging: p
            .aging
            .iter()
            .map(|b| BucketOut {
                bucket: bucket_key(b.bucket).to_string(),
                loans: b.loans,
                outstanding_principal_minor: b.outstanding_principal_minor,
            })
            .collect(),
    })
    .into_response())
}
