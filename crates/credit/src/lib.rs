//! Credit and leasing as pure rules (PROGRAMME.md R-CRED-1..6, R-LEASE-1..2).
//!
//! Every public function takes the state it needs, a command and `today` (or a date inside the
//! command) and returns a decision: new values, history events and, where money moves,
//! balanced [`ledger::ValidEntry`]s; or a [`CreditError`] naming the rule id and the field.
//! No IO, no clock, no async, no floating point: money is `i64` minor units, rates are
//! [`rust_decimal::Decimal`], and the CAT solver works in exact `u128`/`i128` fixed point.
//!
//! # Module map
//! - [`schedule`]: loan schedules (R-CRED-4): French or equal-principal, 30/360 or actual/365,
//!   weekly/fortnightly/monthly, grace on principal, fees, installment rounding to a multiple.
//! - [`cat`]: the Mexican CAT (Costo Anual Total, R-CRED-4): safeguarded Newton in fixed point.
//! - [`line`]: the revolving credit line (R-CRED-1, R-CRED-2, R-CRED-6): opening limit, the
//!   semiannual review, limit history, draws and repayments, transfer to another lender.
//! - [`loan`]: the loan lifecycle (R-CRED-3, R-CRED-5): eligibility and graduation, board
//!   approval, disbursement, repayment allocation (fees → interest → principal), prepayment,
//!   late interest, write-off, reversal.
//! - [`quality`]: delinquency and portfolio quality: days past due, aging buckets, PAR30/PAR90,
//!   repayment rate.
//! - [`lease`]: leasing (R-LEASE-1, R-LEASE-2): rent schedule, symbolic purchase price,
//!   default, transfer of the asset and the remaining schedule to another member.
//! - [`book`]: the shared per-installment "paid so far" bookkeeping used by loans and leases.
//! - [`accounts`]: the account codes these rules post to, and the accounts the chart lacks.
//!
//! # What this crate deliberately does not know
//! - Storage, ids allocation, clocks, users, permissions: the app shell passes ids and dates in.
//! - Governance: a board decision arrives as a [`loan::BoardApproval`] value the app built from
//!   a recorded vote (R-GOV-2); this crate only checks that it approves the right subject.
//! - The Fund's trust mechanics (R-FUND-6: the trustee paying installments from the Fund) and
//!   the notice of non-fulfilment: the line review takes "unresolved notices" as a number.
//! - Taxes (IVA on interest and fees): CAT is computed "sin IVA" as Mexican disclosures state.
//! - Accrual accounting: interest and fees are income when received (cash basis); schedules
//!   and loan state carry what is due.
//! - Holidays and business-day adjustment of due dates.

pub mod accounts;
pub mod book;
pub mod cat;
pub mod lease;
pub mod line;
pub mod loan;
pub mod opening;
pub mod quality;
pub mod schedule;

pub use accounts::credit_extra_accounts;
pub use cat::{cat, cat_of_offer, cat_of_schedule, Cat, Flow, YearBasis};
pub use schedule::{
    build_schedule, DayCount, Frequency, Method, NominalRate, Row, Schedule, ScheduleInput,
    UpfrontFee,
};

/// Everything the credit rules refuse. Each variant names the programme rule and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditError {
    /// A value outside its allowed range (validation of a command).
    #[error("{rule} {field}: {message}")]
    Invalid {
        rule: &'static str,
        field: &'static str,
        message: String,
    },
    /// An amount above what a limit allows (line availability, eligibility, 64× cap).
    #[error("{rule} {field}: {requested_minor} exceeds the allowed {allowed_minor} minor units")]
    ExceedsLimit {
        rule: &'static str,
        field: &'static str,
        requested_minor: i64,
        allowed_minor: i64,
    },
    /// The object is not in a state that allows the command (closed loan, lease not in default).
    #[error("{rule} {field}: {message}")]
    WrongState {
        rule: &'static str,
        field: &'static str,
        message: String,
    },
    /// The CAT equation has no root in the supported range, or the solver did not converge.
    #[error("{rule} {field}: {message}")]
    NoRoot {
        rule: &'static str,
        field: &'static str,
        message: String,
    },
    /// Arithmetic left the range of minor units.
    #[error("{rule} {field}: arithmetic overflow")]
    Overflow {
        rule: &'static str,
        field: &'static str,
    },
    /// The ledger refused an entry this crate built (a bug if it ever happens).
    #[error("ledger: {0}")]
    Ledger(#[from] ledger::LedgerError),
}

impl CreditError {
    /// The programme rule id this refusal enforces (`R-CRED-4`), or `LEDGER`.
    pub fn rule(&self) -> &'static str {
        match self {
            CreditError::Invalid { rule, .. }
            | CreditError::ExceedsLimit { rule, .. }
            | CreditError::WrongState { rule, .. }
            | CreditError::NoRoot { rule, .. }
            | CreditError::Overflow { rule, .. } => rule,
            CreditError::Ledger(_) => "LEDGER",
        }
    }

    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            CreditError::Invalid { field, .. }
            | CreditError::ExceedsLimit { field, .. }
            | CreditError::WrongState { field, .. }
            | CreditError::NoRoot { field, .. }
            | CreditError::Overflow { field, .. } => field,
            CreditError::Ledger(_) => "postings",
        }
    }

    pub(crate) fn invalid(
        rule: &'static str,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        CreditError::Invalid {
            rule,
            field,
            message: message.into(),
        }
    }

    pub(crate) fn state(
        rule: &'static str,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        CreditError::WrongState {
            rule,
            field,
            message: message.into(),
        }
    }
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, CreditError>;
