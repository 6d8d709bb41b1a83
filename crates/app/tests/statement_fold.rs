//! Statements that stay fast while members write (issue 15, `app::statement_fold`): after any
//! sequence of writes (reports, corrections, closes, the Fund's grants, payments and
//! withdrawals, plan changes, loans, a member leaving), every member's statement read from the
//! kept fold, which applies only the events appended since its last read, equals the statement
//! read from scratch (`App::member_fund_statement`, `App::credit_book`), compared after every
//! step; and a statement whose version did not move is still the statement from scratch (what
//! lets a cache keep it while other members report). On SQLite and PostgreSQL.

mod common;

use app::credit_cases::{LoanApplication, OpenLineCmd};
use app::fund_cases::statements::MemberFundPart;
use app::fund_cases::{CloseOptions, PlanCommand};
use app::statement_fold::StatementFolds;
use app::{Actor, App, AppError};
use common::*;
use fund::{PlanStatus, WithdrawalPurpose};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use store::{MemberId, OrgId};

const MEMBERS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    /// A member's report for a month (a correction when the month has one).
    Report {
        member: usize,
        month: u32,
        revenue: i64,
        profit: i64,
    },
    Close {
        month: u32,
    },
    Grant {
        amount: i64,
    },
    Pay {
        member: usize,
    },
    Withdraw {
        member: usize,
        amount: i64,
    },
    /// R-PLAN-1: the member's plan ends (failed) and, when `again`, a new one is agreed.
    Plan {
        member: usize,
        again: bool,
        revenue: i64,
    },
    /// R-CRED-3: a loan to the member, approved by the board and disbursed.
    Loan {
        member: usize,
        amount: i64,
    },
    Leave {
        member: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..MEMBERS, 1u32..5, 0i64..3_000_000, -500_000i64..1_000_000)
            .prop_map(|(member, month, revenue, profit)| Op::Report { member, month, revenue, profit }),
        2 => (1u32..5).prop_map(|month| Op::Close { month }),
        1 => (1i64..500_000).prop_map(|amount| Op::Grant { amount }),
        1 => (0..MEMBERS).prop_map(|member| Op::Pay { member }),
        1 => (0..MEMBERS, 1i64..20_000).prop_map(|(member, amount)| Op::Withdraw { member, amount }),
        1 => (0..MEMBERS, any::<bool>(), 100_000i64..2_000_000)
            .prop_map(|(member, again, revenue)| Op::Plan { member, again, revenue }),
        1 => (0..MEMBERS, 10_000i64..500_000).prop_map(|(member, amount)| Op::Loan { member, amount }),
        1 => (0..MEMBERS).prop_map(|member| Op::Leave { member }),
    ]
}

/// A refusal by a rule is an expected outcome of a random command; anything else is a bug.
fn allow_refusal<T>(r: Result<T, AppError>) {
    if let Err(e) = r {
        assert!(e.is_caller_error(), "unexpected failure: {e}");
    }
}

/// Members with plans, a board, the Fund's first deposits and a credit line.
async fn union(app: &App) -> (OrgId, Vec<MemberId>, Vec<i64>) {
    let (org, m) = org_with_members(app, "estados", MEMBERS).await;
    for (i, &member) in m.iter().enumerate() {
        agree(app, org, member, 1_000_000 + 100_000 * i as i64, 300_000).await;
    }
    let seats = seat_board(app, org, &m[..3]).await;
    app.receive_grant(
        org,
        "inicial",
        "Fundación",
        4_000_000,
        d(2025, 2, 1),
        &audit(),
    )
    .await
    .unwrap();
    app.open_credit_line(
        org,
        &Actor::cli(),
        OpenLineCmd {
            line_id: 1,
            lender_code: "nafin".into(),
            annual_rate: Decimal::new(18, 2),
            requested_limit_minor: None,
            opened_on: d(2025, 7, 1),
            review: None,
        },
    )
    .await
    .unwrap();
    (org, m, seats)
}

async fn apply(app: &App, org: OrgId, m: &[MemberId], seats: &[i64], n: usize, op: Op) {
    let a = audit();
    match op {
        Op::Report {
            member,
            month,
            revenue,
            profit,
        } => {
            let period = p(2026, month);
            let input = figures(m[member], revenue, profit);
            let has = app
                .effective_reports(org, period)
                .await
                .unwrap()
                .contains_key(&m[member]);
            if has {
                allow_refusal(
                    app.correct_report(org, period, input, "corrección", today(), &a)
                        .await,
                );
            } else {
                allow_refusal(app.file_report(org, period, input, None, today(), &a).await);
            }
        }
        Op::Close { month } => allow_refusal(
            app.close_period(
                org,
                p(2026, month),
                today(),
                CloseOptions {
                    chunk_members: 2,
                    ..CloseOptions::default()
                },
                &a,
            )
            .await,
        ),
        Op::Grant { amount } => allow_refusal(
            app.receive_grant(org, &format!("G-{n}"), "Donante", amount, today(), &a)
                .await,
        ),
        Op::Pay { member } => allow_refusal(
            app.settle_member_debts(org, m[member], &format!("P-{n}"), None, false, today(), &a)
                .await,
        ),
        Op::Withdraw { member, amount } => allow_refusal(
            app.withdraw_development(
                org,
                &format!("W-{n}"),
                m[member],
                WithdrawalPurpose::Medical,
                amount,
                None,
                d(2028, 2, 1),
                &a,
            )
            .await,
        ),
        Op::Plan {
            member,
            again,
            revenue,
        } => {
            let active = app
                .plans(org)
                .await
                .unwrap()
                .into_iter()
                .find(|pl| pl.member_id == m[member] && pl.status == PlanStatus::Active);
            if let Some(plan) = active {
                allow_refusal(
                    app.change_plan(
                        org,
                        plan.id,
                        PlanCommand::Status {
                            to: PlanStatus::Failed,
                            reason: "no alcanzó la meta".into(),
                        },
                        d(2026, 6, 1),
                        &a,
                    )
                    .await,
                );
            }
            if again {
                let mut new = new_plan(m[member], revenue, 300_000);
                new.target.by = d(2028, 12, 31);
                allow_refusal(app.agree_plan(org, new, d(2026, 6, 2), &a).await);
            }
        }
        Op::Loan { member, amount } => {
            let minutes = governance::Minutes {
                kind: governance::ProposalKind::Loan,
                subject: format!("loan:{n}"),
                purpose: "Crédito".into(),
                amount_minor: amount,
                decided_on: d(2025, 7, 20),
                votes: seats.iter().map(|s| (*s, governance::Vote::For)).collect(),
            };
            let decision = app
                .record_board_decision(org, &Actor::cli(), minutes)
                .await
                .unwrap()
                .proposal_id;
            let application = LoanApplication {
                loan_id: n as i64 + 1,
                line_id: 1,
                borrower: Some(m[member]),
                terms: credit::ScheduleInput::monthly(
                    amount,
                    Decimal::new(18, 2),
                    12,
                    d(2025, 8, 1),
                ),
                plan_recommended_minor: 5_000_000,
            };
            let approved = app
                .approve_loan(org, &Actor::cli(), application, decision)
                .await;
            if approved.is_ok() {
                allow_refusal(app.disburse_loan(org, &Actor::cli(), n as i64 + 1).await);
            } else {
                allow_refusal(approved);
            }
        }
        Op::Leave { member } => allow_refusal(
            app.record_leave(org, m[member], d(2026, 7, 1), "se mudó", &Actor::cli())
                .await,
        ),
    }
}

/// The statement of every member from the kept fold against the one from scratch, and the
/// credit book; a member whose version did not move since `seen` has the statement seen then.
async fn compare(
    backend: &str,
    app: &App,
    folds: &StatementFolds,
    org: OrgId,
    m: &[MemberId],
    step: usize,
    seen: &mut HashMap<MemberId, (i64, MemberFundPart)>,
) {
    let scratch_book = app.credit_book(org).await.unwrap();
    for &member in m {
        let view = folds.member_now(app, org, member).await.unwrap();
        let scratch = app.member_fund_statement(org, member).await.unwrap();
        let scratch = MemberFundPart {
            plan_id: scratch.plan_id,
            plan_flagged_periods: scratch.plan_flagged_periods,
            statement: scratch.statement,
        };
        assert_eq!(
            view.fund, scratch,
            "{backend}, step {step}, member {member}"
        );
        assert_eq!(
            view.credit.loans, scratch_book.loans,
            "{backend}, step {step}"
        );
        assert_eq!(
            view.credit.lines, scratch_book.lines,
            "{backend}, step {step}"
        );
        assert_eq!(
            view.credit.leases, scratch_book.leases,
            "{backend}, step {step}"
        );
        if let Some((version, before)) = seen.get(&member) {
            assert!(view.version >= *version, "{backend}: versions only grow");
            if *version == view.version {
                assert_eq!(
                    before, &scratch,
                    "{backend}, step {step}, member {member}: the version did not move but the statement did"
                );
            }
        }
        seen.insert(member, (view.version, view.fund));
    }
}

async fn run(ops: Vec<Op>) {
    for (backend, app) in backends().await {
        let (org, m, seats) = union(&app).await;
        let folds = StatementFolds::default();
        let mut seen = HashMap::new();
        compare(backend, &app, &folds, org, &m, 0, &mut seen).await;
        for (n, op) in ops.iter().cloned().enumerate() {
            apply(&app, org, &m, &seats, n, op).await;
            compare(backend, &app, &folds, org, &m, n + 1, &mut seen).await;
        }
        // A fold read from the start now equals the one kept step by step.
        let fresh = StatementFolds::default();
        for &member in &m {
            let kept = folds.member_now(&app, org, member).await.unwrap();
            let cold = fresh.member_now(&app, org, member).await.unwrap();
            assert_eq!(kept.fund, cold.fund, "{backend}");
            assert_eq!(kept.version, cold.version, "{backend}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, max_shrink_iters: 20, ..ProptestConfig::default() })]
    #[test]
    fn a_kept_statement_equals_the_statement_from_scratch_after_every_write(ops in proptest::collection::vec(op(), 1..30)) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run(ops));
    }
}

/// By hand: two members report; the first one's version moves with their report, the second
/// one's does not (a report is about its member only), and a grant moves both (the Fund is
/// everyone's). The kept statement shows the report: revenue 12,000.00 against a 10,000.00
/// baseline is an increment of 2,000.00.
#[tokio::test]
async fn a_report_moves_only_its_members_version_and_a_grant_moves_everyones() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "versiones", 2).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        agree(&app, org, m[1], 1_000_000, 300_000).await;
        let folds = StatementFolds::default();
        let v0 = folds.member_now(&app, org, m[0]).await.unwrap().version;
        let w0 = folds.member_now(&app, org, m[1]).await.unwrap().version;
        report(&app, org, p(2026, 3), m[0], 1_200_000, 350_000).await;
        let v1 = folds.member_now(&app, org, m[0]).await.unwrap();
        let w1 = folds.member_now(&app, org, m[1]).await.unwrap().version;
        assert!(v1.version > v0, "{backend}");
        assert_eq!(w1, w0, "{backend}: another member's report");
        // New revenue 12,000.00 − 10,000.00 = 2,000.00, of which 10% is the contribution
        // (R-FUND-1); incremental profit 3,500.00 − 3,000.00 = 500.00, of which 25% is owed
        // (R-PLAN-3).
        let line = v1.fund.statement.periods.last().unwrap();
        assert_eq!(line.revenue_minor, 1_200_000, "{backend}");
        assert_eq!(line.new_revenue_minor, 200_000, "{backend}");
        assert_eq!(line.contribution_minor, 20_000, "{backend}");
        assert_eq!(line.profit_share_minor, 12_500, "{backend}");
        app.receive_grant(org, "G-1", "Donante", 10_000, today(), &audit())
            .await
            .unwrap();
        let v2 = folds.member_now(&app, org, m[0]).await.unwrap().version;
        let w2 = folds.member_now(&app, org, m[1]).await.unwrap().version;
        assert!(v2 > v1.version && w2 > w1, "{backend}");
    }
}
