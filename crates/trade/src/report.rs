//! Reports as plain data: savings per member and round (R-BUY-1), sales per member and per
//! buyer (R-SELL-1), and who channelled what (R-SELL-3).

use crate::purchase::RoundCharges;
use crate::sales::Invoice;
use crate::supplier::Supplier;
use crate::MemberId;
use std::collections::BTreeMap;

/// One member's result in one purchasing round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSavings {
    pub round_id: String,
    pub member: MemberId,
    pub units: u64,
    pub charged_minor: i64,
    pub alone_minor: i64,
    pub saving_minor: i64,
}

/// Savings per member in a round (R-BUY-1), in member order.
pub fn savings_by_member(charges: &RoundCharges) -> Vec<MemberSavings> {
    let mut by: BTreeMap<MemberId, MemberSavings> = BTreeMap::new();
    for c in &charges.charges {
        let s = by.entry(c.member).or_insert(MemberSavings {
            round_id: charges.round_id.clone(),
            member: c.member,
            units: 0,
            charged_minor: 0,
            alone_minor: 0,
            saving_minor: 0,
        });
        s.units += c.quantity_units as u64;
        s.charged_minor += c.charge_minor;
        s.alone_minor += c.alone_minor;
        s.saving_minor += c.saving_minor;
    }
    by.into_values().collect()
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
