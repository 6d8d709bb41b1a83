//! A file store writes through one connection of its own. A write whose future is dropped
//! part-way leaves its transaction open on that connection; the next write rolls it back first,
//! so the dropped batch is either all there (it had committed) or not at all.

use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, ValidEntry};
use std::time::Duration;
use store::{NewOrg, Store};
use store_sqlite::SqliteStore;

fn entry(key: String) -> ValidEntry {
    let code = |s: &str| AccountCode::parse(s).expect("code");
    EntryDraft {
        idempotency_key: key,
        reason: "test".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        memo: String::new(),
        postings: vec![
            Posting::new(code("odf:bank"), Money::mxn(1)),
            Posting::new(code("odf:income:dues"), Money::mxn(-1)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("a balanced entry")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_write_is_all_or_nothing_and_the_next_write_proceeds() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("tequio.db"))
        .await
        .expect("open");
    let org = store
        .create_org(&NewOrg {
            slug: "cancel".into(),
            name: "Cancelada".into(),
            group_name: "Grupo".into(),
            state: "Morelos".into(),
            municipality: "Cuernavaca".into(),
            trade: "alfarería".into(),
            founded_on: NaiveDate::from_ymd_opt(2025, 1, 1).expect("date"),
            currency: Currency::MXN,
            dues_amount_minor: 0,
            dues_period_months: 1,
        })
        .await
        .expect("org");
    let bank = AccountCode::parse("odf:bank").expect("code");
    let mut expected = 0i64;
    for (round, micros) in [0u64, 50, 200, 1_000, 5_000, 20_000, 100_000]
        .into_iter()
        .enumerate()
    {
        let batch: Vec<ValidEntry> = (0..2_000).map(|i| entry(format!("r{round}-{i}"))).collect();
        let before = store.account_balance(org.id, &bank).await.expect("balance");
        let _ = tokio::time::timeout(
            Duration::from_micros(micros),
            store.post_batch(org.id, &batch),
        )
        .await;
        // The next write goes through, and the dropped batch is all there or not at all.
        let single = entry(format!("single-{round}"));
        assert!(store.post(org.id, &single).await.expect("post").created);
        let after = store.account_balance(org.id, &bank).await.expect("balance");
        let dropped_batch = after - before - 1;
        assert!(
            dropped_batch == 0 || dropped_batch == 2_000,
            "round {round}: {dropped_batch} of the dropped batch's entries were kept"
        );
        expected += dropped_batch + 1;
        assert_eq!(after, expected);
        // Posting the batch again completes it either way.
        store.post_batch(org.id, &batch).await.expect("replay");
        expected += 2_000 - dropped_batch;
        assert_eq!(
            store.account_balance(org.id, &bank).await.expect("balance"),
            expected
        );
    }
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        store.derived_balances(org.id).await.expect("derived")
    );
}
