//! Supervision on the web: an ODF's compliance page (R-SUP-1: one row per check with its
//! status, figure and a link to the evidence) and the programme's ranking cut by state, trade
//! and target programme (R-ORG-4), each with its CSV. Supervisors read; they never decide
//! (R-GOV-1).

use super::{count, csv_line, csv_response, programme_options};
use crate::shell::pager::{page_number, paged, Pager};
use crate::shell::{
    check, render, require, today_mx, visible_org, Ctx, Lang, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::{Action, Session};
use app::support_cases::OdfCompliance;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use std::collections::BTreeSet;
use support::compliance::{Check, CheckId, Status};

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

/// The cuts of a programme-level report (R-ORG-4): `?estado=&oficio=&programa=`, and the
/// ranking's page (`&pagina=N`, the page only: the CSV is the whole cut).
#[derive(Deserialize, Default, Clone)]
pub struct CutQuery {
    #[serde(default)]
    pub estado: String,
    #[serde(default)]
    pub oficio: String,
    #[serde(default)]
    pub programa: String,
    #[serde(default)]
    pub pagina: Option<usize>,
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
    /// "2.000 de 2.000 ODF · página 1 de 40" and the links (issue 17: 50 rows a page).
    pager: Pager,
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
    // Issue 17: the whole cut is ranked and counted; 50 rows are shown a page at a time.
    let shown = t.fmt_all(
        "sup.chk.shown",
        &[
            count(ranked.len() as i128).as_str(),
            count(all.len() as i128).as_str(),
        ],
    );
    let query = cut.query();
    let link = |n: usize| {
        let sep = if query.is_empty() { "" } else { "&" };
        format!("/programa/cumplimiento?{query}{sep}pagina={n}#ranking")
    };
    let (ranked, pager) = paged(t, ranked, page_number(cut.pagina), |_| shown.clone(), link);
    let page = ProgrammeCompliancePage {
        t,
        nav: Nav::for_session(t, &session, None),
        query,
        cut,
        states: states.into_iter().collect(),
        trades: trades.into_iter().collect(),
        programmes: programme_options(t),
        pager,
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
