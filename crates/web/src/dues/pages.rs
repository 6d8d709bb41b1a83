//! Dues (R-ORG-6) and the collection sheet (*hoja de cobranza*, issue 17): the pages, the API
//! routes and their templates (`templates/dues_*.html`), over `app::dues_cases`.
//!
//! - `/odf/{slug}/cuotas`: the dues in force, arrears per member with the ODF's total; staff
//!   charge a period and record a payment, which leads to its printable receipt
//!   (`/odf/{slug}/cuotas/recibos/{reference}`, also for the member who paid).
//! - `/odf/{slug}/cobranza?fecha=&municipio=`: the sheet of a meeting. On screen one card per
//!   member with what they owe and three amounts to fill in; on paper a table with blank columns
//!   to fill by hand. The form is saved all or nothing under its token (sent twice, recorded
//!   once); a bad amount names the member and the field and nothing is saved.
//! - API: `GET /orgs/{slug}/dues`, `POST /orgs/{slug}/dues/charges`, `POST
//!   /orgs/{slug}/dues/payments`, `GET /orgs/{slug}/dues/receipts/{reference}`, `GET
//!   /orgs/{slug}/dues/sheet`, `POST /orgs/{slug}/dues/collections`.
//!
//! Reading is for staff, the board and supervisors (`ViewMembers`); a receipt also for its
//! member (`ViewMember`); every write is staff's (`ManageMembers`).

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

use crate::shell::{
    check, check_csrf, fact_date_field, random_token, render, today_mx, visible_org, Ctx, Nav,
    PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{Action, Session};
use app::dues_cases::{
    parse_line_field, CollectionField, CollectionLine, CollectionOutcome, CollectionSheet,
    DuesReceipt,
};
use app::{Actor, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::NaiveDate;
use serde::Deserialize;
use store::Org;

pub(super) fn actor(ctx: &Ctx, session: &Session) -> Actor {
    Actor::new(session.viewer.login.clone(), ctx.origin.clone())
}

pub(super) fn money(t: Tr, minor: i64) -> String {
    t.money(minor as i128)
}

/// `YYYY-MM` as people say it (`marzo 2026`); the text itself when it is not a month.
pub(super) fn month_label(t: Tr, key: &str) -> String {
    fund::Period::parse(key, fund::PeriodSettings::default())
        .map(|p| t.period(&p))
        .unwrap_or_else(|_| key.to_string())
}

// ---------------------------------------------------------------- the dues page

pub struct ArrearsLine {
    pub name: String,
    pub amount: String,
    pub left: bool,
}

pub struct PayeeOption {
    pub id: i64,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "dues_overview.html")]
struct DuesPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_write: bool,
    dues: String,
    dues_label: String,
    total: String,
    in_arrears: usize,
    rows: Vec<ArrearsLine>,
    payees: Vec<PayeeOption>,
    period: String,
    amount: String,
    fecha: String,
    token: String,
    message: Option<String>,
    error: Option<String>,
    error_field: &'static str,
}

#[derive(Deserialize, Default, Clone)]
pub struct ChargeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    periodo: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct PayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    socio: String,
    #[serde(default)]
    importe: String,
    #[serde(default)]
    fecha: String,
    #[serde(default)]
    token: String,
}

#[derive(Deserialize, Default)]
pub struct DuesQuery {
    socio: Option<i64>,
}

/// What the dues page shows around its forms.
#[derive(Default)]
struct DuesView {
    status: Option<StatusCode>,
    pay: PayForm,
    period: String,
    message: Option<String>,
    error: Option<String>,
    error_field: &'static str,
}

async fn dues_response(state: &AppState, ctx: &Ctx, slug: &str, view: DuesView) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let today = today_mx();
    let arrears = state
        .app
        .dues_arrears(org.id, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let chosen: Option<i64> = view.pay.socio.trim().parse().ok();
    let payees = arrears
        .rows
        .iter()
        .filter(|r| r.arrears_minor > 0)
        .map(|r| PayeeOption {
            id: r.member_id,
            label: format!("{} · {}", r.name, money(t, r.arrears_minor)),
            selected: chosen == Some(r.member_id),
        })
        .collect();
    let rows = arrears
        .rows
        .iter()
        .map(|r| ArrearsLine {
            name: r.name.clone(),
            amount: money(t, r.arrears_minor),
            left: !r.active,
        })
        .collect();
    let period = if view.period.is_empty() {
        today.format("%Y-%m").to_string()
    } else {
        view.period.clone()
    };
    let token = if view.pay.token.is_empty() || view.error.is_none() {
        random_token()
    } else {
        view.pay.token.clone()
    };
    let page = DuesPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_write: session.viewer.may(org.id, Action::ManageMembers),
        dues: money(t, arrears.amount_minor),
        dues_label: if arrears.period_months <= 1 {
            t.get("dues.in_force_month").to_string()
        } else {
            t.fmt("dues.in_force_months", &arrears.period_months.to_string())
        },
        total: money(t, arrears.total_minor),
        in_arrears: arrears.members_in_arrears,
        rows,
        payees,
        period,
        amount: if view.error.is_some() {
            view.pay.importe.clone()
        } else {
            String::new()
        },
        fecha: view.pay.fecha.clone(),
        token,
        message: view.message,
        error: view.error,
        error_field: view.error_field,
    };
    Ok((view.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn dues_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<DuesQuery>,
) -> PageResult {
    let pay = PayForm {
        socio: q.socio.map(|id| id.to_string()).unwrap_or_default(),
        ..PayForm::default()
    };
    dues_response(
        &state,
        &ctx,
        &slug,
        DuesView {
            pay,
            ..DuesView::default()
        },
    )
    .await
}

/// The catalogue's message for a refused dues period or payment.
fn dues_refusal(t: Tr, e: &AppError) -> Option<(&'static str, String)> {
    if !e.is_caller_error() {
        return None;
    }
    let field = e.field().unwrap_or("");
    let message = e.to_string();
    let key = match field {
        "period" if message.contains("aún no empieza") => "dues.err.period_future",
        "period" if message.contains("fundación") => "dues.err.period_before_org",
        "period" if message.contains("no hay cuota") => "dues.err.no_dues",
        "period" => "dues.err.period",
        "amount" if message.contains("debe") => "dues.err.more_than_owed",
        "amount" => "dues.err.amount",
        "on" => "fecha.err.future",
        _ => "dues.err.generic",
    };
    let f = match field {
        "period" => "periodo",
        "amount" => "importe",
        "on" => "fecha",
        _ => "socio",
    };
    Some((f, t.get(key).to_string()))
}

/// The label of a field of the dues forms, as the page shows it.
fn form_label(t: Tr, field: &str) -> &'static str {
    match field {
        "periodo" => t.get("dues.f.period"),
        "importe" => t.get("dues.f.amount"),
        "fecha" => t.get("dues.f.date"),
        _ => t.get("dues.f.member"),
    }
}

pub async fn charge_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<ChargeForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let mut view = DuesView {
        period: form.periodo.trim().to_string(),
        ..DuesView::default()
    };
    match state
        .app
        .charge_dues_period(org.id, &form.periodo, today_mx(), &actor(&ctx, &session))
        .await
    {
        Ok(c) => {
            let label = month_label(t, &c.period);
            view.message = Some(if c.created {
                view.status = Some(StatusCode::CREATED);
                t.fmt_all(
                    "dues.charged",
                    &[
                        &label,
                        &money(t, c.amount_minor),
                        &c.members.to_string(),
                        &money(t, c.total_minor),
                    ],
                )
            } else {
                t.fmt("dues.charged_before", &label)
            });
        }
        Err(e) => match dues_refusal(t, &e) {
            Some((field, m)) => {
                view.status = Some(StatusCode::UNPROCESSABLE_ENTITY);
                view.error = Some(format!("{}: {m}", form_label(t, field)));
                view.error_field = field;
            }
            None => return Err(PageError::from_app(t, e)),
        },
    }
    dues_response(&state, &ctx, &slug, view).await
}

pub async fn pay_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<PayForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let refuse = |field: &'static str, message: String| DuesView {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        pay: form.clone(),
        error: Some(format!("{}: {message}", form_label(t, field))),
        error_field: field,
        ..DuesView::default()
    };
    let Ok(member_id) = form.socio.trim().parse::<i64>() else {
        let view = refuse("socio", t.get("dues.err.member").to_string());
        return dues_response(&state, &ctx, &slug, view).await;
    };
    let amount = match crate::shell::format::typed_amount_minor(t, &form.importe, false) {
        Ok(v) => v,
        Err(m) => return dues_response(&state, &ctx, &slug, refuse("importe", m.into())).await,
    };
    let when = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w,
        Err(m) => return dues_response(&state, &ctx, &slug, refuse("fecha", m.into())).await,
    };
    let reference = if form.token.trim().is_empty() {
        random_token()
    } else {
        form.token.trim().to_string()
    };
    match state
        .app
        .record_dues_payment(
            org.id,
            member_id,
            amount,
            when,
            &reference,
            &actor(&ctx, &session),
        )
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!(
            "/odf/{}/cuotas/recibos/{}",
            org.data.slug, r.reference
        ))
        .into_response()),
        Err(AppError::Store(store::StoreError::NotFound { .. })) => {
            let view = refuse("socio", t.get("dues.err.member").to_string());
            dues_response(&state, &ctx, &slug, view).await
        }
        Err(e) => match dues_refusal(t, &e) {
            Some((field, m)) => dues_response(&state, &ctx, &slug, refuse(field, m)).await,
            None => Err(PageError::from_app(t, e)),
        },
    }
}

// ---------------------------------------------------------------- the receipt

#[derive(Template)]
#[template(path = "dues_receipt.html")]
struct ReceiptPage {
    t: Tr,
    nav: Nav,
    org_name: String,
    number: String,
    member: String,
    amount: String,
    on: String,
    recorded: String,
    remaining: String,
    back: String,
}

pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, reference)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let receipt = match state.app.dues_receipt(org.id, &reference).await {
        Ok(r) => r,
        Err(e) if e.is_caller_error() => return Err(PageError::NotFound(t)),
        Err(e) => return Err(PageError::from_app(t, e)),
    };
    // The member who paid sees their receipt; another member gets the 404 of a missing one.
    check(
        &ctx,
        &session.viewer,
        org.id,
        Action::ViewMember(receipt.member_id),
    )?;
    let back = if session.viewer.may(org.id, Action::ViewMembers) {
        format!("/odf/{}/cuotas", org.data.slug)
    } else {
        format!("/odf/{}/mi-estado", org.data.slug)
    };
    let page = ReceiptPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        org_name: org.data.name.clone(),
        number: receipt_number(&receipt),
        member: receipt.member_name.clone(),
        amount: money(t, receipt.amount_minor),
        on: t.date(&receipt.on),
        recorded: crate::shell::local_time(receipt.recorded_at),
        remaining: money(t, receipt.arrears_after_minor),
        back,
    };
    Ok(render(page))
}

/// A receipt's number as printed: `C-000123`.
pub(super) fn receipt_number(r: &DuesReceipt) -> String {
    format!("C-{:06}", r.number)
}

// ---------------------------------------------------------------- the collection sheet

pub struct SheetCard {
    pub id: i64,
    pub name: String,
    pub dues: String,
    pub loan: String,
    pub trust: Option<String>,
    pub fund: String,
    pub total: String,
    pub missing: String,
    pub owes_nothing: bool,
    /// What was typed (kept when the form is refused).
    pub typed: [String; 3],
    /// Which of the three fields is wrong.
    pub bad: [bool; 3],
}

pub struct MunicipalityOption {
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "dues_sheet.html")]
struct SheetPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    org_name: String,
    may_collect: bool,
    fecha: String,
    day: String,
    municipio: String,
    municipalities: Vec<MunicipalityOption>,
    cards: Vec<SheetCard>,
    dues: String,
    loans: String,
    trust: String,
    fund: String,
    total: String,
    missing: usize,
    /// Issue 17: the page shown (from 1), how many, which members it holds and its totals.
    pagina: usize,
    pages: usize,
    page_summary: String,
    page_totals: SheetPageTotals,
    prev: Option<usize>,
    next: Option<usize>,
    token: String,
    message: Option<String>,
    errors: Vec<SheetError>,
}

/// What one page of the sheet adds up to (when the sheet has more than one page).
pub struct SheetPageTotals {
    pub dues: String,
    pub loans: String,
    pub fund: String,
    pub total: String,
    pub missing: usize,
}

/// Members on a page of the collection sheet: a page stays well under 100 KB (issue 17) and
/// is saved all or nothing.
pub const SHEET_PAGE: usize = 50;

/// A refusal of the collection form: its text, and the card of the member it names (`m{id}`).
pub struct SheetError {
    pub text: String,
    pub anchor: String,
}

impl SheetError {
    fn general(text: impl Into<String>) -> Self {
        SheetError {
            text: text.into(),
            anchor: String::new(),
        }
    }

    fn of_member(id: i64, text: String) -> Self {
        SheetError {
            text,
            anchor: format!("m{id}"),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    fecha: String,
    #[serde(default)]
    municipio: String,
    /// The page (from 1) of [`SHEET_PAGE`] members; past the last, the last.
    #[serde(default)]
    pagina: Option<usize>,
}

/// What the sheet page shows around its cards.
#[derive(Default)]
struct SheetView {
    status: Option<StatusCode>,
    /// Amounts typed per member id, kept when the form is refused.
    typed: std::collections::HashMap<i64, [String; 3]>,
    bad: std::collections::HashMap<i64, [bool; 3]>,
    token: Option<String>,
    message: Option<String>,
    errors: Vec<SheetError>,
}

fn field_index(f: CollectionField) -> usize {
    match f {
        CollectionField::Dues => 0,
        CollectionField::Loan => 1,
        CollectionField::Fund => 2,
    }
}

fn field_label(t: Tr, f: CollectionField) -> &'static str {
    match f {
        CollectionField::Dues => t.get("sheet.f.dues"),
        CollectionField::Loan => t.get("sheet.f.loan"),
        CollectionField::Fund => t.get("sheet.f.fund"),
    }
}

/// The meeting's date from `fecha` (empty: today); `None` when it is not a date.
fn meeting_day(text: &str) -> Option<NaiveDate> {
    match text.trim() {
        "" => Some(today_mx()),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
    }
}

/// The sheet of the meeting (of one municipality when chosen) and every municipality of the
/// ODF's active members, from one reading.
async fn sheet_of(
    state: &AppState,
    t: Tr,
    org: &Org,
    on: NaiveDate,
    municipio: &str,
) -> Result<(CollectionSheet, Vec<String>), PageError> {
    let all = state
        .app
        .collection_sheet(org.id, on, None)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let names = all.municipalities();
    let sheet = if municipio.is_empty() {
        all
    } else {
        all.of_municipality(municipio)
    };
    Ok((sheet, names))
}

async fn sheet_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    query: &SheetQuery,
    view: SheetView,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let mut errors = view.errors;
    let on = match meeting_day(&query.fecha) {
        Some(d) => d,
        None => {
            errors.push(SheetError::general(t.get("fecha.err.format")));
            today_mx()
        }
    };
    let municipio = query.municipio.trim().to_string();
    let (sheet, names) = sheet_of(state, t, &org, on, &municipio).await?;
    let pages = sheet.pages(SHEET_PAGE);
    let pagina = query.pagina.unwrap_or(1).clamp(1, pages);
    let shown = sheet.page(pagina, SHEET_PAGE);
    let first = (pagina - 1) * SHEET_PAGE;
    let page_summary = t.fmt_all(
        "sheet.page",
        &[
            &crate::shell::format::group_thousands((first + shown.rows.len().min(1)) as u64),
            &crate::shell::format::group_thousands((first + shown.rows.len()) as u64),
            &crate::shell::format::group_thousands(sheet.rows.len() as u64),
            &pagina.to_string(),
            &pages.to_string(),
        ],
    );
    let cards = shown
        .rows
        .iter()
        .map(|r| {
            let missing: Vec<String> = r.missing_reports.iter().map(|p| t.period(p)).collect();
            SheetCard {
                id: r.member_id,
                name: r.name.clone(),
                dues: money(t, r.dues_minor),
                loan: money(t, r.loan_due_minor),
                trust: (r.trust_paid_minor > 0).then(|| money(t, r.trust_paid_minor)),
                fund: money(t, r.fund_minor()),
                total: money(t, r.total_minor()),
                missing: missing.join(", "),
                owes_nothing: r.total_minor() == 0,
                typed: view.typed.get(&r.member_id).cloned().unwrap_or_default(),
                bad: view.bad.get(&r.member_id).copied().unwrap_or_default(),
            }
        })
        .collect();
    let page = SheetPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        org_name: org.data.name.clone(),
        may_collect: session.viewer.may(org.id, Action::ManageMembers),
        fecha: on.format("%Y-%m-%d").to_string(),
        day: t.date(&on),
        municipalities: names
            .into_iter()
            .map(|name| MunicipalityOption {
                selected: name == municipio,
                name,
            })
            .collect(),
        municipio,
        cards,
        dues: money(t, sheet.totals.dues_minor),
        loans: money(t, sheet.totals.loan_due_minor),
        trust: money(t, sheet.totals.trust_paid_minor),
        fund: money(t, sheet.totals.fund_minor),
        total: money(t, sheet.totals.total_minor),
        missing: sheet.totals.missing_reports,
        pagina,
        pages,
        page_summary,
        page_totals: SheetPageTotals {
            dues: money(t, shown.totals.dues_minor),
            loans: money(t, shown.totals.loan_due_minor),
            fund: money(t, shown.totals.fund_minor),
            total: money(t, shown.totals.total_minor),
            missing: shown.totals.missing_reports,
        },
        prev: (pagina > 1).then(|| pagina - 1),
        next: (pagina < pages).then(|| pagina + 1),
        token: view.token.unwrap_or_else(random_token),
        message: view.message,
        errors,
    };
    Ok((view.status.unwrap_or(StatusCode::OK), render(page)).into_response())
}

pub async fn sheet_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<SheetQuery>,
) -> PageResult {
    sheet_response(&state, &ctx, &slug, &q, SheetView::default()).await
}

/// The amounts of the collection form: `d{id}`, `l{id}`, `f{id}` (cuota, préstamo, Fondo) per
/// member; an empty box is nothing collected. Every box that is not an amount is named.
fn parse_collection(
    t: Tr,
    fields: &[(String, String)],
    names: &std::collections::HashMap<i64, String>,
    view: &mut SheetView,
) -> Vec<CollectionLine> {
    let mut lines: std::collections::BTreeMap<i64, CollectionLine> = Default::default();
    for (name, value) in fields {
        let (f, rest) = match name.split_at_checked(1) {
            Some(("d", rest)) => (CollectionField::Dues, rest),
            Some(("l", rest)) => (CollectionField::Loan, rest),
            Some(("f", rest)) if rest != "echa" => (CollectionField::Fund, rest),
            _ => continue,
        };
        let Ok(id) = rest.parse::<i64>() else {
            continue;
        };
        let i = field_index(f);
        view.typed.entry(id).or_default()[i] = value.clone();
        let amount = if value.trim().is_empty() {
            0
        } else {
            match crate::shell::format::typed_amount_minor(t, value, false) {
                Ok(v) => v,
                Err(m) => {
                    let who = names.get(&id).cloned().unwrap_or_else(|| id.to_string());
                    view.errors.push(SheetError::of_member(
                        id,
                        format!("{who} — {}: {m}", field_label(t, f)),
                    ));
                    view.bad.entry(id).or_default()[i] = true;
                    continue;
                }
            }
        };
        let line = lines.entry(id).or_insert(CollectionLine {
            member_id: id,
            ..CollectionLine::default()
        });
        match f {
            CollectionField::Dues => line.dues_minor = amount,
            CollectionField::Loan => line.loan_minor = amount,
            CollectionField::Fund => line.fund_minor = amount,
        }
    }
    lines.into_values().collect()
}

fn form_value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub async fn collect_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, form_value(&fields, "csrf"))?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let query = SheetQuery {
        fecha: form_value(&fields, "fecha").to_string(),
        municipio: form_value(&fields, "municipio").to_string(),
        pagina: form_value(&fields, "pagina").parse().ok(),
    };
    let token = form_value(&fields, "token").trim().to_string();
    let mut view = SheetView {
        token: Some(token.clone()),
        ..SheetView::default()
    };
    let on = meeting_day(&query.fecha);
    let sheet = state
        .app
        .collection_sheet(org.id, on.unwrap_or_else(today_mx), None)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let names: std::collections::HashMap<i64, String> = sheet
        .rows
        .iter()
        .map(|r| (r.member_id, r.name.clone()))
        .collect();
    let lines = parse_collection(t, &fields, &names, &mut view);
    let when = match fact_date_field(t, &query.fecha, org.data.founded_on) {
        Ok(w) => Some(w),
        Err(m) => {
            view.errors.push(SheetError::general(format!(
                "{}: {m}",
                t.get("sheet.f.date")
            )));
            None
        }
    };
    let refused = |mut view: SheetView| {
        view.status = Some(StatusCode::UNPROCESSABLE_ENTITY);
        view
    };
    let Some(when) = when.filter(|_| view.errors.is_empty()) else {
        return sheet_response(&state, &ctx, &slug, &query, refused(view)).await;
    };
    if lines.iter().all(|l| l.total_minor() == 0) {
        view.errors
            .push(SheetError::general(t.get("sheet.err.empty")));
        return sheet_response(&state, &ctx, &slug, &query, refused(view)).await;
    }
    match state
        .app
        .record_collection(org.id, &token, when, &lines, &actor(&ctx, &session))
        .await
    {
        Ok(out) => {
            view.message = Some(collected_message(t, &out));
            view.typed.clear();
            view.token = None;
            view.status = Some(if out.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            });
            sheet_response(&state, &ctx, &slug, &query, view).await
        }
        Err(e) if e.is_caller_error() => {
            let error = match e.field().and_then(parse_line_field) {
                Some((id, f)) => {
                    view.bad.entry(id).or_default()[field_index(f)] = true;
                    let who = names.get(&id).cloned().unwrap_or_else(|| id.to_string());
                    let why = t.get(if e.to_string().contains("negativa") {
                        "sheet.err.negative"
                    } else {
                        "sheet.err.more_than_owed"
                    });
                    SheetError::of_member(id, format!("{who} — {}: {why}", field_label(t, f)))
                }
                None if matches!(e, AppError::Store(store::StoreError::Conflict { .. })) => {
                    SheetError::general(t.get("sheet.err.token_reused"))
                }
                None => SheetError::general(t.get("sheet.err.generic")),
            };
            view.errors.push(error);
            sheet_response(&state, &ctx, &slug, &query, refused(view)).await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

fn collected_message(t: Tr, out: &CollectionOutcome) -> String {
    let figures = [
        out.members.to_string(),
        money(t, out.total_minor),
        money(t, out.dues_minor),
        money(t, out.loan_minor),
        money(t, out.fund_minor),
    ];
    let args: Vec<&str> = figures.iter().map(String::as_str).collect();
    if out.created {
        t.fmt_all("sheet.saved", &args)
    } else {
        t.fmt_all("sheet.saved_before", &args)
    }
}
