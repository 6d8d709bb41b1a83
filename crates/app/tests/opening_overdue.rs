//! Issue 16, the last case of the opening position: a loan that is behind on the opening day.
//! Installments that fell due by then come in as `cuota_vencida` (nobody paid them: the lender
//! is still owed them) or `cuota_pagada_fideicomiso` (the trust paid the lender on the due date
//! and the member has not paid it back: R-FUND-6, a replenishment owed). The loan is late from
//! the oldest one's due date (R-CRED-4), the Fund records the trust's past payments (its cash
//! reduced, the borrower owing it), the collection sheet asks the member for both, and the
//! daily run and repayments go on as for a loan that went late here. Every figure is worked out
//! by hand in the test. SQLite and, when configured, PostgreSQL.

mod common;

use app::credit_cases::{CreditEvent, Scope};
use app::Actor;
use common::*;
use fund::trust::Borrower;

fn curp(n: usize) -> String {
    new_member(n, registry::Profile::MicroProducer, 1980)
        .curp
        .as_str()
        .to_string()
}

/// The README's example (opening day 2026-06-30; the trust holds 9,400.00: contributions
/// 4,000.00 and the grant 6,000.00, less 500.00 spent and 100.00 withdrawn) and `rows`.
fn file_with(rows: &str) -> String {
    include_str!("../../../examples/opening-position.csv").to_string() + rows
}

/// Loan 3 to member C (m[2]) on line 1, disbursed 2026-02-10, four installments of 500.00 of
/// principal: 10 May (interest 20.00) the trust paid, 10 June (15.00) nobody paid, 10 July
/// (10.00) and 10 August (5.00) still to fall due.
fn late_loan() -> String {
    let c = curp(2);
    format!(
        "prestamo,2026-02-10,{c},,,,,3,1,,,,,\n\
         cuota_pagada_fideicomiso,2026-05-10,,,500.00,,,,,,,,3,20.00\n\
         cuota_vencida,2026-06-10,,,500.00,,,,,,,,3,15.00\n\
         cuota_prestamo,2026-07-10,,,500.00,,,,,,,,3,10.00\n\
         cuota_prestamo,2026-08-10,,,500.00,,,,,,,,3,5.00\n"
    )
}

async fn trust_cash(app: &app::App, org: store::OrgId) -> (i64, i64) {
    (
        balance(app, org, "fund:trust-bank:development").await,
        balance(app, org, "fund:trust-bank:competition").await,
    )
}

async fn sheet_of(
    app: &app::App,
    org: store::OrgId,
    member: i64,
    on: chrono::NaiveDate,
) -> (i64, i64) {
    let sheet = app.collection_sheet(org, on, None).await.unwrap();
    let row = sheet.rows.iter().find(|r| r.member_id == member).unwrap();
    (row.loan_due_minor, row.trust_paid_minor)
}

async fn assert_check(app: &app::App, org: store::OrgId, backend: &str) {
    let check = app.check_books(org).await.unwrap();
    assert!(
        check.ok(),
        "{backend}: {:?}",
        check.failures().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_loan_behind_on_the_opening_day_is_late_and_owes_the_trust() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-atraso-{backend}-{}", std::process::id());
        let (org, m) = org_with_members(&app, &slug, 3).await;
        let c = m[2];
        let actor = Actor::new("directora", "test");
        let text = file_with(&late_loan());
        let out = app
            .import_opening(org, &text, &actor, today())
            .await
            .unwrap();
        assert_eq!(
            (
                out.loans,
                out.installments,
                out.overdue_installments,
                out.trust_paid_installments
            ),
            (2, 5, 1, 1),
            "{backend}"
        );

        // C owes the ODF all four installments' principal, 4 × 500.00 = 2,000.00; the lender is
        // owed the line's 20,000.00 drawn (the trust's 500.00 of May is not in it any more).
        assert_eq!(
            balance(&app, org, &format!("members:{c}:loan")).await,
            200_000,
            "{backend}"
        );
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -2_000_000);
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(book.line(1).unwrap().line.drawn_minor, 2_000_000);
        let loan = &book.loan(3).unwrap();
        // R-CRED-4: late from 10 May on the opening day, 30 June: 21 days of May after the
        // 10th and 30 of June, 51 days.
        assert_eq!(
            credit::quality::days_past_due(&loan.loan, d(2026, 6, 30)),
            21 + 30,
            "{backend}"
        );
        // R-FUND-6: the trust paid installment 1 (May), 500.00 + 20.00.
        assert_eq!(
            loan.trust_paid
                .iter()
                .map(|(n, v)| (*n, *v))
                .collect::<Vec<_>>(),
            vec![(1, (50_000, 2_000))]
        );

        // The Fund: the trust paid 520.00, split 260.00 / 260.00 (R-FUND-2's halves): its cash
        // 4,900.00 − 260.00 = 4,640.00 in Development and 4,500.00 − 260.00 = 4,240.00 in
        // Competition. The sub-funds are unchanged (a claim on C replaces the cash), and C owes
        // the Fund 520.00: a notice of non-fulfilment names C.
        assert_eq!(trust_cash(&app, org).await, (464_000, 424_000), "{backend}");
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(state.trust, fund::Split::new(464_000, 424_000));
        assert_eq!(state.sub_funds(), fund::Split::new(490_000, 450_000));
        assert_eq!(fund::trust::shortfall(&state, &Borrower::Member(c)), 52_000);
        assert_eq!(
            fund::trust::non_fulfilment_notices(&state),
            vec![fund::trust::NonFulfilmentNotice {
                borrower: Borrower::Member(c),
                amount_minor: 52_000
            }]
        );
        assert_eq!(
            balance(&app, org, "fund:receivable:borrowers").await,
            52_000
        );
        assert_eq!(balance(&app, org, "odf:payable:fund").await, -52_000);

        // The collection sheet of the opening day: C owes 520.00 + 515.00 = 1,035.00 of
        // installments, of which the trust paid 520.00, to be replenished.
        assert_eq!(
            sheet_of(&app, org, c, d(2026, 6, 30)).await,
            (103_500, 52_000),
            "{backend}"
        );
        assert_check(&app, org, backend).await;

        // The same file again changes nothing.
        let (events, entries) = (event_count(&app, org).await, entry_count(&app, org).await);
        let again = app
            .import_opening(org, &text, &actor, today())
            .await
            .unwrap();
        assert!(!again.created, "{backend}");
        assert_eq!(event_count(&app, org).await, events, "{backend}");
        assert_eq!(entry_count(&app, org).await, entries, "{backend}");

        // The next due day, 10 July: the trust pays June's installment, which nobody had paid,
        // 515.00 (dated on the opening day, when a daily run would have paid it), and July's,
        // 510.00 (loan 1's first falls due on the 15th). The lender is owed 20,000.00 − 500.00
        // − 500.00 = 19,000.00. Splits: 257.50 / 257.50 and 255.00 / 255.00, so the trust holds
        // 4,640.00 − 512.50 = 4,127.50 and 4,240.00 − 512.50 = 3,727.50. C owes the Fund
        // 520.00 + 515.00 + 510.00 = 1,545.00 and is 61 days late (21 + 30 + 10).
        let run = app
            .run_credit_day(Scope::Org(org), d(2026, 7, 10), &actor)
            .await
            .unwrap();
        assert_eq!(
            (run[0].installments_paid, run[0].paid_minor),
            (2, 51_500 + 51_000),
            "{backend}: {:?}",
            run[0].not_covered
        );
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(book.line(1).unwrap().line.drawn_minor, 1_900_000);
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -1_900_000);
        let paid_on: Vec<(u32, chrono::NaiveDate)> = book
            .events
            .iter()
            .filter_map(|e| match e {
                CreditEvent::TrustPaidInstallments { rows, .. } => Some(rows.clone()),
                _ => None,
            })
            .flatten()
            .filter(|r| r.loan_id() == 3)
            .map(|r| (r.number(), r.on()))
            .collect();
        assert_eq!(
            paid_on,
            vec![(2, d(2026, 6, 30)), (3, d(2026, 7, 10))],
            "{backend}"
        );
        assert_eq!(trust_cash(&app, org).await, (412_750, 372_750), "{backend}");
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(
            fund::trust::shortfall(&state, &Borrower::Member(c)),
            154_500
        );
        let loan = &book.loan(3).unwrap().loan;
        assert_eq!(credit::quality::days_past_due(loan, d(2026, 7, 10)), 61);
        // The collection sheet: May's, June's and July's installments, 1,545.00, all paid by
        // the trust.
        assert_eq!(
            sheet_of(&app, org, c, d(2026, 7, 10)).await,
            (154_500, 154_500)
        );
        assert_check(&app, org, backend).await;

        // C pays May's and June's installments at the meeting of 12 July, 1,035.00: they go
        // back into the trust at once (R-FUND-6), in proportion to what each sub-fund paid out
        // (772.50 each): 517.50 / 517.50. C then owes the Fund 1,545.00 − 1,035.00 = 510.00,
        // the ODF 2,000.00 − 1,000.00 of principal, and is late only from 10 July (2 days).
        app.repay_loan(org, &actor, 3, 103_500, d(2026, 7, 12), "recibo-c1")
            .await
            .unwrap();
        assert_eq!(trust_cash(&app, org).await, (464_500, 424_500), "{backend}");
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(fund::trust::shortfall(&state, &Borrower::Member(c)), 51_000);
        assert_eq!(
            balance(&app, org, &format!("members:{c}:loan")).await,
            100_000
        );
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(
            credit::quality::days_past_due(&book.loan(3).unwrap().loan, d(2026, 7, 12)),
            2
        );
        assert_eq!(
            sheet_of(&app, org, c, d(2026, 7, 12)).await,
            (51_000, 51_000),
            "{backend}"
        );
        assert_check(&app, org, backend).await;
    }
}

#[tokio::test]
async fn overdue_installments_that_cannot_be_are_refused_on_their_lines() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-atraso-mala-{backend}-{}", std::process::id());
        let (org, _) = org_with_members(&app, &slug, 3).await;
        let (events, entries) = (event_count(&app, org).await, entry_count(&app, org).await);
        let c = curp(2);
        // Lines 25–28 (the example has 24): an overdue installment after the opening day
        // (line 26), one the trust paid for more than the trust holds (line 27: 9,400.00), and
        // an overdue installment of a loan the file does not have (line 28).
        let bad = file_with(&format!(
            "prestamo,2026-02-10,{c},,,,,3,1,,,,,\n\
             cuota_vencida,2026-07-10,,,500.00,,,,,,,,3,\n\
             cuota_pagada_fideicomiso,2026-06-10,,,9500.00,,,,,,,,3,\n\
             cuota_vencida,2026-06-10,,,1.00,,,,,,,,9,\n"
        ));
        let e = app
            .import_opening(org, &bad, &Actor::new("directora", "test"), today())
            .await
            .unwrap_err();
        let Some(lines) = e.row_lines() else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        let text = lines.join("\n");
        for expected in ["line 26, date", "line 28, contract"] {
            assert!(
                text.contains(expected),
                "{backend}: {expected} not in\n{text}"
            );
        }
        assert_eq!(event_count(&app, org).await, events, "{backend}");
        assert_eq!(entry_count(&app, org).await, entries, "{backend}");

        // The schedule right, the trust short: 9,500.00 paid for C is more than its 9,400.00.
        let short = file_with(&format!(
            "prestamo,2026-02-10,{c},,,,,3,1,,,,,\n\
             cuota_pagada_fideicomiso,2026-06-10,,,9500.00,,,,,,,,3,\n"
        ));
        let e = app
            .import_opening(org, &short, &Actor::new("directora", "test"), today())
            .await
            .unwrap_err();
        let Some(lines) = e.row_lines() else {
            panic!("{backend}: expected row errors, got {e:?}")
        };
        assert!(
            lines.iter().any(|l| l.starts_with("line 26, amount")),
            "{backend}: {lines:?}"
        );
        assert_eq!(event_count(&app, org).await, events, "{backend}");
        assert!(app.opening(org).await.unwrap().is_none());
    }
}

/// What an installment was on the opening day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Was {
    /// Paid by the member: not in the file.
    OnTime,
    /// Nobody paid it.
    Unpaid,
    /// The trust paid it; the member owes it to the Fund.
    TrustPaid,
}

#[tokio::test]
async fn the_credit_book_the_trust_and_the_collection_sheet_agree_on_every_combination() {
    use Was::*;
    // Installments of loan 3 (member C) due 10 April, 10 May and 10 June, then one on 10 July
    // still to fall due. A member pays oldest first, so once one is behind the later ones are
    // too: every combination of the three in that order.
    let combos: Vec<[Was; 3]> = {
        let mut out = Vec::new();
        for a in [OnTime, Unpaid, TrustPaid] {
            for b in [OnTime, Unpaid, TrustPaid] {
                for c in [OnTime, Unpaid, TrustPaid] {
                    let w = [a, b, c];
                    if w.windows(2).all(|p| p[0] == OnTime || p[1] != OnTime) {
                        out.push(w);
                    }
                }
            }
        }
        out
    };
    assert_eq!(combos.len(), 1 + 2 + 4 + 8);
    let dues = [
        (d(2026, 4, 10), 40_000, 1_200),
        (d(2026, 5, 10), 40_000, 800),
        (d(2026, 6, 10), 40_000, 400),
    ];
    for (backend, app) in backends().await {
        for (i, combo) in combos.iter().enumerate() {
            let slug = format!("apertura-combo-{i}-{backend}-{}", std::process::id());
            let (org, m) = org_with_members(&app, &slug, 3).await;
            let member = m[2];
            let mut rows = format!("prestamo,2026-03-10,{},,,,,3,1,,,,,\n", curp(2));
            for (was, (due, principal, interest)) in combo.iter().zip(dues) {
                let kind = match was {
                    OnTime => continue,
                    Unpaid => "cuota_vencida",
                    TrustPaid => "cuota_pagada_fideicomiso",
                };
                rows += &format!(
                    "{kind},{due},,,{}.{:02},,,,,,,,3,{}.{:02}\n",
                    principal / 100,
                    principal % 100,
                    interest / 100,
                    interest % 100
                );
            }
            rows += "cuota_prestamo,2026-07-10,,,400.00,,,,,,,,3,\n";
            app.import_opening(org, &file_with(&rows), &Actor::new("d", "t"), today())
                .await
                .unwrap_or_else(|e| panic!("{backend} {combo:?}: {e}"));

            // Independently of Tequio: what is behind, what the trust paid, since when.
            let amount = |w: Was| -> i64 {
                combo
                    .iter()
                    .zip(dues)
                    .filter(|(x, _)| **x == w)
                    .map(|(_, (_, p, i))| p + i)
                    .sum()
            };
            let (unpaid, trust) = (amount(Unpaid), amount(TrustPaid));
            let behind = combo.iter().filter(|w| **w != OnTime).count() as i64;
            let as_of = d(2026, 6, 30);
            let days_late = combo
                .iter()
                .zip(dues)
                .find(|(w, _)| **w != OnTime)
                .map_or(0, |(_, (due, _, _))| (as_of - due).num_days() as u32);
            let what = format!("{backend} {combo:?}");

            let book = app.credit_book(org).await.unwrap();
            let ls = book.loan(3).unwrap();
            assert_eq!(
                credit::quality::days_past_due(&ls.loan, as_of),
                days_late,
                "{what}"
            );
            assert_eq!(
                ls.trust_paid.values().map(|(p, i)| p + i).sum::<i64>(),
                trust,
                "{what}"
            );
            assert_eq!(
                ls.loan.outstanding_principal_minor(),
                40_000 * (behind + 1),
                "{what}"
            );
            // The lender's line is what the file says was drawn, whatever the trust paid.
            assert_eq!(book.line(1).unwrap().line.drawn_minor, 2_000_000, "{what}");
            let state = app.fund_state(org).await.unwrap();
            assert_eq!(
                fund::trust::shortfall(&state, &Borrower::Member(member)),
                trust,
                "{what}"
            );
            let (dev, comp) = trust_cash(&app, org).await;
            assert_eq!(dev + comp, 940_000 - trust, "{what}");
            assert_eq!(state.trust.total(), 940_000 - trust, "{what}");
            assert_eq!(
                sheet_of(&app, org, member, as_of).await,
                (unpaid + trust, trust),
                "{what}"
            );
            assert_check(&app, org, &what).await;

            // The first run from the opening day pays what nobody had paid, on that day.
            let run = app
                .run_credit_day(Scope::Org(org), as_of, &Actor::new("d", "t"))
                .await
                .unwrap();
            assert_eq!(
                run[0].paid_minor, unpaid,
                "{what}: {:?}",
                run[0].not_covered
            );
            let state = app.fund_state(org).await.unwrap();
            assert_eq!(
                fund::trust::shortfall(&state, &Borrower::Member(member)),
                unpaid + trust,
                "{what}"
            );
            let unpaid_principal = 40_000 * combo.iter().filter(|w| **w == Unpaid).count() as i64;
            assert_eq!(
                app.credit_book(org)
                    .await
                    .unwrap()
                    .line(1)
                    .unwrap()
                    .line
                    .drawn_minor,
                2_000_000 - unpaid_principal,
                "{what}"
            );
            assert_eq!(
                sheet_of(&app, org, member, as_of).await,
                (unpaid + trust, unpaid + trust),
                "{what}"
            );
            assert_check(&app, org, &what).await;
        }
    }
}

#[tokio::test]
async fn a_loan_to_the_odf_the_trust_paid_for_leaves_the_odf_owing_the_fund() {
    for (backend, app) in backends().await {
        let slug = format!("apertura-atraso-odf-{backend}-{}", std::process::id());
        let (org, _) = org_with_members(&app, &slug, 3).await;
        let actor = Actor::new("directora", "test");
        // Loan 2 to the ODF itself: the trust paid its installment of 20 June, 1,000.00 +
        // 10.00; one of 1,000.00 + 5.00 falls due on 20 July.
        let rows = "prestamo,2026-03-20,,,,,,2,1,,,,,\n\
                    cuota_pagada_fideicomiso,2026-06-20,,,1000.00,,,,,,,,2,10.00\n\
                    cuota_prestamo,2026-07-20,,,1000.00,,,,,,,,2,5.00\n";
        app.import_opening(org, &file_with(rows), &actor, today())
            .await
            .unwrap();
        // The trust's payment repaid the ODF's row: 1,000.00 of principal left, nothing late;
        // the ODF owes the Fund 1,010.00 and the trust holds 9,400.00 − 1,010.00 = 8,390.00
        // (505.00 from each sub-fund's cash). The lender is owed the line's 20,000.00.
        let book = app.credit_book(org).await.unwrap();
        let loan = &book.loan(2).unwrap().loan;
        assert_eq!(loan.outstanding_principal_minor(), 100_000, "{backend}");
        assert_eq!(credit::quality::days_past_due(loan, d(2026, 6, 30)), 0);
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(fund::trust::shortfall(&state, &Borrower::Odf), 101_000);
        assert_eq!(
            trust_cash(&app, org).await,
            (490_000 - 50_500, 450_000 - 50_500)
        );
        assert_eq!(balance(&app, org, "lenders:nafin:line").await, -2_000_000);
        assert_check(&app, org, backend).await;

        // R-CRED-4: on a loan to the ODF the trust cannot have paid June while May, which
        // nobody paid, was due: a payment goes to the oldest installment.
        let slug = format!("apertura-atraso-odf-2-{backend}-{}", std::process::id());
        let (org, _) = org_with_members(&app, &slug, 3).await;
        let rows = "prestamo,2026-03-20,,,,,,2,1,,,,,\n\
                    cuota_vencida,2026-05-20,,,1000.00,,,,,,,,2,15.00\n\
                    cuota_pagada_fideicomiso,2026-06-20,,,1000.00,,,,,,,,2,10.00\n";
        let e = app
            .import_opening(org, &file_with(rows), &actor, today())
            .await
            .unwrap_err();
        let lines = e.row_lines().expect("row errors");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("line 26, date") || l.starts_with("line 27, date")),
            "{backend}: {lines:?}"
        );
        assert!(app.opening(org).await.unwrap().is_none());
    }
}
