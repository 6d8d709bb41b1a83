//! Shared generators for tests and benches: deterministic pseudo-random instances.
#![allow(dead_code)]

use chrono::NaiveDate;
use ledger::Currency;
use trade::purchase::{PurchaseRequest, PurchaseRound};
use trade::supplier::{PriceList, Pricing, Tier, ValidPriceList};

/// A small deterministic generator (SplitMix64), so benches need no extra crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A round of `requests` requests over `materials` materials, each quoted by `suppliers`
/// suppliers with `tiers` tiers, half all-units, half incremental.
pub fn large_round(
    requests: usize,
    materials: usize,
    suppliers: usize,
    tiers: usize,
    seed: u64,
) -> (Vec<ValidPriceList>, PurchaseRound) {
    let mut rng = Rng::new(seed);
    let mut lists = Vec::new();
    for m in 0..materials {
        for s in 0..suppliers {
            let base = rng.range(2_000, 6_000) as i64;
            let mut from = 1u32;
            let mut price = base;
            let mut ts = Vec::new();
            for k in 0..tiers {
                let last = k + 1 == tiers;
                let width = rng.range(50, 800) as u32;
                ts.push(Tier {
                    from_units: from,
                    to_units: if last { None } else { Some(from + width - 1) },
                    unit_price_minor: price,
                });
                from += width;
                price -= price * rng.range(2, 9) as i64 / 100;
            }
            lists.push(
                PriceList {
                    supplier: format!("sup-{s:02}"),
                    material: format!("mat-{m:02}"),
                    currency: Currency::MXN,
                    pricing: if s % 2 == 0 {
                        Pricing::AllUnits
                    } else {
                        Pricing::Incremental
                    },
                    tiers: ts,
                    min_order_units: rng.range(0, 300) as u32,
                    lead_time_days: rng.range(1, 20) as u32,
                    valid_from: date(2026, 1, 1),
                    valid_until: date(2026, 12, 31),
                }
                .validate()
                .expect("generated list is valid"),
            );
        }
    }
    let requests = (0..requests)
        .map(|i| PurchaseRequest {
            member: i as i64 + 1,
            material: format!("mat-{:02}", rng.range(0, materials as u64 - 1)),
            quantity_units: rng.range(1, 12) as u32,
            needed_by: date(2026, 3, rng.range(20, 31) as u32),
        })
        .collect();
    (
        lists,
        PurchaseRound {
            round_id: "round-bench".into(),
            order_date: date(2026, 3, 1),
            currency: Currency::MXN,
            requests,
        },
    )
}
