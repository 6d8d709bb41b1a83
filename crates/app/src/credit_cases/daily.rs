//! R-FUND-6 trust-fund repayment, run daily (or as part of the period close), idempotently.
//!
//! On each due date the trustee pays the installment of every active loan from the Fund to the
//! loan's (current) lender: the principal settles `lenders:{code}:line`, the interest the ODF's
//! `odf:expense:line-interest` (one `fund::pay_installment_from_fund` decision, ref
//! `loan-{id}:{n}`, against the line, and a credit entry moving the interest part to the
//! expense, since the Fund's chart does not know the credit accounts). A loan to the ODF is its debt to the lender, so
//! its row is paid by the trust and the ODF owes the Fund; a member still owes the row to the
//! ODF, and what the member pays is put back into the trust (replenishment, `fund::replenish`
//! from `odf:bank`) up to what the trust paid for that loan. Payments made for a borrower above
//! what the borrower put back are the shortfall; `fund::trust::non_fulfilment_notices` names
//! them (the board issues the notice; the R-CRED-2 review counts them as unresolved).
//!
//! If the trust cannot cover an installment it is left unpaid (reported; the next run tries
//! again) and the ODF pays its lender itself. Keys are deterministic (`credit:loan:7:trust:3`,
//! `installment:loan-7:3`), so running the same day twice writes nothing the second time.

use super::book::{CreditBook, CreditEvent, Day};
use crate::fund_cases::Audit;
use crate::{Actor, App, AppError};
use chrono::NaiveDate;
use credit::loan::{Borrower, LoanStatus};
use fund::trust::{InstallmentDue, NonFulfilmentNotice};
use fund::FundState;
use ledger::{AccountCode, Money};
use store::{Commit, OrgId};

/// Which organisations a daily run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Org(OrgId),
    All,
}

/// What one organisation's daily run did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CreditDayReport {
    pub org_id: OrgId,
    /// Installments the trust paid in this run (0 on a re-run).
    pub installments_paid: u32,
    pub paid_minor: i64,
    /// Installments the trust could not cover, with the Fund's reason.
    pub not_covered: Vec<NotCovered>,
    /// Line reviews that fell due and were done.
    pub reviews: u32,
    /// R-FUND-6 notices of non-fulfilment after the run.
    pub notices: Vec<NonFulfilmentNotice>,
}

/// An installment due that the trust did not pay (R-FUND-6: the ODF pays its lender itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCovered {
    pub loan_id: i64,
    pub number: u32,
    pub amount_minor: i64,
    pub reason: String,
}

fn fund_borrower(b: Borrower) -> fund::trust::Borrower {
    match b {
        Borrower::Odf => fund::trust::Borrower::Odf,
        Borrower::Member(m) => fund::trust::Borrower::Member(m),
    }
}

fn merge(into: &mut Commit, other: Commit) {
    into.accounts.extend(other.accounts);
    into.events.extend(other.events);
    into.entries.extend(other.entries);
}

fn fund_audit(actor: &Actor) -> Audit {
    Audit::new(actor.name.clone(), actor.origin.clone())
}

/// What the trust should get back for a member loan now: what the member paid the ODF toward
/// principal and interest, up to what the trust paid for the loan, less what was put back.
pub(crate) fn replenishment_due(book: &CreditBook, loan_id: i64) -> i64 {
    let Some(ls) = book.loans.get(&loan_id) else {
        return 0;
    };
    if !matches!(ls.loan.borrower, Borrower::Member(_)) {
        return 0;
    }
    let trust_paid: i64 = ls.trust_paid.values().map(|(p, i)| p + i).sum();
    (ls.received_minor.min(trust_paid) - ls.replenished_minor).max(0)
}

/// Dr `odf:expense:line-interest`, Cr `lenders:{code}:line` for the interest part of an
/// installment the trust paid (R-FUND-6, R-CRED-4).
fn interest_reclass(
    loan_id: i64,
    number: u32,
    lender: &str,
    interest_minor: i64,
    date: NaiveDate,
) -> Result<ledger::ValidEntry, AppError> {
    let line = AccountCode::parse(&format!("lenders:{lender}:line"))?;
    let expense = AccountCode::parse("odf:expense:line-interest")?;
    let cur = ledger::Currency::MXN;
    let draft = ledger::EntryDraft {
        idempotency_key: format!("credit:loan:{loan_id}:trust:{number}:interest"),
        reason: "loan.trust-interest".into(),
        rule_id: "R-FUND-6".into(),
        date,
        memo: format!(
            "Intereses de la cuota {number} del préstamo {loan_id} pagada por el fideicomiso"
        ),
        postings: vec![
            ledger::Posting::new(expense, Money::new(interest_minor, cur)),
            ledger::Posting::new(line, Money::new(-interest_minor, cur)),
        ],
        reverses: None,
    };
    Ok(draft.validate(|_| Some(cur))?)
}

impl App {
    /// The replenishment of `loan_id` due now, as a credit event and the Fund's commit
    /// (nothing when nothing is due). `state` is updated with the decision's events.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn replenish_for(
        &self,
        org_id: OrgId,
        book: &CreditBook,
        state: &mut FundState,
        loan_id: i64,
        on: NaiveDate,
        reference: &str,
        actor: &Actor,
    ) -> Result<Option<(CreditEvent, Commit)>, AppError> {
        let amount = replenishment_due(book, loan_id);
        if amount == 0 {
            return Ok(None);
        }
        let ls = book.loan(loan_id)?;
        let borrower = fund_borrower(ls.loan.borrower);
        let key = format!("replenish:credit-loan-{loan_id}-{reference}");
        let settings = self.fund_settings(org_id).await?;
        let decision = fund::trust::replenish(
            &settings,
            state,
            crate::fund_cases::ops::ref_id(&key),
            &borrower,
            Money::new(amount, settings.currency),
            Some(AccountCode::parse("odf:bank")?),
            on,
        )?;
        state.apply_all(&decision.events);
        let commit = crate::fund_cases::fund_decision_commit(&key, &decision, &fund_audit(actor))?;
        Ok(Some((
            CreditEvent::LoanReplenished {
                loan_id,
                amount_minor: amount,
                on: Day(on),
                reference: reference.to_string(),
            },
            commit,
        )))
    }

    /// R-FUND-6 daily run for one organisation or all: the trust pays every installment due by
    /// `date` not yet paid, replenishes from what members paid, and line reviews that fell due
    /// are done (R-CRED-2). Idempotent: the same day again writes nothing.
    pub async fn run_credit_day(
        &self,
        scope: Scope,
        date: NaiveDate,
        actor: &Actor,
    ) -> Result<Vec<CreditDayReport>, AppError> {
        let orgs: Vec<OrgId> = match scope {
            Scope::Org(id) => vec![self.store().org(id).await?.id],
            Scope::All => self.store().orgs().await?.iter().map(|o| o.id).collect(),
        };
        let mut reports = Vec::with_capacity(orgs.len());
        for org_id in orgs {
            reports.push(self.run_credit_day_org(org_id, date, actor).await?);
        }
        Ok(reports)
    }

    async fn run_credit_day_org(
        &self,
        org_id: OrgId,
        date: NaiveDate,
        actor: &Actor,
    ) -> Result<CreditDayReport, AppError> {
        let mut report = CreditDayReport {
            org_id,
            ..CreditDayReport::default()
        };
        let mut book = self.credit_book(org_id).await?;
        let settings = self.fund_settings(org_id).await?;
        let mut state = self.fund_state(org_id).await?;
        let due: Vec<(i64, u32, i64, i64)> = book
            .loans
            .values()
            .filter(|l| l.loan.status == LoanStatus::Active)
            .flat_map(|l| {
                l.loan
                    .schedule
                    .rows
                    .iter()
                    .filter(|r| r.due_date <= date && !l.trust_paid.contains_key(&r.number))
                    .map(|r| (l.loan.id, r.number, r.principal_minor, r.interest_minor))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (loan_id, number, principal, interest) in due {
            let ls = book.loan(loan_id)?;
            // A loan to the ODF whose row was paid already (by the ODF itself) needs no trust.
            if ls.loan.borrower == Borrower::Odf
                && ls
                    .loan
                    .book
                    .rows
                    .iter()
                    .find(|r| r.number == number)
                    .is_none_or(|r| r.is_settled())
            {
                continue;
            }
            let lender = ls.loan.lender_code.clone();
            let borrower = fund_borrower(ls.loan.borrower);
            let mut commit = Commit::default();
            let mut probe = state.clone();
            let due_date = ls
                .loan
                .schedule
                .rows
                .iter()
                .find(|r| r.number == number)
                .map(|r| r.due_date)
                .unwrap_or(date);
            let installment = InstallmentDue {
                installment_ref: format!("loan-{loan_id}:{number}"),
                borrower: borrower.clone(),
                lender_code: lender.clone(),
                amount: Money::new(principal + interest, settings.currency),
                due_date,
                settles: None,
            };
            let decision =
                match fund::trust::pay_installment_from_fund(&settings, &probe, &installment, date)
                {
                    Ok(d) => d,
                    Err(e) => {
                        report.not_covered.push(NotCovered {
                            loan_id,
                            number,
                            amount_minor: principal + interest,
                            reason: e.to_string(),
                        });
                        continue;
                    }
                };
            probe.apply_all(&decision.events);
            merge(
                &mut commit,
                crate::fund_cases::fund_decision_commit(
                    &format!("installment:{}", installment.installment_ref),
                    &decision,
                    &fund_audit(actor),
                )?,
            );
            // The Fund paid the whole installment against the lender's line; its interest part
            // is the ODF's interest expense, not a reduction of the debt.
            if interest > 0 {
                commit
                    .entries
                    .push(interest_reclass(loan_id, number, &lender, interest, date)?);
            }
            state = probe;
            let mut events = vec![CreditEvent::TrustPaidInstallment {
                loan_id,
                number,
                principal_minor: principal,
                interest_minor: interest,
                on: Day(date),
            }];
            // What the member had already paid goes back into the trust at once.
            let mut after = book.clone();
            after.apply(&events[0])?;
            if let Some((ev, c)) = self
                .replenish_for(
                    org_id,
                    &after,
                    &mut state,
                    loan_id,
                    date,
                    &format!("trust-{number}"),
                    actor,
                )
                .await?
            {
                events.push(ev);
                merge(&mut commit, c);
            }
            let out = self
                .credit_commit(org_id, &mut book, actor, events, commit)
                .await?;
            if out.created {
                report.installments_paid += 1;
                report.paid_minor += principal + interest;
            }
        }
        let line_ids: Vec<i64> = book.lines.keys().copied().collect();
        for line_id in line_ids {
            report.reviews += self
                .review_credit_line_through(org_id, actor, line_id, date)
                .await?;
        }
        report.notices = fund::trust::non_fulfilment_notices(&self.fund_state(org_id).await?);
        Ok(report)
    }
}
