//! Pooled purchasing in the browser (R-BUY-1, R-BUY-2, R-SELL-3):
//!
//! - `/odf/{slug}/comercio/compras`: suppliers and price lists (a form, or a CSV file saved
//!   all or nothing with every bad line named), the rounds, opening one, repaying working
//!   capital. Staff, the board and supervisors see it; staff write.
//! - `/odf/{slug}/comercio/compras/rondas/{round}`: one round: the requests; closing it; the
//!   plan and each member's saving (CSV too); receipts, paying suppliers, pick-ups. Everyone
//!   in the group sees it, a member only their own lines.
//! - `/odf/{slug}/comercio/pedir`: a member's own page from the phone: the open rounds with a
//!   request form, and what they were charged and saved in the closed ones.
//!
//! Every form carries a token made when it was shown: it is the act's reference, so sending it
//! twice records it once.

use super::{actor, fact_day, member_names, refusal, typed_day, typed_units, Refusal};
use crate::shell::check;
use crate::shell::check_csrf;
use crate::shell::member_pick;
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
use app::trade_cases::{
    Funding, PriceListInput, RequestInput, Round, RoundInput, SupplierInput, TierInput,
};
use app::AppError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::HashMap;
use store::Org;

pub(super) type Fields = HashMap<String, String>;

pub(super) fn routes() -> Router<AppState> {
    let r = "/odf/{slug}/comercio/compras/rondas/{round}";
    Router::new()
        .route("/odf/{slug}/comercio/compras", get(purchasing_page))
        .route(
            "/odf/{slug}/comercio/compras/proveedores",
            post(supplier_post),
        )
        .route(
            "/odf/{slug}/comercio/compras/precios",
            post(price_list_post),
        )
        .route(
            "/odf/{slug}/comercio/compras/precios/archivo",
            post(price_file_post),
        )
        .route("/odf/{slug}/comercio/compras/rondas", post(open_post))
        .route("/odf/{slug}/comercio/compras/reembolsos", post(repay_post))
        .route(r, get(round_page))
        .route(&format!("{r}/cerrar"), post(close_post))
        .route(&format!("{r}/recepciones"), post(receive_post))
        .route(&format!("{r}/pagos"), post(pay_post))
        .route(&format!("{r}/entregas"), post(pick_up_post))
        .route(
            "/odf/{slug}/comercio/pedir",
            get(request_page).post(request_post),
        )
}

/// What a page says after a form: a confirmation, or the refusal naming its field.
#[derive(Default)]
pub struct Outcome {
    pub form: &'static str,
    pub ok: Option<String>,
    pub err: Option<String>,
    pub field: &'static str,
    /// A file's refusals, one per line.
    pub lines: Vec<String>,
    pub status: Option<StatusCode>,
    pub values: Fields,
}

impl Outcome {
    pub(super) fn done(form: &'static str, created: bool, message: String) -> Self {
        Outcome {
            form,
            ok: Some(message),
            status: Some(if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            }),
            ..Outcome::default()
        }
    }
    pub(super) fn refused(form: &'static str, r: Refusal, values: Fields) -> Self {
        Outcome {
            form,
            err: Some(r.message),
            field: r.field,
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            values,
            ..Outcome::default()
        }
    }
    pub(super) fn bad(
        form: &'static str,
        field: &'static str,
        message: &str,
        values: Fields,
    ) -> Self {
        Self::refused(
            form,
            Refusal {
                field,
                message: message.to_string(),
            },
            values,
        )
    }
    /// The value typed in a field, shown again after a refusal.
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |s| s.as_str())
    }
    /// The catalogue key of the refused field's label.
    pub fn label_key(&self) -> String {
        format!("trade18.f.{}", self.field)
    }
}

pub(super) fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map_or("", |s| s.trim())
}

// ---------------------------------------------------------------- the purchasing page

pub struct SupplierRow {
    pub code: String,
    pub name: String,
}

pub struct PriceListRow {
    pub supplier: String,
    pub material: String,
    pub pricing: &'static str,
    pub tiers: String,
    pub min_order: u32,
    pub lead_days: u32,
    pub valid: String,
}

pub struct RoundRow {
    pub id: String,
    pub open: bool,
    pub requests: usize,
    pub order_date: String,
}

#[derive(Template)]
#[template(path = "trade_purchasing.html")]
struct PurchasingPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    token: String,
    may_write: bool,
    suppliers: Vec<SupplierRow>,
    lists: Vec<PriceListRow>,
    rounds: Vec<RoundRow>,
    today: String,
    out: Outcome,
}

fn pricing_label(t: Tr, pricing: trade::supplier::Pricing) -> &'static str {
    match pricing {
        trade::supplier::Pricing::AllUnits => t.get("trade18.pricing.all_units"),
        trade::supplier::Pricing::Incremental => t.get("trade18.pricing.incremental"),
    }
}

fn tiers_text(t: Tr, tiers: &[trade::supplier::Tier]) -> String {
    tiers
        .iter()
        .map(|x| match x.to_units {
            Some(to) => format!(
                "{}–{}: {}",
                x.from_units,
                to,
                t.money(x.unit_price_minor as i128)
            ),
            None => format!("{}+: {}", x.from_units, t.money(x.unit_price_minor as i128)),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

async fn purchasing_response(state: &AppState, ctx: &Ctx, slug: &str, out: Outcome) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let fail = |e| PageError::from_app(t, e);
    let (suppliers, lists) = state.app.trade_catalogue(org.id).await.map_err(fail)?;
    let supplier_name = |code: &str| {
        suppliers
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_string(), |s| s.name.clone())
    };
    let lists = lists
        .iter()
        .map(|l| {
            let l = l.as_price_list();
            PriceListRow {
                supplier: supplier_name(&l.supplier),
                material: l.material.clone(),
                pricing: pricing_label(t, l.pricing),
                tiers: tiers_text(t, &l.tiers),
                min_order: l.min_order_units,
                lead_days: l.lead_time_days,
                valid: format!("{} – {}", t.date(&l.valid_from), t.date(&l.valid_until)),
            }
        })
        .collect();
    let mut rounds = Vec::new();
    for id in state.app.rounds(org.id).await.map_err(fail)? {
        let r = state.app.round(org.id, &id).await.map_err(fail)?;
        rounds.push(RoundRow {
            open: r.closed_on.is_none(),
            requests: r.requests.len(),
            order_date: t.date(&r.settings.order_date),
            id,
        });
    }
    rounds.reverse();
    let page = PurchasingPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        token: random_token(),
        may_write: session.viewer.may(org.id, Action::ManageMembers),
        suppliers: suppliers
            .iter()
            .map(|s| SupplierRow {
                code: s.code.clone(),
                name: s.name.clone(),
            })
            .collect(),
        lists,
        rounds,
        today: crate::shell::today_mx().to_string(),
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn purchasing_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    purchasing_response(&state, &ctx, &slug, Outcome::default()).await
}

/// The organisation and session of a staff write (CSRF checked, `ManageMembers`): the shell's.
pub(super) use crate::shell::staff_form as staff_write;

pub async fn supplier_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let input = SupplierInput {
        code: field(&f, "codigo").to_string(),
        name: field(&f, "nombre").to_string(),
        channelled_by: Some(field(&f, "canalizado_por").to_string()).filter(|s| !s.is_empty()),
    };
    let name = input.name.clone();
    let out = match state
        .app
        .register_supplier(org.id, &actor(&ctx, &session), input)
        .await
    {
        Ok(()) => Outcome::done("proveedor", true, t.fmt("trade18.supplier_saved", &name)),
        Err(e) => match refusal(t, &e, "codigo") {
            Some(r) => Outcome::refused("proveedor", r, f),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    purchasing_response(&state, &ctx, &slug, out).await
}

/// Tiers typed one per line: `1-99 12.50` (from 1 to 99 units at $12.50 each) and `100+ 10`
/// (100 units or more). `None`: a line that is not a tier.
pub fn typed_tiers(text: &str) -> Option<Vec<TierInput>> {
    let mut tiers = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (range, price) = line.split_once(|c: char| c.is_whitespace() || c == ':')?;
        let price =
            ledger::typed::parse_typed_minor(price.trim().trim_start_matches(':').trim(), false)
                .ok()
                .filter(|&p| p > 0)?;
        let range = range.trim();
        let (from, to) = if let Some(from) = range.strip_suffix('+') {
            (from.trim().parse().ok()?, None)
        } else {
            let (a, b) = range.split_once(['-', '–'])?;
            let to = match b.trim() {
                "" => None,
                b => Some(b.parse().ok()?),
            };
            (a.trim().parse().ok()?, to)
        };
        tiers.push(TierInput {
            from_units: from,
            to_units: to,
            unit_price_minor: price,
        });
    }
    (!tiers.is_empty()).then_some(tiers)
}

pub async fn price_list_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let form = "precios";
    let bad = |name, key: &str, f: Fields| Outcome::bad(form, name, t.get(key), f);
    let Some(tiers) = typed_tiers(field(&f, "tramos")) else {
        let out = bad("tramos", "trade18.err.tiers_typed", f);
        return purchasing_response(&state, &ctx, &slug, out).await;
    };
    let number = |name: &str| match field(&f, name) {
        "" => Some(0),
        v => v.parse::<u32>().ok(),
    };
    let (Some(min_order), Some(lead)) = (number("pedido_minimo"), number("dias_entrega")) else {
        let name = if number("pedido_minimo").is_none() {
            "pedido_minimo"
        } else {
            "dias_entrega"
        };
        let out = bad(name, "trade18.err.whole_number", f);
        return purchasing_response(&state, &ctx, &slug, out).await;
    };
    let (from, until) = match (
        typed_day(t, field(&f, "vigente_desde")),
        typed_day(t, field(&f, "vigente_hasta")),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(m), _) => {
            let out = Outcome::bad(form, "vigente_desde", m, f);
            return purchasing_response(&state, &ctx, &slug, out).await;
        }
        (_, Err(m)) => {
            let out = Outcome::bad(form, "vigente_hasta", m, f);
            return purchasing_response(&state, &ctx, &slug, out).await;
        }
    };
    let input = PriceListInput {
        supplier: field(&f, "proveedor").to_string(),
        material: field(&f, "material").to_string(),
        pricing: match field(&f, "esquema") {
            "incremental" => "incremental",
            _ => "all_units",
        }
        .to_string(),
        tiers,
        min_order_units: min_order,
        lead_time_days: lead,
        valid_from: from,
        valid_until: until,
    };
    let material = input.material.clone();
    let out = match state
        .app
        .register_price_list(org.id, &actor(&ctx, &session), input)
        .await
    {
        Ok(()) => Outcome::done(form, true, t.fmt("trade18.price_list_saved", &material)),
        // Another list of this supplier and material from the same day (its key).
        Err(AppError::Store(store::StoreError::Conflict { .. })) => Outcome::bad(
            form,
            "vigente_desde",
            t.get("trade18.err.price_list_exists"),
            f,
        ),
        Err(e) => match refusal(t, &e, "tramos") {
            Some(r) => Outcome::refused(form, r, f),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    purchasing_response(&state, &ctx, &slug, out).await
}

/// `POST .../precios/archivo`: a CSV file of price lists, all or nothing.
pub async fn price_file_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let t = ctx.t;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = crate::shell::forms::multipart_fields(content_type, &body).unwrap_or_default();
    let text_of = |k: &str| {
        parts
            .get(k)
            .map(|v| String::from_utf8(v.clone()).map_err(|_| ()))
            .unwrap_or(Ok(String::new()))
    };
    let (org, session) =
        staff_write(&state, &ctx, &slug, &text_of("csrf").unwrap_or_default()).await?;
    let form = "archivo";
    let Ok(text) = text_of("archivo") else {
        let out = Outcome::bad(form, "archivo", t.get("opening.err.utf8"), Fields::new());
        return purchasing_response(&state, &ctx, &slug, out).await;
    };
    if text.trim().is_empty() {
        let out = Outcome::bad(form, "archivo", t.get("error.field.file"), Fields::new());
        return purchasing_response(&state, &ctx, &slug, out).await;
    }
    let out = match state
        .app
        .import_price_lists(org.id, &actor(&ctx, &session), &text)
        .await
    {
        Ok(done) => Outcome::done(
            form,
            done.created > 0,
            t.fmt_all(
                "trade18.file_saved",
                &[&done.lists.to_string(), &done.created.to_string()],
            ),
        ),
        Err(AppError::Rows(lines)) => Outcome {
            lines,
            ..Outcome::bad(form, "archivo", t.get("trade18.err.file"), Fields::new())
        },
        Err(e) => match refusal(t, &e, "archivo") {
            Some(r) => Outcome::refused(form, r, Fields::new()),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    purchasing_response(&state, &ctx, &slug, out).await
}

pub async fn open_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let form = "ronda";
    let order_date = match typed_day(t, field(&f, "fecha_pedido")) {
        Ok(d) => d,
        Err(m) => {
            let out = Outcome::bad(form, "fecha_pedido", m, f);
            return purchasing_response(&state, &ctx, &slug, out).await;
        }
    };
    let id = field(&f, "ronda").to_string();
    let input = RoundInput {
        round_id: id.clone(),
        order_date,
        allow_buy_up: field(&f, "comprar_mas") == "si",
        time_limit_ms: None,
    };
    match state
        .app
        .open_round(org.id, &actor(&ctx, &session), input)
        .await
    {
        Ok(()) => {
            let out = Outcome::done("ronda", true, t.fmt("trade18.round_opened", &id));
            round_response(&state, &ctx, &slug, &id, out).await
        }
        Err(AppError::Store(store::StoreError::Conflict { .. })) => {
            let out = Outcome::bad(form, "ronda", t.get("trade18.err.round_exists"), f);
            purchasing_response(&state, &ctx, &slug, out).await
        }
        Err(e) => match refusal(t, &e, "ronda") {
            Some(r) => {
                let out = Outcome::refused(form, r, f);
                purchasing_response(&state, &ctx, &slug, out).await
            }
            None => Err(PageError::from_app(t, e)),
        },
    }
}

/// The funding named by a form: `fuente` = `linea` (with `prestamista`) or `subfondo` (with
/// `decision`, the board's decision number).
pub(super) fn typed_funding(t: Tr, f: &Fields) -> Result<Funding, Refusal> {
    match field(f, "fuente") {
        "subfondo" => field(f, "decision")
            .parse::<i64>()
            .map(|decision_id| Funding::CompetitionSubFund { decision_id })
            .map_err(|_| Refusal {
                field: "decision",
                message: t.get("trade18.err.decision").to_string(),
            }),
        _ if field(f, "prestamista").is_empty() => Err(Refusal {
            field: "prestamista",
            message: t.get("trade18.err.lender").to_string(),
        }),
        _ => Ok(Funding::CreditLine {
            lender: field(f, "prestamista").to_string(),
        }),
    }
}

/// The form's token as the act's reference (a new one when the form carried none).
pub(super) fn reference(f: &Fields) -> String {
    match field(f, "token") {
        "" => random_token(),
        t => t.to_string(),
    }
}

pub(super) fn typed_amount(t: Tr, f: &Fields, name: &'static str) -> Result<i64, Refusal> {
    crate::shell::format::typed_amount_minor(t, field(f, name), false)
        .and_then(|v| {
            if v > 0 {
                Ok(v)
            } else {
                Err(t.get("trade18.err.amount"))
            }
        })
        .map_err(|m| Refusal {
            field: name,
            message: m.to_string(),
        })
}

pub async fn repay_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_write(&state, &ctx, &slug, field(&f, "csrf")).await?;
    let form = "reembolso";
    let parsed = typed_funding(t, &f).and_then(|funding| {
        let amount = typed_amount(t, &f, "importe")?;
        let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
            field: "fecha",
            message: m.to_string(),
        })?;
        Ok((funding, amount, on))
    });
    let out = match parsed {
        Err(r) => Outcome::refused(form, r, f),
        Ok((funding, amount, on)) => match state
            .app
            .repay_working_capital(
                org.id,
                &actor(&ctx, &session),
                funding,
                amount,
                on,
                &reference(&f),
            )
            .await
        {
            Ok(()) => Outcome::done(
                form,
                true,
                t.fmt("trade18.repaid", &t.money(amount as i128)),
            ),
            Err(e) => match refusal(t, &e, "importe") {
                Some(r) => Outcome::refused(form, r, f),
                None => return Err(PageError::from_app(t, e)),
            },
        },
    };
    purchasing_response(&state, &ctx, &slug, out).await
}

// ---------------------------------------------------------------- one round

pub struct RequestRow {
    pub member: String,
    pub material: String,
    pub units: u32,
    pub needed_by: String,
}

pub struct MaterialRow {
    pub material: String,
    pub demand: u64,
    pub bought: u64,
    pub orders: String,
    pub cost: String,
    pub optimal: bool,
}

pub struct SavingRow {
    pub member: String,
    pub material: String,
    pub units: u64,
    pub charged: String,
    pub alone: String,
    pub saving: String,
}

pub struct OrderRow {
    pub po_id: String,
    pub label: String,
    pub units: u32,
    pub cost: String,
    pub received: u32,
    pub paid: String,
}

pub struct PickRow {
    pub member: String,
    pub material: String,
    pub units: u32,
}

#[derive(Template)]
#[template(path = "trade_round.html")]
struct RoundPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    token: String,
    may_write: bool,
    all_lines: bool,
    id: String,
    open: bool,
    order_date: String,
    buy_up: bool,
    requests: Vec<RequestRow>,
    requests_pager: super::Pager,
    total_cost: String,
    total_saving: String,
    optimal: bool,
    materials: Vec<MaterialRow>,
    savings: Vec<SavingRow>,
    savings_pager: super::Pager,
    orders: Vec<OrderRow>,
    picks: Vec<PickRow>,
    /// The materials requested in the round, for a pick-up (the member is typed by name or
    /// number: `shell::member_pick`).
    pick_materials: Vec<String>,
    today: String,
    out: Outcome,
}

async fn round_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    round_id: &str,
    out: Outcome,
) -> PageResult {
    round_response_page(state, ctx, slug, round_id, out, 1).await
}

/// The round with page `page` (50 lines) of its requests and of its savings by member.
async fn round_response_page(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    round_id: &str,
    out: Outcome,
    page: usize,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let v = &session.viewer;
    check(ctx, v, org.id, Action::ViewShared)?;
    let fail = |e: AppError| match e {
        AppError::Field(f) if f.field == "round_id" && f.message.contains("no existe") => {
            PageError::NotFound(t)
        }
        e => PageError::from_app(t, e),
    };
    let round: Round = state.app.round(org.id, round_id).await.map_err(fail)?;
    let all_lines = v.may(org.id, Action::ViewMembers);
    let me = v.member_id_in(org.id);
    let shown = |m: i64| all_lines || me == Some(m);
    let report = state
        .app
        .round_report(org.id, round_id)
        .await
        .map_err(fail)?;
    let (suppliers, _) = state.app.trade_catalogue(org.id).await.map_err(fail)?;
    let supplier_name = |code: &str| {
        suppliers
            .iter()
            .find(|s| s.code == code)
            .map_or_else(|| code.to_string(), |s| s.name.clone())
    };
    let base = format!("/odf/{}/comercio/compras/rondas/{round_id}", org.data.slug);
    let (requests, requests_pager) = super::paged(
        t,
        round.requests.iter().filter(|r| shown(r.member)).collect(),
        page,
        &base,
        "pedidos",
    );
    let all_savings: Vec<_> = report.members.iter().filter(|m| shown(m.member)).collect();
    // Every line's saving, not only the page's.
    let total_saving: i64 = all_savings.iter().filter_map(|s| s.saving_minor).sum();
    let (savings, savings_pager) = super::paged(t, all_savings, page, &base, "ahorros");
    let ids: Vec<i64> = requests
        .iter()
        .map(|r| r.member)
        .chain(savings.iter().map(|s| s.member))
        .chain(round.picked.keys().map(|(m, _)| *m).filter(|m| shown(*m)))
        .collect();
    let names = member_names(state, t, org.id, &ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let may_write = v.may(org.id, Action::ManageMembers);
    let mut pick_materials: Vec<String> =
        round.requests.iter().map(|r| r.material.clone()).collect();
    pick_materials.sort();
    pick_materials.dedup();
    let page = RoundPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        token: random_token(),
        may_write,
        all_lines,
        id: round_id.to_string(),
        open: round.closed_on.is_none(),
        order_date: t.date(&round.settings.order_date),
        buy_up: round.settings.allow_buy_up,
        requests: requests
            .iter()
            .map(|r| RequestRow {
                member: name(r.member),
                material: r.material.clone(),
                units: r.quantity_units,
                needed_by: t.date(&r.needed_by),
            })
            .collect(),
        total_cost: t.money(report.total_cost_minor as i128),
        total_saving: t.money(total_saving as i128),
        requests_pager,
        savings_pager,
        optimal: report.optimal,
        materials: report
            .materials
            .iter()
            .map(|m| MaterialRow {
                material: m.material.clone(),
                demand: m.demand_units,
                bought: m.bought_units,
                orders: round
                    .purchase_orders()
                    .iter()
                    .filter(|po| po.material == m.material)
                    .map(|po| format!("{} × {}", supplier_name(&po.supplier), po.quantity_units))
                    .collect::<Vec<_>>()
                    .join(", "),
                cost: t.money(m.total_cost_minor as i128),
                optimal: m.optimal,
            })
            .collect(),
        savings: savings
            .iter()
            .map(|m| {
                let (alone, saving) = crate::shell::words::alone_and_saving(t, m);
                SavingRow {
                    member: name(m.member),
                    material: m.material.clone(),
                    units: m.units,
                    charged: t.money(m.charged_minor as i128),
                    alone,
                    saving,
                }
            })
            .collect(),
        orders: if all_lines {
            round
                .purchase_orders()
                .iter()
                .map(|po| OrderRow {
                    po_id: po.po_id.clone(),
                    label: format!("{} · {}", po.material, supplier_name(&po.supplier)),
                    units: po.quantity_units,
                    cost: t.money(po.cost_minor as i128),
                    received: round.received.get(&po.po_id).copied().unwrap_or(0),
                    paid: t.money(round.paid.get(&po.po_id).copied().unwrap_or(0) as i128),
                })
                .collect()
        } else {
            Vec::new()
        },
        picks: round
            .picked
            .iter()
            .filter(|((m, _), _)| shown(*m))
            .map(|((m, material), units)| PickRow {
                member: names.get(m).cloned().unwrap_or_default(),
                material: material.clone(),
                units: *units,
            })
            .collect(),
        pick_materials,
        today: crate::shell::today_mx().to_string(),
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn round_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<super::PageQuery>,
) -> PageResult {
    let page = q.pagina.unwrap_or(1);
    round_response_page(&state, &ctx, &slug, &round, Outcome::default(), page).await
}

/// Runs a staff act on a round and shows the round with its outcome.
#[allow(clippy::too_many_arguments)]
async fn round_act<F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    round: &str,
    f: Fields,
    form: &'static str,
    fallback: &'static str,
    act: F,
) -> PageResult
where
    F: FnOnce(Org, app::Actor, Fields) -> Fut,
    Fut: std::future::Future<Output = Result<Result<String, AppError>, Refusal>>,
{
    let t = ctx.t;
    let (org, session) = staff_write(state, ctx, slug, field(&f, "csrf")).await?;
    let out = match act(org, actor(ctx, &session), f.clone()).await {
        Err(r) => Outcome::refused(form, r, f),
        Ok(Ok(message)) => Outcome::done(form, true, message),
        Ok(Err(e)) => match refusal(t, &e, fallback) {
            Some(r) => Outcome::refused(form, r, f),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    round_response(state, ctx, slug, round, out).await
}

pub async fn close_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let app = state.app.clone();
    let id = round.clone();
    round_act(
        &state,
        &ctx,
        &slug,
        &round,
        f,
        "cerrar",
        "ronda",
        |org, by, f| async move {
            let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
                field: "fecha",
                message: m.to_string(),
            })?;
            Ok(app.close_round(org.id, &by, &id, on).await.map(|plan| {
                let total: i64 = plan.materials.iter().map(|m| m.total_cost_minor).sum();
                t.fmt("trade18.closed", &t.money(total as i128))
            }))
        },
    )
    .await
}

pub async fn receive_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let app = state.app.clone();
    let id = round.clone();
    round_act(
        &state,
        &ctx,
        &slug,
        &round,
        f,
        "recibir",
        "unidades",
        |org, by, f| async move {
            let units = typed_units(field(&f, "unidades")).ok_or_else(|| Refusal {
                field: "unidades",
                message: t.get("trade18.err.units").to_string(),
            })?;
            let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
                field: "fecha",
                message: m.to_string(),
            })?;
            Ok(app
                .receive_goods(
                    org.id,
                    &by,
                    &id,
                    field(&f, "orden"),
                    units,
                    on,
                    &reference(&f),
                )
                .await
                .map(|()| t.fmt("trade18.receipt_saved", &units.to_string())))
        },
    )
    .await
}

pub async fn pay_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let app = state.app.clone();
    let id = round.clone();
    round_act(
        &state,
        &ctx,
        &slug,
        &round,
        f,
        "pagar",
        "importe",
        |org, by, f| async move {
            let funding = typed_funding(t, &f)?;
            let amount = typed_amount(t, &f, "importe")?;
            let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
                field: "fecha",
                message: m.to_string(),
            })?;
            Ok(app
                .pay_supplier(
                    org.id,
                    &by,
                    &id,
                    field(&f, "orden"),
                    amount,
                    funding,
                    on,
                    &reference(&f),
                )
                .await
                .map(|()| t.fmt("trade18.payment_saved", &t.money(amount as i128))))
        },
    )
    .await
}

pub async fn pick_up_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, round)): Path<(String, String)>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let app = state.app.clone();
    let st = state.clone();
    let id = round.clone();
    round_act(
        &state,
        &ctx,
        &slug,
        &round,
        f,
        "entregar",
        "unidades",
        |org, by, f| async move {
            // The member typed by name or number and the material chosen (issue 18); a form
            // shown before (`member:material` in one select) still reads as it was.
            let older = field(&f, "socio")
                .split_once(':')
                .and_then(|(m, mat)| Some((m.parse::<i64>().ok()?, mat.to_string())));
            let (member, material) = match older {
                Some(pair) => pair,
                None => match member_pick::resolve_app(&st, org.id, field(&f, "socio")).await {
                    Err(e) => return Ok(Err(e)),
                    Ok(Err(u)) => {
                        return Err(Refusal {
                            field: "socio",
                            message: u.sentence(t),
                        })
                    }
                    Ok(Ok(m)) => (m, field(&f, "material").to_string()),
                },
            };
            let units = typed_units(field(&f, "unidades")).ok_or_else(|| Refusal {
                field: "unidades",
                message: t.get("trade18.err.units").to_string(),
            })?;
            let pay_now = match field(&f, "pago") {
                "" => 0,
                text => crate::shell::format::typed_amount_minor(t, text, false).map_err(|m| {
                    Refusal {
                        field: "pago",
                        message: m.to_string(),
                    }
                })?,
            };
            let on = fact_day(t, field(&f, "fecha"), org.data.founded_on).map_err(|m| Refusal {
                field: "fecha",
                message: m.to_string(),
            })?;
            Ok(app
                .pick_up(
                    org.id,
                    &by,
                    &id,
                    member,
                    &material,
                    units,
                    pay_now,
                    on,
                    &reference(&f),
                )
                .await
                .map(|()| t.fmt_all("trade18.picked", &[&units.to_string(), &material])))
        },
    )
    .await
}

// ---------------------------------------------------------------- the member's page

pub struct OpenRound {
    pub id: String,
    pub order_date: String,
    pub mine: Vec<RequestRow>,
}

pub struct ClosedLine {
    pub round: String,
    pub material: String,
    pub units: u64,
    pub charged: String,
    pub saving: String,
}

#[derive(Template)]
#[template(path = "trade_request.html")]
struct RequestPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    member: bool,
    open: Vec<OpenRound>,
    closed: Vec<ClosedLine>,
    materials: Vec<String>,
    needed_by: String,
    out: Outcome,
}

/// Rounds a member's page looks at (the most recent).
const MEMBER_ROUNDS: usize = 20;

async fn request_response(state: &AppState, ctx: &Ctx, slug: &str, out: Outcome) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewShared)?;
    let fail = |e| PageError::from_app(t, e);
    let me = session.viewer.member_id_in(org.id);
    let (_, lists) = state.app.trade_catalogue(org.id).await.map_err(fail)?;
    let mut materials: Vec<String> = lists.iter().map(|l| l.material().to_string()).collect();
    materials.sort();
    materials.dedup();
    let mut open = Vec::new();
    let mut closed = Vec::new();
    let mut ids = state.app.rounds(org.id).await.map_err(fail)?;
    ids.reverse();
    for id in ids.into_iter().take(MEMBER_ROUNDS) {
        let r = state.app.round(org.id, &id).await.map_err(fail)?;
        if r.closed_on.is_none() {
            open.push(OpenRound {
                order_date: t.date(&r.settings.order_date),
                mine: r
                    .requests
                    .iter()
                    .filter(|x| Some(x.member) == me)
                    .map(|x| RequestRow {
                        member: String::new(),
                        material: x.material.clone(),
                        units: x.quantity_units,
                        needed_by: t.date(&x.needed_by),
                    })
                    .collect(),
                id,
            });
        } else if let Some(me) = me {
            let report = state.app.round_report(org.id, &id).await.map_err(fail)?;
            for m in report.members.iter().filter(|m| m.member == me) {
                let (_, saving) = crate::shell::words::alone_and_saving(t, m);
                closed.push(ClosedLine {
                    round: id.clone(),
                    material: m.material.clone(),
                    units: m.units,
                    charged: t.money(m.charged_minor as i128),
                    saving,
                });
            }
        }
    }
    let page = RequestPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        member: me.is_some(),
        open,
        closed,
        materials,
        needed_by: (crate::shell::today_mx() + chrono::Duration::days(30)).to_string(),
        out,
    };
    Ok((page.out.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn request_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    request_response(&state, &ctx, &slug, Outcome::default()).await
}

/// A member's own request (R-BUY-1): only for themself; the same request again is recorded
/// once.
pub async fn request_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, field(&f, "csrf"))?;
    // Only a member asks, and only for themself (R-GOV-1).
    let Some(member) = session.viewer.member_id_in(org.id) else {
        return Err(PageError::Forbidden(t));
    };
    check(&ctx, &session.viewer, org.id, Action::ViewMember(member))?;
    let form = "pedir";
    let Some(units) = typed_units(field(&f, "cantidad")) else {
        let out = Outcome::bad(form, "cantidad", t.get("trade18.err.units"), f);
        return request_response(&state, &ctx, &slug, out).await;
    };
    let needed_by = match typed_day(t, field(&f, "fecha_necesaria")) {
        Ok(d) => d,
        Err(m) => {
            let out = Outcome::bad(form, "fecha_necesaria", m, f);
            return request_response(&state, &ctx, &slug, out).await;
        }
    };
    let round = field(&f, "ronda").to_string();
    let material = field(&f, "material").to_string();
    let input = RequestInput {
        member,
        material: material.clone(),
        quantity_units: units,
        needed_by,
    };
    let out = match state
        .app
        .request_purchases(org.id, &actor(&ctx, &session), &round, vec![input])
        .await
    {
        Ok(n) => Outcome::done(
            form,
            n > 0,
            t.fmt_all(
                "trade18.requested",
                &[&units.to_string(), &material, &round],
            ),
        ),
        Err(e) => match refusal(t, &e, "cantidad") {
            Some(r) => Outcome::refused(form, r, f),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    request_response(&state, &ctx, &slug, out).await
}
