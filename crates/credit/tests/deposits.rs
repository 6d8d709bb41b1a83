//! R-CRED-1: what each kind of entry touching the Fund's trust bank deposits
//! (`credit::line::deposit_of`), on the entries the Fund's and trade's own writers build, and
//! the initial deposit summed from them over the window (signed). Figures by hand.

use chrono::NaiveDate;
use credit::line::{deposit_of, initial_deposit, LineSettings};
use fund::{FundEvent, FundSettings, FundState, Split};
use ledger::{AccountCode, Currency, EntryDraft, IdempotencyKey, Money, Posting, ValidEntry};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn settings() -> FundSettings {
    FundSettings::new(1, d(2025, 1, 1))
}

fn mxn(minor: i64) -> Money {
    Money::new(minor, Currency::MXN)
}

fn one(decision: fund::Decision) -> ValidEntry {
    assert_eq!(decision.entries.len(), 1, "{decision:?}");
    decision.entries.into_iter().next().unwrap()
}

fn reversal_of(e: &ValidEntry) -> ValidEntry {
    e.reversal(7, IdempotencyKey::parse("test:reversal").unwrap(), e.date())
}

/// An entry with the given legs (for the writers that need a whole Fund to run).
fn entry(legs: &[(&str, i64)]) -> ValidEntry {
    EntryDraft {
        idempotency_key: "test:legs".into(),
        reason: "test.legs".into(),
        rule_id: "R-CRED-1".into(),
        date: d(2025, 2, 1),
        memo: "test".into(),
        postings: legs
            .iter()
            .map(|(c, a)| Posting::new(AccountCode::parse(c).unwrap(), mxn(*a)))
            .collect(),
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .unwrap()
}

/// A Fund whose trust holds `dev` and `comp` (from a grant), as the writers read it.
fn state_holding(dev: i64, comp: i64) -> FundState {
    let mut state = FundState::default();
    state.apply_all(&[FundEvent::GrantReceived {
        grant_id: 1,
        donor: "Fundación".into(),
        split: Split::new(dev, comp),
    }]);
    assert_eq!(state.trust, Split::new(dev, comp));
    state
}

#[test]
fn r_cred_1_a_grant_deposits_its_whole_amount_and_its_reversal_takes_it_back() {
    let e =
        one(fund::receive_grant(&settings(), 1, "Fundación", mxn(100_001), d(2025, 1, 5)).unwrap());
    // 50,001 to Development and 50,000 to Competition (R-FUND-2): 100,001 in all.
    assert_eq!(deposit_of(&e), 100_001);
    assert_eq!(deposit_of(&reversal_of(&e)), -100_001);
}

#[test]
fn r_cred_1_a_temporary_contribution_deposits_and_its_return_takes_it_back() {
    let s = settings();
    let received = fund::receive_temporary(
        &s,
        &FundState::default(),
        4,
        "Cooperativa",
        mxn(30_000),
        d(2025, 1, 9),
    )
    .unwrap();
    let mut state = FundState::default();
    state.apply_all(&received.events);
    let received = one(received);
    assert_eq!(deposit_of(&received), 30_000);
    let returned = one(fund::return_temporary(&s, &state, 4, d(2025, 2, 9)).unwrap());
    assert_eq!(deposit_of(&returned), -30_000);
}

#[test]
fn r_cred_1_a_members_contribution_paid_deposits_in_cash_or_deducted_from_sales() {
    let s = settings();
    let mut state = FundState::default();
    let period = fund::Period::new(2025, 1, fund::PeriodSettings::default()).unwrap();
    state.apply_all(&[FundEvent::Accrued {
        member_id: 3,
        period,
        contribution: Split::new(2_500, 2_500),
        profit_share_minor: 0,
        adjustment: None,
    }]);
    let cash = fund::pay_contribution(
        &s,
        &state,
        1,
        3,
        4_000,
        fund::PaymentMethod::Cash,
        d(2025, 2, 3),
    )
    .unwrap();
    assert_eq!(deposit_of(&one(cash)), 4_000);
    let deducted = fund::pay_contribution(
        &s,
        &state,
        2,
        3,
        5_000,
        fund::PaymentMethod::DeductFromPayable {
            payable_balance_minor: 9_000,
        },
        d(2025, 2, 3),
    )
    .unwrap();
    let deducted = one(deducted);
    assert_eq!(deposit_of(&deducted), 5_000);
    assert_eq!(deposit_of(&reversal_of(&deducted)), -5_000);
}

#[test]
fn r_cred_1_contributions_opened_as_balances_are_deposits() {
    // `fund::opening` books members' earlier contributions as Dr trust / Cr the sub-funds.
    let e = entry(&[
        ("fund:trust-bank:development", 600),
        ("fund:trust-bank:competition", 600),
        ("fund:development", -600),
        ("fund:competition", -600),
    ]);
    assert_eq!(deposit_of(&e), 1_200);
}

#[test]
fn r_cred_1_a_trust_payment_for_a_borrower_and_its_replenishment_are_the_funds_own_money() {
    let s = settings();
    let state = state_holding(50_000, 50_000);
    let due = fund::InstallmentDue {
        installment_ref: "loan-1:1".into(),
        borrower: fund::Borrower::Odf,
        lender_code: "nafin".into(),
        amount: mxn(20_000),
        due_date: d(2025, 2, 1),
        settles: None,
    };
    let paid = fund::pay_installment_from_fund(&s, &state, &due, d(2025, 2, 1)).unwrap();
    let mut after = state.clone();
    after.apply_all(&paid.events);
    let paid = one(paid);
    assert_eq!(deposit_of(&paid), 0);
    let back = one(fund::replenish(
        &s,
        &after,
        1,
        &fund::Borrower::Odf,
        mxn(20_000),
        None,
        d(2025, 2, 20),
    )
    .unwrap());
    // The trust bank is debited 20,000 again, but that is the Fund's claim collected.
    assert_eq!(deposit_of(&back), 0);
    assert_eq!(deposit_of(&reversal_of(&back)), 0);
}

#[test]
fn r_cred_1_the_competition_sub_funds_working_capital_and_its_recovery_are_the_funds_own_money() {
    let source = trade::capital::FundingSource::CompetitionSubFund {
        decision: trade::capital::BoardDecision {
            decision_id: "7".into(),
            approved_minor: 9_000,
        },
    };
    let po = trade::capital::PurchaseOrder {
        po_id: "r1:clay:arcillas".into(),
        round_id: "r1".into(),
        supplier: "arcillas".into(),
        material: "clay".into(),
        quantity_units: 10,
        cost_minor: 9_000,
        date: d(2025, 1, 20),
    };
    let out =
        trade::capital::pay_supplier(&po, 9_000, &source, 0, d(2025, 1, 20), "pago-1").unwrap();
    assert_eq!(deposit_of(&out), 0);
    let back = trade::capital::repay_source(&source, 9_000, d(2025, 2, 20), "dev-1").unwrap();
    assert_eq!(deposit_of(&back), 0);
    // The line's draws and repayments never touch the trust.
    let line = trade::capital::FundingSource::CreditLine {
        lender_code: "nafin".into(),
    };
    let repaid = trade::capital::repay_source(&line, 9_000, d(2025, 2, 20), "dev-2").unwrap();
    assert_eq!(deposit_of(&repaid), 0);
}

#[test]
fn r_cred_1_spending_and_withdrawals_are_not_deposits_nor_are_their_reversals() {
    // R-FUND-3 and R-FUND-4 legs as `fund::competition` and `fund::development` build them.
    for legs in [
        [
            ("fund:spent:competition", 3_000),
            ("fund:trust-bank:competition", -3_000),
        ],
        [
            ("fund:withdrawn:development", 2_000),
            ("fund:trust-bank:development", -2_000),
        ],
    ] {
        let e = entry(&legs);
        assert_eq!(deposit_of(&e), 0);
        assert_eq!(deposit_of(&reversal_of(&e)), 0);
    }
    // Nor an entry that does not touch the trust, though it credits a sub-fund (an accrual).
    let accrual = entry(&[
        ("members:3:fund-receivable", 500),
        ("fund:development", -500),
    ]);
    assert_eq!(deposit_of(&accrual), 0);
    // Nor money moved in from the ODF's bank without naming a deposit.
    let moved = entry(&[("fund:trust-bank:development", 800), ("odf:bank", -800)]);
    assert_eq!(deposit_of(&moved), 0);
}

#[test]
fn r_cred_1_the_window_sums_signed_deposits_and_never_goes_below_zero() {
    let s = LineSettings::default();
    let start = d(2025, 1, 10);
    // In the window (10 Jan .. 9 Apr): 1,000 + 500 - 1,000 (a reversal) = 500; 10 Apr is out.
    let deposits = [
        (d(2025, 1, 10), 1_000),
        (d(2025, 4, 9), 500),
        (d(2025, 2, 1), -1_000),
        (d(2025, 4, 10), 9_999),
        (d(2025, 1, 9), 7),
    ];
    assert_eq!(initial_deposit(start, &deposits, &s).unwrap(), 500);
    // A return in the window of money deposited before it: nothing was deposited.
    assert_eq!(
        initial_deposit(start, &[(d(2025, 1, 9), 300), (d(2025, 1, 11), -300)], &s).unwrap(),
        0
    );
}
