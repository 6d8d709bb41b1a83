//! Each ODF's compliance figures (R-SUP-1) kept in memory with the position of the
//! organisation's log they were computed at (issues 17 and 19): a view of the compliance page,
//! or of the programme's ranking, reads one row of each log instead of recomputing every check
//! of the books (`tequio check`'s invariants, every period, every decision) on every view.
//!
//! The figures are kept with the generic [`crate::kept_per_org::KeptPerOrg`], whose module
//! documentation says what is promised and why it holds: the log's head read before the
//! figures, the day they are for, one indexed row read per view, and the writes that record no
//! event dropping them. A kept "passes" is never shown after a write through the app.
//!
//! `crates/app/tests/compliance_kept.rs` compares the kept figures with a fresh computation
//! ([`App::compliance_figures`]) after writes of every kind the checks read, on SQLite and
//! PostgreSQL.

use crate::kept_per_org::KeptPerOrg;
use crate::{App, AppError};
use chrono::NaiveDate;
use std::sync::Arc;
use store::OrgId;
use support::compliance::OdfFigures;

/// Each ODF's compliance figures, kept until its log moves (one per [`App`] and its clones).
pub type KeptCompliance = KeptPerOrg<OdfFigures>;

impl App {
    /// R-SUP-1's figures of one ODF on `today`: the kept ones when no event was committed to
    /// its log since they were computed, else computed afresh ([`App::compliance_figures`])
    /// and kept. See [`crate::kept_per_org`] for what this promises.
    pub async fn kept_compliance_figures(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<Arc<OdfFigures>, AppError> {
        self.kept_for_org(self.kept_compliance(), org_id, today, || {
            self.compliance_figures(org_id, today)
        })
        .await
    }
}
