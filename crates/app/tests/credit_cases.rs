//! Credit use cases against a store (R-CRED-1, R-CRED-2, R-CRED-6 lines; R-CRED-3..5 loans;
//! R-LEASE-1/2 leases), with hand-computed figures. State is the fold of the `credit` events,
//! money is the ledger: every test ends with the trial balance checked.

mod credit_support;

use app::credit_cases::{LoanApplication, OpenLineCmd, ReviewSetting, Scope, StartLeaseCmd};
use app::{Actor, AppError};
use credit_support::*;
use governance::ProposalKind;
use rust_decimal::Decimal;

/// D = 40,000.00 + 10,000.00 deposited in the Fund in its first three months; 30,000.00 in
/// month five does not count (R-CRED-1).
const D: i64 = 5_000_000;

fn open_cmd(limit: Option<i64>) -> OpenLineCmd {
    OpenLineCmd {
        line_id: 1,
        lender_code: "nafin".into(),
        annual_rate: Decimal::new(18, 2),
        requested_limit_minor: limit,
        opened_on: day(2025, 7, 1),
        review: None,
    }
}

#[tokio::test]
async fn r_cred_1_the_line_opens_at_up_to_twice_the_first_three_months_deposits() {
    for_each_backend(|app| async move {
        let org = union_with_deposits(&app, 5).await;
        assert_eq!(app.initial_deposit_minor(org).await.unwrap(), D);
        // One centavo above 2D is refused naming the rule; nothing is written.
        let err = app
            .open_credit_line(org, &Actor::cli(), open_cmd(Some(2 * D + 1)))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-1"), "{err}");
        assert!(app.credit_book(org).await.unwrap().lines.is_empty());
        assert!(app
            .store()
            .account_balance(org, &code("lenders:nafin:line"))
            .await
            .is_err());
        // Without a requested limit the line opens at the maximum, 2D = 100,000.00.
        let (line, out) = app
            .open_credit_line(org, &Actor::cli(), open_cmd(None))
            .await
            .unwrap();
        assert!(out.created);
        assert_eq!(line.line.limit_minor, 2 * D);
        assert_eq!(line.line.initial_deposit_minor, D);
        assert!(line.deposits_source.contains("fund:trust-bank"));
        // The same command again is a no-op; the same line with other terms is a conflict.
        let (_, again) = app
            .open_credit_line(org, &Actor::cli(), open_cmd(None))
            .await
            .unwrap();
        assert!(!again.created);
        let err = app
            .open_credit_line(org, &Actor::cli(), open_cmd(Some(D)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Store(store::StoreError::Conflict { .. })),
            "{err}"
        );
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_cred_2_thirty_months_of_commitments_met_reach_exactly_64_times_the_deposit() {
    for_each_backend(|app| async move {
        let org = union_with_deposits(&app, 5).await;
        app.open_credit_line(org, &Actor::cli(), open_cmd(None))
            .await
            .unwrap();
        // A review before it is due is refused.
        let err = app
            .review_credit_line(org, &Actor::cli(), 1, day(2025, 12, 31))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-2"), "{err}");
        // Six reviews to month 36: 2D → 4D, 8D, 16D, 32D, 64D (month 30), then capped.
        let done = app
            .review_credit_line_through(org, &Actor::cli(), 1, day(2028, 7, 1))
            .await
            .unwrap();
        assert_eq!(done, 6);
        let book = app.credit_book(org).await.unwrap();
        let history: Vec<(String, i64, bool)> = book.lines[&1]
            .line
            .limit_history
            .iter()
            .map(|c| (c.date.to_string(), c.to_minor / D, c.capped))
            .collect();
        assert_eq!(
            history,
            vec![
                ("2025-07-01".to_string(), 2, false),
                ("2026-01-01".to_string(), 4, false),
                ("2026-07-01".to_string(), 8, false),
                ("2027-01-01".to_string(), 16, false),
                ("2027-07-01".to_string(), 32, false),
                ("2028-01-01".to_string(), 64, false),
                ("2028-07-01".to_string(), 64, true),
            ]
        );
        // Running the catch-up again changes nothing.
        assert_eq!(
            app.review_credit_line_through(org, &Actor::cli(), 1, day(2028, 7, 1))
                .await
                .unwrap(),
            0
        );
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_cred_2_a_decrease_never_takes_the_limit_below_what_is_drawn() {
    for_each_backend(|app| async move {
        let org = union_with_deposits(&app, 5).await;
        // An ODF whose review rule (a setting) halves even when commitments are met.
        let mut cmd = open_cmd(None);
        cmd.review = Some(ReviewSetting {
            when_met: (1, 2),
            ..ReviewSetting::default()
        });
        app.open_credit_line(org, &Actor::cli(), cmd).await.unwrap();
        // Above the available limit is refused (R-CRED-1), nothing written.
        let err = app
            .draw_credit_line(org, &Actor::cli(), 1, 2 * D + 1, day(2025, 7, 2), "d-0")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-1"), "{err}");
        app.draw_credit_line(org, &Actor::cli(), 1, 9_000_000, day(2025, 7, 2), "d-1")
            .await
            .unwrap();
        // Halving 100,000.00 gives 50,000.00, below the 90,000.00 drawn: floored at 90,000.00.
        let (line, _) = app
            .review_credit_line(org, &Actor::cli(), 1, day(2026, 1, 1))
            .await
            .unwrap();
        let last = line.line.limit_history.last().unwrap();
        assert_eq!((last.from_minor, last.to_minor), (10_000_000, 9_000_000));
        assert!(last.floored_at_drawn);
        assert_eq!(
            app.store()
                .account_balance(org, &code("lenders:nafin:line"))
                .await
                .unwrap(),
            -9_000_000
        );
        // Repaying 40,000.00 of principal and 1,350.00 of interest frees the line.
        let (line, _) = app
            .repay_credit_line(
                org,
                &Actor::cli(),
                1,
                4_000_000,
                135_000,
                day(2026, 1, 2),
                "r-1",
            )
            .await
            .unwrap();
        assert_eq!(line.line.drawn_minor, 5_000_000);
        assert_eq!(
            app.store()
                .account_balance(org, &code("odf:expense:line-interest"))
                .await
                .unwrap(),
            135_000
        );
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_cred_6_the_line_moves_to_another_lender_with_its_history() {
    for_each_backend(|app| async move {
        let org = union_with_deposits(&app, 5).await;
        app.open_credit_line(org, &Actor::cli(), open_cmd(None))
            .await
            .unwrap();
        app.draw_credit_line(org, &Actor::cli(), 1, 3_000_000, day(2025, 7, 2), "d-1")
            .await
            .unwrap();
        let (line, out) = app
            .transfer_credit_line(org, &Actor::cli(), 1, "banco-rural", day(2025, 9, 1))
            .await
            .unwrap();
        assert!(out.created);
        assert_eq!(line.line.lender_code, "banco-rural");
        assert_eq!(line.lenders, vec!["nafin", "banco-rural"]);
        assert_eq!(line.line.limit_history.len(), 1, "limit history intact");
        let balance = |c: &'static str| {
            let app = app.clone();
            async move { app.store().account_balance(org, &code(c)).await.unwrap() }
        };
        assert_eq!(balance("lenders:nafin:line").await, 0);
        assert_eq!(balance("lenders:banco-rural:line").await, -3_000_000);
        // Transferring to the lender it already has is refused.
        let err = app
            .transfer_credit_line(org, &Actor::cli(), 1, "banco-rural", day(2025, 9, 2))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-6"), "{err}");
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

/// The line of [`open_cmd`] (100,000.00 at 18%) and the first member's id.
async fn union_with_line(app: &app::App) -> (i64, i64) {
    let org = union_with_deposits(app, 5).await;
    app.open_credit_line(org, &Actor::cli(), open_cmd(None))
        .await
        .unwrap();
    let member = member_ids(app, org, 1).await[0];
    (org, member)
}

/// MXN 10,000.00 at the line's 18% for 12 months from 2025-08-01: i = 1.5% a month,
/// installment 10,000 × 0.015 / (1 − 1.015^−12) = 916.7999… → 916.80; row 1 interest 150.00,
/// principal 766.80.
fn application(loan_id: i64, member: Option<i64>, principal_minor: i64) -> LoanApplication {
    LoanApplication {
        loan_id,
        line_id: 1,
        borrower: member,
        terms: credit::ScheduleInput::monthly(
            principal_minor,
            Decimal::new(18, 2),
            12,
            day(2025, 8, 1),
        ),
        plan_recommended_minor: 5_000_000,
    }
}

async fn approved_loan(app: &app::App, org: i64, loan_id: i64, member: Option<i64>, amount: i64) {
    let d = board_approves(
        app,
        org,
        ProposalKind::Loan,
        &format!("loan:{loan_id}"),
        amount,
        day(2025, 7, 20),
    )
    .await;
    app.approve_loan(org, &Actor::cli(), application(loan_id, member, amount), d)
        .await
        .unwrap();
}

#[tokio::test]
async fn r_cred_3_a_loan_needs_the_boards_decision_the_plan_and_the_lines_room() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        // A decision about another loan does not approve this one (R-GOV-2).
        let other = board_approves(
            &app,
            org,
            ProposalKind::Loan,
            "loan:99",
            1_000_000,
            day(2025, 7, 20),
        )
        .await;
        let err = app
            .approve_loan(
                org,
                &Actor::cli(),
                application(1, Some(m), 1_000_000),
                other,
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-GOV-2"), "{err}");
        // Above the business plan's 50,000.00 (R-CRED-3).
        let d = board_approves(
            &app,
            org,
            ProposalKind::Loan,
            "loan:1",
            6_000_000,
            day(2025, 7, 20),
        )
        .await;
        let err = app
            .approve_loan(org, &Actor::cli(), application(1, Some(m), 6_000_000), d)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-3"), "{err}");
        // Above the board's amount (R-GOV-2).
        let d = board_approves(
            &app,
            org,
            ProposalKind::Loan,
            "loan:1",
            900_000,
            day(2025, 7, 20),
        )
        .await;
        let err = app
            .approve_loan(org, &Actor::cli(), application(1, Some(m), 1_000_000), d)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-GOV-2"), "{err}");
        assert!(
            app.credit_book(org).await.unwrap().loans.is_empty(),
            "nothing written"
        );
        // Two approved loans of 50,000.00 fill the line; a third finds no room (R-CRED-1).
        approved_loan(&app, org, 1, Some(m), 5_000_000).await;
        approved_loan(&app, org, 2, None, 5_000_000).await;
        let d = board_approves(
            &app,
            org,
            ProposalKind::Loan,
            "loan:3",
            100,
            day(2025, 7, 20),
        )
        .await;
        let err = app
            .approve_loan(org, &Actor::cli(), application(3, Some(m), 100), d)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-1"), "{err}");
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_cred_4_disbursement_repayment_prepayment_and_reversal_are_ledger_entries() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        approved_loan(&app, org, 1, Some(m), 1_000_000).await;
        let (loan, _) = app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
        assert_eq!(loan.loan.schedule.rows[0].installment_minor, 91_680);
        let bal = |c: String| {
            let app = app.clone();
            async move { app.store().account_balance(org, &code(&c)).await.unwrap() }
        };
        let loan_acct = format!("members:{m}:loan");
        assert_eq!(bal(loan_acct.clone()).await, 1_000_000);
        assert_eq!(bal("lenders:nafin:line".into()).await, -1_000_000);
        // First installment on its due date: 150.00 interest, 766.80 principal.
        app.repay_loan(org, &Actor::cli(), 1, 91_680, day(2025, 9, 1), "rcpt-1")
            .await
            .unwrap();
        assert_eq!(bal(loan_acct.clone()).await, 1_000_000 - 76_680);
        assert_eq!(bal("odf:income:loan-interest".into()).await, -15_000);
        // The same receipt again changes nothing.
        let (_, again) = app
            .repay_loan(org, &Actor::cli(), 1, 91_680, day(2025, 9, 1), "rcpt-1")
            .await
            .unwrap();
        assert!(!again.created);
        // Reversing the last payment restores the balance; history keeps both entries.
        let (loan, _) = app
            .reverse_loan_payment(org, &Actor::cli(), 1, "rcpt-1", day(2025, 9, 2))
            .await
            .unwrap();
        assert_eq!(bal(loan_acct.clone()).await, 1_000_000);
        assert_eq!(loan.loan.book.outstanding_principal_minor(), 1_000_000);
        // Paying it all off on 2025-09-01: row 1 (916.80) and the current row 2 in full
        // (interest 923,320 × 1.5% = 138.50, principal 778.30), plus the principal left after
        // row 2, 9,232.20 − 778.30 = 8,454.90: 10,288.50.
        let payoff = 91_680 + 91_680 + 845_490;
        let (loan, _) = app
            .repay_loan(org, &Actor::cli(), 1, payoff, day(2025, 9, 1), "rcpt-2")
            .await
            .unwrap();
        assert_eq!(loan.loan.status, credit::loan::LoanStatus::Closed);
        assert_eq!(bal(loan_acct).await, 0);
        // A payment to a closed loan is refused naming the rule; nothing written.
        let err = app
            .repay_loan(org, &Actor::cli(), 1, 100, day(2025, 10, 1), "rcpt-3")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-4"), "{err}");
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_cred_5_a_member_who_repaid_on_time_may_borrow_up_to_one_and_a_half_times() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        approved_loan(&app, org, 1, Some(m), 1_000_000).await;
        app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
        let loan = app.credit_book(org).await.unwrap().loans[&1].loan.clone();
        for r in &loan.schedule.rows {
            app.repay_loan(
                org,
                &Actor::cli(),
                1,
                r.installment_minor,
                r.due_date,
                &format!("c-{}", r.number),
            )
            .await
            .unwrap();
        }
        let e = app.loan_eligibility(org, 1, m, 5_000_000).await.unwrap();
        assert_eq!(e.graduation_cap_minor, Some(1_500_000));
        assert_eq!(e.max_minor, 1_500_000);
        let mut next = application(2, Some(m), 1_500_001);
        next.terms.disbursement_date = day(2026, 8, 3);
        let d = board_approves(
            &app,
            org,
            ProposalKind::Loan,
            "loan:2",
            1_500_001,
            day(2026, 8, 1),
        )
        .await;
        let err = app
            .approve_loan(org, &Actor::cli(), next.clone(), d)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-5"), "{err}");
        next.terms.principal_minor = 1_500_000;
        let (loan2, _) = app.approve_loan(org, &Actor::cli(), next, d).await.unwrap();
        assert_eq!(loan2.loan.schedule.principal_minor, 1_500_000);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_fund_6_the_trust_pays_each_installment_on_its_due_date_once_and_the_member_replenishes()
{
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        approved_loan(&app, org, 1, Some(m), 1_000_000).await;
        app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
        let trust = |app: app::App| async move { app.fund_state(org).await.unwrap().trust.total() };
        let before = trust(app.clone()).await;
        // The day before the due date nothing is paid.
        let r = app
            .run_credit_day(Scope::Org(org), day(2025, 8, 31), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(r[0].installments_paid, 0);
        // On the due date the trust pays 916.80: 766.80 to the line, 150.00 of interest.
        let r = app
            .run_credit_day(Scope::Org(org), day(2025, 9, 1), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(
            (r[0].installments_paid, r[0].paid_minor),
            (1, 91_680),
            "{r:?}"
        );
        assert_eq!(trust(app.clone()).await, before - 91_680);
        let bal = |c: &'static str| {
            let app = app.clone();
            async move { app.store().account_balance(org, &code(c)).await.unwrap() }
        };
        assert_eq!(bal("lenders:nafin:line").await, -(1_000_000 - 76_680));
        assert_eq!(bal("odf:expense:line-interest").await, 15_000);
        // The member has not replenished: a notice names them and the amount.
        assert_eq!(r[0].notices.len(), 1);
        assert_eq!(r[0].notices[0].amount_minor, 91_680);
        assert_eq!(r[0].notices[0].borrower, fund::trust::Borrower::Member(m));
        // R-CRED-2: the line's review counts it as unresolved until the member pays.
        assert_eq!(
            app.unresolved_notices(org, day(2025, 9, 1)).await.unwrap(),
            1
        );
        // Running the same day again changes nothing.
        let again = app
            .run_credit_day(Scope::Org(org), day(2025, 9, 1), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(again[0].installments_paid, 0);
        assert_eq!(trust(app.clone()).await, before - 91_680);
        // The member pays the ODF: the money goes back into the trust; the notice is resolved.
        app.repay_loan(org, &Actor::cli(), 1, 91_680, day(2025, 9, 3), "rcpt-1")
            .await
            .unwrap();
        assert_eq!(trust(app.clone()).await, before);
        assert!(
            fund::trust::non_fulfilment_notices(&app.fund_state(org).await.unwrap()).is_empty()
        );
        assert_eq!(
            app.unresolved_notices(org, day(2025, 9, 3)).await.unwrap(),
            0
        );
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn delinquency_aging_and_par_follow_the_days_past_due() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        approved_loan(&app, org, 1, Some(m), 1_000_000).await;
        approved_loan(&app, org, 2, None, 3_000_000).await;
        app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
        app.disburse_loan(org, &Actor::cli(), 2).await.unwrap();
        // The ODF pays its first installment (30,000.00 → 2,750.40 at 1.5%) on time; the member
        // pays nothing. On 2025-10-31 the member's oldest row (2025-09-01) is 60 days late, the
        // ODF's (2025-10-01) 30 days: only the member's loan is in PAR30.
        let odf_first = app.credit_book(org).await.unwrap().loans[&2]
            .loan
            .schedule
            .rows[0];
        app.repay_loan(
            org,
            &Actor::cli(),
            2,
            odf_first.installment_minor,
            day(2025, 9, 1),
            "odf-1",
        )
        .await
        .unwrap();
        let q = app.loan_portfolio(org, day(2025, 10, 31)).await.unwrap();
        let odf_left = 3_000_000 - odf_first.principal_minor;
        assert_eq!(q.gross_portfolio_minor, 1_000_000 + odf_left);
        assert_eq!(q.par30.num_minor, 1_000_000);
        assert_eq!(q.par90.num_minor, 0);
        let bucket = q
            .aging
            .iter()
            .find(|b| b.bucket == credit::quality::AgingBucket::Days31To60)
            .unwrap();
        assert_eq!(
            (bucket.loans, bucket.outstanding_principal_minor),
            (1, 1_000_000)
        );
        // Repayment rate: paid on time / fell due = the ODF's one installment over all due.
        let member_due: i64 = 91_680 * 2;
        assert_eq!(q.repayment_rate.num_minor, odf_first.installment_minor);
        assert_eq!(
            q.repayment_rate.den_minor,
            member_due + odf_first.installment_minor * 2
        );
    })
    .await;
}

/// A kiln of MXN 12,000.00 leased over 12 months at the line's 18% from 2025-08-01: rent
/// 12,000 × 0.015 / (1 − 1.015^−12) = 1,100.1599… → 1,100.16; row 1 interest 180.00,
/// principal 920.16.
async fn kiln_lease(app: &app::App, org: i64, lessee: i64) {
    let d = board_approves(
        app,
        org,
        ProposalKind::Lease,
        "lease:1",
        1_200_000,
        day(2025, 7, 20),
    )
    .await;
    app.start_lease(
        org,
        &Actor::cli(),
        StartLeaseCmd {
            lease_id: 1,
            line_id: 1,
            asset_description: "Horno de gas para cerámica".into(),
            lessee,
            terms: credit::ScheduleInput::monthly(
                1_200_000,
                Decimal::new(18, 2),
                12,
                day(2025, 8, 1),
            ),
            purchase_price_minor: None,
            default_after_days: None,
        },
        d,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn r_lease_1_the_odf_buys_the_asset_with_credit_and_owns_it_until_the_purchase() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        kiln_lease(&app, org, m).await;
        let book = app.credit_book(org).await.unwrap();
        let lease = &book.leases[&1].lease;
        assert_eq!(lease.owner, credit::lease::AssetOwner::Odf);
        assert_eq!(lease.schedule.rows[0].installment_minor, 110_016);
        assert_eq!(book.lines[&1].line.drawn_minor, 1_200_000);
        let bal = |c: &'static str| {
            let app = app.clone();
            async move { app.store().account_balance(org, &code(c)).await.unwrap() }
        };
        assert_eq!(bal("odf:leased-assets").await, 1_200_000);
        app.pay_rent(org, &Actor::cli(), 1, 110_016, day(2025, 9, 1), "renta-1")
            .await
            .unwrap();
        assert_eq!(bal("odf:leased-assets").await, 1_200_000 - 92_016);
        assert_eq!(bal("odf:income:lease-interest").await, -18_000);
        // The purchase option opens only when every rent is paid.
        let err = app
            .exercise_lease_purchase(org, &Actor::cli(), 1, day(2025, 9, 2))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-LEASE-1"), "{err}");
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_lease_2_on_default_the_asset_passes_to_another_member_who_never_pays_twice() {
    for_each_backend(|app| async move {
        let (org, _) = union_with_line(&app).await;
        let ids = member_ids(&app, org, 3).await;
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        kiln_lease(&app, org, a).await;
        for (n, d) in [(1, day(2025, 9, 1)), (2, day(2025, 10, 1))] {
            app.pay_rent(org, &Actor::cli(), 1, 110_016, d, &format!("a-{n}"))
                .await
                .unwrap();
        }
        // Row 3 (2025-11-01) unpaid: on 2026-01-15 it is 75 days late, not yet a default.
        let err = app
            .transfer_lease(org, &Actor::cli(), 1, b, day(2026, 1, 15), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-LEASE-2"), "{err}");
        // A member who has left cannot take it over.
        app.record_leave(org, c, day(2025, 12, 31), "Se mudó", &app::Actor::cli())
            .await
            .unwrap();
        let err = app
            .transfer_lease(org, &Actor::cli(), 1, c, day(2026, 1, 31), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-LEASE-2"), "{err}");
        // On 2026-01-30 it is 90 days late: in default, it passes to B without a decision.
        assert_eq!(
            app.leases_in_default(org, day(2026, 1, 30))
                .await
                .unwrap()
                .len(),
            1
        );
        let (lease, _) = app
            .transfer_lease(org, &Actor::cli(), 1, b, day(2026, 1, 30), None)
            .await
            .unwrap();
        let l = &lease.lease;
        assert_eq!(l.lessee, b);
        assert_eq!(l.owner, credit::lease::AssetOwner::Odf);
        // Rows 1 and 2 stay paid (by A); B owes rows 3..12, the first now due 2026-02-01.
        assert!(l.book.rows[..2].iter().all(|r| r.is_settled()));
        assert_eq!(l.book.rows[2].due_date, day(2026, 2, 1));
        let paid_by_a: i64 = l
            .payments
            .iter()
            .filter(|(who, _)| *who == a)
            .map(|(_, al)| al.total.total())
            .sum();
        assert_eq!(paid_by_a, 2 * 110_016);
        let owed: i64 = l.book.rows.iter().map(|r| r.outstanding().total()).sum();
        assert_eq!(owed, l.schedule.totals.installments_minor - 2 * 110_016);
        // B pays the next rent; the history keeps who paid what.
        let (lease, _) = app
            .pay_rent(org, &Actor::cli(), 1, 110_016, day(2026, 2, 1), "b-1")
            .await
            .unwrap();
        assert_eq!(lease.lease.payments.last().unwrap().0, b);
        assert!(lease.lease.book.rows[2].is_settled());
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_demo_union_gets_its_line_loans_in_every_state_and_leases_and_loads_twice_the_same() {
    let app = apps().await.remove(0);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = 120;
    spec.dues_months = 1;
    app.load_demo(spec, 1, std::sync::Arc::new(|_| {}))
        .await
        .unwrap();
    let org = app.store().orgs().await.unwrap()[0].id;
    let book = app.credit_book(org).await.unwrap();
    let line = &book.lines[&1].line;
    // D = 250,000.00 → 500,000.00; on 2025-10-01 loan 3 is 61 days late: halved (R-CRED-2).
    assert_eq!(line.initial_deposit_minor, 25_000_000);
    assert_eq!(line.limit_history.len(), 2);
    assert_eq!(line.limit_minor, 25_000_000);
    use credit::loan::LoanStatus::*;
    let status: Vec<_> = book.loans.values().map(|l| l.loan.status).collect();
    assert_eq!(status, vec![Closed, Active, Active, Active]);
    assert_eq!(
        book.loans[&2].loan.schedule.principal_minor, 3_000_000,
        "graduated 1.5x"
    );
    let q = app.loan_portfolio(org, day(2025, 12, 31)).await.unwrap();
    assert_eq!(
        q.par90.num_minor,
        book.loans[&3].loan.outstanding_principal_minor()
    );
    assert_ne!(book.leases[&2].lease.lessee, book.leases[&1].lease.lessee);
    assert_eq!(
        book.leases[&2].lease.history.len(),
        4,
        "started, 2 rents, transferred"
    );
    let events = book.events.len();
    // Loading again writes nothing new.
    app.load_demo(spec, 1, std::sync::Arc::new(|_| {}))
        .await
        .unwrap();
    assert_eq!(app.credit_book(org).await.unwrap().events.len(), events);
    app.checked_trial_balance(org).await.unwrap();
}

/// MXN 3,000.00 at the line's 18% in 3 monthly rows of equal principal from 2025-08-01
/// (30/360: 1.5% a month): rows of 1,000.00 principal and 45.00, 30.00 and 15.00 interest,
/// due 2025-09-01, 2025-10-01 and 2025-11-01.
fn three_rows(loan_id: i64, member: Option<i64>) -> LoanApplication {
    let mut terms =
        credit::ScheduleInput::monthly(300_000, Decimal::new(18, 2), 3, day(2025, 8, 1));
    terms.method = credit::schedule::Method::EqualPrincipal;
    LoanApplication {
        loan_id,
        line_id: 1,
        borrower: member,
        terms,
        plan_recommended_minor: 5_000_000,
    }
}

async fn disbursed_three_rows(app: &app::App, org: i64, loan_id: i64, member: Option<i64>) {
    let d = board_approves(
        app,
        org,
        ProposalKind::Loan,
        &format!("loan:{loan_id}"),
        300_000,
        day(2025, 7, 20),
    )
    .await;
    app.approve_loan(org, &Actor::cli(), three_rows(loan_id, member), d)
        .await
        .unwrap();
    app.disburse_loan(org, &Actor::cli(), loan_id)
        .await
        .unwrap();
}

async fn run_day(app: &app::App, org: i64, on: chrono::NaiveDate) -> (u32, i64) {
    let r = app
        .run_credit_day(Scope::Org(org), on, &Actor::cli())
        .await
        .unwrap();
    assert!(r[0].not_covered.is_empty(), "{r:?}");
    (r[0].installments_paid, r[0].paid_minor)
}

#[tokio::test]
async fn r_fund_6_after_a_prepayment_the_trust_pays_what_is_due_then_not_the_approved_schedule() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        disbursed_three_rows(&app, org, 1, Some(m)).await;
        let trust = || {
            let app = app.clone();
            async move { app.fund_state(org).await.unwrap().trust.total() }
        };
        let bal = |c: &'static str| {
            let app = app.clone();
            async move { app.store().account_balance(org, &code(c)).await.unwrap() }
        };
        let before = trust().await;
        // 2025-08-20 the member pays 2,045.00: row 1 in full (1,000.00 + 45.00) and 1,000.00
        // of principal ahead, which takes row 3 away and lowers row 2's interest to
        // 1,000.00 × 1.5% = 15.00 (R-CRED-4: a prepayment shortens the term).
        app.repay_loan(org, &Actor::cli(), 1, 204_500, day(2025, 8, 20), "rcpt-1")
            .await
            .unwrap();
        // 2025-09-01: the trust pays row 1, 1,045.00; what the member paid puts it back.
        assert_eq!(run_day(&app, org, day(2025, 9, 1)).await, (1, 104_500));
        assert_eq!(trust().await, before);
        // 2025-10-01: row 2 as it stands now, 1,015.00, not the 1,030.00 approved.
        assert_eq!(run_day(&app, org, day(2025, 10, 1)).await, (1, 101_500));
        // 2025-11-01: row 3 was prepaid: nothing falls due, nothing is paid.
        assert_eq!(run_day(&app, org, day(2025, 11, 1)).await, (0, 0));
        // The lender got 2,000.00 of principal from the trust; the 1,000.00 prepaid is in the
        // ODF's bank for the ODF to repay its line with. Interest: 45.00 + 15.00.
        assert_eq!(bal("lenders:nafin:line").await, -100_000);
        assert_eq!(bal("odf:expense:line-interest").await, 6_000);
        // The trust paid 2,060.00 and got back 2,045.00: the member's shortfall is 15.00 until
        // row 2 is paid (1,015.00), which closes the loan and makes the trust whole.
        assert_eq!(trust().await, before - 1_500);
        app.repay_loan(org, &Actor::cli(), 1, 101_500, day(2025, 10, 5), "rcpt-2")
            .await
            .unwrap();
        assert_eq!(trust().await, before);
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(
            book.loan(1).unwrap().loan.status,
            credit::loan::LoanStatus::Closed
        );
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_fund_6_a_loan_to_the_odf_partly_paid_by_the_odf_gets_only_the_rest_from_the_trust() {
    for_each_backend(|app| async move {
        let (org, _) = union_with_line(&app).await;
        disbursed_three_rows(&app, org, 1, None).await;
        // The ODF pays 500.00 of row 1 itself (45.00 interest, 455.00 principal) ...
        app.repay_loan(org, &Actor::cli(), 1, 50_000, day(2025, 8, 20), "odf-1")
            .await
            .unwrap();
        // ... so on the due date the trust pays the other 545.00 of principal, no interest.
        assert_eq!(run_day(&app, org, day(2025, 9, 1)).await, (1, 54_500));
        let book = app.credit_book(org).await.unwrap();
        let ls = book.loan(1).unwrap();
        assert_eq!(ls.trust_paid.get(&1), Some(&(54_500, 0)));
        assert!(ls.loan.book.rows[0].is_settled());
        // The ODF now owes the trust the 545.00 it paid (R-FUND-6). Of 1,030.00 paid on
        // 2025-09-20, 545.00 replenishes the trust first and 485.00 pays row 2 ahead (30.00 of
        // interest, 455.00 of principal): on its due date the trust pays the other 545.00.
        let (ls, _) = app
            .repay_loan(org, &Actor::cli(), 1, 103_000, day(2025, 9, 20), "odf-2")
            .await
            .unwrap();
        assert_eq!(ls.replenished_minor, 54_500);
        assert_eq!(run_day(&app, org, day(2025, 10, 1)).await, (1, 54_500));
        // Replenished at once, then row 3 (1,015.00) paid in full ahead: the trust pays nothing.
        app.repay_loan(
            org,
            &Actor::cli(),
            1,
            54_500 + 101_500,
            day(2025, 10, 20),
            "odf-3",
        )
        .await
        .unwrap();
        assert_eq!(run_day(&app, org, day(2025, 11, 1)).await, (0, 0));
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(book.loan(1).unwrap().replenished_minor, 2 * 54_500);
        assert_eq!(book.lines[&1].line.drawn_minor, 0);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_fund_6_a_run_after_missed_days_pays_each_installment_on_its_own_due_date_once() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        disbursed_three_rows(&app, org, 1, Some(m)).await;
        // No run on 2025-09-01, 2025-10-01 or 2025-11-01: the run of 2025-11-05 catches up with
        // the three rows, 1,045.00 + 1,030.00 + 1,015.00.
        assert_eq!(run_day(&app, org, day(2025, 11, 5)).await, (3, 309_000));
        let book = app.credit_book(org).await.unwrap();
        // The run's credit event lists the installments, each with its own due date.
        let paid_on: Vec<_> = book
            .events
            .iter()
            .flat_map(|e| match e {
                app::credit_cases::CreditEvent::TrustPaidInstallments { rows, .. } => {
                    rows.iter().map(|r| (r.number(), r.on())).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(
            paid_on,
            vec![
                (1, day(2025, 9, 1)),
                (2, day(2025, 10, 1)),
                (3, day(2025, 11, 1))
            ]
        );
        // Every entry on the lender's line is dated when its installment fell due.
        let line_entries = || {
            let app = app.clone();
            async move {
                app.store()
                    .account_entries(org, &code("lenders:nafin:line"), store::Page::first(100))
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|e| e.entry.rule_id().as_str() == "R-FUND-6")
                    .map(|e| {
                        (
                            e.entry.date(),
                            e.entry.idempotency_key().as_str().to_string(),
                        )
                    })
                    .collect::<Vec<_>>()
            }
        };
        let dated = line_entries().await;
        assert_eq!(
            dated.len(),
            6,
            "a Fund entry and an interest entry per row: {dated:?}"
        );
        let mut dates: Vec<_> = dated.iter().map(|(d, _)| *d).collect();
        dates.sort();
        dates.dedup();
        assert_eq!(
            dates,
            vec![day(2025, 9, 1), day(2025, 10, 1), day(2025, 11, 1)],
            "{dated:?}"
        );
        // Running the same day again, or an earlier one, writes nothing.
        assert_eq!(run_day(&app, org, day(2025, 11, 5)).await, (0, 0));
        assert_eq!(run_day(&app, org, day(2025, 10, 1)).await, (0, 0));
        assert_eq!(line_entries().await, dated);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_fund_6_one_run_writes_one_entry_per_due_date_and_keeps_each_borrowers_shortfall() {
    for_each_backend(|app| async move {
        let (org, _) = union_with_line(&app).await;
        let members = member_ids(&app, org, 3).await;
        for (i, m) in members.iter().enumerate() {
            disbursed_three_rows(&app, org, i as i64 + 1, Some(*m)).await;
        }
        let trust = || {
            let app = app.clone();
            async move { app.fund_state(org).await.unwrap().trust.total() }
        };
        let bal = |c: &'static str| {
            let app = app.clone();
            async move { app.store().account_balance(org, &code(c)).await.unwrap() }
        };
        let before = trust().await;
        // 2025-09-01: row 1 of each loan, 1,000.00 + 45.00, three times.
        assert_eq!(run_day(&app, org, day(2025, 9, 1)).await, (3, 313_500));
        assert_eq!(trust().await, before - 313_500);
        // The line: 9,000.00 drawn, 3,000.00 repaid by the trust; 135.00 of interest.
        assert_eq!(bal("lenders:nafin:line").await, -600_000);
        assert_eq!(bal("odf:expense:line-interest").await, 13_500);
        // One Fund entry summing the three installments and one interest entry, not six.
        let run_entries: Vec<_> = app
            .store()
            .account_entries(org, &code("lenders:nafin:line"), store::Page::first(100))
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.rule_id().as_str() == "R-FUND-6")
            .map(|e| e.entry.reason().as_str().to_string())
            .collect();
        assert_eq!(
            run_entries,
            ["fund.trust.installment", "loan.trust-interest"],
            "{run_entries:?}"
        );
        // One credit event lists the three installments.
        let book = app.credit_book(org).await.unwrap();
        let batches: Vec<usize> = book
            .events
            .iter()
            .filter_map(|e| match e {
                app::credit_cases::CreditEvent::TrustPaidInstallments { rows, .. } => {
                    Some(rows.len())
                }
                _ => None,
            })
            .collect();
        assert_eq!(batches, [3]);
        // R-FUND-6: each borrower's shortfall is their own, 1,045.00.
        let notices = fund::trust::non_fulfilment_notices(&app.fund_state(org).await.unwrap());
        let mut named: Vec<_> = notices
            .iter()
            .map(|n| (n.borrower.clone(), n.amount_minor))
            .collect();
        named.sort_by_key(|(b, _)| format!("{b}"));
        let mut expected: Vec<_> = members
            .iter()
            .map(|m| (fund::trust::Borrower::Member(*m), 104_500))
            .collect();
        expected.sort_by_key(|(b, _)| format!("{b}"));
        assert_eq!(named, expected);
        // The first member pays: only their notice is resolved.
        app.repay_loan(org, &Actor::cli(), 1, 104_500, day(2025, 9, 3), "rcpt-1")
            .await
            .unwrap();
        let left = fund::trust::non_fulfilment_notices(&app.fund_state(org).await.unwrap());
        assert_eq!(left.len(), 2);
        assert!(left
            .iter()
            .all(|n| n.borrower != fund::trust::Borrower::Member(members[0])));
        // Delinquency: the other two are 2 days late on 2025-09-03 (the trust paying the
        // lender does not pay the member's row).
        let book = app.credit_book(org).await.unwrap();
        let q = credit::quality::portfolio_quality_of(
            book.loans.values().map(|l| &l.loan),
            day(2025, 9, 3),
        );
        let late: Vec<u32> = book
            .loans
            .values()
            .map(|l| credit::quality::days_past_due(&l.loan, day(2025, 9, 3)))
            .collect();
        assert_eq!(late, [0, 2, 2], "{q:?}");
        // The same day again writes nothing.
        assert_eq!(run_day(&app, org, day(2025, 9, 1)).await, (0, 0));
        assert_eq!(trust().await, before - 313_500 + 104_500);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn r_fund_6_two_runs_at_once_pay_each_installment_once() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        disbursed_three_rows(&app, org, 1, Some(m)).await;
        disbursed_three_rows(&app, org, 2, None).await;
        let trust = || {
            let app = app.clone();
            async move { app.fund_state(org).await.unwrap().trust.total() }
        };
        let before = trust().await;
        // A run for 2025-09-01 and a catch-up for 2025-11-05 at once: both read the same
        // state and claim the same slot; the store takes one, the other reads again and pays
        // what is left. Each of the six rows is paid once: 2 × (1,045.00 + 1,030.00 + 1,015.00).
        let actor = Actor::cli();
        let (a, b) = tokio::join!(
            app.run_credit_day(Scope::Org(org), day(2025, 9, 1), &actor),
            app.run_credit_day(Scope::Org(org), day(2025, 11, 5), &actor),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            a[0].installments_paid + b[0].installments_paid,
            6,
            "{a:?} {b:?}"
        );
        assert_eq!(a[0].paid_minor + b[0].paid_minor, 618_000);
        assert_eq!(trust().await, before - 618_000);
        let book = app.credit_book(org).await.unwrap();
        for id in [1, 2] {
            assert_eq!(book.loan(id).unwrap().trust_paid.len(), 3, "loan {id}");
        }
        // Two more at once for the same day: nothing more.
        let (a, b) = tokio::join!(
            app.run_credit_day(Scope::Org(org), day(2025, 11, 5), &actor),
            app.run_credit_day(Scope::Org(org), day(2025, 11, 5), &actor),
        );
        assert_eq!(
            a.unwrap()[0].installments_paid + b.unwrap()[0].installments_paid,
            0
        );
        assert_eq!(trust().await, before - 618_000);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn bad_input_a_zero_term_and_a_disbursement_without_the_boards_approval_write_nothing() {
    for_each_backend(|app| async move {
        let (org, m) = union_with_line(&app).await;
        let d = board_approves(
            &app,
            org,
            ProposalKind::Loan,
            "loan:1",
            1_000_000,
            day(2025, 7, 20),
        )
        .await;
        // Zero installments (R-CRED-4), even with the board's approval.
        let mut zero = application(1, Some(m), 1_000_000);
        zero.terms.installments = 0;
        let err = app
            .approve_loan(org, &Actor::cli(), zero, d)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-4"), "{err}");
        // A rate other than the line's 18% (R-CRED-4: the loan carries the line's rate).
        let mut other_rate = application(1, Some(m), 1_000_000);
        other_rate.terms.rate = credit::schedule::NominalRate::Annual(Decimal::new(250, 2));
        let err = app
            .approve_loan(org, &Actor::cli(), other_rate, d)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-4"), "{err}");
        // A loan the board never approved is not disbursed (R-GOV-2).
        let err = app.disburse_loan(org, &Actor::cli(), 1).await.unwrap_err();
        assert!(err.to_string().contains("R-GOV-2"), "{err}");
        assert!(err.is_caller_error(), "{err:?}");
        let book = app.credit_book(org).await.unwrap();
        assert!(book.loans.is_empty(), "nothing written");
        assert_eq!(book.line(1).unwrap().line.drawn_minor, 0);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}
