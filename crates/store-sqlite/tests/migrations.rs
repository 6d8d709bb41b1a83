//! Migrations 0004 to 0006 on a database written before them. 0004 rebuilds `balances` so
//! that a balance references its account's currency: the balances survive, and afterwards the
//! database itself refuses a posting in another currency (which `post` names). 0005 makes the
//! journal append-only. 0006 rebuilds the postings index that statements read.

use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::Path;
use store::{Store, StoreError};
use store_sqlite::SqliteStore;

/// A database file with migrations 0001-0003 only, holding one organisation, its two accounts
/// and their balances, written with the SQL of that time.
async fn database_before_0004(path: &Path) {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .foreign_keys(true),
        )
        .await
        .expect("open");
    let all = sqlx::migrate!("./migrations");
    let mut before = Migrator::DEFAULT;
    before.migrations = all
        .migrations
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(&pool).await.expect("migrations 0001-0003");
    for sql in [
        "INSERT INTO orgs VALUES (1, 'antes', 'Antes', 'G', 'Morelos', 'Cuernavaca', 'alfarería', \
         '2025-01-01', 'MXN', 0, 1)",
        "INSERT INTO accounts VALUES (1, 'odf:bank', 'asset', 'odf', 'MXN', 'Banco'), \
         (1, 'odf:equity', 'equity', 'odf', 'MXN', 'Patrimonio')",
        "INSERT INTO entries VALUES (1, 1, 'k-1', 'f', 'test', 'MANUAL', '2026-01-01', '', NULL)",
        "INSERT INTO postings VALUES (1, 1, 0, 'odf:bank', 700, 'MXN'), \
         (1, 1, 1, 'odf:equity', -700, 'MXN')",
        "INSERT INTO balances VALUES (1, 'odf:bank', 'MXN', 700), (1, 'odf:equity', 'MXN', -700)",
    ] {
        sqlx::query(sql).execute(&pool).await.expect(sql);
    }
    pool.close().await;
}

#[tokio::test]
async fn balances_written_before_0004_survive_it_and_a_wrong_currency_is_then_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("before.db");
    database_before_0004(&path).await;

    let store = SqliteStore::open(&path).await.expect("open runs 0004");
    let books = store.balances(1).await.expect("balances");
    let bank = AccountCode::parse("odf:bank").expect("code");
    let equity = AccountCode::parse("odf:equity").expect("code");
    assert_eq!(books.balance_minor(&bank, Currency::MXN), 700);
    assert_eq!(books.balance_minor(&equity, Currency::MXN), -700);
    assert_eq!(store.derived_balances(1).await.expect("derived"), books);
    let statement = store
        .account_entries(1, &bank, store::Page::first(10))
        .await
        .expect("a statement through the rebuilt index");
    assert_eq!(statement.iter().map(|e| e.id).collect::<Vec<_>>(), vec![1]);

    let in_dollars = EntryDraft {
        idempotency_key: "k-2".into(),
        reason: "test".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 2).expect("date"),
        memo: String::new(),
        postings: vec![
            Posting::new(bank.clone(), Money::new(5, Currency::USD)),
            Posting::new(equity.clone(), Money::new(-5, Currency::USD)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::USD))
    .expect("balanced");
    match store.post(1, &in_dollars).await {
        Err(StoreError::Invalid { what: message }) => {
            assert!(
                message.contains("odf:bank") && message.contains("USD"),
                "{message}"
            )
        }
        other => panic!("a USD posting to a MXN account: {other:?}"),
    }
    assert_eq!(store.balances(1).await.expect("balances"), books);
}

#[tokio::test]
async fn the_journal_is_append_only() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("journal.db");
    database_before_0004(&path).await;
    let store = SqliteStore::open(&path)
        .await
        .expect("open runs 0004 and 0005");
    for sql in [
        "UPDATE entries SET memo = 'changed' WHERE org_id = 1",
        "DELETE FROM entries WHERE org_id = 1",
        "UPDATE postings SET amount_minor = 1 WHERE org_id = 1",
        "DELETE FROM postings WHERE org_id = 1",
    ] {
        let refused = sqlx::query(sql).execute(store.pool()).await;
        let message = refused.expect_err(sql).to_string();
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    assert_eq!(
        store.balances(1).await.expect("balances"),
        store.derived_balances(1).await.expect("derived")
    );
}
