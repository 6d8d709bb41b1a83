//! Leasing use cases (R-LEASE-1, R-LEASE-2): the ODF buys an asset with a line draw and leases
//! it to a member on a board decision; rents are ledger entries; on default (a setting, 90 days
//! late by default) or a board decision the asset and the remaining schedule pass to another
//! active member, who never pays again what was already paid; the whole history stays. After
//! the last rent the lessee takes up the purchase option and the asset is theirs.

use super::book::{CreditBook, CreditEvent, Day, LeaseState, Terms};
use super::cases::CreditOutcome;
use crate::{Actor, App, AppError};
use chrono::NaiveDate;
use credit::lease::{self, Lease, LeaseSettings, LeaseStatus};
use credit::schedule::ScheduleInput;
use governance::settings::SettingKey;
use serde::Serialize;
use store::{Commit, OrgId};

/// Command: lease an asset the ODF buys with the line (R-LEASE-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartLeaseCmd {
    pub lease_id: i64,
    pub line_id: i64,
    pub asset_description: String,
    pub lessee: i64,
    /// Rent terms; `principal_minor` is the asset's cost, `disbursement_date` the purchase.
    pub terms: ScheduleInput,
    /// R-LEASE-1 setting (default MXN 1.00).
    pub purchase_price_minor: Option<i64>,
    /// R-LEASE-2 setting (default 90 days).
    pub default_after_days: Option<u32>,
}

/// Command: the lessee takes up the purchase option (R-LEASE-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasePurchaseCmd {
    pub lease_id: i64,
    /// The member paying the price; `None`: the current lessee. Anyone else is refused.
    pub member_id: Option<i64>,
    /// The day the price was paid.
    pub on: NaiveDate,
    /// The payment's reference, `[A-Za-z0-9._-]{1,64}`.
    pub reference: String,
}

/// A lease as a member's statement shows it (R-LEASE-1): amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaseSummary {
    pub lease_id: i64,
    pub asset: String,
    /// `active`, `rent_paid` (the purchase option is open) or `purchased`.
    pub status: &'static str,
    pub outstanding_minor: i64,
    pub next_due_date: Option<Day>,
    pub next_due_minor: Option<i64>,
    /// Once bought: the member, the day and the price.
    pub purchase: Option<PurchaseSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PurchaseSummary {
    pub member_id: i64,
    pub on: Day,
    pub price_minor: i64,
}

impl LeaseSummary {
    /// The leases `member_id` holds now (a lease passed to another member is theirs).
    pub fn of_member(book: &CreditBook, member_id: i64) -> Vec<LeaseSummary> {
        book.leases
            .values()
            .filter(|l| l.lease.lessee == member_id)
            .map(|l| LeaseSummary::of(&l.lease))
            .collect()
    }

    pub fn of(l: &Lease) -> LeaseSummary {
        let next = l.book.rows.iter().find(|r| !r.is_settled());
        LeaseSummary {
            lease_id: l.id,
            asset: l.asset.description.clone(),
            status: match l.status {
                LeaseStatus::Active => "active",
                LeaseStatus::RentPaid => "rent_paid",
                LeaseStatus::Purchased => "purchased",
            },
            outstanding_minor: l.book.outstanding().total(),
            next_due_date: next.map(|r| Day(r.due_date)),
            next_due_minor: next.map(|r| r.outstanding().total()),
            purchase: l.purchase().map(|p| PurchaseSummary {
                member_id: p.by,
                on: Day(p.on),
                price_minor: p.price_minor,
            }),
        }
    }
}

/// R-LEASE-1, R-LEASE-2: the ODF's lease settings in force on `on` (the symbolic price, the
/// days late of a default).
pub(crate) fn lease_settings_on(
    history: &governance::settings::SettingsHistory,
    on: NaiveDate,
) -> LeaseSettings {
    LeaseSettings {
        purchase_price_minor: history
            .value_on(SettingKey::LeasePurchasePrice, on)
            .money()
            .unwrap_or(LeaseSettings::default().purchase_price_minor),
        default_after_days: history
            .value_on(SettingKey::LeaseDefaultDays, on)
            .number()
            .unwrap_or(LeaseSettings::default().default_after_days),
    }
}

impl App {
    /// R-LEASE-1: the ODF buys the asset with a line draw (the asset is the ODF's) and leases it
    /// to an active member, on a board decision about `lease:{id}` for at least the cost.
    pub async fn start_lease(
        &self,
        org_id: OrgId,
        actor: &Actor,
        cmd: StartLeaseCmd,
        decision_id: i64,
    ) -> Result<(LeaseState, CreditOutcome), AppError> {
        let desc = cmd.asset_description.trim();
        if desc.is_empty() || desc.len() > 200 {
            return Err(registry::FieldError::new(
                "asset_description",
                "R-LEASE-1: de 1 a 200 caracteres",
            )
            .into());
        }
        self.active_member(
            org_id,
            cmd.lessee,
            cmd.terms.disbursement_date,
            "R-LEASE-1",
            "lessee",
        )
        .await?;
        let decision = self
            .board_decision_for(
                org_id,
                decision_id,
                &format!("lease:{}", cmd.lease_id),
                cmd.terms.principal_minor,
            )
            .await?;
        // R-LEASE-1, R-LEASE-2: the contract takes the ODF's settings in force the day it
        // starts, unless it names its own.
        let history = self.settings_history(org_id).await?;
        let defaults = lease_settings_on(&history, cmd.terms.disbursement_date);
        let event = CreditEvent::LeaseStarted {
            lease_id: cmd.lease_id,
            line_id: cmd.line_id,
            asset_description: desc.to_string(),
            lessee: cmd.lessee,
            terms: Terms::from_input(&cmd.terms),
            purchase_price_minor: cmd
                .purchase_price_minor
                .unwrap_or(defaults.purchase_price_minor),
            default_after_days: cmd
                .default_after_days
                .unwrap_or(defaults.default_after_days),
            decision,
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.lease(cmd.lease_id)?.clone(), out))
    }

    /// Rent received from the current lessee (R-LEASE-1): oldest rows first.
    pub async fn pay_rent(
        &self,
        org_id: OrgId,
        actor: &Actor,
        lease_id: i64,
        amount_minor: i64,
        on: NaiveDate,
        reference: &str,
    ) -> Result<(LeaseState, CreditOutcome), AppError> {
        super::cases::check_reference(reference)?;
        let event = CreditEvent::LeaseRentPaid {
            lease_id,
            reference: reference.to_string(),
            amount_minor,
            on: Day(on),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.lease(lease_id)?.clone(), out))
    }

    /// R-LEASE-2: the asset and the remaining schedule pass to another active member: without a
    /// decision only when the lessee is in default; with one about `lease-transfer:{id}`.
    pub async fn transfer_lease(
        &self,
        org_id: OrgId,
        actor: &Actor,
        lease_id: i64,
        to_member: i64,
        on: NaiveDate,
        decision_id: Option<i64>,
    ) -> Result<(LeaseState, CreditOutcome), AppError> {
        self.active_member(org_id, to_member, on, "R-LEASE-2", "to_member")
            .await?;
        let decision = match decision_id {
            Some(id) => Some(
                self.board_decision_for(org_id, id, &format!("lease-transfer:{lease_id}"), 0)
                    .await?,
            ),
            None => None,
        };
        let event = CreditEvent::LeaseTransferred {
            lease_id,
            to_member,
            on: Day(on),
            decision,
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.lease(lease_id)?.clone(), out))
    }

    /// R-LEASE-1: with every rent paid, the lessee pays the symbolic price (the lease's
    /// setting) and the asset becomes theirs: the payment into the ODF's bank and the asset off
    /// its books in one entry, with a `lease.purchased` event, in one commit. `on` is the day it
    /// was paid, not after `today`. Refused naming R-LEASE-1 and the field before the last rent
    /// (`lease_id`), for anyone but the current lessee (`member_id`), on a future date (`on`),
    /// or when the option was taken up already (`lease_id`). The same purchase again (same
    /// reference and date) writes nothing and answers the lease as bought.
    pub async fn exercise_lease_purchase(
        &self,
        org_id: OrgId,
        actor: &Actor,
        cmd: LeasePurchaseCmd,
        today: NaiveDate,
    ) -> Result<(LeaseState, CreditOutcome), AppError> {
        super::cases::check_reference(&cmd.reference)?;
        if cmd.on > today {
            return Err(AppError::Rule {
                rule: "R-LEASE-1",
                field: "on".into(),
                message: format!(
                    "{} es una fecha futura; hoy es {today} (a future date)",
                    cmd.on
                ),
            });
        }
        let mut book = self.credit_book(org_id).await?;
        let lessee = book.lease(cmd.lease_id)?.lease.lessee;
        let by = cmd.member_id.unwrap_or(lessee);
        let event = CreditEvent::LeasePurchased {
            lease_id: cmd.lease_id,
            on: Day(cmd.on),
            by: Some(by),
            reference: Some(cmd.reference),
        };
        if book
            .payload_of(&event.key())
            .is_some_and(|p| p != event.payload())
        {
            // Bought before, with another reference, date or member: the rule's refusal
            // (R-LEASE-1) rather than the key's conflict.
            let ls = book.lease(cmd.lease_id)?;
            let purchase = lease::ExercisePurchase { by, date: cmd.on };
            lease::exercise_purchase(&ls.lease, &purchase, &event.key())?;
        }
        let out = self
            .credit_commit(org_id, &mut book, actor, vec![event], Commit::default())
            .await?;
        Ok((book.lease(cmd.lease_id)?.clone(), out))
    }

    /// A member's leases as their statement shows them (R-LEASE-1): what is owed and, once
    /// bought, when and for how much.
    pub async fn member_leases(
        &self,
        org_id: OrgId,
        member_id: i64,
    ) -> Result<Vec<LeaseSummary>, AppError> {
        Ok(LeaseSummary::of_member(
            &self.credit_book(org_id).await?,
            member_id,
        ))
    }

    /// R-LEASE-2: leases whose lessee is in default on `on` (to reassign).
    pub async fn leases_in_default(
        &self,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<Vec<LeaseState>, AppError> {
        let book = self.credit_book(org_id).await?;
        Ok(book
            .leases
            .values()
            .filter(|l| credit::lease::is_in_default(&l.lease, &l.settings, on))
            .cloned()
            .collect())
    }
}
