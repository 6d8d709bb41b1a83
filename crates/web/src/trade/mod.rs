//! Trade (issues 6 and 18): `pages` holds the trade summary and the loan simulator
//! (R-CRED-3). Collective trade in the browser (issue 18): the forms that write what the CLI's `tequio
//! round ...` does, over `app::trade_cases` (R-BUY-1, R-BUY-2, R-SELL-3).
//!
//! - `purchasing`: suppliers and price lists (by form and by CSV file, all or nothing), rounds
//!   opened and closed, the plan and each member's saving, receipts, supplier payments from a
//!   lender's line or the Competition Sub-Fund, pick-ups and repaying working capital; and the
//!   member's own page (`/odf/{slug}/comercio/pedir`) to request in an open round.
//! - `api`: the same operations under `/api/v1/orgs/{slug}/trade/...`.
//!
//! Who may: staff write (`ManageMembers`); staff, the board and supervisors read every line
//! (`ViewMembers`); a member requests for themself only and sees their own lines.

#![allow(clippy::result_large_err)] // API handlers answer `Result<Response, Response>`

mod api;
mod downloads;
mod outlets;
pub(crate) mod pages;
mod payouts;
mod purchasing;
mod sales;

use crate::shell::Ctx;
use crate::shell::PageError;
use crate::shell::Tr;
use crate::AppState;
use app::access_cases::Session;
use app::{Actor, AppError};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use std::collections::HashMap;
use store::OrgId;

/// The pages of this chapter.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/odf/{slug}/simulador", get(pages::quote_page))
        .route("/odf/{slug}/comercio", get(pages::trade_page))
        .merge(purchasing::routes())
        .merge(sales::routes())
        .merge(outlets::routes())
        .merge(payouts::routes())
        .merge(downloads::routes())
}

/// The API routes of this chapter (under `/api/v1`, behind the session check).
pub(crate) fn api_routes() -> Router<AppState> {
    api::routes()
}

pub(crate) use api::TradeDoc;

fn actor(ctx: &Ctx, session: &Session) -> Actor {
    Actor::new(session.viewer.login.clone(), ctx.origin.clone())
}

/// A day typed in a form (`AAAA-MM-DD`); empty is today (America/Mexico_City).
fn typed_day(t: Tr, text: &str) -> Result<NaiveDate, &'static str> {
    match text.trim() {
        "" => Ok(crate::shell::today_mx()),
        day => NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| t.get("fecha.err.format")),
    }
}

/// A fact's day typed in a form: not after today, nor before the ODF (issue 14).
fn fact_day(t: Tr, text: &str, founded_on: NaiveDate) -> Result<NaiveDate, &'static str> {
    let when = crate::shell::fact_date_field(t, text, founded_on)?;
    Ok(when.on)
}

/// A whole number of units typed in a form (1 or more).
fn typed_units(text: &str) -> Option<u32> {
    text.trim().parse::<u32>().ok().filter(|&u| u > 0)
}

/// A refusal shown on a page: the field at fault and the catalogue's sentence, never the
/// app's English text nor a rule id (the page shows a small "regla" link instead).
pub(crate) struct Refusal {
    pub field: &'static str,
    pub message: String,
}

/// The page's words for a refusal of the trade use cases, naming `fallback` when the app
/// names no field of the form. `None`: not the caller's fault (the page fails).
fn refusal(t: Tr, e: &AppError, fallback: &'static str) -> Option<Refusal> {
    use trade::TradeError as T;
    if !e.is_caller_error() {
        return None;
    }
    let (field, key): (&'static str, &str) = match e {
        AppError::Trade(
            te @ (T::NoTiers { .. }
            | T::FirstTierStart { .. }
            | T::TierBounds { .. }
            | T::TierGap { .. }
            | T::TierOverlap { .. }
            | T::OpenTierNotLast { .. }
            | T::TierPrice { .. }
            | T::PriceListField { .. }),
        ) => {
            return Some(Refusal {
                field: "tramos",
                message: app::trade_cases::price_list_reason(te).1,
            })
        }
        AppError::Trade(T::Infeasible { material, .. }) => {
            return Some(Refusal {
                field: fallback,
                message: t.fmt("trade18.err.infeasible", material),
            })
        }
        AppError::Trade(T::AboveBoardApproval { .. }) => ("decision", "trade18.err.above_decision"),
        AppError::Trade(T::AboveRemaining {
            field, remaining, ..
        }) => {
            let f = if *field == "units" {
                "unidades"
            } else {
                "importe"
            };
            let left = if f == "unidades" {
                remaining.to_string()
            } else {
                t.money(*remaining as i128)
            };
            return Some(Refusal {
                field: f,
                message: t.fmt("trade18.err.above_remaining", &left),
            });
        }
        AppError::Trade(T::BadRequest { .. }) => ("cantidad", "trade18.err.request"),
        AppError::Trade(T::Invalid { field, .. }) if field.contains("pay") => {
            ("pago", "trade18.err.pay_now")
        }
        AppError::Field(f) => field_refusal(f.field, &f.message, fallback),
        AppError::Rule { field, message, .. } => field_refusal(field, message, fallback),
        AppError::Store(store::StoreError::Conflict { .. }) => (fallback, "trade18.err.reference"),
        _ => (fallback, "trade18.err.generic"),
    };
    Some(Refusal {
        field,
        message: t.get(key).to_string(),
    })
}

/// The form field and the catalogue key for a refusal the app names by its field.
fn field_refusal(
    field: &str,
    message: &str,
    fallback: &'static str,
) -> (&'static str, &'static str) {
    match field {
        "round_id" if message.contains("ya cerró") => ("ronda", "trade18.err.closed"),
        "round_id" if message.contains("no tiene") => ("ronda", "trade18.err.no_requests"),
        "round_id" if message.contains("aún no") => ("ronda", "trade18.err.not_closed"),
        "round_id" => ("ronda", "trade18.err.round_id"),
        "code" => ("codigo", "trade18.err.code"),
        "name" => ("nombre", "trade18.err.name"),
        "material" => ("material", "trade18.err.material"),
        "supplier" => ("proveedor", "trade18.err.supplier"),
        "requests" if message.contains("otra cantidad") => {
            ("cantidad", "trade18.err.requested_before")
        }
        "member" => ("socio", "trade18.err.member"),
        "decision_id" => ("decision", "trade18.err.decision"),
        "lender" => ("prestamista", "trade18.err.lender"),
        "po_id" => ("orden", "trade18.err.po"),
        "reference" => (fallback, "trade18.err.reference"),
        _ => (fallback, "trade18.err.generic"),
    }
}

/// Members' names (names appear, not ids), one lookup per person shown.
async fn member_names(
    state: &AppState,
    t: Tr,
    org_id: OrgId,
    ids: &[i64],
) -> Result<HashMap<i64, String>, PageError> {
    let mut names = HashMap::new();
    for &id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let m = state
            .app
            .store()
            .member(org_id, id)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        names.insert(id, format!("{} {}", m.data.given_names, m.data.surnames));
    }
    Ok(names)
}

/// Lines a long trade table shows per page (as the members list: 50, pages both ways).
pub(crate) const LINES_PER_PAGE: usize = 50;

/// The page of a long table: its links both ways and "N líneas · página 2 de 3".
pub struct Pager {
    pub summary: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn shown(&self) -> bool {
        self.prev.is_some() || self.next.is_some()
    }
}

/// Page `page` (from 1) of `items`, and its pager linking to `{base}?pagina=N#{anchor}`.
fn paged<T>(t: Tr, items: Vec<T>, page: usize, base: &str, anchor: &str) -> (Vec<T>, Pager) {
    let total = items.len();
    let pages = total.div_ceil(LINES_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let count = crate::shell::format::group_thousands(total as u64);
    let lines = if total == 1 {
        t.get("trade-rest.lines.one").to_string()
    } else {
        t.fmt("trade-rest.lines", &count)
    };
    let summary = if pages > 1 {
        let (p, of) = (page.to_string(), pages.to_string());
        format!("{lines} · {}", t.fmt_all("members.page_of", &[&p, &of]))
    } else {
        lines
    };
    let link = |n: usize| format!("{base}?pagina={n}#{anchor}");
    let pager = Pager {
        summary,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    };
    let items = items
        .into_iter()
        .skip((page - 1) * LINES_PER_PAGE)
        .take(LINES_PER_PAGE)
        .collect();
    (items, pager)
}

/// `?pagina=N` of a trade page.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    pub pagina: Option<usize>,
}
