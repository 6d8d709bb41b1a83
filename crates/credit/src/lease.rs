//! Leasing (R-LEASE-1, R-LEASE-2).
//!
//! The ODF buys a fixed asset with credit ([`acquire_asset`]: a line draw straight into
//! `odf:leased-assets`) and leases it to a member: rent is a schedule ([`crate::schedule`])
//! whose principal is the asset's cost. Until the member pays the symbolic purchase price
//! (setting, default MXN 1.00) at the end, the asset belongs to the ODF ([`AssetOwner::Odf`]).
//!
//! Rent received: `odf:bank` debit; credits `odf:leased-assets` (the principal part, recovering
//! the asset's cost, so its carrying value reaches zero with the last rent),
//! `odf:income:lease-interest` (interest and late interest) and `odf:income:loan-fees`.
//!
//! The purchase option ([`exercise_purchase`], R-LEASE-1): once every rent is paid the current
//! lessee pays the price into `odf:bank`; the asset leaves `odf:leased-assets` at what the ODF
//! still carries for it (nothing, since the rents recovered its cost) and the rest of the price
//! is `odf:income:asset-sales`. The owner becomes the member ([`AssetOwner::Member`]).
//!
//! R-LEASE-2: when the lessee is `default_after_days` (90) days late, or the board decides,
//! [`transfer_lease`] passes the asset and the contract to another active member. **(decision,
//! the programme's)** the schedule continues from where it stopped: rows already paid stay paid,
//! a partly paid row keeps what was paid, nothing is charged again. **(decision, this crate)**
//! when the lease is in arrears the unpaid rows keep their amounts and move forward by whole
//! periods so that the first unpaid row falls due on the first regular due date after the
//! transfer; no interest is added for the shift.

use crate::accounts;
use crate::book::{Allocation, Book};
use crate::line::{self, CreditLine};
use crate::loan::{BoardApproval, Subject};
use crate::schedule::{build_schedule, Schedule, ScheduleInput};
use crate::{CreditError, Result};
use chrono::NaiveDate;
use ledger::ValidEntry;

/// Per-ODF leasing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseSettings {
    /// R-LEASE-1: the symbolic price at the end (default 100 = MXN 1.00).
    pub purchase_price_minor: i64,
    /// R-LEASE-2: days late that put the lessee in default (default 90).
    pub default_after_days: u32,
}

impl Default for LeaseSettings {
    fn default() -> Self {
        LeaseSettings {
            purchase_price_minor: 100,
            default_after_days: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub id: i64,
    pub description: String,
    pub cost_minor: i64,
}

/// Who owns the asset: the ODF until the purchase option is exercised (R-LEASE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetOwner {
    Odf,
    Member(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseStatus {
    Active,
    /// Every rent paid; the purchase option is open.
    RentPaid,
    Purchased,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferReason {
    /// `default_after_days` late.
    Default { days_past_due: u32 },
    /// A board decision (R-GOV-2).
    Board { decision_id: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseEventKind {
    Started {
        lessee: i64,
        decision_id: i64,
    },
    /// Issue 16: started before Tequio; the remaining rents were imported on `as_of`.
    Imported {
        lessee: i64,
        as_of: NaiveDate,
    },
    RentPaid {
        key: String,
        amount_minor: i64,
    },
    Transferred {
        from: i64,
        to: i64,
        reason: TransferReason,
        /// First row the new lessee pays (partly paid rows included).
        first_row: u32,
        /// Periods the unpaid rows moved forward.
        shifted_periods: u32,
    },
    AllRentPaid,
    Purchased {
        by: i64,
        price_minor: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseEvent {
    pub date: NaiveDate,
    pub kind: LeaseEventKind,
}

/// One lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub id: i64,
    pub asset: Asset,
    pub lessee: i64,
    pub owner: AssetOwner,
    pub status: LeaseStatus,
    pub purchase_price_minor: i64,
    pub schedule: Schedule,
    pub book: Book,
    /// (lessee, allocation) of every rent payment, in order: who paid what, kept forever.
    pub payments: Vec<(i64, Allocation)>,
    pub history: Vec<LeaseEvent>,
}

/// The ODF buys the asset with credit: `odf:leased-assets` debit, `lenders:{code}:line` credit.
pub fn acquire_asset(
    line: &CreditLine,
    asset: &Asset,
    date: NaiveDate,
    key: &str,
) -> Result<(CreditLine, ValidEntry)> {
    line::draw_to(
        line,
        asset.cost_minor,
        date,
        key,
        accounts::leased_assets(),
        "lease.asset-purchase",
    )
}

/// Command: start a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartLease {
    pub id: i64,
    pub asset: Asset,
    pub lessee: i64,
    pub lessee_is_active_member: bool,
    /// Rent terms; `principal_minor` must be the asset's cost.
    pub terms: ScheduleInput,
}

/// Starts a lease approved by the board (R-LEASE-1, R-GOV-2). No entry: the asset stays the ODF's.
pub fn start_lease(
    cmd: StartLease,
    settings: &LeaseSettings,
    decision: &BoardApproval,
) -> Result<Lease> {
    decision.require(Subject::Lease(cmd.id), "R-GOV-2")?;
    if !cmd.lessee_is_active_member {
        return Err(CreditError::invalid(
            "R-LEASE-1",
            "lessee",
            "must be an active member",
        ));
    }
    if cmd.asset.cost_minor <= 0 || cmd.terms.principal_minor != cmd.asset.cost_minor {
        return Err(CreditError::invalid(
            "R-LEASE-1",
            "terms.principal_minor",
            "must equal the asset's (positive) cost",
        ));
    }
    if settings.purchase_price_minor < 0 {
        return Err(CreditError::invalid(
            "R-LEASE-1",
            "purchase_price_minor",
            "must not be negative",
        ));
    }
    let schedule = build_schedule(&cmd.terms)?;
    Ok(Lease {
        id: cmd.id,
        lessee: cmd.lessee,
        owner: AssetOwner::Odf,
        status: LeaseStatus::Active,
        purchase_price_minor: settings.purchase_price_minor,
        book: Book::from_schedule(&schedule),
        schedule,
        payments: Vec::new(),
        history: vec![LeaseEvent {
            date: decision.decided_on,
            kind: LeaseEventKind::Started {
                lessee: cmd.lessee,
                decision_id: decision.decision_id,
            },
        }],
        asset: cmd.asset,
    })
}

/// Rent received from the current lessee. Rows are paid oldest first (paying ahead is allowed,
/// rent does not change); more than what is left is refused.
pub fn pay_rent(
    lease: &Lease,
    amount_minor: i64,
    date: NaiveDate,
    key: &str,
) -> Result<(Lease, ValidEntry)> {
    if lease.status != LeaseStatus::Active {
        return Err(CreditError::state(
            "R-LEASE-1",
            "lease_id",
            "every rent is already paid",
        ));
    }
    let owed = lease.book.outstanding().total();
    if amount_minor <= 0 || amount_minor > owed {
        return Err(CreditError::ExceedsLimit {
            rule: "R-LEASE-1",
            field: "amount_minor",
            requested_minor: amount_minor,
            allowed_minor: owed,
        });
    }
    let mut next = lease.clone();
    let alloc = next.book.allocate(amount_minor, date, None);
    let t = alloc.total;
    let entry = accounts::entry(
        key,
        "lease.rent",
        "R-LEASE-1",
        date,
        format!("Renta del arrendamiento {}", lease.id),
        lease.schedule.currency,
        &[
            (accounts::odf_bank(), amount_minor),
            (accounts::leased_assets(), -t.principal_minor),
            (
                accounts::lease_interest_income(),
                -(t.interest_minor + t.late_interest_minor),
            ),
            (accounts::fee_income(), -t.fees_minor),
        ],
    )?;
    next.payments.push((lease.lessee, alloc));
    next.history.push(LeaseEvent {
        date,
        kind: LeaseEventKind::RentPaid {
            key: key.to_string(),
            amount_minor,
        },
    });
    if next.book.is_settled() {
        next.status = LeaseStatus::RentPaid;
        next.history.push(LeaseEvent {
            date,
            kind: LeaseEventKind::AllRentPaid,
        });
    }
    Ok((next, entry))
}

/// R-LEASE-2: the lessee is in default when `default_after_days` or more days late.
pub fn is_in_default(lease: &Lease, settings: &LeaseSettings, today: NaiveDate) -> bool {
    lease.status == LeaseStatus::Active
        && lease.book.days_past_due(today) >= settings.default_after_days
}

/// Command: pass the lease to another member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferLease {
    pub to_member: i64,
    pub to_member_is_active: bool,
    /// A board decision on `Subject::LeaseTransfer(lease id)`; without one the lessee must be
    /// in default.
    pub decision: Option<BoardApproval>,
    pub date: NaiveDate,
}

/// Passes the asset and the remaining schedule to another active member (R-LEASE-2).
pub fn transfer_lease(
    lease: &Lease,
    cmd: &TransferLease,
    settings: &LeaseSettings,
) -> Result<Lease> {
    if lease.status != LeaseStatus::Active {
        return Err(CreditError::state(
            "R-LEASE-2",
            "lease_id",
            "only an active lease is transferred",
        ));
    }
    if !cmd.to_member_is_active {
        return Err(CreditError::invalid(
            "R-LEASE-2",
            "to_member",
            "must be an active member",
        ));
    }
    if cmd.to_member == lease.lessee {
        return Err(CreditError::invalid(
            "R-LEASE-2",
            "to_member",
            "is already the lessee",
        ));
    }
    let dpd = lease.book.days_past_due(cmd.date);
    let reason = match &cmd.decision {
        Some(d) => {
            d.require(Subject::LeaseTransfer(lease.id), "R-LEASE-2")?;
            TransferReason::Board {
                decision_id: d.decision_id,
            }
        }
        None if dpd >= settings.default_after_days => TransferReason::Default { days_past_due: dpd },
        None => {
            return Err(CreditError::state(
                "R-LEASE-2",
                "decision",
                format!(
                    "the lessee is {dpd} days late, under the {} of a default; a board decision is needed",
                    settings.default_after_days
                ),
            ))
        }
    };
    let mut next = lease.clone();
    let first = next
        .book
        .rows
        .iter()
        .position(|r| !r.is_settled())
        .ok_or_else(|| CreditError::state("R-LEASE-2", "lease_id", "nothing remains to pay"))?;
    // Row k's regular date, stepped from the schedule's anchor (never from the previous due
    // date) so month-end rent dates stay on month ends (R-CRED-4).
    let due = |k: u32| lease.schedule.due_date_of(k);
    let mut shifted = 0u32;
    if next.book.rows[first].due_date <= cmd.date {
        // The first regular due date after the transfer: row k + 1 with due(k + 1) > date.
        let mut k = first as u32;
        while due(k + 1).is_some_and(|d| d <= cmd.date) {
            k += 1;
        }
        shifted = k - first as u32;
        for (i, r) in next.book.rows.iter_mut().enumerate().skip(first) {
            if r.is_settled() {
                continue;
            }
            r.due_date = due(i as u32 + 1 + shifted).ok_or(CreditError::Overflow {
                rule: "R-LEASE-2",
                field: "date",
            })?;
        }
    }
    next.history.push(LeaseEvent {
        date: cmd.date,
        kind: LeaseEventKind::Transferred {
            from: lease.lessee,
            to: cmd.to_member,
            reason,
            first_row: next.book.rows[first].number,
            shifted_periods: shifted,
        },
    });
    next.lessee = cmd.to_member;
    Ok(next)
}

/// Command: the lessee takes up the purchase option (R-LEASE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExercisePurchase {
    /// The member who pays the price: only the current lessee may (after a transfer, the
    /// member who took the lease over, never the one it was taken from).
    pub by: i64,
    /// The day the price was paid: not before the option opened (the last rent).
    pub date: NaiveDate,
}

/// The purchase option taken up: who bought the asset, when, for how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchase {
    pub by: i64,
    pub on: NaiveDate,
    pub price_minor: i64,
}

impl Lease {
    /// R-LEASE-1: the purchase, once the option was taken up.
    pub fn purchase(&self) -> Option<Purchase> {
        self.history.iter().find_map(|e| match e.kind {
            LeaseEventKind::Purchased { by, price_minor } => Some(Purchase {
                by,
                on: e.date,
                price_minor,
            }),
            _ => None,
        })
    }

    /// The day the last rent was paid (the purchase option opened), if it was.
    pub fn rent_paid_on(&self) -> Option<NaiveDate> {
        self.history
            .iter()
            .find(|e| e.kind == LeaseEventKind::AllRentPaid)
            .map(|e| e.date)
    }

    /// What the ODF still carries on `odf:leased-assets` for this asset: its cost less the
    /// principal part of the rents received (zero once every rent is paid).
    pub fn carrying_value_minor(&self) -> i64 {
        let recovered: i64 = self.book.rows.iter().map(|r| r.paid.principal_minor).sum();
        self.asset.cost_minor - recovered
    }
}

/// R-LEASE-1: with every rent paid, the current lessee buys the asset for the symbolic price
/// and the asset leaves the ODF's books: `odf:bank` debit (the price); `odf:leased-assets`
/// credit by what the ODF still carries for it (nothing once the rents recovered its cost, so
/// the account keeps nothing for the asset); `odf:income:asset-sales` credit by the difference,
/// the gain on the sale (the whole price when nothing is carried). The owner becomes the
/// member. Refused naming R-LEASE-1 and the field before the last rent, a second time, for
/// anyone but the current lessee, or dated before the option opened. A zero price with
/// nothing carried posts no entry.
pub fn exercise_purchase(
    lease: &Lease,
    cmd: &ExercisePurchase,
    key: &str,
) -> Result<(Lease, Option<ValidEntry>)> {
    match (lease.status, lease.purchase()) {
        (LeaseStatus::RentPaid, _) => {}
        (LeaseStatus::Purchased, Some(p)) => {
            return Err(CreditError::state(
                "R-LEASE-1",
                "lease_id",
                format!(
                    "la opción de compra ya se ejerció: el bien es del socio {} desde el {} \
                     (already bought)",
                    p.by, p.on
                ),
            ))
        }
        _ => {
            return Err(CreditError::state(
                "R-LEASE-1",
                "lease_id",
                format!(
                    "la opción de compra se abre al pagar la última renta; faltan {} \
                     (the purchase option opens when every rent is paid)",
                    ledger::Money::new(lease.book.outstanding().total(), lease.schedule.currency)
                        .to_major_string()
                ),
            ))
        }
    }
    if cmd.by != lease.lessee {
        return Err(CreditError::invalid(
            "R-LEASE-1",
            "member_id",
            format!(
                "solo el arrendatario actual, el socio {}, puede comprar el bien; el socio {} no \
                 (only the current lessee)",
                lease.lessee, cmd.by
            ),
        ));
    }
    if let Some(opened) = lease.rent_paid_on().filter(|d| cmd.date < *d) {
        return Err(CreditError::invalid(
            "R-LEASE-1",
            "on",
            format!(
                "la opción de compra se abrió el {opened}; no se puede ejercer antes \
                 (before the option opened)"
            ),
        ));
    }
    let price = lease.purchase_price_minor;
    let carried = lease.carrying_value_minor();
    let gain = price.checked_sub(carried).ok_or(CreditError::Overflow {
        rule: "R-LEASE-1",
        field: "purchase_price_minor",
    })?;
    let entry = if price != 0 || carried != 0 {
        Some(accounts::entry(
            key,
            "lease.purchase-option",
            "R-LEASE-1",
            cmd.date,
            format!(
                "Opción de compra del arrendamiento {}: {} pasa al socio {}",
                lease.id, lease.asset.description, cmd.by
            ),
            lease.schedule.currency,
            &[
                (accounts::odf_bank(), price),
                (accounts::leased_assets(), -carried),
                (accounts::asset_sales_income(), -gain),
            ],
        )?)
    } else {
        None
    };
    let mut next = lease.clone();
    next.status = LeaseStatus::Purchased;
    next.owner = AssetOwner::Member(cmd.by);
    next.history.push(LeaseEvent {
        date: cmd.date,
        kind: LeaseEventKind::Purchased {
            by: cmd.by,
            price_minor: price,
        },
    });
    Ok((next, entry))
}
