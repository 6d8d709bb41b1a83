//! The support system around the ODFs' books: pure rules for the last chapter of the
//! programme (`shared/mission/PROGRAMME.md`, "Information, innovation and the support system").
//!
//! # Module map
//! - [`opportunities`]: opportunities (buyers, suppliers, trade fairs, technologies, training,
//!   calls for funding), the profile each fits, matching a member and the "para ti" order
//!   (R-INFO-1).
//! - [`inventions`]: the inventions registry: stages idea → prototype → production → market,
//!   intellectual-property status, inventors, reviews by the innovation committee, conflicts of
//!   interest and recusals, who may read review notes (R-INNO-1).
//! - [`compliance`]: checks over figures the app gathers from an ODF's books, each with its
//!   status, figure and evidence, and the ranking of ODFs (R-SUP-1).
//! - [`projection`]: the programme's month-by-month projection under a growth scenario:
//!   participants, ODFs, the Fund, credit lines and the lender's exposure (R-SUP-2).
//! - [`integradoras`]: the 1997 table of empresas integradoras (checked totals) and the
//!   indicators seed 004 links to success (R-SUP-3).
//! - [`results`]: ODFs' project results (what was tried, what came of it, figures from the
//!   books) that supervisors circulate between ODFs (R-INFO-1).
//! - [`outcomes`]: members' income now against their baseline, per member, per ODF and for the
//!   programme as a sum of ODFs, cut by state, trade and target programme (R-SUP-4).
//!
//! # What this crate deliberately does not know
//! Storage, clocks, IO, who is signed in: dates, ids and figures are inputs. Money is `i64`
//! minor units, rates `rust_decimal`, every rate-to-money conversion rounds half-to-even
//! (`ledger::round`).

pub mod compliance;
pub mod integradoras;
pub mod inventions;
pub mod opportunities;
pub mod outcomes;
pub mod projection;
pub mod results;

mod decimal_text;

pub use registry::FieldError;

/// A refusal by a rule of this chapter, naming the rule and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupportError {
    #[error("{rule} {field}: {message}")]
    Rule {
        rule: &'static str,
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl SupportError {
    pub(crate) fn rule(
        rule: &'static str,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        SupportError::Rule {
            rule,
            field,
            message: message.into(),
        }
    }

    /// The rule id of a refusal, when it names one.
    pub fn rule_id(&self) -> Option<&'static str> {
        match self {
            SupportError::Rule { rule, .. } => Some(rule),
            SupportError::Field(_) => None,
        }
    }

    /// The field the refusal names.
    pub fn field(&self) -> &'static str {
        match self {
            SupportError::Rule { field, .. } => field,
            SupportError::Field(e) => e.field,
        }
    }
}

/// A short text a person types (titles, names, notes): no control characters, 1..=`max`
/// characters once trimmed (issue 15's one check, `registry::check_text`).
pub(crate) fn text(
    field: &'static str,
    value: &str,
    multiline: bool,
    max: usize,
) -> Result<String, SupportError> {
    registry::check_text(field, value, multiline)?;
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len == 0 || len > max {
        return Err(FieldError::new(field, format!("must have 1 to {max} characters")).into());
    }
    Ok(trimmed.to_string())
}
