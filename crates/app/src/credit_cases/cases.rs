//! The credit use cases: load the book (fold of the `credit` events), decide through
//! [`CreditBook::apply`] (the pure `credit` rules), persist the event, the accounts it opens and
//! the entries it posts in ONE [`store::Store::commit`].

use super::book::{
    CreditBook, CreditEvent, Day, Dec, DecisionRef, LineState, LoanState, ReviewSetting, Terms,
    STREAM,
};
use crate::{Actor, App, AppError};
use chrono::{Months, NaiveDate, Utc};
use credit::loan::Borrower;
use credit::quality::{self, PortfolioQuality};
use credit::schedule::ScheduleInput;
use governance::ProposalKind;
use ledger::AccountCode;
use registry::FieldError;
use rust_decimal::Decimal;
use store::{Commit, NewEvent, OrgId, Page, MAX_PAGE};

/// What a credit command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditOutcome {
    /// False when the same command had been committed before: nothing was written.
    pub created: bool,
}

/// Where the R-CRED-1 initial deposit is read until the Fund's own state is available.
pub const DEPOSITS_FROM_LEDGER: &str =
    "ledger: deposits (contributions, grants, temporary contributions) to fund:trust-bank:development and fund:trust-bank:competition";

/// Command: open a credit line (R-CRED-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLineCmd {
    pub line_id: i64,
    /// The lender's code, `[a-z0-9-]`.
    pub lender_code: String,
    /// Nominal annual rate as a fraction (R-CRED-4: the line's rate).
    pub annual_rate: Decimal,
    /// `None`: the maximum, 2 × the initial deposit.
    pub requested_limit_minor: Option<i64>,
    pub opened_on: NaiveDate,
    /// The review rule (R-CRED-2 setting); `None`: the programme default.
    pub review: Option<ReviewSetting>,
}

/// Command: a loan the board approved (R-CRED-3/4/5, R-GOV-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanApplication {
    pub loan_id: i64,
    pub line_id: i64,
    /// `None`: the ODF; `Some(member id)`.
    pub borrower: Option<i64>,
    pub terms: ScheduleInput,
    /// What the business plan recommends (R-CRED-3), in minor units.
    pub plan_recommended_minor: i64,
}

fn field(name: &'static str, message: impl Into<String>) -> AppError {
    AppError::Field(FieldError::new(name, message))
}

impl App {
    /// The credit state of the organisation: the fold of its `credit` events.
    pub async fn credit_book(&self, org_id: OrgId) -> Result<CreditBook, AppError> {
        let org = self.store().org(org_id).await?;
        let mut book = CreditBook::new(org.data.currency);
        let mut page = Page::first(MAX_PAGE);
        loop {
            let events = self.store().events(org_id, Some(STREAM), page).await?;
            let Some(last) = events.last() else { break };
            page.after_id = last.seq;
            let full = events.len() >= MAX_PAGE as usize;
            for stored in events {
                book.replay_stored(stored)?;
            }
            if !full {
                break;
            }
        }
        Ok(book)
    }

    /// Applies `events` to `book` and commits them with their accounts and entries, and
    /// `extra` (e.g. the Fund's entries of a trust payment), in one transaction. An event whose
    /// key was committed before with the same payload is skipped; with another payload it is
    /// a conflict. On error nothing is written (the caller drops `book`).
    pub(crate) async fn credit_commit(
        &self,
        org_id: OrgId,
        book: &mut CreditBook,
        actor: &Actor,
        events: Vec<CreditEvent>,
        extra: Commit,
    ) -> Result<CreditOutcome, AppError> {
        let mut commit = extra;
        credit_stage(book, actor, events, &mut commit)?;
        if commit.is_empty() {
            return Ok(CreditOutcome { created: false });
        }
        let done = self.store().commit(org_id, &commit).await?;
        Ok(CreditOutcome {
            created: !done.was_replay(),
        })
    }

    pub(crate) async fn credit_one(
        &self,
        org_id: OrgId,
        actor: &Actor,
        event: CreditEvent,
    ) -> Result<(CreditBook, CreditOutcome), AppError> {
        // A draw that lost the line's slot to another reads the line again and is decided
        // on what that one drew (`retrying!`).
        retrying!(event.kind(), {
            let mut book = self.credit_book(org_id).await?;
            let out = self
                .credit_commit(
                    org_id,
                    &mut book,
                    actor,
                    vec![event.clone()],
                    Commit::default(),
                )
                .await?;
            Ok((book, out))
        })
    }

    /// R-CRED-1: deposits into the Fund in its first three months, read from the ledger's
    /// trust accounts: every entry touching `fund:trust-bank:*` dated from the organisation's
    /// founding date (inclusive) to three months later (exclusive) counts what
    /// `credit::line::deposit_of` says it deposited (signed; 0 for the Fund's own money coming
    /// back: a borrower's replenishment, working capital recovered from trade).
    pub async fn initial_deposit_minor(&self, org_id: OrgId) -> Result<i64, AppError> {
        let org = self.store().org(org_id).await?;
        let start = org.data.founded_on;
        let settings = credit::line::LineSettings::default();
        // Issue 17: only the entries dated in the first months are read (the window
        // `credit::line::initial_deposit` counts), not every entry the Fund's accounts had.
        let Some(until) =
            start.checked_add_months(chrono::Months::new(settings.initial_deposit_months))
        else {
            // The rule names the overflow itself.
            return Ok(credit::line::initial_deposit(start, &[], &settings)?);
        };
        let mut deposits = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for code in ["fund:trust-bank:development", "fund:trust-bank:competition"] {
            let account = AccountCode::parse(code)?;
            let mut page = Page::first(MAX_PAGE);
            loop {
                let entries = self
                    .store()
                    .account_entries_dated(org_id, &account, start, until, page)
                    .await?;
                let Some(last) = entries.last() else { break };
                page.after_id = last.id;
                // An entry touching both trust accounts is read twice: counted once.
                deposits.extend(
                    entries
                        .iter()
                        .filter(|s| seen.insert(s.id))
                        .map(|s| (s.entry.date(), credit::line::deposit_of(&s.entry))),
                );
            }
        }
        Ok(credit::line::initial_deposit(start, &deposits, &settings)?)
    }

    /// R-CRED-1's initial deposit as [`App::initial_deposit_minor`] computes it, kept until the
    /// organisation's log moves ([`crate::kept_per_org`]): the lines page shows it to staff on
    /// every view, and computing it reads every entry of the Fund's first three months (about
    /// 1 s on the demo union). Opening a line decides on a fresh figure, never this one.
    pub async fn kept_initial_deposit_minor(
        &self,
        org_id: OrgId,
        today: chrono::NaiveDate,
    ) -> Result<i64, AppError> {
        let kept = self
            .kept_for_org(self.kept_deposit(), org_id, today, || {
                self.initial_deposit_minor(org_id)
            })
            .await?;
        Ok(*kept)
    }

    /// R-CRED-1: opens the line for the project group and its ODF at up to 2 × the initial
    /// deposit; opens the lender's and the credit accounts.
    pub async fn open_credit_line(
        &self,
        org_id: OrgId,
        actor: &Actor,
        cmd: OpenLineCmd,
    ) -> Result<(LineState, CreditOutcome), AppError> {
        let deposit = self.initial_deposit_minor(org_id).await?;
        let requested = cmd
            .requested_limit_minor
            .unwrap_or(deposit.saturating_mul(2));
        let event = CreditEvent::LineOpened {
            line_id: cmd.line_id,
            lender_code: cmd.lender_code,
            annual_rate: Dec(cmd.annual_rate),
            initial_deposit_minor: deposit,
            deposits_source: DEPOSITS_FROM_LEDGER.to_string(),
            requested_limit_minor: requested,
            opened_on: Day(cmd.opened_on),
            // R-CRED-2: the ODF's review rule in force on the opening day, unless given.
            review: match cmd.review {
                Some(r) => r,
                None => crate::settings_cases::review_setting_from(
                    &self.settings_history(org_id).await?,
                    cmd.opened_on,
                ),
            },
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.line(cmd.line_id)?.clone(), out))
    }

    /// R-CRED-2: the semiannual review (double / keep / halve per the ODF's rule, capped at
    /// 64 × the initial deposit, never below what is drawn). `unresolved_notices` are the
    /// R-FUND-6 notices of non-fulfilment outstanding.
    pub async fn review_credit_line(
        &self,
        org_id: OrgId,
        actor: &Actor,
        line_id: i64,
        on: NaiveDate,
    ) -> Result<(LineState, CreditOutcome), AppError> {
        let unresolved_notices = self.unresolved_notices(org_id, on).await?;
        // Issue 16: a review rule the board changed applies from its day to every line.
        let history = self.settings_history(org_id).await?;
        let changed = crate::settings_cases::REVIEW_KEYS
            .iter()
            .any(|k| history.change_on(*k, on).is_some());
        let event = CreditEvent::LineReviewed {
            line_id,
            on: Day(on),
            unresolved_notices,
            rule: changed.then(|| crate::settings_cases::review_setting_from(&history, on)),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.line(line_id)?.clone(), out))
    }

    /// Every review that has fallen due by `through`, in order (e.g. a catch-up after months
    /// without a run). Returns how many were done.
    pub async fn review_credit_line_through(
        &self,
        org_id: OrgId,
        actor: &Actor,
        line_id: i64,
        through: NaiveDate,
    ) -> Result<u32, AppError> {
        let mut done = 0;
        for _ in 0..200 {
            let book = self.credit_book(org_id).await?;
            let st = book.line(line_id)?;
            let Some(due) = st.line.next_review_on(&st.settings) else {
                break;
            };
            if due > through {
                break;
            }
            self.review_credit_line(org_id, actor, line_id, due).await?;
            done += 1;
        }
        Ok(done)
    }

    /// Draws on the line into the ODF's bank (R-CRED-3, limited by R-CRED-1/2).
    pub async fn draw_credit_line(
        &self,
        org_id: OrgId,
        actor: &Actor,
        line_id: i64,
        amount_minor: i64,
        on: NaiveDate,
        reference: &str,
    ) -> Result<(LineState, CreditOutcome), AppError> {
        check_reference(reference)?;
        let event = CreditEvent::LineDrawn {
            line_id,
            amount_minor,
            on: Day(on),
            reference: reference.to_string(),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.line(line_id)?.clone(), out))
    }

    /// The ODF repays its lender: principal frees the line, interest is an expense.
    #[allow(clippy::too_many_arguments)]
    pub async fn repay_credit_line(
        &self,
        org_id: OrgId,
        actor: &Actor,
        line_id: i64,
        principal_minor: i64,
        interest_minor: i64,
        on: NaiveDate,
        reference: &str,
    ) -> Result<(LineState, CreditOutcome), AppError> {
        check_reference(reference)?;
        let event = CreditEvent::LineRepaid {
            line_id,
            principal_minor,
            interest_minor,
            on: Day(on),
            reference: reference.to_string(),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.line(line_id)?.clone(), out))
    }

    /// R-CRED-6: the line and its loans move to another lender, history intact.
    pub async fn transfer_credit_line(
        &self,
        org_id: OrgId,
        actor: &Actor,
        line_id: i64,
        to_lender: &str,
        on: NaiveDate,
    ) -> Result<(LineState, CreditOutcome), AppError> {
        let event = CreditEvent::LineTransferred {
            line_id,
            to_lender: to_lender.to_string(),
            on: Day(on),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.line(line_id)?.clone(), out))
    }

    /// A member who may borrow or lease on `on`: registered in this organisation, not left.
    pub(crate) async fn active_member(
        &self,
        org_id: OrgId,
        member_id: i64,
        on: NaiveDate,
        rule: &'static str,
        name: &'static str,
    ) -> Result<(), AppError> {
        let m = match self.store().member(org_id, member_id).await {
            Ok(m) => m,
            Err(store::StoreError::NotFound { .. }) => {
                return Err(field(
                    name,
                    format!("{rule}: el socio {member_id} no existe en esta ODF"),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        if !m.is_active_on(on) {
            return Err(field(
                name,
                format!("{rule}: el socio {member_id} dejó la ODF (left the group)"),
            ));
        }
        Ok(())
    }

    /// R-CRED-3/4/5: records a loan the board approved (the decision must be about
    /// `loan:{loan_id}` and approve it), checked against the business plan, the line's
    /// available limit (net of loans approved and not yet disbursed) and, for a member who
    /// repaid before, 1.5 × the repaid amount (R-CRED-5).
    pub async fn approve_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        application: LoanApplication,
        decision_id: i64,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        if let Some(m) = application.borrower {
            self.active_member(
                org_id,
                m,
                application.terms.disbursement_date,
                "R-CRED-3",
                "borrower",
            )
            .await?;
        }
        let decision = self
            .board_decision_for(
                org_id,
                decision_id,
                &format!("loan:{}", application.loan_id),
                application.terms.principal_minor,
            )
            .await?;
        let event = CreditEvent::LoanApproved {
            loan_id: application.loan_id,
            line_id: application.line_id,
            borrower: application.borrower,
            terms: Terms::from_input(&application.terms),
            plan_recommended_minor: application.plan_recommended_minor,
            decision,
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.loan(application.loan_id)?.clone(), out))
    }

    /// R-CRED-3: disburses an approved loan on its schedule's start date (draws the line).
    pub async fn disburse_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        let book = self.credit_book(org_id).await?;
        // Only a loan the board approved is disbursed (R-GOV-2, R-CRED-3).
        let Some(ls) = book.loans.get(&loan_id) else {
            return Err(AppError::Rule {
                rule: "R-GOV-2",
                field: "loan_id".into(),
                message: format!(
                    "el préstamo {loan_id} no tiene aprobación del consejo: no se desembolsa"
                ),
            });
        };
        let on = ls.loan.schedule.disbursement_date;
        let event = CreditEvent::LoanDisbursed {
            loan_id,
            on: Day(on),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.loan(loan_id)?.clone(), out))
    }

    /// R-CRED-4: a payment received: late interest → fees → interest → principal, the excess
    /// prepays principal (shortening the term). A payment to a closed loan is refused.
    pub async fn repay_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
        amount_minor: i64,
        on: NaiveDate,
        reference: &str,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        check_reference(reference)?;
        // A payment that puts money back into the trust claims the Fund's slot; after losing
        // it to another writer of the Fund it reads both books again (`retrying!`).
        retrying!("repay_loan", {
            self.repay_loan_once(org_id, actor, loan_id, amount_minor, on, reference)
                .await
        })
    }

    async fn repay_loan_once(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
        amount_minor: i64,
        on: NaiveDate,
        reference: &str,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        let paid = CreditEvent::LoanPaid {
            loan_id,
            reference: reference.to_string(),
            amount_minor,
            on: Day(on),
        };
        // The Fund before the credit book (as the daily run): a copy of this payment committed
        // after this read claims the same Fund slot with the same data, a replay.
        let fund = self.fund_book(org_id).await?;
        let mut book = self.credit_book(org_id).await?;
        if book.loan(loan_id)?.loan.borrower == Borrower::Odf {
            return self
                .repay_odf_loan(
                    org_id,
                    actor,
                    book,
                    fund,
                    loan_id,
                    amount_minor,
                    on,
                    reference,
                )
                .await;
        }
        let mut events = vec![paid.clone()];
        let mut extra = Commit::default();
        if book.payload_of(&paid.key()).is_none() {
            // R-FUND-6: what the member pays goes back into the trust, up to what it paid.
            let mut after = book.clone();
            after.apply(&paid)?;
            let mut state = fund.state;
            if let Some((event, commit)) = self
                .replenish_for(org_id, &after, &mut state, loan_id, on, reference, actor)
                .await?
            {
                events.push(event);
                extra = commit;
                crate::fund_cases::claim_fund_slot(&mut extra, fund.events_read, actor)?;
            }
        }
        let out = self
            .credit_commit(org_id, &mut book, actor, events, extra)
            .await?;
        Ok((book.loan(loan_id)?.clone(), out))
    }

    /// R-FUND-6 for the ODF's own loan: once the trustee paid its installments, what the ODF
    /// pays first replenishes the trust (up to what the trust paid and was not put back, which
    /// resolves the notice of non-fulfilment), and only the rest pays the loan (a prepayment).
    /// With nothing owed to the trust it is a plain payment. The same reference again is a
    /// no-op; with another amount, a conflict.
    #[allow(clippy::too_many_arguments)]
    async fn repay_odf_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        mut book: CreditBook,
        fund: crate::fund_cases::FundBook,
        loan_id: i64,
        amount_minor: i64,
        on: NaiveDate,
        reference: &str,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        let paid = |amount_minor: i64| CreditEvent::LoanPaid {
            loan_id,
            reference: reference.to_string(),
            amount_minor,
            on: Day(on),
        };
        let replenish_key = format!("credit:loan:{loan_id}:replenish:{reference}");
        let pay_key = paid(amount_minor).key();
        if book.payload_of(&replenish_key).is_some() || book.payload_of(&pay_key).is_some() {
            // Recorded before: the same amount is a replay, another one a conflict.
            let amount_of = |key: &str| -> i64 {
                match book
                    .payload_of(key)
                    .and_then(|p| serde_json::from_str::<CreditEvent>(p).ok())
                {
                    Some(CreditEvent::LoanReplenished { amount_minor, .. })
                    | Some(CreditEvent::LoanPaid { amount_minor, .. }) => amount_minor,
                    _ => 0,
                }
            };
            let recorded = amount_of(&replenish_key) + amount_of(&pay_key);
            if recorded != amount_minor {
                return Err(store::StoreError::conflict(format!(
                    "la referencia {reference} del préstamo {loan_id} ya se usó con otro importe"
                ))
                .into());
            }
            return Ok((
                book.loan(loan_id)?.clone(),
                CreditOutcome { created: false },
            ));
        }
        if amount_minor <= 0 {
            return Err(field("amount_minor", "el importe debe ser positivo"));
        }
        let to_trust = amount_minor.min(super::daily::odf_owes_trust(&book, loan_id));
        let mut events = Vec::new();
        let mut extra = Commit::default();
        if to_trust > 0 {
            let mut state = fund.state;
            if let Some((event, commit)) = self
                .replenish_amount(
                    org_id, &book, &mut state, loan_id, to_trust, on, reference, actor,
                )
                .await?
            {
                events.push(event);
                extra = commit;
                crate::fund_cases::claim_fund_slot(&mut extra, fund.events_read, actor)?;
            }
        }
        if amount_minor > to_trust {
            events.push(paid(amount_minor - to_trust));
        }
        let out = self
            .credit_commit(org_id, &mut book, actor, events, extra)
            .await?;
        Ok((book.loan(loan_id)?.clone(), out))
    }

    /// Late interest (setting: the loan's own rate, on overdue principal, actual/365) through
    /// `on`; no entry (income when received).
    pub async fn accrue_loan_late_interest(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
        on: NaiveDate,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        let event = CreditEvent::LoanLateInterest {
            loan_id,
            on: Day(on),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.loan(loan_id)?.clone(), out))
    }

    /// Writes a member loan off on a board decision about `write-off:{loan_id}`.
    pub async fn write_off_loan(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
        on: NaiveDate,
        decision_id: i64,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        let decision = self
            .board_decision_for(org_id, decision_id, &format!("write-off:{loan_id}"), 0)
            .await?;
        let event = CreditEvent::LoanWrittenOff {
            loan_id,
            on: Day(on),
            decision,
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.loan(loan_id)?.clone(), out))
    }

    /// Reverses the loan's most recent payment (its entry is reversed; history stays).
    pub async fn reverse_loan_payment(
        &self,
        org_id: OrgId,
        actor: &Actor,
        loan_id: i64,
        payment_reference: &str,
        on: NaiveDate,
    ) -> Result<(LoanState, CreditOutcome), AppError> {
        let pay_key = format!("credit:loan:{loan_id}:pay:{payment_reference}");
        let book = self.credit_book(org_id).await?;
        let reverse_key = format!("credit:loan:{loan_id}:reverse:{payment_reference}");
        let entry_id = match book.payload_of(&reverse_key) {
            // Already reversed: replay the same event.
            Some(p) => match serde_json::from_str::<CreditEvent>(p) {
                Ok(CreditEvent::LoanPaymentReversed { entry_id, .. }) => entry_id,
                _ => return Err(AppError::Integrity(format!("{reverse_key}: bad payload"))),
            },
            None => self.entry_id_by_key(org_id, &pay_key).await?,
        };
        let event = CreditEvent::LoanPaymentReversed {
            loan_id,
            payment_reference: payment_reference.to_string(),
            entry_id,
            on: Day(on),
        };
        let (book, out) = self.credit_one(org_id, actor, event).await?;
        Ok((book.loan(loan_id)?.clone(), out))
    }

    /// The id of the entry posted under `key` (posting it again answers its id unchanged).
    async fn entry_id_by_key(&self, org_id: OrgId, key: &str) -> Result<i64, AppError> {
        // The payment's entry is known to the book; re-posting the same entry is a no-op that
        // returns the stored id (the store's idempotency contract).
        let book = self.credit_book(org_id).await?;
        let entry = book
            .loans
            .values()
            .flat_map(|l| l.loan.payments.iter())
            .find(|p| p.key == key)
            .map(|p| p.entry.clone())
            .ok_or_else(|| field("payment", format!("R-CRED-4: no hay pago {key}")))?;
        let posted = self.store().post(org_id, &entry).await?;
        if posted.created {
            return Err(AppError::Integrity(format!(
                "{key}: the payment's entry was missing from the ledger"
            )));
        }
        Ok(posted.entry_id)
    }

    /// Portfolio quality on `on` (delinquency, aging, PAR30/PAR90, repayment rate) of the
    /// organisation's loans.
    pub async fn loan_portfolio(
        &self,
        org_id: OrgId,
        on: NaiveDate,
    ) -> Result<PortfolioQuality, AppError> {
        let book = self.credit_book(org_id).await?;
        let loans: Vec<_> = book.loans.values().map(|l| l.loan.clone()).collect();
        Ok(quality::portfolio_quality(&loans, on))
    }

    /// Programme-wide portfolio quality: every organisation's loans together.
    pub async fn programme_portfolio(&self, on: NaiveDate) -> Result<PortfolioQuality, AppError> {
        let mut loans = Vec::new();
        for org in self.store().orgs().await? {
            let book = self.credit_book(org.id).await?;
            loans.extend(book.loans.into_values().map(|l| l.loan));
        }
        Ok(quality::portfolio_quality(&loans, on))
    }

    /// R-CRED-5: the largest next loan a member may get on this line (graduation visible).
    pub async fn loan_eligibility(
        &self,
        org_id: OrgId,
        line_id: i64,
        member_id: i64,
        plan_recommended_minor: i64,
    ) -> Result<credit::loan::Eligibility, AppError> {
        let book = self.credit_book(org_id).await?;
        let line = &book.line(line_id)?.line;
        let pending = book.pending_minor(line_id);
        let history = book.history_of(Borrower::Member(member_id));
        Ok(credit::loan::eligibility(&credit::loan::EligibilityInput {
            requested_minor: 0,
            line_available_minor: line.available_minor() - pending,
            plan_recommended_minor,
            history: &history,
        }))
    }

    /// R-FUND-6 notices of non-fulfilment unresolved when the review runs (for R-CRED-2):
    /// one per borrower for whom the trust paid more than they replenished. Read from the
    /// Fund as it stands (`_on` is the review's date, which is the day it runs).
    pub async fn unresolved_notices(&self, org_id: OrgId, _on: NaiveDate) -> Result<u32, AppError> {
        let state = self.fund_state(org_id).await?;
        let notices = fund::trust::non_fulfilment_notices(&state);
        Ok(u32::try_from(notices.len()).unwrap_or(u32::MAX))
    }

    /// The one mapping from a board decision (`App::decision`, R-GOV-2) to what credit
    /// records: the decision must be about `subject` (`loan:7`, `write-off:7`, `lease:2`,
    /// `lease-transfer:2`), of the matching kind, and for at least `amount_minor`.
    pub(crate) async fn board_decision_for(
        &self,
        org_id: OrgId,
        decision_id: i64,
        subject: &str,
        amount_minor: i64,
    ) -> Result<DecisionRef, AppError> {
        let d = self.decision(org_id, decision_id).await?;
        decision_ref_for(&d, decision_id, subject, amount_minor)
    }
}

/// R-GOV-2: the decision must be about `subject`, of the matching kind, and for at least
/// `amount_minor` (the check of [`App::board_decision_for`], on a decision already read).
pub(crate) fn decision_ref_for(
    d: &governance::Decision,
    decision_id: i64,
    subject: &str,
    amount_minor: i64,
) -> Result<DecisionRef, AppError> {
    let refuse = |message: String| AppError::Rule {
        rule: "R-GOV-2",
        field: "decision".into(),
        message,
    };
    if d.subject != subject {
        return Err(refuse(format!(
            "la decisión {decision_id} trata de '{}', no de '{subject}'",
            d.subject
        )));
    }
    let kind_ok = match subject.split(':').next() {
        Some("loan") | Some("write-off") => d.kind == ProposalKind::Loan,
        Some("lease") | Some("lease-transfer") => d.kind == ProposalKind::Lease,
        _ => false,
    };
    if !kind_ok {
        return Err(refuse(format!(
            "la decisión {decision_id} es de tipo {:?}",
            d.kind
        )));
    }
    if amount_minor > d.amount_minor {
        return Err(refuse(format!(
            "el consejo aprobó {}, se pide {}",
            ledger::Money::new(d.amount_minor, ledger::Currency::MXN).to_major_string(),
            ledger::Money::new(amount_minor, ledger::Currency::MXN).to_major_string()
        )));
    }
    Ok(DecisionRef {
        decision_id,
        approved: d.approved,
        decided_on: Day(d.decided_on),
    })
}

/// The stored form of a credit event (stream `credit`).
/// Applies `events` to `book` and adds what they write (their rows, accounts, entries and a
/// draw's line slot) to `commit`, without writing: [`App::credit_commit`] commits it alone,
/// the collection sheet (`dues_cases`) together with the meeting's other payments. An event
/// recorded before with the same payload is skipped; with another, a conflict.
pub(crate) fn credit_stage(
    book: &mut CreditBook,
    actor: &Actor,
    events: Vec<CreditEvent>,
    commit: &mut Commit,
) -> Result<(), AppError> {
    let recorded_at = Utc::now();
    for event in events {
        let key = event.key();
        let payload = event.payload();
        if let Some(previous) = book.payload_of(&key) {
            if previous == payload {
                continue;
            }
            return Err(store::StoreError::conflict(format!(
                "{key} was recorded before with other data"
            ))
            .into());
        }
        // A draw claims the line's slot (gate.rs): two draws that read the same line
        // cannot together pass its limit.
        if let Some(line_id) = super::gate::line_drawn_by(book, &event) {
            commit.events.extend(super::gate::line_slot(
                book,
                line_id,
                &key,
                actor,
                recorded_at,
            ));
        }
        let applied = book.apply(&event)?;
        commit.accounts.extend(applied.accounts);
        commit.entries.extend(applied.entries);
        commit
            .events
            .push(event_row(&event, key, payload, actor, recorded_at));
    }
    Ok(())
}

pub(crate) fn event_row(
    event: &CreditEvent,
    key: String,
    payload: String,
    actor: &Actor,
    recorded_at: chrono::DateTime<Utc>,
) -> NewEvent {
    NewEvent {
        stream: STREAM.to_string(),
        kind: event.kind().to_string(),
        key,
        payload,
        actor: actor.name.clone(),
        origin: actor.origin.clone(),
        recorded_at,
    }
}

/// A caller's reference (receipt number, ...): 1 to 64 characters of `[A-Za-z0-9._-]`.
pub(crate) fn check_reference(reference: &str) -> Result<(), AppError> {
    let ok = !reference.is_empty()
        && reference.len() <= 64
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(field(
            "reference",
            "de 1 a 64 caracteres [A-Za-z0-9._-] (a receipt number or similar)",
        ))
    }
}

/// Three months after `d` (the R-CRED-1 window), for callers that display it.
pub fn initial_deposit_window_end(d: NaiveDate) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(3))
}
