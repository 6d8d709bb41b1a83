//! Outcomes (R-SUP-4) for an ODF (with its series over closed periods and its indicators as
//! an integradora, R-SUP-3) and for the programme (each ODF computed first), cut by state,
//! trade and target programme; the 1997 integradoras table (R-SUP-3). Each has its CSV.

use super::supervision::supervisor;
use super::{count, csv_line, csv_pesos, csv_response, programme_label};
use crate::shell::{
    check, render, require, today_mx, visible_org, Ctx, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{Action, Session};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use support::integradoras::{Indicator, Reading};
use support::outcomes::{Cut, OdfOutcome, Outcome, PeriodOutcome};

// ---------------------------------------------------------------- outcomes (R-SUP-4)

#[derive(Deserialize, Default)]
pub struct OutcomeQuery {
    /// estado, oficio or programa.
    #[serde(default)]
    pub por: String,
    /// `YYYY-MM`.
    #[serde(default)]
    pub periodo: String,
    /// `serie`: the CSV of the series over closed periods (each cut's rows when `por` is set).
    #[serde(default)]
    pub tabla: String,
}

/// Closed periods the pages show.
const SERIES_SHOWN: usize = 12;

fn cut_of(por: &str) -> Option<Cut> {
    match por {
        "estado" => Some(Cut::State),
        "oficio" => Some(Cut::Trade),
        "programa" => Some(Cut::Programme),
        _ => None,
    }
}

pub struct OutcomeRow {
    pub group: String,
    pub members: String,
    pub reporting: String,
    pub baseline: String,
    pub now: String,
    pub doubled: String,
}

fn outcome_row(t: Tr, group: String, o: &Outcome) -> OutcomeRow {
    OutcomeRow {
        group,
        members: count(o.members.into()),
        reporting: count(o.reporting.into()),
        baseline: t.money(o.baseline_minor),
        now: t.money(o.now_minor),
        doubled: count(o.doubled.into()),
    }
}

fn cut_rows(t: Tr, o: &OdfOutcome, cut: Option<Cut>) -> Vec<(String, Outcome)> {
    match cut {
        None => vec![(t.get("sup.out.total").to_string(), o.total)],
        Some(c) => o
            .cut(c)
            .iter()
            .map(|(k, v)| {
                let group = if c == Cut::Programme {
                    programme_label(t, k).to_string()
                } else {
                    k.clone()
                };
                (group, *v)
            })
            .collect(),
    }
}

fn outcome_csv(t: Tr, rows: &[(String, Outcome)]) -> String {
    let mut out = csv_line(&outcome_csv_head(t, None));
    for (g, o) in rows {
        out.push_str(&csv_line(&outcome_csv_cells(None, g, o)));
    }
    out
}

/// The CSV's heading, with a period column first when given.
fn outcome_csv_head(t: Tr, period: Option<&str>) -> Vec<String> {
    let mut head: Vec<String> = period.map(str::to_string).into_iter().collect();
    head.extend([
        t.get("sup.out.group").into(),
        t.get("sup.out.members").into(),
        t.get("sup.out.reporting").into(),
        t.get("sup.out.baseline").into(),
        t.get("sup.out.now").into(),
        t.get("sup.out.doubled").into(),
    ]);
    head
}

fn outcome_csv_cells(period: Option<&str>, group: &str, o: &Outcome) -> Vec<String> {
    let mut cells: Vec<String> = period.map(str::to_string).into_iter().collect();
    cells.extend([
        group.to_string(),
        o.members.to_string(),
        o.reporting.to_string(),
        csv_pesos(o.baseline_minor),
        csv_pesos(o.now_minor),
        o.doubled.to_string(),
    ]);
    cells
}

/// R-SUP-4's series as CSV: one row per closed period (per period and group with a cut).
fn series_csv(t: Tr, series: &[PeriodOutcome], cut: Option<Cut>) -> String {
    let mut out = csv_line(&outcome_csv_head(t, Some(t.get("sup.out.period"))));
    for p in series {
        for (g, o) in cut_rows(t, &p.outcome, cut) {
            out.push_str(&csv_line(&outcome_csv_cells(Some(&p.period), &g, &o)));
        }
    }
    out
}

/// One closed period of the series, formatted.
pub struct SeriesRow {
    pub period: String,
    pub reporting: String,
    pub baseline: String,
    pub now: String,
    pub doubled: String,
}

fn period_label(t: Tr, key: &str) -> String {
    fund::Period::parse(key, fund::PeriodSettings::default())
        .map(|period| t.period(&period))
        .unwrap_or_else(|_| key.to_string())
}

/// The series' chart (the shared line chart) and rows.
fn series_view(t: Tr, series: &[PeriodOutcome]) -> (String, Vec<SeriesRow>) {
    let dated: Vec<(chrono::NaiveDate, i128)> = series
        .iter()
        .filter_map(|p| {
            fund::Period::parse(&p.period, fund::PeriodSettings::default())
                .ok()
                .map(|period| (period.first_day(), p.outcome.total.now_minor))
        })
        .collect();
    let rows = series
        .iter()
        .map(|p| SeriesRow {
            period: period_label(t, &p.period),
            reporting: count(p.outcome.total.reporting.into()),
            baseline: t.money(p.outcome.total.baseline_minor),
            now: t.money(p.outcome.total.now_minor),
            doubled: count(p.outcome.total.doubled.into()),
        })
        .collect();
    (
        crate::shell::chart::line_chart(&dated, t.get("sup.out.chart"), t),
        rows,
    )
}

pub struct ReadingRow {
    pub name: &'static str,
    pub value: String,
    pub favourable: bool,
    pub reading: String,
}

/// Seed 004's reading of an indicator, from the catalogue.
fn reading_row(t: Tr, r: &Reading) -> ReadingRow {
    let (name, key) = match (r.indicator, r.favourable) {
        (Indicator::GroupSize, true) => ("sup.ind.size", "sup.ind.size.good"),
        (Indicator::GroupSize, false) => ("sup.ind.size", "sup.ind.size.bad"),
        (Indicator::Homogeneity, true) => ("sup.ind.homogeneity", "sup.ind.homogeneity.good"),
        (Indicator::Homogeneity, false) => ("sup.ind.homogeneity", "sup.ind.homogeneity.bad"),
        (Indicator::Specialisation, true) => {
            ("sup.ind.specialisation", "sup.ind.specialisation.good")
        }
        (Indicator::Specialisation, false) => {
            ("sup.ind.specialisation", "sup.ind.specialisation.bad")
        }
    };
    ReadingRow {
        name: t.get(name),
        value: r.value.clone(),
        favourable: r.favourable,
        reading: t.get(key).to_string(),
    }
}

#[derive(Template)]
#[template(path = "support_outcomes.html")]
struct OutcomesPage {
    t: Tr,
    nav: Nav,
    heading: String,
    base: String,
    por: String,
    period: String,
    csv: String,
    rows: Vec<OutcomeRow>,
    chart: String,
    series: Vec<SeriesRow>,
    series_csv: String,
    readings: Vec<ReadingRow>,
    error: Option<String>,
}

fn csv_href(base: &str, q: &OutcomeQuery, table: &str) -> String {
    let mut href = format!("{base}.csv");
    let mut sep = '?';
    for (k, v) in [
        ("por", q.por.as_str()),
        ("periodo", q.periodo.as_str()),
        ("tabla", table),
    ] {
        if !v.is_empty() {
            href.push(sep);
            sep = '&';
            href.push_str(&format!(
                "{k}={}",
                form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            ));
        }
    }
    href
}

/// The period of `?periodo=`, or the field error in the page's language.
fn period_of(t: Tr, text: &str) -> Result<Option<fund::Period>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    fund::Period::parse(text.trim(), fund::PeriodSettings::default())
        .map(Some)
        .map_err(|_| super::refusal(t, "period", t.get("sup.err.period")))
}

enum OutcomeScope<'a> {
    Odf(&'a store::Org),
    Programme,
}

async fn outcome_of(
    state: &AppState,
    t: Tr,
    scope: &OutcomeScope<'_>,
    period: Option<fund::Period>,
) -> Result<(Option<fund::Period>, OdfOutcome), PageError> {
    let today = today_mx();
    match scope {
        OutcomeScope::Odf(org) => {
            let (p, o) = state
                .app
                .odf_outcome(org.id, period, today)
                .await
                .map_err(|e| PageError::from_app(t, e))?;
            Ok((Some(p), o))
        }
        OutcomeScope::Programme => Ok((
            period,
            state
                .app
                .programme_outcome(period, today, 4)
                .await
                .map_err(|e| PageError::from_app(t, e))?,
        )),
    }
}

/// R-SUP-4's series over the last closed periods: the ODF's kept one, or the programme's as
/// the sum of each ODF's.
async fn series_of(
    state: &AppState,
    t: Tr,
    scope: &OutcomeScope<'_>,
) -> Result<Vec<PeriodOutcome>, PageError> {
    match scope {
        OutcomeScope::Odf(org) => state.app.outcome_series(org.id, SERIES_SHOWN).await,
        OutcomeScope::Programme => state.app.programme_outcome_series(SERIES_SHOWN, 4).await,
    }
    .map_err(|e| PageError::from_app(t, e))
}

async fn outcomes_response(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    scope: OutcomeScope<'_>,
    q: OutcomeQuery,
) -> PageResult {
    let t = ctx.t;
    let (period, error) = match period_of(t, &q.periodo) {
        Ok(p) => (p, None),
        Err(e) => (None, Some(e)),
    };
    let (shown, outcome, points) = match &scope {
        OutcomeScope::Odf(_) => {
            let (shown, outcome) = outcome_of(state, t, &scope, period).await?;
            (shown, outcome, series_of(state, t, &scope).await?)
        }
        // One pass over the ODFs for both.
        OutcomeScope::Programme => {
            let (outcome, points) = state
                .app
                .programme_outcome_and_series(Some(period), today_mx(), SERIES_SHOWN, 4)
                .await
                .map_err(|e| PageError::from_app(t, e))?;
            (period, outcome, points)
        }
    };
    let cut = cut_of(&q.por);
    let rows = cut_rows(t, &outcome, cut)
        .iter()
        .map(|(g, o)| outcome_row(t, g.clone(), o))
        .collect();
    let (chart, series) = series_view(t, &points);
    let (heading, base, nav, readings) = match &scope {
        OutcomeScope::Odf(org) => {
            let readings = state
                .app
                .kept_indicators(org.id)
                .await
                .map_err(|e| PageError::from_app(t, e))?
                .iter()
                .map(|r| reading_row(t, r))
                .collect();
            (
                t.fmt("sup.out.title_odf", &org.data.name),
                format!("/odf/{}/resultados", org.data.slug),
                Nav::for_session(t, session, Some(org)),
                readings,
            )
        }
        OutcomeScope::Programme => (
            t.get("sup.out.title_programme").to_string(),
            "/programa/resultados".to_string(),
            Nav::for_session(t, session, None),
            Vec::new(),
        ),
    };
    let page = OutcomesPage {
        t,
        nav,
        csv: csv_href(&base, &q, ""),
        series_csv: csv_href(&base, &q, "serie"),
        heading,
        base,
        por: q.por.clone(),
        period: match shown {
            Some(p) => t.period(&p),
            None => t.get("sup.out.last_closed").to_string(),
        },
        rows,
        chart,
        series,
        readings,
        error,
    };
    let status = if page.error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, render(page)).into_response())
}

async fn outcomes_csv(
    state: &AppState,
    t: Tr,
    scope: OutcomeScope<'_>,
    q: &OutcomeQuery,
    filename: &str,
) -> Result<Response, PageError> {
    if q.tabla == "serie" {
        let series = series_of(state, t, &scope).await?;
        return Ok(csv_response(
            &format!("serie-{filename}"),
            series_csv(t, &series, cut_of(&q.por)),
        ));
    }
    let period = period_of(t, &q.periodo).ok().flatten();
    let (_, outcome) = outcome_of(state, t, &scope, period).await?;
    Ok(csv_response(
        filename,
        outcome_csv(t, &cut_rows(t, &outcome, cut_of(&q.por))),
    ))
}

/// `/odf/{slug}/resultados`: everyone in the ODF's circle (as the API).
pub async fn odf_outcomes_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<OutcomeQuery>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    outcomes_response(&state, &ctx, &session, OutcomeScope::Odf(&org), q).await
}

/// `/odf/{slug}/resultados.csv`.
pub async fn odf_outcomes_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<OutcomeQuery>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    outcomes_csv(
        &state,
        ctx.t,
        OutcomeScope::Odf(&org),
        &q,
        &format!("resultados-{slug}.csv"),
    )
    .await
}

/// `/programa/resultados`: the programme's outcome, each ODF computed first (supervisors).
pub async fn programme_outcomes_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OutcomeQuery>,
) -> PageResult {
    let session = supervisor(&ctx)?;
    outcomes_response(&state, &ctx, &session, OutcomeScope::Programme, q).await
}

/// `/programa/resultados.csv`.
pub async fn programme_outcomes_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OutcomeQuery>,
) -> PageResult {
    supervisor(&ctx)?;
    outcomes_csv(
        &state,
        ctx.t,
        OutcomeScope::Programme,
        &q,
        "resultados-programa.csv",
    )
    .await
}

// ---------------------------------------------------------------- integradoras (R-SUP-3)

/// A sector of the 1997 table (named in English in the data file) in the page's language.
fn sector_label(t: Tr, sector: &str) -> String {
    match sector {
        "Services" => t.get("sup.sector.services").to_string(),
        "Commerce" => t.get("sup.sector.commerce").to_string(),
        "Food" => t.get("sup.sector.food").to_string(),
        "Agriculture and fisheries" => t.get("sup.sector.agriculture").to_string(),
        "Construction" => t.get("sup.sector.construction").to_string(),
        "Garment" => t.get("sup.sector.garment").to_string(),
        "Handicraft" => t.get("sup.sector.handicraft").to_string(),
        "Metalmechanic" => t.get("sup.sector.metalmechanic").to_string(),
        "Agroindustry" => t.get("sup.sector.agroindustry").to_string(),
        "Furniture" => t.get("sup.sector.furniture").to_string(),
        "Graphics arts" => t.get("sup.sector.graphic_arts").to_string(),
        "Various" => t.get("sup.sector.various").to_string(),
        "Chemical" => t.get("sup.sector.chemical").to_string(),
        "Electric and electronic" => t.get("sup.sector.electric").to_string(),
        "Leather and shoe" => t.get("sup.sector.leather").to_string(),
        "Textile" => t.get("sup.sector.textile").to_string(),
        "Autotransport" => t.get("sup.sector.autotransport").to_string(),
        "Plastic" => t.get("sup.sector.plastic").to_string(),
        "Rubber" => t.get("sup.sector.rubber").to_string(),
        "Mining" => t.get("sup.sector.mining").to_string(),
        "Jewelry" => t.get("sup.sector.jewelry").to_string(),
        "Forest industry" => t.get("sup.sector.forest").to_string(),
        "Editorial" => t.get("sup.sector.editorial").to_string(),
        "Glass" => t.get("sup.sector.glass").to_string(),
        other => other.to_string(),
    }
}

pub struct SectorView {
    pub sector: String,
    pub integradoras: String,
    pub firms: String,
    pub investment: String,
    pub per_integradora: String,
    pub per_firm: String,
}

#[derive(Template)]
#[template(path = "support_integradoras.html")]
struct IntegradorasPage {
    t: Tr,
    nav: Nav,
    rows: Vec<SectorView>,
    totals: (String, String, String),
}

fn table(t: Tr) -> Result<support::integradoras::Table, PageError> {
    support::integradoras::table_1997().map_err(|e| {
        tracing::error!(error = %e, "the 1997 table failed its totals");
        PageError::Internal(t)
    })
}

/// `/programa/integradoras`: the 1997 table, its totals checked on load (every signed-in
/// person, as the API).
pub async fn integradoras_page(ctx: Ctx) -> PageResult {
    let t = ctx.t;
    let session = require(&ctx)?;
    let table = table(t)?;
    let by_sector: BTreeMap<String, SectorView> = table
        .rows
        .iter()
        .map(|r| {
            (
                sector_label(t, &r.sector),
                SectorView {
                    sector: sector_label(t, &r.sector),
                    integradoras: count(r.integradoras.into()),
                    firms: count(r.associated_firms.into()),
                    investment: count(r.investment_thousand_usd.into()),
                    per_integradora: r.firms_per_integradora().to_string(),
                    per_firm: r.investment_per_firm().to_string(),
                },
            )
        })
        .collect();
    let page = IntegradorasPage {
        t,
        nav: Nav::for_session(t, session, None),
        rows: by_sector.into_values().collect(),
        totals: (
            count(table.totals.integradoras.into()),
            count(table.totals.associated_firms.into()),
            count(table.totals.investment_thousand_usd.into()),
        ),
    };
    Ok(render(page).into_response())
}

/// `/programa/integradoras.csv`.
pub async fn integradoras_csv(ctx: Ctx) -> PageResult {
    let t = ctx.t;
    require(&ctx)?;
    let table = table(t)?;
    let mut out = csv_line(&[
        t.get("sup.int.sector").into(),
        t.get("sup.int.integradoras").into(),
        t.get("sup.int.firms").into(),
        t.get("sup.int.investment").into(),
        t.get("sup.int.per_integradora").into(),
        t.get("sup.int.per_firm").into(),
    ]);
    for r in &table.rows {
        out.push_str(&csv_line(&[
            sector_label(t, &r.sector),
            r.integradoras.to_string(),
            r.associated_firms.to_string(),
            r.investment_thousand_usd.to_string(),
            r.firms_per_integradora().to_string(),
            r.investment_per_firm().to_string(),
        ]));
    }
    Ok(csv_response("integradoras-1997.csv", out))
}
