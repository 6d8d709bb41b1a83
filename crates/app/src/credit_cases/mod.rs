//! Credit and leasing use cases (PROGRAMME.md R-CRED-1..6, R-LEASE-1..2, R-FUND-6 repayment):
//! thin shells over the pure `credit` crate.
//!
//! - [`application`]: loan applications from the web: the terms, the board's proposal, the
//!   disbursement once approved (issue 18).
//! - [`quote`]: the loan quote (*simulador de crédito*), pure, nothing stored.
//! - [`book`]: the credit state as a fold of the organisation's `credit` events, and the one
//!   function that both decides and replays ([`book::CreditBook::apply`]).
//! - [`cases`]: lines (open, review, draw, repay, transfer), loans (approve on a board
//!   decision, disburse, repay, late interest, write-off, reversal), portfolio quality,
//!   graduation eligibility.
//! - [`lease_cases`]: leasing (R-LEASE-1, R-LEASE-2), default reassignment.
//! - [`daily`]: R-FUND-6 trust-fund repayment, the idempotent daily run.
//! - [`gate`]: the one gate for the lender's money: trade borrows and repays through the line.
//! - [`bulk`]: many loans approved and disbursed at once (demo and benchmark loading).

pub mod application;
pub mod book;
pub mod bulk;
pub mod cases;
pub mod daily;
pub mod demo;
pub mod gate;
pub mod lease_cases;
pub mod quote;

pub use application::{may_apply_for, LoanApplied, LoanRequest};
pub use book::{CreditBook, CreditEvent, LineState, LoanState, ReviewSetting, TrustRow};
pub use bulk::BulkLoan;
pub use cases::{CreditOutcome, LoanApplication, OpenLineCmd};
pub use daily::{CreditDayReport, Scope};
pub use gate::LineMovement;
pub use lease_cases::{LeasePurchaseCmd, LeaseSummary, PurchaseSummary, StartLeaseCmd};
pub use quote::{parse_quote_form, quote_terms, LoanQuote, QuoteForm};

/// R-CRED-1's initial deposit of each ODF, kept until its log moves
/// ([`App::kept_initial_deposit_minor`](crate::App::kept_initial_deposit_minor)).
pub type KeptDeposit = crate::kept_per_org::KeptPerOrg<i64>;
