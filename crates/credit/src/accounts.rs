//! The accounts credit and leasing post to, and a small entry builder.
//!
//! From the ledger's chart: `odf:bank`, `odf:leased-assets`, `members:{id}:loan`,
//! `lenders:{code}:line`. Member loans are carried on `members:{id}:loan` (the per-member
//! subsidiary of `odf:loans-receivable`, which this crate does not post to so that a balance
//! is never counted twice). A loan whose borrower is the ODF itself is simply the line draw.
//!
//! The chart lacks the income and expense accounts below; [`credit_extra_accounts`] returns
//! them so the app can open them with the ODF chart:
//! - `odf:income:loan-interest`  ordinary interest received from member loans (cash basis);
//! - `odf:income:late-interest`  late interest (moratorios) received;
//! - `odf:income:loan-fees`      opening and per-installment fees received (loans and leases);
//! - `odf:income:lease-interest` the interest part of rents received;
//! - `odf:income:asset-sales`    the symbolic purchase price at the end of a lease (R-LEASE-1);
//! - `odf:expense:line-interest` interest the ODF pays its lender on the line;
//! - `odf:expense:loan-losses`   principal written off.

use crate::Result;
use chrono::NaiveDate;
use ledger::{
    Account, AccountCode, AccountKind, AccountOwner, Currency, EntryDraft, Money, Posting,
    ValidEntry,
};

fn code(text: &str) -> AccountCode {
    // Only called with literals and formatted numeric ids / validated lender codes.
    AccountCode::parse(text).unwrap_or_else(|e| panic!("credit accounts: {e}"))
}

pub fn odf_bank() -> AccountCode {
    code("odf:bank")
}
pub fn leased_assets() -> AccountCode {
    code("odf:leased-assets")
}
pub fn member_loan(member_id: i64) -> AccountCode {
    code(&format!("members:{member_id}:loan"))
}
pub fn lender_line(lender_code: &str) -> Result<AccountCode> {
    AccountCode::parse(&format!("lenders:{lender_code}:line")).map_err(|_| {
        crate::CreditError::invalid("R-CRED-6", "lender_code", "must be lowercase [a-z0-9-]")
    })
}
pub fn loan_interest_income() -> AccountCode {
    code("odf:income:loan-interest")
}
pub fn late_interest_income() -> AccountCode {
    code("odf:income:late-interest")
}
pub fn fee_income() -> AccountCode {
    code("odf:income:loan-fees")
}
pub fn lease_interest_income() -> AccountCode {
    code("odf:income:lease-interest")
}
pub fn asset_sales_income() -> AccountCode {
    code("odf:income:asset-sales")
}
pub fn line_interest_expense() -> AccountCode {
    code("odf:expense:line-interest")
}
pub fn loan_losses() -> AccountCode {
    code("odf:expense:loan-losses")
}

/// Accounts the ODF chart must gain for credit and leasing (see the module doc).
pub fn credit_extra_accounts() -> Vec<Account> {
    use AccountKind::*;
    let a = |c: &str, kind, name: &str| Account {
        code: code(c),
        kind,
        owner: AccountOwner::Odf,
        currency: Currency::MXN,
        name: name.to_string(),
    };
    vec![
        a(
            "odf:income:loan-interest",
            Income,
            "Intereses cobrados por préstamos",
        ),
        a(
            "odf:income:late-interest",
            Income,
            "Intereses moratorios cobrados",
        ),
        a("odf:income:loan-fees", Income, "Comisiones cobradas"),
        a(
            "odf:income:lease-interest",
            Income,
            "Intereses de arrendamiento",
        ),
        a(
            "odf:income:asset-sales",
            Income,
            "Venta de activos (opción de compra)",
        ),
        a(
            "odf:expense:line-interest",
            Expense,
            "Intereses de la línea de crédito",
        ),
        a(
            "odf:expense:loan-losses",
            Expense,
            "Quebrantos de préstamos",
        ),
    ]
}

/// True for every account code this crate may post to: the validation chart for its entries.
fn known(code: &AccountCode) -> bool {
    let s = code.as_str();
    let mut segs = s.split(':');
    let fixed = [
        "odf:bank",
        "odf:leased-assets",
        "odf:income:loan-interest",
        "odf:income:late-interest",
        "odf:income:loan-fees",
        "odf:income:lease-interest",
        "odf:income:asset-sales",
        "odf:expense:line-interest",
        "odf:expense:loan-losses",
        // Issue 16: what a line had drawn before Tequio is booked against the opening equity.
        "odf:equity:opening",
    ];
    if fixed.contains(&s) {
        return true;
    }
    match (segs.next(), segs.next(), segs.next(), segs.next()) {
        (Some("members"), Some(id), Some("loan"), None) => id.parse::<i64>().is_ok(),
        (Some("lenders"), Some(_), Some("line"), None) => true,
        _ => false,
    }
}

/// Builds and validates one entry in `currency`; postings with a zero amount are dropped.
pub(crate) fn entry(
    key: &str,
    reason: &str,
    rule_id: &str,
    date: NaiveDate,
    memo: String,
    currency: Currency,
    postings: &[(AccountCode, i64)],
) -> Result<ValidEntry> {
    let draft = EntryDraft {
        idempotency_key: key.to_string(),
        reason: reason.to_string(),
        rule_id: rule_id.to_string(),
        date,
        memo,
        postings: postings
            .iter()
            .filter(|(_, m)| *m != 0)
            .map(|(a, m)| Posting::new(a.clone(), Money::new(*m, currency)))
            .collect(),
        reverses: None,
    };
    Ok(draft.validate(|c| known(c).then_some(currency))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_accounts_are_not_in_the_chart_and_are_known() {
        let chart = Account::odf_chart();
        for extra in credit_extra_accounts() {
            assert!(chart.iter().all(|a| a.code != extra.code), "{}", extra.code);
            assert!(known(&extra.code));
        }
        assert!(known(&member_loan(7)));
        assert!(known(&lender_line("nafin").unwrap()));
        assert!(!known(&code("members:7:payable")));
    }
}
