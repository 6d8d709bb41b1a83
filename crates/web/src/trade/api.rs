//! Pooled purchasing over JSON (R-BUY-1, R-BUY-2, R-SELL-3), under `/api/v1/orgs/{slug}/trade`:
//! the same use cases as the pages and the CLI's `tequio round ...`. Writes are staff's
//! (`ManageMembers`), except a member's own requests; reads as the pages. Every POST honours
//! `Idempotency-Key`, and every act is keyed by its reference besides.

use super::actor;
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
use app::access_cases::Action;
use app::trade_cases::{
    Funding, PriceListInput, RequestInput, RoundInput, SupplierInput, TierInput,
};
use app::AppError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use store::Org;
use utoipa::{OpenApi, ToSchema};

pub(super) fn routes() -> Router<AppState> {
    let r = "/orgs/{slug}/trade/rounds/{round}";
    let o = "/orgs/{slug}/trade/orders/{order}";
    let t = "/orgs/{slug}/trade/outlets/{code}";
    Router::new()
        .route(
            "/orgs/{slug}/trade/suppliers",
            get(catalogue).post(register_supplier),
        )
        .route("/orgs/{slug}/trade/price-lists", post(register_price_list))
        .route(
            "/orgs/{slug}/trade/price-lists/csv",
            post(import_price_lists),
        )
        .route(
            "/orgs/{slug}/trade/rounds",
            get(list_rounds).post(open_round),
        )
        .route(r, get(get_round))
        .route(&format!("{r}/requests"), post(request))
        .route(&format!("{r}/close"), post(close_round))
        .route(&format!("{r}/receipts"), post(receive))
        .route(&format!("{r}/supplier-payments"), post(pay_supplier))
        .route(&format!("{r}/pick-ups"), post(pick_up))
        .route("/orgs/{slug}/trade/repayments", post(repay))
        .route(
            "/orgs/{slug}/trade/capacities",
            get(list_capacities).post(declare_capacities),
        )
        .route(
            "/orgs/{slug}/trade/orders",
            get(list_orders).post(accept_order),
        )
        .route(o, get(get_order))
        .route(&format!("{o}/deliveries"), post(deliver))
        .route(&format!("{o}/invoice"), post(invoice))
        .route(&format!("{o}/advances"), post(advance))
        .route(&format!("{o}/payments"), post(buyer_payment))
        .route(&format!("{o}/payouts"), get(order_payouts))
        .route(
            "/orgs/{slug}/trade/outlets",
            get(list_outlets).post(open_outlet),
        )
        .route(t, get(get_outlet))
        .route(&format!("{t}/consignments"), post(consign))
        .route(&format!("{t}/sales"), post(outlet_sale))
        .route(&format!("{t}/settlements"), post(settle))
        .route(&format!("{t}/counts"), post(count))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        catalogue,
        register_supplier,
        register_price_list,
        import_price_lists,
        list_rounds,
        open_round,
        get_round,
        request,
        close_round,
        receive,
        pay_supplier,
        pick_up,
        repay,
        list_capacities,
        declare_capacities,
        list_orders,
        accept_order,
        get_order,
        deliver,
        invoice,
        advance,
        buyer_payment,
        order_payouts,
        list_outlets,
        open_outlet,
        get_outlet,
        consign,
        outlet_sale,
        settle,
        count
    ),
    components(schemas(
        SupplierIn,
        SupplierOut,
        TierIn,
        PriceListIn,
        CatalogueOut,
        CsvIn,
        CsvOut,
        RoundIn,
        RoundRowOut,
        RequestLineIn,
        RequestsIn,
        RequestsOut,
        CloseIn,
        RoundOut,
        PurchaseOrderOut,
        ReceiptIn,
        FundingIn,
        SupplierPaymentIn,
        PickUpIn,
        RepaymentIn,
        DoneOut,
        PayoutsOut,
        RecordedPayoutOut,
        PayoutLineOut
    ))
)]
pub(crate) struct TradeApi;

/// Adds this chapter's routes to the API's document (`ApiDoc`).
pub(crate) struct TradeDoc;

impl utoipa::Modify for TradeDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.merge(TradeApi::openapi());
    }
}

fn created(created: bool, body: impl Serialize) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

/// A fact's day: absent is today; not after today, nor before the ODF (issue 14).
fn fact_day(org: &Org, on: Option<NaiveDate>) -> Result<NaiveDate, Response> {
    let when = app::FactDate::new(on, today_mx());
    app::fact_date::check_fact_date(when, org.data.founded_on)
        .map_err(|e| invalid("on", &e.to_string()))
}

/// An answer to an act: what was recorded.
#[derive(Serialize, ToSchema)]
pub struct DoneOut {
    /// The act's reference (or the round, supplier or list it names).
    pub reference: String,
}

// ---------------------------------------------------------------- suppliers and price lists

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SupplierIn {
    #[schema(schema_with = shape::reference)]
    pub code: String,
    #[schema(schema_with = shape::line)]
    pub name: String,
    /// The support-committee member who brought the supplier (R-SELL-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channelled_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SupplierOut {
    pub code: String,
    pub name: String,
    pub channelled_by: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
pub struct TierIn {
    #[schema(minimum = 1)]
    pub from_units: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_units: Option<u32>,
    /// Price per unit in centavos, positive.
    pub unit_price_minor: i64,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PriceListIn {
    #[schema(schema_with = shape::reference)]
    pub supplier: String,
    #[schema(schema_with = shape::reference)]
    pub material: String,
    /// `all_units` (the tier reached prices every unit) or `incremental`.
    #[schema(schema_with = pricing)]
    pub pricing: String,
    pub tiers: Vec<TierIn>,
    #[serde(default)]
    pub min_order_units: u32,
    #[serde(default)]
    pub lead_time_days: u32,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

fn pricing() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["all_units", "incremental"]))
        .build()
}

#[derive(Serialize, ToSchema)]
pub struct CatalogueOut {
    pub suppliers: Vec<SupplierOut>,
    pub price_lists: Vec<PriceListIn>,
}

/// Suppliers and their price lists: staff, the board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/suppliers", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = CatalogueOut), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn catalogue(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let (suppliers, lists) = state.app.trade_catalogue(org.id).await.map_err(app_error)?;
    Ok(Json(CatalogueOut {
        suppliers: suppliers
            .into_iter()
            .map(|s| SupplierOut {
                code: s.code,
                name: s.name,
                channelled_by: s.channelled_by,
            })
            .collect(),
        price_lists: lists
            .iter()
            .map(|l| {
                let l = l.as_price_list();
                PriceListIn {
                    supplier: l.supplier.clone(),
                    material: l.material.clone(),
                    pricing: match l.pricing {
                        trade::supplier::Pricing::AllUnits => "all_units",
                        trade::supplier::Pricing::Incremental => "incremental",
                    }
                    .into(),
                    tiers: l
                        .tiers
                        .iter()
                        .map(|t| TierIn {
                            from_units: t.from_units,
                            to_units: t.to_units,
                            unit_price_minor: t.unit_price_minor,
                        })
                        .collect(),
                    min_order_units: l.min_order_units,
                    lead_time_days: l.lead_time_days,
                    valid_from: l.valid_from,
                    valid_until: l.valid_until,
                }
            })
            .collect(),
    })
    .into_response())
}

/// R-BUY-1, R-SELL-3: staff register a supplier (the same again: 201, no change; another
/// name under the same code: 422).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/suppliers", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SupplierIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn register_supplier(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<SupplierIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let code = body.code.clone();
    state
        .app
        .register_supplier(
            org.id,
            &actor(&ctx, &s),
            SupplierInput {
                code: body.code,
                name: body.name,
                channelled_by: body.channelled_by.filter(|c| !c.trim().is_empty()),
            },
        )
        .await
        .map_err(app_error)?;
    Ok(created(true, DoneOut { reference: code }))
}

/// R-BUY-1: staff register a price list (tiers from 1 unit, contiguous; a gap or overlap is
/// 422 naming the tier).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/price-lists", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = PriceListIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn register_price_list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<PriceListIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let reference = format!("{}:{}:{}", body.supplier, body.material, body.valid_from);
    state
        .app
        .register_price_list(
            org.id,
            &actor(&ctx, &s),
            PriceListInput {
                supplier: body.supplier,
                material: body.material,
                pricing: body.pricing,
                tiers: body
                    .tiers
                    .iter()
                    .map(|t| TierInput {
                        from_units: t.from_units,
                        to_units: t.to_units,
                        unit_price_minor: t.unit_price_minor,
                    })
                    .collect(),
                min_order_units: body.min_order_units,
                lead_time_days: body.lead_time_days,
                valid_from: body.valid_from,
                valid_until: body.valid_until,
            },
        )
        .await
        .map_err(app_error)?;
    Ok(created(true, DoneOut { reference }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CsvIn {
    /// The file's text: a header naming `proveedor, material, esquema, desde, hasta, precio,
    /// pedido_minimo, dias_entrega, vigente_desde, vigente_hasta`, one row per price tier. Bounded
    /// by the request body's limit (1 MiB, answered 413), as the other CSV routes are.
    pub csv: String,
}

#[derive(Serialize, ToSchema)]
pub struct CsvOut {
    pub lists: usize,
    /// Lists recorded now (0: the same file had been recorded before).
    pub created: usize,
}

/// R-BUY-1: price lists from a CSV text, all or nothing; a bad line is 422 naming its line
/// and column (`línea 3, precio: ...`), and nothing is recorded.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/price-lists/csv", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CsvIn, responses((status = 201, body = CsvOut), (status = 200, body = CsvOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn import_price_lists(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<CsvIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let done = state
        .app
        .import_price_lists(org.id, &actor(&ctx, &s), &body.csv)
        .await
        .map_err(app_error)?;
    Ok(created(
        done.created > 0,
        CsvOut {
            lists: done.lists,
            created: done.created,
        },
    ))
}

// ---------------------------------------------------------------- rounds

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RoundIn {
    #[schema(schema_with = shape::reference)]
    pub round_id: String,
    /// The day orders are placed (default today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_date: Option<NaiveDate>,
    /// Buy up to a better tier when that costs less (the ODF's setting may forbid it).
    #[serde(default = "yes")]
    pub allow_buy_up: bool,
}

fn yes() -> bool {
    true
}

#[derive(Serialize, ToSchema)]
pub struct RoundRowOut {
    pub round_id: String,
    pub order_date: NaiveDate,
    pub closed: bool,
    pub requests: usize,
}

/// The rounds, newest first: everyone in the group.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/rounds", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = Vec<RoundRowOut>), (status = 404, body = ApiError)))]
pub async fn list_rounds(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let mut out = Vec::new();
    for id in state.app.rounds(org.id).await.map_err(app_error)? {
        let r = state.app.round(org.id, &id).await.map_err(app_error)?;
        out.push(RoundRowOut {
            round_id: id,
            order_date: r.settings.order_date,
            closed: r.closed_on.is_some(),
            requests: r.requests.len(),
        });
    }
    out.reverse();
    Ok(Json(out).into_response())
}

/// R-BUY-1: staff open a purchasing round.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/rounds", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RoundIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn open_round(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<RoundIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    state
        .app
        .open_round(
            org.id,
            &actor(&ctx, &s),
            RoundInput {
                round_id: body.round_id.clone(),
                order_date: body.order_date.unwrap_or_else(today_mx),
                allow_buy_up: body.allow_buy_up,
                time_limit_ms: None,
            },
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.round_id,
        },
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PurchaseOrderOut {
    pub po_id: String,
    pub supplier: String,
    pub material: String,
    pub quantity_units: u32,
    pub cost_minor: i64,
    pub received_units: u32,
    pub paid_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    pub round_id: String,
    pub order_date: NaiveDate,
    pub closed: bool,
    /// The requests (a member sees their own).
    #[schema(value_type = Vec<Object>)]
    pub requests: Vec<RequestInput>,
    /// The plan's cost, all materials.
    pub total_cost_minor: i64,
    pub optimal: bool,
    /// Per material (staff, board, supervisors).
    #[schema(value_type = Vec<Object>)]
    pub materials: Vec<app::trade_cases::RoundMaterialRow>,
    /// Each member's charge and saving per material (a member sees their own).
    #[schema(value_type = Vec<Object>)]
    pub members: Vec<app::trade_cases::MemberSavingsRow>,
    pub purchase_orders: Vec<PurchaseOrderOut>,
}

fn round_not_found(e: AppError) -> Response {
    match e {
        AppError::Field(f) if f.field == "round_id" && f.message.contains("no existe") => {
            app_error(AppError::Store(store::StoreError::not_found("round")))
        }
        e => app_error(e),
    }
}

/// A round: requests, plan, each member's saving, purchase orders. Everyone in the group; a
/// member sees their own lines.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/rounds/{round}", security(("bearer" = [])), params(("slug" = String, Path), ("round" = String, Path)), responses((status = 200, body = RoundOut), (status = 404, body = ApiError)))]
pub async fn get_round(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, round_id)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let round = state
        .app
        .round(org.id, &round_id)
        .await
        .map_err(round_not_found)?;
    let report = state
        .app
        .round_report(org.id, &round_id)
        .await
        .map_err(round_not_found)?;
    let all = s.viewer.may(org.id, Action::ViewMembers);
    let me = s.viewer.member_id_in(org.id);
    let shown = |m: i64| all || me == Some(m);
    Ok(Json(RoundOut {
        round_id,
        order_date: round.settings.order_date,
        closed: round.closed_on.is_some(),
        requests: round
            .requests
            .iter()
            .filter(|r| shown(r.member))
            .map(|r| RequestInput {
                member: r.member,
                material: r.material.clone(),
                quantity_units: r.quantity_units,
                needed_by: r.needed_by,
            })
            .collect(),
        total_cost_minor: report.total_cost_minor,
        optimal: report.optimal,
        materials: if all { report.materials } else { Vec::new() },
        members: report
            .members
            .into_iter()
            .filter(|m| shown(m.member))
            .collect(),
        purchase_orders: if all {
            round
                .purchase_orders()
                .into_iter()
                .map(|po| PurchaseOrderOut {
                    received_units: round.received.get(&po.po_id).copied().unwrap_or(0),
                    paid_minor: round.paid.get(&po.po_id).copied().unwrap_or(0),
                    po_id: po.po_id,
                    supplier: po.supplier,
                    material: po.material,
                    quantity_units: po.quantity_units,
                    cost_minor: po.cost_minor,
                })
                .collect()
        } else {
            Vec::new()
        },
    })
    .into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RequestLineIn {
    /// The member; a member asking for themself may leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<i64>,
    #[schema(schema_with = shape::reference)]
    pub material: String,
    #[schema(minimum = 1)]
    pub quantity_units: u32,
    pub needed_by: NaiveDate,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RequestsIn {
    pub requests: Vec<RequestLineIn>,
}

#[derive(Serialize, ToSchema)]
pub struct RequestsOut {
    /// Requests recorded now (0: all of them had been recorded before).
    pub recorded: usize,
}

/// R-BUY-1: requests in an open round, all or nothing. Staff for any member; a member only for
/// themself (another member's id is 403).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/rounds/{round}/requests", security(("bearer" = [])), params(("slug" = String, Path), ("round" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RequestsIn, responses((status = 201, body = RequestsOut), (status = 200, body = RequestsOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, round_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RequestsIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let staff = s.viewer.may(org.id, Action::ManageMembers);
    let me = s.viewer.member_id_in(org.id);
    let mut requests = Vec::with_capacity(body.requests.len());
    for r in body.requests {
        let member = match (r.member_id, me) {
            (Some(m), _) if staff => m,
            (Some(m), Some(me)) if m == me => m,
            (None, Some(me)) => me,
            (None, None) if staff => return Err(invalid("member_id", "indique el socio")),
            (m, _) => {
                // Only the member themself or staff (R-GOV-1).
                let action = Action::ViewMember(m.unwrap_or(-1));
                return Err(access_error(app::access_cases::AccessError::Forbidden {
                    rule: "R-GOV-1",
                    action: format!("{action:?}"),
                }));
            }
        };
        requests.push(RequestInput {
            member,
            material: r.material,
            quantity_units: r.quantity_units,
            needed_by: r.needed_by,
        });
    }
    let recorded = state
        .app
        .request_purchases(org.id, &actor(&ctx, &s), &round_id, requests)
        .await
        .map_err(round_not_found)?;
    Ok(created(recorded > 0, RequestsOut { recorded }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CloseIn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// R-BUY-1: staff close the round; the answer is the round with its plan and savings.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/rounds/{round}/close", security(("bearer" = [])), params(("slug" = String, Path), ("round" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CloseIn, responses((status = 200, body = RoundOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn close_round(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, round_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CloseIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let on = fact_day(&org, body.on)?;
    state
        .app
        .close_round(org.id, &actor(&ctx, &s), &round_id, on)
        .await
        .map_err(round_not_found)?;
    get_round(State(state), ctx, ApiPath((slug, round_id))).await
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReceiptIn {
    pub po_id: String,
    #[schema(minimum = 1)]
    pub units: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    /// The delivery note: the same reference again records nothing.
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-BUY-2: staff record goods received against a purchase order (partial deliveries;
/// more than ordered is 422).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/rounds/{round}/receipts", security(("bearer" = [])), params(("slug" = String, Path), ("round" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ReceiptIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn receive(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, round_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReceiptIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let on = fact_day(&org, body.on)?;
    state
        .app
        .receive_goods(
            org.id,
            &actor(&ctx, &s),
            &round_id,
            &body.po_id,
            body.units,
            on,
            &body.reference,
        )
        .await
        .map_err(round_not_found)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

/// Where working capital comes from (R-BUY-2): a lender's credit line, or the Competition
/// Sub-Fund under an approved board decision.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct FundingIn {
    /// `credit_line` (with `lender`) or `competition_sub_fund` (with `decision_id`).
    #[schema(schema_with = source)]
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<i64>,
}

fn source() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["credit_line", "competition_sub_fund"]))
        .build()
}

impl FundingIn {
    fn funding(&self) -> Result<Funding, Response> {
        match (self.source.as_str(), &self.lender, self.decision_id) {
            ("credit_line", Some(lender), _) => Ok(Funding::CreditLine {
                lender: lender.clone(),
            }),
            ("credit_line", None, _) => Err(invalid("funding.lender", "indique el prestamista")),
            ("competition_sub_fund", _, Some(decision_id)) => {
                Ok(Funding::CompetitionSubFund { decision_id })
            }
            ("competition_sub_fund", _, None) => Err(invalid(
                "funding.decision_id",
                "indique la decisión del consejo",
            )),
            _ => Err(invalid(
                "funding.source",
                "debe ser credit_line o competition_sub_fund",
            )),
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SupplierPaymentIn {
    pub po_id: String,
    /// Centavos, positive, at most what is still owed on the order.
    pub amount_minor: i64,
    pub funding: FundingIn,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-BUY-2: staff pay a supplier from a lender's line or the Competition Sub-Fund (never
/// beyond the board's approval, nor the line's room).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/rounds/{round}/supplier-payments", security(("bearer" = [])), params(("slug" = String, Path), ("round" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SupplierPaymentIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn pay_supplier(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, round_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SupplierPaymentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let on = fact_day(&org, body.on)?;
    if body.amount_minor <= 0 {
        return Err(invalid("amount_minor", "debe ser positivo"));
    }
    let funding = body.funding.funding()?;
    state
        .app
        .pay_supplier(
            org.id,
            &actor(&ctx, &s),
            &round_id,
            &body.po_id,
            body.amount_minor,
            funding,
            on,
            &body.reference,
        )
        .await
        .map_err(round_not_found)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PickUpIn {
    pub member_id: i64,
    #[schema(schema_with = shape::reference)]
    pub material: String,
    #[schema(minimum = 1)]
    pub units: u32,
    /// Paid at once, centavos; the rest comes off the member's next sales settlement.
    #[serde(default)]
    pub pay_now_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-BUY-2: staff record a member picking up goods at the pooled cost (no more than
/// requested nor than received).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/rounds/{round}/pick-ups", security(("bearer" = [])), params(("slug" = String, Path), ("round" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = PickUpIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn pick_up(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, round_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<PickUpIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let on = fact_day(&org, body.on)?;
    state
        .app
        .pick_up(
            org.id,
            &actor(&ctx, &s),
            &round_id,
            body.member_id,
            &body.material,
            body.units,
            body.pay_now_minor,
            on,
            &body.reference,
        )
        .await
        .map_err(round_not_found)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RepaymentIn {
    pub funding: FundingIn,
    /// Centavos, positive.
    pub amount_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-BUY-2: staff repay working capital to the line or the Sub-Fund, once members paid.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/repayments", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RepaymentIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn repay(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<RepaymentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let on = fact_day(&org, body.on)?;
    if body.amount_minor <= 0 {
        return Err(invalid("amount_minor", "debe ser positivo"));
    }
    let funding = body.funding.funding()?;
    state
        .app
        .repay_working_capital(
            org.id,
            &actor(&ctx, &s),
            funding,
            body.amount_minor,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

// ---------------------------------------------------------------- sales (R-SELL-1, R-SELL-3)

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CapacityIn {
    pub member_id: i64,
    #[schema(schema_with = shape::line)]
    pub product: String,
    /// `A`, `B` or `C`.
    #[schema(schema_with = grade)]
    pub grade: String,
    pub capacity_units: u64,
    #[serde(default)]
    pub min_lot_units: u64,
}

fn grade() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["A", "B", "C"]))
        .build()
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CapacitiesIn {
    pub capacities: Vec<CapacityIn>,
}

#[derive(Serialize, ToSchema)]
pub struct CapacityOut {
    pub member_id: i64,
    pub product: String,
    pub grade: String,
    pub capacity_units: u64,
    pub min_lot_units: u64,
}

/// Members' declared capacities: staff, the board, supervisors.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/capacities", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = Vec<CapacityOut>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn list_capacities(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewMembers).await?;
    let out: Vec<CapacityOut> = state
        .app
        .capacities(org.id)
        .await
        .map_err(app_error)?
        .into_iter()
        .map(|c| CapacityOut {
            member_id: c.member,
            product: c.product,
            grade: format!("{:?}", c.grade),
            capacity_units: c.capacity_units,
            min_lot_units: c.min_lot_units,
        })
        .collect();
    Ok(Json(out).into_response())
}

/// R-SELL-1: staff declare members' capacities (all or nothing).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/capacities", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CapacitiesIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn declare_capacities(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<CapacitiesIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let n = state
        .app
        .declare_capacities(
            org.id,
            &actor(&ctx, &s),
            body.capacities
                .into_iter()
                .map(|c| app::trade_cases::CapacityInput {
                    member: c.member_id,
                    product: c.product,
                    grade: c.grade,
                    capacity_units: c.capacity_units,
                    min_lot_units: c.min_lot_units,
                    declared_on: today_mx(),
                })
                .collect(),
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: n.to_string(),
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OrderIn {
    #[schema(schema_with = shape::reference)]
    pub order_id: String,
    #[schema(schema_with = shape::line)]
    pub buyer: String,
    #[schema(schema_with = shape::line)]
    pub product: String,
    #[schema(schema_with = grade)]
    pub grade: String,
    #[schema(minimum = 1)]
    pub quantity_units: u64,
    /// Centavos per unit, positive.
    pub unit_price_minor: i64,
    pub due_date: NaiveDate,
    /// 60 or 90.
    pub terms_days: u32,
    /// The support-committee member who brought the buyer (R-SELL-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channelled_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ShareOut {
    pub member_id: i64,
    pub assigned_units: u64,
    pub accepted_units: u64,
    pub rejected_units: u64,
    pub advanced_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OrderOut {
    pub order_id: String,
    pub buyer: String,
    pub product: String,
    pub grade: String,
    pub quantity_units: u64,
    pub unit_price_minor: i64,
    pub invoiced_minor: Option<i64>,
    pub collected_minor: i64,
    /// Each member's share (a member sees their own).
    pub shares: Vec<ShareOut>,
}

/// The sales orders, newest first (ids): everyone in the group.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/orders", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = Vec<String>), (status = 404, body = ApiError)))]
pub async fn list_orders(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    let mut ids = state.app.sales_orders(org.id).await.map_err(app_error)?;
    ids.reverse();
    Ok(Json(ids).into_response())
}

/// R-SELL-1: staff accept a buyer's order; it is split among members by capacity. The answer
/// is the order with each member's share.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/orders", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = OrderIn, responses((status = 201, body = OrderOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn accept_order(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<OrderIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    let id = body.order_id.clone();
    state
        .app
        .accept_order(
            org.id,
            &actor(&ctx, &s),
            app::trade_cases::OrderInput {
                order_id: body.order_id,
                buyer: body.buyer,
                product: body.product,
                grade: body.grade,
                quantity_units: body.quantity_units,
                unit_price_minor: body.unit_price_minor,
                due_date: body.due_date,
                terms_days: body.terms_days,
                channelled_by: body.channelled_by.filter(|c| !c.trim().is_empty()),
                accepted_on: today_mx(),
            },
        )
        .await
        .map_err(app_error)?;
    let out = order_out(&state, &org, &s, &id).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn order_out(
    state: &AppState,
    org: &Org,
    s: &app::access_cases::Session,
    order_id: &str,
) -> Result<OrderOut, Response> {
    if !state
        .app
        .sales_orders(org.id)
        .await
        .map_err(app_error)?
        .iter()
        .any(|o| o == order_id)
    {
        return Err(app_error(AppError::Store(store::StoreError::not_found(
            "order",
        ))));
    }
    let o = state
        .app
        .sales_order(org.id, order_id)
        .await
        .map_err(app_error)?;
    let all = s.viewer.may(org.id, Action::ViewMembers);
    let me = s.viewer.member_id_in(org.id);
    let shares = o
        .member_deliveries()
        .map_err(app_error)?
        .into_iter()
        .filter(|d| all || me == Some(d.member))
        .map(|d| ShareOut {
            member_id: d.member,
            assigned_units: d.assigned_units,
            accepted_units: d.accepted_units,
            rejected_units: d.rejected_units,
            advanced_minor: o.advances.get(&d.member).copied().unwrap_or(0),
        })
        .collect();
    Ok(OrderOut {
        order_id: order_id.to_string(),
        buyer: o.input.buyer.clone(),
        product: o.input.product.clone(),
        grade: o.input.grade.clone(),
        quantity_units: o.input.quantity_units,
        unit_price_minor: o.input.unit_price_minor,
        invoiced_minor: o.invoice.as_ref().map(|i| i.amount_minor),
        collected_minor: o.invoice.as_ref().map_or(0, |i| i.collected_minor),
        shares,
    })
}

/// An order with each member's share: everyone in the group; a member sees their own line.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/orders/{order}", security(("bearer" = [])), params(("slug" = String, Path), ("order" = String, Path)), responses((status = 200, body = OrderOut), (status = 404, body = ApiError)))]
pub async fn get_order(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, order_id)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    Ok(Json(order_out(&state, &org, &s, &order_id).await?).into_response())
}

/// One member's payout from one buyer payment, as recorded (R-SELL-1).
#[derive(Serialize, ToSchema)]
pub struct PayoutLineOut {
    pub member_id: i64,
    pub gross_minor: i64,
    pub advance_minor: i64,
    /// Fund contributions deducted (R-FUND-1), booked as the Fund's payment.
    pub fund_minor: i64,
    /// The ODF's profit share deducted (R-PLAN-3), booked as the Fund's payment.
    pub profit_share_minor: i64,
    pub purchases_minor: i64,
    pub net_minor: i64,
}

/// A buyer payment's payouts to members.
#[derive(Serialize, ToSchema)]
pub struct RecordedPayoutOut {
    pub reference: String,
    pub date: NaiveDate,
    pub payment_minor: i64,
    pub lines: Vec<PayoutLineOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutsOut {
    pub payouts: Vec<RecordedPayoutOut>,
}

/// R-SELL-1: each buyer payment's payouts to members as recorded (what each was paid and what
/// was deducted that day): everyone in the group; a member sees their own lines.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/orders/{order}/payouts", security(("bearer" = [])), params(("slug" = String, Path), ("order" = String, Path)), responses((status = 200, body = PayoutsOut), (status = 404, body = ApiError)))]
pub async fn order_payouts(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, order_id)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    order_out(&state, &org, &s, &order_id).await?;
    let o = state
        .app
        .sales_order(org.id, &order_id)
        .await
        .map_err(app_error)?;
    let all = s.viewer.may(org.id, Action::ViewMembers);
    let me = s.viewer.member_id_in(org.id);
    let payouts = o
        .payouts
        .iter()
        .map(|p| RecordedPayoutOut {
            reference: p.reference.clone(),
            date: p.date,
            payment_minor: p.payment_minor,
            lines: p
                .lines
                .iter()
                .filter(|l| all || me == Some(l.member))
                .map(|l| PayoutLineOut {
                    member_id: l.member,
                    gross_minor: l.gross_minor,
                    advance_minor: l.advance_minor,
                    fund_minor: l.fund_minor,
                    profit_share_minor: l.profit_share_minor,
                    purchases_minor: l.purchases_minor,
                    net_minor: l.net_minor,
                })
                .collect(),
        })
        .collect();
    Ok(Json(PayoutsOut { payouts }).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct DeliveryIn {
    pub member_id: i64,
    #[schema(minimum = 1)]
    pub delivered_units: u64,
    #[serde(default)]
    pub rejected_units: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-SELL-1: staff record a member's delivery with the units the quality check rejected.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/orders/{order}/deliveries", security(("bearer" = [])), params(("slug" = String, Path), ("order" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = DeliveryIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn deliver(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, order_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<DeliveryIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    order_out(&state, &org, &s, &order_id).await?;
    let on = fact_day(&org, body.on)?;
    state
        .app
        .record_deliveries(
            org.id,
            &actor(&ctx, &s),
            &order_id,
            vec![app::trade_cases::DeliveryInput {
                member: body.member_id,
                delivered_units: body.delivered_units,
                rejected_units: body.rejected_units,
                date: on,
                reference: body.reference.clone(),
            }],
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct InvoiceIn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
}

/// R-SELL-1: staff invoice the buyer for the accepted units; the answer is the order.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/orders/{order}/invoice", security(("bearer" = [])), params(("slug" = String, Path), ("order" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = InvoiceIn, responses((status = 200, body = OrderOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn invoice(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, order_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<InvoiceIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    order_out(&state, &org, &s, &order_id).await?;
    let on = fact_day(&org, body.on)?;
    state
        .app
        .invoice_order(org.id, &actor(&ctx, &s), &order_id, on)
        .await
        .map_err(app_error)?;
    Ok(Json(order_out(&state, &org, &s, &order_id).await?).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct AdvanceIn {
    pub member_id: i64,
    /// Centavos, positive.
    pub amount_minor: i64,
    pub funding: FundingIn,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-SELL-1: staff pay a member an advance on their share, from a line or the Sub-Fund.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/orders/{order}/advances", security(("bearer" = [])), params(("slug" = String, Path), ("order" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = AdvanceIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn advance(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, order_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<AdvanceIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    order_out(&state, &org, &s, &order_id).await?;
    let on = fact_day(&org, body.on)?;
    if body.amount_minor <= 0 {
        return Err(invalid("amount_minor", "debe ser positivo"));
    }
    let funding = body.funding.funding()?;
    state
        .app
        .pay_sales_advance(
            org.id,
            &actor(&ctx, &s),
            &order_id,
            body.member_id,
            body.amount_minor,
            funding,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct BuyerPaymentIn {
    /// Centavos, positive, at most what the buyer still owes.
    pub amount_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct PayoutOut {
    pub member_id: i64,
    pub gross_minor: i64,
    pub deducted_minor: i64,
    pub net_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BuyerPaymentOut {
    pub payment_minor: i64,
    pub net_minor: i64,
    pub deducted_minor: i64,
    pub outstanding_minor: i64,
    /// Each member's payout (empty when the same payment had been recorded before).
    pub payouts: Vec<PayoutOut>,
}

/// R-SELL-1: the buyer's payment, passed on to members for what they delivered, each one's
/// debts deducted first (advances, Fund contributions, profit share, purchases).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/orders/{order}/payments", security(("bearer" = [])), params(("slug" = String, Path), ("order" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = BuyerPaymentIn, responses((status = 201, body = BuyerPaymentOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn buyer_payment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, order_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<BuyerPaymentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    order_out(&state, &org, &s, &order_id).await?;
    let on = fact_day(&org, body.on)?;
    if body.amount_minor <= 0 {
        return Err(invalid("amount_minor", "debe ser positivo"));
    }
    let p = state
        .app
        .record_buyer_payment(
            org.id,
            &actor(&ctx, &s),
            &order_id,
            body.amount_minor,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    let payouts = p
        .settlement
        .as_ref()
        .map(|s| {
            s.payouts
                .iter()
                .map(|x| PayoutOut {
                    member_id: x.member,
                    gross_minor: x.gross_minor,
                    deducted_minor: x.deductions.iter().map(|d| d.amount_minor).sum(),
                    net_minor: x.net_minor,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(created(
        true,
        BuyerPaymentOut {
            payment_minor: p.payment_minor,
            net_minor: p.net_minor,
            deducted_minor: p.deducted_minor,
            outstanding_minor: p.outstanding_minor,
            payouts,
        },
    ))
}

// ---------------------------------------------------------------- outlets (R-SELL-2)

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OutletIn {
    #[schema(schema_with = shape::reference)]
    pub code: String,
    #[schema(schema_with = shape::line)]
    pub name: String,
    /// The outlet's commission as a fraction, `0` to `1` (`"0.15"`).
    pub commission_rate: String,
}

#[derive(Serialize, ToSchema)]
pub struct StockOut {
    pub member_id: i64,
    pub product: String,
    pub units: u64,
    pub unit_price_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OwedOut {
    pub member_id: i64,
    pub owed_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OutletOut {
    pub code: String,
    pub name: String,
    pub commission_rate: String,
    pub sales_minor: i64,
    /// A member sees their own lines.
    pub stock: Vec<StockOut>,
    pub owed: Vec<OwedOut>,
}

/// The outlets (codes): everyone in the group.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/outlets", security(("bearer" = [])), params(("slug" = String, Path)), responses((status = 200, body = Vec<String>), (status = 404, body = ApiError)))]
pub async fn list_outlets(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult {
    let (org, _) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    Ok(Json(state.app.outlets(org.id).await.map_err(app_error)?).into_response())
}

/// R-SELL-2: staff open an outlet with its commission.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/outlets", security(("bearer" = [])), params(("slug" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = OutletIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn open_outlet(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<OutletIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    state
        .app
        .open_outlet(
            org.id,
            &actor(&ctx, &s),
            app::trade_cases::OutletInput {
                code: body.code.clone(),
                name: body.name,
                commission_rate: body.commission_rate,
            },
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.code,
        },
    ))
}

async fn outlet_out(
    state: &AppState,
    org: &Org,
    s: &app::access_cases::Session,
    code: &str,
) -> Result<OutletOut, Response> {
    if !state
        .app
        .outlets(org.id)
        .await
        .map_err(app_error)?
        .iter()
        .any(|c| c == code)
    {
        return Err(app_error(AppError::Store(store::StoreError::not_found(
            "outlet",
        ))));
    }
    let o = state.app.outlet(org.id, code).await.map_err(app_error)?;
    let all = s.viewer.may(org.id, Action::ViewMembers);
    let me = s.viewer.member_id_in(org.id);
    let shown = |m: i64| all || me == Some(m);
    Ok(OutletOut {
        code: code.to_string(),
        name: o.input.name.clone(),
        commission_rate: o.input.commission_rate.clone(),
        sales_minor: o.sales_minor,
        stock: o
            .stock
            .lines
            .iter()
            .filter(|((m, _), _)| shown(*m))
            .map(|((m, p), l)| StockOut {
                member_id: *m,
                product: p.clone(),
                units: l.units,
                unit_price_minor: l.unit_price_minor,
            })
            .collect(),
        owed: o
            .owed
            .iter()
            .filter(|(m, _)| shown(**m))
            .map(|(m, a)| OwedOut {
                member_id: *m,
                owed_minor: *a,
            })
            .collect(),
    })
}

/// An outlet: stock on consignment and what it owes each member (a member sees their own).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/trade/outlets/{code}", security(("bearer" = [])), params(("slug" = String, Path), ("code" = String, Path)), responses((status = 200, body = OutletOut), (status = 404, body = ApiError)))]
pub async fn get_outlet(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, code)): ApiPath<(String, String)>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ViewShared).await?;
    Ok(Json(outlet_out(&state, &org, &s, &code).await?).into_response())
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ConsignmentIn {
    pub member_id: i64,
    #[schema(schema_with = shape::line)]
    pub product: String,
    #[schema(minimum = 1)]
    pub units: u64,
    /// The member's price per unit, centavos.
    pub unit_price_minor: i64,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-SELL-2: staff record a member's goods left at the outlet on consignment.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/outlets/{code}/consignments", security(("bearer" = [])), params(("slug" = String, Path), ("code" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = ConsignmentIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn consign(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, code)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ConsignmentIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    outlet_out(&state, &org, &s, &code).await?;
    state
        .app
        .consign(
            org.id,
            &actor(&ctx, &s),
            &code,
            body.member_id,
            &body.product,
            body.units,
            body.unit_price_minor,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct OutletSaleIn {
    pub member_id: i64,
    #[schema(schema_with = shape::line)]
    pub product: String,
    #[schema(minimum = 1)]
    pub units: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct OutletSaleOut {
    /// What the outlet owes the member for this sale (price less commission).
    pub member_share_minor: i64,
    /// The price of the units sold.
    pub gross_minor: i64,
    /// The outlet's commission (half-to-even).
    pub commission_minor: i64,
}

/// R-SELL-2: staff record a sale of a member's consigned goods (no more than on hand).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/outlets/{code}/sales", security(("bearer" = [])), params(("slug" = String, Path), ("code" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = OutletSaleIn, responses((status = 201, body = OutletSaleOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn outlet_sale(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, code)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<OutletSaleIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    outlet_out(&state, &org, &s, &code).await?;
    let on = fact_day(&org, body.on)?;
    let sold = state
        .app
        .outlet_sale(
            org.id,
            &actor(&ctx, &s),
            &code,
            body.member_id,
            &body.product,
            body.units,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        OutletSaleOut {
            member_share_minor: sold.share_minor,
            gross_minor: sold.gross_minor,
            commission_minor: sold.commission_minor,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SettlementIn {
    pub member_id: i64,
    /// Centavos, positive, at most what the outlet owes the member.
    pub amount_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

/// R-SELL-2: staff pay a member what the outlet owes them.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/outlets/{code}/settlements", security(("bearer" = [])), params(("slug" = String, Path), ("code" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = SettlementIn, responses((status = 201, body = DoneOut), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn settle(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, code)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SettlementIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    outlet_out(&state, &org, &s, &code).await?;
    let on = fact_day(&org, body.on)?;
    if body.amount_minor <= 0 {
        return Err(invalid("amount_minor", "debe ser positivo"));
    }
    state
        .app
        .settle_outlet_member(
            org.id,
            &actor(&ctx, &s),
            &code,
            body.member_id,
            body.amount_minor,
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    Ok(created(
        true,
        DoneOut {
            reference: body.reference,
        },
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CountLineIn {
    pub member_id: i64,
    #[schema(schema_with = shape::line)]
    pub product: String,
    pub counted_units: u64,
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CountIn {
    pub counts: Vec<CountLineIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<NaiveDate>,
    #[schema(schema_with = shape::reference)]
    pub reference: String,
}

#[derive(Serialize, ToSchema)]
pub struct CountDifferenceOut {
    pub member_id: i64,
    pub product: String,
    pub expected_units: u64,
    pub counted_units: u64,
    pub difference_units: i64,
    pub value_minor: i64,
}

/// R-SELL-2: staff record a stock count; the answer is each line's difference.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/trade/outlets/{code}/counts", security(("bearer" = [])), params(("slug" = String, Path), ("code" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = CountIn, responses((status = 201, body = Vec<CountDifferenceOut>), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn count(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((slug, code)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CountIn>,
) -> ApiResult {
    let (org, s) = org_for(&state, &ctx, &slug, Action::ManageMembers).await?;
    outlet_out(&state, &org, &s, &code).await?;
    let on = fact_day(&org, body.on)?;
    let diffs = state
        .app
        .count_outlet(
            org.id,
            &actor(&ctx, &s),
            &code,
            body.counts
                .into_iter()
                .map(|c| (c.member_id, c.product, c.counted_units))
                .collect(),
            on,
            &body.reference,
        )
        .await
        .map_err(app_error)?;
    let out: Vec<CountDifferenceOut> = diffs
        .into_iter()
        .map(|d| CountDifferenceOut {
            member_id: d.member,
            product: d.product,
            expected_units: d.expected_units,
            counted_units: d.counted_units,
            difference_units: d.difference_units,
            value_minor: d.value_minor,
        })
        .collect();
    Ok(created(true, out))
}
