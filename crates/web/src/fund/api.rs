//! API routes of the Fund, credit and trade pages (issue 5: "a JSON API for everything the
//! pages do"): filing a report (R-PLAN-2), the close preview and the close, the loan quote,
//! the purchase option of a lease (R-LEASE-1) and the trade summary. Same authorisation as the pages (`fund_pages::reporter_for`,
//! `Viewer::check`); POSTs honour `Idempotency-Key` through the router's layer in `api`.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::fund::pages::{reporter_for, unusual_report};
use crate::shell::{
    access_error, app_error, invalid, org_for, shape, ApiError, ApiJson, ApiPath, ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::Action;
use app::fund_cases::{Audit, CloseOptions, OrgCloseReport, ReportInput};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use fund::{Period, Reporter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReportIn {
    /// `YYYY-MM`; not a future period (R-PLAN-2).
    #[schema(schema_with = shape::period)]
    pub period: String,
    /// Not negative (R-PLAN-2).
    #[schema(minimum = 0)]
    pub revenue_minor: i64,
    pub profit_minor: i64,
    /// R-PLAN-2: with a reason (1 to 500 characters), the report corrects the period's
    /// report (a new report that supersedes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = shape::reason)]
    pub reason: Option<String>,
    /// The day it was filed (default today in America/Mexico_City); not after today nor
    /// before the organisation was founded (422 naming `on`). The period stays the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// Issue 17: a revenue over 5 times the median of the member's revenue in the other
    /// periods they reported is refused (422 `invalid` naming `revenue_minor`, nothing saved)
    /// unless this is `true`: the caller confirms the figure is right ("¿seguro?").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirm_unusual: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    /// The report's id (the seq of its event).
    pub report_id: i64,
    pub member_id: i64,
    pub period: String,
    pub revenue_minor: i64,
    pub profit_minor: i64,
    /// `member` or `staff`.
    pub reported_by: &'static str,
    pub reported_on: NaiveDate,
    /// The report this one corrects, if any.
    pub supersedes: Option<i64>,
}

/// Files a member's income report for a period (R-PLAN-2): the member themself, or staff for
/// a micro-producer (R-ORG-3). Filing the same report again answers the same report; other
/// figures for a reported period are refused as a duplicate (422 naming R-PLAN-2).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/members/{member_id}/reports", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ReportIn, responses((status = 201, body = ReportOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn file_report(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ReportIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| app_error(e.into()))?;
    let reporter = reporter_for(&state.app, &s.viewer, org.id, member_id)
        .await
        .map_err(access_error)?;
    let settings = state.app.fund_settings(org.id).await.map_err(app_error)?;
    let period = api_period(&body.period, settings.period)?;
    if !body.confirm_unusual {
        let unusual = unusual_report(&state, org.id, member_id, period, body.revenue_minor)
            .await
            .map_err(app_error)?;
        if let Some(median) = unusual {
            let message = ctx
                .t
                .fmt("report.unusual.api", &ctx.t.money(i128::from(median)));
            return Err(invalid("revenue_minor", &message));
        }
    }
    let input = ReportInput {
        member_id,
        revenue_minor: body.revenue_minor,
        profit_minor: body.profit_minor,
        reported_by: reporter,
    };
    let today = app::FactDate::new(body.on, crate::shell::today_mx());
    let audit = Audit::new(s.viewer.login.clone(), ctx.origin.clone());
    let report = match body.reason.as_deref() {
        Some(reason) => {
            state
                .app
                .correct_report(org.id, period, input, reason, today, &audit)
                .await
        }
        None => {
            state
                .app
                .file_report(org.id, period, input, None, today, &audit)
                .await
        }
    }
    .map_err(app_error)?;
    Ok((
        StatusCode::CREATED,
        Json(ReportOut {
            report_id: report.id,
            member_id,
            period: report.period.to_string(),
            revenue_minor: report.revenue.amount_minor(),
            profit_minor: report.profit.amount_minor(),
            reported_by: match report.reported_by {
                Reporter::Member => "member",
                Reporter::Staff { .. } => "staff",
            },
            reported_on: report.reported_on,
            supersedes: report.supersedes,
        }),
    )
        .into_response())
}

/// A period as the API takes it: exactly `YYYY-MM` (R-PLAN-2), without the blanks the pages'
/// forms forgive, as the OpenAPI document says (`shape::PERIOD`).
fn api_period(
    text: &str,
    settings: fund::PeriodSettings,
) -> Result<Period, axum::response::Response> {
    if text.trim() != text {
        return Err(app_error(
            fund::FundError::rule("R-PLAN-2", "period", format!("'{text}' is not YYYY-MM")).into(),
        ));
    }
    Period::parse(text, settings).map_err(|e| app_error(e.into()))
}

#[derive(Serialize, ToSchema)]
pub struct CloseOut {
    pub period: String,
    /// The period was closed before: nothing was written.
    pub already_closed: bool,
    /// A preview: nothing was written.
    pub preview: bool,
    pub members_reporting: u64,
    pub members_above_baseline: u64,
    pub without_plan: u64,
    pub new_revenue_minor: i64,
    /// R-FUND-1, R-FUND-2: contributions per sub-fund.
    pub development_minor: i64,
    pub competition_minor: i64,
    /// R-PLAN-3: the ODF's 25% of positive incremental profit.
    pub profit_share_minor: i64,
    pub adjusted_periods: Vec<String>,
    pub plans_flagged: usize,
    pub entries: usize,
}

fn close_out(r: OrgCloseReport) -> CloseOut {
    CloseOut {
        period: r.period,
        already_closed: r.already_closed,
        preview: r.preview,
        members_reporting: r.members_reporting,
        members_above_baseline: r.members_above_baseline,
        without_plan: r.without_plan,
        new_revenue_minor: r.new_revenue_minor,
        development_minor: r.contribution.development_minor,
        competition_minor: r.contribution.competition_minor,
        profit_share_minor: r.profit_share_minor,
        adjusted_periods: r.adjusted_periods,
        plans_flagged: r.plans_flagged.len(),
        entries: r.entries,
    }
}

/// What closing the period would post (staff, board, supervisors); nothing is written.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/periods/{period}/close", security(("bearer" = [])), params(("slug" = String, Path), ("period" = String, Path, description = "YYYY-MM")), responses((status = 200, body = CloseOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn close_preview(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, period)): ApiPath<(String, String)>,
) -> ApiResult {
    close(state, ctx, slug, period, true).await
}

/// Closes the period (staff only). Closing a closed period writes nothing and answers
/// `already_closed: true`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/periods/{period}/close", security(("bearer" = [])), params(("slug" = String, Path), ("period" = String, Path, description = "YYYY-MM"), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200, body = CloseOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn close_period(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, period)): ApiPath<(String, String)>,
) -> ApiResult {
    close(state, ctx, slug, period, false).await
}

async fn close(
    state: AppState,
    ctx: Ctx,
    slug: String,
    period: String,
    preview: bool,
) -> ApiResult {
    let action = if preview {
        Action::ViewMembers
    } else {
        Action::ManageMembers
    };
    let (org, s) = org_for(&state, &ctx, &slug, action).await?;
    let settings = state.app.fund_settings(org.id).await.map_err(app_error)?;
    let period = api_period(&period, settings.period)?;
    let r = state
        .app
        .close_period(
            org.id,
            period,
            crate::shell::dates::today_mx(),
            CloseOptions {
                preview,
                ..CloseOptions::default()
            },
            &Audit::new(s.viewer.login.clone(), ctx.origin.clone()),
        )
        .await
        .map_err(app_error)?;
    Ok(Json(close_out(r)).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct QuoteIn {
    /// Pesos, e.g. `10000.00`.
    pub amount: String,
    /// Annual percent, e.g. `18` or `2.5%`.
    pub rate: String,
    pub installments: String,
    /// Disbursement date, `YYYY-MM-DD`.
    pub start: String,
    /// `monthly` (default), `fortnightly` or `weekly`.
    #[serde(default)]
    pub frequency: Option<String>,
    /// `equal-installments` (default) or `equal-principal`.
    #[serde(default)]
    pub method: Option<String>,
}

/// The loan quote (*simulador de crédito*, R-CRED-4): schedule, totals and CAT. Nothing is
/// written. Everyone in the group's circle.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/loan-quote", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = QuoteIn, responses((status = 200, description = "terms, rows, totals and CAT (amounts as exact decimal text)"), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn loan_quote(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<QuoteIn>,
) -> ApiResult {
    org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let mut form = app::credit_cases::QuoteForm::new(
        &body.amount,
        &body.rate,
        &body.installments,
        &body.start,
    );
    if let Some(f) = body.frequency {
        form.frequency = f;
    }
    if let Some(m) = body.method {
        form.method = m;
    }
    let quote = state.app.loan_quote(&form).map_err(app_error)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        quote.to_json(),
    )
        .into_response())
}

/// A member's Fund statement (R-PLAN-2, R-PLAN-3, R-FUND-1, R-FUND-5, R-ORG-6): reports by
/// period against the baseline, contributions, profit share, entitlement, dues in arrears;
/// with the member's loans and leases. The member themself, staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/members/{member_id}/fund", security(("bearer" = [])), params(("slug" = String, Path), ("member_id" = i64, Path)), responses((status = 200, description = "the member's Fund statement (amounts in minor units)"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn member_fund(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, member_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    // Not theirs: NotFound before the store is read, as a missing member (issue 15).
    s.viewer
        .check(org.id, Action::ViewMember(member_id))
        .map_err(access_error)?;
    let dues = state
        .reads
        .dues(&state.app, org.id, member_id)
        .await
        .map_err(app_error)?;
    let view = state
        .statements
        .member_view(&state.app, &state.reads.log, org.id, member_id)
        .await
        .map_err(app_error)?;
    let statement = app::fund_cases::statements::MemberFundStatement::of(
        org.id,
        &dues.member,
        view.fund,
        dues.arrears_minor,
    );
    let book = &view.credit;
    let loans: Vec<serde_json::Value> = book
        .loans
        .values()
        .filter(|l| l.loan.borrower == credit::loan::Borrower::Member(member_id))
        .map(|l| {
            let next = l.loan.book.rows.iter().find(|r| !r.is_settled());
            serde_json::json!({
                "loan_id": l.loan.id,
                "status": match l.loan.status {
                    credit::loan::LoanStatus::Approved => "approved",
                    credit::loan::LoanStatus::Active => "active",
                    credit::loan::LoanStatus::Closed => "closed",
                    credit::loan::LoanStatus::WrittenOff => "written_off",
                },
                "principal_minor": l.loan.schedule.principal_minor,
                "outstanding_principal_minor": l.loan.outstanding_principal_minor(),
                "next_due_date": next.map(|r| r.due_date),
                "next_due_minor": next.map(|r| r.outstanding().total()),
            })
        })
        .collect();
    let leases = app::credit_cases::LeaseSummary::of_member(book, member_id);
    Ok(Json(serde_json::json!({
        "statement": statement,
        "loans": loans,
        "leases": leases,
    }))
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct LeasePurchaseIn {
    /// The member paying the price; absent: the current lessee. Anyone else is 422 naming
    /// R-LEASE-1 and `member_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<i64>,
    /// The day the price was paid, `YYYY-MM-DD`; not a future date.
    pub on: NaiveDate,
    /// The payment's reference, `[A-Za-z0-9._-]{1,64}`.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct LeasePurchaseOut {
    pub lease_id: i64,
    /// The member the asset now belongs to.
    pub member_id: i64,
    pub on: NaiveDate,
    /// The symbolic price paid (the lease's setting, MXN 1.00 by default), minor units.
    pub price_minor: i64,
    /// False when the same purchase had been recorded before: nothing was written.
    pub created: bool,
}

/// R-LEASE-1: staff record that the lessee paid the symbolic price after the last rent; the
/// asset becomes the member's (an entry into the ODF's bank, the asset off its books, and an
/// event, in one commit). 201 when recorded; the same purchase again (same reference and
/// date) answers 200 with `created: false`. 422 naming R-LEASE-1 and the field before the last
/// rent (`lease_id`), a second time (`lease_id`), for anyone but the current lessee
/// (`member_id`) or on a future date (`on`).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/leases/{lease_id}/purchase", security(("bearer" = [])), params(("slug" = String, Path), ("lease_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = LeasePurchaseIn, responses((status = 201, body = LeasePurchaseOut), (status = 200, body = LeasePurchaseOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn purchase_lease(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, lease_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<LeasePurchaseIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let (lease, out) = state
        .app
        .exercise_lease_purchase(
            org.id,
            &app::Actor::new(&s.viewer.login, &ctx.origin),
            app::credit_cases::LeasePurchaseCmd {
                lease_id,
                member_id: body.member_id,
                on: body.on,
                reference: body.reference,
            },
            crate::shell::dates::today_mx(),
        )
        .await
        .map_err(app_error)?;
    let Some(p) = lease.lease.purchase() else {
        return Err(app_error(app::AppError::Integrity(format!(
            "lease {lease_id} recorded as bought has no purchase"
        ))));
    };
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(LeasePurchaseOut {
            lease_id,
            member_id: p.by,
            on: p.on,
            price_minor: p.price_minor,
            created: out.created,
        }),
    )
        .into_response())
}

/// The ODF's Fund by sub-fund for the last period that is over, with the period's outcome
/// (R-SUP-4). Staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/fund", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, description = "the ODF's Fund statement (amounts in minor units)"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn odf_fund(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let settings = state.app.fund_settings(org.id).await.map_err(app_error)?;
    let period = Period::containing(crate::shell::dates::today_mx(), settings.period).prev();
    let s = state
        .app
        .odf_fund_statement(org.id, period)
        .await
        .map_err(app_error)?;
    Ok(Json(s).into_response())
}

/// The ODF's trade at a glance (issue 6): rounds, purchases and savings, orders and
/// collections, outlets. Everyone in the group's circle, and supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, description = "the trade summary (amounts in minor units)"), (status = 404, body = ApiError)))]
pub async fn trade_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let s = state.app.trade_summary(org.id).await.map_err(app_error)?;
    Ok(Json(s).into_response())
}
