//! Each ODF's compliance figures (R-SUP-1) kept in memory with the position of the
//! organisation's log they were computed at (issues 17 and 19): a view of the compliance page,
//! or of the programme's ranking, reads one row of each log instead of recomputing every check
//! of the books (`tequio check`'s invariants, every period, every decision) on every view.
//!
//! **The promise.** A view answers figures computed from the books as they stood no earlier
//! than the last event committed to the organisation's log before the view began; a kept
//! "passes" is never shown after a write through the app. Why it holds:
//! - every write the app makes appends at least one event to the organisation's log in the
//!   same transaction as its entries and registry rows (`Store::commit`, and the registry
//!   writes with their events; ARCHITECTURE.md, "every change a user makes is an event");
//! - an organisation's event seqs grow in commit order on both backends (SQLite: one writer at
//!   a time; PostgreSQL: `MAX(seq) + 1` under the organisation's advisory lock, held until
//!   commit). Entry ids are not used: on PostgreSQL they come from a global sequence and are
//!   not in commit order;
//! - the log's head (its last seq) is read BEFORE the figures, and the figures are kept with
//!   that head and the day they were computed for (periods fall due and notices age with the
//!   day);
//! - a view first reads whether any event follows the kept head (one indexed row); if one
//!   does, or the day is another, the figures are computed afresh. A write that lands while
//!   figures are being computed may or may not be in them, but its event follows the kept
//!   head, so the next view computes again. Writes by another process on the same database
//!   are seen the same way.
//!
//! What is outside the promise: writes that bypass the log, that is the store's registry calls
//! given no events and its `post`/`post_batch` called directly (tests and benchmarks do). The
//! app's own [`App::post_entry`], [`App::post_entries`] and [`App::reverse_entry`] write
//! entries without an event, so they drop the organisation's kept figures in this process. Errors are never kept. One
//! computation per organisation at a time: views of an ODF whose figures are being computed
//! wait for them instead of computing them again.
//!
//! `crates/app/tests/compliance_kept.rs` compares the kept figures with a fresh computation
//! ([`App::compliance_figures`]) after writes of every kind the checks read, on SQLite and
//! PostgreSQL.

use crate::events::last_seq;
use crate::{App, AppError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use store::{OrgId, Page};
use support::compliance::OdfFigures;

/// Figures as of `head` (the log's last seq when they began to be computed) on `today`.
struct Kept {
    head: i64,
    today: NaiveDate,
    figures: Arc<OdfFigures>,
}

type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

/// The kept figures of the organisations whose compliance a process has shown (bounded to
/// [`KeptCompliance::MAX_ORGS`]). One per [`App`] and its clones.
#[derive(Default)]
pub struct KeptCompliance {
    orgs: Mutex<HashMap<OrgId, Slot>>,
}

impl KeptCompliance {
    /// More organisations than the national data set's 2,000, few enough to stay small (an
    /// ODF's figures are a few hundred bytes to a few KB).
    pub const MAX_ORGS: usize = 10_000;

    fn slot(&self, org_id: OrgId) -> Slot {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if !orgs.contains_key(&org_id) && orgs.len() >= Self::MAX_ORGS {
            // Keep only those being computed or read right now.
            orgs.retain(|_, s| Arc::strong_count(s) > 1);
        }
        orgs.entry(org_id).or_default().clone()
    }

    /// Drops the organisation's kept figures (after a write that records no event).
    pub fn forget(&self, org_id: OrgId) {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        orgs.remove(&org_id);
    }
}

impl App {
    /// R-SUP-1's figures of one ODF on `today`: the kept ones when no event was committed to
    /// its log since they were computed, else computed afresh ([`App::compliance_figures`])
    /// and kept. See the module documentation for what this promises.
    pub async fn kept_compliance_figures(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<Arc<OdfFigures>, AppError> {
        let slot = self.kept_compliance().slot(org_id);
        let mut kept = slot.lock().await;
        if let Some(k) = kept.as_ref() {
            if k.today == today && !self.logged_after(org_id, k.head).await? {
                return Ok(k.figures.clone());
            }
        }
        *kept = None;
        let head = last_seq(&**self.store(), org_id, None).await?;
        let figures = Arc::new(self.compliance_figures(org_id, today).await?);
        *kept = Some(Kept {
            head,
            today,
            figures: figures.clone(),
        });
        Ok(figures)
    }

    /// Whether the organisation's log holds an event after seq `head` (one indexed row).
    async fn logged_after(&self, org_id: OrgId, head: i64) -> Result<bool, AppError> {
        let page = Page {
            after_id: head,
            limit: 1,
        };
        Ok(!self.store().events(org_id, None, page).await?.is_empty())
    }
}
