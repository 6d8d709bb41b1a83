//! Credit and leasing use cases (PROGRAMME.md R-CRED-1..6, R-LEASE-1..2, R-FUND-6 repayment):
//! thin shells over the pure `credit` crate.
//!
//! - [`quote`]: the loan quote (*simulador de crédito*), pure, nothing stored.

pub mod quote;

pub use quote::{parse_quote_form, quote_terms, LoanQuote, QuoteForm};
