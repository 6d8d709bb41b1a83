//! The leases' JSON routes (issue 18; R-LEASE-1, R-LEASE-2, R-GOV-2), as the pages: staff,
//! board and supervisors read every lease, a lessee their own; staff start a lease under the
//! board's decision, record rents and pass a lease to another member. The purchase option is
//! `POST /api/v1/orgs/{slug}/leases/{lease_id}/purchase` (`fund::api::purchase_lease`).

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use super::leases::{figures, lease_line, lease_of_subject, status_key};
use super::loans::actor;
use super::view::member_names;
use crate::shell::access_error;
use crate::shell::api_contract::{shape, ApiJson, ApiPath};
use crate::shell::app_error;
use crate::shell::org_for;
use crate::shell::today_mx;
use crate::shell::ApiError;
use crate::shell::ApiResult;
use crate::shell::Ctx;
use crate::AppState;
use app::access_cases::{AccessError, Action};
use app::credit_cases::book::LeaseState;
use app::credit_cases::{QuoteForm, StartLeaseCmd};
use app::{AppError, FactDate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use store::Org;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_leases, start, get_lease, pay_rent, transfer),
    components(schemas(
        LeaseOut,
        LeaseRowOut,
        RentOut,
        PurchaseOut,
        LeaseListOut,
        StartLeaseIn,
        RentIn,
        LeaseTransferIn
    ))
)]
pub(crate) struct LeasePaths;

#[derive(Serialize, ToSchema)]
pub struct LeaseRowOut {
    pub number: u32,
    pub due_date: NaiveDate,
    pub rent_minor: i64,
    pub paid_minor: i64,
    pub outstanding_minor: i64,
    pub settled_on: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct RentOut {
    /// The payment's reference (its receipt).
    pub reference: String,
    pub on: NaiveDate,
    /// The lessee who paid it.
    pub member_id: i64,
    pub amount_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PurchaseOut {
    pub member_id: i64,
    pub on: NaiveDate,
    pub price_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LeaseOut {
    pub lease_id: i64,
    pub line_id: i64,
    pub asset: String,
    pub cost_minor: i64,
    pub lessee_id: i64,
    pub lessee: String,
    /// `active`, `rent_paid` (the purchase option is open) or `purchased`.
    pub status: String,
    /// The symbolic price of the purchase option (R-LEASE-1).
    pub purchase_price_minor: i64,
    pub scheduled_minor: i64,
    pub paid_minor: i64,
    pub outstanding_minor: i64,
    /// Fell due by today and unpaid.
    pub due_now_minor: i64,
    pub days_late: u32,
    /// R-LEASE-2: the days late that make a default, and whether the lessee is in it.
    pub default_after_days: u32,
    pub in_default: bool,
    pub purchase: Option<PurchaseOut>,
    pub rows: Vec<LeaseRowOut>,
    pub rents: Vec<RentOut>,
    /// False when the same request had been recorded before: nothing was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

fn lease_out(ls: &LeaseState, lessee: String, created: Option<bool>) -> LeaseOut {
    let l = &ls.lease;
    let f = figures(ls, today_mx());
    LeaseOut {
        lease_id: l.id,
        line_id: ls.line_id,
        asset: l.asset.description.clone(),
        cost_minor: l.asset.cost_minor,
        lessee_id: l.lessee,
        lessee,
        status: status_key(l.status).to_string(),
        purchase_price_minor: l.purchase_price_minor,
        scheduled_minor: f.scheduled_minor,
        paid_minor: f.paid_minor,
        outstanding_minor: f.outstanding_minor,
        due_now_minor: f.due_now_minor,
        days_late: f.days_late,
        default_after_days: ls.settings.default_after_days,
        in_default: f.in_default,
        purchase: l.purchase().map(|p| PurchaseOut {
            member_id: p.by,
            on: p.on,
            price_minor: p.price_minor,
        }),
        rows: l
            .book
            .rows
            .iter()
            .map(|r| LeaseRowOut {
                number: r.number,
                due_date: r.due_date,
                rent_minor: r.due.total(),
                paid_minor: r.paid.total(),
                outstanding_minor: r.outstanding().total(),
                settled_on: r.settled_on,
            })
            .collect(),
        rents: f
            .rents
            .into_iter()
            .map(|r| RentOut {
                reference: r.reference,
                on: r.on,
                member_id: r.lessee,
                amount_minor: r.amount_minor,
                principal_minor: r.principal_minor,
                interest_minor: r.interest_minor,
            })
            .collect(),
        created,
    }
}

async fn answer(state: &AppState, org: &Org, ls: &LeaseState, created: Option<bool>) -> ApiResult {
    let names = member_names(state, org, &[ls.lease.lessee])
        .await
        .map_err(app_error)?;
    let out = lease_out(
        ls,
        names.get(&ls.lease.lessee).cloned().unwrap_or_default(),
        created,
    );
    let status = if created == Some(true) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)).into_response())
}

/// A lease of the book; a missing one is 404.
async fn lease(state: &AppState, org: &Org, lease_id: i64) -> Result<LeaseState, AppError> {
    state
        .app
        .credit_book(org.id)
        .await?
        .leases
        .get(&lease_id)
        .cloned()
        .ok_or_else(|| store::StoreError::not_found(format!("lease {lease_id}")).into())
}

#[derive(Serialize, ToSchema)]
pub struct LeaseListOut {
    pub leases: Vec<LeaseOut>,
}

/// Every lease of the ODF, newest first: staff, board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/leases", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = LeaseListOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_leases(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let book = state.app.credit_book(org.id).await.map_err(app_error)?;
    let names = member_names(
        &state,
        &org,
        &book
            .leases
            .values()
            .map(|l| l.lease.lessee)
            .collect::<Vec<_>>(),
    )
    .await
    .map_err(app_error)?;
    Ok(Json(LeaseListOut {
        leases: book
            .leases
            .values()
            .rev()
            .map(|l| {
                lease_out(
                    l,
                    names.get(&l.lease.lessee).cloned().unwrap_or_default(),
                    None,
                )
            })
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct StartLeaseIn {
    /// The board's approved decision (proposal id) about `lease:{n}`: it names the lease.
    pub decision_id: i64,
    /// The active member who leases the asset.
    pub member_id: i64,
    /// What the asset is (1 to 200 characters).
    #[schema(schema_with = shape::line)]
    pub asset: String,
    /// The asset's cost in pesos as typed in Mexico, e.g. `48,000.00`: the rents' principal.
    #[schema(schema_with = shape::line)]
    pub cost: String,
    /// Number of monthly rents.
    #[schema(schema_with = shape::line)]
    pub installments: String,
    /// The day the asset is bought, `YYYY-MM-DD`.
    #[schema(schema_with = shape::line)]
    pub start: String,
}

/// Staff start the lease the board's decision is about (R-LEASE-1, R-GOV-2): the ODF buys the
/// asset with a draw on the line (at the line's rate); the asset stays the ODF's until the
/// purchase option. 201 with the lease; the same decision again is 200 with `created: false`.
/// 422 naming the field (`decision`, `lessee`, `asset_description`, `amount`, `installments`,
/// `start`, the line's R-CRED-1 limit).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/leases", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = StartLeaseIn, responses((status = 201, body = LeaseOut), (status = 200, body = LeaseOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<StartLeaseIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let refuse = |rule: &'static str, field: &str, message: &str| {
        app_error(AppError::Rule {
            rule,
            field: field.into(),
            message: message.into(),
        })
    };
    // The decision names the lease (R-GOV-2); `start_lease` checks it approves at least the
    // cost.
    let lease_id = match state.app.proposal(org.id, body.decision_id).await {
        Ok(p) => lease_of_subject(&p.proposal.subject).ok_or_else(|| {
            refuse(
                "R-GOV-2",
                "decision",
                "la decisión no trata de un arrendamiento (not about a lease)",
            )
        })?,
        Err(AppError::Store(store::StoreError::NotFound { .. })) => {
            return Err(refuse(
                "R-GOV-2",
                "decision",
                "no existe esa decisión (no such decision)",
            ))
        }
        Err(e) => return Err(app_error(e)),
    };
    let Some((line_id, rate)) = lease_line(&state, &org).await.map_err(app_error)? else {
        return Err(refuse(
            "R-CRED-1",
            "line",
            "la ODF no tiene línea de crédito (no credit line)",
        ));
    };
    let cost =
        app::credit_cases::quote::money("amount", &body.cost).map_err(|e| app_error(e.into()))?;
    let quote = QuoteForm::new(
        &ledger::Money::new(cost, org.data.currency).to_major_string(),
        &rate,
        &body.installments,
        &body.start,
    );
    let terms = app::credit_cases::parse_quote_form(&quote).map_err(|e| app_error(e.into()))?;
    let (ls, out) = state
        .app
        .start_lease(
            org.id,
            &actor(&ctx, &s),
            StartLeaseCmd {
                lease_id,
                line_id,
                asset_description: body.asset,
                lessee: body.member_id,
                terms,
                purchase_price_minor: None,
                default_after_days: None,
            },
            body.decision_id,
        )
        .await
        .map_err(app_error)?;
    answer(&state, &org, &ls, Some(out.created)).await
}

/// One lease: its lessee, staff, board, supervisors (others: 404).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/leases/{lease_id}", security(("bearer" = [])), params(("slug" = String, Path), ("lease_id" = i64, Path)), responses((status = 200, body = LeaseOut), (status = 404, body = ApiError)))]
pub async fn get_lease(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, lease_id)): ApiPath<(String, i64)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let ls = lease(&state, &org, lease_id).await.map_err(app_error)?;
    s.viewer
        .check(org.id, Action::ViewMember(ls.lease.lessee))
        .map_err(|_| access_error(AccessError::NotFound))?;
    answer(&state, &org, &ls, None).await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RentIn {
    /// Minor units, positive, not more than what is left to pay.
    pub amount_minor: i64,
    /// The day it was paid (default today in America/Mexico_City); not after today nor
    /// before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// The payment's reference (receipt): the same reference again records nothing.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// Staff record a rent received from the current lessee (R-LEASE-1: oldest rows first). 201
/// with the lease; the same reference again is 200 with `created: false`; 422 naming
/// `amount_minor` (over what is left), `lease_id` (every rent paid) or `on`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/leases/{lease_id}/rents", security(("bearer" = [])), params(("slug" = String, Path), ("lease_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RentIn, responses((status = 201, body = LeaseOut), (status = 200, body = LeaseOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn pay_rent(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, lease_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<RentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    lease(&state, &org, lease_id).await.map_err(app_error)?;
    let when = FactDate::new(body.on, today_mx());
    app::fact_date::check_fact_date(when, org.data.founded_on).map_err(|e| app_error(e.into()))?;
    let (ls, out) = state
        .app
        .pay_rent(
            org.id,
            &actor(&ctx, &s),
            lease_id,
            body.amount_minor,
            when.on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    answer(&state, &org, &ls, Some(out.created)).await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct LeaseTransferIn {
    /// The active member who takes the lease over.
    pub member_id: i64,
    /// The board's decision about `lease-transfer:{lease_id}`; absent: only when the lessee is
    /// in default (R-LEASE-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<i64>,
    /// The day of the transfer (default today); not after today nor before the ODF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// Staff pass the asset and the remaining rents to another active member (R-LEASE-2): with a
/// board decision, or without one when the lessee is in default; what was paid is not charged
/// again. 201 with the lease; the same transfer again is 200 with `created: false`; 422 naming
/// `decision`, `to_member` or `lease_id`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/leases/{lease_id}/transfer", security(("bearer" = [])), params(("slug" = String, Path), ("lease_id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = LeaseTransferIn, responses((status = 201, body = LeaseOut), (status = 200, body = LeaseOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn transfer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, lease_id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<LeaseTransferIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    lease(&state, &org, lease_id).await.map_err(app_error)?;
    let when = FactDate::new(body.on, today_mx());
    app::fact_date::check_fact_date(when, org.data.founded_on).map_err(|e| app_error(e.into()))?;
    let (ls, out) = state
        .app
        .transfer_lease(
            org.id,
            &actor(&ctx, &s),
            lease_id,
            body.member_id,
            when.on,
            body.decision_id,
        )
        .await
        .map_err(app_error)?;
    answer(&state, &org, &ls, Some(out.created)).await
}
