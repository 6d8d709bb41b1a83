//! The loan quote (*simulador de crédito*, R-CRED-4), which writes nothing, and collective
//! trade (issue 6: purchasing rounds with each member's saving, R-BUY-1; sales orders with the
//! split, R-SELL-1; outlets, R-SELL-2), read from `credit_cases::quote` and
//! `trade_cases`. Members see their own lines; staff, the board and supervisors every line;
//! the support committee, donors and advisers the group's figures.

use crate::shell::{
    check, field_label, render, visible_org, Ctx, FormField, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::Action;
use app::credit_cases::{LoanQuote, QuoteForm};
use app::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use std::collections::HashMap;

// ---------------------------------------------------------------- the loan quote

/// The quote form as typed (GET: a quote writes nothing, so the form needs no CSRF token).
#[derive(Deserialize, Default)]
pub struct QuoteQuery {
    amount: Option<String>,
    rate: Option<String>,
    installments: Option<String>,
    start: Option<String>,
    frequency: Option<String>,
    method: Option<String>,
}

pub struct QuoteRow {
    pub number: u32,
    pub date: String,
    pub principal: String,
    pub interest: String,
    pub installment: String,
    pub balance: String,
}

pub struct QuoteView {
    pub rows: Vec<QuoteRow>,
    pub principal: String,
    pub interest: String,
    pub fees: String,
    pub opening_fee: String,
    pub total_paid: String,
    pub cat: String,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    fields: Vec<FormField>,
    quote: Option<QuoteView>,
}

/// Quote form fields, in the order shown (names are the app's `QuoteForm` fields).
const QUOTE_FIELDS: [(&str, &str); 6] = [
    ("amount", "text"),
    ("rate", "text"),
    ("installments", "number"),
    ("frequency", "select"),
    ("method", "select"),
    ("start", "date"),
];

fn quote_form(
    t: Tr,
    values: &HashMap<&'static str, String>,
    errors: &HashMap<&'static str, &'static str>,
) -> Vec<FormField> {
    QUOTE_FIELDS
        .iter()
        .map(|&(name, kind)| FormField {
            name,
            label: field_label(t, name),
            kind,
            value: values.get(name).cloned().unwrap_or_default(),
            error: errors.get(name).map(|e| e.to_string()),
            options: match name {
                "frequency" => vec![
                    ("monthly", t.get("quote.monthly")),
                    ("fortnightly", t.get("quote.fortnightly")),
                    ("weekly", t.get("quote.weekly")),
                ],
                "method" => vec![
                    ("equal-installments", t.get("quote.equal_installments")),
                    ("equal-principal", t.get("quote.equal_principal")),
                ],
                _ => Vec::new(),
            },
        })
        .collect()
}

/// The form field a refused quote names (the app's errors name the form field).
pub fn quote_error_field(e: &AppError) -> &'static str {
    let field = e.field().unwrap_or("amount");
    QUOTE_FIELDS
        .iter()
        .map(|(n, _)| *n)
        .find(|n| *n == field)
        .unwrap_or("amount")
}

/// The app's form from what was typed (programme defaults for the rest, R-CRED-4).
pub fn quote_input(values: &HashMap<&'static str, String>) -> QuoteForm {
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut form = QuoteForm::new(&v("amount"), &v("rate"), &v("installments"), &v("start"));
    form.frequency = v("frequency");
    form.method = v("method");
    form
}

fn quote_view(t: Tr, q: &LoanQuote) -> QuoteView {
    let s = &q.schedule;
    QuoteView {
        rows: s
            .rows
            .iter()
            .map(|r| QuoteRow {
                number: r.number,
                date: t.date(&r.due_date),
                principal: t.money(r.principal_minor as i128),
                interest: t.money(r.interest_minor as i128),
                installment: t.money(r.installment_minor as i128),
                balance: t.money(r.balance_after_minor as i128),
            })
            .collect(),
        principal: t.money(s.totals.principal_minor as i128),
        interest: t.money(s.totals.interest_minor as i128),
        fees: t.money(s.totals.fees_minor as i128),
        opening_fee: t.money(s.totals.upfront_fee_minor as i128),
        total_paid: t.money(q.total_paid_minor() as i128),
        cat: format!("{}%", q.cat.percent_one_decimal),
    }
}

/// `/odf/{slug}/simulador`: the loan quote for everyone in the group's circle. Nothing is
/// written; a refused term comes back next to its field.
pub async fn quote_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<QuoteQuery>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    let asked = q.amount.is_some();
    let mut values: HashMap<&'static str, String> = HashMap::new();
    values.insert("amount", q.amount.unwrap_or_default());
    values.insert("rate", q.rate.unwrap_or_else(|| "18".into()));
    values.insert(
        "installments",
        q.installments.unwrap_or_else(|| "12".into()),
    );
    values.insert(
        "start",
        // Today in America/Mexico_City: after 18:00 there the UTC date is tomorrow, and a
        // loan applied for from this offer could not be disbursed today.
        q.start
            .unwrap_or_else(|| crate::shell::today_mx().to_string()),
    );
    values.insert("frequency", q.frequency.unwrap_or_else(|| "monthly".into()));
    values.insert(
        "method",
        q.method.unwrap_or_else(|| "equal-installments".into()),
    );
    let mut errors = HashMap::new();
    let mut quote = None;
    let mut status = StatusCode::OK;
    if asked {
        match state.app.loan_quote(&quote_input(&values)) {
            Ok(qt) => quote = Some(quote_view(t, &qt)),
            Err(e) if e.is_caller_error() => {
                let field = quote_error_field(&e);
                errors.insert(field, t.field_error(field));
                status = StatusCode::UNPROCESSABLE_ENTITY;
            }
            Err(e) => return Err(PageError::from_app(t, e)),
        }
    }
    Ok((
        status,
        render(QuotePage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            fields: quote_form(t, &values, &errors),
            quote,
        }),
    )
        .into_response())
}

// ---------------------------------------------------------------- trade

pub struct SavingRow {
    pub member: i64,
    pub material: String,
    pub units: u64,
    pub charged: String,
    pub alone: String,
    pub saving: String,
}

pub struct MaterialRow {
    pub material: String,
    pub demand: u64,
    pub bought: u64,
    pub cost: String,
    pub optimal: bool,
}

pub struct RoundView {
    pub id: String,
    pub closed: bool,
    pub optimal: bool,
    pub total_cost: String,
    pub total_saving: String,
    /// Members who could not buy alone in this round.
    pub could_not: usize,
    pub materials: Vec<MaterialRow>,
    pub members: Vec<SavingRow>,
    pub more: usize,
}

pub struct SplitRow {
    pub member: i64,
    pub assigned: u64,
    pub accepted: u64,
    pub rejected: u64,
}

pub struct OrderView {
    pub id: String,
    pub buyer: String,
    pub product: String,
    pub grade: String,
    pub quantity: u64,
    pub unit_price: String,
    pub due: String,
    pub terms: u32,
    pub method: &'static str,
    pub invoiced: String,
    pub collected: String,
    pub members: Vec<SplitRow>,
    pub more: usize,
}

pub struct OutletView {
    pub code: String,
    pub name: String,
    pub sales: String,
    pub owed: String,
}

#[derive(Template)]
#[template(path = "trade.html")]
struct TradePage {
    t: Tr,
    nav: Nav,
    name: String,
    all_lines: bool,
    purchases: String,
    savings: String,
    could_not: usize,
    invoiced: String,
    collected: String,
    outstanding: String,
    outlet_sales: String,
    rounds: Vec<RoundView>,
    orders: Vec<OrderView>,
    outlets: Vec<OutletView>,
}

/// Rounds and orders shown, and member lines per table (pages stay under 100 KB).
const TRADE_ITEMS: usize = 10;
const LINES_PER_TABLE: usize = 60;

fn split_label(t: Tr, m: trade::sales::SplitMethod) -> &'static str {
    use trade::sales::SplitMethod as S;
    match m {
        S::Proportional => t.get("trade.split.proportional"),
        S::Optimised => t.get("trade.split.optimised"),
        S::LimitReached => t.get("trade.split.limit"),
    }
}

/// `/odf/{slug}/comercio`: rounds, orders and outlets.
pub async fn trade_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    let v = &session.viewer;
    check(&ctx, v, org.id, Action::ViewShared)?;
    let app = &state.app;
    let fail = |e| PageError::from_app(t, e);
    // Every member's lines for those who see members; a member their own; others none.
    let all_lines = v.may(org.id, Action::ViewMembers);
    let me = v.member_id_in(org.id);
    let shown = |member: i64| all_lines || me == Some(member);
    let summary = app.trade_summary(org.id).await.map_err(fail)?;
    let mut rounds = Vec::new();
    for id in app
        .rounds(org.id)
        .await
        .map_err(fail)?
        .into_iter()
        .take(TRADE_ITEMS)
    {
        let r = app.round_report(org.id, &id).await.map_err(fail)?;
        let mine: Vec<_> = r.members.iter().filter(|m| shown(m.member)).collect();
        rounds.push(RoundView {
            id: r.round_id.clone(),
            closed: r.closed,
            optimal: r.optimal,
            total_cost: t.money(r.total_cost_minor as i128),
            total_saving: t.money(r.total_saving_minor as i128),
            could_not: r.members_could_not_buy_alone,
            materials: r
                .materials
                .iter()
                .map(|m| MaterialRow {
                    material: m.material.clone(),
                    demand: m.demand_units,
                    bought: m.bought_units,
                    cost: t.money(m.total_cost_minor as i128),
                    optimal: m.optimal,
                })
                .collect(),
            more: mine.len().saturating_sub(LINES_PER_TABLE),
            members: mine
                .into_iter()
                .take(LINES_PER_TABLE)
                .map(|m| {
                    let (alone, saving) = crate::shell::words::alone_and_saving(t, m);
                    SavingRow {
                        member: m.member,
                        material: m.material.clone(),
                        units: m.units,
                        charged: t.money(m.charged_minor as i128),
                        alone,
                        saving,
                    }
                })
                .collect(),
        });
    }
    let mut orders = Vec::new();
    for id in app
        .sales_orders(org.id)
        .await
        .map_err(fail)?
        .into_iter()
        .take(TRADE_ITEMS)
    {
        let o = app.sales_order(org.id, &id).await.map_err(fail)?;
        let deliveries = o.member_deliveries().map_err(fail)?;
        let mine: Vec<_> = deliveries.iter().filter(|d| shown(d.member)).collect();
        orders.push(OrderView {
            id: id.clone(),
            buyer: o.input.buyer.clone(),
            product: o.input.product.clone(),
            grade: o.input.grade.clone(),
            quantity: o.input.quantity_units,
            unit_price: t.money(o.input.unit_price_minor as i128),
            due: t.date(&o.input.due_date),
            terms: o.input.terms_days,
            method: split_label(t, o.split.method),
            invoiced: t.money(o.invoice.as_ref().map_or(0, |i| i.amount_minor) as i128),
            collected: t.money(o.invoice.as_ref().map_or(0, |i| i.collected_minor) as i128),
            more: mine.len().saturating_sub(LINES_PER_TABLE),
            members: mine
                .into_iter()
                .take(LINES_PER_TABLE)
                .map(|d| SplitRow {
                    member: d.member,
                    assigned: d.assigned_units,
                    accepted: d.accepted_units,
                    rejected: d.rejected_units,
                })
                .collect(),
        });
    }
    let mut outlets = Vec::new();
    for code in app
        .outlets(org.id)
        .await
        .map_err(fail)?
        .into_iter()
        .take(TRADE_ITEMS)
    {
        let o = app.outlet(org.id, &code).await.map_err(fail)?;
        let owed: i64 = o
            .owed
            .iter()
            .filter(|(m, _)| shown(**m))
            .map(|(_, v)| *v)
            .sum();
        outlets.push(OutletView {
            code: code.clone(),
            name: o.input.name.clone(),
            sales: t.money(o.sales_minor as i128),
            owed: t.money(owed as i128),
        });
    }
    Ok(render(TradePage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        name: org.data.name.clone(),
        all_lines,
        purchases: t.money(summary.purchases_minor as i128),
        savings: t.money(summary.members_saving_minor as i128),
        could_not: summary.members_could_not_buy_alone,
        invoiced: t.money(summary.invoiced_minor as i128),
        collected: t.money(summary.collected_minor as i128),
        outstanding: t.money(summary.outstanding_minor as i128),
        outlet_sales: t.money(summary.outlet_sales_minor as i128),
        rounds,
        orders,
        outlets,
    }))
}
