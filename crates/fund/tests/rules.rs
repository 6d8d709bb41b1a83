//! One test per programme rule, with figures computed by hand in the comments.

mod common;

use common::{d, member, row, settings, Books};
use fund::close::{pay_contribution, pay_profit_share, PaymentMethod};
use fund::competition::{BoardDecision, CompetitionCategory, CompetitionSpend};
use fund::development::{Withdrawal, WithdrawalPurpose};
use fund::trust::InstallmentDue;
use fund::*;
use ledger::Money;

fn keys(decision: &Decision) -> Vec<String> {
    decision
        .entries
        .iter()
        .map(|e| e.idempotency_key().as_str().to_string())
        .collect()
}

fn legs(entry: &ledger::ValidEntry) -> Vec<(String, i64)> {
    entry
        .postings()
        .iter()
        .map(|p| (p.account.to_string(), p.amount.amount_minor()))
        .collect()
}

#[test]
fn r_fund_1_and_r_fund_2_contribution_of_new_revenue_split_odd_centavo_to_development() {
    // Revenue 12,345.67 over baseline 10,000.00 -> new revenue 2,345.67 -> 10% = 234.567
    // -> 234.57 (half-to-even) -> 117.29 Development / 117.28 Competition.
    let s = settings();
    let jan = Period::month(2026, 1).unwrap();
    let close = compute_close(
        &s,
        jan,
        &[row(42, (1_000_000, 300_000), Some((1_234_567, 300_000)))],
    )
    .unwrap();
    let line = close.lines[0];
    assert_eq!(line.new_revenue_minor, 234_567);
    assert_eq!(line.contribution, Split::new(11_729, 11_728));
    assert_eq!(
        line.profit_share_minor, 0,
        "R-PLAN-3: no increment, nothing owed"
    );
    let decision = close.decision(&s, d(2026, 2, 1)).unwrap();
    // One contribution entry for the close's members (here one), keyed by its content.
    assert_eq!(keys(&decision).len(), 1);
    assert!(keys(&decision)[0].starts_with("fund:1:close:2026-01:contributions:2026-01:m42-m42:1:"));
    assert_eq!(
        legs(&decision.entries[0]),
        [
            ("members:42:fund-receivable".to_string(), 23_457),
            ("fund:development".to_string(), -11_729),
            ("fund:competition".to_string(), -11_728),
        ]
    );
    assert_eq!(decision.entries[0].rule_id().as_str(), "R-FUND-1");

    // Half-to-even on the rate: new revenue 0.25 -> 0.025 -> 0.02; 0.35 -> 0.035 -> 0.04.
    let c = compute_close(
        &s,
        jan,
        &[row(1, (0, 0), Some((25, 0))), row(2, (0, 0), Some((35, 0)))],
    )
    .unwrap();
    assert_eq!(c.lines[0].contribution.total(), 2);
    assert_eq!(c.lines[1].contribution.total(), 4);
    // Revenue below baseline: no new revenue, nothing owed (R-FUND-1 decision).
    let below = compute_close(&s, jan, &[row(3, (1_000_000, 0), Some((900_000, 0)))]).unwrap();
    assert_eq!(below.lines[0].new_revenue_minor, 0);
    assert!(below.lines[0].is_noop());
}

#[test]
fn r_plan_3_odf_share_is_25_percent_of_positive_incremental_profit() {
    // Profit 4,000.00 over baseline 3,000.00 -> increment 1,000.00 -> 25% = 250.00.
    let s = settings();
    let jan = Period::month(2026, 1).unwrap();
    let rows = [
        row(1, (0, 300_000), Some((0, 400_000))),
        // Increment 0.10 -> 0.025 -> 0.02 (half-to-even).
        row(2, (0, 300_000), Some((0, 300_010))),
        // Loss against baseline: the ODF receives nothing.
        row(3, (0, 300_000), Some((0, -50_000))),
        // Negative baseline profit (a loss before joining): -100.00 -> 100.00 is +200.00 -> 50.00.
        row(4, (0, -10_000), Some((0, 10_000))),
    ];
    let c = compute_close(&s, jan, &rows).unwrap();
    let shares: Vec<i64> = c.lines.iter().map(|l| l.profit_share_minor).collect();
    assert_eq!(shares, [25_000, 2, 0, 5_000]);
    assert_eq!(c.lines[2].incremental_profit_minor, -350_000);
    let decision = c.decision(&s, d(2026, 2, 1)).unwrap();
    // One entry for the three members who owe something; the ODF's income is their total.
    assert_eq!(decision.entries.len(), 1);
    let first = &decision.entries[0];
    assert!(first
        .idempotency_key()
        .as_str()
        .starts_with("fund:1:close:2026-01:profit-shares:2026-01:m1-m4:3:"));
    assert_eq!(
        legs(first),
        [
            ("members:1:profit-share-receivable".to_string(), 25_000),
            ("members:2:profit-share-receivable".to_string(), 2),
            ("members:4:profit-share-receivable".to_string(), 5_000),
            ("odf:income:profit-share".to_string(), -30_002),
        ]
    );
}

#[test]
fn r_fund_1_rerun_is_idempotent_and_late_corrections_adjust() {
    let s = settings();
    let jan = Period::month(2026, 1).unwrap();
    let first = compute_close(
        &s,
        jan,
        &[row(42, (1_000_000, 300_000), Some((1_234_567, 400_000)))],
    )
    .unwrap();
    let again = compute_close(
        &s,
        jan,
        &[row(42, (1_000_000, 300_000), Some((1_234_567, 400_000)))],
    )
    .unwrap();
    let (a, b) = (
        first.decision(&s, d(2026, 2, 1)).unwrap(),
        again.decision(&s, d(2026, 2, 1)).unwrap(),
    );
    assert_eq!(a, b, "same keys, same amounts");

    // Once posted, the same figures post nothing.
    let mut posted_row = row(42, (1_000_000, 300_000), Some((1_234_567, 400_000)));
    posted_row.posted = Some(first.lines[0].posted_after());
    let rerun = compute_close(&s, jan, &[posted_row]).unwrap();
    assert!(rerun.lines[0].is_noop());
    assert!(rerun
        .decision(&s, d(2026, 3, 1))
        .unwrap()
        .entries
        .is_empty());

    // A correction: revenue 13,000.00 -> new 3,000.00 -> 300.00 = 150.00 / 150.00; posted was
    // 117.29 / 117.28, so the adjustment is +32.71 / +32.72 = 65.43. Profit 3,500.00 -> share
    // 125.00, posted 250.00 -> adjustment -125.00.
    posted_row.report = Some(ReportFigures {
        revenue_minor: 1_300_000,
        profit_minor: 350_000,
    });
    let adj = compute_close(&s, jan, &[posted_row]).unwrap();
    let line = adj.lines[0];
    assert_eq!(line.adjustment, Some(1));
    assert_eq!(line.delta_contribution, Split::new(3_271, 3_272));
    assert_eq!(line.delta_profit_share_minor, -12_500);
    let decision = adj.decision(&s, d(2026, 3, 1)).unwrap();
    let adj1_keys = keys(&decision);
    assert_eq!(adj1_keys.len(), 2);
    assert!(
        adj1_keys[0].starts_with("fund:1:close:2026-01:contributions:2026-01:adjust:m42-m42:1:")
    );
    assert!(
        adj1_keys[1].starts_with("fund:1:close:2026-01:profit-shares:2026-01:adjust:m42-m42:1:")
    );
    assert_eq!(
        decision.entries[0].reason().as_str(),
        "fund.contribution.adjust"
    );
    assert_eq!(
        legs(&decision.entries[1]),
        [
            ("members:42:profit-share-receivable".to_string(), -12_500),
            ("odf:income:profit-share".to_string(), 12_500),
        ]
    );
    // 0.01 more revenue rounds to no change: nothing is posted, no adjustment is numbered.
    posted_row.posted = Some(line.posted_after());
    posted_row.report = Some(ReportFigures {
        revenue_minor: 1_300_001,
        profit_minor: 350_000,
    });
    let same = compute_close(&s, jan, &[posted_row]).unwrap();
    assert_eq!(same.lines[0].adjustment, None);
    assert!(same.lines[0].is_noop());
    // A second real correction gets its own key.
    posted_row.report = Some(ReportFigures {
        revenue_minor: 1_400_000,
        profit_minor: 350_000,
    });
    let adj2 = compute_close(&s, jan, &[posted_row]).unwrap();
    assert_eq!(adj2.lines[0].adjustment, Some(2));
    let adj2_keys = keys(&adj2.decision(&s, d(2026, 4, 1)).unwrap());
    assert_eq!(adj2_keys.len(), 1);
    assert!(
        adj2_keys[0].starts_with("fund:1:close:2026-01:contributions:2026-01:adjust:m42-m42:1:")
    );
    assert_ne!(adj2_keys[0], adj1_keys[0]);
}

#[test]
fn r_fund_2_a_close_books_each_members_split_and_the_sub_funds_their_totals() {
    // 2,000 members, each with new revenue 0.30 -> 10% = 0.03 owed:
    // each splits 0.02 Development / 0.01 Competition (odd centavo to Development), so the
    // sub-funds get 40.00 / 20.00, not 30.00 / 30.00 of a split of the total.
    let s = settings();
    let jan = Period::month(2026, 1).unwrap();
    let rows: Vec<CloseRow> = (1..=2_000).map(|m| row(m, (0, 0), Some((30, 0)))).collect();
    let close = compute_close(&s, jan, &rows).unwrap();
    assert!(close
        .lines
        .iter()
        .all(|l| l.contribution == Split::new(2, 1)));
    let entries = close.entries(&s, d(2026, 2, 1)).unwrap();
    // 998 members per entry at most (1,000 postings with the two sub-funds): 998 + 998 + 4.
    let members: Vec<usize> = entries.iter().map(|e| e.postings().len() - 2).collect();
    assert_eq!(members, [998, 998, 4]);
    let total = |code: &str| -> i64 {
        entries
            .iter()
            .flat_map(|e| e.postings())
            .filter(|p| p.account.as_str() == code)
            .map(|p| p.amount.amount_minor())
            .sum()
    };
    assert_eq!(total("fund:development"), -4_000);
    assert_eq!(total("fund:competition"), -2_000);
    assert_eq!(total("members:1999:fund-receivable"), 3);
    // Keys differ per entry and are the same when computed again.
    let again = close.entries(&s, d(2026, 2, 1)).unwrap();
    let k: Vec<&str> = entries
        .iter()
        .map(|e| e.idempotency_key().as_str())
        .collect();
    let k2: Vec<&str> = again.iter().map(|e| e.idempotency_key().as_str()).collect();
    assert_eq!(k, k2);
    assert!(k[0] != k[1] && k[1] != k[2]);
}

#[test]
fn r_fund_1_payment_in_cash_or_by_deduction_moves_cash_into_the_trust() {
    let s = settings();
    let jan = Period::month(2026, 1).unwrap();
    let mut books = Books::default();
    // Owed 234.57 = 117.29 / 117.28, profit share 250.00.
    books.apply(
        compute_close(
            &s,
            jan,
            &[row(42, (1_000_000, 300_000), Some((1_234_567, 400_000)))],
        )
        .unwrap()
        .decision(&s, d(2026, 2, 1))
        .unwrap(),
    );
    // Pays 100.00 in cash: in proportion 11,729/23,457 -> ceil(5,000.2) = 50.01 / 49.99.
    let pay = pay_contribution(
        &s,
        &books.state,
        1,
        42,
        10_000,
        PaymentMethod::Cash,
        d(2026, 2, 5),
    )
    .unwrap();
    assert_eq!(
        legs(&pay.entries[0]),
        [
            ("fund:trust-bank:development".to_string(), 5_001),
            ("fund:trust-bank:competition".to_string(), 4_999),
            ("members:42:fund-receivable".to_string(), -10_000),
        ]
    );
    books.apply(pay);
    // The rest (134.57) by deduction from what the ODF owes the member for sales.
    let too_much = pay_contribution(
        &s,
        &books.state,
        2,
        42,
        13_458,
        PaymentMethod::Cash,
        d(2026, 2, 6),
    )
    .unwrap_err();
    assert_eq!(
        (too_much.rule_id(), too_much.field()),
        ("R-FUND-1", Some("amount"))
    );
    let short_payable = pay_contribution(
        &s,
        &books.state,
        2,
        42,
        13_457,
        PaymentMethod::DeductFromPayable {
            payable_balance_minor: 100,
        },
        d(2026, 2, 6),
    );
    assert!(short_payable.is_err());
    let rest = pay_contribution(
        &s,
        &books.state,
        2,
        42,
        13_457,
        PaymentMethod::DeductFromPayable {
            payable_balance_minor: 50_000,
        },
        d(2026, 2, 6),
    )
    .unwrap();
    books.apply(rest);
    // Each trust account now holds exactly what its sub-fund was credited.
    assert_eq!(books.balance("fund:trust-bank:development"), 11_729);
    assert_eq!(books.balance("fund:trust-bank:competition"), 11_728);
    assert_eq!(books.balance("members:42:fund-receivable"), 0);
    assert_eq!(books.balance("members:42:payable"), 13_457);
    assert_eq!(books.balance("odf:bank"), -13_457);
    // The profit share, by deduction.
    books.apply(
        pay_profit_share(
            &s,
            &books.state,
            3,
            42,
            25_000,
            PaymentMethod::DeductFromPayable {
                payable_balance_minor: 50_000,
            },
            d(2026, 2, 6),
        )
        .unwrap(),
    );
    assert_eq!(books.balance("members:42:profit-share-receivable"), 0);
    assert!(books.tb().is_balanced());
}

#[test]
fn r_fund_1_and_r_fund_2_grants_and_temporary_contributions() {
    let s = settings();
    let mut books = Books::default();
    // A grant of 1,000.01 -> 500.01 Development / 500.00 Competition, the group's for good.
    books.apply(
        receive_grant(
            &s,
            1,
            "Fundación Guillermo González Camarena",
            Money::mxn(100_001),
            d(2026, 1, 5),
        )
        .unwrap(),
    );
    assert_eq!(books.ledger_sub_funds(), (50_001, 50_000));
    // A temporary contribution of 2,000.00: split in the trust, owed back (a liability).
    books.apply(
        receive_temporary(
            &s,
            &books.state,
            7,
            "Gobierno de Morelos",
            Money::mxn(200_000),
            d(2026, 1, 6),
        )
        .unwrap(),
    );
    assert_eq!(books.balance("fund:trust-bank:development"), 150_001);
    assert_eq!(books.balance("fund:trust-bank:competition"), 150_000);
    assert_eq!(books.balance("fund:temporary-contributions"), -200_000);
    assert_eq!(
        books.ledger_sub_funds(),
        (50_001, 50_000),
        "not the group's"
    );
    assert_eq!(
        books.state.total_deposits_minor(),
        100_001,
        "R-FUND-5: not a deposit"
    );
    assert!(receive_temporary(&s, &books.state, 7, "x", Money::mxn(1), d(2026, 1, 6)).is_err());
    // Returned in the split it came in.
    let back = return_temporary(&s, &books.state, 7, d(2026, 6, 1)).unwrap();
    books.apply(back);
    assert_eq!(books.balance("fund:temporary-contributions"), 0);
    assert_eq!(books.balance("fund:trust-bank:development"), 50_001);
    let twice = return_temporary(&s, &books.state, 7, d(2026, 6, 2)).unwrap_err();
    assert_eq!(twice.rule_id(), "R-FUND-1");
    let e = receive_grant(&s, 2, "x", Money::mxn(0), d(2026, 1, 5)).unwrap_err();
    assert_eq!(e.field(), Some("amount"));
}

fn decision(id: i64, approved: bool, amount_minor: i64) -> BoardDecision {
    BoardDecision {
        decision_id: id,
        date: d(2026, 3, 1),
        approved,
        purpose: "Feria artesanal de Cuernavaca".into(),
        amount: Money::mxn(amount_minor),
    }
}

#[test]
fn r_fund_3_competition_spending_needs_a_category_and_an_approved_decision() {
    let s = settings();
    let mut books = Books::default();
    books.apply(receive_grant(&s, 1, "PNUD", Money::mxn(200_000), d(2026, 1, 5)).unwrap());
    // Competition holds 1,000.00.
    assert_eq!(CompetitionCategory::ALL.len(), 15);
    let spend = |amount, decision| CompetitionSpend {
        payment_id: 1,
        category: CompetitionCategory::parse("trade_fairs_sales_promotion").unwrap(),
        description: "Stand en la feria".into(),
        amount: Money::mxn(amount),
        decision,
    };
    let today = d(2026, 3, 2);
    let refused = |r: Result<Decision, FundError>| {
        let e = r.unwrap_err();
        assert_eq!(e.rule_id(), "R-FUND-3");
        e.field().unwrap()
    };
    assert_eq!(
        refused(CompetitionCategory::parse("party").map(|_| Decision::default())),
        "category"
    );
    assert_eq!(
        refused(spend_competition(
            &s,
            &books.state,
            &spend(50_000, None),
            today
        )),
        "decision"
    );
    assert_eq!(
        refused(spend_competition(
            &s,
            &books.state,
            &spend(50_000, Some(decision(9, false, 60_000))),
            today
        )),
        "decision"
    );
    assert_eq!(
        refused(spend_competition(
            &s,
            &books.state,
            &spend(70_000, Some(decision(9, true, 60_000))),
            today
        )),
        "amount"
    );
    assert_eq!(
        refused(spend_competition(
            &s,
            &books.state,
            &spend(50_000, Some(decision(9, true, 60_000))),
            d(2026, 2, 1)
        )),
        "decision"
    );
    // Paid 500.00 under a decision of 600.00.
    let ok = spend_competition(
        &s,
        &books.state,
        &spend(50_000, Some(decision(9, true, 60_000))),
        today,
    )
    .unwrap();
    assert_eq!(
        legs(&ok.entries[0]),
        [
            ("fund:spent:competition".to_string(), 50_000),
            ("fund:trust-bank:competition".to_string(), -50_000)
        ]
    );
    books.apply(ok);
    // Only 100.00 of the decision is left.
    assert_eq!(
        refused(spend_competition(
            &s,
            &books.state,
            &spend(10_001, Some(decision(9, true, 60_000))),
            today
        )),
        "amount"
    );
    // Another decision of 1,000.00, but only 500.00 is available.
    assert_eq!(
        refused(spend_competition(
            &s,
            &books.state,
            &spend(50_001, Some(decision(10, true, 100_000))),
            today
        )),
        "amount"
    );
    assert_eq!(books.ledger_sub_funds(), (100_000, 50_000));
}

#[test]
fn r_fund_4_and_r_fund_5_entitlements_and_withdrawals() {
    // Fund started 2023-01-01: individual use opens 2026-01-01.
    let s = settings();
    let jan = Period::month(2025, 1).unwrap();
    let mut books = Books::default();
    // A owes and pays 1,000.00 (new revenue 10,000.00), B 3,000.00; a grant of 1,000.00.
    let close = compute_close(
        &s,
        jan,
        &[
            row(1, (0, 0), Some((1_000_000, 0))),
            row(2, (0, 0), Some((3_000_000, 0))),
        ],
    )
    .unwrap();
    books.apply(close.decision(&s, d(2025, 2, 1)).unwrap());
    books.apply(
        pay_contribution(
            &s,
            &books.state,
            1,
            1,
            100_000,
            PaymentMethod::Cash,
            d(2025, 2, 2),
        )
        .unwrap(),
    );
    books.apply(
        pay_contribution(
            &s,
            &books.state,
            2,
            2,
            300_000,
            PaymentMethod::Cash,
            d(2025, 2, 2),
        )
        .unwrap(),
    );
    books.apply(receive_grant(&s, 1, "PNUD", Money::mxn(100_000), d(2025, 2, 3)).unwrap());
    // Registered in Development: 500.00 + 1,500.00 + 500.00 = 2,500.00; usable 1,250.00.
    // Deposits 5,000.00: A = 1/5 x 1,250.00 = 250.00; B = 3/5 = 750.00.
    assert_eq!(individually_usable_minor(&books.state), 125_000);
    let e = entitlements(&books.state);
    assert_eq!(
        e.iter().map(|e| e.gross_minor).collect::<Vec<_>>(),
        [25_000, 75_000]
    );

    let young = member(1, d(1990, 5, 5));
    let w = |id, purpose, amount, board_decision| Withdrawal {
        withdrawal_id: id,
        purpose,
        amount: Money::mxn(amount),
        board_decision,
    };
    let rule_field = |r: Result<Decision, FundError>| {
        let e = r.unwrap_err();
        (e.rule_id(), e.field().unwrap())
    };
    // Before the fourth year.
    assert_eq!(
        rule_field(withdraw(
            &s,
            &books.state,
            &young,
            &w(1, WithdrawalPurpose::Medical, 100, None),
            d(2025, 12, 31)
        )),
        ("R-FUND-4", "date")
    );
    let today = d(2026, 1, 1);
    // Retirement before 60.
    assert_eq!(
        rule_field(withdraw(
            &s,
            &books.state,
            &young,
            &w(1, WithdrawalPurpose::Retirement, 100, None),
            today
        )),
        ("R-FUND-4", "purpose")
    );
    // Education without the board's criteria.
    assert_eq!(
        rule_field(withdraw(
            &s,
            &books.state,
            &young,
            &w(1, WithdrawalPurpose::ChildrenEducation, 100, None),
            today
        )),
        ("R-FUND-4", "board_decision")
    );
    assert!(WithdrawalPurpose::parse("vacation").is_err());
    // Above the entitlement.
    assert_eq!(
        rule_field(withdraw(
            &s,
            &books.state,
            &young,
            &w(1, WithdrawalPurpose::Housing, 25_001, None),
            today
        )),
        ("R-FUND-5", "amount")
    );
    // 200.00 for housing, then only 50.00 is left.
    books.apply(
        withdraw(
            &s,
            &books.state,
            &young,
            &w(1, WithdrawalPurpose::Housing, 20_000, None),
            today,
        )
        .unwrap(),
    );
    assert_eq!(entitlement_of(&books.state, 1).available_minor, 5_000);
    let criteria = BoardDecision {
        decision_id: 4,
        date: d(2025, 11, 1),
        approved: true,
        purpose: "Becas: hijos inscritos en escuela pública".into(),
        amount: Money::mxn(0),
    };
    books.apply(
        withdraw(
            &s,
            &books.state,
            &young,
            &w(
                2,
                WithdrawalPurpose::ChildrenEducation,
                5_000,
                Some(criteria),
            ),
            today,
        )
        .unwrap(),
    );
    assert_eq!(entitlement_of(&books.state, 1).available_minor, 0);
    // B is 61: retirement is allowed.
    let elder = member(2, d(1964, 6, 1));
    books.apply(
        withdraw(
            &s,
            &books.state,
            &elder,
            &w(3, WithdrawalPurpose::Retirement, 75_000, None),
            today,
        )
        .unwrap(),
    );
    assert_eq!(books.balance("fund:withdrawn:development"), 100_000);
    assert_eq!(books.ledger_sub_funds().0, 250_000 - 100_000);
}

#[test]
fn r_fund_5_largest_remainder_never_exceeds_the_usable_amount() {
    // Paid 1.00, 1.00, 1.01: deposits 3.01, Development registered 0.50+0.50+0.51 = 1.51,
    // usable 0.75. Exact shares 0.2491.., 0.2491.., 0.2516..: floors 24, 24, 25 (73) and the
    // two leftover centavos go to the two largest remainders: 25, 25, 25.
    let s = settings();
    let mut books = Books::default();
    let jan = Period::month(2025, 1).unwrap();
    let close = compute_close(
        &s,
        jan,
        &[
            row(1, (0, 0), Some((1_000, 0))),
            row(2, (0, 0), Some((1_000, 0))),
            row(3, (0, 0), Some((1_010, 0))),
        ],
    )
    .unwrap();
    books.apply(close.decision(&s, d(2025, 2, 1)).unwrap());
    for (i, amount) in [(1, 100), (2, 100), (3, 101)] {
        books.apply(
            pay_contribution(
                &s,
                &books.state,
                i,
                i,
                amount,
                PaymentMethod::Cash,
                d(2025, 2, 2),
            )
            .unwrap(),
        );
    }
    assert_eq!(individually_usable_minor(&books.state), 75);
    let gross: Vec<i64> = entitlements(&books.state)
        .iter()
        .map(|e| e.gross_minor)
        .collect();
    assert_eq!(gross, [25, 25, 25]);
}

#[test]
fn r_fund_6_trustee_pays_installments_and_shortfalls_yield_notices() {
    let s = settings();
    let mut books = Books::default();
    books.apply(receive_grant(&s, 1, "PNUD", Money::mxn(2_000_000), d(2026, 1, 5)).unwrap());
    let due = InstallmentDue {
        installment_ref: "loan-17:3".into(),
        borrower: Borrower::Member(42),
        lender_code: "nafin".into(),
        amount: Money::mxn(300_001),
        due_date: d(2026, 2, 1),
        settles: None,
    };
    let early = pay_installment_from_fund(&s, &books.state, &due, d(2026, 1, 31)).unwrap_err();
    assert_eq!(
        (early.rule_id(), early.field()),
        ("R-FUND-6", Some("due_date"))
    );
    // 3,000.01 -> 1,500.01 from Development, 1,500.00 from Competition.
    let paid = pay_installment_from_fund(&s, &books.state, &due, d(2026, 2, 1)).unwrap();
    assert_eq!(keys(&paid), ["fund:1:installment:loan-17:3"]);
    assert_eq!(
        legs(&paid.entries[0]),
        [
            ("lenders:nafin:line".to_string(), 300_001),
            ("fund:trust-bank:development".to_string(), -150_001),
            ("fund:trust-bank:competition".to_string(), -150_000),
            ("fund:receivable:borrowers".to_string(), 300_001),
            ("odf:payable:fund".to_string(), -300_001),
        ]
    );
    books.apply(paid);
    assert_eq!(shortfall(&books.state, &Borrower::Member(42)), 300_001);
    assert_eq!(
        non_fulfilment_notices(&books.state),
        [NonFulfilmentNotice {
            borrower: Borrower::Member(42),
            amount_minor: 300_001
        }]
    );
    // Replenishes 1,000.00: shortfall 2,000.01, still a notice.
    books.apply(
        replenish(
            &s,
            &books.state,
            1,
            &Borrower::Member(42),
            Money::mxn(100_000),
            None,
            d(2026, 2, 10),
        )
        .unwrap(),
    );
    assert_eq!(shortfall(&books.state, &Borrower::Member(42)), 200_001);
    let over = replenish(
        &s,
        &books.state,
        2,
        &Borrower::Member(42),
        Money::mxn(200_002),
        None,
        d(2026, 2, 11),
    )
    .unwrap_err();
    assert_eq!(over.rule_id(), "R-FUND-6");
    books.apply(
        replenish(
            &s,
            &books.state,
            2,
            &Borrower::Member(42),
            Money::mxn(200_001),
            None,
            d(2026, 2, 11),
        )
        .unwrap(),
    );
    assert!(non_fulfilment_notices(&books.state).is_empty());
    // The trust is whole again, per sub-fund.
    assert_eq!(books.balance("fund:trust-bank:development"), 1_000_000);
    assert_eq!(books.balance("fund:trust-bank:competition"), 1_000_000);
    assert_eq!(books.balance("members:42:loan"), -300_001);
    assert_eq!(books.balance("odf:payable:fund"), 0);
    // An installment above the trust's cash is refused.
    let big = InstallmentDue {
        amount: Money::mxn(2_000_001),
        installment_ref: "loan-17:4".into(),
        ..due
    };
    assert_eq!(
        pay_installment_from_fund(&s, &books.state, &big, d(2026, 3, 1))
            .unwrap_err()
            .field(),
        Some("amount")
    );
}

#[test]
fn r_plan_4_flag_from_reports() {
    // Baseline revenue 10,000.00; three months at or below it flag an active plan.
    let plan = agree_plan(
        1,
        NewBusinessPlan {
            member_id: 42,
            baseline_revenue: Money::mxn(1_000_000),
            baseline_profit: Money::mxn(0),
            target: Target {
                measure: TargetMeasure::Revenue,
                amount: Money::mxn(2_000_000),
                by: d(2027, 1, 1),
            },
            measures: vec!["Vender en la tienda de la ODF".into()],
            services: vec![OdfService::Sales],
        },
        d(2025, 12, 1),
    )
    .unwrap();
    let revenue = |p: Period| match p.first_month() {
        1 => Some(1_000_000),
        2 => Some(900_000),
        3 => Some(1_000_000),
        _ => None,
    };
    let inc = |p: Period| revenue(p).map(|r| plan.increment_minor(r, 0));
    let s = settings();
    let flag = review_flag(
        &plan,
        Period::month(2026, 3).unwrap(),
        s.inadequate_plan_periods,
        inc,
    )
    .unwrap();
    assert_eq!(flag.periods.len(), 3);
    assert_eq!(flag.member_id, 42);
}
