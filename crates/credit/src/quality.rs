//! Delinquency and portfolio quality, from loans and `today`.
//!
//! - days past due: days since the oldest installment not fully paid fell due;
//! - aging buckets by days past due (current, 1–30, 31–60, 61–90, 91–180, over 180);
//! - PAR30 / PAR90: the *whole* outstanding principal of loans more than 30 / 90 days past due,
//!   over the gross portfolio (outstanding principal of all active loans);
//! - repayment rate: what was paid by its due date over what fell due (amount-weighted).
//!
//! Written-off and closed loans carry no outstanding principal and are outside the portfolio.

use crate::book::Book;
use crate::line::ReviewFacts;
use crate::loan::{Loan, LoanStatus};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// An exact ratio with its `Decimal` value (28 significant digits); `None` when `den == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub num_minor: i64,
    pub den_minor: i64,
}

impl Ratio {
    pub fn value(&self) -> Option<Decimal> {
        (self.den_minor != 0).then(|| Decimal::from(self.num_minor) / Decimal::from(self.den_minor))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AgingBucket {
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Days91To180,
    Over180,
}

impl AgingBucket {
    pub const ALL: [AgingBucket; 6] = [
        AgingBucket::Current,
        AgingBucket::Days1To30,
        AgingBucket::Days31To60,
        AgingBucket::Days61To90,
        AgingBucket::Days91To180,
        AgingBucket::Over180,
    ];

    pub fn of(days_past_due: u32) -> AgingBucket {
        match days_past_due {
            0 => AgingBucket::Current,
            1..=30 => AgingBucket::Days1To30,
            31..=60 => AgingBucket::Days31To60,
            61..=90 => AgingBucket::Days61To90,
            91..=180 => AgingBucket::Days91To180,
            _ => AgingBucket::Over180,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketLine {
    pub bucket: AgingBucket,
    pub loans: u32,
    pub outstanding_principal_minor: i64,
}

/// Portfolio quality at a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioQuality {
    pub gross_portfolio_minor: i64,
    pub par30: Ratio,
    pub par90: Ratio,
    pub aging: Vec<BucketLine>,
    pub repayment_rate: Ratio,
}

/// Days past due of one loan (0 unless active and overdue).
pub fn days_past_due(loan: &Loan, today: NaiveDate) -> u32 {
    if loan.status != LoanStatus::Active {
        return 0;
    }
    loan.book.days_past_due(today)
}

/// Amount fell due by `today` and amount of it paid on or before each due date.
pub fn repayment_counts(book: &Book, today: NaiveDate) -> (i64, i64) {
    book.rows
        .iter()
        .filter(|r| r.due_date <= today)
        .fold((0, 0), |(due, on_time), r| {
            (due + r.due.total(), on_time + r.paid_on_time_minor)
        })
}

/// Computes every indicator in one pass.
pub fn portfolio_quality(loans: &[Loan], today: NaiveDate) -> PortfolioQuality {
    portfolio_quality_of(loans, today)
}

/// [`portfolio_quality`] over borrowed loans (no copies of a large portfolio).
pub fn portfolio_quality_of<'a>(
    loans: impl IntoIterator<Item = &'a Loan>,
    today: NaiveDate,
) -> PortfolioQuality {
    let mut gross = 0i64;
    let mut par30 = 0i64;
    let mut par90 = 0i64;
    let mut aging: Vec<BucketLine> = AgingBucket::ALL
        .iter()
        .map(|&bucket| BucketLine {
            bucket,
            loans: 0,
            outstanding_principal_minor: 0,
        })
        .collect();
    let (mut due, mut on_time) = (0i64, 0i64);
    for loan in loans {
        if matches!(loan.status, LoanStatus::Active | LoanStatus::Closed) {
            let (d, o) = repayment_counts(&loan.book, today);
            due += d;
            on_time += o;
        }
        if loan.status != LoanStatus::Active {
            continue;
        }
        let outstanding = loan.book.outstanding_principal_minor();
        let dpd = loan.book.days_past_due(today);
        gross += outstanding;
        if dpd > 30 {
            par30 += outstanding;
        }
        if dpd > 90 {
            par90 += outstanding;
        }
        let line = &mut aging[AgingBucket::of(dpd) as usize];
        line.loans += 1;
        line.outstanding_principal_minor += outstanding;
    }
    PortfolioQuality {
        gross_portfolio_minor: gross,
        par30: Ratio {
            num_minor: par30,
            den_minor: gross,
        },
        par90: Ratio {
            num_minor: par90,
            den_minor: gross,
        },
        aging,
        repayment_rate: Ratio {
            num_minor: on_time,
            den_minor: due,
        },
    }
}

/// The facts of a line review (R-CRED-2) from the line's loans: lateness of installments that
/// fell due since `period_start` (or are older and still unpaid), measured to their settlement
/// date or to `today`.
pub fn review_facts(
    loans: &[Loan],
    period_start: NaiveDate,
    today: NaiveDate,
    late_threshold_days: u32,
    unresolved_notices: u32,
) -> ReviewFacts {
    let mut facts = ReviewFacts {
        unresolved_notices,
        ..ReviewFacts::default()
    };
    for loan in loans.iter().filter(|l| l.status != LoanStatus::Approved) {
        for r in loan.book.rows.iter().filter(|r| r.due_date <= today) {
            let end = match r.settled_on {
                Some(d) => d,
                None if loan.status == LoanStatus::Active => today,
                None => continue,
            };
            if r.due_date < period_start && r.settled_on.is_some_and(|d| d < period_start) {
                continue;
            }
            let late = (end - r.due_date).num_days().max(0) as u32;
            facts.max_days_late = facts.max_days_late.max(late);
            if r.settled_on.is_none() && late > late_threshold_days {
                facts.late_still_unpaid = true;
            }
        }
    }
    facts
}
