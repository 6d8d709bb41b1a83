//! The credit line's JSON routes (issue 18; R-CRED-1, R-CRED-2, R-CRED-6), as the pages:
//! staff, board and supervisors read the lines; staff open one, do the reviews due, draw,
//! record repayments to the lender and move the line to another lender.

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use super::loans::actor;
use crate::shell::api_contract::{shape, ApiJson, ApiPath};
use crate::shell::app_error;
use crate::shell::org_for;
use crate::shell::today_mx;
use crate::shell::words::limit_reason;
use crate::shell::ApiError;
use crate::shell::ApiResult;
use crate::shell::Ctx;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::Action;
use app::credit_cases::{LineState, OpenLineCmd};
use app::{AppError, FactDate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use credit::line::{LimitReason, LineEventKind};
use serde::{Deserialize, Serialize};
use store::Org;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_lines, open, get_line, review, draw, repay, transfer),
    components(schemas(
        LineOut,
        LimitOut,
        MovementOut,
        LineListOut,
        OpenLineIn,
        ReviewIn,
        DrawIn,
        LineRepayIn,
        LineTransferIn
    ))
)]
pub(crate) struct LinePaths;

#[derive(Serialize, ToSchema)]
pub struct LimitOut {
    pub date: NaiveDate,
    pub from_minor: i64,
    pub to_minor: i64,
    /// `opened`, `review_met` (doubled), `review_late_cured` (kept), `review_not_met` (cut).
    pub reason: String,
    /// The reason in words (Spanish).
    pub reason_text: String,
    /// Cut to 64 × the initial deposit (R-CRED-2).
    pub capped: bool,
    /// Raised to what was drawn (R-CRED-2).
    pub floored_at_drawn: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MovementOut {
    pub date: NaiveDate,
    /// `draw`, `repayment` or `transfer`.
    pub kind: String,
    pub amount_minor: i64,
    pub interest_minor: i64,
    /// For a transfer: the lender it came from and the one it went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_lender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_lender: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LineOut {
    pub line_id: i64,
    pub lender: String,
    /// Every lender the line has been with, oldest first (R-CRED-6).
    pub lenders: Vec<String>,
    /// The line's nominal annual rate in percent, e.g. `18`.
    pub annual_rate_percent: String,
    pub opened_on: NaiveDate,
    pub initial_deposit_minor: i64,
    pub limit_minor: i64,
    pub drawn_minor: i64,
    pub available_minor: i64,
    /// 64 × the initial deposit (R-CRED-2).
    pub cap_minor: i64,
    pub next_review_on: Option<NaiveDate>,
    pub limit_history: Vec<LimitOut>,
    pub movements: Vec<MovementOut>,
    /// Reviews done by this request (`reviews` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviews_done: Option<u32>,
    /// False when the same request had been recorded before: nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

fn reason_key(r: LimitReason) -> &'static str {
    match r {
        LimitReason::Opened => "opened",
        LimitReason::ReviewMet => "review_met",
        LimitReason::ReviewLateButCured => "review_late_cured",
        LimitReason::ReviewNotMet => "review_not_met",
    }
}

fn line_out(ls: &LineState, created: Option<bool>) -> LineOut {
    let l = &ls.line;
    let t = Tr::new(crate::shell::Lang::Es);
    LineOut {
        line_id: l.id,
        lender: l.lender_code.clone(),
        lenders: ls.lenders.clone(),
        annual_rate_percent: (l.rate.annual() * rust_decimal::Decimal::from(100))
            .normalize()
            .to_string(),
        opened_on: l.opened_on,
        initial_deposit_minor: l.initial_deposit_minor,
        limit_minor: l.limit_minor,
        drawn_minor: l.drawn_minor,
        available_minor: l.available_minor(),
        cap_minor: l.cap_minor(&ls.settings),
        next_review_on: l.next_review_on(&ls.settings),
        limit_history: l
            .limit_history
            .iter()
            .map(|c| LimitOut {
                date: c.date,
                from_minor: c.from_minor,
                to_minor: c.to_minor,
                reason: reason_key(c.reason).to_string(),
                reason_text: limit_reason(t, c.reason).to_string(),
                capped: c.capped,
                floored_at_drawn: c.floored_at_drawn,
            })
            .collect(),
        movements: l
            .events
            .iter()
            .filter_map(|e| {
                let (kind, amount_minor, interest_minor, from, to) = match &e.kind {
                    LineEventKind::Opened { .. } => return None,
                    LineEventKind::Drawn { amount_minor } => ("draw", *amount_minor, 0, None, None),
                    LineEventKind::Repaid {
                        principal_minor,
                        interest_minor,
                    } => ("repayment", *principal_minor, *interest_minor, None, None),
                    LineEventKind::Transferred {
                        from_lender,
                        to_lender,
                        ..
                    } => (
                        "transfer",
                        0,
                        0,
                        Some(from_lender.clone()),
                        Some(to_lender.clone()),
                    ),
                };
                Some(MovementOut {
                    date: e.date,
                    kind: kind.to_string(),
                    amount_minor,
                    interest_minor,
                    from_lender: from,
                    to_lender: to,
                })
            })
            .collect(),
        reviews_done: None,
        created,
    }
}

fn answer(out: LineOut) -> ApiResult {
    let status = if out.created == Some(true) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)).into_response())
}

/// A line of the book; a missing one is 404.
async fn line(state: &AppState, org: &Org, line_id: i64) -> Result<LineState, AppError> {
    state
        .app
        .credit_book(org.id)
        .await?
        .lines
        .get(&line_id)
        .cloned()
        .ok_or_else(|| store::StoreError::not_found(format!("line {line_id}")).into())
}

/// The request's day (default today), not after today nor before the ODF.
fn day(org: &Org, on: Option<NaiveDate>) -> Result<NaiveDate, axum::response::Response> {
    let when = FactDate::new(on, today_mx());
    app::fact_date::check_fact_date(when, org.data.founded_on).map_err(|e| app_error(e.into()))?;
    Ok(when.on)
}

#[derive(Serialize, ToSchema)]
pub struct LineListOut {
    pub lines: Vec<LineOut>,
}

/// The ODF's credit lines: staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/credit-lines", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = LineListOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_lines(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let book = state.app.credit_book(org.id).await.map_err(app_error)?;
    Ok(Json(LineListOut {
        lines: book.lines.values().map(|l| line_out(l, None)).collect(),
    })
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OpenLineIn {
    /// The lender's code, `[a-z0-9-]`.
    #[schema(schema_with = shape::line)]
    pub lender: String,
    /// The line's nominal annual rate, e.g. `18%` (R-CRED-4: loans and leases take it).
    #[schema(schema_with = shape::line)]
    pub rate: String,
    /// The limit, minor units (default: the most, 2 × the initial deposit; R-CRED-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_minor: Option<i64>,
    /// The opening day (default today); not after today nor before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// Staff open the next credit line (R-CRED-1: at most twice the Fund's deposits of its first
/// three months). 201 with the line; the same lender and day again is 200 with
/// `created: false`. 422 naming `requested_limit_minor`, `lender_code` or `rate`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/credit-lines", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = OpenLineIn, responses((status = 201, body = LineOut), (status = 200, body = LineOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<OpenLineIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let on = day(&org, body.on)?;
    let rate =
        app::credit_cases::quote::percent("rate", &body.rate).map_err(|e| app_error(e.into()))?;
    let book = state.app.credit_book(org.id).await.map_err(app_error)?;
    let lender = body.lender.trim().to_lowercase();
    if let Some(l) = book
        .lines
        .values()
        .find(|l| l.line.lender_code == lender && l.line.opened_on == on)
    {
        return answer(line_out(l, Some(false)));
    }
    let line_id = book.lines.keys().max().copied().unwrap_or(0) + 1;
    let (ls, out) = state
        .app
        .open_credit_line(
            org.id,
            &actor(&ctx, &s),
            OpenLineCmd {
                line_id,
                lender_code: lender,
                annual_rate: rate,
                requested_limit_minor: body.limit_minor,
                opened_on: on,
                review: None,
            },
        )
        .await
        .map_err(app_error)?;
    answer(line_out(&ls, Some(out.created)))
}

/// One line: staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/credit-lines/{line_id}", security(("bearer" = [])), params(("slug" = String, Path), ("line_id" = i64, Path)), responses((status = 200, body = LineOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_line(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, line_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let ls = line(&state, &org, line_id).await.map_err(app_error)?;
    answer(line_out(&ls, None))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReviewIn {
    /// Do every review due by this day (default today); not after today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<NaiveDate>,
}

/// Staff do every semiannual review due by `through` (R-CRED-2: the ODF's rule doubles, keeps
/// or halves the limit, never above 64 × the initial deposit nor below what is drawn), each
/// with its reason in the history. 201 when one was done, 200 with `reviews_done: 0` when none
/// was due (asked again, nothing more is done).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/credit-lines/{line_id}/reviews", security(("bearer" = [])), params(("slug" = String, Path), ("line_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ReviewIn, responses((status = 201, body = LineOut), (status = 200, body = LineOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, line_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<ReviewIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    line(&state, &org, line_id).await.map_err(app_error)?;
    let through = day(&org, body.through)?;
    let n = state
        .app
        .review_credit_line_through(org.id, &actor(&ctx, &s), line_id, through)
        .await
        .map_err(app_error)?;
    let ls = line(&state, &org, line_id).await.map_err(app_error)?;
    let mut out = line_out(&ls, Some(n > 0));
    out.reviews_done = Some(n);
    answer(out)
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct DrawIn {
    /// Minor units, positive, not more than what is available (R-CRED-1).
    pub amount_minor: i64,
    /// The day (default today); not after today nor before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// The draw's reference: the same reference again draws nothing.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// Staff draw on the line into the ODF's bank. 201 with the line; the same reference again is
/// 200 with `created: false`; 422 naming `amount_minor` over what is available.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/credit-lines/{line_id}/draws", security(("bearer" = [])), params(("slug" = String, Path), ("line_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = DrawIn, responses((status = 201, body = LineOut), (status = 200, body = LineOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn draw(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, line_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<DrawIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    line(&state, &org, line_id).await.map_err(app_error)?;
    let on = day(&org, body.on)?;
    let (ls, out) = state
        .app
        .draw_credit_line(
            org.id,
            &actor(&ctx, &s),
            line_id,
            body.amount_minor,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    answer(line_out(&ls, Some(out.created)))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct LineRepayIn {
    /// Principal repaid, minor units (frees the line); not more than what is drawn.
    pub principal_minor: i64,
    /// Interest paid, minor units (an expense; default 0).
    #[serde(default)]
    pub interest_minor: i64,
    /// The day (default today); not after today nor before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// The repayment's reference: the same reference again records nothing.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// Staff record that the ODF repaid its lender. 201 with the line; the same reference again
/// is 200 with `created: false`; 422 naming `principal_minor` or `interest_minor`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/credit-lines/{line_id}/repayments", security(("bearer" = [])), params(("slug" = String, Path), ("line_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = LineRepayIn, responses((status = 201, body = LineOut), (status = 200, body = LineOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn repay(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, line_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<LineRepayIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    line(&state, &org, line_id).await.map_err(app_error)?;
    let on = day(&org, body.on)?;
    let (ls, out) = state
        .app
        .repay_credit_line(
            org.id,
            &actor(&ctx, &s),
            line_id,
            body.principal_minor,
            body.interest_minor,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    answer(line_out(&ls, Some(out.created)))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct LineTransferIn {
    /// The new lender's code, `[a-z0-9-]`.
    #[schema(schema_with = shape::line)]
    pub lender: String,
    /// The day (default today); not after today nor before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// Staff move the line and its loans to another lender (R-CRED-6); the history stays. 201
/// with the line; the same lender and day again is 200 with `created: false`; 422 naming
/// `to_lender`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/credit-lines/{line_id}/transfer", security(("bearer" = [])), params(("slug" = String, Path), ("line_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = LineTransferIn, responses((status = 201, body = LineOut), (status = 200, body = LineOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, line_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<LineTransferIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    line(&state, &org, line_id).await.map_err(app_error)?;
    let on = day(&org, body.on)?;
    let (ls, out) = state
        .app
        .transfer_credit_line(org.id, &actor(&ctx, &s), line_id, body.lender.trim(), on)
        .await
        .map_err(app_error)?;
    answer(line_out(&ls, Some(out.created)))
}
