//! Consolidated sales in the browser (R-SELL-1, R-SELL-3):
//!
//! - `/odf/{slug}/comercio/ventas`: members' declared capacities (staff declare one), the
//!   orders, accepting and splitting an order, and who channelled what. Staff, the board and
//!   supervisors see it; staff write.
//! - `/odf/{slug}/comercio/ventas/{order}`: one order: each member's share (assigned,
//!   accepted, rejected, value), deliveries with rejections, the invoice, advances, and the
//!   buyer's payment passed on to members net of what they owe (each member's payout shown).
//!   Everyone in the group; a member sees their own line.

// A form's fields are read in one place, each refusal naming its field (`?` in a closure).
#![allow(clippy::redundant_closure_call)]
use super::purchasing::{
    field, reference, staff_write, typed_amount, typed_funding, Fields, Outcome,
};
use super::{actor, fact_day, member_names, refusal, typed_day, typed_units, Refusal};
use crate::shell::check;
use crate::shell::random_token;
use crate::shell::render;
use crate::shell::visible_org;
use crate::shell::Ctx;
use crate::shell::Nav;
use crate::shell::PageError;
use crate::shell::PageResult;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::Action;
use app::trade_cases::{CapacityInput, DeliveryInput, OrderInput};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};

pub(super) fn routes() -> Router<AppState> {
    let o = "/odf/{slug}/comercio/ventas/{order}";
    Router::new()
        .route(
            "/odf/{slug}/comercio/ventas",
            get(sales_page).post(accept_post),
        )
        .route(
            "/odf/{slug}/comercio/ventas/capacidades",
            post(capacity_post),
        )
        .route(o, get(order_page))
        .route(&format!("{o}/entregas"), post(delivery_post))
        .route(&format!("{o}/factura"), post(invoice_post))
        .route(&format!("{o}/anticipos"), post(advance_post))
        .route(&format!("{o}/cobros"), post(payment_post))
}

pub(super) fn grade_of(g: trade::sales::Grade) -> &'static str {
    match g {
        trade::sales::Grade::A => "A",
        trade::sales::Grade::B => "B",
        trade::sales::Grade::C => "C",
    }
}

// ---------------------------------------------------------------- the sales page

pub struct CapacityRow {
    pub member: String,
    pub product: String,
    pub grade: &'static str,
    pub capacity: u64,
    pub min_lot: u64,
}

pub struct OrderRow {
    pub id: String,
    pub buyer: String,
    pub product: String,
    pub quantity: String,
    pub invoiced: String,
}

pub struct ChannelRow {
    pub who: String,
    pub suppliers: String,
    pub orders: String,
    pub invoiced: String,
}

#[derive(Template)]
#[template(path = "trade_sales.html")]
struct SalesPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_write: bool,
    capacities: Vec<CapacityRow>,
    orders: Vec<OrderRow>,
    channelled: Vec<ChannelRow>,
    today: String,
    out: Outcome,
}

/// Capacity lines shown (the CLI and the API have them all).
const CAPACITY_LINES: usize = 200;

async fn sales_response(state: &AppState, ctx: &Ctx, slug: &str, out: Outcome) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let fail = |e| PageError::from_app(t, e);
    let capacities = state.app.capacities(org.id).await.map_err(fail)?;
    let shown: Vec<_> = capacities.iter().take(CAPACITY_LINES).collect();
    let ids: Vec<i64> = shown.iter().map(|c| c.member).collect();
    let names = member_names(state, t, org.id, &ids).await?;
    let mut orders = Vec::new();
    for id in state.app.sales_orders(org.id).await.map_err(fail)? {
        let o = state.app.sales_order(org.id, &id).await.map_err(fail)?;
        orders.push(OrderRow {
            buyer: o.input.buyer.clone(),
            product: format!("{} ({})", o.input.product, o.input.grade),
            quantity: crate::shell::format::group_thousands(o.input.quantity_units),
            invoiced: t.money(o.invoice.as_ref().map_or(0, |i| i.amount_minor) as i128),
            id,
        });
    }
    orders.reverse();
    let channelled = state
        .app
        .channelled_report(org.id)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c| ChannelRow {
            who: c.channelled_by,
            suppliers: c.suppliers,
            orders: c.orders,
            invoiced: t.money(c.invoiced_minor as i128),
        })
        .collect();
    let page = SalesPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_write: session.viewer.may(org.id, Action::ManageMembers),
        capacities: shown
            .iter()
            .map(|c| CapacityRow {
                member: names.get(&c.member).cloned().unwrap_or_default(),
                product: c.product.clone(),
                grade: grade_of(c.grade),
                capacity: c.capacity_units,
                min_lot: c.min_lot_units,
            })
            .collect(),
        orders,
        channelled,
        today: crate::shell::today_mx().to_string(),
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn sales_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    sales_response(&state, &ctx, &slug, Outcome::default()).await
}

fn whole(f: &Fields, name: &'static str, t: Tr) -> Result<u64, Refusal> {
    match field(f, name) {
        "" => Ok(0),
        v => v.parse::<u64>().map_err(|_| Refusal {
            field: name,
            message: t.get("trade18.err.whole_number").to_string(),
        }),
    }
}

/// The member typed in a form's `socio` box, by name or number (issue 18: a text box with
/// suggestions, never a select of every member; `shell::member_pick`).
async fn typed_member(
    state: &AppState,
    t: Tr,
    org_id: store::OrgId,
    f: &Fields,
) -> Result<Result<i64, Refusal>, PageError> {
    Ok(
        crate::shell::member_pick::resolve(state, t, org_id, field(f, "socio"))
            .await?
            .map_err(|u| Refusal {
                field: "socio",
                message: u.sentence(t),
            }),
    )
}

/// R-SELL-1: staff declare a member's capacity for a product and grade.
pub async fn capacity_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let form = "capacidad";
    let member = typed_member(&state, t, org.id, &f).await?;
    let parsed = (|| -> Result<CapacityInput, Refusal> {
        Ok(CapacityInput {
            member: member?,
            product: field(&f, "producto").to_string(),
            grade: field(&f, "calidad").to_string(),
            capacity_units: whole(&f, "capacidad", t)?,
            min_lot_units: whole(&f, "lote_minimo", t)?,
            declared_on: crate::shell::today_mx(),
        })
    })();
    let out = match parsed {
        Err(r) => Outcome::refused(form, r, f),
        Ok(input) => {
            let units = input.capacity_units;
            match state
                .app
                .declare_capacities(org.id, &actor(&ctx, &session), vec![input])
                .await
            {
                Ok(_) => Outcome::done(
                    form,
                    true,
                    t.fmt("trade18.capacity_saved", &units.to_string()),
                ),
                Err(AppError::Field(e)) if e.field.contains("member") => {
                    Outcome::bad(form, "socio", t.get("trade18.err.member"), f)
                }
                Err(e) => match refusal(t, &e, "capacidad") {
                    Some(r) => Outcome::refused(form, r, f),
                    None => return Err(PageError::from_app(t, e)),
                },
            }
        }
    };
    sales_response(&state, &ctx, &slug, out).await
}

/// R-SELL-1: staff accept a buyer's order; it is split among the members who declared
/// capacity for its product and grade, and the order's page shows each member's share.
pub async fn accept_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let form = "pedido";
    let parsed = (|| -> Result<OrderInput, Refusal> {
        let quantity = whole(&f, "cantidad", t)?;
        if quantity == 0 {
            return Err(Refusal {
                field: "cantidad",
                message: t.get("trade18.err.units").to_string(),
            });
        }
        let price = typed_amount(t, &f, "precio")?;
        let due = typed_day(t, field(&f, "entrega")).map_err(|m| Refusal {
            field: "entrega",
            message: m.to_string(),
        })?;
        Ok(OrderInput {
            order_id: field(&f, "pedido").to_string(),
            buyer: field(&f, "comprador").to_string(),
            product: field(&f, "producto").to_string(),
            grade: field(&f, "calidad").to_string(),
            quantity_units: quantity,
            unit_price_minor: price,
            due_date: due,
            terms_days: field(&f, "plazo").parse().unwrap_or(60),
            channelled_by: Some(field(&f, "canalizado_por").to_string()).filter(|s| !s.is_empty()),
            accepted_on: crate::shell::today_mx(),
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(r) => {
            return sales_response(&state, &ctx, &slug, Outcome::refused(form, r, f)).await;
        }
    };
    let id = input.order_id.clone();
    match state
        .app
        .accept_order(org.id, &actor(&ctx, &session), input)
        .await
    {
        Ok(split) => {
            let out = Outcome::done(
                form,
                true,
                t.fmt(
                    "trade18.order_accepted",
                    &split.assignments.len().to_string(),
                ),
            );
            order_response(&state, &ctx, &slug, &id, out).await
        }
        Err(e) => {
            let r = match &e {
                AppError::Trade(
                    trade::TradeError::NoQualifiedMembers { .. }
                    | trade::TradeError::InsufficientCapacity { .. }
                    | trade::TradeError::NoFeasibleSplit { .. },
                ) => Refusal {
                    field: "cantidad",
                    message: t.get("trade18.err.no_split").to_string(),
                },
                AppError::Field(fe) if fe.field == "order_id" => Refusal {
                    field: "pedido",
                    message: t.get("trade18.err.code").to_string(),
                },
                AppError::Store(store::StoreError::Conflict { .. }) => Refusal {
                    field: "pedido",
                    message: t.get("trade18.err.order_exists").to_string(),
                },
                _ => match refusal(t, &e, "pedido") {
                    Some(r) => r,
                    None => return Err(PageError::from_app(t, e)),
                },
            };
            sales_response(&state, &ctx, &slug, Outcome::refused(form, r, f)).await
        }
    }
}

// ---------------------------------------------------------------- one order

pub struct ShareRow {
    pub member: String,
    pub assigned: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub value: String,
    pub advanced: String,
}

pub use super::payouts::PayoutGroup;

#[derive(Template)]
#[template(path = "trade_order.html")]
struct OrderPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    token: String,
    may_write: bool,
    id: String,
    buyer: String,
    product: String,
    quantity: String,
    unit_price: String,
    due: String,
    terms: u32,
    channelled_by: String,
    invoiced: Option<String>,
    collected: String,
    outstanding: String,
    shares: Vec<ShareRow>,
    shares_pager: super::Pager,
    payouts: Vec<PayoutGroup>,
    today: String,
    out: Outcome,
}

async fn order_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    order_id: &str,
    out: Outcome,
) -> PageResult {
    order_response_page(state, ctx, slug, order_id, out, 1).await
}

/// The order with page `page` (50 members) of its shares and of each payment's payouts.
async fn order_response_page(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    order_id: &str,
    out: Outcome,
    page: usize,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let v = &session.viewer;
    check(ctx, v, org.id, Action::ViewShared)?;
    if !state
        .app
        .sales_orders(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .iter()
        .any(|o| o == order_id)
    {
        return Err(PageError::NotFound(t));
    }
    let o = state
        .app
        .sales_order(org.id, order_id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let all = v.may(org.id, Action::ViewMembers);
    let me = v.member_id_in(org.id);
    let deliveries = o
        .member_deliveries()
        .map_err(|e| PageError::from_app(t, e))?;
    let (rows, shares_pager) = super::paged(
        t,
        deliveries
            .iter()
            .filter(|d| all || me == Some(d.member))
            .collect::<Vec<_>>(),
        page,
        &format!("/odf/{}/comercio/ventas/{order_id}", org.data.slug),
        "reparto",
    );
    // The payouts of the members on this page (every paid member has a share).
    let on_page: std::collections::HashSet<i64> = rows.iter().map(|d| d.member).collect();
    let ids: Vec<i64> = rows.iter().map(|d| d.member).collect();
    let names = member_names(state, t, org.id, &ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let price = o.input.unit_price_minor;
    let page = OrderPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        token: random_token(),
        may_write: v.may(org.id, Action::ManageMembers),
        id: order_id.to_string(),
        buyer: o.input.buyer.clone(),
        product: format!("{} ({})", o.input.product, o.input.grade),
        quantity: crate::shell::format::group_thousands(o.input.quantity_units),
        unit_price: t.money(price as i128),
        due: t.date(&o.input.due_date),
        terms: o.input.terms_days,
        channelled_by: o.input.channelled_by.clone().unwrap_or_default(),
        invoiced: o.invoice.as_ref().map(|i| t.money(i.amount_minor as i128)),
        collected: t.money(o.invoice.as_ref().map_or(0, |i| i.collected_minor) as i128),
        outstanding: t.money(o.invoice.as_ref().map_or(0, |i| i.outstanding_minor()) as i128),
        shares: rows
            .iter()
            .map(|d| ShareRow {
                member: name(d.member),
                assigned: d.assigned_units,
                accepted: d.accepted_units,
                rejected: d.rejected_units,
                value: t.money((d.accepted_units as i64 * price) as i128),
                advanced: t.money(o.advances.get(&d.member).copied().unwrap_or(0) as i128),
            })
            .collect(),
        shares_pager,
        payouts: super::payouts::groups(t, &org.data.slug, &o, |m| on_page.contains(&m), &name),
        today: crate::shell::today_mx().to_string(),
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn order_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<super::PageQuery>,
) -> PageResult {
    let page = q.pagina.unwrap_or(1);
    order_response_page(&state, &ctx, &slug, &order, Outcome::default(), page).await
}

/// The outcome of a staff act on an order.
fn act_outcome(
    t: Tr,
    form: &'static str,
    fallback: &'static str,
    f: Fields,
    done: Result<Result<String, AppError>, Refusal>,
) -> Result<Outcome, PageError> {
    Ok(match done {
        Err(r) => Outcome::refused(form, r, f),
        Ok(Ok(message)) => Outcome::done(form, true, message),
        Ok(Err(e)) => {
            let r = match &e {
                AppError::Trade(trade::TradeError::OverDelivery { .. }) => Refusal {
                    field: "entregadas",
                    message: t.get("trade18.err.over_delivery").to_string(),
                },
                AppError::Trade(trade::TradeError::NotAssigned { .. }) => Refusal {
                    field: "socio",
                    message: t.get("trade18.err.member").to_string(),
                },
                AppError::Trade(trade::TradeError::PaymentAboveInvoice {
                    outstanding_minor,
                    ..
                }) => Refusal {
                    field: "importe",
                    message: t.fmt(
                        "trade18.err.above_remaining",
                        &t.money(*outstanding_minor as i128),
                    ),
                },
                _ => match refusal(t, &e, fallback) {
                    Some(r) => r,
                    None => return Err(PageError::from_app(t, e)),
                },
            };
            Outcome::refused(form, r, f)
        }
    })
}

pub async fn delivery_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let member = typed_member(&state, t, org.id, &f).await?;
    let parsed = (|| -> Result<DeliveryInput, Refusal> {
        let member = member?;
        let delivered = typed_units(field(&f, "entregadas")).ok_or_else(|| Refusal {
            field: "entregadas",
            message: t.get("trade18.err.units").to_string(),
        })? as u64;
        let rejected = whole(&f, "rechazadas", t)?;
        let date = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
            field: "fecha",
            message: m.to_string(),
        })?;
        Ok(DeliveryInput {
            member,
            delivered_units: delivered,
            rejected_units: rejected,
            date,
            reference: reference(&f),
        })
    })();
    let done = match parsed {
        Err(r) => Err(r),
        Ok(d) => {
            let (units, rejected) = (d.delivered_units, d.rejected_units);
            Ok(state
                .app
                .record_deliveries(org.id, &actor(&ctx, &session), &order, vec![d])
                .await
                .map(|_| {
                    t.fmt_all(
                        "trade18.delivered",
                        &[&units.to_string(), &rejected.to_string()],
                    )
                }))
        }
    };
    let out = act_outcome(t, "entrega", "entregadas", f, done)?;
    order_response(&state, &ctx, &slug, &order, out).await
}

pub async fn invoice_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let done = match fact_day(t, field(&f, "fecha"), org.data.founded_on) {
        Err(m) => Err(Refusal {
            field: "fecha",
            message: m.to_string(),
        }),
        Ok(on) => Ok(state
            .app
            .invoice_order(org.id, &actor(&ctx, &session), &order, on)
            .await
            .map(|i| t.fmt("trade18.invoiced", &t.money(i.amount_minor as i128)))),
    };
    let out = act_outcome(t, "factura", "fecha", f, done)?;
    order_response(&state, &ctx, &slug, &order, out).await
}

pub async fn advance_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let member = typed_member(&state, t, org.id, &f).await?;
    let parsed =
        (|| -> Result<(i64, i64, app::trade_cases::Funding, chrono::NaiveDate), Refusal> {
            let member = member?;
            let amount = typed_amount(t, &f, "importe")?;
            let funding = typed_funding(t, &f)?;
            let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
                field: "fecha",
                message: m.to_string(),
            })?;
            Ok((member, amount, funding, on))
        })();
    let done = match parsed {
        Err(r) => Err(r),
        Ok((member, amount, funding, on)) => Ok(state
            .app
            .pay_sales_advance(
                org.id,
                &actor(&ctx, &session),
                &order,
                member,
                amount,
                funding,
                on,
                &reference(&f),
            )
            .await
            .map(|()| t.fmt("trade18.advanced", &t.money(amount as i128)))),
    };
    let out = act_outcome(t, "anticipo", "importe", f, done)?;
    order_response(&state, &ctx, &slug, &order, out).await
}

/// R-SELL-1: the buyer pays; the payment is split among members for what they delivered, each
/// one's debts deducted in order (advances, Fund contributions, profit share, purchases), and
/// the page shows each member's payout.
pub async fn payment_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, order)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let parsed = typed_amount(t, &f, "importe").and_then(|amount| {
        let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
            field: "fecha",
            message: m.to_string(),
        })?;
        Ok((amount, on))
    });
    let done = match parsed {
        Err(r) => Err(r),
        Ok((amount, on)) => Ok(state
            .app
            .record_buyer_payment(
                org.id,
                &actor(&ctx, &session),
                &order,
                amount,
                on,
                &reference(&f),
            )
            .await
            .map(|p| {
                t.fmt_all(
                    "trade18.buyer_paid",
                    &[
                        &t.money(p.payment_minor as i128),
                        &p.members_paid.to_string(),
                        &t.money(p.net_minor as i128),
                        &t.money(p.deducted_minor as i128),
                    ],
                )
            })),
    };
    let out = act_outcome(t, "cobro", "importe", f, done)?;
    order_response(&state, &ctx, &slug, &order, out).await
}
