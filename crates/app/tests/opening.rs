//! The opening position (issue 16): an ODF with history imports it, and the rules that come
//! after use it: an entitlement (R-FUND-5), a line review (R-CRED-2) and dues in arrears
//! (R-ORG-6), each computed by hand here; then a loan being repaid and a lease it brought in
//! (R-CRED-4, R-FUND-6, R-LEASE-1): payments, days late and the trust work from them. A bad file
//! is refused whole with line numbers, the same file again changes nothing, and a period's dues
//! are charged once whether they came in the opening or were charged here. SQLite and, when
//! configured, PostgreSQL.

mod common;

use app::credit_cases::Scope;
use app::Actor;
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
            // line 25: dues of a period after the opening day
            + "cuota,,"
            + &curp(2)
            + ",2026-07,150.00,,,,,,,\n";
        let e = app
            .import_opening(org, &bad, &Actor::new("directora", "test"), today())
            .await
            .unwrap_err();
        let Some(lines) = e.row_lines() else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        let text = lines.join("\n");
        for expected in [
            "line 3, curp",
            "line 9, amount",
            "line 11, line",
            "line 25, period",
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

#[tokio::test]
async fn a_loan_being_repaid_and_a_lease_go_on_from_the_opening() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-credito-{backend}-{}", std::process::id());
        let (org, m) = org_with_members(&app, &slug, 3).await;
        let actor = Actor::new("directora", "test");
        let out = app
            .import_opening(org, &file(), &actor, today())
            .await
            .unwrap();
        assert_eq!(
            (out.loans, out.installments, out.leases, out.rents),
            (1, 3, 1, 4),
            "{backend}"
        );
        let loan_account = format!("members:{}:loan", m[0]);

        // The opening: A still owes the principal of the three installments left, 2,970.00 +
        // 3,000.00 + 3,030.00 = 9,000.00; the oven is carried at what its four rents will
        // recover, 4 × 1,000.00 = 4,000.00. The line's drawn 20,000.00 includes the loan.
        assert_eq!(
            balance(&app, org, &loan_account).await,
            900_000,
            "{backend}"
        );
        assert_eq!(balance(&app, org, "odf:leased-assets").await, 400_000);
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -2_000_000);
        let book = app.credit_book(org).await.unwrap();
        let loan = &book.loan(1).unwrap().loan;
        assert_eq!(loan.outstanding_principal_minor(), 900_000);
        assert_eq!(loan.borrower, credit::loan::Borrower::Member(m[0]));
        assert_eq!(book.lease(1).unwrap().lease.lessee, m[1]);
        // R-LEASE-2: the default threshold is the setting in force when the lease started.
        assert_eq!(book.lease(1).unwrap().settings.default_after_days, 90);

        // R-FUND-6: on 2026-07-15 the trust pays the first installment to the lender, 2,970.00
        // of principal and 90.00 of interest: the line's drawn goes 20,000.00 − 2,970.00 =
        // 17,030.00. (The run also does the line's review that fell due on 2026-04-01.)
        let run = app
            .run_credit_day(Scope::Org(org), d(2026, 7, 15), &actor)
            .await
            .unwrap();
        assert_eq!(
            (run[0].installments_paid, run[0].paid_minor),
            (1, 297_000 + 9_000),
            "{backend}: {:?}",
            run[0].not_covered
        );
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(book.line(1).unwrap().line.drawn_minor, 1_703_000);
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -1_703_000);

        // R-CRED-4: A pays the installment, 3,060.00 on its due date: interest 90.00 first,
        // then 2,970.00 of principal. A owes 9,000.00 − 2,970.00 = 6,030.00.
        let (paid, _) = app
            .repay_loan(org, &actor, 1, 306_000, d(2026, 7, 15), "recibo-a1")
            .await
            .unwrap();
        assert_eq!(
            paid.loan.outstanding_principal_minor(),
            603_000,
            "{backend}"
        );
        assert_eq!(balance(&app, org, &loan_account).await, 603_000);
        assert_eq!(balance(&app, org, "odf:income:loan-interest").await, -9_000);

        // The second installment, due 2026-08-15, is missed: on 2026-09-01 A is 17 days late
        // (16 days of August after the 15th, and 1 September).
        let book = app.credit_book(org).await.unwrap();
        let loan = &book.loan(1).unwrap().loan;
        assert_eq!(loan.book.days_past_due(d(2026, 9, 1)), 17, "{backend}");
        // B paid no rent: the first, due 2026-07-01, is 31 + 31 = 62 days late on 2026-09-01,
        // under the 90 days of a default (R-LEASE-2).
        let lease = &book.lease(1).unwrap().lease;
        assert_eq!(lease.book.days_past_due(d(2026, 9, 1)), 62);
        assert!(!credit::lease::is_in_default(
            lease,
            &book.lease(1).unwrap().settings,
            d(2026, 9, 1)
        ));
        // R-LEASE-1: B pays the first rent, 1,040.00: 40.00 of interest, 1,000.00 of the
        // oven's cost; the ODF carries 3,000.00 and B is next late from 2026-08-01.
        app.pay_rent(org, &actor, 1, 104_000, d(2026, 9, 1), "renta-b1")
            .await
            .unwrap();
        assert_eq!(balance(&app, org, "odf:leased-assets").await, 300_000);
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(
            book.lease(1)
                .unwrap()
                .lease
                .book
                .days_past_due(d(2026, 9, 1)),
            31
        );

        // `tequio check`: the lender is owed what the line has drawn, the Fund and the trust
        // agree, every money event has its entry.
        let check = app.check_books(org).await.unwrap();
        assert!(
            check.ok(),
            "{backend}: {:?}",
            check.failures().collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn loans_and_leases_that_do_not_add_up_are_refused_on_their_lines() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-credito-mala-{backend}-{}", std::process::id());
        let (org, _) = org_with_members(&app, &slug, 3).await;
        let (events, entries) = (event_count(&app, org).await, entry_count(&app, org).await);
        let bad = file()
            // line 11: 8,000.00 drawn, less than the 9,000.00 the loan still owes (R-CRED-3)
            .replace("28000.00,20000.00", "28000.00,8000.00")
            // line 18 moves to 2026-10-15, so the installment of line 19 (2026-09-15) comes
            // two months after the one before, not one
            .replace("2026-08-15,,,3000.00", "2026-10-15,,,3000.00")
            // line 21: a rent due before the opening day
            .replace("2026-07-01,,,1000.00", "2026-06-01,,,1000.00")
            // line 25: an installment of a loan the file does not have
            + "cuota_prestamo,2026-07-15,,,100.00,,,,,,,,9,\n"
            // line 26: a lease on a line the file does not have
            + "arrendamiento,2026-02-01,"
            + &curp(2)
            + ",,,,Telar,2,7,,,,,\n";
        let e = app
            .import_opening(org, &bad, &Actor::new("directora", "test"), today())
            .await
            .unwrap_err();
        let Some(lines) = e.row_lines() else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        let text = lines.join("\n");
        for expected in [
            "line 19, date",
            "line 21, date",
            "line 25, contract",
            "line 26, line",
        ] {
            assert!(
                text.contains(expected),
                "{backend}: {expected} not in\n{text}"
            );
        }
        assert_eq!(event_count(&app, org).await, events, "{backend}");
        assert_eq!(entry_count(&app, org).await, entries, "{backend}");

        // The loan's schedule right, the line's drawn amount below what the loan owes.
        let short = file().replace("28000.00,20000.00", "28000.00,8000.00");
        let e = app
            .import_opening(org, &short, &Actor::new("directora", "test"), today())
            .await
            .unwrap_err();
        let Some(lines) = e.row_lines() else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        assert!(
            lines.iter().any(|l| l.contains("line 11, drawn")),
            "{backend}: {lines:?}"
        );
        assert!(app.opening(org).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_period_of_dues_is_charged_once_whether_it_came_in_the_opening_or_not() {
    for (backend, app) in backends().await {
        // R-ORG-6, dues of 150.00 a month. The opening brings B's May and June and C's June.
        let slug = format!("apertura-cuotas-{backend}-{}", std::process::id());
        let (org, m) = org_with_members_and_dues(&app, &slug, 3, 15_000).await;
        let actor = Actor::new("directora", "test");
        app.import_opening(org, &file(), &actor, today())
            .await
            .unwrap();
        // Charging June again charges only A, who had no June dues in the opening.
        let charged = app
            .charge_dues(org, "2026-06", d(2026, 7, 1))
            .await
            .unwrap();
        assert_eq!(charged, 1, "{backend}");
        assert_eq!(app.dues_arrears_minor(org, m[0]).await.unwrap(), 15_000);
        // B still owes 150.00 + 150.00 = 300.00, C 150.00: nothing twice.
        assert_eq!(app.dues_arrears_minor(org, m[1]).await.unwrap(), 30_000);
        assert_eq!(app.dues_arrears_minor(org, m[2]).await.unwrap(), 15_000);
        // July is new for everyone: 3 charges; B owes 450.00.
        assert_eq!(
            app.charge_dues(org, "2026-07", d(2026, 8, 1))
                .await
                .unwrap(),
            3
        );
        assert_eq!(app.dues_arrears_minor(org, m[1]).await.unwrap(), 45_000);

        // The other way round: June charged here first, then an opening that brings it again
        // is refused on its lines (14: B's June, 15: C's June).
        let slug = format!("apertura-cuotas-2-{backend}-{}", std::process::id());
        let (org, _) = org_with_members_and_dues(&app, &slug, 3, 15_000).await;
        assert_eq!(
            app.charge_dues(org, "2026-06", d(2026, 6, 1))
                .await
                .unwrap(),
            3
        );
        let e = app
            .import_opening(org, &file(), &actor, today())
            .await
            .unwrap_err();
        let Some(lines) = e.row_lines() else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        let text = lines.join("\n");
        for expected in ["line 14, period", "line 15, period"] {
            assert!(
                text.contains(expected),
                "{backend}: {expected} not in\n{text}"
            );
        }
        assert!(!text.contains("line 13,"), "{backend}: {text}");
    }
}

#[tokio::test]
async fn a_loan_to_the_odf_itself_is_part_of_the_line_and_repays_it() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-odf-{backend}-{}", std::process::id());
        let (org, _) = org_with_members(&app, &slug, 3).await;
        let actor = Actor::new("directora", "test");
        // Loan 2, to the ODF itself (no CURP, R-CRED-3): one installment left, 1,000.00 of
        // principal and 10.00 of interest on 2026-07-20 (lines 25 and 26).
        let text = file()
            + "prestamo,2026-03-20,,,,,,2,1,,,,,\n"
            + "cuota_prestamo,2026-07-20,,,1000.00,,,,,,,,2,10.00\n";
        let out = app
            .import_opening(org, &text, &actor, today())
            .await
            .unwrap();
        assert_eq!((out.loans, out.installments), (2, 4), "{backend}");
        // No entry of its own: the lender is still owed the line's 20,000.00 drawn.
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -2_000_000);
        // R-CRED-4: the ODF pays its installment, 1,010.00; the principal frees the line:
        // 20,000.00 − 1,000.00 = 19,000.00 drawn, and the interest is the ODF's expense.
        app.repay_loan(org, &actor, 2, 101_000, d(2026, 7, 20), "pago-odf-1")
            .await
            .unwrap();
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(
            book.line(1).unwrap().line.drawn_minor,
            1_900_000,
            "{backend}"
        );
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -1_900_000);
        assert_eq!(balance(&app, org, "odf:expense:line-interest").await, 1_000);
        let check = app.check_books(org).await.unwrap();
        assert!(
            check.ok(),
            "{backend}: {:?}",
            check.failures().collect::<Vec<_>>()
        );
    }
}
