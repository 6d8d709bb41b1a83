//! Working capital for pooled purchases (R-BUY-2): who pays the supplier, purchase orders,
//! (partial) receipts, members' pick-ups and how the money comes back.
//!
//! Seed 004: pooled purchasing fails when members lack working capital. So the ODF pays the
//! supplier from a [`FundingSource`] (the credit line, or the Competition Sub-Fund with a board
//! decision) and recovers from members at pick-up ([`member_pays`]) or from their next sales
//! settlement (a [`crate::sales::DebtKind::PurchasingRound`] debt, see
//! [`crate::sales::settle_payment`]); then repays the source ([`repay_source`]).
//!
//! Entry flow (debit +, credit −):
//! - receipt: `odf:inventory` + / `odf:payable:suppliers` − (value at the order's exact cost,
//!   partial receipts valued cumulatively so they add up to the order's cost);
//! - supplier paid from the line: `odf:payable:suppliers` + / `lenders:{code}:line` −;
//! - supplier paid from the Sub-Fund: `odf:payable:suppliers` + / `fund:trust-bank:competition` −
//!   and `fund:receivable:working-capital` + / `odf:payable:fund-competition` −;
//! - pick-up: `members:{id}:purchases-receivable` + / `odf:inventory` − (the member's pooled
//!   charge, cumulatively for partial pick-ups);
//! - member pays at pick-up: `odf:bank` + / `members:{id}:purchases-receivable` −.

use crate::accounts::{codes, entry};
use crate::alloc::cumulative_share;
use crate::purchase::{RequestCharge, RoundPlan};
use crate::{MemberId, TradeError};
use chrono::NaiveDate;
use ledger::{AccountCode, ValidEntry};

/// A board decision authorising the Competition Sub-Fund to pay (R-BUY-2, R-GOV-2). This
/// crate does not count votes; it takes the approved decision as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardDecision {
    pub decision_id: String,
    pub approved_minor: i64,
}

/// Where the money to pay a supplier (or advance a sale) comes from (R-BUY-2, R-SELL-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FundingSource {
    /// A draw on the lender's revolving line (R-CRED-3). Room on the line is the caller's
    /// check.
    CreditLine { lender_code: String },
    /// The Competition Sub-Fund, under a board decision.
    CompetitionSubFund { decision: BoardDecision },
}

impl FundingSource {
    /// The postings for the source paying out `amount_minor` on the ODF's behalf (the caller adds
    /// the matching debit). `already_used_minor` is what this board decision already paid.
    pub(crate) fn payout_postings(
        &self,
        amount_minor: i64,
        already_used_minor: i64,
        field: &'static str,
    ) -> Result<Vec<(AccountCode, i64)>, TradeError> {
        match self {
            FundingSource::CreditLine { lender_code } => {
                let line = ledger::AccountCode::parse(&format!("lenders:{lender_code}:line"))?;
                Ok(vec![(line, -amount_minor)])
            }
            FundingSource::CompetitionSubFund { decision } => {
                let requested = already_used_minor
                    .checked_add(amount_minor)
                    .ok_or(TradeError::Overflow { field })?;
                if requested > decision.approved_minor {
                    return Err(TradeError::AboveBoardApproval {
                        field,
                        decision_id: decision.decision_id.clone(),
                        requested_minor: requested,
                        limit_minor: decision.approved_minor,
                    });
                }
                Ok(vec![
                    // R-CRED-1: the Fund's working capital going out, not a deposit.
                    (codes::trust_competition(), -amount_minor),
                    (codes::fund_receivable_working_capital(), amount_minor),
                    (codes::payable_fund_competition(), -amount_minor),
                ])
            }
        }
    }
}

fn positive(amount_minor: i64, rule: &'static str, field: &'static str) -> Result<(), TradeError> {
    if amount_minor <= 0 {
        return Err(TradeError::Invalid {
            rule,
            field,
            reason: "must be positive",
        });
    }
    Ok(())
}

/// An order to one supplier for one material, from a round's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrder {
    /// `{round_id}:{material}:{supplier}`.
    pub po_id: String,
    pub round_id: String,
    pub supplier: String,
    pub material: String,
    pub quantity_units: u32,
    pub cost_minor: i64,
    pub date: NaiveDate,
}

/// One purchase order per supplier and material of the plan (R-BUY-1, R-BUY-2). Orders carry
/// no entry: a commitment is not yet a liability; the receipt is.
pub fn purchase_orders(plan: &RoundPlan, date: NaiveDate) -> Vec<PurchaseOrder> {
    plan.materials
        .iter()
        .flat_map(|m| {
            m.orders.iter().map(move |o| PurchaseOrder {
                po_id: format!("{}:{}:{}", plan.round_id, m.material, o.supplier),
                round_id: plan.round_id.clone(),
                supplier: o.supplier.clone(),
                material: m.material.clone(),
                quantity_units: o.quantity_units,
                cost_minor: o.cost_minor,
                date,
            })
        })
        .collect()
}

/// A (partial) delivery from a supplier, valued at its share of the order's exact cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub po_id: String,
    pub units: u32,
    pub value_minor: i64,
    pub entry: ValidEntry,
}

/// Records `units` received against `po` after `received_before_units` (R-BUY-2). Receiving more
/// than ordered is refused. Values are cumulative shares, so all receipts of an order add up to
/// its cost exactly.
pub fn receive(
    po: &PurchaseOrder,
    received_before_units: u32,
    units: u32,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<Receipt, TradeError> {
    positive(units as i64, "R-BUY-2", "units")?;
    let after = received_before_units as u64 + units as u64;
    if after > po.quantity_units as u64 {
        return Err(TradeError::AboveRemaining {
            rule: "R-BUY-2",
            field: "units",
            requested: units as i64,
            remaining: po.quantity_units as i64
                - received_before_units.min(po.quantity_units) as i64,
        });
    }
    let whole = po.quantity_units as u64;
    let value = cumulative_share(po.cost_minor, whole, after)
        .zip(cumulative_share(
            po.cost_minor,
            whole,
            received_before_units as u64,
        ))
        .map(|(a, b)| a - b)
        .ok_or(TradeError::Overflow {
            field: "value_minor",
        })?;
    let entry = entry(
        idempotency_key,
        "purchase.receipt",
        "R-BUY-2",
        date,
        format!("Recepción {} unidades, orden {}", units, po.po_id),
        vec![
            (codes::inventory(), value),
            (codes::payable_suppliers(), -value),
        ],
    )?;
    Ok(Receipt {
        po_id: po.po_id.clone(),
        units,
        value_minor: value,
        entry,
    })
}

/// Pays a supplier `amount_minor` from `source` (R-BUY-2). For the Competition Sub-Fund,
/// `already_used_minor` is what the same board decision already paid; the total may not exceed
/// the approval.
pub fn pay_supplier(
    po: &PurchaseOrder,
    amount_minor: i64,
    source: &FundingSource,
    already_used_minor: i64,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<ValidEntry, TradeError> {
    positive(amount_minor, "R-BUY-2", "amount_minor")?;
    if amount_minor > po.cost_minor {
        return Err(TradeError::AboveRemaining {
            rule: "R-BUY-2",
            field: "amount_minor",
            requested: amount_minor,
            remaining: po.cost_minor,
        });
    }
    let mut postings = vec![(codes::payable_suppliers(), amount_minor)];
    postings.extend(source.payout_postings(amount_minor, already_used_minor, "amount_minor")?);
    entry(
        idempotency_key,
        "purchase.supplier-payment",
        "R-BUY-2",
        date,
        format!("Pago a proveedor {}, orden {}", po.supplier, po.po_id),
        postings,
    )
}

/// The ODF repays `amount_minor` to the source that financed a purchase or advance, from its
/// bank account, once members have paid (R-BUY-2, R-SELL-1).
pub fn repay_source(
    source: &FundingSource,
    amount_minor: i64,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<ValidEntry, TradeError> {
    positive(amount_minor, "R-BUY-2", "amount_minor")?;
    let postings = match source {
        FundingSource::CreditLine { lender_code } => vec![
            (
                AccountCode::parse(&format!("lenders:{lender_code}:line"))?,
                amount_minor,
            ),
            (codes::odf_bank(), -amount_minor),
        ],
        FundingSource::CompetitionSubFund { .. } => vec![
            (codes::payable_fund_competition(), amount_minor),
            (codes::odf_bank(), -amount_minor),
            // R-CRED-1: the Fund's own money coming back (`fund:receivable:working-capital`),
            // not a deposit.
            (codes::trust_competition(), amount_minor),
            (codes::fund_receivable_working_capital(), -amount_minor),
        ],
    };
    entry(
        idempotency_key,
        "trade.source-repayment",
        "R-BUY-2",
        date,
        "Reembolso de capital de trabajo".to_string(),
        postings,
    )
}

/// A member collecting (part of) their pooled purchase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickUp {
    pub member: MemberId,
    pub material: String,
    pub units: u32,
    pub value_minor: i64,
    pub entry: ValidEntry,
}

/// Records a member picking up `units` of their request after `picked_before_units` (R-BUY-2).
/// The member now owes the value (their pooled charge, in cumulative shares); more than
/// requested is refused.
pub fn pick_up(
    charge: &RequestCharge,
    picked_before_units: u32,
    units: u32,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<PickUp, TradeError> {
    positive(units as i64, "R-BUY-2", "units")?;
    let after = picked_before_units as u64 + units as u64;
    if after > charge.quantity_units as u64 {
        return Err(TradeError::AboveRemaining {
            rule: "R-BUY-2",
            field: "units",
            requested: units as i64,
            remaining: charge.quantity_units as i64
                - picked_before_units.min(charge.quantity_units) as i64,
        });
    }
    let whole = charge.quantity_units as u64;
    let value = cumulative_share(charge.charge_minor, whole, after)
        .zip(cumulative_share(
            charge.charge_minor,
            whole,
            picked_before_units as u64,
        ))
        .map(|(a, b)| a - b)
        .ok_or(TradeError::Overflow {
            field: "value_minor",
        })?;
    let entry = entry(
        idempotency_key,
        "purchase.pick-up",
        "R-BUY-2",
        date,
        format!(
            "Entrega de {} unidades de {} al socio {}",
            units, charge.material, charge.member
        ),
        vec![
            (codes::member_purchases_receivable(charge.member), value),
            (codes::inventory(), -value),
        ],
    )?;
    Ok(PickUp {
        member: charge.member,
        material: charge.material.clone(),
        units,
        value_minor: value,
        entry,
    })
}

/// The member pays for goods at pick-up (R-BUY-2). Paying more than owed is refused.
pub fn member_pays(
    member: MemberId,
    amount_minor: i64,
    owed_minor: i64,
    date: NaiveDate,
    idempotency_key: &str,
) -> Result<ValidEntry, TradeError> {
    positive(amount_minor, "R-BUY-2", "amount_minor")?;
    if amount_minor > owed_minor {
        return Err(TradeError::AboveRemaining {
            rule: "R-BUY-2",
            field: "amount_minor",
            requested: amount_minor,
            remaining: owed_minor,
        });
    }
    entry(
        idempotency_key,
        "purchase.member-payment",
        "R-BUY-2",
        date,
        format!("Pago de compra consolidada del socio {member}"),
        vec![
            (codes::odf_bank(), amount_minor),
            (codes::member_purchases_receivable(member), -amount_minor),
        ],
    )
}
