//! `tequio bench trade`: the performance targets of collective trade (issue 6), measured in
//! this process on this machine, and reported with the median and worst of several runs.
//!
//! - R-BUY-1: a round of 4,000 members' requests over 30 materials, 10 suppliers with 5
//!   tiers each (half all-units, half incremental), solved to proven optimality (target
//!   <= 2 s), plus the pooled charges.
//! - R-SELL-1: an order of 10,000 units split among 4,000 members (target <= 200 ms),
//!   proportional and with binding minimum lots (the exact least-deviation split).
//! - End to end through the app and the store (SQLite in memory; PostgreSQL too with
//!   `--pg-url`): the same round closed, and the order accepted, delivered, invoiced and paid
//!   net of debts, each as one use case.

use crate::bench::BenchArgs;
use anyhow::ensure;
use app::trade_cases::*;
use app::App;
use chrono::NaiveDate;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use trade::purchase::{self, PurchaseRequest, PurchaseRound, RoundSettings};
use trade::sales::{self, BuyerOrder, Capacity, Grade, PaymentTerms};
use trade::supplier::{PriceList, Pricing, Tier, ValidPriceList};

const MEMBERS: usize = 4_000;
const MATERIALS: usize = 30;
const SUPPLIERS: usize = 10;
const TIERS: usize = 5;
const ORDER_UNITS: u64 = 10_000;

/// SplitMix64: deterministic instances without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).expect("valid bench date")
}

/// The price lists (as app inputs) and requests (member index, material, units, needed by).
/// A request: member index, material, units, needed by.
type BenchRequest = (usize, String, u32, NaiveDate);

fn instance(seed: u64) -> (Vec<PriceListInput>, Vec<BenchRequest>) {
    let mut rng = Rng(seed);
    let mut lists = Vec::new();
    for m in 0..MATERIALS {
        for s in 0..SUPPLIERS {
            let mut price = rng.range(2_000, 6_000) as i64;
            let mut from = 1u32;
            let mut tiers = Vec::new();
            for k in 0..TIERS {
                let width = rng.range(50, 800) as u32;
                tiers.push(TierInput {
                    from_units: from,
                    to_units: (k + 1 < TIERS).then_some(from + width - 1),
                    unit_price_minor: price,
                });
                from += width;
                price -= price * rng.range(2, 9) as i64 / 100;
            }
            lists.push(PriceListInput {
                supplier: format!("sup-{s:02}"),
                material: format!("mat-{m:02}"),
                pricing: if s % 2 == 0 {
                    "all_units"
                } else {
                    "incremental"
                }
                .into(),
                tiers,
                min_order_units: rng.range(0, 300) as u32,
                lead_time_days: rng.range(1, 20) as u32,
                valid_from: date(1, 1),
                valid_until: date(12, 31),
            });
        }
    }
    let requests = (0..MEMBERS)
        .map(|i| {
            (
                i,
                format!("mat-{:02}", rng.range(0, MATERIALS as u64 - 1)),
                rng.range(1, 12) as u32,
                date(3, rng.range(20, 31) as u32),
            )
        })
        .collect();
    (lists, requests)
}

fn pure_lists(lists: &[PriceListInput]) -> anyhow::Result<Vec<ValidPriceList>> {
    lists
        .iter()
        .map(|l| {
            Ok(PriceList {
                supplier: l.supplier.clone(),
                material: l.material.clone(),
                currency: ledger::Currency::MXN,
                pricing: if l.pricing == "all_units" {
                    Pricing::AllUnits
                } else {
                    Pricing::Incremental
                },
                tiers: l
                    .tiers
                    .iter()
                    .map(|t| Tier {
                        from_units: t.from_units,
                        to_units: t.to_units,
                        unit_price_minor: t.unit_price_minor,
                    })
                    .collect(),
                min_order_units: l.min_order_units,
                lead_time_days: l.lead_time_days,
                valid_from: l.valid_from,
                valid_until: l.valid_until,
            }
            .validate()?)
        })
        .collect()
}

/// Capacities 1..=12 units; `lots`: a minimum lot of 4 on every third member who can make 4.
fn capacities(members: &[i64], lots: bool) -> Vec<CapacityInput> {
    let mut rng = Rng(7);
    members
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let capacity_units = rng.range(1, 12);
            CapacityInput {
                member: m,
                product: "cazuela".into(),
                grade: if i % 10 == 9 { "B" } else { "A" }.into(),
                capacity_units,
                min_lot_units: if lots && i % 3 == 2 && capacity_units >= 4 {
                    4
                } else {
                    0
                },
                declared_on: date(3, 1),
            }
        })
        .collect()
}

fn report(label: &str, times: &mut [Duration], target_ms: Option<f64>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = ms(times[times.len() / 2]);
    let worst = ms(times[times.len() - 1]);
    let verdict = match target_ms {
        Some(t) if worst <= t => format!("  (target <= {t:.0} ms: met)"),
        Some(t) => format!("  (target <= {t:.0} ms: NOT met)"),
        None => String::new(),
    };
    println!(
        "{label:<72} median {median:>8.1} ms  worst {worst:>8.1} ms  ({} runs){verdict}",
        times.len()
    );
}

fn timed<T>(
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<T>,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(f()?);
        times.push(started.elapsed());
    }
    Ok(times)
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    println!(
        "tequio bench trade on {} cores (release build expected)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    pure().await?;
    let sqlite: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open_in_memory().await?);
    end_to_end("SQLite (in memory)", sqlite).await?;
    match &args.pg_url {
        Some(url) => {
            let fresh = fresh_pg_database(url, "tequio_bench_trade").await?;
            let pg: Arc<dyn Store> = Arc::new(store_postgres::PgStore::connect(&fresh).await?);
            end_to_end("PostgreSQL", pg).await?;
        }
        None => println!("PostgreSQL: skipped (pass --pg-url or TEQUIO_BENCH_PG_URL)"),
    }
    Ok(())
}

/// A new, empty database `name` on the server of `admin_url` (dropped first if present).
async fn fresh_pg_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .context("PostgreSQL: cannot connect with --pg-url")?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .context("--pg-url must end with /DATABASE")?;
    Ok(format!("{base}/{name}"))
}

/// The pure optimisers alone, off the async runtime.
async fn pure() -> anyhow::Result<()> {
    tokio::task::spawn_blocking(|| -> anyhow::Result<()> {
        let (inputs, reqs) = instance(42);
        let lists = pure_lists(&inputs)?;
        let round = PurchaseRound {
            round_id: "bench".into(),
            order_date: date(3, 1),
            currency: ledger::Currency::MXN,
            requests: reqs
                .iter()
                .map(|(i, material, q, needed_by)| PurchaseRequest {
                    member: *i as i64 + 1,
                    material: material.clone(),
                    quantity_units: *q,
                    needed_by: *needed_by,
                })
                .collect(),
        };
        let settings = RoundSettings::default();
        let plan = purchase::optimise_round(&lists, &round, &settings)?;
        ensure!(plan.is_optimal(), "R-BUY-1 bench: the plan must be proven optimal");
        println!(
            "R-BUY-1 round: {} requests, {} materials, {} price lists; cost {} minor units, surplus {} units, proven optimal",
            round.requests.len(),
            plan.materials.len(),
            lists.len(),
            plan.total_cost_minor().unwrap_or(0),
            plan.materials.iter().map(|m| m.surplus_units).sum::<u64>()
        );
        let mut t = timed(5, || {
            let plan = purchase::optimise_round(&lists, &round, &settings)?;
            Ok(purchase::charge_members(&round, &plan)?)
        })?;
        report(
            "R-BUY-1 optimise 4,000 requests x 30 materials x 10 suppliers x 5 tiers",
            &mut t,
            Some(2_000.0),
        );
        let members: Vec<i64> = (1..=MEMBERS as i64).collect();
        for lots in [false, true] {
            let caps: Vec<Capacity> = capacities(&members, lots)
                .into_iter()
                .map(|c| Capacity {
                    member: c.member,
                    product: c.product,
                    grade: if c.grade == "A" { Grade::A } else { Grade::B },
                    capacity_units: c.capacity_units,
                    min_lot_units: c.min_lot_units,
                })
                .collect();
            let order = BuyerOrder {
                order_id: "bench".into(),
                buyer: "bench".into(),
                product: "cazuela".into(),
                grade: Grade::B,
                quantity_units: ORDER_UNITS,
                unit_price_minor: 8_750,
                due_date: date(6, 1),
                terms: PaymentTerms::Net60,
                channelled_by: None,
            };
            let split = sales::split_order(&order, &caps)?;
            let mut t = timed(11, || Ok(sales::split_order(&order, &caps)?))?;
            report(
                &format!(
                    "R-SELL-1 split 10,000 units among 4,000 members, {} ({:?})",
                    if lots { "lots bind" } else { "no lots" },
                    split.method
                ),
                &mut t,
                Some(200.0),
            );
        }
        Ok(())
    })
    .await?
}

/// The same work through the app and the store, each step one use case.
async fn end_to_end(backend: &str, store: Arc<dyn Store>) -> anyhow::Result<()> {
    let app = App::new(store);
    let by = Actor::new("bench", "cli");
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = MEMBERS as u32;
    spec.dues_months = 0;
    let started = Instant::now();
    app.load_demo(spec, 1, Arc::new(|_| {})).await?;
    // A fresh database: the demo union is its only organisation.
    let org = app.store().orgs().await?.remove(0).id;
    println!(
        "{backend}: demo union of {MEMBERS} members loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut members = Vec::with_capacity(MEMBERS);
    let mut page = store::Page::first(store::MAX_PAGE);
    loop {
        let got = app.store().members(org, page).await?;
        let Some(last) = got.last() else { break };
        page.after_id = last.id;
        members.extend(got.iter().map(|m| m.id));
    }
    let (inputs, reqs) = instance(42);
    let suppliers: std::collections::BTreeSet<String> =
        inputs.iter().map(|l| l.supplier.clone()).collect();
    for code in suppliers {
        app.register_supplier(
            org,
            &by,
            SupplierInput {
                code: code.clone(),
                name: format!("Proveedor {code}"),
                channelled_by: None,
            },
        )
        .await?;
    }
    for l in inputs {
        app.register_price_list(org, &by, l).await?;
    }
    app.open_round(
        org,
        &by,
        RoundInput {
            round_id: "bench".into(),
            order_date: date(3, 1),
            allow_buy_up: true,
            time_limit_ms: None,
        },
    )
    .await?;
    let requests: Vec<RequestInput> = reqs
        .into_iter()
        .map(|(i, material, q, needed_by)| RequestInput {
            member: members[i],
            material,
            quantity_units: q,
            needed_by,
        })
        .collect();
    let started = Instant::now();
    app.request_purchases(org, &by, "bench", requests).await?;
    let requested = started.elapsed();
    let started = Instant::now();
    let plan = app.close_round(org, &by, "bench", date(3, 1)).await?;
    let closed = started.elapsed();
    ensure!(
        plan.is_optimal(),
        "R-BUY-1 bench: the plan must be proven optimal"
    );
    report(
        &format!("{backend}: 4,000 requests recorded (one commit)"),
        &mut [requested],
        None,
    );
    report(
        &format!("{backend}: round closed = loaded, optimised, plan stored"),
        &mut [closed],
        Some(2_000.0),
    );
    let started = Instant::now();
    let r = app.round_report(org, "bench").await?;
    report(
        &format!(
            "{backend}: savings report ({} members, saving {} minor units)",
            r.members.len(),
            r.total_saving_minor
        ),
        &mut [started.elapsed()],
        None,
    );

    app.declare_capacities(org, &by, capacities(&members, true))
        .await?;
    let order = OrderInput {
        order_id: "bench".into(),
        buyer: "Comercio Justo".into(),
        product: "cazuela".into(),
        grade: "B".into(),
        quantity_units: ORDER_UNITS,
        unit_price_minor: 8_750,
        due_date: date(6, 1),
        terms_days: 60,
        channelled_by: None,
        accepted_on: date(4, 1),
    };
    let started = Instant::now();
    let split = app.accept_order(org, &by, order).await?;
    report(
        &format!(
            "{backend}: order of 10,000 units accepted and split ({} members, {:?})",
            split.assignments.len(),
            split.method
        ),
        &mut [started.elapsed()],
        None,
    );
    let deliveries: Vec<DeliveryInput> = split
        .assignments
        .iter()
        .map(|a| DeliveryInput {
            member: a.member,
            delivered_units: a.units,
            rejected_units: u64::from(a.member % 17 == 0),
            date: date(5, 20),
            reference: format!("n-{}", a.member),
        })
        .collect();
    let started = Instant::now();
    for chunk in deliveries.chunks(MAX_TRADE_BATCH) {
        app.record_deliveries(org, &by, "bench", chunk.to_vec())
            .await?;
    }
    report(
        &format!("{backend}: deliveries recorded"),
        &mut [started.elapsed()],
        None,
    );
    let inv = app.invoice_order(org, &by, "bench", date(5, 21)).await?;
    let started = Instant::now();
    let out = app
        .record_buyer_payment(org, &by, "bench", inv.amount_minor, date(7, 20), "t-1")
        .await?;
    report(
        &format!(
            "{backend}: buyer payment settled ({} members, {} entries)",
            out.members_paid,
            out.settlement.as_ref().map_or(0, |s| s.entries.len())
        ),
        &mut [started.elapsed()],
        None,
    );
    ensure!(
        out.net_minor + out.deducted_minor == inv.amount_minor,
        "R-SELL-1 bench: members' net plus deductions must equal the payment"
    );
    app.checked_trial_balance(org).await?;
    Ok(())
}
