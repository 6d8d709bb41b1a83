//! Property tests (R-CRED-2, R-CRED-4).

use chrono::NaiveDate;
use credit::cat::{cat, cat_of_schedule, Flow, YearBasis};
use credit::line::{open_line, review, LineSettings, OpenLine, ReviewFacts};
use credit::schedule::{build_schedule, DayCount, Frequency, Method, NominalRate, ScheduleInput};
use ledger::Currency;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn arb_input() -> impl Strategy<Value = ScheduleInput> {
    (
        1_000i64..1_000_000_000,
        0u32..=20_000, // rate in basis points of a percent: 0..200%
        1u32..=120,
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        0u32..4,
        prop_oneof![Just(None), Just(Some(100i64)), Just(Some(1_000i64))],
        0i64..2_000,
        0i64..2_000,
    )
        .prop_map(
            |(p, bp, n, f, ep, a365, grace, mult, fee, day)| ScheduleInput {
                currency: Currency::MXN,
                principal_minor: p,
                rate: NominalRate::Annual(Decimal::new(i64::from(bp), 4)),
                installments: n,
                frequency: [
                    Frequency::Weekly,
                    Frequency::Fortnightly,
                    Frequency::Monthly,
                ][f],
                method: if ep {
                    Method::EqualPrincipal
                } else {
                    Method::EqualInstallments
                },
                day_count: if a365 {
                    DayCount::Actual365
                } else {
                    DayCount::Thirty360
                },
                disbursement_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                    + chrono::Days::new(day as u64),
                first_due_date: None,
                grace_installments: grace.min(n - 1),
                upfront_fee: credit::UpfrontFee::None,
                fee_per_installment_minor: fee,
                rounding_multiple_minor: mult,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Principal sums exactly to the loan; balance is never negative and ends at zero;
    /// every equal-installment row equals the others except the last.
    #[test]
    fn schedules_repay_exactly(input in arb_input()) {
        // Rounding refusals (a multiple too coarse for a small loan) are allowed outcomes.
        let Ok(s) = build_schedule(&input) else { return Ok(()); };
        let sum: i64 = s.rows.iter().map(|r| r.principal_minor).sum();
        prop_assert_eq!(sum, input.principal_minor);
        prop_assert!(s.rows.iter().all(|r| r.balance_after_minor >= 0 && r.principal_minor >= 0 && r.interest_minor >= 0));
        prop_assert_eq!(s.rows.last().unwrap().balance_after_minor, 0);
        prop_assert_eq!(s.rows.len() as u32, input.installments);
        if input.method == Method::EqualInstallments {
            let g = input.grace_installments as usize;
            let amortising = &s.rows[g..];
            if amortising.len() >= 2 {
                let first = amortising[0].installment_minor;
                prop_assert!(amortising[..amortising.len() - 1].iter().all(|r| r.installment_minor == first));
                if let Some(m) = input.rounding_multiple_minor {
                    prop_assert_eq!(first % m, 0);
                }
            }
        }
    }

    /// The CAT of a no-fee monthly loan equals its effective annual rate (1 + r/12)^12 − 1
    /// under periodic year fractions. Large principals make centavo rounding negligible.
    #[test]
    fn cat_of_a_no_fee_loan_is_its_effective_rate(
        p in 10_000_000_000i64..1_000_000_000_000,
        bp in 1u32..=6_000,
        n in 2u32..=60,
    ) {
        let r = Decimal::new(i64::from(bp), 4);
        let s = build_schedule(&ScheduleInput::monthly(p, r, n, NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())).unwrap();
        let c = cat_of_schedule(&s, YearBasis::Periodic(Frequency::Monthly)).unwrap();
        let m = Decimal::ONE + r / Decimal::from(12);
        let mut eff = Decimal::ONE;
        for _ in 0..12 { eff *= m; }
        eff -= Decimal::ONE;
        prop_assert!((c.rate - eff).abs() <= Decimal::new(1, 7), "cat {} eff {}", c.rate, eff);
    }

    /// Single-payment flows have a closed form: 1 + i = (B/A)^(D/e); check i by plugging it back.
    #[test]
    fn cat_solves_its_equation(a in 1_000i64..1_000_000_000, growth_bp in 0u32..10_000, e in 90u32..=730) {
        let b = a + (a as i128 * growth_bp as i128 / 10_000) as i64;
        let c = cat(&[Flow { exponent: 0, amount_minor: a }, Flow { exponent: e, amount_minor: -b }], 365).unwrap();
        prop_assert!(c.rate >= Decimal::ZERO);
        // Monotone: a bigger repayment never lowers the CAT.
        let c2 = cat(&[Flow { exponent: 0, amount_minor: a }, Flow { exponent: e, amount_minor: -(b + a / 100 + 1) }], 365).unwrap();
        prop_assert!(c2.rate >= c.rate);
        // After exactly one year the CAT is B/A − 1, to the documented tolerance.
        let one_year = cat(&[Flow { exponent: 0, amount_minor: a }, Flow { exponent: 365, amount_minor: -b }], 365).unwrap();
        let exact = Decimal::from(b) / Decimal::from(a) - Decimal::ONE;
        prop_assert!((one_year.rate - exact).abs() <= Decimal::new(1, 9), "{} vs {}", one_year.rate, exact);
    }

    /// R-CRED-2: whatever the review outcomes, the limit never exceeds 64× the initial deposit
    /// and a decrease never goes below what is drawn.
    #[test]
    fn line_never_exceeds_the_cap(
        deposit in 1_000i64..10_000_000_000,
        start_pct in 1i64..=200,
        outcomes in proptest::collection::vec((0u32..200, any::<bool>(), 0u32..2, 0i64..=100), 5..12),
    ) {
        let settings = LineSettings::default();
        let opened = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut line = open_line(OpenLine {
            id: 1, lender_code: "nafin".into(), currency: Currency::USD,
            rate: NominalRate::Annual(Decimal::new(18, 2)), initial_deposit_minor: deposit,
            requested_limit_minor: (deposit * start_pct / 100).max(1),
        }, &settings, opened).unwrap();
        for (k, (late, unpaid, notices, drawn_pct)) in outcomes.into_iter().enumerate() {
            line.drawn_minor = line.limit_minor * drawn_pct / 100;
            let today = opened.checked_add_months(chrono::Months::new(6 * (k as u32 + 1))).unwrap();
            let facts = ReviewFacts { max_days_late: late, late_still_unpaid: unpaid && late > 30, unresolved_notices: notices };
            line = review(&line, &facts, &settings, today).unwrap().line;
            prop_assert!(line.limit_minor <= 64 * deposit);
            prop_assert!(line.limit_minor >= line.drawn_minor);
        }
    }
}
