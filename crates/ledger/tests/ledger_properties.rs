//! Invariants of the kernel over random entries: whatever mix of valid and invalid drafts is
//! offered, the entries that validate keep the trial balance at zero, and a reversal of any
//! entry brings its accounts back to where they were.

use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, IdempotencyKey, Money, Posting, TrialBalance};
use proptest::prelude::*;

fn account(i: u8) -> AccountCode {
    AccountCode::parse(&format!("acct:{i}")).unwrap()
}

fn draft(postings: Vec<(u8, i64)>) -> EntryDraft {
    EntryDraft {
        idempotency_key: "k".into(),
        reason: "test".into(),
        rule_id: "MANUAL".into(),
        date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        memo: String::new(),
        postings: postings
            .into_iter()
            .map(|(a, m)| Posting::new(account(a), Money::mxn(m)))
            .collect(),
        reverses: None,
    }
}

/// A balanced draft: random debits, one closing credit.
fn balanced() -> impl Strategy<Value = EntryDraft> {
    prop::collection::vec((0u8..20, 1i64..1_000_000_000), 1..6).prop_map(|debits| {
        let total: i64 = debits.iter().map(|(_, m)| m).sum();
        let mut postings = debits;
        postings.push((20, -total));
        draft(postings)
    })
}

/// Anything at all, mostly invalid.
fn arbitrary() -> impl Strategy<Value = EntryDraft> {
    prop::collection::vec((0u8..21, any::<i64>()), 0..5).prop_map(draft)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn valid_entries_keep_the_trial_balance_at_zero(
        drafts in prop::collection::vec(prop_oneof![balanced(), arbitrary()], 1..30)
    ) {
        let mut accepted = Vec::new();
        for d in drafts {
            if let Ok(e) = d.validate(|_| Some(Currency::MXN)) {
                accepted.push(e);
            }
        }
        let tb = TrialBalance::from_entries(&accepted);
        prop_assert!(tb.is_balanced(), "{:?}", tb.totals());
    }

    #[test]
    fn a_reversal_restores_every_balance(d in balanced()) {
        let e = d.validate(|_| Some(Currency::MXN)).unwrap();
        let r = e.reversal(1, IdempotencyKey::parse("k:rev").unwrap(), e.date());
        let tb = TrialBalance::from_entries([&e, &r]);
        for (_, _, balance) in tb.lines() {
            prop_assert_eq!(balance, 0);
        }
    }
}
