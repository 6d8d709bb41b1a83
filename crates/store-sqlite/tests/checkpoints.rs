//! Committed pages reach the database file without a writer copying them: a background task
//! checkpoints the WAL shortly after commits (`checkpoint.rs`). In WAL mode the main file grows
//! only when a checkpoint copies pages into it, and these commits stay far below the writer's
//! own automatic checkpoint, so only the background task can make it grow.

use chrono::NaiveDate;
use ledger::{Account, Currency, EntryDraft, Money, Posting, ValidEntry};
use std::time::{Duration, Instant};
use store::Store;
use store_sqlite::SqliteStore;

/// Entry `n` of a batch: between the first two accounts of member `n % 100 + 1`.
fn entry(n: usize) -> ValidEntry {
    let member = (n % 100) as i64 + 1;
    let accounts = Account::member_accounts(member);
    EntryDraft {
        idempotency_key: format!("pago-{n}"),
        reason: "test".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        memo: "cuota de marzo".into(),
        postings: vec![
            Posting::new(accounts[0].code.clone(), Money::mxn(5_000)),
            Posting::new(accounts[1].code.clone(), Money::mxn(-5_000)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("balanced")
}

#[tokio::test]
async fn committed_pages_reach_the_database_file_in_the_background() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tequio.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let org = store_conformance::new_org(&store, "respaldo").await;
    let accounts: Vec<Account> = (1..=100).flat_map(Account::member_accounts).collect();
    store
        .open_accounts(org.id, &accounts)
        .await
        .expect("accounts");
    // Let the checkpoint of the set-up happen, then measure the file.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = std::fs::metadata(&path).expect("db file").len();

    let entries: Vec<ValidEntry> = (0..2_000).map(entry).collect();
    for batch in entries.chunks(1_000) {
        store.post_batch(org.id, batch).await.expect("post");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = before;
    while after == before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        after = std::fs::metadata(&path).expect("db file").len();
    }
    assert!(
        after > before,
        "the database file stayed at {before} bytes: nothing checkpointed the commits"
    );
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        store.derived_balances(org.id).await.expect("derived")
    );
}
