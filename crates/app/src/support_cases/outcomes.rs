//! R-SUP-4: members' income now against their baseline, per member and per ODF, and for the
//! programme as the sum of each ODF's own figures, cut by state, trade and target programme;
//! and the series over closed periods.

use crate::{App, AppError};
use chrono::NaiveDate;
use fund::Period;
use serde::Serialize;
use std::sync::Arc;
use store::OrgId;
use support::outcomes::{odf_outcome, programme_outcome, MemberIncome, OdfOutcome, Outcome};

/// One closed period's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomePoint {
    pub period: String,
    pub outcome: Outcome,
}

impl App {
    /// Each member with a business plan: baseline monthly revenue (R-PLAN-1) and the revenue
    /// of their effective report for `period` (R-PLAN-2), with state, trade and programmes.
    pub async fn member_incomes(
        &self,
        org_id: OrgId,
        period: Period,
    ) -> Result<Vec<MemberIncome>, AppError> {
        let members = self.support_members(org_id).await?;
        let reports = self.effective_reports(org_id, period).await?;
        let mut latest_plan = std::collections::BTreeMap::new();
        for plan in self.plans(org_id).await? {
            // The plan in force is the latest agreed.
            latest_plan.insert(plan.member_id, plan);
        }
        let on = period.last_day();
        let mut out = Vec::new();
        for (member_id, plan) in latest_plan {
            let Some(m) = members.get(&member_id) else {
                continue;
            };
            out.push(MemberIncome {
                member_id,
                state: m.data.state.clone(),
                trade: m.data.trade.clone(),
                programmes: m
                    .data
                    .programmes(on, registry::TargetSettings::default())
                    .into_iter()
                    .map(|p| p.as_str().to_string())
                    .collect(),
                baseline_minor: plan.baseline_revenue.amount_minor(),
                now_minor: reports.get(&member_id).map(|r| r.revenue.amount_minor()),
            });
        }
        Ok(out)
    }

    /// The last closed period of the ODF, if any.
    pub async fn last_closed_period(&self, org_id: OrgId) -> Result<Option<Period>, AppError> {
        Ok(self
            .fund_book(org_id)
            .await?
            .completed
            .keys()
            .next_back()
            .copied())
    }

    /// R-SUP-4: one ODF's outcome for `period` (default: its last closed period, else the
    /// period containing `today`).
    pub async fn odf_outcome(
        &self,
        org_id: OrgId,
        period: Option<Period>,
        today: NaiveDate,
    ) -> Result<(Period, OdfOutcome), AppError> {
        let period = match period {
            Some(p) => p,
            None => match self.last_closed_period(org_id).await? {
                Some(p) => p,
                None => Period::containing(today, self.fund_settings(org_id).await?.period),
            },
        };
        Ok((
            period,
            odf_outcome(&self.member_incomes(org_id, period).await?),
        ))
    }

    /// R-SUP-4: the series over the ODF's last `n` closed periods, oldest first.
    pub async fn outcome_series(
        &self,
        org_id: OrgId,
        n: usize,
    ) -> Result<Vec<OutcomePoint>, AppError> {
        let completed: Vec<Period> = self
            .fund_book(org_id)
            .await?
            .completed
            .into_keys()
            .collect();
        let mut out = Vec::new();
        for period in completed.iter().skip(completed.len().saturating_sub(n)) {
            let o = odf_outcome(&self.member_incomes(org_id, *period).await?);
            out.push(OutcomePoint {
                period: period.key(),
                outcome: o.total,
            });
        }
        Ok(out)
    }

    /// R-SUP-4: the programme's outcome: each ODF's own (its last closed period, or `period`
    /// when given), computed in its organisation, `concurrency` at a time, then added.
    pub async fn programme_outcome(
        &self,
        period: Option<Period>,
        today: NaiveDate,
        concurrency: usize,
    ) -> Result<OdfOutcome, AppError> {
        let orgs = self.store().orgs().await?;
        let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.clamp(1, 64)));
        let mut tasks = tokio::task::JoinSet::new();
        for org in orgs {
            let app = self.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                app.odf_outcome(org.id, period, today).await
            });
        }
        let mut each = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (_, o) =
                joined.map_err(|e| AppError::Integrity(format!("outcome task: {e}")))??;
            each.push(o);
        }
        Ok(programme_outcome(&each))
    }
}
