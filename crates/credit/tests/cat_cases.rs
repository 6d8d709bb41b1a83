//! The CAT (R-CRED-4) against cases solvable by hand.

use chrono::{Datelike, NaiveDate};
use credit::cat::{cat, cat_dated, cat_of_offer, cat_of_schedule, Flow, YearBasis};
use credit::schedule::{
    build_schedule, DayCount, Frequency, NominalRate, ScheduleInput, UpfrontFee,
};
use rust_decimal::{Decimal, RoundingStrategy};
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

/// `x^k` by repeated multiplication.
fn pow(x: Decimal, k: u32) -> Decimal {
    (0..k).fold(Decimal::ONE, |acc, _| acc * x)
}

/// Percent with one decimal, half-to-even: the figure an offer shows.
fn shown(rate: Decimal) -> Decimal {
    (rate * Decimal::ONE_HUNDRED).round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven)
}

/// An independent CAT on the periodic basis (row k at k/12 years): bisection in `Decimal`
/// for the monthly rate j with Σ pay_k/(1+j)^k = net, then (1+j)^12 − 1. Shares nothing with
/// the crate's fixed-point Newton solver.
fn bisection_cat(net_minor: i64, pays_minor: &[i64]) -> Decimal {
    let pv = |j: Decimal| {
        let v = Decimal::ONE / (Decimal::ONE + j);
        let mut f = Decimal::ONE;
        let mut sum = Decimal::ZERO;
        for p in pays_minor {
            f *= v;
            sum += Decimal::from(*p) * f;
        }
        sum
    };
    let (mut lo, mut hi) = (Decimal::ZERO, Decimal::ONE);
    for _ in 0..70 {
        let mid = (lo + hi) / Decimal::TWO;
        if pv(mid) > Decimal::from(net_minor) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    pow(Decimal::ONE + lo, 12) - Decimal::ONE
}

/// Every day of 2026 and of 2028 (a leap year): 731 start dates.
fn start_days() -> impl Iterator<Item = NaiveDate> {
    [2026, 2028]
        .into_iter()
        .flat_map(|y| d(y, 1, 1).iter_days().take_while(move |x| x.year() == y))
}

#[test]
fn r_cred_4_one_percent_a_month_shows_12_7_percent_from_any_start_day() {
    // 1% a month (12% nominal a year), 12 monthly rows, no fees: the CAT is the effective rate
    // 1.01^12 − 1 = (101^12 − 100^12) / 100^12 = 0.126825030131969720661201, exactly, in
    // integers. A large principal makes centavo rounding of the installments negligible.
    let exact = Decimal::from_i128_with_scale(101i128.pow(12) - 100i128.pow(12), 24);
    assert_eq!(exact, dec!(0.126825030131969720661201));
    assert_eq!(shown(exact), dec!(12.7));
    for start in start_days() {
        let s = build_schedule(&ScheduleInput {
            rate: NominalRate::Monthly(dec!(0.01)),
            ..ScheduleInput::monthly(1_000_000_000, Decimal::ZERO, 12, start)
        })
        .unwrap();
        let c = cat_of_offer(&s).unwrap();
        assert_eq!(c.percent_one_decimal, dec!(12.7), "start {start}");
        assert!(
            close(c.rate, exact, dec!(0.0000001)),
            "start {start}: {}",
            c.rate
        );
    }
}

#[test]
fn r_cred_4_one_offer_has_one_cat_whatever_day_it_starts() {
    // 20,000.00 MXN, 12 monthly rows, 58% nominal a year (58/12 = 4.8333…% a month), French,
    // 30/360, 5% opening fee (1,000.00): the borrower receives 19,000.00.
    let offer = |start| ScheduleInput {
        upfront_fee: UpfrontFee::PercentOfPrincipal(dec!(0.05)),
        ..ScheduleInput::monthly(2_000_000, dec!(0.58), 12, start)
    };
    let s = build_schedule(&offer(d(2026, 1, 31))).unwrap();
    // The installment, by hand: P·i / (1 − (1+i)^−12) with i = 0.58/12 = 223,534.7… centavos
    // → 2,235.35; the last row takes the residue.
    let i = dec!(0.58) / dec!(12);
    let exact =
        Decimal::from(2_000_000) * i / (Decimal::ONE - Decimal::ONE / pow(Decimal::ONE + i, 12));
    assert_eq!(exact.round_dp(0), dec!(223535));
    let pays: Vec<i64> = s.rows.iter().map(|r| r.installment_minor).collect();
    assert!(pays[..11].iter().all(|p| *p == 223_535), "{pays:?}");
    assert_eq!(s.totals.upfront_fee_minor, 100_000);
    // 95.6%: the independent bisection on the periodic basis (row k at k/12 years) finds a
    // monthly rate j = 5.7503…% with Σ pay_k/(1+j)^k = 19,000.00, and 1.057503^12 − 1 =
    // 95.6056% → 95.6. (A published 95.7% for this offer is not reproduced on this basis: it
    // would need the installment rounded up to 2,236.00; 12 × 2,236.00 bisects to 95.72%.)
    let want = bisection_cat(2_000_000 - 100_000, &pays);
    assert_eq!(shown(want), dec!(95.6));
    assert_eq!(shown(bisection_cat(1_900_000, &[223_600; 12])), dec!(95.7));
    let c = cat_of_offer(&s).unwrap();
    assert_eq!(c.percent_one_decimal, shown(want));
    assert!(close(c.rate, want, dec!(0.0000001)), "{} vs {want}", c.rate);
    // Every start day of two years, leap year included, shows the same figure; counting
    // calendar days over 365 instead does not (that was the bug).
    let mut by_days = std::collections::BTreeSet::new();
    for start in start_days() {
        let s = build_schedule(&offer(start)).unwrap();
        assert_eq!(cat_of_offer(&s).unwrap(), c, "start {start}");
        by_days.insert(
            cat_of_schedule(&s, YearBasis::Days365)
                .unwrap()
                .percent_one_decimal,
        );
    }
    assert!(by_days.len() > 1, "{by_days:?}");
}

#[test]
fn r_cred_4_an_offer_uses_its_schedule_s_time_basis() {
    let input = ScheduleInput::monthly(2_500_000, dec!(0.18), 12, d(2026, 3, 10));
    let thirty = build_schedule(&input).unwrap();
    assert_eq!(
        YearBasis::of_schedule(&thirty),
        YearBasis::Periodic(Frequency::Monthly)
    );
    let actual = build_schedule(&ScheduleInput {
        day_count: DayCount::Actual365,
        ..input.clone()
    })
    .unwrap();
    assert_eq!(YearBasis::of_schedule(&actual), YearBasis::Days365);
    assert_eq!(
        cat_of_offer(&actual).unwrap(),
        cat_of_schedule(&actual, YearBasis::Days365).unwrap()
    );
    let weekly = build_schedule(&ScheduleInput {
        frequency: Frequency::Weekly,
        ..input.clone()
    })
    .unwrap();
    assert_eq!(
        YearBasis::of_schedule(&weekly),
        YearBasis::Periodic(Frequency::Weekly)
    );
}

#[test]
fn r_cred_4_an_irregular_first_period_counts_its_30_360_days() {
    // 1,000.00 at 12% a year, 2 monthly rows, disbursed 2026-01-15, first due 2026-03-01:
    // 30E/360 days 46 then 30, so the rows sit at 46/360 and 76/360 years. No fees: the CAT
    // solves 100,000 = a/(1+i)^(46/360) + b/(1+i)^(76/360). By hand: row 1 interest
    // 100,000 × 0.12 × 46/360 = 1,533.33 → 1,533; the French installment at 1% a month over
    // 2 rows is 100,000 × 0.01 / (1 − 1.01^−2) = 50,751.24… → 50,751, so row 1 repays
    // 49,218 and row 2 pays 50,782 + 50,782 × 0.01 = 508 of interest: 51,290.
    let s = build_schedule(&ScheduleInput {
        first_due_date: Some(d(2026, 3, 1)),
        ..ScheduleInput::monthly(100_000, dec!(0.12), 2, d(2026, 1, 15))
    })
    .unwrap();
    let pays: Vec<i64> = s.rows.iter().map(|r| r.installment_minor).collect();
    assert_eq!(pays, vec![50_751, 51_290]);
    // Independent check: bisection for i on the 360-day year (days 46 and 76), in Decimal,
    // using (1+i)^(d/360) = ((1+i)^(1/360))^d with u = (1+i)^(1/360).
    let pv = |u: Decimal| Decimal::from(50_751) / pow(u, 46) + Decimal::from(51_290) / pow(u, 76);
    let (mut lo, mut hi) = (Decimal::ONE, dec!(1.01));
    for _ in 0..70 {
        let mid = (lo + hi) / Decimal::TWO;
        if pv(mid) > Decimal::from(100_000) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let want = pow(lo, 360) - Decimal::ONE;
    let c = cat_of_offer(&s).unwrap();
    assert!(close(c.rate, want, dec!(0.0000001)), "{} vs {want}", c.rate);
    assert_eq!(c.percent_one_decimal, shown(want));
}
