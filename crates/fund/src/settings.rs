//! Per-organisation settings of the programme's rules, with the defaults PROGRAMME.md gives.

use crate::{FundError, PeriodSettings};
use chrono::{Months, NaiveDate};
use ledger::Currency;
use rust_decimal::Decimal;

/// The **(setting)**s of R-FUND-1, R-PLAN-2, R-PLAN-3, R-PLAN-4 and R-FUND-4 for one ODF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundSettings {
    /// The organisation (tenant) id; part of every idempotency key.
    pub org_id: i64,
    /// The currency of the ODF's books.
    pub currency: Currency,
    /// R-FUND-1: share of new revenue deposited into the Fund (default 10%).
    pub contribution_rate: Decimal,
    /// R-PLAN-3: share of positive incremental profit owed to the ODF (default 25%).
    pub profit_share_rate: Decimal,
    /// R-PLAN-2: reporting period length (default monthly).
    pub period: PeriodSettings,
    /// R-PLAN-4: consecutive periods without a positive increment before a plan is flagged
    /// (default 3).
    pub inadequate_plan_periods: u32,
    /// R-FUND-4: the date the Fund started; individual use opens three years later.
    pub fund_start: NaiveDate,
    /// R-FUND-4: age from which the retirement purpose may be used (default 60).
    pub retirement_age_years: u32,
}

impl FundSettings {
    /// The programme defaults for an organisation whose Fund started on `fund_start`.
    pub fn new(org_id: i64, fund_start: NaiveDate) -> Self {
        FundSettings {
            org_id,
            currency: Currency::MXN,
            contribution_rate: Decimal::new(10, 2),
            profit_share_rate: Decimal::new(25, 2),
            period: PeriodSettings::default(),
            inadequate_plan_periods: 3,
            fund_start,
            retirement_age_years: 60,
        }
    }

    /// Refuses rates outside `[0, 1]` and a zero review window, naming the rule.
    pub fn check(&self) -> Result<(), FundError> {
        let unit = |r: Decimal| r >= Decimal::ZERO && r <= Decimal::ONE;
        if !unit(self.contribution_rate) {
            return crate::refuse("R-FUND-1", "contribution_rate", "must be between 0 and 1");
        }
        if !unit(self.profit_share_rate) {
            return crate::refuse("R-PLAN-3", "profit_share_rate", "must be between 0 and 1");
        }
        if self.inadequate_plan_periods == 0 {
            return crate::refuse("R-PLAN-4", "inadequate_plan_periods", "must be at least 1");
        }
        Ok(())
    }

    /// R-FUND-4: the first day of the Fund's fourth year (start + 3 years).
    pub fn individual_use_opens(&self) -> NaiveDate {
        self.fund_start
            .checked_add_months(Months::new(36))
            .unwrap_or(NaiveDate::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_fund_1_and_r_plan_3_defaults_are_ten_and_twenty_five_percent() {
        let s = FundSettings::new(1, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(s.contribution_rate.to_string(), "0.10");
        assert_eq!(s.profit_share_rate.to_string(), "0.25");
        assert_eq!(s.inadequate_plan_periods, 3);
        assert!(s.check().is_ok());
        // R-FUND-4: a Fund started on 29 February opens on 28 February three years on.
        assert_eq!(
            s.individual_use_opens(),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
        let bad = FundSettings {
            contribution_rate: Decimal::new(11, 1),
            ..s
        };
        assert_eq!(bad.check().unwrap_err().rule_id(), "R-FUND-1");
    }
}
