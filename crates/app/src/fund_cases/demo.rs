//! The demo union's year of the Fund (`demo::fund`): plans, twelve months of reports, each
//! month closed, collected quarterly, grants, a temporary contribution and Competition spending
//! under board decisions. Every step is idempotent (deterministic keys and dates, replays are
//! no-ops), so loading the demo twice changes nothing.

use super::plans::PlanDto;
use super::reports::{report_events, ReportInput};
use super::{event, Audit, CloseOptions, PLANS_STREAM};
use crate::{App, AppError};
use chrono::{Days, NaiveDate};
use fund::{CompetitionCategory, NewBusinessPlan, Period, PeriodSettings, Reporter, Target};
use ledger::Money;
use registry::{NewMember, Role};
use std::collections::HashSet;
use store::{Commit, MemberId, OrgId, MAX_COMMIT_EVENTS};

impl App {
    /// R-PLAN-1 in bulk: agrees the plans of members who have none, in commits of at most
    /// `MAX_COMMIT_EVENTS`. Each plan is checked by the rule; returns how many were agreed.
    pub async fn agree_plans_bulk(
        &self,
        org_id: OrgId,
        plans: Vec<(NewBusinessPlan, NaiveDate)>,
        audit: &Audit,
    ) -> Result<usize, AppError> {
        let existing = self.plans(org_id).await?;
        let with_plan: HashSet<MemberId> = existing.iter().map(|p| p.member_id).collect();
        let mut next = existing.iter().map(|p| p.id).max().unwrap_or(0) + 1;
        let mut events = Vec::new();
        for (new, on) in plans {
            if with_plan.contains(&new.member_id) {
                continue;
            }
            let plan = fund::agree_plan(next, new, on)?;
            events.push(event(
                PLANS_STREAM,
                "plan.agreed",
                format!("plan:{next}:agreed"),
                &PlanDto::of(&plan),
                audit,
            )?);
            next += 1;
        }
        let created = events.len();
        for chunk in events.chunks(MAX_COMMIT_EVENTS) {
            self.store()
                .commit(
                    org_id,
                    &Commit {
                        events: chunk.to_vec(),
                        ..Commit::default()
                    },
                )
                .await?;
        }
        Ok(created)
    }

    /// R-PLAN-2 in bulk, for loaders: first reports of members who have none for the period
    /// (each checked by the rule), in commits of at most `MAX_COMMIT_EVENTS` - 1.
    pub async fn file_reports_bulk(
        &self,
        org_id: OrgId,
        period: Period,
        inputs: Vec<ReportInput>,
        today: NaiveDate,
        audit: &Audit,
    ) -> Result<usize, AppError> {
        let org = self.store().org(org_id).await?;
        let members = super::reports::all_members(self, org_id).await?;
        let filed = self.period_reports(org_id, period).await?;
        let mut filed_before = filed.slot;
        let reported: HashSet<MemberId> = filed.reports.iter().map(|r| r.member_id).collect();
        let mut accepted = Vec::new();
        for input in inputs {
            if reported.contains(&input.member_id) {
                continue;
            }
            let member = members.get(&input.member_id).ok_or_else(|| {
                store::StoreError::not_found(format!("member {}", input.member_id))
            })?;
            let new = fund::NewIncomeReport {
                member_id: input.member_id,
                period,
                revenue: Money::new(input.revenue_minor, org.data.currency),
                profit: Money::new(input.profit_minor, org.data.currency),
                reported_by: input.reported_by,
                supersedes: None,
                reason: None,
            };
            accepted.push(fund::accept_report(0, new, member, &[], today)?);
        }
        let late = self.is_late(org_id, &filed, period).await?;
        // Each commit: the reports, the slot, and perhaps the late marker.
        for chunk in accepted.chunks(MAX_COMMIT_EVENTS - 2) {
            let refs: Vec<&fund::IncomeReport> = chunk.iter().collect();
            self.store()
                .commit(
                    org_id,
                    &Commit {
                        events: report_events(&refs, late, filed_before, audit)?,
                        ..Commit::default()
                    },
                )
                .await?;
            filed_before += chunk.len();
        }
        Ok(accepted.len())
    }

    /// The demo union's year of the Fund (organisation `index` of `spec`; `member_ids` in the
    /// order of `members`).
    pub async fn load_demo_fund(
        &self,
        spec: &demo::DemoSpec,
        index: u32,
        org_id: OrgId,
        members: &[NewMember],
        member_ids: &[MemberId],
    ) -> Result<(), AppError> {
        if spec.dues_months == 0 {
            return Ok(());
        }
        let audit = Audit::demo();
        let currency = self.store().org(org_id).await?.data.currency;
        let figures: Vec<demo::fund::PlanFigures> = members
            .iter()
            .enumerate()
            .map(|(i, m)| demo::fund::plan(spec, index, i, m.joined_on))
            .collect();
        let plans = figures
            .iter()
            .zip(member_ids)
            .map(|(f, &id)| {
                (
                    NewBusinessPlan {
                        member_id: id,
                        baseline_revenue: Money::new(f.baseline_revenue_minor, currency),
                        baseline_profit: Money::new(f.baseline_profit_minor, currency),
                        target: Target {
                            measure: fund::TargetMeasure::Revenue,
                            amount: Money::new(f.target_revenue_minor, currency),
                            by: f.target_by,
                        },
                        measures: vec!["Vender en las ferias y tiendas de la unión".into()],
                        services: fund::OdfService::MICRO_PRODUCER_DEFAULTS.to_vec(),
                    },
                    f.agreed_on,
                )
            })
            .collect();
        self.agree_plans_bulk(org_id, plans, &audit).await?;
        let board: Vec<i64> = self
            .store()
            .roles(org_id)
            .await?
            .into_iter()
            .filter(|r| r.role == Role::BoardMember && r.until.is_none())
            .map(|r| r.id)
            .collect();
        // As many months as the demo has dues, at most a year (`--dues-months 0`: none).
        let months = spec.dues_months.min(demo::fund::FUND_MONTHS);
        for m in 0..months {
            let first = demo::fund::month(spec, m);
            let period = Period::containing(first, PeriodSettings::default());
            let filed = period.last_day() + Days::new(5);
            if let Some((donor, amount)) = demo::fund::grant(m) {
                self.receive_grant(
                    org_id,
                    &format!("demo-donativo-{period}"),
                    donor,
                    amount,
                    first,
                    &audit,
                )
                .await?;
            }
            let (contributor, amount, received, returned) = demo::fund::TEMPORARY;
            if m == received {
                self.receive_temporary(
                    org_id,
                    "demo-temporal-1",
                    contributor,
                    amount,
                    first,
                    &audit,
                )
                .await?;
            }
            if m == returned {
                self.return_temporary(org_id, "demo-temporal-1", first, &audit)
                    .await?;
            }
            if let Some((category, description, amount)) = demo::fund::spending(m) {
                let reference = format!("demo-gasto-{period}");
                let spent = self
                    .has_event(org_id, &format!("spend:{reference}"))
                    .await?;
                if !spent && !board.is_empty() {
                    let day = first + Days::new(14);
                    let subject = format!("competition:{period}");
                    // A load killed between the decision and the spend finds its decision
                    // again on the re-run (never a second one).
                    let earlier = self
                        .proposals(org_id)
                        .await?
                        .into_iter()
                        .filter_map(|r| r.decision)
                        .find(|d| d.subject == subject && d.approved);
                    let decision = match earlier {
                        Some(decision) => decision,
                        None => {
                            self.record_board_decision(
                                org_id,
                                &audit,
                                governance::Minutes {
                                    kind: governance::ProposalKind::Expenditure,
                                    subject: subject.clone(),
                                    purpose: description.to_string(),
                                    amount_minor: amount,
                                    decided_on: day,
                                    votes: board
                                        .iter()
                                        .map(|s| (*s, governance::Vote::For))
                                        .collect(),
                                },
                            )
                            .await?
                        }
                    };
                    let category = CompetitionCategory::parse(category)?;
                    self.spend_competition(
                        org_id,
                        &reference,
                        category,
                        description,
                        amount,
                        Some(decision.proposal_id),
                        day,
                        &audit,
                    )
                    .await?;
                }
            }
            let inputs = figures
                .iter()
                .zip(member_ids)
                .enumerate()
                .filter_map(|(i, (f, &id))| {
                    demo::fund::report(spec, index, i, f, m).map(|(rev, profit)| ReportInput {
                        member_id: id,
                        revenue_minor: rev,
                        profit_minor: profit,
                        reported_by: Reporter::Member,
                    })
                })
                .collect();
            self.file_reports_bulk(org_id, period, inputs, filed, &audit)
                .await?;
            self.close_period(org_id, period, filed, CloseOptions::default(), &audit)
                .await?;
            // Collection is quarterly (and at the end): what the closes made owed is paid.
            if m % 3 == 2 || m + 1 == months {
                self.settle_all_in_cash(
                    org_id,
                    &format!("demo-cobro-{period}"),
                    filed + Days::new(5),
                    &audit,
                )
                .await?;
            }
        }
        Ok(())
    }
}
