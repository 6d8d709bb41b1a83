//! The read cache's promise for a member's dues (`web::read_cache`, R-ORG-6, issue 15), on both
//! backends: a write through this server is seen at once; a write by another process (here
//! straight through the store, as the CLI or a second server would) within
//! `Freshness::MAX_AGE`; and while nothing the dues show has changed, an entry that aged out
//! is checked with one query and its lines are not read again.

mod common;

use common::*;
use ledger::{Account, Currency, EntryDraft, Money, Posting};
use std::sync::Arc;
use std::time::Duration;
use web::read_cache::{Freshness, ReadCache};

/// A dues charge of `minor` on `member_id`, posted by "another process": straight to the store.
async fn charge_elsewhere(w: &World, member_id: i64, minor: i64, key: &str) {
    let entry = EntryDraft {
        idempotency_key: key.into(),
        reason: "test.charge".into(),
        rule_id: "R-ORG-6".into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
        memo: "cargo de prueba".into(),
        postings: vec![
            Posting::new(Account::dues_receivable(member_id), Money::mxn(minor)),
            Posting::new(ledger::account::codes::dues_income(), Money::mxn(-minor)),
        ],
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .unwrap();
    w.app.store().post(w.union.id, &entry).await.unwrap();
}

/// Past the bound within which another process's write must be seen.
async fn after_the_bound() {
    tokio::time::sleep(Freshness::MAX_AGE + Duration::from_millis(50)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dues_are_seen_at_once_through_the_server_and_within_the_bound_from_elsewhere() {
    for (backend, w) in worlds().await {
        let staff = sign_in(&w, "personal").await;
        let socio = member_of(&w, "socio").await;
        let o = format!("/api/v1/orgs/{}", w.union.data.slug);
        let url = format!("{o}/members/{socio}/statement");
        let read = || async {
            let r = api(&w, "GET", &url, Some(&staff.token), None, None).await;
            assert_eq!(r.status, 200, "{backend}: {}", r.body);
            r.json()
        };
        let before = read().await;
        let owed = before["dues_arrears_minor"].as_i64().unwrap();
        let lines = before["dues"].as_array().unwrap().len();

        // Another process charges 12.34: seen once the bound has passed.
        charge_elsewhere(&w, socio, 1_234, "test:elsewhere:1").await;
        after_the_bound().await;
        let charged = read().await;
        assert_eq!(
            charged["dues_arrears_minor"].as_i64(),
            Some(owed + 1_234),
            "{backend}: another process's charge within the bound"
        );
        assert_eq!(charged["dues"].as_array().unwrap().len(), lines + 1);

        // Another process renames the member: seen once the bound has passed, though the dues
        // lines did not change (the record is read with the check).
        let m = w.app.store().member(w.union.id, socio).await.unwrap();
        let mut edit = registry::MemberEdit::of(&m.data);
        edit.given_names = "Rosalba".into();
        w.app
            .store()
            .update_member(w.union.id, socio, &edit, &[])
            .await
            .unwrap();
        after_the_bound().await;
        let renamed = read().await;
        assert_eq!(
            renamed["name"].as_str(),
            Some(format!("Rosalba {}", m.data.surnames).as_str()),
            "{backend}: another process's edit within the bound"
        );

        // A payment of 12.34 through this server: seen at once, with no wait.
        let paid = api(
            &w,
            "POST",
            &format!("{o}/dues/payments"),
            Some(&staff.token),
            Some(serde_json::json!({
                "member_id": socio, "amount_minor": 1_234, "reference": "cache-1"
            })),
            None,
        )
        .await;
        assert_eq!(paid.status, 201, "{backend}: {}", paid.body);
        let after = read().await;
        assert_eq!(
            after["dues_arrears_minor"].as_i64(),
            Some(owed),
            "{backend}: a payment through this server at once"
        );
        assert_eq!(after["dues"].as_array().unwrap().len(), lines + 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aged_out_dues_are_checked_and_their_lines_kept_while_nothing_changed() {
    for (backend, w) in worlds().await {
        let reads = ReadCache::default();
        let socio = member_of(&w, "socio").await;
        let first = reads.dues(&w.app, w.union.id, socio).await.unwrap();
        let warm = reads.dues(&w.app, w.union.id, socio).await.unwrap();
        assert!(Arc::ptr_eq(&first, &warm), "{backend}: fresh, not read");

        after_the_bound().await;
        let checked = reads.dues(&w.app, w.union.id, socio).await.unwrap();
        assert!(
            !Arc::ptr_eq(&first, &checked),
            "{backend}: aged out, so checked against the database"
        );
        assert!(
            Arc::ptr_eq(&first.statement, &checked.statement),
            "{backend}: nothing changed, so the lines are not read again"
        );

        // A write elsewhere to ANOTHER member's dues leaves this member's figures as they were
        // (on SQLite it moves the version, on PostgreSQL not; either way the figures hold).
        let other = member_of(&w, "consejo").await;
        charge_elsewhere(&w, other, 500, "test:elsewhere:other").await;
        // This member's: read again once the bound has passed.
        charge_elsewhere(&w, socio, 700, "test:elsewhere:2").await;
        after_the_bound().await;
        let moved = reads.dues(&w.app, w.union.id, socio).await.unwrap();
        assert!(!Arc::ptr_eq(&first.statement, &moved.statement));
        assert_eq!(moved.arrears_minor, first.arrears_minor + 700, "{backend}");
        assert_eq!(
            moved.statement.lines.len(),
            first.statement.lines.len() + 1,
            "{backend}"
        );
        assert_eq!(
            moved
                .statement
                .lines
                .last()
                .map(|l| l.amount.amount_minor()),
            Some(700),
            "{backend}: the new charge is the last line"
        );
    }
}
