//! R-PLAN-2 income reports: filed by the member or by staff for a micro-producer, corrected
//! by new reports that supersede (with a reason), imported a period at a time from CSV, all or
//! nothing. A report's id is the seq of its event.
//!
//! Keys: `report:{period}:m{member}` for the first report of a member and period (filing the
//! same report again is a no-op; different figures are refused as a duplicate, R-PLAN-2), and
//! `report:{period}:m{member}:c{superseded id}` for a correction (a report is corrected once).

use super::plans::plan_for;
use super::report_turn::ReportRequest;
use super::{event, parse_payload, reports_stream, Audit, LATE_STREAM};
use crate::{App, AppError, FactDate};
use chrono::NaiveDate;
use fund::{IncomeReport, NewIncomeReport, Period, Reporter};
use ledger::{Currency, Money};
use registry::Member;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use store::{Commit, MemberId, NewEvent, OrgId, Page, MAX_PAGE};

/// What a person files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInput {
    pub member_id: MemberId,
    pub revenue_minor: i64,
    pub profit_minor: i64,
    pub reported_by: Reporter,
}

/// The stored form of a report (payload of `report.accepted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReportDto {
    member_id: i64,
    period: String,
    revenue_minor: i64,
    profit_minor: i64,
    reported_by: String,
    reported_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supersedes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// The payload of `report.late`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LatePayload {
    pub period: String,
}

fn reporter_str(r: Reporter) -> String {
    match r {
        Reporter::Member => "member".to_string(),
        Reporter::Staff { staff_id } => format!("staff:{staff_id}"),
    }
}

fn reporter_of(text: &str) -> Reporter {
    match text.strip_prefix("staff:").and_then(|s| s.parse().ok()) {
        Some(staff_id) => Reporter::Staff { staff_id },
        None => Reporter::Member,
    }
}

impl ReportDto {
    fn of(r: &IncomeReport) -> ReportDto {
        ReportDto {
            member_id: r.member_id,
            period: r.period.to_string(),
            revenue_minor: r.revenue.amount_minor(),
            profit_minor: r.profit.amount_minor(),
            reported_by: reporter_str(r.reported_by),
            reported_on: r.reported_on,
            supersedes: r.supersedes,
            reason: r.reason.clone(),
        }
    }

    pub(crate) fn period(&self) -> &str {
        &self.period
    }

    pub(crate) fn into_report(self, id: i64, period: Period, currency: Currency) -> IncomeReport {
        IncomeReport {
            id,
            member_id: self.member_id,
            period,
            revenue: Money::new(self.revenue_minor, currency),
            profit: Money::new(self.profit_minor, currency),
            reported_by: reporter_of(&self.reported_by),
            reported_on: self.reported_on,
            supersedes: self.supersedes,
            reason: self.reason,
        }
    }
}

/// The report a `report.accepted` event holds (its id is the event's seq); None for any other
/// kind of event.
pub(crate) fn report_of_event(
    settings: &fund::FundSettings,
    e: &store::StoredEvent,
) -> Result<Option<IncomeReport>, AppError> {
    if e.event.kind != REPORT_KIND {
        return Ok(None);
    }
    let dto: ReportDto = parse_payload(e)?;
    let period = Period::parse(dto.period(), settings.period)?;
    Ok(Some(dto.into_report(e.seq, period, settings.currency)))
}

/// The kind of a report's event.
pub(crate) const REPORT_KIND: &str = "report.accepted";

fn report_key(r: &IncomeReport) -> String {
    match r.supersedes {
        None => format!("report:{}:m{}", r.period, r.member_id),
        Some(old) => format!("report:{}:m{}:c{old}", r.period, r.member_id),
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportImportOutcome {
    pub created: usize,
    pub unchanged: usize,
}

/// Every member of an organisation (paged), by id.
pub(crate) async fn all_members(
    app: &App,
    org_id: OrgId,
) -> Result<BTreeMap<MemberId, Member>, AppError> {
    let mut out = BTreeMap::new();
    let mut page = Page::first(MAX_PAGE);
    loop {
        let members = app.store().members(org_id, page).await?;
        let Some(last) = members.last() else { break };
        page.after_id = last.id;
        out.extend(members.into_iter().map(|m| (m.id, m)));
    }
    Ok(out)
}

impl App {
    /// Every report filed for a period (superseded ones too), in filing order.
    pub async fn reports(
        &self,
        org_id: OrgId,
        period: Period,
    ) -> Result<Vec<IncomeReport>, AppError> {
        Ok(self.period_reports(org_id, period).await?.reports)
    }

    /// The period's reports as one read of its stream: the reports, the slot the next commit
    /// touching them claims (see [`report_slot`]), and whether its close has started.
    pub(crate) async fn period_reports(
        &self,
        org_id: OrgId,
        period: Period,
    ) -> Result<PeriodReports, AppError> {
        let currency = self.store().org(org_id).await?.data.currency;
        let stream = reports_stream(period);
        let mut filed = PeriodReports::default();
        for e in self.read_stream(org_id, Some(&stream)).await? {
            filed.apply(&e, period, currency)?;
        }
        Ok(filed)
    }

    /// The member's plans as they are now, from the `plans` stream kept folded
    /// ([`crate::kept_stream`]): what filing a report checks (R-PLAN-1).
    pub(crate) async fn member_plans(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Vec<fund::BusinessPlan>, AppError> {
        let kept = self.kept_plan_fold(org_id).await?;
        Ok(kept
            .value
            .values()
            .filter(|p| p.member_id == member_id)
            .cloned()
            .collect())
    }

    /// Whether a report filed now for the period is late (adjusted by the next close): its
    /// close started (seen in `filed`) or completed (a close from before closes recorded
    /// their start has only the completion).
    pub(crate) async fn is_late(
        &self,
        org_id: OrgId,
        filed: &PeriodReports,
        period: Period,
    ) -> Result<bool, AppError> {
        Ok(filed.close_started || self.is_closed(org_id, period).await?)
    }

    /// The effective report of each member for a period (R-PLAN-2: the end of each
    /// correction chain).
    pub async fn effective_reports(
        &self,
        org_id: OrgId,
        period: Period,
    ) -> Result<BTreeMap<MemberId, IncomeReport>, AppError> {
        Ok(effective_by_member(self.reports(org_id, period).await?))
    }

    /// R-PLAN-2: files a member's report for a period (or, with `supersedes`, a correction with
    /// its reason). Refused, naming the rule and field, with nothing written: a member who had
    /// left or had not joined, a period in the future, negative revenue, a duplicate, staff
    /// reporting for a micro-entrepreneur (R-ORG-3), a member without a business plan
    /// (R-PLAN-1). A report for a period already closed is adjusted by the next close.
    /// `when` is the day it was filed (checked by [`App::fact_date`]; the period stays the
    /// period).
    ///
    /// Reports of other members filed at the same moment take the period's slot this one
    /// read: it reads again and files on top of them (`retrying!`), never refused for it.
    pub async fn file_report(
        &self,
        org_id: OrgId,
        period: Period,
        input: ReportInput,
        supersedes: Option<(i64, String)>,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<IncomeReport, AppError> {
        let filed_on = self.fact_date(org_id, when).await?;
        retrying!("file_report", {
            self.file_report_once(
                org_id,
                period,
                input.clone(),
                supersedes.clone(),
                filed_on,
                audit,
            )
            .await
        })
    }

    /// One attempt of [`App::file_report`]: read, decide, commit.
    async fn file_report_once(
        &self,
        org_id: OrgId,
        period: Period,
        input: ReportInput,
        supersedes: Option<(i64, String)>,
        filed_on: NaiveDate,
        audit: &Audit,
    ) -> Result<IncomeReport, AppError> {
        let org = self.store().org(org_id).await?;
        let member = self.store().member(org_id, input.member_id).await?;
        let plans = self.member_plans(org_id, input.member_id).await?;
        // Whether the period's close completed, read before the period's turn (one query less
        // while the period's other reports wait): a close records its start in the period's
        // stream and claims its slot before it completes, so a close that completes after this
        // read is seen in the turn as started, or makes the commit lose the slot and read again.
        let closed = self.is_closed(org_id, period).await?;
        let (supersedes, reason) = match supersedes {
            Some((id, reason)) => (Some(id), Some(reason)),
            None => (None, None),
        };
        let new = NewIncomeReport {
            member_id: input.member_id,
            period,
            revenue: Money::new(input.revenue_minor, org.data.currency),
            profit: Money::new(input.profit_minor, org.data.currency),
            reported_by: input.reported_by,
            supersedes,
            reason,
        };
        // The period's reports filed through this process take turns (issue 15's month-end
        // surge) instead of racing for the period's slot, and the one whose turn it is commits
        // those waiting behind it with its own ([`super::report_turn`]).
        let request = ReportRequest {
            new,
            member,
            plans,
            closed,
            filed_on,
            audit: audit.clone(),
        };
        self.report_in_turn(org_id, request).await
    }

    /// R-PLAN-2: corrects a member's effective report of a period with new figures and a
    /// reason (a new report that supersedes it), filed on `when`.
    #[allow(clippy::too_many_arguments)]
    pub async fn correct_report(
        &self,
        org_id: OrgId,
        period: Period,
        input: ReportInput,
        reason: &str,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<IncomeReport, AppError> {
        let filed_on = self.fact_date(org_id, when).await?;
        retrying!("correct_report", {
            let effective = self.effective_reports(org_id, period).await?;
            let Some(old) = effective.get(&input.member_id) else {
                return Err(fund::FundError::rule(
                    "R-PLAN-2",
                    "supersedes",
                    format!(
                        "member {} has no report for {period} to correct",
                        input.member_id
                    ),
                )
                .into());
            };
            self.file_report_once(
                org_id,
                period,
                input.clone(),
                Some((old.id, reason.to_string())),
                filed_on,
                audit,
            )
            .await
        })
    }

    /// Whether a period's close completed for the organisation.
    pub async fn is_closed(&self, org_id: OrgId, period: Period) -> Result<bool, AppError> {
        self.has_event(org_id, &super::close::completed_key(period))
            .await
    }

    /// R-PLAN-2: imports a period's reports from CSV, all or nothing: every bad row (file
    /// errors, unknown members, and every refusal of R-PLAN-2 / R-ORG-3 / R-PLAN-1) is listed
    /// by line and field and nothing is written. Rows identical to a report already filed
    /// count as unchanged, so re-importing a file changes nothing. Staff rows are filed under
    /// `staff_id`; every report is filed on `when` (the day of the import, checked by
    /// [`App::fact_date`]).
    pub async fn import_reports_csv(
        &self,
        org_id: OrgId,
        period: Period,
        csv_text: &str,
        staff_id: i64,
        when: impl Into<FactDate>,
        audit: &Audit,
    ) -> Result<ReportImportOutcome, AppError> {
        let filed_on = self.fact_date(org_id, when).await?;
        retrying!("import_reports_csv", {
            self.import_reports_csv_once(org_id, period, csv_text, staff_id, filed_on, audit)
                .await
        })
    }

    /// One attempt of [`App::import_reports_csv`]: read, decide, commit.
    async fn import_reports_csv_once(
        &self,
        org_id: OrgId,
        period: Period,
        csv_text: &str,
        staff_id: i64,
        filed_on: NaiveDate,
        audit: &Audit,
    ) -> Result<ReportImportOutcome, AppError> {
        let org = self.store().org(org_id).await?;
        let rows = fund::import::parse_reports_csv(csv_text, period, org.data.currency)
            .map_err(|rows| AppError::Rows(rows.iter().map(|r| r.to_string()).collect()))?;
        let members = all_members(self, org_id).await?;
        let by_curp: HashMap<&str, MemberId> = members
            .values()
            .map(|m| (m.data.curp.as_str(), m.id))
            .collect();
        let plans = self.plans(org_id).await?;
        let filed = self.period_reports(org_id, period).await?;
        let mut by_member: HashMap<MemberId, Vec<IncomeReport>> = HashMap::new();
        for r in filed.reports.iter().cloned() {
            by_member.entry(r.member_id).or_default().push(r);
        }
        let mut errors = Vec::new();
        let mut accepted = Vec::new();
        let mut unchanged = 0;
        let mut seen: HashMap<MemberId, usize> = HashMap::new();
        for row in rows {
            let line = row.line;
            let member = match &row.member {
                fund::import::MemberRef::Id(id) => members.get(id),
                fund::import::MemberRef::Curp(c) => {
                    by_curp.get(c.as_str()).and_then(|id| members.get(id))
                }
            };
            let Some(member) = member else {
                errors.push(format!(
                    "line {line}, member_id: no such member in this organisation"
                ));
                continue;
            };
            if let Err(e) = fund::import::check_curp_agrees(&row, member.data.curp.as_str()) {
                errors.push(e.to_string());
                continue;
            }
            if let Some(first) = seen.insert(member.id, line) {
                errors.push(format!(
                    "line {line}, member_id: member {} is already on line {first}",
                    member.id
                ));
                continue;
            }
            let reported_by = if row.by_staff {
                Reporter::Staff { staff_id }
            } else {
                Reporter::Member
            };
            let same = by_member.get(&member.id).map(Vec::as_slice).unwrap_or(&[]);
            if same.iter().any(|r| {
                r.supersedes.is_none()
                    && r.revenue == row.revenue
                    && r.profit == row.profit
                    && r.reported_by == reported_by
            }) {
                unchanged += 1;
                continue;
            }
            if let Err(e) = check_plan(&plans, member.id, period) {
                errors.push(format!("line {line}, {e}"));
                continue;
            }
            let new = NewIncomeReport {
                member_id: member.id,
                period,
                revenue: row.revenue,
                profit: row.profit,
                reported_by,
                supersedes: None,
                reason: None,
            };
            match fund::accept_report(0, new, member, same, filed_on) {
                Ok(r) => accepted.push(r),
                Err(e) => errors.push(format!("line {line}, {e}")),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Rows(errors));
        }
        if accepted.is_empty() {
            return Ok(ReportImportOutcome {
                created: 0,
                unchanged,
            });
        }
        let late = self.is_late(org_id, &filed, period).await?;
        let refs: Vec<&IncomeReport> = accepted.iter().collect();
        let committed = self
            .store()
            .commit(
                org_id,
                &Commit {
                    events: report_events(&refs, late, filed.slot, audit)?,
                    ..Commit::default()
                },
            )
            .await?;
        let created = committed
            .events
            .iter()
            .take(accepted.len())
            .filter(|(_, c)| *c)
            .count();
        Ok(ReportImportOutcome {
            created,
            unchanged: unchanged + accepted.len() - created,
        })
    }
}

/// R-PLAN-1: a report needs the member's business plan (its baseline makes the increment).
pub(super) fn check_plan(
    plans: &[fund::BusinessPlan],
    member_id: MemberId,
    period: Period,
) -> Result<(), AppError> {
    if plan_for(plans, member_id, period.last_day()).is_none() {
        return Err(fund::FundError::rule(
            "R-PLAN-1",
            "member_id",
            format!("member {member_id} has no business plan agreed by the end of {period}"),
        )
        .into());
    }
    Ok(())
}

/// The events of accepted reports, plus one `report.late` marker when the period is closed
/// or a report corrects another (the next close adjusts the period).
///
/// `filed_before` is the period's slot the caller read before this commit (see
/// [`report_slot`]), which the commit claims.
pub(crate) fn report_events(
    reports: &[&IncomeReport],
    period_closed: bool,
    filed_before: usize,
    audit: &Audit,
) -> Result<Vec<NewEvent>, AppError> {
    let each: Vec<(&IncomeReport, &Audit)> = reports.iter().map(|r| (*r, audit)).collect();
    report_events_by(&each, period_closed, filed_before)
}

/// [`report_events`] of reports filed by different people (a group commit,
/// [`super::report_turn`]): each report's event names its own; the slot and the late marker
/// name the first report's.
pub(crate) fn report_events_by(
    reports: &[(&IncomeReport, &Audit)],
    period_closed: bool,
    filed_before: usize,
) -> Result<Vec<NewEvent>, AppError> {
    let mut events = Vec::with_capacity(reports.len() + 2);
    let mut late: Option<(String, Period)> = None;
    for (r, audit) in reports {
        let key = report_key(r);
        if (period_closed || r.supersedes.is_some()) && late.is_none() {
            late = Some((key.clone(), r.period));
        }
        events.push(event(
            &reports_stream(r.period),
            REPORT_KIND,
            key,
            &ReportDto::of(r),
            audit,
        )?);
    }
    if let Some((first, audit)) = reports.first() {
        events.push(report_slot(
            first.period,
            filed_before,
            &report_key(first),
            audit,
        )?);
        if let Some((key, period)) = late {
            events.push(event(
                LATE_STREAM,
                "report.late",
                format!("late:{key}"),
                &LatePayload {
                    period: period.to_string(),
                },
                audit,
            )?);
        }
    }
    Ok(events)
}

/// The slot a commit touching a period's reports claims: how many reports and close starts
/// its writer read first (`App::period_reports`). A report commit and a close that start
/// from the same reports claim the same slot, so the store takes only one of them (the other gets a conflict and starts again):
/// a report filed while its period is being closed is either in the close, or sees the
/// close started and is marked late (adjusted by the next close). Never lost.
pub(crate) fn report_slot(
    period: Period,
    filed_before: usize,
    act_key: &str,
    audit: &Audit,
) -> Result<NewEvent, AppError> {
    event(
        &reports_stream(period),
        "report.slot",
        format!("reports:{period}:slot:{filed_before}"),
        &act_key,
        audit,
    )
}

/// A period's reports stream as one read (see `App::period_reports`).
#[derive(Debug, Default)]
pub struct PeriodReports {
    pub reports: Vec<IncomeReport>,
    /// Reports and close starts read: the slot the next commit claims.
    pub slot: usize,
    pub close_started: bool,
}

impl PeriodReports {
    /// Folds the next event of the period's stream.
    pub(crate) fn apply(
        &mut self,
        e: &store::StoredEvent,
        period: Period,
        currency: Currency,
    ) -> Result<(), AppError> {
        match e.event.kind.as_str() {
            REPORT_KIND => {
                let dto: ReportDto = parse_payload(e)?;
                self.reports.push(dto.into_report(e.seq, period, currency));
                self.slot += 1;
            }
            super::close::STARTED_KIND => {
                self.slot += 1;
                self.close_started = true;
            }
            _ => {}
        }
        Ok(())
    }
}

/// The effective report per member (R-PLAN-2).
pub(crate) fn effective_by_member(reports: Vec<IncomeReport>) -> BTreeMap<MemberId, IncomeReport> {
    let mut by_member: BTreeMap<MemberId, Vec<IncomeReport>> = BTreeMap::new();
    for r in reports {
        by_member.entry(r.member_id).or_default().push(r);
    }
    by_member
        .into_iter()
        .filter_map(|(m, all)| fund::effective_report(&all).cloned().map(|r| (m, r)))
        .collect()
}
