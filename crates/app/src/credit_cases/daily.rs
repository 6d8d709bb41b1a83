//! R-FUND-6 trust-fund repayment, run daily (or as part of the period close), idempotently.
//!
//! On each due date the trustee pays the installment of every active loan from the Fund to the
//! loan's (current) lender: the principal settles `lenders:{code}:line`, the interest the ODF's
//! `odf:expense:line-interest` (a `fund::pay_installment_from_fund` decision per installment,
//! ref `loan-{id}:{n}`, against the line, whose entries are summed per due date, and a credit
//! entry per due date and lender moving the interest part to the expense, since the Fund's
//! chart does not know the credit accounts). A
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
//! missed days (a catch-up) posts what a daily run would have (an installment an opening
//! position brought overdue and unpaid by anyone, on the opening day); a replenishment is dated when
//! both the trust's payment and the member's last payment had happened.
//!
//! If the trust cannot cover an installment it is left unpaid (reported; the next run tries
//! again) and the ODF pays its lender itself. The run reads each stream of the organisation once,
//! decides in memory (installment by installment, through the same functions a replay uses) and
//! commits up to [`RUN_CHUNK`] installments per transaction, as few rows as the audit allows:
//! one credit event listing the installments paid ([`CreditEvent::TrustPaidInstallments`], split
//! by payload size), the Fund's decision (its per-borrower events, R-FUND-6 shortfall), and per
//! due date one balanced Fund entry summing the chunk's installments plus one entry moving
//! their interest to the ODF's expense per lender. Every key is a function of what the run read:
//! the credit events claim slots `credit:trust:{n}` (n = such events the stream held), and the
//! chunk's entries and Fund event are named after its first slot. So running the same day twice
//! writes nothing the second time, a run killed part-way and run again ends the same (a chunk is
//! one transaction), and two runs at once cannot both pay an installment: they claim the same
//! slot, and the store takes the second as a replay or refuses it (the run then reads again).
//! Each commit also claims the Fund's slot (`fund_cases::claim_fund_slot`; the Fund is read
//! before the credit book): a withdrawal, an expense or a close committed after the run read
//! the Fund makes the run's commit lose that slot, and the run reads again, so the trust never
//! pays from cash another writer spent meanwhile (R-FUND-6 with R-FUND-3, R-FUND-4).

use super::book::{CreditBook, CreditEvent, Day, TrustRow};
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

pub(crate) fn fund_borrower(b: Borrower) -> fund::trust::Borrower {
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

/// What the ODF owes the trust for its own loan (R-FUND-6): a loan to the ODF is its debt to
/// the lender, so what the trustee paid on it the ODF now owes the Fund, less what it put back.
pub(crate) fn odf_owes_trust(book: &CreditBook, loan_id: i64) -> i64 {
    let Some(ls) = book.loans.get(&loan_id) else {
        return 0;
    };
    if ls.loan.borrower != Borrower::Odf {
        return 0;
    }
    let trust_paid: i64 = ls.trust_paid.values().map(|(p, i)| p + i).sum();
    (trust_paid - ls.replenished_minor).max(0)
}

/// Dr `odf:expense:line-interest`, Cr `lenders:{code}:line` for the interest part of the
/// installments the trust paid on `date` to `lender` in one commit of the run (R-FUND-6,
/// R-CRED-4). The key names the commit's first slot (deterministic: a function of what the
/// run read).
fn interest_reclass(
    slot: u64,
    lender: &str,
    interest_minor: i64,
    date: NaiveDate,
) -> Result<ledger::ValidEntry, AppError> {
    let line = AccountCode::parse(&format!("lenders:{lender}:line"))?;
    let expense = AccountCode::parse("odf:expense:line-interest")?;
    let cur = ledger::Currency::MXN;
    let draft = ledger::EntryDraft {
        idempotency_key: format!("credit:trust-interest:{slot}:{lender}:{date}"),
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
        self.replenish_amount(org_id, book, state, loan_id, amount, on, reference, actor)
            .await
    }

    /// [`App::replenish_for`] of a given amount: `amount` goes from the ODF's bank back into
    /// the trust for `loan_id`'s borrower (R-FUND-6); nothing when it is zero.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn replenish_amount(
        &self,
        org_id: OrgId,
        book: &CreditBook,
        state: &mut FundState,
        loan_id: i64,
        amount: i64,
        on: NaiveDate,
        reference: &str,
        actor: &Actor,
    ) -> Result<Option<(CreditEvent, Commit)>, AppError> {
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

    /// One organisation's run; an organisation that does not exist answers NotFound. When
    /// another run committed a chunk decided on the same state (its slot is taken with other
    /// installments), what this run had decided is stale: it reads again and goes on
    /// (`retrying!`). What was committed before stays counted.
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
        retrying!("run_credit_day", {
            report.not_covered.clear();
            self.run_credit_day_once(org_id, date, actor, &mut report)
                .await
        })?;
        Ok(report)
    }

    async fn run_credit_day_once(
        &self,
        org_id: OrgId,
        date: NaiveDate,
        actor: &Actor,
        report: &mut CreditDayReport,
    ) -> Result<(), AppError> {
        // One read of each stream; the decisions are made on these in memory. The Fund first:
        // its slot is what the run's commits claim (`claim_fund_slot`), so a Fund operation
        // committed after this read makes the run's commit lose the slot and read again, and
        // a copy of this run committed after it claims the same slot with the same data.
        let fund = self.fund_book(org_id).await?;
        let mut fund_read = fund.events_read;
        let mut state = fund.state;
        let mut book = self.credit_book(org_id).await?;
        let settings = self.fund_settings(org_id).await?;
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
        let bank = AccountCode::parse("odf:bank")?;
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
            let borrower = fund_borrower(ls.loan.borrower);
            let last_paid_on = ls.loan.payments.last().map(|p| p.date);
            let installment = InstallmentDue {
                installment_ref: format!("loan-{loan_id}:{number}"),
                borrower,
                lender_code: ls.loan.lender_code.clone(),
                amount: Money::new(principal + interest, settings.currency),
                due_date,
                settles: None,
            };
            // Paid on its due date (a catch-up run dates each installment when it fell due); an
            // installment of an opening that fell due before it unpaid, on the opening day (a
            // daily run from then on would have paid it that day; the books before are the
            // opening's).
            let paid_on = credit::opening::imported_as_of(&ls.loan)
                .map_or(due_date, |as_of| due_date.max(as_of));
            let decision = match fund::trust::pay_installment_from_fund(
                &settings,
                &state,
                &installment,
                paid_on,
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
            let row = TrustRow(loan_id, number, principal, interest, Day(paid_on));
            book.pay_trust_rows(&[row])?;
            state.apply_all(&decision.events);
            batch.push_installment(row, &installment.lender_code, decision);
            // What the member had already paid goes back into the trust at once, dated when
            // both the trust's payment and the member's had happened.
            let amount = replenishment_due(&book, loan_id);
            if amount > 0 {
                let on = last_paid_on.map_or(paid_on, |p| p.max(paid_on)).min(date);
                let reference = format!("trust-{number}");
                let key = format!("replenish:credit-loan-{loan_id}-{reference}");
                let decision = fund::trust::replenish(
                    &settings,
                    &state,
                    crate::fund_cases::ops::ref_id(&key),
                    &installment.borrower,
                    Money::new(amount, settings.currency),
                    Some(bank.clone()),
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
                batch.push_fund(decision);
                batch.push_credit(&event, applied, actor);
            }
            if batch.installments >= RUN_CHUNK {
                self.flush_run_batch(org_id, &mut book, &mut fund_read, &mut batch, report, actor)
                    .await?;
            }
        }
        self.flush_run_batch(org_id, &mut book, &mut fund_read, &mut batch, report, actor)
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
        Ok(())
    }

    /// Commits what the run decided since the last flush, in ONE transaction: the credit
    /// event(s) listing the installments (recorded in `book` under their slots), the Fund's
    /// decisions as one `fund.decision` (chunked by size), per due date one Fund entry summing
    /// the installments and per due date and lender one entry moving their interest to the
    /// ODF's expense, and the replenishments (entries and events as decided). It claims the
    /// Fund's slot at `fund_read` (the `fund` events the run decided on, its own included),
    /// which it then advances by the events it added.
    async fn flush_run_batch(
        &self,
        org_id: OrgId,
        book: &mut CreditBook,
        fund_read: &mut u64,
        batch: &mut RunBatch,
        report: &mut CreditDayReport,
        actor: &Actor,
    ) -> Result<(), AppError> {
        if batch.installments == 0 && batch.events.is_empty() {
            return Ok(());
        }
        let b = std::mem::take(batch);
        let slot = book.next_trust_slot();
        let cur = book.currency;
        let recorded_at = chrono::Utc::now();
        let mut credit_events = Vec::new();
        for (i, rows) in crate::fund_cases::chunk_by_size(b.rows, TRUST_ROWS_BUDGET)
            .into_iter()
            .enumerate()
        {
            let event = CreditEvent::TrustPaidInstallments {
                slot: slot + i as u64,
                rows,
            };
            let payload = event.payload();
            let key = book.record_trust_rows(&event, payload.clone());
            credit_events.push(super::cases::event_row(
                &event,
                key,
                payload,
                actor,
                recorded_at,
            ));
        }
        let mut entries = Vec::with_capacity(b.paid_by_date.len() * 2 + b.entries.len());
        for (due_date, paid) in &b.paid_by_date {
            entries.push(paid.entry(org_id, slot, *due_date, cur)?);
        }
        for ((due_date, lender), interest) in &b.interest {
            entries.push(interest_reclass(slot, lender, *interest, *due_date)?);
        }
        entries.extend(b.entries);
        let decision = fund::Decision {
            entries,
            events: b.fund_events,
        };
        let key = format!("installments:credit-trust-{slot}");
        let mut commit =
            crate::fund_cases::fund_decision_commit(&key, &decision, &fund_audit(actor))?;
        commit.accounts.extend(b.accounts);
        commit.events.extend(credit_events);
        commit.events.extend(b.events);
        let audit = fund_audit(actor);
        let added = crate::fund_cases::claim_fund_slot(&mut commit, *fund_read, &audit)?;
        let done = self.store().commit(org_id, &commit).await?;
        *fund_read += added;
        if !done.was_replay() {
            report.installments_paid += b.installments as u32;
            report.paid_minor += b.paid_minor;
        }
        Ok(())
    }
}

/// Organisations whose daily run goes on at the same time (`Scope::All`).
const RUN_CONCURRENCY: usize = 4;

/// Installments per commit of the daily run: each adds a row to the chunk's credit event and
/// an event to its Fund decision (a few events of up to 48 KiB each), and maybe a replenishment
/// (an entry and an event); the Fund entries are per due date, not per installment.
const RUN_CHUNK: usize = 2_000;

/// Payload budget of one [`CreditEvent::TrustPaidInstallments`] (the store takes 64 KiB).
const TRUST_ROWS_BUDGET: usize = 48 * 1024;

/// What the trust paid on one due date in a chunk: the Fund entries' postings summed by
/// account, in the order the accounts first appear.
#[derive(Default)]
struct PaidOnDate {
    installments: usize,
    postings: Vec<(AccountCode, i64)>,
}

impl PaidOnDate {
    fn add(&mut self, entry: &ledger::ValidEntry) {
        self.installments += 1;
        for p in entry.postings() {
            let amount = p.amount.amount_minor();
            match self.postings.iter_mut().find(|(a, _)| *a == p.account) {
                Some((_, sum)) => *sum += amount,
                None => self.postings.push((p.account.clone(), amount)),
            }
        }
    }

    /// One balanced entry for the date (R-FUND-6): the sum of the installments' Fund entries,
    /// each of which balanced. Keyed by the chunk's first slot and the date.
    fn entry(
        &self,
        org_id: OrgId,
        slot: u64,
        date: NaiveDate,
        cur: ledger::Currency,
    ) -> Result<ledger::ValidEntry, AppError> {
        let draft = ledger::EntryDraft {
            idempotency_key: format!("fund:{org_id}:installments:credit-trust-{slot}:{date}"),
            reason: "fund.trust.installment".into(),
            rule_id: "R-FUND-6".into(),
            date,
            memo: format!(
                "Pago de amortización por el fideicomiso: {} cuotas con vencimiento {date}",
                self.installments
            ),
            postings: self
                .postings
                .iter()
                .filter(|(_, sum)| *sum != 0)
                .map(|(a, sum)| ledger::Posting::new(a.clone(), Money::new(*sum, cur)))
                .collect(),
            reverses: None,
        };
        Ok(draft.validate(|_| Some(cur))?)
    }
}

/// What the daily run has decided and not yet committed.
#[derive(Default)]
struct RunBatch {
    /// The installments paid, in the order they were decided.
    rows: Vec<TrustRow>,
    /// Due date → the Fund entries of its installments, summed.
    paid_by_date: BTreeMap<NaiveDate, PaidOnDate>,
    /// (due date, lender) → interest the trust paid, moved to the ODF's expense.
    interest: BTreeMap<(NaiveDate, String), i64>,
    /// The Fund's events, in the order decided (installments and replenishments).
    fund_events: Vec<fund::FundEvent>,
    /// Entries posted as decided (replenishments).
    entries: Vec<ledger::ValidEntry>,
    accounts: Vec<ledger::Account>,
    /// Credit events other than the installments (replenishments).
    events: Vec<store::NewEvent>,
    installments: usize,
    paid_minor: i64,
}

impl RunBatch {
    fn push_installment(&mut self, row: TrustRow, lender: &str, decision: fund::Decision) {
        let paid = self.paid_by_date.entry(row.on()).or_default();
        for e in &decision.entries {
            paid.add(e);
        }
        self.fund_events.extend(decision.events);
        if row.interest_minor() > 0 {
            let key = (row.on(), lender.to_string());
            *self.interest.entry(key).or_default() += row.interest_minor();
        }
        self.installments += 1;
        self.paid_minor += row.principal_minor() + row.interest_minor();
        self.rows.push(row);
    }

    fn push_fund(&mut self, decision: fund::Decision) {
        self.entries.extend(decision.entries);
        self.fund_events.extend(decision.events);
    }

    fn push_credit(&mut self, event: &CreditEvent, applied: super::book::Applied, actor: &Actor) {
        self.accounts.extend(applied.accounts);
        self.entries.extend(applied.entries);
        self.events.push(super::cases::event_row(
            event,
            event.key(),
            event.payload(),
            actor,
            chrono::Utc::now(),
        ));
    }
}
