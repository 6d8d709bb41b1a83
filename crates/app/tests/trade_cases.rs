//! Collective trade use cases (R-BUY-1..2, R-SELL-1..3) end to end through the store, with
//! hand-computed figures. Every test runs on SQLite in memory, and again on PostgreSQL when
//! `TEQUIO_TEST_PG_URL` is set (see `backend`).

mod trade_support;

use app::trade_cases::*;
use app::AppError;
use chrono::NaiveDate;
use ledger::AccountCode;
use trade_support::{backends, open_line, Union};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn by() -> Actor {
    Actor::new("test", "cli")
}

fn tiers(list: &[(u32, Option<u32>, i64)]) -> Vec<TierInput> {
    list.iter()
        .map(|&(from_units, to_units, unit_price_minor)| TierInput {
            from_units,
            to_units,
            unit_price_minor,
        })
        .collect()
}

fn price_list(
    supplier: &str,
    material: &str,
    pricing: &str,
    t: &[(u32, Option<u32>, i64)],
    lead_time_days: u32,
) -> PriceListInput {
    PriceListInput {
        supplier: supplier.into(),
        material: material.into(),
        pricing: pricing.into(),
        tiers: tiers(t),
        min_order_units: 0,
        lead_time_days,
        valid_from: day(2026, 1, 1),
        valid_until: day(2026, 12, 31),
    }
}

/// A clay round: supplier "arcillas" sells clay at 100 up to 49 units and 80 from 50
/// (all-units); members m[0] asks 20 and m[1] 25, needed by 10 March.
async fn clay_round(u: &Union) {
    let app = &u.app;
    app.register_supplier(
        u.org,
        &by(),
        SupplierInput {
            code: "arcillas".into(),
            name: "Arcillas del Sur".into(),
            channelled_by: Some("comite:ana".into()),
        },
    )
    .await
    .unwrap();
    app.register_price_list(
        u.org,
        &by(),
        price_list(
            "arcillas",
            "clay",
            "all_units",
            &[(1, Some(49), 100), (50, None, 80)],
            2,
        ),
    )
    .await
    .unwrap();
    app.open_round(
        u.org,
        &by(),
        RoundInput {
            round_id: "r1".into(),
            order_date: day(2026, 3, 1),
            allow_buy_up: true,
            time_limit_ms: None,
        },
    )
    .await
    .unwrap();
    let req = |member, q| RequestInput {
        member,
        material: "clay".into(),
        quantity_units: q,
        needed_by: day(2026, 3, 10),
    };
    let created = app
        .request_purchases(u.org, &by(), "r1", vec![req(u.m[0], 20), req(u.m[1], 25)])
        .await
        .unwrap();
    assert_eq!(created, 2);
}

#[tokio::test]
async fn r_buy_1_the_round_buys_up_to_the_better_tier_and_charges_the_pooled_cost() {
    for u in backends(5).await {
        clay_round(&u).await;
        let plan = u
            .app
            .close_round(u.org, &by(), "r1", day(2026, 3, 1))
            .await
            .unwrap();
        // 45 units at 100 = 4,500; 50 units at 80 = 4,000: buy 50, 5 kept as ODF stock.
        let m = plan.material("clay").unwrap();
        assert_eq!(
            (m.bought_units, m.surplus_units, m.total_cost_minor),
            (50, 5, 4_000)
        );
        assert!(plan.is_optimal());
        let r = u.app.round_report(u.org, "r1").await.unwrap();
        // 4,000 split 20:25:5 -> 1,600, 2,000 and 400 of stock. Alone: 20 at 100 = 2,000 and
        // 25 at 100 = 2,500 (buying up to 50 at 80, 4,000, costs more for either).
        let got: Vec<_> = r
            .members
            .iter()
            .map(|s| {
                let line = (s.member, s.material.as_str(), s.charged_minor);
                (line, s.alone_minor, s.alone_orders.as_str(), s.saving_minor)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    (u.m[0], "clay", 1_600),
                    Some(2_000),
                    "arcillas:20@0",
                    Some(400)
                ),
                (
                    (u.m[1], "clay", 2_000),
                    Some(2_500),
                    "arcillas:25@0",
                    Some(500)
                )
            ]
        );
        assert_eq!((r.odf_stock_minor, r.total_saving_minor), (400, 900));
        assert_eq!(r.members_could_not_buy_alone, 0);
        // Closing again answers the stored plan; the round no longer takes requests.
        let again = u
            .app
            .close_round(u.org, &by(), "r1", day(2026, 3, 2))
            .await
            .unwrap();
        assert_eq!(again.total_cost_minor(), Some(4_000));
        let err = u
            .app
            .request_purchases(
                u.org,
                &by(),
                "r1",
                vec![RequestInput {
                    member: u.m[2],
                    material: "clay".into(),
                    quantity_units: 3,
                    needed_by: day(2026, 3, 10),
                }],
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("ya cerró"), "{err}");
    }
}

/// Registers `code` selling clay flat at `price` with a minimum order of `min_order_units`.
async fn flat_clay_supplier(u: &Union, code: &str, price: i64, min_order_units: u32) {
    u.app
        .register_supplier(
            u.org,
            &by(),
            SupplierInput {
                code: code.into(),
                name: code.into(),
                channelled_by: None,
            },
        )
        .await
        .unwrap();
    u.app
        .register_price_list(
            u.org,
            &by(),
            PriceListInput {
                min_order_units,
                ..price_list(code, "clay", "all_units", &[(1, None, price)], 1)
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn r_buy_1_a_member_below_every_minimum_could_not_buy_alone_and_has_no_saving() {
    for u in backends(3).await {
        // a: flat 100, minimum 20; b: flat 90, minimum 30. No buying up (the round's setting).
        flat_clay_supplier(&u, "a", 100, 20).await;
        flat_clay_supplier(&u, "b", 90, 30).await;
        u.app
            .open_round(
                u.org,
                &by(),
                RoundInput {
                    round_id: "r2".into(),
                    order_date: day(2026, 3, 1),
                    allow_buy_up: false,
                    time_limit_ms: None,
                },
            )
            .await
            .unwrap();
        let req = |member, q| RequestInput {
            member,
            material: "clay".into(),
            quantity_units: q,
            needed_by: day(2026, 3, 10),
        };
        u.app
            .request_purchases(
                u.org,
                &by(),
                "r2",
                vec![req(u.m[0], 10), req(u.m[1], 40), req(u.m[2], 25)],
            )
            .await
            .unwrap();
        u.app
            .close_round(u.org, &by(), "r2", day(2026, 3, 1))
            .await
            .unwrap();
        let r = u.app.round_report(u.org, "r2").await.unwrap();
        // Pooled, 75 units: b 75x90 = 6,750 (any a units cost 100). Split 10:40:25 -> 900,
        // 3,600 and 2,250.
        // m0 alone: 10 is below a's 20 and b's 30: could not buy alone, no saving figure.
        // m1 alone: 40 >= 30, b 40x90 = 3,600: saving 0.
        // m2 alone: 25 is below b's 30 but meets a's 20: a 25x100 = 2,500: saving 250.
        let got: Vec<_> = r
            .members
            .iter()
            .map(|s| {
                let line = (s.member, s.charged_minor, s.could_buy_alone);
                (line, s.alone_minor, s.alone_orders.as_str(), s.saving_minor)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ((u.m[0], 900, false), None, "", None),
                ((u.m[1], 3_600, true), Some(3_600), "b:40@0", Some(0)),
                ((u.m[2], 2_250, true), Some(2_500), "a:25@0", Some(250)),
            ]
        );
        assert_eq!((r.total_cost_minor, r.total_saving_minor), (6_750, 250));
        assert_eq!(r.members_could_not_buy_alone, 1);
        let s = u.app.trade_summary(u.org).await.unwrap();
        assert_eq!(
            (s.members_saving_minor, s.members_could_not_buy_alone),
            (250, 1)
        );
    }
}

#[tokio::test]
async fn r_buy_1_a_large_rounds_costs_alone_are_recorded_in_several_events() {
    // 400 members: their costs alone do not fit one event (64 KiB), so the close writes them in
    // parts; each part comes back in the report.
    for u in backends(400).await {
        flat_clay_supplier(&u, "a", 100, 0).await;
        u.app
            .open_round(
                u.org,
                &by(),
                RoundInput {
                    round_id: "big".into(),
                    order_date: day(2026, 3, 1),
                    allow_buy_up: true,
                    time_limit_ms: None,
                },
            )
            .await
            .unwrap();
        // Member i asks 1 + i % 7 units: alone (1 + i % 7) x 100, pooled the same flat price.
        let requests: Vec<_> =
            u.m.iter()
                .enumerate()
                .map(|(i, &member)| RequestInput {
                    member,
                    material: "clay".into(),
                    quantity_units: 1 + (i as u32 % 7),
                    needed_by: day(2026, 3, 10),
                })
                .collect();
        u.app
            .request_purchases(u.org, &by(), "big", requests)
            .await
            .unwrap();
        u.app
            .close_round(u.org, &by(), "big", day(2026, 3, 1))
            .await
            .unwrap();
        let parts = u
            .app
            .store()
            .events(u.org, Some("round:big"), store::Page::first(1_000))
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event.kind == "trade.round.alone-priced")
            .count();
        assert!(parts >= 2, "{parts} parts");
        let r = u.app.round_report(u.org, "big").await.unwrap();
        assert_eq!(r.members.len(), 400);
        for s in &r.members {
            let i = u.m.iter().position(|&m| m == s.member).unwrap() as i64;
            let alone = (1 + i % 7) * 100;
            assert_eq!((s.alone_minor, s.saving_minor), (Some(alone), Some(0)));
        }
        assert_eq!(r.members_could_not_buy_alone, 0);
    }
}

#[tokio::test]
async fn r_buy_1_a_round_closed_before_costs_alone_were_recorded_is_priced_when_reported() {
    for u in backends(3).await {
        clay_round(&u).await;
        // The close as it was written before: the plan with the old first-tier baseline and no
        // costs alone.
        let old = r#"{"type":"closed","closed_on":"2026-03-01","materials":[{"material":"clay",
            "demand_units":45,"bought_units":50,"surplus_units":5,"orders":[{"supplier":"arcillas",
            "quantity_units":50,"tier_index":1,"cost_minor":4000}],"total_cost_minor":4000,
            "base_supplier":"arcillas","base_price_minor":100,"optimal":true}]}"#;
        let event = store::NewEvent {
            stream: "round:r1".into(),
            kind: "trade.round.closed".into(),
            key: "trade:round:r1:closed".into(),
            payload: old.into(),
            actor: "test".into(),
            origin: "cli".into(),
            recorded_at: chrono::Utc::now(),
        };
        let commit = store::Commit {
            events: vec![event],
            ..store::Commit::default()
        };
        u.app.store().commit(u.org, &commit).await.unwrap();
        let r = u.app.round_report(u.org, "r1").await.unwrap();
        // Priced from the catalogue now: 20 at 100 = 2,000 and 25 at 100 = 2,500, against
        // charges of 1,600 and 2,000.
        let got: Vec<_> = r
            .members
            .iter()
            .map(|s| (s.member, s.alone_minor, s.saving_minor))
            .collect();
        assert_eq!(
            got,
            vec![
                (u.m[0], Some(2_000), Some(400)),
                (u.m[1], Some(2_500), Some(500))
            ]
        );
    }
}

#[tokio::test]
async fn r_buy_1_bad_requests_and_infeasible_rounds_name_what_to_fix() {
    for u in backends(3).await {
        clay_round(&u).await;
        let bad = |q| RequestInput {
            member: u.m[2],
            material: "glaze".into(),
            quantity_units: q,
            needed_by: day(2026, 3, 10),
        };
        let err = u
            .app
            .request_purchases(u.org, &by(), "r1", vec![bad(0)])
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "R-BUY-1 requests[0].quantity_units: must be at least one unit"
        );
        let err = u
            .app
            .request_purchases(u.org, &by(), "r1", vec![bad(200_000_000)])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("largest quantity"), "{err}");
        // A tier list with a gap is refused naming the tier.
        let err = u
            .app
            .register_price_list(
                u.org,
                &by(),
                price_list(
                    "arcillas",
                    "glaze",
                    "incremental",
                    &[(1, Some(10), 100), (12, None, 90)],
                    1,
                ),
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("tiers[1].from_units is 12"),
            "{err}"
        );
        // Glaze requested but nobody sells it: the close names the material, nothing written.
        u.app
            .request_purchases(u.org, &by(), "r1", vec![bad(4)])
            .await
            .unwrap();
        let err = u
            .app
            .close_round(u.org, &by(), "r1", day(2026, 3, 1))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "R-BUY-1 material glaze: cannot be bought: no price list valid on the order date"
        );
        assert!(u.app.round(u.org, "r1").await.unwrap().plan.is_none());
    }
}

fn balance(tb: &ledger::TrialBalance, code: &str) -> i64 {
    tb.balance_minor(&AccountCode::parse(code).unwrap(), ledger::Currency::MXN) as i64
}

#[tokio::test]
async fn r_buy_2_receipts_pick_ups_and_the_credit_line_with_repayment_from_sales() {
    for u in backends(3).await {
        clay_round(&u).await;
        open_line(&u, "fira", 1_000_000).await;
        let app = &u.app;
        app.close_round(u.org, &by(), "r1", day(2026, 3, 1))
            .await
            .unwrap();
        let po = "r1:clay:arcillas";
        // Partial receipts: 30 then 20 units of the 50 ordered (cost 4,000): 2,400 + 1,600.
        app.receive_goods(u.org, &by(), "r1", po, 30, day(2026, 3, 3), "rem-1")
            .await
            .unwrap();
        let err = app
            .receive_goods(u.org, &by(), "r1", po, 21, day(2026, 3, 4), "rem-2")
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("exceeds what remains (20)"),
            "{err}"
        );
        app.receive_goods(u.org, &by(), "r1", po, 20, day(2026, 3, 4), "rem-2")
            .await
            .unwrap();
        // Same reference again: nothing new.
        app.receive_goods(u.org, &by(), "r1", po, 20, day(2026, 3, 4), "rem-2")
            .await
            .unwrap();
        // Without a board decision the Competition Sub-Fund cannot pay.
        let err = app
            .pay_supplier(
                u.org,
                &by(),
                "r1",
                po,
                1,
                Funding::CompetitionSubFund { decision_id: 99 },
                day(2026, 3, 5),
                "pago-3",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("decision_id"), "{err}");
        // The supplier is paid from the credit line.
        app.pay_supplier(
            u.org,
            &by(),
            "r1",
            po,
            4_000,
            Funding::CreditLine {
                lender: "fira".into(),
            },
            day(2026, 3, 5),
            "pago-1",
        )
        .await
        .unwrap();
        let err = app
            .pay_supplier(
                u.org,
                &by(),
                "r1",
                po,
                1,
                Funding::CreditLine {
                    lender: "fira".into(),
                },
                day(2026, 3, 5),
                "pago-2",
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("exceeds what remains (0)"),
            "{err}"
        );
        // m[0] picks up 20 units (charge 1,600) and pays 600 now; 1,000 stays owed.
        app.pick_up(
            u.org,
            &by(),
            "r1",
            u.m[0],
            "clay",
            20,
            600,
            day(2026, 3, 6),
            "vale-1",
        )
        .await
        .unwrap();
        let err = app
            .pick_up(
                u.org,
                &by(),
                "r1",
                u.m[0],
                "clay",
                1,
                0,
                day(2026, 3, 6),
                "vale-2",
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("exceeds what remains (0)"),
            "{err}"
        );
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(balance(&tb, "odf:inventory"), 4_000 - 1_600);
        assert_eq!(balance(&tb, "odf:payable:suppliers"), 0);
        assert_eq!(balance(&tb, "lenders:fira:line"), -4_000);
        let receivable = format!("members:{}:purchases-receivable", u.m[0]);
        assert_eq!(balance(&tb, &receivable), 1_000);
        assert_eq!(balance(&tb, "odf:bank"), 600);
        // The ODF repays 600 to the line; repaying more than is drawn is refused.
        let line = Funding::CreditLine {
            lender: "fira".into(),
        };
        app.repay_working_capital(u.org, &by(), line.clone(), 600, day(2026, 3, 7), "dev-1")
            .await
            .unwrap();
        let err = app
            .repay_working_capital(u.org, &by(), line, 3_401, day(2026, 3, 7), "dev-2")
            .await
            .unwrap_err();
        // 4,000 drawn − 600 repaid = 3,400 left on the line (R-CRED-4, the one gate).
        let err = err.to_string();
        assert!(err.contains("R-CRED-4") && err.contains("34.00"), "{err}");
    }
}

fn order(id: &str, quantity_units: u64, unit_price_minor: i64) -> OrderInput {
    OrderInput {
        order_id: id.into(),
        buyer: "Comercio Justo Europa".into(),
        product: "cazuela".into(),
        grade: "B".into(),
        quantity_units,
        unit_price_minor,
        due_date: day(2026, 6, 1),
        terms_days: 60,
        channelled_by: Some("comite:luis".into()),
        accepted_on: day(2026, 4, 1),
    }
}

fn capacity(member: i64, grade: &str, capacity_units: u64, min_lot_units: u64) -> CapacityInput {
    CapacityInput {
        member,
        product: "cazuela".into(),
        grade: grade.into(),
        capacity_units,
        min_lot_units,
        declared_on: day(2026, 3, 15),
    }
}

fn delivery(member: i64, delivered: u64, rejected: u64, reference: &str) -> DeliveryInput {
    DeliveryInput {
        member,
        delivered_units: delivered,
        rejected_units: rejected,
        date: day(2026, 5, 2),
        reference: reference.into(),
    }
}

#[tokio::test]
async fn r_sell_1_an_order_is_split_delivered_invoiced_and_paid_net_of_debts() {
    for u in backends(4).await {
        open_line(&u, "fira", 1_000_000).await;
        let app = &u.app;
        // m[3] is grade C: not qualified for a grade-B order.
        app.declare_capacities(
            u.org,
            &by(),
            vec![
                capacity(u.m[0], "A", 30, 0),
                capacity(u.m[1], "B", 10, 0),
                capacity(u.m[2], "B", 10, 0),
                capacity(u.m[3], "C", 100, 0),
            ],
        )
        .await
        .unwrap();
        // 20 units by capacity 30:10:10 -> 12, 4, 4 (proportional).
        let split = app
            .accept_order(u.org, &by(), order("exp-1", 20, 1_000))
            .await
            .unwrap();
        let got: Vec<_> = split
            .assignments
            .iter()
            .map(|a| (a.member, a.units))
            .collect();
        assert_eq!(got, vec![(u.m[0], 12), (u.m[1], 4), (u.m[2], 4)]);
        // Accepting it again answers the same split.
        assert_eq!(
            app.accept_order(u.org, &by(), order("exp-1", 20, 1_000))
                .await
                .unwrap(),
            split
        );
        // Deliveries: m[0] 12 with 2 rejected, m[1] 4, m[2] 4; m[1] cannot deliver 1 more.
        app.record_deliveries(
            u.org,
            &by(),
            "exp-1",
            vec![
                delivery(u.m[0], 12, 2, "n-1"),
                delivery(u.m[1], 4, 0, "n-2"),
                delivery(u.m[2], 4, 0, "n-3"),
            ],
        )
        .await
        .unwrap();
        let err = app
            .record_deliveries(u.org, &by(), "exp-1", vec![delivery(u.m[1], 1, 0, "n-4")])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("above the 4 assigned"), "{err}");
        // Invoice: 18 accepted units × 1,000 = 18,000, due in 60 days.
        let inv = app
            .invoice_order(u.org, &by(), "exp-1", day(2026, 5, 3))
            .await
            .unwrap();
        assert_eq!((inv.amount_minor, inv.due_date), (18_000, day(2026, 7, 2)));
        // m[1] got an advance of 1,500 from the line. (Fund debts are the Fund's book's, see
        // tests/trade_payouts.rs: a balance posted straight to the ledger is not one.)
        app.pay_sales_advance(
            u.org,
            &by(),
            "exp-1",
            u.m[1],
            1_500,
            Funding::CreditLine {
                lender: "fira".into(),
            },
            day(2026, 4, 15),
            "ant-1",
        )
        .await
        .unwrap();
        // A payment above the invoice is refused.
        let err = app
            .record_buyer_payment(u.org, &by(), "exp-1", 18_001, day(2026, 7, 1), "tr-0")
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            AppError::Trade(trade::TradeError::PaymentAboveInvoice { .. })
        ));
        // The buyer pays 9,000 (half): shares 5,000, 2,000, 2,000 by what is still owed.
        // m[0]: 5,000 net; m[1]: 1,500 advance recovered, 500 net; m[2]: 2,000.
        let out = app
            .record_buyer_payment(u.org, &by(), "exp-1", 9_000, day(2026, 7, 1), "tr-1")
            .await
            .unwrap();
        assert_eq!(
            (out.net_minor, out.deducted_minor, out.outstanding_minor),
            (7_500, 1_500, 9_000)
        );
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        let payable = |m: i64| -balance(&tb, &format!("members:{m}:payable"));
        assert_eq!(
            (payable(u.m[0]), payable(u.m[1]), payable(u.m[2])),
            (5_000, 500, 2_000)
        );
        assert_eq!(
            balance(&tb, &format!("members:{}:sales-advance", u.m[1])),
            0
        );
        // The rest: 9,000 with no debts left; the invoice is settled and each member's total
        // is what they delivered: 10,000, 4,000 (of which 1,500 advanced) and 4,000.
        app.record_buyer_payment(u.org, &by(), "exp-1", 9_000, day(2026, 8, 1), "tr-2")
            .await
            .unwrap();
        // The same transfer again changes nothing.
        app.record_buyer_payment(u.org, &by(), "exp-1", 9_000, day(2026, 8, 1), "tr-2")
            .await
            .unwrap();
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        let payable = |m: i64| -balance(&tb, &format!("members:{m}:payable"));
        assert_eq!(
            (payable(u.m[0]), payable(u.m[1]), payable(u.m[2])),
            (10_000, 2_500, 4_000)
        );
        assert_eq!(balance(&tb, "odf:receivable:buyers"), 0);
        let o = app.sales_order(u.org, "exp-1").await.unwrap();
        assert_eq!(o.invoice.unwrap().outstanding_minor(), 0);
        let buyers = app.sales_by_buyer(u.org).await.unwrap();
        assert_eq!(
            (buyers[0].invoiced_minor, buyers[0].channelled_by.as_str()),
            (18_000, "comite:luis")
        );
        // R-SELL-3: who channelled the order.
        let channelled = app.channelled_report(u.org).await.unwrap();
        assert_eq!(
            (
                channelled[0].channelled_by.as_str(),
                channelled[0].orders.as_str(),
                channelled[0].invoiced_minor
            ),
            ("comite:luis", "exp-1", 18_000)
        );
    }
}

#[tokio::test]
async fn r_sell_1_minimum_lots_make_the_split_an_optimisation() {
    for u in backends(2).await {
        u.app
            .declare_capacities(
                u.org,
                &by(),
                vec![capacity(u.m[0], "A", 30, 0), capacity(u.m[1], "A", 10, 5)],
            )
            .await
            .unwrap();
        // Targets 9 and 3, but m[1]'s lot is 5: (7, 5) deviates 4, (12, 0) deviates 6.
        let split = u
            .app
            .accept_order(u.org, &by(), order("exp-2", 12, 500))
            .await
            .unwrap();
        assert_eq!(split.method, trade::sales::SplitMethod::Optimised);
        let got: Vec<_> = split.assignments.iter().map(|a| a.units).collect();
        assert_eq!(got, vec![7, 5]);
    }
}

#[tokio::test]
async fn r_buy_2_a_purchase_debt_is_settled_from_the_next_sale() {
    for u in backends(2).await {
        clay_round(&u).await;
        let app = &u.app;
        app.close_round(u.org, &by(), "r1", day(2026, 3, 1))
            .await
            .unwrap();
        app.receive_goods(
            u.org,
            &by(),
            "r1",
            "r1:clay:arcillas",
            50,
            day(2026, 3, 3),
            "rem-1",
        )
        .await
        .unwrap();
        // m[1] picks up all 25 units (2,000) and pays nothing now.
        app.pick_up(
            u.org,
            &by(),
            "r1",
            u.m[1],
            "clay",
            25,
            0,
            day(2026, 3, 6),
            "vale-1",
        )
        .await
        .unwrap();
        app.declare_capacities(u.org, &by(), vec![capacity(u.m[1], "A", 10, 0)])
            .await
            .unwrap();
        app.accept_order(u.org, &by(), order("exp-3", 5, 1_000))
            .await
            .unwrap();
        app.record_deliveries(u.org, &by(), "exp-3", vec![delivery(u.m[1], 5, 0, "n-1")])
            .await
            .unwrap();
        app.invoice_order(u.org, &by(), "exp-3", day(2026, 5, 3))
            .await
            .unwrap();
        // 5,000 paid: 2,000 settles the round, 3,000 net to the member.
        let out = app
            .record_buyer_payment(u.org, &by(), "exp-3", 5_000, day(2026, 7, 1), "tr-1")
            .await
            .unwrap();
        assert_eq!((out.net_minor, out.deducted_minor), (3_000, 2_000));
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(
            balance(&tb, &format!("members:{}:purchases-receivable", u.m[1])),
            0
        );
    }
}

#[tokio::test]
async fn r_sell_2_outlet_consignment_sale_settlement_and_count() {
    for u in backends(1).await {
        let app = &u.app;
        app.open_outlet(
            u.org,
            &by(),
            OutletInput {
                code: "tlayacapan".into(),
                name: "Tienda de Tlayacapan".into(),
                commission_rate: "0.05".into(),
            },
        )
        .await
        .unwrap();
        let m = u.m[0];
        app.consign(u.org, &by(), "tlayacapan", m, "jarro", 10, 15_000, "c-1")
            .await
            .unwrap();
        // 3 jarros at 150.00 = 450.00; 5% commission 22.50; the member's share 427.50.
        let sold = app
            .outlet_sale(
                u.org,
                &by(),
                "tlayacapan",
                m,
                "jarro",
                3,
                day(2026, 4, 1),
                "v-1",
            )
            .await
            .unwrap();
        assert_eq!(
            (sold.gross_minor, sold.commission_minor, sold.share_minor),
            (45_000, 2_250, 42_750)
        );
        // The same sale sent again answers what it recorded, and records nothing.
        let again = app
            .outlet_sale(
                u.org,
                &by(),
                "tlayacapan",
                m,
                "jarro",
                3,
                day(2026, 4, 1),
                "v-1",
            )
            .await
            .unwrap();
        assert_eq!(again, sold);
        let err = app
            .outlet_sale(
                u.org,
                &by(),
                "tlayacapan",
                m,
                "jarro",
                8,
                day(2026, 4, 1),
                "v-2",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("only 7 on consignment"), "{err}");
        let err = app
            .settle_outlet_member(
                u.org,
                &by(),
                "tlayacapan",
                m,
                42_751,
                day(2026, 4, 30),
                "l-1",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("(42750)"), "{err}");
        app.settle_outlet_member(
            u.org,
            &by(),
            "tlayacapan",
            m,
            42_750,
            day(2026, 4, 30),
            "l-1",
        )
        .await
        .unwrap();
        let diffs = app
            .count_outlet(
                u.org,
                &by(),
                "tlayacapan",
                vec![(m, "jarro".into(), 6)],
                day(2026, 5, 1),
                "conteo-1",
            )
            .await
            .unwrap();
        assert_eq!(
            (diffs[0].difference_units, diffs[0].value_minor),
            (-1, -15_000)
        );
        let o = app.outlet(u.org, "tlayacapan").await.unwrap();
        assert_eq!(o.stock.on_hand(m, "jarro"), 6);
        assert_eq!(o.owed.get(&m), Some(&0));
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(balance(&tb, "odf:income:services"), -2_250);
        assert_eq!(balance(&tb, "odf:bank"), 45_000 - 42_750);
    }
}

/// Puts `amount` in the Competition Sub-Fund's trust account through the Fund's own use case:
/// a grant of twice that, split 50/50 (R-FUND-2), so the Fund's book and the ledger agree and
/// the Sub-Fund lends trade only what the Fund says it holds (R-BUY-2).
async fn fund_the_sub_fund(u: &Union, amount: i64) {
    u.app
        .receive_grant(
            u.org,
            "test-sub-fund",
            "Fundación Morelos",
            2 * amount,
            day(2026, 2, 1),
            &app::fund_cases::Audit::cli(),
        )
        .await
        .unwrap();
}

async fn board_decides(u: &Union, amount_minor: i64, vote: governance::Vote) -> i64 {
    u.app
        .record_board_decision(
            u.org,
            &Actor::cli(),
            governance::Minutes {
                kind: governance::ProposalKind::Expenditure,
                subject: "trade:r1".into(),
                purpose: "Capital de trabajo: compra consolidada de arcilla".into(),
                amount_minor,
                decided_on: day(2026, 3, 2),
                votes: u.board.iter().map(|&s| (s, vote)).collect(),
            },
        )
        .await
        .unwrap()
        .proposal_id
}

#[tokio::test]
async fn r_buy_2_the_competition_sub_fund_pays_under_an_approved_decision_and_never_beyond() {
    for u in backends(40).await {
        assert!(!u.board.is_empty(), "the demo union has a board");
        clay_round(&u).await;
        let app = &u.app;
        app.close_round(u.org, &by(), "r1", day(2026, 3, 1))
            .await
            .unwrap();
        let po = "r1:clay:arcillas";
        fund_the_sub_fund(&u, 5_000).await;
        // The line's deposit of 20.00 (limit 40.00) puts 10.00 more in the Sub-Fund (R-FUND-2).
        open_line(&u, "fira", 2_000).await;
        let line_deposit_half = 2_000 / 2;
        let rejected = board_decides(&u, 4_000, governance::Vote::Against).await;
        let err = app
            .pay_supplier(
                u.org,
                &by(),
                "r1",
                po,
                3_000,
                Funding::CompetitionSubFund {
                    decision_id: rejected,
                },
                day(2026, 3, 5),
                "pago-1",
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("rechazó"), "{err}");
        // Approved for 3,000: the Sub-Fund pays 3,000, then refuses 1 more under it.
        let approved = board_decides(&u, 3_000, governance::Vote::For).await;
        let sub_fund = Funding::CompetitionSubFund {
            decision_id: approved,
        };
        app.pay_supplier(
            u.org,
            &by(),
            "r1",
            po,
            3_000,
            sub_fund.clone(),
            day(2026, 3, 5),
            "pago-1",
        )
        .await
        .unwrap();
        let err = app
            .pay_supplier(
                u.org,
                &by(),
                "r1",
                po,
                1,
                sub_fund.clone(),
                day(2026, 3, 5),
                "pago-2",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AppError::Trade(trade::TradeError::AboveBoardApproval { .. })
            ),
            "{err}"
        );
        // The rest (1,000) from the credit line.
        app.pay_supplier(
            u.org,
            &by(),
            "r1",
            po,
            1_000,
            Funding::CreditLine {
                lender: "fira".into(),
            },
            day(2026, 3, 5),
            "pago-3",
        )
        .await
        .unwrap();
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(
            balance(&tb, "fund:trust-bank:competition"),
            2_000 + line_deposit_half
        );
        assert_eq!(balance(&tb, "fund:receivable:working-capital"), 3_000);
        assert_eq!(balance(&tb, "odf:payable:fund-competition"), -3_000);
        // The ODF repays the Sub-Fund: its trust account is whole again.
        app.repay_working_capital(u.org, &by(), sub_fund, 3_000, day(2026, 4, 1), "dev-1")
            .await
            .unwrap();
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(
            balance(&tb, "fund:trust-bank:competition"),
            5_000 + line_deposit_half
        );
        assert_eq!(balance(&tb, "fund:receivable:working-capital"), 0);
        assert_eq!(balance(&tb, "odf:payable:fund-competition"), 0);
    }
}

#[tokio::test]
async fn r_buy_2_and_r_sell_1_concurrent_payments_never_exceed_what_is_owed() {
    for u in backends(3).await {
        clay_round(&u).await;
        open_line(&u, "fira", 1_000_000).await;
        let app = &u.app;
        let actor = &by();
        app.close_round(u.org, actor, "r1", day(2026, 3, 1))
            .await
            .unwrap();
        let po = "r1:clay:arcillas";
        let line = || Funding::CreditLine {
            lender: "fira".into(),
        };
        // Two payments of 2,500 on the 4,000 order at once: each alone fits, both do not.
        let (a, b) = tokio::join!(
            app.pay_supplier(
                u.org,
                actor,
                "r1",
                po,
                2_500,
                line(),
                day(2026, 3, 5),
                "p-a"
            ),
            app.pay_supplier(
                u.org,
                actor,
                "r1",
                po,
                2_500,
                line(),
                day(2026, 3, 5),
                "p-b"
            ),
        );
        assert_eq!(
            u32::from(a.is_ok()) + u32::from(b.is_ok()),
            1,
            "{}: exactly one payment lands: {a:?} {b:?}",
            u.backend
        );
        let round = app.round(u.org, "r1").await.unwrap();
        assert_eq!(round.paid.get(po).copied(), Some(2_500), "{}", u.backend);
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(balance(&tb, "lenders:fira:line"), -2_500, "{}", u.backend);

        // The same for two advances on one member's assignment of 4 units × 1,000.
        app.declare_capacities(u.org, actor, vec![capacity(u.m[0], "B", 4, 0)])
            .await
            .unwrap();
        app.accept_order(u.org, actor, order("exp-9", 4, 1_000))
            .await
            .unwrap();
        let m = u.m[0];
        let (a, b) = tokio::join!(
            app.pay_sales_advance(
                u.org,
                actor,
                "exp-9",
                m,
                3_000,
                line(),
                day(2026, 4, 1),
                "a-a"
            ),
            app.pay_sales_advance(
                u.org,
                actor,
                "exp-9",
                m,
                3_000,
                line(),
                day(2026, 4, 1),
                "a-b"
            ),
        );
        assert_eq!(
            u32::from(a.is_ok()) + u32::from(b.is_ok()),
            1,
            "{}: exactly one advance lands: {a:?} {b:?}",
            u.backend
        );
        let order = app.sales_order(u.org, "exp-9").await.unwrap();
        assert_eq!(
            order.advances.get(&m).copied(),
            Some(3_000),
            "{}",
            u.backend
        );
    }
}

/// R-SELL-1, R-BUY-2: an advance paid from the Competition Sub-Fund is lent by the Fund: the
/// Fund's book moves the cash out of the trust into working capital lent, so it agrees with the
/// ledger and the books check while it is outstanding; the same advance again changes nothing.
#[tokio::test]
async fn r_sell_1_an_advance_from_the_sub_fund_is_lent_by_the_fund() {
    for u in backends(40).await {
        let app = &u.app;
        let actor = &by();
        let before = app.fund_state(u.org).await.unwrap();
        fund_the_sub_fund(&u, 5_000).await;
        let cash = before.trust.competition_minor + 5_000;
        let decision = board_decides(&u, 4_000, governance::Vote::For).await;
        let sub_fund = Funding::CompetitionSubFund {
            decision_id: decision,
        };
        app.declare_capacities(u.org, actor, vec![capacity(u.m[0], "B", 4, 0)])
            .await
            .unwrap();
        app.accept_order(u.org, actor, order("exp-7", 4, 1_000))
            .await
            .unwrap();
        let advance = 3_000;
        for _ in 0..2 {
            app.pay_sales_advance(
                u.org,
                actor,
                "exp-7",
                u.m[0],
                advance,
                sub_fund.clone(),
                day(2026, 4, 2),
                "adelanto-1",
            )
            .await
            .unwrap();
        }
        let state = app.fund_state(u.org).await.unwrap();
        assert_eq!(
            state.working_capital_minor,
            before.working_capital_minor + advance,
            "{}",
            u.backend
        );
        assert_eq!(state.trust.competition_minor, cash - advance);
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(balance(&tb, "fund:trust-bank:competition"), cash - advance);
        let books = app.check_books(u.org).await.unwrap();
        assert!(
            books.ok(),
            "{}: {:?}",
            u.backend,
            books.failures().collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn r_buy_2_a_days_pick_ups_are_recorded_together_or_not_at_all() {
    for u in backends(3).await {
        clay_round(&u).await;
        let app = &u.app;
        let actor = &by();
        app.close_round(u.org, actor, "r1", day(2026, 3, 1))
            .await
            .unwrap();
        app.receive_goods(
            u.org,
            actor,
            "r1",
            "r1:clay:arcillas",
            50,
            day(2026, 3, 3),
            "rem",
        )
        .await
        .unwrap();
        let (m0, m1) = (u.m[0], u.m[1]);
        let p = |member, units, pay_now_minor, reference: &str| PickUpInput {
            member,
            material: "clay".into(),
            units,
            pay_now_minor,
            date: day(2026, 3, 6),
            reference: reference.into(),
        };
        // m0 asked for 20 units: 10 + 11 is one too many, so nothing of the day is recorded.
        let err = app
            .pick_ups(
                u.org,
                actor,
                "r1",
                vec![
                    p(m0, 10, 800, "v-1"),
                    p(m1, 25, 0, "v-2"),
                    p(m0, 11, 0, "v-3"),
                ],
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("exceeds what remains (10)"),
            "{err}"
        );
        assert!(app.round(u.org, "r1").await.unwrap().picked.is_empty());
        let err = app
            .pick_ups(
                u.org,
                actor,
                "r1",
                vec![p(m0, 1, 0, "v-1"), p(m1, 1, 0, "v-1")],
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("reference"), "{err}");
        // At the pooled 80 per unit: m0 picks up 10 + 10 and pays 800 each time; m1 pays
        // nothing now and owes 2,000.
        let day_of = vec![
            p(m0, 10, 800, "v-1"),
            p(m1, 25, 0, "v-2"),
            p(m0, 10, 800, "v-3"),
        ];
        assert_eq!(
            app.pick_ups(u.org, actor, "r1", day_of.clone())
                .await
                .unwrap(),
            3
        );
        assert_eq!(app.pick_ups(u.org, actor, "r1", day_of).await.unwrap(), 0);
        let tb = app.checked_trial_balance(u.org).await.unwrap();
        assert_eq!(
            balance(&tb, &format!("members:{m0}:purchases-receivable")),
            0
        );
        assert_eq!(
            balance(&tb, &format!("members:{m1}:purchases-receivable")),
            2_000
        );
        assert_eq!(balance(&tb, "odf:bank"), 1_600);
        assert_eq!(balance(&tb, "odf:inventory"), 4_000 - 3_600);
    }
}
