//! Accounts: a code, a kind, an owner and a currency. The chart of accounts an ODF uses is
//! built by [`Account`] constructors here so that every rule names the same accounts.

use crate::{Currency, LedgerError};
use std::fmt;

/// The five kinds of double-entry accounts. Debits are positive amounts, credits negative:
/// an asset's natural balance is positive, a liability's, equity's and income's negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountKind {
    pub const ALL: [AccountKind; 5] = [
        AccountKind::Asset,
        AccountKind::Liability,
        AccountKind::Equity,
        AccountKind::Income,
        AccountKind::Expense,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        AccountKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The Fund's two halves (R-FUND-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubFund {
    Development,
    Competition,
}

impl SubFund {
    pub fn as_str(&self) -> &'static str {
        match self {
            SubFund::Development => "development",
            SubFund::Competition => "competition",
        }
    }
}

/// Who an account belongs to, for statements and access: the ODF itself, one member, one
/// sub-fund of the Fund, or one lender.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountOwner {
    Odf,
    Member(i64),
    SubFund(SubFund),
    Lender(String),
}

impl AccountOwner {
    /// A stable text form for storage: `odf`, `member:42`, `subfund:development`, `lender:nafin`.
    pub fn to_key(&self) -> String {
        match self {
            AccountOwner::Odf => "odf".to_string(),
            AccountOwner::Member(id) => format!("member:{id}"),
            AccountOwner::SubFund(s) => format!("subfund:{}", s.as_str()),
            AccountOwner::Lender(code) => format!("lender:{code}"),
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key.split_once(':') {
            None if key == "odf" => Some(AccountOwner::Odf),
            Some(("member", id)) => id.parse().ok().map(AccountOwner::Member),
            Some(("subfund", "development")) => Some(AccountOwner::SubFund(SubFund::Development)),
            Some(("subfund", "competition")) => Some(AccountOwner::SubFund(SubFund::Competition)),
            Some(("lender", code)) if !code.is_empty() => {
                Some(AccountOwner::Lender(code.to_string()))
            }
            _ => None,
        }
    }
}

/// An account code: lowercase segments of `[a-z0-9-]` joined by `:`, for example
/// `fund:development` or `members:42:dues-receivable`. At most 120 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountCode(String);

impl AccountCode {
    pub fn parse(code: &str) -> Result<Self, LedgerError> {
        let ok = !code.is_empty()
            && code.len() <= 120
            && code.split(':').all(|seg| {
                !seg.is_empty()
                    && seg
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if ok {
            Ok(AccountCode(code.to_string()))
        } else {
            Err(LedgerError::BadAccountCode(code.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split(':')
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One account of one organisation's chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub code: AccountCode,
    pub kind: AccountKind,
    pub owner: AccountOwner,
    pub currency: Currency,
    /// A short human name, Spanish first (it is what users read).
    pub name: String,
}

fn code(text: &str) -> AccountCode {
    // Only called with literals and formatted ids that satisfy the grammar.
    AccountCode::parse(text).unwrap_or_else(|e| panic!("chart of accounts: {e}"))
}

impl Account {
    fn new(code_text: &str, kind: AccountKind, owner: AccountOwner, name: &str) -> Account {
        Account {
            code: code(code_text),
            kind,
            owner,
            currency: Currency::MXN,
            name: name.to_string(),
        }
    }

    /// The accounts every ODF opens when it is created. Member and lender accounts are opened
    /// with [`Account::member_accounts`] and [`Account::lender_accounts`].
    pub fn odf_chart() -> Vec<Account> {
        use AccountKind::*;
        use AccountOwner::*;
        vec![
            // The ODF's own money and results.
            Account::new("odf:bank", Asset, Odf, "Banco de la ODF"),
            Account::new("odf:equity", Equity, Odf, "Capital de la ODF"),
            Account::new(
                "odf:income:profit-share",
                Income,
                Odf,
                "Participación en utilidades (25%)",
            ),
            Account::new("odf:income:dues", Income, Odf, "Cuotas de socios"),
            Account::new("odf:income:services", Income, Odf, "Ingresos por servicios"),
            Account::new(
                "odf:expense:operations",
                Expense,
                Odf,
                "Gastos de operación",
            ),
            Account::new(
                "odf:receivable:buyers",
                Asset,
                Odf,
                "Cuentas por cobrar a compradores",
            ),
            Account::new(
                "odf:payable:suppliers",
                Liability,
                Odf,
                "Cuentas por pagar a proveedores",
            ),
            Account::new(
                "odf:payable:members",
                Liability,
                Odf,
                "Cuentas por pagar a socios",
            ),
            Account::new("odf:inventory", Asset, Odf, "Inventario de la ODF"),
            Account::new("odf:leased-assets", Asset, Odf, "Activos en arrendamiento"),
            Account::new("odf:loans-receivable", Asset, Odf, "Préstamos por cobrar"),
            Account::new(
                "odf:credit-line",
                Liability,
                Odf,
                "Línea de crédito dispuesta",
            ),
            // The Fund, held in trust (R-FUND-6), split in two (R-FUND-2).
            Account::new(
                "fund:trust-bank:development",
                Asset,
                SubFund(self::SubFund::Development),
                "Fideicomiso: Subfondo de Desarrollo",
            ),
            Account::new(
                "fund:trust-bank:competition",
                Asset,
                SubFund(self::SubFund::Competition),
                "Fideicomiso: Subfondo de Competitividad",
            ),
            Account::new(
                "fund:development",
                Equity,
                SubFund(self::SubFund::Development),
                "Subfondo de Desarrollo",
            ),
            Account::new(
                "fund:competition",
                Equity,
                SubFund(self::SubFund::Competition),
                "Subfondo de Competitividad",
            ),
            Account::new(
                "fund:temporary-contributions",
                Liability,
                Odf,
                "Aportaciones temporales por devolver",
            ),
            Account::new(
                "fund:spent:competition",
                Expense,
                SubFund(self::SubFund::Competition),
                "Gasto del Subfondo de Competitividad",
            ),
            Account::new(
                "fund:withdrawn:development",
                Expense,
                SubFund(self::SubFund::Development),
                "Retiros individuales del Subfondo de Desarrollo",
            ),
            Account::new(
                "fund:receivable:borrowers",
                Asset,
                Odf,
                "Pagos del fideicomiso por reponer",
            ),
        ]
    }

    /// The accounts a member has in their ODF: what they owe (dues, Fund contributions, the
    /// ODF's profit share, loans) and what the ODF owes them.
    pub fn member_accounts(member_id: i64) -> Vec<Account> {
        use AccountKind::*;
        let owner = AccountOwner::Member(member_id);
        let m = |suffix: &str, kind, name: &str| {
            Account::new(
                &format!("members:{member_id}:{suffix}"),
                kind,
                owner.clone(),
                name,
            )
        };
        vec![
            m("dues-receivable", Asset, "Cuotas por cobrar"),
            m("fund-receivable", Asset, "Aportaciones al Fondo por cobrar"),
            m("profit-share-receivable", Asset, "Participación por cobrar"),
            m("loan", Asset, "Préstamo"),
            m("payable", Liability, "Por pagar al socio"),
        ]
    }

    /// The accounts for one lender's credit line to the ODF.
    pub fn lender_accounts(lender_code: &str) -> Vec<Account> {
        use AccountKind::*;
        let owner = AccountOwner::Lender(lender_code.to_string());
        vec![Account::new(
            &format!("lenders:{lender_code}:line"),
            Liability,
            owner,
            "Línea de crédito",
        )]
    }

    pub fn dues_receivable(member_id: i64) -> AccountCode {
        code(&format!("members:{member_id}:dues-receivable"))
    }
}

/// Codes of the ODF chart, so rules do not spell strings.
pub mod codes {
    use super::{code, AccountCode};
    pub fn odf_bank() -> AccountCode {
        code("odf:bank")
    }
    pub fn odf_equity() -> AccountCode {
        code("odf:equity")
    }
    pub fn dues_income() -> AccountCode {
        code("odf:income:dues")
    }
    pub fn profit_share_income() -> AccountCode {
        code("odf:income:profit-share")
    }
    pub fn fund_development() -> AccountCode {
        code("fund:development")
    }
    pub fn fund_competition() -> AccountCode {
        code("fund:competition")
    }
    pub fn trust_development() -> AccountCode {
        code("fund:trust-bank:development")
    }
    pub fn trust_competition() -> AccountCode {
        code("fund:trust-bank:competition")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_codes_follow_the_grammar() {
        assert!(AccountCode::parse("fund:development").is_ok());
        assert!(AccountCode::parse("members:42:dues-receivable").is_ok());
        for bad in ["", "Fund", "a::b", "a:b:", "a b", "á"] {
            assert!(AccountCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn owner_keys_round_trip() {
        for owner in [
            AccountOwner::Odf,
            AccountOwner::Member(7),
            AccountOwner::SubFund(SubFund::Competition),
            AccountOwner::Lender("nafin".into()),
        ] {
            assert_eq!(AccountOwner::from_key(&owner.to_key()), Some(owner));
        }
    }

    #[test]
    fn the_chart_has_unique_codes_and_both_sub_funds() {
        let chart = Account::odf_chart();
        let mut codes: Vec<_> = chart.iter().map(|a| a.code.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), chart.len());
        assert!(codes.contains(&codes::fund_development()));
        assert!(codes.contains(&codes::fund_competition()));
    }
}
