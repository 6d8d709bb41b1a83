//! R-FUND-6 for the ODF's own loan: after the trustee pays an installment of a loan to the ODF,
//! what the ODF pays replenishes the trust first (the notice of non-fulfilment is resolved),
//! and only what is left pays the loan. Figures worked out by hand in the comments.

mod credit_support;

use app::credit_cases::{LoanApplication, OpenLineCmd, Scope};
use app::{Actor, AppError};
use credit_support::*;
use governance::ProposalKind;
use rust_decimal::Decimal;

/// A line of 2 × 50,000.00 with "nafin" (see `union_with_deposits`), and a loan to the ODF of
/// 10,000.00 at 18 % for 12 months from 2025-08-01: i = 1.5 % a month, installment
/// 10,000 × 0.015 / (1 − 1.015^−12) = 916.7999… → 916.80; row 1: interest 150.00, principal
/// 766.80.
async fn odf_loan(app: &app::App) -> i64 {
    let org = union_with_deposits(app, 5).await;
    app.open_credit_line(
        org,
        &Actor::cli(),
        OpenLineCmd {
            line_id: 1,
            lender_code: "nafin".into(),
            annual_rate: Decimal::new(18, 2),
            requested_limit_minor: None,
            opened_on: day(2025, 7, 1),
            review: None,
        },
    )
    .await
    .unwrap();
    let d = board_approves(
        app,
        org,
        ProposalKind::Loan,
        "loan:1",
        1_000_000,
        day(2025, 7, 20),
    )
    .await;
    app.approve_loan(
        org,
        &Actor::cli(),
        LoanApplication {
            loan_id: 1,
            line_id: 1,
            borrower: None,
            terms: credit::ScheduleInput::monthly(
                1_000_000,
                Decimal::new(18, 2),
                12,
                day(2025, 8, 1),
            ),
            plan_recommended_minor: 1_000_000,
        },
        d,
    )
    .await
    .unwrap();
    app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
    org
}

#[tokio::test]
async fn r_fund_6_the_odf_replenishes_the_trust_for_its_own_loan_and_the_notice_is_resolved() {
    for_each_backend(|app| async move {
        let org = odf_loan(&app).await;
        let trust = || {
            let app = app.clone();
            async move { app.fund_state(org).await.unwrap().trust.total() }
        };
        let owed_to_lender = || {
            let app = app.clone();
            async move {
                -app.store()
                    .account_balance(org, &code("lenders:nafin:line"))
                    .await
                    .unwrap()
            }
        };
        let before = trust().await;
        let r = app
            .run_credit_day(Scope::Org(org), day(2025, 9, 1), &Actor::cli())
            .await
            .unwrap();
        assert_eq!((r[0].installments_paid, r[0].paid_minor), (1, 91_680));
        assert_eq!(r[0].notices.len(), 1, "{r:?}");
        assert_eq!(r[0].notices[0].borrower, fund::trust::Borrower::Odf);
        assert_eq!(r[0].notices[0].amount_minor, 91_680);
        assert_eq!(trust().await, before - 91_680);
        // The trust paid the lender 766.80 of principal: 10,000.00 − 766.80 = 9,233.20 owed.
        assert_eq!(owed_to_lender().await, 923_320);
        let book = app.credit_book(org).await.unwrap();
        assert_eq!(book.lines[&1].line.drawn_minor, 923_320);

        // The ODF pays 916.80: all of it goes back into the trust, none to the lender.
        let (loan, out) = app
            .repay_loan(org, &Actor::cli(), 1, 91_680, day(2025, 9, 3), "odf-1")
            .await
            .unwrap();
        assert!(out.created);
        assert_eq!(trust().await, before);
        assert_eq!(owed_to_lender().await, 923_320);
        assert_eq!(loan.replenished_minor, 91_680);
        assert_eq!(loan.loan.book.outstanding_principal_minor(), 923_320);
        assert!(
            fund::trust::non_fulfilment_notices(&app.fund_state(org).await.unwrap()).is_empty()
        );
        assert_eq!(
            app.unresolved_notices(org, day(2025, 9, 3)).await.unwrap(),
            0
        );
        // The same payment again is a no-op; the same reference with another amount a conflict.
        let (_, again) = app
            .repay_loan(org, &Actor::cli(), 1, 91_680, day(2025, 9, 3), "odf-1")
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(trust().await, before);
        let err = app
            .repay_loan(org, &Actor::cli(), 1, 50_000, day(2025, 9, 3), "odf-1")
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Store(store::StoreError::Conflict { .. })),
            "{err}"
        );

        // Second installment paid by the trust on 2025-10-01; the ODF then pays 1,000.00:
        // 916.80 replenishes the trust and the remaining 83.20 pays the loan itself.
        app.run_credit_day(Scope::Org(org), day(2025, 10, 1), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(trust().await, before - 91_680);
        let drawn_before = app.credit_book(org).await.unwrap().lines[&1]
            .line
            .drawn_minor;
        let (loan, _) = app
            .repay_loan(org, &Actor::cli(), 1, 100_000, day(2025, 10, 2), "odf-2")
            .await
            .unwrap();
        assert_eq!(trust().await, before);
        assert_eq!(loan.replenished_minor, 2 * 91_680);
        let paid_to_loan: i64 = loan
            .loan
            .payments
            .iter()
            .filter(|p| p.key.contains(":pay:"))
            .map(|p| p.amount_minor)
            .sum();
        assert_eq!(paid_to_loan, 100_000 - 91_680);
        // The line and the ledger agree on what the ODF still owes the lender.
        let book = app.credit_book(org).await.unwrap();
        let drawn = book.lines[&1].line.drawn_minor;
        assert!(drawn <= drawn_before);
        assert_eq!(owed_to_lender().await, drawn);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}
