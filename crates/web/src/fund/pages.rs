//! The member's statement ("mi estado"), reporting this month's income (R-PLAN-2), the period
//! close with its preview (R-FUND-1, R-FUND-2, R-PLAN-3) and the Fund and credit page. Every
//! handler reads or writes through the app's use cases (`fund_cases`, `credit_cases`,
//! `trade_cases`); who may do what is `Viewer::may` plus the one rule of this module: a report
//! is filed by the member themself or by staff (R-PLAN-2).

use crate::shell::pager::{count_words, page_number, paged, Pager};
use crate::shell::read_cache::{Freshness, Stamp};
use crate::shell::{
    chart, check, check_csrf, fact_date_field, field_label, render, today_mx, visible_org, Ctx,
    FormField, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{AccessError, Action, OrgRole, Viewer};
use app::fund_cases::{Audit, CloseOptions, OrgCloseReport, ReportInput};
use app::statement_fold::{MemberView, StatementFolds};
use app::{App, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use fund::{Period, Reporter};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Instant;
use store::OrgId;

// ---------------------------------------------------------------- shared helpers

/// Who files a member's report (R-PLAN-2): the member themself, or staff (for a
/// micro-producer, R-ORG-3, which the app checks). Anyone else is refused; an organisation the
/// viewer cannot see is NotFound, as a missing one, and so is a member the viewer may not
/// see (issue 15: the same 404 whether or not that member exists).
pub async fn reporter_for(
    app: &App,
    viewer: &Viewer,
    org_id: OrgId,
    member_id: i64,
) -> Result<Reporter, AccessError> {
    if !reports_as_staff(viewer, org_id, member_id)? {
        return Ok(Reporter::Member);
    }
    // The staff seat of the ODF (its role assignment), as the Fund records reporters.
    let roles = app.store().roles(org_id).await?;
    let staff_id = roles
        .iter()
        .filter(|r| r.until.is_none())
        .find(|r| r.role == registry::Role::Staff)
        .map_or(0, |r| r.id);
    Ok(Reporter::Staff { staff_id })
}

/// [`reporter_for`] without reading the staff seat: `false` the member themself, `true` staff;
/// refused as it refuses. What the statement page needs to offer the form (no query).
pub fn reports_as_staff(
    viewer: &Viewer,
    org_id: OrgId,
    member_id: i64,
) -> Result<bool, AccessError> {
    if !viewer.sees_org(org_id) {
        return Err(AccessError::NotFound);
    }
    let own = viewer
        .roles_in(org_id)
        .any(|g| g.role == OrgRole::Member && g.member_id == Some(member_id));
    if own {
        return Ok(false);
    }
    if viewer.may(org_id, Action::ManageMembers) {
        return Ok(true);
    }
    if !viewer.may(org_id, Action::ViewMember(member_id)) {
        return Err(AccessError::NotFound);
    }
    Err(AccessError::Forbidden {
        rule: "R-PLAN-2",
        action: "FileReport".to_string(),
    })
}

/// The form field and catalogue message of a report refused by the app's typed errors (the
/// rule id is in the message). `None`: not a refusal of the input.
pub fn report_refusal(e: &AppError) -> Option<(&'static str, &'static str)> {
    if e.field() == Some(app::fact_date::FIELD) {
        return Some(("fecha", "fecha.err.generic"));
    }
    Some(match (e.rule_id()?, e.field()?) {
        ("R-PLAN-2", "period") => ("period", "report.err.period"),
        ("R-PLAN-2", "revenue") => ("revenue", "report.err.revenue"),
        ("R-PLAN-2", "profit") => ("profit", "report.err.profit"),
        ("R-PLAN-2", "supersedes") if e.to_string().contains("to correct") => {
            ("period", "report.err.nothing_to_correct")
        }
        ("R-PLAN-2", "supersedes") => ("period", "report.err.duplicate"),
        ("R-PLAN-2", "reason") => ("reason", "report.err.reason"),
        ("R-PLAN-2", "member_id") => ("period", "report.err.not_member"),
        ("R-PLAN-1", _) => ("period", "report.err.no_plan"),
        ("R-ORG-3", _) => ("period", "report.err.staff_profile"),
        (_, "period") => ("period", "report.err.period"),
        _ => return None,
    })
}

/// A period as people say it (`marzo 2026`), never `2026-03` (issue 17).
fn period_label(t: Tr, p: &Period) -> String {
    t.period(p)
}

async fn period_settings(
    state: &AppState,
    t: Tr,
    org_id: OrgId,
) -> Result<fund::PeriodSettings, PageError> {
    Ok(state
        .app
        .fund_settings(org_id)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .period)
}

fn audit_of(viewer: &Viewer, origin: &str) -> Audit {
    Audit::new(viewer.login.clone(), origin.to_string())
}

// ---------------------------------------------------------------- reporting income

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: Tr,
    nav: Nav,
    slug: String,
    member_id: i64,
    name: String,
    csrf: String,
    fields: Vec<FormField>,
    message: Option<String>,
    ok: Option<String>,
    staff: bool,
    recent: Vec<PeriodRow>,
    /// Issue 17: the "¿seguro?" question of an unusual figure; the form then carries the
    /// explicit "sí, es correcto" box (`seguro=si`).
    unusual: Option<String>,
}

fn report_form(
    t: Tr,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Vec<FormField> {
    [
        ("period", "month"),
        ("fecha", "date"),
        ("revenue", "text"),
        ("profit", "text"),
        ("reason", "textarea"),
    ]
    .iter()
    .map(|&(name, kind)| FormField {
        name,
        label: field_label(t, name),
        kind,
        value: values.get(name).cloned().unwrap_or_default(),
        error: errors.get(name).cloned(),
        options: Vec::new(),
    })
    .collect()
}

#[allow(clippy::too_many_arguments)]
async fn report_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    member_id: i64,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    message: Option<String>,
    ok: Option<String>,
    unusual: Option<String>,
    status: StatusCode,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    let member = state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let reporter = reporter_for(&state.app, &session.viewer, org.id, member_id)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    let mut values = values;
    if !values.contains_key("period") {
        // The form opens on the last period that is over: the one a member reports now.
        let settings = period_settings(state, t, org.id).await?;
        values.insert(
            "period".into(),
            Period::containing(today_mx(), settings).prev().to_string(),
        );
    }
    values
        .entry("fecha".into())
        .or_insert_with(|| today_mx().to_string());
    let view = state
        .statements
        .member_view(&state.app, &state.reads.log, org.id, member_id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let recent = period_rows(t, &view.fund.statement)
        .into_iter()
        .rev()
        .take(6)
        .collect();
    Ok((
        status,
        render(ReportPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            member_id,
            name: format!("{} {}", member.data.given_names, member.data.surnames),
            csrf: session.csrf.clone(),
            fields: report_form(t, &values, &errors),
            message,
            ok,
            staff: matches!(reporter, Reporter::Staff { .. }),
            recent,
            unusual,
        }),
    )
        .into_response())
}

/// `/odf/{slug}/reportar`: the member's own report form.
pub async fn my_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    match session.viewer.member_id_in(org.id) {
        Some(id) => Ok(
            Redirect::to(&format!("/odf/{}/socios/{id}/reporte", org.data.slug)).into_response(),
        ),
        None => Err(PageError::NotFound(ctx.t)),
    }
}

pub async fn report_form_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
) -> PageResult {
    report_response(
        &state,
        &ctx,
        &slug,
        member_id,
        HashMap::new(),
        HashMap::new(),
        None,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// Issue 17: `Some(median)` when `revenue_minor` is over 5 times the median of the member's
/// revenue in the other periods they reported (their statement as kept in memory), so the
/// figure is confirmed before it is saved (`app::fund_cases::unusual_revenue`).
pub async fn unusual_report(
    state: &AppState,
    org_id: OrgId,
    member_id: i64,
    period: Period,
    revenue_minor: i64,
) -> Result<Option<i64>, AppError> {
    let view = state
        .statements
        .member_view(&state.app, &state.reads.log, org_id, member_id)
        .await?;
    let reported: Vec<i64> = view
        .fund
        .statement
        .periods
        .iter()
        .filter(|l| l.period != period)
        .map(|l| l.revenue_minor)
        .collect();
    Ok(app::fund_cases::unusual_revenue(revenue_minor, &reported))
}

/// Files a report (R-PLAN-2). Every refusal returns the form with the message next to the
/// field, in the viewer's language, and nothing written.
pub async fn file_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
    Form(values): Form<HashMap<String, String>>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(
        &ctx,
        &session,
        values.get("csrf").map(String::as_str).unwrap_or(""),
    )?;
    // Another organisation's member is NotFound before anything else.
    state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let reporter = reporter_for(&state.app, &session.viewer, org.id, member_id)
        .await
        .map_err(|e| PageError::from_access(t, e))?;
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut errors: HashMap<String, String> = HashMap::new();
    let settings = period_settings(&state, t, org.id).await?;
    let period = Period::parse(&get("period"), settings);
    if period.is_err() {
        errors.insert("period".into(), t.get("report.err.period").into());
    }
    // Revenue is never negative; profit can be a loss (R-PLAN-2).
    let revenue = crate::shell::format::typed_amount_minor(t, &get("revenue"), false)
        .map_err(|e| errors.insert("revenue".into(), e.into()))
        .ok();
    let profit = crate::shell::format::typed_amount_minor(t, &get("profit"), true)
        .map_err(|e| errors.insert("profit".into(), e.into()))
        .ok();
    let when = fact_date_field(t, &get("fecha"), org.data.founded_on);
    if let Err(e) = when {
        errors.insert("fecha".into(), e.into());
    }
    let mut message = None;
    if let (Ok(period), Some(revenue_minor), Some(profit_minor), Ok(when), true) =
        (period, revenue, profit, when, errors.is_empty())
    {
        // Issue 17: a figure over 5 times the member's median asks "¿seguro?" first; nothing
        // is saved until the form comes back with the box "sí, es correcto" ticked.
        if get("seguro") != "si" {
            let unusual = unusual_report(&state, org.id, member_id, period, revenue_minor)
                .await
                .map_err(|e| PageError::from_app(t, e))?;
            if let Some(median) = unusual {
                let mut shown = values.clone();
                shown.remove("csrf");
                let ask = t.fmt_all(
                    "report.unusual",
                    &[
                        &t.money(i128::from(revenue_minor)),
                        &t.period(&period),
                        &t.money(i128::from(median)),
                    ],
                );
                return report_response(
                    &state,
                    &ctx,
                    &slug,
                    member_id,
                    shown,
                    HashMap::new(),
                    None,
                    None,
                    Some(ask),
                    StatusCode::OK,
                )
                .await;
            }
        }
        let input = ReportInput {
            member_id,
            revenue_minor,
            profit_minor,
            reported_by: reporter,
        };
        // R-PLAN-2: with a reason, the report corrects the period's report (a new report
        // that supersedes it, never an edit).
        let reason = get("reason");
        let audit = audit_of(&session.viewer, &ctx.origin);
        let filed = if reason.trim().is_empty() {
            state
                .app
                .file_report(org.id, period, input, None, when, &audit)
                .await
        } else {
            state
                .app
                .correct_report(org.id, period, input, reason.trim(), when, &audit)
                .await
        };
        match filed {
            Ok(report) => {
                // The confirmation repeats what was saved; a report for a month already
                // closed is adjusted by the next close (R-FUND-2), and says so.
                let mut ok = t.fmt_all(
                    "report.ok",
                    &[
                        &t.period(&period),
                        &t.money(i128::from(report.revenue.amount_minor())),
                        &t.money(i128::from(report.profit.amount_minor())),
                    ],
                );
                let closed = state
                    .app
                    .is_closed(org.id, period)
                    .await
                    .map_err(|e| PageError::from_app(t, e))?;
                if closed {
                    ok.push(' ');
                    ok.push_str(t.get("report.late"));
                }
                return report_response(
                    &state,
                    &ctx,
                    &slug,
                    member_id,
                    HashMap::new(),
                    HashMap::new(),
                    None,
                    Some(ok),
                    None,
                    StatusCode::OK,
                )
                .await;
            }
            Err(e) => match report_refusal(&e) {
                Some((field, key)) => {
                    errors.insert(field.into(), t.get(key).into());
                }
                None if e.is_caller_error() => {
                    message = Some(t.get("error.field.generic").to_string());
                }
                None => return Err(PageError::from_app(t, e)),
            },
        }
    }
    let mut shown = values.clone();
    shown.remove("csrf");
    report_response(
        &state,
        &ctx,
        &slug,
        member_id,
        shown,
        errors,
        message,
        None,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------- the member's statement

#[derive(Clone)]
pub struct PeriodRow {
    pub period: String,
    pub revenue: String,
    pub profit: String,
    pub new_revenue: String,
    pub contribution: String,
    pub profit_share: String,
}

fn period_rows(t: Tr, s: &fund::MemberStatement) -> Vec<PeriodRow> {
    s.periods
        .iter()
        .map(|p| PeriodRow {
            period: period_label(t, &p.period),
            revenue: t.money(p.revenue_minor as i128),
            profit: t.money(p.profit_minor as i128),
            new_revenue: t.money(p.new_revenue_minor as i128),
            contribution: t.money(p.contribution_minor as i128),
            profit_share: t.money(p.profit_share_minor as i128),
        })
        .collect()
}

#[derive(Clone)]
pub struct LoanRow {
    pub id: i64,
    /// The member who borrowed (`None`: the ODF itself), named by [`name_people`].
    pub borrower_id: Option<i64>,
    pub borrower: String,
    /// The status; an active loan with an installment unpaid past its date says how many
    /// days late it is (`late`).
    pub status: String,
    pub late: bool,
    pub principal: String,
    pub outstanding: String,
    pub next_date: String,
    pub next_amount: String,
}

#[derive(Clone)]
pub struct LeaseRow {
    pub id: i64,
    pub asset: String,
    pub lessee_id: i64,
    /// The lessee's name, filled by [`name_people`].
    pub lessee: String,
    pub status: &'static str,
    /// Once bought (R-LEASE-1): to whom the asset passed, when and for how much; else empty.
    pub purchase: String,
    pub outstanding: String,
    pub next_date: String,
    pub next_amount: String,
}

pub struct StatementRow {
    pub date: String,
    pub memo: String,
    pub amount: String,
    pub balance: String,
}

#[derive(Clone)]
pub struct OrderLine {
    pub order: String,
    pub buyer: String,
    pub product: String,
    pub assigned: u64,
    pub accepted: u64,
    pub value: String,
}

#[derive(Clone)]
pub struct PurchaseLine {
    pub round: String,
    pub material: String,
    pub units: u64,
    pub charged: String,
    pub alone: String,
    pub saving: String,
}

fn loan_status(t: Tr, s: credit::loan::LoanStatus) -> &'static str {
    use credit::loan::LoanStatus as S;
    match s {
        S::Approved => t.get("loan.status.approved"),
        S::Active => t.get("loan.status.active"),
        S::Closed => t.get("loan.status.closed"),
        S::WrittenOff => t.get("loan.status.written_off"),
    }
}

fn lease_status(t: Tr, s: credit::lease::LeaseStatus) -> &'static str {
    use credit::lease::LeaseStatus as S;
    match s {
        S::Active => t.get("lease.status.active"),
        S::RentPaid => t.get("lease.status.rent_paid"),
        S::Purchased => t.get("lease.status.purchased"),
    }
}

/// The next unpaid installment of a book: its date and what is still owed on it.
fn next_due(t: Tr, book: &credit::book::Book) -> (String, String) {
    match book.rows.iter().find(|r| !r.is_settled()) {
        Some(r) => (
            t.date(&r.due_date),
            t.money(r.outstanding().total() as i128),
        ),
        None => ("—".to_string(), t.money(0)),
    }
}

/// The loans of a book (of one member, or all), as of `today` (America/Mexico_City): an
/// active loan past an installment's date shows as late with its days (R-CRED-5).
pub fn loan_rows(
    t: Tr,
    book: &app::credit_cases::CreditBook,
    member: Option<i64>,
    today: NaiveDate,
) -> Vec<LoanRow> {
    use credit::loan::Borrower;
    book.loans
        .values()
        .filter(|l| member.is_none_or(|m| l.loan.borrower == Borrower::Member(m)))
        .map(|l| {
            let (next_date, next_amount) = if l.loan.status == credit::loan::LoanStatus::Active {
                next_due(t, &l.loan.book)
            } else {
                ("—".to_string(), t.money(0))
            };
            let days_late = credit::quality::days_past_due(&l.loan, today);
            LoanRow {
                id: l.loan.id,
                borrower_id: match l.loan.borrower {
                    Borrower::Odf => None,
                    Borrower::Member(id) => Some(id),
                },
                borrower: t.get("loan.borrower.odf").to_string(),
                status: if days_late > 0 {
                    t.fmt("loan.status.late", &days_late.to_string())
                } else {
                    loan_status(t, l.loan.status).to_string()
                },
                late: days_late > 0,
                principal: t.money(l.loan.schedule.principal_minor as i128),
                outstanding: t.money(l.loan.outstanding_principal_minor() as i128),
                next_date,
                next_amount,
            }
        })
        .collect()
}

/// Puts people's names on loan and lease rows (names appear, not ids): one lookup per
/// person shown, so callers name the rows they show, after cutting the list.
pub async fn name_people(
    state: &AppState,
    t: Tr,
    org_id: OrgId,
    loans: &mut [LoanRow],
    leases: &mut [LeaseRow],
) -> Result<(), PageError> {
    let mut names: HashMap<i64, String> = HashMap::new();
    let ids = loans
        .iter()
        .filter_map(|l| l.borrower_id)
        .chain(leases.iter().map(|l| l.lessee_id));
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let m = state
            .app
            .store()
            .member(org_id, id)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        names.insert(id, format!("{} {}", m.data.given_names, m.data.surnames));
    }
    for l in loans.iter_mut() {
        if let Some(name) = l.borrower_id.and_then(|id| names.get(&id)) {
            l.borrower = name.clone();
        }
    }
    for l in leases.iter_mut() {
        if let Some(name) = names.get(&l.lessee_id) {
            l.lessee = name.clone();
        }
    }
    Ok(())
}

pub fn lease_rows(
    t: Tr,
    book: &app::credit_cases::CreditBook,
    member: Option<i64>,
) -> Vec<LeaseRow> {
    book.leases
        .values()
        .filter(|l| member.is_none_or(|m| l.lease.lessee == m))
        .map(|l| {
            let (next_date, next_amount) = next_due(t, &l.lease.book);
            LeaseRow {
                id: l.lease.id,
                asset: l.lease.asset.description.clone(),
                lessee_id: l.lease.lessee,
                lessee: l.lease.lessee.to_string(),
                status: lease_status(t, l.lease.status),
                purchase: l.lease.purchase().map_or_else(String::new, |p| {
                    t.fmt_all(
                        "lease.bought",
                        &[
                            &p.by.to_string(),
                            &t.date(&p.on),
                            &t.money(p.price_minor as i128),
                        ],
                    )
                }),
                outstanding: t.money(l.lease.book.outstanding().total() as i128),
                next_date,
                next_amount,
            }
        })
        .collect()
}

/// A member's sales-order lines and purchasing-round lines (issue 6: R-SELL-1, R-BUY-1).
pub fn member_trade(
    t: Tr,
    trade: &app::trade_cases::StatementTrade,
    member_id: i64,
) -> Result<(Vec<OrderLine>, Vec<PurchaseLine>), AppError> {
    let mut orders = Vec::new();
    for (id, o) in &trade.orders {
        let Some(assigned) = o.split.assigned(member_id) else {
            continue;
        };
        let accepted = o
            .member_deliveries()?
            .iter()
            .find(|d| d.member == member_id)
            .map_or(0, |d| d.accepted_units);
        orders.push(OrderLine {
            order: id.clone(),
            buyer: o.input.buyer.clone(),
            product: o.input.product.clone(),
            assigned,
            accepted,
            value: t.money(assigned as i128 * o.input.unit_price_minor as i128),
        });
    }
    let mut purchases = Vec::new();
    for (id, r) in &trade.rounds {
        for m in r.members.iter().filter(|m| m.member == member_id) {
            let (alone, saving) = crate::shell::words::alone_and_saving(t, m);
            purchases.push(PurchaseLine {
                round: id.clone(),
                material: m.material.clone(),
                units: m.units,
                charged: t.money(m.charged_minor as i128),
                alone,
                saving,
            });
        }
    }
    Ok((orders, purchases))
}

/// Orders and rounds shown on one page at most (pages stay under 100 KB).
pub const MAX_TRADE_ITEMS: usize = app::statement_fold::STATEMENT_TRADE_ITEMS;

/// The part of a member's statement folded from the event log (the Fund, credit and trade):
/// built from the organisation's kept fold ([`app::statement_fold`]) and cached by
/// [`StatementCache`] until an event that may change it is appended.
pub struct FundPart {
    /// The day (America/Mexico_City) its loans' days late were counted to.
    pub built_on: NaiveDate,
    pub has_plan: bool,
    /// R-PLAN-4: the periods without increment when the plan is flagged for review (empty:
    /// not flagged).
    pub plan_flagged: String,
    pub baseline_revenue: String,
    pub latest_revenue: String,
    pub contributions_owed: String,
    pub contributions_paid: String,
    pub contributions_outstanding: String,
    pub profit_share_owed: String,
    pub profit_share_paid: String,
    pub entitlement: String,
    pub withdrawn: String,
    pub income_chart: String,
    pub periods: Vec<PeriodRow>,
    /// R-SUP-4: the member's own series (period, income, at least doubled), newest first.
    pub outcome: Vec<(String, String, &'static str)>,
    pub loans: Vec<LoanRow>,
    pub leases: Vec<LeaseRow>,
    pub orders: Vec<OrderLine>,
    pub purchases: Vec<PurchaseLine>,
}

fn fund_part(t: Tr, view: &MemberView, member_id: i64) -> Result<FundPart, AppError> {
    let fs = &view.fund;
    let book = &view.credit;
    let (orders, purchases) = member_trade(t, &view.trade, member_id)?;
    let s = &fs.statement;
    let recent: Vec<&fund::statement::MemberPeriodLine> =
        s.periods.iter().rev().take(PERIODS_SHOWN).rev().collect();
    let bars: Vec<(String, i128)> = recent
        .iter()
        .map(|p| (period_label(t, &p.period), p.revenue_minor as i128))
        .collect();
    let income_chart = chart::bars_with_baseline(
        &bars,
        s.baseline_revenue_minor as i128,
        t.get("chart.income_vs_baseline"),
        t,
    );
    let incomes: Vec<(String, i64)> = recent
        .iter()
        .map(|p| (p.period.key(), p.revenue_minor))
        .collect();
    let outcome = support::outcomes::member_series(s.baseline_revenue_minor, &incomes)
        .iter()
        .rev()
        .zip(recent.iter().rev())
        .map(|(point, line)| {
            (
                period_label(t, &line.period),
                t.money(point.now_minor as i128),
                t.get(if point.doubled {
                    "sup.ts.yes"
                } else {
                    "sup.ts.no"
                }),
            )
        })
        .collect();
    let mut periods = period_rows(t, s);
    periods.reverse();
    periods.truncate(PERIODS_SHOWN);
    // The member's own loans and leases (the page shows no borrower column), days late as of
    // today (a cached part is rebuilt the next day, see `StatementCache::cached`).
    let built_on = today_mx();
    let loans = loan_rows(t, book, Some(member_id), built_on);
    let leases = lease_rows(t, book, Some(member_id));
    Ok(FundPart {
        built_on,
        has_plan: fs.plan_id.is_some(),
        plan_flagged: fs.plan_flagged_periods.join(", "),
        baseline_revenue: t.money(s.baseline_revenue_minor as i128),
        latest_revenue: s
            .latest_revenue_minor
            .map_or_else(|| "—".to_string(), |v| t.money(v as i128)),
        contributions_owed: t.money(s.contributions_owed.total() as i128),
        contributions_paid: t.money(s.contributions_paid.total() as i128),
        contributions_outstanding: t.money(s.contributions_outstanding_minor as i128),
        profit_share_owed: t.money(s.profit_share_owed_minor as i128),
        profit_share_paid: t.money(s.profit_share_paid_minor as i128),
        entitlement: t.money(s.entitlement.available_minor as i128),
        withdrawn: t.money(s.withdrawn_minor as i128),
        income_chart,
        periods,
        outcome,
        loans,
        leases,
        orders,
        purchases,
    })
}

/// Statements' Fund parts by (organisation, member, language), each stamped with the version
/// of the member's statement it was built at ([`app::statement_fold::OrgFold::version`]: the
/// seq of the last event that may change it). A use first learns the organisation's head: from
/// memory when it was read less than [`Freshness::MAX_AGE`] ago and this process has written
/// nothing since, else by applying the events after the fold's last to the kept fold (one
/// indexed query, normally a few events). A part built at an older version is rebuilt from the
/// fold, which reads nothing from the database but trade after a trade event. Fund, credit,
/// trade, plans and reports are all events, so a cached part is never older than the log as of
/// that bound, and never older than this process's own writes; another member's report leaves
/// it valid. Dues (ledger entries) and the member's record are
/// [`crate::shell::read_cache::ReadCache::dues`]. Bounded to [`StatementCache::MAX_ENTRIES`].
/// (organisation, member, language code).
type PartKey = (OrgId, i64, &'static str);

#[derive(Default)]
pub struct StatementCache {
    /// Each organisation's log, folded and kept (issue 15).
    folds: StatementFolds,
    /// The organisation's head and when it was read.
    heads: std::sync::Mutex<HashMap<OrgId, (i64, Stamp)>>,
    parts: std::sync::Mutex<HashMap<PartKey, (i64, std::sync::Arc<FundPart>)>>,
    /// One reader of the log's head at a time: 64 requests arriving on a cold cache would
    /// otherwise each read the whole log to find it.
    head_reader: tokio::sync::Mutex<()>,
    /// One builder per statement at a time (the others wait and take its result): a cold
    /// or stale entry requested by many at once is built once, not once per request.
    builders: std::sync::Mutex<HashMap<PartKey, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    /// Statements built so far (for tests and logs).
    built: std::sync::atomic::AtomicUsize,
    /// Turns for the statement page (see [`crate::shell::read_gate`]).
    pub gate: crate::shell::read_gate::ReadGate,
}

impl StatementCache {
    pub const MAX_ENTRIES: usize = 8_192;

    /// The head known for `org_id` if it is still fresh.
    fn known_head(&self, freshness: &Freshness, org_id: OrgId) -> Option<i64> {
        let heads = self.heads.lock().unwrap_or_else(|e| e.into_inner());
        match heads.get(&org_id) {
            Some((head, stamp)) if freshness.fresh(*stamp, Instant::now()) => Some(*head),
            _ => None,
        }
    }

    /// The organisation's last event seq, with the fold brought up to it (reads only what was
    /// appended since last time, and nothing while the known head is fresh).
    async fn head(&self, app: &App, freshness: &Freshness, org_id: OrgId) -> Result<i64, AppError> {
        if let Some(head) = self.known_head(freshness, org_id) {
            return Ok(head);
        }
        let _reading = self.head_reader.lock().await;
        // Another request may have read it while this one waited.
        if let Some(head) = self.known_head(freshness, org_id) {
            return Ok(head);
        }
        let stamp = freshness.stamp(Instant::now());
        let head = self.folds.catch_up(app, org_id).await?;
        let mut heads = self.heads.lock().unwrap_or_else(|e| e.into_inner());
        if heads.len() >= Self::MAX_ENTRIES {
            heads.clear();
        }
        let h = heads.entry(org_id).or_insert((0, stamp));
        *h = (h.0.max(head), stamp);
        Ok(head)
    }

    /// A member's statement as folded, as of the log's head within the bound above (for the
    /// pages and routes that show it without the cached HTML part).
    pub async fn member_view(
        &self,
        app: &App,
        freshness: &Freshness,
        org_id: OrgId,
        member_id: i64,
    ) -> Result<MemberView, AppError> {
        self.head(app, freshness, org_id).await?;
        self.folds.view(app, org_id, member_id).await
    }

    pub async fn fund_part(
        &self,
        app: &App,
        freshness: &Freshness,
        t: Tr,
        org_id: OrgId,
        member_id: i64,
    ) -> Result<std::sync::Arc<FundPart>, AppError> {
        let head = self.head(app, freshness, org_id).await?;
        let key = (org_id, member_id, t.lang.code());
        let version = self.folds.version(org_id, member_id).unwrap_or(head);
        if let Some(part) = self.cached(&key, version) {
            return Ok(part);
        }
        let builder = {
            let mut builders = self.builders.lock().unwrap_or_else(|e| e.into_inner());
            if builders.len() >= Self::MAX_ENTRIES {
                builders.retain(|_, b| std::sync::Arc::strong_count(b) > 1);
            }
            builders.entry(key).or_default().clone()
        };
        let _building = builder.lock().await;
        // Whoever held the builder before may have built it for this version.
        if let Some(part) = self.cached(&key, version) {
            return Ok(part);
        }
        // Built from the fold as it is now: at `version` or later (never the other way round).
        let view = self.folds.view(app, org_id, member_id).await?;
        let part = std::sync::Arc::new(fund_part(t, &view, member_id)?);
        self.built
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut parts = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        if parts.len() >= Self::MAX_ENTRIES {
            parts.clear();
        }
        parts.insert(key, (view.version, part.clone()));
        Ok(part)
    }

    /// The part cached for `key` if it was built at `version` or later.
    fn cached(&self, key: &PartKey, version: i64) -> Option<std::sync::Arc<FundPart>> {
        let parts = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        match parts.get(key) {
            // Days late are counted to the day the part was built: a new day rebuilds it.
            Some((at, part)) if *at >= version && part.built_on == today_mx() => Some(part.clone()),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.parts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How many statement parts were built since the cache was made.
    pub fn built(&self) -> usize {
        self.built.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    t: Tr,
    nav: Nav,
    slug: String,
    member_id: i64,
    org_name: String,
    name: String,
    curp: String,
    joined: String,
    left: Option<String>,
    arrears: String,
    can_report: bool,
    can_withdraw: bool,
    /// Staff, board, supervisors: a link to the member's record (issue 17).
    can_see_record: bool,
    fund: std::sync::Arc<FundPart>,
    rows: Vec<StatementRow>,
    chart: String,
}

/// Dues lines shown (the most recent).
const DUES_SHOWN: usize = 24;
/// Periods in the income chart and table (the most recent).
const PERIODS_SHOWN: usize = 12;

pub async fn member_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    // A member of this ODF whom the viewer may not see is NotFound before anything is read,
    // and a member of another ODF is NotFound from the store (it filters by organisation):
    // the same 404 whether or not the member exists (issue 15). Both checked on every
    // request; the reads behind them are cached for a short time (`read_cache`).
    check(&ctx, &session.viewer, org.id, Action::ViewMember(member_id))?;
    let _turn = state.statements.gate.turn().await;
    let app = &state.app;
    let fail = |e| PageError::from_app(t, e);
    let dues = state
        .reads
        .dues(app, org.id, member_id)
        .await
        .map_err(fail)?;
    let fund = state
        .statements
        .fund_part(app, &state.reads.log, t, org.id, member_id)
        .await
        .map_err(fail)?;
    let member = &dues.member;
    let statement = &dues.statement;
    let arrears = dues.arrears_minor;
    let points: Vec<(NaiveDate, i128)> = statement
        .lines
        .iter()
        .map(|l| (l.date, l.balance_minor))
        .collect();
    let chart = chart::line_chart(&points, t.get("chart.dues_balance"), t);
    let rows = statement
        .lines
        .iter()
        .rev()
        .take(DUES_SHOWN)
        .map(|l| StatementRow {
            date: t.date(&l.date),
            memo: l.memo.clone(),
            amount: t.money(l.amount.amount_minor() as i128),
            balance: t.money(l.balance_minor),
        })
        .collect();
    // Staff are offered the form only for a micro-producer (R-ORG-3); the app refuses the rest.
    let can_report = match reports_as_staff(&session.viewer, org.id, member_id) {
        Ok(false) => true,
        Ok(true) => member.data.profile == registry::Profile::MicroProducer,
        Err(_) => false,
    };
    Ok(render(MemberPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        member_id,
        org_name: org.data.name.clone(),
        name: format!("{} {}", member.data.given_names, member.data.surnames),
        curp: member.data.curp.as_str().to_string(),
        joined: t.date(&member.data.joined_on),
        left: member.left_on.map(|d| t.date(&d)),
        arrears: t.money(arrears as i128),
        can_report,
        // Issue 18: the member's own withdrawal page (R-FUND-5).
        can_withdraw: app::fund_cases::operations::check_withdrawal(
            &session.viewer,
            org.id,
            member_id,
        )
        .is_ok(),
        can_see_record: session.viewer.may(org.id, Action::ViewMembers),
        fund,
        rows,
        chart,
    }))
}

// ---------------------------------------------------------------- the period close

pub struct CloseView {
    /// The period's key (`2026-03`), for the form.
    pub period: String,
    /// The period as people say it (`marzo 2026`).
    pub period_label: String,
    /// How many members with a plan have not reported, and the first names of them.
    pub not_reported: usize,
    pub not_reported_names: Vec<String>,
    /// What the close would post: nothing was written.
    pub preview: bool,
    pub already_closed: bool,
    pub members_reporting: u64,
    pub members_above_baseline: u64,
    pub without_plan: u64,
    pub new_revenue: String,
    pub development: String,
    pub competition: String,
    pub contribution_total: String,
    pub profit_share: String,
    pub adjusted_periods: String,
    pub adjustment_lines: u64,
    pub plans_flagged: usize,
    pub entries: usize,
}

/// The message for a close refused on its period: before the ODF existed, or not over yet.
fn close_period_refusal(e: &AppError) -> &'static str {
    if e.to_string().contains("founded") {
        "close.err.before_founding"
    } else {
        "close.err.not_over"
    }
}

/// How many of the members who have not reported the close page names (the count is exact).
const NOT_REPORTED_SHOWN: usize = 30;

async fn close_view(
    state: &AppState,
    t: Tr,
    org_id: OrgId,
    settings: fund::PeriodSettings,
    r: &OrgCloseReport,
) -> Result<CloseView, PageError> {
    let mut not_reported_names = Vec::new();
    for &member_id in r.not_reported.iter().take(NOT_REPORTED_SHOWN) {
        let m = state
            .app
            .store()
            .member(org_id, member_id)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        not_reported_names.push(format!("{} {}", m.data.given_names, m.data.surnames));
    }
    let period_label = Period::parse(&r.period, settings)
        .map(|p| t.period(&p))
        .unwrap_or_else(|_| r.period.clone());
    Ok(CloseView {
        period: r.period.clone(),
        period_label,
        not_reported: r.not_reported.len(),
        not_reported_names,
        preview: r.preview,
        already_closed: r.already_closed,
        members_reporting: r.members_reporting,
        members_above_baseline: r.members_above_baseline,
        without_plan: r.without_plan,
        new_revenue: t.money(r.new_revenue_minor as i128),
        development: t.money(r.contribution.development_minor as i128),
        competition: t.money(r.contribution.competition_minor as i128),
        contribution_total: t.money(r.contribution.total() as i128),
        profit_share: t.money(r.profit_share_minor as i128),
        adjusted_periods: r.adjusted_periods.join(", "),
        adjustment_lines: r.adjustment_lines,
        plans_flagged: r.plans_flagged.len(),
        entries: r.entries,
    })
}

pub struct ClosedRow {
    pub period: String,
    pub members_reporting: u64,
    pub new_revenue: String,
    pub contribution: String,
    pub profit_share: String,
}

#[derive(Template)]
#[template(path = "close.html")]
struct ClosePage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    csrf: String,
    can_close: bool,
    fields: Vec<FormField>,
    view: Option<CloseView>,
    message: Option<String>,
    message_class: &'static str,
    closed: Vec<ClosedRow>,
    /// R-PLAN-4: plans flagged for review at the last closed period, with their members (a
    /// page of them).
    flagged: Vec<FlaggedRow>,
    flagged_pager: Pager,
}

pub struct FlaggedRow {
    pub plan_id: i64,
    pub member_id: i64,
    pub name: String,
    pub periods: String,
}

#[derive(Deserialize, Default)]
pub struct CloseQuery {
    #[serde(default)]
    /// The close form's field; `periodo` is accepted from older links.
    #[serde(alias = "periodo")]
    period: Option<String>,
    /// The page of the flagged plans (from 1).
    #[serde(default)]
    marcados: Option<usize>,
}

/// The period a close page opens on: the last one that is over.
fn default_close_period(settings: fund::PeriodSettings, today: NaiveDate) -> Period {
    Period::containing(today, settings).prev()
}

enum CloseOutcome {
    Shown(Box<OrgCloseReport>),
    Refused(String),
}

#[allow(clippy::too_many_arguments)]
async fn close_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    period_text: Option<String>,
    outcome: Option<CloseOutcome>,
    message: Option<(String, &'static str)>,
    status: StatusCode,
    flag_page: Option<usize>,
) -> PageResult {
    let (org, session) = visible_org(state, ctx, slug).await?;
    let t = ctx.t;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let app = &state.app;
    let settings = period_settings(state, t, org.id).await?;
    let today = today_mx();
    let period_text = period_text
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| default_close_period(settings, today).to_string());
    let mut error = None;
    let view = match outcome {
        Some(CloseOutcome::Shown(r)) => Some(close_view(state, t, org.id, settings, &r).await?),
        Some(CloseOutcome::Refused(e)) => {
            error = Some(e);
            None
        }
        None => match Period::parse(&period_text, settings) {
            Err(_) => {
                error = Some(t.get("close.err.period").to_string());
                None
            }
            Ok(period) => {
                let preview = CloseOptions {
                    preview: true,
                    ..CloseOptions::default()
                };
                match app
                    .close_period(
                        org.id,
                        period,
                        today,
                        preview,
                        &audit_of(&session.viewer, &ctx.origin),
                    )
                    .await
                {
                    Ok(r) => Some(close_view(state, t, org.id, settings, &r).await?),
                    Err(e) if e.field() == Some("period") => {
                        error = Some(t.get(close_period_refusal(&e)).to_string());
                        None
                    }
                    Err(e) => return Err(PageError::from_app(t, e)),
                }
            }
        },
    };
    // Every closed period, newest first (their totals only: the Fund's fold is not needed).
    let closed = app
        .closed_periods(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .iter()
        .rev()
        .map(|(p, c)| ClosedRow {
            period: t.period(p),
            members_reporting: c.members_reporting,
            new_revenue: t.money(c.new_revenue_minor as i128),
            contribution: t.money(c.contribution.total() as i128),
            profit_share: t.money(c.profit_share_minor as i128),
        })
        .collect();
    // Issue 17: every flagged plan is counted, a page of them shown with their members' names.
    let flags = app
        .plan_review_flags(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .1;
    let flag_page = page_number(flag_page);
    let base = format!(
        "/odf/{}/cierre?{}",
        org.data.slug,
        form_urlencoded::Serializer::new(String::new())
            .append_pair("period", &period_text)
            .finish()
    );
    let (flags, flagged_pager) = paged(
        t,
        flags,
        flag_page,
        |n| count_words(t, n, "plans.flagged_count_one", "plans.flagged_count"),
        |n| format!("{base}&marcados={n}#flagged"),
    );
    let names = app
        .member_names(org.id, flags.iter().map(|f| f.member_id))
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let flagged = flags
        .into_iter()
        .map(|f| FlaggedRow {
            plan_id: f.plan_id,
            member_id: f.member_id,
            name: names.get(&f.member_id).cloned().unwrap_or_default(),
            periods: f
                .periods
                .iter()
                .map(|p| t.period(p))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let mut values = HashMap::new();
    values.insert("period".to_string(), period_text);
    let mut errors = HashMap::new();
    if let Some(e) = error {
        errors.insert("period".to_string(), e);
    }
    let (message, message_class) = match message {
        Some((m, c)) => (Some(m), c),
        None => (None, "ok"),
    };
    Ok((
        status,
        render(ClosePage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            csrf: session.csrf.clone(),
            can_close: session.viewer.may(org.id, Action::ManageMembers),
            fields: vec![FormField {
                name: "period",
                label: field_label(t, "period"),
                kind: "month",
                value: values.remove("period").unwrap_or_default(),
                error: errors.remove("period"),
                options: Vec::new(),
            }],
            view,
            message,
            message_class,
            closed,
            flagged,
            flagged_pager,
        }),
    )
        .into_response())
}

/// `/odf/{slug}/cierre`: staff, the board and supervisors see what the close would post.
pub async fn close_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<CloseQuery>,
) -> PageResult {
    close_response(
        &state,
        &ctx,
        &slug,
        q.period,
        None,
        None,
        StatusCode::OK,
        q.marcados,
    )
    .await
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    /// The confirmation box: a close cannot be undone (its effects are reversed by the next
    /// close's adjustments only for late reports), so it is never one tap.
    #[serde(default)]
    confirm: String,
}

/// Closes the period (staff only). Closing a closed period writes nothing and says so.
pub async fn close_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<CloseForm>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let settings = period_settings(&state, t, org.id).await?;
    let Ok(period) = Period::parse(&form.period, settings) else {
        return close_response(
            &state,
            &ctx,
            &slug,
            Some(form.period),
            Some(CloseOutcome::Refused(t.get("close.err.period").to_string())),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        )
        .await;
    };
    if form.confirm != "si" {
        return close_response(
            &state,
            &ctx,
            &slug,
            Some(form.period),
            None,
            Some((t.get("close.err.confirm").to_string(), "error")),
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        )
        .await;
    }
    let result = state
        .app
        .close_period(
            org.id,
            period,
            today_mx(),
            CloseOptions::default(),
            &audit_of(&session.viewer, &ctx.origin),
        )
        .await;
    match result {
        Ok(r) => {
            let msg = if r.already_closed {
                (t.fmt("close.already", &t.period(&period)), "ok")
            } else {
                (t.fmt("close.done", &t.period(&period)), "ok")
            };
            close_response(
                &state,
                &ctx,
                &slug,
                Some(form.period),
                Some(CloseOutcome::Shown(Box::new(r))),
                Some(msg),
                StatusCode::OK,
                None,
            )
            .await
        }
        Err(e) if e.field() == Some("period") => {
            close_response(
                &state,
                &ctx,
                &slug,
                Some(form.period),
                Some(CloseOutcome::Refused(
                    t.get(close_period_refusal(&e)).to_string(),
                )),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

// ---------------------------------------------------------------- the Fund and credit

pub struct SubFundRow {
    pub name: &'static str,
    pub credited: String,
    pub grants: String,
    pub used: String,
    pub balance: String,
    pub trust_cash: String,
}

pub struct LimitRow {
    pub date: String,
    pub from: String,
    pub to: String,
    pub reason: &'static str,
}

pub struct LineView {
    pub id: i64,
    pub lender: String,
    pub limit: String,
    pub drawn: String,
    pub available: String,
    pub rate: String,
    pub chart: String,
    pub history: Vec<LimitRow>,
}

#[derive(Template)]
#[template(path = "fund.html")]
struct FundPage {
    t: Tr,
    nav: Nav,
    name: String,
    slug: String,
    period: String,
    sub_funds: Vec<SubFundRow>,
    fund_total: String,
    individually_usable: String,
    temporary: String,
    profit_share_income: String,
    members_reporting: u64,
    members_above_baseline: u64,
    members_doubled: u64,
    fund_chart: String,
    lines: Vec<LineView>,
    loans: Vec<LoanRow>,
    leases: Vec<LeaseRow>,
}

/// Loans and leases shown on the Fund page at most.
const CREDIT_ROWS: usize = 200;

/// `/odf/{slug}/fondo`: the Fund by sub-fund, the credit line with its limit history, loans and
/// leases (staff, board, supervisors: it names borrowers).
pub async fn fund_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let app = &state.app;
    let fail = |e| PageError::from_app(t, e);
    let settings = period_settings(&state, t, org.id).await?;
    let period = Period::containing(crate::shell::dates::today_mx(), settings).prev();
    let s = app.odf_fund_statement(org.id, period).await.map_err(fail)?;
    let book = app.credit_book(org.id).await.map_err(fail)?;
    let sub = |name, l: &fund::statement::SubFundLine| SubFundRow {
        name,
        credited: t.money(l.credited_minor as i128),
        grants: t.money(l.grants_minor as i128),
        used: t.money(l.used_minor as i128),
        balance: t.money(l.balance_minor as i128),
        trust_cash: t.money(l.trust_cash_minor as i128),
    };
    let dev_name = t.get("fund.development");
    let comp_name = t.get("fund.competition");
    let fund_chart = chart::hbars(
        &[
            (dev_name, s.development.balance_minor as i128),
            (comp_name, s.competition.balance_minor as i128),
        ],
        t.get("chart.fund_by_sub_fund"),
        t,
    );
    let lines = book
        .lines
        .values()
        .map(|l| {
            let line = &l.line;
            LineView {
                id: line.id,
                lender: line.lender_code.clone(),
                limit: t.money(line.limit_minor as i128),
                drawn: t.money(line.drawn_minor as i128),
                available: t.money(line.available_minor() as i128),
                rate: format!(
                    "{}%",
                    (line.rate.annual() * rust_decimal::Decimal::from(100)).normalize()
                ),
                chart: crate::shell::chart::limit_chart(t, line, crate::shell::dates::today_mx()),
                history: line
                    .limit_history
                    .iter()
                    .map(|c| LimitRow {
                        date: t.date(&c.date),
                        from: t.money(c.from_minor as i128),
                        to: t.money(c.to_minor as i128),
                        reason: crate::shell::words::limit_reason(t, c.reason),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut loans = loan_rows(t, &book, None, today_mx());
    loans.truncate(CREDIT_ROWS);
    let mut leases = lease_rows(t, &book, None);
    leases.truncate(CREDIT_ROWS);
    name_people(&state, t, org.id, &mut loans, &mut leases).await?;
    Ok(render(FundPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        name: org.data.name.clone(),
        slug: org.data.slug.clone(),
        period: period.to_string(),
        sub_funds: vec![
            sub(dev_name, &s.development),
            sub(comp_name, &s.competition),
        ],
        fund_total: t.money(s.fund_total_minor as i128),
        individually_usable: t.money(s.individually_usable_minor as i128),
        temporary: t.money(s.temporary_outstanding_minor as i128),
        profit_share_income: t.money(s.profit_share_income_minor as i128),
        members_reporting: s.members_reporting,
        members_above_baseline: s.members_above_baseline,
        members_doubled: s.members_doubled,
        fund_chart,
        lines,
        loans,
        leases,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_refusal_names_a_field_of_the_form() {
        let e: AppError =
            fund::FundError::rule("R-PLAN-2", "revenue", "must not be negative").into();
        assert_eq!(report_refusal(&e), Some(("revenue", "report.err.revenue")));
        let e: AppError = fund::FundError::rule("R-PLAN-2", "supersedes", "dup").into();
        assert_eq!(report_refusal(&e), Some(("period", "report.err.duplicate")));
        let e: AppError = fund::FundError::rule("R-PLAN-1", "member_id", "no plan").into();
        assert_eq!(report_refusal(&e), Some(("period", "report.err.no_plan")));
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use crate::shell::{Lang, Tr};

    /// The demo union, small, without its credit and trade years.
    async fn small_union() -> (App, OrgId, i64) {
        let store = store_sqlite::SqliteStore::open_in_memory().await.unwrap();
        let app = App::new(std::sync::Arc::new(store));
        let mut spec = demo::DemoSpec::morelos_union();
        spec.members_per_org = 20;
        spec.dues_months = 3;
        app.load_demo(spec, 1, std::sync::Arc::new(|_| {}))
            .await
            .unwrap();
        let org = app.store().orgs().await.unwrap().remove(0).id;
        let member = app
            .store()
            .members(org, store::Page::first(1))
            .await
            .unwrap()
            .remove(0)
            .id;
        (app, org, member)
    }

    #[tokio::test]
    async fn many_requests_on_a_cold_cache_fold_the_statement_once_and_a_write_refolds_it() {
        let (app, org, member) = small_union().await;
        let cache = StatementCache::default();
        let f = Freshness::default();
        let t = Tr::new(Lang::Es);
        let (a, b, c, d) = tokio::join!(
            cache.fund_part(&app, &f, t, org, member),
            cache.fund_part(&app, &f, t, org, member),
            cache.fund_part(&app, &f, t, org, member),
            cache.fund_part(&app, &f, t, org, member),
        );
        assert_eq!(cache.built(), 1);
        let first = a.unwrap();
        for other in [b, c, d] {
            assert!(std::sync::Arc::ptr_eq(&other.unwrap(), &first));
        }
        // Cached: no fold for the next request; any new event makes the one after fold again.
        cache.fund_part(&app, &f, t, org, member).await.unwrap();
        assert_eq!(cache.built(), 1);
        let audit = Audit::new("prueba", "test");
        let on = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        app.receive_grant(org, "donativo-prueba", "Fundación", 100_000, on, &audit)
            .await
            .unwrap();
        // Written by another process (not through this server): seen once the known head is
        // older than Freshness::MAX_AGE; written through this server: seen at once.
        cache.fund_part(&app, &f, t, org, member).await.unwrap();
        assert_eq!(cache.built(), 1, "within the bounded staleness");
        f.written();
        cache.fund_part(&app, &f, t, org, member).await.unwrap();
        assert_eq!(cache.built(), 2);
    }

    /// Issue 15: at month's end another member's report leaves a cached statement as it is;
    /// the member's own report rebuilds theirs, and shows it.
    #[tokio::test]
    async fn another_members_report_keeps_a_statement_and_the_members_own_rebuilds_it() {
        let (app, org, _) = small_union().await;
        let plans = app.plans(org).await.unwrap();
        let period = Period::month(2026, 10).unwrap();
        let mut with_plan: Vec<i64> = Vec::new();
        for p in &plans {
            let m = app.store().member(org, p.member_id).await.unwrap();
            if m.is_active_on(period.last_day()) && !with_plan.contains(&p.member_id) {
                with_plan.push(p.member_id);
            }
        }
        let (member, other) = (with_plan[0], with_plan[1]);
        let cache = StatementCache::default();
        let f = Freshness::default();
        let t = Tr::new(Lang::Es);
        let before = cache.fund_part(&app, &f, t, org, member).await.unwrap();
        cache.fund_part(&app, &f, t, org, other).await.unwrap();
        assert_eq!(cache.built(), 2);
        let file = |who: i64| {
            let app = app.clone();
            async move {
                let input = ReportInput {
                    member_id: who,
                    revenue_minor: 1_234_567,
                    profit_minor: 100,
                    reported_by: Reporter::Member,
                };
                let on = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
                app.file_report(org, period, input, None, on, &Audit::new("prueba", "test"))
                    .await
                    .unwrap();
            }
        };
        file(other).await;
        f.written();
        let after = cache.fund_part(&app, &f, t, org, member).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&before, &after), "kept");
        assert_eq!(cache.built(), 2);
        file(member).await;
        f.written();
        let own = cache.fund_part(&app, &f, t, org, member).await.unwrap();
        assert_eq!(cache.built(), 3);
        assert_eq!(own.latest_revenue, t.money(1_234_567));
    }
}
