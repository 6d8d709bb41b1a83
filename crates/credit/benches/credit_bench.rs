//! Throughput of schedules and CATs on one core: `cargo bench -p credit`.
//! Targets (R-CRED-4 offers at scale): ≥ 200,000 twelve-installment schedules/s and
//! ≥ 50,000 CAT computations/s. A plain timing loop (no criterion) keeps dependencies small.

use chrono::NaiveDate;
use credit::cat::{cat_with_buffer, schedule_flows, YearBasis};
use credit::schedule::{build_schedule_reusing, ScheduleInput, UpfrontFee};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn input(k: u64) -> ScheduleInput {
    ScheduleInput {
        fee_per_installment_minor: 5_000,
        upfront_fee: UpfrontFee::PercentOfPrincipal(Decimal::new(15, 3)),
        ..ScheduleInput::monthly(
            2_500_000 + (k % 1_000) as i64 * 1_003,
            Decimal::new(18 + (k % 7) as i64, 2),
            12,
            NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        )
    }
}

fn rate(label: &str, target: u128, mut run: impl FnMut(u64)) {
    // Warm up, then time for about two seconds.
    for k in 0..10_000 {
        run(k);
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        for _ in 0..1_000 {
            run(n);
            n += 1;
        }
    }
    // Integer arithmetic only, as everywhere in this crate.
    let nanos = start.elapsed().as_nanos().max(1);
    let per_s = u128::from(n) * 1_000_000_000 / nanos;
    let ns_each = nanos / u128::from(n.max(1));
    let verdict = if per_s >= target {
        "ok"
    } else {
        "BELOW TARGET"
    };
    println!("{label:<44} {per_s:>10} /s  {ns_each:>6} ns each  (target {target}/s) {verdict}");
}

fn main() {
    let inputs: Vec<ScheduleInput> = (0..1_000).map(input).collect();
    let mut rows = Vec::with_capacity(12);
    rate("schedule: 12 monthly rows, fees, French", 200_000, |k| {
        let s = build_schedule_reusing(&inputs[(k % 1_000) as usize], std::mem::take(&mut rows))
            .unwrap();
        black_box(s.totals);
        rows = s.rows;
    });
    let schedules: Vec<_> = inputs
        .iter()
        .map(|i| credit::build_schedule(i).unwrap())
        .collect();
    let mut flows = Vec::with_capacity(13);
    let mut work = Vec::with_capacity(13);
    for (label, basis) in [
        ("CAT: 12 rows + fees, days/365", YearBasis::Days365),
        (
            "CAT: 12 rows + fees, periodic k/12",
            YearBasis::Periodic(credit::Frequency::Monthly),
        ),
    ] {
        rate(label, 50_000, |k| {
            let s = &schedules[(k % 1_000) as usize];
            let per_year = schedule_flows(s, basis, &mut flows).unwrap();
            black_box(cat_with_buffer(&flows, per_year, &mut work).unwrap());
        });
    }
    let mut rows = Vec::with_capacity(12);
    rate("schedule + CAT (k/12), the full offer", 40_000, |k| {
        let s = build_schedule_reusing(&inputs[(k % 1_000) as usize], std::mem::take(&mut rows))
            .unwrap();
        let per_year = schedule_flows(&s, YearBasis::of_schedule(&s), &mut flows).unwrap();
        black_box(cat_with_buffer(&flows, per_year, &mut work).unwrap());
        rows = s.rows;
    });
}
