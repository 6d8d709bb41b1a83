//! Schedules checked against reference cases computed by hand (R-CRED-4).
//! Each comment shows the arithmetic; amounts are centavos.

use chrono::{Datelike, NaiveDate};
use credit::schedule::{build_schedule, DayCount, Frequency, Method, ScheduleInput, UpfrontFee};
use credit::CreditError;
use expect_test::{expect, Expect};
use rust_decimal_macros::dec;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// (principal, interest, installment, balance after) per row.
fn rows(input: &ScheduleInput) -> Vec<(i64, i64, i64, i64)> {
    build_schedule(input)
        .unwrap()
        .rows
        .iter()
        .map(|r| {
            (
                r.principal_minor,
                r.interest_minor,
                r.installment_minor,
                r.balance_after_minor,
            )
        })
        .collect()
}

fn base() -> ScheduleInput {
    // P = 1,000.00 MXN at 12% a year, three monthly installments, disbursed 2026-01-15.
    ScheduleInput::monthly(100_000, dec!(0.12), 3, d(2026, 1, 15))
}

#[test]
fn french_30_360_by_hand() {
    // i = 0.12/12 = 0.01. A = 100000 · 0.01 / (1 − 1.01^−3) = 100000 · 0.3400221115 = 34002.21
    // → 34002 (half-to-even to the centavo).
    // row 1: interest 100000·0.01 = 1000;     principal 34002−1000 = 33002; balance 66998
    // row 2: interest 66998·0.01 = 669.98→670; principal 33332;           balance 33666
    // row 3: interest 33666·0.01 = 336.66→337; principal 33666 (residue); installment 34003
    assert_eq!(
        rows(&base()),
        vec![
            (33_002, 1_000, 34_002, 66_998),
            (33_332, 670, 34_002, 33_666),
            (33_666, 337, 34_003, 0)
        ]
    );
}

#[test]
fn equal_principal_30_360_by_hand() {
    // share = 100000/3 = 33333.33 → 33333.
    // row 1: interest 1000;            installment 34333; balance 66667
    // row 2: interest 666.67 → 667;    installment 34000; balance 33334
    // row 3: interest 333.34 → 333;    principal 33334;   installment 33667
    let input = ScheduleInput {
        method: Method::EqualPrincipal,
        ..base()
    };
    assert_eq!(
        rows(&input),
        vec![
            (33_333, 1_000, 34_333, 66_667),
            (33_333, 667, 34_000, 33_334),
            (33_334, 333, 33_667, 0)
        ]
    );
}

#[test]
fn french_actual_365_by_hand() {
    // Installment at the nominal monthly rate: 34002 as above. Interest on calendar days:
    // row 1 (Jan 15 → Feb 15, 31 d): 100000·0.12·31/365 = 1019.18 → 1019; principal 32983; bal 67017
    // row 2 (→ Mar 15, 28 d): 67017·0.12·28/365 = 616.92 → 617; principal 33385; bal 33632
    // row 3 (→ Apr 15, 31 d): 33632·0.12·31/365 = 342.77 → 343; principal 33632; inst 33975
    let input = ScheduleInput {
        day_count: DayCount::Actual365,
        ..base()
    };
    let s = build_schedule(&input).unwrap();
    assert_eq!(
        s.rows.iter().map(|r| r.days).collect::<Vec<_>>(),
        vec![31, 28, 31]
    );
    assert_eq!(
        rows(&input),
        vec![
            (32_983, 1_019, 34_002, 67_017),
            (33_385, 617, 34_002, 33_632),
            (33_632, 343, 33_975, 0)
        ]
    );
}

#[test]
fn equal_principal_actual_365_by_hand() {
    // share 33333; interest on days 31, 28, 31:
    // row 1: 100000·0.12·31/365 = 1019.18 → 1019
    // row 2: 66667·0.12·28/365 = 613.70 → 614
    // row 3: 33334·0.12·31/365 = 339.74 → 340
    let input = ScheduleInput {
        method: Method::EqualPrincipal,
        day_count: DayCount::Actual365,
        ..base()
    };
    assert_eq!(
        rows(&input),
        vec![
            (33_333, 1_019, 34_352, 66_667),
            (33_333, 614, 33_947, 33_334),
            (33_334, 340, 33_674, 0)
        ]
    );
}

#[test]
fn french_rounded_to_ten_pesos_by_hand() {
    // P = 10,000.00 at 24%, 6 months: i = 0.02, A = 1000000·0.02/(1−1.02^−6) = 178525.81 → 178526
    // → to a multiple of 10.00 MXN (1000): 178.526 → 179 → 179000.
    // r1 int 20000         princ 159000 bal 841000
    // r2 int 16820         princ 162180 bal 678820
    // r3 int 13576.40→13576 princ 165424 bal 513396
    // r4 int 10267.92→10268 princ 168732 bal 344664
    // r5 int 6893.28→6893  princ 172107 bal 172557
    // r6 int 3451.14→3451  princ 172557 installment 176008 (the residue)
    let input = ScheduleInput {
        rounding_multiple_minor: Some(1_000),
        ..ScheduleInput::monthly(1_000_000, dec!(0.24), 6, d(2026, 1, 15))
    };
    assert_eq!(
        rows(&input),
        vec![
            (159_000, 20_000, 179_000, 841_000),
            (162_180, 16_820, 179_000, 678_820),
            (165_424, 13_576, 179_000, 513_396),
            (168_732, 10_268, 179_000, 344_664),
            (172_107, 6_893, 179_000, 172_557),
            (172_557, 3_451, 176_008, 0),
        ]
    );
}

#[test]
fn grace_on_principal_pays_interest_only_by_hand() {
    // Two grace months at 1% on 100000: interest 1000 each, no principal; then the 3-row case.
    let input = ScheduleInput {
        installments: 5,
        grace_installments: 2,
        ..base()
    };
    assert_eq!(
        rows(&input),
        vec![
            (0, 1_000, 1_000, 100_000),
            (0, 1_000, 1_000, 100_000),
            (33_002, 1_000, 34_002, 66_998),
            (33_332, 670, 34_002, 33_666),
            (33_666, 337, 34_003, 0),
        ]
    );
}

#[test]
fn weekly_30_360_by_hand() {
    // 36% a year weekly: i = 0.36·7/360 = 0.007. A = 100000·0.007/(1−1.007^−4) = 25439.03 → 25439
    // r1 int 700                 princ 24739 bal 75261
    // r2 int 526.827 → 527       princ 24912 bal 50349
    // r3 int 352.443 → 352       princ 25087 bal 25262
    // r4 int 176.834 → 177       princ 25262 installment 25439
    let input = ScheduleInput {
        frequency: Frequency::Weekly,
        installments: 4,
        rate: credit::NominalRate::Annual(dec!(0.36)),
        ..base()
    };
    let s = build_schedule(&input).unwrap();
    assert_eq!(s.rows[3].due_date, d(2026, 2, 12));
    assert_eq!(
        rows(&input),
        vec![
            (24_739, 700, 25_439, 75_261),
            (24_912, 527, 25_439, 50_349),
            (25_087, 352, 25_439, 25_262),
            (25_262, 177, 25_439, 0)
        ]
    );
}

#[test]
fn monthly_rate_equals_twelve_times_annual() {
    let monthly = ScheduleInput {
        rate: credit::NominalRate::Monthly(dec!(0.01)),
        ..base()
    };
    assert_eq!(rows(&monthly), rows(&base()));
}

#[test]
fn fees_are_added_to_rows_and_the_opening_fee_kept_apart() {
    let input = ScheduleInput {
        fee_per_installment_minor: 500,
        upfront_fee: UpfrontFee::PercentOfPrincipal(dec!(0.02)),
        ..base()
    };
    let s = build_schedule(&input).unwrap();
    assert_eq!(s.upfront_fee_minor, 2_000);
    assert_eq!(s.rows[0].installment_minor, 34_502);
    assert_eq!(s.totals.fees_minor, 1_500);
    assert_eq!(s.totals.installments_minor, 102_007 + 1_500);
}

#[test]
fn month_ends_clamp_and_do_not_drift() {
    let input = ScheduleInput::monthly(100_000, dec!(0.12), 3, d(2026, 12, 31));
    let s = build_schedule(&input).unwrap();
    let dates: Vec<_> = s.rows.iter().map(|r| r.due_date).collect();
    assert_eq!(dates, vec![d(2027, 1, 31), d(2027, 2, 28), d(2027, 3, 31)]);
}

/// Last day of a month, from the Gregorian leap-year rule (independent of chrono's months).
fn last_day(y: i32, m: u32) -> u32 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Due date `k` of a monthly loan started on `start`: start + `k` months, the day clamped to
/// that month's last day (R-CRED-4).
fn expected_due(start: NaiveDate, k: u32) -> NaiveDate {
    let months = start.year() * 12 + start.month0() as i32 + k as i32;
    let (y, m) = (months.div_euclid(12), months.rem_euclid(12) as u32 + 1);
    d(y, m, start.day().min(last_day(y, m)))
}

fn due_dates(start: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let s = build_schedule(&ScheduleInput::monthly(1_000_000, dec!(0.12), n, start)).unwrap();
    s.rows.iter().map(|r| r.due_date).collect()
}

#[test]
fn r_cred_4_month_end_starts_fall_due_on_every_month_end() {
    // Started on 31 January 2024: 29 February (leap year), then 31 March, 30 April, ... —
    // never the 29th of every later month.
    let jan31 = due_dates(d(2024, 1, 31), 12);
    assert_eq!(
        &jan31[..3],
        &[d(2024, 2, 29), d(2024, 3, 31), d(2024, 4, 30)]
    );
    let want: Vec<_> = (1..=12).map(|k| expected_due(d(2024, 1, 31), k)).collect();
    assert_eq!(jan31, want);
    assert!(jan31
        .iter()
        .all(|x| x.day() == last_day(x.year(), x.month())));
    // 2025 is not a leap year: 28 February, then 31 March.
    assert_eq!(
        &due_dates(d(2025, 1, 31), 12)[..2],
        &[d(2025, 2, 28), d(2025, 3, 31)]
    );
    // Started on the 30th: clamped in February only, back on the 30th after.
    assert_eq!(
        &due_dates(d(2024, 1, 30), 12)[..2],
        &[d(2024, 2, 29), d(2024, 3, 30)]
    );
    // Every start day of 2024 and 2025, 24 rows each: each date is start + k months, clamped.
    let mut start = d(2024, 1, 1);
    while start < d(2026, 1, 1) {
        let want: Vec<_> = (1..=24).map(|k| expected_due(start, k)).collect();
        assert_eq!(due_dates(start, 24), want, "start {start}");
        start = start.succ_opt().unwrap();
    }
}

#[test]
fn r_cred_4_due_dates_past_the_last_row_keep_the_anchor() {
    // A transferred lease shifts its rows onto later regular dates (R-LEASE-2): row 15 of a
    // 12-row loan started 2024-01-31 is 2025-04-30, not the 29th.
    let s = build_schedule(&ScheduleInput::monthly(
        1_000_000,
        dec!(0.12),
        12,
        d(2024, 1, 31),
    ))
    .unwrap();
    assert_eq!(s.due_date_of(15), Some(expected_due(d(2024, 1, 31), 15)));
    assert_eq!(s.due_date_of(15), Some(d(2025, 4, 30)));
    // With a first due date given as an input the anchor is that date.
    let odd = build_schedule(&ScheduleInput {
        first_due_date: Some(d(2026, 3, 1)),
        ..base()
    })
    .unwrap();
    assert_eq!(odd.due_date_of(1), Some(d(2026, 3, 1)));
    assert_eq!(odd.due_date_of(5), Some(d(2026, 7, 1)));
}

#[test]
fn an_odd_first_period_is_charged_for_its_length() {
    // 30/360 monthly, disbursed Jan 15, first due Mar 1: 30E/360 days = 30 + (1 − 15) = 46.
    // Interest row 1 = 100000 · 0.12 · 46/360 = 1533.33 → 1533.
    let input = ScheduleInput {
        first_due_date: Some(d(2026, 3, 1)),
        ..base()
    };
    let s = build_schedule(&input).unwrap();
    assert!(!s.regular_first_period);
    assert_eq!((s.rows[0].days, s.rows[0].interest_minor), (46, 1_533));
    assert_eq!(s.rows[1].due_date, d(2026, 4, 1));
}

#[test]
fn invalid_inputs_name_the_rule_and_the_field() {
    let field = |input: ScheduleInput| -> &'static str {
        let e: CreditError = build_schedule(&input).unwrap_err();
        assert_eq!(e.rule(), "R-CRED-4");
        e.field()
    };
    assert_eq!(
        field(ScheduleInput {
            principal_minor: 0,
            ..base()
        }),
        "principal_minor"
    );
    assert_eq!(
        field(ScheduleInput {
            principal_minor: -5,
            ..base()
        }),
        "principal_minor"
    );
    assert_eq!(
        field(ScheduleInput {
            installments: 0,
            ..base()
        }),
        "installments"
    );
    assert_eq!(
        field(ScheduleInput {
            installments: 361,
            ..base()
        }),
        "installments"
    );
    assert_eq!(
        field(ScheduleInput {
            rate: credit::NominalRate::Annual(dec!(2.01)),
            ..base()
        }),
        "rate"
    );
    assert_eq!(
        field(ScheduleInput {
            rate: credit::NominalRate::Annual(dec!(-0.01)),
            ..base()
        }),
        "rate"
    );
    assert_eq!(
        field(ScheduleInput {
            grace_installments: 3,
            ..base()
        }),
        "grace_installments"
    );
    assert_eq!(
        field(ScheduleInput {
            first_due_date: Some(d(2026, 1, 10)),
            ..base()
        }),
        "first_due_date"
    );
    assert_eq!(
        field(ScheduleInput {
            rounding_multiple_minor: Some(0),
            ..base()
        }),
        "rounding_multiple_minor"
    );
    // A multiple of 800.00 rounds the 340.02 installment to 0: nothing left to amortise.
    assert_eq!(
        field(ScheduleInput {
            rounding_multiple_minor: Some(80_000),
            ..base()
        }),
        "rounding_multiple_minor"
    );
    assert_eq!(
        field(ScheduleInput {
            upfront_fee: UpfrontFee::Fixed(100_000),
            ..base()
        }),
        "upfront_fee"
    );
}

#[test]
fn zero_rate_splits_principal_evenly() {
    let input = ScheduleInput::monthly(100_000, dec!(0), 3, d(2026, 1, 15));
    assert_eq!(
        rows(&input),
        vec![
            (33_333, 0, 33_333, 66_667),
            (33_333, 0, 33_333, 33_334),
            (33_334, 0, 33_334, 0)
        ]
    );
}

fn check(input: &ScheduleInput, expect: Expect) {
    expect.assert_eq(&build_schedule(input).unwrap().to_table());
}

#[test]
fn snapshot_of_a_twelve_month_offer() {
    // 25,000.00 MXN at 18% a year, 12 months, 30/360, French, 50.00 fee per installment,
    // 1.5% opening fee, installments rounded to 1.00 MXN.
    let input = ScheduleInput {
        fee_per_installment_minor: 5_000,
        upfront_fee: UpfrontFee::PercentOfPrincipal(dec!(0.015)),
        rounding_multiple_minor: Some(100),
        ..ScheduleInput::monthly(2_500_000, dec!(0.18), 12, d(2026, 3, 10))
    };
    check(
        &input,
        expect![[r#"
          #        due days    principal     interest     fees  installment        balance
          1 2026-04-10   30      1917.00       375.00    50.00      2342.00       23083.00
          2 2026-05-10   30      1945.76       346.24    50.00      2342.00       21137.24
          3 2026-06-10   30      1974.94       317.06    50.00      2342.00       19162.30
          4 2026-07-10   30      2004.57       287.43    50.00      2342.00       17157.73
          5 2026-08-10   30      2034.63       257.37    50.00      2342.00       15123.10
          6 2026-09-10   30      2065.15       226.85    50.00      2342.00       13057.95
          7 2026-10-10   30      2096.13       195.87    50.00      2342.00       10961.82
          8 2026-11-10   30      2127.57       164.43    50.00      2342.00        8834.25
          9 2026-12-10   30      2159.49       132.51    50.00      2342.00        6674.76
         10 2027-01-10   30      2191.88       100.12    50.00      2342.00        4482.88
         11 2027-02-10   30      2224.76        67.24    50.00      2342.00        2258.12
         12 2027-03-10   30      2258.12        33.87    50.00      2341.99           0.00
                 total          25000.00      2503.99   600.00     28103.99
        upfront fee 375.00
    "#]],
    );
}
