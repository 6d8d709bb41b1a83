//! The loan lifecycle as pure decisions (R-CRED-3, R-CRED-4, R-CRED-5; approval R-GOV-2).
//!
//! eligibility → [`approve`] (needs a board decision) → [`disburse`] (draws the line) →
//! [`repay`] (allocation late interest → fees → interest → principal; any excess prepays
//! principal) / [`accrue_late_interest`] / [`write_off`] / [`reverse_last_payment`].
//!
//! Accounts (see [`crate::accounts`]): a member's loan is `members:{id}:loan`; a loan to the
//! ODF itself is the line draw (`lenders:{code}:line`), repaid with interest to
//! `odf:expense:line-interest`. Cash basis: interest and fees are income when received.

use crate::accounts;
use crate::book::{Allocation, Book};
use crate::line::{self, CreditLine};
use crate::schedule::{build_schedule, ExactRate, Schedule, ScheduleInput};
use crate::{CreditError, Result};
use chrono::NaiveDate;
use ledger::{AccountCode, ValidEntry};
use rust_decimal::Decimal;

/// Who owes the loan (R-CRED-3: "credit goes to the ODF or to a member").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Borrower {
    Odf,
    Member(i64),
}

/// What a board decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Loan(i64),
    WriteOff(i64),
    Lease(i64),
    LeaseTransfer(i64),
}

/// A board decision as the app hands it over after the vote (R-GOV-2). Lenders and supporters
/// can never produce one (R-GOV-1): only the board's recorded vote can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardApproval {
    pub decision_id: i64,
    pub subject: Subject,
    pub approved: bool,
    pub decided_on: NaiveDate,
}

impl BoardApproval {
    pub(crate) fn require(&self, subject: Subject, rule: &'static str) -> Result<()> {
        if self.subject != subject {
            return Err(CreditError::invalid(
                rule,
                "board_decision",
                format!(
                    "decision {} is about {:?}, not {:?}",
                    self.decision_id, self.subject, subject
                ),
            ));
        }
        if !self.approved {
            return Err(CreditError::state(
                rule,
                "board_decision",
                format!("decision {} did not approve", self.decision_id),
            ));
        }
        Ok(())
    }
}

/// A closed loan in a member's history (R-CRED-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanOutcome {
    pub principal_minor: i64,
    pub closed_on: NaiveDate,
    /// Every installment paid by its due date.
    pub repaid_on_time: bool,
}

/// Inputs to eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EligibilityInput<'a> {
    pub requested_minor: i64,
    pub line_available_minor: i64,
    /// What the business plan recommends (R-CRED-3).
    pub plan_recommended_minor: i64,
    /// The borrower's closed loans, any order.
    pub history: &'a [LoanOutcome],
}

/// Which bound decides the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Line,
    Plan,
    Graduation,
}

/// The largest loan allowed and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eligibility {
    pub max_minor: i64,
    pub binding: Bound,
    /// R-CRED-5 cap from the most recent closed loan, if any.
    pub graduation_cap_minor: Option<i64>,
}

/// R-CRED-5 graduation: after a loan repaid on time the member is eligible for up to 1.5× it.
/// **(decision, this crate)** after a loan *not* repaid on time there is no growth: the cap is
/// that loan's amount. Without history there is no graduation cap (the plan decides).
pub fn graduation_cap(history: &[LoanOutcome]) -> Option<i64> {
    let last = history.iter().max_by_key(|o| o.closed_on)?;
    Some(if last.repaid_on_time {
        ledger::round::div_half_even(i128::from(last.principal_minor) * 3, 2)
            .and_then(|v| i64::try_from(v).ok())
            .unwrap_or(i64::MAX)
    } else {
        last.principal_minor
    })
}

/// min(line available (R-CRED-1), plan recommendation (R-CRED-3), graduation cap (R-CRED-5)).
pub fn eligibility(input: &EligibilityInput<'_>) -> Eligibility {
    let grad = graduation_cap(input.history);
    let mut max = input.line_available_minor.max(0);
    let mut binding = Bound::Line;
    if input.plan_recommended_minor < max {
        max = input.plan_recommended_minor.max(0);
        binding = Bound::Plan;
    }
    if let Some(g) = grad {
        if g < max {
            max = g;
            binding = Bound::Graduation;
        }
    }
    Eligibility {
        max_minor: max,
        binding,
        graduation_cap_minor: grad,
    }
}

/// As [`eligibility`], refusing a request above the maximum with the binding rule's id.
pub fn check_eligibility(input: &EligibilityInput<'_>) -> Result<Eligibility> {
    let e = eligibility(input);
    if input.requested_minor <= 0 {
        return Err(CreditError::invalid(
            "R-CRED-3",
            "requested_minor",
            "must be positive",
        ));
    }
    if input.requested_minor > e.max_minor {
        let rule = match e.binding {
            Bound::Line => "R-CRED-1",
            Bound::Plan => "R-CRED-3",
            Bound::Graduation => "R-CRED-5",
        };
        return Err(CreditError::ExceedsLimit {
            rule,
            field: "requested_minor",
            requested_minor: input.requested_minor,
            allowed_minor: e.max_minor,
        });
    }
    Ok(e)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanStatus {
    Approved,
    Active,
    Closed,
    WrittenOff,
}

/// One payment as recorded, with the entry it produced (for reversal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub key: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
    pub allocation: Allocation,
    pub prepaid_principal_minor: i64,
    /// The rows before a prepayment reshaped them, to restore on reversal.
    pub book_before: Option<Book>,
    pub entry: ValidEntry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoanEventKind {
    Approved {
        decision_id: i64,
    },
    Disbursed,
    /// Issue 16: drawn before Tequio; what remained on the opening day `as_of` was imported.
    Imported {
        as_of: NaiveDate,
    },
    Paid {
        key: String,
        amount_minor: i64,
    },
    LateInterest {
        amount_minor: i64,
        through: NaiveDate,
    },
    PaymentReversed {
        key: String,
    },
    Closed,
    WrittenOff {
        decision_id: i64,
        principal_minor: i64,
    },
    LenderChanged {
        from: String,
        to: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanEvent {
    pub date: NaiveDate,
    pub kind: LoanEventKind,
}

/// A loan's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loan {
    pub id: i64,
    pub line_id: i64,
    pub lender_code: String,
    pub borrower: Borrower,
    pub status: LoanStatus,
    /// The schedule as offered and approved; never changed.
    pub schedule: Schedule,
    /// What is due and paid now (prepayments reshape future rows here).
    pub book: Book,
    pub late_interest_through: Option<NaiveDate>,
    pub payments: Vec<PaymentRecord>,
    pub events: Vec<LoanEvent>,
}

impl Loan {
    pub fn outstanding_principal_minor(&self) -> i64 {
        match self.status {
            LoanStatus::Active => self.book.outstanding_principal_minor(),
            _ => 0,
        }
    }

    pub(crate) fn with_lender(&self, to: &str, date: NaiveDate) -> Loan {
        let mut l = self.clone();
        l.events.push(LoanEvent {
            date,
            kind: LoanEventKind::LenderChanged {
                from: self.lender_code.clone(),
                to: to.to_string(),
            },
        });
        l.lender_code = to.to_string();
        l
    }

    /// A closed loan as history for graduation (R-CRED-5).
    pub fn outcome(&self) -> Option<LoanOutcome> {
        if self.status != LoanStatus::Closed {
            return None;
        }
        let closed_on = self.book.rows.iter().filter_map(|r| r.settled_on).max()?;
        let repaid_on_time = self
            .book
            .rows
            .iter()
            .all(|r| r.settled_on.is_some_and(|d| d <= r.due_date));
        Some(LoanOutcome {
            principal_minor: self.schedule.principal_minor,
            closed_on,
            repaid_on_time,
        })
    }
}

/// Command: a loan the board has voted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanProposal {
    pub id: i64,
    pub borrower: Borrower,
    pub terms: ScheduleInput,
}

/// Approves a proposal: the board decision must approve this loan (R-GOV-2), the amount must
/// be eligible (R-CRED-1/3/5) and the rate must be the line's (R-CRED-4).
pub fn approve(
    proposal: &LoanProposal,
    line: &CreditLine,
    plan_recommended_minor: i64,
    history: &[LoanOutcome],
    decision: &BoardApproval,
) -> Result<Loan> {
    decision.require(Subject::Loan(proposal.id), "R-GOV-2")?;
    if proposal.terms.rate.annual() != line.rate.annual() {
        return Err(CreditError::invalid(
            "R-CRED-4",
            "terms.rate",
            "must be the line's rate",
        ));
    }
    if proposal.terms.currency != line.currency {
        return Err(CreditError::invalid(
            "R-CRED-3",
            "terms.currency",
            "must be the line's currency",
        ));
    }
    check_eligibility(&EligibilityInput {
        requested_minor: proposal.terms.principal_minor,
        line_available_minor: line.available_minor(),
        plan_recommended_minor,
        history,
    })?;
    let schedule = build_schedule(&proposal.terms)?;
    Ok(Loan {
        id: proposal.id,
        line_id: line.id,
        lender_code: line.lender_code.clone(),
        borrower: proposal.borrower,
        status: LoanStatus::Approved,
        book: Book::from_schedule(&schedule),
        schedule,
        late_interest_through: None,
        payments: Vec::new(),
        events: vec![LoanEvent {
            date: decision.decided_on,
            kind: LoanEventKind::Approved {
                decision_id: decision.decision_id,
            },
        }],
    })
}

/// A disbursement: the loan, the line after the draw, and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disbursement {
    pub loan: Loan,
    pub line: CreditLine,
    pub entries: Vec<ValidEntry>,
}

/// Disburses on the schedule's disbursement date: draws the line (R-CRED-3, limited by
/// R-CRED-1) and, for a member, moves the money to `members:{id}:loan` less the opening fee.
pub fn disburse(
    loan: &Loan,
    line: &CreditLine,
    date: NaiveDate,
    key: &str,
) -> Result<Disbursement> {
    let mut next = loan.clone();
    let mut line = line.clone();
    let entries = disburse_in_place(&mut next, &mut line, date, Some(key))?;
    Ok(Disbursement {
        loan: next,
        line,
        entries,
    })
}

/// [`disburse`] on the loan and the line themselves, without copying their histories (the
/// credit book's replay of thousands of loans on one line). With `key` the entries are built
/// and returned; without, only the state changes (a replay: the ledger has them), after the
/// same checks. On error both are unchanged.
pub fn disburse_in_place(
    loan: &mut Loan,
    line: &mut CreditLine,
    date: NaiveDate,
    key: Option<&str>,
) -> Result<Vec<ValidEntry>> {
    if loan.status != LoanStatus::Approved {
        return Err(CreditError::state(
            "R-CRED-3",
            "loan_id",
            "only an approved loan is disbursed",
        ));
    }
    if loan.line_id != line.id {
        return Err(CreditError::invalid(
            "R-CRED-3",
            "line_id",
            "the loan is drawn on another line",
        ));
    }
    if date != loan.schedule.disbursement_date {
        return Err(CreditError::invalid(
            "R-CRED-4",
            "date",
            "differs from the schedule's disbursement date: rebuild the schedule",
        ));
    }
    let p = loan.schedule.principal_minor;
    let fee = loan.schedule.upfront_fee_minor;
    let memo = || format!("Desembolso del préstamo {}", loan.id);
    // Built before the line is drawn, so an error leaves the line as it was.
    let second = match (key, loan.borrower) {
        (None, _) => None,
        (Some(key), Borrower::Member(m)) => Some(accounts::entry(
            &format!("{key}:disburse"),
            "loan.disbursement",
            "R-CRED-3",
            date,
            memo(),
            loan.schedule.currency,
            &[
                (accounts::member_loan(m), p),
                (accounts::odf_bank(), -(p - fee)),
                (accounts::fee_income(), -fee),
            ],
        )?),
        (Some(key), Borrower::Odf) if fee > 0 => Some(accounts::entry(
            &format!("{key}:fee"),
            "loan.opening-fee",
            "R-CRED-4",
            date,
            memo(),
            loan.schedule.currency,
            &[
                (accounts::line_interest_expense(), fee),
                (accounts::odf_bank(), -fee),
            ],
        )?),
        (Some(_), Borrower::Odf) => None,
    };
    let draw_key = key.map(|k| format!("{k}:draw"));
    let draw = line::draw_in_place(line, p, date, draw_key.as_deref())?;
    let mut entries: Vec<ValidEntry> = draw.into_iter().collect();
    entries.extend(second);
    loan.status = LoanStatus::Active;
    loan.events.push(LoanEvent {
        date,
        kind: LoanEventKind::Disbursed,
    });
    Ok(entries)
}

/// Command: a payment received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub key: String,
    pub date: NaiveDate,
    pub amount_minor: i64,
}

/// The decision on a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepaymentDecision {
    pub loan: Loan,
    pub allocation: Allocation,
    pub prepaid_principal_minor: i64,
    pub entry: ValidEntry,
}

/// What paying the loan off on `date` costs: everything due by then, plus the current period's
/// row (interest as scheduled), plus the principal of every later row.
pub fn payoff_minor(loan: &Loan, date: NaiveDate) -> i64 {
    let mut total = 0;
    let mut current_seen = false;
    for r in &loan.book.rows {
        let out = r.outstanding();
        if r.due_date <= date || !current_seen {
            total += out.total();
            if r.due_date > date {
                current_seen = true;
            }
        } else {
            total += out.principal_minor;
        }
    }
    total
}

/// Applies a payment (R-CRED-4): first to rows due by `date`, oldest first, late interest →
/// fees → interest → principal; an excess prepays principal. **(decision, this crate)** a
/// prepayment first pays the current period's row in full (its interest as scheduled), then
/// reduces principal from the last row backwards (shortening the term), and the interest of
/// every later row is recomputed on the lower balance. More than [`payoff_minor`] is refused.
/// A payment to a loan that is not active is refused.
pub fn repay(loan: &Loan, payment: &Payment) -> Result<RepaymentDecision> {
    if loan.status != LoanStatus::Active {
        return Err(CreditError::state(
            "R-CRED-4",
            "loan_id",
            format!("loan {} is {:?}: it takes no payment", loan.id, loan.status),
        ));
    }
    if payment.amount_minor <= 0 {
        return Err(CreditError::invalid(
            "R-CRED-4",
            "amount_minor",
            "must be positive",
        ));
    }
    let payoff = payoff_minor(loan, payment.date);
    if payment.amount_minor > payoff {
        return Err(CreditError::ExceedsLimit {
            rule: "R-CRED-4",
            field: "amount_minor",
            requested_minor: payment.amount_minor,
            allowed_minor: payoff,
        });
    }
    let mut next = loan.clone();
    let mut allocation = next
        .book
        .allocate(payment.amount_minor, payment.date, Some(payment.date));
    let mut prepaid = 0;
    let mut book_before = None;
    if allocation.unapplied_minor > 0 {
        book_before = Some(loan.book.clone());
        // Pay the current period's row in full.
        let current = next
            .book
            .rows
            .iter()
            .position(|r| r.due_date > payment.date);
        if let Some(ci) = current {
            let due_by = next.book.rows[ci].due_date;
            let extra = next
                .book
                .allocate(allocation.unapplied_minor, payment.date, Some(due_by));
            merge(&mut allocation, extra);
            if allocation.unapplied_minor > 0 {
                prepaid = allocation.unapplied_minor;
                prepay(&mut next, ci + 1, prepaid, payment.date)?;
                allocation.total.principal_minor += prepaid;
                allocation.unapplied_minor = 0;
            }
        }
    }
    let entry = payment_entry(&next, &allocation.total, payment)?;
    next.events.push(LoanEvent {
        date: payment.date,
        kind: LoanEventKind::Paid {
            key: payment.key.clone(),
            amount_minor: payment.amount_minor,
        },
    });
    if next.book.is_settled() {
        next.status = LoanStatus::Closed;
        next.events.push(LoanEvent {
            date: payment.date,
            kind: LoanEventKind::Closed,
        });
    }
    next.payments.push(PaymentRecord {
        key: payment.key.clone(),
        date: payment.date,
        amount_minor: payment.amount_minor,
        allocation: allocation.clone(),
        prepaid_principal_minor: prepaid,
        book_before,
        entry: entry.clone(),
    });
    Ok(RepaymentDecision {
        loan: next,
        allocation,
        prepaid_principal_minor: prepaid,
        entry,
    })
}

/// R-FUND-6 with R-CRED-4: what the trustee pays the lender for installment `number` on its due
/// date, as `(principal, interest)`, or `None` when nothing is due.
///
/// It is the row as it stands *now*, not as approved: a prepayment (which shortens the term
/// and lowers later interest, see [`repay`]) has reduced or removed it. For a loan to the ODF
/// it is only what the ODF has not paid itself; for a member it is the row's whole amount (the
/// member owes it to the ODF and replenishes the trust). Never more principal than
/// `principal_left`, the part of the loan's principal the trust may still pay (the caller
/// passes the principal less what was prepaid and what the trust paid before). Fees are the
/// ODF's income, never the lender's. Nothing for a loan that is not active.
pub fn trust_due(loan: &Loan, number: u32, principal_left: i64) -> Option<(i64, i64)> {
    if loan.status != LoanStatus::Active {
        return None;
    }
    let row = loan.book.rows.iter().find(|r| r.number == number)?;
    let parts = match loan.borrower {
        Borrower::Odf => row.outstanding(),
        Borrower::Member(_) => row.due,
    };
    let principal = parts.principal_minor.min(principal_left).max(0);
    let interest = parts.interest_minor.max(0);
    (principal + interest > 0).then_some((principal, interest))
}

/// Principal a member prepaid ahead of the schedule (net of reversed payments).
pub fn prepaid_principal_minor(loan: &Loan) -> i64 {
    loan.payments
        .iter()
        .map(|p| p.prepaid_principal_minor)
        .sum()
}

fn merge(into: &mut Allocation, extra: Allocation) {
    into.total.late_interest_minor += extra.total.late_interest_minor;
    into.total.fees_minor += extra.total.fees_minor;
    into.total.interest_minor += extra.total.interest_minor;
    into.total.principal_minor += extra.total.principal_minor;
    into.per_row.extend(extra.per_row);
    into.unapplied_minor = extra.unapplied_minor;
}

/// Reduces principal of rows `from..` by `amount` (last row first), marks it paid, drops rows
/// left with nothing due, and recomputes the interest of the remaining later rows.
fn prepay(loan: &mut Loan, from: usize, amount: i64, date: NaiveDate) -> Result<()> {
    let mut left = amount;
    for r in loan.book.rows[from..].iter_mut().rev() {
        let take = r.outstanding().principal_minor.min(left);
        // The prepaid principal leaves the row's due amount: it was paid, ahead of time.
        r.due.principal_minor -= take;
        left -= take;
        if left == 0 {
            break;
        }
    }
    if left != 0 {
        return Err(CreditError::ExceedsLimit {
            rule: "R-CRED-4",
            field: "amount_minor",
            requested_minor: amount,
            allowed_minor: amount - left,
        });
    }
    let rate = ExactRate::annual(loan.schedule.annual_rate, "R-CRED-4", "rate")?;
    let year = loan.schedule.day_count.year_days();
    let fee = loan.schedule.fee_per_installment_minor;
    // Balance before row `from` = principal still due from `from` on.
    let mut balance: i64 = loan.book.rows[from..]
        .iter()
        .map(|r| r.outstanding().principal_minor)
        .sum();
    let mut keep = from;
    for i in from..loan.book.rows.len() {
        let r = &mut loan.book.rows[i];
        if balance == 0 && r.paid.total() == 0 {
            break;
        }
        r.due.interest_minor = rate
            .interest(balance, r.days, year)
            .ok_or(CreditError::Overflow {
                rule: "R-CRED-4",
                field: "amount_minor",
            })?
            .max(r.paid.interest_minor);
        r.due.fees_minor = fee.max(r.paid.fees_minor);
        balance -= r.outstanding().principal_minor;
        if r.is_settled() && r.settled_on.is_none() {
            r.settled_on = Some(date);
        }
        keep = i + 1;
    }
    loan.book.rows.truncate(keep);
    Ok(())
}

fn payment_entry(loan: &Loan, parts: &crate::book::Parts, payment: &Payment) -> Result<ValidEntry> {
    let memo = format!("Pago del préstamo {}", loan.id);
    let postings: Vec<(AccountCode, i64)> = match loan.borrower {
        Borrower::Member(m) => vec![
            (accounts::odf_bank(), payment.amount_minor),
            (accounts::member_loan(m), -parts.principal_minor),
            (accounts::loan_interest_income(), -parts.interest_minor),
            (accounts::late_interest_income(), -parts.late_interest_minor),
            (accounts::fee_income(), -parts.fees_minor),
        ],
        Borrower::Odf => vec![
            (
                accounts::lender_line(&loan.lender_code)?,
                parts.principal_minor,
            ),
            (
                accounts::line_interest_expense(),
                parts.interest_minor + parts.late_interest_minor + parts.fees_minor,
            ),
            (accounts::odf_bank(), -payment.amount_minor),
        ],
    };
    accounts::entry(
        &payment.key,
        "loan.repayment",
        "R-CRED-4",
        payment.date,
        memo,
        loan.schedule.currency,
        &postings,
    )
}

/// Late interest (setting): on overdue *principal* only (no interest on interest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LateRate {
    Off,
    /// The loan's own nominal annual rate (default).
    #[default]
    Ordinary,
    /// A nominal annual rate.
    Annual(Decimal),
}

/// Accrues late interest from the last accrual (or each row's due date) to `today`, actual/365,
/// adding it to each overdue row's due amount. No entry: income is recognised when paid.
pub fn accrue_late_interest(loan: &Loan, rate: LateRate, today: NaiveDate) -> Result<(Loan, i64)> {
    if loan.status != LoanStatus::Active {
        return Err(CreditError::state(
            "R-CRED-4",
            "loan_id",
            "only an active loan accrues",
        ));
    }
    let annual = match rate {
        LateRate::Off => return Ok((loan.clone(), 0)),
        LateRate::Ordinary => loan.schedule.annual_rate,
        LateRate::Annual(r) => r,
    };
    let rate = ExactRate::annual(annual, "R-CRED-4", "late_rate")?;
    let mut next = loan.clone();
    let mut total = 0;
    for r in next.book.rows.iter_mut() {
        if r.due_date >= today {
            break;
        }
        let overdue = r.outstanding().principal_minor;
        if overdue == 0 {
            continue;
        }
        let from = match loan.late_interest_through {
            Some(t) if t > r.due_date => t,
            _ => r.due_date,
        };
        if from >= today {
            continue;
        }
        let days = (today - from).num_days() as u32;
        let amount = rate
            .interest(overdue, days, 365)
            .ok_or(CreditError::Overflow {
                rule: "R-CRED-4",
                field: "late_rate",
            })?;
        r.due.late_interest_minor += amount;
        if amount > 0 {
            r.settled_on = None;
        }
        total += amount;
    }
    next.late_interest_through = Some(today);
    next.events.push(LoanEvent {
        date: today,
        kind: LoanEventKind::LateInterest {
            amount_minor: total,
            through: today,
        },
    });
    Ok((next, total))
}

/// Writes off a member loan's outstanding principal on a board decision (R-GOV-2):
/// `odf:expense:loan-losses` debit, `members:{id}:loan` credit. The ODF still owes its lender.
pub fn write_off(
    loan: &Loan,
    decision: &BoardApproval,
    date: NaiveDate,
    key: &str,
) -> Result<(Loan, ValidEntry)> {
    decision.require(Subject::WriteOff(loan.id), "R-GOV-2")?;
    if loan.status != LoanStatus::Active {
        return Err(CreditError::state(
            "R-CRED-4",
            "loan_id",
            "only an active loan is written off",
        ));
    }
    let member = match loan.borrower {
        Borrower::Member(m) => m,
        Borrower::Odf => {
            return Err(CreditError::invalid(
                "R-CRED-4",
                "borrower",
                "the ODF's own debt to its lender cannot be written off here",
            ))
        }
    };
    let principal = loan.book.outstanding_principal_minor();
    let entry = accounts::entry(
        key,
        "loan.write-off",
        "R-CRED-4",
        date,
        format!("Quebranto del préstamo {}", loan.id),
        loan.schedule.currency,
        &[
            (accounts::loan_losses(), principal),
            (accounts::member_loan(member), -principal),
        ],
    )?;
    let mut next = loan.clone();
    next.status = LoanStatus::WrittenOff;
    next.events.push(LoanEvent {
        date,
        kind: LoanEventKind::WrittenOff {
            decision_id: decision.decision_id,
            principal_minor: principal,
        },
    });
    Ok((next, entry))
}

/// Reverses the most recent payment (only the last, so that allocations unwind exactly): the
/// rows get back what it paid and the entry is the original's reversal (`entry_id` is the
/// stored id of the original entry).
pub fn reverse_last_payment(
    loan: &Loan,
    payment_key: &str,
    entry_id: i64,
    date: NaiveDate,
    key: &str,
) -> Result<(Loan, ValidEntry)> {
    let last = loan.payments.last().ok_or_else(|| {
        CreditError::state(
            "R-CRED-4",
            "payment_key",
            "the loan has no payment to reverse",
        )
    })?;
    if last.key != payment_key {
        return Err(CreditError::state(
            "R-CRED-4",
            "payment_key",
            "only the most recent payment can be reversed; reverse later ones first",
        ));
    }
    if loan.status == LoanStatus::WrittenOff {
        return Err(CreditError::state(
            "R-CRED-4",
            "loan_id",
            "the loan was written off",
        ));
    }
    let entry = last
        .entry
        .reversal(entry_id, ledger::IdempotencyKey::parse(key)?, date);
    let mut next = loan.clone();
    let rec = next.payments.pop().ok_or_else(|| {
        CreditError::state(
            "R-CRED-4",
            "payment_key",
            "the loan has no payment to reverse",
        )
    })?;
    match rec.book_before {
        Some(book) => next.book = book,
        None => next.book.unallocate(&rec.allocation, rec.date),
    }
    next.status = LoanStatus::Active;
    next.events.push(LoanEvent {
        date,
        kind: LoanEventKind::PaymentReversed {
            key: payment_key.to_string(),
        },
    });
    Ok((next, entry))
}
