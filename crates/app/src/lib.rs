//! Use cases of Tequio: each one loads what a rule needs from the [`store::Store`], asks the
//! pure core (ledger, registry, and the rule crates) for a decision, and persists it in one
//! store call (one transaction).
//!
//! The app knows which backend is behind the trait object only through `Arc<dyn Store>`; the
//! binary picks it. It does not know HTTP or the terminal: `web` and `cli` call it.

pub mod demo_cases;
pub mod error;
pub mod export;
pub mod registry_cases;

pub use error::AppError;

use ledger::{AccountCode, Currency, EntryDraft, TrialBalance, ValidEntry};
use std::collections::HashMap;
use std::sync::Arc;
use store::{OrgId, Posted, Store};

/// The application: a store and nothing else. Cheap to clone; share it across tasks.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
}

impl App {
    pub fn new(store: Arc<dyn Store>) -> Self {
        App { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Validates a draft against the organisation's chart and posts it. The same idempotency
    /// key with the same payload returns the first result; with another payload, a conflict.
    pub async fn post_entry(&self, org_id: OrgId, draft: EntryDraft) -> Result<Posted, AppError> {
        let chart = self.chart(org_id).await?;
        let entry = draft.validate(|code| chart.get(code).copied())?;
        Ok(self.store.post(org_id, &entry).await?)
    }

    /// Validates several drafts against the chart and posts them as one atomic batch.
    pub async fn post_entries(
        &self,
        org_id: OrgId,
        drafts: Vec<EntryDraft>,
    ) -> Result<Vec<Posted>, AppError> {
        let chart = self.chart(org_id).await?;
        let entries: Vec<ValidEntry> = drafts
            .into_iter()
            .map(|d| d.validate(|code| chart.get(code).copied()))
            .collect::<Result<_, _>>()?;
        Ok(self.store.post_batch(org_id, &entries).await?)
    }

    /// Account code -> currency for every open account of the organisation.
    pub async fn chart(&self, org_id: OrgId) -> Result<HashMap<AccountCode, Currency>, AppError> {
        Ok(self
            .store
            .accounts(org_id)
            .await?
            .into_iter()
            .map(|a| (a.code, a.currency))
            .collect())
    }

    /// The trial balance, after checking that the materialised balances equal the sum of the
    /// postings (the ledger's invariant; a difference is reported, never hidden).
    pub async fn checked_trial_balance(&self, org_id: OrgId) -> Result<TrialBalance, AppError> {
        let materialised = self.store.balances(org_id).await?;
        let derived = self.store.derived_balances(org_id).await?;
        if materialised != derived {
            return Err(AppError::Integrity(format!(
                "organisation {org_id}: materialised balances differ from the sum of postings"
            )));
        }
        Ok(materialised)
    }
}
