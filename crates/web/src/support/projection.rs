//! The programme's projection on the web (R-SUP-2, supervisors): the present state, the form
//! for a scenario (prefilled with seed 002's: doubling each year, 10 % contributions, lines
//! doubling every six months up to 64 times the initial deposit), the saved scenarios compared
//! side by side with their months, SVG charts of the Fund, the lines and the lender's
//! exposure (`chart::line_chart`), and their CSV.

use super::supervision::supervisor;
use super::{count, csv_line, csv_pesos, csv_response, refusal};
use crate::shell::{check_csrf, render, today_mx, Ctx, Nav, PageError, PageResult, Tr};
use crate::AppState;
use app::access_cases::Session;
use app::Actor;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;
use support::projection::{Month, PresentState, Scenario};

/// The pilots' initial deposit (R-CRED-2's example: 235,000 for a line of 270,000), what the
/// preset assumes each new ODF deposits.
const PRESET_DEPOSIT_MINOR: i64 = 23_500_000;
const PRESET_MONTHS: u32 = 30;

#[derive(Deserialize, Clone)]
pub struct ScenarioForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub months: String,
    #[serde(default)]
    pub annual_growth: String,
    #[serde(default)]
    pub contribution_rate: String,
    #[serde(default)]
    pub review_months: String,
    #[serde(default)]
    pub review_factor: String,
    #[serde(default)]
    pub cap_multiple: String,
    #[serde(default)]
    pub initial_line_multiple: String,
    #[serde(default)]
    pub deposit_per_new_odf: String,
    #[serde(default)]
    pub utilisation: String,
}

impl ScenarioForm {
    /// Seed 002's scenario as the form shows it.
    fn preset(t: Tr) -> ScenarioForm {
        let s = Scenario::seed_002(PRESET_MONTHS, PRESET_DEPOSIT_MINOR);
        ScenarioForm {
            csrf: String::new(),
            name: s.name,
            months: s.months.to_string(),
            annual_growth: percent_text(s.annual_growth),
            contribution_rate: percent_text(s.contribution_rate),
            review_months: s.review_months.to_string(),
            review_factor: s.review_factor.normalize().to_string(),
            cap_multiple: s.cap_multiple.to_string(),
            // The pilots' multiple, exactly.
            initial_line_multiple: "270/235".into(),
            deposit_per_new_odf: t.money(s.deposit_per_new_odf_minor.into()).replace('$', ""),
            utilisation: percent_text(s.utilisation),
        }
    }
}

fn percent_text(rate: Decimal) -> String {
    (rate * Decimal::from(100)).normalize().to_string()
}

/// A decimal as typed: a point for decimals; a comma is refused, never misread.
fn decimal(text: &str) -> Option<Decimal> {
    let s = text.trim().trim_end_matches('%').trim();
    if s.is_empty() || s.contains(',') {
        return None;
    }
    Decimal::from_str(s).ok()
}

/// `270/235` or a decimal.
fn multiple(text: &str) -> Option<Decimal> {
    match text.split_once('/') {
        Some((a, b)) => {
            let (a, b) = (decimal(a)?, decimal(b)?);
            a.checked_div(b)
        }
        None => decimal(text),
    }
}

/// The scenario the form describes, or the field to fix and what is wrong.
fn scenario_of(t: Tr, f: &ScenarioForm) -> Result<Scenario, (&'static str, &'static str)> {
    let whole = |field: &'static str, text: &str| {
        text.trim()
            .parse::<u32>()
            .map_err(|_| (field, t.get("sup.err.whole_number")))
    };
    let number =
        |field: &'static str, text: &str| decimal(text).ok_or((field, t.get("sup.err.decimal")));
    let hundred = Decimal::from(100);
    let deposit = crate::shell::format::typed_amount_minor(t, &f.deposit_per_new_odf, false)
        .map_err(|m| ("deposit_per_new_odf", m))?;
    Ok(Scenario {
        name: f.name.clone(),
        months: whole("months", &f.months)?,
        annual_growth: number("annual_growth", &f.annual_growth)? / hundred,
        contribution_rate: number("contribution_rate", &f.contribution_rate)? / hundred,
        review_months: whole("review_months", &f.review_months)?,
        review_factor: number("review_factor", &f.review_factor)?,
        cap_multiple: i64::from(whole("cap_multiple", &f.cap_multiple)?),
        initial_line_multiple: multiple(&f.initial_line_multiple)
            .ok_or(("initial_line_multiple", t.get("sup.err.decimal")))?,
        deposit_per_new_odf_minor: deposit,
        utilisation: number("utilisation", &f.utilisation)? / hundred,
    })
}

pub struct ScenarioView {
    pub name: String,
    pub assumptions: String,
    /// (what it shows, the SVG).
    pub charts: Vec<(&'static str, String)>,
    /// Month, participants, ODFs, Fund, lines, drawn, exposure.
    pub rows: Vec<[String; 7]>,
}

#[derive(Template)]
#[template(path = "support_projection.html")]
struct ProjectionPage {
    t: Tr,
    nav: Nav,
    csrf: String,
    present: Vec<(&'static str, String)>,
    form: ScenarioForm,
    error: Option<String>,
    saved: Vec<(String, bool)>,
    csv: String,
    /// Side by side: one row per figure, one column per scenario (its last month).
    headers: Vec<String>,
    compare: Vec<(&'static str, Vec<String>)>,
    scenarios: Vec<ScenarioView>,
}

/// The names chosen to compare (`?nombre=a&nombre=b`); none: every saved scenario.
fn chosen(query: Option<&str>) -> Vec<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == "nombre")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

fn month_date(start: NaiveDate, m: u32) -> NaiveDate {
    start
        .checked_add_months(chrono::Months::new(m))
        .unwrap_or(start)
}

fn present_rows(t: Tr, p: &PresentState) -> Vec<(&'static str, String)> {
    vec![
        (t.get("sup.proj.participants"), count(p.participants.into())),
        (t.get("sup.proj.odfs"), count(p.odfs.into())),
        (t.get("sup.proj.states"), count(p.states.into())),
        (t.get("sup.proj.fund"), t.money(p.fund_minor.into())),
        (t.get("sup.proj.lines"), t.money(p.line_minor.into())),
        (
            t.get("sup.proj.avg_new_revenue"),
            t.money(p.avg_new_revenue_minor.into()),
        ),
    ]
}

fn scenario_view(t: Tr, s: &Scenario, months: &[Month], start: NaiveDate) -> ScenarioView {
    let series = |f: fn(&Month) -> i64| -> Vec<(NaiveDate, i128)> {
        months
            .iter()
            .map(|m| (month_date(start, m.month), i128::from(f(m))))
            .collect()
    };
    let charts = [
        (t.get("sup.proj.fund"), series(|m| m.fund_minor)),
        (t.get("sup.proj.lines"), series(|m| m.lines_minor)),
        (t.get("sup.proj.exposure"), series(|m| m.exposure_minor)),
    ]
    .into_iter()
    .map(|(what, points)| {
        let title = format!("{what} · {}", s.name);
        (what, crate::shell::chart::line_chart(&points, &title, t))
    })
    .collect();
    ScenarioView {
        name: s.name.clone(),
        assumptions: t.fmt_all(
            "sup.proj.assumptions",
            &[
                percent_text(s.annual_growth).as_str(),
                percent_text(s.contribution_rate).as_str(),
                s.review_months.to_string().as_str(),
                s.review_factor.normalize().to_string().as_str(),
                s.cap_multiple.to_string().as_str(),
                t.money(s.deposit_per_new_odf_minor.into()).as_str(),
            ],
        ),
        charts,
        rows: months
            .iter()
            .map(|m| {
                [
                    crate::shell::format::date_in(month_date(start, m.month), t.lang),
                    count(m.participants.into()),
                    count(m.odfs.into()),
                    t.money(m.fund_minor.into()),
                    t.money(m.lines_minor.into()),
                    t.money(m.drawn_minor.into()),
                    t.money(m.exposure_minor.into()),
                ]
            })
            .collect(),
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
}

async fn projection_response(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    query: Option<&str>,
    status: StatusCode,
    form: ScenarioForm,
    error: Option<String>,
) -> PageResult {
    let t = ctx.t;
    let today = today_mx();
    let saved = state
        .app
        .scenarios()
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let names: Vec<String> = chosen(query)
        .into_iter()
        .filter(|n| saved.iter().any(|s| &s.name == n))
        .collect();
    let (present, rows) = state
        .app
        .compare_scenarios(&names, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let start = first_of_month(today);
    let mut scenarios = Vec::new();
    let mut headers = Vec::new();
    let mut last: Vec<Month> = Vec::new();
    for (name, months) in &rows {
        if let Some(s) = saved.iter().find(|s| &s.name == name) {
            scenarios.push(scenario_view(t, s, months, start));
        }
        headers.push(name.clone());
        if let Some(m) = months.last() {
            last.push(m.clone());
        }
    }
    let side = |f: fn(&Month) -> String| last.iter().map(f).collect::<Vec<_>>();
    let compare = vec![
        (
            t.get("sup.proj.month"),
            last.iter().map(|m| m.month.to_string()).collect(),
        ),
        (
            t.get("sup.proj.participants"),
            side(|m| count(m.participants.into())),
        ),
        (t.get("sup.proj.odfs"), side(|m| count(m.odfs.into()))),
        (
            t.get("sup.proj.fund"),
            side(|m| crate::shell::format::money_es_mx(m.fund_minor.into())),
        ),
        (
            t.get("sup.proj.lines"),
            side(|m| crate::shell::format::money_es_mx(m.lines_minor.into())),
        ),
        (
            t.get("sup.proj.exposure"),
            side(|m| crate::shell::format::money_es_mx(m.exposure_minor.into())),
        ),
    ];
    let csv = {
        let q: String = names
            .iter()
            .map(|n| {
                format!(
                    "nombre={}",
                    form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        format!("/programa/proyeccion.csv?{q}")
    };
    let page = ProjectionPage {
        t,
        nav: Nav::for_session(t, session, None),
        csrf: session.csrf.clone(),
        present: present_rows(t, &present),
        form,
        error,
        saved: saved
            .iter()
            .map(|s| (s.name.clone(), names.is_empty() || names.contains(&s.name)))
            .collect(),
        csv,
        headers,
        compare,
        scenarios,
    };
    Ok((status, render(page)).into_response())
}

/// `/programa/proyeccion` (supervisors).
pub async fn projection_page(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> PageResult {
    let session = supervisor(&ctx)?;
    projection_response(
        &state,
        &ctx,
        &session,
        query.as_deref(),
        StatusCode::OK,
        ScenarioForm::preset(ctx.t),
        None,
    )
    .await
}

/// Saves a scenario (supervisors, R-SUP-2); the same assumptions again change nothing.
pub async fn save_scenario(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ScenarioForm>,
) -> PageResult {
    let t = ctx.t;
    let session = supervisor(&ctx)?;
    check_csrf(&ctx, &session, &form.csrf)?;
    let refuse = |field: &str, message: &str| {
        let m = refusal(t, field, message);
        projection_response(
            &state,
            &ctx,
            &session,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            form.clone(),
            Some(m),
        )
    };
    let scenario = match scenario_of(t, &form) {
        Ok(s) => s,
        Err((field, message)) => return refuse(field, message).await,
    };
    let actor = Actor::new(session.viewer.login.clone(), ctx.origin.clone());
    match state.app.save_scenario(&actor, &scenario).await {
        Ok(()) => Ok(Redirect::to("/programa/proyeccion").into_response()),
        Err(e) if e.is_caller_error() => {
            let field = e.field().unwrap_or("other").to_string();
            refuse(&field, t.get("sup.err.scenario")).await
        }
        Err(e) => Err(PageError::from_app(t, e)),
    }
}

/// `/programa/proyeccion.csv`: the chosen scenarios month by month.
pub async fn projection_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> PageResult {
    let t = ctx.t;
    supervisor(&ctx)?;
    let today = today_mx();
    let (_, rows) = state
        .app
        .compare_scenarios(&chosen(query.as_deref()), today)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let start = first_of_month(today);
    let mut out = csv_line(&[
        t.get("sup.proj.scenario").into(),
        t.get("sup.proj.month").into(),
        t.get("sup.proj.date").into(),
        t.get("sup.proj.participants").into(),
        t.get("sup.proj.odfs").into(),
        t.get("sup.proj.contributions").into(),
        t.get("sup.proj.fund").into(),
        t.get("sup.proj.lines").into(),
        t.get("sup.proj.drawn").into(),
        t.get("sup.proj.exposure").into(),
    ]);
    for (name, months) in &rows {
        for m in months {
            out.push_str(&csv_line(&[
                name.clone(),
                m.month.to_string(),
                month_date(start, m.month).format("%Y-%m-%d").to_string(),
                m.participants.to_string(),
                m.odfs.to_string(),
                csv_pesos(m.contributions_minor.into()),
                csv_pesos(m.fund_minor.into()),
                csv_pesos(m.lines_minor.into()),
                csv_pesos(m.drawn_minor.into()),
                csv_pesos(m.exposure_minor.into()),
            ]));
        }
    }
    Ok(csv_response("proyeccion.csv", out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preset_form_reads_back_as_seed_002s_scenario() {
        let t = Tr::default();
        let form = ScenarioForm::preset(t);
        assert_eq!(form.deposit_per_new_odf, "235,000.00");
        assert_eq!(form.annual_growth, "100");
        assert_eq!(form.contribution_rate, "10");
        let s = scenario_of(t, &form).unwrap();
        assert_eq!(s, Scenario::seed_002(PRESET_MONTHS, PRESET_DEPOSIT_MINOR));
        // A decimal comma is refused naming the field, never misread.
        let mut bad = form.clone();
        bad.contribution_rate = "10,5".into();
        assert_eq!(scenario_of(t, &bad).unwrap_err().0, "contribution_rate");
        bad = form;
        bad.months = "dos".into();
        assert_eq!(scenario_of(t, &bad).unwrap_err().0, "months");
    }
}
