//! Statements (issue 3, R-SUP-4): per member (reports, increments, contributions, entitlement,
//! withdrawals, dues) and per ODF (the Fund by sub-fund, the ODF's income from the profit
//! share, members above baseline and members who at least doubled their income).

use super::plans::{plan_for, review_flags, ReportsByPeriod};
use super::reports::{all_members, effective_by_member, report_of_event};
use super::FundBook;
use crate::{App, AppError};
use fund::{
    BusinessPlan, CloseRow, FundSettings, IncomeReport, MemberStatement, OdfStatement, Period,
    ReportFigures,
};
use std::collections::BTreeMap;
use store::{MemberId, OrgId};

/// A member's statement with the dues in arrears (R-ORG-6).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberFundStatement {
    pub org_id: OrgId,
    pub member_name: String,
    pub plan_id: Option<i64>,
    /// R-PLAN-4: when the member's plan is flagged for review at the last closed period, the
    /// periods without a positive increment (oldest first); empty otherwise.
    pub plan_flagged_periods: Vec<String>,
    pub statement: MemberStatement,
    pub dues_arrears_minor: i64,
}

/// What a member's statement folds from the event log: everything but their name and dues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFundPart {
    pub plan_id: Option<i64>,
    /// See [`MemberFundStatement::plan_flagged_periods`].
    pub plan_flagged_periods: Vec<String>,
    pub statement: MemberStatement,
}

/// A member's statement from what it folds: `plans` (the organisation's or the member's),
/// the member's `reports` in filing order and the `fund` stream's fold (R-PLAN-2, R-PLAN-3,
/// R-PLAN-4, R-FUND-1, R-FUND-5). The from-scratch read ([`App::member_fund_statement`]) and
/// the kept fold ([`crate::statement_fold`]) both answer through this.
pub(crate) fn member_fund_part(
    settings: &FundSettings,
    plans: &[BusinessPlan],
    member_id: MemberId,
    reports: &[IncomeReport],
    book: &FundBook,
) -> Result<MemberFundPart, AppError> {
    let plan = plan_for(plans, member_id, chrono::NaiveDate::MAX);
    let (rev, profit) = plan.map_or((0, 0), |p| {
        (
            p.baseline_revenue.amount_minor(),
            p.baseline_profit.amount_minor(),
        )
    });
    let statement = fund::member_statement(settings, &book.state, member_id, rev, profit, reports)?;
    // R-PLAN-4, as the close flags it, from the member's effective reports.
    let flag = match (plan, book.completed.keys().next_back()) {
        (Some(plan), Some(&last)) => {
            let mut by_period: BTreeMap<Period, Vec<IncomeReport>> = BTreeMap::new();
            for r in reports {
                by_period.entry(r.period).or_default().push(r.clone());
            }
            let effective: ReportsByPeriod = by_period
                .into_iter()
                .filter_map(|(p, all)| {
                    let r = fund::effective_report(&all)?.clone();
                    Some((p, BTreeMap::from([(member_id, r)])))
                })
                .collect();
            let plans = BTreeMap::from([(member_id, vec![plan.clone()])]);
            review_flags(&plans, last, settings.inadequate_plan_periods, &effective).pop()
        }
        _ => None,
    };
    Ok(MemberFundPart {
        plan_id: plan.map(|p| p.id),
        plan_flagged_periods: flag
            .map(|f| f.periods.iter().map(Period::to_string).collect())
            .unwrap_or_default(),
        statement,
    })
}

impl MemberFundStatement {
    /// The statement of `member` from its folded part and the dues in arrears.
    pub fn of(
        org_id: OrgId,
        member: &registry::Member,
        part: MemberFundPart,
        dues_arrears_minor: i64,
    ) -> Self {
        MemberFundStatement {
            org_id,
            member_name: format!("{} {}", member.data.given_names, member.data.surnames),
            plan_id: part.plan_id,
            plan_flagged_periods: part.plan_flagged_periods,
            statement: part.statement,
            dues_arrears_minor,
        }
    }
}

impl App {
    /// Every report a member filed, all periods, in filing order (one pass over the log).
    pub async fn member_reports(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Vec<IncomeReport>, AppError> {
        let settings = self.fund_settings(org_id).await?;
        let mut out = Vec::new();
        for e in self.read_stream(org_id, None).await? {
            if let Some(r) = report_of_event(&settings, &e)? {
                if r.member_id == member_id {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// A member's statement (R-PLAN-2, R-PLAN-3, R-FUND-1, R-FUND-5, R-ORG-6, R-SUP-4).
    pub async fn member_fund_statement(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<MemberFundStatement, AppError> {
        let settings = self.fund_settings(org_id).await?;
        let member = self.store().member(org_id, member_id).await?;
        let plans = self.plans(org_id).await?;
        let reports = self.member_reports(org_id, member_id).await?;
        let book = self.fund_book(org_id).await?;
        let part = member_fund_part(&settings, &plans, member_id, &reports, &book)?;
        Ok(MemberFundStatement::of(
            org_id,
            &member,
            part,
            self.dues_arrears_minor(org_id, member_id).await?,
        ))
    }

    /// The ODF's statement for a period: the Fund now, and the period's outcome over every
    /// member with a business plan (R-SUP-4).
    pub async fn odf_fund_statement(
        &self,
        org_id: OrgId,
        period: Period,
    ) -> Result<OdfStatement, AppError> {
        let plans = self.plans(org_id).await?;
        let members = all_members(self, org_id).await?;
        let reports = effective_by_member(self.reports(org_id, period).await?);
        let state = self.fund_state(org_id).await?;
        let mut rows = Vec::new();
        for m in members
            .values()
            .filter(|m| m.is_active_on(period.last_day()))
        {
            let Some(plan) = plan_for(&plans, m.id, period.last_day()) else {
                continue;
            };
            rows.push(CloseRow {
                member_id: m.id,
                baseline_revenue_minor: plan.baseline_revenue.amount_minor(),
                baseline_profit_minor: plan.baseline_profit.amount_minor(),
                report: reports.get(&m.id).map(|r| ReportFigures {
                    revenue_minor: r.revenue.amount_minor(),
                    profit_minor: r.profit.amount_minor(),
                }),
                posted: None,
            });
        }
        Ok(fund::odf_statement(&state, period, &rows))
    }
}
