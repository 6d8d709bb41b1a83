//! The demo union's credit (`demo::credit`), applied through the credit use cases in date
//! order so that every figure comes from the rules: the Fund's first deposit, the line and its
//! reviews, board decisions, loans (repaid, graduated, current, late), a kiln lease and a lease
//! passed to another member after a default. Idempotent: every step has a deterministic key
//! and board decisions are found by subject before one is recorded.

use super::book::CreditEvent;
use super::{LoanApplication, OpenLineCmd, StartLeaseCmd};
use crate::{Actor, App, AppError};
use chrono::NaiveDate;
use credit::schedule::ScheduleInput;
use demo::credit::CreditDemo;
use governance::{Minutes, ProposalKind, Vote};
use rust_decimal::Decimal;
use store::OrgId;

enum Step<'a> {
    Open,
    Review,
    Loan(&'a demo::credit::DemoLoan),
    Pay(i64, u32),
    Lease(&'a demo::credit::DemoLease),
    Rent(i64, u32),
    Transfer(i64, usize),
}

impl App {
    /// A board decision about `subject` approved by every seat, or the one recorded before.
    async fn demo_decision(
        &self,
        org_id: OrgId,
        kind: ProposalKind,
        subject: &str,
        amount_minor: i64,
        on: NaiveDate,
    ) -> Result<i64, AppError> {
        if let Some(r) = self
            .proposals(org_id)
            .await?
            .into_iter()
            .find(|r| r.proposal.subject == subject && r.decision.is_some())
        {
            return Ok(r.proposal.id);
        }
        let votes: Vec<(i64, Vote)> = self
            .store()
            .roles(org_id)
            .await?
            .into_iter()
            .filter(|r| {
                r.role == registry::Role::BoardMember
                    && r.from <= on
                    && r.until.is_none_or(|u| u > on)
            })
            .map(|r| (r.id, Vote::For))
            .collect();
        let d = self
            .record_board_decision(
                org_id,
                &Actor::demo(),
                Minutes {
                    kind,
                    subject: subject.to_string(),
                    purpose: "Crédito del programa (demo)".to_string(),
                    amount_minor,
                    decided_on: on,
                    votes,
                },
            )
            .await?;
        Ok(d.proposal_id)
    }

    /// The Fund's first deposit and the demo's credit line, on its date (idempotent). The demo
    /// trade's supplier payments borrow on this line, so it is opened before them.
    pub async fn open_demo_credit_line(
        &self,
        org_id: OrgId,
        member_ids: &[i64],
        plan: &CreditDemo,
    ) -> Result<(), AppError> {
        if member_ids.len() < plan.min_members {
            return Ok(());
        }
        self.receive_grant(
            org_id,
            "demo-credit-deposit",
            "Aportación inicial al Fondo (demo)",
            plan.deposit_minor,
            plan.deposit_on,
            &crate::fund_cases::Audit::new("demo", "demo"),
        )
        .await?;
        self.open_credit_line(
            org_id,
            &Actor::demo(),
            OpenLineCmd {
                line_id: 1,
                lender_code: plan.lender_code.to_string(),
                annual_rate: Decimal::new(i64::from(plan.rate_bp), 4),
                requested_limit_minor: None,
                opened_on: plan.line_opened_on,
                review: None,
            },
        )
        .await?;
        Ok(())
    }

    /// Applies the demo's credit to the organisation whose members are `member_ids` (in the
    /// generator's order). Organisations smaller than `plan.min_members` are left without.
    pub async fn load_demo_credit(
        &self,
        org_id: OrgId,
        member_ids: &[i64],
        plan: &CreditDemo,
    ) -> Result<(), AppError> {
        if member_ids.len() < plan.min_members {
            return Ok(());
        }
        let actor = Actor::demo();
        let rate = Decimal::new(i64::from(plan.rate_bp), 4);
        let terms = |principal: i64, n: u32, start: NaiveDate| {
            ScheduleInput::monthly(principal, rate, n, start)
        };
        self.open_demo_credit_line(org_id, member_ids, plan).await?;
        // Every step with its date, then in date order (stable for equal dates).
        let mut steps: Vec<(NaiveDate, Step)> = vec![(plan.line_opened_on, Step::Open)];
        let mut review = plan.line_opened_on;
        while let Some(next) = review.checked_add_months(chrono::Months::new(6)) {
            if next > plan.reviews_through {
                break;
            }
            steps.push((next, Step::Review));
            review = next;
        }
        for loan in &plan.loans {
            steps.push((loan.start, Step::Loan(loan)));
            let s = credit::build_schedule(&terms(
                loan.principal_minor,
                loan.installments,
                loan.start,
            ))?;
            for r in s.rows.iter().take(loan.paid_rows as usize) {
                steps.push((r.due_date, Step::Pay(loan.id, r.number)));
            }
        }
        for lease in &plan.leases {
            steps.push((lease.start, Step::Lease(lease)));
            let s =
                credit::build_schedule(&terms(lease.cost_minor, lease.installments, lease.start))?;
            for r in s.rows.iter().take(lease.paid_rows as usize) {
                steps.push((r.due_date, Step::Rent(lease.id, r.number)));
            }
            if let Some((to, on)) = lease.transfer {
                steps.push((on, Step::Transfer(lease.id, to)));
            }
        }
        steps.sort_by_key(|(d, _)| *d);
        for (on, step) in steps {
            match step {
                Step::Open => {} // opened first, by `open_demo_credit_line`
                Step::Review => {
                    self.review_credit_line(org_id, &actor, 1, on).await?;
                }
                Step::Loan(loan) => {
                    let subject = format!("loan:{}", loan.id);
                    let decided = on.pred_opt().unwrap_or(on);
                    let decision = self
                        .demo_decision(
                            org_id,
                            ProposalKind::Loan,
                            &subject,
                            loan.principal_minor,
                            decided,
                        )
                        .await?;
                    let application = LoanApplication {
                        loan_id: loan.id,
                        line_id: 1,
                        borrower: loan.borrower.map(|i| member_ids[i]),
                        terms: terms(loan.principal_minor, loan.installments, loan.start),
                        plan_recommended_minor: plan.plan_minor,
                    };
                    self.approve_loan(org_id, &actor, application, decision)
                        .await?;
                    self.disburse_loan(org_id, &actor, loan.id).await?;
                }
                Step::Pay(loan_id, number) => {
                    let book = self.credit_book(org_id).await?;
                    let row = book.loan(loan_id)?.loan.schedule.rows[number as usize - 1];
                    self.repay_loan(
                        org_id,
                        &actor,
                        loan_id,
                        row.installment_minor,
                        on,
                        &format!("demo-{number}"),
                    )
                    .await?;
                }
                Step::Lease(lease) => {
                    let subject = format!("lease:{}", lease.id);
                    let decided = on.pred_opt().unwrap_or(on);
                    let decision = self
                        .demo_decision(
                            org_id,
                            ProposalKind::Lease,
                            &subject,
                            lease.cost_minor,
                            decided,
                        )
                        .await?;
                    self.start_lease(
                        org_id,
                        &actor,
                        StartLeaseCmd {
                            lease_id: lease.id,
                            line_id: 1,
                            asset_description: lease.asset.to_string(),
                            lessee: member_ids[lease.lessee],
                            terms: terms(lease.cost_minor, lease.installments, lease.start),
                            purchase_price_minor: None,
                            default_after_days: None,
                        },
                        decision,
                    )
                    .await?;
                }
                Step::Rent(lease_id, number) => {
                    let book = self.credit_book(org_id).await?;
                    let row = book.lease(lease_id)?.lease.schedule.rows[number as usize - 1];
                    self.pay_rent(
                        org_id,
                        &actor,
                        lease_id,
                        row.installment_minor,
                        on,
                        &format!("demo-{number}"),
                    )
                    .await?;
                }
                Step::Transfer(lease_id, to) => {
                    let key = CreditEvent::LeaseTransferred {
                        lease_id,
                        to_member: member_ids[to],
                        on: super::book::Day(on),
                        decision: None,
                    }
                    .key();
                    if self.credit_book(org_id).await?.payload_of(&key).is_none() {
                        self.transfer_lease(org_id, &actor, lease_id, member_ids[to], on, None)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }
}
