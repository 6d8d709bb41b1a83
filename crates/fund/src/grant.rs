//! R-FUND-1 grants and temporary contributions, both split per R-FUND-2.
//!
//! Accounting **(decision)**:
//! - a grant is the group's for good: Dr `fund:trust-bank:development` / `:competition` (the
//!   R-FUND-2 split), Cr `fund:development` / `fund:competition` (the same split);
//! - a temporary contribution enters the trust split the same way, so the R-FUND-2 split is
//!   visible in the two trust accounts and the money is usable, but it is credited to the
//!   liability `fund:temporary-contributions`, not to the sub-funds' equity: it is owed back
//!   and is not a deposit for R-FUND-5 entitlements;
//! - returning it debits the liability and takes the cash back from the trust accounts in the
//!   split it came in (from the other trust account if one is short).

use crate::chart::{code, EntrySpec};
use crate::split::allocate;
use crate::{refuse, Decision, FundError, FundEvent, FundSettings, FundState, Split};
use chrono::NaiveDate;
use ledger::Money;

fn check_amount(
    rule: &'static str,
    amount: Money,
    settings: &FundSettings,
) -> Result<i64, FundError> {
    if amount.currency() != settings.currency {
        return refuse(rule, "amount", format!("must be in {}", settings.currency));
    }
    if amount.amount_minor() <= 0 {
        return refuse(rule, "amount", "must be positive");
    }
    Ok(amount.amount_minor())
}

fn check_name(rule: &'static str, field: &'static str, name: &str) -> Result<(), FundError> {
    crate::check_text(rule, field, name, false)?;
    if name.trim().is_empty() || name.chars().count() > 200 {
        return refuse(rule, field, "must have 1 to 200 characters");
    }
    Ok(())
}

/// R-FUND-1, R-FUND-2: a grant from a local, national or international player enters the Fund,
/// split 50/50 with the odd centavo to Development.
pub fn receive_grant(
    settings: &FundSettings,
    grant_id: i64,
    donor: &str,
    amount: Money,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let amount_minor = check_amount("R-FUND-1", amount, settings)?;
    check_name("R-FUND-1", "donor", donor)?;
    let split = Split::of(amount_minor);
    let entry = EntrySpec {
        rule: "R-FUND-2",
        key: format!("fund:{}:grant:{grant_id}", settings.org_id),
        reason: "fund.grant",
        date: today,
        memo: format!("Donativo de {}", donor.trim()),
        currency: settings.currency,
    }
    // R-CRED-1: a deposit (its counter-accounts are the sub-funds; `credit::line::deposit_of`).
    .build(vec![
        (code::trust_development(), split.development_minor),
        (code::trust_competition(), split.competition_minor),
        (code::fund_development(), -split.development_minor),
        (code::fund_competition(), -split.competition_minor),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::GrantReceived {
            grant_id,
            donor: donor.trim().to_string(),
            split,
        }],
    })
}

/// R-FUND-1, R-FUND-2: a temporary contribution enters the trust split 50/50 and is owed back.
pub fn receive_temporary(
    settings: &FundSettings,
    state: &FundState,
    id: i64,
    contributor: &str,
    amount: Money,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let amount_minor = check_amount("R-FUND-1", amount, settings)?;
    check_name("R-FUND-1", "contributor", contributor)?;
    if state.temporary.contains_key(&id) {
        return refuse(
            "R-FUND-1",
            "id",
            format!("temporary contribution {id} exists"),
        );
    }
    let split = Split::of(amount_minor);
    let entry = EntrySpec {
        rule: "R-FUND-1",
        key: format!("fund:{}:temporary:{id}", settings.org_id),
        reason: "fund.temporary.received",
        date: today,
        memo: format!("Aportación temporal de {}", contributor.trim()),
        currency: settings.currency,
    }
    // R-CRED-1: a deposit until returned (counter-account `fund:temporary-contributions`).
    .build(vec![
        (code::trust_development(), split.development_minor),
        (code::trust_competition(), split.competition_minor),
        (code::temporary_contributions(), -amount_minor),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::TemporaryReceived {
            id,
            contributor: contributor.trim().to_string(),
            split,
        }],
    })
}

/// R-FUND-1: returns a temporary contribution in full. Refuses an unknown or already returned
/// one, and a return the trust cash cannot cover.
pub fn return_temporary(
    settings: &FundSettings,
    state: &FundState,
    id: i64,
    today: NaiveDate,
) -> Result<Decision, FundError> {
    let Some(t) = state.temporary.get(&id) else {
        return refuse("R-FUND-1", "id", format!("no temporary contribution {id}"));
    };
    if t.returned {
        return refuse(
            "R-FUND-1",
            "id",
            format!("temporary contribution {id} was returned"),
        );
    }
    let amount_minor = t.received.total();
    let Some(split) = allocate(amount_minor, t.received.development_minor, state.trust) else {
        return refuse(
            "R-FUND-1",
            "amount",
            format!(
                "the trust holds {} and {amount_minor} is owed back",
                state.trust.total()
            ),
        );
    };
    let entry = EntrySpec {
        rule: "R-FUND-1",
        key: format!("fund:{}:temporary:{id}:return", settings.org_id),
        reason: "fund.temporary.returned",
        date: today,
        memo: format!("Devolución de aportación temporal a {}", t.contributor),
        currency: settings.currency,
    }
    // R-CRED-1: takes the temporary deposit back (counts negative when dated in the window).
    .build(vec![
        (code::temporary_contributions(), amount_minor),
        (code::trust_development(), -split.development_minor),
        (code::trust_competition(), -split.competition_minor),
    ])?;
    Ok(Decision {
        entries: vec![entry],
        events: vec![FundEvent::TemporaryReturned { id, split }],
    })
}
