//! Property (R-CRED-1, R-CRED-2): whatever the sequence of draws, repayments and semiannual
//! reviews, and whatever the ODF's review rule, the line's limit never exceeds 64 × the initial
//! deposit and never drops below what is drawn, and the books stay balanced.

mod credit_support;

use app::credit_cases::{OpenLineCmd, ReviewSetting};
use app::Actor;
use credit_support::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Op {
    /// Draw this share (per mille) of what is available.
    Draw(u16),
    /// Repay this share (per mille) of what is drawn.
    Repay(u16),
    /// Do the next semiannual review.
    Review,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u16..=1000).prop_map(Op::Draw),
        (1u16..=1000).prop_map(Op::Repay),
        Just(Op::Review),
        Just(Op::Review),
    ]
}

fn factor() -> impl Strategy<Value = (u32, u32)> {
    prop_oneof![Just((2, 1)), Just((1, 1)), Just((1, 2)), Just((3, 1))]
}

async fn run(when_met: (u32, u32), ops: Vec<Op>) {
    let app = apps().await.remove(0);
    let org = union_with_deposits(&app, 3).await;
    let deposit = app.initial_deposit_minor(org).await.unwrap();
    let actor = Actor::cli();
    let (mut line, _) = app
        .open_credit_line(
            org,
            &actor,
            OpenLineCmd {
                line_id: 1,
                lender_code: "nafin".into(),
                annual_rate: Decimal::new(18, 2),
                requested_limit_minor: None,
                opened_on: day(2025, 7, 1),
                review: Some(ReviewSetting {
                    when_met,
                    ..ReviewSetting::default()
                }),
            },
        )
        .await
        .unwrap();
    let mut today = day(2025, 7, 1);
    for (i, op) in ops.into_iter().enumerate() {
        let l = &line.line;
        let reference = format!("op-{i}");
        let next = match op {
            Op::Draw(share) => {
                let amount = l.available_minor() * i64::from(share) / 1000;
                if amount == 0 {
                    continue;
                }
                app.draw_credit_line(org, &actor, 1, amount, today, &reference)
                    .await
                    .unwrap()
                    .0
            }
            Op::Repay(share) => {
                let amount = l.drawn_minor * i64::from(share) / 1000;
                if amount == 0 {
                    continue;
                }
                app.repay_credit_line(org, &actor, 1, amount, 0, today, &reference)
                    .await
                    .unwrap()
                    .0
            }
            Op::Review => {
                today = l.next_review_on(&line.settings).unwrap();
                app.review_credit_line(org, &actor, 1, today)
                    .await
                    .unwrap()
                    .0
            }
        };
        line = next;
        let l = &line.line;
        assert!(
            l.limit_minor <= 64 * deposit,
            "{} > 64 × {deposit}",
            l.limit_minor
        );
        assert!(
            l.limit_minor >= l.drawn_minor,
            "{} < drawn {}",
            l.limit_minor,
            l.drawn_minor
        );
        assert!(l.drawn_minor >= 0);
    }
    // The fold read back from the store is the state the decisions were made on.
    assert_eq!(app.credit_book(org).await.unwrap().lines[&1], line);
    let tb = app.checked_trial_balance(org).await.unwrap();
    assert!(tb.is_balanced());
    assert_eq!(
        -app.store()
            .account_balance(org, &code("lenders:nafin:line"))
            .await
            .unwrap(),
        line.line.drawn_minor
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn r_cred_2_the_limit_stays_between_the_drawn_amount_and_64_times_the_deposit(
        when_met in factor(),
        ops in proptest::collection::vec(op(), 1..25),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(run(when_met, ops));
    }
}
