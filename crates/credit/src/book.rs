//! What is due and what has been paid, installment by installment: the state loans
//! ([`crate::loan`]) and leases ([`crate::lease`]) share.
//!
//! A payment is allocated to the oldest row first; inside a row to late interest, then fees,
//! then interest, then principal (R-CRED-4 allocation "fees → interest → principal"; late
//! interest is a charge and goes with the fees, first).

use crate::schedule::Schedule;
use chrono::NaiveDate;

/// Amounts split by kind, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    pub late_interest_minor: i64,
    pub fees_minor: i64,
    pub interest_minor: i64,
    pub principal_minor: i64,
}

impl Parts {
    pub fn total(&self) -> i64 {
        self.late_interest_minor + self.fees_minor + self.interest_minor + self.principal_minor
    }

    fn add(&mut self, other: &Parts) {
        self.late_interest_minor += other.late_interest_minor;
        self.fees_minor += other.fees_minor;
        self.interest_minor += other.interest_minor;
        self.principal_minor += other.principal_minor;
    }

    fn sub(&mut self, other: &Parts) {
        self.late_interest_minor -= other.late_interest_minor;
        self.fees_minor -= other.fees_minor;
        self.interest_minor -= other.interest_minor;
        self.principal_minor -= other.principal_minor;
    }
}

/// One installment: what it asks for and what has been paid against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookRow {
    pub number: u32,
    pub due_date: NaiveDate,
    /// Interest days of the row (for recomputing interest after a prepayment).
    pub days: u32,
    pub due: Parts,
    pub paid: Parts,
    /// Date the row became fully paid.
    pub settled_on: Option<NaiveDate>,
    /// Part of the payments made on or before `due_date` (repayment rate).
    pub paid_on_time_minor: i64,
}

impl BookRow {
    pub fn outstanding(&self) -> Parts {
        let mut p = self.due;
        p.sub(&self.paid);
        p
    }

    pub fn is_settled(&self) -> bool {
        self.outstanding().total() == 0
    }
}

/// Rows of one obligation, in due-date order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Book {
    pub rows: Vec<BookRow>,
}

/// How one payment was applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Allocation {
    pub total: Parts,
    /// (row number, parts applied to it).
    pub per_row: Vec<(u32, Parts)>,
    /// What could not be applied under the rows considered.
    pub unapplied_minor: i64,
}

impl Book {
    pub fn from_schedule(schedule: &Schedule) -> Book {
        Book {
            rows: schedule
                .rows
                .iter()
                .map(|r| BookRow {
                    number: r.number,
                    due_date: r.due_date,
                    days: r.days,
                    due: Parts {
                        late_interest_minor: 0,
                        fees_minor: r.fees_minor,
                        interest_minor: r.interest_minor,
                        principal_minor: r.principal_minor,
                    },
                    paid: Parts::default(),
                    settled_on: None,
                    paid_on_time_minor: 0,
                })
                .collect(),
        }
    }

    pub fn outstanding(&self) -> Parts {
        let mut p = Parts::default();
        for r in &self.rows {
            p.add(&r.outstanding());
        }
        p
    }

    pub fn outstanding_principal_minor(&self) -> i64 {
        self.rows
            .iter()
            .map(|r| r.outstanding().principal_minor)
            .sum()
    }

    /// Outstanding on rows due on or before `date`.
    pub fn due_by(&self, date: NaiveDate) -> Parts {
        let mut p = Parts::default();
        for r in self.rows.iter().filter(|r| r.due_date <= date) {
            p.add(&r.outstanding());
        }
        p
    }

    pub fn is_settled(&self) -> bool {
        self.rows.iter().all(BookRow::is_settled)
    }

    /// The due date of the oldest row not fully paid.
    pub fn oldest_unpaid_due(&self) -> Option<NaiveDate> {
        self.rows
            .iter()
            .find(|r| !r.is_settled())
            .map(|r| r.due_date)
    }

    /// Days since the oldest unpaid due date; 0 when nothing is overdue.
    pub fn days_past_due(&self, today: NaiveDate) -> u32 {
        match self.oldest_unpaid_due() {
            Some(d) if d < today => (today - d).num_days() as u32,
            _ => 0,
        }
    }

    /// Applies `amount_minor` paid on `date` to rows due on or before `due_by` (all rows when
    /// `None`), oldest first, late interest → fees → interest → principal.
    pub fn allocate(
        &mut self,
        amount_minor: i64,
        date: NaiveDate,
        due_by: Option<NaiveDate>,
    ) -> Allocation {
        let mut left = amount_minor.max(0);
        let mut alloc = Allocation::default();
        for row in self.rows.iter_mut() {
            if left == 0 {
                break;
            }
            if due_by.is_some_and(|d| row.due_date > d) {
                break;
            }
            let out = row.outstanding();
            if out.total() == 0 {
                continue;
            }
            let mut take = |owed: i64| {
                let t = owed.min(left);
                left -= t;
                t
            };
            let applied = Parts {
                late_interest_minor: take(out.late_interest_minor),
                fees_minor: take(out.fees_minor),
                interest_minor: take(out.interest_minor),
                principal_minor: take(out.principal_minor),
            };
            row.paid.add(&applied);
            if date <= row.due_date {
                row.paid_on_time_minor += applied.total();
            }
            if row.is_settled() {
                row.settled_on = Some(date);
            }
            alloc.total.add(&applied);
            alloc.per_row.push((row.number, applied));
        }
        alloc.unapplied_minor = left;
        alloc
    }

    /// Undoes an allocation made on `date` (payment reversal).
    pub fn unallocate(&mut self, alloc: &Allocation, date: NaiveDate) {
        for (number, parts) in &alloc.per_row {
            if let Some(row) = self.rows.iter_mut().find(|r| r.number == *number) {
                row.paid.sub(parts);
                if date <= row.due_date {
                    row.paid_on_time_minor -= parts.total();
                }
                if !row.is_settled() {
                    row.settled_on = None;
                }
            }
        }
    }
}
