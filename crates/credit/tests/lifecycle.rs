//! Credit line (R-CRED-1, R-CRED-2, R-CRED-6), loans (R-CRED-3..5), portfolio quality and
//! leasing (R-LEASE-1, R-LEASE-2) as pure decisions.

use chrono::{Months, NaiveDate};
use credit::lease::{self, Asset, LeaseSettings, StartLease, TransferLease};
use credit::line::{
    self, initial_deposit, open_line, review, LimitReason, LineSettings, OpenLine, ReviewFacts,
    ReviewOutcome,
};
use credit::loan::{
    self, BoardApproval, Borrower, EligibilityInput, LoanOutcome, LoanProposal, LoanStatus,
    Payment, Subject,
};
use credit::quality::{portfolio_quality, review_facts, AgingBucket};
use credit::schedule::{NominalRate, ScheduleInput};
use credit::CreditError;
use ledger::{Currency, TrialBalance};
use rust_decimal_macros::dec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const USD: i64 = 100; // minor units per dollar

fn pilot_line(limit_minor: i64) -> credit::line::CreditLine {
    open_line(
        OpenLine {
            id: 1,
            lender_code: "nafin".into(),
            currency: Currency::USD,
            rate: NominalRate::Annual(dec!(0.18)),
            initial_deposit_minor: 235_000 * USD,
            requested_limit_minor: limit_minor,
        },
        &LineSettings::default(),
        d(2000, 1, 1),
    )
    .unwrap()
}

fn always_paid() -> ReviewFacts {
    ReviewFacts::default()
}

#[test]
fn the_seed_002_pilots_reach_8_64_million_and_17_01_accumulated() {
    // R-CRED-2 worked example: D = 235,000; start 270,000 (≤ 2D = 470,000); doubling each six
    // months gives 8.64 million at month 30 and six limits adding up to 17.01 million.
    let settings = LineSettings::default();
    let mut l = pilot_line(270_000 * USD);
    let mut limits = vec![l.limit_minor];
    for k in 1..=5 {
        let today = d(2000, 1, 1)
            .checked_add_months(Months::new(6 * k))
            .unwrap();
        let r = review(&l, &always_paid(), &settings, today).unwrap();
        assert_eq!(r.outcome, ReviewOutcome::Met);
        l = r.line;
        limits.push(l.limit_minor);
    }
    assert_eq!(l.limit_minor, 8_640_000 * USD);
    assert_eq!(limits.iter().sum::<i64>(), 17_010_000 * USD);
    assert_eq!(l.cap_minor(&settings), 15_040_000 * USD);
    assert_eq!(l.limit_history.len(), 6);
    assert!(l.limit_history[1..]
        .iter()
        .all(|c| c.reason == LimitReason::ReviewMet));
}

#[test]
fn a_group_that_always_pays_reaches_exactly_64x_at_month_30_and_no_more() {
    let settings = LineSettings::default();
    let mut l = pilot_line(470_000 * USD); // 2D
    for k in 1..=8 {
        let today = d(2000, 1, 1)
            .checked_add_months(Months::new(6 * k))
            .unwrap();
        l = review(&l, &always_paid(), &settings, today).unwrap().line;
        if k == 5 {
            assert_eq!(l.limit_minor, 64 * 235_000 * USD);
        }
        assert!(l.limit_minor <= 64 * 235_000 * USD);
    }
    assert_eq!(l.limit_minor, 15_040_000 * USD);
    assert!(l.limit_history.last().unwrap().capped);
}

#[test]
fn opening_above_twice_the_initial_deposit_is_refused() {
    // Deposits in the first three months only count (R-CRED-1).
    let s = LineSettings::default();
    let dep = initial_deposit(
        d(2026, 1, 10),
        &[
            (d(2026, 1, 10), 1_000),
            (d(2026, 4, 9), 500),
            (d(2026, 4, 10), 9_999),
        ],
        &s,
    )
    .unwrap();
    assert_eq!(dep, 1_500);
    let e = open_line(
        OpenLine {
            id: 1,
            lender_code: "nafin".into(),
            currency: Currency::MXN,
            rate: NominalRate::Annual(dec!(0.18)),
            initial_deposit_minor: dep,
            requested_limit_minor: 3_001,
        },
        &s,
        d(2026, 4, 10),
    )
    .unwrap_err();
    assert_eq!((e.rule(), e.field()), ("R-CRED-1", "requested_limit_minor"));
}

#[test]
fn review_keeps_when_cured_halves_otherwise_never_below_drawn_and_waits_its_turn() {
    let s = LineSettings::default();
    let l = pilot_line(400_000 * USD);
    let early = review(&l, &always_paid(), &s, d(2000, 6, 30)).unwrap_err();
    assert_eq!((early.rule(), early.field()), ("R-CRED-2", "today"));
    let cured = ReviewFacts {
        max_days_late: 45,
        late_still_unpaid: false,
        unresolved_notices: 0,
    };
    let r = review(&l, &cured, &s, d(2000, 7, 1)).unwrap();
    assert_eq!(
        (r.outcome, r.line.limit_minor),
        (ReviewOutcome::LateButCured, 400_000 * USD)
    );
    let mut drawn = l.clone();
    drawn.drawn_minor = 300_000 * USD;
    let notice = ReviewFacts {
        unresolved_notices: 1,
        ..ReviewFacts::default()
    };
    let r = review(&drawn, &notice, &s, d(2000, 7, 1)).unwrap();
    assert_eq!(r.outcome, ReviewOutcome::NotMet);
    assert_eq!(r.line.limit_minor, 300_000 * USD); // half would be 200,000 < drawn
    assert!(r.change.floored_at_drawn);
}

fn mxn_line() -> credit::line::CreditLine {
    open_line(
        OpenLine {
            id: 7,
            lender_code: "nafin".into(),
            currency: Currency::MXN,
            rate: NominalRate::Annual(dec!(0.12)),
            initial_deposit_minor: 1_000_000,
            requested_limit_minor: 2_000_000,
        },
        &LineSettings::default(),
        d(2026, 1, 1),
    )
    .unwrap()
}

fn approval(subject: Subject) -> BoardApproval {
    BoardApproval {
        decision_id: 99,
        subject,
        approved: true,
        decided_on: d(2026, 1, 10),
    }
}

fn member_loan(
    id: i64,
    principal: i64,
) -> (
    loan::Loan,
    credit::line::CreditLine,
    Vec<ledger::ValidEntry>,
) {
    let line = mxn_line();
    let proposal = LoanProposal {
        id,
        borrower: Borrower::Member(42),
        terms: ScheduleInput::monthly(principal, dec!(0.12), 3, d(2026, 1, 15)),
    };
    let approved = loan::approve(
        &proposal,
        &line,
        1_000_000,
        &[],
        &approval(Subject::Loan(id)),
    )
    .unwrap();
    let disb = loan::disburse(&approved, &line, d(2026, 1, 15), &format!("loan-{id}")).unwrap();
    (disb.loan, disb.line, disb.entries)
}

fn trial_balance_is_zero(entries: &[ledger::ValidEntry]) {
    assert!(TrialBalance::from_entries(entries).is_balanced());
}

#[test]
fn a_loan_from_approval_to_closing_on_time() {
    let (mut l, line, mut entries) = member_loan(1, 100_000);
    assert_eq!(line.drawn_minor, 100_000);
    assert_eq!(l.status, LoanStatus::Active);
    // The hand case: 34002, 34002, 34003.
    for (k, (date, amount)) in [
        (d(2026, 2, 15), 34_002),
        (d(2026, 3, 14), 34_002),
        (d(2026, 4, 15), 34_003),
    ]
    .into_iter()
    .enumerate()
    {
        let r = loan::repay(
            &l,
            &Payment {
                key: format!("p{k}"),
                date,
                amount_minor: amount,
            },
        )
        .unwrap();
        entries.push(r.entry);
        l = r.loan;
    }
    let closed = l;
    assert_eq!(closed.status, LoanStatus::Closed);
    let outcome = closed.outcome().unwrap();
    assert!(outcome.repaid_on_time);
    trial_balance_is_zero(&entries);
    // A closed loan takes no payment.
    let e = loan::repay(
        &closed,
        &Payment {
            key: "late".into(),
            date: d(2026, 5, 1),
            amount_minor: 1,
        },
    )
    .unwrap_err();
    assert_eq!((e.rule(), e.field()), ("R-CRED-4", "loan_id"));
    assert!(matches!(e, CreditError::WrongState { .. }));
    // R-CRED-5: the next loan may be up to 1.5 × 1,000.00.
    let el = loan::eligibility(&EligibilityInput {
        requested_minor: 0,
        line_available_minor: 10_000_000,
        plan_recommended_minor: 10_000_000,
        history: &[outcome],
    });
    assert_eq!(el.max_minor, 150_000);
}

#[test]
fn allocation_goes_fees_then_interest_then_principal() {
    let line = mxn_line();
    let terms = ScheduleInput {
        fee_per_installment_minor: 500,
        ..ScheduleInput::monthly(100_000, dec!(0.12), 3, d(2026, 1, 15))
    };
    let proposal = LoanProposal {
        id: 3,
        borrower: Borrower::Member(42),
        terms,
    };
    let l = loan::approve(
        &proposal,
        &line,
        1_000_000,
        &[],
        &approval(Subject::Loan(3)),
    )
    .unwrap();
    let l = loan::disburse(&l, &line, d(2026, 1, 15), "k").unwrap().loan;
    let r = loan::repay(
        &l,
        &Payment {
            key: "p".into(),
            date: d(2026, 2, 15),
            amount_minor: 1_200,
        },
    )
    .unwrap();
    assert_eq!(
        (
            r.allocation.total.fees_minor,
            r.allocation.total.interest_minor,
            r.allocation.total.principal_minor
        ),
        (500, 700, 0)
    );
}

#[test]
fn prepayment_shortens_the_term_and_recomputes_interest_and_reversal_restores() {
    let (l, _, _) = member_loan(4, 100_000);
    // Pay row 1 (34002) plus 40,000 more on its due date: row 2 is the current period and is
    // paid in full (34002), the rest (5,998) comes off the last row's principal.
    let r = loan::repay(
        &l,
        &Payment {
            key: "big".into(),
            date: d(2026, 2, 15),
            amount_minor: 74_002,
        },
    )
    .unwrap();
    assert_eq!(r.prepaid_principal_minor, 74_002 - 34_002 - 34_002);
    // Row 3 now owes 33666 − 5998 = 27668 principal, interest on it: 276.68 → 277.
    let row3 = &r.loan.book.rows[2];
    assert_eq!(
        (
            row3.outstanding().principal_minor,
            row3.outstanding().interest_minor
        ),
        (27_668, 277)
    );
    // Paying off while row 2 is the current period owes row 3's principal only; once row 3 is
    // the current period, its interest too.
    assert_eq!(loan::payoff_minor(&r.loan, d(2026, 3, 1)), 27_668);
    assert_eq!(loan::payoff_minor(&r.loan, d(2026, 3, 20)), 27_668 + 277);
    let (back, rev) =
        loan::reverse_last_payment(&r.loan, "big", 55, d(2026, 2, 16), "big:rev").unwrap();
    assert_eq!(back.book, l.book);
    assert_eq!(rev.reverses(), Some(55));
    trial_balance_is_zero(&[r.entry, rev]);
}

#[test]
fn more_than_the_payoff_is_refused() {
    let (l, _, _) = member_loan(5, 100_000);
    let e = loan::repay(
        &l,
        &Payment {
            key: "x".into(),
            date: d(2026, 1, 20),
            amount_minor: 10_000_000,
        },
    )
    .unwrap_err();
    assert_eq!((e.rule(), e.field()), ("R-CRED-4", "amount_minor"));
}

#[test]
fn eligibility_names_the_binding_rule() {
    let h = [LoanOutcome {
        principal_minor: 100_000,
        closed_on: d(2025, 1, 1),
        repaid_on_time: true,
    }];
    let check = |req, line, plan, hist: &[LoanOutcome]| {
        loan::check_eligibility(&EligibilityInput {
            requested_minor: req,
            line_available_minor: line,
            plan_recommended_minor: plan,
            history: hist,
        })
        .map_err(|e| e.rule())
    };
    assert_eq!(check(200_000, 100_000, 1_000_000, &[]), Err("R-CRED-1"));
    assert_eq!(check(200_000, 1_000_000, 150_000, &[]), Err("R-CRED-3"));
    assert_eq!(check(160_000, 1_000_000, 1_000_000, &h), Err("R-CRED-5"));
    assert!(check(150_000, 1_000_000, 1_000_000, &h).is_ok());
    let late = [LoanOutcome {
        repaid_on_time: false,
        ..h[0]
    }];
    assert_eq!(check(100_001, 1_000_000, 1_000_000, &late), Err("R-CRED-5"));
}

#[test]
fn approval_needs_the_boards_decision_on_this_loan() {
    let line = mxn_line();
    let proposal = LoanProposal {
        id: 8,
        borrower: Borrower::Member(1),
        terms: ScheduleInput::monthly(100_000, dec!(0.12), 3, d(2026, 1, 15)),
    };
    let wrong = loan::approve(
        &proposal,
        &line,
        1_000_000,
        &[],
        &approval(Subject::Loan(9)),
    )
    .unwrap_err();
    assert_eq!((wrong.rule(), wrong.field()), ("R-GOV-2", "board_decision"));
    let rejected = BoardApproval {
        approved: false,
        ..approval(Subject::Loan(8))
    };
    assert!(loan::approve(&proposal, &line, 1_000_000, &[], &rejected).is_err());
    let bad_rate = LoanProposal {
        terms: ScheduleInput::monthly(100_000, dec!(0.30), 3, d(2026, 1, 15)),
        ..proposal
    };
    assert_eq!(
        loan::approve(
            &bad_rate,
            &line,
            1_000_000,
            &[],
            &approval(Subject::Loan(8))
        )
        .unwrap_err()
        .field(),
        "terms.rate"
    );
}

#[test]
fn late_interest_write_off_and_portfolio_quality() {
    let (a, _, _) = member_loan(10, 100_000);
    let (b, _, _) = member_loan(11, 300_000);
    // Loan 10 pays row 1 on time; loan 11 pays nothing. On 2026-04-20 loan 11 is 64 days late.
    let a = loan::repay(
        &a,
        &Payment {
            key: "a1".into(),
            date: d(2026, 2, 15),
            amount_minor: 34_002,
        },
    )
    .unwrap()
    .loan;
    let today = d(2026, 4, 20);
    let q = portfolio_quality(&[a.clone(), b.clone()], today);
    assert_eq!(q.gross_portfolio_minor, 66_998 + 300_000);
    // Both loans have an installment more than 30 days late: the whole portfolio is at risk.
    assert_eq!(q.par30.num_minor, 366_998);
    assert_eq!(q.par30.value().unwrap(), rust_decimal::Decimal::ONE);
    assert_eq!(q.par90.num_minor, 0);
    assert_eq!(q.par90.value().unwrap(), rust_decimal::Decimal::ZERO);
    // Repayment rate: all three rows of each loan fell due; only loan 10's first was paid on time.
    let due_a = 102_007;
    let due_b: i64 = b
        .book
        .rows
        .iter()
        .filter(|r| r.due_date <= today)
        .map(|r| r.due.total())
        .sum();
    assert_eq!(
        (q.repayment_rate.num_minor, q.repayment_rate.den_minor),
        (34_002, due_a + due_b)
    );
    assert_eq!(q.aging[AgingBucket::Days61To90 as usize].loans, 1);
    assert_eq!(q.aging[AgingBucket::Days31To60 as usize].loans, 1); // loan 10: Mar 15 unpaid, 36 days
    let facts = review_facts(&[a, b.clone()], d(2026, 1, 1), today, 30, 0);
    assert!(facts.late_still_unpaid && facts.max_days_late == 64);
    // Late interest on loan 11 at 12% actual/365 on overdue principal: row 1 for 64 days,
    // row 2 for 36 days, row 3 for 5 days.
    let (b2, late) = loan::accrue_late_interest(&b, loan::LateRate::Ordinary, today).unwrap();
    let row1 = b.book.rows[0].due.principal_minor;
    let row2 = b.book.rows[1].due.principal_minor;
    let row3 = b.book.rows[2].due.principal_minor;
    let late_of = |p: i64, days: i128| (p as i128 * 12 * days * 2 + 36_500) / 73_000;
    let expect = late_of(row1, 64) + late_of(row2, 36) + late_of(row3, 5);
    assert!((late as i128 - expect).abs() <= 1, "{late} vs {expect}");
    let (wo, entry) =
        loan::write_off(&b2, &approval(Subject::WriteOff(11)), today, "wo-11").unwrap();
    assert_eq!(wo.status, LoanStatus::WrittenOff);
    assert_eq!(entry.postings()[0].amount.amount_minor(), 300_000);
}

#[test]
fn moving_the_line_and_its_loans_to_a_commercial_bank_keeps_history() {
    let (l, line, _) = member_loan(20, 100_000);
    let t = line::transfer_line(
        &line,
        std::slice::from_ref(&l),
        "banco-comercial",
        d(2026, 6, 1),
        "xfer-1",
    )
    .unwrap();
    assert_eq!(t.line.lender_code, "banco-comercial");
    assert_eq!(t.line.limit_history, line.limit_history);
    assert_eq!(&t.line.events[..line.events.len()], &line.events[..]);
    assert_eq!(t.loans[0].lender_code, "banco-comercial");
    assert_eq!(t.loans[0].book, l.book);
    let entry = t.entry.unwrap();
    let p: Vec<_> = entry
        .postings()
        .iter()
        .map(|p| (p.account.as_str().to_string(), p.amount.amount_minor()))
        .collect();
    assert_eq!(
        p,
        vec![
            ("lenders:nafin:line".to_string(), 100_000),
            ("lenders:banco-comercial:line".to_string(), -100_000)
        ]
    );
    assert_eq!(entry.rule_id().as_str(), "R-CRED-6");
}

#[test]
fn a_lease_passes_to_another_member_who_pays_only_what_remains() {
    let s = LeaseSettings::default();
    let asset = Asset {
        id: 1,
        description: "Horno de alta temperatura".into(),
        cost_minor: 120_000,
    };
    let (_, buy) = lease::acquire_asset(&mxn_line(), &asset, d(2026, 1, 10), "asset-1").unwrap();
    let terms = ScheduleInput::monthly(120_000, dec!(0.12), 6, d(2026, 1, 15));
    let l = lease::start_lease(
        StartLease {
            id: 5,
            asset,
            lessee: 1,
            lessee_is_active_member: true,
            terms,
        },
        &s,
        &approval(Subject::Lease(5)),
    )
    .unwrap();
    assert_eq!(l.owner, lease::AssetOwner::Odf);
    let total_rent = l.book.outstanding().total();
    // Member 1 pays two rents and part of a third, then stops.
    let rent = l.schedule.rows[0].installment_minor;
    let (l, e1) = lease::pay_rent(&l, 2 * rent + 5_000, d(2026, 3, 15), "r1").unwrap();
    let before = l.book.outstanding().total();
    // 89 days after the 2026-04-15 row: not yet in default, and no board decision.
    let cmd = TransferLease {
        to_member: 2,
        to_member_is_active: true,
        decision: None,
        date: d(2026, 7, 13),
    };
    assert_eq!(
        lease::transfer_lease(&l, &cmd, &s).unwrap_err().rule(),
        "R-LEASE-2"
    );
    let cmd = TransferLease {
        date: d(2026, 7, 14),
        ..cmd
    };
    assert!(lease::is_in_default(&l, &s, cmd.date));
    let t = lease::transfer_lease(&l, &cmd, &s).unwrap();
    assert_eq!(t.lessee, 2);
    assert_eq!(t.book.outstanding().total(), before); // nothing charged again
                                                      // The partly paid row 3 is now due on the first regular date after the transfer.
    assert_eq!(t.book.rows[2].due_date, d(2026, 7, 15));
    assert_eq!(t.book.rows[2].paid.total(), 5_000);
    // R-LEASE-1: the option is closed while rent is owed.
    let take_option = |l: &lease::Lease, by: i64, date: NaiveDate| {
        lease::exercise_purchase(l, &lease::ExercisePurchase { by, date }, "buy")
    };
    let err = take_option(&t, 2, d(2026, 7, 14)).unwrap_err();
    assert_eq!((err.rule(), err.field()), ("R-LEASE-1", "lease_id"));
    // Member 2 pays everything left, then buys the asset for MXN 1.00.
    let (t, e2) = lease::pay_rent(&t, before, d(2026, 7, 15), "r2").unwrap();
    assert_eq!(t.status, lease::LeaseStatus::RentPaid);
    assert_eq!(t.rent_paid_on(), Some(d(2026, 7, 15)));
    assert_eq!(t.carrying_value_minor(), 0);
    // Only the current lessee buys: not member 1, from whom the lease was taken.
    let err = take_option(&t, 1, d(2026, 7, 20)).unwrap_err();
    assert_eq!((err.rule(), err.field()), ("R-LEASE-1", "member_id"));
    // Not before the option opened with the last rent.
    let err = take_option(&t, 2, d(2026, 7, 14)).unwrap_err();
    assert_eq!((err.rule(), err.field()), ("R-LEASE-1", "on"));
    let paid: i64 = t.payments.iter().map(|(_, a)| a.total.total()).sum();
    assert_eq!(paid, total_rent);
    assert_eq!(
        t.payments.iter().map(|(who, _)| *who).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let (bought, e3) = take_option(&t, 2, d(2026, 7, 20)).unwrap();
    assert_eq!(bought.owner, lease::AssetOwner::Member(2));
    assert_eq!(bought.status, lease::LeaseStatus::Purchased);
    assert_eq!(
        bought.purchase(),
        Some(lease::Purchase {
            by: 2,
            on: d(2026, 7, 20),
            price_minor: 100
        })
    );
    // The price into the bank, all of it income: nothing is left to take off the asset.
    let postings: Vec<(String, i64)> = e3
        .as_ref()
        .unwrap()
        .postings()
        .iter()
        .map(|p| (p.account.to_string(), p.amount.amount_minor()))
        .collect();
    assert_eq!(
        postings,
        vec![
            ("odf:bank".to_string(), 100),
            ("odf:income:asset-sales".to_string(), -100)
        ]
    );
    // A second time is refused.
    let err = take_option(&bought, 2, d(2026, 7, 21)).unwrap_err();
    assert_eq!((err.rule(), err.field()), ("R-LEASE-1", "lease_id"));
    // Were 0.50 still carried for the asset, it would leave the books with the sale: 1.00
    // into the bank, 0.50 off the asset, 0.50 of gain.
    let mut carried = t.clone();
    carried.asset.cost_minor += 50;
    let (_, e) = take_option(&carried, 2, d(2026, 7, 20)).unwrap();
    let postings: Vec<(String, i64)> = e
        .unwrap()
        .postings()
        .iter()
        .map(|p| (p.account.to_string(), p.amount.amount_minor()))
        .collect();
    assert_eq!(
        postings,
        vec![
            ("odf:bank".to_string(), 100),
            ("odf:leased-assets".to_string(), -50),
            ("odf:income:asset-sales".to_string(), -50)
        ]
    );
    let entries = vec![buy, e1, e2, e3.unwrap()];
    trial_balance_is_zero(&entries);
    // The asset's carrying value is fully recovered by the rents.
    let net: i64 = entries
        .iter()
        .flat_map(|e| e.postings())
        .filter(|p| p.account.as_str() == "odf:leased-assets")
        .map(|p| p.amount.amount_minor())
        .sum();
    assert_eq!(net, 0);
}

#[test]
fn r_cred_4_a_month_end_lease_keeps_month_end_rent_dates_after_a_transfer() {
    // Rent from 2026-01-31: due on each month's last day (first of the next month minus one
    // day), before and after a transfer that shifts the unpaid rows onto later dates.
    let month_end = |y: i32, m: u32| {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        d(ny, nm, 1).pred_opt().unwrap()
    };
    let s = LeaseSettings::default();
    let asset = Asset {
        id: 2,
        description: "Molino".into(),
        cost_minor: 60_000,
    };
    let l = lease::start_lease(
        StartLease {
            id: 6,
            asset,
            lessee: 1,
            lessee_is_active_member: true,
            terms: ScheduleInput::monthly(60_000, dec!(0.12), 6, d(2026, 1, 31)),
        },
        &s,
        &approval(Subject::Lease(6)),
    )
    .unwrap();
    let dates: Vec<_> = l.book.rows.iter().map(|r| r.due_date).collect();
    assert_eq!(
        dates,
        (2..=7).map(|m| month_end(2026, m)).collect::<Vec<_>>()
    );
    // Nothing paid: on 2026-05-30 the 02-28 row is 91 days late (default). Rows due by then
    // (02-28, 03-31, 04-30) move three periods on, to 05-31, 06-30, ..., 10-31.
    let cmd = TransferLease {
        to_member: 2,
        to_member_is_active: true,
        decision: None,
        date: d(2026, 5, 30),
    };
    let t = lease::transfer_lease(&l, &cmd, &s).unwrap();
    let dates: Vec<_> = t.book.rows.iter().map(|r| r.due_date).collect();
    assert_eq!(
        dates,
        (5..=10).map(|m| month_end(2026, m)).collect::<Vec<_>>()
    );
}

#[test]
fn r_fund_6_the_trust_pays_the_row_as_it_stands_never_more_principal_than_is_left() {
    // 3,000.00 at 12% (1% a month), 3 rows: 3,000 × 0.01 / (1 − 1.01^−3) = 1,020.07; row 1 is
    // 30.00 of interest and 990.07 of principal.
    let (l, _, _) = member_loan(1, 300_000);
    assert_eq!(loan::trust_due(&l, 1, 300_000), Some((99_007, 3_000)));
    // Never more principal than the caller says is left.
    assert_eq!(loan::trust_due(&l, 1, 50_000), Some((50_000, 3_000)));
    // No such row: nothing.
    assert_eq!(loan::trust_due(&l, 4, 300_000), None);
    // A member who paid part of row 1 still owes it to the ODF: the trust pays the whole row
    // to the lender (the member's money replenishes the trust).
    let part = loan::repay(
        &l,
        &Payment {
            key: "p-1".into(),
            date: d(2026, 2, 10),
            amount_minor: 50_000,
        },
    )
    .unwrap()
    .loan;
    assert_eq!(loan::trust_due(&part, 1, 300_000), Some((99_007, 3_000)));
    // Paid off: the loan is closed and the trust pays nothing more.
    let payoff = loan::payoff_minor(&l, d(2026, 1, 20));
    let closed = loan::repay(
        &l,
        &Payment {
            key: "p-all".into(),
            date: d(2026, 1, 20),
            amount_minor: payoff,
        },
    )
    .unwrap()
    .loan;
    assert_eq!(closed.status, LoanStatus::Closed);
    assert_eq!(loan::trust_due(&closed, 2, 300_000), None);
    assert_eq!(loan::prepaid_principal_minor(&closed), 300_000 - 99_007);
}

#[test]
fn disbursing_in_place_changes_the_loan_and_line_as_disburse_does_and_a_refusal_changes_nothing() {
    let line = mxn_line();
    let proposal = LoanProposal {
        id: 5,
        borrower: Borrower::Member(42),
        terms: ScheduleInput::monthly(300_000, dec!(0.12), 3, d(2026, 1, 15)),
    };
    let approved = loan::approve(
        &proposal,
        &line,
        1_000_000,
        &[],
        &approval(Subject::Loan(5)),
    )
    .unwrap();
    let decided = loan::disburse(&approved, &line, d(2026, 1, 15), "loan-5").unwrap();
    // With a key: the same loan, line and entries (draw, then the member's disbursement).
    let (mut l, mut ln) = (approved.clone(), line.clone());
    let entries = loan::disburse_in_place(&mut l, &mut ln, d(2026, 1, 15), Some("loan-5")).unwrap();
    assert_eq!(
        (&l, &ln, &entries),
        (&decided.loan, &decided.line, &decided.entries)
    );
    assert_eq!(ln.drawn_minor, 300_000);
    // Without a key (a replay): the same state, no entries.
    let (mut l, mut ln) = (approved.clone(), line.clone());
    let none = loan::disburse_in_place(&mut l, &mut ln, d(2026, 1, 15), None).unwrap();
    assert!(none.is_empty());
    assert_eq!((&l, &ln), (&decided.loan, &decided.line));
    // R-CRED-4: another date is refused, and neither the loan nor the line changes.
    let (mut l, mut ln) = (approved.clone(), line.clone());
    let err = loan::disburse_in_place(&mut l, &mut ln, d(2026, 1, 16), None).unwrap_err();
    assert_eq!(err.rule(), "R-CRED-4");
    assert_eq!((&l, &ln), (&approved, &line));
    // R-CRED-1: above what the line has available, refused the same way.
    let mut full = line.clone();
    full.drawn_minor = full.limit_minor - 100_000;
    let (mut l, mut ln) = (approved.clone(), full.clone());
    let err = loan::disburse_in_place(&mut l, &mut ln, d(2026, 1, 15), Some("loan-5")).unwrap_err();
    assert_eq!(err.rule(), "R-CRED-1");
    assert_eq!((&l, &ln), (&approved, &full));
}
