//! Shared set-up of the Fund's app tests: one helper builds the App on SQLite (in memory) or
//! PostgreSQL (a fresh database on `TEQUIO_TEST_PG_URL`; skipped when unset, a failure when
//! `CI` or `TEQUIO_REQUIRE_ALL` is set), and a small organisation with members and plans.

#![allow(dead_code)] // each test binary uses part of this module

use app::fund_cases::{Audit, ReportInput};
use app::App;
use chrono::NaiveDate;
use fund::{NewBusinessPlan, Period, Reporter, Target, TargetMeasure};
use ledger::{Currency, Money};
use registry::{Curp, LetterOfCommitment, NewMember, Profile, Sex};
use std::sync::Arc;
use store::{MemberId, NewOrg, OrgId};

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn p(y: i32, m: u32) -> Period {
    Period::month(y, m).unwrap()
}

/// The day the tests run "today": late enough that every period used is over.
pub fn today() -> NaiveDate {
    d(2026, 11, 22)
}

pub fn audit() -> Audit {
    Audit::new("prueba", "test")
}

pub async fn sqlite() -> App {
    App::new(Arc::new(
        store_sqlite::SqliteStore::open_in_memory().await.unwrap(),
    ))
}

/// A fresh PostgreSQL database, or None (skip) when no server is configured.
pub async fn postgres() -> Option<App> {
    use sqlx::Connection;
    let url = match std::env::var("TEQUIO_TEST_PG_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ if std::env::var_os("CI").is_some()
            || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!("TEQUIO_TEST_PG_URL is not set but CI/TEQUIO_REQUIRE_ALL is")
        }
        _ => {
            eprintln!("skipping PostgreSQL: TEQUIO_TEST_PG_URL is not set (scripts/pg-up)");
            return None;
        }
    };
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "tequio_t_{}_fund_{}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let store = store_postgres::PgStore::connect(&format!("{base}/{name}"))
        .await
        .unwrap();
    Some(App::new(Arc::new(store)))
}

/// The backends to run a test on: SQLite always, PostgreSQL when configured.
pub async fn backends() -> Vec<(&'static str, App)> {
    let mut out = vec![("sqlite", sqlite().await)];
    if let Some(app) = postgres().await {
        out.push(("postgres", app));
    }
    out
}

pub fn new_member(n: usize, profile: Profile, birth_year: i32) -> NewMember {
    let homoclave = b"0123456789"[n % 10] as char;
    let day = n / 10 + 1;
    assert!(day <= 28, "test members: at most 280");
    let first17 = format!("GOML{:02}01{day:02}MMSRRP{homoclave}", birth_year % 100);
    NewMember {
        curp: Curp::with_check_digit(&first17).unwrap(),
        rfc: None,
        given_names: format!("Socia {n}"),
        surnames: "Gómez López".into(),
        sex: Sex::Female,
        birth_date: d(birth_year, 1, day as u32),
        municipality: "Tlayacapan".into(),
        state: "Morelos".into(),
        trade: "alfarería".into(),
        household_size: 4,
        profile,
        declared_programmes: Default::default(),
        joined_on: d(2025, 1, 15),
        letter: LetterOfCommitment {
            signed_on: d(2025, 1, 15),
        },
    }
}

/// An organisation founded 2025-01-01 with `n` micro-producers born in 1980; member ids in
/// registration order.
pub async fn org_with_members(app: &App, slug: &str, n: usize) -> (OrgId, Vec<MemberId>) {
    org_with_members_and_dues(app, slug, n, 0).await
}

/// [`org_with_members`] whose dues (R-ORG-6) are `dues_minor` a month.
pub async fn org_with_members_and_dues(
    app: &App,
    slug: &str,
    n: usize,
    dues_minor: i64,
) -> (OrgId, Vec<MemberId>) {
    let org = app
        .store()
        .create_org(&NewOrg {
            slug: slug.to_string(),
            name: format!("ODF {slug}"),
            group_name: "Grupo".into(),
            state: "Morelos".into(),
            municipality: "Tlayacapan".into(),
            trade: "alfarería".into(),
            founded_on: d(2025, 1, 1),
            currency: Currency::MXN,
            dues_amount_minor: dues_minor,
            dues_period_months: 1,
        })
        .await
        .unwrap();
    let members: Vec<NewMember> = (0..n)
        .map(|i| new_member(i, Profile::MicroProducer, 1980))
        .collect();
    app.store()
        .import_members(org.id, &members, &[])
        .await
        .unwrap();
    let stored = app
        .store()
        .members(org.id, store::Page::first(1000))
        .await
        .unwrap();
    (org.id, stored.iter().map(|m| m.id).collect())
}

/// A plan with the given monthly baseline (minor units), to double revenue by 2027's end.
pub fn new_plan(member: MemberId, revenue: i64, profit: i64) -> NewBusinessPlan {
    NewBusinessPlan {
        member_id: member,
        baseline_revenue: Money::mxn(revenue),
        baseline_profit: Money::mxn(profit),
        target: Target {
            measure: TargetMeasure::Revenue,
            amount: Money::mxn(revenue * 2 + 1),
            by: d(2027, 12, 31),
        },
        measures: vec!["Comprar un horno de gas".into()],
        services: vec![fund::OdfService::Sales],
    }
}

/// A plan agreed 2025-01-20 with the given monthly baseline (minor units).
pub async fn agree(app: &App, org: OrgId, member: MemberId, revenue: i64, profit: i64) -> i64 {
    app.agree_plan(
        org,
        new_plan(member, revenue, profit),
        d(2025, 1, 20),
        &audit(),
    )
    .await
    .unwrap()
    .id
}

pub fn figures(member: MemberId, revenue: i64, profit: i64) -> ReportInput {
    ReportInput {
        member_id: member,
        revenue_minor: revenue,
        profit_minor: profit,
        reported_by: Reporter::Member,
    }
}

pub async fn report(
    app: &App,
    org: OrgId,
    period: Period,
    member: MemberId,
    rev: i64,
    profit: i64,
) {
    app.file_report(
        org,
        period,
        figures(member, rev, profit),
        None,
        today(),
        &audit(),
    )
    .await
    .unwrap();
}

/// Balance of an account (minor units, debit positive).
pub async fn balance(app: &App, org: OrgId, code: &str) -> i64 {
    app.store()
        .account_balance(org, &ledger::AccountCode::parse(code).unwrap())
        .await
        .unwrap()
}

/// The trial balance as (account, balance) lines, for comparing runs.
pub async fn trial(app: &App, org: OrgId) -> Vec<(String, i128)> {
    let tb = app.checked_trial_balance(org).await.unwrap();
    assert!(tb.is_balanced(), "the trial balance must be zero");
    tb.lines()
        .filter(|(_, _, v)| *v != 0)
        .map(|(a, _, v)| (a.as_str().to_string(), v))
        .collect()
}

pub async fn event_count(app: &App, org: OrgId) -> usize {
    let mut n = 0;
    let mut page = store::Page::first(1000);
    loop {
        let events = app.store().events(org, None, page).await.unwrap();
        let Some(last) = events.last() else { break };
        page.after_id = last.seq;
        n += events.len();
    }
    n
}

pub async fn entry_count(app: &App, org: OrgId) -> usize {
    let mut n = 0;
    let mut page = store::Page::first(1000);
    loop {
        let entries = app.store().entries(org, page).await.unwrap();
        let Some(last) = entries.last() else { break };
        page.after_id = last.id;
        n += entries.len();
    }
    n
}

/// Board seats for these members (R-ORG-5).
pub async fn seat_board(app: &app::App, org: store::OrgId, members: &[i64]) -> Vec<i64> {
    let mut seats = Vec::new();
    for &member in members {
        let seat = app
            .assign_role(
                org,
                registry::NewRoleAssignment {
                    person_name: format!("Consejera {member}"),
                    member_id: Some(member),
                    role: registry::Role::BoardMember,
                    from: d(2025, 2, 1),
                },
                &app::Actor::cli(),
            )
            .await
            .unwrap();
        seats.push(seat.id);
    }
    seats
}

/// The board decides unanimously by minutes; the decision's id is its proposal id.
pub async fn board_decides(
    app: &app::App,
    org: store::OrgId,
    seats: &[i64],
    kind: governance::ProposalKind,
    amount_minor: i64,
) -> i64 {
    app.record_board_decision(
        org,
        &app::Actor::cli(),
        governance::Minutes {
            kind,
            subject: "competition:1".into(),
            purpose: "Feria de Tlaquepaque".into(),
            amount_minor,
            decided_on: d(2026, 5, 1),
            votes: seats.iter().map(|s| (*s, governance::Vote::For)).collect(),
        },
    )
    .await
    .unwrap()
    .proposal_id
}
