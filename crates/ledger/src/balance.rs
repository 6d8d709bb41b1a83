//! Balances derived from postings: the trial balance and account statements.

use crate::{AccountCode, Currency, Money, Posting, ValidEntry};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Per account and currency, the sum of all postings. Sums are `i128` so that no sequence of
/// valid `i64` postings can overflow while summing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrialBalance {
    balances: BTreeMap<(AccountCode, Currency), i128>,
}

impl TrialBalance {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_posting(&mut self, posting: &Posting) {
        *self
            .balances
            .entry((posting.account.clone(), posting.amount.currency()))
            .or_default() += posting.amount.amount_minor() as i128;
    }

    pub fn add_entry(&mut self, entry: &ValidEntry) {
        for posting in entry.postings() {
            self.add_posting(posting);
        }
    }

    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a ValidEntry>) -> Self {
        let mut tb = TrialBalance::new();
        for e in entries {
            tb.add_entry(e);
        }
        tb
    }

    /// Balance of one account in one currency (0 when it has no postings).
    pub fn balance_minor(&self, account: &AccountCode, currency: Currency) -> i128 {
        self.balances
            .get(&(account.clone(), currency))
            .copied()
            .unwrap_or(0)
    }

    /// Sum of every balance per currency; zero for every currency when the books are sound.
    pub fn totals(&self) -> BTreeMap<Currency, i128> {
        let mut totals = BTreeMap::new();
        for ((_, currency), amount) in &self.balances {
            *totals.entry(*currency).or_default() += amount;
        }
        totals
    }

    pub fn is_balanced(&self) -> bool {
        self.totals().values().all(|t| *t == 0)
    }

    pub fn lines(&self) -> impl Iterator<Item = (&AccountCode, Currency, i128)> {
        self.balances.iter().map(|((a, c), v)| (a, *c, *v))
    }
}

/// One line of an account statement: an entry's effect on one account, with running balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    pub entry_id: i64,
    pub date: NaiveDate,
    pub memo: String,
    pub amount: Money,
    pub balance_minor: i128,
}

/// An account's history in entry order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub account: AccountCode,
    pub lines: Vec<StatementLine>,
}

impl Statement {
    /// Builds the statement of `account` from `(entry_id, entry)` pairs in posting order.
    pub fn build<'a>(
        account: &AccountCode,
        entries: impl IntoIterator<Item = (i64, &'a ValidEntry)>,
    ) -> Statement {
        let mut running: i128 = 0;
        let mut lines = Vec::new();
        for (entry_id, entry) in entries {
            for p in entry.postings().iter().filter(|p| &p.account == account) {
                running += p.amount.amount_minor() as i128;
                lines.push(StatementLine {
                    entry_id,
                    date: entry.date(),
                    memo: entry.memo().to_string(),
                    amount: p.amount,
                    balance_minor: running,
                });
            }
        }
        Statement {
            account: account.clone(),
            lines,
        }
    }
}
