//! Leases in the browser (issue 18; R-LEASE-1, R-LEASE-2, R-GOV-2): the list, a lease's page
//! (the asset, the lessee by name, rents scheduled, paid and due, days late, the purchase
//! option and its price, the history), staff start a lease under the board's approved decision
//! about `lease:{n}`, record rents with a printable receipt, record the purchase option taken
//! up by the lessee, and pass the lease to another member on a default or a board decision.
//! Every write is `app::credit_cases::lease_cases`, as `tequio lease ...`.

use super::loans::actor;
use super::view::member_names;
use crate::shell::check;
use crate::shell::csv::{csv_line, csv_pesos, csv_response};

use crate::shell::fact_date_field;
use crate::shell::member_pick;
use crate::shell::random_token;
use crate::shell::render;
use crate::shell::staff_form;
use crate::shell::today_mx;
use crate::shell::visible_org;
use crate::shell::Ctx;
use crate::shell::Nav;
use crate::shell::PageError;
use crate::shell::PageResult;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::{Action, Session};
use app::credit_cases::book::LeaseState;
use app::credit_cases::{LeasePurchaseCmd, QuoteForm, StartLeaseCmd};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use credit::lease::{LeaseEventKind, LeaseStatus, TransferReason};
use governance::ProposalKind;
use serde::Deserialize;
use std::collections::HashMap;
use store::Org;

// ---------------------------------------------------------------- one lease, as shown

/// One rent payment: its reference (the receipt's), day, amount and split.
pub(crate) struct Rent {
    pub reference: String,
    pub on: NaiveDate,
    pub lessee: i64,
    pub amount_minor: i64,
    pub principal_minor: i64,
    pub interest_minor: i64,
}

/// A lease with the figures its page, its CSV and the API show (R-LEASE-1).
pub(crate) struct LeaseFigures {
    pub scheduled_minor: i64,
    pub paid_minor: i64,
    pub outstanding_minor: i64,
    /// Fell due by today and unpaid.
    pub due_now_minor: i64,
    pub days_late: u32,
    /// R-LEASE-2: late enough to pass to another member without a decision.
    pub in_default: bool,
    pub rents: Vec<Rent>,
}

pub(crate) fn status_key(s: LeaseStatus) -> &'static str {
    match s {
        LeaseStatus::Active => "active",
        LeaseStatus::RentPaid => "rent_paid",
        LeaseStatus::Purchased => "purchased",
    }
}

pub(crate) fn figures(ls: &LeaseState, today: NaiveDate) -> LeaseFigures {
    let l = &ls.lease;
    let active = l.status == LeaseStatus::Active;
    // The rents in the order they were paid: each `RentPaid` of the history is the payment of
    // the same rank (both are pushed together, `credit::lease::pay_rent`).
    let rents = l
        .history
        .iter()
        .filter_map(|e| match &e.kind {
            LeaseEventKind::RentPaid { key, amount_minor } => Some((e.date, key, *amount_minor)),
            _ => None,
        })
        .zip(l.payments.iter())
        .map(|((on, key, amount_minor), (lessee, alloc))| Rent {
            reference: key
                .rsplit_once(":rent:")
                .map(|(_, r)| r.to_string())
                .unwrap_or_else(|| key.clone()),
            on,
            lessee: *lessee,
            amount_minor,
            principal_minor: alloc.total.principal_minor,
            interest_minor: alloc.total.interest_minor + alloc.total.late_interest_minor,
        })
        .collect();
    LeaseFigures {
        scheduled_minor: l.book.rows.iter().map(|r| r.due.total()).sum(),
        paid_minor: l.book.rows.iter().map(|r| r.paid.total()).sum(),
        outstanding_minor: l.book.outstanding().total(),
        due_now_minor: if active {
            l.book
                .rows
                .iter()
                .filter(|r| r.due_date <= today)
                .map(|r| r.outstanding().total())
                .sum()
        } else {
            0
        },
        days_late: if active {
            l.book.days_past_due(today)
        } else {
            0
        },
        in_default: credit::lease::is_in_default(l, &ls.settings, today),
        rents,
    }
}

/// Who may read a lease: its lessee (and staff, board, supervisors). Anyone else gets the 404
/// of a missing lease.
async fn load(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
    lease_id: i64,
) -> Result<LeaseState, PageError> {
    let book = state
        .app
        .credit_book(org.id)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    let Some(ls) = book.leases.get(&lease_id) else {
        return Err(PageError::NotFound(ctx.t));
    };
    check(
        ctx,
        &session.viewer,
        org.id,
        Action::ViewMember(ls.lease.lessee),
    )
    .map_err(|_| PageError::NotFound(ctx.t))?;
    Ok(ls.clone())
}

/// The words of a lease's state: late with its days, the option open, or bought.
fn status_words(t: Tr, ls: &LeaseState, f: &LeaseFigures) -> String {
    if f.days_late > 0 {
        return t.fmt("loan.status.late", &f.days_late.to_string());
    }
    t.get(&format!("lease.status.{}", status_key(ls.lease.status)))
        .to_string()
}

// ---------------------------------------------------------------- the list

pub struct LeaseLine {
    pub id: i64,
    pub asset: String,
    pub lessee: String,
    pub status: String,
    pub late: bool,
    pub cost: String,
    pub outstanding: String,
}

#[derive(Template)]
#[template(path = "credit_leases.html")]
struct LeasesPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    rows: Vec<LeaseLine>,
    staff: bool,
    may_export: bool,
}

/// The leases a viewer may read, newest first: staff, board and supervisors all; a member
/// those they hold now.
async fn visible_leases(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
) -> Result<Vec<LeaseState>, PageError> {
    let v = &session.viewer;
    let only = if v.may(org.id, Action::ViewMembers) {
        None
    } else {
        match v.member_id_in(org.id) {
            Some(m) => Some(m),
            None => return Err(PageError::Forbidden(ctx.t)),
        }
    };
    let book = state
        .app
        .credit_book(org.id)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    let mut out: Vec<LeaseState> = book
        .leases
        .values()
        .filter(|l| only.is_none_or(|m| l.lease.lessee == m))
        .cloned()
        .collect();
    out.sort_by_key(|l| std::cmp::Reverse(l.lease.id));
    Ok(out)
}

/// `/odf/{slug}/arrendamientos`.
pub async fn leases_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let leases = visible_leases(&state, &ctx, &org, &session).await?;
    let names = member_names(
        &state,
        &org,
        &leases.iter().map(|l| l.lease.lessee).collect::<Vec<_>>(),
    )
    .await
    .map_err(|e| PageError::from_app(t, e))?;
    let today = today_mx();
    let rows = leases
        .iter()
        .map(|ls| {
            let f = figures(ls, today);
            LeaseLine {
                id: ls.lease.id,
                asset: ls.lease.asset.description.clone(),
                lessee: names.get(&ls.lease.lessee).cloned().unwrap_or_default(),
                status: status_words(t, ls, &f),
                late: f.days_late > 0,
                cost: t.money(ls.lease.asset.cost_minor as i128),
                outstanding: t.money(f.outstanding_minor as i128),
            }
        })
        .collect();
    let v = &session.viewer;
    Ok(render(LeasesPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        rows,
        staff: v.may(org.id, Action::ManageMembers),
        may_export: v.may(org.id, Action::ViewMembers),
    }))
}

/// `/odf/{slug}/arrendamientos.csv`: the list as a spreadsheet (staff, board, supervisors).
pub async fn leases_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let leases = visible_leases(&state, &ctx, &org, &session).await?;
    let names = member_names(
        &state,
        &org,
        &leases.iter().map(|l| l.lease.lessee).collect::<Vec<_>>(),
    )
    .await
    .map_err(|e| PageError::from_app(t, e))?;
    let today = today_mx();
    let mut out = csv_line(&[
        "lease".into(),
        "asset".into(),
        "lessee".into(),
        "status".into(),
        "cost".into(),
        "scheduled".into(),
        "paid".into(),
        "outstanding".into(),
        "days_late".into(),
        "purchase_price".into(),
    ]);
    for ls in &leases {
        let f = figures(ls, today);
        out.push_str(&csv_line(&[
            ls.lease.id.to_string(),
            ls.lease.asset.description.clone(),
            names.get(&ls.lease.lessee).cloned().unwrap_or_default(),
            status_key(ls.lease.status).into(),
            csv_pesos(ls.lease.asset.cost_minor as i128),
            csv_pesos(f.scheduled_minor as i128),
            csv_pesos(f.paid_minor as i128),
            csv_pesos(f.outstanding_minor as i128),
            f.days_late.to_string(),
            csv_pesos(ls.lease.purchase_price_minor as i128),
        ]));
    }
    Ok(csv_response(
        &format!("arrendamientos-{}-{today}.csv", org.data.slug),
        out,
    ))
}

// ---------------------------------------------------------------- starting a lease

#[derive(Deserialize, Default, Clone)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    socio: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    cost: String,
    #[serde(default)]
    installments: String,
    #[serde(default)]
    start: String,
}

pub struct DecisionOption {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "credit_lease_new.html")]
struct StartPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    form: StartForm,
    decisions: Vec<DecisionOption>,
    /// The member box's text as shown again (a name or number, `shell::member_pick`).
    socio: String,
    rate: String,
    /// The subject of the board's proposal for the next lease (`lease:{n}`).
    next_subject: String,
    error: Option<String>,
    error_field: &'static str,
}

/// The lease a decision is about: `lease:{n}` gives `n`.
pub(crate) fn lease_of_subject(subject: &str) -> Option<i64> {
    subject.strip_prefix("lease:")?.trim().parse().ok()
}

/// R-GOV-2: the board's approved decisions about a lease not started yet, newest first, with
/// the lease each is about.
pub(crate) async fn open_lease_decisions(
    state: &AppState,
    org: &Org,
) -> Result<Vec<(i64, i64, i64)>, AppError> {
    let book = state.app.credit_book(org.id).await?;
    Ok(state
        .app
        .fund_decisions(org.id, ProposalKind::Lease)
        .await?
        .into_iter()
        .filter_map(|d| {
            let lease = lease_of_subject(&d.subject)?;
            (!book.leases.contains_key(&lease)).then_some((d.proposal_id, lease, d.amount_minor))
        })
        .collect())
}

/// The line that finances leases (the first, as the CLI's default) and its rate in percent.
pub(crate) async fn lease_line(
    state: &AppState,
    org: &Org,
) -> Result<Option<(i64, String)>, AppError> {
    let book = state.app.credit_book(org.id).await?;
    Ok(book.lines.values().next().map(|l| {
        (
            l.line.id,
            (l.line.rate.annual() * rust_decimal::Decimal::from(100))
                .normalize()
                .to_string(),
        )
    }))
}

async fn start_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    form: StartForm,
    status: StatusCode,
    error: Option<(&'static str, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let fail = |e| PageError::from_app(t, e);
    let mut form = form;
    if form.start.is_empty() {
        form.start = today_mx().to_string();
    }
    if form.installments.is_empty() {
        form.installments = "12".into();
    }
    let chosen: Option<i64> = form.decision.trim().parse().ok();
    let open = open_lease_decisions(state, &org).await.map_err(fail)?;
    let book = state.app.credit_book(org.id).await.map_err(fail)?;
    // The next lease number: after every lease started and every one the board approved.
    let next = book
        .leases
        .keys()
        .copied()
        .chain(open.iter().map(|d| d.1))
        .max()
        .unwrap_or(0)
        + 1;
    let decisions = open
        .into_iter()
        .map(|(id, lease, amount)| DecisionOption {
            id,
            label: t.fmt_all(
                "credit.lease.decision",
                &[
                    &id.to_string(),
                    &lease.to_string(),
                    &t.money(amount as i128),
                ],
            ),
            selected: chosen == Some(id),
        })
        .collect();
    let socio = member_pick::shown(state, org.id, &form.socio).await;
    let rate = lease_line(state, &org)
        .await
        .map_err(fail)?
        .map(|(_, r)| r)
        .unwrap_or_default();
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => ("", None),
    };
    Ok((
        status,
        render(StartPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            csrf: session.csrf.clone(),
            form,
            decisions,
            socio,
            rate,
            next_subject: format!("lease:{next}"),
            error,
            error_field,
        }),
    )
        .into_response())
}

/// `/odf/{slug}/arrendamientos/nuevo`: staff.
pub async fn start_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    start_response(
        &state,
        &ctx,
        &slug,
        StartForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

/// A refused lease operation: the form field it names and the catalogue's message.
fn refusal(t: Tr, e: &AppError) -> (&'static str, &'static str) {
    let field = e.field().unwrap_or("");
    let rule = e.rule_id().unwrap_or("");
    match (rule, field) {
        (_, "decision") | (_, "decision_id") => ("decision", t.get("credit.lease.err.decision")),
        (_, "lessee") | (_, "to_member") | (_, "member_id") => {
            ("socio", t.get("credit.err.member"))
        }
        (_, "asset_description") => ("asset", t.get("credit.lease.err.asset")),
        ("R-CRED-1", _) | ("R-CRED-2", _) => ("cost", t.get("credit.err.line_available")),
        (_, "terms.principal_minor") | (_, "amount") => ("cost", t.get("credit.err.amount")),
        (_, "installments") => ("installments", t.get("error.field.installments")),
        (_, "start") | (_, "disbursement_date") | (_, "first_due_date") => {
            ("start", t.get("credit.err.start"))
        }
        (_, "on") | (_, "date") => ("fecha", t.get("fecha.err.future")),
        (_, "amount_minor") => ("importe", t.get("credit.lease.err.amount")),
        (_, "reference") | (_, "token") => ("importe", t.get("credit.err.reference")),
        (_, "lease_id") => ("importe", t.get("credit.lease.err.state")),
        _ => ("importe", t.get("credit.err.generic")),
    }
}

/// Staff start the lease the chosen decision is about (R-LEASE-1, R-GOV-2): the ODF buys the
/// asset with a draw on the line and the rent schedule runs at the line's rate. The decision
/// names the lease, so the same form twice starts it once.
pub async fn start_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<StartForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let refused = |f: &'static str, m: &str| Some((f, m.to_string()));
    let fail = |e| PageError::from_app(t, e);
    let decisions = open_lease_decisions(&state, &org).await.map_err(fail)?;
    let chosen = form.decision.trim().parse::<i64>().ok();
    // A decision already used answers with the lease it started (the same form sent again).
    let book = state.app.credit_book(org.id).await.map_err(fail)?;
    if let Some(ls) = chosen.and_then(|d| {
        book.leases.values().find(|l| {
            l.lease
                .history
                .iter()
                .any(|e| matches!(e.kind, LeaseEventKind::Started { decision_id, .. } if decision_id == d))
        })
    }) {
        return Ok(Redirect::to(&format!(
            "/odf/{}/arrendamientos/{}",
            org.data.slug, ls.lease.id
        ))
        .into_response());
    }
    let Some(&(decision_id, lease_id, _)) = decisions.iter().find(|d| Some(d.0) == chosen) else {
        let e = refused("decision", t.get("credit.lease.err.decision"));
        return start_response(&state, &ctx, &slug, form, status, e).await;
    };
    // A member typed by name or number (issue 18), refused naming the field.
    let member = match member_pick::resolve(&state, t, org.id, &form.socio).await? {
        Ok(id) => id,
        Err(u) => {
            let e = Some(("socio", u.message(t, t.get("credit.lease.f.member"))));
            return start_response(&state, &ctx, &slug, form, status, e).await;
        }
    };
    let cost = match crate::shell::format::typed_amount_minor(t, &form.cost, false) {
        Ok(v) => v,
        Err(m) => {
            let e = refused("cost", m);
            return start_response(&state, &ctx, &slug, form, status, e).await;
        }
    };
    let Some((line_id, rate)) = lease_line(&state, &org).await.map_err(fail)? else {
        let e = refused("cost", t.get("credit.err.no_line"));
        return start_response(&state, &ctx, &slug, form, status, e).await;
    };
    let quote = QuoteForm::new(
        &ledger::Money::new(cost, org.data.currency).to_major_string(),
        &rate,
        &form.installments,
        &form.start,
    );
    let terms = match app::credit_cases::parse_quote_form(&quote) {
        Ok(v) => v,
        Err(e) => {
            let (f, m) = refusal(t, &e.into());
            let e = refused(f, m);
            return start_response(&state, &ctx, &slug, form, status, e).await;
        }
    };
    match state
        .app
        .start_lease(
            org.id,
            &actor(&ctx, &session),
            StartLeaseCmd {
                lease_id,
                line_id,
                asset_description: form.asset.clone(),
                lessee: member,
                terms,
                purchase_price_minor: None,
                default_after_days: None,
            },
            decision_id,
        )
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/odf/{}/arrendamientos/{lease_id}", org.data.slug))
                .into_response(),
        ),
        Err(e) if !e.is_caller_error() => Err(fail(e)),
        Err(e) => {
            let (f, m) = refusal(t, &e);
            let e = refused(f, m);
            start_response(&state, &ctx, &slug, form, status, e).await
        }
    }
}

// ---------------------------------------------------------------- the lease page

pub struct RowLine {
    pub number: u32,
    pub date: String,
    pub rent: String,
    pub paid: String,
    pub outstanding: String,
    pub settled: String,
    pub late: bool,
}

pub struct RentLine {
    pub date: String,
    pub payer: String,
    pub amount: String,
    pub principal: String,
    pub interest: String,
    pub receipt: String,
}

#[derive(Template)]
#[template(path = "credit_lease.html")]
struct LeasePage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    id: i64,
    asset: String,
    lessee: String,
    owner: String,
    status: String,
    stage: &'static str,
    late: bool,
    days_late: u32,
    cost: String,
    scheduled: String,
    paid: String,
    outstanding: String,
    due_now: String,
    price: String,
    buy_help: String,
    purchase: Option<String>,
    in_default: bool,
    rows: Vec<RowLine>,
    rents: Vec<RentLine>,
    history: Vec<(String, String)>,
    may_pay: bool,
    may_buy: bool,
    may_transfer: bool,
    /// The transfer form's member box as shown again (`shell::member_pick`).
    socio: String,
    transfer_decisions: Vec<DecisionOption>,
    token: String,
    form: LeaseForm,
    error: Option<String>,
    error_field: &'static str,
    /// Which form the error is about: `rent`, `buy` or `transfer`.
    error_form: &'static str,
}

/// The lease page's forms (rent, purchase, transfer) share their fields.
#[derive(Deserialize, Default, Clone)]
pub struct LeaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    importe: String,
    #[serde(default)]
    fecha: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    socio: String,
    #[serde(default)]
    decision: String,
}

/// One event of a lease's history in words, with names.
fn history_words(t: Tr, kind: &LeaseEventKind, names: &HashMap<i64, String>) -> String {
    let name = |id: &i64| names.get(id).cloned().unwrap_or_default();
    match kind {
        LeaseEventKind::Started {
            lessee,
            decision_id,
        } => t.fmt_all(
            "credit.lease.h.started",
            &[&name(lessee), &decision_id.to_string()],
        ),
        LeaseEventKind::Imported { lessee, as_of } => {
            t.fmt_all("credit.lease.h.imported", &[&name(lessee), &t.date(as_of)])
        }
        LeaseEventKind::RentPaid { amount_minor, .. } => {
            t.fmt("credit.lease.h.rent", &t.money(*amount_minor as i128))
        }
        LeaseEventKind::Transferred {
            from, to, reason, ..
        } => {
            let why = match reason {
                TransferReason::Default { days_past_due } => {
                    t.fmt("credit.lease.h.default", &days_past_due.to_string())
                }
                TransferReason::Board { decision_id } => {
                    t.fmt("credit.lease.h.board", &decision_id.to_string())
                }
            };
            t.fmt_all(
                "credit.lease.h.transferred",
                &[&name(from), &name(to), &why],
            )
        }
        LeaseEventKind::AllRentPaid => t.get("credit.lease.h.all_paid").to_string(),
        LeaseEventKind::Purchased { by, price_minor } => t.fmt_all(
            "credit.lease.h.purchased",
            &[&name(by), &t.money(*price_minor as i128)],
        ),
    }
}

/// Every member a lease's history names.
fn people(ls: &LeaseState) -> Vec<i64> {
    let mut ids = vec![ls.lease.lessee];
    for e in &ls.lease.history {
        match &e.kind {
            LeaseEventKind::Started { lessee, .. } | LeaseEventKind::Imported { lessee, .. } => {
                ids.push(*lessee)
            }
            LeaseEventKind::Transferred { from, to, .. } => ids.extend([*from, *to]),
            LeaseEventKind::Purchased { by, .. } => ids.push(*by),
            _ => {}
        }
    }
    ids.extend(ls.lease.payments.iter().map(|p| p.0));
    ids
}

/// R-LEASE-2: the board's approved decisions about passing this lease to another member.
async fn transfer_decisions(
    state: &AppState,
    org: &Org,
    lease_id: i64,
) -> Result<Vec<(i64, String)>, AppError> {
    let subject = format!("lease-transfer:{lease_id}");
    Ok(state
        .app
        .fund_decisions(org.id, ProposalKind::Lease)
        .await?
        .into_iter()
        .filter(|d| d.subject == subject)
        .map(|d| (d.proposal_id, d.purpose))
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn lease_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    lease_id: i64,
    form: LeaseForm,
    status: StatusCode,
    error: Option<(&'static str, String)>,
    error_form: &'static str,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let ls = load(state, ctx, &org, &session, lease_id).await?;
    let fail = |e| PageError::from_app(t, e);
    let staff = session.viewer.may(org.id, Action::ManageMembers);
    let today = today_mx();
    let f = figures(&ls, today);
    let names = member_names(state, &org, &people(&ls))
        .await
        .map_err(fail)?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let l = &ls.lease;
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => ("", None),
    };
    let keep = error.is_some();
    let active = l.status == LeaseStatus::Active;
    let chosen = form.decision.trim().parse::<i64>().ok();
    let (socio, transfer_decisions) = if staff && active {
        (
            member_pick::shown(state, org.id, &form.socio).await,
            transfer_decisions(state, &org, l.id)
                .await
                .map_err(fail)?
                .into_iter()
                .map(|(id, purpose)| DecisionOption {
                    id,
                    label: t.fmt_all(
                        "credit.lease.transfer_decision",
                        &[&id.to_string(), &purpose],
                    ),
                    selected: chosen == Some(id),
                })
                .collect(),
        )
    } else {
        (String::new(), Vec::new())
    };
    let page = LeasePage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        id: l.id,
        asset: l.asset.description.clone(),
        lessee: name(l.lessee),
        owner: match l.owner {
            credit::lease::AssetOwner::Odf => t.get("credit.lease.owner_odf").to_string(),
            credit::lease::AssetOwner::Member(m) => name(m),
        },
        status: status_words(t, &ls, &f),
        stage: status_key(l.status),
        late: f.days_late > 0,
        days_late: f.days_late,
        cost: t.money(l.asset.cost_minor as i128),
        scheduled: t.money(f.scheduled_minor as i128),
        paid: t.money(f.paid_minor as i128),
        outstanding: t.money(f.outstanding_minor as i128),
        due_now: t.money(f.due_now_minor as i128),
        price: t.money(l.purchase_price_minor as i128),
        buy_help: t.fmt_all(
            "credit.lease.buy.help",
            &[&name(l.lessee), &t.money(l.purchase_price_minor as i128)],
        ),
        purchase: l.purchase().map(|p| {
            t.fmt_all(
                "credit.lease.bought",
                &[&name(p.by), &t.date(&p.on), &t.money(p.price_minor as i128)],
            )
        }),
        in_default: f.in_default,
        rows: l
            .book
            .rows
            .iter()
            .map(|r| RowLine {
                number: r.number,
                date: t.date(&r.due_date),
                rent: t.money(r.due.total() as i128),
                paid: t.money(r.paid.total() as i128),
                outstanding: t.money(r.outstanding().total() as i128),
                settled: r.settled_on.map(|d| t.date(&d)).unwrap_or_default(),
                late: active && !r.is_settled() && r.due_date < today,
            })
            .collect(),
        rents: f
            .rents
            .iter()
            .map(|r| RentLine {
                date: t.date(&r.on),
                payer: name(r.lessee),
                amount: t.money(r.amount_minor as i128),
                principal: t.money(r.principal_minor as i128),
                interest: t.money(r.interest_minor as i128),
                receipt: format!(
                    "/odf/{}/arrendamientos/{}/recibos/{}",
                    org.data.slug, l.id, r.reference
                ),
            })
            .collect(),
        history: l
            .history
            .iter()
            .map(|e| (t.date(&e.date), history_words(t, &e.kind, &names)))
            .collect(),
        may_pay: staff && active,
        may_buy: staff && l.status == LeaseStatus::RentPaid,
        may_transfer: staff && active,
        socio,
        transfer_decisions,
        token: if keep && !form.token.is_empty() {
            form.token.clone()
        } else {
            random_token()
        },
        form: if keep { form } else { LeaseForm::default() },
        error,
        error_field,
        error_form,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/arrendamientos/{id}`: the lessee, staff, board and supervisors.
pub async fn lease_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, lease_id)): Path<(String, i64)>,
) -> PageResult {
    lease_response(
        &state,
        &ctx,
        &slug,
        lease_id,
        LeaseForm::default(),
        StatusCode::OK,
        None,
        "",
    )
    .await
}

/// The form's date (empty: today), not in the future nor before the ODF.
fn form_date(t: Tr, org: &Org, text: &str) -> Result<NaiveDate, (&'static str, String)> {
    fact_date_field(t, text, org.data.founded_on)
        .map(|w| w.on)
        .map_err(|m| ("fecha", m.to_string()))
}

fn form_token(form: &LeaseForm) -> String {
    if form.token.trim().is_empty() {
        random_token()
    } else {
        form.token.trim().to_string()
    }
}

/// Staff record a rent received (R-LEASE-1: oldest rows first); on to its receipt. The form's
/// key is the payment's reference: sent twice, recorded once.
pub async fn rent_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, lease_id)): Path<(String, i64)>,
    Form(form): Form<LeaseForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    load(&state, &ctx, &org, &session, lease_id).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back =
        |form, e| lease_response(&state, &ctx, &slug, lease_id, form, status, Some(e), "rent");
    let amount = match crate::shell::format::typed_amount_minor(t, &form.importe, false) {
        Ok(v) => v,
        Err(m) => return back(form, ("importe", m.to_string())).await,
    };
    let on = match form_date(t, &org, &form.fecha) {
        Ok(d) => d,
        Err(e) => return back(form, e).await,
    };
    let reference = form_token(&form);
    match state
        .app
        .pay_rent(
            org.id,
            &actor(&ctx, &session),
            lease_id,
            amount,
            on,
            &reference,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/odf/{}/arrendamientos/{lease_id}/recibos/{reference}",
            org.data.slug
        ))
        .into_response()),
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = refusal(t, &e);
            back(form, (f, m.to_string())).await
        }
    }
}

/// Staff record the lessee's payment of the purchase price (R-LEASE-1): the asset becomes
/// theirs. The form's key is the payment's reference: sent twice, bought once.
pub async fn buy_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, lease_id)): Path<(String, i64)>,
    Form(form): Form<LeaseForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    load(&state, &ctx, &org, &session, lease_id).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back =
        |form, e| lease_response(&state, &ctx, &slug, lease_id, form, status, Some(e), "buy");
    let on = match form_date(t, &org, &form.fecha) {
        Ok(d) => d,
        Err(e) => return back(form, e).await,
    };
    let cmd = LeasePurchaseCmd {
        lease_id,
        member_id: None,
        on,
        reference: form_token(&form),
    };
    match state
        .app
        .exercise_lease_purchase(org.id, &actor(&ctx, &session), cmd, today_mx())
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/odf/{}/arrendamientos/{lease_id}", org.data.slug))
                .into_response(),
        ),
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = match refusal(t, &e) {
                ("importe", m) => ("fecha", m),
                other => other,
            };
            back(form, (f, m.to_string())).await
        }
    }
}

/// Staff pass the lease to another active member (R-LEASE-2): with the board's decision about
/// `lease-transfer:{id}`, or without one when the lessee is in default.
pub async fn transfer_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, lease_id)): Path<(String, i64)>,
    Form(form): Form<LeaseForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    let lessee = load(&state, &ctx, &org, &session, lease_id)
        .await?
        .lease
        .lessee;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back = |form, e| {
        lease_response(
            &state,
            &ctx,
            &slug,
            lease_id,
            form,
            status,
            Some(e),
            "transfer",
        )
    };
    // A member typed by name or number (issue 18), never the lessee themself.
    let to = match member_pick::resolve(&state, t, org.id, &form.socio).await? {
        Ok(id) if id != lessee => id,
        Ok(_) => return back(form, ("socio", t.get("credit.err.member").to_string())).await,
        Err(u) => {
            let m = u.message(t, t.get("credit.lease.f.to"));
            return back(form, ("socio", m)).await;
        }
    };
    let decision = match form.decision.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                return back(
                    form,
                    ("decision", t.get("credit.lease.err.decision").into()),
                )
                .await
            }
        },
    };
    let on = match form_date(t, &org, &form.fecha) {
        Ok(d) => d,
        Err(e) => return back(form, e).await,
    };
    match state
        .app
        .transfer_lease(org.id, &actor(&ctx, &session), lease_id, to, on, decision)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/odf/{}/arrendamientos/{lease_id}", org.data.slug))
                .into_response(),
        ),
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = match refusal(t, &e) {
                ("importe", _) if e.rule_id() == Some("R-LEASE-2") => {
                    ("decision", t.get("credit.lease.err.not_default"))
                }
                other => other,
            };
            back(form, (f, m.to_string())).await
        }
    }
}

/// `/odf/{slug}/arrendamientos/{id}/rentas.csv`: the rent schedule as it stands.
pub async fn rents_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, lease_id)): Path<(String, i64)>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let ls = load(&state, &ctx, &org, &session, lease_id).await?;
    let mut out = csv_line(&[
        "number".into(),
        "due_date".into(),
        "rent".into(),
        "paid".into(),
        "outstanding".into(),
        "settled_on".into(),
    ]);
    for r in &ls.lease.book.rows {
        out.push_str(&csv_line(&[
            r.number.to_string(),
            r.due_date.to_string(),
            csv_pesos(r.due.total() as i128),
            csv_pesos(r.paid.total() as i128),
            csv_pesos(r.outstanding().total() as i128),
            r.settled_on.map(|d| d.to_string()).unwrap_or_default(),
        ]));
    }
    Ok(csv_response(
        &format!("arrendamiento-{}-{lease_id}.csv", org.data.slug),
        out,
    ))
}

// ---------------------------------------------------------------- the receipt

#[derive(Template)]
#[template(path = "credit_lease_receipt.html")]
struct ReceiptPage {
    t: Tr,
    nav: Nav,
    org_name: String,
    number: String,
    lease_id: i64,
    asset: String,
    payer: String,
    amount: String,
    principal: String,
    interest: String,
    on: String,
    remaining: String,
    back: String,
}

/// A rent's receipt: what it paid of interest and of the asset's cost and what rent remains.
pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, lease_id, reference)): Path<(String, i64, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let ls = load(&state, &ctx, &org, &session, lease_id).await?;
    let f = figures(&ls, today_mx());
    let Some(index) = f.rents.iter().position(|r| r.reference == reference) else {
        return Err(PageError::NotFound(t));
    };
    let r = &f.rents[index];
    // The rent left after this payment: every rent scheduled less this and the earlier ones.
    let paid: i64 = f.rents[..=index].iter().map(|r| r.amount_minor).sum();
    let names = member_names(&state, &org, &[r.lessee])
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    Ok(render(ReceiptPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        org_name: org.data.name.clone(),
        number: format!("A-{:04}-{:03}", lease_id, index + 1),
        lease_id,
        asset: ls.lease.asset.description.clone(),
        payer: names.get(&r.lessee).cloned().unwrap_or_default(),
        amount: t.money(r.amount_minor as i128),
        principal: t.money(r.principal_minor as i128),
        interest: t.money(r.interest_minor as i128),
        on: t.date(&r.on),
        remaining: t.money((f.scheduled_minor - paid).max(0) as i128),
        back: format!("/odf/{}/arrendamientos/{lease_id}", org.data.slug),
    }))
}

#[cfg(test)]
mod tests {
    use super::lease_of_subject;

    #[test]
    fn a_lease_decisions_subject_names_its_lease() {
        assert_eq!(lease_of_subject("lease:7"), Some(7));
        assert_eq!(lease_of_subject("lease-transfer:7"), None);
        assert_eq!(lease_of_subject("loan:7"), None);
    }
}
