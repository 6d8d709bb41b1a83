//! Consolidated sales (R-SELL-1, R-SELL-3): a buyer's large order split among qualified
//! members, deliveries with quality rejections, the invoice, and the buyer's payments passed
//! on to members net of what they owe.
//!
//! Entry flow (debit +, credit −):
//! - invoice: `odf:receivable:buyers` + / `odf:payable:members` −;
//! - advance to a member: `members:{id}:sales-advance` + / source (line or Sub-Fund, as in
//!   [`crate::capital`]);
//! - buyer pays: `odf:bank` + / `odf:receivable:buyers` −, then per member (in entries of at
//!   most [`MEMBERS_PER_ENTRY`] members) `odf:payable:members` + gross / `members:{id}:payable`
//!   − net and each debt account − deduction.
//!
//! Deductions are taken in this documented priority order (R-SELL-1 **decision**): the
//! advance on sales first (it was paid against this very delivery), then Fund contributions
//! (R-FUND-1), the ODF's profit share (R-PLAN-3), pooled purchases (R-BUY-2), and any other
//! debt; within one kind, in the order given.

use crate::accounts::{codes, entry};
use crate::alloc::largest_remainder;
use crate::capital::FundingSource;
use crate::{MemberId, TradeError};
use chrono::NaiveDate;
use ledger::{AccountCode, ValidEntry};
use std::collections::BTreeMap;

/// Members per settlement entry: each member takes at most 1 + number of debt kinds
/// postings, keeping every entry under the ledger's posting limit.
pub const MEMBERS_PER_ENTRY: usize = 150;

/// Work limit of the exact split (R-SELL-1): the most dynamic-programme cells (members ×
/// candidate running totals) one split may evaluate, summed over its passes. About 6 bytes of
/// memory per cell of the largest pass. A split that would need more stops and says so
/// ([`SplitMethod::LimitReached`]); it is a count, not a clock, so the result is the same on
/// every machine.
pub const MAX_SPLIT_CELLS: u64 = 60_000_000;

/// Quality grade, `A` best. A member of grade `g` qualifies for an order of grade `r` when
/// `g` is at least as good (`g <= r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grade {
    A,
    B,
    C,
}

impl Grade {
    pub fn meets(self, required: Grade) -> bool {
        self <= required
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
        }
    }
}

/// Payment terms of a buyer (R-SELL-1; seed 004: large stores pay at 60 or 90 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentTerms {
    Net60,
    Net90,
}

impl PaymentTerms {
    pub fn days(self) -> u64 {
        match self {
            PaymentTerms::Net60 => 60,
            PaymentTerms::Net90 => 90,
        }
    }
}

/// A buyer's order accepted by the ODF. `channelled_by` names the support-committee member who
/// channelled it through the group (R-SELL-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerOrder {
    pub order_id: String,
    pub buyer: String,
    pub product: String,
    pub grade: Grade,
    pub quantity_units: u64,
    pub unit_price_minor: i64,
    pub due_date: NaiveDate,
    pub terms: PaymentTerms,
    pub channelled_by: Option<String>,
}

/// A member's declared capacity for a product, at their quality grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    pub member: MemberId,
    pub product: String,
    pub grade: Grade,
    pub capacity_units: u64,
    /// The smallest lot worth the member's while (0: none).
    pub min_lot_units: u64,
}

/// How the split was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMethod {
    /// Proportional to capacity among qualified members, largest remainder (the default
    /// fairness rule). It is also the least-deviation split, so it is optimal.
    Proportional,
    /// Minimum lots bound: the split closest to proportional (least total absolute deviation
    /// from the capacity-proportional targets) that respects capacities and lots, **proven
    /// optimal** by the exact dynamic programme of [`split_order`].
    Optimised,
    /// Minimum lots bound and the work limit ([`MAX_SPLIT_CELLS`]) stopped the search before
    /// optimality was proven: a feasible split, possibly not the closest to proportional.
    LimitReached,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub member: MemberId,
    pub units: u64,
}

/// The order split among members; only members with units are listed, in member order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSplit {
    pub order_id: String,
    pub method: SplitMethod,
    pub assignments: Vec<Assignment>,
}

impl OrderSplit {
    pub fn assigned(&self, member: MemberId) -> Option<u64> {
        self.assignments
            .binary_search_by_key(&member, |a| a.member)
            .ok()
            .map(|i| self.assignments[i].units)
    }
}

fn proportional(quantity: u64, caps: &[u64]) -> Result<Vec<u64>, TradeError> {
    let total = i64::try_from(quantity).map_err(|_| TradeError::Overflow {
        field: "quantity_units",
    })?;
    let parts = largest_remainder(total, caps).ok_or(TradeError::Overflow {
        field: "quantity_units",
    })?;
    Ok(parts.into_iter().map(|p| p as u64).collect())
}

/// Splits an order among members qualified by product and grade, by declared capacity
/// (R-SELL-1). Default: proportional to capacity, largest remainder (never above a member's
/// capacity since the order does not exceed the total). If that gives some member a share below
/// their minimum lot, the split becomes an optimisation: the split closest to proportional
/// (least total absolute deviation) that respects every capacity and lot, solved exactly by
/// the dynamic programme of [`crate::split`] and proven optimal, within the work limit
/// [`MAX_SPLIT_CELLS`] (else [`SplitMethod::LimitReached`]).
pub fn split_order(order: &BuyerOrder, capacities: &[Capacity]) -> Result<OrderSplit, TradeError> {
    split_order_limited(order, capacities, MAX_SPLIT_CELLS)
}

/// [`split_order`] with an explicit work limit (cells of the dynamic programme).
pub fn split_order_limited(
    order: &BuyerOrder,
    capacities: &[Capacity],
    max_cells: u64,
) -> Result<OrderSplit, TradeError> {
    if order.quantity_units == 0 {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "quantity_units",
            reason: "must be at least one unit",
        });
    }
    if order.unit_price_minor <= 0 {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "unit_price_minor",
            reason: "must be positive",
        });
    }
    let mut qualified: Vec<&Capacity> = capacities
        .iter()
        .filter(|c| {
            c.product == order.product && c.grade.meets(order.grade) && c.capacity_units > 0
        })
        .collect();
    qualified.sort_by_key(|c| c.member);
    if qualified.windows(2).any(|w| w[0].member == w[1].member) {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "capacities.member",
            reason: "a member declares capacity twice for the product",
        });
    }
    if qualified.is_empty() {
        return Err(TradeError::NoQualifiedMembers {
            order: order.order_id.clone(),
            product: order.product.clone(),
            grade: order.grade.as_str().to_string(),
        });
    }
    let caps: Vec<u64> = qualified.iter().map(|c| c.capacity_units).collect();
    let total_cap: u64 = caps.iter().sum();
    if total_cap < order.quantity_units {
        return Err(TradeError::InsufficientCapacity {
            order: order.order_id.clone(),
            capacity_units: total_cap,
            quantity_units: order.quantity_units,
        });
    }
    let shares = proportional(order.quantity_units, &caps)?;
    let lots_ok = shares
        .iter()
        .zip(&qualified)
        .all(|(&s, c)| s == 0 || s >= c.min_lot_units);
    let (method, units): (SplitMethod, Vec<u64>) = if lots_ok {
        (SplitMethod::Proportional, shares)
    } else {
        match crate::split::least_deviation(order.quantity_units, &qualified, max_cells)? {
            Some(found) => (found.method, found.units),
            None => {
                return Err(TradeError::NoFeasibleSplit {
                    order: order.order_id.clone(),
                })
            }
        }
    };
    // Exact re-check, whatever produced the split.
    let fits = units.iter().sum::<u64>() == order.quantity_units
        && units
            .iter()
            .zip(&qualified)
            .all(|(&u, c)| u <= c.capacity_units && (u == 0 || u >= c.min_lot_units));
    if !fits {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "split",
            reason: "internal: the split failed its exact re-check",
        });
    }
    Ok(OrderSplit {
        order_id: order.order_id.clone(),
        method,
        assignments: qualified
            .iter()
            .zip(units)
            .filter(|&(_, u)| u > 0)
            .map(|(c, units)| Assignment {
                member: c.member,
                units,
            })
            .collect(),
    })
}

/// One delivery by a member: `delivered_units` handed over, of which `rejected_units` failed
/// the quality check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub member: MemberId,
    pub delivered_units: u64,
    pub rejected_units: u64,
    pub date: NaiveDate,
}

/// A member's deliveries so far against their assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDelivery {
    pub member: MemberId,
    pub assigned_units: u64,
    pub accepted_units: u64,
    pub rejected_units: u64,
}

/// Records deliveries in order (R-SELL-1). Rejected units may be replaced, so a delivery is
/// refused when the units accepted so far plus the units handed over exceed the assignment.
pub fn record_deliveries(
    split: &OrderSplit,
    deliveries: &[Delivery],
) -> Result<Vec<MemberDelivery>, TradeError> {
    let mut state: BTreeMap<MemberId, MemberDelivery> = split
        .assignments
        .iter()
        .map(|a| {
            (
                a.member,
                MemberDelivery {
                    member: a.member,
                    assigned_units: a.units,
                    accepted_units: 0,
                    rejected_units: 0,
                },
            )
        })
        .collect();
    for d in deliveries {
        let s = state
            .get_mut(&d.member)
            .ok_or(TradeError::NotAssigned { member: d.member })?;
        if d.rejected_units > d.delivered_units {
            return Err(TradeError::Invalid {
                rule: "R-SELL-1",
                field: "rejected_units",
                reason: "more units rejected than delivered",
            });
        }
        if s.accepted_units + d.delivered_units > s.assigned_units {
            return Err(TradeError::OverDelivery {
                member: d.member,
                assigned_units: s.assigned_units,
                previously_delivered_units: s.accepted_units,
                delivered_units: d.delivered_units,
            });
        }
        s.accepted_units += d.delivered_units - d.rejected_units;
        s.rejected_units += d.rejected_units;
    }
    Ok(state.into_values().collect())
}

/// One member's line on the invoice and how much of it has been collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub member: MemberId,
    pub accepted_units: u64,
    pub value_minor: i64,
    pub collected_minor: i64,
}

/// The invoice to the buyer for accepted units, with its receivable state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub order_id: String,
    pub buyer: String,
    pub channelled_by: Option<String>,
    pub issue_date: NaiveDate,
    /// `issue_date` + payment terms.
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub collected_minor: i64,
    pub lines: Vec<InvoiceLine>,
}

impl Invoice {
    pub fn outstanding_minor(&self) -> i64 {
        self.amount_minor - self.collected_minor
    }
}

/// Invoices the buyer for every accepted unit at the order's price (R-SELL-1) and returns the
/// receivable entry.
pub fn invoice(
    order: &BuyerOrder,
    deliveries: &[MemberDelivery],
    issue_date: NaiveDate,
    idempotency_key: &str,
) -> Result<(Invoice, ValidEntry), TradeError> {
    let mut lines = Vec::with_capacity(deliveries.len());
    let mut amount: i64 = 0;
    for d in deliveries.iter().filter(|d| d.accepted_units > 0) {
        let value = i64::try_from(d.accepted_units)
            .ok()
            .and_then(|u| u.checked_mul(order.unit_price_minor))
            .ok_or(TradeError::Overflow {
                field: "value_minor",
            })?;
        amount = amount.checked_add(value).ok_or(TradeError::Overflow {
            field: "amount_minor",
        })?;
        lines.push(InvoiceLine {
            member: d.member,
            accepted_units: d.accepted_units,
            value_minor: value,
            collected_minor: 0,
        });
    }
    if amount == 0 {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "deliveries",
            reason: "nothing accepted to invoice",
        });
    }
    let due_date = issue_date
        .checked_add_days(chrono::Days::new(order.terms.days()))
        .ok_or(TradeError::Overflow { field: "due_date" })?;
    let e = entry(
        idempotency_key,
        "sale.invoice",
        "R-SELL-1",
        issue_date,
        format!("Factura pedido {} a {}", order.order_id, order.buyer),
        vec![
            (codes::receivable_buyers(), amount),
            (codes::payable_members(), -amount),
        ],
    )?;
    Ok((
        Invoice {
            order_id: order.order_id.clone(),
            buyer: order.buyer.clone(),
            channelled_by: order.channelled_by.clone(),
            issue_date,
            due_date,
            amount_minor: amount,
            collected_minor: 0,
            lines,
        },
        e,
    ))
}

/// What a member owes that is recovered from a sales payment, in priority order (the
/// variants' order is the priority).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DebtKind {
    /// An advance paid on this sale (R-SELL-1): `members:{id}:sales-advance`.
    SalesAdvance,
    /// Fund contributions due (R-FUND-1): `members:{id}:fund-receivable`.
    FundContribution,
    /// The ODF's share of incremental profit (R-PLAN-3): `members:{id}:profit-share-receivable`.
    ProfitShare,
    /// Goods from a purchasing round (R-BUY-2): `members:{id}:purchases-receivable`.
    PurchasingRound,
    /// Anything else, on the account given.
    Other(AccountCode),
}

impl DebtKind {
    pub fn account(&self, member: MemberId) -> AccountCode {
        let suffix = match self {
            DebtKind::SalesAdvance => "sales-advance",
            DebtKind::FundContribution => "fund-receivable",
            DebtKind::ProfitShare => "profit-share-receivable",
            DebtKind::PurchasingRound => "purchases-receivable",
            DebtKind::Other(account) => return account.clone(),
        };
        AccountCode::parse(&format!("members:{member}:{suffix}"))
            .unwrap_or_else(|e| panic!("member account code: {e}"))
    }
    fn rank(&self) -> u8 {
        match self {
            DebtKind::SalesAdvance => 0,
            DebtKind::FundContribution => 1,
            DebtKind::ProfitShare => 2,
            DebtKind::PurchasingRound => 3,
            DebtKind::Other(_) => 4,
        }
    }
}

/// A member's outstanding debt to be deducted from sales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDebt {
    pub member: MemberId,
    pub kind: DebtKind,
    pub outstanding_minor: i64,
}

/// One deduction taken from a member's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deduction {
    pub kind: DebtKind,
    pub amount_minor: i64,
}

/// What one member gets from one buyer payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPayout {
    pub member: MemberId,
    /// The member's share of the payment, for what they delivered.
    pub gross_minor: i64,
    pub deductions: Vec<Deduction>,
    /// Credited to `members:{id}:payable`: `gross − Σ deductions`.
    pub net_minor: i64,
}

/// The result of a buyer payment: the updated invoice, each member's payout and the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSettlement {
    pub invoice: Invoice,
    pub payment_minor: i64,
    pub payouts: Vec<MemberPayout>,
    pub entries: Vec<ValidEntry>,
}

/// Settles a buyer payment (R-SELL-1): refuses a payment above what is still owed; splits it
/// among members in proportion to what each is still owed for accepted units (largest
/// remainder, so the last payment completes every line exactly); deducts each member's debts in
/// the priority order of [`DebtKind`]. For every payment, Σ net + Σ deductions = payment.
pub fn settle_payment(
    invoice: &Invoice,
    payment_minor: i64,
    debts: &[MemberDebt],
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<PaymentSettlement, TradeError> {
    if payment_minor <= 0 {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "payment_minor",
            reason: "must be positive",
        });
    }
    if payment_minor > invoice.outstanding_minor() {
        return Err(TradeError::PaymentAboveInvoice {
            payment_minor,
            outstanding_minor: invoice.outstanding_minor(),
        });
    }
    let weights: Vec<u64> = invoice
        .lines
        .iter()
        .map(|l| (l.value_minor - l.collected_minor).max(0) as u64)
        .collect();
    let shares = largest_remainder(payment_minor, &weights).ok_or(TradeError::Overflow {
        field: "payment_minor",
    })?;
    let mut by_member: BTreeMap<MemberId, Vec<&MemberDebt>> = BTreeMap::new();
    for d in debts {
        if d.outstanding_minor < 0 {
            return Err(TradeError::Invalid {
                rule: "R-SELL-1",
                field: "debts.outstanding_minor",
                reason: "must not be negative",
            });
        }
        by_member.entry(d.member).or_default().push(d);
    }
    for list in by_member.values_mut() {
        list.sort_by_key(|d| d.kind.rank()); // stable: input order within a kind
    }
    let mut updated = invoice.clone();
    updated.collected_minor += payment_minor;
    let mut payouts = Vec::with_capacity(shares.len());
    for (line, &gross) in updated.lines.iter_mut().zip(&shares) {
        line.collected_minor += gross;
        if gross == 0 {
            continue;
        }
        let mut left = gross;
        let mut deductions = Vec::new();
        for d in by_member
            .get(&line.member)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let take = left.min(d.outstanding_minor);
            if take > 0 {
                deductions.push(Deduction {
                    kind: d.kind.clone(),
                    amount_minor: take,
                });
                left -= take;
            }
        }
        payouts.push(MemberPayout {
            member: line.member,
            gross_minor: gross,
            deductions,
            net_minor: left,
        });
    }
    let mut entries = Vec::with_capacity(1 + payouts.len() / MEMBERS_PER_ENTRY + 1);
    entries.push(entry(
        &format!("{idempotency_key}:collection"),
        "sale.collection",
        "R-SELL-1",
        date,
        format!("Cobro pedido {} de {}", invoice.order_id, invoice.buyer),
        vec![
            (codes::odf_bank(), payment_minor),
            (codes::receivable_buyers(), -payment_minor),
        ],
    )?);
    for (chunk_no, chunk) in payouts.chunks(MEMBERS_PER_ENTRY).enumerate() {
        let gross: i64 = chunk.iter().map(|p| p.gross_minor).sum();
        let mut postings = Vec::with_capacity(1 + chunk.len() * 2);
        postings.push((codes::payable_members(), gross));
        for p in chunk {
            postings.push((codes::member_payable(p.member), -p.net_minor));
            for d in &p.deductions {
                postings.push((d.kind.account(p.member), -d.amount_minor));
            }
        }
        entries.push(entry(
            &format!("{idempotency_key}:members:{chunk_no}"),
            "sale.member-settlement",
            "R-SELL-1",
            date,
            format!(
                "Liquidación a socios, pedido {} (parte {})",
                invoice.order_id,
                chunk_no + 1
            ),
            postings,
        )?);
    }
    Ok(PaymentSettlement {
        invoice: updated,
        payment_minor,
        payouts,
        entries,
    })
}

/// Advances `amount_minor` to a member against their delivery, from the credit line or the
/// Competition Sub-Fund (R-SELL-1); recovered first when the buyer pays (pass it as a
/// [`DebtKind::SalesAdvance`] debt). `already_used_minor`: what the same board decision already
/// paid out, for the Sub-Fund's limit.
pub fn pay_advance(
    member: MemberId,
    amount_minor: i64,
    source: &FundingSource,
    already_used_minor: i64,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<ValidEntry, TradeError> {
    if amount_minor <= 0 {
        return Err(TradeError::Invalid {
            rule: "R-SELL-1",
            field: "amount_minor",
            reason: "must be positive",
        });
    }
    let mut postings = vec![(codes::member_sales_advance(member), amount_minor)];
    postings.extend(source.payout_postings(amount_minor, already_used_minor, "amount_minor")?);
    entry(
        idempotency_key,
        "sale.advance",
        "R-SELL-1",
        date,
        format!("Anticipo al socio {member}"),
        postings,
    )
}
