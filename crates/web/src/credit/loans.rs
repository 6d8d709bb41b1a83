//! The loan pages: apply from the simulator's offer, the loan page (schedule, paid, due, days
//! late; staff disburse after the board's approval and record payments), the payment's
//! printable receipt and the list of loans.

use super::view::{self, Loan, Stage};
use crate::shell::check;
use crate::shell::check_csrf;
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
use app::credit_cases::{may_apply_for, LoanRequest, QuoteForm};
use app::{Actor, AppError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use serde::Deserialize;
use store::Org;

pub(crate) fn actor(ctx: &Ctx, session: &Session) -> Actor {
    Actor::new(session.viewer.login.clone(), ctx.origin.clone())
}

fn money(t: Tr, minor: i64) -> String {
    t.money(minor as i128)
}

/// The words of a loan's stage (with its days late when it is overdue).
pub(crate) fn stage_words(t: Tr, l: &Loan) -> String {
    if l.stage == Stage::Active && l.days_late > 0 {
        return t.fmt("loan.status.late", &l.days_late.to_string());
    }
    t.get(&format!("credit.stage.{}", l.stage.key()))
        .to_string()
}

/// Who may read a loan: its member (and staff, board, supervisors); an ODF loan: those who
/// read the ODF's books. Anyone else gets the 404 of a missing loan.
fn read_action(l: &Loan) -> Action {
    match l.member_id {
        Some(m) => Action::ViewMember(m),
        None => Action::ViewMembers,
    }
}

async fn load(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
    loan_id: i64,
) -> Result<Loan, PageError> {
    let l = view::loan(state, org, loan_id, today_mx())
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    check(ctx, &session.viewer, org.id, read_action(&l)).map_err(|_| PageError::NotFound(ctx.t))?;
    Ok(l)
}

// ---------------------------------------------------------------- the list

pub struct LoanLine {
    pub id: i64,
    pub borrower: String,
    pub status: String,
    pub late: bool,
    pub principal: String,
    pub outstanding: String,
}

#[derive(Template)]
#[template(path = "credit_loans.html")]
struct LoansPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    rows: Vec<LoanLine>,
    may_read_portfolio: bool,
}

#[derive(Deserialize, Default)]
pub struct LoansQuery {
    socio: Option<i64>,
}

/// `/odf/{slug}/prestamos`: staff, board and supervisors see every loan and application; a
/// member their own (`?socio=` is theirs whatever was asked).
pub async fn loans_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<LoansQuery>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let v = &session.viewer;
    let only = if v.may(org.id, Action::ViewMembers) {
        q.socio
    } else {
        match v.member_id_in(org.id) {
            Some(m) => Some(m),
            None => return Err(PageError::Forbidden(t)),
        }
    };
    let loans = view::loans(&state, &org, today_mx(), only)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let rows = loans
        .iter()
        .map(|l| LoanLine {
            id: l.id,
            borrower: if l.member_id.is_none() {
                t.get("loan.borrower.odf").to_string()
            } else {
                l.borrower.clone()
            },
            status: stage_words(t, l),
            late: l.days_late > 0,
            principal: money(t, l.principal_minor),
            outstanding: money(t, l.outstanding_principal_minor),
        })
        .collect();
    Ok(render(LoansPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        rows,
        may_read_portfolio: v.may(org.id, Action::ViewMembers),
    }))
}

// ---------------------------------------------------------------- applying

/// The simulator's offer as it arrives (GET from the simulator, POST from the apply form).
#[derive(Deserialize, Default, Clone)]
pub struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    socio: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    installments: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    plan: String,
}

pub struct OfferRow {
    pub number: u32,
    pub date: String,
    pub installment: String,
}

#[derive(Template)]
#[template(path = "credit_apply.html")]
struct ApplyPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    form: ApplyForm,
    token: String,
    /// Staff type the member (name or number, `shell::member_pick`); a member applies for
    /// themself.
    staff: bool,
    /// The member box's text as shown again.
    socio: String,
    own_name: String,
    rate: String,
    rows: Vec<OfferRow>,
    total: String,
    graduation: Option<String>,
    error: Option<String>,
    error_field: &'static str,
}

fn quote_form(f: &ApplyForm, rate: &str) -> QuoteForm {
    let mut q = QuoteForm::new(&f.amount, rate, &f.installments, &f.start);
    if !f.frequency.is_empty() {
        q.frequency = f.frequency.clone();
    }
    if !f.method.is_empty() {
        q.method = f.method.clone();
    }
    q
}

/// A refused application, request or payment: the form field it names and the catalogue's
/// message (the rule stays in the `regla` link).
fn refusal(t: Tr, e: &AppError) -> Option<(&'static str, &'static str)> {
    if !e.is_caller_error() {
        return None;
    }
    let field = e.field().unwrap_or("");
    let rule = e.rule_id().unwrap_or("");
    Some(match (rule, field) {
        ("R-CRED-1", _) => ("amount", t.get("credit.err.line_available")),
        ("R-CRED-5", _) => ("amount", t.get("credit.err.graduation")),
        ("R-CRED-3", "line") => ("amount", t.get("credit.err.no_line")),
        ("R-CRED-3", "member_id") | (_, "member_id") => ("socio", t.get("credit.err.member")),
        ("R-CRED-3", "requested_minor") => ("plan", t.get("credit.err.plan")),
        ("R-GOV-2", _) => ("decision", t.get("credit.err.decision")),
        (_, "start") | (_, "disbursement_date") | (_, "first_due_date") => {
            ("start", t.get("credit.err.start"))
        }
        (_, "installments") => ("installments", t.get("error.field.installments")),
        (_, "reference") | (_, "token") => ("amount", t.get("credit.err.reference")),
        (_, "on") => ("fecha", t.get("fecha.err.future")),
        (_, "amount_minor") | (_, "amount") | (_, "principal_minor") => {
            ("amount", t.get("credit.err.amount"))
        }
        _ => ("amount", t.get("credit.err.generic")),
    })
}

async fn apply_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    form: ApplyForm,
    status: StatusCode,
    error: Option<(&'static str, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let v = &session.viewer;
    let staff = v.may(org.id, Action::ManageMembers);
    let own = v
        .member_id_in(org.id)
        .filter(|m| may_apply_for(v, org.id, *m));
    if !staff && own.is_none() {
        return Err(PageError::Forbidden(t));
    }
    let book = state
        .app
        .credit_book(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let rate = book
        .lines
        .values()
        .next()
        .map(|l| (l.line.rate.annual() * rust_decimal::Decimal::from(100)).normalize())
        .unwrap_or_default()
        .to_string();
    let mut form = form;
    if form.installments.is_empty() {
        form.installments = "12".into();
    }
    if form.start.is_empty() {
        form.start = today_mx().to_string();
    }
    let chosen: Option<i64> = if staff {
        member_pick::resolve(state, t, org.id, &form.socio)
            .await?
            .ok()
    } else {
        own
    };
    let socio = member_pick::shown(state, org.id, &form.socio).await;
    let own_name = match own {
        Some(m) if !staff => view::member_name(state, &org, m)
            .await
            .map_err(|e| PageError::from_app(t, e))?,
        _ => String::new(),
    };
    // The offer at the line's rate (R-CRED-4), as the board will see it.
    let (rows, total) = match state.app.loan_quote(&quote_form(&form, &rate)) {
        Ok(q) => (
            q.schedule
                .rows
                .iter()
                .map(|r| OfferRow {
                    number: r.number,
                    date: t.date(&r.due_date),
                    installment: money(t, r.installment_minor),
                })
                .collect(),
            money(t, q.total_paid_minor()),
        ),
        Err(_) => (Vec::new(), String::new()),
    };
    // R-CRED-5: a member who repaid on time may ask for up to 1.5 times that loan.
    let graduation = match (chosen, book.lines.keys().next()) {
        (Some(m), Some(&line)) => state
            .app
            .loan_eligibility(org.id, line, m, i64::MAX / 4)
            .await
            .ok()
            .and_then(|e| e.graduation_cap_minor)
            .map(|cap| t.fmt("credit.graduation", &money(t, cap))),
        _ => None,
    };
    let token = if form.token.trim().is_empty() {
        random_token()
    } else {
        form.token.trim().to_string()
    };
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => ("", None),
    };
    let page = ApplyPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        token,
        staff,
        socio,
        own_name,
        rate,
        rows,
        total,
        graduation,
        error,
        error_field,
        form,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/prestamos/solicitar?amount=&installments=&frequency=&method=&start=`: the
/// simulator's offer as an application form, at the line's rate.
pub async fn apply_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(form): Query<ApplyForm>,
) -> PageResult {
    apply_response(&state, &ctx, &slug, form, StatusCode::OK, None).await
}

/// Records the application and the board's proposal; on to the loan page. A refusal comes
/// back on the form naming the field, nothing written; the same form twice applies once.
pub async fn apply_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<ApplyForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    let v = &session.viewer;
    let mut form = form;
    let member_id = if v.may(org.id, Action::ManageMembers) {
        // A member typed by name or number (issue 18), refused naming the field.
        match member_pick::resolve(&state, t, org.id, &form.socio).await? {
            Ok(id) => {
                form.socio = id.to_string();
                Ok(id)
            }
            Err(u) => Err(u.message(t, t.get("credit.f.member"))),
        }
    } else {
        // Not staff: a member applies for themself; anyone else may not apply at all.
        let Some(own) = v.member_id_in(org.id) else {
            return Err(PageError::Forbidden(t));
        };
        Ok(own)
    };
    let refuse = |field: &'static str, m: &str| (field, m.to_string());
    let member_id = match member_id {
        Ok(id) => id,
        Err(m) => {
            return apply_response(
                &state,
                &ctx,
                &slug,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(("socio", m)),
            )
            .await;
        }
    };
    if !may_apply_for(v, org.id, member_id) {
        return Err(PageError::Forbidden(t));
    }
    let plan = match form.plan.trim() {
        "" => None,
        text => match crate::shell::format::typed_amount_minor(t, text, false) {
            Ok(v) => Some(v),
            Err(m) => {
                let e = refuse("plan", m);
                return apply_response(
                    &state,
                    &ctx,
                    &slug,
                    form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(e),
                )
                .await;
            }
        },
    };
    // The amount as a person in Mexico types it (`12,500.50`).
    let amount = match crate::shell::format::typed_amount_minor(t, &form.amount, false) {
        Ok(v) => v,
        Err(m) => {
            let e = refuse("amount", m);
            return apply_response(
                &state,
                &ctx,
                &slug,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(e),
            )
            .await;
        }
    };
    let mut terms = quote_form(&form, "0");
    terms.amount = ledger::Money::new(amount, org.data.currency).to_major_string();
    let token = if form.token.trim().is_empty() {
        random_token()
    } else {
        form.token.trim().to_string()
    };
    match state
        .app
        .apply_for_loan(
            org.id,
            &actor(&ctx, &session),
            LoanRequest {
                member_id,
                form: terms,
                plan_recommended_minor: plan,
                token,
            },
            today_mx(),
        )
        .await
    {
        Ok((a, _)) => Ok(
            Redirect::to(&format!("/odf/{}/prestamos/{}", org.data.slug, a.loan_id))
                .into_response(),
        ),
        Err(e) => match refusal(t, &e) {
            Some((field, m)) => {
                let e = refuse(field, m);
                apply_response(
                    &state,
                    &ctx,
                    &slug,
                    form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(e),
                )
                .await
            }
            None => Err(PageError::from_app(t, e)),
        },
    }
}

// ---------------------------------------------------------------- the loan page

pub struct ScheduleLine {
    pub number: u32,
    pub date: String,
    pub due: String,
    pub paid: String,
    pub outstanding: String,
    pub settled: String,
    pub late: bool,
}

pub struct PaymentLine {
    pub date: String,
    pub amount: String,
    pub principal: String,
    pub interest: String,
    pub receipt: String,
}

#[derive(Template)]
#[template(path = "credit_loan.html")]
struct LoanPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    id: i64,
    borrower: String,
    status: String,
    stage: &'static str,
    late: bool,
    days_late: u32,
    proposal_id: Option<i64>,
    start: String,
    principal: String,
    outstanding: String,
    paid: String,
    due_now: String,
    rows: Vec<ScheduleLine>,
    payments: Vec<PaymentLine>,
    may_disburse: bool,
    may_repay: bool,
    token: String,
    amount: String,
    fecha: String,
    error: Option<String>,
    error_field: &'static str,
}

#[derive(Deserialize, Default, Clone)]
pub struct RepayForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    importe: String,
    #[serde(default)]
    fecha: String,
    #[serde(default)]
    token: String,
}

async fn loan_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    loan_id: i64,
    form: RepayForm,
    status: StatusCode,
    error: Option<(&'static str, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let l = load(state, ctx, &org, &session, loan_id).await?;
    let staff = session.viewer.may(org.id, Action::ManageMembers);
    let today = today_mx();
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => ("", None),
    };
    let keep = error.is_some();
    let page = LoanPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        id: l.id,
        borrower: if l.member_id.is_none() {
            t.get("loan.borrower.odf").to_string()
        } else {
            l.borrower.clone()
        },
        status: stage_words(t, &l),
        stage: l.stage.key(),
        late: l.days_late > 0,
        days_late: l.days_late,
        proposal_id: l.proposal_id,
        start: t.date(&l.start),
        principal: money(t, l.principal_minor),
        outstanding: money(t, l.outstanding_principal_minor),
        paid: money(t, l.paid_minor),
        due_now: money(t, l.due_now_minor),
        rows: l
            .rows
            .iter()
            .map(|r| ScheduleLine {
                number: r.number,
                date: t.date(&r.due_date),
                due: money(t, r.due_minor),
                paid: money(t, r.paid_minor),
                outstanding: money(t, r.outstanding_minor),
                settled: match (r.settled_on, r.by_trust) {
                    (Some(d), _) => t.date(&d),
                    (None, true) => t.get("credit.by_trust").to_string(),
                    (None, false) => String::new(),
                },
                late: l.stage == Stage::Active && r.outstanding_minor > 0 && r.due_date < today,
            })
            .collect(),
        payments: l
            .payments
            .iter()
            .map(|p| PaymentLine {
                date: t.date(&p.on),
                amount: money(t, p.amount_minor),
                principal: money(t, p.principal_minor),
                interest: money(t, p.interest_minor),
                receipt: format!(
                    "/odf/{}/prestamos/{}/recibos/{}",
                    org.data.slug, l.id, p.reference
                ),
            })
            .collect(),
        may_disburse: staff && l.stage == Stage::Approved,
        may_repay: staff && l.stage == Stage::Active,
        token: if keep && !form.token.is_empty() {
            form.token.clone()
        } else {
            random_token()
        },
        amount: if keep { form.importe } else { String::new() },
        fecha: if keep { form.fecha } else { String::new() },
        error,
        error_field,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/prestamos/{id}`: the member who borrowed, staff, board and supervisors.
pub async fn loan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, loan_id)): Path<(String, i64)>,
) -> PageResult {
    loan_response(
        &state,
        &ctx,
        &slug,
        loan_id,
        RepayForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Staff disburse a loan the board approved (R-GOV-2, R-CRED-3); asked again, nothing more.
pub async fn disburse_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, loan_id)): Path<(String, i64)>,
    Form(form): Form<CsrfOnly>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    match state
        .app
        .disburse_applied_loan(org.id, &actor(&ctx, &session), loan_id, today_mx())
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/odf/{}/prestamos/{loan_id}", org.data.slug)).into_response(),
        ),
        Err(AppError::Store(store::StoreError::NotFound { .. })) => Err(PageError::NotFound(t)),
        Err(e) => match refusal(t, &e) {
            Some((field, m)) => {
                let e = (field, m.to_string());
                loan_response(
                    &state,
                    &ctx,
                    &slug,
                    loan_id,
                    RepayForm::default(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(e),
                )
                .await
            }
            None => Err(PageError::from_app(t, e)),
        },
    }
}

/// Staff record a payment (R-CRED-4: late interest, fees, interest, principal; the excess
/// prepays); on to its receipt. The form's key makes a second sending the same payment.
pub async fn repay_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, loan_id)): Path<(String, i64)>,
    Form(form): Form<RepayForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    let refused = |field: &'static str, m: &str| Some((field, m.to_string()));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let amount = match crate::shell::format::typed_amount_minor(t, &form.importe, false) {
        Ok(v) => v,
        Err(m) => {
            let e = refused("importe", m);
            return loan_response(&state, &ctx, &slug, loan_id, form, status, e).await;
        }
    };
    let when = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w,
        Err(m) => {
            let e = refused("fecha", m);
            return loan_response(&state, &ctx, &slug, loan_id, form, status, e).await;
        }
    };
    let reference = if form.token.trim().is_empty() {
        random_token()
    } else {
        form.token.trim().to_string()
    };
    match state
        .app
        .repay_loan(
            org.id,
            &actor(&ctx, &session),
            loan_id,
            amount,
            when.on,
            &reference,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/odf/{}/prestamos/{loan_id}/recibos/{reference}",
            org.data.slug
        ))
        .into_response()),
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (field, m) = match refusal(t, &e) {
                Some(("amount", m)) => ("importe", m),
                Some((f, m)) => (f, m),
                None => ("importe", t.get("credit.err.generic")),
            };
            let e = refused(field, m);
            loan_response(&state, &ctx, &slug, loan_id, form, status, e).await
        }
    }
}

// ---------------------------------------------------------------- the receipt

#[derive(Template)]
#[template(path = "credit_receipt.html")]
struct ReceiptPage {
    t: Tr,
    nav: Nav,
    org_name: String,
    number: String,
    loan_id: i64,
    borrower: String,
    amount: String,
    principal: String,
    interest: String,
    on: String,
    remaining: String,
    back: String,
}

/// A payment's receipt: what it paid of interest and principal and the principal that
/// remains. The borrower, staff, board and supervisors.
pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, loan_id, reference)): Path<(String, i64, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let l = load(&state, &ctx, &org, &session, loan_id).await?;
    let Some((index, p)) = l
        .payments
        .iter()
        .enumerate()
        .find(|(_, p)| p.reference == reference)
    else {
        return Err(PageError::NotFound(t));
    };
    // The principal left after this payment: the loan's principal less what this and the
    // earlier payments paid of it.
    let repaid: i64 = l.payments[..=index].iter().map(|p| p.principal_minor).sum();
    Ok(render(ReceiptPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        org_name: org.data.name.clone(),
        number: format!("P-{:04}-{:03}", l.id, index + 1),
        loan_id: l.id,
        borrower: if l.member_id.is_none() {
            t.get("loan.borrower.odf").to_string()
        } else {
            l.borrower.clone()
        },
        amount: money(t, p.amount_minor),
        principal: money(t, p.principal_minor),
        interest: money(t, p.interest_minor),
        on: t.date(&p.on),
        remaining: money(t, l.principal_minor - repaid),
        back: format!("/odf/{}/prestamos/{}", org.data.slug, l.id),
    }))
}
