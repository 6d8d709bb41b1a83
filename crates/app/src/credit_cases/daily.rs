//! R-FUND-6 trust-fund repayment, run daily (or as part of the period close), idempotently.
//!
//! On each due date the trustee pays the installment of every active loan from the Fund to the
//! loan's (current) lender: the principal settles `lenders:{code}:line`, the interest the ODF's
//! `odf:expense:line-interest` (a `fund::pay_installment_from_fund` decision per installment,
//! ref `loan-{id}:{n}`, against the line, and a credit entry per due date and lender moving the
//! interest part to the expense, since the Fund's chart does not know the credit accounts). A
//! loan to the ODF is its debt to the lender, so its row is paid by the trust and the ODF owes
//! the Fund; a member still owes the row to the ODF, and what the member pays is put back into
//! the trust (replenishment, `fund::replenish` from `odf:bank`) up to what the trust paid for
//! that loan. Payments made for a borrower above what the borrower put back are the shortfall;
//! `fund::trust::non_fulfilment_notices` names them (the board issues the notice).
//!
//! What is paid is what is due *now* (`credit::loan::trust_due`): after a member's
//! prepayment the later rows are smaller or gone, and the trust pays the reshaped row, or
//! nothing. The principal a member prepaid is in the ODF's bank: the ODF repays its line with it
//! (`line repay`); the trust never pays more principal than the loan has left.
//!
//! Dates: each installment is paid, and its entries dated, on its own due date, so a run after
//! missed days (a catch-up) posts what a daily run would have; a replenishment is dated when
//! both the trust's payment and the member's last payment had happened.
//!
//! If the trust cannot cover an installment it is left unpaid (reported; the next run tries
//! again) and the ODF pays its lender itself. The run reads each stream of the organisation once,
//! decides in memory and commits up to [`RUN_CHUNK`] installments per transaction. Keys are
//! deterministic (`credit:loan:7:trust:3`, `fund:{org}:installment:loan-7:3`), so running the same
//! day twice writes nothing the second time, and a run killed part-way and run again ends the
//! same.

use super::book::{CreditBook, CreditEvent, Day};
use crate::fund_cases::Audit;
use crate::{Actor, App, AppError};
use chrono::NaiveDate;
use credit::loan::{Borrower, LoanStatus};
use fund::trust::{InstallmentDue, NonFulfilmentNotice};
use fund::FundState;
use ledger::{AccountCode, Money};
use std::collections::BTreeMap;
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
    /// Delinquency on the run's date: days past due by bucket, PAR30/PAR90, repayment rate.
    pub quality: Option<credit::quality::PortfolioQuality>,
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

/// Dr `odf:expense:line-interest`, Cr `lenders:{code}:line` for the interest part of the
/// installments the trust paid on `date` to `lender` in one commit of the run (R-FUND-6,
/// R-CRED-4). The key names the commit's first installment and its size (deterministic: the
/// same due installments give the same key).
fn interest_reclass(
    first_ref: &str,
    count: usize,
    lender: &str,
    interest_minor: i64,
    date: NaiveDate,
) -> Result<ledger::ValidEntry, AppError> {
    let line = AccountCode::parse(&format!("lenders:{lender}:line"))?;
    let expense = AccountCode::parse("odf:expense:line-interest")?;
    let cur = ledger::Currency::MXN;
    let draft = ledger::EntryDraft {
        idempotency_key: format!("credit:trust-interest:{first_ref}+{count}:{lender}:{date}"),
        reason: "loan.trust-interest".into(),
        rule_id: "R-FUND-6".into(),
        date,
        memo: format!(
            "Intereses de las cuotas con vencimiento {date} pagadas por el fideicomiso a {lender}"
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
    /// `date` not yet paid (what is due now: after a prepayment, less or nothing; see
    /// [`credit::loan::trust_due`]), each on its own due date (a run after missed days catches
    /// up with the dates the installments fell due), replenishes from what members paid, line
    /// reviews that fell due are done (R-CRED-2), and the portfolio's delinquency on `date` is
    /// reported. Idempotent: the same day again writes nothing.
    pub async fn run_credit_day(
        &self,
        scope: Scope,
        date: NaiveDate,
        actor: &Actor,
    ) -> Result<Vec<CreditDayReport>, AppError> {
        let orgs: Vec<OrgId> = match scope {
            Scope::Org(id) => return Ok(vec![self.run_credit_day_org(id, date, actor).await?]),
            Scope::All => self.store().orgs().await?.iter().map(|o| o.id).collect(),
        };
        // Organisations are independent: a few at a time, so one's reads overlap another's
        // decisions and writes.
        let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(RUN_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, org_id) in orgs.into_iter().enumerate() {
            let app = self.clone();
            let actor = actor.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (index, app.run_credit_day_org(org_id, date, &actor).await)
            });
        }
        let mut reports = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(r) => reports.push(r),
                Err(e) => return Err(AppError::Integrity(format!("credit day task: {e}"))),
            }
        }
        reports.sort_by_key(|(i, _)| *i);
        reports.into_iter().map(|(_, r)| r).collect()
    }

    /// One organisation's run; an organisation that does not exist answers NotFound.
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
        // One read of each stream; the decisions are made on these in memory.
        let mut book = self.credit_book(org_id).await?;
        let settings = self.fund_settings(org_id).await?;
        let mut state = self.fund_state(org_id).await?;
        // Every installment due by `date` the trust has not paid, oldest due date first.
        let mut due: Vec<(NaiveDate, i64, u32)> = book
            .loans
            .values()
            .filter(|l| l.loan.status == LoanStatus::Active)
            .flat_map(|l| {
                l.loan
                    .book
                    .rows
                    .iter()
                    .filter(|r| r.due_date <= date && !l.trust_paid.contains_key(&r.number))
                    .map(|r| (r.due_date, l.loan.id, r.number))
            })
            .collect();
        due.sort_unstable();
        let mut batch = RunBatch::default();
        for (due_date, loan_id, number) in due {
            let ls = book.loan(loan_id)?;
            let principal_left = match ls.loan.borrower {
                Borrower::Odf => ls.loan.book.outstanding_principal_minor(),
                Borrower::Member(_) => {
                    ls.loan.schedule.principal_minor
                        - credit::loan::prepaid_principal_minor(&ls.loan)
                        - ls.trust_paid.values().map(|(p, _)| p).sum::<i64>()
                }
            };
            // Nothing due now (prepaid, or a loan to the ODF that paid the row itself).
            let Some((principal, interest)) =
                credit::loan::trust_due(&ls.loan, number, principal_left)
            else {
                continue;
            };
            let lender = ls.loan.lender_code.clone();
            let borrower = fund_borrower(ls.loan.borrower);
            let last_paid_on = ls.loan.payments.last().map(|p| p.date);
            let installment = InstallmentDue {
                installment_ref: format!("loan-{loan_id}:{number}"),
                borrower: borrower.clone(),
                lender_code: lender.clone(),
                amount: Money::new(principal + interest, settings.currency),
                due_date,
                settles: None,
            };
            // Paid on its due date (a catch-up run dates each installment when it fell due).
            let decision = match fund::trust::pay_installment_from_fund(
                &settings,
                &state,
                &installment,
                due_date,
            ) {
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
            let paid = CreditEvent::TrustPaidInstallment {
                loan_id,
                number,
                principal_minor: principal,
                interest_minor: interest,
                on: Day(due_date),
            };
            let applied = book.apply(&paid)?;
            state.apply_all(&decision.events);
            batch.push_fund(&installment.installment_ref, decision);
            batch.push_credit(&paid, applied, actor);
            if interest > 0 {
                *batch.interest.entry((due_date, lender)).or_default() += interest;
            }
            batch.installments += 1;
            batch.paid_minor += principal + interest;
            // What the member had already paid goes back into the trust at once, dated when
            // both the trust's payment and the member's had happened.
            let amount = replenishment_due(&book, loan_id);
            if amount > 0 {
                let on = last_paid_on.map_or(due_date, |p| p.max(due_date)).min(date);
                let reference = format!("trust-{number}");
                let key = format!("replenish:credit-loan-{loan_id}-{reference}");
                let decision = fund::trust::replenish(
                    &settings,
                    &state,
                    crate::fund_cases::ops::ref_id(&key),
                    &borrower,
                    Money::new(amount, settings.currency),
                    Some(AccountCode::parse("odf:bank")?),
                    on,
                )?;
                let event = CreditEvent::LoanReplenished {
                    loan_id,
                    amount_minor: amount,
                    on: Day(on),
                    reference,
                };
                let applied = book.apply(&event)?;
                state.apply_all(&decision.events);
                batch.push_fund(&key, decision);
                batch.push_credit(&event, applied, actor);
            }
            if batch.installments >= RUN_CHUNK {
                self.flush_run_batch(org_id, &mut batch, &mut report, actor)
                    .await?;
            }
        }
        self.flush_run_batch(org_id, &mut batch, &mut report, actor)
            .await?;
        // R-CRED-2 reviews that fell due (read again only when there is one).
        let review_due: Vec<i64> = book
            .lines
            .iter()
            .filter(|(_, st)| {
                st.line
                    .next_review_on(&st.settings)
                    .is_some_and(|d| d <= date)
            })
            .map(|(id, _)| *id)
            .collect();
        for line_id in review_due {
            report.reviews += self
                .review_credit_line_through(org_id, actor, line_id, date)
                .await?;
        }
        if report.reviews > 0 {
            book = self.credit_book(org_id).await?;
        }
        report.notices = fund::trust::non_fulfilment_notices(&state);
        report.quality = Some(credit::quality::portfolio_quality_of(
            book.loans.values().map(|l| &l.loan),
            date,
        ));
        Ok(report)
    }

    /// Commits what the run decided since the last flush: the Fund's decisions as one
    /// `fund.decision` (its entries keep their per-installment keys), the interest moved to the
    /// ODF's expense as one entry per due date and lender, and the credit events, in ONE
    /// transaction.
    async fn flush_run_batch(
        &self,
        org_id: OrgId,
        batch: &mut RunBatch,
        report: &mut CreditDayReport,
        actor: &Actor,
    ) -> Result<(), AppError> {
        if batch.installments == 0 && batch.events.is_empty() {
            return Ok(());
        }
        let b = std::mem::take(batch);
        let first = b.first_ref.unwrap_or_default();
        let key = format!("installments:{first}+{}", b.fund_refs);
        let mut commit =
            crate::fund_cases::fund_decision_commit(&key, &b.fund, &fund_audit(actor))?;
        for ((due_date, lender), interest) in &b.interest {
            commit.entries.push(interest_reclass(
                &first,
                b.fund_refs,
                lender,
                *interest,
                *due_date,
            )?);
        }
        commit.accounts.extend(b.accounts);
        commit.events.extend(b.events);
        let done = self.store().commit(org_id, &commit).await?;
        if !done.was_replay() {
            report.installments_paid += b.installments as u32;
            report.paid_minor += b.paid_minor;
        }
        Ok(())
    }
}

/// Organisations whose daily run goes on at the same time (`Scope::All`).
const RUN_CONCURRENCY: usize = 4;

/// Installments per commit of the daily run: each writes a credit event and a Fund entry, and
/// maybe a replenishment (an entry and an event), well under the store's limits per commit.
const RUN_CHUNK: usize = 2_000;

/// What the daily run has decided and not yet committed.
#[derive(Default)]
struct RunBatch {
    fund: fund::Decision,
    first_ref: Option<String>,
    fund_refs: usize,
    /// (due date, lender) → interest the trust paid, moved to the ODF's expense.
    interest: BTreeMap<(NaiveDate, String), i64>,
    accounts: Vec<ledger::Account>,
    events: Vec<store::NewEvent>,
    installments: usize,
    paid_minor: i64,
}

impl RunBatch {
    fn push_fund(&mut self, reference: &str, decision: fund::Decision) {
        self.first_ref.get_or_insert_with(|| reference.to_string());
        self.fund_refs += 1;
        self.fund.entries.extend(decision.entries);
        self.fund.events.extend(decision.events);
    }

    fn push_credit(&mut self, event: &CreditEvent, applied: super::book::Applied, actor: &Actor) {
        self.accounts.extend(applied.accounts);
        self.fund.entries.extend(applied.entries);
        self.events.push(super::cases::event_row(
            event,
            event.key(),
            event.payload(),
            actor,
            chrono::Utc::now(),
        ));
    }
}
