//! R-SUP-1: each ODF's compliance, gathered from its own books (the Fund's and credit's
//! events, the board's decisions, the ledger's balances and `tequio check`'s invariants), and
//! the programme's ranking, computed ODF by ODF.

use crate::fact_date::mexico_city_today;
use crate::fund_cases::FUND_STREAM;
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::state::FundEvent;
use fund::trust::Borrower;
use fund::Period;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use store::{Org, OrgId};
use support::compliance::{
    self as rules, Check, ComplianceSettings, DecisionFigure, LineFigure, NoticeFigure, OdfFigures,
    PaymentFigure, PeriodFigure, RankRow,
};

/// Days after a period ends by which it must be closed **(setting)**, default 15.
pub const CLOSE_GRACE_DAYS: u64 = 15;

/// One ODF's compliance page.
#[derive(Debug, Clone, Serialize)]
pub struct OdfCompliance {
    pub org_id: OrgId,
    pub slug: String,
    pub name: String,
    pub state: String,
    pub trade: String,
    pub checks: Vec<Check>,
}

#[derive(serde::Deserialize)]
struct DecisionEvents {
    events: Vec<FundEvent>,
}

impl App {
    /// The figures R-SUP-1's checks read, from one ODF's books as they stand on `today`.
    pub async fn compliance_figures(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<OdfFigures, AppError> {
        let org = self.store().org(org_id).await?;
        let settings = self.fund_settings(org_id).await?;
        let book = self.fund_book(org_id).await?;

        // Periods: from the first closed one (or the first plan's) to the last one due.
        let mut close_dates: BTreeMap<Period, NaiveDate> = BTreeMap::new();
        let mut shortfall: BTreeMap<Borrower, (i64, Option<NaiveDate>)> = BTreeMap::new();
        let mut notices = Vec::new();
        for e in self.read_stream(org_id, Some(FUND_STREAM)).await? {
            let day = mexico_city_today(e.event.recorded_at);
            match e.event.kind.as_str() {
                "close.completed" => {
                    let p: crate::fund_cases::CloseCompleted = crate::events::payload(&e)?;
                    let period = Period::parse(&p.period, settings.period)?;
                    close_dates
                        .entry(period)
                        .or_insert(p.closed_on.unwrap_or(day));
                }
                // R-FUND-6: a notice stands from the payment that left a borrower short
                // until their replenishments cover it again.
                "fund.decision" => {
                    let p: DecisionEvents = crate::events::payload(&e)?;
                    for fe in p.events {
                        let (borrower, delta) = match fe {
                            FundEvent::InstallmentPaidFromFund {
                                borrower, split, ..
                            } => (borrower, split.total()),
                            FundEvent::Replenished { borrower, split } => {
                                (borrower, -split.total())
                            }
                            _ => continue,
                        };
                        let entry = shortfall.entry(borrower.clone()).or_insert((0, None));
                        let before = entry.0;
                        entry.0 += delta;
                        if before <= 0 && entry.0 > 0 {
                            entry.1 = Some(day);
                        } else if before > 0 && entry.0 <= 0 {
                            notices.push(NoticeFigure {
                                reference: borrower.to_string(),
                                issued_on: entry.1.unwrap_or(day),
                                resolved_on: Some(day),
                            });
                            entry.1 = None;
                        }
                    }
                }
                _ => {}
            }
        }
        for (borrower, (short, since)) in &shortfall {
            if *short > 0 {
                notices.push(NoticeFigure {
                    reference: borrower.to_string(),
                    issued_on: since.unwrap_or(today),
                    resolved_on: None,
                });
            }
        }
        let plans = self.plans(org_id).await?;
        let first = close_dates.keys().next().copied().or_else(|| {
            plans
                .iter()
                .map(|p| p.agreed_on)
                .min()
                .map(|d| Period::containing(d, settings.period))
        });
        let mut periods = Vec::new();
        if let Some(mut p) = first {
            loop {
                let due = p.end_exclusive() + chrono::Days::new(CLOSE_GRACE_DAYS);
                if due > today || periods.len() > 1_200 {
                    break;
                }
                periods.push(PeriodFigure {
                    period: p.key(),
                    due_on: due,
                    closed_on: close_dates.get(&p).copied(),
                });
                p = p.next();
            }
        }

        // The share of active members who reported in the last closed period.
        let members = self.support_members(org_id).await?;
        let last = book.completed.iter().next_back();
        let (last_period, members_active, members_reporting) = match last {
            Some((period, c)) => {
                let active = members
                    .values()
                    .filter(|m| m.is_active_on(period.last_day()))
                    .count() as u64;
                (Some(period.key()), active, c.members_reporting)
            }
            None => (
                None,
                members.values().filter(|m| m.is_active_on(today)).count() as u64,
                0,
            ),
        };

        // Competition Sub-Fund payments and the decisions behind them (R-FUND-3, R-GOV-2).
        let proposals = self.proposals(org_id).await?;
        let competition_payments = book
            .state
            .spent_by_decision
            .iter()
            .map(|(decision, amount)| PaymentFigure {
                reference: format!("decision:{decision}"),
                amount_minor: *amount,
                decision: Some(*decision),
                decision_approved: proposals.iter().any(|r| {
                    r.proposal.id == *decision && r.decision.as_ref().is_some_and(|d| d.approved)
                }),
            })
            .collect();
        let decisions = proposals
            .iter()
            .filter_map(|r| r.decision.as_ref())
            .map(|d| DecisionFigure {
                proposal_id: d.proposal_id,
                reached_quorum: d.tally.quorum_met,
            })
            .collect();

        // Credit lines now with a lender (R-CRED-1, R-CRED-2).
        let credit = self.credit_book(org_id).await?;
        let lines = credit
            .lines
            .values()
            .map(|l| LineFigure {
                reference: l.line.id.to_string(),
                limit_minor: l.line.limit_minor,
                drawn_minor: l.line.drawn_minor,
                opened_on: l.line.opened_on,
                last_review_on: l
                    .line
                    .limit_history
                    .iter()
                    .rev()
                    .find(|c| c.reason != credit::line::LimitReason::Opened)
                    .map(|c| c.date),
            })
            .collect();

        // Dues in arrears (R-ORG-6): members' dues receivables above zero.
        let balances = self.store().balances(org_id).await?;
        let mut members_in_arrears = 0u64;
        let mut arrears: i128 = 0;
        for (code, _, value) in balances.lines() {
            let c = code.as_str();
            if c.starts_with("members:") && c.ends_with(":dues-receivable") && value > 0 {
                members_in_arrears += 1;
                arrears += value;
            }
        }

        // `tequio check`'s invariants.
        let books = self.check_books(org_id).await?;
        let books_failing = books
            .failures()
            .map(|f| format!("{:?}: {}", f.invariant, f.detail))
            .collect();
        let _ = &org;
        Ok(OdfFigures {
            today,
            periods,
            last_period,
            members_active,
            members_reporting,
            competition_payments,
            lines,
            notices,
            members_in_arrears,
            arrears_minor: i64::try_from(arrears).unwrap_or(i64::MAX),
            decisions,
            books_comparisons: books.findings.len() as u64,
            books_failing,
        })
    }

    /// R-SUP-1: one ODF's compliance page, every check with its status, figure and evidence
    /// (from the kept figures while the ODF's log has not moved: [`App::kept_compliance_figures`]).
    pub async fn compliance(
        &self,
        org_id: OrgId,
        today: NaiveDate,
    ) -> Result<OdfCompliance, AppError> {
        let org = self.store().org(org_id).await?;
        let figures = self.kept_compliance_figures(org_id, today).await?;
        Ok(compliance_of(
            &org,
            rules::checks(&figures, &ComplianceSettings::default()),
        ))
    }

    /// R-SUP-1: every ODF's compliance (each read in its own organisation, `concurrency` at a
    /// time, from its kept figures while its log has not moved) and the ranking by it.
    pub async fn programme_compliance(
        &self,
        today: NaiveDate,
        concurrency: usize,
    ) -> Result<(Vec<OdfCompliance>, Vec<RankRow>), AppError> {
        let orgs = self.store().orgs().await?;
        let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.clamp(1, 64)));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, org) in orgs.into_iter().enumerate() {
            let app = self.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let figures = app.kept_compliance_figures(org.id, today).await;
                (index, org, figures)
            });
        }
        let mut all = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (index, org, figures) =
                joined.map_err(|e| AppError::Integrity(format!("compliance task: {e}")))?;
            let checks = rules::checks(&*figures?, &ComplianceSettings::default());
            all.push((index, compliance_of(&org, checks)));
        }
        all.sort_by_key(|(i, _)| *i);
        let odfs: Vec<OdfCompliance> = all.into_iter().map(|(_, c)| c).collect();
        let ranking = rules::rank(
            &odfs
                .iter()
                .map(|c| (c.name.clone(), c.checks.clone()))
                .collect::<Vec<_>>(),
        );
        Ok((odfs, ranking))
    }
}

fn compliance_of(org: &Org, checks: Vec<Check>) -> OdfCompliance {
    OdfCompliance {
        org_id: org.id,
        slug: org.data.slug.clone(),
        name: org.data.name.clone(),
        state: org.data.state.clone(),
        trade: org.data.trade.clone(),
        checks,
    }
}
