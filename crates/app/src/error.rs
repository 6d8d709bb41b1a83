//! One error type for the use cases, keeping the typed cause so the shell can map it to an
//! exit code or an HTTP status and show a message a person can act on.

use registry::FieldError;
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A rule of the ledger was broken (unbalanced, overflow, unknown account...).
    #[error(transparent)]
    Ledger(#[from] ledger::LedgerError),
    /// One input field is wrong.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A file had bad rows; nothing was imported. Each line names its row and field.
    #[error("{} row(s) rejected, nothing imported:\n{}", .0.len(), .0.join("\n"))]
    Rows(Vec<String>),
    /// A programme rule refused the command: the rule id (`R-GOV-1`), the field and why.
    #[error("{rule} {field}: {message}")]
    Rule {
        rule: &'static str,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A rule of collective trade refused the input (R-BUY-*, R-SELL-*), naming rule and field.
    #[error(transparent)]
    Trade(#[from] trade::TradeError),
    /// The books disagree with themselves; never expected, always reported.
    #[error("integrity check failed: {0}")]
    Integrity(String),
}

impl AppError {
    /// Whether the caller's input was at fault (as opposed to the system).
    pub fn is_caller_error(&self) -> bool {
        match self {
            AppError::Ledger(_)
            | AppError::Field(_)
            | AppError::Rows(_)
            | AppError::Rule { .. }
            | AppError::Trade(_) => true,
            AppError::Store(e) => !matches!(e, StoreError::Backend(_)),
            AppError::Integrity(_) => false,
        }
    }
}
