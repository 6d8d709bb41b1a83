//! Shared setup of the credit tests: one helper builds the App on SQLite in memory, and on
//! PostgreSQL too when `TEQUIO_TEST_PG_URL` is set.
#![allow(dead_code)]

use app::App;
use chrono::NaiveDate;
use ledger::{AccountCode, EntryDraft, Money, Posting};
use std::future::Future;
use std::sync::Arc;
use store::Store;

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn code(text: &str) -> AccountCode {
    AccountCode::parse(text).unwrap()
}

/// The backends to test on: SQLite in memory always.
pub async fn apps() -> Vec<App> {
    let sqlite: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    vec![App::new(sqlite)]
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

/// A fresh organisation with `members` members (its own slug on a shared database) and its
/// Fund's deposits: 40,000.00 and 10,000.00 in its first three months, 30,000.00 in month
/// five, each split 50/50 between the trust accounts (R-FUND-2).
pub async fn union_with_deposits(app: &App, members: u32) -> i64 {
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = members;
    spec.dues_months = 0;
    let mut generated = demo::org(&spec, 0);
    // A unique slug so that several tests may share one PostgreSQL database.
    let n = SLUG.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    generated.org.slug = format!("credit-{}-{n}", std::process::id());
    let org = app.store().create_org(&generated.org).await.unwrap();
    app.store()
        .import_members(org.id, &generated.members)
        .await
        .unwrap();
    let start = org.data.founded_on;
    for (i, (days, amount)) in [(10u64, 4_000_000i64), (40, 1_000_000), (130, 3_000_000)]
        .into_iter()
        .enumerate()
    {
        let half = amount / 2;
        let m = |c: &str, v: i64| Posting::new(code(c), Money::new(v, ledger::Currency::MXN));
        app.post_entry(
            org.id,
            EntryDraft {
                idempotency_key: format!("test:deposit:{i}"),
                reason: "fund.contribution".into(),
                rule_id: "R-FUND-2".into(),
                date: start + chrono::Days::new(days),
                memo: "Depósito al Fondo".into(),
                postings: vec![
                    m("fund:trust-bank:development", half),
                    m("fund:trust-bank:competition", amount - half),
                    m("fund:development", -half),
                    m("fund:competition", -(amount - half)),
                ],
                reverses: None,
            },
        )
        .await
        .unwrap();
    }
    org.id
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
