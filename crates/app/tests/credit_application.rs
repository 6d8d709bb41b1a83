//! Loan applications (issue 18): the simulator's terms at the line's rate, the board's
//! proposal opened in the same commit (R-GOV-2), the disbursement only after the board
//! approved, each step idempotent; on both backends.

mod credit_support;

use app::credit_cases::{LoanRequest, OpenLineCmd, QuoteForm};
use app::Actor;
use credit_support::*;
use governance::{ProposalKind, Vote};
use rust_decimal::Decimal;

fn request(member_id: i64, amount: &str, token: &str) -> LoanRequest {
    LoanRequest {
        member_id,
        // The rate typed (99 %) is not the line's: the application takes the line's 18 %.
        form: QuoteForm::new(amount, "99", "12", "2025-08-01"),
        plan_recommended_minor: None,
        token: token.into(),
    }
}

/// Every board seat votes `vote` on the proposal, and the vote is closed.
async fn board_votes(app: &app::App, org: i64, proposal_id: i64, vote: Vote) -> bool {
    let seats: Vec<i64> = app
        .store()
        .roles(org)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.role == registry::Role::BoardMember && r.until.is_none())
        .map(|r| r.id)
        .collect();
    for seat in seats {
        app.cast_vote(org, &Actor::cli(), proposal_id, seat, vote, day(2025, 8, 1))
            .await
            .unwrap();
    }
    app.close_vote(org, &Actor::cli(), proposal_id, day(2025, 8, 1))
        .await
        .unwrap()
        .approved
}

#[tokio::test]
async fn an_application_opens_the_proposal_and_is_disbursed_only_once_approved() {
    for_each_backend(|app| async move {
        let org = union_with_deposits(&app, 5).await;
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
        let m = member_ids(&app, org, 2).await;
        let today = day(2025, 8, 1);
        let proposals = app.proposals(org).await.unwrap().len();
        let (a, created) = app
            .apply_for_loan(org, &Actor::cli(), request(m[0], "10000", "sol-1"), today)
            .await
            .unwrap();
        assert!(created);
        assert_eq!(a.loan_id, 1);
        assert_eq!(a.terms.principal_minor, 1_000_000);
        assert_eq!(
            a.terms.annual_rate.0,
            Decimal::new(18, 2),
            "the line's rate"
        );
        let p = app.proposal(org, a.proposal_id).await.unwrap().proposal;
        assert_eq!(p.kind, ProposalKind::Loan);
        assert_eq!(p.subject, "loan:1");
        assert_eq!(p.amount_minor, 1_000_000);
        // The same token again answers the first application and writes nothing.
        let (again, created) = app
            .apply_for_loan(org, &Actor::cli(), request(m[0], "10000", "sol-1"), today)
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(again, a);
        assert_eq!(app.proposals(org).await.unwrap().len(), proposals + 1);
        // Not before the board decided (R-GOV-2).
        let err = app
            .disburse_applied_loan(org, &Actor::cli(), 1, today)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-GOV-2"), "{err}");
        assert!(app.credit_book(org).await.unwrap().loans.is_empty());
        assert!(board_votes(&app, org, a.proposal_id, Vote::For).await);
        let (loan, out) = app
            .disburse_applied_loan(org, &Actor::cli(), 1, today)
            .await
            .unwrap();
        assert!(out.created);
        assert_eq!(loan.loan.status, credit::loan::LoanStatus::Active);
        // 10,000.00 at 18 % a year for 12 months: i = 1.5 % a month, installment
        // 10,000 x 0.015 / (1 - 1.015^-12) = 916.7999... -> 916.80.
        assert_eq!(loan.loan.schedule.rows[0].installment_minor, 91_680);
        assert_eq!(
            app.store()
                .account_balance(org, &code("lenders:nafin:line"))
                .await
                .unwrap(),
            -1_000_000
        );
        let (_, again) = app
            .disburse_applied_loan(org, &Actor::cli(), 1, today)
            .await
            .unwrap();
        assert!(!again.created, "disbursed once");

        // A second application, rejected by the board, is never disbursed.
        let (b, _) = app
            .apply_for_loan(org, &Actor::cli(), request(m[1], "5000", "sol-2"), today)
            .await
            .unwrap();
        assert_eq!(b.loan_id, 2);
        assert!(!board_votes(&app, org, b.proposal_id, Vote::Against).await);
        let err = app
            .disburse_applied_loan(org, &Actor::cli(), 2, today)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-GOV-2"), "{err}");

        // More than the line has available is refused now (R-CRED-1), nothing written: the
        // line is 2 x 50,000.00 and 10,000.00 is drawn.
        let before = app.loan_applications(org).await.unwrap().len();
        let err = app
            .apply_for_loan(
                org,
                &Actor::cli(),
                request(m[1], "90000.01", "sol-3"),
                today,
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("R-CRED-1"), "{err}");
        assert_eq!(app.loan_applications(org).await.unwrap().len(), before);
        // A start before the day it is asked.
        let mut early = request(m[1], "1000", "sol-4");
        early.form.start = "2025-07-15".into();
        let err = app
            .apply_for_loan(org, &Actor::cli(), early, today)
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("start"));
        assert!(app.check_books(org).await.unwrap().ok());
    })
    .await;
}
