//! R-CRED-1: the initial deposit is what was deposited in the Fund in its first three months
//! (members' contributions paid, grants, temporary contributions not returned in the window),
//! never the Fund's own money coming back (a borrower's replenishment, R-FUND-6; the
//! Competition Sub-Fund's working capital recovered from trade, R-BUY-2), with reversals and
//! returns in the window cancelling what they undo. Expected figures by hand, on SQLite and,
//! when `TEQUIO_TEST_PG_URL` is set, PostgreSQL; and a property over random sequences of every
//! kind of trust-bank movement, in and after the window.
//!
//! The organisations here are founded 2025-01-01: the window is 2025-01-01 to 2025-03-31.

mod capital_support;
mod common;

use app::fund_cases::CloseOptions;
use app::trade_cases::Funding;
use app::{App, AppError};
use capital_support::*;
use common::*;
use proptest::prelude::*;
use store::{MemberId, OrgId, Page};

/// The first day after the window (2025-01-01 + 3 months).
fn window_end() -> chrono::NaiveDate {
    d(2025, 4, 1)
}

fn in_window(on: chrono::NaiveDate) -> bool {
    on >= d(2025, 1, 1) && on < window_end()
}

/// Members' plans (baseline revenue 1,000,000.00 a month... in minor units 1,000,000) and
/// their January 2025 reports, closed on 5 February: each member reported 1,500,000, so
/// their new revenue is 500,000 and they owe 10% of it, 50,000, to the Fund (R-FUND-1).
const OWED_PER_MEMBER: i64 = 50_000;

async fn members_owe_january(app: &App, org: OrgId, members: &[MemberId]) {
    for &m in members {
        agree(app, org, m, 1_000_000, 300_000).await;
        app.file_report(
            org,
            p(2025, 1),
            figures(m, 1_500_000, 300_000),
            None,
            d(2025, 2, 2),
            &audit(),
        )
        .await
        .unwrap();
    }
    app.close_period(
        org,
        p(2025, 1),
        d(2025, 2, 5),
        CloseOptions::default(),
        &audit(),
    )
    .await
    .unwrap();
}

async fn grant(app: &App, org: OrgId, reference: &str, amount: i64, on: chrono::NaiveDate) {
    app.receive_grant(org, reference, "Fundación Morelos", amount, on, &audit())
        .await
        .unwrap();
}

fn installment(reference: &str, amount: i64, on: chrono::NaiveDate) -> fund::InstallmentDue {
    fund::InstallmentDue {
        installment_ref: reference.into(),
        borrower: fund::Borrower::Odf,
        lender_code: "nafin".into(),
        amount: ledger::Money::mxn(amount),
        due_date: on,
        // A payment the trust made on the ODF's behalf outside any line of this ODF.
        settles: Some(ledger::AccountCode::parse("odf:equity").unwrap()),
    }
}

#[tokio::test]
async fn r_cred_1_working_capital_advanced_and_recovered_in_the_window_is_not_a_deposit() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "deposito-capital", 2).await;
        let seats = seat_board(&app, org, &m).await;
        clay_round(&app, org, &m).await;
        // The only deposit: a grant of 100,000 on 5 January, 50,000 to each sub-fund.
        grant(&app, org, "g-1", 100_000, d(2025, 1, 5)).await;
        let decision = decide(&app, org, &seats, "trade:r1", 4_000).await;
        let sub_fund = Funding::CompetitionSubFund {
            decision_id: decision,
        };
        // The Sub-Fund advances the order's 4,000 on 5 February; the ODF pays it back on
        // 20 February: the trust's competition account is debited 4,000 again, in the window.
        app.pay_supplier(
            org,
            &by(),
            "r1",
            PO,
            4_000,
            sub_fund.clone(),
            d(2025, 2, 5),
            "pago-1",
        )
        .await
        .unwrap();
        // 3,000 of it comes back on 20 February, in the window, the other 1,000 on 20 May,
        // after it: neither the advance nor either recovery is a deposit.
        app.repay_working_capital(org, &by(), sub_fund.clone(), 3_000, d(2025, 2, 20), "dev-1")
            .await
            .unwrap();
        app.repay_working_capital(org, &by(), sub_fund, 1_000, d(2025, 5, 20), "dev-2")
            .await
            .unwrap();
        assert_eq!(
            balance(&app, org, "fund:trust-bank:competition").await,
            50_000,
            "{backend}: the Sub-Fund is whole again"
        );
        // Before issue 19 the recovery in the window counted: 103,000 (and counting the
        // Fund's own money signed would give 100,000 - 4,000 + 3,000 = 99,000).
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            100_000,
            "{backend}"
        );
        assert_books(&app, org, backend).await;
    }
}

#[tokio::test]
async fn r_cred_1_a_trust_payment_for_a_borrower_and_its_replenishment_are_not_deposits() {
    for (backend, app) in backends().await {
        let (org, _) = org_with_members(&app, "deposito-fideicomiso", 1).await;
        grant(&app, org, "g-1", 600_000, d(2025, 1, 5)).await;
        // The trust pays 200,000 for the ODF on 1 February; the ODF replenishes it on 1 March.
        app.pay_installment_from_fund(
            org,
            &installment("loan-1:1", 200_000, d(2025, 2, 1)),
            d(2025, 2, 1),
            &audit(),
        )
        .await
        .unwrap();
        app.replenish_fund(
            org,
            "rep-1",
            &fund::Borrower::Odf,
            200_000,
            None,
            d(2025, 3, 1),
            &audit(),
        )
        .await
        .unwrap();
        // Another 100,000 paid on 15 March, replenished on 15 May (after the window).
        app.pay_installment_from_fund(
            org,
            &installment("loan-1:2", 100_000, d(2025, 3, 15)),
            d(2025, 3, 15),
            &audit(),
        )
        .await
        .unwrap();
        app.replenish_fund(
            org,
            "rep-2",
            &fund::Borrower::Odf,
            100_000,
            None,
            d(2025, 5, 15),
            &audit(),
        )
        .await
        .unwrap();
        // Before issue 19 the replenishment in the window counted: 800,000 (and counting
        // the Fund's own money signed would give 600,000 - 100,000 = 500,000).
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            600_000,
            "{backend}"
        );
        assert_books(&app, org, backend).await;
    }
}

#[tokio::test]
async fn r_cred_1_a_deposit_reversed_in_the_window_counts_zero() {
    for (backend, app) in backends().await {
        let (org, _) = org_with_members(&app, "deposito-reversa", 1).await;
        grant(&app, org, "g-1", 300_000, d(2025, 1, 5)).await;
        grant(&app, org, "g-2", 500_000, d(2025, 1, 10)).await;
        grant(&app, org, "g-3", 70_000, d(2025, 2, 10)).await;
        let trust = ledger::AccountCode::parse("fund:trust-bank:development").unwrap();
        let entries = app
            .store()
            .account_entries(org, &trust, Page::first(10))
            .await
            .unwrap();
        let id_on = |on| entries.iter().find(|s| s.entry.date() == on).unwrap().id;
        // The grant of 10 January is reversed on 20 January (in the window); the one of
        // 10 February on 10 April (after it: it still counted in the window).
        app.reverse_entry(org, id_on(d(2025, 1, 10)), "g-2:reversa", d(2025, 1, 20))
            .await
            .unwrap();
        app.reverse_entry(org, id_on(d(2025, 2, 10)), "g-3:reversa", d(2025, 4, 10))
            .await
            .unwrap();
        // Before issue 19 the reversed grant still counted: 870,000.
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            300_000 + 70_000,
            "{backend}"
        );
        // A second reversal of the same grant is refused: it would take 500,000 off twice.
        let twice = app
            .reverse_entry(org, id_on(d(2025, 1, 10)), "g-2:otra", d(2025, 1, 21))
            .await
            .unwrap_err();
        assert_eq!(twice.field(), Some("entry_id"), "{backend}: {twice}");
        assert_eq!(app.initial_deposit_minor(org).await.unwrap(), 370_000);
    }
}

#[tokio::test]
async fn r_cred_1_a_temporary_contribution_counts_unless_returned_in_the_window() {
    for (backend, app) in backends().await {
        let (org, _) = org_with_members(&app, "deposito-temporal", 1).await;
        let a = audit();
        // 300,000 received 15 January and returned 1 March: 0.
        app.receive_temporary(org, "t-1", "Municipio", 300_000, d(2025, 1, 15), &a)
            .await
            .unwrap();
        app.return_temporary(org, "t-1", d(2025, 3, 1), &a)
            .await
            .unwrap();
        // 80,000 received 1 February, never returned: 80,000.
        app.receive_temporary(org, "t-2", "Municipio", 80_000, d(2025, 2, 1), &a)
            .await
            .unwrap();
        // 40,000 received 15 March and returned 15 April, after the window: 40,000.
        app.receive_temporary(org, "t-3", "Estado", 40_000, d(2025, 3, 15), &a)
            .await
            .unwrap();
        app.return_temporary(org, "t-3", d(2025, 4, 15), &a)
            .await
            .unwrap();
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            80_000 + 40_000,
            "{backend}"
        );
        assert_books(&app, org, backend).await;
    }
}

#[tokio::test]
async fn r_cred_1_members_contributions_paid_in_the_window_are_deposits() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "deposito-aportaciones", 2).await;
        members_owe_january(&app, org, &m).await;
        // The first member pays all 50,000 on 10 February; the second 20,000 of it on
        // 10 March and the rest (30,000) on 10 April, after the window.
        let a = audit();
        let paid = app
            .settle_member_debts(
                org,
                m[0],
                "p-1",
                Some(OWED_PER_MEMBER),
                false,
                d(2025, 2, 10),
                &a,
            )
            .await
            .unwrap();
        assert_eq!(paid.contribution_minor, OWED_PER_MEMBER, "{backend}");
        app.settle_member_debts(org, m[1], "p-2", Some(20_000), false, d(2025, 3, 10), &a)
            .await
            .unwrap();
        app.settle_member_debts(org, m[1], "p-3", Some(30_000), false, d(2025, 4, 10), &a)
            .await
            .unwrap();
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            50_000 + 20_000,
            "{backend}"
        );
    }
}

#[derive(Debug, Clone)]
enum Op {
    Grant {
        amount: i64,
        day: u64,
    },
    Temporary {
        amount: i64,
        day: u64,
    },
    Return {
        which: usize,
        day: u64,
    },
    /// A member pays at most `limit` of what the January close made them owe.
    Pay {
        member: usize,
        limit: i64,
        day: u64,
    },
    /// The trust pays an installment for the ODF (R-FUND-6)...
    Installment {
        amount: i64,
        day: u64,
    },
    /// ...and the ODF replenishes it.
    Replenish {
        amount: i64,
        day: u64,
    },
    /// The Competition Sub-Fund pays the clay supplier (R-BUY-2)...
    Advance {
        amount: i64,
        day: u64,
    },
    /// ...and the ODF repays it.
    Recover {
        amount: i64,
        day: u64,
    },
    /// R-FUND-3: the Sub-Fund pays for a trade fair.
    Spend {
        amount: i64,
        day: u64,
    },
    /// R-FUND-4: a member withdraws from the Development Sub-Fund.
    Withdraw {
        member: usize,
        amount: i64,
        day: u64,
    },
}

/// Days after the founding: up to 150, so about 60% in the window (90 days) and the rest after.
fn day() -> impl Strategy<Value = u64> {
    0u64..150
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1i64..400_000, day()).prop_map(|(amount, day)| Op::Grant { amount, day }),
        1 => (1i64..200_000, day()).prop_map(|(amount, day)| Op::Temporary { amount, day }),
        1 => (0usize..3, day()).prop_map(|(which, day)| Op::Return { which, day }),
        2 => (0usize..2, 1i64..60_000, 35u64..150)
            .prop_map(|(member, limit, day)| Op::Pay { member, limit, day }),
        1 => (1i64..300_000, day()).prop_map(|(amount, day)| Op::Installment { amount, day }),
        1 => (1i64..300_000, day()).prop_map(|(amount, day)| Op::Replenish { amount, day }),
        1 => (1i64..4_000, 31u64..150).prop_map(|(amount, day)| Op::Advance { amount, day }),
        1 => (1i64..4_000, 31u64..150).prop_map(|(amount, day)| Op::Recover { amount, day }),
        1 => (1i64..100_000, 31u64..150).prop_map(|(amount, day)| Op::Spend { amount, day }),
        1 => (0usize..2, 1i64..20_000, day())
            .prop_map(|(member, amount, day)| Op::Withdraw { member, amount, day }),
    ]
}

/// A refusal by a rule is an expected outcome of a random command; anything else is a bug.
fn refused_or<T>(r: Result<T, AppError>) -> Option<T> {
    match r {
        Ok(t) => Some(t),
        Err(e) => {
            assert!(e.is_caller_error(), "unexpected failure: {e}");
            None
        }
    }
}

async fn run(ops: Vec<Op>) {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "deposito-propiedad", 2).await;
    let seats = seat_board(&app, org, &m).await;
    members_owe_january(&app, org, &m).await;
    clay_round(&app, org, &m).await;
    let trade_decision = decide(&app, org, &seats, "trade:r1", 4_000).await;
    let sub_fund = Funding::CompetitionSubFund {
        decision_id: trade_decision,
    };
    let fair = decide(&app, org, &seats, "competition:fair", 10_000_000).await;
    let on = |day: u64| d(2025, 1, 1) + chrono::Days::new(day);
    let a = audit();
    // R-CRED-1 by hand: each deposit's amount when its entry is dated in the window.
    let mut expected: i64 = 0;
    let mut count = |amount: i64, when: chrono::NaiveDate| {
        if in_window(when) {
            expected += amount;
        }
    };
    // Temporary contributions received (reference, amount, returned).
    let mut temporaries: Vec<(String, i64, bool)> = Vec::new();
    let mut owed = [OWED_PER_MEMBER; 2];
    // Working capital the Sub-Fund advanced and trade has not yet repaid.
    let mut advanced: i64 = 0;
    for (n, op) in ops.into_iter().enumerate() {
        match op {
            Op::Grant { amount, day } => {
                let r = app
                    .receive_grant(org, &format!("g-{n}"), "Donante", amount, on(day), &a)
                    .await;
                if refused_or(r).is_some() {
                    count(amount, on(day));
                }
            }
            Op::Temporary { amount, day } => {
                let r = format!("t-{n}");
                let got = app
                    .receive_temporary(org, &r, "Municipio", amount, on(day), &a)
                    .await;
                if refused_or(got).is_some() {
                    count(amount, on(day));
                    temporaries.push((r, amount, false));
                }
            }
            Op::Return { which, day } => {
                if let Some((r, amount, returned)) = temporaries.get_mut(which) {
                    if !*returned
                        && refused_or(app.return_temporary(org, r, on(day), &a).await).is_some()
                    {
                        *returned = true;
                        count(-*amount, on(day));
                    }
                }
            }
            Op::Pay { member, limit, day } => {
                let r = app
                    .settle_member_debts(
                        org,
                        m[member],
                        &format!("p-{n}"),
                        Some(limit),
                        false,
                        on(day),
                        &a,
                    )
                    .await;
                if refused_or(r).is_some() {
                    // Contributions are paid first, up to the limit (R-FUND-1).
                    let paid = limit.min(owed[member]);
                    owed[member] -= paid;
                    count(paid, on(day));
                }
            }
            Op::Installment { amount, day } => {
                let due = installment(&format!("loan-1:{n}"), amount, on(day));
                refused_or(app.pay_installment_from_fund(org, &due, on(day), &a).await);
            }
            Op::Replenish { amount, day } => {
                let r = app
                    .replenish_fund(
                        org,
                        &format!("rep-{n}"),
                        &fund::Borrower::Odf,
                        amount,
                        None,
                        on(day),
                        &a,
                    )
                    .await;
                refused_or(r);
            }
            Op::Advance { amount, day } => {
                let r = app
                    .pay_supplier(
                        org,
                        &by(),
                        "r1",
                        PO,
                        amount,
                        sub_fund.clone(),
                        on(day),
                        &format!("pago-{n}"),
                    )
                    .await;
                if refused_or(r).is_some() {
                    advanced += amount;
                }
            }
            Op::Recover { amount, day } => {
                let r = app
                    .repay_working_capital(
                        org,
                        &by(),
                        sub_fund.clone(),
                        amount,
                        on(day),
                        &format!("dev-{n}"),
                    )
                    .await;
                if refused_or(r).is_some() {
                    advanced -= amount;
                }
            }
            Op::Spend { amount, day } => {
                let r = app
                    .spend_competition(
                        org,
                        &format!("s-{n}"),
                        fund::CompetitionCategory::TradeFairsAndSalesPromotion,
                        "Feria",
                        amount,
                        Some(fair),
                        on(day),
                        &a,
                    )
                    .await;
                refused_or(r);
            }
            Op::Withdraw {
                member,
                amount,
                day,
            } => {
                let r = app
                    .withdraw_development(
                        org,
                        &format!("w-{n}"),
                        m[member],
                        fund::WithdrawalPurpose::Medical,
                        amount,
                        None,
                        on(day),
                        &a,
                    )
                    .await;
                refused_or(r);
            }
        }
    }
    assert_eq!(
        app.initial_deposit_minor(org).await.unwrap(),
        expected.max(0),
        "R-CRED-1"
    );
    // R-BUY-2, R-FUND-6: the Fund's book knows the working capital still lent to trade, so
    // `tequio check` (invariants 4 and 5) holds with it outstanding, not only once repaid.
    assert!(advanced >= 0, "more recovered than advanced: {advanced}");
    let state = app.fund_state(org).await.unwrap();
    assert_eq!(state.working_capital_minor, advanced, "R-BUY-2");
    assert_eq!(
        state.trust.competition_minor,
        balance(&app, org, "fund:trust-bank:competition").await,
        "R-BUY-2"
    );
    assert_books(&app, org, "sqlite").await;
    // ...and after the rest comes back (after the window: the Fund's own money, the initial
    // deposit does not move).
    if advanced > 0 {
        app.repay_working_capital(org, &by(), sub_fund, advanced, d(2025, 6, 30), "dev-rest")
            .await
            .unwrap();
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            expected.max(0)
        );
        assert_eq!(app.fund_state(org).await.unwrap().working_capital_minor, 0);
        assert_books(&app, org, "sqlite").await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// R-CRED-1: whatever the trust bank's movements in and after the window, the initial
    /// deposit is the sum of the deposits dated in it, worked out here, and the books check.
    #[test]
    fn r_cred_1_the_initial_deposit_is_the_deposits_of_the_window_whatever_else_moves(
        ops in prop::collection::vec(op(), 1..24)
    ) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(ops));
    }
}
