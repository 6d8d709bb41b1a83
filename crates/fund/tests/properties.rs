//! Property tests over random sequences of reports and closes (with late corrections),
//! payments, grants, temporary contributions, spending, withdrawals, trust repayments and
//! working capital lent to trade and repaid (R-FUND-1..6, R-PLAN-3, R-BUY-2).

mod common;

use common::{d, member, row, settings, Books};
use fund::close::{pay_contribution, PaymentMethod};
use fund::competition::{BoardDecision, CompetitionCategory, CompetitionSpend};
use fund::development::{Withdrawal, WithdrawalPurpose};
use fund::trust::InstallmentDue;
use fund::*;
use ledger::Money;
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Op {
    /// Close (or re-close with corrected figures) month `month` of 2026 for members 1..=4.
    Close {
        month: u32,
        figures: Vec<(i64, i64)>,
    },
    Pay {
        member: i64,
        permille: i64,
    },
    Grant {
        amount: i64,
    },
    Temporary {
        amount: i64,
    },
    ReturnTemporary {
        pick: usize,
    },
    Spend {
        amount: i64,
    },
    Withdraw {
        member: i64,
        permille: i64,
    },
    Installment {
        borrower: i64,
        amount: i64,
    },
    Replenish {
        borrower: i64,
        permille: i64,
    },
    /// R-BUY-2: the Competition Sub-Fund pays a supplier for trade...
    Lend {
        amount: i64,
    },
    /// ...and trade repays a share of what is lent.
    Recover {
        permille: i64,
    },
}

/// The entry trade posts with a working-capital act (`trade::capital`, R-BUY-2): lending
/// `amount` (negative: repaying) moves trust cash into the Fund's receivable on the ODF.
fn trade_entry(key: &str, amount: i64) -> ledger::ValidEntry {
    let posting = |code: &str, v: i64| {
        ledger::Posting::new(ledger::AccountCode::parse(code).unwrap(), Money::mxn(v))
    };
    ledger::EntryDraft {
        idempotency_key: key.into(),
        reason: "purchase.supplier-payment".into(),
        rule_id: "R-BUY-2".into(),
        date: d(2026, 6, 1),
        memo: "Capital de trabajo".into(),
        postings: vec![
            posting("odf:payable:suppliers", amount),
            posting("fund:trust-bank:competition", -amount),
            posting("fund:receivable:working-capital", amount),
            posting("odf:payable:fund-competition", -amount),
        ],
        reverses: None,
    }
    .validate(|_| Some(ledger::Currency::MXN))
    .unwrap()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u32..=5, proptest::collection::vec((0i64..3_000_000, -500_000i64..1_000_000), 4))
            .prop_map(|(month, figures)| Op::Close { month, figures }),
        2 => (1i64..=4, 1i64..=1000).prop_map(|(member, permille)| Op::Pay { member, permille }),
        1 => (1i64..1_000_000).prop_map(|amount| Op::Grant { amount }),
        1 => (1i64..1_000_000).prop_map(|amount| Op::Temporary { amount }),
        1 => (0usize..8).prop_map(|pick| Op::ReturnTemporary { pick }),
        1 => (1i64..200_000).prop_map(|amount| Op::Spend { amount }),
        1 => (1i64..=4, 1i64..=1000).prop_map(|(member, permille)| Op::Withdraw { member, permille }),
        1 => (0i64..=2, 1i64..300_000).prop_map(|(borrower, amount)| Op::Installment { borrower, amount }),
        1 => (0i64..=2, 1i64..=1000).prop_map(|(borrower, permille)| Op::Replenish { borrower, permille }),
        1 => (1i64..300_000).prop_map(|amount| Op::Lend { amount }),
        1 => (1i64..=1000).prop_map(|permille| Op::Recover { permille }),
    ]
}

fn borrower(n: i64) -> Borrower {
    if n == 0 {
        Borrower::Odf
    } else {
        Borrower::Member(n)
    }
}

const BASELINES: [(i64, i64); 4] = [
    (1_000_000, 200_000),
    (0, 0),
    (2_500_000, -100_000),
    (500_000, 50_000),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn r_fund_invariants_hold_after_any_sequence(ops in proptest::collection::vec(op(), 1..40)) {
        let s = settings();
        let today = d(2026, 6, 1);
        let mut books = Books::default();
        let mut posted: BTreeMap<(u32, i64), PostedClose> = BTreeMap::new();
        let mut next_id = 100i64;
        for op in ops {
            next_id += 1;
            let decision = match op {
                Op::Close { month, figures } => {
                    let period = Period::month(2026, month).unwrap();
                    let rows: Vec<CloseRow> = (1..=4)
                        .map(|m| {
                            let mut r = row(m, BASELINES[(m - 1) as usize], Some(figures[(m - 1) as usize]));
                            r.posted = posted.get(&(month, m)).copied();
                            r
                        })
                        .collect();
                    let close = compute_close(&s, period, &rows).unwrap();
                    // Re-running the close yields the same keys and amounts.
                    let again = compute_close(&s, period, &rows).unwrap();
                    prop_assert_eq!(close.decision(&s, today).unwrap(), again.decision(&s, today).unwrap());
                    for line in &close.lines {
                        posted.insert((month, line.member_id), line.posted_after());
                    }
                    // Once posted, re-running posts nothing.
                    let rerun_rows: Vec<CloseRow> = rows
                        .iter()
                        .map(|r| CloseRow { posted: posted.get(&(month, r.member_id)).copied(), ..*r })
                        .collect();
                    prop_assert!(compute_close(&s, period, &rerun_rows).unwrap().lines.iter().all(|l| l.is_noop()));
                    Ok(close.decision(&s, today).unwrap())
                }
                Op::Pay { member, permille } => {
                    let out = books.state.member(member).outstanding().total();
                    let amount = out * permille / 1000;
                    pay_contribution(&s, &books.state, next_id, member, amount, PaymentMethod::Cash, today)
                }
                Op::Grant { amount } => receive_grant(&s, next_id, "PNUD", Money::mxn(amount), today),
                Op::Temporary { amount } => receive_temporary(&s, &books.state, next_id, "Estado", Money::mxn(amount), today),
                Op::ReturnTemporary { pick } => {
                    let ids: Vec<i64> = books.state.temporary.iter().filter(|(_, t)| !t.returned).map(|(id, _)| *id).collect();
                    match ids.get(pick % ids.len().max(1)) {
                        Some(id) => return_temporary(&s, &books.state, *id, today),
                        None => continue,
                    }
                }
                Op::Spend { amount } => spend_competition(
                    &s,
                    &books.state,
                    &CompetitionSpend {
                        payment_id: next_id,
                        category: CompetitionCategory::MarketResearch,
                        description: "Estudio de mercado".into(),
                        amount: Money::mxn(amount),
                        decision: Some(BoardDecision {
                            decision_id: next_id,
                            date: today,
                            approved: true,
                            purpose: "Estudio".into(),
                            amount: Money::mxn(amount),
                        }),
                    },
                    today,
                ),
                Op::Withdraw { member: m, permille } => {
                    let avail = entitlement_of(&books.state, m).available_minor;
                    let w = Withdrawal {
                        withdrawal_id: next_id,
                        purpose: WithdrawalPurpose::Medical,
                        amount: Money::mxn(avail * permille / 1000),
                        board_decision: None,
                    };
                    withdraw(&s, &books.state, &member(m, d(1980, 1, 1)), &w, today)
                }
                Op::Installment { borrower: b, amount } => pay_installment_from_fund(
                    &s,
                    &books.state,
                    &InstallmentDue {
                        installment_ref: format!("loan-{b}:{next_id}"),
                        borrower: borrower(b),
                        lender_code: "nafin".into(),
                        amount: Money::mxn(amount),
                        due_date: today,
                        settles: None,
                    },
                    today,
                ),
                Op::Replenish { borrower: b, permille } => {
                    let amount = shortfall(&books.state, &borrower(b)) * permille / 1000;
                    replenish(&s, &books.state, next_id, &borrower(b), Money::mxn(amount), None, today)
                }
                Op::Lend { amount } => {
                    let key = format!("lend-{next_id}");
                    lend_working_capital(&books.state, &key, amount).map(|mut d| {
                        d.entries.push(trade_entry(&key, amount));
                        d
                    })
                }
                Op::Recover { permille } => {
                    let key = format!("recover-{next_id}");
                    let amount = books.state.working_capital_minor * permille / 1000;
                    recover_working_capital(&books.state, &key, amount).map(|mut d| {
                        d.entries.push(trade_entry(&key, -amount));
                        d
                    })
                }
            };
            // Refusals are fine (not enough cash, nothing outstanding); they change nothing.
            if let Ok(decision) = decision {
                books.apply(decision);
            }

            // Every entry balances: the trial balance is zero.
            prop_assert!(books.tb().is_balanced());
            // Development + Competition = Fund, in the ledger and in the state.
            let (dev, comp) = books.ledger_sub_funds();
            prop_assert_eq!(dev + comp, books.ledger_fund_net_assets());
            let sub = books.state.sub_funds();
            prop_assert_eq!((sub.development_minor as i128, sub.competition_minor as i128), (dev, comp));
            prop_assert_eq!(books.state.net_assets_minor(), sub.total());
            // The state's trust cash is the ledger's, and never negative.
            prop_assert_eq!(books.state.trust.development_minor as i128, books.balance("fund:trust-bank:development"));
            prop_assert_eq!(books.state.trust.competition_minor as i128, books.balance("fund:trust-bank:competition"));
            prop_assert!(books.state.trust.development_minor >= 0 && books.state.trust.competition_minor >= 0);
            // R-BUY-2: what the state says is lent is the ledger's receivable on trade.
            prop_assert_eq!(books.state.working_capital_minor as i128, books.balance("fund:receivable:working-capital"));
            // R-FUND-5: entitlements are non-negative and never exceed the usable amount.
            let usable = individually_usable_minor(&books.state);
            let ents = entitlements(&books.state);
            prop_assert!(ents.iter().all(|e| e.gross_minor >= 0 && e.available_minor >= 0));
            prop_assert!(ents.iter().map(|e| e.gross_minor).sum::<i64>() <= usable);
            prop_assert!(ents.iter().map(|e| e.available_minor).sum::<i64>() <= usable);
        }
    }

    #[test]
    fn r_fund_5_entitlements_sum_to_at_most_usable_for_any_deposits(
        paid in proptest::collection::vec(0i64..10_000_000_000, 0..60),
        grants in 0i64..10_000_000_000,
    ) {
        let mut state = FundState::default();
        for (i, p) in paid.iter().enumerate() {
            state.members.entry(i as i64).or_default().paid = Split::of(*p);
        }
        state.grants = Split::of(grants);
        let usable = individually_usable_minor(&state);
        let ents = entitlements(&state);
        let total: i64 = ents.iter().map(|e| e.gross_minor).sum();
        prop_assert!(total <= usable);
        prop_assert!(ents.iter().all(|e| e.gross_minor >= 0));
        // Each share is within one centavo of the exact share.
        let deposits = state.total_deposits_minor() as i128;
        for e in &ents {
            if deposits > 0 {
                let exact_floor = usable as i128 * e.paid_contributions_minor as i128 / deposits;
                prop_assert!(e.gross_minor as i128 - exact_floor <= 1 && e.gross_minor as i128 >= exact_floor);
            }
        }
        // Without grants the whole usable amount is allocated.
        if grants == 0 && deposits > 0 {
            prop_assert_eq!(total, usable);
        }
    }
}
