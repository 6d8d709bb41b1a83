//! Quick throughput check of the PostgreSQL store against the raw baseline.
//!
//!   cargo run --release -p store-postgres --example pg_throughput -- [URL] [ENTRIES_PER_WRITER]
//!
//! URL defaults to `TEQUIO_TEST_PG_URL`. Creates a new organisation per run in that database
//! (entries are append-only; point it at a scratch database).

use chrono::NaiveDate;
use ledger::{Account, AccountCode, AccountKind, AccountOwner, Currency, EntryDraft, Money};
use ledger::{Posting, ValidEntry};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use store::{NewOrg, OrgId, Store};
use store_postgres::{baseline, PgStore};

const WRITERS: usize = 16;

fn entry(key: &str, a: &str, b: &str, amount: i64) -> ValidEntry {
    EntryDraft {
        idempotency_key: key.into(),
        reason: "bench.move".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        memo: String::new(),
        postings: vec![
            Posting::new(AccountCode::parse(a).expect("code"), Money::mxn(amount)),
            Posting::new(AccountCode::parse(b).expect("code"), Money::mxn(-amount)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("valid entry")
}

async fn new_org(store: &PgStore, accounts: usize) -> OrgId {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let org = store
        .create_org(&NewOrg {
            slug: format!("bench-{stamp}"),
            name: "bench".into(),
            group_name: "bench".into(),
            state: "Morelos".into(),
            municipality: "Cuernavaca".into(),
            trade: "bench".into(),
            founded_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            currency: Currency::MXN,
            dues_amount_minor: 0,
            dues_period_months: 1,
        })
        .await
        .expect("create org");
    let chart: Vec<Account> = (0..accounts)
        .map(|i| Account {
            code: AccountCode::parse(&format!("acc:{i}")).expect("code"),
            kind: AccountKind::Asset,
            owner: AccountOwner::Odf,
            currency: Currency::MXN,
            name: format!("acc {i}"),
        })
        .collect();
    store.open_accounts(org.id, &chart).await.expect("open");
    org.id
}

/// Entries of writer `w`: on accounts `pick(w, i)`.
fn plan(per: usize, pick: impl Fn(usize, usize) -> (usize, usize)) -> Vec<Vec<ValidEntry>> {
    (0..WRITERS)
        .map(|w| {
            (0..per)
                .map(|i| {
                    let (a, b) = pick(w, i);
                    entry(
                        &format!("w{w}-{i}"),
                        &format!("acc:{a}"),
                        &format!("acc:{b}"),
                        (i + 1) as i64,
                    )
                })
                .collect()
        })
        .collect()
}

async fn run_posts(store: &Arc<PgStore>, org: OrgId, plans: Vec<Vec<ValidEntry>>) -> f64 {
    let total: usize = plans.iter().map(Vec::len).sum();
    let started = Instant::now();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|mine| {
            let store = store.clone();
            tokio::spawn(async move {
                for e in &mine {
                    store.post(org, e).await.expect("post");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn run_raw(store: &Arc<PgStore>, org: OrgId, plans: Vec<Vec<ValidEntry>>) -> f64 {
    let total: usize = plans.iter().map(Vec::len).sum();
    let started = Instant::now();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|mine| {
            let store = store.clone();
            tokio::spawn(async move {
                baseline::insert_raw(store.pool(), org, &mine, true)
                    .await
                    .expect("raw");
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .or_else(|| std::env::var("TEQUIO_TEST_PG_URL").ok())
        .expect("give a URL or set TEQUIO_TEST_PG_URL");
    let per: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
        .max(1);
    let store = Arc::new(PgStore::connect(&url).await.expect("connect"));

    let org = new_org(&store, 2 * WRITERS).await;
    let raw = run_raw(&store, org, plan(per, |w, _| (2 * w, 2 * w + 1))).await;
    println!("raw baseline, {WRITERS} writers, commit each: {raw:.0} entries/s");

    let org = new_org(&store, 2 * WRITERS).await;
    let distinct = run_posts(&store, org, plan(per, |w, _| (2 * w, 2 * w + 1))).await;
    println!("post, {WRITERS} writers, distinct accounts: {distinct:.0} entries/s");

    let org = new_org(&store, 10).await;
    let hot = run_posts(
        &store,
        org,
        plan(per, |w, i| {
            let a = (w + i) % 10;
            (a, (a + 1 + (w % 9)) % 10)
        }),
    )
    .await;
    println!("post, {WRITERS} writers, 10 hot accounts: {hot:.0} entries/s");

    let org = new_org(&store, 10).await;
    let batch: Vec<ValidEntry> = (0..store::MAX_BATCH_ENTRIES)
        .map(|i| {
            entry(
                &format!("b{i}"),
                &format!("acc:{}", i % 10),
                &format!("acc:{}", (i + 1) % 10),
                1,
            )
        })
        .collect();
    let started = Instant::now();
    store.post_batch(org, &batch).await.expect("batch");
    let rate = batch.len() as f64 / started.elapsed().as_secs_f64();
    println!("post_batch of {}: {rate:.0} entries/s", batch.len());
}
