//! Credit use cases against a store (R-CRED-1, R-CRED-2, R-CRED-6 lines; R-CRED-3..5 loans;
//! R-LEASE-1/2 leases), with hand-computed figures. State is the fold of the `credit` events,
//! money is the ledger: every test ends with the trial balance checked.

mod credit_support;

use app::credit_cases::{Audit, OpenLineCmd, ReviewSetting};
use app::AppError;
use credit_support::*;
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
            .open_credit_line(org, &Audit::cli(), open_cmd(Some(2 * D + 1)))
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
            .open_credit_line(org, &Audit::cli(), open_cmd(None))
            .await
            .unwrap();
        assert!(out.created);
        assert_eq!(line.line.limit_minor, 2 * D);
        assert_eq!(line.line.initial_deposit_minor, D);
        assert!(line.deposits_source.contains("fund:trust-bank"));
        // The same command again is a no-op; the same line with other terms is a conflict.
        let (_, again) = app
            .open_credit_line(org, &Audit::cli(), open_cmd(None))
            .await
            .unwrap();
        assert!(!again.created);
        let err = app
            .open_credit_line(org, &Audit::cli(), open_cmd(Some(D)))
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
        app.open_credit_line(org, &Audit::cli(), open_cmd(None))
            .await
            .unwrap();
        // A review before it is due is refused.
        let err = app
            .review_credit_line(org, &Audit::cli(), 1, day(2025, 12, 31))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-2"), "{err}");
        // Six reviews to month 36: 2D → 4D, 8D, 16D, 32D, 64D (month 30), then capped.
        let done = app
            .review_credit_line_through(org, &Audit::cli(), 1, day(2028, 7, 1))
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
            app.review_credit_line_through(org, &Audit::cli(), 1, day(2028, 7, 1))
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
        app.open_credit_line(org, &Audit::cli(), cmd).await.unwrap();
        // Above the available limit is refused (R-CRED-1), nothing written.
        let err = app
            .draw_credit_line(org, &Audit::cli(), 1, 2 * D + 1, day(2025, 7, 2), "d-0")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-1"), "{err}");
        app.draw_credit_line(org, &Audit::cli(), 1, 9_000_000, day(2025, 7, 2), "d-1")
            .await
            .unwrap();
        // Halving 100,000.00 gives 50,000.00, below the 90,000.00 drawn: floored at 90,000.00.
        let (line, _) = app
            .review_credit_line(org, &Audit::cli(), 1, day(2026, 1, 1))
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
                &Audit::cli(),
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
        app.open_credit_line(org, &Audit::cli(), open_cmd(None))
            .await
            .unwrap();
        app.draw_credit_line(org, &Audit::cli(), 1, 3_000_000, day(2025, 7, 2), "d-1")
            .await
            .unwrap();
        let (line, out) = app
            .transfer_credit_line(org, &Audit::cli(), 1, "banco-rural", day(2025, 9, 1))
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
            .transfer_credit_line(org, &Audit::cli(), 1, "banco-rural", day(2025, 9, 2))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-6"), "{err}");
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}
