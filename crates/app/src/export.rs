//! Exports an organisation's journal as an hledger journal or a Beancount file, both accepted
//! by those tools' own checkers (`hledger check --strict`, `bean-check`).
//!
//! Pure formatting over values; the caller streams entries in and a writer out.

use ledger::{Account, AccountKind, Currency, ValidEntry};
use std::collections::BTreeSet;
use std::io::{self, Write};

/// The hledger account name: the kind's conventional top-level name, then the code.
pub fn hledger_account(account_kind: AccountKind, code: &str) -> String {
    let top = match account_kind {
        AccountKind::Asset => "assets",
        AccountKind::Liability => "liabilities",
        AccountKind::Equity => "equity",
        AccountKind::Income => "revenues",
        AccountKind::Expense => "expenses",
    };
    format!("{top}:{code}")
}

/// The Beancount account name: capitalised root, each component starting with a capital
/// letter or a digit, as Beancount requires.
pub fn beancount_account(account_kind: AccountKind, code: &str) -> String {
    let top = match account_kind {
        AccountKind::Asset => "Assets",
        AccountKind::Liability => "Liabilities",
        AccountKind::Equity => "Equity",
        AccountKind::Income => "Income",
        AccountKind::Expense => "Expenses",
    };
    let mut name = top.to_string();
    for segment in code.split(':') {
        name.push(':');
        let mut chars = segment.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.extend(chars);
        }
    }
    name
}

fn quote(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

/// Writes the header of an hledger journal: commodity and account declarations, so that
/// `hledger check --strict` accepts the file.
pub fn hledger_header(
    out: &mut impl Write,
    org_name: &str,
    accounts: &[Account],
) -> io::Result<()> {
    writeln!(out, "; Tequio: {org_name}")?;
    let currencies: BTreeSet<Currency> = accounts.iter().map(|a| a.currency).collect();
    for c in currencies {
        writeln!(out, "commodity 1000.00 {c}")?;
    }
    for a in accounts {
        writeln!(
            out,
            "account {}  ; {}",
            hledger_account(a.kind, a.code.as_str()),
            a.name.replace(';', ",")
        )?;
    }
    writeln!(out)
}

/// Writes one entry in hledger's journal format.
pub fn hledger_entry(
    out: &mut impl Write,
    entry_id: i64,
    entry: &ValidEntry,
    kind_of: impl Fn(&str) -> AccountKind,
) -> io::Result<()> {
    let description = if entry.memo().is_empty() {
        entry.reason().as_str()
    } else {
        entry.memo()
    };
    writeln!(
        out,
        "{} ({entry_id}) {}  ; rule:{}, reason:{}, key:{}",
        entry.date(),
        description.replace(';', ","),
        entry.rule_id(),
        entry.reason().as_str(),
        entry.idempotency_key().as_str().replace([';', ','], "_"),
    )?;
    for p in entry.postings() {
        writeln!(
            out,
            "    {}  {} {}",
            hledger_account(kind_of(p.account.as_str()), p.account.as_str()),
            p.amount.to_major_string(),
            p.amount.currency()
        )?;
    }
    writeln!(out)
}

/// Writes the header of a Beancount file: options and an `open` for every account on
/// `open_date` (no later than the first entry).
pub fn beancount_header(
    out: &mut impl Write,
    org_name: &str,
    accounts: &[Account],
    open_date: chrono::NaiveDate,
) -> io::Result<()> {
    writeln!(out, "option \"title\" \"{}\"", quote(org_name))?;
    let currencies: BTreeSet<Currency> = accounts.iter().map(|a| a.currency).collect();
    for c in &currencies {
        writeln!(out, "option \"operating_currency\" \"{c}\"")?;
    }
    writeln!(out)?;
    for a in accounts {
        writeln!(
            out,
            "{open_date} open {} {}",
            beancount_account(a.kind, a.code.as_str()),
            a.currency
        )?;
    }
    writeln!(out)
}

/// Writes one entry as a Beancount transaction with its id, key and rule as metadata.
pub fn beancount_entry(
    out: &mut impl Write,
    entry_id: i64,
    entry: &ValidEntry,
    kind_of: impl Fn(&str) -> AccountKind,
) -> io::Result<()> {
    let narration = if entry.memo().is_empty() {
        entry.reason().as_str()
    } else {
        entry.memo()
    };
    writeln!(out, "{} * \"{}\"", entry.date(), quote(narration))?;
    writeln!(out, "  entry-id: \"{entry_id}\"")?;
    writeln!(out, "  rule: \"{}\"", entry.rule_id())?;
    writeln!(out, "  reason: \"{}\"", entry.reason().as_str())?;
    writeln!(
        out,
        "  key: \"{}\"",
        quote(entry.idempotency_key().as_str())
    )?;
    for p in entry.postings() {
        writeln!(
            out,
            "  {}  {} {}",
            beancount_account(kind_of(p.account.as_str()), p.account.as_str()),
            p.amount.to_major_string(),
            p.amount.currency()
        )?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use expect_test::expect;
    use ledger::{AccountCode, EntryDraft, Money, Posting};

    fn entry() -> ValidEntry {
        EntryDraft {
            idempotency_key: "dues:charge:2025-01:7".into(),
            reason: "dues.charge".into(),
            rule_id: "R-ORG-6".into(),
            date: NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
            memo: "Cuota \"enero\"; 2025".into(),
            postings: vec![
                Posting::new(
                    AccountCode::parse("members:7:dues-receivable").unwrap(),
                    Money::mxn(5_000),
                ),
                Posting::new(
                    AccountCode::parse("odf:income:dues").unwrap(),
                    Money::mxn(-5_000),
                ),
            ],
            reverses: None,
        }
        .validate(|_| Some(Currency::MXN))
        .unwrap()
    }

    fn kind_of(code: &str) -> AccountKind {
        if code.starts_with("odf:income") {
            AccountKind::Income
        } else {
            AccountKind::Asset
        }
    }

    #[test]
    fn an_entry_in_hledger_format() {
        let mut out = Vec::new();
        hledger_entry(&mut out, 12, &entry(), kind_of).unwrap();
        expect![[r#"
            2025-01-31 (12) Cuota "enero", 2025  ; rule:R-ORG-6, reason:dues.charge, key:dues:charge:2025-01:7
                assets:members:7:dues-receivable  50.00 MXN
                revenues:odf:income:dues  -50.00 MXN

        "#]]
        .assert_eq(&String::from_utf8(out).unwrap());
    }

    #[test]
    fn an_entry_in_beancount_format() {
        let mut out = Vec::new();
        beancount_entry(&mut out, 12, &entry(), kind_of).unwrap();
        expect![[r#"
            2025-01-31 * "Cuota \"enero\"; 2025"
              entry-id: "12"
              rule: "R-ORG-6"
              reason: "dues.charge"
              key: "dues:charge:2025-01:7"
              Assets:Members:7:Dues-receivable  50.00 MXN
              Income:Odf:Income:Dues  -50.00 MXN

        "#]]
        .assert_eq(&String::from_utf8(out).unwrap());
    }
}
