//! A period's reports filed in its turn, several in one commit (group commit, issue 15).
//!
//! Reports of one period take turns ([`crate::kept_stream`]): each commit claims the period's
//! slot (R-PLAN-2 with the close, see [`super::reports::report_slot`]). One commit per turn made
//! a month-end surge's 16 writers wait for each other's commits (a report's p99 was 16 turns).
//! Now a report waits in the period's [`TurnQueue`]; the writer that gets the turn takes every
//! report queued behind it, decides each on its own against the period's kept reports and the
//! ones accepted before it in the batch (a refused one is answered with its own error and left
//! out; the same first report twice is one report), and commits the accepted ones in ONE commit
//! with one slot claim, as `import_reports_csv` does; then it answers each waiter with its own
//! report (its own event's seq). The slot still orders the batch against a close exactly as it
//! orders one report: the close either counted none of the batch or the batch sees it started
//! and every report of it is marked late. When the batch's commit fails, none is answered with
//! another's failure: each files again alone, in a turn of its own, and gets its own answer (a
//! lone report's failure is its own). The batch runs in its own task, so a writer whose request
//! is dropped half-way (a client gone) never leaves the others unanswered.

use super::reports::{check_plan, report_events_by, PeriodReports};
use super::Audit;
use crate::kept_stream::Kept;
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::{IncomeReport, NewIncomeReport, Period};
use registry::Member;
use store::{Commit, OrgId};
use tokio::sync::{oneshot, OwnedMutexGuard};

/// One report waiting for its period's turn, with what its writer read before the turn.
#[derive(Debug, Clone)]
pub(crate) struct ReportRequest {
    pub new: NewIncomeReport,
    pub member: Member,
    pub plans: Vec<fund::BusinessPlan>,
    /// Whether the writer saw the period's close completed (read before the turn).
    pub closed: bool,
    pub filed_on: NaiveDate,
    pub audit: Audit,
}

/// What the turn's holder answers a waiting writer.
#[derive(Debug)]
pub(crate) enum Answer {
    /// The writer's own outcome.
    Done(Result<IncomeReport, AppError>),
    /// The batch's commit failed: file again, alone.
    Alone,
}

pub(crate) type Waiter = (ReportRequest, oneshot::Sender<Answer>);

/// How one request of a batch was decided.
enum Decided {
    /// A report already filed (the same first report again).
    Filed(IncomeReport),
    /// The `i`-th report accepted in this batch (its own, or the same first report as it).
    Batch(usize),
}

impl App {
    /// Files `request` in its period's turn: queued behind the period's other waiting reports
    /// and committed with them, or, when their commit failed, again in a turn and a commit of
    /// its own.
    pub(crate) async fn report_in_turn(
        &self,
        org_id: OrgId,
        request: ReportRequest,
    ) -> Result<IncomeReport, AppError> {
        let answer = match self.take_turn(org_id, request.clone(), true).await? {
            Answer::Alone => self.take_turn(org_id, request, false).await?,
            answer => answer,
        };
        match answer {
            Answer::Done(outcome) => outcome,
            // A turn of its own always answers its one request.
            Answer::Alone => Err(AppError::Integrity(
                "a report filed alone was not answered".to_string(),
            )),
        }
    }

    /// Waits for the period's turn (or, `grouped`, for a turn holder's answer), then decides
    /// and commits what waits, in a task of its own, and returns this request's answer.
    async fn take_turn(
        &self,
        org_id: OrgId,
        request: ReportRequest,
        grouped: bool,
    ) -> Result<Answer, AppError> {
        let period = request.new.period;
        let currency = request.new.revenue.currency();
        let stream = super::reports_stream(period);
        let (answer, mut answered) = oneshot::channel();
        let turn = self
            .kept_periods
            .lock(self, org_id, &stream, move |filed, e| {
                filed.apply(e, period, currency)
            });
        let (kept, batch) = if grouped {
            let queued = self.report_queue.push(org_id, &stream, (request, answer));
            tokio::select! {
                biased;
                got = &mut answered => return Ok(got.unwrap_or(Answer::Alone)),
                kept = turn => {
                    let kept = kept?;
                    (kept, queued.drain())
                }
            }
        } else {
            (turn.await?, vec![(request, answer)])
        };
        if batch.is_empty() {
            drop(kept);
        } else {
            let app = self.clone();
            tokio::spawn(async move { app.commit_batch(org_id, period, kept, batch).await });
        }
        Ok(answered.await.unwrap_or(Answer::Alone))
    }

    /// Decides each waiting report against the period's kept reports and the batch, commits
    /// the accepted ones in one commit claiming the period's slot once, and answers each.
    async fn commit_batch(
        &self,
        org_id: OrgId,
        period: Period,
        kept: OwnedMutexGuard<Kept<PeriodReports>>,
        batch: Vec<Waiter>,
    ) {
        let filed = &kept.value;
        let late = filed.close_started || batch.iter().any(|(r, _)| r.closed);
        let mut accepted: Vec<(IncomeReport, Audit)> = Vec::new();
        let mut waiting: Vec<(oneshot::Sender<Answer>, usize)> = Vec::new();
        for (request, answer) in batch {
            match decide(filed, &mut accepted, request) {
                Ok(Decided::Batch(i)) => waiting.push((answer, i)),
                Ok(Decided::Filed(report)) => {
                    let _ = answer.send(Answer::Done(Ok(report)));
                }
                Err(e) => {
                    let _ = answer.send(Answer::Done(Err(e)));
                }
            }
        }
        if accepted.is_empty() {
            return;
        }
        let committed = async {
            let each: Vec<(&IncomeReport, &Audit)> = accepted.iter().map(|(r, a)| (r, a)).collect();
            let events = report_events_by(&each, late, filed.slot)?;
            let commit = Commit {
                events,
                ..Commit::default()
            };
            Ok::<_, AppError>(self.store().commit(org_id, &commit).await?)
        }
        .await;
        drop(kept);
        match committed {
            Ok(committed) => {
                for (answer, i) in waiting {
                    let seq = committed.events.get(i).map_or(0, |(seq, _)| *seq);
                    let report = IncomeReport {
                        id: seq,
                        ..accepted[i].0.clone()
                    };
                    let _ = answer.send(Answer::Done(Ok(report)));
                }
            }
            // Alone in the commit: the failure is its own.
            Err(e) if waiting.len() == 1 => {
                if let Some((answer, _)) = waiting.pop() {
                    let _ = answer.send(Answer::Done(Err(e)));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, reports = waiting.len(), %period, "a batch of reports failed; each files alone");
                for (answer, _) in waiting {
                    let _ = answer.send(Answer::Alone);
                }
            }
        }
    }
}

/// Decides one waiting report (R-PLAN-2, R-PLAN-1, R-ORG-3) against the period's reports and
/// those accepted before it in the batch, adding it to `accepted` when it is new.
fn decide(
    filed: &PeriodReports,
    accepted: &mut Vec<(IncomeReport, Audit)>,
    request: ReportRequest,
) -> Result<Decided, AppError> {
    let new = request.new;
    // Filing exactly the same first report again is a replay, not a duplicate.
    let same = |r: &IncomeReport| {
        r.member_id == new.member_id
            && r.supersedes.is_none()
            && r.revenue == new.revenue
            && r.profit == new.profit
            && r.reported_by == new.reported_by
    };
    if new.supersedes.is_none() {
        if let Some(r) = filed.reports.iter().find(|r| same(r)) {
            return Ok(Decided::Filed(r.clone()));
        }
        if let Some(i) = accepted.iter().position(|(r, _)| same(r)) {
            return Ok(Decided::Batch(i));
        }
    }
    check_plan(&request.plans, new.member_id, new.period)?;
    let members: Vec<IncomeReport> = filed
        .reports
        .iter()
        .chain(accepted.iter().map(|(r, _)| r))
        .filter(|r| r.member_id == new.member_id)
        .cloned()
        .collect();
    let report = fund::accept_report(0, new, &request.member, &members, request.filed_on)?;
    accepted.push((report, request.audit));
    Ok(Decided::Batch(accepted.len() - 1))
}
