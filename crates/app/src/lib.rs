//! Use cases of Tequio: each one loads what a rule needs from the [`store::Store`], asks the
//! pure core (ledger, registry, and the rule crates) for a decision, and persists it in one
//! store call (one transaction).
//!
//! The app knows which backend is behind the trait object only through `Arc<dyn Store>`; the
//! binary picks it. It does not know HTTP or the terminal: `web` and `cli` call it.

#[macro_use]
pub mod retry;
pub mod access_cases;
pub mod check;
pub mod contact_cases;
pub mod credit_cases;
pub mod demo_cases;
pub mod dues_cases;
pub mod error;
pub mod events;
pub mod export;
pub mod fact_date;
pub mod fund_cases;
pub mod governance_cases;
pub mod kept_per_org;
pub mod kept_stream;
pub mod opening_cases;
pub mod registry_cases;
pub mod settings_cases;
pub mod statement_fold;
pub mod support_cases;
pub mod trade_cases;
pub mod turn_queue;

pub use error::AppError;
pub use events::Actor;
pub use fact_date::FactDate;
pub use fund_cases::Audit;

use ledger::{AccountCode, Currency, EntryDraft, TrialBalance, ValidEntry};
use std::collections::HashMap;
use std::sync::Arc;
use store::{OrgId, Posted, Store};

/// The application: a store, a count of password checks (so tests can prove every sign-in
/// costs one), the streams reports are filed against, kept folded ([`kept_stream`]), and
/// each ODF's compliance figures, part of the projection's present state, outcome in the
/// period containing today and R-CRED-1 initial deposit, each kept until its log moves ([`kept_per_org`]). Cheap to clone;
/// share it across tasks.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    password_checks: Arc<std::sync::atomic::AtomicU64>,
    kept_periods: Arc<kept_stream::KeptStreams<fund_cases::reports::PeriodReports>>,
    kept_plans: Arc<kept_stream::KeptStreams<std::collections::BTreeMap<i64, fund::BusinessPlan>>>,
    kept_outcomes: Arc<support_cases::KeptOutcomes>,
    kept_compliance: Arc<support_cases::KeptCompliance>,
    kept_present: Arc<support_cases::KeptPresent>,
    kept_now: Arc<support_cases::KeptNow>,
    kept_deposit: Arc<credit_cases::KeptDeposit>,
    report_queue: Arc<turn_queue::TurnQueue<fund_cases::report_turn::Waiter>>,
}

impl App {
    pub fn new(store: Arc<dyn Store>) -> Self {
        App {
            store,
            password_checks: Arc::default(),
            kept_periods: Arc::default(),
            kept_plans: Arc::default(),
            kept_outcomes: Arc::default(),
            kept_compliance: Arc::default(),
            kept_present: Arc::default(),
            kept_now: Arc::default(),
            kept_deposit: Arc::default(),
            report_queue: Arc::default(),
        }
    }

    pub(crate) fn kept_compliance(&self) -> &support_cases::KeptCompliance {
        &self.kept_compliance
    }

    pub(crate) fn kept_present(&self) -> &support_cases::KeptPresent {
        &self.kept_present
    }

    pub(crate) fn kept_now(&self) -> &support_cases::KeptNow {
        &self.kept_now
    }

    pub(crate) fn kept_deposit(&self) -> &credit_cases::KeptDeposit {
        &self.kept_deposit
    }

    /// Drops every figure kept for the organisation until its log moves ([`kept_per_org`]):
    /// after a write that records no event, which the log cannot show.
    fn forget_kept(&self, org_id: OrgId) {
        self.kept_compliance.forget(org_id);
        self.kept_present.forget(org_id);
        self.kept_now.forget(org_id);
        self.kept_deposit.forget(org_id);
    }

    /// How many argon2 password verifications this app (and its clones) has run: every
    /// sign-in attempt runs exactly one, whether or not the login exists (issue 15).
    pub fn password_checks(&self) -> u64 {
        self.password_checks
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Validates a draft against the organisation's chart and posts it. The same idempotency
    /// key with the same payload returns the first result; with another payload, a conflict.
    pub async fn post_entry(&self, org_id: OrgId, draft: EntryDraft) -> Result<Posted, AppError> {
        let chart = self.chart(org_id).await?;
        let entry = draft.validate(|code| chart.get(code).copied())?;
        let posted = self.store.post(org_id, &entry).await;
        // No event records it: the kept figures cannot see it (`kept_per_org`).
        self.forget_kept(org_id);
        Ok(posted?)
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
        let posted = self.store.post_batch(org_id, &entries).await;
        self.forget_kept(org_id);
        Ok(posted?)
    }

    /// Undoes an entry by posting its reversal (every posting negated, pointing back at it).
    /// History is never edited. Reversing twice with the same key returns the first reversal;
    /// an entry reversed already is refused under another key (field `entry_id`).
    pub async fn reverse_entry(
        &self,
        org_id: OrgId,
        entry_id: store::EntryId,
        idempotency_key: &str,
        date: chrono::NaiveDate,
    ) -> Result<Posted, AppError> {
        let key = ledger::IdempotencyKey::parse(idempotency_key)?;
        let original = self.store.entry(org_id, entry_id).await?;
        if original.entry.reverses().is_some() {
            return Err(registry::FieldError::new(
                "entry_id",
                "is itself a reversal; post a new entry instead",
            )
            .into());
        }
        let reversal = original.entry.reversal(entry_id, key, date);
        // An entry is reversed once: a second reversal (under another key) would book the
        // money back twice. The same key again is the first reversal's replay (the store
        // answers it, nothing written).
        if let Some(done) = self.store.reversal_of(org_id, entry_id).await? {
            let first = self.store.entry(org_id, done).await?;
            if first.entry.idempotency_key() != reversal.idempotency_key() {
                return Err(registry::FieldError::new(
                    "entry_id",
                    format!("ya fue revertido por el asiento {done}"),
                )
                .into());
            }
        }
        let posted = self.store.post(org_id, &reversal).await;
        self.forget_kept(org_id);
        Ok(posted?)
    }

    /// An account's statement: every entry that touched it, oldest first, with the running
    /// balance (at most `limit` entries after `after_id`).
    pub async fn account_statement(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        page: store::Page,
    ) -> Result<ledger::Statement, AppError> {
        let entries = self.store.account_entries(org_id, account, page).await?;
        Ok(ledger::Statement::build(
            account,
            entries.iter().map(|e| (e.id, &e.entry)),
        ))
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
