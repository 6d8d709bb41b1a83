//! `cargo bench -p trade`: the two performance targets of the trade crate.
//!
//! - R-BUY-1: a round of 4,000 requests over 30 materials, 10 suppliers × 5 tiers each, solved
//!   to proven optimality (target <= 2 s).
//! - R-SELL-1: an order of 10,000 units split among 4,000 members, delivered, invoiced, paid and
//!   settled net of debts (target <= 200 ms).
//!
//! A plain bench binary (no criterion) to keep the build light on a shared machine: each case
//! runs a few times and the median and worst are printed.

use std::time::{Duration, Instant};

#[path = "../tests/support/mod.rs"]
mod support;

fn time<T>(label: &str, runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f());
        times.push(start.elapsed());
    }
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "{label}: median {:.1} ms, worst {:.1} ms over {runs} runs",
        sorted[runs / 2].as_secs_f64() * 1e3,
        sorted[runs - 1].as_secs_f64() * 1e3
    );
    times
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let (lists, round) = support::large_round(4_000, 30, 10, 5, 42);
    let settings = trade::purchase::RoundSettings::default();
    let plan = trade::purchase::optimise_round(&lists, &round, &settings).expect("round solves");
    assert!(plan.is_optimal(), "R-BUY-1 bench: plan must be proven optimal");
    println!(
        "R-BUY-1 round: {} requests, {} materials, total {} minor units, surplus {} units",
        round.requests.len(),
        plan.materials.len(),
        plan.total_cost_minor().unwrap_or(0),
        plan.materials.iter().map(|m| m.surplus_units).sum::<u64>()
    );
    time("R-BUY-1 optimise_round + charge_members (4,000 req, 30 mat, 10 sup, 5 tiers)", 5, || {
        let plan = trade::purchase::optimise_round(&lists, &round, &settings).unwrap();
        trade::purchase::charge_members(&round, &plan).unwrap()
    });
    support::bench_sales(|label, f| {
        time(label, 11, f);
    });
}
