//! R-SELL-1, R-SELL-2, R-BUY-2: splits, deliveries, payments net of debts, working capital.

mod support;

use ledger::{Currency, TrialBalance, ValidEntry};
use proptest::prelude::*;
use rust_decimal::Decimal;
use support::date;
use trade::capital::{self, BoardDecision, FundingSource};
use trade::outlet::{self, ConsignmentStock};
use trade::purchase::{self, PurchaseRequest, PurchaseRound, RoundSettings};
use trade::sales::*;
use trade::supplier::{PriceList, Pricing, Tier};
use trade::TradeError;

fn order(quantity_units: u64, grade: Grade) -> BuyerOrder {
    BuyerOrder {
        order_id: "o-1".into(),
        buyer: "tienda-grande".into(),
        product: "cazuela".into(),
        grade,
        quantity_units,
        unit_price_minor: 12_345,
        due_date: date(2026, 6, 1),
        terms: PaymentTerms::Net90,
        channelled_by: Some("comite:ana".into()),
    }
}

fn cap(member: i64, grade: Grade, capacity_units: u64, min_lot_units: u64) -> Capacity {
    Capacity {
        member,
        product: "cazuela".into(),
        grade,
        capacity_units,
        min_lot_units,
    }
}

/// Sum of each account over the entries: must be zero overall (balanced entries).
fn net(entries: &[ValidEntry]) -> i64 {
    entries
        .iter()
        .flat_map(|e| e.postings())
        .map(|p| p.amount.amount_minor())
        .sum()
}

#[test]
fn proportional_split_by_capacity_among_qualified_members() {
    // R-SELL-1: member 3 is grade C, not qualified for a B order.
    let caps = [
        cap(1, Grade::A, 30, 0),
        cap(2, Grade::B, 10, 0),
        cap(3, Grade::C, 100, 0),
    ];
    let split = split_order(&order(10, Grade::B), &caps).unwrap();
    assert_eq!(split.method, SplitMethod::Proportional);
    let got: Vec<_> = split
        .assignments
        .iter()
        .map(|a| (a.member, a.units))
        .collect();
    // 10 × 30/40 = 7.5, 10 × 10/40 = 2.5: tie on remainders goes to the first.
    assert_eq!(got, vec![(1, 8), (2, 2)]);
    let err = split_order(&order(41, Grade::B), &caps).unwrap_err();
    expect_test::expect![[
        r#"R-SELL-1 order o-1: qualified members declare 40 units, the order needs 41"#
    ]]
    .assert_eq(&err.to_string());
    assert!(matches!(
        split_order(&order(5, Grade::A), &[cap(3, Grade::C, 100, 0)]),
        Err(TradeError::NoQualifiedMembers { .. })
    ));
}

#[test]
fn minimum_lots_make_the_split_an_optimisation() {
    // Proportional would give 12 × 10/40 = 3 to member 2, below their lot of 5.
    let caps = [cap(1, Grade::A, 30, 0), cap(2, Grade::A, 10, 5)];
    let split = split_order(&order(12, Grade::A), &caps).unwrap();
    assert_eq!(split.method, SplitMethod::Optimised);
    let got: Vec<_> = split
        .assignments
        .iter()
        .map(|a| (a.member, a.units))
        .collect();
    // Closest to (9, 3) with member 2 at 0 or >= 5: (7, 5) deviates 4, (12, 0) deviates 6.
    assert_eq!(got, vec![(1, 7), (2, 5)]);
    let err = split_order(
        &order(12, Grade::A),
        &[cap(1, Grade::A, 10, 0), cap(2, Grade::A, 10, 11)],
    );
    assert!(matches!(err, Err(TradeError::NoFeasibleSplit { .. })));
}

#[test]
fn over_delivery_is_refused_and_rejections_can_be_replaced() {
    let caps = [cap(1, Grade::A, 30, 0), cap(2, Grade::A, 10, 0)];
    let split = split_order(&order(8, Grade::A), &caps).unwrap(); // 6 and 2
    let ok = record_deliveries(
        &split,
        &[
            Delivery {
                member: 1,
                delivered_units: 6,
                rejected_units: 2,
                date: date(2026, 5, 1),
            },
            Delivery {
                member: 1,
                delivered_units: 2,
                rejected_units: 0,
                date: date(2026, 5, 2),
            },
        ],
    )
    .unwrap();
    assert_eq!((ok[0].accepted_units, ok[0].rejected_units), (6, 2));
    let err = record_deliveries(
        &split,
        &[Delivery {
            member: 2,
            delivered_units: 3,
            rejected_units: 0,
            date: date(2026, 5, 1),
        }],
    )
    .unwrap_err();
    expect_test::expect![[
        r#"R-SELL-1 member 2: delivery of 3 units is above the 2 assigned (already delivered 0)"#
    ]]
    .assert_eq(&err.to_string());
}

#[test]
fn buyer_payment_is_passed_on_net_of_debts_in_priority_order() {
    let caps = [cap(1, Grade::A, 10, 0), cap(2, Grade::A, 10, 0)];
    let o = BuyerOrder {
        unit_price_minor: 1_000,
        ..order(4, Grade::A)
    };
    let split = split_order(&o, &caps).unwrap();
    let deliveries = record_deliveries(
        &split,
        &[
            Delivery {
                member: 1,
                delivered_units: 2,
                rejected_units: 0,
                date: date(2026, 5, 1),
            },
            Delivery {
                member: 2,
                delivered_units: 2,
                rejected_units: 1,
                date: date(2026, 5, 1),
            },
        ],
    )
    .unwrap();
    let (inv, inv_entry) = invoice(&o, &deliveries, date(2026, 5, 2), "inv-1").unwrap();
    assert_eq!(inv.amount_minor, 3_000);
    assert_eq!(inv.due_date, date(2026, 7, 31));
    let err = settle_payment(&inv, 3_001, &[], date(2026, 8, 1), "pay-1").unwrap_err();
    assert_eq!(
        err,
        TradeError::PaymentAboveInvoice {
            payment_minor: 3_001,
            outstanding_minor: 3_000
        }
    );
    let debts = [
        MemberDebt {
            member: 1,
            kind: DebtKind::PurchasingRound,
            outstanding_minor: 5_000,
        },
        MemberDebt {
            member: 1,
            kind: DebtKind::FundContribution,
            outstanding_minor: 300,
        },
        MemberDebt {
            member: 1,
            kind: DebtKind::SalesAdvance,
            outstanding_minor: 1_000,
        },
    ];
    let s = settle_payment(&inv, 3_000, &debts, date(2026, 8, 1), "pay-1").unwrap();
    let m1 = &s.payouts[0];
    assert_eq!(m1.gross_minor, 2_000);
    let order_taken: Vec<_> = m1
        .deductions
        .iter()
        .map(|d| (d.kind.clone(), d.amount_minor))
        .collect();
    assert_eq!(
        order_taken,
        vec![
            (DebtKind::SalesAdvance, 1_000),
            (DebtKind::FundContribution, 300),
            (DebtKind::PurchasingRound, 700)
        ]
    );
    assert_eq!(m1.net_minor, 0);
    assert_eq!(s.payouts[1].net_minor, 1_000);
    assert_eq!(s.invoice.outstanding_minor(), 0);
    let mut all = vec![inv_entry];
    all.extend(s.entries);
    assert_eq!(net(&all), 0);
    assert!(TrialBalance::from_entries(&all).is_balanced());
}

proptest! {
    /// R-SELL-1: for any split, deliveries, partial payments and debts, what members receive
    /// plus what is deducted equals what the buyer paid, to the centavo; the last payment
    /// completes every member's line exactly.
    #[test]
    fn members_net_plus_deductions_equal_the_payment(
        caps in proptest::collection::vec((1u64..50, 0u64..4), 1..40),
        quantity_pct in 1u64..=100,
        price in 1i64..100_000,
        reject_every in 1u64..5,
        cuts in proptest::collection::vec(1i64..1000, 0..4),
        debt_amounts in proptest::collection::vec(0i64..200_000, 0..40),
    ) {
        let capacities: Vec<Capacity> = caps.iter().enumerate().map(|(i, &(c, lot))| cap(i as i64 + 1, Grade::A, c, lot.min(c))).collect();
        let total: u64 = caps.iter().map(|c| c.0).sum();
        let q = (total * quantity_pct / 100).max(1);
        let o = BuyerOrder { unit_price_minor: price, ..order(q, Grade::A) };
        let split = match split_order(&o, &capacities) {
            Ok(s) => s,
            Err(TradeError::NoFeasibleSplit { .. }) => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        prop_assert_eq!(split.assignments.iter().map(|a| a.units).sum::<u64>(), q);
        let deliveries: Vec<Delivery> = split.assignments.iter().map(|a| Delivery {
            member: a.member, delivered_units: a.units, rejected_units: a.units / (reject_every + 1), date: date(2026, 5, 1),
        }).collect();
        let md = record_deliveries(&split, &deliveries).unwrap();
        let Ok((mut inv, _)) = invoice(&o, &md, date(2026, 5, 2), "inv") else { return Ok(()) };
        let debts: Vec<MemberDebt> = debt_amounts.iter().enumerate().map(|(i, &a)| MemberDebt {
            member: (i % caps.len()) as i64 + 1,
            kind: [DebtKind::ProfitShare, DebtKind::FundContribution, DebtKind::PurchasingRound][i % 3].clone(),
            outstanding_minor: a,
        }).collect();
        let mut payments: Vec<i64> = cuts.iter().map(|c| inv.amount_minor * c / 4000).filter(|&p| p > 0).collect();
        let paid: i64 = payments.iter().sum();
        payments.push(inv.amount_minor - paid);
        for (n, p) in payments.into_iter().filter(|&p| p > 0).enumerate() {
            let s = settle_payment(&inv, p, &debts, date(2026, 8, 1), &format!("pay-{n}")).unwrap();
            let net_sum: i64 = s.payouts.iter().map(|x| x.net_minor).sum();
            let ded: i64 = s.payouts.iter().flat_map(|x| &x.deductions).map(|d| d.amount_minor).sum();
            prop_assert_eq!(net_sum + ded, p);
            prop_assert_eq!(net(&s.entries), 0);
            inv = s.invoice;
        }
        prop_assert_eq!(inv.outstanding_minor(), 0);
        for l in &inv.lines { prop_assert_eq!(l.collected_minor, l.value_minor); }
    }
}

#[test]
fn working_capital_round_trip_from_the_competition_sub_fund() {
    // R-BUY-2: a round paid by the Sub-Fund under a board decision, picked up in parts, repaid.
    let list = PriceList {
        supplier: "arcillas".into(),
        material: "clay".into(),
        currency: Currency::MXN,
        pricing: Pricing::AllUnits,
        tiers: vec![Tier {
            from_units: 1,
            to_units: None,
            unit_price_minor: 333,
        }],
        min_order_units: 0,
        lead_time_days: 1,
        valid_from: date(2026, 1, 1),
        valid_until: date(2026, 12, 31),
    }
    .validate()
    .unwrap();
    let round = PurchaseRound {
        round_id: "r7".into(),
        order_date: date(2026, 3, 1),
        currency: Currency::MXN,
        requests: vec![
            PurchaseRequest {
                member: 1,
                material: "clay".into(),
                quantity_units: 7,
                needed_by: date(2026, 3, 5),
            },
            PurchaseRequest {
                member: 2,
                material: "clay".into(),
                quantity_units: 3,
                needed_by: date(2026, 3, 5),
            },
        ],
    };
    let plan = purchase::optimise_round(&[list], &round, &RoundSettings::default()).unwrap();
    let charges = purchase::charge_members(&round, &plan).unwrap();
    let pos = capital::purchase_orders(&plan, date(2026, 3, 1));
    let po = &pos[0];
    assert_eq!(po.cost_minor, 3_330);
    let r1 = capital::receive(po, 0, 3, date(2026, 3, 2), "rc-1").unwrap();
    let r2 = capital::receive(po, 3, 7, date(2026, 3, 3), "rc-2").unwrap();
    assert_eq!(r1.value_minor + r2.value_minor, 3_330);
    assert!(capital::receive(po, 10, 1, date(2026, 3, 3), "rc-3").is_err());
    let decision = BoardDecision {
        decision_id: "cda-2026-04".into(),
        approved_minor: 3_330,
    };
    let source = FundingSource::CompetitionSubFund { decision };
    let err = capital::pay_supplier(po, 3_330, &source, 1, date(2026, 3, 3), "pay").unwrap_err();
    assert!(matches!(err, TradeError::AboveBoardApproval { .. }));
    let paid = capital::pay_supplier(po, 3_330, &source, 0, date(2026, 3, 3), "pay").unwrap();
    let c1 = &charges.charges[0];
    let p1 = capital::pick_up(c1, 0, 4, date(2026, 3, 4), "pk-1").unwrap();
    let p2 = capital::pick_up(c1, 4, 3, date(2026, 3, 5), "pk-2").unwrap();
    assert_eq!(p1.value_minor + p2.value_minor, c1.charge_minor);
    let pay = capital::member_pays(
        1,
        c1.charge_minor,
        c1.charge_minor,
        date(2026, 3, 5),
        "mp-1",
    )
    .unwrap();
    let back = capital::repay_source(&source, 2_331, date(2026, 3, 6), "rs-1").unwrap();
    let all = vec![r1.entry, r2.entry, paid, p1.entry, p2.entry, pay, back];
    assert_eq!(net(&all), 0);
    let tb = TrialBalance::from_entries(&all);
    let line = |code: &str| {
        tb.balance_minor(&ledger::AccountCode::parse(code).unwrap(), Currency::MXN) as i64
    };
    assert_eq!(line("odf:payable:suppliers"), 0);
    assert_eq!(line("odf:payable:fund-competition"), -(3_330 - 2_331));
    assert_eq!(line("fund:receivable:working-capital"), 3_330 - 2_331);
    assert_eq!(line("members:2:purchases-receivable"), 0);
    assert_eq!(line("odf:inventory"), 3_330 - c1.charge_minor);
}

#[test]
fn outlet_consignment_sale_settlement_and_count() {
    // R-SELL-2.
    let stock = ConsignmentStock::new("tienda-tlayacapan")
        .consign(5, "jarro", 10, 15_000)
        .unwrap();
    let (stock, sale) = outlet::sell(
        &stock,
        5,
        "jarro",
        3,
        Decimal::new(5, 2),
        date(2026, 4, 1),
        "s-1",
    )
    .unwrap();
    assert_eq!(
        (
            sale.gross_minor,
            sale.commission_minor,
            sale.member_share_minor
        ),
        (45_000, 2_250, 42_750)
    );
    assert!(matches!(
        outlet::sell(
            &stock,
            5,
            "jarro",
            8,
            Decimal::ZERO,
            date(2026, 4, 1),
            "s-2"
        ),
        Err(TradeError::ConsignmentShort {
            on_hand_units: 7,
            ..
        })
    ));
    let settle = outlet::settle_member(5, 42_750, 42_750, date(2026, 4, 30), "st-1").unwrap();
    assert_eq!(net(&[sale.entry, settle]), 0);
    let (counted, diffs) = outlet::count_stock(&stock, &[(5, "jarro".into(), 6)]);
    assert_eq!(counted.on_hand(5, "jarro"), 6);
    assert_eq!(
        (diffs[0].difference_units, diffs[0].value_minor),
        (-1, -15_000)
    );
}
