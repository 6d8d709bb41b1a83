//! Shared setup of the credit tests: one helper builds the App on SQLite in memory, and on
//! PostgreSQL too when `TEQUIO_TEST_PG_URL` is set.
#![allow(dead_code)]

use app::App;
use chrono::NaiveDate;
use ledger::AccountCode;
use std::future::Future;
use std::sync::Arc;
use store::Store;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn code(text: &str) -> AccountCode {
    AccountCode::parse(text).unwrap()
}

/// The backends to test on: SQLite in memory always; PostgreSQL when `TEQUIO_TEST_PG_URL` is
/// set (required under `CI` or `TEQUIO_REQUIRE_ALL`).
pub async fn apps() -> Vec<App> {
    let mut stores: Vec<Arc<dyn Store>> = vec![Arc::new(
        store_sqlite::SqliteStore::open_in_memory().await.unwrap(),
    )];
    match std::env::var("TEQUIO_TEST_PG_URL") {
        Ok(url) => stores.push(Arc::new(
            store_postgres::PgStore::connect(&url)
                .await
                .expect("PostgreSQL at TEQUIO_TEST_PG_URL"),
        )),
        Err(_)
            if std::env::var_os("CI").is_some()
                || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!("TEQUIO_TEST_PG_URL is required under CI")
        }
        Err(_) => eprintln!("TEQUIO_TEST_PG_URL unset: PostgreSQL not tested here"),
    }
    stores.into_iter().map(App::new).collect()
}

/// Runs `test` once per backend.
pub async fn for_each_backend<F, Fut>(test: F)
where
    F: Fn(App) -> Fut,
    Fut: Future<Output = ()>,
{
    for app in apps().await {
        test(app).await;
    }
}

/// A fresh organisation with `members` members and the demo's board (its own slug on a shared
/// database) and its Fund's deposits (grants): 40,000.00 and 10,000.00 in its first three
/// months, 30,000.00 in month five, each split 50/50 between the trust accounts (R-FUND-2).
pub async fn union_with_deposits(app: &App, members: u32) -> i64 {
    union_with_grants(
        app,
        members,
        &[(10, 4_000_000), (40, 1_000_000), (130, 3_000_000)],
    )
    .await
}

/// [`union_with_deposits`] whose Fund receives the given grants: (days after the founding,
/// amount in minor units), each split 50/50 between the trust accounts (R-FUND-2).
pub async fn union_with_grants(app: &App, members: u32, grants: &[(u64, i64)]) -> i64 {
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = members;
    spec.dues_months = 0;
    let mut generated = demo::org(&spec, 0);
    // A unique slug so that several tests may share one PostgreSQL database.
    let n = SLUG.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    generated.org.slug = format!("credit-{nanos}-{n}");
    let org = app.store().create_org(&generated.org).await.unwrap();
    app.store()
        .import_members(org.id, &generated.members, &[])
        .await
        .unwrap();
    let mut ids = Vec::new();
    for m in &generated.members {
        ids.push(
            app.store()
                .member_by_curp(org.id, m.curp.as_str())
                .await
                .unwrap()
                .id,
        );
    }
    for role in generated.roles_for(&ids) {
        app.store().assign_role(org.id, &role, &[]).await.unwrap();
    }
    let start = org.data.founded_on;
    for (i, &(days, amount)) in grants.iter().enumerate() {
        app.receive_grant(
            org.id,
            &format!("deposit-{i}"),
            "Fundación Morelos",
            amount,
            start + chrono::Days::new(days),
            &app::fund_cases::Audit::cli(),
        )
        .await
        .unwrap();
    }
    org.id
}

/// A board decision recorded from minutes where every board seat voted for (R-GOV-2).
pub async fn board_approves(
    app: &App,
    org_id: i64,
    kind: governance::ProposalKind,
    subject: &str,
    amount_minor: i64,
    on: NaiveDate,
) -> i64 {
    let seats: Vec<(i64, governance::Vote)> = app
        .store()
        .roles(org_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.role == registry::Role::BoardMember && r.until.is_none())
        .map(|r| (r.id, governance::Vote::For))
        .collect();
    assert!(!seats.is_empty(), "the demo union has a board");
    app.record_board_decision(
        org_id,
        &app::Actor::cli(),
        governance::Minutes {
            kind,
            subject: subject.to_string(),
            purpose: "Crédito".to_string(),
            amount_minor,
            decided_on: on,
            votes: seats,
        },
    )
    .await
    .unwrap()
    .proposal_id
}

static SLUG: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The ids of the organisation's first `n` members.
pub async fn member_ids(app: &App, org_id: i64, n: u32) -> Vec<i64> {
    app.store()
        .members(org_id, store::Page::first(n))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
}

/// A business plan agreed on the union's terms: the given monthly baseline (minor units), to
/// double revenue by 2027's end (R-PLAN-1).
pub fn doubling_plan(member: i64, revenue: i64, profit: i64) -> fund::NewBusinessPlan {
    fund::NewBusinessPlan {
        member_id: member,
        baseline_revenue: ledger::Money::mxn(revenue),
        baseline_profit: ledger::Money::mxn(profit),
        target: fund::Target {
            measure: fund::TargetMeasure::Revenue,
            amount: ledger::Money::mxn(revenue * 2),
            by: day(2027, 12, 31),
        },
        measures: vec!["Horno de gas".into()],
        services: vec![],
    }
}
