//! R-SELL-1 with R-FUND-1 and R-PLAN-3: a buyer's payment passed on to members records each
//! member's payout (gross, every deduction, net) and books what went to the Fund as the Fund's
//! own payment, so the Fund's list of who owes, the member's statement, the trust and the books
//! check agree with the payout; the payout recorded stays as it was when the member's debts
//! change later; the same payment again records nothing. Figures worked out by hand here.
//! SQLite in memory, and PostgreSQL when `TEQUIO_TEST_PG_URL` is set.

mod common;

use app::fund_cases::CloseOptions;
use app::trade_cases::*;
use common::*;

fn by() -> Actor {
    Actor::new("prueba", "test")
}

/// A March close where the member reported 1,234,567 of revenue and 400,001 of profit over a
/// baseline of 1,000,000 and 300,000 makes them owe: contributions 10% of the 234,567 more
/// revenue = 23,456.7 → 23,457; the ODF's profit share 25% of the 100,001 more profit =
/// 25,000.25 → 25,000 (half-to-even to the centavo).
const CONTRIBUTION: i64 = 23_457;
const PROFIT_SHARE: i64 = 25_000;

#[tokio::test]
async fn r_sell_1_a_payout_is_recorded_and_its_fund_deductions_are_the_funds_payments() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "ventas-fondo", 3).await;
        for &member in &m[..2] {
            agree(&app, org, member, 1_000_000, 300_000).await;
            report(&app, org, p(2026, 3), member, 1_234_567, 400_001).await;
        }
        app.close_period(org, p(2026, 3), today(), CloseOptions::default(), &audit())
            .await
            .unwrap();
        let owing = app.members_owing(org).await.unwrap();
        assert_eq!(
            owing
                .iter()
                .map(|o| (o.member_id, o.contribution_minor, o.profit_share_minor))
                .collect::<Vec<_>>(),
            vec![
                (m[0], CONTRIBUTION, PROFIT_SHARE),
                (m[1], CONTRIBUTION, PROFIT_SHARE)
            ],
            "{backend}"
        );
        // An order of 50 cazuelas at 20.00 split 30:10:10 by capacity, all delivered.
        let caps = [(m[0], 30u64), (m[1], 10), (m[2], 10)];
        app.declare_capacities(
            org,
            &by(),
            caps.iter()
                .map(|&(member, units)| CapacityInput {
                    member,
                    product: "cazuela".into(),
                    grade: "A".into(),
                    capacity_units: units,
                    min_lot_units: 0,
                    declared_on: d(2026, 11, 1),
                })
                .collect(),
        )
        .await
        .unwrap();
        let price = 2_000;
        app.accept_order(
            org,
            &by(),
            OrderInput {
                order_id: "v-1".into(),
                buyer: "Casa Oaxaca".into(),
                product: "cazuela".into(),
                grade: "A".into(),
                quantity_units: 50,
                unit_price_minor: price,
                due_date: d(2026, 12, 31),
                terms_days: 60,
                channelled_by: None,
                accepted_on: d(2026, 11, 2),
            },
        )
        .await
        .unwrap();
        app.record_deliveries(
            org,
            &by(),
            "v-1",
            caps.iter()
                .map(|&(member, units)| DeliveryInput {
                    member,
                    delivered_units: units,
                    rejected_units: 0,
                    date: d(2026, 11, 10),
                    reference: format!("n-{member}"),
                })
                .collect(),
        )
        .await
        .unwrap();
        app.invoice_order(org, &by(), "v-1", d(2026, 11, 11))
            .await
            .unwrap();
        // The buyer pays the whole invoice, 100,000: shares 60,000, 20,000 and 20,000.
        // m[0]: contributions 23,457 and profit share 25,000 deducted, 11,543 net.
        // m[1]: 20,000 covers only part of the contributions (23,457): 20,000 to the Fund, 0 net.
        // m[2]: owes nothing, 20,000 net.
        let total = 50 * price;
        let out = app
            .record_buyer_payment(org, &by(), "v-1", total, today(), "cobro-1")
            .await
            .unwrap();
        let expected = vec![
            PayoutLine {
                member: m[0],
                gross_minor: 30 * price,
                advance_minor: 0,
                fund_minor: CONTRIBUTION,
                profit_share_minor: PROFIT_SHARE,
                purchases_minor: 0,
                net_minor: 30 * price - CONTRIBUTION - PROFIT_SHARE,
            },
            PayoutLine {
                member: m[1],
                gross_minor: 10 * price,
                advance_minor: 0,
                fund_minor: 10 * price,
                profit_share_minor: 0,
                purchases_minor: 0,
                net_minor: 0,
            },
            PayoutLine {
                member: m[2],
                gross_minor: 10 * price,
                advance_minor: 0,
                fund_minor: 0,
                profit_share_minor: 0,
                purchases_minor: 0,
                net_minor: 10 * price,
            },
        ];
        assert_eq!(expected[0].net_minor, 11_543);
        let net: i64 = expected.iter().map(|l| l.net_minor).sum();
        let deducted: i64 = expected.iter().map(|l| l.deducted_minor()).sum();
        assert_eq!(net + deducted, total);
        assert_eq!(
            (out.members_paid, out.net_minor, out.deducted_minor),
            (3, net, deducted),
            "{backend}"
        );
        let recorded = app.sales_order(org, "v-1").await.unwrap();
        let payout = recorded.payout("cobro-1").unwrap();
        assert_eq!(payout.lines, expected, "{backend}");
        assert_eq!((payout.payment_minor, payout.date), (total, today()));

        // The Fund's own figures agree with the deductions.
        let owing = app.members_owing(org).await.unwrap();
        assert_eq!(
            owing
                .iter()
                .map(|o| (o.member_id, o.contribution_minor, o.profit_share_minor))
                .collect::<Vec<_>>(),
            vec![(m[1], CONTRIBUTION - 10 * price, PROFIT_SHARE)],
            "{backend}: m[0] paid everything, m[1] owes the rest"
        );
        let s0 = app
            .member_fund_statement(org, m[0])
            .await
            .unwrap()
            .statement;
        assert_eq!(
            (
                s0.contributions_paid.total(),
                s0.contributions_outstanding_minor,
                s0.profit_share_paid_minor
            ),
            (CONTRIBUTION, 0, PROFIT_SHARE)
        );
        let s1 = app
            .member_fund_statement(org, m[1])
            .await
            .unwrap()
            .statement;
        assert_eq!(
            (
                s1.contributions_paid.total(),
                s1.contributions_outstanding_minor
            ),
            (10 * price, CONTRIBUTION - 10 * price)
        );
        // The contributions went into the trust; what is owed to each member is their net.
        let trust = balance(&app, org, "fund:trust-bank:development").await
            + balance(&app, org, "fund:trust-bank:competition").await;
        assert_eq!(trust, CONTRIBUTION + 10 * price);
        for l in &expected {
            assert_eq!(
                -balance(&app, org, &format!("members:{}:payable", l.member)).await,
                l.net_minor
            );
        }
        assert_eq!(
            balance(&app, org, &format!("members:{}:fund-receivable", m[1])).await,
            CONTRIBUTION - 10 * price
        );
        let check = app.check_books(org).await.unwrap();
        assert!(
            check.ok(),
            "{backend}: {:?}",
            check.failures().collect::<Vec<_>>()
        );

        // The same payment again: the recorded figures, nothing written.
        let events = event_count(&app, org).await;
        let again = app
            .record_buyer_payment(org, &by(), "v-1", total, today(), "cobro-1")
            .await
            .unwrap();
        assert_eq!(
            (again.members_paid, again.net_minor, again.deducted_minor),
            (3, net, deducted)
        );
        assert_eq!(event_count(&app, org).await, events);

        // m[1] pays the rest of their debts in cash: the payout recorded does not change.
        app.settle_member_debts(org, m[1], "caja-1", None, false, today(), &audit())
            .await
            .unwrap();
        assert!(app.members_owing(org).await.unwrap().is_empty());
        let later = app.sales_order(org, "v-1").await.unwrap();
        assert_eq!(later.payout("cobro-1").unwrap().lines, expected);
        let check = app.check_books(org).await.unwrap();
        assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    }
}
