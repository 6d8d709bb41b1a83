//! Statements as plain data, computed from inputs (no formatting): one member's (R-PLAN-2,
//! R-PLAN-3, R-FUND-1, R-FUND-5) and the ODF's (the Fund by sub-fund, the ODF's income from the
//! profit share, and R-SUP-4's outcome: members above baseline and members who at least doubled
//! their income).

use crate::close::{compute_close, CloseRow, ReportFigures};
use crate::development::{entitlement_of, individually_usable_minor, Entitlement};
use crate::report::effective_report;
use crate::trust::{non_fulfilment_notices, NonFulfilmentNotice};
use crate::{FundError, FundSettings, FundState, IncomeReport, Period, Split};
use std::collections::BTreeMap;

/// One period of a member's statement, from the effective report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MemberPeriodLine {
    pub period: Period,
    pub report_id: i64,
    pub revenue_minor: i64,
    pub profit_minor: i64,
    pub new_revenue_minor: i64,
    pub incremental_profit_minor: i64,
    pub contribution_minor: i64,
    pub profit_share_minor: i64,
}

/// A member's statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemberStatement {
    pub member_id: i64,
    pub baseline_revenue_minor: i64,
    pub baseline_profit_minor: i64,
    /// Effective reports, oldest period first.
    pub periods: Vec<MemberPeriodLine>,
    pub contributions_owed: Split,
    pub contributions_paid: Split,
    pub contributions_outstanding_minor: i64,
    pub profit_share_owed_minor: i64,
    pub profit_share_paid_minor: i64,
    pub entitlement: Entitlement,
    pub withdrawn_minor: i64,
    /// R-SUP-4: revenue of the latest reported period against the baseline.
    pub latest_revenue_minor: Option<i64>,
    pub at_least_doubled: bool,
}

/// A member's statement from their baseline, every report they filed (superseded ones too:
/// only the effective report of each period counts) and the Fund's state.
pub fn member_statement(
    settings: &FundSettings,
    state: &FundState,
    member_id: i64,
    baseline_revenue_minor: i64,
    baseline_profit_minor: i64,
    reports: &[IncomeReport],
) -> Result<MemberStatement, FundError> {
    let mut by_period: BTreeMap<Period, Vec<IncomeReport>> = BTreeMap::new();
    for r in reports.iter().filter(|r| r.member_id == member_id) {
        by_period.entry(r.period).or_default().push(r.clone());
    }
    let mut periods = Vec::with_capacity(by_period.len());
    for (period, all) in &by_period {
        let Some(r) = effective_report(all) else {
            continue;
        };
        let row = CloseRow {
            member_id,
            baseline_revenue_minor,
            baseline_profit_minor,
            report: Some(ReportFigures {
                revenue_minor: r.revenue.amount_minor(),
                profit_minor: r.profit.amount_minor(),
            }),
            posted: None,
        };
        let line = compute_close(settings, *period, &[row])?.lines[0];
        periods.push(MemberPeriodLine {
            period: *period,
            report_id: r.id,
            revenue_minor: r.revenue.amount_minor(),
            profit_minor: r.profit.amount_minor(),
            new_revenue_minor: line.new_revenue_minor,
            incremental_profit_minor: line.incremental_profit_minor,
            contribution_minor: line.contribution.total(),
            profit_share_minor: line.profit_share_minor,
        });
    }
    let m = state.member(member_id);
    let latest = periods.last().map(|p| p.revenue_minor);
    Ok(MemberStatement {
        member_id,
        baseline_revenue_minor,
        baseline_profit_minor,
        contributions_owed: m.owed,
        contributions_paid: m.paid,
        contributions_outstanding_minor: m.outstanding().total(),
        profit_share_owed_minor: m.profit_share_owed_minor,
        profit_share_paid_minor: m.profit_share_paid_minor,
        entitlement: entitlement_of(state, member_id),
        withdrawn_minor: m.withdrawn_minor,
        at_least_doubled: latest.is_some_and(|r| doubled(baseline_revenue_minor, r)),
        latest_revenue_minor: latest,
        periods,
    })
}

/// R-SUP-4: income at least doubled against a positive baseline (a zero baseline has no
/// double **(decision)**). Income is revenue here, the figure every member reports.
pub fn doubled(baseline_minor: i64, now_minor: i64) -> bool {
    baseline_minor > 0 && now_minor as i128 >= 2 * baseline_minor as i128
}

/// One sub-fund in the ODF statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SubFundLine {
    /// Contributions made owed plus grants (R-FUND-1, R-FUND-2).
    pub credited_minor: i64,
    pub grants_minor: i64,
    /// Spent (Competition, R-FUND-3) or withdrawn (Development, R-FUND-4).
    pub used_minor: i64,
    /// The sub-fund's balance: credited − used.
    pub balance_minor: i64,
    /// Cash in its trust account.
    pub trust_cash_minor: i64,
}

/// The ODF's statement for one period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OdfStatement {
    pub period: Period,
    pub development: SubFundLine,
    pub competition: SubFundLine,
    /// Development + Competition.
    pub fund_total_minor: i64,
    /// Trust cash + members' unpaid contributions + borrowers' shortfall − temporary
    /// contributions; equals `fund_total_minor`.
    pub fund_net_assets_minor: i64,
    pub members_unpaid_contributions_minor: i64,
    pub borrowers_shortfall_minor: i64,
    pub temporary_outstanding_minor: i64,
    pub individually_usable_minor: i64,
    /// R-PLAN-3: the ODF's income from the profit share, made owed and collected.
    pub profit_share_income_minor: i64,
    pub profit_share_collected_minor: i64,
    /// R-SUP-4 for the period.
    pub members: u64,
    pub members_reporting: u64,
    pub members_above_baseline: u64,
    pub members_doubled: u64,
    pub revenue_now_minor: i128,
    pub baseline_revenue_of_reporting_minor: i128,
    pub notices: Vec<NonFulfilmentNotice>,
}

/// The ODF's statement: the Fund from `state`, the outcome of `period` from each member's
/// baseline and effective report (`rows`, as for the close).
pub fn odf_statement(state: &FundState, period: Period, rows: &[CloseRow]) -> OdfStatement {
    let owed = state
        .members
        .values()
        .fold(Split::ZERO, |a, m| a.plus(m.owed));
    let sub = state.sub_funds();
    let mut s = OdfStatement {
        period,
        development: SubFundLine {
            credited_minor: owed.development_minor + state.grants.development_minor,
            grants_minor: state.grants.development_minor,
            used_minor: state.development_withdrawn_minor,
            balance_minor: sub.development_minor,
            trust_cash_minor: state.trust.development_minor,
        },
        competition: SubFundLine {
            credited_minor: owed.competition_minor + state.grants.competition_minor,
            grants_minor: state.grants.competition_minor,
            used_minor: state.competition_spent_minor,
            balance_minor: sub.competition_minor,
            trust_cash_minor: state.trust.competition_minor,
        },
        fund_total_minor: sub.total(),
        fund_net_assets_minor: state.net_assets_minor(),
        members_unpaid_contributions_minor: state
            .members
            .values()
            .map(|m| m.owed.total() - m.paid.total())
            .sum(),
        borrowers_shortfall_minor: state.borrowers.values().map(|b| b.shortfall_minor()).sum(),
        temporary_outstanding_minor: state.temporary_outstanding_minor(),
        individually_usable_minor: individually_usable_minor(state),
        profit_share_income_minor: state
            .members
            .values()
            .map(|m| m.profit_share_owed_minor)
            .sum(),
        profit_share_collected_minor: state
            .members
            .values()
            .map(|m| m.profit_share_paid_minor)
            .sum(),
        members: rows.len() as u64,
        members_reporting: 0,
        members_above_baseline: 0,
        members_doubled: 0,
        revenue_now_minor: 0,
        baseline_revenue_of_reporting_minor: 0,
        notices: non_fulfilment_notices(state),
    };
    for row in rows {
        if let Some(r) = row.report {
            s.members_reporting += 1;
            s.revenue_now_minor += r.revenue_minor as i128;
            s.baseline_revenue_of_reporting_minor += row.baseline_revenue_minor as i128;
            if r.revenue_minor > row.baseline_revenue_minor {
                s.members_above_baseline += 1;
            }
            if doubled(row.baseline_revenue_minor, r.revenue_minor) {
                s.members_doubled += 1;
            }
        }
    }
    s
}
