//! Business plans on the web (R-PLAN-1): the ODF's plans, and the minimal form with which
//! staff agree a member's plan (baseline revenue and profit, a revenue target and its date, one
//! measure), so that the member can report income (R-PLAN-2 needs an agreed plan). Changing a
//! plan's status or target stays with the CLI (`tequio plan`) for now.

use crate::account_pages::form_error;
use crate::auth::Ctx;
use crate::i18n::Tr;
use crate::pages::{check, check_csrf, render, visible_org, Nav, PageError, PageResult};
use crate::AppState;
use app::access_cases::Action;
use app::{AppError, Audit};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Form;
use chrono::NaiveDate;
use fund::{NewBusinessPlan, Target, TargetMeasure};
use ledger::Money;
use serde::Deserialize;

pub struct PlanRow {
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

async fn plans_response(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    status: StatusCode,
    form: PlanForm,
    error: Option<String>,
    ok: bool,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let mut plans = Vec::new();
    for p in state
        .app
        .plans(org.id)
        .await
        .map_err(|e| PageError::from_app(t, e))?
        .into_iter()
        .rev()
        .take(200)
    {
        let m = state
            .app
            .store()
            .member(org.id, p.member_id)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        plans.push(PlanRow {
            member: format!("{} {}", m.data.given_names, m.data.surnames),
            baseline: t.money(p.baseline_revenue.amount_minor() as i128),
            target: t.money(p.target.amount.amount_minor() as i128),
            by: p.target.by.format("%d/%m/%Y").to_string(),
            status: status_label(t, p.status),
        });
    }
    let page = PlansPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        csrf: session.csrf.clone(),
        may_agree: session.viewer.may(org.id, Action::ManageMembers),
        form,
        error,
        ok,
        plans,
    };
    Ok((status, render(page)).into_response())
}

pub async fn plans_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    plans_response(
        &state,
        &ctx,
        &slug,
        StatusCode::OK,
        PlanForm::default(),
        None,
        false,
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
        let m = format!("{message} ({})", crate::account_pages::label(t, field));
        plans_response(
            &state,
            &ctx,
            &slug,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
            false,
        )
    };
    let member = match state.app.member_by_ref(org.id, &form.member).await {
        Ok(m) => m,
        Err(e) => return refuse("member", form_error(t, e)?).await,
    };
    let cur = org.data.currency;
    // Amounts as a Mexican user types them (`format::typed_amount_minor`); a loss is allowed
    // only in the baseline profit.
    let typed = |text: &str, signed: bool| crate::format::typed_amount_minor(t, text, signed);
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
    let when = match crate::fund_pages::fact_date_field(t, &form.fecha, org.data.founded_on) {
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
