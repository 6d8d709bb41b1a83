//! Shared outlets and fair-trade centres (R-SELL-2): members' goods on consignment, sales
//! without intermediaries, settlement to members, stock counts.
//!
//! Consigned goods stay the member's property, so consigning posts nothing. A sale posts
//! `odf:bank` + gross / `members:{id}:payable` − member's share / `odf:income:services` −
//! commission (a setting, default zero: **(decision)** the ODF lives from the profit share,
//! R-PLAN-3). Settlement pays the member: `members:{id}:payable` + / `odf:bank` −.

use crate::accounts::{codes, entry};
use crate::{MemberId, TradeError};
use chrono::NaiveDate;
use ledger::ValidEntry;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One member's product on consignment at an outlet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsignmentLine {
    pub units: u64,
    pub unit_price_minor: i64,
}

/// An outlet's consignment stock, by (member, product).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsignmentStock {
    pub outlet: String,
    pub lines: BTreeMap<(MemberId, String), ConsignmentLine>,
}

impl ConsignmentStock {
    pub fn new(outlet: &str) -> Self {
        ConsignmentStock {
            outlet: outlet.to_string(),
            lines: BTreeMap::new(),
        }
    }

    /// A member leaves `units` of `product` at the outlet at `unit_price_minor` (the latest
    /// price applies to all the member's units of the product).
    pub fn consign(
        &self,
        member: MemberId,
        product: &str,
        units: u64,
        unit_price_minor: i64,
    ) -> Result<ConsignmentStock, TradeError> {
        if units == 0 || unit_price_minor <= 0 {
            return Err(TradeError::Invalid {
                rule: "R-SELL-2",
                field: if units == 0 {
                    "units"
                } else {
                    "unit_price_minor"
                },
                reason: "must be positive",
            });
        }
        let mut next = self.clone();
        let line = next
            .lines
            .entry((member, product.to_string()))
            .or_insert(ConsignmentLine {
                units: 0,
                unit_price_minor,
            });
        line.units += units;
        line.unit_price_minor = unit_price_minor;
        Ok(next)
    }

    pub fn on_hand(&self, member: MemberId, product: &str) -> u64 {
        self.lines
            .get(&(member, product.to_string()))
            .map_or(0, |l| l.units)
    }
}

/// A sale at the outlet with its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutletSale {
    pub member: MemberId,
    pub product: String,
    pub units: u64,
    pub gross_minor: i64,
    pub commission_minor: i64,
    pub member_share_minor: i64,
    pub entry: ValidEntry,
}

/// Sells `units` of a member's consigned product (R-SELL-2). `commission_rate` is the outlet's
/// commission (setting, default 0), rounded half-to-even.
pub fn sell(
    stock: &ConsignmentStock,
    member: MemberId,
    product: &str,
    units: u64,
    commission_rate: Decimal,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<(ConsignmentStock, OutletSale), TradeError> {
    let on_hand = stock.on_hand(member, product);
    if units == 0 || units > on_hand {
        return Err(TradeError::ConsignmentShort {
            member,
            product: product.to_string(),
            requested_units: units,
            on_hand_units: on_hand,
        });
    }
    if commission_rate < Decimal::ZERO || commission_rate > Decimal::ONE {
        return Err(TradeError::Invalid {
            rule: "R-SELL-2",
            field: "commission_rate",
            reason: "must be between 0 and 1",
        });
    }
    let key = (member, product.to_string());
    let price = stock.lines[&key].unit_price_minor;
    let gross = i64::try_from(units)
        .ok()
        .and_then(|u| u.checked_mul(price))
        .ok_or(TradeError::Overflow {
            field: "gross_minor",
        })?;
    let commission =
        ledger::round::apply_rate(gross, commission_rate).ok_or(TradeError::Overflow {
            field: "commission_minor",
        })?;
    let share = gross - commission;
    let e = entry(
        idempotency_key,
        "outlet.sale",
        "R-SELL-2",
        date,
        format!(
            "Venta en {}: {} x {} del socio {}",
            stock.outlet, units, product, member
        ),
        vec![
            (codes::odf_bank(), gross),
            (codes::member_payable(member), -share),
            (codes::services_income(), -commission),
        ],
    )?;
    let mut next = stock.clone();
    if let Some(line) = next.lines.get_mut(&key) {
        line.units -= units;
    }
    Ok((
        next,
        OutletSale {
            member,
            product: product.to_string(),
            units,
            gross_minor: gross,
            commission_minor: commission,
            member_share_minor: share,
            entry: e,
        },
    ))
}

/// Pays a member what the outlet owes them (R-SELL-2); more than owed is refused.
pub fn settle_member(
    member: MemberId,
    amount_minor: i64,
    owed_minor: i64,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<ValidEntry, TradeError> {
    if amount_minor <= 0 || amount_minor > owed_minor {
        return Err(TradeError::AboveRemaining {
            rule: "R-SELL-2",
            field: "amount_minor",
            requested: amount_minor,
            remaining: owed_minor,
        });
    }
    entry(
        idempotency_key,
        "outlet.settlement",
        "R-SELL-2",
        date,
        format!("Liquidación de consignación al socio {member}"),
        vec![
            (codes::member_payable(member), amount_minor),
            (codes::odf_bank(), -amount_minor),
        ],
    )
}

/// A counted line differing from the books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountDifference {
    pub member: MemberId,
    pub product: String,
    pub expected_units: u64,
    pub counted_units: u64,
    /// Counted − expected (negative: missing).
    pub difference_units: i64,
    /// The difference at the member's price.
    pub value_minor: i64,
}

/// A physical count (R-SELL-2): returns the stock as counted and the differences. Lines not
/// counted are taken as counted zero. Who bears a loss is the board's decision, so no entry is
/// made here.
pub fn count_stock(
    stock: &ConsignmentStock,
    counted: &[(MemberId, String, u64)],
) -> (ConsignmentStock, Vec<CountDifference>) {
    let counts: BTreeMap<(MemberId, &str), u64> = counted
        .iter()
        .map(|(m, p, u)| ((*m, p.as_str()), *u))
        .collect();
    let mut next = stock.clone();
    let mut differences = Vec::new();
    for ((member, product), line) in next.lines.iter_mut() {
        let c = counts
            .get(&(*member, product.as_str()))
            .copied()
            .unwrap_or(0);
        if c != line.units {
            let diff = c as i64 - line.units as i64;
            differences.push(CountDifference {
                member: *member,
                product: product.clone(),
                expected_units: line.units,
                counted_units: c,
                difference_units: diff,
                value_minor: diff.saturating_mul(line.unit_price_minor),
            });
            line.units = c;
        }
    }
    (next, differences)
}
