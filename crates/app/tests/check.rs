//! `App::check_books` (issue 14): the demo union's books reconcile on every backend, and each
//! invariant, broken on purpose in a small organisation whose figures are worked out here,
//! fails naming that invariant and only it (with the figures expected and found).
//!
//! Breaks go through the app where it lets them (an entry posted by hand on a lender's line
//! or a Fund account, an event committed without its entry: what a bug in a use case would
//! write), and through raw SQL on the SQLite file where only the database can be wrong (a
//! balance row changed, a posting appended to an entry: the journal's triggers refuse UPDATE and
//! DELETE of entries and postings, not these).

mod common;

use app::check::{BooksCheck, Invariant};
use app::credit_cases::OpenLineCmd;
use app::{Actor, App};
use common::{audit, backends, d, org_with_members};
use ledger::{Currency, EntryDraft, Money, Posting};
use rust_decimal::Decimal;
use sqlx::Connection;
use std::collections::BTreeSet;
use std::sync::Arc;
use store::{Commit, NewEvent, OrgId};

/// The invariants that failed.
fn failed(check: &BooksCheck) -> BTreeSet<Invariant> {
    check.failures().map(|f| f.invariant).collect()
}

fn describe(check: &BooksCheck) -> String {
    check
        .failures()
        .map(|f| {
            format!(
                "{} [{}]: expected {} found {}",
                f.invariant.id(),
                f.detail,
                f.expected,
                f.found
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Before the one gate for the lender's money, this failed the lender invariant: the demo's
/// trade round paid its supplier from `lenders:fira:line` without drawing on the credit line,
/// so the ledger owed fira 116,428.00 more than the line said was drawn.
#[tokio::test]
async fn the_demo_union_reconciles_on_every_backend() {
    for (backend, app) in backends().await {
        // 300 members: enough for the demo's credit (100) and its trade round and order (200).
        let mut spec = demo::DemoSpec::morelos_union();
        spec.members_per_org = 300;
        spec.dues_months = 3;
        app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
        let orgs = app.check_all_books(4).await.unwrap();
        assert_eq!(orgs.len(), 1, "{backend}");
        let (_, check) = &orgs[0];
        let check = check.as_ref().unwrap();
        // Every invariant is reported for the union (it has a credit line with one lender).
        let reported: BTreeSet<Invariant> = check.findings.iter().map(|f| f.invariant).collect();
        assert_eq!(reported, Invariant::ALL.into_iter().collect(), "{backend}");
        // The union has money-moving events (loans, rents, trade), all with their entries.
        let events = check
            .findings
            .iter()
            .find(|f| f.invariant == Invariant::EventEntries)
            .unwrap();
        assert!(events.expected > 10, "{backend}: {events:?}");
        assert!(
            check.ok(),
            "{backend}: the demo union's books do not reconcile:\n{}",
            describe(check)
        );
    }
}

/// Grant of 1,000.00 on 2025-02-01: 500.00 to each sub-fund's trust account (R-FUND-2).
const GRANT: i64 = 100_000;
/// Drawn on the line to nafin on 2025-07-02 (the line opens at 2 x the grant, R-CRED-1).
const DRAWN: i64 = 150_000;

/// A small organisation with a grant in the Fund and a credit line with `DRAWN` drawn: every
/// invariant has figures, and all of them hold.
async fn small_books(app: &App) -> (OrgId, i64) {
    let (org, members) = org_with_members(app, "libros", 3).await;
    app.receive_grant(org, "g-1", "Donante", GRANT, d(2025, 2, 1), &audit())
        .await
        .unwrap();
    let actor = Actor::cli();
    app.open_credit_line(
        org,
        &actor,
        OpenLineCmd {
            line_id: 1,
            lender_code: "nafin".into(),
            annual_rate: Decimal::new(18, 2),
            requested_limit_minor: None,
            opened_on: d(2025, 7, 1),
            review: None,
        },
    )
    .await
    .unwrap();
    app.draw_credit_line(org, &actor, 1, DRAWN, d(2025, 7, 2), "disp-1")
        .await
        .unwrap();
    let check = app.check_books(org).await.unwrap();
    assert!(check.ok(), "before breaking:\n{}", describe(&check));
    (org, members[0])
}

/// Posts a two-legged entry by hand (through the app: validated against the chart).
async fn post(app: &App, org: OrgId, key: &str, debit: &str, credit: &str, amount: i64) {
    let draft = EntryDraft {
        idempotency_key: key.into(),
        reason: "manual".into(),
        rule_id: "MANUAL".into(),
        date: d(2025, 8, 1),
        memo: "asiento manual de prueba".into(),
        postings: vec![
            Posting::new(
                ledger::AccountCode::parse(debit).unwrap(),
                Money::mxn(amount),
            ),
            Posting::new(
                ledger::AccountCode::parse(credit).unwrap(),
                Money::mxn(-amount),
            ),
        ],
        reverses: None,
    };
    app.post_entry(org, draft).await.unwrap();
}

fn finding<'a>(
    check: &'a BooksCheck,
    invariant: Invariant,
    detail: &str,
) -> &'a app::check::Finding {
    check
        .findings
        .iter()
        .find(|f| f.invariant == invariant && f.detail.contains(detail))
        .unwrap_or_else(|| panic!("no {invariant:?} finding about {detail}: {check:?}"))
}

#[tokio::test]
async fn a_lender_owed_more_than_the_lines_drawn_fails_the_lender_invariant() {
    for (backend, app) in backends().await {
        let (org, _) = small_books(&app).await;
        // A trade path that credits the lender's line without drawing on the credit line.
        post(&app, org, "m-1", "odf:bank", "lenders:nafin:line", 50_000).await;
        let check = app.check_books(org).await.unwrap();
        assert_eq!(
            failed(&check),
            [Invariant::Lenders].into(),
            "{backend}: {}",
            describe(&check)
        );
        let f = finding(&check, Invariant::Lenders, "nafin");
        assert_eq!((f.expected, f.found), (150_000, 200_000), "{backend}");
        // A lender without any line is expected to be owed nothing.
        app.store()
            .open_accounts(org, &ledger::Account::lender_accounts("fira"))
            .await
            .unwrap();
        post(&app, org, "m-2", "odf:bank", "lenders:fira:line", 7_000).await;
        let check = app.check_books(org).await.unwrap();
        let f = finding(&check, Invariant::Lenders, "fira");
        assert_eq!((f.expected, f.found), (0, 7_000), "{backend}");
    }
}

#[tokio::test]
async fn trust_cash_moved_between_sub_funds_without_an_event_fails_the_trust_invariant() {
    for (backend, app) in backends().await {
        let (org, _) = small_books(&app).await;
        post(
            &app,
            org,
            "m-1",
            "fund:trust-bank:competition",
            "fund:trust-bank:development",
            20_000,
        )
        .await;
        let check = app.check_books(org).await.unwrap();
        assert_eq!(
            failed(&check),
            [Invariant::Trust].into(),
            "{backend}: {}",
            describe(&check)
        );
        // The Fund's events: 500.00 per sub-fund; the ledger 300.00 and 700.00.
        let dev = finding(&check, Invariant::Trust, "development");
        assert_eq!((dev.expected, dev.found), (50_000, 30_000), "{backend}");
        let comp = finding(&check, Invariant::Trust, "competition");
        assert_eq!((comp.expected, comp.found), (50_000, 70_000), "{backend}");
    }
}

#[tokio::test]
async fn fund_assets_or_sub_funds_changed_by_hand_fail_the_fund_invariant() {
    for (backend, app) in backends().await {
        let (org, member) = small_books(&app).await;
        // A member owes the Fund 100.00 that no close decided: the Fund's assets in the ledger
        // (1,000.00 of trust cash + 100.00) exceed its sub-funds (1,000.00).
        let receivable = format!("members:{member}:fund-receivable");
        post(&app, org, "m-1", &receivable, "odf:bank", 10_000).await;
        let check = app.check_books(org).await.unwrap();
        assert_eq!(
            failed(&check),
            [Invariant::Fund].into(),
            "{backend}: {}",
            describe(&check)
        );
        let f = finding(&check, Invariant::Fund, "libro mayor: Fondo");
        assert_eq!((f.expected, f.found), (100_000, 110_000), "{backend}");
        // The fold's own identity still holds, and so do the trust's accounts.
        assert!(finding(&check, Invariant::Fund, "eventos: Fondo").ok());

        // 200.00 moved from the Competition Sub-Fund's equity to the Development Sub-Fund's
        // without an event: the ledger's total stays, each sub-fund differs from the fold.
        let (org2, _) = {
            let (o, m) = org_with_members(&app, "libros-dos", 1).await;
            app.receive_grant(o, "g-1", "Donante", GRANT, d(2025, 2, 1), &audit())
                .await
                .unwrap();
            (o, m)
        };
        post(
            &app,
            org2,
            "m-1",
            "fund:spent:competition",
            "fund:development",
            20_000,
        )
        .await;
        let check = app.check_books(org2).await.unwrap();
        assert_eq!(failed(&check), [Invariant::Fund].into(), "{backend}");
        let dev = finding(&check, Invariant::Fund, "Subfondo de Desarrollo");
        assert_eq!((dev.expected, dev.found), (50_000, 70_000), "{backend}");
        let comp = finding(&check, Invariant::Fund, "Subfondo de Competitividad");
        assert_eq!((comp.expected, comp.found), (50_000, 30_000), "{backend}");
    }
}

fn event(stream: &str, kind: &str, key: &str, payload: &str) -> NewEvent {
    NewEvent {
        stream: stream.into(),
        kind: kind.into(),
        key: key.into(),
        payload: payload.into(),
        actor: "prueba".into(),
        origin: "test".into(),
        recorded_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn an_event_that_moves_money_committed_without_its_entry_fails_the_event_invariant() {
    for (backend, app) in backends().await {
        let (org, _) = small_books(&app).await;
        // An invoice recorded without the receivable it posts.
        app.store()
            .commit(
                org,
                &Commit {
                    events: vec![event(
                        "order:o-9",
                        "trade.order.invoiced",
                        "trade:order:o-9:invoice",
                        "{}",
                    )],
                    ..Commit::default()
                },
            )
            .await
            .unwrap();
        let check = app.check_books(org).await.unwrap();
        assert_eq!(
            failed(&check),
            [Invariant::EventEntries].into(),
            "{backend}: {}",
            describe(&check)
        );
        let f = finding(&check, Invariant::EventEntries, "trade:order:o-9:invoice");
        // Two money events: the draw (with its entry) and the invoice (without).
        assert_eq!((f.expected, f.found), (2, 1), "{backend}");

        // A draw on the line recorded without its entry: the credit book owes nafin 50.00
        // more than the ledger, and the event lacks its entry.
        let draw = app::credit_cases::CreditEvent::LineDrawn {
            line_id: 1,
            amount_minor: 5_000,
            on: app::credit_cases::book::Day(d(2025, 7, 3)),
            reference: "disp-2".into(),
        };
        app.store()
            .commit(
                org,
                &Commit {
                    events: vec![event("credit", draw.kind(), &draw.key(), &draw.payload())],
                    ..Commit::default()
                },
            )
            .await
            .unwrap();
        let check = app.check_books(org).await.unwrap();
        assert_eq!(
            failed(&check),
            [Invariant::Lenders, Invariant::EventEntries].into(),
            "{backend}"
        );
        let f = finding(&check, Invariant::Lenders, "nafin");
        assert_eq!((f.expected, f.found), (155_000, 150_000), "{backend}");
    }
}

/// A small organisation's books on a SQLite file, and a raw connection to that file.
async fn on_sqlite_file(dir: &std::path::Path) -> (App, OrgId, sqlx::SqliteConnection) {
    let path = dir.join("libros.db");
    let store = store_sqlite::SqliteStore::open(&path).await.unwrap();
    let app = App::new(Arc::new(store));
    let (org, _) = small_books(&app).await;
    let raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    (app, org, raw)
}

#[tokio::test]
async fn a_balance_row_changed_behind_the_store_fails_the_balances_invariant() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org, mut raw) = on_sqlite_file(dir.path()).await;
    let accounts = app.check_books(org).await.unwrap().findings[0].expected;
    sqlx::query(
        "UPDATE balances SET balance_minor = balance_minor + 1 \
         WHERE org_id = ?1 AND account_code = 'odf:bank'",
    )
    .bind(org)
    .execute(&mut raw)
    .await
    .unwrap();
    let check = app.check_books(org).await.unwrap();
    assert_eq!(
        failed(&check),
        [Invariant::Balances].into(),
        "{}",
        describe(&check)
    );
    let f = &check.findings[0];
    assert_eq!((f.expected, f.found), (accounts, accounts - 1));
    // The bank holds the draw, 1,500.00; its balance row says 1,500.01.
    assert!(
        f.detail
            .contains("odf:bank MXN: saldo 1500.01 / movimientos 1500.00"),
        "{}",
        f.detail
    );
}

#[tokio::test]
async fn a_posting_appended_to_an_entry_unbalances_the_trial_balance() {
    let dir = tempfile::tempdir().unwrap();
    let (app, org, mut raw) = on_sqlite_file(dir.path()).await;
    // One more posting of 3.00 on the bank in the first entry, and the bank's balance row
    // changed with it (as the store would): the balances agree, the postings do not sum to zero.
    let entry_id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM entries WHERE org_id = ?1")
        .bind(org)
        .fetch_one(&mut raw)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO postings (org_id, entry_id, seq, account_code, amount_minor, currency) \
         VALUES (?1, ?2, 99, 'odf:bank', 300, 'MXN')",
    )
    .bind(org)
    .bind(entry_id)
    .execute(&mut raw)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO balances (org_id, account_code, currency, balance_minor) \
         VALUES (?1, 'odf:bank', 'MXN', 300) \
         ON CONFLICT (org_id, account_code, currency) \
         DO UPDATE SET balance_minor = balance_minor + 300",
    )
    .bind(org)
    .execute(&mut raw)
    .await
    .unwrap();
    let check = app.check_books(org).await.unwrap();
    // The postings sum to 3.00 in MXN; and the store now refuses to read that entry as a valid
    // one, so the entries behind the events cannot be verified either: both are reported.
    assert_eq!(
        failed(&check),
        [Invariant::TrialBalance, Invariant::EventEntries].into(),
        "{}",
        describe(&check)
    );
    let f = finding(&check, Invariant::TrialBalance, "MXN");
    assert_eq!((f.expected, f.found), (0, 300));
    assert_eq!(f.currency, Some(Currency::MXN));
    let f = finding(&check, Invariant::EventEntries, "no se pudieron leer");
    assert!(f.detail.contains("unbalanced"), "{}", f.detail);
}
