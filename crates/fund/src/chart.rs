//! The accounts this crate posts to, and the chart every entry it builds is validated against.
//!
//! Every entry is checked by [`ledger::EntryDraft::validate`] against [`Chart`]: the ODF chart
//! ([`Account::odf_chart`]), [`fund_extra_accounts`], and, by pattern, the accounts
//! [`Account::member_accounts`] and [`Account::lender_accounts`] open for any member or lender.

use crate::FundError;
use ledger::account::codes;
use ledger::{
    Account, AccountCode, AccountKind, AccountOwner, Currency, EntryDraft, Money, Posting,
    ValidEntry,
};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Accounts the Fund rules need that `Account::odf_chart()` does not (yet) have:
/// - `odf:payable:fund` (liability, ODF): what the ODF owes the trust for installments the
///   trustee paid on the ODF's credit line for a borrower (R-FUND-6), until replenished.
pub fn fund_extra_accounts() -> Vec<Account> {
    vec![Account {
        code: parse("odf:payable:fund"),
        kind: AccountKind::Liability,
        owner: AccountOwner::Odf,
        currency: Currency::MXN,
        name: "Por reponer al fideicomiso del Fondo".to_string(),
    }]
}

fn parse(text: &str) -> AccountCode {
    // Only called with literals and formatted integer ids that satisfy the grammar.
    AccountCode::parse(text).unwrap_or_else(|e| panic!("fund chart: {e}"))
}

/// Account codes the Fund rules use, so no rule spells a string twice.
pub mod code {
    use super::parse;
    use ledger::AccountCode;

    pub use ledger::account::codes::{
        fund_competition, fund_development, odf_bank, profit_share_income, trust_competition,
        trust_development,
    };

    pub fn temporary_contributions() -> AccountCode {
        parse("fund:temporary-contributions")
    }
    pub fn spent_competition() -> AccountCode {
        parse("fund:spent:competition")
    }
    pub fn withdrawn_development() -> AccountCode {
        parse("fund:withdrawn:development")
    }
    pub fn receivable_borrowers() -> AccountCode {
        parse("fund:receivable:borrowers")
    }
    pub fn odf_payable_fund() -> AccountCode {
        parse("odf:payable:fund")
    }
    pub fn member_fund_receivable(member_id: i64) -> AccountCode {
        parse(&format!("members:{member_id}:fund-receivable"))
    }
    pub fn member_profit_share_receivable(member_id: i64) -> AccountCode {
        parse(&format!("members:{member_id}:profit-share-receivable"))
    }
    pub fn member_payable(member_id: i64) -> AccountCode {
        parse(&format!("members:{member_id}:payable"))
    }
    pub fn member_loan(member_id: i64) -> AccountCode {
        parse(&format!("members:{member_id}:loan"))
    }
    /// `lenders:{code}:line`, the lender's credit line to the ODF. `None` for a code the
    /// account grammar refuses.
    pub fn lender_line(lender_code: &str) -> Option<AccountCode> {
        AccountCode::parse(&format!("lenders:{lender_code}:line")).ok()
    }
}

/// The accounts an organisation has, as far as this crate's entries are concerned.
#[derive(Debug, Clone)]
pub struct Chart {
    fixed: HashMap<AccountCode, Currency>,
    member_suffixes: Vec<(String, Currency)>,
    lender_suffixes: Vec<(String, Currency)>,
}

impl Chart {
    /// The standard chart: ODF chart, extras, and every member and lender account by pattern.
    pub fn standard() -> &'static Chart {
        static CHART: OnceLock<Chart> = OnceLock::new();
        CHART.get_or_init(|| {
            let fixed = Account::odf_chart()
                .into_iter()
                .chain(fund_extra_accounts())
                .map(|a| (a.code, a.currency))
                .collect();
            let suffixes = |accounts: Vec<Account>, prefix: &str| {
                accounts
                    .into_iter()
                    .filter_map(|a| {
                        a.code
                            .as_str()
                            .strip_prefix(prefix)
                            .map(|s| (s.to_string(), a.currency))
                    })
                    .collect()
            };
            Chart {
                fixed,
                member_suffixes: suffixes(Account::member_accounts(0), "members:0:"),
                lender_suffixes: suffixes(Account::lender_accounts("x"), "lenders:x:"),
            }
        })
    }

    /// The currency of `code` if the organisation has that account.
    pub fn currency_of(&self, code: &AccountCode) -> Option<Currency> {
        if let Some(c) = self.fixed.get(code) {
            return Some(*c);
        }
        let text = code.as_str();
        let pattern = |rest: &str, suffixes: &[(String, Currency)], numeric: bool| {
            let (owner, suffix) = rest.split_once(':')?;
            if numeric && owner.parse::<i64>().is_err() {
                return None;
            }
            suffixes.iter().find(|(s, _)| s == suffix).map(|(_, c)| *c)
        };
        if let Some(rest) = text.strip_prefix("members:") {
            return pattern(rest, &self.member_suffixes, true);
        }
        if let Some(rest) = text.strip_prefix("lenders:") {
            return pattern(rest, &self.lender_suffixes, false);
        }
        None
    }

    pub fn has(&self, code: &AccountCode) -> bool {
        self.currency_of(code).is_some()
    }
}

/// Builds one entry from `(account, amount_minor)` legs, dropping zero legs, and validates it
/// against the standard chart. `rule` names the rule in the error if the ledger refuses.
pub(crate) struct EntrySpec<'a> {
    pub rule: &'static str,
    pub key: String,
    pub reason: &'a str,
    pub date: chrono::NaiveDate,
    pub memo: String,
    pub currency: Currency,
}

impl EntrySpec<'_> {
    pub(crate) fn build(self, legs: Vec<(AccountCode, i64)>) -> Result<ValidEntry, FundError> {
        self.build_with(legs, None)
    }

    /// [`EntrySpec::build`], with `also` an account of the caller's outside the standard chart
    /// (in the entry's currency): what a trust payment settles when the caller names it (the
    /// opening equity for a payment made before the ODF started with Tequio).
    pub(crate) fn build_with(
        self,
        legs: Vec<(AccountCode, i64)>,
        also: Option<&AccountCode>,
    ) -> Result<ValidEntry, FundError> {
        let currency = self.currency;
        let draft = EntryDraft {
            idempotency_key: self.key,
            reason: self.reason.to_string(),
            rule_id: self.rule.to_string(),
            date: self.date,
            memo: self.memo,
            postings: legs
                .into_iter()
                .filter(|(_, m)| *m != 0)
                .map(|(a, m)| Posting::new(a, Money::new(m, currency)))
                .collect(),
            reverses: None,
        };
        let chart = Chart::standard();
        draft
            .validate(|c| {
                chart
                    .currency_of(c)
                    .or_else(|| (Some(c) == also).then_some(currency))
            })
            .map_err(|source| FundError::Ledger {
                rule: self.rule,
                source,
            })
    }
}

/// The codes of the ODF chart this crate relies on; a test checks they all exist.
pub fn relied_on() -> Vec<AccountCode> {
    vec![
        codes::odf_bank(),
        codes::profit_share_income(),
        codes::fund_development(),
        codes::fund_competition(),
        codes::trust_development(),
        codes::trust_competition(),
        code::temporary_contributions(),
        code::spent_competition(),
        code::withdrawn_development(),
        code::receivable_borrowers(),
        code::odf_payable_fund(),
        code::member_fund_receivable(1),
        code::member_profit_share_receivable(1),
        code::member_payable(1),
        code::member_loan(1),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_account_the_fund_posts_to_is_in_the_chart() {
        let chart = Chart::standard();
        for c in relied_on() {
            assert!(chart.has(&c), "{c}");
        }
        assert!(chart.has(&code::lender_line("nafin").unwrap()));
        assert!(!chart.has(&parse("members:x:payable")));
        assert!(!chart.has(&parse("members:1:nothing")));
        assert!(!chart.has(&parse("fund:nowhere")));
    }

    #[test]
    fn extra_accounts_agree_with_the_odf_chart_if_it_gains_them() {
        let chart = Account::odf_chart();
        for extra in fund_extra_accounts() {
            if let Some(a) = chart.iter().find(|a| a.code == extra.code) {
                assert_eq!(a.kind, extra.kind, "{}", extra.code);
            }
        }
    }
}
