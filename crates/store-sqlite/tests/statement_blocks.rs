//! Statements read the postings index a few blocks at a time (1,024 entry ids a block,
//! migration 0006; eight blocks a query): an account's entries come back complete and in order
//! across blocks and across queries, empty ones included, and paging resumes in the middle of
//! a block.

use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, ValidEntry};
use store::{Page, Store};
use store_sqlite::SqliteStore;

fn code(text: &str) -> AccountCode {
    AccountCode::parse(text).expect("a valid account code")
}

fn entry(n: usize, debit: &str) -> ValidEntry {
    EntryDraft {
        idempotency_key: format!("e{n}"),
        reason: "test".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        memo: String::new(),
        postings: vec![
            Posting::new(code(debit), Money::mxn(100)),
            Posting::new(code("odf:income:dues"), Money::mxn(-100)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .expect("a balanced entry")
}

#[tokio::test]
async fn an_account_statement_spans_index_blocks_in_order() {
    let store = SqliteStore::open_in_memory().await.expect("store");
    let org = store_conformance::new_org(&store, "blocks").await;
    // Entry ids 1..=30_000: blocks 0..=29, read in queries of eight blocks (ids 1-8_191,
    // 8_192-16_383, 16_384-24_575, 24_576-30_000). The marked account is on both sides of
    // the first block boundary (1_024) and of the first query's (8_192), and in neither the
    // blocks between them nor the third query's.
    let marked = [
        3usize, 1_023, 1_024, 1_025, 8_191, 8_192, 8_193, 24_600, 30_000,
    ];
    let all: Vec<ValidEntry> = (1..=30_000)
        .map(|n| {
            let debit = if marked.contains(&n) {
                "odf:inventory"
            } else {
                "odf:bank"
            };
            entry(n, debit)
        })
        .collect();
    for chunk in all.chunks(store::MAX_BATCH_ENTRIES) {
        let posted = store.post_batch(org.id, chunk).await.expect("post");
        assert!(posted.iter().all(|p| p.created));
    }
    let ids = |page: Vec<store::StoredEntry>| page.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let inventory = code("odf:inventory");
    let whole = store
        .account_entries(org.id, &inventory, Page::first(100))
        .await
        .expect("statement");
    assert_eq!(ids(whole), marked.map(|n| n as i64).to_vec());
    let mut paged = Vec::new();
    let mut after_id = 0;
    loop {
        let page = store
            .account_entries(org.id, &inventory, Page { after_id, limit: 2 })
            .await
            .expect("page");
        let Some(last) = page.last() else { break };
        after_id = last.id;
        assert_eq!(
            page[0].entry.idempotency_key().as_str(),
            format!("e{}", page[0].id)
        );
        paged.extend(ids(page));
    }
    assert_eq!(paged, marked.map(|n| n as i64).to_vec());
    // Paging from inside a block, and past the end.
    let from_middle = store
        .account_entries(
            org.id,
            &inventory,
            Page {
                after_id: 8_191,
                limit: 3,
            },
        )
        .await
        .expect("page");
    assert_eq!(ids(from_middle), vec![8_192, 8_193, 24_600]);
    let past_end = store
        .account_entries(
            org.id,
            &inventory,
            Page {
                after_id: 30_000,
                limit: 3,
            },
        )
        .await
        .expect("page");
    assert!(past_end.is_empty());
    // A busy account fills its page from the first block.
    let bank = store
        .account_entries(
            org.id,
            &code("odf:bank"),
            Page {
                after_id: 8_000,
                limit: 1_000,
            },
        )
        .await
        .expect("page");
    let bank_ids = ids(bank);
    assert_eq!(bank_ids.len(), 1_000);
    assert_eq!(bank_ids[0], 8_001);
    assert!(!bank_ids.contains(&8_191) && !bank_ids.contains(&8_192));
    assert!(bank_ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        store.derived_balances(org.id).await.expect("derived")
    );
}
