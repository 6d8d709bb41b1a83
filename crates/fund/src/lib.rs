//! The programme's heart as pure functions: business plans, income reports, the period close
//! and the Competition and Development Fund (PROGRAMME.md R-PLAN-1..4, R-FUND-1..6).
//!
//! Every rule is a function that takes the state it needs, the command, and `today` and ids as
//! arguments, and returns a [`Decision`] (balanced [`ledger::ValidEntry`] values plus
//! [`FundEvent`]s) or a [`FundError`] that names the rule (`R-FUND-3`) and the field.
//!
//! # Code map
//! - [`period`]: [`Period`], a calendar period of 1, 2, 3, 4, 6 or 12 months (setting, default
//!   monthly) and [`PeriodSettings`].
//! - [`settings`]: [`FundSettings`], the per-organisation settings with the programme defaults
//!   (10% contribution, 25% profit share, 3 periods before a plan is flagged).
//! - [`plan`]: R-PLAN-1 business plans as values (baseline, target, measures, status with
//!   validated transitions and a history of changes) and the R-PLAN-4 review flag.
//! - [`report`]: R-PLAN-2 income reports: acceptance checks and the effective report among
//!   superseding corrections.
//! - [`close`]: R-FUND-1, R-FUND-2 and R-PLAN-3, the period close: an allocation-free batch
//!   computation ([`close::compute_close`]) and entries booked per group of members;
//!   adjusting entries for late corrections; payment of what the close made owed.
//! - [`split`]: the R-FUND-2 50/50 split and the two-bucket allocator every cash movement uses.
//! - [`grant`]: R-FUND-1 grants and temporary contributions, and returning the latter.
//! - [`competition`]: R-FUND-3 Competition Sub-Fund spending with a board decision.
//! - [`development`]: R-FUND-4 and R-FUND-5: the individually usable amount, entitlements by
//!   largest remainder, and withdrawals for the five purposes.
//! - [`trust`]: R-FUND-6: installments paid by the trustee, replenishments, shortfalls and
//!   notices of non-fulfilment.
//! - [`working_capital`]: R-BUY-2: working capital the Competition Sub-Fund lends trade and
//!   gets back (cash out of the trust into a receivable, not spending).
//! - [`state`]: [`FundState`], the plain-data position of one organisation's Fund that the
//!   rules read, and how events fold into it.
//! - [`statement`]: member and ODF statements as plain data (R-SUP-4 included).
//! - [`chart`]: the accounts this crate posts to, [`fund_extra_accounts`], and the chart every
//!   entry is validated against.
//!
//! # Accounting in one paragraph
//! The close makes contributions and the profit share *owed* (member receivables against the
//! sub-fund equity accounts and the ODF's profit-share income). Payment moves cash into the
//! trust accounts (`fund:trust-bank:*`) or `odf:bank`. Grants credit the sub-fund equity;
//! temporary contributions bring split cash into the trust but credit the liability
//! `fund:temporary-contributions`. Competition spending and development withdrawals are expenses
//! of their sub-fund. Installments the trustee pays become `fund:receivable:borrowers` until the
//! borrower replenishes; working capital lent to trade, `fund:receivable:working-capital` until
//! repaid. Invariant, checked by property tests: the Fund's net assets (trust cash + members'
//! fund receivables + borrowers' and trade's receivables − temporary contributions) equal
//! Development + Competition (equity less their expenses).
//!
//! # What this crate deliberately does not know
//! Storage (the shell loads [`FundState`], reports and posted amounts, and persists entries by
//! their idempotency keys), clocks (`today` is always an argument), HTTP, serialisation,
//! authorisation (who may call a rule is the application's business; the board decision a rule
//! needs is passed in as a value), and floating point (there is none: money is `i64` minor
//! units, rates are `rust_decimal`).

pub mod chart;
pub mod close;
pub mod competition;
pub mod development;
pub mod grant;
pub mod import;
pub mod opening;
pub mod period;
pub mod plan;
pub mod report;
pub mod settings;
pub mod split;
pub mod state;
pub mod statement;
pub mod trust;
pub mod working_capital;

pub use chart::{fund_extra_accounts, Chart};
pub use close::{
    close_entries, compute_close, content_hash, pay_contribution, pay_profit_share, Accrual,
    CloseComputation, CloseLine, CloseRow, PaymentMethod, PostedClose, ReportFigures,
    MEMBERS_PER_CLOSE_ENTRY,
};
pub use competition::{spend_competition, BoardDecision, CompetitionCategory, CompetitionSpend};
pub use development::{
    entitlement_of, entitlements, individually_usable_minor, withdraw, Entitlement, Withdrawal,
    WithdrawalPurpose,
};
pub use grant::{receive_grant, receive_temporary, return_temporary};
pub use period::{Period, PeriodSettings};
pub use plan::{
    agree_plan, review_flag, BusinessPlan, NewBusinessPlan, OdfService, PlanReviewFlag, PlanStatus,
    Target, TargetMeasure,
};
pub use report::{accept_report, effective_report, IncomeReport, NewIncomeReport, Reporter};
pub use settings::FundSettings;
pub use split::Split;
pub use state::{FundEvent, FundState};
pub use statement::{member_statement, odf_statement, MemberStatement, OdfStatement};
pub use trust::{
    non_fulfilment_notices, pay_installment_from_fund, replenish, shortfall, Borrower,
    InstallmentDue, NonFulfilmentNotice,
};
pub use working_capital::{lend_working_capital, recover_working_capital};

use ledger::{LedgerError, ValidEntry};

/// What a rule decided: the entries to post (balanced, validated against the chart) and the
/// events to record. Applying the events to a [`FundState`] gives the state after the decision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    pub entries: Vec<ValidEntry>,
    pub events: Vec<FundEvent>,
}

/// A refusal: the rule that refused, the field at fault and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FundError {
    /// A programme rule refused the command.
    #[error("{rule} {field}: {message}")]
    Rule {
        rule: &'static str,
        field: &'static str,
        message: String,
    },
    /// The ledger refused an entry the rule built (a bug or a chart without the account).
    #[error("{rule}: ledger refused the entry: {source}")]
    Ledger {
        rule: &'static str,
        #[source]
        source: LedgerError,
    },
}

impl FundError {
    pub fn rule(rule: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        FundError::Rule {
            rule,
            field,
            message: message.into(),
        }
    }

    /// The rule id this error names (`R-FUND-3`).
    pub fn rule_id(&self) -> &'static str {
        match self {
            FundError::Rule { rule, .. } | FundError::Ledger { rule, .. } => rule,
        }
    }

    /// The field at fault, when a rule refused.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            FundError::Rule { field, .. } => Some(field),
            FundError::Ledger { .. } => None,
        }
    }
}

/// A refusal under `rule` when `value` holds a control character (issue 15, text is text:
/// the one check is [`registry::check_text`]).
pub(crate) fn check_text(
    rule: &'static str,
    field: &'static str,
    value: &str,
    multiline: bool,
) -> Result<(), FundError> {
    registry::check_text(field, value, multiline).or_else(|e| refuse(rule, e.field, e.message))
}

/// Shorthand for building a rule refusal.
pub(crate) fn refuse<T>(
    rule: &'static str,
    field: &'static str,
    message: impl Into<String>,
) -> Result<T, FundError> {
    Err(FundError::rule(rule, field, message))
}
