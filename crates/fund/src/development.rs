//! R-FUND-4 and R-FUND-5: individual use of the Development Sub-Fund.
//!
//! - From the first day of the Fund's fourth year (fund start + 3 years), half of everything
//!   registered in the Development Sub-Fund is individually usable (rounded down to the
//!   centavo, so it never exceeds half).
//! - A member's gross share = usable × (member's paid contributions / total deposits, grants
//!   included); shares are allocated by largest remainder (floor, then the leftover centavos
//!   to the largest remainders, ties to the lower member id), so the shares sum to exactly
//!   ⌊usable × Σ paid / deposits⌋ ≤ usable. Entitlement = gross share − prior withdrawals,
//!   never below zero.
//! - Withdrawals only for the five purposes; retirement from age 60 (setting); education of
//!   children under criteria the board set (a board decision is required).
//!
//! Entry: Dr `fund:withdrawn:development`, Cr `fund:trust-bank:development`.

use crate::chart::{code, EntrySpec};
use crate::competition::BoardDecision;
use crate::{refuse, Decision, FundError, FundEvent, FundSettings, FundState};
use chrono::NaiveDate;
use ledger::Money;
use registry::Member;

/// R-FUND-4: the five purposes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalPurpose {
    /// Medical expenses of the member and dependants.
    Medical,
    /// Education of the member's children, under criteria set by the board.
    ChildrenEducation,
    /// Housing construction and improvement.
    Housing,
    /// A personal retirement fund, usable from age 60.
    Retirement,
    /// Investment in public works that benefit the community.
    CommunityPublicWorks,
}

impl WithdrawalPurpose {
    pub const ALL: [WithdrawalPurpose; 5] = [
        WithdrawalPurpose::Medical,
        WithdrawalPurpose::ChildrenEducation,
        WithdrawalPurpose::Housing,
        WithdrawalPurpose::Retirement,
        WithdrawalPurpose::CommunityPublicWorks,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            WithdrawalPurpose::Medical => "medical",
            WithdrawalPurpose::ChildrenEducation => "children_education",
            WithdrawalPurpose::Housing => "housing",
            WithdrawalPurpose::Retirement => "retirement",
            WithdrawalPurpose::CommunityPublicWorks => "community_public_works",
        }
    }

    /// R-FUND-4: any other purpose is refused.
    pub fn parse(text: &str) -> Result<Self, FundError> {
        WithdrawalPurpose::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
            .ok_or_else(|| {
                FundError::rule(
                    "R-FUND-4",
                    "purpose",
                    format!("'{}' is not one of the five purposes", text.trim()),
                )
            })
    }
}

/// R-FUND-5: one member's entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Entitlement {
    pub member_id: i64,
    pub paid_contributions_minor: i64,
    /// The member's share of the individually usable amount.
    pub gross_minor: i64,
    pub withdrawn_minor: i64,
    /// What the member may still withdraw: gross − withdrawn, never below zero.
    pub available_minor: i64,
}

/// R-FUND-4: half of everything registered in the Development Sub-Fund, rounded down.
pub fn individually_usable_minor(state: &FundState) -> i64 {
    state.registered_development_minor().max(0) / 2
}

/// R-FUND-5: every member's entitlement, in member id order (largest-remainder allocation).
pub fn entitlements(state: &FundState) -> Vec<Entitlement> {
    let usable = individually_usable_minor(state) as i128;
    let deposits = state.total_deposits_minor().max(0) as i128;
    let mut out: Vec<Entitlement> = Vec::with_capacity(state.members.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(state.members.len());
    let mut paid_sum: i128 = 0;
    let mut floor_sum: i128 = 0;
    for (id, m) in &state.members {
        let paid = m.paid.total().max(0);
        paid_sum += paid as i128;
        let (q, r) = if deposits == 0 {
            (0, 0)
        } else {
            let n = usable * paid as i128;
            (n / deposits, n % deposits)
        };
        floor_sum += q;
        remainders.push((r, out.len()));
        out.push(Entitlement {
            member_id: *id,
            paid_contributions_minor: paid,
            gross_minor: q as i64,
            withdrawn_minor: m.withdrawn_minor,
            available_minor: 0,
        });
    }
    let members_total = if deposits == 0 {
        0
    } else {
        usable * paid_sum / deposits
    };
    let leftover = (members_total - floor_sum).max(0) as usize;
    if leftover > 0 {
        // Largest remainder first; ties to the lower member id (the original order).
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in remainders.iter().take(leftover) {
            out[i].gross_minor += 1;
        }
    }
    for e in &mut out {
        e.available_minor = (e.gross_minor - e.withdrawn_minor).max(0);
    }
    out
}

/// R-FUND-5: one member's entitlement (zero for a member with no contributions).
pub fn entitlement_of(state: &FundState, member_id: i64) -> Entitlement {
    entitlements(state)
        .into_iter()
        .find(|e| e.member_id == member_id)
        .unwrap_or(Entitlement {
            member_id,
            paid_contributions_minor: 0,
            gross_minor: 0,
            withdrawn_minor: 0,
            available_minor: 0,
        })
}

/// A member's request to use their entitlement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    pub withdrawal_id: i64,
    pub purpose: WithdrawalPurpose,
    pub amount: Money,
    /// R-FUND-4: for education, the board decision that set the criteria the request meets.
    pub board_decision: Option<BoardDecision>,
}

/// R-FUND-4, R-FUND-5: a member withdraws from the Development Sub-Fund. Refuses, naming the
/// rule: before the Fund's fourth year, retirement before the retirement age, education
/// without an approved board decision on criteria (R-FUND-4); more than the member's
/// entitlement (R-FUND-5); more than the Development trust account holds (R-FUND-4).
pub fn withdraw(
    settings: &FundSettings,
    state: &FundState,
    member: &Member,
    w: &Withdrawal,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let amount_minor = w.amount.amount_minor();
    if w.amount.currency() != settings.currency || amount_minor <= 0 {
        return refuse(
            "R-FUND-4",
            "amount",
            format!("must be a positive amount in {}", settings.currency),
        );
    }
    let opens = settings.individual_use_opens();
    if today < opens {
        return refuse(
            "R-FUND-4",
            "date",
            format!("individual use opens on {opens}, the Fund's fourth year"),
        );
    }
    if member.left_on.is_some_and(|left| left <= today) {
        return refuse("R-FUND-4", "member_id", "the member has left the group");
    }
    match w.purpose {
        WithdrawalPurpose::Retirement => {
            let age = registry::member::age_years(member.data.birth_date, today);
            if age < settings.retirement_age_years {
                return refuse(
                    "R-FUND-4",
                    "purpose",
                    format!(
                        "the retirement fund is usable from age {}; the member is {age}",
                        settings.retirement_age_years
                    ),
                );
            }
        }
        WithdrawalPurpose::ChildrenEducation => {
            let ok = w
                .board_decision
                .as_ref()
                .is_some_and(|d| d.approved && d.date <= today);
            if !ok {
                return refuse(
                    "R-FUND-4",
                    "board_decision",
                    "education needs the approved board decision whose criteria it meets",
                );
            }
        }
        _ => {}
    }
    let ent = entitlement_of(state, member.id);
    if amount_minor > ent.available_minor {
        return refuse(
            "R-FUND-5",
            "amount",
            format!(
                "{amount_minor} is above the member's entitlement of {}",
                ent.available_minor
            ),
        );
    }
    if amount_minor > state.trust.development_minor {
        return refuse(
            "R-FUND-4",
            "amount",
            format!(
                "the Development trust account holds only {}",
                state.trust.development_minor
            ),
        );
    }
    let entry = EntrySpec {
        rule: "R-FUND-4",
        key: format!("fund:{}:withdrawal:{}", settings.org_id, w.withdrawal_id),
        reason: "fund.development.withdrawal",
        date: today,
        memo: format!(
            "Retiro individual ({}) socio {}",
            w.purpose.as_str(),
            member.id
        ),
        currency: settings.currency,
    }
    .build(vec![
        (code::withdrawn_development(), amount_minor),
        // R-CRED-1: a withdrawal, not a deposit (and its reversal is none either).
        (code::trust_development(), -amount_minor),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::DevelopmentWithdrawn {
            withdrawal_id: w.withdrawal_id,
            member_id: member.id,
            purpose: w.purpose,
            amount_minor,
        }],
    })
}
