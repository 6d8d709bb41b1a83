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

/// Issue 15: writers of the Fund that do not contradict each other are never refused when
/// sent at once; the one that loses the Fund's slot decides again. Four members each owe
/// 500.00 of contribution and 500.00 of profit share (August: 15,000.00 of revenue and
/// 4,000.00 of profit against a baseline of 10,000.00 and 2,000.00; R-FUND-1, R-PLAN-3); at
/// the same moment their four collection forms pay it, the daily run pays the ODF's 812.00,
/// a grant of 100.00 arrives, 50.00 is spent on a fair and September (without reports) is
/// closed. Every one succeeds, in whatever order, and the trust ends with
/// 500.00 + 4 × 250.00 + 50.00 − 406.00 = 1,144.00 in Development and
/// 500.00 + 4 × 250.00 + 50.00 − 406.00 − 50.00 = 1,094.00 in Competition (the installment
/// is aimed at half per sub-fund and each holds at least 406.00 in any order).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fund_writers_sent_at_once_are_all_served() {
    use app::fund_cases::{CloseOptions, ReportInput};
    use fund::{Period, Reporter};
    for app in apps().await {
        let (org, fair) = trust_with_enough_for_one(&app).await;
        let m = member_ids(&app, org, 4).await;
        let audit = app::fund_cases::Audit::cli();
        let august = Period::month(2025, 8).unwrap();
        for &member in &m {
            app.agree_plan(
                org,
                doubling_plan(member, 1_000_000, 200_000),
                day(2025, 1, 20),
                &audit,
            )
            .await
            .unwrap();
            let report = ReportInput {
                member_id: member,
                revenue_minor: 1_500_000,
                profit_minor: 400_000,
                reported_by: Reporter::Member,
            };
            app.file_report(org, august, report, None, day(2025, 9, 5), &audit)
                .await
                .unwrap();
        }
        app.close_period(
            org,
            august,
            day(2025, 9, 5),
            CloseOptions::default(),
            &audit,
        )
        .await
        .unwrap();
        let on = day(2025, 9, 10);
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(m.len() + 4));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, &member) in m.iter().enumerate() {
            let (app, start) = (app.clone(), start.clone());
            tasks.spawn(async move {
                start.wait().await;
                let line = app::dues_cases::CollectionLine {
                    member_id: member,
                    dues_minor: 0,
                    loan_minor: 0,
                    fund_minor: 100_000,
                };
                let out = app
                    .record_collection(org, &format!("hoja-{i}"), on, &[line], &Actor::cli())
                    .await?;
                assert_eq!(out.fund_minor, 100_000);
                Ok::<_, app::AppError>(format!("hoja-{i}"))
            });
        }
        let (a, s) = (app.clone(), start.clone());
        tasks.spawn(async move {
            s.wait().await;
            let r = a.run_credit_day(Scope::Org(org), on, &Actor::cli()).await?;
            assert_eq!(r[0].installments_paid, 1, "{r:?}");
            Ok("run".to_string())
        });
        let (a, s) = (app.clone(), start.clone());
        tasks.spawn(async move {
            s.wait().await;
            a.receive_grant(org, "G-2", "Nafin", 10_000, on, &audit_cli())
                .await?;
            Ok("grant".to_string())
        });
        let (a, s) = (app.clone(), start.clone());
        tasks.spawn(async move {
            s.wait().await;
            a.spend_competition(
                org,
                "feria-2",
                CompetitionCategory::TradeFairsAndSalesPromotion,
                "Feria",
                5_000,
                Some(fair),
                on,
                &audit_cli(),
            )
            .await?;
            Ok("spend".to_string())
        });
        let (a, s) = (app.clone(), start.clone());
        tasks.spawn(async move {
            s.wait().await;
            let r = a
                .close_period(
                    org,
                    Period::month(2025, 9).unwrap(),
                    day(2025, 10, 1),
                    CloseOptions::default(),
                    &audit_cli(),
                )
                .await?;
            assert!(!r.already_closed);
            Ok("close".to_string())
        });
        let mut served = Vec::new();
        while let Some(done) = tasks.join_next().await {
            served.push(done.unwrap().unwrap_or_else(|e| panic!("refused: {e}")));
        }
        assert_eq!(served.len(), m.len() + 4);
        assert_eq!(
            trust_in_ledger(&app, org).await,
            Split::new(
                50_000 + 4 * 25_000 + 5_000 - 40_600,
                50_000 + 4 * 25_000 + 5_000 - 40_600 - 5_000
            )
        );
        let check = app.check_books(org).await.unwrap();
        assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    }
}

fn audit_cli() -> app::fund_cases::Audit {
    app::fund_cases::Audit::cli()
}

/// A close too large for one commit (chunks of 2 members here) while grants keep arriving: a
/// grant committed between two of its chunks takes the Fund's slot the next chunk claims, and
/// the close reads again and resumes from what it committed (the start is not recorded
/// twice), never refused. Ten members each owe 500.00 of contribution (August: 15,000.00
/// against a baseline of 10,000.00, R-FUND-1): 2,500.00 per sub-fund, plus 500.00 of the first
/// grant and 5.01 + 5.00 of each grant of 10.01 (the odd centavo to Development, R-FUND-2).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_chunked_close_among_grants_resumes_after_losing_the_funds_slot() {
    use app::fund_cases::CloseOptions;
    use std::sync::atomic::{AtomicBool, Ordering};
    for app in apps().await {
        for round in 0..4 {
            let org = ten_reported_in_august(&app).await;
            let (audit, august) = (audit_cli(), august());
            let closed = std::sync::Arc::new(AtomicBool::new(false));
            let grants = {
                let (app, closed) = (app.clone(), closed.clone());
                tokio::spawn(async move {
                    let mut n = 0i64;
                    while !closed.load(Ordering::SeqCst) && n < 200 {
                        app.receive_grant(
                            org,
                            &format!("G-{n}"),
                            "Nafin",
                            1_001,
                            day(2025, 9, 10),
                            &audit_cli(),
                        )
                        .await
                        .unwrap();
                        n += 1;
                    }
                    n
                })
            };
            let close = CloseOptions {
                chunk_members: 2,
                ..CloseOptions::default()
            };
            let r = app
                .close_period(org, august, day(2025, 9, 10), close, &audit)
                .await
                .unwrap_or_else(|e| panic!("round {round}: refused: {e}"));
            closed.store(true, Ordering::SeqCst);
            let n = grants.await.unwrap();
            eprintln!("round {round}: {n} grants while the close ran");
            assert!(!r.already_closed);
            let sub = app.fund_state(org).await.unwrap().sub_funds();
            assert_eq!(
                sub,
                Split::new(
                    10 * 25_000 + 50_000 + n * 501,
                    10 * 25_000 + 50_000 + n * 500
                ),
                "round {round}"
            );
            let check = app.check_books(org).await.unwrap();
            assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
        }
    }
}

fn august() -> fund::Period {
    fund::Period::month(2025, 8).unwrap()
}

/// A union of ten members founded with a grant of 1,000.00, each with a plan (baseline
/// 10,000.00 of revenue, 2,000.00 of profit) and an August of 15,000.00 and 4,000.00: each
/// close line makes 500.00 of contribution owed (R-FUND-1), 250.00 per sub-fund.
async fn ten_reported_in_august(app: &App) -> i64 {
    let org = union_with_grants(app, 10, &[(10, 100_000)]).await;
    let audit = audit_cli();
    for member in member_ids(app, org, 10).await {
        app.agree_plan(
            org,
            doubling_plan(member, 1_000_000, 200_000),
            day(2025, 1, 20),
            &audit,
        )
        .await
        .unwrap();
        let report = app::fund_cases::ReportInput {
            member_id: member,
            revenue_minor: 1_500_000,
            profit_minor: 400_000,
            reported_by: fund::Reporter::Member,
        };
        app.file_report(org, august(), report, None, day(2025, 9, 5), &audit)
            .await
            .unwrap();
    }
    org
}

/// Two closes of one period in chunks of different sizes (2 and 3 members), sent at once:
/// their chunks differ, so one takes the Fund's slot with lines the other did not count; the
/// other computes again on what was posted (its start already recorded, not recorded twice)
/// and goes on or finds the period closed. Neither is refused, and every member's 500.00 is
/// posted once: 10 × 250.00 + 500.00 of the grant per sub-fund.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_chunked_closes_of_one_period_at_once_post_each_member_once() {
    use app::fund_cases::CloseOptions;
    for app in apps().await {
        for round in 0..4 {
            let org = ten_reported_in_august(&app).await;
            let close = |chunk_members: usize| {
                let app = app.clone();
                tokio::spawn(async move {
                    let options = CloseOptions {
                        chunk_members,
                        ..CloseOptions::default()
                    };
                    app.close_period(org, august(), day(2025, 9, 10), options, &audit_cli())
                        .await
                })
            };
            let (a, b) = (close(2), close(3));
            let (a, b) = (a.await.unwrap(), b.await.unwrap());
            let (a, b) = (
                a.unwrap_or_else(|e| panic!("round {round}: refused: {e}")),
                b.unwrap_or_else(|e| panic!("round {round}: refused: {e}")),
            );
            assert!(!(a.already_closed && b.already_closed), "round {round}");
            let sub = app.fund_state(org).await.unwrap().sub_funds();
            assert_eq!(
                sub,
                Split::new(10 * 25_000 + 50_000, 10 * 25_000 + 50_000),
                "round {round}"
            );
            let check = app.check_books(org).await.unwrap();
            assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
        }
    }
}

/// R-FUND-1, R-PLAN-3: two payments of everything a member owes, under different references,
/// sent at once: the second reads what the first paid, so the member pays 500.00 of
/// contribution and 500.00 of profit share once, never twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_payments_of_a_members_debts_at_once_pay_them_once() {
    use app::fund_cases::CloseOptions;
    for app in apps().await {
        for round in 0..4 {
            let org = ten_reported_in_august(&app).await;
            app.close_period(
                org,
                august(),
                day(2025, 9, 10),
                CloseOptions::default(),
                &audit_cli(),
            )
            .await
            .unwrap();
            let member = member_ids(&app, org, 1).await[0];
            let pay = |reference: &'static str| {
                let app = app.clone();
                tokio::spawn(async move {
                    app.settle_member_debts(
                        org,
                        member,
                        reference,
                        None,
                        false,
                        day(2025, 9, 10),
                        &audit_cli(),
                    )
                    .await
                    .unwrap()
                })
            };
            let (a, b) = (pay("P-a"), pay("P-b"));
            let (a, b) = (a.await.unwrap(), b.await.unwrap());
            assert_eq!(
                (
                    a.contribution_minor + b.contribution_minor,
                    a.profit_share_minor + b.profit_share_minor
                ),
                (50_000, 50_000),
                "round {round}: {a:?} {b:?}"
            );
            let state = app.fund_state(org).await.unwrap();
            let m = state.member(member);
            assert_eq!(
                (m.paid.total(), m.profit_share_paid_minor),
                (50_000, 50_000)
            );
            let check = app.check_books(org).await.unwrap();
            assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
        }
    }
}
