//! R-SELL-1 settlement through the store: for any split, deliveries, debts and partial
//! payments, what members receive plus what is deducted from their debts equals what the
//! buyer paid, to the centavo, as read back from the ledger.

mod trade_support;

use app::trade_cases::*;
use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, TrialBalance};
use proptest::prelude::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, d).unwrap()
}

fn bal(tb: &TrialBalance, code: &str) -> i64 {
    tb.balance_minor(&AccountCode::parse(code).unwrap(), Currency::MXN) as i64
}

/// Σ over members of what they are owed (payable, credit) minus what they owe (debts).
fn members_position(tb: &TrialBalance, members: &[i64]) -> i64 {
    members
        .iter()
        .map(|m| {
            let owed_to = -bal(tb, &format!("members:{m}:payable"));
            let debts: i64 = [
                "sales-advance",
                "fund-receivable",
                "profit-share-receivable",
                "purchases-receivable",
            ]
            .iter()
            .map(|s| bal(tb, &format!("members:{m}:{s}")))
            .sum();
            owed_to - debts
        })
        .sum()
}

#[derive(Debug, Clone)]
struct Case {
    caps: Vec<(u64, u64)>,
    pct: u64,
    price: i64,
    reject_every: u64,
    fund_debts: Vec<i64>,
    share_debts: Vec<i64>,
    cuts: Vec<i64>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec((1u64..40, 0u64..4), 1..8),
        1u64..=100,
        1i64..50_000,
        1u64..5,
        proptest::collection::vec(0i64..100_000, 8),
        proptest::collection::vec(0i64..100_000, 8),
        proptest::collection::vec(1i64..1000, 0..3),
    )
        .prop_map(
            |(caps, pct, price, reject_every, fund_debts, share_debts, cuts)| Case {
                caps,
                pct,
                price,
                reject_every,
                fund_debts,
                share_debts,
                cuts,
            },
        )
}

async fn run(c: Case) -> Result<(), TestCaseError> {
    let u = trade_support::sqlite(8).await;
    let app = &u.app;
    let by = Actor::new("test", "cli");
    let members: Vec<i64> = u.m[..c.caps.len()].to_vec();
    // Debts owed by members: Fund contributions and the ODF's profit share.
    for (i, &m) in members.iter().enumerate() {
        for (suffix, amount, other) in [
            ("fund-receivable", c.fund_debts[i], "fund:competition"),
            (
                "profit-share-receivable",
                c.share_debts[i],
                "odf:income:profit-share",
            ),
        ] {
            if amount == 0 {
                continue;
            }
            app.post_entry(
                u.org,
                EntryDraft {
                    idempotency_key: format!("debt:{m}:{suffix}"),
                    reason: "test.debt".into(),
                    rule_id: "R-FUND-1".into(),
                    date: day(1),
                    memo: String::new(),
                    postings: vec![
                        Posting::new(
                            AccountCode::parse(&format!("members:{m}:{suffix}")).unwrap(),
                            Money::mxn(amount),
                        ),
                        Posting::new(AccountCode::parse(other).unwrap(), Money::mxn(-amount)),
                    ],
                    reverses: None,
                },
            )
            .await
            .unwrap();
        }
    }
    let capacities = members
        .iter()
        .zip(&c.caps)
        .map(|(&m, &(cap, lot))| CapacityInput {
            member: m,
            product: "cazuela".into(),
            grade: "A".into(),
            capacity_units: cap,
            min_lot_units: lot.min(cap),
            declared_on: day(1),
        })
        .collect();
    app.declare_capacities(u.org, &by, capacities)
        .await
        .unwrap();
    let total: u64 = c.caps.iter().map(|x| x.0).sum();
    let quantity = (total * c.pct / 100).max(1);
    let split = match app
        .accept_order(
            u.org,
            &by,
            OrderInput {
                order_id: "p".into(),
                buyer: "Comprador".into(),
                product: "cazuela".into(),
                grade: "A".into(),
                quantity_units: quantity,
                unit_price_minor: c.price,
                due_date: day(30),
                terms_days: 90,
                channelled_by: None,
                accepted_on: day(1),
            },
        )
        .await
    {
        Ok(s) => s,
        Err(app::AppError::Trade(trade::TradeError::NoFeasibleSplit { .. })) => return Ok(()),
        Err(e) => return Err(TestCaseError::fail(e.to_string())),
    };
    let deliveries: Vec<DeliveryInput> = split
        .assignments
        .iter()
        .map(|a| DeliveryInput {
            member: a.member,
            delivered_units: a.units,
            rejected_units: a.units / (c.reject_every + 1),
            date: day(10),
            reference: format!("n-{}", a.member),
        })
        .collect();
    app.record_deliveries(u.org, &by, "p", deliveries)
        .await
        .unwrap();
    let inv = app.invoice_order(u.org, &by, "p", day(11)).await.unwrap();
    let mut payments: Vec<i64> = c
        .cuts
        .iter()
        .map(|x| inv.amount_minor * x / 3000)
        .filter(|&p| p > 0)
        .collect();
    let paid: i64 = payments.iter().sum();
    payments.push(inv.amount_minor - paid);
    for (n, p) in payments.into_iter().filter(|&p| p > 0).enumerate() {
        let before = app.checked_trial_balance(u.org).await.unwrap();
        let out = app
            .record_buyer_payment(u.org, &by, "p", p, day(20), &format!("t-{n}"))
            .await
            .unwrap();
        let after = app.checked_trial_balance(u.org).await.unwrap();
        // Members' net position grows by exactly the payment: net paid plus debts settled.
        prop_assert_eq!(
            members_position(&after, &members) - members_position(&before, &members),
            p
        );
        prop_assert_eq!(out.net_minor + out.deducted_minor, p);
        prop_assert_eq!(bal(&after, "odf:bank") - bal(&before, "odf:bank"), p);
    }
    let tb = app.checked_trial_balance(u.org).await.unwrap();
    prop_assert_eq!(bal(&tb, "odf:receivable:buyers"), 0);
    prop_assert_eq!(bal(&tb, "odf:payable:members"), 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn r_sell_1_members_receive_plus_deductions_equal_the_buyer_payment(c in case()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(c))?;
    }
}
