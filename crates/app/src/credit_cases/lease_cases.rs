//! Leasing use cases (R-LEASE-1, R-LEASE-2): the ODF buys an asset with a line draw and leases
//! it to a member on a board decision; rents are ledger entries; on default (a setting, 90 days
//! late by default) or a board decision the asset and the remaining schedule pass to another
//! active member, who never pays again what was already paid; the whole history stays.

use super::book::{CreditEvent, Day, LeaseState, Terms};
use super::cases::CreditOutcome;
use crate::{Actor, App, AppError};
use chrono::NaiveDate;
use credit::lease::LeaseSettings;
use credit::schedule::ScheduleInput;
use store::OrgId;

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
        let defaults = LeaseSettings::default();
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

    /// R-LEASE-1: with every rent paid, the lessee buys the asset for the symbolic price.
    pub async fn exercise_lease_purchase(
        &self,
        org_id: OrgId,
        actor: &Actor,
        lease_id: i64,
        on: NaiveDate,
    ) -> Result<(LeaseState, CreditOutcome), AppError> {
        let event = CreditEvent::LeasePurchased {
            lease_id,
            on: Day(on),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.lease(lease_id)?.clone(), out))
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
