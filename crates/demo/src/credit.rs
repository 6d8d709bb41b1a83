//! The demo union's credit (issue 4, item 8), as plain data: a line with its reviews, loans in
//! various states (repaid, graduated, current, late), a kiln lease and a lease passed to
//! another member after a default. The app persists it through its credit use cases.

use chrono::NaiveDate;

/// A loan of the demo. `borrower` is an index into the organisation's members (`None`: the
/// ODF); `paid_rows` installments are paid on their due dates, the rest stay unpaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLoan {
    pub id: i64,
    pub borrower: Option<usize>,
    pub principal_minor: i64,
    pub installments: u32,
    pub start: NaiveDate,
    pub paid_rows: u32,
}

/// A lease of the demo; `transfer` passes it to another member (index) on a date after the
/// lessee stopped paying (R-LEASE-2 default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLease {
    pub id: i64,
    pub asset: &'static str,
    pub lessee: usize,
    pub cost_minor: i64,
    pub installments: u32,
    pub start: NaiveDate,
    pub paid_rows: u32,
    pub transfer: Option<(usize, NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditDemo {
    pub lender_code: &'static str,
    /// Nominal annual rate in basis points (1800 = 18%).
    pub rate_bp: u32,
    /// Deposits into the Fund in its first three months (a grant), and when.
    pub deposit_minor: i64,
    pub deposit_on: NaiveDate,
    pub line_opened_on: NaiveDate,
    /// Reviews are done through this date.
    pub reviews_through: NaiveDate,
    /// What the business plan recommends for each loan.
    pub plan_minor: i64,
    pub loans: Vec<DemoLoan>,
    pub leases: Vec<DemoLease>,
    /// The smallest organisation that gets the credit demo (members needed).
    pub min_members: usize,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

/// The Morelos union's credit from a start date of 2025-01-01.
pub fn morelos_credit() -> CreditDemo {
    CreditDemo {
        lender_code: "fira",
        rate_bp: 1800,
        deposit_minor: 25_000_000,
        deposit_on: d(2025, 1, 20),
        line_opened_on: d(2025, 4, 1),
        reviews_through: d(2025, 12, 31),
        plan_minor: 10_000_000,
        loans: vec![
            // Repaid on time, then graduated to 1.5x (R-CRED-5).
            DemoLoan {
                id: 1,
                borrower: Some(0),
                principal_minor: 2_000_000,
                installments: 6,
                start: d(2025, 4, 15),
                paid_rows: 6,
            },
            DemoLoan {
                id: 2,
                borrower: Some(0),
                principal_minor: 3_000_000,
                installments: 12,
                start: d(2025, 10, 20),
                paid_rows: 2,
            },
            // Late: two installments paid, then nothing.
            DemoLoan {
                id: 3,
                borrower: Some(1),
                principal_minor: 1_500_000,
                installments: 12,
                start: d(2025, 5, 1),
                paid_rows: 2,
            },
            // Current: the ODF's working capital.
            DemoLoan {
                id: 4,
                borrower: None,
                principal_minor: 8_000_000,
                installments: 12,
                start: d(2025, 5, 1),
                paid_rows: 7,
            },
        ],
        leases: vec![
            DemoLease {
                id: 1,
                asset: "Horno de gas para cerámica",
                lessee: 2,
                cost_minor: 4_800_000,
                installments: 24,
                start: d(2025, 5, 1),
                paid_rows: 7,
                transfer: None,
            },
            DemoLease {
                id: 2,
                asset: "Torno eléctrico",
                lessee: 3,
                cost_minor: 1_200_000,
                installments: 12,
                start: d(2025, 5, 1),
                paid_rows: 2,
                transfer: Some((4, d(2025, 12, 15))),
            },
        ],
        min_members: 100,
    }
}
