//! An ODF that starts with history (issue 16): the Fund as it stands on the opening day, booked
//! as the facts the Fund's rules would have recorded, so every later rule works from it.
//!
//! - Members' contributions to date by period (R-FUND-1, R-FUND-2): each period's contribution
//!   made owed and paid into the trust, split 50/50 (odd centavo to Development). They count in
//!   the member's entitlement (R-FUND-5) like any paid contribution. One entry per period: the
//!   trust's two accounts against the two sub-funds.
//! - Grants (R-FUND-1): as [`crate::receive_grant`] books them.
//! - What the Competition Sub-Fund already spent (R-FUND-3) and what members already withdrew
//!   from the Development Sub-Fund (R-FUND-4, R-FUND-5), each with its category or purpose.
//!   Both were decided before Tequio, so no board decision is named (decision id 0).
//!
//! Every key starts with `prefix` (and grants use the grant's own key), so the same opening
//! booked again is the same commit.

use crate::chart::{code, EntrySpec};
use crate::competition::CompetitionCategory;
use crate::development::WithdrawalPurpose;
use crate::{Decision, FundError, FundEvent, FundSettings, FundState, Period, Split};
use chrono::NaiveDate;
use ledger::Money;
use std::collections::BTreeMap;

/// One member's contribution for one period, paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningContribution {
    pub member_id: i64,
    pub period: Period,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningGrant {
    pub id: i64,
    pub donor: String,
    pub amount_minor: i64,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningSpend {
    pub id: i64,
    pub category: CompetitionCategory,
    pub amount_minor: i64,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningWithdrawal {
    pub id: i64,
    pub member_id: i64,
    pub purpose: WithdrawalPurpose,
    pub amount_minor: i64,
    pub date: NaiveDate,
}

/// The Fund's history as an ODF brings it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpeningFund {
    pub contributions: Vec<OpeningContribution>,
    pub grants: Vec<OpeningGrant>,
    pub spent: Vec<OpeningSpend>,
    pub withdrawals: Vec<OpeningWithdrawal>,
}

fn positive(rule: &'static str, amount_minor: i64) -> Result<(), FundError> {
    if amount_minor <= 0 {
        return Err(FundError::rule(rule, "amount", "must be positive"));
    }
    Ok(())
}

/// The decision that books `fund` on top of `state`. Refused when a sub-fund's cash would go
/// below zero (more spent or withdrawn than was ever registered in it).
pub fn opening_decision(
    settings: &FundSettings,
    state: &FundState,
    fund: &OpeningFund,
    prefix: &str,
) -> Result<Decision, FundError> {
    let mut decision = Decision::default();
    let spec = |rule, key: String, reason, date, memo: String| EntrySpec {
        rule,
        key,
        reason,
        date,
        memo,
        currency: settings.currency,
    };
    let mut by_period: BTreeMap<Period, Split> = BTreeMap::new();
    for c in &fund.contributions {
        positive("R-FUND-1", c.amount_minor)?;
        let split = Split::of(c.amount_minor);
        decision.events.push(FundEvent::Accrued {
            member_id: c.member_id,
            period: c.period,
            contribution: split,
            profit_share_minor: 0,
            adjustment: None,
        });
        decision.events.push(FundEvent::ContributionPaid {
            member_id: c.member_id,
            split,
            deducted_from_payable: false,
        });
        let sum = by_period.entry(c.period).or_default();
        *sum = sum.plus(split);
    }
    for (period, s) in &by_period {
        decision.entries.push(
            spec(
                "R-FUND-2",
                format!("{prefix}:contributions:{period}"),
                "opening.contributions",
                period.last_day(),
                format!("Aportaciones al Fondo de {period} (saldos iniciales)"),
            )
            // R-CRED-1: contributions opened as balances are deposits (credited to the sub-funds).
            .build(vec![
                (code::trust_development(), s.development_minor),
                (code::trust_competition(), s.competition_minor),
                (code::fund_development(), -s.development_minor),
                (code::fund_competition(), -s.competition_minor),
            ])?,
        );
    }
    for g in &fund.grants {
        let d = crate::receive_grant(
            settings,
            g.id,
            &g.donor,
            Money::new(g.amount_minor, settings.currency),
            g.date,
        )?;
        decision.entries.extend(d.entries);
        decision.events.extend(d.events);
    }
    for s in &fund.spent {
        positive("R-FUND-3", s.amount_minor)?;
        decision.events.push(FundEvent::CompetitionSpent {
            payment_id: s.id,
            decision_id: 0,
            category: s.category,
            amount_minor: s.amount_minor,
        });
        decision.entries.push(
            spec(
                "R-FUND-3",
                format!("{prefix}:competition:{}", s.id),
                "opening.competition",
                s.date,
                format!(
                    "Gasto del Subfondo de Competitividad: {}",
                    s.category.as_str()
                ),
            )
            // R-CRED-1: spending, not a deposit (`fund:spent:competition`).
            .build(vec![
                (code::spent_competition(), s.amount_minor),
                (code::trust_competition(), -s.amount_minor),
            ])?,
        );
    }
    for w in &fund.withdrawals {
        positive("R-FUND-4", w.amount_minor)?;
        decision.events.push(FundEvent::DevelopmentWithdrawn {
            withdrawal_id: w.id,
            member_id: w.member_id,
            purpose: w.purpose,
            amount_minor: w.amount_minor,
        });
        decision.entries.push(
            spec(
                "R-FUND-4",
                format!("{prefix}:withdrawal:{}", w.id),
                "opening.withdrawal",
                w.date,
                format!("Retiro individual: {}", w.purpose.as_str()),
            )
            // R-CRED-1: a withdrawal, not a deposit (`fund:withdrawn:development`).
            .build(vec![
                (code::withdrawn_development(), w.amount_minor),
                (code::trust_development(), -w.amount_minor),
            ])?,
        );
    }
    let mut after = state.clone();
    after.apply_all(&decision.events);
    if after.trust.competition_minor < 0 {
        return Err(FundError::rule(
            "R-FUND-3",
            "amount",
            "more was spent from the Competition Sub-Fund than it ever held",
        ));
    }
    if after.trust.development_minor < 0 {
        return Err(FundError::rule(
            "R-FUND-4",
            "amount",
            "more was withdrawn from the Development Sub-Fund than it ever held",
        ));
    }
    Ok(decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributions_grants_spending_and_withdrawals_fold_into_the_fund() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let settings = FundSettings::new(1, d(2020, 1, 1));
        let fund = OpeningFund {
            contributions: vec![
                OpeningContribution {
                    member_id: 7,
                    period: Period::month(2022, 3).unwrap(),
                    amount_minor: 1_001,
                },
                OpeningContribution {
                    member_id: 8,
                    period: Period::month(2022, 3).unwrap(),
                    amount_minor: 3_000,
                },
            ],
            grants: vec![OpeningGrant {
                id: 1,
                donor: "PNUD".into(),
                amount_minor: 10_000,
                date: d(2021, 5, 1),
            }],
            spent: vec![OpeningSpend {
                id: 2,
                category: CompetitionCategory::ALL[0],
                amount_minor: 500,
                date: d(2022, 6, 1),
            }],
            withdrawals: vec![OpeningWithdrawal {
                id: 3,
                member_id: 7,
                purpose: WithdrawalPurpose::Medical,
                amount_minor: 200,
                date: d(2023, 6, 1),
            }],
        };
        let decision = opening_decision(&settings, &FundState::default(), &fund, "o").unwrap();
        let mut state = FundState::default();
        state.apply_all(&decision.events);
        // R-FUND-2: 1,001 → 501 + 500; 3,000 → 1,500 + 1,500; the grant 5,000 + 5,000.
        // Development 501 + 1,500 + 5,000 − 200 = 6,801; Competition 500 + 1,500 + 5,000 − 500
        // = 6,500.
        assert_eq!(state.sub_funds(), Split::new(6_801, 6_500));
        assert_eq!(state.trust, Split::new(6_801, 6_500));
        assert_eq!(state.member(7).paid.total(), 1_001);
        assert_eq!(state.member(7).withdrawn_minor, 200);
        let too_much = OpeningFund {
            spent: vec![OpeningSpend {
                amount_minor: 6_501 + 500,
                ..fund.spent[0].clone()
            }],
            ..fund
        };
        let e = opening_decision(&settings, &FundState::default(), &too_much, "o").unwrap_err();
        assert_eq!(e.rule_id(), "R-FUND-3");
    }
}
