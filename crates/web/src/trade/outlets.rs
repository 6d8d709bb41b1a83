//! Shared outlets and fair-trade centres in the browser (R-SELL-2):
//!
//! - `/odf/{slug}/comercio/tiendas`: the outlets; staff open one with its commission.
//! - `/odf/{slug}/comercio/tiendas/{code}`: one outlet: each member's consignment stock, what
//!   the outlet owes each member, the last count; staff consign (`…/consignar`), record a sale
//!   (`…/ventas`), settle a member (`…/liquidar`) and count the stock (`…/conteo`). Everyone in
//!   the group sees it; a member only their own lines.

// A form's fields are read in one place, each refusal naming its field (`?` in a closure).
#![allow(clippy::redundant_closure_call)]
use super::purchasing::{field, reference, staff_write, typed_amount, Fields, Outcome};
use super::{actor, fact_day, member_names, refusal, typed_units, Refusal};
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
use app::trade_cases::OutletInput;
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};

pub(super) fn routes() -> Router<AppState> {
    let o = "/odf/{slug}/comercio/tiendas/{code}";
    Router::new()
        .route(
            "/odf/{slug}/comercio/tiendas",
            get(outlets_page).post(open_post),
        )
        .route(o, get(outlet_page))
        .route(&format!("{o}/consignar"), post(consign_post))
        .route(&format!("{o}/ventas"), post(sale_post))
        .route(&format!("{o}/liquidar"), post(settle_post))
        .route(&format!("{o}/conteo"), post(count_post))
}

pub struct OutletRow {
    pub code: String,
    pub name: String,
    pub sales: String,
}

#[derive(Template)]
#[template(path = "trade_outlets.html")]
struct OutletsPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_write: bool,
    outlets: Vec<OutletRow>,
    out: Outcome,
}

async fn outlets_response(state: &AppState, ctx: &Ctx, slug: &str, out: Outcome) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewShared)?;
    let fail = |e| PageError::from_app(t, e);
    let mut outlets = Vec::new();
    for code in state.app.outlets(org.id).await.map_err(fail)? {
        let o = state.app.outlet(org.id, &code).await.map_err(fail)?;
        outlets.push(OutletRow {
            name: o.input.name.clone(),
            sales: t.money(o.sales_minor as i128),
            code,
        });
    }
    let page = OutletsPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_write: session.viewer.may(org.id, Action::ManageMembers),
        outlets,
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn outlets_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    outlets_response(&state, &ctx, &slug, Outcome::default()).await
}

/// A commission typed as a percentage (`15`, `12.5`) as the app's rate (`0.15`, `0.125`).
fn commission(text: &str) -> Option<String> {
    let pct: rust_decimal::Decimal = text.trim().trim_end_matches('%').trim().parse().ok()?;
    if pct < rust_decimal::Decimal::ZERO || pct > rust_decimal::Decimal::from(100) {
        return None;
    }
    Some(
        (pct / rust_decimal::Decimal::from(100))
            .normalize()
            .to_string(),
    )
}

/// R-SELL-2: staff open an outlet with its commission.
pub async fn open_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let form = "tienda";
    let Some(rate) = commission(field(&f, "comision")) else {
        let out = Outcome::bad(form, "comision", t.get("trade18.err.commission"), f);
        return outlets_response(&state, &ctx, &slug, out).await;
    };
    let code = field(&f, "codigo").to_string();
    let input = OutletInput {
        code: code.clone(),
        name: field(&f, "nombre").to_string(),
        commission_rate: rate,
    };
    match state
        .app
        .open_outlet(org.id, &actor(&ctx, &session), input)
        .await
    {
        Ok(()) => {
            let out = Outcome::done(form, true, t.fmt("trade18.outlet_opened", &code));
            outlet_response(&state, &ctx, &slug, &code, out).await
        }
        Err(e) => {
            let r = match &e {
                AppError::Store(store::StoreError::Conflict { .. }) => Refusal {
                    field: "codigo",
                    message: t.get("trade18.err.outlet_exists").to_string(),
                },
                _ => match refusal(t, &e, "codigo") {
                    Some(r) => r,
                    None => return Err(PageError::from_app(t, e)),
                },
            };
            outlets_response(&state, &ctx, &slug, Outcome::refused(form, r, f)).await
        }
    }
}

pub struct StockRow {
    pub value: String,
    pub member: String,
    pub product: String,
    pub units: u64,
    pub price: String,
}

pub struct OwedRow {
    pub member_id: i64,
    pub member: String,
    pub amount: String,
}

/// A member's line of the settlement (R-SELL-2): what the outlet sold of theirs, its
/// commission, their share net of it, what they were paid and what is still owed.
pub struct SettlementRow {
    pub member: String,
    pub units: u64,
    pub gross: String,
    pub commission: String,
    pub share: String,
    pub settled: String,
    pub owed: String,
}

pub struct CountRow {
    pub member: String,
    pub product: String,
    pub expected: u64,
    pub counted: u64,
    pub value: String,
}

#[derive(Template)]
#[template(path = "trade_outlet.html")]
struct OutletPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    token: String,
    may_write: bool,
    code: String,
    name: String,
    commission: String,
    sales: String,
    stock: Vec<StockRow>,
    owed: Vec<OwedRow>,
    settlement: Vec<SettlementRow>,
    count: Vec<CountRow>,
    today: String,
    out: Outcome,
}

async fn outlet_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    code: &str,
    out: Outcome,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let v = &session.viewer;
    check(ctx, v, org.id, Action::ViewShared)?;
    let o = super::downloads::outlet_of(state, t, &org, code).await?;
    let all = v.may(org.id, Action::ViewMembers);
    let me = v.member_id_in(org.id);
    let shown = |m: i64| all || me == Some(m);
    let last_count = o.counts.last().map(|(_, d)| d.clone()).unwrap_or_default();
    let ids: Vec<i64> = o
        .stock
        .lines
        .keys()
        .map(|(m, _)| *m)
        .chain(o.members.keys().copied())
        .chain(last_count.iter().map(|d| d.member))
        .filter(|m| shown(*m))
        .collect();
    let names = member_names(state, t, org.id, &ids).await?;
    let name = |m: &i64| names.get(m).cloned().unwrap_or_default();
    let page = OutletPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        token: random_token(),
        may_write: v.may(org.id, Action::ManageMembers),
        code: code.to_string(),
        name: o.input.name.clone(),
        commission: format!(
            "{}%",
            (o.commission_rate * rust_decimal::Decimal::from(100)).normalize()
        ),
        sales: t.money(o.sales_minor as i128),
        stock: o
            .stock
            .lines
            .iter()
            .filter(|((m, _), _)| shown(*m))
            .map(|((m, p), l)| StockRow {
                value: format!("{m}:{p}"),
                member: name(m),
                product: p.clone(),
                units: l.units,
                price: t.money(l.unit_price_minor as i128),
            })
            .collect(),
        owed: o
            .members
            .iter()
            .filter(|(m, a)| shown(**m) && a.owed_minor() != 0)
            .map(|(m, a)| OwedRow {
                member_id: *m,
                member: name(m),
                amount: t.money(a.owed_minor() as i128),
            })
            .collect(),
        settlement: o
            .members
            .iter()
            .filter(|(m, _)| shown(**m))
            .map(|(m, a)| SettlementRow {
                member: name(m),
                units: a.sold.units,
                gross: t.money(a.sold.gross_minor as i128),
                commission: t.money(a.sold.commission_minor as i128),
                share: t.money(a.sold.share_minor as i128),
                settled: t.money(a.settled_minor as i128),
                owed: t.money(a.owed_minor() as i128),
            })
            .collect(),
        count: last_count
            .iter()
            .filter(|d| shown(d.member))
            .map(|d| CountRow {
                member: name(&d.member),
                product: d.product.clone(),
                expected: d.expected_units,
                counted: d.counted_units,
                value: t.money(d.value_minor as i128),
            })
            .collect(),
        today: crate::shell::today_mx().to_string(),
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn outlet_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
) -> PageResult {
    outlet_response(&state, &ctx, &slug, &code, Outcome::default()).await
}

/// `member:product` from a select of the stock.
fn stock_line(t: Tr, f: &Fields) -> Result<(i64, String), Refusal> {
    field(f, "linea")
        .split_once(':')
        .and_then(|(m, p)| Some((m.parse().ok()?, p.to_string())))
        .ok_or_else(|| Refusal {
            field: "linea",
            message: t.get("trade18.err.member").to_string(),
        })
}

fn units_of(t: Tr, f: &Fields) -> Result<u64, Refusal> {
    typed_units(field(f, "unidades"))
        .map(u64::from)
        .ok_or_else(|| Refusal {
            field: "unidades",
            message: t.get("trade18.err.units").to_string(),
        })
}

/// Shows the outlet after a staff act.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    code: &str,
    form: &'static str,
    f: Fields,
    done: Result<Result<String, AppError>, Refusal>,
) -> PageResult {
    let t = ctx.t;
    let out = match done {
        Err(r) => Outcome::refused(form, r, f),
        Ok(Ok(m)) => Outcome::done(form, true, m),
        Ok(Err(e)) => {
            let r = match &e {
                AppError::Trade(trade::TradeError::ConsignmentShort { on_hand_units, .. }) => {
                    Refusal {
                        field: "unidades",
                        message: t.fmt("trade18.err.above_remaining", &on_hand_units.to_string()),
                    }
                }
                _ => match refusal(t, &e, "importe") {
                    Some(r) => r,
                    None => return Err(PageError::from_app(t, e)),
                },
            };
            Outcome::refused(form, r, f)
        }
    };
    outlet_response(state, ctx, slug, code, out).await
}

pub async fn consign_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let parsed = (|| -> Result<(i64, u64, i64), Refusal> {
        let member = field(&f, "socio").parse::<i64>().map_err(|_| Refusal {
            field: "socio",
            message: t.get("trade18.err.member").to_string(),
        })?;
        Ok((member, units_of(t, &f)?, typed_amount(t, &f, "precio")?))
    })();
    let done = match parsed {
        Err(r) => Err(r),
        Ok((member, units, price)) => {
            let product = field(&f, "producto").to_string();
            Ok(state
                .app
                .consign(
                    org.id,
                    &actor(&ctx, &session),
                    &code,
                    member,
                    &product,
                    units,
                    price,
                    &reference(&f),
                )
                .await
                .map(|()| t.fmt_all("trade18.consigned", &[&units.to_string(), &product])))
        }
    };
    after(&state, &ctx, &slug, &code, "consignar", f, done).await
}

pub async fn sale_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let parsed = (|| -> Result<_, Refusal> {
        let (member, product) = stock_line(t, &f)?;
        let units = units_of(t, &f)?;
        let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
            field: "fecha",
            message: m.to_string(),
        })?;
        Ok((member, product, units, on))
    })();
    let done = match parsed {
        Err(r) => Err(r),
        Ok((member, product, units, on)) => Ok(state
            .app
            .outlet_sale(
                org.id,
                &actor(&ctx, &session),
                &code,
                member,
                &product,
                units,
                on,
                &reference(&f),
            )
            .await
            .map(|sold| {
                t.fmt_all(
                    "trade-rest.sold",
                    &[
                        &t.money(sold.gross_minor as i128),
                        &t.money(sold.commission_minor as i128),
                        &t.money(sold.share_minor as i128),
                    ],
                )
            })),
    };
    after(&state, &ctx, &slug, &code, "vender", f, done).await
}

pub async fn settle_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let parsed = (|| -> Result<_, Refusal> {
        let member = field(&f, "socio").parse::<i64>().map_err(|_| Refusal {
            field: "socio",
            message: t.get("trade18.err.member").to_string(),
        })?;
        let amount = typed_amount(t, &f, "importe")?;
        let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
            field: "fecha",
            message: m.to_string(),
        })?;
        Ok((member, amount, on))
    })();
    let done = match parsed {
        Err(r) => Err(r),
        Ok((member, amount, on)) => Ok(state
            .app
            .settle_outlet_member(
                org.id,
                &actor(&ctx, &session),
                &code,
                member,
                amount,
                on,
                &reference(&f),
            )
            .await
            .map(|()| t.fmt("trade18.settled", &t.money(amount as i128)))),
    };
    after(&state, &ctx, &slug, &code, "liquidar", f, done).await
}

/// R-SELL-2: a stock count, one figure per line (`c:{member}:{product}`); a line left empty
/// is not counted: it keeps the units on hand (the app takes a line missing from a count as
/// counted zero, so the page sends what the books hold for every line not typed).
pub async fn count_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, code)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let stock = state
        .app
        .outlet(org.id, &code)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .stock;
    let mut counts = Vec::new();
    let mut typed = 0;
    let mut bad = None;
    for (k, v) in &f {
        let Some(line) = k.strip_prefix("c:") else {
            continue;
        };
        if v.trim().is_empty() {
            continue;
        }
        typed += 1;
        match (
            line.split_once(':')
                .and_then(|(m, p)| Some((m.parse::<i64>().ok()?, p.to_string()))),
            v.trim().parse::<u64>(),
        ) {
            (Some((m, p)), Ok(n)) => counts.push((m, p, n)),
            _ => {
                bad = Some(Refusal {
                    field: "unidades",
                    message: t.get("trade18.err.whole_number").to_string(),
                })
            }
        }
    }
    // Lines not counted (left empty, or consigned since the form was shown) keep their units.
    for ((m, p), l) in &stock.lines {
        if !counts.iter().any(|(cm, cp, _)| cm == m && cp == p) {
            counts.push((*m, p.clone(), l.units));
        }
    }
    counts.sort();
    let done = match (bad, fact_day(t, field(&f, "fecha"), org.data.founded_on)) {
        (Some(r), _) => Err(r),
        (None, Err(m)) => Err(Refusal {
            field: "fecha",
            message: m.to_string(),
        }),
        (None, Ok(_)) if typed == 0 => Err(Refusal {
            field: "unidades",
            message: t.get("trade18.err.units").to_string(),
        }),
        (None, Ok(on)) => Ok(state
            .app
            .count_outlet(
                org.id,
                &actor(&ctx, &session),
                &code,
                counts,
                on,
                &reference(&f),
            )
            .await
            .map(|d| {
                let missing: i64 = d.iter().map(|x| x.value_minor).sum();
                t.fmt("trade18.counted", &t.money(missing as i128))
            })),
    };
    after(&state, &ctx, &slug, &code, "contar", f, done).await
}
