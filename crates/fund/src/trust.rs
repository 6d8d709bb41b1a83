//! R-FUND-6, the Fund side of trust-fund repayment: the trustee pays a loan installment from
//! the Fund for a borrower (the ODF or a member), the borrower replenishes, and whenever the
//! payments made for a borrower exceed what the borrower put back a notice of non-fulfilment
//! names the borrower and the amount.
//!
//! Accounting **(decision)**:
//! - paying an installment of `A`: Dr the account the installment settles (by default the
//!   ODF's credit line `lenders:{code}:line`), Cr `fund:trust-bank:development` /
//!   `:competition` (aimed at the R-FUND-2 split, limited by each account's cash); and
//!   Dr `fund:receivable:borrowers`, Cr `odf:payable:fund`: the trust now has a claim for `A`
//!   and the ODF, whose line was paid, owes it to the trust. The Fund's net assets are
//!   unchanged, its cash is reduced ("the Fund is reduced").
//! - replenishing `R`: Dr the trust accounts (in proportion to what is outstanding per
//!   sub-fund), Cr the borrower's source (`odf:bank` for the ODF; for a member, their loan
//!   `members:{id}:loan` with the ODF, whose installment was paid on their behalf); and
//!   Dr `odf:payable:fund`, Cr `fund:receivable:borrowers`.
//!
//! The moment a notice is issued (at once, after a grace period, at the board's next meeting)
//! is the shell's; [`non_fulfilment_notices`] says for whom and how much at any moment.

use crate::chart::{code, EntrySpec};
use crate::split::{allocate, allocate_proportionally};
use crate::{refuse, Decision, FundError, FundEvent, FundSettings, FundState, Split};
use chrono::NaiveDate;
use ledger::{AccountCode, Money};
use std::fmt;

/// Who owes the installment: the ODF or one member (R-CRED-3).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Borrower {
    Odf,
    Member(i64),
}

impl fmt::Display for Borrower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Borrower::Odf => f.write_str("odf"),
            Borrower::Member(id) => write!(f, "member-{id}"),
        }
    }
}

/// An installment the trustee pays (R-FUND-6), as the credit engine describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallmentDue {
    /// Stable reference of the installment, e.g. `loan-17:3`; part of the idempotency key.
    pub installment_ref: String,
    pub borrower: Borrower,
    /// The lender whose line the installment pays.
    pub lender_code: String,
    pub amount: Money,
    pub due_date: NaiveDate,
    /// The account the payment settles; `None` for the lender's line `lenders:{code}:line`.
    /// One outside the Fund's chart is the caller's (the opening equity, for a payment the
    /// trust made before the ODF started with Tequio), in the Fund's currency.
    pub settles: Option<AccountCode>,
}

/// R-FUND-6: a notice of non-fulfilment the board issues to the group's members.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NonFulfilmentNotice {
    pub borrower: Borrower,
    pub amount_minor: i64,
}

/// R-FUND-6: the trustee pays an installment from the Fund. Refuses an installment not yet due
/// on `today`, and one the trust's cash cannot cover (the shell then treats it as late).
pub fn pay_installment_from_fund(
    settings: &FundSettings,
    state: &FundState,
    due: &InstallmentDue,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    const RULE: &str = "R-FUND-6";
    let amount_minor = due.amount.amount_minor();
    if due.amount.currency() != settings.currency || amount_minor <= 0 {
        return refuse(
            RULE,
            "amount",
            format!("must be a positive amount in {}", settings.currency),
        );
    }
    if due.installment_ref.trim().is_empty() || due.installment_ref.len() > 80 {
        return refuse(RULE, "installment_ref", "must have 1 to 80 characters");
    }
    if due.due_date > today {
        return refuse(
            RULE,
            "due_date",
            format!("the installment falls due on {}", due.due_date),
        );
    }
    let settles = match &due.settles {
        Some(a) => a.clone(),
        None => match code::lender_line(&due.lender_code) {
            Some(a) => a,
            None => {
                return refuse(
                    RULE,
                    "lender_code",
                    format!("'{}' is not a lender code", due.lender_code),
                )
            }
        },
    };
    let target = Split::of(amount_minor).development_minor;
    let Some(split) = allocate(amount_minor, target, state.trust) else {
        return refuse(
            RULE,
            "amount",
            format!(
                "the trust holds {}, the installment is {amount_minor}",
                state.trust.total()
            ),
        );
    };
    let entry = EntrySpec {
        rule: RULE,
        key: format!(
            "fund:{}:installment:{}",
            settings.org_id,
            due.installment_ref.trim()
        ),
        reason: "fund.trust.installment",
        date: today,
        memo: format!(
            "Pago de amortización por el fideicomiso, acreditado {}",
            due.borrower
        ),
        currency: settings.currency,
    }
    // R-CRED-1: the Fund's own money going out on a claim (`fund:receivable:borrowers`).
    .build_with(
        vec![
            (settles.clone(), amount_minor),
            (code::trust_development(), -split.development_minor),
            (code::trust_competition(), -split.competition_minor),
            (code::receivable_borrowers(), amount_minor),
            (code::odf_payable_fund(), -amount_minor),
        ],
        due.settles.as_ref(),
    )?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::InstallmentPaidFromFund {
            borrower: due.borrower.clone(),
            installment_ref: due.installment_ref.trim().to_string(),
            split,
        }],
    })
}

/// R-FUND-6: the borrower puts `amount` back into the trust. `source` is the account the money
/// comes from; `None` means `odf:bank` for the ODF and `members:{id}:loan` for a member.
/// Refuses more than the borrower's shortfall.
pub fn replenish(
    settings: &FundSettings,
    state: &FundState,
    replenishment_id: i64,
    borrower: &Borrower,
    amount: Money,
    source: Option<AccountCode>,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    const RULE: &str = "R-FUND-6";
    let amount_minor = amount.amount_minor();
    if amount.currency() != settings.currency || amount_minor <= 0 {
        return refuse(
            RULE,
            "amount",
            format!("must be a positive amount in {}", settings.currency),
        );
    }
    let position = state.borrowers.get(borrower).copied().unwrap_or_default();
    let outstanding = position.paid.minus(position.replenished).floor_zero();
    let Some(split) = allocate_proportionally(amount_minor, outstanding) else {
        return refuse(
            RULE,
            "amount",
            format!(
                "{amount_minor} is above {borrower}'s shortfall of {}",
                outstanding.total()
            ),
        );
    };
    let source = source.unwrap_or_else(|| match borrower {
        Borrower::Odf => code::odf_bank(),
        Borrower::Member(id) => code::member_loan(*id),
    });
    let entry = EntrySpec {
        rule: RULE,
        key: format!("fund:{}:replenish:{replenishment_id}", settings.org_id),
        reason: "fund.trust.replenish",
        date: today,
        memo: format!("Reposición al fideicomiso, acreditado {borrower}"),
        currency: settings.currency,
    }
    // R-CRED-1: the Fund's own money coming back, not a deposit (`fund:receivable:borrowers`).
    .build(vec![
        (code::trust_development(), split.development_minor),
        (code::trust_competition(), split.competition_minor),
        (source, -amount_minor),
        (code::odf_payable_fund(), amount_minor),
        (code::receivable_borrowers(), -amount_minor),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::Replenished {
            borrower: borrower.clone(),
            split,
        }],
    })
}

/// R-FUND-6: payments made for `borrower` less what they replenished (0 when none).
pub fn shortfall(state: &FundState, borrower: &Borrower) -> i64 {
    state
        .borrowers
        .get(borrower)
        .map(|p| p.shortfall_minor())
        .unwrap_or(0)
}

/// R-FUND-6: one notice per borrower whose payments made exceed their replenishments, in
/// borrower order.
pub fn non_fulfilment_notices(state: &FundState) -> Vec<NonFulfilmentNotice> {
    state
        .borrowers
        .iter()
        .filter(|(_, p)| p.shortfall_minor() > 0)
        .map(|(b, p)| NonFulfilmentNotice {
            borrower: b.clone(),
            amount_minor: p.shortfall_minor(),
        })
        .collect()
}
