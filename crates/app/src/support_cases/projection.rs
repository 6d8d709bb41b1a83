//! R-SUP-2: the projection's present state (each ODF's part computed in its own organisation
//! and kept until its log moves, then the parts added) and the supervisors' saved scenarios
//! (programme events, stream `projections`).

use crate::events::{event, payload, read_stream, Actor};
use crate::kept_per_org::KeptPerOrg;
use crate::{App, AppError};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::sync::Arc;
use store::{Commit, OrgId, PROGRAMME_ORG};
use support::projection::{self as rules, Month, PresentState, Scenario};

const STREAM: &str = "projections";

/// One ODF's part of the projection's present state (R-SUP-2) on a day, read from its own
/// organisation alone: what [`App::projection_present`] adds over the ODFs. Kept per ODF until
/// its log moves ([`crate::kept_per_org`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OdfPresent {
    /// Members active on the day.
    pub participants: i64,
    /// The Fund in trust (minor units).
    pub fund_minor: i64,
    /// New revenue of the ODF's last close (R-FUND-1; 0 when it never closed).
    pub new_revenue_minor: i64,
    /// The sum of its credit lines' limits (minor units).
    pub line_minor: i64,
    /// Its lines' initial deposits (R-CRED-1).
    pub initial_deposit_minor: i64,
    /// The day its oldest line opened, if it has one.
    pub oldest_line: Option<NaiveDate>,
}

/// Each ODF's part of the present state, kept until its log moves.
pub type KeptPresent = KeptPerOrg<OdfPresent>;

/// ODFs read at once for the present state (as the programme's outcomes).
const CONCURRENCY: usize = 4;

impl App {
    /// One ODF's part of the present state on `today`, computed from its log and books: its
    /// members, the fold of its `fund` stream and of its credit book.
    pub async fn odf_present(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<OdfPresent, AppError> {
        let members = self.support_members(org_id).await?;
        let book = self.fund_book(org_id).await?;
        let mut out = OdfPresent {
            participants: members.values().filter(|m| m.is_active_on(today)).count() as i64,
            fund_minor: book.state.trust.total(),
            new_revenue_minor: book
                .completed
                .iter()
                .next_back()
                .map_or(0, |(_, c)| c.new_revenue_minor),
            ..OdfPresent::default()
        };
        for l in self.credit_book(org_id).await?.lines.values() {
            out.line_minor += l.line.limit_minor;
            out.initial_deposit_minor += l.line.initial_deposit_minor;
            out.oldest_line = Some(
                out.oldest_line
                    .map_or(l.line.opened_on, |d| d.min(l.line.opened_on)),
            );
        }
        Ok(out)
    }

    /// [`App::odf_present`], kept until the ODF's log moves or the day changes (one indexed row
    /// read per view once kept; see [`crate::kept_per_org`] for what this promises).
    pub async fn kept_odf_present(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<Arc<OdfPresent>, AppError> {
        self.kept_for_org(self.kept_present(), org_id, today, || {
            self.odf_present(org_id, today)
        })
        .await
    }

    /// The programme today: active members, ODFs, their states, the Fund in trust, the credit
    /// lines, their initial deposits and the average new revenue per participant of each
    /// ODF's last close (R-FUND-1): each ODF's part read alone ([`App::kept_odf_present`], a
    /// few at a time) and the parts added.
    pub async fn projection_present(&self, today: NaiveDate) -> Result<PresentState, AppError> {
        let orgs = self.store().orgs().await?;
        let states: BTreeSet<&str> = orgs.iter().map(|o| o.data.state.as_str()).collect();
        let parts = self
            .for_each_of(
                orgs.iter().map(|o| o.id).collect(),
                CONCURRENCY,
                move |app, org_id| async move { app.kept_odf_present(org_id, today).await },
            )
            .await?;
        let mut state = empty_state();
        state.odfs = orgs.len() as i64;
        state.states = states.len() as i64;
        let mut new_revenue: i128 = 0;
        let mut oldest_line: Option<NaiveDate> = None;
        for part in &parts {
            state.participants += part.participants;
            state.fund_minor += part.fund_minor;
            new_revenue += i128::from(part.new_revenue_minor);
            state.line_minor += part.line_minor;
            state.initial_deposit_minor += part.initial_deposit_minor;
            if let Some(opened) = part.oldest_line {
                oldest_line = Some(oldest_line.map_or(opened, |d| d.min(opened)));
            }
        }
        if state.participants > 0 {
            let avg = ledger::round::div_half_even(new_revenue, i128::from(state.participants))
                .unwrap_or(0);
            state.avg_new_revenue_minor = i64::try_from(avg).unwrap_or(i64::MAX);
        }
        if let Some(opened) = oldest_line {
            let months = (today.year_month_index() - opened.year_month_index()).max(0);
            state.line_age_months = u32::try_from(months).unwrap_or(0);
        }
        Ok(state)
    }

    /// Saves a scenario under its name (programme level). Saving the same name again with
    /// other assumptions records a new version; the latest counts. The same content again
    /// changes nothing.
    pub async fn save_scenario(&self, actor: &Actor, scenario: &Scenario) -> Result<(), AppError> {
        // Checked by projecting from an empty state: the rule refuses bad assumptions.
        rules::project(&empty_state(), scenario)?;
        let body = serde_json::to_string(scenario)
            .map_err(|e| AppError::Integrity(format!("scenario: {e}")))?;
        let key = format!(
            "projection:{}",
            crate::access_cases::sha256_hex(body.as_bytes())
        );
        if self.store().event_by_key(PROGRAMME_ORG, &key).await.is_ok() {
            return Ok(());
        }
        let commit = Commit {
            events: vec![event(actor, STREAM, "projection.saved", key, scenario)?],
            ..Commit::default()
        };
        self.store().commit(PROGRAMME_ORG, &commit).await?;
        Ok(())
    }

    /// Saved scenarios, the latest version of each name, in order of first saving.
    pub async fn scenarios(&self) -> Result<Vec<Scenario>, AppError> {
        let mut out: Vec<Scenario> = Vec::new();
        for e in read_stream(&**self.store(), PROGRAMME_ORG, STREAM).await? {
            let s: Scenario = payload(&e)?;
            match out.iter_mut().find(|o| o.name == s.name) {
                Some(o) => *o = s,
                None => out.push(s),
            }
        }
        Ok(out)
    }

    /// R-SUP-2: the named saved scenarios (all when `names` is empty), projected from the
    /// present state side by side.
    pub async fn compare_scenarios(
        &self,
        names: &[String],
        today: NaiveDate,
    ) -> Result<(PresentState, Vec<(String, Vec<Month>)>), AppError> {
        let saved = self.scenarios().await?;
        let chosen: Vec<Scenario> = if names.is_empty() {
            saved
        } else {
            names
                .iter()
                .map(|n| {
                    saved.iter().find(|s| &s.name == n).cloned().ok_or_else(|| {
                        AppError::from(store::StoreError::not_found(format!("scenario {n}")))
                    })
                })
                .collect::<Result<_, _>>()?
        };
        let present = self.projection_present(today).await?;
        let rows = rules::compare(&present, &chosen)?;
        Ok((present, rows))
    }
}

fn empty_state() -> PresentState {
    PresentState {
        participants: 0,
        odfs: 0,
        states: 0,
        fund_minor: 0,
        line_minor: 0,
        initial_deposit_minor: 0,
        line_age_months: 0,
        avg_new_revenue_minor: 0,
    }
}

trait MonthIndex {
    fn year_month_index(&self) -> i64;
}

impl MonthIndex for NaiveDate {
    fn year_month_index(&self) -> i64 {
        use chrono::Datelike;
        i64::from(self.year()) * 12 + i64::from(self.month0())
    }
}
