//! The credit line in the browser (issue 18; R-CRED-1, R-CRED-2, R-CRED-6): the lines and
//! the form that opens one (at most 2 × the initial deposit), a line's page (its limit history
//! as a chart and a table with the reason of every change, draws, repayments and transfers,
//! each table with its CSV), and staff's forms: the semiannual review (R-CRED-2: the rule
//! doubles, keeps or halves the limit, never above 64 × the initial deposit nor below what is
//! drawn), a draw, a repayment and the transfer to another lender (R-CRED-6). Every write is
//! `app::credit_cases`, as `tequio line ...`.

use super::loans::actor;
use crate::shell::chart::limit_chart;
use crate::shell::check;
use crate::shell::csv::{csv_line, csv_pesos, csv_response};

use crate::shell::fact_date_field;
use crate::shell::random_token;
use crate::shell::render;
use crate::shell::staff_form;
use crate::shell::today_mx;
use crate::shell::visible_org;
use crate::shell::words::limit_reason;
use crate::shell::Ctx;
use crate::shell::Nav;
use crate::shell::PageError;
use crate::shell::PageResult;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::{Action, Session};
use app::credit_cases::{LineState, OpenLineCmd};
use app::AppError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use credit::line::{CreditLine, LimitChange, LineEventKind};
use serde::Deserialize;
use store::Org;

fn rate_percent(line: &CreditLine) -> String {
    (line.rate.annual() * rust_decimal::Decimal::from(100))
        .normalize()
        .to_string()
}

fn reason_words(t: Tr, c: &LimitChange) -> String {
    let mut out = limit_reason(t, c.reason).to_string();
    if c.capped {
        out.push_str(t.get("credit.line.capped"));
    }
    if c.floored_at_drawn {
        out.push_str(t.get("credit.line.floored"));
    }
    out
}

/// A movement of the line in words, with its amount (`None` for a transfer).
fn movement(t: Tr, kind: &LineEventKind) -> Option<(String, i64, i64)> {
    match kind {
        LineEventKind::Opened { .. } => None,
        LineEventKind::Drawn { amount_minor } => {
            Some((t.get("credit.line.m.draw").to_string(), *amount_minor, 0))
        }
        LineEventKind::Repaid {
            principal_minor,
            interest_minor,
        } => Some((
            t.get("credit.line.m.repay").to_string(),
            *principal_minor,
            *interest_minor,
        )),
        LineEventKind::Transferred {
            from_lender,
            to_lender,
            ..
        } => Some((
            t.fmt_all("credit.line.m.transfer", &[from_lender, to_lender]),
            0,
            0,
        )),
    }
}

async fn load(
    state: &AppState,
    ctx: &Ctx,
    org: &Org,
    session: &Session,
    line_id: i64,
) -> Result<LineState, PageError> {
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let book = state
        .app
        .credit_book(org.id)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    book.lines
        .get(&line_id)
        .cloned()
        .ok_or(PageError::NotFound(ctx.t))
}

/// A refused line operation: the form field it names and the catalogue's message.
fn refusal(t: Tr, e: &AppError) -> (&'static str, &'static str) {
    let field = e.field().unwrap_or("");
    let rule = e.rule_id().unwrap_or("");
    match (rule, field) {
        (_, "requested_limit_minor") | (_, "initial_deposit_minor") | (_, "deposits") => {
            ("limite", t.get("credit.line.err.limit"))
        }
        (_, "lender_code") | (_, "to_lender") => ("acreedor", t.get("credit.line.err.lender")),
        (_, "loans") => ("acreedor", t.get("credit.line.err.loans")),
        (_, "rate") | (_, "annual_rate") => ("tasa", t.get("error.field.rate")),
        ("R-CRED-1", "amount_minor") => ("importe", t.get("credit.err.line_available")),
        (_, "amount_minor") => ("importe", t.get("credit.err.amount")),
        (_, "principal_minor") => ("capital", t.get("credit.line.err.principal")),
        (_, "interest_minor") => ("interes", t.get("credit.err.amount")),
        (_, "reference") | (_, "key") | (_, "token") => ("importe", t.get("credit.err.reference")),
        (_, "on") | (_, "date") | (_, "today") | (_, "opened_on") => {
            ("fecha", t.get("credit.line.err.date"))
        }
        _ => ("importe", t.get("credit.err.generic")),
    }
}

// ---------------------------------------------------------------- the lines, and opening one

pub struct LineRow {
    pub id: i64,
    pub lender: String,
    pub rate: String,
    pub limit: String,
    pub drawn: String,
    pub available: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    acreedor: String,
    #[serde(default)]
    tasa: String,
    #[serde(default)]
    limite: String,
    #[serde(default)]
    fecha: String,
}

#[derive(Template)]
#[template(path = "credit_lines.html")]
struct LinesPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    csrf: String,
    rows: Vec<LineRow>,
    may_open: bool,
    next_id: i64,
    open_help: String,
    form: OpenForm,
    error: Option<String>,
    error_field: &'static str,
}

async fn lines_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    form: OpenForm,
    status: StatusCode,
    error: Option<(&'static str, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let fail = |e| PageError::from_app(t, e);
    let book = state.app.credit_book(org.id).await.map_err(fail)?;
    let may_open = session.viewer.may(org.id, Action::ManageMembers);
    // R-CRED-1: what the first three months put in the Fund, and twice that.
    let deposit = if may_open {
        state
            .app
            .kept_initial_deposit_minor(org.id, today_mx())
            .await
            .unwrap_or(0)
    } else {
        0
    };
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => ("", None),
    };
    Ok((
        status,
        render(LinesPage {
            t,
            nav: Nav::for_session(t, &session, Some(&org)),
            slug: org.data.slug.clone(),
            name: org.data.name.clone(),
            csrf: session.csrf.clone(),
            rows: book
                .lines
                .values()
                .map(|l| LineRow {
                    id: l.line.id,
                    lender: l.line.lender_code.clone(),
                    rate: rate_percent(&l.line),
                    limit: t.money(l.line.limit_minor as i128),
                    drawn: t.money(l.line.drawn_minor as i128),
                    available: t.money(l.line.available_minor() as i128),
                })
                .collect(),
            may_open,
            next_id: book.lines.keys().max().copied().unwrap_or(0) + 1,
            open_help: t.fmt_all(
                "credit.line.open.help",
                &[
                    &t.money(deposit as i128),
                    &t.money(deposit.saturating_mul(2) as i128),
                ],
            ),
            form,
            error,
            error_field,
        }),
    )
        .into_response())
}

/// `/odf/{slug}/lineas`: staff, board, supervisors; staff open a line here.
pub async fn lines_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    lines_response(
        &state,
        &ctx,
        &slug,
        OpenForm::default(),
        StatusCode::OK,
        None,
    )
    .await
}

/// Staff open the next line (R-CRED-1): the lender, the line's rate and a limit of at most
/// twice the initial deposit (empty: that maximum). The same form twice opens it once.
pub async fn open_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<OpenForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &form.csrf).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back = |form, f: &'static str, m: &str| {
        lines_response(&state, &ctx, &slug, form, status, Some((f, m.to_string())))
    };
    let rate = match app::credit_cases::quote::percent("rate", &form.tasa) {
        Ok(r) => r,
        Err(_) => return back(form, "tasa", t.get("error.field.rate")).await,
    };
    let limit = match form.limite.trim() {
        "" => None,
        text => match crate::shell::format::typed_amount_minor(t, text, false) {
            Ok(v) => Some(v),
            Err(m) => return back(form, "limite", m).await,
        },
    };
    let on = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w.on,
        Err(m) => return back(form, "fecha", m).await,
    };
    let book = state
        .app
        .credit_book(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    // The same form again (same lender and day) answers the line it opened.
    let lender = form.acreedor.trim().to_lowercase();
    if let Some(l) = book
        .lines
        .values()
        .find(|l| l.line.lender_code == lender && l.line.opened_on == on)
    {
        return Ok(
            Redirect::to(&format!("/odf/{}/lineas/{}", org.data.slug, l.line.id)).into_response(),
        );
    }
    let line_id = book.lines.keys().max().copied().unwrap_or(0) + 1;
    match state
        .app
        .open_credit_line(
            org.id,
            &actor(&ctx, &session),
            OpenLineCmd {
                line_id,
                lender_code: lender,
                annual_rate: rate,
                requested_limit_minor: limit,
                opened_on: on,
                review: None,
            },
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/lineas/{line_id}", org.data.slug)).into_response())
        }
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = match refusal(t, &e) {
                ("importe", m) => ("limite", m),
                other => other,
            };
            back(form, f, m).await
        }
    }
}

// ---------------------------------------------------------------- one line

pub struct LimitLine {
    pub date: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

pub struct MoveLine {
    pub date: String,
    pub what: String,
    pub amount: String,
    pub interest: String,
}

/// The line page's forms (review, draw, repayment, transfer) share their fields.
#[derive(Deserialize, Default, Clone)]
pub struct LineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    importe: String,
    #[serde(default)]
    capital: String,
    #[serde(default)]
    interes: String,
    #[serde(default)]
    acreedor: String,
    #[serde(default)]
    fecha: String,
}

#[derive(Template)]
#[template(path = "credit_line.html")]
struct LinePage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    id: i64,
    lender: String,
    lenders: String,
    rate: String,
    deposit: String,
    limit: String,
    drawn: String,
    available: String,
    cap: String,
    next_review: String,
    review_due: bool,
    chart: String,
    history: Vec<LimitLine>,
    moves: Vec<MoveLine>,
    staff: bool,
    token: String,
    form: LineForm,
    notice: Option<String>,
    error: Option<String>,
    error_field: &'static str,
    /// Which form the error is about: `review`, `draw`, `repay` or `transfer`.
    error_form: &'static str,
}

#[allow(clippy::too_many_arguments)]
async fn line_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    line_id: i64,
    form: LineForm,
    status: StatusCode,
    error: Option<(&'static str, String)>,
    error_form: &'static str,
    notice: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    let ls = load(state, ctx, &org, &session, line_id).await?;
    let l = &ls.line;
    let today = today_mx();
    let next = l.next_review_on(&ls.settings);
    let (error_field, error) = match error {
        Some((f, m)) => (f, Some(m)),
        None => ("", None),
    };
    let keep = error.is_some();
    let page = LinePage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        id: l.id,
        lender: l.lender_code.clone(),
        lenders: ls.lenders.join(" → "),
        rate: rate_percent(l),
        deposit: t.money(l.initial_deposit_minor as i128),
        limit: t.money(l.limit_minor as i128),
        drawn: t.money(l.drawn_minor as i128),
        available: t.money(l.available_minor() as i128),
        cap: t.money(l.cap_minor(&ls.settings) as i128),
        next_review: next.map(|d| t.date(&d)).unwrap_or_default(),
        review_due: next.is_some_and(|d| d <= today),
        chart: limit_chart(t, l, today),
        history: l
            .limit_history
            .iter()
            .map(|c| LimitLine {
                date: t.date(&c.date),
                from: t.money(c.from_minor as i128),
                to: t.money(c.to_minor as i128),
                reason: reason_words(t, c),
            })
            .collect(),
        moves: l
            .events
            .iter()
            .filter_map(|e| {
                movement(t, &e.kind).map(|(what, amount, interest)| MoveLine {
                    date: t.date(&e.date),
                    what,
                    amount: t.money(amount as i128),
                    interest: t.money(interest as i128),
                })
            })
            .collect(),
        staff: session.viewer.may(org.id, Action::ManageMembers),
        token: if keep && !form.token.is_empty() {
            form.token.clone()
        } else {
            random_token()
        },
        form: if keep { form } else { LineForm::default() },
        notice,
        error,
        error_field,
        error_form,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/lineas/{id}`: staff, board, supervisors.
pub async fn line_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
) -> PageResult {
    line_response(
        &state,
        &ctx,
        &slug,
        line_id,
        LineForm::default(),
        StatusCode::OK,
        None,
        "",
        None,
    )
    .await
}

/// What every write of the line page checks first: the session, staff, the line.
async fn writer(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    line_id: i64,
    csrf: &str,
) -> Result<(Org, Session), PageError> {
    let (org, session) = staff_form(state, ctx, slug, csrf).await?;
    load(state, ctx, &org, &session, line_id).await?;
    Ok((org, session))
}

fn reference(form: &LineForm) -> String {
    if form.token.trim().is_empty() {
        random_token()
    } else {
        form.token.trim().to_string()
    }
}

/// Staff do every semiannual review due by the day given (default today; R-CRED-2): the
/// ODF's rule doubles, keeps or halves the limit with its reason, capped at 64 × the initial
/// deposit, never below what is drawn. A review is keyed by its day: asked again, none is due.
pub async fn review_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
    Form(form): Form<LineForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = writer(&state, &ctx, &slug, line_id, &form.csrf).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let on = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w.on,
        Err(m) => {
            let e = Some(("fecha", m.to_string()));
            return line_response(
                &state, &ctx, &slug, line_id, form, status, e, "review", None,
            )
            .await;
        }
    };
    match state
        .app
        .review_credit_line_through(org.id, &actor(&ctx, &session), line_id, on)
        .await
    {
        Ok(0) => {
            let e = Some(("fecha", t.get("credit.line.err.no_review").to_string()));
            line_response(
                &state, &ctx, &slug, line_id, form, status, e, "review", None,
            )
            .await
        }
        Ok(n) => {
            let notice = Some(t.fmt("credit.line.reviewed", &n.to_string()));
            line_response(
                &state,
                &ctx,
                &slug,
                line_id,
                LineForm::default(),
                StatusCode::OK,
                None,
                "",
                notice,
            )
            .await
        }
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (_, m) = refusal(t, &e);
            let e = Some(("fecha", m.to_string()));
            line_response(
                &state, &ctx, &slug, line_id, form, status, e, "review", None,
            )
            .await
        }
    }
}

/// Staff draw on the line into the ODF's bank (R-CRED-1: not more than what is available).
/// The form's key is the draw's reference: sent twice, drawn once.
pub async fn draw_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
    Form(form): Form<LineForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = writer(&state, &ctx, &slug, line_id, &form.csrf).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back = |form, f: &'static str, m: String| {
        line_response(
            &state,
            &ctx,
            &slug,
            line_id,
            form,
            status,
            Some((f, m)),
            "draw",
            None,
        )
    };
    let amount = match crate::shell::format::typed_amount_minor(t, &form.importe, false) {
        Ok(v) => v,
        Err(m) => return back(form, "importe", m.to_string()).await,
    };
    let on = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w.on,
        Err(m) => return back(form, "fecha", m.to_string()).await,
    };
    match state
        .app
        .draw_credit_line(
            org.id,
            &actor(&ctx, &session),
            line_id,
            amount,
            on,
            &reference(&form),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/lineas/{line_id}", org.data.slug)).into_response())
        }
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = refusal(t, &e);
            back(form, f, m.to_string()).await
        }
    }
}

/// Staff record that the ODF repaid its lender: principal frees the line, interest is an
/// expense. The form's key is the repayment's reference: sent twice, recorded once.
pub async fn repay_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
    Form(form): Form<LineForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = writer(&state, &ctx, &slug, line_id, &form.csrf).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back = |form, f: &'static str, m: String| {
        line_response(
            &state,
            &ctx,
            &slug,
            line_id,
            form,
            status,
            Some((f, m)),
            "repay",
            None,
        )
    };
    let principal = match crate::shell::format::typed_amount_minor(t, &form.capital, false) {
        Ok(v) => v,
        Err(m) => return back(form, "capital", m.to_string()).await,
    };
    let interest = match form.interes.trim() {
        "" => 0,
        text => match crate::shell::format::typed_amount_minor(t, text, false) {
            Ok(v) => v,
            Err(m) => return back(form, "interes", m.to_string()).await,
        },
    };
    let on = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w.on,
        Err(m) => return back(form, "fecha", m.to_string()).await,
    };
    match state
        .app
        .repay_credit_line(
            org.id,
            &actor(&ctx, &session),
            line_id,
            principal,
            interest,
            on,
            &reference(&form),
        )
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/lineas/{line_id}", org.data.slug)).into_response())
        }
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = match refusal(t, &e) {
                ("importe", m) => ("capital", m),
                other => other,
            };
            back(form, f, m.to_string()).await
        }
    }
}

/// Staff move the line and its loans to another lender (R-CRED-6): the history stays as it
/// was and one event records the transfer. Keyed by the lender and the day: twice is once.
pub async fn transfer_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
    Form(form): Form<LineForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = writer(&state, &ctx, &slug, line_id, &form.csrf).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let back = |form, f: &'static str, m: String| {
        line_response(
            &state,
            &ctx,
            &slug,
            line_id,
            form,
            status,
            Some((f, m)),
            "transfer",
            None,
        )
    };
    let on = match fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(w) => w.on,
        Err(m) => return back(form, "fecha", m.to_string()).await,
    };
    let lender = form.acreedor.trim().to_lowercase();
    match state
        .app
        .transfer_credit_line(org.id, &actor(&ctx, &session), line_id, &lender, on)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/odf/{}/lineas/{line_id}", org.data.slug)).into_response())
        }
        Err(e) if !e.is_caller_error() => Err(PageError::from_app(t, e)),
        Err(e) => {
            let (f, m) = match refusal(t, &e) {
                ("importe", m) => ("acreedor", m),
                other => other,
            };
            back(form, f, m.to_string()).await
        }
    }
}

// ---------------------------------------------------------------- CSV downloads

/// `/odf/{slug}/lineas/{id}/limites.csv`: the limit history with its reasons.
pub async fn limits_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let ls = load(&state, &ctx, &org, &session, line_id).await?;
    let mut out = csv_line(&[
        "date".into(),
        "from".into(),
        "to".into(),
        "reason".into(),
        "capped".into(),
        "floored_at_drawn".into(),
    ]);
    for c in &ls.line.limit_history {
        out.push_str(&csv_line(&[
            c.date.to_string(),
            csv_pesos(c.from_minor as i128),
            csv_pesos(c.to_minor as i128),
            limit_reason(ctx.t, c.reason).to_string(),
            c.capped.to_string(),
            c.floored_at_drawn.to_string(),
        ]));
    }
    Ok(csv_response(
        &format!("linea-{}-{line_id}-limites.csv", org.data.slug),
        out,
    ))
}

/// `/odf/{slug}/lineas/{id}/movimientos.csv`: draws, repayments and transfers.
pub async fn moves_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, line_id)): Path<(String, i64)>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let ls = load(&state, &ctx, &org, &session, line_id).await?;
    let mut out = csv_line(&[
        "date".into(),
        "movement".into(),
        "amount".into(),
        "interest".into(),
    ]);
    for e in &ls.line.events {
        if let Some((what, amount, interest)) = movement(ctx.t, &e.kind) {
            out.push_str(&csv_line(&[
                e.date.to_string(),
                what,
                csv_pesos(amount as i128),
                csv_pesos(interest as i128),
            ]));
        }
    }
    Ok(csv_response(
        &format!("linea-{}-{line_id}-movimientos.csv", org.data.slug),
        out,
    ))
}
