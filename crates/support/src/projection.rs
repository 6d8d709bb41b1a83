//! R-SUP-2: the programme's projection, month by month, from the present state under a growth
//! scenario. Pure and deterministic: the same state and scenario give the same months.
//!
//! The model (each step a **(decision)** of this module, documented where it is made):
//! - Participants and ODFs grow by `annual_growth` a year, compounding at each anniversary and
//!   interpolated linearly within a year (so "doubling each year" doubles exactly at months
//!   12, 24, ... with no irrational monthly factor), rounded half-to-even to whole people.
//! - Each month the participants deposit `contribution_rate` (R-FUND-1, 10 %) of their average
//!   new revenue into the Fund; the Fund accumulates (nothing is spent in the projection).
//! - Credit lines are held by cohorts: the present ODFs are one cohort with their line and
//!   initial deposit; each month's new ODFs open a cohort whose initial deposit is
//!   `deposit_per_new_odf` each and whose line starts at `initial_line_multiple` times that
//!   deposit (R-CRED-1 allows up to 2×). Every `review_months` after it opened, a cohort's line
//!   is multiplied by `review_factor` (R-CRED-2: doubled when commitments are met), never above
//!   `cap_multiple` times its initial deposit (64×).
//! - Drawn credit is `utilisation` of the lines; the lender's exposure is what is drawn and not
//!   covered by the Fund held in trust (R-FUND-6: the trust pays installments first).

use crate::SupportError;
use ledger::round::{apply_rate, to_minor_half_even};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

const RULE: &str = "R-SUP-2";
/// The longest projection: 20 years.
pub const MAX_MONTHS: u32 = 240;

/// Where the programme stands today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresentState {
    pub participants: i64,
    pub odfs: i64,
    pub states: i64,
    /// The Fund today (minor units).
    pub fund_minor: i64,
    /// The sum of the present credit lines' limits (minor units).
    pub line_minor: i64,
    /// What the present ODFs deposited in their first three months (R-CRED-1).
    pub initial_deposit_minor: i64,
    /// Months since the present lines opened (their next review falls on the next multiple of
    /// the review period).
    pub line_age_months: u32,
    /// Average new revenue per participant per month (R-FUND-1: revenue above the baseline).
    pub avg_new_revenue_minor: i64,
}

/// The supervisor's assumptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub months: u32,
    /// 1 = doubling each year; 0 = no growth.
    #[serde(with = "crate::decimal_text")]
    pub annual_growth: Decimal,
    /// R-FUND-1: 0.10.
    #[serde(with = "crate::decimal_text")]
    pub contribution_rate: Decimal,
    /// R-CRED-2: 6.
    pub review_months: u32,
    /// R-CRED-2: 2 (doubled at each review).
    #[serde(with = "crate::decimal_text")]
    pub review_factor: Decimal,
    /// R-CRED-2: 64.
    pub cap_multiple: i64,
    /// A new cohort's line as a multiple of its initial deposit (R-CRED-1: at most 2).
    #[serde(with = "crate::decimal_text")]
    pub initial_line_multiple: Decimal,
    /// What each new ODF deposits in its first three months.
    pub deposit_per_new_odf_minor: i64,
    /// Share of the lines drawn, 0..=1.
    #[serde(with = "crate::decimal_text")]
    pub utilisation: Decimal,
}

impl Scenario {
    /// Seed 002's conservative scenario: doubling each year, 10 % contributions, lines doubling
    /// every six months to 64× the initial deposit, fully drawn. The pilots' initial line was
    /// 270,000 on a deposit of 235,000 (R-CRED-2), a multiple of 270/235.
    pub fn seed_002(months: u32, deposit_per_new_odf_minor: i64) -> Scenario {
        Scenario {
            name: "Programa Global 2001 (semilla 002)".into(),
            months,
            annual_growth: Decimal::ONE,
            contribution_rate: Decimal::new(10, 2),
            review_months: 6,
            review_factor: Decimal::TWO,
            cap_multiple: 64,
            initial_line_multiple: Decimal::from(270) / Decimal::from(235),
            deposit_per_new_odf_minor,
            utilisation: Decimal::ONE,
        }
    }

    fn check(&self) -> Result<(), SupportError> {
        crate::text("name", &self.name, false, 120)?;
        if self.months == 0 || self.months > MAX_MONTHS {
            return Err(SupportError::rule(
                RULE,
                "months",
                format!("must be 1 to {MAX_MONTHS}"),
            ));
        }
        let rate = |field, v: Decimal, max: Decimal| {
            if v < Decimal::ZERO || v > max {
                Err(SupportError::rule(
                    RULE,
                    field,
                    format!("must be between 0 and {max}"),
                ))
            } else {
                Ok(())
            }
        };
        rate("annual_growth", self.annual_growth, Decimal::from(10))?;
        rate("contribution_rate", self.contribution_rate, Decimal::ONE)?;
        rate("review_factor", self.review_factor, Decimal::from(10))?;
        rate(
            "initial_line_multiple",
            self.initial_line_multiple,
            Decimal::TWO,
        )?;
        rate("utilisation", self.utilisation, Decimal::ONE)?;
        if self.review_months == 0 || self.review_months > 60 {
            return Err(SupportError::rule(RULE, "review_months", "must be 1 to 60"));
        }
        if !(1..=1_000).contains(&self.cap_multiple) {
            return Err(SupportError::rule(
                RULE,
                "cap_multiple",
                "must be 1 to 1000",
            ));
        }
        if self.deposit_per_new_odf_minor < 0 {
            return Err(SupportError::rule(
                RULE,
                "deposit_per_new_odf",
                "must not be negative",
            ));
        }
        Ok(())
    }
}

/// One projected month (month 0 is the present).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Month {
    pub month: u32,
    pub participants: i64,
    pub odfs: i64,
    pub contributions_minor: i64,
    pub fund_minor: i64,
    /// The sum of every cohort's line limit this month.
    pub lines_minor: i64,
    pub drawn_minor: i64,
    /// Drawn and not covered by the Fund in trust (never below zero).
    pub exposure_minor: i64,
}

/// A cohort of ODFs whose lines open together.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cohort {
    opened: u32,
    /// Months old at `opened` (the present cohort may be older than the projection).
    age_at_open: u32,
    deposit: i64,
    line: i64,
}

fn overflow(field: &'static str) -> SupportError {
    SupportError::rule(
        RULE,
        field,
        "the projection leaves the range of the arithmetic",
    )
}

/// A count grown by `growth` a year to month `m`: compounding at anniversaries, linear within
/// the year, half-to-even to a whole number.
pub fn grown(start: i64, growth: Decimal, m: u32) -> Option<i64> {
    let years = m / 12;
    let within = Decimal::from(m % 12) / Decimal::from(12);
    let mut factor = Decimal::ONE;
    for _ in 0..years {
        factor = factor.checked_mul(Decimal::ONE + growth)?;
    }
    let value = Decimal::from(start)
        .checked_mul(factor)?
        .checked_mul(Decimal::ONE + growth * within)?;
    to_minor_half_even(value)
}

/// R-SUP-2: projects `state` forward under `scenario`, months 0..=`scenario.months`.
pub fn project(state: &PresentState, scenario: &Scenario) -> Result<Vec<Month>, SupportError> {
    scenario.check()?;
    for (field, v) in [
        ("participants", state.participants),
        ("odfs", state.odfs),
        ("fund", state.fund_minor),
        ("line", state.line_minor),
        ("initial_deposit", state.initial_deposit_minor),
        ("avg_new_revenue", state.avg_new_revenue_minor),
    ] {
        if v < 0 {
            return Err(SupportError::rule(RULE, field, "must not be negative"));
        }
    }
    let mut cohorts = vec![Cohort {
        opened: 0,
        age_at_open: state.line_age_months,
        deposit: state.initial_deposit_minor,
        line: state.line_minor,
    }];
    let mut fund = state.fund_minor;
    let mut odfs_before = state.odfs;
    let mut months = Vec::with_capacity(scenario.months as usize + 1);
    for m in 0..=scenario.months {
        let participants =
            grown(state.participants, scenario.annual_growth, m).ok_or(overflow("participants"))?;
        let odfs = grown(state.odfs, scenario.annual_growth, m).ok_or(overflow("odfs"))?;
        // Reviews of the cohorts already open (R-CRED-2), capped at 64× their deposit.
        for c in cohorts.iter_mut() {
            let age = c.age_at_open + (m - c.opened);
            if m > c.opened && age % scenario.review_months == 0 {
                let cap = c
                    .deposit
                    .checked_mul(scenario.cap_multiple)
                    .ok_or(overflow("cap_multiple"))?;
                let reviewed =
                    apply_rate(c.line, scenario.review_factor).ok_or(overflow("line"))?;
                c.line = reviewed.min(cap);
            }
        }
        // This month's new ODFs open a cohort (R-CRED-1).
        let new_odfs = odfs - odfs_before;
        if m > 0 && new_odfs > 0 {
            let deposit = new_odfs
                .checked_mul(scenario.deposit_per_new_odf_minor)
                .ok_or(overflow("deposit_per_new_odf"))?;
            let line =
                apply_rate(deposit, scenario.initial_line_multiple).ok_or(overflow("line"))?;
            cohorts.push(Cohort {
                opened: m,
                age_at_open: 0,
                deposit,
                line,
            });
        }
        odfs_before = odfs;
        // R-FUND-1: 10 % of new revenue, from month 1 (month 0 is the present Fund).
        let contributions = if m == 0 {
            0
        } else {
            let revenue = participants
                .checked_mul(state.avg_new_revenue_minor)
                .ok_or(overflow("avg_new_revenue"))?;
            apply_rate(revenue, scenario.contribution_rate).ok_or(overflow("contribution_rate"))?
        };
        fund = fund.checked_add(contributions).ok_or(overflow("fund"))?;
        let lines = cohorts
            .iter()
            .try_fold(0i64, |acc, c| acc.checked_add(c.line))
            .ok_or(overflow("line"))?;
        let drawn = apply_rate(lines, scenario.utilisation).ok_or(overflow("utilisation"))?;
        months.push(Month {
            month: m,
            participants,
            odfs,
            contributions_minor: contributions,
            fund_minor: fund,
            lines_minor: lines,
            drawn_minor: drawn,
            exposure_minor: (drawn - fund).max(0),
        });
    }
    Ok(months)
}

/// The line limits in force at each review (months 0, `review_months`, ...), and their sum:
/// R-CRED-2's "accumulated" figure.
pub fn limits_at_reviews(months: &[Month], review_months: u32) -> (Vec<i64>, i64) {
    let limits: Vec<i64> = months
        .iter()
        .filter(|m| m.month % review_months.max(1) == 0)
        .map(|m| m.lines_minor)
        .collect();
    let sum = limits.iter().sum();
    (limits, sum)
}

/// Two or more scenarios side by side: for each month, each scenario's row (same present
/// state).
pub fn compare(
    state: &PresentState,
    scenarios: &[Scenario],
) -> Result<Vec<(String, Vec<Month>)>, SupportError> {
    scenarios
        .iter()
        .map(|s| Ok((s.name.clone(), project(state, s)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// USD cents.
    const K: i64 = 100_000; // 1,000.00

    fn pilots() -> PresentState {
        PresentState {
            participants: 1_000,
            odfs: 6,
            states: 5,
            fund_minor: 235 * K,
            line_minor: 270 * K,
            initial_deposit_minor: 235 * K,
            line_age_months: 0,
            avg_new_revenue_minor: 0,
        }
    }

    fn flat(months: u32) -> Scenario {
        Scenario {
            annual_growth: Decimal::ZERO,
            ..Scenario::seed_002(months, 0)
        }
    }

    #[test]
    fn r_sup_2_and_r_cred_2_the_pilot_line_reaches_8_64_million_at_month_30() {
        let months = project(&pilots(), &flat(30)).unwrap();
        // By hand: 270,000 doubled five times = 270,000 × 32 = 8,640,000.
        assert_eq!(months[30].lines_minor, 8_640_000 * 100);
        assert_eq!(
            months[29].lines_minor,
            4_320_000 * 100,
            "doubles only at the review"
        );
        // The six limits: 270 + 540 + 1,080 + 2,160 + 4,320 + 8,640 thousand = 17,010 thousand.
        let (limits, sum) = limits_at_reviews(&months, 6);
        let by_hand: Vec<i64> = [270, 540, 1_080, 2_160, 4_320, 8_640]
            .iter()
            .map(|k| k * K)
            .collect();
        assert_eq!(limits, by_hand);
        assert_eq!(sum, 17_010_000 * 100);
        // Fully drawn, less the Fund of 235,000: exposure 8,405,000 at month 30.
        assert_eq!(months[30].exposure_minor, (8_640_000 - 235_000) * 100);
    }

    #[test]
    fn r_sup_2_a_line_never_exceeds_64_times_the_initial_deposit() {
        // Deposit 235,000 starting at the full 2D = 470,000: 470 × 32 = 15,040,000 at month 30
        // is the cap 64 × 235,000; a sixth doubling at month 36 stays at the cap.
        let state = PresentState {
            line_minor: 470 * K,
            ..pilots()
        };
        let months = project(&state, &flat(36)).unwrap();
        assert_eq!(months[30].lines_minor, 15_040_000 * 100);
        assert_eq!(months[36].lines_minor, 15_040_000 * 100);
    }

    #[test]
    fn r_sup_2_seed_002_doubles_participants_each_year_and_the_fund_takes_ten_percent() {
        // 120 projects, 24,000 participants; 1,000.00 a month of new revenue each.
        let state = PresentState {
            participants: 24_000,
            odfs: 120,
            states: 22,
            fund_minor: 0,
            line_minor: 0,
            initial_deposit_minor: 0,
            line_age_months: 0,
            avg_new_revenue_minor: K,
        };
        let s = Scenario::seed_002(24, 0);
        let months = project(&state, &s).unwrap();
        assert_eq!(months[12].participants, 48_000);
        assert_eq!(months[24].participants, 96_000);
        assert_eq!(months[12].odfs, 240);
        // Month 6: halfway through the first year, linear: 24,000 × 1.5.
        assert_eq!(months[6].participants, 36_000);
        // Month 1: 24,000 × (1 + 1/12) = 26,000 participants × 1,000.00 × 10 % = 2,600,000.00.
        assert_eq!(months[1].participants, 26_000);
        assert_eq!(months[1].contributions_minor, 2_600_000 * 100);
        // Fund after two months: 26,000 and 28,000 participants → 5,400,000.00.
        assert_eq!(months[2].fund_minor, 5_400_000 * 100);
    }

    #[test]
    fn r_sup_2_new_odfs_open_lines_that_double_on_their_own_calendar() {
        // 10 ODFs doubling a year: month 1 has 10 × (1 + 1/12) = 10.83 → 11 ODFs, one new.
        // Its deposit 100,000.00 opens a line of 2 × 100,000.00 = 200,000.00, reviewed at
        // month 7 (six months after it opened) to 400,000.00.
        let state = PresentState {
            participants: 0,
            odfs: 10,
            states: 1,
            fund_minor: 0,
            line_minor: 0,
            initial_deposit_minor: 0,
            line_age_months: 0,
            avg_new_revenue_minor: 0,
        };
        let s = Scenario {
            initial_line_multiple: dec!(2),
            ..Scenario::seed_002(7, 100 * K)
        };
        let months = project(&state, &s).unwrap();
        assert_eq!(months[1].odfs, 11);
        assert_eq!(months[1].lines_minor, 200 * K);
        // Month 2: 10 × (1 + 2/12) = 11.67 → 12 ODFs: a second cohort of 200,000.00.
        assert_eq!(months[2].lines_minor, 400 * K);
        // Months 3..=7: 12.5 → 12 (half to even: no new ODF), 13.33 → 13, 14.17 → 14, 15,
        // 15.83 → 16. So at month 7 the first cohort has doubled (400,000.00) and the five
        // cohorts of months 2, 4, 5, 6 and 7 (200,000.00 each) are not yet reviewed.
        assert_eq!(months[7].odfs, 16);
        assert_eq!(months[7].lines_minor, 400 * K + 5 * 200 * K);
    }

    #[test]
    fn r_sup_2_a_bad_scenario_names_its_field() {
        let mut s = flat(30);
        s.contribution_rate = dec!(1.5);
        let err = project(&pilots(), &s).unwrap_err();
        assert_eq!(err.field(), "contribution_rate");
        s = flat(0);
        assert_eq!(project(&pilots(), &s).unwrap_err().field(), "months");
    }
}
