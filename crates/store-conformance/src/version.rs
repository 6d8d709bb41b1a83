//! An account's version read with a member's record (`Store::member_and_account_version`):
//! what the web's read cache revalidates a member's cached dues statement with (R-ORG-6), so
//! it must move with every posting on the account, even one that leaves the balance as it was.

use crate::fixtures::{entry, member, new_org};
use ledger::Account;
use std::sync::Arc;
use store::{Store, StoreError};

pub async fn check_an_accounts_version_moves_with_every_posting_on_it(store: Arc<dyn Store>) {
    let org = new_org(&*store, "version").await;
    store
        .import_members(org.id, &[member(1), member(2)], &[])
        .await
        .expect("import");
    let m = store
        .member_by_curp(org.id, member(1).curp.as_str())
        .await
        .expect("member 1");
    let dues = Account::dues_receivable(m.id);
    let dues_code = dues.as_str().to_string();
    let read = || async {
        store
            .member_and_account_version(org.id, m.id, &dues)
            .await
            .expect("member and version")
    };

    let (member_read, v0) = read().await;
    assert_eq!(member_read, m, "the same record as Store::member");
    assert_eq!(v0.balance_minor, 0);
    assert_eq!(read().await.1, v0, "nothing written: the same version");

    // A charge of 50.00 on the member's dues.
    let charge = entry("charge", &[(&dues_code, 5_000), ("odf:equity", -5_000)]);
    let posted = store.post(org.id, &charge).await.expect("charge");
    let (_, v1) = read().await;
    assert_ne!(v1, v0, "a posting on the account moves its version");
    assert_eq!(v1.balance_minor, 5_000);
    assert_eq!(
        store.account_balance(org.id, &dues).await.ok(),
        Some(v1.balance_minor)
    );

    // Its reversal brings the balance back to 0: the version must still differ from before.
    let key = ledger::IdempotencyKey::parse("charge:reversal").expect("key");
    let reversal = charge.reversal(posted.entry_id, key, charge.date());
    store.post(org.id, &reversal).await.expect("reversal");
    let (_, v2) = read().await;
    assert_eq!(v2.balance_minor, 0);
    assert_ne!(v2, v0, "same balance, more postings: another version");
    assert_ne!(v2, v1);
    // Replaying a posted key writes nothing: the version stays.
    store.post(org.id, &charge).await.expect("replay");
    assert_eq!(read().await.1, v2, "a replay writes nothing");

    // The record is read with it, as it is now.
    let mut edit = registry::MemberEdit::of(&m.data);
    edit.municipality = "Tlayacapan".into();
    store
        .update_member(org.id, m.id, &edit, &[])
        .await
        .expect("edit");
    assert_eq!(read().await.0.data.municipality, "Tlayacapan");

    // Another organisation's member, a missing member, an account not open: not found.
    let other = new_org(&*store, "version-other").await;
    assert!(matches!(
        store
            .member_and_account_version(other.id, m.id, &dues)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .member_and_account_version(org.id, m.id + 1_000, &dues)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let never_opened = Account::dues_receivable(m.id + 1_000);
    assert!(matches!(
        store
            .member_and_account_version(org.id, m.id, &never_opened)
            .await,
        Err(StoreError::NotFound { .. })
    ));
}
