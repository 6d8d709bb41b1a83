//! The accounts trade entries post to, and a small helper that turns postings into validated
//! [`ledger::ValidEntry`]s.
//!
//! Most accounts come from the ODF chart ([`Account::odf_chart`]), the member accounts
//! ([`Account::member_accounts`]) and the lender accounts ([`Account::lender_accounts`]). The
//! chart lacks four, listed by [`trade_extra_accounts`] and [`trade_member_accounts`]; the
//! organisation must open them before posting trade entries.

use crate::TradeError;
use chrono::NaiveDate;
use ledger::{
    Account, AccountCode, AccountKind, AccountOwner, Currency, EntryDraft, Money, Posting, SubFund,
    ValidEntry,
};

fn code(text: &str) -> AccountCode {
    // Only called with literals and formatted ids that satisfy the account grammar.
    AccountCode::parse(text).unwrap_or_else(|e| panic!("trade accounts: {e}"))
}

fn account(code_text: &str, kind: AccountKind, owner: AccountOwner, name: &str) -> Account {
    Account {
        code: code(code_text),
        kind,
        owner,
        currency: Currency::MXN,
        name: name.to_string(),
    }
}

/// ODF-level accounts trade needs that are not in [`Account::odf_chart`] (R-BUY-2):
/// - `odf:payable:fund-competition`: what the ODF owes the Competition Sub-Fund for working
///   capital it advanced (a supplier paid, or a sales advance);
/// - `fund:receivable:working-capital`: the same amount seen from the Sub-Fund, so that the
///   Sub-Fund's assets (trust bank + this receivable) keep matching its equity.
pub fn trade_extra_accounts() -> Vec<Account> {
    vec![
        account(
            "odf:payable:fund-competition",
            AccountKind::Liability,
            AccountOwner::Odf,
            "Adeudo al Subfondo de Competitividad (capital de trabajo)",
        ),
        account(
            "fund:receivable:working-capital",
            AccountKind::Asset,
            AccountOwner::SubFund(SubFund::Competition),
            "Capital de trabajo anticipado por el Subfondo de Competitividad",
        ),
    ]
}

/// Member-level accounts trade needs beyond [`Account::member_accounts`]:
/// - `members:{id}:purchases-receivable`: goods picked up from a pooled purchase, not yet paid
///   (R-BUY-2);
/// - `members:{id}:sales-advance`: an advance on a consolidated sale, recovered when the buyer
///   pays (R-SELL-1).
pub fn trade_member_accounts(member_id: i64) -> Vec<Account> {
    let owner = AccountOwner::Member(member_id);
    vec![
        account(
            &format!("members:{member_id}:purchases-receivable"),
            AccountKind::Asset,
            owner.clone(),
            "Compras consolidadas por cobrar",
        ),
        account(
            &format!("members:{member_id}:sales-advance"),
            AccountKind::Asset,
            owner,
            "Anticipo sobre ventas consolidadas",
        ),
    ]
}

/// Account codes used by trade entries, so rules do not spell strings.
pub mod codes {
    use super::code;
    use ledger::AccountCode;

    pub fn odf_bank() -> AccountCode {
        code("odf:bank")
    }
    pub fn inventory() -> AccountCode {
        code("odf:inventory")
    }
    pub fn payable_suppliers() -> AccountCode {
        code("odf:payable:suppliers")
    }
    pub fn payable_members() -> AccountCode {
        code("odf:payable:members")
    }
    pub fn receivable_buyers() -> AccountCode {
        code("odf:receivable:buyers")
    }
    pub fn services_income() -> AccountCode {
        code("odf:income:services")
    }
    pub fn operations_expense() -> AccountCode {
        code("odf:expense:operations")
    }
    pub fn trust_competition() -> AccountCode {
        code("fund:trust-bank:competition")
    }
    pub fn payable_fund_competition() -> AccountCode {
        code("odf:payable:fund-competition")
    }
    pub fn fund_receivable_working_capital() -> AccountCode {
        code("fund:receivable:working-capital")
    }
    pub fn lender_line(lender_code: &str) -> AccountCode {
        code(&format!("lenders:{lender_code}:line"))
    }
    pub fn member_payable(member: i64) -> AccountCode {
        code(&format!("members:{member}:payable"))
    }
    pub fn member_purchases_receivable(member: i64) -> AccountCode {
        code(&format!("members:{member}:purchases-receivable"))
    }
    pub fn member_sales_advance(member: i64) -> AccountCode {
        code(&format!("members:{member}:sales-advance"))
    }
}

/// The currency of an account trade may post to, or `None` if the code is not one: the ODF
/// chart, [`trade_extra_accounts`], any member's accounts and any lender's line. Every account
/// of the chart is in MXN.
pub fn chart_currency(code: &AccountCode) -> Option<Currency> {
    static FIXED: std::sync::OnceLock<Vec<AccountCode>> = std::sync::OnceLock::new();
    let text = code.as_str();
    let fixed = FIXED.get_or_init(|| {
        Account::odf_chart()
            .into_iter()
            .chain(trade_extra_accounts())
            .map(|a| a.code)
            .collect()
    });
    if fixed.contains(code) {
        return Some(Currency::MXN);
    }
    let segments: Vec<&str> = text.split(':').collect();
    match segments.as_slice() {
        ["members", id, suffix] if id.parse::<i64>().is_ok() => {
            let known = [
                "dues-receivable",
                "fund-receivable",
                "profit-share-receivable",
                "loan",
                "payable",
                "purchases-receivable",
                "sales-advance",
            ];
            known.contains(suffix).then_some(Currency::MXN)
        }
        ["lenders", lender, "line"] if !lender.is_empty() => Some(Currency::MXN),
        _ => None,
    }
}

/// Builds and validates one entry. Zero postings are dropped (a zero share is no movement);
/// postings on the same account are merged.
pub(crate) fn entry(
    idempotency_key: &str,
    reason: &str,
    rule_id: &str,
    date: NaiveDate,
    memo: String,
    postings: Vec<(AccountCode, i64)>,
) -> Result<ValidEntry, TradeError> {
    let mut merged: Vec<(AccountCode, i64)> = Vec::with_capacity(postings.len());
    for (account, amount) in postings {
        match merged.iter_mut().find(|(a, _)| *a == account) {
            Some((_, sum)) => {
                *sum = sum
                    .checked_add(amount)
                    .ok_or(TradeError::Overflow { field: "postings" })?
            }
            None => merged.push((account, amount)),
        }
    }
    let draft = EntryDraft {
        idempotency_key: idempotency_key.to_string(),
        reason: reason.to_string(),
        rule_id: rule_id.to_string(),
        date,
        memo,
        postings: merged
            .into_iter()
            .filter(|(_, amount)| *amount != 0)
            .map(|(account, amount)| Posting::new(account, Money::mxn(amount)))
            .collect(),
        reverses: None,
    };
    Ok(draft.validate(chart_currency)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_accounts_are_not_already_in_the_chart() {
        let chart: Vec<_> = Account::odf_chart().into_iter().map(|a| a.code).collect();
        for a in trade_extra_accounts() {
            assert!(!chart.contains(&a.code), "{}", a.code);
        }
        let member: Vec<_> = Account::member_accounts(7)
            .into_iter()
            .map(|a| a.code)
            .collect();
        for a in trade_member_accounts(7) {
            assert!(!member.contains(&a.code), "{}", a.code);
            assert_eq!(chart_currency(&a.code), Some(Currency::MXN));
        }
    }

    #[test]
    fn every_code_trade_uses_is_known() {
        for c in [
            codes::odf_bank(),
            codes::inventory(),
            codes::payable_suppliers(),
            codes::payable_members(),
            codes::receivable_buyers(),
            codes::services_income(),
            codes::operations_expense(),
            codes::trust_competition(),
            codes::payable_fund_competition(),
            codes::fund_receivable_working_capital(),
            codes::lender_line("nafin"),
            codes::member_payable(3),
        ] {
            assert_eq!(chart_currency(&c), Some(Currency::MXN), "{c}");
        }
        assert_eq!(chart_currency(&code("members:x:payable")), None);
    }
}
