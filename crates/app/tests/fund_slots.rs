//! Every writer that spends from the Fund claims the Fund's slot (ARCHITECTURE.md, "slots"):
//! the credit daily run's trust payment (R-FUND-6) and a Competition expense (R-FUND-3) sent at
//! the same moment against a trust that holds enough for either, never for both, never
//! together take the trust's cash below zero. Both backends; figures worked out by hand in the
//! comments.

mod credit_support;

use app::credit_cases::{LoanApplication, OpenLineCmd, Scope};
use app::{Actor, App};
use credit_support::*;
use fund::{CompetitionCategory, Split};
use governance::ProposalKind;
use rust_decimal::Decimal;

/// Rounds per backend: each a fresh organisation, both writers sent at once.
const ROUNDS: usize = 8;

/// One grant of 1,000.00 ten days after the founding: the trust holds 500.00 per sub-fund
/// (R-FUND-2), the line's limit is 2 × 1,000.00 (R-CRED-1). A loan to the ODF of 800.00 at 18 %
/// for one month from 2025-08-01: one row on 2025-09-01 of 800.00 + 800.00 × 1.5 % = 812.00. A
/// board decision authorises 200.00 of Competition spending (R-FUND-3). Answers the
/// organisation and that decision.
async fn trust_with_enough_for_one(app: &App) -> (i64, i64) {
    let org = union_with_grants(app, 5, &[(10, 100_000)]).await;
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
    let loan = board_approves(
        app,
        org,
        ProposalKind::Loan,
        "loan:1",
        80_000,
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
            terms: credit::ScheduleInput::monthly(80_000, Decimal::new(18, 2), 1, day(2025, 8, 1)),
            plan_recommended_minor: 80_000,
        },
        loan,
    )
    .await
    .unwrap();
    app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
    let fair = board_approves(
        app,
        org,
        ProposalKind::Expenditure,
        "feria",
        20_000,
        day(2025, 8, 20),
    )
    .await;
    (org, fair)
}

async fn trust_in_ledger(app: &App, org: i64) -> Split {
    let balance = |c: &'static str| {
        let app = app.clone();
        async move { app.store().account_balance(org, &code(c)).await.unwrap() }
    };
    Split::new(
        balance("fund:trust-bank:development").await,
        balance("fund:trust-bank:competition").await,
    )
}

/// R-FUND-6 against R-FUND-3. Before: 500.00 + 500.00 in the trust. The installment of 812.00
/// is paid aiming at half per sub-fund (406.00 + 406.00: each sub-fund holds it); the expense
/// of 200.00 comes from Competition. Alone each passes; one after the other:
/// - installment first: Competition keeps 500.00 − 406.00 = 94.00 < 200.00, the expense is
///   refused (R-FUND-3, amount); the trust holds 94.00 + 94.00;
/// - expense first: the trust holds 500.00 + 300.00 = 800.00 < 812.00, the installment is not
///   covered (the ODF pays its lender itself); the trust holds 500.00 + 300.00.
///
/// Both together would leave Competition at 500.00 − 406.00 − 200.00 = −106.00.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_fund_6_a_trust_payment_and_an_expense_sent_at_once_never_overdraw_the_trust() {
    for app in apps().await {
        let mut both = 0;
        let mut outcomes = Vec::new();
        for round in 0..ROUNDS {
            let (org, fair) = trust_with_enough_for_one(&app).await;
            assert_eq!(trust_in_ledger(&app, org).await, Split::new(50_000, 50_000));
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            let run = {
                let (app, start) = (app.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    app.run_credit_day(Scope::Org(org), day(2025, 9, 1), &Actor::cli())
                        .await
                })
            };
            let spend = {
                let (app, start) = (app.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    app.spend_competition(
                        org,
                        &format!("feria-{round}"),
                        CompetitionCategory::TradeFairsAndSalesPromotion,
                        "Feria de Tlaquepaque",
                        20_000,
                        Some(fair),
                        day(2025, 9, 1),
                        &app::fund_cases::Audit::cli(),
                    )
                    .await
                })
            };
            let report = run.await.unwrap().unwrap().remove(0);
            let spent = match spend.await.unwrap() {
                Ok(_) => true,
                Err(e) => {
                    assert_eq!(
                        (e.rule_id(), e.field()),
                        (Some("R-FUND-3"), Some("amount")),
                        "{e}"
                    );
                    false
                }
            };
            let paid = report.installments_paid == 1;
            let trust = trust_in_ledger(&app, org).await;
            outcomes.push((paid, spent, trust));
            if paid && spent {
                both += 1;
                continue;
            }
            let expected = match (paid, spent) {
                (true, false) => Split::new(50_000 - 40_600, 50_000 - 40_600),
                (false, true) => {
                    assert_eq!(report.not_covered.len(), 1, "{report:?}");
                    assert_eq!(report.not_covered[0].amount_minor, 81_200);
                    Split::new(50_000, 50_000 - 20_000)
                }
                _ => panic!("round {round}: neither the installment nor the expense passed"),
            };
            assert_eq!(trust, expected, "round {round}");
            assert_eq!(app.fund_state(org).await.unwrap().trust, expected);
            let check = app.check_books(org).await.unwrap();
            assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
        }
        assert_eq!(
            both, 0,
            "rounds where both passed and overdrew the trust (paid, spent, trust): {outcomes:?}"
        );
    }
}

/// `check_books` finds a trust account below zero (what two writers spending the same cash
/// would leave): 600.00 moved by hand from Competition to Development leaves Competition at
/// 500.00 − 600.00 = −100.00; the finding expects 0 and finds −100.00.
#[tokio::test]
async fn check_books_finds_a_trust_account_below_zero() {
    for app in apps().await {
        let org = union_with_grants(&app, 5, &[(10, 100_000)]).await;
        let draft = ledger::EntryDraft {
            idempotency_key: "a-mano".into(),
            reason: "prueba".into(),
            rule_id: "R-FUND-6".into(),
            date: day(2025, 9, 1),
            memo: "A mano".into(),
            postings: vec![
                ledger::Posting::new(
                    code("fund:trust-bank:development"),
                    ledger::Money::mxn(60_000),
                ),
                ledger::Posting::new(
                    code("fund:trust-bank:competition"),
                    ledger::Money::mxn(-60_000),
                ),
            ],
            reverses: None,
        };
        let entry = draft.validate(|_| Some(ledger::Currency::MXN)).unwrap();
        app.store()
            .commit(
                org,
                &store::Commit {
                    entries: vec![entry],
                    ..store::Commit::default()
                },
            )
            .await
            .unwrap();
        let check = app.check_books(org).await.unwrap();
        let below: Vec<_> = check
            .failures()
            .filter(|f| f.detail.contains("no negativo"))
            .map(|f| (f.detail.as_str(), f.expected, f.found))
            .collect();
        assert_eq!(
            below,
            [("fund:trust-bank:competition no negativo", 0, -10_000)]
        );
    }
}
