//! Supervision on the web: an ODF's compliance page (R-SUP-1: one row per check with its
//! status, figure and a link to the evidence) and the programme's ranking cut by state, trade
//! and target programme (R-ORG-4); outcomes (R-SUP-4) for an ODF (with its series and its
//! indicators as an integradora, R-SUP-3) and for the programme; the 1997 integradoras table
//! (R-SUP-3). Each has its CSV. Supervisors read; they never decide (R-GOV-1).

use super::{count, csv_line, csv_pesos, csv_response, programme_label, programme_options};
use crate::auth::Ctx;
use crate::fund_pages::today_mx;
use crate::i18n::{Lang, Tr};
use crate::pages::{check, render, require, visible_org, Nav, PageError, PageResult};
use crate::AppState;
use app::access_cases::{Action, Session};
use app::support_cases::OdfCompliance;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use support::compliance::{Check, CheckId, Status};
use support::integradoras::{Indicator, Reading};
use support::outcomes::{Cut, OdfOutcome, Outcome};

fn check_label(t: Tr, id: CheckId) -> &'static str {
    match id {
        CheckId::PeriodsClosedOnTime => t.get("sup.chk.periods"),
        CheckId::MembersReporting => t.get("sup.chk.reporting"),
        CheckId::CompetitionPaymentsDecided => t.get("sup.chk.competition"),
        CheckId::LineWithinLimit => t.get("sup.chk.line_limit"),
        CheckId::LineReviewsOnTime => t.get("sup.chk.line_reviews"),
        CheckId::NoticesResolved => t.get("sup.chk.notices"),
        CheckId::DuesArrears => t.get("sup.chk.dues"),
        CheckId::DecisionsQuorum => t.get("sup.chk.quorum"),
        CheckId::BooksReconcile => t.get("sup.chk.books"),
    }
}

fn status_label(t: Tr, s: Status) -> &'static str {
    match s {
        Status::Pass => t.get("sup.status.pass"),
        Status::Fail => t.get("sup.status.fail"),
        Status::NotApplicable => t.get("sup.status.na"),
    }
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "ok",
        Status::Fail => "late",
        Status::NotApplicable => "sub",
    }
}

/// The rule crate writes its figures in Spanish ("11 de 12"); in English the few words change.
fn figure_text(t: Tr, figure: &str) -> String {
    match t.lang {
        Lang::Es => figure.to_string(),
        Lang::En => figure
            .replace(
                " sin resolver, la más antigua de ",
                " unresolved, the oldest ",
            )
            .replace(" días", " days old")
            .replace("sin línea", "no line")
            .replace(" socios ", " members ")
            .replace(" de ", " of "),
    }
}

/// A piece of evidence as a link to the page that shows it.
pub struct Evidence {
    pub label: String,
    pub href: String,
}

/// At most this many links per check; the rest are counted ("y 16 más").
const EVIDENCE_LINKS: usize = 3;

/// A period key (`2026-03`) as people say it (`marzo 2026`).
fn period_label(t: Tr, key: &str) -> String {
    fund::Period::parse(key, fund::PeriodSettings::default())
        .map(|p| t.period(&p))
        .unwrap_or_else(|_| key.to_string())
}

fn evidence(t: Tr, slug: &str, id: CheckId, refs: &[String]) -> (Vec<Evidence>, Option<String>) {
    let o = format!("/odf/{slug}");
    let mut out: Vec<Evidence> = Vec::new();
    for r in refs {
        let (label, href) = if let Some(p) = r.strip_prefix("close:") {
            (
                t.fmt("sup.ev.close", &period_label(t, p)),
                format!("{o}/cierre?period={p}"),
            )
        } else if let Some(p) = r.strip_prefix("reports:") {
            (
                t.fmt("sup.ev.reports", &period_label(t, p)),
                format!("{o}/cierre?period={p}"),
            )
        } else if let Some(n) = r.strip_prefix("fund:decision:") {
            (t.fmt("sup.ev.proposal", n), format!("{o}/propuestas#p{n}"))
        } else if let Some(n) = r.strip_prefix("proposal:") {
            (t.fmt("sup.ev.proposal", n), format!("{o}/propuestas#p{n}"))
        } else if r.starts_with("line:") {
            (t.get("sup.ev.line").to_string(), format!("{o}/fondo"))
        } else if r.starts_with("notice:") || r.starts_with("fund:") {
            (t.get("sup.ev.fund").to_string(), format!("{o}/fondo"))
        } else if r == "dues" {
            (t.get("sup.ev.dues").to_string(), format!("{o}/socios"))
        } else {
            (t.get("sup.ev.books").to_string(), o.clone())
        };
        // One link per page and label is enough.
        if !out.iter().any(|e| e.label == label && e.href == href) {
            out.push(Evidence { label, href });
        }
    }
    if out.is_empty() && id == CheckId::BooksReconcile {
        out.push(Evidence {
            label: t.get("sup.ev.books").to_string(),
            href: o,
        });
    }
    let more = (out.len() > EVIDENCE_LINKS)
        .then(|| t.fmt("sup.ev.more", &count((out.len() - EVIDENCE_LINKS) as i128)));
    out.truncate(EVIDENCE_LINKS);
    (out, more)
}

pub struct CheckRow {
    pub label: &'static str,
    pub status: &'static str,
    pub class: &'static str,
    pub figure: String,
    pub evidence: Vec<Evidence>,
    pub more: Option<String>,
}

fn check_rows(t: Tr, slug: &str, checks: &[Check]) -> Vec<CheckRow> {
    checks
        .iter()
        .map(|c| {
            let (evidence, more) = evidence(t, slug, c.id, &c.evidence);
            CheckRow {
                label: check_label(t, c.id),
                status: status_label(t, c.status),
                class: status_class(c.status),
                figure: figure_text(t, &c.figure),
                evidence,
                more,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "support_compliance.html")]
struct CompliancePage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    today: String,
    rows: Vec<CheckRow>,
}

/// `/odf/{slug}/cumplimiento`: staff, board and supervisors (as the API).
pub async fn compliance_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let today = today_mx();
    let c = state
        .app
        .compliance(org.id, today)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let page = CompliancePage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: c.name.clone(),
        today: t.date(&today),
        rows: check_rows(t, &org.data.slug, &c.checks),
    };
    Ok(render(page).into_response())
}

fn compliance_csv(t: Tr, odfs: &[(usize, &OdfCompliance)]) -> String {
    let mut out = csv_line(&[
        t.get("sup.csv.position").into(),
        t.get("sup.csv.odf").into(),
        t.get("sup.f.state").into(),
        t.get("sup.f.trade").into(),
        t.get("sup.csv.check").into(),
        t.get("sup.csv.status").into(),
        t.get("sup.csv.figure").into(),
        t.get("sup.csv.evidence").into(),
    ]);
    for (position, o) in odfs {
        for c in &o.checks {
            out.push_str(&csv_line(&[
                position.to_string(),
                o.name.clone(),
                o.state.clone(),
                o.trade.clone(),
                check_label(t, c.id).into(),
                status_label(t, c.status).into(),
                figure_text(t, &c.figure),
                c.evidence.join(" "),
            ]));
        }
    }
    out
}

/// `/odf/{slug}/cumplimiento.csv`.
pub async fn compliance_csv_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let t = ctx.t;
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    check(&ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let c = state
        .app
        .compliance(org.id, today_mx())
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    Ok(csv_response(
        &format!("cumplimiento-{slug}.csv"),
        compliance_csv(t, &[(1, &c)]),
    ))
}

/// A supervisor's session; anyone else is answered as for a page that does not exist (as the
/// programme's audit log).
pub(crate) fn supervisor(ctx: &Ctx) -> Result<Session, PageError> {
    let s = require(ctx)?;
    if s.viewer.supervisor {
        Ok(s.clone())
    } else {
        Err(PageError::NotFound(ctx.t))
    }
}

/// The cuts of a programme-level report (R-ORG-4): `?estado=&oficio=&programa=`.
#[derive(Deserialize, Default, Clone)]
pub struct CutQuery {
    #[serde(default)]
    pub estado: String,
    #[serde(default)]
    pub oficio: String,
    #[serde(default)]
    pub programa: String,
}

impl CutQuery {
    fn query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("estado", &self.estado),
            ("oficio", &self.oficio),
            ("programa", &self.programa),
        ] {
            if !v.is_empty() {
                parts.push(format!(
                    "{k}={}",
                    form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                ));
            }
        }
        parts.join("&")
    }
}

pub struct RankView {
    pub position: usize,
    pub name: String,
    pub slug: String,
    pub state: String,
    pub trade: String,
    pub passed: usize,
    pub failed: usize,
    pub not_applicable: usize,
}

#[derive(Template)]
#[template(path = "support_programme_compliance.html")]
struct ProgrammeCompliancePage {
    t: Tr,
    nav: Nav,
    cut: CutQuery,
    query: String,
    states: Vec<String>,
    trades: Vec<String>,
    programmes: Vec<(&'static str, &'static str)>,
    shown: String,
    rows: Vec<RankView>,
}

/// The ODFs of the cut, ranked among themselves (R-SUP-1): those of the state and trade, and
/// with the target programme, those whose members with a business plan include it (each ODF
/// read in its own organisation).
async fn ranked_cut(
    state: &AppState,
    t: Tr,
    cut: &CutQuery,
) -> Result<(Vec<OdfCompliance>, Vec<(usize, OdfCompliance)>), PageError> {
    let today = today_mx();
    let (odfs, _) = state
        .app
        .programme_compliance(today, 4)
        .await
        .map_err(|e| PageError::from_app(t, e))?;
    let mut chosen: Vec<OdfCompliance> = odfs
        .iter()
        .filter(|o| cut.estado.is_empty() || o.state == cut.estado)
        .filter(|o| cut.oficio.is_empty() || o.trade == cut.oficio)
        .cloned()
        .collect();
    if !cut.programa.is_empty() {
        let mut kept = Vec::new();
        for o in chosen {
            let (_, outcome) = state
                .app
                .odf_outcome(o.org_id, None, today)
                .await
                .map_err(|e| PageError::from_app(t, e))?;
            if outcome.by_programme.contains_key(&cut.programa) {
                kept.push(o);
            }
        }
        chosen = kept;
    }
    let ranking = support::compliance::rank(
        &chosen
            .iter()
            .map(|c| (c.name.clone(), c.checks.clone()))
            .collect::<Vec<_>>(),
    );
    // Names may repeat across ODFs: take each ODF once, in the ranking's order.
    let mut left: Vec<Option<OdfCompliance>> = chosen.into_iter().map(Some).collect();
    let mut ranked = Vec::new();
    for r in &ranking {
        if let Some(slot) = left
            .iter_mut()
            .find(|o| o.as_ref().is_some_and(|o| o.name == r.org))
        {
            if let Some(o) = slot.take() {
                ranked.push((r.position, o));
            }
        }
    }
    Ok((odfs, ranked))
}

/// `/programa/cumplimiento`: every ODF ranked by compliance (supervisors).
pub async fn programme_compliance_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(cut): Query<CutQuery>,
) -> PageResult {
    let t = ctx.t;
    let session = supervisor(&ctx)?;
    let (all, ranked) = ranked_cut(&state, t, &cut).await?;
    let states: BTreeSet<String> = all.iter().map(|o| o.state.clone()).collect();
    let trades: BTreeSet<String> = all.iter().map(|o| o.trade.clone()).collect();
    let count_of = |o: &OdfCompliance, s: Status| o.checks.iter().filter(|c| c.status == s).count();
    let page = ProgrammeCompliancePage {
        t,
        nav: Nav::for_session(t, &session, None),
        query: cut.query(),
        cut,
        states: states.into_iter().collect(),
        trades: trades.into_iter().collect(),
        programmes: programme_options(t),
        shown: t.fmt_all(
            "sup.chk.shown",
            &[
                count(ranked.len() as i128).as_str(),
                count(all.len() as i128).as_str(),
            ],
        ),
        rows: ranked
            .iter()
            .map(|(position, o)| RankView {
                position: *position,
                name: o.name.clone(),
                slug: o.slug.clone(),
                state: o.state.clone(),
                trade: o.trade.clone(),
                passed: count_of(o, Status::Pass),
                failed: count_of(o, Status::Fail),
                not_applicable: count_of(o, Status::NotApplicable),
            })
            .collect(),
    };
    Ok(render(page).into_response())
}

/// `/programa/cumplimiento.csv`: the cut's ODFs, one line per check.
pub async fn programme_compliance_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(cut): Query<CutQuery>,
) -> PageResult {
    let t = ctx.t;
    supervisor(&ctx)?;
    let (_, ranked) = ranked_cut(&state, t, &cut).await?;
    let refs: Vec<(usize, &OdfCompliance)> = ranked.iter().map(|(p, o)| (*p, o)).collect();
    Ok(csv_response(
        "cumplimiento-programa.csv",
        compliance_csv(t, &refs),
    ))
}

// ---------------------------------------------------------------- outcomes (R-SUP-4)

#[derive(Deserialize, Default)]
pub struct OutcomeQuery {
    /// estado, oficio or programa.
    #[serde(default)]
    pub por: String,
    /// `YYYY-MM`.
    #[serde(default)]
    pub periodo: String,
}

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
    let mut out = csv_line(&[
        t.get("sup.out.group").into(),
        t.get("sup.out.members").into(),
        t.get("sup.out.reporting").into(),
        t.get("sup.out.baseline").into(),
        t.get("sup.out.now").into(),
        t.get("sup.out.doubled").into(),
    ]);
    for (g, o) in rows {
        out.push_str(&csv_line(&[
            g.clone(),
            o.members.to_string(),
            o.reporting.to_string(),
            csv_pesos(o.baseline_minor),
            csv_pesos(o.now_minor),
            o.doubled.to_string(),
        ]));
    }
    out
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
    series: Vec<(String, String, String)>,
    readings: Vec<ReadingRow>,
    error: Option<String>,
}

fn csv_href(base: &str, q: &OutcomeQuery) -> String {
    let mut href = format!("{base}.csv");
    let mut sep = '?';
    for (k, v) in [("por", &q.por), ("periodo", &q.periodo)] {
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
    let (shown, outcome) = outcome_of(state, t, &scope, period).await?;
    let cut = cut_of(&q.por);
    let rows = cut_rows(t, &outcome, cut)
        .iter()
        .map(|(g, o)| outcome_row(t, g.clone(), o))
        .collect();
    let (heading, base, nav, chart, series, readings) = match &scope {
        OutcomeScope::Odf(org) => {
            let points = state
                .app
                .outcome_series(org.id, 12)
                .await
                .map_err(|e| PageError::from_app(t, e))?;
            let dated: Vec<(chrono::NaiveDate, i128)> = points
                .iter()
                .filter_map(|p| {
                    fund::Period::parse(&p.period, fund::PeriodSettings::default())
                        .ok()
                        .map(|period| (period.first_day(), p.outcome.now_minor))
                })
                .collect();
            let series = points
                .iter()
                .map(|p| {
                    let label = fund::Period::parse(&p.period, fund::PeriodSettings::default())
                        .map(|period| t.period(&period))
                        .unwrap_or_else(|_| p.period.clone());
                    (
                        label,
                        t.money(p.outcome.now_minor),
                        count(p.outcome.doubled.into()),
                    )
                })
                .collect();
            let readings = state
                .app
                .odf_indicators(org.id)
                .await
                .map_err(|e| PageError::from_app(t, e))?
                .iter()
                .map(|r| reading_row(t, r))
                .collect();
            (
                t.fmt("sup.out.title_odf", &org.data.name),
                format!("/odf/{}/resultados", org.data.slug),
                Nav::for_session(t, session, Some(org)),
                crate::chart::line_chart(&dated, t.get("sup.out.chart"), t),
                series,
                readings,
            )
        }
        OutcomeScope::Programme => (
            t.get("sup.out.title_programme").to_string(),
            "/programa/resultados".to_string(),
            Nav::for_session(t, session, None),
            String::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    let page = OutcomesPage {
        t,
        nav,
        csv: csv_href(&base, &q),
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
