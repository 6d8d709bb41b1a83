//! R-SUP-4: members' income now against their baseline, per member and per ODF, and for the
//! programme as the sum of each ODF's own figures, cut by state, trade and target programme;
//! and the series over closed periods.
//!
//! Each ODF's series is **kept** ([`KeptOutcomes`]): computed once, with the seq of the last
//! event of the organisation's log it reflects, and brought up to date by reading only the
//! events appended since (one indexed query, usually none). A report (stream `reports:PERIOD`)
//! makes only its period's figures be computed again; a close, a plan, a member's change or
//! any other event that statements read makes the whole series be; sign-ins and the other
//! markers no figure reads ([`crate::statement_fold::UNREAD_KINDS`]) change nothing. The ODF's
//! indicators (R-SUP-3) are kept beside it, computed again with the whole series. A kept
//! series equals one computed from scratch (`crates/app/tests/outcomes_series.rs`, on both
//! backends).
//!
//! An ODF without a closed period (most of the national data set) shows the period containing
//! today: that outcome is kept too ([`KeptNow`], [`crate::kept_per_org`]: the log's head read
//! before it, the day, any later event computing it again), so a warm view of the programme's
//! outcomes reads two indexed queries per ODF instead of its members, plans and reports.

use crate::fund_cases::reports_stream;
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::{BusinessPlan, Period};
use registry::Member;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use store::{MemberId, OrgId, Page, MAX_PAGE};
use support::integradoras::Reading;
use support::outcomes::{
    odf_outcome, outcome_series, programme_outcome, programme_series, MemberIncome, OdfOutcome,
    PeriodOutcome,
};

/// Each ODF's outcome in the period containing today, for the ODFs without a closed period
/// (kept until its log moves, [`crate::kept_per_org`]).
pub type KeptNow = crate::kept_per_org::KeptPerOrg<(Period, OdfOutcome)>;

/// Closed periods an ODF's series holds at most (the latest).
pub const SERIES_PERIODS: usize = 24;

/// What every period's incomes are read against: the members and the plan in force of each.
struct IncomeInputs {
    members: BTreeMap<MemberId, Member>,
    /// The plan in force is the latest agreed.
    plans: BTreeMap<MemberId, BusinessPlan>,
}

/// A series and its periods (in the ODF's period length), oldest first, and the ODF's
/// indicators as an integradora (R-SUP-3: from plans and capacities, which reports do not
/// change).
type Kept = Arc<(Vec<Period>, Vec<PeriodOutcome>, Vec<Reading>)>;

/// One organisation's kept series.
#[derive(Default)]
struct KeptOrg {
    /// The seq of the last event read.
    seq: i64,
    /// The series as last computed, oldest period first (None: compute it all).
    series: Option<Kept>,
    /// Report streams with events since the series was computed.
    dirty_streams: HashSet<String>,
}

/// Each ODF's outcome series, kept per organisation (see the module documentation). Bounded
/// to [`KeptOutcomes::MAX_ORGS`] (the national data set's 2,000 ODFs fit).
#[derive(Default)]
pub struct KeptOutcomes {
    orgs: Mutex<HashMap<OrgId, Arc<tokio::sync::Mutex<KeptOrg>>>>,
}

impl KeptOutcomes {
    pub const MAX_ORGS: usize = 4_096;

    fn slot(&self, org_id: OrgId) -> Arc<tokio::sync::Mutex<KeptOrg>> {
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if !orgs.contains_key(&org_id) && orgs.len() >= Self::MAX_ORGS {
            orgs.retain(|_, s| Arc::strong_count(s) > 1);
        }
        orgs.entry(org_id).or_default().clone()
    }
}

impl App {
    async fn income_inputs(&self, org_id: OrgId) -> Result<IncomeInputs, AppError> {
        let members = self.support_members(org_id).await?;
        let mut plans = BTreeMap::new();
        for plan in self.plans(org_id).await? {
            plans.insert(plan.member_id, plan);
        }
        Ok(IncomeInputs { members, plans })
    }

    /// Each member with a business plan: baseline monthly revenue (R-PLAN-1) and the revenue
    /// of their effective report for `period` (R-PLAN-2), with state, trade and programmes.
    async fn incomes_of(
        &self,
        org_id: OrgId,
        inputs: &IncomeInputs,
        period: Period,
    ) -> Result<Vec<MemberIncome>, AppError> {
        let reports = self.effective_reports(org_id, period).await?;
        let on = period.last_day();
        Ok(inputs
            .plans
            .iter()
            .filter_map(|(member_id, plan)| {
                let m = inputs.members.get(member_id)?;
                Some(MemberIncome {
                    member_id: *member_id,
                    state: m.data.state.clone(),
                    trade: m.data.trade.clone(),
                    programmes: m
                        .data
                        .programmes(on, registry::TargetSettings::default())
                        .into_iter()
                        .map(|p| p.as_str().to_string())
                        .collect(),
                    baseline_minor: plan.baseline_revenue.amount_minor(),
                    now_minor: reports.get(member_id).map(|r| r.revenue.amount_minor()),
                })
            })
            .collect())
    }

    /// Each member's income for `period` against their baseline (see [`App::incomes_of`]).
    pub async fn member_incomes(
        &self,
        org_id: OrgId,
        period: Period,
    ) -> Result<Vec<MemberIncome>, AppError> {
        let inputs = self.income_inputs(org_id).await?;
        self.incomes_of(org_id, &inputs, period).await
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

    /// R-SUP-4: the series over the ODF's last [`SERIES_PERIODS`] closed periods computed from
    /// the log, oldest first; `keep` holds periods whose figures are still valid (reused).
    async fn compute_series(
        &self,
        org_id: OrgId,
        keep: &BTreeMap<String, OdfOutcome>,
    ) -> Result<(Vec<Period>, Vec<PeriodOutcome>), AppError> {
        let completed: Vec<Period> = self
            .fund_book(org_id)
            .await?
            .completed
            .into_keys()
            .collect();
        let recent = &completed[completed.len().saturating_sub(SERIES_PERIODS)..];
        let mut inputs = None;
        let mut periods = Vec::with_capacity(recent.len());
        let mut kept = Vec::new();
        for period in recent {
            match keep.get(&period.key()) {
                Some(o) => kept.push(PeriodOutcome {
                    period: period.key(),
                    outcome: o.clone(),
                }),
                None => {
                    if inputs.is_none() {
                        inputs = Some(self.income_inputs(org_id).await?);
                    }
                    let Some(inputs) = inputs.as_ref() else {
                        continue;
                    };
                    periods.push((
                        period.key(),
                        self.incomes_of(org_id, inputs, *period).await?,
                    ));
                }
            }
        }
        let mut series = outcome_series(periods);
        series.extend(kept);
        series.sort_by(|a, b| a.period.cmp(&b.period));
        Ok((recent.to_vec(), series))
    }

    /// R-SUP-4: the ODF's series over its last [`SERIES_PERIODS`] closed periods, oldest first,
    /// kept (see the module documentation): usually one query that finds nothing new.
    pub async fn odf_outcome_series(&self, org_id: OrgId) -> Result<Vec<PeriodOutcome>, AppError> {
        Ok(self.kept_series(org_id).await?.1.clone())
    }

    async fn kept_series(&self, org_id: OrgId) -> Result<Kept, AppError> {
        let slot = self.kept_outcomes.slot(org_id);
        let mut kept = slot.lock().await;
        loop {
            let page = Page {
                after_id: kept.seq,
                limit: MAX_PAGE,
            };
            let events = self.store().events(org_id, None, page).await?;
            let full = events.len() as u32 == MAX_PAGE;
            for e in &events {
                let kind = e.event.kind.as_str();
                if e.event.stream.starts_with("reports:") {
                    if kept.series.is_some() {
                        kept.dirty_streams.insert(e.event.stream.clone());
                    }
                } else if !crate::statement_fold::UNREAD_KINDS.contains(&kind) {
                    kept.series = None;
                    kept.dirty_streams.clear();
                }
                kept.seq = e.seq;
            }
            if !full {
                break;
            }
        }
        if let Some(series) = &kept.series {
            if kept.dirty_streams.is_empty() {
                return Ok(series.clone());
            }
        }
        let valid: BTreeMap<String, OdfOutcome> = match &kept.series {
            Some(series) => series
                .0
                .iter()
                .zip(&series.1)
                .filter(|(period, _)| !kept.dirty_streams.contains(&reports_stream(**period)))
                .map(|(_, p)| (p.period.clone(), p.outcome.clone()))
                .collect(),
            None => BTreeMap::new(),
        };
        let computed = match &kept.series {
            Some(series) => self
                .compute_series(org_id, &valid)
                .await
                .map(|(p, s)| (p, s, series.2.clone())),
            None => match self.compute_series(org_id, &valid).await {
                Ok((p, s)) => self.odf_indicators(org_id).await.map(|i| (p, s, i)),
                Err(e) => Err(e),
            },
        };
        let series = match computed {
            Ok(s) => Arc::new(s),
            Err(e) => {
                *kept = KeptOrg::default();
                return Err(e);
            }
        };
        kept.series = Some(series.clone());
        kept.dirty_streams.clear();
        Ok(series)
    }

    /// R-SUP-4: one ODF's outcome for `period` (default: its last closed period, else the
    /// period containing `today`). A closed period of the kept series is read from it.
    pub async fn odf_outcome(
        &self,
        org_id: OrgId,
        period: Option<Period>,
        today: NaiveDate,
    ) -> Result<(Period, OdfOutcome), AppError> {
        let kept = self.kept_series(org_id).await?;
        self.outcome_in(org_id, &kept, period, today).await
    }

    /// `period`'s outcome (default: the last closed) from the kept series, else from the log.
    async fn outcome_in(
        &self,
        org_id: OrgId,
        kept: &Kept,
        period: Option<Period>,
        today: NaiveDate,
    ) -> Result<(Period, OdfOutcome), AppError> {
        let (periods, series) = (&kept.0, &kept.1);
        let at = match period {
            Some(p) => periods.iter().position(|k| *k == p),
            None => periods.len().checked_sub(1),
        };
        if let Some(i) = at {
            return Ok((periods[i], series[i].outcome.clone()));
        }
        match period {
            Some(p) => Ok((p, odf_outcome(&self.member_incomes(org_id, p).await?))),
            // No closed period: the period containing today, kept until the log moves.
            None => {
                let now = self.kept_odf_outcome_now(org_id, today).await?;
                Ok((now.0, now.1.clone()))
            }
        }
    }

    /// R-SUP-4: the ODF's outcome in the period containing `today` (in its period length),
    /// computed from its members, plans and that period's effective reports.
    pub async fn odf_outcome_now(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<(Period, OdfOutcome), AppError> {
        let period = Period::containing(today, self.fund_settings(org_id).await?.period);
        Ok((
            period,
            odf_outcome(&self.member_incomes(org_id, period).await?),
        ))
    }

    /// [`App::odf_outcome_now`], kept until the ODF's log moves (any event after the head it
    /// was computed at: a report, a plan, a member's change, a change of the period's length)
    /// or the day changes; see [`crate::kept_per_org`]. What an ODF without a closed period
    /// shows on the programme's outcomes.
    pub async fn kept_odf_outcome_now(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<Arc<(Period, OdfOutcome)>, AppError> {
        self.kept_for_org(self.kept_now(), org_id, today, || {
            self.odf_outcome_now(org_id, today)
        })
        .await
    }

    /// R-SUP-3: the ODF's indicators as an integradora, kept with its outcome series.
    pub async fn kept_indicators(&self, org_id: OrgId) -> Result<Vec<Reading>, AppError> {
        Ok(self.kept_series(org_id).await?.2.clone())
    }

    /// R-SUP-4: the series over the ODF's last `n` closed periods, oldest first.
    pub async fn outcome_series(
        &self,
        org_id: OrgId,
        n: usize,
    ) -> Result<Vec<PeriodOutcome>, AppError> {
        let kept = self.kept_series(org_id).await?;
        Ok(kept.1[kept.1.len().saturating_sub(n)..].to_vec())
    }

    /// Runs `each` for every organisation, `concurrency` at a time (each in its own
    /// organisation: nothing joins two organisations' rows).
    async fn for_each_org<T: Send + 'static, F, Fut>(
        &self,
        concurrency: usize,
        each: F,
    ) -> Result<Vec<T>, AppError>
    where
        F: Fn(App, OrgId) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let orgs = self.store().orgs().await?;
        self.for_each_of(orgs.iter().map(|o| o.id).collect(), concurrency, each)
            .await
    }

    /// Runs `each` for every organisation of `orgs`, `concurrency` at a time (each in its own
    /// organisation); the answers in the order they finish.
    pub(crate) async fn for_each_of<T: Send + 'static, F, Fut>(
        &self,
        orgs: Vec<OrgId>,
        concurrency: usize,
        each: F,
    ) -> Result<Vec<T>, AppError>
    where
        F: Fn(App, OrgId) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.clamp(1, 64)));
        let mut tasks = tokio::task::JoinSet::new();
        for org_id in orgs {
            let limit = limit.clone();
            let run = each(self.clone(), org_id);
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                run.await
            });
        }
        let mut out = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            out.push(joined.map_err(|e| AppError::Integrity(format!("outcome task: {e}")))??);
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
        Ok(self
            .programme_outcome_and_series(Some(period), today, 0, concurrency)
            .await?
            .0)
    }

    /// R-SUP-4: the programme's series: each ODF's kept series, computed in its organisation,
    /// `concurrency` at a time, then added period by period; the last `n` periods.
    pub async fn programme_outcome_series(
        &self,
        n: usize,
        concurrency: usize,
    ) -> Result<Vec<PeriodOutcome>, AppError> {
        let today = crate::fact_date::mexico_city_today(chrono::Utc::now());
        Ok(self
            .programme_outcome_and_series(None, today, n, concurrency)
            .await?
            .1)
    }

    /// [`App::programme_outcome`] (when `outcome` is given: `Some(None)` for each ODF's last
    /// closed period; else it is left empty) and [`App::programme_outcome_series`] in one pass
    /// over the ODFs (each ODF's kept series read once).
    pub async fn programme_outcome_and_series(
        &self,
        outcome: Option<Option<Period>>,
        today: NaiveDate,
        n: usize,
        concurrency: usize,
    ) -> Result<(OdfOutcome, Vec<PeriodOutcome>), AppError> {
        let each = self
            .for_each_org(concurrency, move |app, org_id| async move {
                let kept = app.kept_series(org_id).await?;
                let now = match outcome {
                    Some(period) => app.outcome_in(org_id, &kept, period, today).await?.1,
                    None => OdfOutcome::default(),
                };
                Ok((now, kept))
            })
            .await?;
        let now = programme_outcome(each.iter().map(|(o, _)| o));
        let series = programme_series(each.iter().map(|(_, s)| s.1.as_slice()));
        let series = series[series.len().saturating_sub(n)..].to_vec();
        Ok((now, series))
    }
}
