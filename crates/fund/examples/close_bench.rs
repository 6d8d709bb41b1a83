//! Throughput of the pure period close (R-FUND-1, R-FUND-2, R-PLAN-3):
//! `cargo run --release -p fund --example close_bench -- 1000000`.
//! Measures `compute_close` alone (the batch arithmetic), then materialising the entries of
//! the first 100,000 lines (what the shell streams to storage).

use chrono::NaiveDate;
use fund::{compute_close, CloseRow, FundSettings, Period, ReportFigures};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    let settings = FundSettings::new(1, start);
    let period = Period::month(2026, 1).expect("period");
    // A cheap deterministic generator (xorshift), so the input is not all equal.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let rows: Vec<CloseRow> = (0..n)
        .map(|i| {
            let baseline = (next() % 2_000_000) as i64;
            CloseRow {
                member_id: i as i64 + 1,
                baseline_revenue_minor: baseline,
                baseline_profit_minor: baseline / 4,
                report: Some(ReportFigures {
                    revenue_minor: (next() % 4_000_000) as i64,
                    profit_minor: (next() % 1_000_000) as i64 - 100_000,
                }),
                posted: None,
            }
        })
        .collect();
    let t = Instant::now();
    let close = compute_close(&settings, period, &rows).expect("close");
    let nanos = t.elapsed().as_nanos().max(1);
    println!(
        "compute_close: {n} members in {} ms = {} members/s; contribution {} minor",
        nanos / 1_000_000,
        n as u128 * 1_000_000_000 / nanos,
        close.totals.contribution.total()
    );
    let m = n.min(100_000);
    let t = Instant::now();
    let accruals: Vec<fund::Accrual> = close.lines[..m]
        .iter()
        .map(|&line| fund::Accrual { period, line })
        .collect();
    let entries = fund::close_entries(&settings, period, &accruals, start)
        .expect("entries")
        .len();
    let nanos = t.elapsed().as_nanos().max(1);
    println!(
        "entries: {m} members -> {entries} validated entries in {} ms = {} members/s",
        nanos / 1_000_000,
        m as u128 * 1_000_000_000 / nanos
    );
}
