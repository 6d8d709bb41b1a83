//! The home page (the viewer's ODFs with their key figures), an ODF's shared figures, and
//! `/odf/{slug}/mi-estado` (the signed-in member's own statement).

use crate::shell::{
    check, render, require, role_label, visible_org, Ctx, Nav, PageError, PageResult, Tr,
};
use crate::AppState;
use app::access_cases::Action;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use std::collections::HashMap;
use store::{Org, StoreError};

// ---------------------------------------------------------------- home: the viewer's ODFs

pub struct OrgRow {
    pub slug: String,
    pub name: String,
    pub state: String,
    pub trade: String,
    pub members: u64,
    pub bank: String,
    pub dues_receivable: String,
    pub roles: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    t: Tr,
    nav: Nav,
    supervisor: bool,
    orgs: Vec<OrgRow>,
}

/// Key figures of one ODF (shared with everyone in its circle and with supervisors).
pub struct KeyFigures {
    pub members: u64,
    pub bank_minor: i128,
    pub dues_receivable_minor: i128,
    pub dues_income_minor: i128,
}

pub async fn key_figures(state: &AppState, org: &Org) -> Result<KeyFigures, StoreError> {
    let store = state.app.store();
    let members = store.count_members(org.id).await?;
    let balances = store.balances(org.id).await?;
    Ok(key_figures_of(org, members, &balances))
}

/// The key figures from the ODF's member count and its balances (as the store keeps them).
fn key_figures_of(org: &Org, members: u64, balances: &ledger::TrialBalance) -> KeyFigures {
    let cur = org.data.currency;
    let mut dues_receivable = 0i128;
    // The member sub-ledger suffix, as the ledger spells it (`members:{id}:<suffix>`).
    let dues_code = ledger::Account::dues_receivable(0);
    let dues_suffix = dues_code.segments().last().unwrap_or_default();
    for (code, currency, amount) in balances.lines() {
        let segs: Vec<&str> = code.segments().collect();
        if currency == cur && segs.len() == 3 && segs[0] == "members" && segs[2] == dues_suffix {
            dues_receivable += amount;
        }
    }
    KeyFigures {
        members,
        bank_minor: balances.balance_minor(&ledger::account::codes::odf_bank(), cur),
        dues_receivable_minor: dues_receivable,
        // Income accounts carry credits: shown positive.
        dues_income_minor: -balances.balance_minor(&ledger::account::codes::dues_income(), cur),
    }
}

/// Supervisors' list shows at most this many ODFs per page.
const ORGS_PER_PAGE: usize = 200;

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let session = require(&ctx)?;
    let t = ctx.t;
    let v = &session.viewer;
    if v.admin && !v.supervisor && v.grants.is_empty() {
        return Ok(Redirect::to("/programa").into_response());
    }
    let all = state
        .app
        .store()
        .orgs()
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let mut rows = Vec::new();
    for org in all
        .into_iter()
        .filter(|o| v.sees_org(o.id))
        .take(ORGS_PER_PAGE)
    {
        let k = key_figures(&state, &org)
            .await
            .map_err(|e| PageError::from_store(t, e))?;
        let roles: Vec<&str> = v.roles_in(org.id).map(|g| role_label(t, g.role)).collect();
        rows.push(OrgRow {
            slug: org.data.slug,
            name: org.data.name,
            state: org.data.state,
            trade: org.data.trade,
            members: k.members,
            bank: t.money(k.bank_minor),
            dues_receivable: t.money(k.dues_receivable_minor),
            roles: if v.supervisor {
                t.get("role.supervisor").to_string()
            } else {
                roles.join(", ")
            },
        });
    }
    Ok(render(IndexPage {
        t,
        nav: Nav::for_session(t, session, None),
        supervisor: v.supervisor,
        orgs: rows,
    }))
}

// ---------------------------------------------------------------- the ODF: shared figures

pub struct BalanceRow {
    pub name: String,
    pub balance: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    t: Tr,
    nav: Nav,
    name: String,
    group_name: String,
    members: u64,
    bank: String,
    dues_receivable: String,
    dues_income: String,
    balances: Vec<BalanceRow>,
    total: String,
}

pub async fn org_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    let t = ctx.t;
    check(&ctx, &session.viewer, org.id, Action::ViewShared)?;
    let store = state.app.store();
    // Issue 17: the balances the store keeps, read once for the key figures and the trial
    // balance. That they equal the sum of the postings is an invariant of every write (one
    // transaction, ARCHITECTURE.md) and is checked by the compliance page's books check
    // (`app::check`), not by summing every posting on each view of this page.
    let fail = |e| PageError::from_store(t, e);
    let balances = store.balances(org.id).await.map_err(fail)?;
    let k = key_figures_of(
        &org,
        store.count_members(org.id).await.map_err(fail)?,
        &balances,
    );
    let accounts = store
        .accounts(org.id)
        .await
        .map_err(|e| PageError::from_store(t, e))?;
    let names: HashMap<_, _> = accounts
        .iter()
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect();
    // The group's shared figures: the ODF's and the Fund's accounts; member sub-ledgers are
    // summed per kind of account (no member's own figures here).
    // Issue 17: accounts by name (their codes are internals); a member sub-ledger's total is
    // named after its kind of account ("Cuotas por cobrar").
    let mut member_totals: std::collections::BTreeMap<String, (String, i128)> = Default::default();
    let mut rows = Vec::new();
    for (code, _currency, amount) in balances.lines() {
        let segments: Vec<&str> = code.segments().collect();
        let name = names.get(code).cloned().unwrap_or_default();
        if segments.first() == Some(&"members") && segments.len() == 3 {
            member_totals
                .entry(segments[2].to_string())
                .or_insert((name, 0))
                .1 += amount;
            continue;
        }
        rows.push(BalanceRow {
            name,
            balance: t.money(amount),
        });
    }
    for (name, amount) in member_totals.into_values() {
        rows.push(BalanceRow {
            name: format!("{}: {name}", t.get("org.member_accounts_sum")),
            balance: t.money(amount),
        });
    }
    let total: i128 = balances.totals().values().sum();
    Ok(render(OrgPage {
        t,
        nav: Nav::for_session(t, &session, Some(&org)),
        name: org.data.name.clone(),
        group_name: org.data.group_name.clone(),
        members: k.members,
        bank: t.money(k.bank_minor),
        dues_receivable: t.money(k.dues_receivable_minor),
        dues_income: t.money(k.dues_income_minor),
        balances: rows,
        total: t.money(total),
    }))
}

// ---------------------------------------------------------------- a member's statement

/// `/odf/{slug}/mi-estado`: the signed-in member's own statement (`fund::pages`).
pub async fn my_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> PageResult {
    let (org, session) = visible_org(&state, &ctx, &slug).await?;
    match session.viewer.member_id_in(org.id) {
        Some(id) => {
            Ok(Redirect::to(&format!("/odf/{}/socios/{id}", org.data.slug)).into_response())
        }
        None => Err(PageError::NotFound(ctx.t)),
    }
}
