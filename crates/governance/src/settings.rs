//! The group's settings (every value PROGRAMME.md marks **(setting)**), decided by the board.
//!
//! Each setting is a [`SettingKey`] with a typed [`SettingValue`] and the programme's default.
//! A change is proposed to the board as a proposal of kind [`crate::ProposalKind::SettingChange`]
//! whose subject names the key, the new value and the date it takes effect
//! ([`SettingProposal::subject`]); only an approved proposal becomes a [`SettingChange`]
//! (R-GOV-1, R-GOV-2). [`SettingsHistory::value_on`] answers the value in force on a day: the
//! default, or the last change in force by then. A change is in force from its effective date,
//! or from the day the board approved it when that came later (nothing decided applies to days
//! before the decision).

use crate::{Fraction, GovernanceError, Majority};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Every setting of the programme, in the order PROGRAMME.md names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingKey {
    /// R-ORG-4: under this age a member is in the young programme (30).
    YoungBelowYears,
    /// R-ORG-4: from this age a member is in the elderly programme (60).
    ElderlyFromYears,
    /// R-GOV-2: more than this share of the board's seats must vote (1/2).
    Quorum,
    /// R-GOV-2: simple majority of votes cast, or a qualified fraction.
    Majority,
    /// R-ORG-6: membership dues per period, in minor units (the organisation's own).
    DuesAmount,
    /// R-ORG-6: months per dues period (the organisation's own).
    DuesPeriodMonths,
    /// R-PLAN-2: months per reporting period (1).
    ReportPeriodMonths,
    /// R-PLAN-3: share of positive incremental profit owed to the ODF (25 %).
    ProfitShare,
    /// R-PLAN-4: periods without a positive increment before a plan is flagged (3).
    InadequatePlanPeriods,
    /// R-FUND-1: share of new revenue deposited into the Fund (10 %).
    ContributionRate,
    /// R-CRED-2: an installment later than this many days is late (30).
    ReviewLateDays,
    /// R-CRED-2: the limit's factor when commitments are met (2).
    ReviewWhenMet,
    /// R-CRED-2: the factor when something was late but is now paid (1).
    ReviewWhenCured,
    /// R-CRED-2: the factor otherwise (1/2, never below the amount drawn).
    ReviewOtherwise,
    /// R-LEASE-1: the symbolic price of the asset at the end, minor units (MXN 1.00).
    LeasePurchasePrice,
    /// R-LEASE-2: days late that put a lessee in default (90).
    LeaseDefaultDays,
    /// R-BUY-1: buy up to a better tier when that is cheaper (yes).
    AllowBuyUp,
}

/// How a setting's value is written and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    /// A percentage, 0 to 100.
    Percent,
    /// Whole months.
    Months,
    /// Whole days.
    Days,
    /// Whole years of age.
    Years,
    /// A count of periods.
    Periods,
    /// An amount of money in minor units.
    Money,
    /// Yes or no.
    Bool,
    /// "more than n/d" of the seats.
    Quorum,
    /// "simple" or a fraction of the votes cast.
    Majority,
    /// A multiplier n or n/d.
    Factor,
}

impl SettingKey {
    pub const ALL: [SettingKey; 17] = [
        SettingKey::YoungBelowYears,
        SettingKey::ElderlyFromYears,
        SettingKey::Quorum,
        SettingKey::Majority,
        SettingKey::DuesAmount,
        SettingKey::DuesPeriodMonths,
        SettingKey::ReportPeriodMonths,
        SettingKey::ProfitShare,
        SettingKey::InadequatePlanPeriods,
        SettingKey::ContributionRate,
        SettingKey::ReviewLateDays,
        SettingKey::ReviewWhenMet,
        SettingKey::ReviewWhenCured,
        SettingKey::ReviewOtherwise,
        SettingKey::LeasePurchasePrice,
        SettingKey::LeaseDefaultDays,
        SettingKey::AllowBuyUp,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SettingKey::YoungBelowYears => "young_below_years",
            SettingKey::ElderlyFromYears => "elderly_from_years",
            SettingKey::Quorum => "quorum",
            SettingKey::Majority => "majority",
            SettingKey::DuesAmount => "dues_amount",
            SettingKey::DuesPeriodMonths => "dues_period_months",
            SettingKey::ReportPeriodMonths => "report_period_months",
            SettingKey::ProfitShare => "profit_share",
            SettingKey::InadequatePlanPeriods => "inadequate_plan_periods",
            SettingKey::ContributionRate => "contribution_rate",
            SettingKey::ReviewLateDays => "review_late_days",
            SettingKey::ReviewWhenMet => "review_when_met",
            SettingKey::ReviewWhenCured => "review_when_cured",
            SettingKey::ReviewOtherwise => "review_otherwise",
            SettingKey::LeasePurchasePrice => "lease_purchase_price",
            SettingKey::LeaseDefaultDays => "lease_default_days",
            SettingKey::AllowBuyUp => "allow_buy_up",
        }
    }

    pub fn parse(text: &str) -> Result<Self, GovernanceError> {
        SettingKey::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = SettingKey::ALL.iter().map(|k| k.as_str()).collect();
                GovernanceError::new(
                    "R-GOV-2",
                    "key",
                    format!("'{text}' is not a setting ({})", names.join(", ")),
                )
            })
    }

    /// The rule the setting belongs to.
    pub fn rule(&self) -> &'static str {
        match self {
            SettingKey::YoungBelowYears | SettingKey::ElderlyFromYears => "R-ORG-4",
            SettingKey::Quorum | SettingKey::Majority => "R-GOV-2",
            SettingKey::DuesAmount | SettingKey::DuesPeriodMonths => "R-ORG-6",
            SettingKey::ReportPeriodMonths => "R-PLAN-2",
            SettingKey::ProfitShare => "R-PLAN-3",
            SettingKey::InadequatePlanPeriods => "R-PLAN-4",
            SettingKey::ContributionRate => "R-FUND-1",
            SettingKey::ReviewLateDays
            | SettingKey::ReviewWhenMet
            | SettingKey::ReviewWhenCured
            | SettingKey::ReviewOtherwise => "R-CRED-2",
            SettingKey::LeasePurchasePrice => "R-LEASE-1",
            SettingKey::LeaseDefaultDays => "R-LEASE-2",
            SettingKey::AllowBuyUp => "R-BUY-1",
        }
    }

    pub fn value_type(&self) -> SettingType {
        match self {
            SettingKey::YoungBelowYears | SettingKey::ElderlyFromYears => SettingType::Years,
            SettingKey::Quorum => SettingType::Quorum,
            SettingKey::Majority => SettingType::Majority,
            SettingKey::DuesAmount | SettingKey::LeasePurchasePrice => SettingType::Money,
            SettingKey::DuesPeriodMonths | SettingKey::ReportPeriodMonths => SettingType::Months,
            SettingKey::ProfitShare | SettingKey::ContributionRate => SettingType::Percent,
            SettingKey::InadequatePlanPeriods => SettingType::Periods,
            SettingKey::ReviewLateDays | SettingKey::LeaseDefaultDays => SettingType::Days,
            SettingKey::ReviewWhenMet
            | SettingKey::ReviewWhenCured
            | SettingKey::ReviewOtherwise => SettingType::Factor,
            SettingKey::AllowBuyUp => SettingType::Bool,
        }
    }

    /// The programme's default. Dues are the organisation's own: see
    /// [`SettingsHistory::new`].
    pub fn programme_default(&self) -> SettingValue {
        use SettingValue as V;
        match self {
            SettingKey::YoungBelowYears => V::Number(30),
            SettingKey::ElderlyFromYears => V::Number(60),
            SettingKey::Quorum => V::Fraction(Fraction::HALF),
            SettingKey::Majority => V::Majority(Majority::Simple),
            SettingKey::DuesAmount => V::Money(0),
            SettingKey::DuesPeriodMonths => V::Number(1),
            SettingKey::ReportPeriodMonths => V::Number(1),
            SettingKey::ProfitShare => V::Percent(Decimal::new(25, 0)),
            SettingKey::InadequatePlanPeriods => V::Number(3),
            SettingKey::ContributionRate => V::Percent(Decimal::new(10, 0)),
            SettingKey::ReviewLateDays => V::Number(30),
            SettingKey::ReviewWhenMet => V::Fraction(Fraction {
                numerator: 2,
                denominator: 1,
            }),
            SettingKey::ReviewWhenCured => V::Fraction(Fraction {
                numerator: 1,
                denominator: 1,
            }),
            SettingKey::ReviewOtherwise => V::Fraction(Fraction::HALF),
            SettingKey::LeasePurchasePrice => V::Money(100),
            SettingKey::LeaseDefaultDays => V::Number(90),
            SettingKey::AllowBuyUp => V::Bool(true),
        }
    }

    /// Reads a value typed by a person and checks it against the setting's bounds:
    /// percentages `12`, `12.5` or `12 %`; money in pesos `1.00`; months, days, years and
    /// periods as whole numbers; the quorum as `1/2`; the majority as `simple` or `2/3`;
    /// factors as `2` or `1/2`; yes/no as `si`, `no`, `true`, `false`.
    pub fn parse_value(&self, text: &str) -> Result<SettingValue, GovernanceError> {
        let text = text.trim();
        let bad = |why: &str| GovernanceError::new(self.rule(), "value", format!("'{text}' {why}"));
        let whole = |lo: u32, hi: u32| -> Result<SettingValue, GovernanceError> {
            match text.parse::<u32>() {
                Ok(n) if (lo..=hi).contains(&n) => Ok(SettingValue::Number(n)),
                _ => Err(bad(&format!("must be a whole number from {lo} to {hi}"))),
            }
        };
        match self.value_type() {
            SettingType::Percent => {
                let digits = text.trim_end_matches('%').trim();
                match Decimal::from_str(digits) {
                    Ok(d) if d >= Decimal::ZERO && d <= Decimal::ONE_HUNDRED && d.scale() <= 4 => {
                        Ok(SettingValue::Percent(d.normalize()))
                    }
                    _ => Err(bad("must be a percentage from 0 to 100")),
                }
            }
            SettingType::Months if *self == SettingKey::ReportPeriodMonths => match whole(1, 12)? {
                SettingValue::Number(n) if matches!(n, 1 | 2 | 3 | 4 | 6 | 12) => {
                    Ok(SettingValue::Number(n))
                }
                _ => Err(bad("must be 1, 2, 3, 4, 6 or 12 months")),
            },
            SettingType::Months => whole(1, 12),
            SettingType::Days => whole(1, 3_650),
            SettingType::Years => whole(1, 120),
            SettingType::Periods => whole(1, 120),
            SettingType::Money => parse_pesos(text)
                .map(SettingValue::Money)
                .ok_or_else(|| bad("must be an amount of at least 0.00 with up to two decimals")),
            SettingType::Bool => match text.to_lowercase().as_str() {
                "si" | "sí" | "yes" | "true" => Ok(SettingValue::Bool(true)),
                "no" | "false" => Ok(SettingValue::Bool(false)),
                _ => Err(bad("must be si or no")),
            },
            SettingType::Quorum => match parse_fraction(text) {
                Some(f) if f.numerator < f.denominator => Ok(SettingValue::Fraction(f)),
                _ => Err(bad("must be a fraction below one, such as 1/2")),
            },
            SettingType::Majority => {
                if text.eq_ignore_ascii_case("simple") {
                    return Ok(SettingValue::Majority(Majority::Simple));
                }
                match parse_fraction(text) {
                    Some(f) if f.numerator > 0 && f.numerator <= f.denominator => {
                        Ok(SettingValue::Majority(Majority::Qualified(f)))
                    }
                    _ => Err(bad("must be simple or a fraction such as 2/3")),
                }
            }
            SettingType::Factor => match parse_fraction(text) {
                Some(f) if f.numerator <= 64 * f.denominator => Ok(SettingValue::Fraction(f)),
                _ => Err(bad("must be a factor such as 2, 1 or 1/2")),
            },
        }
    }
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `n` or `n/d` with `d > 0`.
fn parse_fraction(text: &str) -> Option<Fraction> {
    let (n, d) = match text.split_once('/') {
        Some((n, d)) => (n.trim().parse().ok()?, d.trim().parse().ok()?),
        None => (text.trim().parse().ok()?, 1),
    };
    (d > 0 && d <= 1_000).then_some(Fraction {
        numerator: n,
        denominator: d,
    })
}

/// Pesos with up to two decimals (`1`, `1.5`, `150.00`, `1,500.00`) to minor units.
pub fn parse_pesos(text: &str) -> Option<i64> {
    let clean: String = text
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let d = Decimal::from_str(clean.trim()).ok()?;
    if d < Decimal::ZERO || d.scale() > 2 {
        return None;
    }
    i64::try_from((d * Decimal::ONE_HUNDRED).trunc().mantissa()).ok()
}

/// A setting's value, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingValue {
    /// A percentage (12.5 means 12.5 %).
    Percent(Decimal),
    /// Months, days, years or periods.
    Number(u32),
    /// Minor units.
    Money(i64),
    Bool(bool),
    /// A quorum or a factor.
    Fraction(Fraction),
    Majority(Majority),
}

impl SettingValue {
    /// The canonical text, which [`SettingKey::parse_value`] reads back to the same value.
    pub fn to_text(&self) -> String {
        match self {
            SettingValue::Percent(d) => d.normalize().to_string(),
            SettingValue::Number(n) => n.to_string(),
            SettingValue::Money(m) => format!("{}.{:02}", m / 100, m % 100),
            SettingValue::Bool(b) => if *b { "si" } else { "no" }.to_string(),
            SettingValue::Fraction(f) | SettingValue::Majority(Majority::Qualified(f)) => {
                if f.denominator == 1 {
                    f.numerator.to_string()
                } else {
                    format!("{}/{}", f.numerator, f.denominator)
                }
            }
            SettingValue::Majority(Majority::Simple) => "simple".to_string(),
        }
    }

    /// A rate as a fraction of one (12 % is 0.12); `None` for other values.
    pub fn rate(&self) -> Option<Decimal> {
        match self {
            SettingValue::Percent(d) => Some(*d / Decimal::ONE_HUNDRED),
            _ => None,
        }
    }

    pub fn number(&self) -> Option<u32> {
        match self {
            SettingValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn money(&self) -> Option<i64> {
        match self {
            SettingValue::Money(m) => Some(*m),
            _ => None,
        }
    }

    pub fn flag(&self) -> Option<bool> {
        match self {
            SettingValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn fraction(&self) -> Option<Fraction> {
        match self {
            SettingValue::Fraction(f) => Some(*f),
            _ => None,
        }
    }

    pub fn majority(&self) -> Option<Majority> {
        match self {
            SettingValue::Majority(m) => Some(*m),
            _ => None,
        }
    }
}

/// What a staff member proposes: a setting, its new value and the day it takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingProposal {
    pub key: SettingKey,
    pub value: SettingValue,
    pub effective_on: NaiveDate,
}

const SUBJECT_PREFIX: &str = "setting:";

impl SettingProposal {
    /// Reads and checks the key and the value as a person typed them.
    pub fn new(key: &str, value: &str, effective_on: NaiveDate) -> Result<Self, GovernanceError> {
        let key = SettingKey::parse(key)?;
        let value = key.parse_value(value)?;
        Ok(SettingProposal {
            key,
            value,
            effective_on,
        })
    }

    /// The proposal's subject: `setting:{key}={value}@{effective date}`.
    pub fn subject(&self) -> String {
        format!(
            "{SUBJECT_PREFIX}{}={}@{}",
            self.key,
            self.value.to_text(),
            self.effective_on
        )
    }

    /// Reads a subject written by [`SettingProposal::subject`].
    pub fn from_subject(subject: &str) -> Result<Self, GovernanceError> {
        let bad = || {
            GovernanceError::new(
                "R-GOV-2",
                "subject",
                format!("'{subject}' is not setting:KEY=VALUE@YYYY-MM-DD"),
            )
        };
        let rest = subject.strip_prefix(SUBJECT_PREFIX).ok_or_else(bad)?;
        let (key, rest) = rest.split_once('=').ok_or_else(bad)?;
        let (value, date) = rest.rsplit_once('@').ok_or_else(bad)?;
        let effective_on = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad())?;
        SettingProposal::new(key, value, effective_on)
    }
}

/// An approved change: in force from [`SettingChange::in_force_from`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChange {
    pub proposal_id: i64,
    pub key: SettingKey,
    /// The canonical text of the value ([`SettingValue::to_text`]).
    pub value: String,
    pub effective_on: NaiveDate,
    pub proposed_by: String,
    pub proposed_on: NaiveDate,
    pub approved_on: NaiveDate,
}

impl SettingChange {
    /// The later of the effective date and the board's approval.
    pub fn in_force_from(&self) -> NaiveDate {
        self.effective_on.max(self.approved_on)
    }

    pub fn typed_value(&self) -> Result<SettingValue, GovernanceError> {
        self.key.parse_value(&self.value)
    }
}

/// One organisation's settings: its defaults and every approved change, in approval order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsHistory {
    defaults: BTreeMap<SettingKey, SettingValue>,
    changes: Vec<(SettingChange, SettingValue)>,
}

impl SettingsHistory {
    /// The programme's defaults, with the organisation's own dues (R-ORG-6).
    pub fn new(dues_amount_minor: i64, dues_period_months: u32) -> Self {
        let mut defaults: BTreeMap<SettingKey, SettingValue> = SettingKey::ALL
            .iter()
            .map(|k| (*k, k.programme_default()))
            .collect();
        defaults.insert(
            SettingKey::DuesAmount,
            SettingValue::Money(dues_amount_minor.max(0)),
        );
        defaults.insert(
            SettingKey::DuesPeriodMonths,
            SettingValue::Number(dues_period_months.max(1)),
        );
        SettingsHistory {
            defaults,
            changes: Vec::new(),
        }
    }

    /// Adds an approved change (in approval order). A value that no longer parses is refused.
    pub fn apply(&mut self, change: SettingChange) -> Result<(), GovernanceError> {
        let value = change.typed_value()?;
        self.changes.push((change, value));
        Ok(())
    }

    pub fn default_of(&self, key: SettingKey) -> SettingValue {
        self.defaults[&key]
    }

    /// The value in force on `on`: of the changes in force by then, the one in force from the
    /// latest day (the later approval on a tie); the default when there is none.
    pub fn value_on(&self, key: SettingKey, on: NaiveDate) -> SettingValue {
        self.change_on(key, on)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| self.default_of(key))
    }

    /// The change in force on `on`, if any.
    pub fn change_on(
        &self,
        key: SettingKey,
        on: NaiveDate,
    ) -> Option<&(SettingChange, SettingValue)> {
        self.changes
            .iter()
            .enumerate()
            .filter(|(_, (c, _))| c.key == key && c.in_force_from() <= on)
            .max_by_key(|(i, (c, _))| (c.in_force_from(), *i))
            .map(|(_, c)| c)
    }

    /// The value once every approved change is in force.
    pub fn latest(&self, key: SettingKey) -> SettingValue {
        self.value_on(key, NaiveDate::MAX)
    }

    /// The approved changes of `key`, in approval order.
    pub fn changes_of(&self, key: SettingKey) -> impl Iterator<Item = &SettingChange> {
        self.changes
            .iter()
            .map(|(c, _)| c)
            .filter(move |c| c.key == key)
    }

    /// Every approved change, in approval order.
    pub fn changes(&self) -> impl Iterator<Item = &SettingChange> {
        self.changes.iter().map(|(c, _)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn defaults_are_the_programmes() {
        let h = SettingsHistory::new(5_000, 1);
        let on = d(2026, 1, 1);
        // R-FUND-1 10 %, R-PLAN-3 25 %, R-PLAN-4 3, R-LEASE-2 90 days, R-LEASE-1 MXN 1.00.
        assert_eq!(
            h.value_on(SettingKey::ContributionRate, on).rate(),
            Some(Decimal::new(10, 2))
        );
        assert_eq!(
            h.value_on(SettingKey::ProfitShare, on).rate(),
            Some(Decimal::new(25, 2))
        );
        assert_eq!(
            h.value_on(SettingKey::InadequatePlanPeriods, on).number(),
            Some(3)
        );
        assert_eq!(
            h.value_on(SettingKey::LeaseDefaultDays, on).number(),
            Some(90)
        );
        assert_eq!(
            h.value_on(SettingKey::LeasePurchasePrice, on).money(),
            Some(100)
        );
        assert_eq!(h.value_on(SettingKey::DuesAmount, on).money(), Some(5_000));
    }

    #[test]
    fn a_change_is_in_force_from_its_date_or_its_approval_whichever_is_later() {
        let mut h = SettingsHistory::new(0, 1);
        let p = SettingProposal::new("contribution_rate", "12 %", d(2026, 4, 1)).unwrap();
        assert_eq!(p.subject(), "setting:contribution_rate=12@2026-04-01");
        assert_eq!(SettingProposal::from_subject(&p.subject()).unwrap(), p);
        h.apply(SettingChange {
            proposal_id: 1,
            key: p.key,
            value: p.value.to_text(),
            effective_on: p.effective_on,
            proposed_by: "dg".into(),
            proposed_on: d(2026, 3, 2),
            approved_on: d(2026, 3, 20),
        })
        .unwrap();
        let rate = |h: &SettingsHistory, on| h.value_on(SettingKey::ContributionRate, on).rate();
        assert_eq!(rate(&h, d(2026, 3, 31)), Some(Decimal::new(10, 2)));
        assert_eq!(rate(&h, d(2026, 4, 1)), Some(Decimal::new(12, 2)));
        // Approved after its effective date: in force from the approval only.
        h.apply(SettingChange {
            proposal_id: 2,
            key: SettingKey::ContributionRate,
            value: "15".into(),
            effective_on: d(2026, 5, 1),
            proposed_by: "dg".into(),
            proposed_on: d(2026, 4, 20),
            approved_on: d(2026, 5, 10),
        })
        .unwrap();
        assert_eq!(rate(&h, d(2026, 5, 9)), Some(Decimal::new(12, 2)));
        assert_eq!(rate(&h, d(2026, 5, 10)), Some(Decimal::new(15, 2)));
    }

    #[test]
    fn values_are_checked_naming_the_rule() {
        let err = SettingKey::ContributionRate.parse_value("120").unwrap_err();
        assert_eq!((err.rule, err.field), ("R-FUND-1", "value"));
        assert_eq!(
            SettingKey::ReportPeriodMonths
                .parse_value("5")
                .unwrap_err()
                .rule,
            "R-PLAN-2"
        );
        assert_eq!(
            SettingKey::Quorum.parse_value("1/1").unwrap_err().rule,
            "R-GOV-2"
        );
        assert_eq!(
            SettingKey::LeasePurchasePrice
                .parse_value("1.005")
                .unwrap_err()
                .rule,
            "R-LEASE-1"
        );
        assert_eq!(
            SettingKey::LeasePurchasePrice
                .parse_value("$1,250.50")
                .unwrap(),
            SettingValue::Money(125_050)
        );
        assert!(SettingKey::parse("nope").is_err());
        for k in SettingKey::ALL {
            let v = k.programme_default();
            assert_eq!(k.parse_value(&v.to_text()).unwrap(), v, "{k}");
        }
    }
}
