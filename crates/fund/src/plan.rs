//! R-PLAN-1 business plans as values, and the R-PLAN-4 review flag.
//!
//! A plan is never edited in place: every change returns a new [`BusinessPlan`] whose
//! `history` gained one [`PlanChange`], so the shell can store the change as an event.

use crate::{refuse, FundError, Period};
use chrono::NaiveDate;
use ledger::Money;

/// R-PLAN-1: what the target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetMeasure {
    Revenue,
    Profit,
}

/// R-PLAN-1: reach `amount` of monthly revenue or profit by `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub measure: TargetMeasure,
    pub amount: Money,
    pub by: NaiveDate,
}

/// The services of the ODF a plan can rely on (R-PLAN-1 measures, R-ORG-3 defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OdfService {
    Purchasing,
    Sales,
    Administration,
    Credit,
    Leasing,
    TrainingAndAssistance,
    Information,
}

impl OdfService {
    /// R-ORG-3: the services a micro-producer gets by default.
    pub const MICRO_PRODUCER_DEFAULTS: [OdfService; 3] = [
        OdfService::Purchasing,
        OdfService::Sales,
        OdfService::Administration,
    ];
}

/// R-PLAN-1: a plan is active, succeeded, failed or abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    Active,
    Succeeded,
    Failed,
    Abandoned,
}

impl PlanStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PlanStatus::Active => "active",
            PlanStatus::Succeeded => "succeeded",
            PlanStatus::Failed => "failed",
            PlanStatus::Abandoned => "abandoned",
        }
    }

    /// R-PLAN-1 transitions: only an active plan ends, and it ends exactly once.
    pub fn may_become(&self, to: PlanStatus) -> bool {
        matches!(self, PlanStatus::Active) && to != PlanStatus::Active
    }
}

/// One change in a plan's history (R-PLAN-1), as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    pub on: NaiveDate,
    pub kind: PlanChangeKind,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanChangeKind {
    Agreed,
    StatusChanged { from: PlanStatus, to: PlanStatus },
    TargetRevised { from: Target, to: Target },
    MeasuresRevised,
}

/// What the member and the ODF agree (R-PLAN-1), before it becomes a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBusinessPlan {
    pub member_id: i64,
    /// Monthly revenue measured before joining; never negative.
    pub baseline_revenue: Money,
    /// Monthly profit measured before joining; may be negative (a loss).
    pub baseline_profit: Money,
    pub target: Target,
    /// What to buy, make, sell: free text lines.
    pub measures: Vec<String>,
    pub services: Vec<OdfService>,
}

/// R-PLAN-1: an agreed business plan with its status and history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessPlan {
    pub id: i64,
    pub member_id: i64,
    pub baseline_revenue: Money,
    pub baseline_profit: Money,
    pub target: Target,
    pub measures: Vec<String>,
    pub services: Vec<OdfService>,
    pub status: PlanStatus,
    pub agreed_on: NaiveDate,
    pub history: Vec<PlanChange>,
}

const MAX_MEASURES: usize = 50;
const MAX_MEASURE_CHARS: usize = 500;

fn check_target(
    target: &Target,
    on: NaiveDate,
    currency: ledger::Currency,
) -> Result<(), FundError> {
    if target.amount.amount_minor() <= 0 {
        return refuse("R-PLAN-1", "target.amount", "must be positive");
    }
    if target.amount.currency() != currency {
        return refuse(
            "R-PLAN-1",
            "target.amount",
            "must be in the baseline's currency",
        );
    }
    if target.by <= on {
        return refuse(
            "R-PLAN-1",
            "target.by",
            "must be after the day it is agreed",
        );
    }
    Ok(())
}

fn check_measures(measures: &[String]) -> Result<(), FundError> {
    if measures.is_empty() {
        return refuse("R-PLAN-1", "measures", "a plan names at least one measure");
    }
    if measures.len() > MAX_MEASURES {
        return refuse("R-PLAN-1", "measures", format!("at most {MAX_MEASURES}"));
    }
    for m in measures {
        crate::check_text("R-PLAN-1", "measures", m, false)?;
    }
    if measures
        .iter()
        .any(|m| m.trim().is_empty() || m.chars().count() > MAX_MEASURE_CHARS)
    {
        return refuse(
            "R-PLAN-1",
            "measures",
            format!("each measure has 1 to {MAX_MEASURE_CHARS} characters"),
        );
    }
    Ok(())
}

/// R-PLAN-1: agrees a plan on `today` with the id the shell assigned.
pub fn agree_plan(
    id: i64,
    new: NewBusinessPlan,
    today: NaiveDate,
) -> Result<BusinessPlan, FundError> {
    if new.baseline_revenue.is_negative() {
        return refuse("R-PLAN-1", "baseline_revenue", "must not be negative");
    }
    if new.baseline_profit.currency() != new.baseline_revenue.currency() {
        return refuse(
            "R-PLAN-1",
            "baseline_profit",
            "must be in the revenue's currency",
        );
    }
    check_target(&new.target, today, new.baseline_revenue.currency())?;
    check_measures(&new.measures)?;
    let mut services = new.services;
    services.sort();
    services.dedup();
    Ok(BusinessPlan {
        id,
        member_id: new.member_id,
        baseline_revenue: new.baseline_revenue,
        baseline_profit: new.baseline_profit,
        target: new.target,
        measures: new.measures,
        services,
        status: PlanStatus::Active,
        agreed_on: today,
        history: vec![PlanChange {
            on: today,
            kind: PlanChangeKind::Agreed,
            reason: String::new(),
        }],
    })
}

fn need_reason(reason: &str) -> Result<(), FundError> {
    crate::check_text("R-PLAN-1", "reason", reason, true)?;
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return refuse(
            "R-PLAN-1",
            "reason",
            "a change needs a reason of 1 to 500 characters",
        );
    }
    Ok(())
}

impl BusinessPlan {
    /// R-PLAN-1: moves an active plan to succeeded, failed or abandoned.
    pub fn change_status(
        &self,
        to: PlanStatus,
        reason: &str,
        today: NaiveDate,
    ) -> Result<BusinessPlan, FundError> {
        if !self.status.may_become(to) {
            return refuse(
                "R-PLAN-1",
                "status",
                format!(
                    "a {} plan cannot become {}",
                    self.status.as_str(),
                    to.as_str()
                ),
            );
        }
        need_reason(reason)?;
        let mut next = self.clone();
        next.status = to;
        next.history.push(PlanChange {
            on: today,
            kind: PlanChangeKind::StatusChanged {
                from: self.status,
                to,
            },
            reason: reason.to_string(),
        });
        Ok(next)
    }

    /// R-PLAN-1: revises the target of an active plan; the baseline never changes.
    pub fn revise_target(
        &self,
        target: Target,
        reason: &str,
        today: NaiveDate,
    ) -> Result<BusinessPlan, FundError> {
        if self.status != PlanStatus::Active {
            return refuse("R-PLAN-1", "status", "only an active plan is revised");
        }
        need_reason(reason)?;
        check_target(&target, today, self.baseline_revenue.currency())?;
        let mut next = self.clone();
        next.target = target;
        next.history.push(PlanChange {
            on: today,
            kind: PlanChangeKind::TargetRevised {
                from: self.target,
                to: target,
            },
            reason: reason.to_string(),
        });
        Ok(next)
    }

    /// R-PLAN-1: replaces the measures and services of an active plan.
    pub fn revise_measures(
        &self,
        measures: Vec<String>,
        services: Vec<OdfService>,
        reason: &str,
        today: NaiveDate,
    ) -> Result<BusinessPlan, FundError> {
        if self.status != PlanStatus::Active {
            return refuse("R-PLAN-1", "status", "only an active plan is revised");
        }
        need_reason(reason)?;
        check_measures(&measures)?;
        let mut next = self.clone();
        next.measures = measures;
        next.services = services;
        next.services.sort();
        next.services.dedup();
        next.history.push(PlanChange {
            on: today,
            kind: PlanChangeKind::MeasuresRevised,
            reason: reason.to_string(),
        });
        Ok(next)
    }

    /// Whether the target is reached by the given monthly revenue and profit.
    pub fn target_reached(&self, revenue_minor: i64, profit_minor: i64) -> bool {
        let value = match self.target.measure {
            TargetMeasure::Revenue => revenue_minor,
            TargetMeasure::Profit => profit_minor,
        };
        value >= self.target.amount.amount_minor()
    }

    /// The increment R-PLAN-4 looks at: new revenue or incremental profit, by the target's
    /// measure **(decision)**.
    pub fn increment_minor(&self, revenue_minor: i64, profit_minor: i64) -> i64 {
        match self.target.measure {
            TargetMeasure::Revenue => {
                revenue_minor.saturating_sub(self.baseline_revenue.amount_minor())
            }
            TargetMeasure::Profit => {
                profit_minor.saturating_sub(self.baseline_profit.amount_minor())
            }
        }
    }
}

/// R-PLAN-4: a plan flagged for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanReviewFlag {
    pub plan_id: i64,
    pub member_id: i64,
    /// The periods with no positive increment, oldest first.
    pub periods: Vec<Period>,
}

/// R-PLAN-4: flags an active plan with no positive increment for `settings`' consecutive
/// periods ending with `last`. `increments` gives the effective report's increment per period
/// (`None` when the member did not report: a missing report is not a positive increment
/// **(decision)**). Periods before the plan was agreed do not count.
pub fn review_flag(
    plan: &BusinessPlan,
    last: Period,
    window: u32,
    increment_of: impl Fn(Period) -> Option<i64>,
) -> Option<PlanReviewFlag> {
    if plan.status != PlanStatus::Active || window == 0 {
        return None;
    }
    let mut periods = Vec::with_capacity(window as usize);
    let mut p = last;
    for _ in 0..window {
        if p.last_day() < plan.agreed_on {
            return None;
        }
        if increment_of(p).is_some_and(|i| i > 0) {
            return None;
        }
        periods.push(p);
        p = p.prev();
    }
    periods.reverse();
    Some(PlanReviewFlag {
        plan_id: plan.id,
        member_id: plan.member_id,
        periods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(crate) fn plan() -> BusinessPlan {
        agree_plan(
            7,
            NewBusinessPlan {
                member_id: 42,
                baseline_revenue: Money::mxn(1_000_000),
                baseline_profit: Money::mxn(300_000),
                target: Target {
                    measure: TargetMeasure::Revenue,
                    amount: Money::mxn(2_000_000),
                    by: d(2027, 1, 1),
                },
                measures: vec!["Comprar horno de gas".into()],
                services: vec![OdfService::Sales, OdfService::Purchasing, OdfService::Sales],
            },
            d(2026, 1, 10),
        )
        .unwrap()
    }

    #[test]
    fn r_plan_1_a_plan_is_agreed_active_with_history() {
        let p = plan();
        assert_eq!(p.status, PlanStatus::Active);
        assert_eq!(p.services, vec![OdfService::Purchasing, OdfService::Sales]);
        assert_eq!(p.history.len(), 1);
        assert!(p.target_reached(2_000_000, 0));
        assert_eq!(p.increment_minor(1_234_567, 0), 234_567);
    }

    #[test]
    fn r_plan_1_transitions_are_validated_and_recorded() {
        let p = plan();
        let done = p
            .change_status(PlanStatus::Succeeded, "duplicó sus ventas", d(2026, 9, 1))
            .unwrap();
        assert_eq!(done.history.len(), 2);
        assert_eq!(p.status, PlanStatus::Active, "the old value is untouched");
        let err = done
            .change_status(PlanStatus::Failed, "x", d(2026, 9, 2))
            .unwrap_err();
        assert_eq!((err.rule_id(), err.field()), ("R-PLAN-1", Some("status")));
        assert!(p
            .change_status(PlanStatus::Active, "x", d(2026, 9, 2))
            .is_err());
        assert_eq!(
            p.change_status(PlanStatus::Abandoned, " ", d(2026, 9, 2))
                .unwrap_err()
                .field(),
            Some("reason")
        );
        let revised = p
            .revise_target(
                Target {
                    measure: TargetMeasure::Profit,
                    amount: Money::mxn(500_000),
                    by: d(2027, 6, 1),
                },
                "más realista",
                d(2026, 3, 1),
            )
            .unwrap();
        assert!(matches!(
            revised.history[1].kind,
            PlanChangeKind::TargetRevised { .. }
        ));
        assert!(done
            .revise_measures(vec!["x".into()], vec![], "r", d(2026, 9, 3))
            .is_err());
    }

    #[test]
    fn r_plan_1_refuses_bad_plans_naming_the_field() {
        let mut new = NewBusinessPlan {
            member_id: 1,
            baseline_revenue: Money::mxn(-1),
            baseline_profit: Money::mxn(0),
            target: Target {
                measure: TargetMeasure::Revenue,
                amount: Money::mxn(1),
                by: d(2027, 1, 1),
            },
            measures: vec!["x".into()],
            services: vec![],
        };
        assert_eq!(
            agree_plan(1, new.clone(), d(2026, 1, 1))
                .unwrap_err()
                .field(),
            Some("baseline_revenue")
        );
        new.baseline_revenue = Money::mxn(0);
        new.measures.clear();
        assert_eq!(
            agree_plan(1, new.clone(), d(2026, 1, 1))
                .unwrap_err()
                .field(),
            Some("measures")
        );
        new.measures.push("x".into());
        assert_eq!(
            agree_plan(1, new, d(2027, 1, 1)).unwrap_err().field(),
            Some("target.by")
        );
    }

    #[test]
    fn r_plan_4_three_periods_without_increment_flag_the_plan() {
        let p = plan();
        let last = Period::month(2026, 5).unwrap();
        // March: +1, April: 0, May: missing -> only two non-positive periods in a row.
        let inc = |q: Period| match q.first_month() {
            3 => Some(1),
            4 => Some(0),
            _ => None,
        };
        assert_eq!(review_flag(&p, last, 3, inc), None);
        let flag = review_flag(&p, last, 2, inc).unwrap();
        assert_eq!(
            flag.periods
                .iter()
                .map(|q| q.to_string())
                .collect::<Vec<_>>(),
            ["2026-04", "2026-05"]
        );
        // Periods before the plan do not count: January 2026 is the first.
        assert!(review_flag(&p, Period::month(2026, 2).unwrap(), 3, |_| None).is_none());
        assert!(review_flag(&p, Period::month(2026, 3).unwrap(), 3, |_| None).is_some());
        let ended = p
            .change_status(PlanStatus::Failed, "r", d(2026, 6, 1))
            .unwrap();
        assert!(review_flag(&ended, last, 1, |_| None).is_none());
    }
}
