//! Building blocks for the checks: organisations with unique slugs, entries, members.

use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, ValidEntry};
use registry::{Curp, LetterOfCommitment, NewMember, Profile, Sex};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use store::{NewOrg, Org, Store};

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

pub(crate) fn code(text: &str) -> AccountCode {
    AccountCode::parse(text).expect("a valid account code")
}

/// Creates an organisation whose slug no other check (or test process) uses.
pub async fn new_org(store: &dyn Store, label: &str) -> Org {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let slug = format!(
        "{label}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    store
        .create_org(&new_org_data(&slug))
        .await
        .unwrap_or_else(|e| panic!("create_org {slug}: {e}"))
}

pub(crate) fn new_org_data(slug: &str) -> NewOrg {
    NewOrg {
        slug: slug.to_string(),
        name: "Alfareros Unidos de Morelos".into(),
        group_name: "Grupo de Alfareros".into(),
        state: "Morelos".into(),
        municipality: "Cuernavaca".into(),
        trade: "alfarería".into(),
        founded_on: date(2025, 3, 1),
        currency: Currency::MXN,
        dues_amount_minor: 5_000,
        dues_period_months: 1,
    }
}

/// An MXN entry: `postings` are `(account code, signed minor units)` and must balance.
pub fn entry(key: &str, postings: &[(&str, i64)]) -> ValidEntry {
    entry_in(Currency::MXN, key, "", postings)
}

/// An entry in `currency` with a memo. The ledger is told every account exists in `currency`,
/// so the store, not the ledger, must refuse accounts that are not open or in another currency.
pub fn entry_in(currency: Currency, key: &str, memo: &str, postings: &[(&str, i64)]) -> ValidEntry {
    EntryDraft {
        idempotency_key: key.to_string(),
        reason: "conformance.test".into(),
        rule_id: "MANUAL".into(),
        date: date(2026, 1, 31),
        memo: memo.to_string(),
        postings: postings
            .iter()
            .map(|(account, minor)| Posting::new(code(account), Money::new(*minor, currency)))
            .collect(),
        reverses: None,
    }
    .validate(|_| Some(currency))
    .unwrap_or_else(|e| panic!("test entry {key}: {e}"))
}

/// An MXN entry dated `on` (see [`entry`]).
pub(crate) fn entry_on(key: &str, on: NaiveDate, postings: &[(&str, i64)]) -> ValidEntry {
    let e = entry(key, postings);
    EntryDraft {
        idempotency_key: key.to_string(),
        reason: "conformance.test".into(),
        rule_id: "MANUAL".into(),
        date: on,
        memo: String::new(),
        postings: e.postings().to_vec(),
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .unwrap_or_else(|e| panic!("test entry {key}: {e}"))
}

/// The `n`th test member (n < 26^4): a woman born in 1980 with a valid CURP of her own.
pub fn member(n: u32) -> NewMember {
    let letters: String = (0..4)
        .map(|i| char::from(b'A' + ((n / 26u32.pow(3 - i)) % 26) as u8))
        .collect();
    let birth = date(1980, 1 + n % 12, 1 + n % 28);
    let first17 = format!("{letters}{}MMSBCD0", birth.format("%y%m%d"));
    NewMember {
        curp: Curp::with_check_digit(&first17).expect("a valid test CURP"),
        rfc: None,
        given_names: format!("Socia {n}"),
        surnames: "Hernández López".into(),
        sex: Sex::Female,
        birth_date: birth,
        municipality: "Cuernavaca".into(),
        state: "Morelos".into(),
        trade: "alfarería".into(),
        household_size: 4,
        profile: if n % 2 == 1 {
            Profile::MicroEntrepreneur
        } else {
            Profile::MicroProducer
        },
        declared_programmes: BTreeSet::new(),
        joined_on: date(2025, 6, 1),
        letter: LetterOfCommitment {
            signed_on: date(2025, 5, 30),
        },
    }
}

/// Asserts `result` is the error `$kind` (e.g. `Conflict`) whose message names `$name`.
#[macro_export]
#[doc(hidden)]
macro_rules! assert_error {
    ($result:expr, $kind:ident, $name:expr) => {{
        match $result {
            Err($crate::store::StoreError::$kind { what, .. }) => assert!(
                what.contains($name),
                "expected the {} error to name '{}', got: {}",
                stringify!($kind),
                $name,
                what
            ),
            Err(other) => panic!(
                "expected {} naming '{}', got error: {other}",
                stringify!($kind),
                $name
            ),
            Ok(value) => panic!(
                "expected {} naming '{}', got Ok({value:?})",
                stringify!($kind),
                $name
            ),
        }
    }};
}
