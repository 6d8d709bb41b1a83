//! Page handlers. Every handler resolves the organisation by slug and answers 404 for a
//! missing one exactly as for any other unknown id.

use crate::format::{date_es, money_es_mx};
use app::App;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use store::{Page, StoreError};

pub async fn healthz(State(app): State<App>) -> Response {
    match app.store().orgs().await {
        Ok(orgs) => {
            Json(serde_json::json!({"status": "ok", "organisations": orgs.len()})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/tequio.css"),
    )
        .into_response()
}

struct OrgRow {
    slug: String,
    name: String,
    state: String,
    trade: String,
    members: u64,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    orgs: Vec<OrgRow>,
}

pub async fn index(State(app): State<App>) -> Response {
    let result: Result<Vec<OrgRow>, StoreError> = async {
        let mut rows = Vec::new();
        // The landing page lists at most 200 ODFs; supervisors' full view is a later page.
        for org in app.store().orgs().await?.into_iter().take(200) {
            let members = app.store().count_members(org.id).await?;
            rows.push(OrgRow {
                slug: org.data.slug,
                name: org.data.name,
                state: org.data.state,
                trade: org.data.trade,
                members,
            });
        }
        Ok(rows)
    }
    .await;
    match result {
        Ok(orgs) => render(IndexPage { orgs }),
        Err(e) => store_error(e),
    }
}

struct MemberRow {
    name: String,
    municipality: String,
    trade: String,
    joined: String,
    status: &'static str,
    arrears: String,
}

struct BalanceRow {
    code: String,
    name: String,
    balance: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    name: String,
    group_name: String,
    slug: String,
    member_count: u64,
    members: Vec<MemberRow>,
    next_after: Option<i64>,
    balances: Vec<BalanceRow>,
    total: String,
}

#[derive(Deserialize)]
pub struct OrgQuery {
    after: Option<i64>,
}

const MEMBERS_PER_PAGE: u32 = 50;

pub async fn org_page(
    State(app): State<App>,
    Path(slug): Path<String>,
    Query(query): Query<OrgQuery>,
) -> Response {
    match load_org_page(&app, &slug, query.after.unwrap_or(0)).await {
        Ok(page) => render(page),
        Err(e) => store_error(e),
    }
}

async fn load_org_page(app: &App, slug: &str, after: i64) -> Result<OrgPage, StoreError> {
    let store = app.store();
    let org = store.org_by_slug(slug).await?;
    let member_count = store.count_members(org.id).await?;
    let members = store
        .members(
            org.id,
            Page {
                after_id: after.max(0),
                limit: MEMBERS_PER_PAGE,
            },
        )
        .await?;
    let balances = store.balances(org.id).await?;
    let mut member_rows = Vec::with_capacity(members.len());
    for m in &members {
        let arrears =
            balances.balance_minor(&ledger::Account::dues_receivable(m.id), org.data.currency);
        member_rows.push(MemberRow {
            name: format!("{} {}", m.data.given_names, m.data.surnames),
            municipality: m.data.municipality.clone(),
            trade: m.data.trade.clone(),
            joined: date_es(m.data.joined_on),
            status: if m.left_on.is_some() {
                "Baja"
            } else {
                "Activo"
            },
            arrears: money_es_mx(arrears),
        });
    }
    let next_after = (members.len() as u32 == MEMBERS_PER_PAGE)
        .then(|| members.last().map(|m| m.id))
        .flatten();
    let accounts = store.accounts(org.id).await?;
    // The trial balance shows the ODF's own and the Fund's accounts; member sub-ledgers are
    // summed into one line per kind of member account so the page stays small.
    let mut member_totals: std::collections::BTreeMap<String, i128> = Default::default();
    let mut balance_rows = Vec::new();
    for (code, _currency, amount) in balances.lines() {
        let segments: Vec<&str> = code.segments().collect();
        if segments.first() == Some(&"members") && segments.len() == 3 {
            *member_totals.entry(segments[2].to_string()).or_default() += amount;
            continue;
        }
        let name = accounts
            .iter()
            .find(|a| &a.code == code)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        balance_rows.push(BalanceRow {
            code: code.to_string(),
            name,
            balance: money_es_mx(amount),
        });
    }
    for (suffix, amount) in member_totals {
        balance_rows.push(BalanceRow {
            code: format!("members:*:{suffix}"),
            name: "Suma de cuentas de socios".to_string(),
            balance: money_es_mx(amount),
        });
    }
    let total: i128 = balances.totals().values().sum();
    Ok(OrgPage {
        name: org.data.name,
        group_name: org.data.group_name,
        slug: org.data.slug,
        member_count,
        members: member_rows,
        next_after,
        balances: balance_rows,
        total: money_es_mx(total),
    })
}

fn render(template: impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Error interno").into_response()
        }
    }
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::NotFound { .. } => {
            (StatusCode::NOT_FOUND, Html("<h1>No encontrado</h1>")).into_response()
        }
        other => {
            tracing::error!(error = %other, "store error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<h1>Error interno</h1>"),
            )
                .into_response()
        }
    }
}
