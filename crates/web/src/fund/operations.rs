//! The pages of the Fund's operations (see the module above): each a form and its result on
//! one page, refusals shown on the page next to the field they name, nothing recorded.

use crate::shell::check;
use crate::shell::check_csrf;
use crate::shell::fact_date_field;
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
use app::fund_cases::operations::{check_withdrawal, FundDecision, WithdrawalPosition};
use app::{Actor, AppError, FactDate};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use fund::{CompetitionCategory, WithdrawalPurpose};
use governance::ProposalKind;
use serde::Deserialize;
use store::{Org, StoreError};

// ---------------------------------------------------------------- the page

/// One input of a form. `kind`: `select`, `textarea`, `date` or `amount`, `text`.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub help: Option<&'static str>,
    pub invalid: bool,
}

pub struct OpForm {
    pub id: &'static str,
    pub title: &'static str,
    pub action: String,
    pub token: String,
    pub fields: Vec<Field>,
    pub submit: &'static str,
    pub error: Option<String>,
}

pub struct Figure {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
}

/// A table row: its cells (text, whether a number) and, for a row one may act on, the address
/// its button posts to.
pub struct Row {
    pub cells: Vec<(String, bool)>,
    pub action: Option<String>,
}

pub struct Table {
    pub id: &'static str,
    pub title: &'static str,
    pub empty: &'static str,
    pub headers: Vec<(&'static str, bool)>,
    pub rows: Vec<Row>,
    pub action_label: &'static str,
    pub csv: Option<String>,
}

#[derive(Template)]
#[template(path = "fund_operation.html")]
struct OperationPage {
    t: Tr,
    nav: Nav,
    title: &'static str,
    org_name: String,
    intro: &'static str,
    rule: &'static str,
    csrf: String,
    message: Option<String>,
    error: Option<String>,
    note: Option<String>,
    figures: Vec<Figure>,
    forms: Vec<OpForm>,
    tables: Vec<Table>,
    links: Vec<(String, &'static str)>,
}

impl OperationPage {
    fn new(t: Tr, session: &Session, org: &Org, title: &'static str) -> Self {
        OperationPage {
            t,
            nav: Nav::for_session(t, session, Some(org)),
            title,
            org_name: org.data.name.clone(),
            intro: "",
            rule: "",
            csrf: session.csrf.clone(),
            message: None,
            error: None,
            note: None,
            figures: Vec::new(),
            forms: Vec::new(),
            tables: Vec::new(),
            links: Vec::new(),
        }
    }
}

/// What every operation's form sends (each form uses some of these).
#[derive(Deserialize, Default, Clone)]
pub struct OpInput {
    #[serde(default)]
    csrf: String,
    /// The hidden reference made when the form was shown: the operation's key.
    #[serde(default)]
    token: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    categoria: String,
    #[serde(default)]
    descripcion: String,
    #[serde(default)]
    importe: String,
    #[serde(default)]
    fecha: String,
    #[serde(default)]
    uso: String,
    #[serde(default)]
    socio: String,
    #[serde(default)]
    nombre: String,
}

impl OpInput {
    fn value(&self, name: &str) -> String {
        match name {
            "decision" => &self.decision,
            "categoria" => &self.categoria,
            "descripcion" => &self.descripcion,
            "importe" => &self.importe,
            "fecha" => &self.fecha,
            "uso" => &self.uso,
            "socio" => &self.socio,
            "nombre" => &self.nombre,
            _ => "",
        }
        .to_string()
    }
}

/// What a POST did, for the page shown after it: a result, or a refusal naming a field (with
/// the input kept so the person corrects it), or nothing (a GET).
struct Outcome {
    status: StatusCode,
    message: Option<String>,
    /// The form the refusal belongs to, the field it names and what to fix.
    refusal: Option<(&'static str, &'static str, String)>,
    input: OpInput,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            status: StatusCode::OK,
            message: None,
            refusal: None,
            input: OpInput::default(),
        }
    }
}

impl Outcome {
    fn done(created: bool, message: String) -> Self {
        Outcome {
            status: if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            },
            message: Some(message),
            ..Outcome::default()
        }
    }

    /// The page and its result: a refusal whose form is not shown any more (nobody left to
    /// pay, say) is shown at the top of the page.
    fn finish(self, t: Tr, mut page: OperationPage) -> PageResult {
        if let Some((form, field, m)) = &self.refusal {
            if !page.forms.iter().any(|f| f.id == *form) && page.error.is_none() {
                page.error = Some(format!("{}: {m}", label(t, field)));
            }
        }
        page.message = self.message;
        Ok((self.status, render(page)).into_response())
    }

    fn refused(form: &'static str, field: &'static str, message: String, input: OpInput) -> Self {
        Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            refusal: Some((form, field, message)),
            input,
            ..Outcome::default()
        }
    }

    /// The form `id` with its fields, keeping what was typed when it was refused.
    fn form(
        &self,
        t: Tr,
        id: &'static str,
        title: &'static str,
        action: String,
        submit: &'static str,
        mut fields: Vec<Field>,
    ) -> OpForm {
        let mine = self.refusal.as_ref().filter(|(form, _, _)| *form == id);
        if let Some((_, field, _)) = mine {
            for f in &mut fields {
                f.value = self.input.value(f.name);
                f.invalid = f.name == *field;
            }
        }
        OpForm {
            id,
            title,
            action,
            token: match mine {
                Some(_) if !self.input.token.trim().is_empty() => self.input.token.clone(),
                _ => random_token(),
            },
            error: mine.map(|(_, field, m)| format!("{}: {m}", label(t, field))),
            fields,
            submit,
        }
    }
}

fn field(t: Tr, name: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        label: label(t, name),
        kind,
        value: String::new(),
        options: Vec::new(),
        help: None,
        invalid: false,
    }
}

fn select(t: Tr, name: &'static str, options: Vec<(String, String)>) -> Field {
    Field {
        options,
        ..field(t, name, "select")
    }
}

/// The label of a form field, as the page shows it (and as a refusal names it).
fn label(t: Tr, name: &str) -> &'static str {
    match name {
        "decision" => t.get("fundop.f.decision"),
        "criterios" => t.get("fundop.f.criteria"),
        "categoria" => t.get("fundop.f.category"),
        "descripcion" => t.get("fundop.f.description"),
        "fecha" => t.get("fundop.f.date"),
        "uso" => t.get("fundop.f.purpose"),
        "socio" => t.get("fundop.f.member"),
        "nombre" => t.get("fundop.f.name"),
        _ => t.get("fundop.f.amount"),
    }
}

fn money(t: Tr, minor: i64) -> String {
    t.money(minor as i128)
}

fn actor(ctx: &Ctx, session: &Session) -> Actor {
    Actor::new(session.viewer.login.clone(), ctx.origin.clone())
}

pub(crate) fn category_label(t: Tr, c: CompetitionCategory) -> &'static str {
    t.get(&format!("fundop.cat.{}", c.as_str()))
}

pub(crate) fn purpose_label(t: Tr, p: WithdrawalPurpose) -> &'static str {
    t.get(&format!("fundop.purpose.{}", p.as_str()))
}

/// The reference a form carries (a fresh one when the browser sent none).
fn reference(input: &OpInput) -> String {
    match input.token.trim() {
        "" => random_token(),
        r => r.to_string(),
    }
}

/// The typed amount, the fact's date: the checks every form makes before asking the app.
fn amount_and_date(
    t: Tr,
    org: &Org,
    input: &OpInput,
) -> Result<(i64, FactDate), (&'static str, String)> {
    let amount = crate::shell::format::typed_amount_minor(t, &input.importe, false)
        .map_err(|m| ("importe", m.to_string()))?;
    if amount <= 0 {
        return Err(("importe", t.get("fundop.err.amount").to_string()));
    }
    let when = fact_date_field(t, &input.fecha, org.data.founded_on)
        .map_err(|m| ("fecha", m.to_string()))?;
    Ok((amount, when))
}

/// A refusal the app answered that every operation shares: the date, the reference, an
/// amount that is not positive. `None` for an error that is not the person's to fix.
fn common_refusal(t: Tr, e: &AppError) -> Option<(&'static str, String)> {
    if !e.is_caller_error() {
        return None;
    }
    Some(match e.field().unwrap_or("") {
        "on" => ("fecha", t.get("fecha.err.future").to_string()),
        _ => ("importe", t.get("fundop.err.generic").to_string()),
    })
}

// ---------------------------------------------------------------- R-FUND-3: spending

async fn spend_response(state: &AppState, ctx: &Ctx, slug: &str, out: Outcome) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let fail = |e| PageError::from_app(t, e);
    let decisions = state
        .app
        .fund_decisions(org.id, ProposalKind::Expenditure)
        .await
        .map_err(fail)?;
    let cash = state.app.fund_state(org.id).await.map_err(fail)?.trust;
    let mut page = OperationPage::new(t, &session, &org, t.get("fundop.spend.title"));
    page.intro = t.get("fundop.spend.intro");
    page.rule = "R-FUND-3";
    page.figures.push(Figure {
        id: "competition-cash",
        label: t.get("fundop.competition_cash"),
        value: money(t, cash.competition_minor),
    });
    let open: Vec<&FundDecision> = decisions.iter().filter(|d| d.left_minor() > 0).collect();
    if session.viewer.may(org.id, Action::ManageMembers) {
        if open.is_empty() {
            page.note = Some(t.get("fundop.no_decisions").to_string());
        } else {
            let options = open
                .iter()
                .map(|d| {
                    (
                        d.proposal_id.to_string(),
                        t.fmt_all(
                            "fundop.decision_option",
                            &[
                                &d.proposal_id.to_string(),
                                &d.purpose,
                                &money(t, d.left_minor()),
                            ],
                        ),
                    )
                })
                .collect();
            let categories = CompetitionCategory::ALL
                .iter()
                .map(|c| (c.as_str().to_string(), category_label(t, *c).to_string()))
                .collect();
            let fields = vec![
                select(t, "decision", options),
                select(t, "categoria", categories),
                field(t, "descripcion", "textarea"),
                field(t, "importe", "amount"),
                field(t, "fecha", "date"),
            ];
            page.forms.push(out.form(
                t,
                "spend-form",
                t.get("fundop.spend.form"),
                format!("/odf/{}/fondo/gasto", org.data.slug),
                t.get("fundop.spend.submit"),
                fields,
            ));
        }
    }
    page.tables.push(Table {
        id: "decisions",
        title: t.get("fundop.decisions"),
        empty: t.get("fundop.no_decisions"),
        headers: vec![
            (t.get("fundop.col.decision"), false),
            (t.get("fundop.col.approved"), true),
            (t.get("fundop.col.paid"), true),
            (t.get("fundop.col.left"), true),
            (t.get("fundop.col.decided"), false),
        ],
        rows: decisions
            .iter()
            .map(|d| Row {
                cells: vec![
                    (format!("{} · {}", d.proposal_id, d.purpose), false),
                    (money(t, d.amount_minor), true),
                    (money(t, d.spent_minor), true),
                    (money(t, d.left_minor()), true),
                    (t.date(&d.decided_on), false),
                ],
                action: None,
            })
            .collect(),
        action_label: "",
        csv: Some(format!("/odf/{}/fondo/gasto.csv", org.data.slug)),
    });
    page.links = vec![
        (
            format!("/odf/{}/propuestas", org.data.slug),
            t.get("fundop.to_proposals"),
        ),
        (
            format!("/odf/{}/fondo", org.data.slug),
            t.get("fundop.to_fund"),
        ),
    ];
    out.finish(t, page)
}

pub async fn spend_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    spend_response(&state, &ctx, &slug, Outcome::default()).await
}

pub async fn spend_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(input): Form<OpInput>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &input.csrf).await?;
    let refuse = |field, m: String| Outcome::refused("spend-form", field, m, input.clone());
    let Ok(decision_id) = input.decision.trim().parse::<i64>() else {
        let out = refuse("decision", t.get("fundop.err.decision").into());
        return spend_response(&state, &ctx, &slug, out).await;
    };
    let Ok(category) = CompetitionCategory::parse(&input.categoria) else {
        let out = refuse("categoria", t.get("fundop.err.category").into());
        return spend_response(&state, &ctx, &slug, out).await;
    };
    let (amount, when) = match amount_and_date(t, &org, &input) {
        Ok(v) => v,
        Err((f, m)) => return spend_response(&state, &ctx, &slug, refuse(f, m)).await,
    };
    let fail = |e| PageError::from_app(t, e);
    // What the refusal names: the decision's amount left and the sub-fund's cash, as read now.
    let left = state
        .app
        .fund_decisions(org.id, ProposalKind::Expenditure)
        .await
        .map_err(fail)?
        .into_iter()
        .find(|d| d.proposal_id == decision_id)
        .map(|d| d.left_minor());
    let cash = state
        .app
        .fund_state(org.id)
        .await
        .map_err(fail)?
        .trust
        .competition_minor;
    let result = state
        .app
        .spend_competition(
            org.id,
            &reference(&input),
            category,
            &input.descripcion,
            amount,
            Some(decision_id),
            when,
            &actor(&ctx, &session),
        )
        .await;
    let out = match result {
        Ok(o) if o.replay => Outcome::done(false, t.get("fundop.replay").to_string()),
        Ok(_) => Outcome::done(
            true,
            t.fmt_all(
                "fundop.spend.done",
                &[
                    &money(t, amount),
                    input.descripcion.trim(),
                    category_label(t, category),
                    &decision_id.to_string(),
                ],
            ),
        ),
        Err(AppError::Store(StoreError::NotFound { .. })) => {
            refuse("decision", t.get("fundop.err.decision").into())
        }
        Err(e) if !e.is_caller_error() => return Err(fail(e)),
        Err(e) => {
            let (f, m) = match e.field().unwrap_or("") {
                "amount" => match left {
                    Some(l) if amount > l => (
                        "importe",
                        t.fmt_all(
                            "fundop.err.over_decision",
                            &[&money(t, amount), &money(t, l)],
                        ),
                    ),
                    _ if amount > cash => (
                        "importe",
                        t.fmt_all(
                            "fundop.err.over_cash",
                            &[&money(t, amount), &money(t, cash)],
                        ),
                    ),
                    _ => ("importe", t.get("fundop.err.amount").to_string()),
                },
                "decision" | "decision_id" => ("decision", t.get("fundop.err.decision").into()),
                "category" => ("categoria", t.get("fundop.err.category").into()),
                "description" => ("descripcion", t.get("fundop.err.description").into()),
                _ => common_refusal(t, &e).unwrap_or(("importe", String::new())),
            };
            refuse(f, m)
        }
    };
    spend_response(&state, &ctx, &slug, out).await
}

// ---------------------------------------------------------------- R-FUND-4, R-FUND-5

async fn withdraw_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    member_id: i64,
    out: Outcome,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check_withdrawal(&session.viewer, org.id, member_id)
        .map_err(|e| PageError::from_access(t, e))?;
    let fail = |e| PageError::from_app(t, e);
    let pos = state
        .app
        .withdrawal_position(org.id, member_id)
        .await
        .map_err(fail)?;
    let criteria = state
        .app
        .fund_decisions(org.id, ProposalKind::WithdrawalCriteria)
        .await
        .map_err(fail)?;
    let mut page = OperationPage::new(t, &session, &org, t.get("fundop.withdraw.title"));
    page.intro = t.get("fundop.withdraw.intro");
    page.rule = "R-FUND-4";
    let e = &pos.entitlement;
    page.figures = vec![
        Figure {
            id: "entitlement-left",
            label: t.get("fundop.entitlement_left"),
            value: money(t, e.available_minor),
        },
        Figure {
            id: "entitlement-gross",
            label: t.get("fundop.entitlement_gross"),
            value: money(t, e.gross_minor),
        },
        Figure {
            id: "entitlement-withdrawn",
            label: t.get("fundop.withdrawn"),
            value: money(t, e.withdrawn_minor),
        },
    ];
    if today_mx() < pos.opens_on {
        page.note = Some(t.fmt("fundop.opens", &t.date(&pos.opens_on)));
    } else {
        let purposes = WithdrawalPurpose::ALL
            .iter()
            .map(|p| (p.as_str().to_string(), purpose_label(t, *p).to_string()))
            .collect();
        let decisions = std::iter::once((String::new(), t.get("fundop.f.no_decision").into()))
            .chain(criteria.iter().map(|d| {
                (
                    d.proposal_id.to_string(),
                    format!("{} · {}", d.proposal_id, d.purpose),
                )
            }))
            .collect();
        let fields = vec![
            select(t, "uso", purposes),
            field(t, "importe", "amount"),
            Field {
                help: Some(t.get("fundop.criteria_help")),
                label: t.get("fundop.f.criteria"),
                ..select(t, "decision", decisions)
            },
            field(t, "fecha", "date"),
        ];
        page.forms.push(out.form(
            t,
            "withdraw-form",
            t.get("fundop.withdraw.form"),
            format!("/odf/{}/socios/{member_id}/retiro", org.data.slug),
            t.get("fundop.withdraw.submit"),
            fields,
        ));
    }
    page.links = vec![(
        format!("/odf/{}/socios/{member_id}", org.data.slug),
        t.get("fundop.to_statement"),
    )];
    out.finish(t, page)
}

pub async fn withdraw_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
) -> PageResult {
    withdraw_response(&state, &ctx, &slug, member_id, Outcome::default()).await
}

/// What a refused withdrawal says, with the figures read before it.
fn withdraw_refusal(
    t: Tr,
    e: &AppError,
    amount: i64,
    pos: &WithdrawalPosition,
) -> Option<(&'static str, String)> {
    if let AppError::Store(StoreError::NotFound { .. }) = e {
        return Some(("decision", t.get("fundop.err.education").into()));
    }
    if !e.is_caller_error() {
        return None;
    }
    Some(match (e.field().unwrap_or(""), e.rule_id()) {
        ("amount", Some("R-FUND-5")) => (
            "importe",
            t.fmt_all(
                "fundop.err.over_entitlement",
                &[
                    &money(t, amount),
                    &money(t, pos.entitlement.available_minor),
                ],
            ),
        ),
        ("amount", _) if amount > pos.development_cash_minor => (
            "importe",
            t.fmt_all(
                "fundop.err.over_development",
                &[&money(t, amount), &money(t, pos.development_cash_minor)],
            ),
        ),
        ("amount", _) => ("importe", t.get("fundop.err.amount").into()),
        ("date", _) => ("fecha", t.fmt("fundop.opens", &t.date(&pos.opens_on))),
        ("purpose", _) => ("uso", t.get("fundop.err.retirement").into()),
        ("board_decision" | "decision_id", _) => ("decision", t.get("fundop.err.education").into()),
        _ => return common_refusal(t, e),
    })
}

pub async fn withdraw_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
    Form(input): Form<OpInput>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &input.csrf)?;
    check_withdrawal(&session.viewer, org.id, member_id)
        .map_err(|e| PageError::from_access(t, e))?;
    let refuse = |field, m: String| Outcome::refused("withdraw-form", field, m, input.clone());
    let Ok(purpose) = WithdrawalPurpose::parse(&input.uso) else {
        let out = refuse("uso", t.get("fundop.err.purpose").into());
        return withdraw_response(&state, &ctx, &slug, member_id, out).await;
    };
    let decision = match input.decision.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                let out = refuse("decision", t.get("fundop.err.education").into());
                return withdraw_response(&state, &ctx, &slug, member_id, out).await;
            }
        },
    };
    let (amount, when) = match amount_and_date(t, &org, &input) {
        Ok(v) => v,
        Err((f, m)) => {
            return withdraw_response(&state, &ctx, &slug, member_id, refuse(f, m)).await
        }
    };
    let fail = |e| PageError::from_app(t, e);
    let pos = state
        .app
        .withdrawal_position(org.id, member_id)
        .await
        .map_err(fail)?;
    let result = state
        .app
        .withdraw_development(
            org.id,
            &reference(&input),
            member_id,
            purpose,
            amount,
            decision,
            when,
            &actor(&ctx, &session),
        )
        .await;
    let out = match result {
        Ok(o) if o.replay => Outcome::done(false, t.get("fundop.replay").to_string()),
        Ok(_) => {
            let after = state
                .app
                .withdrawal_position(org.id, member_id)
                .await
                .map_err(fail)?;
            Outcome::done(
                true,
                t.fmt_all(
                    "fundop.withdraw.done",
                    &[
                        &money(t, amount),
                        purpose_label(t, purpose),
                        &money(t, after.entitlement.available_minor),
                    ],
                ),
            )
        }
        Err(e) => match withdraw_refusal(t, &e, amount, &pos) {
            Some((f, m)) => refuse(f, m),
            None => return Err(fail(e)),
        },
    };
    withdraw_response(&state, &ctx, &slug, member_id, out).await
}

// ---------------------------------------------------------------- R-FUND-1, R-PLAN-3: payments

async fn payments_response(state: &AppState, ctx: &Ctx, slug: &str, out: Outcome) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let owing = state
        .app
        .members_owing(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let mut page = OperationPage::new(t, &session, &org, t.get("fundop.pay.title"));
    page.intro = t.get("fundop.pay.intro");
    page.rule = "R-FUND-1";
    let total: i64 = owing.iter().map(|o| o.total_minor()).sum();
    page.figures.push(Figure {
        id: "owing-total",
        label: t.get("fundop.owing_total"),
        value: money(t, total),
    });
    if session.viewer.may(org.id, Action::ManageMembers) && !owing.is_empty() {
        let chosen = out.input.socio.clone();
        let options = owing
            .iter()
            .map(|o| {
                (
                    o.member_id.to_string(),
                    format!("{} · {}", o.name, money(t, o.total_minor())),
                )
            })
            .collect();
        let mut fields = vec![
            select(t, "socio", options),
            Field {
                help: Some(t.get("fundop.pay.amount_help")),
                ..field(t, "importe", "amount")
            },
            field(t, "fecha", "date"),
        ];
        fields[0].value = chosen;
        page.forms.push(out.form(
            t,
            "pay-form",
            t.get("fundop.pay.form"),
            format!("/odf/{}/fondo/pagos", org.data.slug),
            t.get("fundop.pay.submit"),
            fields,
        ));
    }
    page.tables.push(Table {
        id: "owing",
        title: t.get("fundop.owing"),
        empty: t.get("fundop.nobody_owes"),
        headers: vec![
            (t.get("fundop.col.member"), false),
            (t.get("fundop.col.contribution"), true),
            (t.get("fundop.col.profit_share"), true),
            (t.get("fundop.col.total"), true),
        ],
        rows: owing
            .iter()
            .map(|o| Row {
                cells: vec![
                    (o.name.clone(), false),
                    (money(t, o.contribution_minor), true),
                    (money(t, o.profit_share_minor), true),
                    (money(t, o.total_minor()), true),
                ],
                action: None,
            })
            .collect(),
        action_label: "",
        csv: Some(format!("/odf/{}/fondo/pagos.csv", org.data.slug)),
    });
    // R-FUND-6: the notices standing, resolved when the borrower replenishes the Fund.
    let notices = state
        .app
        .notices_standing(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    page.tables.push(Table {
        id: "notices",
        title: t.get("fundop.notices"),
        empty: t.get("fundop.no_notices"),
        headers: vec![
            (t.get("fundop.col.borrower"), false),
            (t.get("fundop.col.short"), true),
        ],
        rows: notices
            .into_iter()
            .map(|n| Row {
                cells: vec![
                    (
                        if n.member_id.is_some() {
                            n.name
                        } else {
                            org.data.name.clone()
                        },
                        false,
                    ),
                    (money(t, n.amount_minor), true),
                ],
                action: None,
            })
            .collect(),
        action_label: "",
        csv: Some(format!("/odf/{}/fondo/incumplimientos.csv", org.data.slug)),
    });
    page.links = vec![
        (
            format!("/odf/{}/cobranza", org.data.slug),
            t.get("fundop.to_sheet"),
        ),
        (
            format!("/odf/{}/fondo", org.data.slug),
            t.get("fundop.to_fund"),
        ),
    ];
    out.finish(t, page)
}

pub async fn payments_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    payments_response(&state, &ctx, &slug, Outcome::default()).await
}

pub async fn payment_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(input): Form<OpInput>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &input.csrf).await?;
    let refuse = |field, m: String| Outcome::refused("pay-form", field, m, input.clone());
    let Ok(member_id) = input.socio.trim().parse::<i64>() else {
        let out = refuse("socio", t.get("fundop.err.member").into());
        return payments_response(&state, &ctx, &slug, out).await;
    };
    // Empty: everything the member owes.
    let limit = if input.importe.trim().is_empty() {
        None
    } else {
        match crate::shell::format::typed_amount_minor(t, &input.importe, false) {
            Ok(a) if a > 0 => Some(a),
            Ok(_) => {
                let out = refuse("importe", t.get("fundop.err.amount").into());
                return payments_response(&state, &ctx, &slug, out).await;
            }
            Err(m) => {
                return payments_response(&state, &ctx, &slug, refuse("importe", m.into())).await
            }
        }
    };
    let when = match fact_date_field(t, &input.fecha, org.data.founded_on) {
        Ok(w) => w,
        Err(m) => return payments_response(&state, &ctx, &slug, refuse("fecha", m.into())).await,
    };
    let reference = reference(&input);
    let result = state
        .app
        .settle_member_debts(
            org.id,
            member_id,
            &reference,
            limit,
            false,
            when,
            &actor(&ctx, &session),
        )
        .await;
    let out = match result {
        Ok(s) if s.replay || s.contribution_minor + s.profit_share_minor > 0 => {
            return Ok(
                Redirect::to(&format!("/odf/{}/fondo/recibos/{reference}", org.data.slug))
                    .into_response(),
            )
        }
        Ok(_) => refuse("socio", t.get("fundop.err.nothing_owed").into()),
        Err(AppError::Store(StoreError::NotFound { .. })) => {
            refuse("socio", t.get("fundop.err.member").into())
        }
        Err(e) => match common_refusal(t, &e) {
            Some((f, m)) => refuse(f, m),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    payments_response(&state, &ctx, &slug, out).await
}

/// The members who owe, as a spreadsheet: name and amounts in pesos (plain numbers).
pub async fn owing_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let owing = state
        .app
        .members_owing(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let cell = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = [
        t.get("fundop.col.member"),
        t.get("fundop.col.contribution"),
        t.get("fundop.col.profit_share"),
        t.get("fundop.col.total"),
    ]
    .map(cell)
    .join(",");
    csv.push('\n');
    for o in &owing {
        csv.push_str(&format!(
            "{},{},{},{}\n",
            cell(&o.name),
            app::check::major(o.contribution_minor as i128),
            app::check::major(o.profit_share_minor as i128),
            app::check::major(o.total_minor() as i128),
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"adeudos-fondo.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "fund_receipt.html")]
struct ReceiptPage {
    t: Tr,
    nav: Nav,
    org_name: String,
    number: String,
    member: String,
    contribution: String,
    profit_share: String,
    total: String,
    recorded: String,
    back: String,
}

/// The receipt of a member's payment: staff, the board, supervisors and the member who paid;
/// anyone else gets 404, as for a receipt that does not exist.
pub async fn receipt_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, reference)): Path<(String, String)>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let r = match state.app.fund_payment_receipt(org.id, &reference).await {
        Ok(r) => r,
        Err(AppError::Store(StoreError::NotFound { .. })) => return Err(PageError::NotFound(t)),
        Err(e) => return Err(PageError::from_app(t, e)),
    };
    check(
        &ctx,
        &session.viewer,
        org.id,
        Action::ViewMember(r.member_id),
    )?;
    let member = state
        .app
        .store()
        .member(org.id, r.member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let back = if session.viewer.may(org.id, Action::ViewMembers) {
        format!("/odf/{}/fondo/pagos", org.data.slug)
    } else {
        format!("/odf/{}/socios/{}", org.data.slug, r.member_id)
    };
    Ok(render(ReceiptPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        org_name: org.data.name.clone(),
        number: r.number.to_string(),
        member: app::dues_cases::member_name(&member),
        contribution: money(t, r.contribution_minor),
        profit_share: money(t, r.profit_share_minor),
        total: money(t, r.contribution_minor + r.profit_share_minor),
        recorded: t.datetime(&r.recorded_at),
        back,
    }))
}

// ---------------------------------------------------------------- R-FUND-1, R-FUND-2: grants

async fn contributions_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    out: Outcome,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let fail = |e| PageError::from_app(t, e);
    let temporaries = state
        .app
        .temporary_outstanding(org.id)
        .await
        .map_err(fail)?;
    let fund = state.app.fund_state(org.id).await.map_err(fail)?;
    let mut page = OperationPage::new(t, &session, &org, t.get("fundop.grants.title"));
    page.intro = t.get("fundop.grants.intro");
    page.rule = "R-FUND-2";
    page.figures = vec![
        Figure {
            id: "grants-total",
            label: t.get("fundop.grants_total"),
            value: money(t, fund.grants.total()),
        },
        Figure {
            id: "temporary-total",
            label: t.get("fundop.temporary_total"),
            value: money(t, temporaries.iter().map(|x| x.amount_minor).sum()),
        },
    ];
    let may_act = session.viewer.may(org.id, Action::ManageMembers);
    if may_act {
        let slug = &org.data.slug;
        let fields = || {
            vec![
                field(t, "nombre", "text"),
                field(t, "importe", "amount"),
                field(t, "fecha", "date"),
            ]
        };
        page.forms.push(out.form(
            t,
            "grant-form",
            t.get("fundop.grant.form"),
            format!("/odf/{slug}/fondo/donativos"),
            t.get("fundop.grant.submit"),
            fields(),
        ));
        page.forms.push(out.form(
            t,
            "temporary-form",
            t.get("fundop.temporary.form"),
            format!("/odf/{slug}/fondo/temporales"),
            t.get("fundop.temporary.submit"),
            fields(),
        ));
    }
    if let Some(("return", _, m)) = &out.refusal {
        page.error = Some(m.clone());
    }
    page.tables.push(Table {
        id: "temporaries",
        title: t.get("fundop.temporaries"),
        empty: t.get("fundop.no_temporaries"),
        headers: vec![
            (t.get("fundop.col.contributor"), false),
            (t.get("fundop.col.amount"), true),
        ],
        rows: temporaries
            .iter()
            .map(|x| Row {
                cells: vec![
                    (x.contributor.clone(), false),
                    (money(t, x.amount_minor), true),
                ],
                action: may_act.then(|| {
                    format!(
                        "/odf/{}/fondo/temporales/{}/devolucion",
                        org.data.slug, x.reference
                    )
                }),
            })
            .collect(),
        action_label: t.get("fundop.return.submit"),
        csv: Some(format!("/odf/{}/fondo/temporales.csv", org.data.slug)),
    });
    page.links = vec![(
        format!("/odf/{}/fondo", org.data.slug),
        t.get("fundop.to_fund"),
    )];
    out.finish(t, page)
}

pub async fn contributions_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    contributions_response(&state, &ctx, &slug, Outcome::default()).await
}

/// A grant or a temporary contribution received (`temporary`), from the page's form.
async fn receive(
    state: AppState,
    ctx: Ctx,
    slug: String,
    input: OpInput,
    temporary: bool,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &input.csrf).await?;
    let form = if temporary {
        "temporary-form"
    } else {
        "grant-form"
    };
    let refuse = |field, m: String| Outcome::refused(form, field, m, input.clone());
    let name = input.nombre.trim();
    if name.is_empty() || name.chars().count() > 200 {
        let out = refuse("nombre", t.get("fundop.err.name").into());
        return contributions_response(&state, &ctx, &slug, out).await;
    }
    let (amount, when) = match amount_and_date(t, &org, &input) {
        Ok(v) => v,
        Err((f, m)) => return contributions_response(&state, &ctx, &slug, refuse(f, m)).await,
    };
    let (reference, audit) = (reference(&input), actor(&ctx, &session));
    let result = if temporary {
        state
            .app
            .receive_temporary(org.id, &reference, name, amount, when, &audit)
            .await
    } else {
        state
            .app
            .receive_grant(org.id, &reference, name, amount, when, &audit)
            .await
    };
    let done = if temporary {
        "fundop.temporary.done"
    } else {
        "fundop.grant.done"
    };
    let out = match result {
        Ok(o) if o.replay => Outcome::done(false, t.get("fundop.replay").to_string()),
        Ok(_) => Outcome::done(true, t.fmt_all(done, &[&money(t, amount), name])),
        Err(e) if matches!(e.field(), Some("donor" | "contributor")) => {
            refuse("nombre", t.get("fundop.err.name").into())
        }
        Err(e) => match common_refusal(t, &e) {
            Some((f, m)) => refuse(f, m),
            None => return Err(PageError::from_app(t, e)),
        },
    };
    contributions_response(&state, &ctx, &slug, out).await
}

pub async fn grant_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(input): Form<OpInput>,
) -> PageResult {
    receive(state, ctx, slug, input, false).await
}

pub async fn temporary_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(input): Form<OpInput>,
) -> PageResult {
    receive(state, ctx, slug, input, true).await
}

/// R-FUND-1: the temporary contribution received under `reference` goes back to its
/// contributor (its key is the reference's: sent twice, returned once).
pub async fn return_post(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, reference)): Path<(String, String)>,
    Form(input): Form<OpInput>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = staff_form(&state, &ctx, &slug, &input.csrf).await?;
    let outstanding = state
        .app
        .temporary_outstanding(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .into_iter()
        .find(|x| x.reference == reference);
    let result = state
        .app
        .return_temporary(
            org.id,
            &reference,
            FactDate::today(today_mx()),
            &actor(&ctx, &session),
        )
        .await;
    let out = match (result, outstanding) {
        (Ok(o), _) if o.replay => Outcome::done(false, t.get("fundop.replay").to_string()),
        (Ok(_), Some(x)) => Outcome::done(
            true,
            t.fmt_all(
                "fundop.return.done",
                &[&x.contributor, &money(t, x.amount_minor)],
            ),
        ),
        (Ok(_), None) => Outcome::done(true, t.get("fundop.replay").to_string()),
        (Err(e), _) if e.is_caller_error() => Outcome::refused(
            "return",
            "importe",
            t.get("fundop.err.return").to_string(),
            input,
        ),
        (Err(e), _) => return Err(PageError::from_app(t, e)),
    };
    contributions_response(&state, &ctx, &slug, out).await
}
