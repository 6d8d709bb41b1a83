//! R-PLAN-1 business plans: agreed, revised, ended; every change a new event holding the plan
//! as it is after the change (with its history), so the latest event per plan is the plan.

use super::reports::effective_by_member;
use super::{event, parse_payload, Audit, PLANS_STREAM};
use crate::{App, AppError, FactDate};
use chrono::NaiveDate;
use fund::plan::{PlanChange, PlanChangeKind};
use fund::{
    BusinessPlan, IncomeReport, NewBusinessPlan, OdfService, Period, PlanReviewFlag, PlanStatus,
    Target, TargetMeasure,
};
use ledger::{Currency, Money};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use store::{Commit, MemberId, OrgId};

/// A change to an existing plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanCommand {
    Status {
        to: PlanStatus,
        reason: String,
    },
    Target {
        target: Target,
        reason: String,
    },
    Measures {
        measures: Vec<String>,
        services: Vec<OdfService>,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct TargetDto {
    measure: String,
    amount_minor: i64,
    by: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ChangeDto {
    on: NaiveDate,
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_from: Option<TargetDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_to: Option<TargetDto>,
    reason: String,
}

/// The stored form of a plan (payload of `plan.agreed` and `plan.changed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PlanDto {
    id: i64,
    member_id: i64,
    currency: String,
    baseline_revenue_minor: i64,
    baseline_profit_minor: i64,
    target: TargetDto,
    measures: Vec<String>,
    services: Vec<String>,
    status: String,
    agreed_on: NaiveDate,
    history: Vec<ChangeDto>,
}

fn measure_str(m: TargetMeasure) -> &'static str {
    match m {
        TargetMeasure::Revenue => "revenue",
        TargetMeasure::Profit => "profit",
    }
}

/// Parses a target measure (`revenue`/`ingresos`, `profit`/`utilidad`).
pub fn parse_measure(text: &str) -> Result<TargetMeasure, AppError> {
    match text.trim().to_lowercase().as_str() {
        "revenue" | "ingresos" => Ok(TargetMeasure::Revenue),
        "profit" | "utilidad" => Ok(TargetMeasure::Profit),
        other => Err(fund::FundError::rule(
            "R-PLAN-1",
            "target.measure",
            format!("'{other}' must be revenue or profit"),
        )
        .into()),
    }
}

/// Parses a plan status (`active`, `succeeded`, `failed`, `abandoned`).
pub fn parse_status(text: &str) -> Result<PlanStatus, AppError> {
    [
        PlanStatus::Active,
        PlanStatus::Succeeded,
        PlanStatus::Failed,
        PlanStatus::Abandoned,
    ]
    .into_iter()
    .find(|s| s.as_str() == text.trim())
    .ok_or_else(|| {
        fund::FundError::rule(
            "R-PLAN-1",
            "status",
            format!("'{text}' must be active, succeeded, failed or abandoned"),
        )
        .into()
    })
}

const SERVICES: [(OdfService, &str); 7] = [
    (OdfService::Purchasing, "purchasing"),
    (OdfService::Sales, "sales"),
    (OdfService::Administration, "administration"),
    (OdfService::Credit, "credit"),
    (OdfService::Leasing, "leasing"),
    (OdfService::TrainingAndAssistance, "training"),
    (OdfService::Information, "information"),
];

pub fn service_str(s: OdfService) -> &'static str {
    SERVICES
        .iter()
        .find(|(x, _)| *x == s)
        .map_or("information", |(_, t)| t)
}

/// Parses an ODF service name (`purchasing`, `sales`, `administration`, `credit`, `leasing`,
/// `training`, `information`).
pub fn parse_service(text: &str) -> Result<OdfService, AppError> {
    SERVICES
        .iter()
        .find(|(_, t)| *t == text.trim())
        .map(|(s, _)| *s)
        .ok_or_else(|| {
            fund::FundError::rule(
                "R-PLAN-1",
                "services",
                format!("'{text}' is not a service of the ODF"),
            )
            .into()
        })
}

fn target_dto(t: &Target) -> TargetDto {
    TargetDto {
        measure: measure_str(t.measure).to_string(),
        amount_minor: t.amount.amount_minor(),
        by: t.by,
    }
}

fn target_of(t: &TargetDto, currency: Currency) -> Result<Target, AppError> {
    Ok(Target {
        measure: parse_measure(&t.measure)?,
        amount: Money::new(t.amount_minor, currency),
        by: t.by,
    })
}

impl PlanDto {
    pub(crate) fn of(p: &BusinessPlan) -> PlanDto {
        PlanDto {
            id: p.id,
            member_id: p.member_id,
            currency: p.baseline_revenue.currency().as_str().to_string(),
            baseline_revenue_minor: p.baseline_revenue.amount_minor(),
            baseline_profit_minor: p.baseline_profit.amount_minor(),
            target: target_dto(&p.target),
            measures: p.measures.clone(),
            services: p
                .services
                .iter()
                .map(|s| service_str(*s).to_string())
                .collect(),
            status: p.status.as_str().to_string(),
            agreed_on: p.agreed_on,
            history: p
                .history
                .iter()
                .map(|c| {
                    let mut d = ChangeDto {
                        on: c.on,
                        kind: String::new(),
                        from: None,
                        to: None,
                        target_from: None,
                        target_to: None,
                        reason: c.reason.clone(),
                    };
                    match &c.kind {
                        PlanChangeKind::Agreed => d.kind = "agreed".into(),
                        PlanChangeKind::StatusChanged { from, to } => {
                            d.kind = "status".into();
                            d.from = Some(from.as_str().into());
                            d.to = Some(to.as_str().into());
                        }
                        PlanChangeKind::TargetRevised { from, to } => {
                            d.kind = "target".into();
                            d.target_from = Some(target_dto(from));
                            d.target_to = Some(target_dto(to));
                        }
                        PlanChangeKind::MeasuresRevised => d.kind = "measures".into(),
                    }
                    d
                })
                .collect(),
        }
    }

    pub(crate) fn plan(&self) -> Result<BusinessPlan, AppError> {
        let currency = Currency::parse(&self.currency)?;
        let mut history = Vec::with_capacity(self.history.len());
        for c in &self.history {
            let kind = match c.kind.as_str() {
                "agreed" => PlanChangeKind::Agreed,
                "status" => PlanChangeKind::StatusChanged {
                    from: parse_status(c.from.as_deref().unwrap_or(""))?,
                    to: parse_status(c.to.as_deref().unwrap_or(""))?,
                },
                "target" => match (&c.target_from, &c.target_to) {
                    (Some(f), Some(t)) => PlanChangeKind::TargetRevised {
                        from: target_of(f, currency)?,
                        to: target_of(t, currency)?,
                    },
                    _ => return Err(AppError::Integrity("plan change without targets".into())),
                },
                _ => PlanChangeKind::MeasuresRevised,
            };
            history.push(PlanChange {
                on: c.on,
                kind,
                reason: c.reason.clone(),
            });
        }
        Ok(BusinessPlan {
            id: self.id,
            member_id: self.member_id,
            baseline_revenue: Money::new(self.baseline_revenue_minor, currency),
            baseline_profit: Money::new(self.baseline_profit_minor, currency),
            target: target_of(&self.target, currency)?,
            measures: self.measures.clone(),
            services: self
                .services
                .iter()
                .map(|s| parse_service(s))
                .collect::<Result<_, _>>()?,
            status: parse_status(&self.status)?,
            agreed_on: self.agreed_on,
            history,
        })
    }
}

/// The member's plan that governs a period: the latest agreed on or before its last day.
pub(crate) fn plan_for(
    plans: &[BusinessPlan],
    member_id: MemberId,
    last_day: NaiveDate,
) -> Option<&BusinessPlan> {
    plans
        .iter()
        .filter(|p| p.member_id == member_id && p.agreed_on <= last_day)
        .max_by_key(|p| (p.agreed_on, p.id))
}

/// Whether an event of the `plans` stream holds a plan as it is after a change.
pub(crate) fn is_plan_snapshot(e: &store::StoredEvent) -> bool {
    e.event.kind == "plan.agreed" || e.event.kind == "plan.changed"
}

/// The plan a snapshot event holds (see [`is_plan_snapshot`]).
pub(crate) fn plan_of_event(e: &store::StoredEvent) -> Result<BusinessPlan, AppError> {
    parse_payload::<PlanDto>(e)?.plan()
}

/// The plans of an organisation by member, for fast lookup.
pub(crate) fn plans_by_member(plans: Vec<BusinessPlan>) -> BTreeMap<MemberId, Vec<BusinessPlan>> {
    let mut out: BTreeMap<MemberId, Vec<BusinessPlan>> = BTreeMap::new();
    for p in plans {
        out.entry(p.member_id).or_default().push(p);
    }
    out
}

/// Effective reports per period, per member (R-PLAN-2), as the R-PLAN-4 window reads them.
pub(crate) type ReportsByPeriod = BTreeMap<Period, BTreeMap<MemberId, IncomeReport>>;

/// R-PLAN-4: the active plans flagged for review at `last` (no positive increment in any of
/// the `window` periods ending with it), by [`fund::review_flag`] on the effective reports; a
/// period missing from `reports` counts as no report.
pub(crate) fn review_flags(
    plans: &BTreeMap<MemberId, Vec<BusinessPlan>>,
    last: Period,
    window: u32,
    reports: &ReportsByPeriod,
) -> Vec<PlanReviewFlag> {
    let mut flags = Vec::new();
    for ps in plans.values() {
        for plan in ps.iter().filter(|pl| pl.status == PlanStatus::Active) {
            let flag = fund::review_flag(plan, last, window, |q| {
                reports
                    .get(&q)
                    .and_then(|rs| rs.get(&plan.member_id))
                    .map(|r| {
                        plan.increment_minor(r.revenue.amount_minor(), r.profit.amount_minor())
                    })
            });
            flags.extend(flag);
        }
    }
    flags
}

/// Up to this many names [`App::member_names`] reads one by one; more, a page of members at a
/// time.
const MEMBER_NAMES_ONE_BY_ONE: usize = 60;

/// A plan flagged for review (R-PLAN-4), with its member's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedPlan {
    pub flag: PlanReviewFlag,
    pub member_name: String,
}

impl App {
    /// Adds to `reports` the effective reports of the `periods` periods ending with `last`
    /// that it lacks.
    pub(crate) async fn window_reports(
        &self,
        org_id: OrgId,
        last: Period,
        periods: u32,
        reports: &mut ReportsByPeriod,
    ) -> Result<(), AppError> {
        let mut p = last;
        for _ in 0..periods {
            if let std::collections::btree_map::Entry::Vacant(slot) = reports.entry(p) {
                slot.insert(effective_by_member(self.reports(org_id, p).await?));
            }
            p = p.prev();
        }
        Ok(())
    }

    /// R-PLAN-4: the active plans with no positive increment for the setting's consecutive
    /// periods (3 by default) ending with the last closed period, as the close flags them
    /// (computed again from the effective reports, so a correction is seen), with their
    /// members' names; and that period (None, and no plans, before the first close).
    pub async fn flagged_plans(
        &self,
        org_id: OrgId,
    ) -> Result<(Option<Period>, Vec<FlaggedPlan>), AppError> {
        let (last, flags) = self.plan_review_flags(org_id).await?;
        let names = self
            .member_names(org_id, flags.iter().map(|f| f.member_id))
            .await?;
        let out = flags
            .into_iter()
            .map(|flag| FlaggedPlan {
                member_name: names.get(&flag.member_id).cloned().unwrap_or_default(),
                flag,
            })
            .collect();
        Ok((last, out))
    }

    /// [`App::flagged_plans`] without the members' names (a page names only the rows it
    /// shows, [`App::member_names`]); in plan id order within each member, members in id order.
    pub async fn plan_review_flags(
        &self,
        org_id: OrgId,
    ) -> Result<(Option<Period>, Vec<PlanReviewFlag>), AppError> {
        let plans = plans_by_member(self.plans(org_id).await?);
        self.review_flags_of(org_id, &plans).await
    }

    /// R-PLAN-4 for one member's plans only (a plan's page): the flags [`App::plan_review_flags`]
    /// gives for them, without folding every plan's window.
    pub async fn member_plan_review_flags(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Vec<PlanReviewFlag>, AppError> {
        let plans = plans_by_member(self.member_plans(org_id, member_id).await?);
        Ok(self.review_flags_of(org_id, &plans).await?.1)
    }

    /// The flags of `plans` at the last closed period (see [`App::closed_periods`]).
    async fn review_flags_of(
        &self,
        org_id: OrgId,
        plans: &BTreeMap<MemberId, Vec<BusinessPlan>>,
    ) -> Result<(Option<Period>, Vec<PlanReviewFlag>), AppError> {
        let Some(last) = self
            .closed_periods(org_id)
            .await?
            .keys()
            .next_back()
            .copied()
        else {
            return Ok((None, Vec::new()));
        };
        if plans.is_empty() {
            return Ok((Some(last), Vec::new()));
        }
        let window = self.fund_settings(org_id).await?.inadequate_plan_periods;
        let mut reports = ReportsByPeriod::new();
        self.window_reports(org_id, last, window, &mut reports)
            .await?;
        Ok((Some(last), review_flags(plans, last, window, &reports)))
    }

    /// Members' names ("given names surnames") by id, for the ids given (each once); a
    /// missing member is an error, as [`store::Store::member`] answers. Many ids are read a
    /// page of members at a time (a few queries for thousands of members), a few one by one.
    pub async fn member_names(
        &self,
        org_id: OrgId,
        ids: impl IntoIterator<Item = MemberId>,
    ) -> Result<BTreeMap<MemberId, String>, AppError> {
        let wanted: std::collections::BTreeSet<MemberId> = ids.into_iter().collect();
        let name = |m: &registry::Member| format!("{} {}", m.data.given_names, m.data.surnames);
        let mut out = BTreeMap::new();
        if wanted.len() <= MEMBER_NAMES_ONE_BY_ONE {
            for &id in &wanted {
                out.insert(id, name(&self.store().member(org_id, id).await?));
            }
            return Ok(out);
        }
        let last = wanted.iter().next_back().copied().unwrap_or(0);
        let mut page = store::Page::first(store::MAX_PAGE);
        loop {
            let batch = self.store().members(org_id, page).await?;
            let Some(end) = batch.last().map(|m| m.id) else {
                break;
            };
            for m in batch.iter().filter(|m| wanted.contains(&m.id)) {
                out.insert(m.id, name(m));
            }
            if batch.len() < store::MAX_PAGE as usize || end >= last {
                break;
            }
            page.after_id = end;
        }
        if let Some(&missing) = wanted.iter().find(|id| !out.contains_key(id)) {
            return Err(store::StoreError::not_found(format!("member {missing}")).into());
        }
        Ok(out)
    }

    /// Every plan of the organisation as it is now (latest snapshot per id), by id: the
    /// `plans` stream kept folded ([`crate::kept_stream`]: only the events appended since the
    /// last read are read and parsed, so this equals the fold of the stream from its start).
    pub async fn plans(&self, org_id: OrgId) -> Result<Vec<BusinessPlan>, AppError> {
        Ok(self
            .kept_plan_fold(org_id)
            .await?
            .value
            .values()
            .cloned()
            .collect())
    }

    /// The `plans` stream's kept fold (plans by id), brought up to its last event and locked
    /// until dropped.
    pub(crate) async fn kept_plan_fold(
        &self,
        org_id: OrgId,
    ) -> Result<
        tokio::sync::OwnedMutexGuard<crate::kept_stream::Kept<BTreeMap<i64, BusinessPlan>>>,
        AppError,
    > {
        self.kept_plans
            .lock(self, org_id, PLANS_STREAM, |plans, e| {
                if is_plan_snapshot(e) {
                    let plan = plan_of_event(e)?;
                    plans.insert(plan.id, plan);
                }
                Ok(())
            })
            .await
    }

    /// One plan with its history (R-PLAN-1).
    pub async fn plan(&self, org_id: OrgId, plan_id: i64) -> Result<BusinessPlan, AppError> {
        self.plans(org_id)
            .await?
            .into_iter()
            .find(|p| p.id == plan_id)
            .ok_or_else(|| store::StoreError::not_found(format!("plan {plan_id}")).into())
    }

    /// R-PLAN-1: agrees a business plan for an active member who has no active plan, on the
    /// date it was agreed (`when`, checked by [`App::fact_date`]). The plan id is the next in
    /// the organisation; its event key is `plan:{id}:agreed`. The member's active plan agreed
    /// again with the same terms on the same day answers that plan (a replay, nothing written).
    pub async fn agree_plan(
        &self,
        org_id: OrgId,
        new: NewBusinessPlan,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<BusinessPlan, AppError> {
        let on = self.fact_date(org_id, when).await?;
        // The id is counted from the plans read: another plan agreed at the same moment makes
        // this one read again and take the next (`retrying!`).
        retrying!("agree_plan", {
            self.agree_plan_once(org_id, new.clone(), on, audit).await
        })
    }

    /// One attempt of [`App::agree_plan`]: read, decide, commit.
    async fn agree_plan_once(
        &self,
        org_id: OrgId,
        new: NewBusinessPlan,
        on: NaiveDate,
        audit: &Audit,
    ) -> Result<BusinessPlan, AppError> {
        let member = self.store().member(org_id, new.member_id).await?;
        if !member.is_active_on(on) {
            return Err(fund::FundError::rule(
                "R-PLAN-1",
                "member_id",
                format!("member {} is not active on {on}", member.id),
            )
            .into());
        }
        let plans = self.plans(org_id).await?;
        if let Some(active) = plans
            .iter()
            .find(|p| p.member_id == new.member_id && p.status == PlanStatus::Active)
        {
            // The same plan agreed again on the same day (a set-up run again, or a command
            // whose answer was lost in a failover, issue 21) is a replay: nothing written.
            if fund::agree_plan(active.id, new.clone(), on).ok().as_ref() == Some(active) {
                return Ok(active.clone());
            }
            return Err(fund::FundError::rule(
                "R-PLAN-1",
                "member_id",
                format!(
                    "member {} already has an active plan; revise or end it",
                    new.member_id
                ),
            )
            .into());
        }
        let id = plans.iter().map(|p| p.id).max().unwrap_or(0) + 1;
        let plan = fund::agree_plan(id, new, on)?;
        self.store()
            .commit(
                org_id,
                &Commit {
                    events: vec![event(
                        PLANS_STREAM,
                        "plan.agreed",
                        format!("plan:{id}:agreed"),
                        &PlanDto::of(&plan),
                        audit,
                    )?],
                    ..Commit::default()
                },
            )
            .await?;
        Ok(plan)
    }

    /// R-PLAN-1: changes a plan (status, target, measures) on the date of the change (`when`,
    /// checked by [`App::fact_date`]); the history gains the change with its reason. Key
    /// `plan:{id}:change:{n}` (n = the history's length before the change).
    pub async fn change_plan(
        &self,
        org_id: OrgId,
        plan_id: i64,
        command: PlanCommand,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<BusinessPlan, AppError> {
        let on = self.fact_date(org_id, when).await?;
        // Two changes at the same moment read the same history: the second reads again and
        // is decided on the first (`retrying!`).
        retrying!("change_plan", {
            let plan = self.plan(org_id, plan_id).await?;
            if let Some(last) = plan.history.last().filter(|c| c.on > on) {
                return Err(fund::FundError::rule(
                    "R-PLAN-1",
                    "on",
                    format!(
                        "el plan {plan_id} ya tiene un cambio del {}; un cambio no puede ser anterior",
                        last.on
                    ),
                )
                .into());
            }
            let next = match command.clone() {
                PlanCommand::Status { to, reason } => plan.change_status(to, &reason, on)?,
                PlanCommand::Target { target, reason } => {
                    plan.revise_target(target, &reason, on)?
                }
                PlanCommand::Measures {
                    measures,
                    services,
                    reason,
                } => plan.revise_measures(measures, services, &reason, on)?,
            };
            self.store()
                .commit(
                    org_id,
                    &Commit {
                        events: vec![event(
                            PLANS_STREAM,
                            "plan.changed",
                            format!("plan:{plan_id}:change:{}", plan.history.len()),
                            &PlanDto::of(&next),
                            audit,
                        )?],
                        ..Commit::default()
                    },
                )
                .await?;
            Ok(next)
        })
    }
}
