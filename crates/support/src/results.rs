//! R-INFO-1: ODFs' project results, circulated between ODFs. An ODF says what it tried and
//! what came of it for a span of closed periods; the figures come from its own books (members,
//! new revenue over the span, contributions to the Fund over the span), never typed in.

use crate::SupportError;
use serde::{Deserialize, Serialize};

const RULE: &str = "R-INFO-1";

/// What the ODF writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultText {
    pub title: String,
    /// What was tried.
    pub tried: String,
    /// What came of it.
    pub outcome: String,
}

impl ResultText {
    /// Every text checked (no control characters, lengths).
    pub fn new(title: &str, tried: &str, outcome: &str) -> Result<Self, SupportError> {
        Ok(ResultText {
            title: crate::text("title", title, false, 200)?,
            tried: crate::text("tried", tried, true, 4_000)?,
            outcome: crate::text("outcome", outcome, true, 4_000)?,
        })
    }
}

/// The figures of a span, from the ODF's books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResultFigures {
    /// Active members on the span's last day.
    pub members: u64,
    /// Closed periods in the span.
    pub periods_closed: u64,
    /// New revenue over the span's closed periods (R-FUND-1's base).
    pub new_revenue_minor: i64,
    /// Contributions to the Fund over the span's closed periods (both sub-funds).
    pub fund_minor: i64,
}

impl ResultFigures {
    /// Adds one closed period; refuses an overflow rather than wrap.
    pub fn add_period(
        &mut self,
        new_revenue_minor: i64,
        fund_minor: i64,
    ) -> Result<(), SupportError> {
        let overflow = || SupportError::rule(RULE, "period", "the figures overflow");
        self.periods_closed += 1;
        self.new_revenue_minor = self
            .new_revenue_minor
            .checked_add(new_revenue_minor)
            .ok_or_else(overflow)?;
        self.fund_minor = self
            .fund_minor
            .checked_add(fund_minor)
            .ok_or_else(overflow)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_info_1_figures_add_each_closed_period_and_texts_are_checked() {
        let mut f = ResultFigures::default();
        f.add_period(100_000, 10_000).unwrap();
        f.add_period(-25_000, 0).unwrap();
        // 1,000.00 − 250.00 = 750.00; 100.00 + 0.
        assert_eq!(
            (f.periods_closed, f.new_revenue_minor, f.fund_minor),
            (2, 75_000, 10_000)
        );
        assert!(f.add_period(i64::MAX, 0).is_err());
        assert!(ResultText::new("", "x", "y").is_err());
        assert!(ResultText::new("Horno", "x\u{7}", "y").is_err());
    }
}
