//! The API of union dues (R-ORG-6): arrears, charging a month, a payment with its receipt, the
//! collection sheet and a meeting's collection saved all or nothing.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::dues::pages::{actor, receipt_number};
use crate::shell::{
    app_error, org_for, shape, today_mx, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Ctx,
};
use crate::AppState;
use app::access_cases::Action;
use app::dues_cases::{CollectionLine, DuesReceipt};
use app::{AppError, FactDate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------- API

/// R-ORG-6: one member's dues in arrears.
#[derive(Serialize, ToSchema)]
pub struct ArrearsRowOut {
    pub member_id: i64,
    pub name: String,
    pub arrears_minor: i64,
    pub active: bool,
}

/// R-ORG-6: the ODF's dues in arrears.
#[derive(Serialize, ToSchema)]
pub struct ArrearsOut {
    pub dues_minor: i64,
    pub period_months: u32,
    pub total_minor: i64,
    pub members_in_arrears: usize,
    pub rows: Vec<ArrearsRowOut>,
}

/// Dues in arrears per member (those who owe, the largest first) and the ODF's total. Staff,
/// board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/dues", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = ArrearsOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn api_arrears(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let a = state
        .app
        .dues_arrears(org.id, today_mx())
        .await
        .map_err(app_error)?;
    Ok(Json(ArrearsOut {
        dues_minor: a.amount_minor,
        period_months: a.period_months,
        total_minor: a.total_minor,
        members_in_arrears: a.members_in_arrears,
        rows: a
            .rows
            .into_iter()
            .map(|r| ArrearsRowOut {
                member_id: r.member_id,
                name: r.name,
                arrears_minor: r.arrears_minor,
                active: r.active,
            })
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ChargeIn {
    /// The period's first month, `YYYY-MM`.
    #[schema(schema_with = shape::period)]
    pub period: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChargeOut {
    pub period: String,
    /// The day the charge is dated (the period's first day).
    pub on: NaiveDate,
    /// The dues in force that day, minor units.
    pub amount_minor: i64,
    pub members: usize,
    pub total_minor: i64,
    /// False when the period had been charged before: nothing was written.
    pub created: bool,
}

/// R-ORG-6: staff charge a period's dues to every member active on its first day, at the dues
/// in force that day. 201 when charged; the same period again is 200 with `created: false`.
/// 422 naming `period` for a period not begun, before the ODF, or without dues.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/dues/charges", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ChargeIn, responses((status = 201, body = ChargeOut), (status = 200, body = ChargeOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn api_charge(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<ChargeIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let c = state
        .app
        .charge_dues_period(org.id, &body.period, today_mx(), &actor(&ctx, &s))
        .await
        .map_err(app_error)?;
    let status = if c.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(ChargeOut {
            period: c.period,
            on: c.on,
            amount_minor: c.amount_minor,
            members: c.members,
            total_minor: c.total_minor,
            created: c.created,
        }),
    )
        .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PaymentIn {
    pub member_id: i64,
    /// Minor units, positive, at most what the member owes.
    pub amount_minor: i64,
    /// The day it was paid (default today in America/Mexico_City); not after today nor
    /// before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// The payment's reference (a receipt book number), `[A-Za-z0-9._-]{1,64}`: the same
    /// reference again answers the first receipt.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReceiptOut {
    /// The receipt's number (`C-000123`).
    pub number: String,
    pub reference: String,
    pub member_id: i64,
    pub member_name: String,
    pub amount_minor: i64,
    pub on: NaiveDate,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// What the member owes now.
    pub arrears_minor: i64,
    /// False when the same payment had been recorded before.
    pub created: bool,
}

fn receipt_out(r: DuesReceipt) -> ReceiptOut {
    ReceiptOut {
        number: receipt_number(&r),
        reference: r.reference,
        member_id: r.member_id,
        member_name: r.member_name,
        amount_minor: r.amount_minor,
        on: r.on,
        recorded_at: r.recorded_at,
        arrears_minor: r.arrears_after_minor,
        created: r.created,
    }
}

/// R-ORG-6: staff record a member's dues payment; the answer is its receipt. 201 when
/// recorded; the same reference again is 200 with `created: false`. 422 naming `amount` (not
/// positive, more than owed), `on` or `reference`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/dues/payments", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = PaymentIn, responses((status = 201, body = ReceiptOut), (status = 200, body = ReceiptOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn api_pay(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<PaymentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let r = state
        .app
        .record_dues_payment(
            org.id,
            body.member_id,
            body.amount_minor,
            FactDate::new(body.on, today_mx()),
            &body.reference,
            &actor(&ctx, &s),
        )
        .await
        .map_err(app_error)?;
    let status = if r.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(receipt_out(r))).into_response())
}

/// A payment's receipt by its reference: staff, board, supervisors and the member who paid.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/dues/receipts/{reference}", security(("bearer" = [])), params(("slug" = String, Path), ("reference" = String, Path)), responses((status = 200, body = ReceiptOut), (status = 404, body = ApiError)))]
pub async fn api_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, reference)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let r = match state.app.dues_receipt(org.id, &reference).await {
        Ok(r) => r,
        Err(e) if e.is_caller_error() => {
            return Err(app_error(AppError::Store(store::StoreError::not_found(
                "receipt",
            ))))
        }
        Err(e) => return Err(app_error(e)),
    };
    s.viewer
        .check(org.id, Action::ViewMember(r.member_id))
        .map_err(crate::shell::access_error)?;
    Ok(Json(receipt_out(r)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetParams {
    /// The meeting's day, `YYYY-MM-DD` (default today in America/Mexico_City).
    on: Option<NaiveDate>,
    /// Only the members of this municipality.
    municipality: Option<String>,
}

/// The collection sheet of a meeting: every active member with their dues in arrears, loan
/// installments due and unpaid (and what of them the trust paid, R-FUND-6), contributions and
/// profit share owed, and the recent periods without a report; and the totals. Staff, board,
/// supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/dues/sheet", security(("bearer" = [])), params(("slug" = String, Path), SheetParams), responses((status = 200, description = "the sheet (amounts in minor units)"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn api_sheet(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiQuery(q): ApiQuery<SheetParams>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let sheet = state
        .app
        .collection_sheet(
            org.id,
            q.on.unwrap_or_else(today_mx),
            q.municipality.as_deref().filter(|m| !m.trim().is_empty()),
        )
        .await
        .map_err(app_error)?;
    Ok(Json(sheet).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CollectionLineIn {
    pub member_id: i64,
    /// Dues collected, minor units (0 or more).
    #[serde(default)]
    pub dues_minor: i64,
    /// Paid toward the member's loans, minor units: first what is due, then prepaying.
    #[serde(default)]
    pub loan_minor: i64,
    /// Contributions and profit share paid, minor units (contributions first).
    #[serde(default)]
    pub fund_minor: i64,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CollectionIn {
    /// The form's token, `[A-Za-z0-9._-]{1,64}`: the same token again records nothing.
    #[schema(schema_with = shape::reference)]
    pub token: String,
    /// The meeting's day (default today in America/Mexico_City).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    pub lines: Vec<CollectionLineIn>,
}

#[derive(Serialize, ToSchema)]
pub struct CollectionOut {
    pub token: String,
    pub on: NaiveDate,
    pub members: usize,
    pub dues_minor: i64,
    pub loan_minor: i64,
    pub fund_minor: i64,
    pub total_minor: i64,
    /// False when this form had been recorded before: nothing was written.
    pub created: bool,
}

/// What staff collected at a meeting, member by member, saved in one commit. 201 when
/// recorded; the same token again is 200 with `created: false` (with other figures, 422). A
/// bad line refuses everything, 422 naming `lines.{member_id}.{dues|loan|fund}` and the member.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/dues/collections", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CollectionIn, responses((status = 201, body = CollectionOut), (status = 200, body = CollectionOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn api_collect(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<CollectionIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let lines: Vec<CollectionLine> = body
        .lines
        .iter()
        .map(|l| CollectionLine {
            member_id: l.member_id,
            dues_minor: l.dues_minor,
            loan_minor: l.loan_minor,
            fund_minor: l.fund_minor,
        })
        .collect();
    let out = state
        .app
        .record_collection(
            org.id,
            &body.token,
            FactDate::new(body.on, today_mx()),
            &lines,
            &actor(&ctx, &s),
        )
        .await
        .map_err(app_error)?;
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(CollectionOut {
            token: out.token,
            on: out.on,
            members: out.members,
            dues_minor: out.dues_minor,
            loan_minor: out.loan_minor,
            fund_minor: out.fund_minor,
            total_minor: out.total_minor,
            created: out.created,
        }),
    )
        .into_response())
}
