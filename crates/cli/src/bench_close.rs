//! `tequio bench close`: the period close of many members (default 1,000,000 in 2,000 ODFs,
//! one report each, every member above baseline: two entries and five postings per member)
//! against a raw bulk insert of the same entries and postings (`store_*::baseline`, plain
//! INSERTs, one transaction per organisation), on a SQLite file and, with `--pg-url`, on
//! PostgreSQL. Prints wall time of each and the process's peak RSS during the close (VmHWM
//! from /proc/self/status, reset before the close through /proc/self/clear_refs).
//!
//! Setup (organisations, members, plans, reports) is not timed.

use anyhow::{ensure, Context};
use app::fund_cases::{Audit, CloseOptions, ReportInput};
use app::App;
use chrono::NaiveDate;
use clap::Args;
use fund::{CloseRow, FundSettings, NewBusinessPlan, Period, ReportFigures, Reporter, Target};
use ledger::Money;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{OrgId, Store};

#[derive(Args, Debug, Clone)]
pub struct BenchCloseArgs {
    /// Organisations (ODFs).
    #[arg(long, default_value_t = 2_000)]
    pub orgs: u32,
    /// Members per organisation, each with one report.
    #[arg(long, default_value_t = 500)]
    pub members: u32,
    /// Organisations closed at the same time; default as `tequio close --all` (4 on SQLite,
    /// 8 on PostgreSQL).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// PostgreSQL server to measure too (a role with CREATEDB); skipped when absent.
    #[arg(long, env = "TEQUIO_BENCH_PG_URL")]
    pub pg_url: Option<String>,
    /// Skip SQLite (measure PostgreSQL only).
    #[arg(long)]
    pub no_sqlite: bool,
}

fn period() -> Period {
    Period::month(2026, 3).expect("a valid period")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 5).expect("a valid date")
}

/// Peak resident set size of this process, in KiB (VmHWM).
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets VmHWM to the current RSS (Linux: `5` to clear_refs).
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Baseline revenue, baseline profit, reported revenue and profit of member `i`: every one
/// above baseline, so the close posts a contribution and a profit share for each.
fn figures(i: usize) -> (i64, i64, i64, i64) {
    let base = 300_000 + (i as i64 * 7_919) % 1_200_000;
    let profit = base / 4;
    (base, profit, base + base / 5 + 37, profit + profit / 3 + 11)
}

/// Organisations with members, plans and one report each (through the app, in bulk).
async fn setup(app: &App, args: &BenchCloseArgs, prefix: &str) -> anyhow::Result<Vec<OrgId>> {
    let spec = demo::DemoSpec {
        orgs: args.orgs,
        members_per_org: args.members,
        ..demo::DemoSpec::national()
    };
    let audit = Audit::new("bench", "bench");
    let started = Instant::now();
    let mut orgs = Vec::with_capacity(args.orgs as usize);
    for index in 0..args.orgs {
        let mut plan = demo::org(&spec, index);
        plan.org.slug = format!("{prefix}-{index}");
        plan.org.founded_on = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        let org = app.store().create_org(&plan.org).await?;
        for m in &mut plan.members {
            m.joined_on = plan.org.founded_on;
            m.letter.signed_on = plan.org.founded_on;
        }
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
        let cur = plan.org.currency;
        let plans = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let (rev, profit, _, _) = figures(i);
                (
                    NewBusinessPlan {
                        member_id: id,
                        baseline_revenue: Money::new(rev, cur),
                        baseline_profit: Money::new(profit, cur),
                        target: Target {
                            measure: fund::TargetMeasure::Revenue,
                            amount: Money::new(rev * 2, cur),
                            by: NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
                        },
                        measures: vec!["Vender más".into()],
                        services: vec![],
                    },
                    NaiveDate::from_ymd_opt(2025, 1, 2).expect("date"),
                )
            })
            .collect();
        app.agree_plans_bulk(org.id, plans, &audit).await?;
        let reports = ids
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let (_, _, rev, profit) = figures(i);
                ReportInput {
                    member_id: id,
                    revenue_minor: rev,
                    profit_minor: profit,
                    reported_by: Reporter::Member,
                }
            })
            .collect();
        app.file_reports_bulk(org.id, period(), reports, today(), &audit)
            .await?;
        orgs.push(org.id);
        if (index + 1) % 200 == 0 {
            eprintln!(
                "  setup: {} organisations in {:.0} s",
                index + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(orgs)
}

/// The entries the close of one organisation posts, computed without the store, for the raw
/// baseline (same keys, same postings).
fn close_entries(org_id: OrgId, members: u32) -> anyhow::Result<Vec<ledger::ValidEntry>> {
    let settings = FundSettings::new(org_id, NaiveDate::from_ymd_opt(2025, 1, 1).expect("d"));
    let rows: Vec<CloseRow> = (0..members as usize)
        .map(|i| {
            let (rev, profit, r, p) = figures(i);
            CloseRow {
                member_id: i as i64 + 1,
                baseline_revenue_minor: rev,
                baseline_profit_minor: profit,
                report: Some(ReportFigures {
                    revenue_minor: r,
                    profit_minor: p,
                }),
                posted: None,
            }
        })
        .collect();
    let c = fund::compute_close(&settings, period(), &rows)?;
    Ok(c.entries(&settings, period().last_day())?)
}

struct Measured {
    baseline: Duration,
    close: Duration,
    entries: usize,
    postings: usize,
    peak_kib: Option<u64>,
}

async fn measure(
    backend: &str,
    app: &App,
    args: &BenchCloseArgs,
    raw: impl AsyncFn(OrgId, &[ledger::ValidEntry]) -> Result<(), store::StoreError>,
    raw_org: OrgId,
    concurrency: usize,
    before_close: impl AsyncFn() -> anyhow::Result<()>,
) -> anyhow::Result<Measured> {
    // Baseline: the same entries, raw, one transaction per organisation.
    let mut baseline = Duration::ZERO;
    let mut entries = 0;
    let mut postings = 0;
    for o in 0..args.orgs {
        let batch = close_entries(i64::from(o) + 1, args.members)?;
        entries += batch.len();
        postings += batch.iter().map(|e| e.postings().len()).sum::<usize>();
        let started = Instant::now();
        raw(raw_org, &batch).await?;
        baseline += started.elapsed();
    }
    println!(
        "{backend}: raw baseline, {entries} entries / {postings} postings in {:.1} s",
        baseline.as_secs_f64()
    );
    before_close().await?;
    println!("{backend}: closing {concurrency} organisations at a time");
    reset_peak_rss();
    let started = Instant::now();
    let outcomes = app
        .close_all(
            period(),
            today(),
            CloseOptions {
                concurrency,
                ..CloseOptions::default()
            },
            &Audit::new("bench", "bench"),
        )
        .await?;
    let close = started.elapsed();
    let peak_kib = peak_rss_kib();
    let mut posted = 0;
    for (org, outcome) in outcomes {
        let r = outcome.with_context(|| format!("closing {}", org.data.slug))?;
        posted += r.entries;
    }
    ensure!(
        posted == entries,
        "{backend}: the close posted {posted} entries, the baseline {entries}"
    );
    Ok(Measured {
        baseline,
        close,
        entries,
        postings,
        peak_kib,
    })
}

/// Members the targets are set for (issue 3: 1,000,000 in 2,000 ODFs).
const TARGET_MEMBERS: u64 = 1_000_000;

fn report(backend: &str, m: &Measured, args: &BenchCloseArgs, target_s: f64) {
    let members = u64::from(args.orgs) * u64::from(args.members);
    let ratio = m.close.as_secs_f64() / m.baseline.as_secs_f64().max(1e-9);
    let peak_mib = m.peak_kib.map_or(-1.0, |k| k as f64 / 1024.0);
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    // The time target only means something at the size it is set for; the ratio and memory
    // targets are compared at any size.
    let time_verdict = if members == TARGET_MEMBERS {
        met(m.close.as_secs_f64() <= target_s).to_string()
    } else {
        format!("not compared (set for {TARGET_MEMBERS} members)")
    };
    println!(
        "{backend}: close of {members} members in {} ODFs: {:.1} s ({} entries, {} postings, {:.0} postings/s), \
         {:.2}x the raw baseline; peak RSS during the close {:.0} MiB. Targets: <= {target_s} s {time_verdict}, <= 2x {}, <= 1024 MiB {}",
        args.orgs,
        m.close.as_secs_f64(),
        m.entries,
        m.postings,
        m.postings as f64 / m.close.as_secs_f64().max(1e-9),
        ratio,
        peak_mib,
        met(ratio <= 2.0),
        met((0.0..=1024.0).contains(&peak_mib)),
    );
}

pub async fn run(args: BenchCloseArgs) -> anyhow::Result<()> {
    ensure!(args.orgs >= 1 && args.orgs <= 10_000, "--orgs: 1 to 10,000");
    ensure!(
        args.members >= 1 && args.members <= 5_000,
        "--members: 1 to 5,000 (one commit per organisation)"
    );
    println!(
        "tequio bench close on {} cores: {} ODFs x {} members, one report each",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.orgs,
        args.members
    );
    if !args.no_sqlite {
        let dir = std::env::temp_dir().join(format!("tequio-bench-close-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let store = Arc::new(store_sqlite::SqliteStore::open(&dir.join("close.db")).await?);
        let raw = store_sqlite::SqliteStore::open(&dir.join("raw.db")).await?;
        let raw_org = raw.create_org(&raw_org_spec()).await?.id;
        let app = App::new(store.clone());
        let started = Instant::now();
        setup(&app, &args, "bench-close").await?;
        println!(
            "SQLite: setup in {:.0} s (not timed below)",
            started.elapsed().as_secs_f64()
        );
        let pool = raw.pool().clone();
        let m = measure(
            "SQLite",
            &app,
            &args,
            async |org, entries: &[ledger::ValidEntry]| {
                store_sqlite::baseline::insert_raw(&pool, org, entries, false).await
            },
            raw_org,
            args.concurrency
                .unwrap_or(crate::backend::Backend::Sqlite.close_concurrency()),
            async || Ok(()),
        )
        .await?;
        report("SQLite", &m, &args, 15.0);
        drop(app);
        let _ = std::fs::remove_dir_all(&dir);
    }
    match &args.pg_url {
        Some(url) => {
            let url = fresh_pg(url, "tequio_bench_close").await?;
            let store = Arc::new(store_postgres::PgStore::connect(&url).await?);
            let raw_org = store.create_org(&raw_org_spec()).await?.id;
            let app = App::new(store.clone());
            let started = Instant::now();
            setup(&app, &args, "bench-close").await?;
            sqlx::query("ANALYZE").execute(store.pool()).await?;
            println!(
                "PostgreSQL: setup in {:.0} s (not timed below)",
                started.elapsed().as_secs_f64()
            );
            let pool = store.pool().clone();
            let m = measure(
                "PostgreSQL",
                &app,
                &args,
                async |org, entries: &[ledger::ValidEntry]| {
                    store_postgres::baseline::insert_raw(&pool, org, entries, false).await
                },
                raw_org,
                args.concurrency
                    .unwrap_or(crate::backend::Backend::Postgres.close_concurrency()),
                // The statistics a running database has after the baseline's inserts: the
                // setup's ANALYZE saw no entries at all, and autovacuum may or may not have
                // analysed them since (it looks every minute), which made the planner scan the
                // whole entries table for each posting's foreign key in some runs and not others.
                async || {
                    sqlx::query("ANALYZE orgs, accounts, entries, postings, balances, events")
                        .execute(store.pool())
                        .await?;
                    Ok(())
                },
            )
            .await?;
            report("PostgreSQL", &m, &args, 30.0);
        }
        None => println!("PostgreSQL: skipped (pass --pg-url or TEQUIO_BENCH_PG_URL)"),
    }
    Ok(())
}

fn raw_org_spec() -> store::NewOrg {
    store::NewOrg {
        slug: "zz-raw-baseline".into(),
        name: "Línea base".into(),
        group_name: "Línea base".into(),
        state: "Morelos".into(),
        municipality: "Cuernavaca".into(),
        trade: "alfarería".into(),
        founded_on: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
        currency: ledger::Currency::MXN,
        dues_amount_minor: 0,
        dues_period_months: 1,
    }
}

pub(crate) async fn fresh_pg(admin_url: &str, name: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .context("PostgreSQL: cannot connect with --pg-url")?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .context("--pg-url must end with /DATABASE")?;
    Ok(format!("{base}/{name}"))
}
