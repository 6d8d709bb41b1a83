//! Journal entries: drafts from callers, validated into [`ValidEntry`] against the chart.

use crate::{AccountCode, Currency, LedgerError, Money};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

/// Most postings one entry may carry; a batch close uses many entries, not one huge one.
pub const MAX_POSTINGS_PER_ENTRY: usize = 1_000;

/// Unique per organisation. Posting the same key twice with the same payload returns the first
/// result; with a different payload it is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        if text.is_empty() || text.len() > 200 || text.chars().any(|c| c.is_control()) {
            return Err(LedgerError::BadIdempotencyKey);
        }
        Ok(IdempotencyKey(text.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an entry exists, machine-readable: `dues.charge`, `fund.contribution`, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReasonCode(String);

impl ReasonCode {
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
            });
        if ok {
            Ok(ReasonCode(text.to_string()))
        } else {
            Err(LedgerError::BadReason)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The programme rule that produced an entry (`R-FUND-2`), or `MANUAL` for staff adjustments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleId(String);

impl RuleId {
    pub fn parse(text: &str) -> Result<Self, LedgerError> {
        let rule_shaped = text
            .strip_prefix("R-")
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(area, n)| {
                !area.is_empty()
                    && area.bytes().all(|b| b.is_ascii_uppercase())
                    && !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
            });
        if rule_shaped || text == "MANUAL" {
            Ok(RuleId(text.to_string()))
        } else {
            Err(LedgerError::BadRuleId(text.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One line of an entry: a signed amount on an account (debit positive, credit negative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub account: AccountCode,
    pub amount: Money,
}

impl Posting {
    pub fn new(account: AccountCode, amount: Money) -> Self {
        Posting { account, amount }
    }
}

/// An entry as a caller proposes it; nothing is guaranteed until [`EntryDraft::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDraft {
    pub idempotency_key: String,
    pub reason: String,
    pub rule_id: String,
    pub date: NaiveDate,
    pub memo: String,
    pub postings: Vec<Posting>,
    /// The entry this one reverses, if it is a reversal.
    pub reverses: Option<i64>,
}

/// A balanced entry whose every field has been checked. Only `validate` makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEntry {
    idempotency_key: IdempotencyKey,
    reason: ReasonCode,
    rule_id: RuleId,
    date: NaiveDate,
    memo: String,
    postings: Vec<Posting>,
    reverses: Option<i64>,
}

impl EntryDraft {
    /// Checks the entry against the chart: `account_currency` answers the currency of an open
    /// account, or `None` if the organisation has no such account.
    pub fn validate(
        self,
        account_currency: impl Fn(&AccountCode) -> Option<Currency>,
    ) -> Result<ValidEntry, LedgerError> {
        let idempotency_key = IdempotencyKey::parse(&self.idempotency_key)?;
        let reason = ReasonCode::parse(&self.reason)?;
        let rule_id = RuleId::parse(&self.rule_id)?;
        if self.memo.chars().count() > 500 {
            return Err(LedgerError::MemoTooLong);
        }
        if self.postings.len() < 2 {
            return Err(LedgerError::TooFewPostings(self.postings.len()));
        }
        if self.postings.len() > MAX_POSTINGS_PER_ENTRY {
            return Err(LedgerError::TooManyPostings {
                max: MAX_POSTINGS_PER_ENTRY,
                got: self.postings.len(),
            });
        }
        let mut sums: BTreeMap<Currency, i128> = BTreeMap::new();
        for (index, posting) in self.postings.iter().enumerate() {
            if posting.amount.is_zero() {
                return Err(LedgerError::Zero {
                    field: "postings.amount",
                });
            }
            // i64::MIN has no negation, so an entry holding it could never be reversed.
            if posting.amount.amount_minor() == i64::MIN {
                return Err(LedgerError::Overflow {
                    field: "postings.amount",
                });
            }
            let account_currency =
                account_currency(&posting.account).ok_or_else(|| LedgerError::UnknownAccount {
                    index,
                    account: posting.account.to_string(),
                })?;
            if account_currency != posting.amount.currency() {
                return Err(LedgerError::PostingCurrency {
                    index,
                    account: posting.account.to_string(),
                    account_currency,
                    posting_currency: posting.amount.currency(),
                });
            }
            // i128 cannot overflow for at most 1,000 i64 terms.
            *sums.entry(posting.amount.currency()).or_default() +=
                posting.amount.amount_minor() as i128;
        }
        if let Some((currency, imbalance)) = sums.into_iter().find(|(_, sum)| *sum != 0) {
            return Err(LedgerError::Unbalanced {
                currency,
                imbalance_minor: imbalance,
            });
        }
        Ok(ValidEntry {
            idempotency_key,
            reason,
            rule_id,
            date: self.date,
            memo: self.memo,
            postings: self.postings,
            reverses: self.reverses,
        })
    }
}

impl ValidEntry {
    pub fn idempotency_key(&self) -> &IdempotencyKey {
        &self.idempotency_key
    }
    pub fn reason(&self) -> &ReasonCode {
        &self.reason
    }
    pub fn rule_id(&self) -> &RuleId {
        &self.rule_id
    }
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    pub fn memo(&self) -> &str {
        &self.memo
    }
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }
    pub fn reverses(&self) -> Option<i64> {
        self.reverses
    }

    /// A stable hash of everything but the key, in hex: two posts with one key and equal
    /// fingerprints are the same request; different fingerprints are a conflict.
    ///
    /// The SHA-256 of this text, whose bytes must never change (stored fingerprints are
    /// compared with new ones): reason, rule id, date, memo and `reverses` (`Some(n)` or
    /// `None`) on lines of their own, then one line `account=amountCURRENCY` per posting, in
    /// byte order. Fed to the hash piece by piece: a batch hashes every entry before it writes.
    pub fn fingerprint(&self) -> String {
        let mut lines: Vec<String> = self
            .postings
            .iter()
            .map(|p| {
                let mut line = String::with_capacity(p.account.as_str().len() + 24);
                line.push_str(p.account.as_str());
                line.push('=');
                let _ = write!(line, "{}", p.amount.amount_minor());
                line.push_str(p.amount.currency().as_str());
                line
            })
            .collect();
        lines.sort_unstable();
        let mut head = String::with_capacity(64 + self.memo.len());
        head.push_str(self.reason.as_str());
        head.push('\n');
        head.push_str(self.rule_id.as_str());
        head.push('\n');
        // `NaiveDate`'s Display is `YYYY-MM-DD` for the years a ledger holds.
        let _ = write!(head, "{}", self.date);
        head.push('\n');
        head.push_str(&self.memo);
        head.push('\n');
        match self.reverses {
            Some(n) => {
                let _ = write!(head, "Some({n})");
            }
            None => head.push_str("None"),
        }
        let mut hasher = Sha256::new();
        hasher.update(head.as_bytes());
        for line in &lines {
            hasher.update(b"\n");
            hasher.update(line.as_bytes());
        }
        let digest = hasher.finalize();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(2 * digest.len());
        for byte in digest {
            hex.push(HEX[usize::from(byte >> 4)] as char);
            hex.push(HEX[usize::from(byte & 0xf)] as char);
        }
        hex
    }

    /// The entry that undoes this one (stored as `entry_id`): every posting negated, same
    /// accounts, dated `date`. History is never edited; mistakes are reversed.
    pub fn reversal(
        &self,
        entry_id: i64,
        idempotency_key: IdempotencyKey,
        date: NaiveDate,
    ) -> ValidEntry {
        ValidEntry {
            idempotency_key,
            reason: self.reason.clone(),
            rule_id: self.rule_id.clone(),
            date,
            memo: format!("Reversa del asiento {entry_id}"),
            postings: self
                .postings
                .iter()
                .map(|p| Posting {
                    account: p.account.clone(),
                    // `validate` refuses i64::MIN, so every posting here has a negation.
                    amount: Money::new(-p.amount.amount_minor(), p.amount.currency()),
                })
                .collect(),
            reverses: Some(entry_id),
        }
    }

    /// Rebuilds an entry read back from storage, re-checking balance with every account known.
    pub fn from_stored(draft: EntryDraft) -> Result<ValidEntry, LedgerError> {
        let currencies: BTreeMap<AccountCode, Currency> = draft
            .postings
            .iter()
            .map(|p| (p.account.clone(), p.amount.currency()))
            .collect();
        draft.validate(|code| currencies.get(code).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(postings: &[(&str, i64)]) -> EntryDraft {
        EntryDraft {
            idempotency_key: "k-1".into(),
            reason: "dues.charge".into(),
            rule_id: "R-ORG-6".into(),
            date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            memo: String::new(),
            postings: postings
                .iter()
                .map(|(a, m)| Posting::new(AccountCode::parse(a).unwrap(), Money::mxn(*m)))
                .collect(),
            reverses: None,
        }
    }

    fn mxn_chart(code: &AccountCode) -> Option<Currency> {
        (code.as_str() != "nowhere").then_some(Currency::MXN)
    }

    #[test]
    fn a_balanced_entry_validates() {
        let e = draft(&[("a", 100), ("b", -60), ("c", -40)])
            .validate(mxn_chart)
            .unwrap();
        assert_eq!(e.postings().len(), 3);
    }

    #[test]
    fn an_unbalanced_entry_is_refused_with_its_imbalance() {
        let err = draft(&[("a", 100), ("b", -60)])
            .validate(mxn_chart)
            .unwrap_err();
        assert_eq!(
            err,
            LedgerError::Unbalanced {
                currency: Currency::MXN,
                imbalance_minor: 40
            }
        );
    }

    #[test]
    fn one_posting_zero_postings_and_unknown_accounts_are_refused() {
        assert_eq!(
            draft(&[("a", 0)]).validate(mxn_chart).unwrap_err(),
            LedgerError::TooFewPostings(1)
        );
        assert!(matches!(
            draft(&[("a", 1), ("nowhere", -1)]).validate(mxn_chart),
            Err(LedgerError::UnknownAccount { index: 1, .. })
        ));
        assert!(matches!(
            draft(&[("a", 0), ("b", 0)]).validate(mxn_chart),
            Err(LedgerError::Zero { .. })
        ));
    }

    #[test]
    fn a_posting_in_the_wrong_currency_is_refused() {
        let mut d = draft(&[("a", 1), ("b", -1)]);
        d.postings[0].amount = Money::new(1, Currency::USD);
        d.postings[1].amount = Money::new(-1, Currency::USD);
        assert!(matches!(
            d.validate(mxn_chart),
            Err(LedgerError::PostingCurrency { index: 0, .. })
        ));
    }

    #[test]
    fn rule_ids_are_programme_shaped() {
        for ok in ["R-FUND-2", "R-ORG-6", "MANUAL"] {
            assert!(RuleId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "R-fund-2", "FUND-2", "R-FUND-", "R--2"] {
            assert!(RuleId::parse(bad).is_err(), "{bad}");
        }
    }

    /// The fingerprint's definition, written the plain way: the SHA-256, in hex, of the
    /// canonical text. `ValidEntry::fingerprint` computes it faster and must agree byte for
    /// byte, or every stored fingerprint would turn into a conflict.
    fn canonical_fingerprint(e: &ValidEntry) -> String {
        let mut postings: Vec<String> = e
            .postings()
            .iter()
            .map(|p| {
                format!(
                    "{}={}{}",
                    p.account,
                    p.amount.amount_minor(),
                    p.amount.currency()
                )
            })
            .collect();
        postings.sort();
        let canonical = format!(
            "{}\n{}\n{}\n{}\n{:?}\n{}",
            e.reason().as_str(),
            e.rule_id().as_str(),
            e.date(),
            e.memo(),
            e.reverses(),
            postings.join("\n")
        );
        Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn the_fingerprint_is_the_hash_of_the_canonical_text() {
        let plain = draft(&[("b", -100), ("a", 100)])
            .validate(mxn_chart)
            .unwrap();
        let mut memo = draft(&[("a", -7), ("b", 3), ("c", 4)]);
        memo.memo = "línea\ncon ñ".to_string();
        memo.reverses = Some(42);
        let memo = memo.validate(mxn_chart).unwrap();
        for e in [&plain, &memo] {
            assert_eq!(e.fingerprint(), canonical_fingerprint(e));
        }
        // Pinned: a stored fingerprint written by any earlier version must still match.
        assert_eq!(
            plain.fingerprint(),
            "deaf00a93add00a2907598b663dd6fa5da2690a242c4bd76c4b6e927971f114e"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_entry_fingerprints_as_its_canonical_text(
            amounts in proptest::collection::vec(1i64..=i64::MAX / 8, 1..5),
            memo in "\\PC{0,12}",
            reverses in proptest::option::of(1i64..=i64::MAX),
        ) {
            let mut postings: Vec<(String, i64)> = amounts
                .iter()
                .enumerate()
                .map(|(i, &a)| (format!("acct:{}", 7 * i % 5), a))
                .collect();
            let total: i64 = amounts.iter().sum();
            postings.push(("acct:sink".to_string(), -total));
            let named: Vec<(&str, i64)> =
                postings.iter().map(|(a, m)| (a.as_str(), *m)).collect();
            let mut d = draft(&named);
            d.memo = memo;
            d.reverses = reverses;
            let e = d.validate(mxn_chart).unwrap();
            proptest::prop_assert_eq!(e.fingerprint(), canonical_fingerprint(&e));
        }
    }

    #[test]
    fn fingerprint_ignores_posting_order_but_not_amounts() {
        let a = draft(&[("a", 100), ("b", -100)])
            .validate(mxn_chart)
            .unwrap();
        let b = draft(&[("b", -100), ("a", 100)])
            .validate(mxn_chart)
            .unwrap();
        let c = draft(&[("a", 101), ("b", -101)])
            .validate(mxn_chart)
            .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn a_reversal_negates_every_posting_and_points_back() {
        let e = draft(&[("a", 100), ("b", -100)])
            .validate(mxn_chart)
            .unwrap();
        let r = e.reversal(9, IdempotencyKey::parse("k-1:rev").unwrap(), e.date());
        assert_eq!(r.reverses(), Some(9));
        assert_eq!(r.postings()[0].amount.amount_minor(), -100);
        assert_eq!(r.postings()[1].amount.amount_minor(), 100);
    }
}
