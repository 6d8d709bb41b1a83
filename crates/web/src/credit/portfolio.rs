//! The portfolio page for staff, the board and supervisors: PAR30, PAR90, the repayment rate
//! and the aging buckets (`App::loan_portfolio`), on a day (`?fecha=`, default today), with a
//! CSV download of the buckets.

use crate::shell::check;
use crate::shell::render;
use crate::shell::today_mx;
use crate::shell::visible_org;
use crate::shell::Ctx;
use crate::shell::Nav;
use crate::shell::PageError;
use crate::shell::PageResult;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::Action;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use credit::quality::{AgingBucket, PortfolioQuality, Ratio};
use rust_decimal::Decimal;
use serde::Deserialize;

/// A ratio as a percent with one decimal, half to even (`12.5%`); `—` with nothing to divide.
pub(crate) fn percent(r: &Ratio) -> String {
    match r.value() {
        Some(v) => format!(
            "{}%",
            (v * Decimal::from(100))
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointNearestEven)
        ),
        None => "—".to_string(),
    }
}

pub(crate) fn bucket_key(b: AgingBucket) -> &'static str {
    match b {
        AgingBucket::Current => "current",
        AgingBucket::Days1To30 => "1-30",
        AgingBucket::Days31To60 => "31-60",
        AgingBucket::Days61To90 => "61-90",
        AgingBucket::Days91To180 => "91-180",
        AgingBucket::Over180 => "over-180",
    }
}

pub struct BucketRow {
    pub name: &'static str,
    pub loans: u32,
    pub outstanding: String,
}

#[derive(Template)]
#[template(path = "credit_portfolio.html")]
struct PortfolioPage {
    t: Tr,
    nav: Nav,
    slug: String,
    name: String,
    on: String,
    fecha: String,
    gross: String,
    par30: String,
    par90: String,
    repayment: String,
    rows: Vec<BucketRow>,
}

#[derive(Deserialize, Default)]
pub struct PortfolioQuery {
    fecha: Option<String>,
}

fn day(q: &PortfolioQuery) -> NaiveDate {
    q.fecha
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(today_mx)
}

async fn quality(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    on: NaiveDate,
) -> Result<(store::Org, app::access_cases::Session, PortfolioQuality), PageError> {
    let (org, session) = visible_org(state, ctx, slug).await?;
    check(ctx, &session.viewer, org.id, Action::ViewMembers)?;
    let q = state
        .app
        .loan_portfolio(org.id, on)
        .await
        .map_err(|e| PageError::from_app(ctx.t, e))?;
    Ok((org, session, q))
}

/// `/odf/{slug}/cartera`: staff, board, supervisors.
pub async fn portfolio_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PortfolioQuery>,
) -> PageResult {
    let t = ctx.t;
    let on = day(&q);
    let (org, session, p) = quality(&state, &ctx, &slug, on).await?;
    Ok(render(PortfolioPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        on: t.date(&on),
        fecha: on.to_string(),
        gross: t.money(p.gross_portfolio_minor as i128),
        par30: percent(&p.par30),
        par90: percent(&p.par90),
        repayment: percent(&p.repayment_rate),
        rows: p
            .aging
            .iter()
            .map(|b| BucketRow {
                name: t.get(&format!("credit.bucket.{}", bucket_key(b.bucket))),
                loans: b.loans,
                outstanding: t.money(b.outstanding_principal_minor as i128),
            })
            .collect(),
    }))
}

/// The same as CSV: one line per aging bucket, amounts in pesos as plain numbers, then the
/// ratios.
pub async fn portfolio_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PortfolioQuery>,
) -> PageResult {
    let on = day(&q);
    let (org, _, p) = quality(&state, &ctx, &slug, on).await?;
    let pesos = |minor: i64| ledger::Money::new(minor, org.data.currency).to_major_string();
    let mut out = String::from("bucket,loans,outstanding_principal\n");
    for b in &p.aging {
        out.push_str(&format!(
            "{},{},{}\n",
            bucket_key(b.bucket),
            b.loans,
            pesos(b.outstanding_principal_minor)
        ));
    }
    out.push_str(&format!(
        "gross_portfolio,,{}\npar30,,{}\npar90,,{}\nrepayment_rate,,{}\n",
        pesos(p.gross_portfolio_minor),
        percent(&p.par30),
        percent(&p.par90),
        percent(&p.repayment_rate)
    ));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"cartera-{}-{on}.csv\"",
                    org.data.slug
                ),
            ),
        ],
        out,
    )
        .into_response())
}
