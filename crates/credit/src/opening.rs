//! Loans and leases an ODF already had when it started with Tequio (issue 16), as pure
//! decisions. The remaining schedule, as the lender's table (or the lease contract) shows it,
//! becomes a [`Schedule`] and a [`Book`] like those of a loan or lease made here, so every later
//! rule works from it unchanged: repayment and its allocation (R-CRED-4), days late and the
//! line review's facts (R-CRED-2), the trust paying installments as they fall due (R-FUND-6),
//! default, transfer and purchase of a leased asset (R-LEASE-1, R-LEASE-2).
//!
//! **(decision, this crate)** The remaining schedule is what the borrower still owes: the
//! installments that fell due on or before the opening day and that the borrower has not paid
//! ([`Remaining::overdue`]: the loan is late from the oldest one's due date), then those still
//! to fall due after it, monthly (the default of R-CRED-4), each with its principal and
//! interest, numbered 1, 2, ... from the first one owed. Whether the trust paid an overdue
//! installment to the lender for the borrower (R-FUND-6) is the Fund's history and the credit
//! book's, not the schedule's: either way the borrower owes it. The rate of a loan is its
//! line's (R-CRED-4: "rate is a setting of the line"), used for late interest and to recompute
//! interest after a prepayment; the interest of each row is the table's. Leases bring only
//! rents still to fall due.

use crate::accounts;
use crate::book::Book;
use crate::lease::{
    Asset, AssetOwner, Lease, LeaseEvent, LeaseEventKind, LeaseSettings, LeaseStatus,
};
use crate::line::CreditLine;
use crate::loan::{Borrower, Loan, LoanEvent, LoanEventKind, LoanStatus};
use crate::schedule::{DayCount, ExactRate, Frequency, Row, Schedule, Totals};
use crate::{CreditError, Result};
use chrono::NaiveDate;
use ledger::{AccountCode, ValidEntry};

/// One installment (or rent) still to fall due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemainingRow {
    pub due_date: NaiveDate,
    pub principal_minor: i64,
    pub interest_minor: i64,
}

/// What every imported contract has: when it started, the opening day and what remains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remaining {
    /// The day the loan was disbursed or the lease started (on or before `as_of`).
    pub started_on: NaiveDate,
    /// The day of the opening position.
    pub as_of: NaiveDate,
    /// Still to fall due, after `as_of`. Any order; sorted by due date here.
    pub rows: Vec<RemainingRow>,
    /// Fell due on or before `as_of` and the borrower has not paid them (R-CRED-4: the loan is
    /// late). Any order; they come before `rows` in the schedule.
    pub overdue: Vec<RemainingRow>,
}

/// The opening day of a loan brought in an opening position, `None` for a loan made here.
pub fn imported_as_of(loan: &Loan) -> Option<NaiveDate> {
    loan.events.iter().find_map(|e| match e.kind {
        LoanEventKind::Imported { as_of } => Some(as_of),
        _ => None,
    })
}

/// How an imported contract is booked: its entry's idempotency key and the account that
/// balances it (the opening equity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking<'a> {
    pub key: &'a str,
    pub counterpart: AccountCode,
}

/// The schedule of what remains: rows in due-date order, monthly from the first, the overdue
/// ones after the start and on or before the opening day, the others after it, none empty,
/// amounts not negative; the principal is their sum. `rule` is the rule the refusal names
/// (R-CRED-4 for a loan, R-LEASE-1 for a lease).
pub fn remaining_schedule(
    line: &CreditLine,
    r: &Remaining,
    rule: &'static str,
) -> Result<Schedule> {
    let annual_rate = line.rate.annual();
    ExactRate::annual(annual_rate, rule, "rate")?;
    if r.started_on > r.as_of {
        return Err(CreditError::invalid(
            rule,
            "date",
            format!(
                "started on {}, after the opening day {}",
                r.started_on, r.as_of
            ),
        ));
    }
    if r.started_on < line.opened_on {
        return Err(CreditError::invalid(
            "R-CRED-3",
            "date",
            format!(
                "started on {}, before line {} opened on {}",
                r.started_on, line.id, line.opened_on
            ),
        ));
    }
    let mut overdue = r.overdue.clone();
    overdue.sort_by_key(|x| x.due_date);
    for x in &overdue {
        if x.due_date > r.as_of || x.due_date <= r.started_on {
            return Err(CreditError::invalid(
                rule,
                "date",
                format!(
                    "the overdue installment due {} must fall due after the start {} and on or \
                     before the opening day {}",
                    x.due_date, r.started_on, r.as_of
                ),
            ));
        }
    }
    let mut rows = r.rows.clone();
    rows.sort_by_key(|x| x.due_date);
    let first_remaining = overdue.len();
    overdue.extend(rows);
    let rows = overdue;
    let Some(first) = rows.first().map(|x| x.due_date) else {
        return Err(CreditError::invalid(
            rule,
            "installments",
            "has no installment still to fall due",
        ));
    };
    let mut out = Vec::with_capacity(rows.len());
    let mut totals = Totals::default();
    let mut balance: i64 = 0;
    for x in &rows {
        if x.principal_minor < 0
            || x.interest_minor < 0
            || x.principal_minor + x.interest_minor == 0
        {
            return Err(CreditError::invalid(
                rule,
                "amount",
                format!(
                    "the installment due {} asks for nothing or less",
                    x.due_date
                ),
            ));
        }
        balance = balance
            .checked_add(x.principal_minor)
            .ok_or(CreditError::Overflow {
                rule,
                field: "amount",
            })?;
    }
    if balance == 0 {
        return Err(CreditError::invalid(
            rule,
            "amount",
            "the installments repay no principal",
        ));
    }
    let principal = balance;
    for (i, x) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        let expected = Frequency::Monthly
            .step(first, n - 1)
            .ok_or(CreditError::Overflow {
                rule,
                field: "date",
            })?;
        if i >= first_remaining && x.due_date <= r.as_of {
            return Err(CreditError::invalid(
                rule,
                "date",
                format!(
                    "an installment due {} is not after the opening day {}",
                    x.due_date, r.as_of
                ),
            ));
        }
        if x.due_date != expected {
            return Err(CreditError::invalid(
                rule,
                "date",
                format!(
                    "the installment due {} should fall due on {expected}, a month after the \
                     one before",
                    x.due_date
                ),
            ));
        }
        balance -= x.principal_minor;
        totals.principal_minor += x.principal_minor;
        totals.interest_minor += x.interest_minor;
        totals.installments_minor += x.principal_minor + x.interest_minor;
        out.push(Row {
            number: n,
            due_date: x.due_date,
            days: 30,
            principal_minor: x.principal_minor,
            interest_minor: x.interest_minor,
            fees_minor: 0,
            installment_minor: x.principal_minor + x.interest_minor,
            balance_after_minor: balance,
        });
    }
    Ok(Schedule {
        currency: line.currency,
        principal_minor: principal,
        annual_rate,
        day_count: DayCount::Thirty360,
        frequency: Frequency::Monthly,
        disbursement_date: r.started_on,
        upfront_fee_minor: 0,
        fee_per_installment_minor: 0,
        regular_first_period: false,
        rows: out,
        totals,
    })
}

/// A loan drawn on `line` before Tequio and being repaid: active, at the line's rate, with its
/// remaining schedule. A member's loan is booked with `booking`: `members:{id}:loan` debit (what
/// the member still owes the ODF) against its counterpart (the opening equity). A loan to the ODF
/// itself is its debt to the lender: it is part of what the line has drawn, and has no entry of
/// its own.
pub fn import_loan(
    id: i64,
    line: &CreditLine,
    borrower: Borrower,
    remaining: &Remaining,
    booking: Booking<'_>,
) -> Result<(Loan, Option<ValidEntry>)> {
    let schedule = remaining_schedule(line, remaining, "R-CRED-4")?;
    let entry = match borrower {
        Borrower::Odf => None,
        Borrower::Member(m) => Some(accounts::entry(
            booking.key,
            "opening.loan",
            "R-CRED-3",
            remaining.as_of,
            format!("Préstamo {id} por cobrar al abrir"),
            line.currency,
            &[
                (accounts::member_loan(m), schedule.principal_minor),
                (booking.counterpart, -schedule.principal_minor),
            ],
        )?),
    };
    let loan = Loan {
        id,
        line_id: line.id,
        lender_code: line.lender_code.clone(),
        borrower,
        status: LoanStatus::Active,
        book: Book::from_schedule(&schedule),
        schedule,
        late_interest_through: None,
        payments: Vec::new(),
        events: vec![LoanEvent {
            date: remaining.started_on,
            kind: LoanEventKind::Imported {
                as_of: remaining.as_of,
            },
        }],
    };
    Ok((loan, entry))
}

/// A lease the ODF had before Tequio (R-LEASE-1): the asset is the ODF's, carried at what the
/// remaining rents will recover (their principal), booked with `booking`: `odf:leased-assets`
/// debit against its counterpart (the opening equity). The line draw that bought the asset is part of
/// what the line has drawn.
pub fn import_lease(
    id: i64,
    line: &CreditLine,
    description: &str,
    lessee: i64,
    remaining: &Remaining,
    settings: &LeaseSettings,
    booking: Booking<'_>,
) -> Result<(Lease, ValidEntry)> {
    if settings.purchase_price_minor < 0 {
        return Err(CreditError::invalid(
            "R-LEASE-1",
            "purchase_price_minor",
            "must not be negative",
        ));
    }
    let schedule = remaining_schedule(line, remaining, "R-LEASE-1")?;
    let cost = schedule.principal_minor;
    let entry = accounts::entry(
        booking.key,
        "opening.lease",
        "R-LEASE-1",
        remaining.as_of,
        format!("Bien en arrendamiento {id} al abrir: {description}"),
        line.currency,
        &[
            (accounts::leased_assets(), cost),
            (booking.counterpart, -cost),
        ],
    )?;
    let lease = Lease {
        id,
        asset: Asset {
            id,
            description: description.to_string(),
            cost_minor: cost,
        },
        lessee,
        owner: AssetOwner::Odf,
        status: LeaseStatus::Active,
        purchase_price_minor: settings.purchase_price_minor,
        book: Book::from_schedule(&schedule),
        schedule,
        payments: Vec::new(),
        history: vec![LeaseEvent {
            date: remaining.started_on,
            kind: LeaseEventKind::Imported {
                lessee,
                as_of: remaining.as_of,
            },
        }],
    };
    Ok((lease, entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::{open_line, LineSettings, OpenLine};
    use crate::schedule::NominalRate;
    use rust_decimal::Decimal;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line() -> CreditLine {
        open_line(
            OpenLine {
                id: 1,
                lender_code: "nafin".into(),
                currency: ledger::Currency::MXN,
                rate: NominalRate::Annual(Decimal::new(12, 2)),
                initial_deposit_minor: 1_400_000,
                requested_limit_minor: 2_800_000,
            },
            &LineSettings::default(),
            d(2025, 4, 1),
        )
        .unwrap()
    }

    fn row(due: NaiveDate, p: i64, i: i64) -> RemainingRow {
        RemainingRow {
            due_date: due,
            principal_minor: p,
            interest_minor: i,
        }
    }

    #[test]
    fn what_remains_is_a_schedule_from_one() {
        let r = Remaining {
            started_on: d(2026, 1, 15),
            as_of: d(2026, 6, 30),
            rows: vec![
                row(d(2026, 8, 15), 500_000, 5_000),
                row(d(2026, 7, 15), 495_000, 9_950),
            ],
            overdue: vec![],
        };
        let s = remaining_schedule(&line(), &r, "R-CRED-4").unwrap();
        assert_eq!(s.principal_minor, 995_000);
        assert_eq!(s.rows[0].number, 1);
        assert_eq!(s.rows[0].due_date, d(2026, 7, 15));
        assert_eq!(s.rows[0].balance_after_minor, 500_000);
        assert_eq!(s.rows[1].balance_after_minor, 0);
        assert_eq!(s.due_date_of(3), Some(d(2026, 9, 15)));
        assert_eq!(s.totals.installments_minor, 995_000 + 14_950);
    }

    #[test]
    fn a_gap_a_past_due_row_or_an_empty_row_is_refused() {
        let base = |rows| Remaining {
            started_on: d(2026, 1, 15),
            as_of: d(2026, 6, 30),
            rows,
            overdue: vec![],
        };
        for rows in [
            vec![],
            vec![row(d(2026, 6, 15), 1, 0), row(d(2026, 7, 15), 1, 0)],
            vec![row(d(2026, 7, 15), 1, 0), row(d(2026, 9, 15), 1, 0)],
            vec![row(d(2026, 7, 15), 0, 0)],
        ] {
            assert!(remaining_schedule(&line(), &base(rows), "R-CRED-4").is_err());
        }
        let early = Remaining {
            started_on: d(2025, 1, 1),
            ..base(vec![row(d(2026, 7, 15), 1, 0)])
        };
        assert_eq!(
            remaining_schedule(&line(), &early, "R-CRED-4")
                .unwrap_err()
                .rule(),
            "R-CRED-3"
        );
    }

    #[test]
    fn r_cred_4_overdue_installments_come_first_and_the_loan_is_late_from_the_oldest() {
        // Two installments of 1,000.00 + 10.00 fell due on 15 May and 15 June and were not
        // paid; one falls due on 15 July. On the opening day, 30 June, the loan is late from
        // 15 May: 16 days of May after the 15th and 30 of June, 46 days.
        let r = Remaining {
            started_on: d(2026, 1, 15),
            as_of: d(2026, 6, 30),
            rows: vec![row(d(2026, 7, 15), 100_000, 1_000)],
            overdue: vec![
                row(d(2026, 6, 15), 100_000, 1_000),
                row(d(2026, 5, 15), 100_000, 1_000),
            ],
        };
        let s = remaining_schedule(&line(), &r, "R-CRED-4").unwrap();
        assert_eq!(s.principal_minor, 300_000);
        let numbers: Vec<(u32, NaiveDate)> =
            s.rows.iter().map(|x| (x.number, x.due_date)).collect();
        assert_eq!(
            numbers,
            vec![
                (1, d(2026, 5, 15)),
                (2, d(2026, 6, 15)),
                (3, d(2026, 7, 15))
            ]
        );
        assert_eq!(
            Book::from_schedule(&s).days_past_due(d(2026, 6, 30)),
            16 + 30
        );
        // Every installment may be overdue (a loan late at its end) ...
        let all_late = Remaining {
            rows: vec![],
            ..r.clone()
        };
        assert_eq!(
            remaining_schedule(&line(), &all_late, "R-CRED-4")
                .unwrap()
                .rows
                .len(),
            2
        );
        // ... but an overdue one after the opening day, one still to fall due before it, one
        // due before the loan started, or a gap between the overdue and the rest is refused.
        for (rows, overdue) in [
            (vec![], vec![row(d(2026, 7, 15), 1, 0)]),
            (
                vec![row(d(2026, 6, 15), 1, 0)],
                vec![row(d(2026, 5, 15), 1, 0)],
            ),
            (vec![], vec![row(d(2026, 1, 10), 1, 0)]),
            (
                vec![row(d(2026, 7, 15), 1, 0)],
                vec![row(d(2026, 5, 15), 1, 0)],
            ),
        ] {
            let bad = Remaining {
                rows,
                overdue,
                ..r.clone()
            };
            let e = remaining_schedule(&line(), &bad, "R-CRED-4").unwrap_err();
            assert_eq!(e.field(), "date", "{e}");
        }
        let (loan, _) = import_loan(
            7,
            &line(),
            Borrower::Odf,
            &r,
            Booking {
                key: "k",
                counterpart: AccountCode::parse("odf:equity:opening").unwrap(),
            },
        )
        .unwrap();
        assert_eq!(imported_as_of(&loan), Some(d(2026, 6, 30)));
    }
}
