//! The union's collective trade (R-BUY-1, R-SELL-1, seed 004): a clay and glaze purchasing
//! round with three suppliers, and an export order from a fair-trade buyer split among 200
//! potters. Plain data, deterministic from the spec; the app turns it into use-case calls.
//!
//! Members are named by their index in the organisation's member list (the store assigns
//! ids); dates follow the union's first year from [`DemoSpec::start`].

use crate::rng::Rng;
use crate::DemoSpec;
use chrono::{Days, NaiveDate};

/// A supplier; `channelled_by` names the support-committee member who brought it (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSupplier {
    pub code: &'static str,
    pub name: &'static str,
    pub channelled_by: Option<&'static str>,
}

/// A price list: tiers `(from, to, unit price in centavos)`, all-units or incremental.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPriceList {
    pub supplier: &'static str,
    pub material: &'static str,
    pub all_units: bool,
    pub tiers: Vec<(u32, Option<u32>, i64)>,
    pub min_order_units: u32,
    pub lead_time_days: u32,
}

/// One member's request in the round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRequest {
    pub member_index: usize,
    pub material: &'static str,
    pub quantity_units: u32,
}

/// One potter's declared capacity for the export product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCapacity {
    pub member_index: usize,
    pub grade: &'static str,
    pub capacity_units: u64,
    pub min_lot_units: u64,
}

/// The export order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrder {
    pub order_id: &'static str,
    pub buyer: &'static str,
    pub product: &'static str,
    pub grade: &'static str,
    pub quantity_units: u64,
    pub unit_price_minor: i64,
    pub terms_days: u32,
    pub channelled_by: Option<&'static str>,
}

/// Everything the demo does in trade, with its dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradePlan {
    pub suppliers: Vec<DemoSupplier>,
    pub price_lists: Vec<DemoPriceList>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub round_id: &'static str,
    pub order_date: NaiveDate,
    pub needed_by: NaiveDate,
    pub requests: Vec<DemoRequest>,
    pub received_on: NaiveDate,
    pub picked_up_on: NaiveDate,
    /// The credit line that pays the suppliers (R-BUY-2).
    pub lender: &'static str,
    pub capacities: Vec<DemoCapacity>,
    pub order: DemoOrder,
    pub accepted_on: NaiveDate,
    pub due_date: NaiveDate,
    pub delivered_on: NaiveDate,
    pub invoiced_on: NaiveDate,
    pub paid_on: NaiveDate,
    /// Rejected units per member index (quality check), for the few who had breakage.
    pub rejections: Vec<(usize, u64)>,
}

/// Potters who request in the round (at most).
pub const ROUND_MEMBERS: usize = 160;
/// Potters who share the export order (at most).
pub const ORDER_MEMBERS: usize = 200;

fn day(start: NaiveDate, days: u64) -> NaiveDate {
    start.checked_add_days(Days::new(days)).unwrap_or(start)
}

/// Uniform in `lo..=hi`.
fn range(rng: &mut Rng, lo: u64, hi: u64) -> u64 {
    lo + rng.below(hi - lo + 1)
}

/// `count` indices spread evenly over `0..members`, offset by `shift`.
fn spread(members: usize, count: usize, shift: usize) -> Vec<usize> {
    let count = count.min(members);
    (0..count)
        .map(|i| (i * members / count.max(1) + shift) % members.max(1))
        .collect()
}

/// The trade plan of an organisation of `members` active members; none below
/// [`ORDER_MEMBERS`] (the export order is for 200 potters, and small demo organisations stay
/// free of trade).
pub fn trade_plan(spec: &DemoSpec, members: usize) -> Option<TradePlan> {
    if members < ORDER_MEMBERS {
        return None;
    }
    let mut rng = Rng::new(spec.seed ^ 0x0074_7261_6465); // "trade"
    let start = spec.start;
    let suppliers = vec![
        DemoSupplier {
            code: "arcillas-tlayacapan",
            name: "Arcillas de Tlayacapan S.C.",
            channelled_by: Some("Comité de apoyo: Ing. Rosa Villalobos"),
        },
        DemoSupplier {
            code: "barros-cuautla",
            name: "Barros y Minerales de Cuautla",
            channelled_by: None,
        },
        DemoSupplier {
            code: "esmaltes-puebla",
            name: "Esmaltes Cerámicos de Puebla S.A.",
            channelled_by: Some("Comité de apoyo: Lic. Tomás Ríos"),
        },
    ];
    // Clay in 25 kg sacks, glaze in 1 kg bags (prices in centavos).
    let price_lists = vec![
        DemoPriceList {
            supplier: "arcillas-tlayacapan",
            material: "arcilla",
            all_units: true,
            tiers: vec![
                (1, Some(99), 18_000),
                (100, Some(399), 15_500),
                (400, None, 13_900),
            ],
            min_order_units: 0,
            lead_time_days: 5,
        },
        DemoPriceList {
            supplier: "barros-cuautla",
            material: "arcilla",
            all_units: false,
            tiers: vec![(1, Some(200), 17_000), (201, None, 12_500)],
            min_order_units: 150,
            lead_time_days: 7,
        },
        DemoPriceList {
            supplier: "esmaltes-puebla",
            material: "esmalte",
            all_units: true,
            tiers: vec![
                (1, Some(49), 9_800),
                (50, Some(149), 8_400),
                (150, None, 7_600),
            ],
            min_order_units: 10,
            lead_time_days: 4,
        },
        DemoPriceList {
            supplier: "barros-cuautla",
            material: "esmalte",
            all_units: false,
            tiers: vec![(1, Some(100), 9_500), (101, None, 8_900)],
            min_order_units: 0,
            lead_time_days: 7,
        },
    ];
    let mut requests = Vec::new();
    for (n, i) in spread(members, ROUND_MEMBERS, 3).into_iter().enumerate() {
        requests.push(DemoRequest {
            member_index: i,
            material: "arcilla",
            quantity_units: range(&mut rng, 1, 8) as u32,
        });
        if n % 2 == 0 {
            requests.push(DemoRequest {
                member_index: i,
                material: "esmalte",
                quantity_units: range(&mut rng, 1, 4) as u32,
            });
        }
    }
    requests.sort_by_key(|r| (r.member_index, r.material));
    requests.dedup_by_key(|r| (r.member_index, r.material));
    let mut capacities: Vec<DemoCapacity> = spread(members, ORDER_MEMBERS, 0)
        .into_iter()
        .map(|i| {
            let grade = if range(&mut rng, 0, 9) < 8 { "A" } else { "B" };
            let capacity_units = range(&mut rng, 20, 80);
            // A third of the workshops only take lots of 25 or more (R-SELL-1).
            let lot = range(&mut rng, 0, 2) == 0 && capacity_units >= 25;
            DemoCapacity {
                member_index: i,
                grade,
                capacity_units,
                min_lot_units: if lot { 25 } else { 0 },
            }
        })
        .collect();
    capacities.sort_by_key(|c| c.member_index);
    let total: u64 = capacities.iter().map(|c| c.capacity_units).sum();
    let quantity_units = (total * 6 / 10 / 10 * 10).max(1);
    let rejections = capacities
        .iter()
        .step_by(9)
        .map(|c| (c.member_index, 1 + c.capacity_units % 3))
        .collect();
    Some(TradePlan {
        suppliers,
        price_lists,
        valid_from: start,
        valid_until: day(start, 364),
        round_id: "arcilla-esmalte-2025-03",
        // After the credit line opens (2025-04-01, `credit::morelos_credit`): the suppliers
        // are paid from it, and money is borrowed only on a line in force (R-CRED-3).
        order_date: day(start, 95),
        needed_by: day(start, 110),
        requests,
        received_on: day(start, 100),
        picked_up_on: day(start, 103),
        lender: "fira",
        capacities,
        order: DemoOrder {
            order_id: "exportacion-2025-04",
            buyer: "Comercio Justo Europa (Fair Trade)",
            product: "cazuela-barro",
            grade: "B",
            quantity_units,
            unit_price_minor: 9_500,
            terms_days: 90,
            channelled_by: Some("Comité de apoyo: Lic. Tomás Ríos"),
        },
        accepted_on: day(start, 90),
        due_date: day(start, 180),
        delivered_on: day(start, 170),
        invoiced_on: day(start, 172),
        paid_on: day(start, 262),
        rejections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_plan_has_three_suppliers_and_two_hundred_potters() {
        let spec = DemoSpec::morelos_union();
        let plan = trade_plan(&spec, 4_000).unwrap();
        assert_eq!(plan.suppliers.len(), 3);
        assert_eq!(plan.capacities.len(), ORDER_MEMBERS);
        assert!(plan.requests.len() >= ROUND_MEMBERS);
        assert_eq!(plan, trade_plan(&spec, 4_000).unwrap(), "deterministic");
        // The smallest organisation with trade: every index in range.
        let small = trade_plan(&spec, ORDER_MEMBERS).unwrap();
        assert!(small
            .requests
            .iter()
            .all(|r| r.member_index < ORDER_MEMBERS));
        assert!(small
            .capacities
            .iter()
            .all(|c| c.member_index < ORDER_MEMBERS));
        assert!(trade_plan(&spec, ORDER_MEMBERS - 1).is_none());
    }
}
