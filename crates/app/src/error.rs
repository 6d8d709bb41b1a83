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
    /// An opening position's file had bad rows (issue 16); nothing was imported. Each names its
    /// row, column and what is wrong as a message key with its values (the web shows it in
    /// Spanish), and prints as [`AppError::Rows`] does.
    #[error("{} row(s) rejected, nothing imported:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    OpeningRows(Vec<crate::opening_cases::OpeningProblem>),
    /// A programme rule refused the command: the rule id (`R-GOV-1`), the field and why.
    #[error("{rule} {field}: {message}")]
    Rule {
        rule: &'static str,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A programme rule of the Fund refused (`fund::FundError` names the rule and field).
    #[error(transparent)]
    Fund(#[from] fund::FundError),
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
            | AppError::OpeningRows(_)
            | AppError::Rule { .. } => true,
            AppError::Trade(_) => true,
            AppError::Store(e) => !matches!(e, StoreError::Backend(_)),
            AppError::Fund(e) => matches!(e, fund::FundError::Rule { .. }),
            AppError::Integrity(_) => false,
        }
    }

    /// The slot or counted id another writer took at the same moment, when this is such a
    /// refusal: a race between writers that do not contradict each other (see `retry`).
    pub fn contended_key(&self) -> Option<&str> {
        match self {
            AppError::Store(e) => e
                .conflicting_event_key()
                .filter(|k| crate::retry::is_contended_key(k)),
            _ => None,
        }
    }

    /// Whether running the use case again may succeed: it lost a race on a slot or a counted
    /// id ([`AppError::contended_key`]), it did not contradict anything.
    pub fn is_transient(&self) -> bool {
        self.contended_key().is_some()
    }

    /// The bad rows of a file, one line each (`line 3, curp: ...`), when this is such a
    /// refusal.
    pub fn row_lines(&self) -> Option<Vec<String>> {
        match self {
            AppError::Rows(rows) => Some(rows.clone()),
            AppError::OpeningRows(rows) => Some(rows.iter().map(ToString::to_string).collect()),
            _ => None,
        }
    }

    /// The programme rule a refusal names (`R-FUND-3`), when one does.
    pub fn rule_id(&self) -> Option<&'static str> {
        match self {
            AppError::Fund(e) => Some(e.rule_id()),
            AppError::Rule { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// The field a refusal names, when one does.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Fund(e) => e.field(),
            AppError::Field(e) => Some(e.field),
            AppError::Rule { field, .. } => Some(field),
            AppError::OpeningRows(rows) => rows.first().map(|r| r.field),
            _ => None,
        }
    }
}
