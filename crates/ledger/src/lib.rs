//! The ledger kernel: exact money, accounts, balanced journal entries and the trial balance.
//!
//! Pure: no clocks, no IO, no async, no serde on core types. Every amount is an `i64` count of
//! minor units (centavos) tagged with its currency; rates are `rust_decimal::Decimal` and every
//! conversion from a rate to money rounds half-to-even explicitly ([`round`]).
//!
//! Invariants this crate guarantees for any value it hands out:
//! - a [`ValidEntry`] has two or more postings, none zero, summing to zero per currency, each on
//!   an account of the same currency as the posting;
//! - history is append-only: a mistake is undone by [`ValidEntry::reversal`], a new entry;
//! - a [`TrialBalance`] built from any set of valid entries sums to zero per currency.

pub mod account;
pub mod balance;
pub mod entry;
pub mod money;
pub mod round;
pub mod typed;

pub use account::{Account, AccountCode, AccountKind, AccountOwner, SubFund};
pub use balance::{Statement, StatementLine, TrialBalance};
pub use entry::{EntryDraft, IdempotencyKey, Posting, ReasonCode, RuleId, ValidEntry};
pub use money::{Currency, Money};

/// Everything the ledger refuses, naming the field or rule at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{field}: amount overflows the range of minor units")]
    Overflow { field: &'static str },
    #[error("{field}: amount must not be negative")]
    Negative { field: &'static str },
    #[error("{field}: amount must not be zero")]
    Zero { field: &'static str },
    #[error("currency mismatch: {left} and {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("currency: '{0}' is not a three-letter ISO 4217 code")]
    BadCurrency(String),
    #[error("account code: '{0}' must be lowercase segments of [a-z0-9-] joined by ':'")]
    BadAccountCode(String),
    #[error("postings: an entry needs at least two postings, got {0}")]
    TooFewPostings(usize),
    #[error("postings: an entry may have at most {max} postings, got {got}")]
    TooManyPostings { max: usize, got: usize },
    #[error("postings: entry is unbalanced in {currency} by {imbalance_minor} minor units")]
    Unbalanced {
        currency: Currency,
        imbalance_minor: i128,
    },
    #[error("postings[{index}].account: unknown account '{account}'")]
    UnknownAccount { index: usize, account: String },
    #[error("postings[{index}].currency: account '{account}' is in {account_currency}, posting in {posting_currency}")]
    PostingCurrency {
        index: usize,
        account: String,
        account_currency: Currency,
        posting_currency: Currency,
    },
    #[error("idempotency_key: must be 1 to 200 printable characters")]
    BadIdempotencyKey,
    #[error("reason: must be 1 to 64 characters of [a-z0-9_.-]")]
    BadReason,
    #[error("rule_id: '{0}' is not a programme rule id like R-FUND-2 (or MANUAL)")]
    BadRuleId(String),
    #[error("memo: at most 500 characters")]
    MemoTooLong,
}
