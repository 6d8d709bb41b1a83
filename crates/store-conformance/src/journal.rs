//! Organisations, charts of accounts and the journal.

use crate::assert_error;
use crate::fixtures::{code, date, entry, entry_in, entry_on, new_org, new_org_data};
use ledger::{Account, AccountKind, AccountOwner, Currency, TrialBalance};
use std::sync::Arc;
use store::{Page, Posted, Store, StoreError, MAX_BATCH_ENTRIES};

/// The books of one organisation are sound: materialised balances equal the sum of postings,
/// and every currency sums to zero.
pub async fn assert_books_sound(store: &dyn Store, org_id: i64) -> TrialBalance {
    let materialised = store.balances(org_id).await.expect("balances");
    let derived = store
        .derived_balances(org_id)
        .await
        .expect("derived balances");
    assert_eq!(
        materialised, derived,
        "materialised balances differ from postings"
    );
    assert!(
        materialised.is_balanced(),
        "trial balance is not zero: {:?}",
        materialised.totals()
    );
    materialised
}

async fn entry_count(store: &dyn Store, org_id: i64) -> usize {
    store
        .entries(org_id, Page::first(1_000))
        .await
        .expect("entries")
        .len()
}

pub async fn check_create_org_opens_the_chart(store: Arc<dyn Store>) {
    let org = new_org(&*store, "chart").await;
    assert_eq!(store.org(org.id).await.expect("org by id"), org);
    assert_eq!(
        store
            .org_by_slug(&org.data.slug)
            .await
            .expect("org by slug"),
        org
    );
    assert!(store.orgs().await.expect("orgs").contains(&org));

    let mut opened = store.accounts(org.id).await.expect("accounts");
    let mut chart = Account::odf_chart();
    opened.sort_by(|a, b| a.code.cmp(&b.code));
    chart.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(
        opened, chart,
        "a new organisation has exactly the ODF chart"
    );
    for account in &chart {
        assert_eq!(
            store.account_balance(org.id, &account.code).await.ok(),
            Some(0)
        );
    }
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        TrialBalance::new()
    );
}

/// Issue 21: creating an organisation again with the same slug and the same data answers the
/// organisation there (the set-up run again, or a write run again after its answer was lost in
/// a failover): same id, nothing written (no second row, the chart as it was). Other data
/// under the slug is a conflict naming `slug` and the field that differs.
pub async fn check_a_taken_slug_is_a_replay_or_a_conflict(store: Arc<dyn Store>) {
    let org = new_org(&*store, "slug").await;
    let before = store.orgs().await.expect("orgs").len();
    let accounts = store.accounts(org.id).await.expect("accounts").len();
    let again = store
        .create_org(&new_org_data(&org.data.slug))
        .await
        .expect("the same organisation again is a replay");
    assert_eq!(again, org, "the replay answers the organisation there");
    assert_eq!(store.orgs().await.expect("orgs").len(), before);
    assert_eq!(
        store.accounts(org.id).await.expect("accounts").len(),
        accounts,
        "a replay opens no account"
    );
    let mut other = new_org_data(&org.data.slug);
    other.name = "Otra ODF".into();
    assert_error!(store.create_org(&other).await, Conflict, "slug");
    assert_error!(store.create_org(&other).await, Conflict, "name");
    let mut other = new_org_data(&org.data.slug);
    other.dues_amount_minor += 1;
    assert_error!(
        store.create_org(&other).await,
        Conflict,
        "dues_amount_minor"
    );
    assert_eq!(store.orgs().await.expect("orgs").len(), before);
    assert_eq!(store.org(org.id).await.expect("org"), org, "unchanged");
    assert!(matches!(
        store.org_by_slug("no-such-organisation-anywhere").await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn check_open_accounts_is_idempotent_and_refuses_redefinition(store: Arc<dyn Store>) {
    let org = new_org(&*store, "open").await;
    let lender = Account::lender_accounts("nafin");
    store
        .open_accounts(org.id, &lender)
        .await
        .expect("open lender accounts");
    store
        .open_accounts(org.id, &lender)
        .await
        .expect("opening the same accounts again is a no-op");
    let count = store.accounts(org.id).await.expect("accounts").len();
    assert_eq!(count, Account::odf_chart().len() + lender.len());

    // A new account and a redefinition of an open one: a conflict, and neither is opened.
    let mut redefined = lender[0].clone();
    redefined.kind = AccountKind::Asset;
    let fresh = Account {
        code: code("odf:petty-cash"),
        kind: AccountKind::Asset,
        owner: AccountOwner::Odf,
        currency: Currency::MXN,
        name: "Caja chica".into(),
    };
    assert_error!(
        store
            .open_accounts(org.id, &[fresh.clone(), redefined])
            .await,
        Conflict,
        lender[0].code.as_str()
    );
    assert_eq!(store.accounts(org.id).await.expect("accounts").len(), count);
    assert!(matches!(
        store.account_balance(org.id, &fresh.code).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn check_posting_a_balanced_entry_updates_balances(store: Arc<dyn Store>) {
    let org = new_org(&*store, "post").await;
    let dues = entry(
        "dues-1",
        &[("odf:bank", 5_000), ("odf:income:dues", -5_000)],
    );
    let posted = store.post(org.id, &dues).await.expect("post");
    assert!(posted.created);
    assert_eq!(
        store.account_balance(org.id, &code("odf:bank")).await.ok(),
        Some(5_000)
    );
    assert_eq!(
        store
            .account_balance(org.id, &code("odf:income:dues"))
            .await
            .ok(),
        Some(-5_000)
    );
    let books = assert_books_sound(&*store, org.id).await;
    assert_eq!(books, TrialBalance::from_entries([&dues]));
    let stored = store.entry(org.id, posted.entry_id).await.expect("entry");
    assert_eq!((stored.id, stored.entry), (posted.entry_id, dues));
}

pub async fn check_replaying_a_key_returns_the_original_and_writes_nothing(store: Arc<dyn Store>) {
    let org = new_org(&*store, "replay").await;
    let e = entry("k-1", &[("odf:bank", 700), ("odf:equity", -700)]);
    let first = store.post(org.id, &e).await.expect("first post");
    let books = store.balances(org.id).await.expect("balances");

    let again = store.post(org.id, &e).await.expect("replay");
    assert_eq!(
        again,
        Posted {
            entry_id: first.entry_id,
            created: false
        }
    );
    let in_batch = store
        .post_batch(org.id, std::slice::from_ref(&e))
        .await
        .expect("replay in a batch");
    assert_eq!(in_batch, vec![again]);
    assert_eq!(store.balances(org.id).await.expect("balances"), books);
    assert_eq!(entry_count(&*store, org.id).await, 1);
    assert_books_sound(&*store, org.id).await;
}

pub async fn check_same_key_with_another_payload_is_a_conflict(store: Arc<dyn Store>) {
    let org = new_org(&*store, "conflict").await;
    let e = entry("k-1", &[("odf:bank", 700), ("odf:equity", -700)]);
    store.post(org.id, &e).await.expect("first post");
    let books = store.balances(org.id).await.expect("balances");

    let other = entry("k-1", &[("odf:bank", 701), ("odf:equity", -701)]);
    assert_error!(store.post(org.id, &other).await, Conflict, "k-1");
    let fresh = entry("k-2", &[("odf:bank", 1), ("odf:equity", -1)]);
    assert_error!(
        store.post_batch(org.id, &[fresh.clone(), other]).await,
        Conflict,
        "k-1"
    );
    assert_eq!(store.balances(org.id).await.expect("balances"), books);
    assert_eq!(entry_count(&*store, org.id).await, 1);
    assert!(store.post(org.id, &fresh).await.expect("k-2 alone").created);
}

pub async fn check_posting_to_an_account_not_open_is_invalid(store: Arc<dyn Store>) {
    let org = new_org(&*store, "unknown").await;
    let e = entry("k-1", &[("odf:bank", 10), ("nowhere:at-all", -10)]);
    assert_error!(store.post(org.id, &e).await, Invalid, "nowhere:at-all");
    assert_eq!(entry_count(&*store, org.id).await, 0);
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        TrialBalance::new()
    );
    assert!(matches!(
        store.account_balance(org.id, &code("nowhere:at-all")).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn check_posting_in_another_currency_is_invalid(store: Arc<dyn Store>) {
    let org = new_org(&*store, "currency").await;
    let usd = Account {
        code: code("odf:bank-usd"),
        kind: AccountKind::Asset,
        owner: AccountOwner::Odf,
        currency: Currency::USD,
        name: "Banco en dólares".into(),
    };
    store
        .open_accounts(org.id, &[usd])
        .await
        .expect("open a USD account");
    // odf:bank is in MXN: a USD posting to it is refused, naming it.
    let e = entry_in(
        Currency::USD,
        "k-1",
        "",
        &[("odf:bank-usd", 10), ("odf:bank", -10)],
    );
    assert_error!(store.post(org.id, &e).await, Invalid, "odf:bank");
    assert_eq!(entry_count(&*store, org.id).await, 0);
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        TrialBalance::new()
    );
}

pub async fn check_a_batch_is_all_or_nothing(store: Arc<dyn Store>) {
    let org = new_org(&*store, "batch").await;
    let good = |k: &str, n: i64| entry(k, &[("odf:bank", n), ("odf:equity", -n)]);
    let bad = entry("b-2", &[("odf:bank", 5), ("nowhere:x", -5)]);
    let batch = vec![good("b-0", 1), good("b-1", 2), bad, good("b-3", 3)];
    assert_error!(store.post_batch(org.id, &batch).await, Invalid, "nowhere:x");
    assert_eq!(entry_count(&*store, org.id).await, 0);
    assert_eq!(
        store.balances(org.id).await.expect("balances"),
        TrialBalance::new()
    );

    let batch = vec![good("b-0", 1), good("b-1", 2), good("b-3", 3)];
    let posted = store.post_batch(org.id, &batch).await.expect("good batch");
    assert_eq!(posted.len(), 3);
    assert!(posted.iter().all(|p| p.created));
    assert!(
        posted.windows(2).all(|w| w[0].entry_id < w[1].entry_id),
        "entries are appended in order: {posted:?}"
    );
    assert_eq!(
        store.account_balance(org.id, &code("odf:bank")).await.ok(),
        Some(6)
    );
    assert_eq!(
        store.post_batch(org.id, &[]).await.expect("empty batch"),
        vec![]
    );
    assert_books_sound(&*store, org.id).await;
}

pub async fn check_a_batch_over_the_limit_is_refused(store: Arc<dyn Store>) {
    let org = new_org(&*store, "limit").await;
    let batch: Vec<_> = (0..=MAX_BATCH_ENTRIES)
        .map(|i| entry(&format!("big-{i}"), &[("odf:bank", 1), ("odf:equity", -1)]))
        .collect();
    assert!(matches!(
        store.post_batch(org.id, &batch).await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(entry_count(&*store, org.id).await, 0);
}

pub async fn check_keys_repeated_inside_a_batch(store: Arc<dyn Store>) {
    let org = new_org(&*store, "repeat").await;
    let a = entry("r-1", &[("odf:bank", 4), ("odf:equity", -4)]);
    let b = entry("r-2", &[("odf:bank", 6), ("odf:equity", -6)]);
    // The same payload twice is one entry: the repeat answers the first id, not created.
    let posted = store
        .post_batch(org.id, &[a.clone(), b.clone(), a.clone()])
        .await
        .expect("batch with a repeated key");
    assert!(posted[0].created && posted[1].created);
    assert_eq!(
        posted[2],
        Posted {
            entry_id: posted[0].entry_id,
            created: false
        }
    );
    assert_eq!(
        store.account_balance(org.id, &code("odf:bank")).await.ok(),
        Some(10)
    );

    // The same key with two payloads in one batch is a conflict, and nothing is written.
    let c = entry("r-3", &[("odf:bank", 1), ("odf:equity", -1)]);
    let c2 = entry("r-3", &[("odf:bank", 2), ("odf:equity", -2)]);
    assert_error!(store.post_batch(org.id, &[c, c2]).await, Conflict, "r-3");
    assert_eq!(entry_count(&*store, org.id).await, 2);
    assert_books_sound(&*store, org.id).await;
}

pub async fn check_organisations_are_isolated(store: Arc<dyn Store>) {
    let a = new_org(&*store, "iso-a").await;
    let b = new_org(&*store, "iso-b").await;
    store
        .import_members(a.id, &[crate::fixtures::member(1)], &[])
        .await
        .expect("import into A");
    let member = store
        .members(a.id, Page::first(10))
        .await
        .expect("A's members")
        .remove(0);
    let loan = Account::member_accounts(member.id)[3].code.clone();
    let posted = store
        .post(
            a.id,
            &entry("iso-1", &[(loan.as_str(), 900), ("odf:bank", -900)]),
        )
        .await
        .expect("post in A");
    let role = store
        .assign_role(
            a.id,
            &registry::NewRoleAssignment {
                person_name: "Ana".into(),
                member_id: Some(member.id),
                role: registry::Role::BoardMember,
                from: crate::fixtures::date(2025, 7, 1),
            },
            &[],
        )
        .await
        .expect("role in A");

    // Through B's id, everything of A answers like something that does not exist.
    let not_found = |what: &str, r: Result<(), StoreError>| {
        assert!(
            matches!(r, Err(StoreError::NotFound { .. })),
            "{what} of A through B: {r:?}"
        )
    };
    not_found("member", store.member(b.id, member.id).await.map(drop));
    not_found(
        "member by CURP",
        store
            .member_by_curp(b.id, member.data.curp.as_str())
            .await
            .map(drop),
    );
    not_found("entry", store.entry(b.id, posted.entry_id).await.map(drop));
    not_found(
        "account balance",
        store.account_balance(b.id, &loan).await.map(drop),
    );
    not_found(
        "account entries",
        store
            .account_entries(b.id, &loan, Page::first(10))
            .await
            .map(drop),
    );
    not_found(
        "leave",
        store
            .record_leave(b.id, member.id, crate::fixtures::date(2026, 1, 1), "x", &[])
            .await
            .map(drop),
    );
    not_found(
        "role",
        store
            .end_role(b.id, role.id, crate::fixtures::date(2026, 1, 1), &[])
            .await
            .map(drop),
    );
    assert_error!(
        store
            .post(
                b.id,
                &entry("iso-2", &[(loan.as_str(), 1), ("odf:bank", -1)])
            )
            .await,
        Invalid,
        loan.as_str()
    );
    assert!(store
        .members(b.id, Page::first(10))
        .await
        .expect("B's members")
        .is_empty());
    assert_eq!(store.count_members(b.id).await.expect("count"), 0);
    assert!(store
        .entries(b.id, Page::first(10))
        .await
        .expect("B's entries")
        .is_empty());
    assert!(store.roles(b.id).await.expect("B's roles").is_empty());
    assert_eq!(
        store.balances(b.id).await.expect("B's balances"),
        TrialBalance::new()
    );
    assert_eq!(
        store.accounts(b.id).await.expect("B's accounts").len(),
        Account::odf_chart().len()
    );
    // The same key in B is B's own, independent of A's.
    let in_b = entry("iso-1", &[("odf:bank", 5), ("odf:equity", -5)]);
    assert!(
        store
            .post(b.id, &in_b)
            .await
            .expect("same key in B")
            .created
    );
    assert_eq!(store.account_balance(a.id, &loan).await.ok(), Some(900));
    assert_books_sound(&*store, a.id).await;
    assert_books_sound(&*store, b.id).await;
}

pub async fn check_a_reversal_brings_balances_back(store: Arc<dyn Store>) {
    let org = new_org(&*store, "reversal").await;
    let opening = entry("open", &[("odf:bank", 10_000), ("odf:equity", -10_000)]);
    store.post(org.id, &opening).await.expect("opening");
    let before = store.balances(org.id).await.expect("balances");

    let mistake = entry(
        "mistake",
        &[("odf:expense:operations", 2_500), ("odf:bank", -2_500)],
    );
    let posted = store.post(org.id, &mistake).await.expect("mistake");
    let key = ledger::IdempotencyKey::parse("mistake:reversal").expect("key");
    let reversal = mistake.reversal(posted.entry_id, key, mistake.date());
    let reversed = store.post(org.id, &reversal).await.expect("reversal");
    assert!(reversed.created);
    assert_eq!(
        store
            .entry(org.id, reversed.entry_id)
            .await
            .expect("entry")
            .entry
            .reverses(),
        Some(posted.entry_id)
    );
    assert_eq!(
        store.account_balance(org.id, &code("odf:bank")).await.ok(),
        Some(10_000)
    );
    assert_eq!(
        store
            .account_balance(org.id, &code("odf:expense:operations"))
            .await
            .ok(),
        Some(0)
    );
    let after = assert_books_sound(&*store, org.id).await;
    for (account, currency, amount) in after.lines() {
        assert_eq!(amount, before.balance_minor(account, currency), "{account}");
    }
    // History is kept: three entries, the mistake among them.
    assert_eq!(entry_count(&*store, org.id).await, 3);
}

pub async fn check_materialised_balances_equal_derived_balances(store: Arc<dyn Store>) {
    let org = new_org(&*store, "derived").await;
    let accounts = [
        "odf:bank",
        "odf:equity",
        "odf:income:dues",
        "fund:development",
        "fund:trust-bank:development",
        "odf:expense:operations",
    ];
    let mut expected = TrialBalance::new();
    for round in 0..5i64 {
        let batch: Vec<_> = (0..40i64)
            .map(|i| {
                let n = round * 40 + i;
                // Offsets 1 to 5 never pick the same account twice.
                let (x, y) = (
                    accounts[(n % 6) as usize],
                    accounts[((n + 1 + (n / 6) % 5) % 6) as usize],
                );
                let amount = (n * 7_919) % 100_000 - 50_000;
                let amount = if amount == 0 { 1 } else { amount };
                entry(&format!("d-{n}"), &[(x, amount), (y, -amount)])
            })
            .collect();
        store.post_batch(org.id, &batch).await.expect("batch");
        for e in &batch {
            expected.add_entry(e);
        }
        assert_eq!(assert_books_sound(&*store, org.id).await, expected);
    }
}

pub async fn check_entries_read_back_in_order(store: Arc<dyn Store>) {
    let org = new_org(&*store, "read").await;
    let batch: Vec<_> = (0..25i64)
        .map(|i| {
            let other = if i % 2 == 0 {
                "odf:equity"
            } else {
                "odf:income:dues"
            };
            entry(
                &format!("e-{i}"),
                &[("odf:bank", 100 + i), (other, -100 - i)],
            )
        })
        .collect();
    let posted = store.post_batch(org.id, &batch).await.expect("batch");

    let mut seen = Vec::new();
    let mut page = Page::first(10);
    loop {
        let got = store.entries(org.id, page).await.expect("entries page");
        assert!(got.len() <= 10);
        let Some(last) = got.last() else { break };
        page.after_id = last.id;
        seen.extend(got);
    }
    assert_eq!(
        seen.iter().map(|s| s.id).collect::<Vec<_>>(),
        posted.iter().map(|p| p.entry_id).collect::<Vec<_>>()
    );
    assert_eq!(seen.into_iter().map(|s| s.entry).collect::<Vec<_>>(), batch);

    // A statement of one account: every entry touching it, oldest first.
    let dues = store
        .account_entries(org.id, &code("odf:income:dues"), Page::first(100))
        .await
        .expect("account entries");
    let odd: Vec<_> = posted
        .iter()
        .skip(1)
        .step_by(2)
        .map(|p| p.entry_id)
        .collect();
    assert_eq!(dues.iter().map(|s| s.id).collect::<Vec<_>>(), odd);
    let first_five = store
        .account_entries(org.id, &code("odf:bank"), Page::first(5))
        .await
        .expect("account entries page");
    assert_eq!(first_five.len(), 5);
    assert_eq!(first_five[0].id, posted[0].entry_id);
    assert!(matches!(
        store.entry(org.id, posted[24].entry_id + 1_000).await,
        Err(StoreError::NotFound { .. })
    ));
}

/// `Store::account_entries_dated`: the entries touching one account dated in a window of
/// days, whole (their other accounts too), oldest first, paged by entry; figures by hand, and
/// every answer equal to the plain computation (`store::plain_account_entries_dated`).
pub async fn check_an_accounts_entries_in_a_window_of_days(store: Arc<dyn Store>) {
    let org = new_org(&*store, "dated").await;
    let trust = "fund:trust-bank:development";
    let before = entry_on(
        "before",
        date(2025, 2, 28),
        &[(trust, 11), ("fund:development", -11)],
    );
    let first = entry_on(
        "first",
        date(2025, 3, 1),
        &[(trust, 1_000), ("fund:development", -1_000)],
    );
    let elsewhere = entry_on(
        "elsewhere",
        date(2025, 3, 15),
        &[("odf:bank", 5), ("odf:equity", -5)],
    );
    // Two postings on the account in one entry: the entry comes once, whole.
    let split = entry_on(
        "split",
        date(2025, 4, 10),
        &[(trust, 300), ("fund:development", -500), (trust, 200)],
    );
    let on_the_last_day = entry_on(
        "last-day",
        date(2025, 5, 31),
        &[(trust, -40), ("fund:development", 40)],
    );
    let after = entry_on(
        "after",
        date(2025, 6, 1),
        &[(trust, 7), ("fund:development", -7)],
    );
    let mut ids = Vec::new();
    for e in [
        &before,
        &first,
        &elsewhere,
        &split,
        &on_the_last_day,
        &after,
    ] {
        ids.push(store.post(org.id, e).await.expect("post").entry_id);
    }
    let key = ledger::IdempotencyKey::parse("first:reversal").expect("key");
    let reversal = first.reversal(ids[1], key, date(2025, 4, 1));
    let reversed = store
        .post(org.id, &reversal)
        .await
        .expect("reversal")
        .entry_id;

    let (from, until) = (date(2025, 3, 1), date(2025, 6, 1));
    let account = code(trust);
    let expected = vec![
        (ids[1], first),
        (ids[3], split),
        (ids[4], on_the_last_day),
        (reversed, reversal),
    ];
    let dated = |from, until, page| {
        let store = store.clone();
        let account = account.clone();
        async move {
            let got = store
                .account_entries_dated(org.id, &account, from, until, page)
                .await;
            let plain =
                store::plain_account_entries_dated(&*store, org.id, &account, (from, until), page)
                    .await;
            assert_eq!(
                format!("{got:?}"),
                format!("{plain:?}"),
                "the backend and the plain computation"
            );
            got
        }
    };
    let all = dated(from, until, Page::first(100))
        .await
        .expect("entries in the window");
    let pairs: Vec<_> = all.iter().map(|s| (s.id, s.entry.clone())).collect();
    assert_eq!(pairs, expected);
    // One entry a page, then two.
    for size in [1, 2] {
        let mut paged = Vec::new();
        let mut page = Page::first(size);
        loop {
            let got = dated(from, until, page).await.expect("a page");
            assert!(got.len() <= size as usize);
            let Some(last) = got.last() else { break };
            page.after_id = last.id;
            paged.extend(got.into_iter().map(|s| (s.id, s.entry)));
        }
        assert_eq!(paged, expected);
    }
    // A page starting inside the window; an empty window; a reversed window.
    let mut page = Page::first(100);
    page.after_id = ids[3];
    let rest = dated(from, until, page)
        .await
        .expect("after the split entry");
    assert_eq!(
        rest.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![ids[4], reversed]
    );
    assert!(dated(until, until, Page::first(100))
        .await
        .expect("empty")
        .is_empty());
    assert!(dated(until, from, Page::first(100))
        .await
        .expect("reversed")
        .is_empty());
    assert!(matches!(
        dated(from, until, Page::first(0)).await.map(|v| v.len()),
        Ok(0)
    ));
    // An account not open, another organisation's account.
    assert!(matches!(
        store
            .account_entries_dated(org.id, &code("odf:nope"), from, until, Page::first(10))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let other = new_org(&*store, "dated-other").await;
    let theirs = store
        .account_entries_dated(other.id, &account, from, until, Page::first(100))
        .await
        .expect("the other organisation's own account");
    assert!(theirs.is_empty());
}

/// `Store::reversal_of`: the entry that reverses another, None for one not reversed (a
/// reversal itself included), NotFound for an entry that is not this organisation's.
pub async fn check_the_reversal_of_an_entry_is_found(store: Arc<dyn Store>) {
    let org = new_org(&*store, "reversal-of").await;
    let mistake = entry("rev-of:mistake", &[("odf:bank", 700), ("odf:equity", -700)]);
    let kept = entry("rev-of:kept", &[("odf:bank", 90), ("odf:equity", -90)]);
    let m = store
        .post(org.id, &mistake)
        .await
        .expect("mistake")
        .entry_id;
    let k = store.post(org.id, &kept).await.expect("kept").entry_id;
    assert_eq!(store.reversal_of(org.id, m).await.expect("not yet"), None);
    let key = ledger::IdempotencyKey::parse("rev-of:mistake:reversal").expect("key");
    let r = store
        .post(org.id, &mistake.reversal(m, key, mistake.date()))
        .await
        .expect("reversal")
        .entry_id;
    assert_eq!(
        store.reversal_of(org.id, m).await.expect("reversed"),
        Some(r)
    );
    assert_eq!(store.reversal_of(org.id, k).await.expect("kept"), None);
    assert_eq!(
        store.reversal_of(org.id, r).await.expect("the reversal"),
        None
    );
    // Another organisation sees neither the entry nor its reversal.
    let other = new_org(&*store, "reversal-of-other").await;
    assert!(matches!(
        store.reversal_of(other.id, m).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.reversal_of(org.id, r + 1_000_000).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn check_a_balance_overflow_is_refused_not_wrapped(store: Arc<dyn Store>) {
    let org = new_org(&*store, "overflow").await;
    let max = entry("max", &[("odf:bank", i64::MAX), ("odf:equity", -i64::MAX)]);
    store
        .post(org.id, &max)
        .await
        .expect("a balance of i64::MAX fits");
    let before = store.balances(org.id).await.expect("balances");
    let one_more = entry("one-more", &[("odf:bank", 1), ("odf:equity", -1)]);
    let result = store.post(org.id, &one_more).await;
    assert!(
        result.is_err(),
        "overflowing a balance must fail: {result:?}"
    );
    let in_batch = store
        .post_batch(
            org.id,
            &[
                entry(
                    "small",
                    &[("odf:income:dues", 1), ("odf:expense:operations", -1)],
                ),
                one_more,
            ],
        )
        .await;
    assert!(in_batch.is_err(), "overflow inside a batch must fail");
    assert_eq!(store.balances(org.id).await.expect("balances"), before);
    assert_eq!(
        store.account_balance(org.id, &code("odf:bank")).await.ok(),
        Some(i64::MAX)
    );
    assert_eq!(entry_count(&*store, org.id).await, 1);
    // The negative end: odf:equity is at -i64::MAX; one more centavo is i64::MIN, which
    // fits; one more after that does not (in floating point it would round back to i64::MIN).
    let to_min = entry("to-min", &[("odf:equity", -1), ("odf:income:dues", 1)]);
    store.post(org.id, &to_min).await.expect("i64::MIN fits");
    assert_eq!(
        store
            .account_balance(org.id, &code("odf:equity"))
            .await
            .ok(),
        Some(i64::MIN)
    );
    let below_min = entry("below-min", &[("odf:equity", -1), ("odf:income:dues", 1)]);
    assert!(
        store.post(org.id, &below_min).await.is_err(),
        "a balance below i64::MIN must fail"
    );
    assert_eq!(
        store
            .account_balance(org.id, &code("odf:equity"))
            .await
            .ok(),
        Some(i64::MIN)
    );
    assert_eq!(entry_count(&*store, org.id).await, 2);
    assert_books_sound(&*store, org.id).await;
}
