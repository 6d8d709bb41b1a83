//! The CAT (R-CRED-4) against cases solvable by hand.

use chrono::NaiveDate;
use credit::cat::{cat, cat_dated, cat_of_schedule, Flow, YearBasis};
use credit::schedule::{build_schedule, Frequency, ScheduleInput, UpfrontFee};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn one_payment_after_one_year_is_its_simple_rate() {
    // 1000 drawn, 1100 paid 365 days later: 1000 = 1100/(1+i) → i = 10% exactly.
    let c = cat(
        &[
            Flow {
                exponent: 0,
                amount_minor: 100_000,
            },
            Flow {
                exponent: 365,
                amount_minor: -110_000,
            },
        ],
        365,
    )
    .unwrap();
    assert!(close(c.rate, dec!(0.10), dec!(0.000000001)), "{}", c.rate);
    assert_eq!(c.percent_one_decimal, dec!(10.0));
}

#[test]
fn two_years_compound() {
    // 1000 → 1210 after 730 days: (1+i)^2 = 1.21 → i = 10%.
    let c = cat_dated(
        d(2026, 1, 1),
        &[(d(2026, 1, 1), 100_000), (d(2028, 1, 1), -121_000)],
        YearBasis::Days365,
    )
    .unwrap();
    assert!(close(c.rate, dec!(0.10), dec!(0.000000001)), "{}", c.rate);
}

#[test]
fn half_a_year() {
    // 1000 → 1050 after 6 of 12 periods: (1+i)^0.5 = 1.05 → i = 0.1025.
    let c = cat(
        &[
            Flow {
                exponent: 0,
                amount_minor: 100_000,
            },
            Flow {
                exponent: 6,
                amount_minor: -105_000,
            },
        ],
        12,
    )
    .unwrap();
    assert!(close(c.rate, dec!(0.1025), dec!(0.000000001)), "{}", c.rate);
}

#[test]
fn paying_back_less_than_drawn_is_a_negative_cat() {
    // 1000 → 900 after a year: i = −10%.
    let c = cat(
        &[
            Flow {
                exponent: 0,
                amount_minor: 100_000,
            },
            Flow {
                exponent: 365,
                amount_minor: -90_000,
            },
        ],
        365,
    )
    .unwrap();
    assert!(close(c.rate, dec!(-0.10), dec!(0.000000001)), "{}", c.rate);
    let zero = cat(
        &[
            Flow {
                exponent: 0,
                amount_minor: 100_000,
            },
            Flow {
                exponent: 365,
                amount_minor: -100_000,
            },
        ],
        365,
    )
    .unwrap();
    assert_eq!(zero.rate, Decimal::ZERO);
}

#[test]
fn no_fee_monthly_loan_cat_is_the_effective_rate() {
    // Periodic basis: rows at k/12 years. Effective rate of 18% nominal: 1.015^12 − 1 =
    // 0.195618171... Centavo rounding of the installment moves the CAT by far less than 0.05%.
    let s = build_schedule(&ScheduleInput::monthly(
        2_500_000,
        dec!(0.18),
        12,
        d(2026, 3, 10),
    ))
    .unwrap();
    let c = cat_of_schedule(&s, YearBasis::Periodic(Frequency::Monthly)).unwrap();
    assert!(
        close(c.rate, dec!(0.1956181715), dec!(0.00001)),
        "{}",
        c.rate
    );
    assert_eq!(c.percent_one_decimal, dec!(19.6));
}

#[test]
fn fees_raise_the_cat() {
    let plain = ScheduleInput::monthly(2_500_000, dec!(0.18), 12, d(2026, 3, 10));
    let with_fees = ScheduleInput {
        fee_per_installment_minor: 5_000,
        upfront_fee: UpfrontFee::PercentOfPrincipal(dec!(0.015)),
        ..plain.clone()
    };
    let a = cat_of_schedule(&build_schedule(&plain).unwrap(), YearBasis::Days365).unwrap();
    let b = cat_of_schedule(&build_schedule(&with_fees).unwrap(), YearBasis::Days365).unwrap();
    assert!(b.rate > a.rate + dec!(0.05), "{} vs {}", a.rate, b.rate);
    // Under day-based fractions the no-fee CAT is close to, not equal to, the effective rate.
    assert!(close(a.rate, dec!(0.1956), dec!(0.002)), "{}", a.rate);
}

#[test]
fn flows_without_a_root_are_refused() {
    let only_draws = cat(
        &[
            Flow {
                exponent: 0,
                amount_minor: 100,
            },
            Flow {
                exponent: 10,
                amount_minor: 100,
            },
        ],
        365,
    );
    let e = only_draws.unwrap_err();
    assert_eq!((e.rule(), e.field()), ("R-CRED-4", "flows"));
    // A payment 10,000 times the drawdown after one month is beyond the supported range.
    let absurd = cat(
        &[
            Flow {
                exponent: 0,
                amount_minor: 100,
            },
            Flow {
                exponent: 1,
                amount_minor: -1_000_000,
            },
        ],
        12,
    );
    assert!(matches!(absurd, Err(credit::CreditError::NoRoot { .. })));
}

#[test]
fn periodic_basis_needs_whole_periods() {
    let e = cat_dated(
        d(2026, 1, 1),
        &[(d(2026, 1, 1), 100), (d(2026, 2, 3), -101)],
        YearBasis::Periodic(Frequency::Monthly),
    )
    .unwrap_err();
    assert_eq!(e.field(), "flows.date");
}
