//! A figure of each organisation kept in memory with the position of the organisation's log it
//! was computed at (issues 17 and 19): a view reads one row of the log instead of computing the
//! figure again. Used for each ODF's compliance figures (R-SUP-1,
//! `support_cases::compliance_kept`), its contribution to the projection's present state
//! (R-SUP-2, `support_cases::projection`) and its outcome in the period containing today when
//! it has no closed period (R-SUP-4, `support_cases::outcomes`).
//!
//! **The promise.** A view answers a figure computed from the books as they stood no earlier
//! than the last event committed to the organisation's log before the view began; a kept
//! figure is never shown after a write through the app. Why it holds:
//! - every write the app makes appends at least one event to the organisation's log in the
//!   same transaction as its entries and registry rows (`Store::commit`, and the registry
//!   writes with their events; ARCHITECTURE.md, "every change a user makes is an event");
//! - an organisation's event seqs grow in commit order on both backends (SQLite: one writer at
//!   a time; PostgreSQL: `MAX(seq) + 1` under the organisation's advisory lock, held until
//!   commit). Entry ids are not used: on PostgreSQL they come from a global sequence and are
//!   not in commit order;
//! - the log's head (its last seq) is read BEFORE the figure, and the figure is kept with that
//!   head and the day it was computed for (periods fall due, members leave and lines age with
//!   the day);
//! - a view first reads whether any event follows the kept head (one indexed row); if one
//!   does, or the day is another, the figure is computed afresh. A write that lands while a
//!   figure is being computed may or may not be in it, but its event follows the kept head, so
//!   the next view computes again. Writes by another process on the same database are seen the
//!   same way.
//!
//! What is outside the promise: writes that bypass the log, that is the store's registry calls
//! given no events and its `post`/`post_batch` called directly (tests and benchmarks do). The
//! app's own [`App::post_entry`], [`App::post_entries`] and [`App::reverse_entry`] write
//! entries without an event, so they drop the organisation's kept figures of every kind in
//! this process ([`App::forget_kept`]). Errors are never kept. One computation per
//! organisation and kind at a time: views of an ODF whose figure is being computed wait for it
//! instead of computing it again.

use crate::events::last_seq;
use crate::{App, AppError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use store::{OrgId, Page};

/// A figure as of `head` (the log's last seq when it began to be computed) on `today`.
struct Kept<T> {
    head: i64,
    today: NaiveDate,
    value: Arc<T>,
}

type Slot<T> = Arc<tokio::sync::Mutex<Option<Kept<T>>>>;

/// One kind of figure of the organisations a process has shown (bounded to
/// [`KeptPerOrg::MAX_ORGS`]). One per kind per [`App`] and its clones.
pub struct KeptPerOrg<T> {
    orgs: Mutex<HashMap<OrgId, Slot<T>>>,
}

impl<T> Default for KeptPerOrg<T> {
    fn default() -> Self {
        KeptPerOrg {
            orgs: Mutex::default(),
        }
    }
}

impl<T> KeptPerOrg<T> {
    /// More organisations than the national data set's 2,000, few enough to stay small (an
    /// ODF's figures are a few hundred bytes to a few KB).
    pub const MAX_ORGS: usize = 10_000;

    fn slot(&self, org_id: OrgId) -> Slot<T> {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if !orgs.contains_key(&org_id) && orgs.len() >= Self::MAX_ORGS {
            // Keep only those being computed or read right now.
            orgs.retain(|_, s| Arc::strong_count(s) > 1);
        }
        orgs.entry(org_id).or_default().clone()
    }

    /// Drops the organisation's kept figure (after a write that records no event).
    pub fn forget(&self, org_id: OrgId) {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        orgs.remove(&org_id);
    }
}

impl App {
    /// The organisation's figure on `today` kept in `kept`, when no event was committed to its
    /// log since it was computed; else `compute` runs (the log's head read first) and its
    /// answer is kept. See the module documentation for what this promises.
    pub(crate) async fn kept_for_org<T, F, Fut>(
        &self,
        kept: &KeptPerOrg<T>,
        org_id: OrgId,
        today: NaiveDate,
        compute: F,
    ) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let slot = kept.slot(org_id);
        let mut held = slot.lock().await;
        if let Some(k) = held.as_ref() {
            if k.today == today && !self.logged_after(org_id, k.head).await? {
                return Ok(k.value.clone());
            }
        }
        *held = None;
        let head = last_seq(&**self.store(), org_id, None).await?;
        let value = Arc::new(compute().await?);
        *held = Some(Kept {
            head,
            today,
            value: value.clone(),
        });
        Ok(value)
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
