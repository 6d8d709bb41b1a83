//! What the tests of working capital lent by the Competition Sub-Fund share (R-BUY-2): a clay
//! purchasing round with one supplier order, and a board decision approving an expenditure.
#![allow(dead_code)]

use crate::common::*;
use app::trade_cases::{PriceListInput, RequestInput, RoundInput, SupplierInput, TierInput};
use app::{Actor, App};
use store::{MemberId, OrgId};

pub fn by() -> Actor {
    Actor::new("test", "cli")
}

/// A clay round (supplier "arcillas", 100 a unit up to 49 and 80 from 50, all units; two
/// members ask 20 and 25): the round buys 50 at 80, one order of 4,000.
pub const PO: &str = "r1:clay:arcillas";
pub const PO_COST: i64 = 50 * 80;

pub async fn clay_round(app: &App, org: OrgId, members: &[MemberId]) {
    app.register_supplier(
        org,
        &by(),
        SupplierInput {
            code: "arcillas".into(),
            name: "Arcillas del Sur".into(),
            channelled_by: None,
        },
    )
    .await
    .unwrap();
    let tiers = [(1, Some(49), 100), (50, None, 80)]
        .iter()
        .map(|&(from_units, to_units, unit_price_minor)| TierInput {
            from_units,
            to_units,
            unit_price_minor,
        })
        .collect();
    app.register_price_list(
        org,
        &by(),
        PriceListInput {
            supplier: "arcillas".into(),
            material: "clay".into(),
            pricing: "all_units".into(),
            tiers,
            min_order_units: 0,
            lead_time_days: 2,
            valid_from: d(2025, 1, 1),
            valid_until: d(2025, 12, 31),
        },
    )
    .await
    .unwrap();
    app.open_round(
        org,
        &by(),
        RoundInput {
            round_id: "r1".into(),
            order_date: d(2025, 1, 20),
            allow_buy_up: true,
            time_limit_ms: None,
        },
    )
    .await
    .unwrap();
    let req = |member, quantity_units| RequestInput {
        member,
        material: "clay".into(),
        quantity_units,
        needed_by: d(2025, 2, 10),
    };
    app.request_purchases(
        org,
        &by(),
        "r1",
        vec![req(members[0], 20), req(members[1], 25)],
    )
    .await
    .unwrap();
    app.close_round(org, &by(), "r1", d(2025, 1, 20))
        .await
        .unwrap();
}

/// The board (seated 1 February 2025) approves an expenditure of `amount_minor` that day.
pub async fn decide(app: &App, org: OrgId, seats: &[i64], subject: &str, amount_minor: i64) -> i64 {
    app.record_board_decision(
        org,
        &Actor::cli(),
        governance::Minutes {
            kind: governance::ProposalKind::Expenditure,
            subject: subject.into(),
            purpose: "Capital de trabajo".into(),
            amount_minor,
            decided_on: d(2025, 2, 1),
            votes: seats.iter().map(|s| (*s, governance::Vote::For)).collect(),
        },
    )
    .await
    .unwrap()
    .proposal_id
}

/// `tequio check` passes on the organisation's books (every invariant), else the failures.
pub async fn assert_books(app: &App, org: OrgId, backend: &str) {
    let books = app.check_books(org).await.unwrap();
    assert!(
        books.ok(),
        "{backend}: {:?}",
        books.failures().collect::<Vec<_>>()
    );
}
