//! Reporting periods (R-PLAN-2): calendar periods of a whole number of months, monthly by
//! default **(setting)**. A period is named by its first month, `2026-01`.

use crate::FundError;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// R-PLAN-2 setting: how many months a reporting period spans. Only lengths that divide the
/// year are allowed, so periods never straddle a year and a period is named by its first month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeriodSettings {
    months: u8,
}

impl Default for PeriodSettings {
    fn default() -> Self {
        PeriodSettings { months: 1 }
    }
}

impl PeriodSettings {
    /// R-PLAN-2: 1, 2, 3, 4, 6 or 12 months.
    pub fn months(months: u8) -> Result<Self, FundError> {
        if matches!(months, 1 | 2 | 3 | 4 | 6 | 12) {
            Ok(PeriodSettings { months })
        } else {
            crate::refuse(
                "R-PLAN-2",
                "period_months",
                format!("{months} must be 1, 2, 3, 4, 6 or 12"),
            )
        }
    }

    pub fn len_months(&self) -> u8 {
        self.months
    }
}

/// A reporting period: `months` months starting on the first day of `year`-`month`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Period {
    year: i32,
    month: u8,
    months: u8,
}

impl Period {
    /// The monthly period `year`-`month` (R-PLAN-2 default).
    pub fn month(year: i32, month: u32) -> Result<Self, FundError> {
        Period::new(year, month, PeriodSettings::default())
    }

    /// The period of the given length starting in `year`-`month`; the month must start a
    /// period of that length (January, April, July, October for quarters).
    pub fn new(year: i32, month: u32, settings: PeriodSettings) -> Result<Self, FundError> {
        if !(1..=12).contains(&month) {
            return crate::refuse("R-PLAN-2", "period", format!("month {month} is not 1..12"));
        }
        if !(1900..=9999).contains(&year) {
            return crate::refuse("R-PLAN-2", "period", format!("year {year} out of range"));
        }
        let months = settings.months;
        let m = months as u32;
        if (month - 1) / m * m != month - 1 {
            return crate::refuse(
                "R-PLAN-2",
                "period",
                format!("{year}-{month:02} does not start a {months}-month period"),
            );
        }
        Ok(Period {
            year,
            month: month as u8,
            months,
        })
    }

    /// The period that contains `date`.
    pub fn containing(date: NaiveDate, settings: PeriodSettings) -> Period {
        let months = settings.months as u32;
        let first = (date.month() - 1) / months * months + 1;
        Period {
            year: date.year(),
            month: first as u8,
            months: settings.months,
        }
    }

    /// Parses `YYYY-MM` as a period of the given length.
    pub fn parse(text: &str, settings: PeriodSettings) -> Result<Self, FundError> {
        let bad = || FundError::rule("R-PLAN-2", "period", format!("'{text}' is not YYYY-MM"));
        let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Period::new(year, month, settings)
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn first_month(&self) -> u32 {
        self.month as u32
    }

    pub fn len_months(&self) -> u8 {
        self.months
    }

    pub fn first_day(&self) -> NaiveDate {
        // Year and month are validated at construction.
        NaiveDate::from_ymd_opt(self.year, self.month as u32, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The first day of the next period.
    pub fn end_exclusive(&self) -> NaiveDate {
        self.next().first_day()
    }

    pub fn last_day(&self) -> NaiveDate {
        self.end_exclusive().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first_day() <= date && date < self.end_exclusive()
    }

    pub fn next(&self) -> Period {
        Period::from_index(self.index() + self.months as i64, self.months)
    }

    pub fn prev(&self) -> Period {
        Period::from_index(self.index() - self.months as i64, self.months)
    }

    /// Months since year 0 of the first month.
    fn index(&self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }

    fn from_index(index: i64, months: u8) -> Period {
        Period {
            year: index.div_euclid(12) as i32,
            month: (index.rem_euclid(12) + 1) as u8,
            months,
        }
    }

    /// The identifier used in idempotency keys and statements: `2026-01`.
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn r_plan_2_monthly_periods_by_default() {
        let p = Period::month(2026, 12).unwrap();
        assert_eq!(p.to_string(), "2026-12");
        assert_eq!(p.first_day(), d(2026, 12, 1));
        assert_eq!(p.last_day(), d(2026, 12, 31));
        assert_eq!(p.next(), Period::month(2027, 1).unwrap());
        assert_eq!(p.next().prev(), p);
        assert_eq!(
            Period::containing(d(2026, 2, 28), PeriodSettings::default()).to_string(),
            "2026-02"
        );
    }

    #[test]
    fn r_plan_2_period_length_is_a_setting() {
        let q = PeriodSettings::months(3).unwrap();
        let p = Period::containing(d(2026, 5, 15), q);
        assert_eq!(p.to_string(), "2026-04");
        assert_eq!(p.last_day(), d(2026, 6, 30));
        assert_eq!(p.next().to_string(), "2026-07");
        assert_eq!(
            Period::new(2026, 10, q).unwrap().next().to_string(),
            "2027-01"
        );
        assert!(Period::new(2026, 2, q).is_err());
        assert!(PeriodSettings::months(5).is_err());
        assert_eq!(Period::parse("2026-07", q).unwrap(), p.next());
        assert!(Period::parse("2026-7", q).is_err());
    }
}
