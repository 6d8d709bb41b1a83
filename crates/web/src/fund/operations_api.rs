//! The Fund's operations in the JSON API (`/api/v1/orgs/{slug}/fund/...`), over the same use
//! cases as the pages and `tequio fund`. Writes answer 201 when recorded and 200 with
//! `created: false` for the same reference again (nothing written); a rule's refusal is 422
//! naming the rule and the field.

#![allow(clippy::result_large_err)] // handlers answer `Result<Response, Response>`

use crate::shell::access_error;
use crate::shell::api_contract::{shape, ApiJson, ApiPath};
use crate::shell::app_error;
use crate::shell::invalid;
use crate::shell::org_for;
use crate::shell::today_mx;
use crate::shell::ApiError;
use crate::shell::ApiResult;
use crate::shell::Ctx;
use crate::AppState;
use app::access_cases::{Action, Session};
use app::fund_cases::operations::{check_withdrawal, FundDecision, FundReceipt};
use app::fund_cases::ops::FundOpOutcome;
use app::{Actor, AppError, FactDate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use fund::{CompetitionCategory, WithdrawalPurpose};
use governance::ProposalKind;
use serde::{Deserialize, Serialize};
use store::StoreError;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Object;
use utoipa::ToSchema;

/// The largest amount an operation takes: a trillion pesos (more is a typing error, and
/// keeps every sum of the Fund far from overflowing).
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

fn actor(ctx: &Ctx, s: &Session) -> Actor {
    Actor::new(s.viewer.login.clone(), ctx.origin.clone())
}

/// An amount in minor units, 1 to [`MAX_AMOUNT_MINOR`]; else 422 naming `field`.
fn amount(field: &str, minor: i64) -> Result<i64, Response> {
    if (1..=MAX_AMOUNT_MINOR).contains(&minor) {
        Ok(minor)
    } else {
        Err(invalid(
            field,
            "must be a positive amount in minor units, at most 100000000000000",
        ))
    }
}

/// R-FUND-3: the fifteen categories.
fn categories() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(CompetitionCategory::ALL.iter().map(|c| c.as_str())))
        .build()
}

/// R-FUND-4: the five purposes.
fn purposes() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(WithdrawalPurpose::ALL.iter().map(|p| p.as_str())))
        .build()
}

/// What a Fund operation recorded.
#[derive(Serialize, ToSchema)]
pub struct FundOpOut {
    pub reference: String,
    /// False when the reference had been recorded before: nothing was written.
    pub created: bool,
}

fn op_out(reference: &str, o: FundOpOutcome) -> Response {
    let status = if o.replay {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (
        status,
        Json(FundOpOut {
            reference: reference.trim().to_string(),
            created: !o.replay,
        }),
    )
        .into_response()
}

// ---------------------------------------------------------------- R-FUND-3

/// R-GOV-2, R-FUND-3: an approved expenditure decision and what it still authorises.
#[derive(Serialize, ToSchema)]
pub struct FundDecisionOut {
    pub proposal_id: i64,
    pub subject: String,
    pub purpose: String,
    pub amount_minor: i64,
    pub spent_minor: i64,
    pub left_minor: i64,
    pub decided_on: NaiveDate,
}

fn decision_out(d: FundDecision) -> FundDecisionOut {
    FundDecisionOut {
        left_minor: d.left_minor(),
        proposal_id: d.proposal_id,
        subject: d.subject,
        purpose: d.purpose,
        amount_minor: d.amount_minor,
        spent_minor: d.spent_minor,
        decided_on: d.decided_on,
    }
}

/// The board's approved expenditures, newest first, with what the Competition Sub-Fund paid
/// under each. Staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/fund/decisions", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [FundDecisionOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn decisions(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let list = state
        .app
        .fund_decisions(org.id, ProposalKind::Expenditure)
        .await
        .map_err(app_error)?;
    Ok(Json(list.into_iter().map(decision_out).collect::<Vec<_>>()).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SpendIn {
    /// The approved expenditure decision (a proposal's id) the payment names (R-GOV-2).
    pub decision_id: i64,
    /// One of R-FUND-3's categories.
    #[schema(schema_with = categories)]
    pub category: String,
    #[schema(schema_with = shape::text_500)]
    pub description: String,
    /// Minor units, within what the decision still authorises and the sub-fund's cash.
    pub amount_minor: i64,
    /// The payment's reference: the same reference again records nothing.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
    /// The day it was paid (default today in America/Mexico_City).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// R-FUND-3: staff pay from the Competition Sub-Fund under an approved board decision.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/fund/spending", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SpendIn, responses((status = 201, body = FundOpOut), (status = 200, body = FundOpOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn spend(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<SpendIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let category =
        CompetitionCategory::parse(&body.category).map_err(|e| app_error(AppError::from(e)))?;
    let amount_minor = amount("amount_minor", body.amount_minor)?;
    let o = state
        .app
        .spend_competition(
            org.id,
            &body.reference,
            category,
            &body.description,
            amount_minor,
            Some(body.decision_id),
            FactDate::new(body.on, today_mx()),
            &actor(&ctx, &s),
        )
        .await
        .map_err(|e| match e {
            AppError::Store(StoreError::NotFound { .. }) => {
                invalid("decision_id", "no approved decision with this id")
            }
            e => app_error(e),
        })?;
    Ok(op_out(&body.reference, o))
}

// ---------------------------------------------------------------- R-FUND-4, R-FUND-5

#[derive(Deserialize, Serialize, ToSchema)]
pub struct WithdrawalIn {
    pub member_id: i64,
    #[schema(schema_with = purposes)]
    pub purpose: String,
    /// Minor units, within the member's entitlement (R-FUND-5).
    pub amount_minor: i64,
    /// For education: the approved board decision that set the criteria (R-FUND-4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<i64>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct WithdrawalOut {
    pub reference: String,
    pub created: bool,
    /// What the member may still withdraw.
    pub entitlement_left_minor: i64,
}

/// R-FUND-4, R-FUND-5: a member uses their own entitlement (only the member themself).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/fund/withdrawals", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = WithdrawalIn, responses((status = 201, body = WithdrawalOut), (status = 200, body = WithdrawalOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<WithdrawalIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    check_withdrawal(&s.viewer, org.id, body.member_id).map_err(access_error)?;
    let purpose =
        WithdrawalPurpose::parse(&body.purpose).map_err(|e| app_error(AppError::from(e)))?;
    let amount_minor = amount("amount_minor", body.amount_minor)?;
    let o = state
        .app
        .withdraw_development(
            org.id,
            &body.reference,
            body.member_id,
            purpose,
            amount_minor,
            body.decision_id,
            FactDate::new(body.on, today_mx()),
            &actor(&ctx, &s),
        )
        .await
        .map_err(|e| match e {
            AppError::Store(StoreError::NotFound { .. }) => {
                invalid("decision_id", "no approved decision with this id")
            }
            e => app_error(e),
        })?;
    let left = state
        .app
        .withdrawal_position(org.id, body.member_id)
        .await
        .map_err(app_error)?
        .entitlement
        .available_minor;
    let status = if o.replay {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(WithdrawalOut {
            reference: body.reference.trim().to_string(),
            created: !o.replay,
            entitlement_left_minor: left,
        }),
    )
        .into_response())
}

// ---------------------------------------------------------------- R-FUND-1, R-PLAN-3

/// What the closes made a member owe and they have not paid.
#[derive(Serialize, ToSchema)]
pub struct OwingOut {
    pub member_id: i64,
    pub name: String,
    pub contribution_minor: i64,
    pub profit_share_minor: i64,
    pub total_minor: i64,
}

/// Every member who owes contributions or profit share. Staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/fund/payments", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [OwingOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn owing(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let list = state.app.members_owing(org.id).await.map_err(app_error)?;
    Ok(Json(
        list.into_iter()
            .map(|o| OwingOut {
                total_minor: o.total_minor(),
                member_id: o.member_id,
                name: o.name,
                contribution_minor: o.contribution_minor,
                profit_share_minor: o.profit_share_minor,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct FundPaymentIn {
    pub member_id: i64,
    /// At most this much (minor units); absent: everything the member owes. Contributions
    /// are paid first, then the profit share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<i64>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// A member's payment to the Fund and the ODF, as its receipt shows it.
#[derive(Serialize, ToSchema)]
pub struct FundReceiptOut {
    /// The receipt's number.
    pub number: i64,
    pub reference: String,
    pub member_id: i64,
    pub member_name: String,
    pub contribution_minor: i64,
    pub profit_share_minor: i64,
    pub total_minor: i64,
    pub recorded_at: DateTime<Utc>,
}

async fn receipt_out(
    state: &AppState,
    org_id: i64,
    r: FundReceipt,
) -> Result<FundReceiptOut, Response> {
    let member = state
        .app
        .store()
        .member(org_id, r.member_id)
        .await
        .map_err(|e| app_error(e.into()))?;
    Ok(FundReceiptOut {
        number: r.number,
        member_name: app::dues_cases::member_name(&member),
        total_minor: r.contribution_minor + r.profit_share_minor,
        reference: r.reference,
        member_id: r.member_id,
        contribution_minor: r.contribution_minor,
        profit_share_minor: r.profit_share_minor,
        recorded_at: r.recorded_at,
    })
}

/// R-FUND-1, R-PLAN-3: staff record a member's payment of what the closes made them owe;
/// answers the receipt. A member who owes nothing is 422 (`member_id`).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/fund/payments", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = FundPaymentIn, responses((status = 201, body = FundReceiptOut), (status = 200, body = FundReceiptOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<FundPaymentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let limit = match body.amount_minor {
        Some(a) => Some(amount("amount_minor", a)?),
        None => None,
    };
    let paid = state
        .app
        .settle_member_debts(
            org.id,
            body.member_id,
            &body.reference,
            limit,
            false,
            FactDate::new(body.on, today_mx()),
            &actor(&ctx, &s),
        )
        .await
        .map_err(|e| match e {
            AppError::Store(StoreError::NotFound { .. }) => invalid("member_id", "no such member"),
            e => app_error(e),
        })?;
    if !paid.replay && paid.contribution_minor + paid.profit_share_minor == 0 {
        return Err(invalid("member_id", "the member owes nothing"));
    }
    let r = state
        .app
        .fund_payment_receipt(org.id, &body.reference)
        .await
        .map_err(app_error)?;
    if r.member_id != body.member_id {
        return Err(invalid(
            "reference",
            "this reference was used for another member's payment",
        ));
    }
    let status = if paid.replay {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(receipt_out(&state, org.id, r).await?)).into_response())
}

/// The receipt of a payment: staff, board, supervisors and the member who paid.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/fund/payments/{reference}", security(("bearer" = [])), params(("slug" = String, Path), ("reference" = String, Path)), responses((status = 200, body = FundReceiptOut), (status = 404, body = ApiError)))]
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, reference)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let r = state
        .app
        .fund_payment_receipt(org.id, &reference)
        .await
        .map_err(app_error)?;
    // Someone who may not see the member gets 404, as for a receipt that does not exist.
    s.viewer
        .check(org.id, Action::ViewMember(r.member_id))
        .map_err(access_error)?;
    Ok(Json(receipt_out(&state, org.id, r).await?).into_response())
}

// ---------------------------------------------------------------- R-FUND-1, R-FUND-2

#[derive(Deserialize, Serialize, ToSchema)]
pub struct GrantIn {
    /// Who gave it (a local, national or international player).
    #[schema(schema_with = shape::line)]
    pub donor: String,
    pub amount_minor: i64,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// R-FUND-1, R-FUND-2: staff record a grant; it is split 50/50 between the sub-funds (the odd
/// centavo to Development).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/fund/grants", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = GrantIn, responses((status = 201, body = FundOpOut), (status = 200, body = FundOpOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn grant(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<GrantIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let amount_minor = amount("amount_minor", body.amount_minor)?;
    let o = state
        .app
        .receive_grant(
            org.id,
            &body.reference,
            &body.donor,
            amount_minor,
            FactDate::new(body.on, today_mx()),
            &actor(&ctx, &s),
        )
        .await
        .map_err(app_error)?;
    Ok(op_out(&body.reference, o))
}

/// R-FUND-1: a temporary contribution owed back to its contributor.
#[derive(Serialize, ToSchema)]
pub struct TemporaryOut {
    pub reference: String,
    pub contributor: String,
    pub amount_minor: i64,
}

/// The temporary contributions not yet returned. Staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/fund/temporary", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = [TemporaryOut]), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn temporaries(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let list = state
        .app
        .temporary_outstanding(org.id)
        .await
        .map_err(app_error)?;
    Ok(Json(
        list.into_iter()
            .map(|x| TemporaryOut {
                reference: x.reference,
                contributor: x.contributor,
                amount_minor: x.amount_minor,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct TemporaryIn {
    #[schema(schema_with = shape::line)]
    pub contributor: String,
    pub amount_minor: i64,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// R-FUND-1: staff record a temporary contribution (in the Fund, owed back until returned).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/fund/temporary", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = TemporaryIn, responses((status = 201, body = FundOpOut), (status = 200, body = FundOpOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn temporary(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<TemporaryIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let amount_minor = amount("amount_minor", body.amount_minor)?;
    let o = state
        .app
        .receive_temporary(
            org.id,
            &body.reference,
            &body.contributor,
            amount_minor,
            FactDate::new(body.on, today_mx()),
            &actor(&ctx, &s),
        )
        .await
        .map_err(app_error)?;
    Ok(op_out(&body.reference, o))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct ReturnIn {
    /// The day it was returned (default today in America/Mexico_City).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// R-FUND-1: staff return the temporary contribution received under `reference`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/fund/temporary/{reference}/return", security(("bearer" = [])), params(("slug" = String, Path), ("reference" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ReturnIn, responses((status = 201, body = FundOpOut), (status = 200, body = FundOpOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn return_temporary(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, reference)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReturnIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let o = state
        .app
        .return_temporary(
            org.id,
            &reference,
            FactDate::new(body.on, today_mx()),
            &actor(&ctx, &s),
        )
        .await
        .map_err(app_error)?;
    Ok(op_out(&reference, o))
}
