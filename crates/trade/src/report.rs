//! Reports as plain data: savings per member and round (R-BUY-1), sales per member and per
//! buyer (R-SELL-1), and who channelled what (R-SELL-3).

use crate::purchase::{AloneQuote, MemberAlone, RoundCharges, RoundPlan};
use crate::sales::Invoice;
use crate::supplier::Supplier;
use crate::{MemberId, TradeError};
use std::collections::BTreeMap;

/// One member's result for one material in one purchasing round (R-BUY-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSavings {
    pub round_id: String,
    pub member: MemberId,
    pub material: String,
    pub units: u64,
    /// The pooled charge of the member's requests of the material.
    pub charged_minor: i64,
    /// The least-cost purchase of the member's units alone; `None`: could not buy alone.
    pub alone: Option<AloneQuote>,
    /// `alone − charged` (negative if pooling cost the member more); `None` when the member
    /// could not buy alone: there is nothing to measure a saving against.
    pub saving_minor: Option<i64>,
}

impl MemberSavings {
    /// What buying alone would have cost, if the member could.
    pub fn alone_minor(&self) -> Option<i64> {
        self.alone.as_ref().map(|q| q.cost_minor)
    }
}

/// Savings per member and material in a round (R-BUY-1), in (member, material) order: the
/// pooled charges against the plan's cost of buying alone ([`crate::purchase::price_alone`]).
/// A member and material the plan does not price alone is an error, not a guess.
pub fn savings_by_member(
    charges: &RoundCharges,
    plan: &RoundPlan,
) -> Result<Vec<MemberSavings>, TradeError> {
    let mut charged: BTreeMap<(MemberId, &str), (u64, i64)> = BTreeMap::new();
    for c in &charges.charges {
        let s = charged.entry((c.member, c.material.as_str())).or_default();
        s.0 += c.quantity_units as u64;
        s.1 =
            s.1.checked_add(c.charge_minor)
                .ok_or(TradeError::Overflow {
                    field: "charged_minor",
                })?;
    }
    let alone: BTreeMap<(MemberId, &str), &MemberAlone> = plan
        .alone
        .iter()
        .map(|a| ((a.member, a.material.as_str()), a))
        .collect();
    charged
        .into_iter()
        .map(|((member, material), (units, charged_minor))| {
            let a = alone
                .get(&(member, material))
                .filter(|a| a.units == units)
                .ok_or(TradeError::Invalid {
                    rule: "R-BUY-1",
                    field: "plan.alone",
                    reason: "the plan does not price a member's request alone",
                })?;
            let saving_minor = match &a.quote {
                Some(q) => Some(q.cost_minor.checked_sub(charged_minor).ok_or(
                    TradeError::Overflow {
                        field: "saving_minor",
                    },
                )?),
                None => None,
            };
            Ok(MemberSavings {
                round_id: charges.round_id.clone(),
                member,
                material: material.to_string(),
                units,
                charged_minor,
                alone: a.quote.clone(),
                saving_minor,
            })
        })
        .collect()
}

/// Sales of one member over the invoices given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSales {
    pub member: MemberId,
    pub orders: u64,
    pub units: u64,
    pub invoiced_minor: i64,
    pub collected_minor: i64,
}

/// Sales per member (R-SELL-1), in member order.
pub fn sales_by_member(invoices: &[Invoice]) -> Vec<MemberSales> {
    let mut by: BTreeMap<MemberId, MemberSales> = BTreeMap::new();
    for inv in invoices {
        for l in &inv.lines {
            let s = by.entry(l.member).or_insert(MemberSales {
                member: l.member,
                orders: 0,
                units: 0,
                invoiced_minor: 0,
                collected_minor: 0,
            });
            s.orders += 1;
            s.units += l.accepted_units;
            s.invoiced_minor += l.value_minor;
            s.collected_minor += l.collected_minor;
        }
    }
    by.into_values().collect()
}

/// Sales to one buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerSales {
    pub buyer: String,
    pub orders: u64,
    pub units: u64,
    pub invoiced_minor: i64,
    pub outstanding_minor: i64,
    /// Support-committee members who channelled this buyer's orders (R-SELL-3).
    pub channelled_by: Vec<String>,
}

/// Sales per buyer (R-SELL-1, R-SELL-3), in buyer order.
pub fn sales_by_buyer(invoices: &[Invoice]) -> Vec<BuyerSales> {
    let mut by: BTreeMap<&str, BuyerSales> = BTreeMap::new();
    for inv in invoices {
        let s = by.entry(inv.buyer.as_str()).or_insert(BuyerSales {
            buyer: inv.buyer.clone(),
            orders: 0,
            units: 0,
            invoiced_minor: 0,
            outstanding_minor: 0,
            channelled_by: Vec::new(),
        });
        s.orders += 1;
        s.units += inv.lines.iter().map(|l| l.accepted_units).sum::<u64>();
        s.invoiced_minor += inv.amount_minor;
        s.outstanding_minor += inv.outstanding_minor();
        if let Some(c) = &inv.channelled_by {
            if !s.channelled_by.contains(c) {
                s.channelled_by.push(c.clone());
            }
        }
    }
    by.into_values().collect()
}

/// What a support-committee member channelled through the group (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Channelled {
    pub channelled_by: String,
    pub suppliers: Vec<String>,
    pub orders: Vec<String>,
    pub invoiced_minor: i64,
}

/// Who channelled which suppliers and buyer orders (R-SELL-3), by channeller.
pub fn channelled(suppliers: &[Supplier], invoices: &[Invoice]) -> Vec<Channelled> {
    let mut by: BTreeMap<&str, Channelled> = BTreeMap::new();
    for s in suppliers {
        if let Some(c) = &s.channelled_by {
            let e = by.entry(c.as_str()).or_insert_with(|| Channelled {
                channelled_by: c.clone(),
                ..Channelled::default()
            });
            e.suppliers.push(s.code.clone());
        }
    }
    for inv in invoices {
        if let Some(c) = &inv.channelled_by {
            let e = by.entry(c.as_str()).or_insert_with(|| Channelled {
                channelled_by: c.clone(),
                ..Channelled::default()
            });
            e.orders.push(inv.order_id.clone());
            e.invoiced_minor += inv.amount_minor;
        }
    }
    by.into_values().collect()
}
