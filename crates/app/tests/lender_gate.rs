//! The one gate for the lender's money (R-CRED-1, R-CRED-3, R-BUY-2, R-SELL-1): line draws,
//! loan disbursements, leasing purchases, trade advances, supplier payments and repayments all
//! go through the credit line. Whatever the path, the line's drawn equals the ledger's
//! liability to the lender and never exceeds the limit. Expected figures are worked out in the
//! tests from the amounts they move.

mod trade_support;

use app::credit_cases::{LoanApplication, StartLeaseCmd};
use app::trade_cases::*;
use app::App;
use chrono::NaiveDate;
use credit::schedule::ScheduleInput;
use governance::ProposalKind;
use ledger::AccountCode;
use proptest::prelude::*;
use rust_decimal::Decimal;
use trade_support::{backends, open_line, Union};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn by() -> Actor {
    Actor::new("test", "cli")
}

const LENDER: &str = "fira";

/// What the ledger says the ODF owes `LENDER` (credit-positive), and the line's drawn and limit.
async fn owed_drawn_limit(app: &App, org: i64) -> (i64, i64, i64) {
    let owed = match app
        .store()
        .account_balance(org, &AccountCode::parse("lenders:fira:line").unwrap())
        .await
    {
        Ok(b) => -b,
        Err(_) => 0,
    };
    let book = app.credit_book(org).await.unwrap();
    let line = book.lines.get(&1).map(|l| &l.line);
    (
        owed,
        line.map_or(0, |l| l.drawn_minor),
        line.map_or(0, |l| l.limit_minor),
    )
}

/// A round "r1" whose one purchase order (`r1:clay:arcillas`) costs 500 units × 100.00 =
/// 50,000.00, received in full on 2 March 2026.
async fn received_round(u: &Union) {
    let app = &u.app;
    app.register_supplier(
        u.org,
        &by(),
        SupplierInput {
            code: "arcillas".into(),
            name: "Arcillas del Sur".into(),
            channelled_by: None,
        },
    )
    .await
    .unwrap();
    app.register_price_list(
        u.org,
        &by(),
        PriceListInput {
            supplier: "arcillas".into(),
            material: "clay".into(),
            pricing: "all_units".into(),
            tiers: vec![TierInput {
                from_units: 1,
                to_units: None,
                unit_price_minor: 10_000,
            }],
            min_order_units: 0,
            lead_time_days: 1,
            valid_from: day(2026, 1, 1),
            valid_until: day(2026, 12, 31),
        },
    )
    .await
    .unwrap();
    app.open_round(
        u.org,
        &by(),
        RoundInput {
            round_id: "r1".into(),
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
        needed_by: day(2026, 3, 20),
    };
    app.request_purchases(u.org, &by(), "r1", vec![req(u.m[0], 200), req(u.m[1], 300)])
        .await
        .unwrap();
    app.close_round(u.org, &by(), "r1", day(2026, 3, 1))
        .await
        .unwrap();
    app.receive_goods(
        u.org,
        &by(),
        "r1",
        "r1:clay:arcillas",
        500,
        day(2026, 3, 2),
        "rem-1",
    )
    .await
    .unwrap();
}

/// An order "exp-1" of 300 units × 1,000.00 split among three members of capacity 100 each:
/// each member's assignment is worth 100,000.00.
async fn accepted_order(u: &Union) {
    let app = &u.app;
    let capacity = |member| CapacityInput {
        member,
        product: "cazuela".into(),
        grade: "B".into(),
        capacity_units: 100,
        min_lot_units: 0,
        declared_on: day(2026, 3, 15),
    };
    app.declare_capacities(
        u.org,
        &by(),
        vec![capacity(u.m[0]), capacity(u.m[1]), capacity(u.m[2])],
    )
    .await
    .unwrap();
    app.accept_order(
        u.org,
        &by(),
        OrderInput {
            order_id: "exp-1".into(),
            buyer: "Comercio Justo Europa".into(),
            product: "cazuela".into(),
            grade: "B".into(),
            quantity_units: 300,
            unit_price_minor: 100_000,
            due_date: day(2026, 6, 1),
            terms_days: 60,
            channelled_by: None,
            accepted_on: day(2026, 4, 1),
        },
    )
    .await
    .unwrap();
}

fn line() -> Funding {
    Funding::CreditLine {
        lender: LENDER.into(),
    }
}

/// The case: on a line of 20,000.00, an advance of 5,000.00 is drawn on the line, one of
/// 95,000.00 is refused naming R-CRED-1 and what is available (15,000.00), and a line draw of
/// 20,000.00 is then refused too; the ledger owes the lender exactly what `line show` says.
#[tokio::test]
async fn r_cred_1_trade_advances_draw_on_the_line_and_are_refused_above_what_is_available() {
    for u in backends(4).await {
        let app = &u.app;
        // A deposit of 10,000.00 allows a line of 2 × 10,000.00 = 20,000.00 (R-CRED-1).
        open_line(&u, LENDER, 1_000_000).await;
        accepted_order(&u).await;
        let actor = by();
        let advance = |amount, reference: &'static str| {
            app.pay_sales_advance(
                u.org,
                &actor,
                "exp-1",
                u.m[0],
                amount,
                line(),
                day(2026, 4, 2),
                reference,
            )
        };
        advance(500_000, "a-1").await.unwrap();
        assert_eq!(
            owed_drawn_limit(app, u.org).await,
            (500_000, 500_000, 2_000_000),
            "{}",
            u.backend
        );
        // 95,000.00 fits the member's assignment (100,000.00 − 5,000.00) but not the line.
        let err = advance(9_500_000, "a-2").await.unwrap_err().to_string();
        assert!(
            err.contains("R-CRED-1") && err.contains("15000.00"),
            "{}: {err}",
            u.backend
        );
        let err = app
            .draw_credit_line(u.org, &by(), 1, 2_000_000, day(2026, 4, 3), "d-1")
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("R-CRED-1"), "{}: {err}", u.backend);
        // Nothing of the refused acts was written.
        assert_eq!(
            owed_drawn_limit(app, u.org).await,
            (500_000, 500_000, 2_000_000),
            "{}",
            u.backend
        );
        // The rest of the line, 15,000.00, can still be drawn, and not a centavo more.
        app.draw_credit_line(u.org, &by(), 1, 1_500_000, day(2026, 4, 3), "d-2")
            .await
            .unwrap();
        let err = advance(1, "a-3").await.unwrap_err().to_string();
        assert!(err.contains("R-CRED-1"), "{}: {err}", u.backend);
        assert_eq!(
            owed_drawn_limit(app, u.org).await,
            (2_000_000, 2_000_000, 2_000_000),
            "{}",
            u.backend
        );
        app.checked_trial_balance(u.org).await.unwrap();
    }
}

/// The case: with no line at all, a supplier payment "from the line" of 50,000.00 is
/// refused (R-CRED-3) and nothing is written; a line with another lender does not count.
#[tokio::test]
async fn r_cred_3_without_a_line_in_force_with_the_lender_nothing_is_borrowed() {
    for u in backends(3).await {
        let app = &u.app;
        received_round(&u).await;
        let actor = by();
        let pay = |lender: &str, reference: &'static str| {
            app.pay_supplier(
                u.org,
                &actor,
                "r1",
                "r1:clay:arcillas",
                5_000_000,
                Funding::CreditLine {
                    lender: lender.into(),
                },
                day(2026, 3, 5),
                reference,
            )
        };
        let err = pay(LENDER, "p-1").await.unwrap_err().to_string();
        assert!(
            err.contains("R-CRED-3") && err.contains(LENDER),
            "{}: {err}",
            u.backend
        );
        open_line(&u, "nafin", 10_000_000).await;
        let err = pay(LENDER, "p-2").await.unwrap_err().to_string();
        assert!(err.contains("R-CRED-3"), "{}: {err}", u.backend);
        // Line 1 is nafin's (2 × 100,000.00): nothing drawn, nothing owed to anyone.
        assert_eq!(
            owed_drawn_limit(app, u.org).await,
            (0, 0, 20_000_000),
            "{}",
            u.backend
        );
        assert_eq!(app.round(u.org, "r1").await.unwrap().paid.len(), 0);
        // The line with "nafin" pays it, and counts it.
        pay("nafin", "p-3").await.unwrap();
        let book = app.credit_book(u.org).await.unwrap();
        assert_eq!(book.lines[&1].line.drawn_minor, 5_000_000, "{}", u.backend);
        app.checked_trial_balance(u.org).await.unwrap();
    }
}

/// Working capital repaid to the line frees it (R-BUY-2, R-CRED-4); more than is drawn is
/// refused naming the rule and what is drawn. A review's floor counts trade's draws: halving a
/// limit of 20,000.00 with 15,000.00 drawn by trade stops at 15,000.00 (R-CRED-2).
#[tokio::test]
async fn r_cred_2_trade_draws_count_in_the_review_floor_and_repayments_free_the_line() {
    for u in backends(3).await {
        let app = &u.app;
        open_line(&u, LENDER, 1_000_000).await;
        received_round(&u).await;
        app.pay_supplier(
            u.org,
            &by(),
            "r1",
            "r1:clay:arcillas",
            1_500_000,
            line(),
            day(2026, 3, 5),
            "p-1",
        )
        .await
        .unwrap();
        let err = app
            .repay_working_capital(u.org, &by(), line(), 1_500_001, day(2026, 3, 7), "dev-1")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("R-CRED-4") && err.contains("15000.00"),
            "{}: {err}",
            u.backend
        );
        // 600.00 repaid: drawn 15,000.00 − 600.00 = 14,400.00, owed the same.
        app.repay_working_capital(u.org, &by(), line(), 60_000, day(2026, 3, 7), "dev-2")
            .await
            .unwrap();
        assert_eq!(
            owed_drawn_limit(app, u.org).await,
            (1_440_000, 1_440_000, 2_000_000),
            "{}",
            u.backend
        );
        // A loan paid 31 days late (R-CRED-2 default rule) makes the July review halve the
        // limit: 20,000.00 / 2 = 10,000.00, below the 14,400.00 drawn, so it stops there.
        let decision = board_decides(&u, ProposalKind::Loan, "loan:1", 100_000).await;
        app.approve_loan(
            u.org,
            &by(),
            LoanApplication {
                loan_id: 1,
                line_id: 1,
                borrower: Some(u.m[0]),
                terms: ScheduleInput::monthly(100_000, Decimal::new(18, 2), 2, day(2026, 3, 10)),
                plan_recommended_minor: 100_000,
            },
            decision,
        )
        .await
        .unwrap();
        app.disburse_loan(u.org, &by(), 1).await.unwrap();
        // Drawn: 14,400.00 + 1,000.00 = 15,400.00; nothing paid on the loan since.
        let (line_state, _) = app
            .review_credit_line(u.org, &by(), 1, day(2026, 7, 1))
            .await
            .unwrap();
        assert_eq!(line_state.line.drawn_minor, 1_540_000, "{}", u.backend);
        assert_eq!(line_state.line.limit_minor, 1_540_000, "{}", u.backend);
        let (owed, drawn, _) = owed_drawn_limit(app, u.org).await;
        assert_eq!(owed, drawn, "{}", u.backend);
        app.checked_trial_balance(u.org).await.unwrap();
    }
}

async fn board_decides(u: &Union, kind: ProposalKind, subject: &str, amount_minor: i64) -> i64 {
    let votes = u
        .board
        .iter()
        .map(|seat| (*seat, governance::Vote::For))
        .collect();
    u.app
        .record_board_decision(
            u.org,
            &by(),
            governance::Minutes {
                kind,
                subject: subject.into(),
                purpose: "Crédito".into(),
                amount_minor,
                decided_on: day(2026, 2, 1),
                votes,
            },
        )
        .await
        .unwrap()
        .proposal_id
}

/// One step of the property: an amount as a share (per mille, up to 1.5×) of a reference
/// figure, so that some steps fit and some are above what the line has.
#[derive(Debug, Clone)]
enum Op {
    LineDraw(u16),
    LineRepay(u16),
    LoanToOdf(u16),
    Lease(u16),
    SupplierPayment(u16),
    Advance(u8, u16),
    TradeRepay(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let share = 1u16..=1500;
    prop_oneof![
        share.clone().prop_map(Op::LineDraw),
        share.clone().prop_map(Op::LineRepay),
        share.clone().prop_map(Op::LoanToOdf),
        share.clone().prop_map(Op::Lease),
        share.clone().prop_map(Op::SupplierPayment),
        (0u8..3, share.clone()).prop_map(|(m, s)| Op::Advance(m, s)),
        share.prop_map(Op::TradeRepay),
    ]
}

fn part(amount: i64, share: u16) -> i64 {
    amount * i64::from(share) / 1000
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let u = trade_support::sqlite(4).await;
    let app = &u.app;
    // A line of 2 × 50,000.00 = 100,000.00.
    open_line(&u, LENDER, 5_000_000).await;
    received_round(&u).await;
    accepted_order(&u).await;
    let po_cost = 5_000_000; // 500 units × 100.00
    let assignment = 10_000_000; // 100 units × 1,000.00
    let mut po_paid = 0i64;
    let mut advanced = [0i64; 3];
    let start = day(2026, 4, 10);
    for (i, op) in ops.into_iter().enumerate() {
        let (owed_before, drawn, limit) = owed_drawn_limit(app, u.org).await;
        let available = limit - drawn;
        let r = format!("op-{i}");
        let id = i as i64 + 1;
        // (amount borrowed (+) or repaid (−), the outcome)
        let (delta, outcome): (i64, Result<(), app::AppError>) = match op {
            Op::LineDraw(s) => {
                let a = part(available, s).max(1);
                let out = app.draw_credit_line(u.org, &by(), 1, a, start, &r).await;
                (a, out.map(|_| ()))
            }
            Op::LineRepay(s) => {
                let a = part(drawn, s).max(1);
                let out = app
                    .repay_credit_line(u.org, &by(), 1, a, 0, start, &r)
                    .await;
                (-a, out.map(|_| ()))
            }
            Op::LoanToOdf(s) => {
                let a = part(available, s).max(100);
                let decision =
                    board_decides(&u, ProposalKind::Loan, &format!("loan:{id}"), a).await;
                let approved = app
                    .approve_loan(
                        u.org,
                        &by(),
                        LoanApplication {
                            loan_id: id,
                            line_id: 1,
                            borrower: None,
                            terms: ScheduleInput::monthly(a, Decimal::new(18, 2), 3, start),
                            plan_recommended_minor: a,
                        },
                        decision,
                    )
                    .await;
                let out = match approved {
                    Ok(_) => app.disburse_loan(u.org, &by(), id).await.map(|_| ()),
                    Err(e) => Err(e),
                };
                (a, out)
            }
            Op::Lease(s) => {
                let a = part(available, s).max(100);
                let decision =
                    board_decides(&u, ProposalKind::Lease, &format!("lease:{id}"), a).await;
                let out = app
                    .start_lease(
                        u.org,
                        &by(),
                        StartLeaseCmd {
                            lease_id: id,
                            line_id: 1,
                            asset_description: "Horno".into(),
                            lessee: u.m[3],
                            terms: ScheduleInput::monthly(a, Decimal::new(18, 2), 6, start),
                            purchase_price_minor: None,
                            default_after_days: None,
                        },
                        decision,
                    )
                    .await;
                (a, out.map(|_| ()))
            }
            Op::SupplierPayment(s) => {
                let a = part(available, s).clamp(1, (po_cost - po_paid).max(1));
                if po_paid >= po_cost {
                    continue;
                }
                let out = app
                    .pay_supplier(u.org, &by(), "r1", "r1:clay:arcillas", a, line(), start, &r)
                    .await;
                if out.is_ok() {
                    po_paid += a;
                }
                (a, out)
            }
            Op::Advance(m, s) => {
                let m = usize::from(m);
                let room = assignment - advanced[m];
                if room == 0 {
                    continue;
                }
                let a = part(available, s).clamp(1, room);
                let out = app
                    .pay_sales_advance(u.org, &by(), "exp-1", u.m[m], a, line(), start, &r)
                    .await;
                if out.is_ok() {
                    advanced[m] += a;
                }
                (a, out)
            }
            Op::TradeRepay(s) => {
                let a = part(drawn, s).max(1);
                let out = app
                    .repay_working_capital(u.org, &by(), line(), a, start, &r)
                    .await;
                (-a, out)
            }
        };
        let (owed, drawn_after, limit_after) = owed_drawn_limit(app, u.org).await;
        prop_assert_eq!(owed, drawn_after, "step {}: ledger and line disagree", i);
        prop_assert!(
            drawn_after <= limit_after,
            "step {}: drawn above the limit",
            i
        );
        let fits = if delta > 0 {
            delta <= available
        } else {
            -delta <= drawn
        };
        match outcome {
            Ok(()) => {
                prop_assert!(fits, "step {}: {} accepted beyond the line", i, delta);
                prop_assert_eq!(owed, owed_before + delta, "step {}", i);
            }
            Err(e) => {
                // Refused only for a reason of the line's, and nothing was written.
                prop_assert!(
                    !fits,
                    "step {}: {} refused although it fits: {}",
                    i,
                    delta,
                    e
                );
                let text = e.to_string();
                prop_assert!(
                    text.contains("R-CRED-1") || text.contains("R-CRED-4"),
                    "step {}: {}",
                    i,
                    text
                );
                prop_assert_eq!(owed, owed_before, "step {}", i);
            }
        }
    }
    let tb = app.checked_trial_balance(u.org).await.unwrap();
    prop_assert!(tb.is_balanced());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn r_cred_1_through_every_path_the_line_and_the_ledger_agree_and_the_limit_holds(
        ops in proptest::collection::vec(op(), 1..16),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(ops))?;
    }
}
