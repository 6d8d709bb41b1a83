//! `tequio bench credit`: the due-date processing of issue 4 — `App::run_credit_day` for a day
//! on which every loan falls due: the trust pays each installment to the lender (R-FUND-6),
//! replenishment and shortfall are tracked, and the portfolio's delinquency is computed. Target:
//! 300,000 active loans in <= 5 s on SQLite.
//!
//! Setup (on a fresh SQLite file, timed and printed separately): `--loans / --per-org` ODFs,
//! each with one member per loan, the demo board, a Fund grant, a credit line of twice the
//! grant, one board decision per loan and the loans approved and disbursed, all through the
//! app's bulk paths. Every loan: 12 monthly installments from 2025-07-01, first due
//! 2025-08-01; the run is for 2025-08-01, then the same day again (nothing may be written).
//!
//! Schedules and CAT per second are measured by `cargo bench -p credit`, not here.

use crate::bench_close::{peak_rss_kib, reset_peak_rss};
use anyhow::ensure;
use app::credit_cases::{BulkLoan, LoanApplication, OpenLineCmd, Scope};
use app::{Actor, App};
use chrono::NaiveDate;
use clap::Args;
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Instant;
use store::OrgId;

#[derive(Args, Debug, Clone)]
pub struct BenchCreditArgs {
    /// Active loans in all (one member each).
    #[arg(long, default_value_t = 300_000)]
    pub loans: u32,
    /// Loans per organisation (ODF).
    #[arg(long, default_value_t = 1_000)]
    pub per_org: u32,
}

/// The size the target is set for.
const TARGET_LOANS: u32 = 300_000;
const TARGET_SECONDS: f64 = 5.0;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid bench date")
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{} MiB", k / 1024))
}

/// Principal of loan `i`: MXN 5,000.00 to 14,900.00.
fn principal(i: u32) -> i64 {
    500_000 + i64::from(i * 7_919 % 100) * 10_000
}

/// One ODF with `loans` members, each with one disbursed loan.
async fn setup_org(app: &App, index: u32, loans: u32) -> anyhow::Result<OrgId> {
    let spec = demo::DemoSpec {
        orgs: 1,
        members_per_org: loans.max(demo::FOUNDERS),
        dues_months: 0,
        ..demo::DemoSpec::national()
    };
    let mut plan = demo::org(&spec, index);
    plan.org.slug = format!("bench-credit-{index}");
    plan.org.founded_on = day(2025, 1, 1);
    for m in &mut plan.members {
        m.joined_on = plan.org.founded_on;
        m.letter.signed_on = plan.org.founded_on;
    }
    let org = app.store().create_org(&plan.org).await?;
    app.store()
        .import_members(org.id, &plan.members, &[])
        .await?;
    let mut ids = Vec::with_capacity(plan.members.len());
    let mut page = store::Page::first(store::MAX_PAGE);
    loop {
        let members = app.store().members(org.id, page).await?;
        let Some(last) = members.last() else { break };
        page.after_id = last.id;
        ids.extend(members.iter().map(|m| m.id));
    }
    for role in plan.roles_for(&ids) {
        app.store().assign_role(org.id, &role, &[]).await?;
    }
    let seats: Vec<(i64, governance::Vote)> = app
        .store()
        .roles(org.id)
        .await?
        .into_iter()
        .filter(|r| r.role == registry::Role::BoardMember && r.until.is_none())
        .map(|r| (r.id, governance::Vote::For))
        .collect();
    let total: i64 = (0..loans).map(principal).sum();
    // The grant makes the line (2x) cover every loan and the trust every first installment.
    app.receive_grant(
        org.id,
        "bench-grant",
        "Banco de pruebas",
        total / 2 + 1_000_000,
        day(2025, 1, 10),
        &app::fund_cases::Audit::new("bench", "bench"),
    )
    .await?;
    let actor = Actor::cli();
    app.open_credit_line(
        org.id,
        &actor,
        OpenLineCmd {
            line_id: 1,
            lender_code: "banco".into(),
            annual_rate: Decimal::new(24, 2),
            requested_limit_minor: None,
            opened_on: day(2025, 4, 1),
            review: None,
        },
    )
    .await?;
    let minutes = (0..loans)
        .map(|i| governance::Minutes {
            kind: governance::ProposalKind::Loan,
            subject: format!("loan:{}", i + 1),
            purpose: "Crédito (banco de pruebas)".into(),
            amount_minor: principal(i),
            decided_on: day(2025, 6, 20),
            votes: seats.clone(),
        })
        .collect();
    let decisions = app
        .record_board_decisions_bulk(org.id, &actor, minutes)
        .await?;
    let bulk = (0..loans)
        .zip(decisions)
        .map(|(i, d)| BulkLoan {
            application: LoanApplication {
                loan_id: i64::from(i) + 1,
                line_id: 1,
                borrower: Some(ids[i as usize]),
                terms: credit::ScheduleInput::monthly(
                    principal(i),
                    Decimal::new(24, 2),
                    12,
                    day(2025, 7, 1),
                ),
                plan_recommended_minor: 2_000_000,
            },
            decision_id: d.proposal_id,
        })
        .collect();
    app.approve_and_disburse_loans_bulk(org.id, &actor, bulk)
        .await?;
    Ok(org.id)
}

pub async fn run(args: BenchCreditArgs) -> anyhow::Result<()> {
    ensure!(
        args.loans >= 1 && args.loans <= 1_000_000,
        "--loans: 1 to 1,000,000"
    );
    ensure!(
        args.per_org >= 1 && args.per_org <= 10_000,
        "--per-org: 1 to 10,000"
    );
    let orgs = args.loans.div_ceil(args.per_org);
    println!(
        "tequio bench credit on {} cores: {} loans in {} ODFs, SQLite file (WAL, synchronous=FULL)",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.loans,
        orgs
    );
    let dir = std::env::temp_dir().join(format!("tequio-bench-credit-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(&args, orgs, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(args: &BenchCreditArgs, orgs: u32, dir: &std::path::Path) -> anyhow::Result<()> {
    let store = Arc::new(store_sqlite::SqliteStore::open(&dir.join("credit.db")).await?);
    let app = App::new(store);
    let started = Instant::now();
    for index in 0..orgs {
        let loans = args.per_org.min(args.loans - index * args.per_org);
        setup_org(&app, index, loans).await?;
        if (index + 1) % 50 == 0 {
            eprintln!(
                "  setup: {} ODFs in {:.0} s",
                index + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "setup: {} loans approved and disbursed in {:.1} s (not part of the figure below)",
        args.loans,
        started.elapsed().as_secs_f64()
    );
    let run_day = day(2025, 8, 1);
    // What reading the state costs alone (each run reads it once per ODF).
    let started = Instant::now();
    let mut events = 0usize;
    for org in app.store().orgs().await? {
        events += app.credit_book(org.id).await?.events.len();
    }
    let read_book = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for org in app.store().orgs().await? {
        app.fund_state(org.id).await?;
    }
    println!(
        "reading alone: the credit books ({events} events) {read_book:.2} s, the Fund states {:.2} s",
        started.elapsed().as_secs_f64()
    );
    reset_peak_rss();
    let started = Instant::now();
    let reports = app
        .run_credit_day(Scope::All, run_day, &Actor::cli())
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib();
    let paid: u64 = reports.iter().map(|r| u64::from(r.installments_paid)).sum();
    let paid_minor: i64 = reports.iter().map(|r| r.paid_minor).sum();
    let not_covered: usize = reports.iter().map(|r| r.not_covered.len()).sum();
    let notices: usize = reports.iter().map(|r| r.notices.len()).sum();
    ensure!(
        paid == u64::from(args.loans) && not_covered == 0,
        "the run paid {paid} installments of {} ({not_covered} not covered)",
        args.loans
    );
    let verdict = if args.loans == TARGET_LOANS {
        if seconds <= TARGET_SECONDS {
            "met"
        } else {
            "MISSED"
        }
    } else {
        "target is for 300,000 loans: not compared"
    };
    println!(
        "run_credit_day {run_day}: {paid} installments paid by the trust (MXN {}), {notices} \
         shortfall notices, delinquency of {} ODFs, in {seconds:.2} s ({:.0} loans/s), peak RSS \
         {} — target {TARGET_SECONDS} s for {TARGET_LOANS} loans: {verdict}",
        ledger::Money::mxn(paid_minor).to_major_string(),
        reports.len(),
        f64::from(args.loans) / seconds,
        mib(peak),
    );
    let started = Instant::now();
    let again = app
        .run_credit_day(Scope::All, run_day, &Actor::cli())
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let repaid: u64 = again.iter().map(|r| u64::from(r.installments_paid)).sum();
    ensure!(repaid == 0, "the same day again paid {repaid} installments");
    println!("the same day again: nothing written, in {seconds:.2} s");
    Ok(())
}
