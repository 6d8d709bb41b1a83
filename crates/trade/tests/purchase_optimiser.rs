//! R-BUY-1: the pooled purchasing optimiser against exhaustive search and hand-solved cases.

mod support;

use ledger::Currency;
use proptest::prelude::*;
use support::date;
use trade::purchase::{
    charge_members, optimise_material, optimise_round, price_alone, MaterialDemand,
    PurchaseRequest, PurchaseRound, RoundSettings, SolveStatus,
};
use trade::report::savings_by_member;
use trade::supplier::{PriceList, Pricing, Tier, ValidPriceList};
use trade::{Infeasibility, TradeError};

fn list(
    supplier: &str,
    material: &str,
    pricing: Pricing,
    tiers: &[(u32, Option<u32>, i64)],
    min_order_units: u32,
    lead_time_days: u32,
) -> ValidPriceList {
    PriceList {
        supplier: supplier.into(),
        material: material.into(),
        currency: Currency::MXN,
        pricing,
        tiers: tiers
            .iter()
            .map(|&(from_units, to_units, unit_price_minor)| Tier {
                from_units,
                to_units,
                unit_price_minor,
            })
            .collect(),
        min_order_units,
        lead_time_days,
        valid_from: date(2026, 1, 1),
        valid_until: date(2026, 12, 31),
    }
    .validate()
    .unwrap()
}

fn request(member: i64, material: &str, quantity_units: u32) -> PurchaseRequest {
    PurchaseRequest {
        member,
        material: material.into(),
        quantity_units,
        needed_by: date(2026, 3, 10),
    }
}

fn round(requests: Vec<PurchaseRequest>) -> PurchaseRound {
    PurchaseRound {
        round_id: "r1".into(),
        order_date: date(2026, 3, 1),
        currency: Currency::MXN,
        requests,
    }
}

/// Exhaustive search: every quantity per supplier, least exact cost.
fn brute_force(lists: &[&ValidPriceList], demand: u32, buy_up: bool) -> Option<i64> {
    let limit = |l: &ValidPriceList| {
        let top = l.tiers().last().unwrap().from_units;
        let useful = demand.max(l.min_order_units()).max(top);
        l.max_units().unwrap_or(u32::MAX).min(useful)
    };
    #[allow(clippy::too_many_arguments)]
    fn go(
        lists: &[&ValidPriceList],
        limits: &[u32],
        i: usize,
        units: u32,
        cost: i64,
        demand: u32,
        buy_up: bool,
        best: &mut Option<i64>,
    ) {
        if i == lists.len() {
            let ok = if buy_up {
                units >= demand
            } else {
                units == demand
            };
            if ok && best.is_none_or(|b| cost < b) {
                *best = Some(cost);
            }
            return;
        }
        for q in 0..=limits[i] {
            if lists[i].can_supply(q) {
                let c = lists[i].cost_minor(q).unwrap();
                go(
                    lists,
                    limits,
                    i + 1,
                    units + q,
                    cost + c,
                    demand,
                    buy_up,
                    best,
                );
            }
        }
    }
    let limits: Vec<u32> = lists.iter().map(|l| limit(l)).collect();
    let mut best = None;
    go(lists, &limits, 0, 0, 0, demand, buy_up, &mut best);
    best
}

#[test]
fn hand_solved_all_units_buys_up_to_the_better_tier() {
    // R-BUY-1: 45 units at 100 = 4,500; 50 units at the 80 tier = 4,000 -> buy 50, 5 surplus.
    let a = list(
        "a",
        "clay",
        Pricing::AllUnits,
        &[(1, Some(49), 100), (50, None, 80)],
        0,
        2,
    );
    let r = round(vec![request(1, "clay", 20), request(2, "clay", 25)]);
    let plan = optimise_round(std::slice::from_ref(&a), &r, &RoundSettings::default()).unwrap();
    let m = plan.material("clay").unwrap();
    assert_eq!(
        (m.bought_units, m.surplus_units, m.total_cost_minor),
        (50, 5, 4_000)
    );
    assert_eq!(m.status, SolveStatus::Optimal);
    let charges = charge_members(&r, &plan).unwrap();
    // 4,000 split 20:25:5 -> 1,600 / 2,000 / 400 stock. Alone, 20 at 100 = 2,000 (buying up
    // to 50 at 80 would be 4,000) and 25 at 100 = 2,500: savings 400 and 500.
    let got: Vec<_> = charges.charges.iter().map(|c| c.charge_minor).collect();
    assert_eq!(got, vec![1_600, 2_000]);
    let got: Vec<_> = savings_by_member(&charges, &plan)
        .unwrap()
        .iter()
        .map(|s| (s.member, s.alone_minor(), s.saving_minor))
        .collect();
    assert_eq!(
        got,
        vec![(1, Some(2_000), Some(400)), (2, Some(2_500), Some(500))]
    );
    assert_eq!(charges.odf_stock[0].value_minor, 400);
    // A plan that does not price the members alone gives no saving rather than a guess.
    let unpriced = trade::purchase::RoundPlan {
        alone: Vec::new(),
        ..plan.clone()
    };
    assert!(matches!(
        savings_by_member(&charges, &unpriced),
        Err(TradeError::Invalid {
            field: "plan.alone",
            ..
        })
    ));

    // Without buy-up (setting), exactly 45 at 100.
    let no = RoundSettings {
        allow_buy_up: false,
        ..RoundSettings::default()
    };
    let plan = optimise_round(&[a], &r, &no).unwrap();
    assert_eq!(plan.materials[0].total_cost_minor, 4_500);
}

#[test]
fn hand_solved_incremental_and_min_order_split_across_suppliers() {
    // R-BUY-1, incremental: b prices 1-10 at 100 then 60; c is flat 90 with a 30-unit minimum
    // and at most 40 units. Demand 35.
    // b alone: 10x100 + 25x60 = 2,500. c alone: 35x90 = 3,150.
    // Any split with c needs >= 30 from c: 30x90 + 5x100 = 3,200. Best: b alone, 2,500.
    let b = list(
        "b",
        "glaze",
        Pricing::Incremental,
        &[(1, Some(10), 100), (11, None, 60)],
        0,
        1,
    );
    let c = list("c", "glaze", Pricing::AllUnits, &[(1, Some(40), 90)], 30, 1);
    let d = MaterialDemand {
        material: "glaze".into(),
        demand_units: 35,
        earliest_needed_by: date(2026, 3, 10),
    };
    let plan = optimise_material(
        &d,
        &[&b, &c],
        date(2026, 3, 1),
        Currency::MXN,
        &RoundSettings::default(),
    )
    .unwrap();
    assert_eq!(plan.total_cost_minor, 2_500);
    assert_eq!(plan.orders.len(), 1);
    assert_eq!(
        (plan.orders[0].supplier.as_str(), plan.orders[0].tier_index),
        ("b", 1)
    );
    // If b can only sell 20 units, the MILP splits: b 20 (1,000 + 600) would leave 15 for c,
    // below its minimum of 30 -> c must take >= 30: b 5 (500) + c 30 (2,700) = 3,200, or
    // c 35 (3,150). Least: c alone 3,150.
    let b20 = list(
        "b",
        "glaze",
        Pricing::Incremental,
        &[(1, Some(10), 100), (11, Some(20), 60)],
        0,
        1,
    );
    let plan = optimise_material(
        &d,
        &[&b20, &c],
        date(2026, 3, 1),
        Currency::MXN,
        &RoundSettings::default(),
    )
    .unwrap();
    assert_eq!(plan.total_cost_minor, 3_150);
}

#[test]
fn infeasible_rounds_name_the_material() {
    let slow = list("slow", "clay", Pricing::AllUnits, &[(1, None, 100)], 0, 30);
    let r = round(vec![request(1, "clay", 5)]);
    let err = optimise_round(&[slow], &r, &RoundSettings::default()).unwrap_err();
    expect_test::expect![[
        r#"R-BUY-1 material clay: cannot be bought: no supplier can deliver by 2026-03-10"#
    ]]
    .assert_eq(&err.to_string());

    let small = list(
        "small",
        "clay",
        Pricing::AllUnits,
        &[(1, Some(3), 100)],
        0,
        1,
    );
    let err = optimise_round(&[small], &r, &RoundSettings::default()).unwrap_err();
    assert_eq!(
        err,
        TradeError::Infeasible {
            material: "clay".into(),
            reason: Infeasibility::NotEnough {
                available_units: 3,
                needed_units: 5
            }
        }
    );

    let big_min = list("big", "clay", Pricing::AllUnits, &[(1, None, 100)], 10, 1);
    let no = RoundSettings {
        allow_buy_up: false,
        ..RoundSettings::default()
    };
    let err = optimise_round(&[big_min], &r, &no).unwrap_err();
    assert!(matches!(
        err,
        TradeError::Infeasible {
            reason: Infeasibility::NoCombination,
            ..
        }
    ));

    let err = optimise_round(&[], &r, &RoundSettings::default()).unwrap_err();
    assert!(matches!(
        err,
        TradeError::Infeasible {
            reason: Infeasibility::NoPriceList,
            ..
        }
    ));
}

fn arb_list(material: &'static str, supplier: usize) -> impl Strategy<Value = ValidPriceList> {
    (
        any::<bool>(),
        proptest::collection::vec((1u32..6, 1i64..30), 1..=3),
        any::<bool>(),
        0u32..8,
        0u32..3,
        prop_oneof![Just(None), (3u32..20).prop_map(Some)],
    )
        .prop_map(
            move |(incremental, widths, decreasing, min_order, lead, cap)| {
                let mut tiers = Vec::new();
                let mut from = 1;
                let mut price = 40i64;
                for (i, &(w, step)) in widths.iter().enumerate() {
                    let last = i + 1 == widths.len();
                    price = if decreasing {
                        (price - step).max(1)
                    } else {
                        step * 3
                    };
                    let to = if last {
                        cap.map(|c: u32| c.max(from))
                    } else {
                        Some(from + w - 1)
                    };
                    tiers.push((from, to, price));
                    from += w;
                }
                list(
                    &format!("s{supplier}"),
                    material,
                    if incremental {
                        Pricing::Incremental
                    } else {
                        Pricing::AllUnits
                    },
                    &tiers,
                    min_order,
                    lead,
                )
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// R-BUY-1: on small random instances (1-3 materials, 1-3 suppliers, 1-3 tiers of both
    /// kinds, small quantities) the MILP cost equals the exhaustive optimum exactly, and
    /// infeasibility agrees too.
    #[test]
    fn milp_cost_equals_brute_force(
        lists in (
            proptest::collection::vec(arb_list("m0", 0), 1..=3),
            proptest::collection::vec(arb_list("m1", 0), 1..=3),
            proptest::collection::vec(arb_list("m2", 0), 1..=3),
        ),
        demands in proptest::collection::vec(1u32..25, 1..=3),
        buy_up in any::<bool>(),
    ) {
        let settings = RoundSettings { allow_buy_up: buy_up, ..RoundSettings::default() };
        let groups = [lists.0, lists.1, lists.2];
        for (m, &demand) in demands.iter().enumerate() {
            // Suppliers need distinct codes within a material.
            let group: Vec<ValidPriceList> = groups[m]
                .iter()
                .enumerate()
                .map(|(s, l)| {
                    let mut p = l.as_price_list().clone();
                    p.supplier = format!("s{s}");
                    p.validate().unwrap()
                })
                .collect();
            let refs: Vec<&ValidPriceList> = group.iter().filter(|l| l.lead_time_days() <= 1).collect();
            let d = MaterialDemand {
                material: format!("m{m}"),
                demand_units: demand as u64,
                earliest_needed_by: date(2026, 3, 2),
            };
            let got = optimise_material(&d, &group.iter().collect::<Vec<_>>(), date(2026, 3, 1), Currency::MXN, &settings);
            let want = brute_force(&refs, demand, buy_up);
            match (got, want) {
                (Ok(plan), Some(best)) => {
                    prop_assert_eq!(plan.status, SolveStatus::Optimal);
                    prop_assert_eq!(plan.total_cost_minor, best);
                    let recomputed: i64 = plan.orders.iter().map(|o| o.cost_minor).sum();
                    prop_assert_eq!(recomputed, best);
                    prop_assert!(plan.bought_units >= demand as u64);
                    if !buy_up { prop_assert_eq!(plan.bought_units, demand as u64); }
                }
                (Err(TradeError::Infeasible { .. }), None) => {}
                (got, want) => prop_assert!(false, "milp {:?} vs brute force {:?}", got, want),
            }
        }
    }

    /// R-BUY-1: charges plus ODF stock add up to the total cost, for every material.
    #[test]
    fn charges_sum_exactly(qs in proptest::collection::vec((1u32..40, 0usize..3), 1..30)) {
        let mats = ["clay", "glaze", "slip"];
        let lists: Vec<ValidPriceList> = mats.iter().map(|m| {
            list("a", m, Pricing::AllUnits, &[(1, Some(20), 137), (21, Some(60), 101), (61, None, 89)], 0, 1)
        }).collect();
        let r = round(qs.iter().enumerate().map(|(i, &(q, m))| request(i as i64, mats[m], q)).collect());
        let plan = optimise_round(&lists, &r, &RoundSettings::default()).unwrap();
        let charges = charge_members(&r, &plan).unwrap();
        for m in &plan.materials {
            let charged: i64 = charges.charges.iter().filter(|c| c.material == m.material).map(|c| c.charge_minor).sum();
            let stock: i64 = charges.odf_stock.iter().filter(|s| s.material == m.material).map(|s| s.value_minor).sum();
            prop_assert_eq!(charged + stock, m.total_cost_minor);
        }
    }
}

/// Each member's (alone cost, saving) in member order, from the plan and the charges.
fn alone_and_saving(
    lists: &[ValidPriceList],
    r: &PurchaseRound,
    buy_up: bool,
) -> Vec<(i64, Option<i64>, Option<i64>)> {
    let settings = RoundSettings {
        allow_buy_up: buy_up,
        ..RoundSettings::default()
    };
    let plan = optimise_round(lists, r, &settings).unwrap();
    let charges = charge_members(r, &plan).unwrap();
    savings_by_member(&charges, &plan)
        .unwrap()
        .iter()
        .map(|s| (s.member, s.alone_minor(), s.saving_minor))
        .collect()
}

#[test]
fn alone_a_member_reaching_a_better_tier_is_priced_at_that_tier() {
    // R-BUY-1: a is all-units, 1-49 at 100, 50 and up at 80, minimum order 20.
    let a = list(
        "a",
        "clay",
        Pricing::AllUnits,
        &[(1, Some(49), 100), (50, None, 80)],
        20,
        1,
    );
    let r = round(vec![request(1, "clay", 60), request(2, "clay", 30)]);
    // Pooled (no buying up): 90 units at 80 = 7,200; member 1 is charged 60x80 = 4,800,
    // member 2 30x80 = 2,400.
    // Member 1 alone: 60 >= 50, every unit at 80 = 4,800 (not 60x100 = 6,000): saving 0.
    // Member 2 alone: 30 >= the minimum of 20, first tier: 30x100 = 3,000: saving 600.
    assert_eq!(
        alone_and_saving(std::slice::from_ref(&a), &r, false),
        vec![(1, Some(4_800), Some(0)), (2, Some(3_000), Some(600))]
    );
    // Buying up (setting allowed): member 3 asks 45. Alone: 45x100 = 4,500, or 50x80 = 4,000
    // buying 5 more -> 4,000. Member 2 alone would pay 50x80 = 4,000 > 3,000: stays 3,000.
    // Pooled: 135 at 80 = 10,800, split 60:30:45 -> 4,800 / 2,400 / 3,600.
    let r = round(vec![
        request(1, "clay", 60),
        request(2, "clay", 30),
        request(3, "clay", 45),
    ]);
    assert_eq!(
        alone_and_saving(std::slice::from_ref(&a), &r, true),
        vec![
            (1, Some(4_800), Some(0)),
            (2, Some(3_000), Some(600)),
            (3, Some(4_000), Some(400))
        ]
    );
    let plan = optimise_round(&[a], &r, &RoundSettings::default()).unwrap();
    let three = plan.alone.iter().find(|m| m.member == 3).unwrap();
    let q = three.quote.as_ref().unwrap();
    assert_eq!(
        (three.units, q.bought_units, q.orders[0].tier_index),
        (45, 50, 1)
    );
}

#[test]
fn alone_below_every_minimum_order_could_not_buy_alone() {
    // R-BUY-1: a flat 100 with a minimum of 20, b flat 90 with a minimum of 30.
    let lists = [
        list("a", "clay", Pricing::AllUnits, &[(1, None, 100)], 20, 1),
        list("b", "clay", Pricing::AllUnits, &[(1, None, 90)], 30, 1),
    ];
    let r = round(vec![request(1, "clay", 10), request(2, "clay", 40)]);
    // Pooled, exactly 50: b 50x90 = 4,500 (a 20 + b 30 = 2,000 + 2,700 = 4,700 costs more).
    // Member 1 is charged 10x90 = 900, member 2 40x90 = 3,600.
    // Without buying up, member 1's 10 units are below both minimums: could not buy alone, no
    // saving figure (the old baseline said 10x90 = 900, "saving 0"). Member 2 alone: b 40x90
    // = 3,600, saving 0.
    assert_eq!(
        alone_and_saving(&lists, &r, false),
        vec![(1, None, None), (2, Some(3_600), Some(0))]
    );
    // With buying up allowed (as the pooled optimiser may), member 1 could reach a's minimum:
    // 20x100 = 2,000 (b's 30x90 = 2,700 costs more): saving 2,000 - 900 = 1,100.
    assert_eq!(
        alone_and_saving(&lists, &r, true),
        vec![(1, Some(2_000), Some(1_100)), (2, Some(3_600), Some(0))]
    );
}

#[test]
fn alone_below_one_suppliers_minimum_is_priced_at_the_other() {
    // R-BUY-1: a flat 80 with a minimum of 50; b flat 95 with a minimum of 5.
    let lists = [
        list("a", "clay", Pricing::AllUnits, &[(1, None, 80)], 50, 1),
        list("b", "clay", Pricing::AllUnits, &[(1, None, 95)], 5, 1),
    ];
    let r = round(vec![request(1, "clay", 10), request(2, "clay", 60)]);
    // Pooled, 70: a 70x80 = 5,600 (a 50 + b 20 = 4,000 + 1,900 = 5,900 costs more).
    // Member 1 is charged 10x80 = 800; alone a needs 50, so b: 10x95 = 950, saving 150.
    // Member 2 is charged 60x80 = 4,800; alone a: 60x80 = 4,800, saving 0.
    assert_eq!(
        alone_and_saving(&lists, &r, false),
        vec![(1, Some(950), Some(150)), (2, Some(4_800), Some(0))]
    );
    let plan = optimise_round(
        &lists,
        &r,
        &RoundSettings {
            allow_buy_up: false,
            ..RoundSettings::default()
        },
    )
    .unwrap();
    assert_eq!(
        plan.alone[0].quote.as_ref().unwrap().orders[0].supplier,
        "b"
    );
}

#[test]
fn alone_incremental_tiers_are_priced_piecewise() {
    // R-BUY-1: b incremental, 1-10 at 100, 11-30 at 70, 31 and up at 50.
    let b = list(
        "b",
        "glaze",
        Pricing::Incremental,
        &[(1, Some(10), 100), (11, Some(30), 70), (31, None, 50)],
        0,
        1,
    );
    let r = round(vec![request(1, "glaze", 35), request(2, "glaze", 65)]);
    // Member 1 alone, 35: 10x100 + 20x70 + 5x50 = 1,000 + 1,400 + 250 = 2,650.
    // Member 2 alone, 65: 1,000 + 1,400 + 35x50 = 1,750 -> 4,150.
    // Pooled, 100: 1,000 + 1,400 + 70x50 = 3,500 -> 5,900, split 35:65 -> 2,065 and 3,835.
    // Savings: 2,650 - 2,065 = 585 and 4,150 - 3,835 = 315.
    assert_eq!(
        alone_and_saving(std::slice::from_ref(&b), &r, true),
        vec![(1, Some(2_650), Some(585)), (2, Some(4_150), Some(315))]
    );
}

#[test]
fn alone_sums_a_members_requests_and_keeps_their_own_date() {
    // R-BUY-1: member 1 asks 30 + 25 of clay; alone they buy 55 at once. a is all-units,
    // 1-49 at 100, 50 and up at 80, delivers in 1 day; slow is flat 60 in 5 days.
    let lists = [
        list(
            "a",
            "clay",
            Pricing::AllUnits,
            &[(1, Some(49), 100), (50, None, 80)],
            0,
            1,
        ),
        list("slow", "clay", Pricing::AllUnits, &[(1, None, 60)], 0, 5),
    ];
    let late = |member, q| PurchaseRequest {
        needed_by: date(2026, 3, 20),
        ..request(member, "clay", q)
    };
    let r = round(vec![
        request(1, "clay", 30),
        request(1, "clay", 25),
        late(2, 10),
    ]);
    let alone = price_alone(&lists, &r, &RoundSettings::default()).unwrap();
    // Member 1: 55 by 2026-03-10 (slow arrives 03-06, in time too): 55x60 = 3,300.
    // Member 2: 10 by 2026-03-20: slow, 10x60 = 600.
    let got: Vec<_> = alone
        .iter()
        .map(|a| (a.member, a.units, a.quote.as_ref().map(|q| q.cost_minor)))
        .collect();
    assert_eq!(got, vec![(1, 55, Some(3_300)), (2, 10, Some(600))]);
    // A member needing the goods by tomorrow: only a arrives in time (1 day): 10x100 = 1,000.
    let urgent = PurchaseRequest {
        needed_by: date(2026, 3, 2),
        ..request(3, "clay", 10)
    };
    let r = round(vec![urgent]);
    let no = RoundSettings {
        allow_buy_up: false,
        ..RoundSettings::default()
    };
    let alone = price_alone(&lists, &r, &no).unwrap();
    assert_eq!(alone[0].quote.as_ref().map(|q| q.cost_minor), Some(1_000));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// R-BUY-1: on small random price lists (1-3 suppliers, 1-3 tiers of both kinds, minimum
    /// orders, capacities, lead times) and a few members with one or more requests, each
    /// member's cost alone equals the exhaustive optimum over suppliers and quantities (so it
    /// is never below it), "could not buy alone" exactly when the exhaustive search finds
    /// nothing, and the quote is a real purchase: each order suppliable, costs exact.
    #[test]
    fn alone_cost_equals_brute_force(
        lists in proptest::collection::vec(arb_list("m0", 0), 1..=3),
        asks in proptest::collection::vec((1i64..4, 1u32..15, any::<bool>()), 1..=5),
        buy_up in any::<bool>(),
    ) {
        let settings = RoundSettings { allow_buy_up: buy_up, ..RoundSettings::default() };
        let group: Vec<ValidPriceList> = lists
            .iter()
            .enumerate()
            .map(|(s, l)| {
                let mut p = l.as_price_list().clone();
                p.supplier = format!("s{s}");
                p.validate().unwrap()
            })
            .collect();
        // Needed by 03-02 (lead times <= 1 day in time) or 03-03 (<= 2 days).
        let needed = |late: bool| if late { date(2026, 3, 3) } else { date(2026, 3, 2) };
        let r = round(
            asks.iter()
                .map(|&(member, q, late)| PurchaseRequest {
                    needed_by: needed(late),
                    ..request(member, "m0", q)
                })
                .collect(),
        );
        let alone = price_alone(&group, &r, &settings).unwrap();
        for a in &alone {
            let mine: Vec<_> = asks.iter().filter(|x| x.0 == a.member).collect();
            let units: u32 = mine.iter().map(|x| x.1).sum();
            let late = mine.iter().all(|x| x.2);
            prop_assert_eq!(a.units, units as u64);
            let max_lead = if late { 2 } else { 1 };
            let refs: Vec<&ValidPriceList> =
                group.iter().filter(|l| l.lead_time_days() <= max_lead).collect();
            let want = brute_force(&refs, units, buy_up);
            match (&a.quote, want) {
                (Some(q), Some(best)) => {
                    prop_assert_eq!(q.status, SolveStatus::Optimal);
                    prop_assert_eq!(q.cost_minor, best);
                    let mut exact = 0i64;
                    for o in &q.orders {
                        let l = group.iter().find(|l| l.supplier() == o.supplier).unwrap();
                        prop_assert!(l.can_supply(o.quantity_units));
                        prop_assert_eq!(l.cost_minor(o.quantity_units), Some(o.cost_minor));
                        exact += o.cost_minor;
                    }
                    prop_assert_eq!(exact, best);
                    prop_assert!(q.bought_units >= units as u64);
                    if !buy_up { prop_assert_eq!(q.bought_units, units as u64); }
                }
                (None, None) => {}
                (got, want) => prop_assert!(false, "alone {:?} vs brute force {:?}", got, want),
            }
        }
        prop_assert_eq!(alone.len(), asks.iter().map(|x| x.0).collect::<std::collections::BTreeSet<_>>().len());
    }
}
