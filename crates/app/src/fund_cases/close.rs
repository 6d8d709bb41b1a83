//! The period close (R-FUND-1, R-FUND-2, R-PLAN-3, R-PLAN-4) for one organisation or all, and
//! settling what it made owed.
//!
//! # What one organisation's close does
//! 1. Refuses a period that has not ended. If `close:{period}:completed` exists, says so and
//!    writes nothing ("closing a closed period changes nothing").
//! 2. Reads the period's reports and the report slot (`reports::report_slot`). Its first
//!    commit records `close:{period}:started` in the period's reports stream and claims that
//!    slot, so a report filed meanwhile is either in this close (the commit conflicts, and
//!    the close reads and computes again) or marked late (adjusted by the next close), never
//!    lost.
//!    Streams what it needs from the event log: the plans (baselines, R-PLAN-1), the period's
//!    reports (effective ones, R-PLAN-2), what earlier closes posted (the `fund` stream), the
//!    late-report markers.
//! 3. Computes with [`fund::compute_close`] the period's lines, and for every earlier CLOSED
//!    period with a late report or correction, its lines again against what was posted: the
//!    differences are adjusting entries, dated this close (never edits).
//! 4. Flags active plans with no positive increment over the window (R-PLAN-4) as
//!    `plan.review-flagged` events.
//! 5. Posts: the entries are booked per group of members ([`fund::close_entries`]: one
//!    contribution and one profit-share entry per group, a posting per member). When the
//!    close fits in one commit (the usual case: up to 5,000 members with something to post)
//!    it is ONE atomic commit: the lines as `close.lines` events, their entries, the flags and
//!    `close.completed`.
//!    Larger organisations are committed in chunks of at most 5,000 members, each chunk
//!    atomic (its entries together with the `close.lines` events that record them), then a
//!    final commit with the flags and `close.completed`. A close killed between chunks
//!    is resumable to the same result: a re-run sees the committed chunks' lines as posted
//!    (their members compute to no change), commits the rest, and the entry and event keys
//!    (derived from the chunk's content) are deterministic, so nothing is posted twice.
//!    Until `close.completed` exists the period counts as open.
//!
//! Every entry of a close is dated the last day of the period closed (not the wall clock), so
//! re-running on another day gives identical entries.
//!
//! `close_all` runs organisations in parallel with bounded concurrency; each is independent.

use super::plans::{plan_for, plans_by_member, review_flags};
use super::reports::{effective_by_member, LatePayload};
use super::{
    chunk_by_size, claim_fund_slot, event, parse_payload, Audit, CloseCompleted, CloseLinesPayload,
    FUND_STREAM, LATE_STREAM, PAYLOAD_BUDGET, PLANS_STREAM,
};
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::{Accrual, CloseLine, CloseRow, Period, ReportFigures, Split};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use store::{Commit, MemberId, NewEvent, OrgId, MAX_BATCH_ENTRIES};

/// The key of the event that marks a period closed in an organisation.
pub fn completed_key(period: Period) -> String {
    format!("close:{period}:completed")
}

/// The key of the event that marks a period's close started: reports filed from then on
/// are late (adjusted by the next close).
pub fn started_key(period: Period) -> String {
    format!("close:{period}:started")
}

/// The kind of that event (in the period's reports stream, where it takes a slot).
pub(crate) const STARTED_KIND: &str = "close.started";

/// Members per chunk when an organisation's close does not fit one commit.
pub const CLOSE_CHUNK_MEMBERS: usize = MAX_BATCH_ENTRIES / 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseOptions {
    /// Compute and report, write nothing.
    pub preview: bool,
    /// Organisations closed at the same time by `close_all`.
    pub concurrency: usize,
    /// Members per commit when an organisation's close does not fit one commit (at most
    /// [`CLOSE_CHUNK_MEMBERS`]; tests lower it to exercise the chunked, resumable path).
    pub chunk_members: usize,
}

impl Default for CloseOptions {
    fn default() -> Self {
        CloseOptions {
            preview: false,
            concurrency: 4,
            chunk_members: CLOSE_CHUNK_MEMBERS,
        }
    }
}

/// What one organisation's close did (or, in preview, would do).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrgCloseReport {
    pub org_id: OrgId,
    pub period: String,
    /// The period was closed before: nothing was written.
    pub already_closed: bool,
    pub preview: bool,
    pub members_reporting: u64,
    pub members_above_baseline: u64,
    /// Reports of members without a business plan (not closed; R-PLAN-1).
    pub without_plan: u64,
    pub new_revenue_minor: i64,
    /// R-FUND-1/2: contributions the period made owed, per sub-fund.
    pub contribution: Split,
    /// R-PLAN-3: the ODF's profit share the period made owed.
    pub profit_share_minor: i64,
    /// Earlier closed periods adjusted for late reports or corrections.
    pub adjusted_periods: Vec<String>,
    pub adjustment_lines: u64,
    pub adjustment_contribution: Split,
    pub adjustment_profit_share_minor: i64,
    /// R-PLAN-4: (plan id, member id) of plans flagged for review.
    pub plans_flagged: Vec<(i64, MemberId)>,
    /// R-PLAN-4: those of `plans_flagged` the close of the period before would not have
    /// flagged (their window then still had a positive increment, or began before the plan).
    pub plans_newly_flagged: Vec<(i64, MemberId)>,
    /// Members with a business plan for the period and no report of it (whom staff may
    /// still remind before closing; a report filed later is adjusted by the next close).
    pub not_reported: Vec<MemberId>,
    /// Entries this run posted (or would post, in preview).
    pub entries: usize,
    pub commits: usize,
}

/// A late or adjusting line, or a line of the period: the period it accrues for.
fn line_array(line: &CloseLine) -> [i64; 5] {
    [
        line.member_id,
        line.delta_contribution.development_minor,
        line.delta_contribution.competition_minor,
        line.delta_profit_share_minor,
        line.adjustment.map_or(0, i64::from),
    ]
}

/// The `close.lines` events of some work items (grouped by the period they accrue for,
/// chunked under the payload budget); keys derive from the content.
fn line_events(
    closing: Period,
    work: &[Accrual],
    audit: &Audit,
) -> Result<Vec<NewEvent>, AppError> {
    let mut by_period: BTreeMap<Period, Vec<[i64; 5]>> = BTreeMap::new();
    for w in work {
        by_period
            .entry(w.period)
            .or_default()
            .push(line_array(&w.line));
    }
    let mut events = Vec::new();
    for (period, lines) in by_period {
        for chunk in chunk_by_size(lines, PAYLOAD_BUDGET) {
            let payload = CloseLinesPayload {
                period: period.to_string(),
                lines: chunk,
            };
            let text = serde_json::to_string(&payload)
                .map_err(|e| AppError::Integrity(format!("close lines: {e}")))?;
            let first = payload.lines.first().map_or(0, |l| l[0]);
            let last = payload.lines.last().map_or(0, |l| l[0]);
            let key = format!(
                "close:{closing}:lines:{period}:{first}-{last}:{}:{:016x}",
                payload.lines.len(),
                fund::content_hash(&text)
            );
            events.push(event(FUND_STREAM, "close.lines", key, &payload, audit)?);
        }
    }
    Ok(events)
}

/// The report of a close whose last commit (ending with `close.completed`) is `committed`: when
/// that completion was committed before, by a close that ran at the same moment on the same
/// reports, this close wrote nothing and says the period was closed already.
fn closed_by(mut report: OrgCloseReport, committed: &store::Committed) -> OrgCloseReport {
    if committed.events.last().is_some_and(|(_, created)| !created) {
        report.already_closed = true;
    }
    report
}

#[derive(Serialize)]
struct FlagPayload {
    plan_id: i64,
    member_id: MemberId,
    periods: Vec<String>,
}

impl App {
    /// Closes `period` for one organisation (see the module documentation). `today` only
    /// decides whether the period is over; entries are dated the period's last day.
    ///
    /// A report committed while the close computed took the period's report slot the close
    /// claims, so the close's commit conflicts: it reads again and computes again
    /// (`retrying!`), now with that report. Of closes sent at the same moment one closes;
    /// the others find its completion (a replay, or on reading again) and answer
    /// `already_closed`.
    pub async fn close_period(
        &self,
        org_id: OrgId,
        period: Period,
        today: NaiveDate,
        options: CloseOptions,
        audit: &Audit,
    ) -> Result<OrgCloseReport, AppError> {
        retrying!("close_period", {
            self.close_period_once(org_id, period, today, options, audit)
                .await
        })
    }

    async fn close_period_once(
        &self,
        org_id: OrgId,
        period: Period,
        today: NaiveDate,
        options: CloseOptions,
        audit: &Audit,
    ) -> Result<OrgCloseReport, AppError> {
        // R-FUND-1, R-PLAN-3, R-PLAN-4: the rates and the window in force on the period's
        // first day (issue 16: a close of March uses March's settings).
        let settings = self.fund_settings_on(org_id, period.first_day()).await?;
        let mut report = OrgCloseReport {
            org_id,
            period: period.to_string(),
            preview: options.preview,
            ..OrgCloseReport::default()
        };
        if period.end_exclusive() > today {
            return Err(fund::FundError::rule(
                "R-PLAN-2",
                "period",
                format!(
                    "{period} is not over on {today}; it can be closed from {}",
                    period.end_exclusive()
                ),
            )
            .into());
        }
        let founded_on = self.store().org(org_id).await?.data.founded_on;
        if period.last_day() < founded_on {
            return Err(fund::FundError::rule(
                "R-PLAN-2",
                "period",
                format!("{period} ended before the organisation was founded on {founded_on}"),
            )
            .into());
        }
        // Issue 16: the contributions of a period that ended by the opening day are in the
        // opening position; closing it would count them twice.
        if let Some(opening) = self.opening(org_id).await? {
            if period.last_day() <= opening.as_of {
                return Err(fund::FundError::rule(
                    "R-PLAN-2",
                    "period",
                    format!(
                        "{period} ended by the opening position's day ({}); it is in the opening",
                        opening.as_of
                    ),
                )
                .into());
            }
        }
        // The Fund (whose slot the close's commits claim) and the period's reports (whose
        // slot it claims too) are read before the completion is looked up: a close of the
        // same period committed after these reads then claims the same slots with the same
        // data (a replay), and one committed before is found here.
        let book = self.fund_book(org_id).await?;
        let (filed, started) = self.start_close(org_id, period, options, audit).await?;
        if let Ok(done) = self
            .store()
            .event_by_key(org_id, &completed_key(period))
            .await
        {
            let c: CloseCompleted = parse_payload(&done)?;
            report.already_closed = true;
            report.members_reporting = c.members_reporting;
            report.members_above_baseline = c.members_above_baseline;
            report.new_revenue_minor = c.new_revenue_minor;
            report.contribution = c.contribution;
            report.profit_share_minor = c.profit_share_minor;
            return Ok(report);
        }
        let plans = plans_by_member(self.plans(org_id).await?);
        let date = period.last_day();

        // The period's own lines.
        let mut reports_by_period: BTreeMap<Period, BTreeMap<MemberId, fund::IncomeReport>> =
            BTreeMap::new();
        let current = effective_by_member(filed);
        let rows = |reports: &BTreeMap<MemberId, fund::IncomeReport>,
                    p: Period,
                    without_plan: &mut u64| {
            let mut rows = Vec::with_capacity(reports.len());
            for (member_id, r) in reports {
                let Some(plan) = plans
                    .get(member_id)
                    .and_then(|ps| plan_for(ps, *member_id, p.last_day()))
                else {
                    *without_plan += 1;
                    continue;
                };
                rows.push(CloseRow {
                    member_id: *member_id,
                    baseline_revenue_minor: plan.baseline_revenue.amount_minor(),
                    baseline_profit_minor: plan.baseline_profit.amount_minor(),
                    report: Some(ReportFigures {
                        revenue_minor: r.revenue.amount_minor(),
                        profit_minor: r.profit.amount_minor(),
                    }),
                    posted: book.posted.get(&(p, *member_id)).copied(),
                });
            }
            rows
        };
        report.not_reported = plans
            .iter()
            .filter(|(member_id, ps)| {
                !current.contains_key(member_id) && plan_for(ps, **member_id, date).is_some()
            })
            .map(|(member_id, _)| *member_id)
            .collect();
        let mut without_plan = 0;
        let period_rows = rows(&current, period, &mut without_plan);
        report.without_plan = without_plan;
        let computed = fund::compute_close(&settings, period, &period_rows)?;
        let t = computed.totals;
        report.members_reporting = t.reported;
        report.members_above_baseline = t.above_baseline;
        report.new_revenue_minor = i64::try_from(t.new_revenue_minor).unwrap_or(i64::MAX);
        report.contribution = t.contribution;
        report.profit_share_minor = t.profit_share_minor;

        // Adjustments of earlier closed periods with late reports or corrections.
        let mut late: BTreeSet<Period> = BTreeSet::new();
        for e in self.read_stream(org_id, Some(LATE_STREAM)).await? {
            let p: LatePayload = parse_payload(&e)?;
            let q = Period::parse(&p.period, settings.period)?;
            if q < period && book.completed.contains_key(&q) {
                late.insert(q);
            }
        }
        let mut work: Vec<Accrual> = Vec::new();
        for q in late {
            let reports = effective_by_member(self.reports(org_id, q).await?);
            let mut ignored = 0;
            let q_rows = rows(&reports, q, &mut ignored);
            let q_settings = self.fund_settings_on(org_id, q.first_day()).await?;
            let lines = fund::compute_close(&q_settings, q, &q_rows)?;
            let mut any = false;
            for line in lines.lines.into_iter().filter(|l| !l.is_noop()) {
                any = true;
                report.adjustment_lines += 1;
                report.adjustment_contribution =
                    report.adjustment_contribution.plus(line.delta_contribution);
                report.adjustment_profit_share_minor += line.delta_profit_share_minor;
                work.push(Accrual { period: q, line });
            }
            if any {
                report.adjusted_periods.push(q.to_string());
            }
            reports_by_period.insert(q, reports);
        }
        work.extend(
            computed
                .lines
                .into_iter()
                .filter(|l| !l.is_noop())
                .map(|line| Accrual { period, line }),
        );

        // R-PLAN-4: plans with no positive increment over the window; newly flagged when the
        // window ending with the period before did not flag them (one more period read).
        let window = settings.inadequate_plan_periods;
        reports_by_period.insert(period, current);
        self.window_reports(org_id, period, window + 1, &mut reports_by_period)
            .await?;
        let flags = review_flags(&plans, period, window, &reports_by_period);
        let before: BTreeSet<i64> = review_flags(&plans, period.prev(), window, &reports_by_period)
            .iter()
            .map(|f| f.plan_id)
            .collect();
        for f in &flags {
            report.plans_flagged.push((f.plan_id, f.member_id));
            if !before.contains(&f.plan_id) {
                report.plans_newly_flagged.push((f.plan_id, f.member_id));
            }
        }

        // Entries, then commits.
        let entries = fund::close_entries(&settings, period, &work, date)?;
        report.entries = entries.len();
        let mut finals = Vec::with_capacity(flags.len() + 1);
        for f in &flags {
            finals.push(event(
                PLANS_STREAM,
                "plan.review-flagged",
                format!("plan:{}:flag:{period}", f.plan_id),
                &FlagPayload {
                    plan_id: f.plan_id,
                    member_id: f.member_id,
                    periods: f.periods.iter().map(|p| p.to_string()).collect(),
                },
                audit,
            )?);
        }
        finals.push(event(
            FUND_STREAM,
            "close.completed",
            completed_key(period),
            &CloseCompleted {
                period: period.to_string(),
                members_reporting: t.reported,
                members_above_baseline: t.above_baseline,
                new_revenue_minor: report.new_revenue_minor,
                contribution: t.contribution,
                profit_share_minor: t.profit_share_minor,
                plans_flagged: flags.len() as u64,
                closed_on: Some(today),
            },
            audit,
        )?);
        if options.preview {
            return Ok(report);
        }
        let accounts = fund::fund_extra_accounts();
        let chunk_members = options.chunk_members.clamp(1, CLOSE_CHUNK_MEMBERS);
        let one_commit = work.len() <= chunk_members;
        let all_lines = if one_commit {
            line_events(period, &work, audit)?
        } else {
            Vec::new()
        };
        // (+1: the Fund's slot.)
        if one_commit && started.len() + all_lines.len() + finals.len() < store::MAX_COMMIT_EVENTS {
            let mut events = started;
            events.extend(all_lines);
            events.extend(finals);
            let commit = Commit {
                accounts,
                events,
                entries,
            };
            let mut fund = book;
            let committed = self
                .commit_close(org_id, &mut fund, commit, &work, audit)
                .await?;
            report.commits = 1;
            return Ok(closed_by(report, &committed));
        }
        // Large organisation: atomic chunks, then the completion (resumable, see above).
        // Each chunk books its own entries (keys from the chunk's content).
        drop(entries);
        report.entries = 0;
        // The first commit records the start (and claims the slot). Each commit that adds
        // `fund` events claims the Fund's next slot (`commit_close`).
        let mut started = Some(started);
        let mut fund = book;
        for chunk in work.chunks(chunk_members) {
            let entries = fund::close_entries(&settings, period, chunk, date)?;
            report.entries += entries.len();
            let mut events = started.take().unwrap_or_default();
            events.extend(line_events(period, chunk, audit)?);
            let commit = Commit {
                accounts: accounts.clone(),
                events,
                entries,
            };
            self.commit_close(org_id, &mut fund, commit, chunk, audit)
                .await?;
            report.commits += 1;
        }
        if let Some(started) = started.filter(|s| !s.is_empty()) {
            self.store()
                .commit(
                    org_id,
                    &Commit {
                        events: started,
                        ..Commit::default()
                    },
                )
                .await?;
            report.commits += 1;
        }
        let mut last = None;
        for chunk in finals.chunks(store::MAX_COMMIT_EVENTS - 1) {
            let commit = Commit {
                events: chunk.to_vec(),
                ..Commit::default()
            };
            last = Some(
                self.commit_close(org_id, &mut fund, commit, &[], audit)
                    .await?,
            );
            report.commits += 1;
        }
        Ok(match last {
            Some(committed) => closed_by(report, &committed),
            None => report,
        })
    }

    /// Commits one of the close's commits, claiming the Fund's slot at `fund.events_read`
    /// (`fund` is the `fund` stream as the close read it plus what it committed since, to
    /// which `work`'s lines are added once committed). The close decides only on what closes
    /// posted and completed, never on the trust's cash or what members paid, so when another
    /// writer of the Fund (a grant, a payment, the daily run) took that slot meanwhile,
    /// nothing the close decided changed: it reads the Fund again and, finding the same
    /// closes, claims the next slot, so a busy Fund never starves a long close. Any other
    /// conflict, or another close's lines or completion, goes back to `retrying!`, which
    /// computes the close again.
    async fn commit_close(
        &self,
        org_id: OrgId,
        fund: &mut super::FundBook,
        mut commit: Commit,
        work: &[Accrual],
        audit: &Audit,
    ) -> Result<store::Committed, AppError> {
        let mut lost = 0;
        loop {
            let added = claim_fund_slot(&mut commit, fund.events_read, audit)?;
            let err = match self.store().commit(org_id, &commit).await {
                Ok(done) => {
                    fund.events_read += added;
                    for w in work {
                        fund.apply_lines(w.period, &[line_array(&w.line)]);
                    }
                    return Ok(done);
                }
                Err(e) => AppError::from(e),
            };
            lost += 1;
            let slot_lost = err
                .contended_key()
                .is_some_and(|k| k.starts_with("fund:slot:"));
            if !slot_lost || lost >= crate::retry::MAX_ATTEMPTS {
                return Err(err);
            }
            let again = self.fund_book(org_id).await?;
            if again.posted != fund.posted || again.completed != fund.completed {
                return Err(err);
            }
            tracing::debug!(
                lost,
                "close: a Fund operation took the slot; claiming the next"
            );
            fund.events_read = again.events_read;
            // The slot claimed is the commit's first event.
            if added > 0 {
                commit.events.remove(0);
            }
        }
    }

    /// The period's reports as the close sees them, and (unless previewing, or the close
    /// started before) the events that record that the close started, claiming the period's
    /// report slot: the close commits them with its first commit, so a report committed
    /// meanwhile took that slot and the close conflicts and starts again (see `report_slot`);
    /// a report filed after the start is marked late.
    async fn start_close(
        &self,
        org_id: OrgId,
        period: Period,
        options: CloseOptions,
        audit: &Audit,
    ) -> Result<(Vec<fund::IncomeReport>, Vec<NewEvent>), AppError> {
        let filed = self.period_reports(org_id, period).await?;
        // Started before (a close killed between its chunks, or one that lost the Fund's slot
        // between them and reads again): reports filed since are late already, and the start
        // is not recorded twice.
        if options.preview || filed.close_started {
            return Ok((filed.reports, Vec::new()));
        }
        let key = started_key(period);
        let events = vec![
            event(
                &super::reports_stream(period),
                STARTED_KIND,
                key.clone(),
                &period.to_string(),
                audit,
            )?,
            super::reports::report_slot(period, filed.slot, &key, audit)?,
        ];
        Ok((filed.reports, events))
    }

    /// Closes `period` for every organisation, `options.concurrency` at a time. Each
    /// organisation's outcome is reported on its own; one failing does not stop the others.
    pub async fn close_all(
        &self,
        period: Period,
        today: NaiveDate,
        options: CloseOptions,
        audit: &Audit,
    ) -> Result<Vec<(store::Org, Result<OrgCloseReport, AppError>)>, AppError> {
        let orgs = self.store().orgs().await?;
        let limit = Arc::new(tokio::sync::Semaphore::new(
            options.concurrency.clamp(1, 64),
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, org) in orgs.into_iter().enumerate() {
            let app = self.clone();
            let audit = audit.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let outcome = app
                    .close_period(org.id, period, today, options, &audit)
                    .await;
                (index, org, outcome)
            });
        }
        let mut out = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(r) => out.push(r),
                Err(e) => return Err(AppError::Integrity(format!("close task: {e}"))),
            }
        }
        out.sort_by_key(|(i, _, _)| *i);
        Ok(out.into_iter().map(|(_, o, r)| (o, r)).collect())
    }
}
