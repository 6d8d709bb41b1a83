//! R-SUP-2: the projection's present state (computed ODF by ODF, then added) and the
//! supervisors' saved scenarios (programme events, stream `projections`).

use crate::events::{event, payload, read_stream, Actor};
use crate::{App, AppError};
use chrono::NaiveDate;
use store::{Commit, PROGRAMME_ORG};
use support::projection::{self as rules, Month, PresentState, Scenario};

const STREAM: &str = "projections";

impl App {
    /// The programme today: active members, ODFs, their states, the Fund in trust, the credit
    /// lines, their initial deposits and the average new revenue per participant of each
    /// ODF's last close (R-FUND-1), each ODF read alone and the figures added.
    pub async fn projection_present(&self, today: NaiveDate) -> Result<PresentState, AppError> {
        let orgs = self.store().orgs().await?;
        let mut state = PresentState {
            participants: 0,
            odfs: 0,
            states: 0,
            fund_minor: 0,
            line_minor: 0,
            initial_deposit_minor: 0,
            line_age_months: 0,
            avg_new_revenue_minor: 0,
        };
        let mut states = std::collections::BTreeSet::new();
        let mut new_revenue: i128 = 0;
        let mut oldest_line: Option<NaiveDate> = None;
        for org in &orgs {
            state.odfs += 1;
            states.insert(org.data.state.clone());
            let members = self.support_members(org.id).await?;
            state.participants += members.values().filter(|m| m.is_active_on(today)).count() as i64;
            let book = self.fund_book(org.id).await?;
            state.fund_minor += book.state.trust.total();
            if let Some((_, c)) = book.completed.iter().next_back() {
                new_revenue += i128::from(c.new_revenue_minor);
            }
            for l in self.credit_book(org.id).await?.lines.values() {
                state.line_minor += l.line.limit_minor;
                state.initial_deposit_minor += l.line.initial_deposit_minor;
                oldest_line =
                    Some(oldest_line.map_or(l.line.opened_on, |d| d.min(l.line.opened_on)));
            }
        }
        state.states = states.len() as i64;
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
