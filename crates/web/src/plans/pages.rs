//! Business plans on the web (R-PLAN-1, R-PLAN-4): the ODF's plans and those flagged for
//! review, the form with which staff agree a member's plan (baseline revenue and profit, a
//! revenue target and its date, one measure), so that the member can report income (R-PLAN-2
//! needs an agreed plan); one plan with its history, where staff revise the target or end the
//! plan (succeeded, failed, abandoned; confirmed first), and a member's own plan.

use crate::shell::pager::{count_words, page_number, paged, Pager};
use crate::shell::{
    check, check_csrf, form_error, render, visible_org, Ctx, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::Action;
use app::{AppError, Audit};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Form;
use chrono::NaiveDate;
use fund::{NewBusinessPlan, Target, TargetMeasure};
use ledger::Money;
use serde::Deserialize;

pub struct PlanRow {
    pub id: i64,
    pub member: String,
    pub baseline: String,
    pub target: String,
    pub by: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    may_agree: bool,
    form: PlanForm,
    error: Option<String>,
    ok: bool,
    plans: Vec<PlanRow>,
    plans_pager: Pager,
    /// R-PLAN-4: the active plans with no positive increment in the last periods.
    flagged: Vec<FlaggedRow>,
    flagged_pager: Pager,
    /// "3 periodos hasta marzo 2026", or empty before the first close.
    flag_window: String,
}

pub struct FlaggedRow {
    pub plan_id: i64,
    pub member: String,
    pub periods: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct PlanForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub member: String,
    #[serde(default)]
    pub baseline_revenue: String,
    #[serde(default)]
    pub baseline_profit: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub measure: String,
    /// The day the plan was agreed (empty: today); a plan agreed on paper before the ODF used
    /// Tequio is recorded on its own day (checked by `fact_date`).
    #[serde(default)]
    pub fecha: String,
}

fn status_label(t: Tr, s: fund::PlanStatus) -> &'static str {
    match s {
        fund::PlanStatus::Active => t.get("plans.status.active"),
        fund::PlanStatus::Succeeded => t.get("plans.status.succeeded"),
        fund::PlanStatus::Failed => t.get("plans.status.failed"),
        fund::PlanStatus::Abandoned => t.get("plans.status.abandoned"),
    }
}

/// `?pagina=N` (the plans) and `?marcados=N` (the flagged plans) of the plans page.
#[derive(Deserialize, Default)]
pub struct PlansQuery {
    pub pagina: Option<usize>,
    pub marcados: Option<usize>,
}

#[allow(clippy::too_many_arguments)]
async fn plans_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    status: StatusCode,
    form: PlanForm,
    error: Option<String>,
    ok: bool,
    q: PlansQuery,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let fail = |e| PageError::from_app(t, e);
    // Issue 17: every plan and every flag is counted; a page of each is shown, and only the
    // members shown are read (one query for them all).
    let (plan_page, flag_page) = (page_number(q.pagina), page_number(q.marcados));
    let base = format!("/odf/{}/planes", org.data.slug);
    let mut all = state.app.plans(org.id).await.map_err(fail)?;
    all.reverse();
    let (shown, plans_pager) = paged(
        t,
        all,
        plan_page,
        |n| count_words(t, n, "plans.count_one", "plans.count"),
        |n| format!("{base}?pagina={n}&marcados={flag_page}#plans-list"),
    );
    let (last, flags) = state.app.plan_review_flags(org.id).await.map_err(fail)?;
    let (flags, flagged_pager) = paged(
        t,
        flags,
        flag_page,
        |n| count_words(t, n, "plans.flagged_count_one", "plans.flagged_count"),
        |n| format!("{base}?pagina={plan_page}&marcados={n}#flagged"),
    );
    let names = state
        .app
        .member_names(
            org.id,
            shown
                .iter()
                .map(|p| p.member_id)
                .chain(flags.iter().map(|f| f.member_id)),
        )
        .await
        .map_err(fail)?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let plans = shown
        .into_iter()
        .map(|p| PlanRow {
            id: p.id,
            member: name(p.member_id),
            baseline: t.money(p.baseline_revenue.amount_minor() as i128),
            target: t.money(p.target.amount.amount_minor() as i128),
            by: p.target.by.format("%d/%m/%Y").to_string(),
            status: status_label(t, p.status),
        })
        .collect();
    let flagged = flags
        .into_iter()
        .map(|f| FlaggedRow {
            plan_id: f.plan_id,
            member: name(f.member_id),
            periods: f
                .periods
                .iter()
                .map(|p| t.period(p))
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let flag_window = match last {
        Some(last) => {
            let window = state
                .app
                .fund_settings(org.id)
                .await
                .map_err(fail)?
                .inadequate_plan_periods;
            t.fmt_all(
                "plans.flag_window",
                &[window.to_string().as_str(), t.period(&last).as_str()],
            )
        }
        None => String::new(),
    };
    let page = PlansPage {
        t,
        flagged,
        flagged_pager,
        flag_window,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_agree: session.viewer.may(org.id, Action::ManageMembers),
        form,
        error,
        ok,
        plans,
        plans_pager,
    };
    Ok((status, render(page)).into_response())
}

pub async fn plans_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PlansQuery>,
) -> PageResult {
    plans_response(
        &state,
        &ctx,
        &slug,
        StatusCode::OK,
        PlanForm::default(),
        None,
        false,
        q,
    )
    .await
}

pub async fn agree_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<PlanForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check_csrf(&ctx, &session, &form.csrf)?;
    check(&ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let refuse = |field: &str, message: String| {
        let m = format!("{message} ({})", crate::shell::label(t, field));
        plans_response(
            &state,
            &ctx,
            &slug,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
            false,
            PlansQuery::default(),
        )
    };
    let member = match state.app.member_by_ref(org.id, &form.member).await {
        Ok(m) => m,
        Err(e) => return refuse("member", form_error(t, e)?).await,
    };
    let cur = org.data.currency;
    // Amounts as a Mexican user types them (`format::typed_amount_minor`); a loss is allowed
    // only in the baseline profit.
    let typed =
        |text: &str, signed: bool| crate::shell::format::typed_amount_minor(t, text, signed);
    let revenue = match typed(&form.baseline_revenue, false) {
        Ok(v) => v,
        Err(e) => return refuse("baseline_revenue", e.to_string()).await,
    };
    let profit = match typed(&form.baseline_profit, true) {
        Ok(v) => v,
        Err(e) => return refuse("baseline_profit", e.to_string()).await,
    };
    let target = match typed(&form.target, false) {
        Ok(v) if v > 0 => v,
        Ok(_) => return refuse("target", t.get("plans.err.amount").to_string()).await,
        Err(e) => return refuse("target", e.to_string()).await,
    };
    let Ok(by) = NaiveDate::parse_from_str(form.by.trim(), "%Y-%m-%d") else {
        return refuse("by", t.get("plans.err.date").to_string()).await;
    };
    let measure = form.measure.trim().to_string();
    let new = NewBusinessPlan {
        member_id: member.id,
        baseline_revenue: Money::new(revenue, cur),
        baseline_profit: Money::new(profit, cur),
        target: Target {
            measure: TargetMeasure::Revenue,
            amount: Money::new(target, cur),
            by,
        },
        measures: if measure.is_empty() {
            Vec::new()
        } else {
            vec![measure]
        },
        services: Vec::new(),
    };
    let when = match crate::shell::fact_date_field(t, &form.fecha, org.data.founded_on) {
        Ok(when) => when,
        Err(e) => return refuse("fecha", t.get(e).to_string()).await,
    };
    let audit = Audit::new(session.viewer.login.clone(), ctx.origin.clone());
    match state.app.agree_plan(org.id, new, when, &audit).await {
        Ok(_) => {
            plans_response(
                &state,
                &ctx,
                &slug,
                StatusCode::CREATED,
                PlanForm::default(),
                None,
                true,
                PlansQuery::default(),
            )
            .await
        }
        Err(e) if e.is_caller_error() => {
            let field = e.field().unwrap_or("member").to_string();
            let m = match &e {
                AppError::Fund(_) if field == "member_id" => t.get("plans.err.active_plan"),
                _ => t.get("plans.err.rule"),
            };
            refuse(&field, m.to_string()).await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

// ---------------------------------------------------------------- one plan

pub struct HistoryRow {
    pub on: String,
    pub what: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    t: Tr,
    nav: Nav,
    slug: String,
    csrf: String,
    member_id: i64,
    member: String,
    /// None: the member has no plan yet.
    plan: Option<PlanView>,
    can_change: bool,
    error: Option<String>,
    ok: Option<&'static str>,
    form: ChangeForm,
}

pub struct PlanView {
    pub id: i64,
    pub status: &'static str,
    pub active: bool,
    pub agreed_on: String,
    pub baseline_revenue: String,
    pub baseline_profit: String,
    pub target: String,
    pub measures: Vec<String>,
    pub history: Vec<HistoryRow>,
    /// R-PLAN-4: the periods it is flagged for, if it is.
    pub flagged: Option<String>,
}

/// The target as people read it: "$20,000.00 de ingresos al mes para el 31 dic 2027".
fn target_text(t: Tr, target: &Target) -> String {
    let measure = match target.measure {
        TargetMeasure::Revenue => t.get("plans.measure.revenue"),
        TargetMeasure::Profit => t.get("plans.measure.profit"),
    };
    t.fmt_all(
        "plans.target_text",
        &[
            t.money(target.amount.amount_minor() as i128).as_str(),
            measure,
            t.date(&target.by).as_str(),
        ],
    )
}

fn plan_view(t: Tr, p: &fund::BusinessPlan, flagged: Option<String>) -> PlanView {
    PlanView {
        id: p.id,
        status: status_label(t, p.status),
        active: p.status == fund::PlanStatus::Active,
        agreed_on: t.date(&p.agreed_on),
        baseline_revenue: t.money(p.baseline_revenue.amount_minor() as i128),
        baseline_profit: t.money(p.baseline_profit.amount_minor() as i128),
        target: target_text(t, &p.target),
        measures: p.measures.clone(),
        history: p
            .history
            .iter()
            .rev()
            .map(|c| HistoryRow {
                on: t.date(&c.on),
                what: match &c.kind {
                    fund::plan::PlanChangeKind::Agreed => t.get("plans.h.agreed").to_string(),
                    fund::plan::PlanChangeKind::StatusChanged { from, to } => t.fmt_all(
                        "plans.h.status",
                        &[status_label(t, *from), status_label(t, *to)],
                    ),
                    fund::plan::PlanChangeKind::TargetRevised { from, to } => t.fmt_all(
                        "plans.h.target",
                        &[target_text(t, from).as_str(), target_text(t, to).as_str()],
                    ),
                    fund::plan::PlanChangeKind::MeasuresRevised => {
                        t.get("plans.h.measures").to_string()
                    }
                },
                reason: c.reason.clone(),
            })
            .collect(),
        flagged,
    }
}

/// The form of a change: a new target (amount, date) or an end (status), with the reason and
/// the day of the change.
#[derive(Deserialize, Default, Clone)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub fecha: String,
    #[serde(default)]
    pub confirmar: String,
}

async fn plan_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    plan_id: Option<i64>,
    member_id: Option<i64>,
    outcome: (StatusCode, Option<String>, Option<&'static str>, ChangeForm),
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewShared)?;
    let plans = state
        .app
        .plans(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let plan = match (plan_id, member_id) {
        (Some(id), _) => Some(
            plans
                .into_iter()
                .find(|p| p.id == id)
                .ok_or(PageError::NotFound(t))?,
        ),
        // The member's latest plan (the one in force).
        (None, Some(m)) => plans
            .into_iter()
            .filter(|p| p.member_id == m)
            .max_by_key(|p| (p.agreed_on, p.id)),
        (None, None) => None,
    };
    let member_id = plan
        .as_ref()
        .map(|p| p.member_id)
        .or(member_id)
        .unwrap_or(0);
    // A member sees their own plan only; staff, board and supervisors every plan.
    check(ctx, &session.viewer, org.id, Action::ViewMember(member_id))?;
    let member = state
        .app
        .store()
        .member(org.id, member_id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let flagged = match &plan {
        // Issue 17: this member's plans' flags only (not every plan's, nor their names).
        Some(p) if p.status == fund::PlanStatus::Active => state
            .app
            .member_plan_review_flags(org.id, p.member_id)
            .await
            .map_err(|e| PageError::from_app(t, e))?
            .into_iter()
            .find(|f| f.plan_id == p.id)
            .map(|f| {
                f.periods
                    .iter()
                    .map(|q| t.period(q))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        _ => None,
    };
    let (status, error, ok, form) = outcome;
    let page = PlanPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        member_id,
        member: format!("{} {}", member.data.given_names, member.data.surnames),
        plan: plan.as_ref().map(|p| plan_view(t, p, flagged)),
        can_change: session.viewer.may(org.id, Action::ManageMembers),
        error,
        ok,
        form,
    };
    Ok((status, render(page)).into_response())
}

/// `/odf/{slug}/planes/{id}`: one plan with its history (R-PLAN-1); staff change it here.
pub async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> PageResult {
    let outcome = (StatusCode::OK, None, None, ChangeForm::default());
    plan_response(&state, &ctx, &slug, Some(id), None, outcome).await
}

/// `/odf/{slug}/socios/{id}/plan`: the member's plan in force (linked from their statement).
pub async fn member_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, member_id)): Path<(String, i64)>,
) -> PageResult {
    let outcome = (StatusCode::OK, None, None, ChangeForm::default());
    plan_response(&state, &ctx, &slug, None, Some(member_id), outcome).await
}

/// A change's common checks: CSRF, staff, the reason and the day.
async fn change_checks(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    form: &ChangeForm,
) -> Result<(store::Org, Audit, Result<app::FactDate, &'static str>), PageError> {
    let (org, session) = visible_org(state, ctx, slug).await?;
    check_csrf(ctx, &session, &form.csrf)?;
    check(ctx, &session.viewer, org.id, Action::ManageMembers)?;
    let audit = Audit::new(session.viewer.login.clone(), ctx.origin.clone());
    let when = if form.reason.trim().is_empty() || form.reason.chars().count() > 500 {
        Err("reason")
    } else {
        crate::shell::fact_date_field(ctx.t, &form.fecha, org.data.founded_on).map_err(|_| "fecha")
    };
    Ok((org, audit, when))
}

/// The page again with a refused field named and the form as typed (422).
async fn refuse_change(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    id: i64,
    field: &str,
    form: ChangeForm,
) -> PageResult {
    let m = crate::shell::field_problem(ctx.t, field);
    let outcome = (StatusCode::UNPROCESSABLE_ENTITY, Some(m), None, form);
    plan_response(state, ctx, slug, Some(id), None, outcome).await
}

/// The field a refused plan change names, as the form calls it.
fn change_field(e: &AppError) -> &'static str {
    match e.field() {
        Some("target.amount") => "target",
        Some("target.by") => "by",
        Some("on") => "fecha",
        Some("reason") => "reason",
        _ => "status",
    }
}

/// POST `/odf/{slug}/planes/{id}/meta` (R-PLAN-1): a new target (amount and date) with the
/// reason; the baseline never changes, the history keeps the old target.
pub async fn revise_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<ChangeForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, audit, when) = change_checks(&state, &ctx, &slug, &form).await?;
    let when = match when {
        Ok(w) => w,
        Err(field) => return refuse_change(&state, &ctx, &slug, id, field, form).await,
    };
    let amount = match crate::shell::format::typed_amount_minor(t, &form.target, false) {
        Ok(v) if v > 0 => v,
        _ => return refuse_change(&state, &ctx, &slug, id, "target", form).await,
    };
    let Ok(by) = NaiveDate::parse_from_str(form.by.trim(), "%Y-%m-%d") else {
        return refuse_change(&state, &ctx, &slug, id, "by", form).await;
    };
    let plan = state
        .app
        .plan(org.id, id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let command = app::fund_cases::PlanCommand::Target {
        target: Target {
            measure: plan.target.measure,
            amount: Money::new(amount, org.data.currency),
            by,
        },
        reason: form.reason.trim().to_string(),
    };
    match state
        .app
        .change_plan(org.id, id, command, when, &audit)
        .await
    {
        Ok(_) => {
            let outcome = (
                StatusCode::OK,
                None,
                Some("plans.revised"),
                ChangeForm::default(),
            );
            plan_response(&state, &ctx, &slug, Some(id), None, outcome).await
        }
        Err(e) if e.is_caller_error() => {
            let field = change_field(&e);
            refuse_change(&state, &ctx, &slug, id, field, form).await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

/// POST `/odf/{slug}/planes/{id}/terminar` (R-PLAN-1): ends an active plan as succeeded,
/// failed or abandoned; a confirmation page first, then with `confirmar=1` the change.
pub async fn end_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<ChangeForm>,
) -> PageResult {
    let t = ctx.t;
    let (org, audit, when) = change_checks(&state, &ctx, &slug, &form).await?;
    let when = match when {
        Ok(w) => w,
        Err(field) => return refuse_change(&state, &ctx, &slug, id, field, form).await,
    };
    let to = match form.status.as_str() {
        "succeeded" => fund::PlanStatus::Succeeded,
        "failed" => fund::PlanStatus::Failed,
        "abandoned" => fund::PlanStatus::Abandoned,
        _ => return refuse_change(&state, &ctx, &slug, id, "status", form).await,
    };
    let plan = state
        .app
        .plan(org.id, id)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    if form.confirmar != "1" {
        let member = state
            .app
            .store()
            .member(org.id, plan.member_id)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        let session = crate::shell::require(&ctx)?;
        return Ok(render(crate::shell::ConfirmPage {
            t,
            nav: Nav::for_session(t, session, Some(&org)),
            title: t.get("plans.end.confirm.title"),
            lines: vec![
                (
                    t.get("field.name"),
                    format!("{} {}", member.data.given_names, member.data.surnames),
                ),
                (t.get("plans.f.goal"), target_text(t, &plan.target)),
                (t.get("plans.f.status"), status_label(t, to).to_string()),
                (t.get("mp.f.fecha"), t.date(&when.on)),
                (t.get("mp.f.reason"), form.reason.trim().to_string()),
            ],
            action: format!("/odf/{slug}/planes/{id}/terminar"),
            hidden: vec![
                ("csrf", form.csrf.clone()),
                ("status", form.status.clone()),
                ("reason", form.reason.trim().to_string()),
                ("fecha", when.on.to_string()),
            ],
            confirm: t.get("plans.end.confirm.submit"),
            back: format!("/odf/{slug}/planes/{id}"),
        })
        .into_response());
    }
    let command = app::fund_cases::PlanCommand::Status {
        to,
        reason: form.reason.trim().to_string(),
    };
    match state
        .app
        .change_plan(org.id, id, command, when, &audit)
        .await
    {
        Ok(_) => {
            let outcome = (
                StatusCode::OK,
                None,
                Some("plans.ended"),
                ChangeForm::default(),
            );
            plan_response(&state, &ctx, &slug, Some(id), None, outcome).await
        }
        // Sent twice: the first ended it with this status; the page says so.
        Err(e) if e.is_caller_error() && plan.status == to => {
            let outcome = (
                StatusCode::OK,
                None,
                Some("plans.ended"),
                ChangeForm::default(),
            );
            plan_response(&state, &ctx, &slug, Some(id), None, outcome).await
        }
        Err(e) if e.is_caller_error() => {
            let field = change_field(&e);
            refuse_change(&state, &ctx, &slug, id, field, form).await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}
