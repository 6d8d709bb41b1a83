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
    assert!(
        plan.is_optimal(),
        "R-BUY-1 bench: plan must be proven optimal"
    );
    println!(
        "R-BUY-1 round: {} requests, {} materials, total {} minor units, surplus {} units",
        round.requests.len(),
        plan.materials.len(),
        plan.total_cost_minor().unwrap_or(0),
        plan.materials.iter().map(|m| m.surplus_units).sum::<u64>()
    );
    time(
        "R-BUY-1 optimise_round + charge_members (4,000 req, 30 mat, 10 sup, 5 tiers)",
        5,
        || {
            let plan = trade::purchase::optimise_round(&lists, &round, &settings).unwrap();
            trade::purchase::charge_members(&round, &plan).unwrap()
        },
    );
    bench_sales();
}

fn bench_sales() {
    use trade::sales::*;
    let mut rng = support::Rng::new(7);
    let capacities: Vec<Capacity> = (1..=4_000)
        .map(|m| Capacity {
            member: m,
            product: "cazuela".into(),
            grade: if m % 10 == 0 { Grade::B } else { Grade::A },
            capacity_units: rng.range(1, 12),
            min_lot_units: 0,
        })
        .collect();
    let order = BuyerOrder {
        order_id: "o-bench".into(),
        buyer: "cadena".into(),
        product: "cazuela".into(),
        grade: Grade::B,
        quantity_units: 10_000,
        unit_price_minor: 8_750,
        due_date: support::date(2026, 6, 1),
        terms: PaymentTerms::Net60,
        channelled_by: None,
    };
    let debts: Vec<MemberDebt> = (1..=4_000)
        .filter(|m| m % 3 == 0)
        .map(|m| MemberDebt {
            member: m,
            kind: DebtKind::ProfitShare,
            outstanding_minor: 5_000,
        })
        .collect();
    let full = || {
        let split = split_order(&order, &capacities).unwrap();
        let deliveries: Vec<Delivery> = split
            .assignments
            .iter()
            .map(|a| Delivery {
                member: a.member,
                delivered_units: a.units,
                rejected_units: u64::from(a.member % 17 == 0),
                date: support::date(2026, 5, 20),
            })
            .collect();
        let md = record_deliveries(&split, &deliveries).unwrap();
        let (inv, _) = invoice(&order, &md, support::date(2026, 5, 21), "inv").unwrap();
        settle_payment(
            &inv,
            inv.amount_minor,
            &debts,
            support::date(2026, 7, 20),
            "pay",
        )
        .unwrap()
    };
    let s = full();
    println!(
        "R-SELL-1 order: {} members paid, {} entries",
        s.payouts.len(),
        s.entries.len()
    );
    time(
        "R-SELL-1 split_order only (10,000 units, 4,000 members)",
        11,
        || split_order(&order, &capacities).unwrap(),
    );
    let with_lots: Vec<Capacity> = capacities
        .iter()
        .map(|c| Capacity {
            min_lot_units: if c.member % 3 == 0 { 4 } else { 0 },
            ..c.clone()
        })
        .collect();
    let split = split_order(&order, &with_lots).unwrap();
    println!("R-SELL-1 split with minimum lots: {:?}", split.method);
    time(
        "R-SELL-1 split_order with binding minimum lots, exact (10,000 units, 4,000 members)",
        11,
        || split_order(&order, &with_lots).unwrap(),
    );
    time(
        "R-SELL-1 split + deliveries + invoice + settle_payment with debts (10,000 units, 4,000 members)",
        11,
        full,
    );
}
