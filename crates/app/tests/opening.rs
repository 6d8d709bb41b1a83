//! The opening position (issue 16): an ODF with history imports it, and the rules that come
//! after use it: an entitlement (R-FUND-5), a line review (R-CRED-2) and dues in arrears
//! (R-ORG-6), each computed by hand here. A bad file is refused whole with line numbers, and
//! the same file again changes nothing. SQLite and, when configured, PostgreSQL.

mod common;

use app::{Actor, AppError};
use common::*;

/// Members 0, 1 and 2 of `org_with_members` (CURPs from `new_member`).
fn curp(n: usize) -> String {
    new_member(n, registry::Profile::MicroProducer, 1980)
        .curp
        .as_str()
        .to_string()
}

/// The example the README ships: members 0, 1 and 2 of `org_with_members`.
fn file() -> String {
    let text = include_str!("../../../examples/opening-position.csv").to_string();
    for n in 0..3 {
        assert!(text.contains(&curp(n)), "the example names test member {n}");
    }
    text
}

#[tokio::test]
async fn an_opening_position_is_what_later_rules_work_from() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-{backend}-{}", std::process::id());
        let (org, m) = org_with_members(&app, &slug, 3).await;
        let actor = Actor::new("directora", "test");
        let out = app
            .import_opening(org, &file(), &actor, today())
            .await
            .unwrap();
        assert!(out.created, "{backend}");
        assert_eq!(
            (out.contributions, out.lines, out.line_reviews, out.dues),
            (3, 1, 1, 3)
        );

        // R-FUND-5 by hand. Contributions (R-FUND-2, 50/50): A 1,000.00 + 1,000.00 (50,000 +
        // 50,000 each), B 2,000.00 (100,000 + 100,000); the grant 6,000.00 (300,000 + 300,000).
        // Registered in Development: 50,000 + 50,000 + 100,000 + 300,000 = 500,000; half is
        // usable individually (R-FUND-4): 250,000. Deposits: 200,000 + 200,000 + 600,000 =
        // 1,000,000. A's share: 250,000 × 200,000 / 1,000,000 = 50,000, less the 10,000 A
        // already withdrew: 40,000 available.
        let state = app.fund_state(org).await.unwrap();
        let a = fund::entitlement_of(&state, m[0]);
        assert_eq!(
            (a.gross_minor, a.withdrawn_minor, a.available_minor),
            (50_000, 10_000, 40_000)
        );
        // The sub-funds: Development 500,000 − 10,000 = 490,000; Competition 50,000 + 50,000 +
        // 100,000 + 300,000 − 50,000 spent = 450,000 (the file's own balances agree).
        assert_eq!(state.sub_funds(), fund::Split::new(490_000, 450_000));

        // R-CRED-2 by hand: opened 2025-04-01 at 28,000.00 (2 × 14,000.00), doubled on
        // 2025-10-01 to 56,000.00; the next review is due 2026-04-01. Nothing late, no notice:
        // doubled again to 112,000.00 (under the cap of 64 × 14,000.00 = 896,000.00). Drawn
        // stays 20,000.00.
        let (line, _) = app
            .review_credit_line(org, &actor, 1, d(2026, 7, 1))
            .await
            .unwrap();
        assert_eq!(
            (line.line.limit_minor, line.line.drawn_minor),
            (11_200_000, 2_000_000)
        );
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -2_000_000);

        // R-ORG-6 by hand: B owes 150.00 + 150.00 = 300.00 and pays 100.00: 200.00 in arrears.
        // C owes 150.00.
        app.pay_dues(org, m[1], 10_000, d(2026, 7, 2), "recibo-1")
            .await
            .unwrap();
        assert_eq!(
            app.dues_arrears_minor(org, m[1]).await.unwrap(),
            20_000,
            "{backend}"
        );
        assert_eq!(
            app.dues_arrears_minor(org, m[2]).await.unwrap(),
            15_000,
            "{backend}"
        );

        // `tequio check`: the books reconcile.
        let check = app.check_books(org).await.unwrap();
        assert!(
            check.ok(),
            "{backend}: {:?}",
            check.failures().collect::<Vec<_>>()
        );

        // The same file again changes nothing; another file is refused.
        let (events, entries) = (event_count(&app, org).await, entry_count(&app, org).await);
        let again = app
            .import_opening(org, &file(), &actor, today())
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.as_of, out.as_of);
        assert_eq!(event_count(&app, org).await, events);
        assert_eq!(entry_count(&app, org).await, entries);
        let other = file().replace("1000,", "1001,");
        let e = app
            .import_opening(org, &other, &actor, today())
            .await
            .unwrap_err();
        assert_eq!(e.field(), Some("file"));

        // A period the opening covers cannot be closed (its contributions are in it).
        let e = app
            .close_period(org, p(2026, 6), today(), Default::default(), &audit())
            .await
            .unwrap_err();
        assert_eq!(e.rule_id(), Some("R-PLAN-2"));
    }
}

#[tokio::test]
async fn a_bad_file_is_refused_whole_with_its_line_numbers() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-mala-{backend}-{}", std::process::id());
        let (org, _) = org_with_members(&app, &slug, 3).await;
        let (events, entries) = (event_count(&app, org).await, entry_count(&app, org).await);
        let bad = file()
            // line 3: a CURP that is no member's
            .replacen(&curp(0), "XEXX010101HNEXXXA4", 1)
            // line 9: the sub-fund does not match the rows
            .replace("4900.00,desarrollo", "4900.01,desarrollo")
            // line 11: an opening limit above 2 × the initial deposit (R-CRED-1)
            .replace("12,28000.00", "12,28000.01")
            // line 16: dues of a period after the opening day
            + "cuota,,"
            + &curp(2)
            + ",2026-07,150.00,,,,,,,\n";
        let e = app
            .import_opening(org, &bad, &Actor::new("directora", "test"), today())
            .await
            .unwrap_err();
        let AppError::Rows(lines) = e else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        let text = lines.join("\n");
        for expected in [
            "line 3, curp",
            "line 9, amount",
            "line 11, line",
            "line 16, period",
        ] {
            assert!(
                text.contains(expected),
                "{backend}: {expected} not in\n{text}"
            );
        }
        // Nothing was written.
        assert_eq!(event_count(&app, org).await, events, "{backend}");
        assert_eq!(entry_count(&app, org).await, entries, "{backend}");
        assert!(app.opening(org).await.unwrap().is_none());
    }
}
