//! `tequio bench`: the ledger's write speed through the store, against a raw-SQL baseline that
//! inserts the same entry and posting rows with plain INSERTs (no idempotency check, no
//! balances, no validation), in one run on the same machine.
//!
//! SQLite: entries committed one at a time, and in batches of 1,000. PostgreSQL (with
//! `--pg-url`): the same two, plus 16 concurrent writers on distinct accounts (against 16 raw
//! writers) and on 10 hot accounts, each followed by a no-lost-update check (materialised
//! balances equal the postings and the expected totals), with each post's latency as the
//! caller saw it (median, 99th percentile, maximum).
//!
//! The store and its baseline take turns round by round (see `single_and_batched`), so that
//! both are timed under the same load of a shared machine.

use anyhow::{ensure, Context};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use ledger::{Account, AccountCode, Currency, EntryDraft, Money, Posting, ValidEntry};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{NewOrg, OrgId, Store};

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// What to measure (default: the ledger's write speed).
    #[command(subcommand)]
    pub what: Option<BenchWhat>,
    /// Entries committed one at a time.
    #[arg(long, default_value_t = 2_000)]
    pub single: usize,
    /// Batches of 1,000 entries.
    #[arg(long, default_value_t = 200)]
    pub batches: usize,
    /// Concurrent writers for the PostgreSQL run.
    #[arg(long, default_value_t = 16)]
    pub writers: usize,
    /// Entries per writer in the PostgreSQL concurrent runs.
    #[arg(long, default_value_t = 500)]
    pub per_writer: usize,
    /// PostgreSQL server to measure too (a role with CREATEDB); skipped when absent.
    #[arg(long, env = "TEQUIO_BENCH_PG_URL")]
    pub pg_url: Option<String>,
}

/// `tequio bench <what>`.
#[derive(Subcommand, Debug, Clone)]
pub enum BenchWhat {
    /// The period close of 1,000,000 members against a raw bulk insert (issue 3).
    Close(crate::bench_close::BenchCloseArgs),
    /// The trade optimisers: a 4,000-member purchasing round and a 10,000-unit order split.
    Trade,
    /// The credit due-date run (trust payments, delinquency) of 300,000 loans (issue 4).
    Credit(crate::bench_credit::BenchCreditArgs),
    /// The month-end surge against a served instance: statement reads while every member
    /// files a report (issue 15).
    MonthEnd(crate::bench_month_end::BenchMonthEndArgs),
    /// Every page of the phone walk as staff, board, member and supervisor: bytes (plain and
    /// gzip), p50 and p99, pages over 100 KB or 200 ms flagged (issue 17).
    Pages(crate::bench_pages::BenchPagesArgs),
}

/// Runs `tequio bench` or the measurement it names.
pub async fn command(mut args: BenchArgs) -> anyhow::Result<()> {
    match args.what.take() {
        Some(BenchWhat::Close(close)) => crate::bench_close::run(close).await,
        Some(BenchWhat::Trade) => crate::bench_trade::run(args).await,
        Some(BenchWhat::Credit(c)) => crate::bench_credit::run(c).await,
        Some(BenchWhat::MonthEnd(m)) => crate::bench_month_end::run(m).await,
        Some(BenchWhat::Pages(p)) => crate::bench_pages::run(p).await,
        None => run(args).await,
    }
}

const BATCH: usize = 1_000;
/// Accounts the generated entries spread over (member ids 1..=ACCOUNTS).
const ACCOUNTS: i64 = 1_000;

fn org(slug: &str) -> NewOrg {
    NewOrg {
        slug: slug.to_string(),
        name: "Banco de pruebas".to_string(),
        group_name: "Grupo de pruebas".to_string(),
        state: "Morelos".to_string(),
        municipality: "Cuernavaca".to_string(),
        trade: "alfarería".to_string(),
        founded_on: date(),
        currency: Currency::MXN,
        dues_amount_minor: 5_000,
        dues_period_months: 1,
    }
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).expect("a valid date")
}

fn code(text: String) -> AccountCode {
    AccountCode::parse(&text).expect("bench account codes follow the grammar")
}

/// Entry `n`: member `a` pays `amount` from their payable into their dues receivable.
fn entry(key: String, debit: AccountCode, credit: AccountCode, amount_minor: i64) -> ValidEntry {
    EntryDraft {
        idempotency_key: key,
        reason: "bench".to_string(),
        rule_id: "MANUAL".to_string(),
        date: date(),
        memo: String::new(),
        postings: vec![
            Posting::new(debit, Money::mxn(amount_minor)),
            Posting::new(credit, Money::mxn(-amount_minor)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("bench entries balance")
}

fn spread_entries(prefix: &str, count: usize) -> Vec<ValidEntry> {
    (0..count)
        .map(|n| {
            let member = (n as i64 % ACCOUNTS) + 1;
            entry(
                format!("{prefix}:{n}"),
                code(format!("members:{member}:dues-receivable")),
                code(format!("members:{member}:payable")),
                100 + (n as i64 % 9_900),
            )
        })
        .collect()
}

async fn prepare(store: &dyn Store, slug: &str) -> anyhow::Result<OrgId> {
    let created = store.create_org(&org(slug)).await?;
    let accounts: Vec<Account> = (1..=ACCOUNTS).flat_map(Account::member_accounts).collect();
    store.open_accounts(created.id, &accounts).await?;
    Ok(created.id)
}

struct Figure {
    label: String,
    entries: usize,
    seconds: f64,
}

impl Figure {
    fn print(&self, baseline: Option<&Figure>) {
        let rate = self.entries as f64 / self.seconds;
        let mut line = format!(
            "{:<48} {:>9} entries {:>8.3} s {:>11.0} entries/s {:>11.0} postings/s",
            self.label,
            self.entries,
            self.seconds,
            rate,
            rate * 2.0
        );
        if let Some(b) = baseline {
            let base_rate = b.entries as f64 / b.seconds;
            line.push_str(&format!("  {:>5.1}% of raw", 100.0 * rate / base_rate));
        }
        println!("{line}");
    }
}

async fn time<F, Fut>(label: impl Into<String>, entries: usize, f: F) -> anyhow::Result<Figure>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let started = Instant::now();
    f().await?;
    Ok(Figure {
        label: label.into(),
        entries,
        seconds: started.elapsed().as_secs_f64().max(1e-9),
    })
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    ensure!(
        args.single > 0 && args.single <= 100_000,
        "--single: 1 to 100,000"
    );
    ensure!(
        args.batches > 0 && args.batches <= 2_000,
        "--batches: 1 to 2,000"
    );
    ensure!(args.writers > 0 && args.writers <= 64, "--writers: 1 to 64");
    ensure!(
        args.per_writer > 0 && args.per_writer <= 100_000,
        "--per-writer: 1 to 100,000"
    );
    println!(
        "tequio bench on {} cores; SQLite file in WAL mode with synchronous=FULL",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    sqlite(&args).await?;
    match &args.pg_url {
        Some(url) => postgres(&args, url).await?,
        None => println!("PostgreSQL: skipped (pass --pg-url or TEQUIO_BENCH_PG_URL)"),
    }
    Ok(())
}

/// The raw-SQL baseline of one backend: the same entry and posting rows, plain INSERTs.
trait RawInsert {
    async fn insert(
        &self,
        org_id: OrgId,
        entries: &[ValidEntry],
        commit_each: bool,
    ) -> Result<(), store::StoreError>;
}

impl RawInsert for sqlx::SqlitePool {
    async fn insert(
        &self,
        org_id: OrgId,
        entries: &[ValidEntry],
        commit_each: bool,
    ) -> Result<(), store::StoreError> {
        store_sqlite::baseline::insert_raw(self, org_id, entries, commit_each).await
    }
}

impl RawInsert for sqlx::PgPool {
    async fn insert(
        &self,
        org_id: OrgId,
        entries: &[ValidEntry],
        commit_each: bool,
    ) -> Result<(), store::StoreError> {
        store_postgres::baseline::insert_raw(self, org_id, entries, commit_each).await
    }
}

/// Entries per round when single commits alternate between the raw baseline and the store.
const SINGLE_ROUND: usize = 50;

/// Time spent by each of two contenders on the same work.
#[derive(Default)]
struct Pair {
    raw: Duration,
    store: Duration,
}

/// Entries committed one at a time, then in batches of 1,000, each against the raw baseline
/// inserting the same rows; prints the four figures.
///
/// The two contenders take turns, round by round (50 single commits, or one batch), the
/// first in a round alternating, so both see the same machine: fsync latency and free CPU on
/// a shared machine drift by several times within a minute, and timing one contender after
/// the other measured that drift more than the store.
async fn single_and_batched(
    backend: &str,
    args: &BenchArgs,
    store: &dyn Store,
    org_id: OrgId,
    raw: &impl RawInsert,
    raw_org: OrgId,
) -> anyhow::Result<()> {
    let single = spread_entries("single", args.single);
    let mut singles = Pair::default();
    for (round, chunk) in single.chunks(SINGLE_ROUND).enumerate() {
        for turn in 0..2 {
            let started = Instant::now();
            if (round + turn) % 2 == 0 {
                for e in chunk {
                    raw.insert(raw_org, std::slice::from_ref(e), true).await?;
                }
                singles.raw += started.elapsed();
            } else {
                for e in chunk {
                    store.post(org_id, e).await?;
                }
                singles.store += started.elapsed();
            }
        }
    }
    let batched = spread_entries("batch", args.batches * BATCH);
    let mut batches = Pair::default();
    for (round, chunk) in batched.chunks(BATCH).enumerate() {
        for turn in 0..2 {
            let started = Instant::now();
            if (round + turn) % 2 == 0 {
                raw.insert(raw_org, chunk, false).await?;
                batches.raw += started.elapsed();
            } else {
                store.post_batch(org_id, chunk).await?;
                batches.store += started.elapsed();
            }
        }
    }
    let figure = |label: &str, entries: usize, took: Duration| Figure {
        label: format!("{backend} {label}"),
        entries,
        seconds: took.as_secs_f64().max(1e-9),
    };
    let raw_single = figure(
        "raw baseline, one commit per entry",
        single.len(),
        singles.raw,
    );
    raw_single.print(None);
    figure(
        "store.post, one commit per entry",
        single.len(),
        singles.store,
    )
    .print(Some(&raw_single));
    let raw_batched = figure("raw baseline, batches of 1,000", batched.len(), batches.raw);
    raw_batched.print(None);
    figure(
        "store.post_batch, batches of 1,000",
        batched.len(),
        batches.store,
    )
    .print(Some(&raw_batched));
    ensure!(
        store.balances(org_id).await? == store.derived_balances(org_id).await?,
        "{backend}: materialised balances differ from postings after the run"
    );
    Ok(())
}

async fn sqlite(args: &BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let store = store_sqlite::SqliteStore::open(&dir.join("store.db")).await?;
    let raw = store_sqlite::SqliteStore::open(&dir.join("raw.db")).await?;
    let org_id = prepare(&store, "bench").await?;
    let raw_org = prepare(&raw, "bench").await?;
    single_and_batched("SQLite", args, &store, org_id, raw.pool(), raw_org).await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("tequio-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

async fn fresh_pg_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
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

async fn postgres(args: &BenchArgs, admin_url: &str) -> anyhow::Result<()> {
    let url = fresh_pg_database(admin_url, "tequio_bench").await?;
    let store = Arc::new(store_postgres::PgStore::connect(&url).await?);
    let org_id = prepare(store.as_ref(), "bench").await?;
    let raw_org = prepare(store.as_ref(), "bench-raw").await?;

    single_and_batched(
        "PostgreSQL",
        args,
        store.as_ref(),
        org_id,
        store.pool(),
        raw_org,
    )
    .await?;
    // After a bulk load PostgreSQL's planner statistics are stale until autovacuum gets to
    // them (about a minute); refresh them as an operator would after an import.
    sqlx::query("ANALYZE accounts, balances, entries, postings")
        .execute(store.pool())
        .await?;

    // Distinct accounts: the store against the raw baseline, taking turns round by round.
    let writers = args.writers;
    let distinct = prepare(store.as_ref(), "bench-distinct").await?;
    let distinct_raw = prepare(store.as_ref(), "bench-distinct-raw").await?;
    let mut took = Pair::default();
    // How long each post took, from the caller's side.
    let (mut raw_latencies, mut store_latencies) = (Vec::new(), Vec::new());
    let mut done = 0;
    let mut round = 0;
    while done < args.per_writer {
        let n = (args.per_writer - done).min(CONCURRENT_ROUND);
        for turn in 0..2 {
            let raw = (round + turn) % 2 == 0;
            let started = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..writers {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    let mut took = Vec::with_capacity(n);
                    for k in done..done + n {
                        let m = w as i64 + 1;
                        let e = entry(
                            format!("w{w}:{k}"),
                            code(format!("members:{m}:dues-receivable")),
                            code(format!("members:{m}:payable")),
                            100,
                        );
                        let started = Instant::now();
                        if raw {
                            store_postgres::baseline::insert_raw(
                                store.pool(),
                                distinct_raw,
                                std::slice::from_ref(&e),
                                true,
                            )
                            .await?;
                        } else {
                            store.post(distinct, &e).await?;
                        }
                        took.push(started.elapsed());
                    }
                    Ok::<_, store::StoreError>(took)
                }));
            }
            for t in tasks {
                let took = t.await??;
                if raw {
                    raw_latencies.extend(took);
                } else {
                    store_latencies.extend(took);
                }
            }
            if raw {
                took.raw += started.elapsed();
            } else {
                took.store += started.elapsed();
            }
        }
        done += n;
        round += 1;
    }
    let total = writers * args.per_writer;
    let raw_figure = Figure {
        label: format!("PostgreSQL raw baseline, {writers} writers"),
        entries: total,
        seconds: took.raw.as_secs_f64().max(1e-9),
    };
    raw_figure.print(None);
    Figure {
        label: format!("PostgreSQL {writers} writers, distinct accounts"),
        entries: total,
        seconds: took.store.as_secs_f64().max(1e-9),
    }
    .print(Some(&raw_figure));
    print_latency(
        &format!("PostgreSQL raw baseline, {writers} writers"),
        raw_latencies,
    );
    print_latency(
        &format!("PostgreSQL {writers} writers, distinct accounts"),
        store_latencies,
    );
    no_lost_update(store.as_ref(), distinct, total).await?;

    // Hot accounts: every writer hits the same 10 receivables and one payable.
    let hot = prepare(store.as_ref(), "bench-hot").await?;
    let hot_latencies = std::sync::Mutex::new(Vec::with_capacity(total));
    let figure = time(
        format!("PostgreSQL {writers} writers, 10 hot accounts"),
        total,
        || async {
            let mut tasks = Vec::new();
            for w in 0..writers {
                let store = store.clone();
                let per_writer = args.per_writer;
                tasks.push(tokio::spawn(async move {
                    let mut took = Vec::with_capacity(per_writer);
                    for n in 0..per_writer {
                        let a = ((w + n) % 10) as i64 + 1;
                        let e = entry(
                            format!("w{w}:{n}"),
                            code(format!("members:{a}:dues-receivable")),
                            code("members:11:payable".to_string()),
                            100,
                        );
                        let started = Instant::now();
                        store.post(hot, &e).await?;
                        took.push(started.elapsed());
                    }
                    Ok::<_, store::StoreError>(took)
                }));
            }
            for t in tasks {
                let took = t.await??;
                hot_latencies
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .extend(took);
            }
            Ok(())
        },
    )
    .await?;
    figure.print(None);
    print_latency(
        &format!("PostgreSQL {writers} writers, 10 hot accounts"),
        hot_latencies
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    no_lost_update(store.as_ref(), hot, total).await?;
    println!(
        "PostgreSQL: no lost update (materialised balances equal postings and expected totals)"
    );
    Ok(())
}

/// Prints the median, 99th percentile and maximum of `took`.
fn print_latency(label: &str, mut took: Vec<Duration>) {
    if took.is_empty() {
        return;
    }
    took.sort_unstable();
    let at = |per_mille: usize| took[(took.len() - 1) * per_mille / 1000];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label:<48} latency per post: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(at(500)),
        ms(at(990)),
        ms(took[took.len() - 1])
    );
}

/// Entries per writer per round when the 16 writers of the store and of the raw baseline
/// take turns.
const CONCURRENT_ROUND: usize = 100;

/// No lost update: every posting is in the materialised balances, and the credits add up to
/// `entries` entries of 100.
async fn no_lost_update(store: &dyn Store, org_id: OrgId, entries: usize) -> anyhow::Result<()> {
    let balances = store.balances(org_id).await?;
    ensure!(
        balances == store.derived_balances(org_id).await?,
        "PostgreSQL: materialised balances differ from postings"
    );
    let credited: i128 = balances
        .lines()
        .filter(|(_, _, v)| *v < 0)
        .map(|(_, _, v)| v)
        .sum();
    ensure!(
        credited == -(entries as i128) * 100,
        "PostgreSQL: lost update: expected {} credited, found {}",
        entries * 100,
        -credited
    );
    Ok(())
}
