//! PostgreSQL-specific checks beyond the shared conformance suite: concurrency (no lost
//! update on hot accounts, idempotency races), the retry path, batch limits, tenant isolation
//! and the raw baseline. Each test runs on a fresh database (tests/common).

mod common;

use chrono::NaiveDate;
use ledger::{Account, AccountCode, AccountKind, AccountOwner, Currency, EntryDraft, Money};
use ledger::{Posting, TrialBalance, ValidEntry};
use registry::{Curp, LetterOfCommitment, NewMember, Profile, Sex};
use sqlx::Connection;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{NewOrg, OrgId, Page, Store, StoreError, MAX_BATCH_ENTRIES};
use store_postgres::{baseline, PgStore};
use tokio::sync::Barrier;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

fn new_org(slug: &str) -> NewOrg {
    NewOrg {
        slug: slug.to_string(),
        name: format!("ODF {slug}"),
        group_name: "Grupo".into(),
        state: "Morelos".into(),
        municipality: "Cuernavaca".into(),
        trade: "alfarería".into(),
        founded_on: day(),
        currency: Currency::MXN,
        dues_amount_minor: 5_000,
        dues_period_months: 1,
    }
}

fn code(text: &str) -> AccountCode {
    AccountCode::parse(text).unwrap()
}

fn asset(text: &str, currency: Currency) -> Account {
    Account {
        code: code(text),
        kind: AccountKind::Asset,
        owner: AccountOwner::Odf,
        currency,
        name: text.to_string(),
    }
}

fn entry(key: &str, postings: &[(&str, i64)]) -> ValidEntry {
    EntryDraft {
        idempotency_key: key.into(),
        reason: "test.move".into(),
        rule_id: "MANUAL".into(),
        date: day(),
        memo: format!("memo {key}"),
        postings: postings
            .iter()
            .map(|(a, m)| Posting::new(code(a), Money::mxn(*m)))
            .collect(),
        reverses: None,
    }
    .validate(|_| Some(Currency::MXN))
    .unwrap()
}

/// A store on a fresh database with one organisation and `hot` extra MXN asset accounts
/// `hot:0..hot`. None = skip.
async fn setup(hot: usize) -> Option<(PgStore, common::TestDb, OrgId)> {
    let (store, db) = common::fresh_pg().await?;
    let org = store.create_org(&new_org("alfareros")).await.unwrap();
    let accounts: Vec<Account> = (0..hot)
        .map(|i| asset(&format!("hot:{i}"), Currency::MXN))
        .collect();
    store.open_accounts(org.id, &accounts).await.unwrap();
    Some((store, db, org.id))
}

async fn assert_books_sound(store: &PgStore, org_id: OrgId) -> TrialBalance {
    let materialised = store.balances(org_id).await.unwrap();
    let derived = store.derived_balances(org_id).await.unwrap();
    assert_eq!(
        materialised, derived,
        "materialised balances drifted from postings"
    );
    assert!(materialised.is_balanced());
    materialised
}

async fn count(store: &PgStore, sql: &str, org_id: OrgId) -> i64 {
    sqlx::query_scalar(sql)
        .bind(org_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_writers_on_ten_hot_accounts_lose_no_update() {
    let Some((store, _db, org)) = setup(10).await else {
        return;
    };
    const WRITERS: usize = 16;
    const PER_WRITER: usize = 60;
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(WRITERS));
    let mut expected: BTreeMap<String, i128> = BTreeMap::new();
    let mut plans = Vec::new();
    for w in 0..WRITERS {
        let mut mine = Vec::new();
        for i in 0..PER_WRITER {
            let from = (w + i) % 10;
            let to = (w * 3 + i * 7 + 1) % 10;
            let to = if to == from { (to + 1) % 10 } else { to };
            let amount = (w * 1_000 + i + 1) as i64;
            let (a, b) = (format!("hot:{to}"), format!("hot:{from}"));
            *expected.entry(a.clone()).or_default() += i128::from(amount);
            *expected.entry(b.clone()).or_default() -= i128::from(amount);
            mine.push(entry(&format!("w{w}-{i}"), &[(&a, amount), (&b, -amount)]));
        }
        plans.push(mine);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mine in plans {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            for e in &mine {
                let posted = store.post(org, e).await.unwrap();
                assert!(posted.created);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!(
        "hot accounts: {} entries in {elapsed:?} ({:.0}/s)",
        WRITERS * PER_WRITER,
        (WRITERS * PER_WRITER) as f64 / elapsed.as_secs_f64()
    );
    let tb = assert_books_sound(&store, org).await;
    for (account, want) in &expected {
        assert_eq!(
            tb.balance_minor(&code(account), Currency::MXN),
            *want,
            "{account}"
        );
        let one = store.account_balance(org, &code(account)).await.unwrap();
        assert_eq!(i128::from(one), *want, "{account}");
    }
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, (WRITERS * PER_WRITER) as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_racers_with_one_key_make_one_entry() {
    let Some((store, _db, org)) = setup(2).await else {
        return;
    };
    let store = Arc::new(store);
    for round in 0..5 {
        let e = entry(&format!("race-{round}"), &[("hot:0", 250), ("hot:1", -250)]);
        let barrier = Arc::new(Barrier::new(8));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (store, barrier, e) = (store.clone(), barrier.clone(), e.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.post(org, &e).await.unwrap()
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        let ids: BTreeSet<_> = results.iter().map(|p| p.entry_id).collect();
        assert_eq!(ids.len(), 1, "round {round}: {results:?}");
        assert_eq!(
            results.iter().filter(|p| p.created).count(),
            1,
            "{results:?}"
        );
    }
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, 5);
    assert_eq!(
        store.account_balance(org, &code("hot:0")).await.unwrap(),
        5 * 250
    );
    assert_books_sound(&store, org).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racers_with_one_key_and_different_payloads_get_one_winner_and_conflicts() {
    let Some((store, _db, org)) = setup(4).await else {
        return;
    };
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(8));
    let mut tasks = Vec::new();
    for i in 0..8i64 {
        // Different accounts too, so the racers do not queue on one lock.
        let (a, b) = (format!("hot:{}", i % 4), format!("hot:{}", (i + 1) % 4));
        let e = entry("contested", &[(&a, 100 + i), (&b, -100 - i)]);
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.post(org, &e).await
        }));
    }
    let mut created = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(p) if p.created => created += 1,
            Ok(p) => panic!("a different payload was taken for a repeat: {p:?}"),
            Err(StoreError::Conflict { what, .. }) => {
                assert!(what.contains("contested"), "{what}");
                conflicts += 1
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((created, conflicts), (1, 7));
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, 1);
    assert_books_sound(&store, org).await;
}

/// Another session locks the second account, the store locks the first and waits for the
/// second, then the other session asks for the first: a deadlock. The store's session waited
/// longest, so PostgreSQL picks it as the victim (40P01); the store retries and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_victim_is_retried_and_succeeds() {
    let Some((store, db, org)) = setup(2).await else {
        return;
    };
    let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    let lock =
        "SELECT balance_minor FROM balances WHERE org_id = $1 AND account_code = $2 FOR UPDATE";
    sqlx::query(lock)
        .bind(org)
        .bind("hot:1")
        .execute(&mut *tx)
        .await
        .unwrap();
    let store = Arc::new(store);
    let poster = {
        let store = store.clone();
        tokio::spawn(async move {
            let e = entry("deadlocked", &[("hot:0", 10), ("hot:1", -10)]);
            store.post(org, &e).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let other_side = sqlx::query(lock)
        .bind(org)
        .bind("hot:0")
        .execute(&mut *tx)
        .await;
    match other_side {
        // The store was the victim: its retry waits for this transaction to end.
        Ok(_) => tx.commit().await.unwrap(),
        Err(e) => {
            eprintln!("the other session was the deadlock victim this time: {e}");
            drop(tx);
        }
    }
    let posted = tokio::time::timeout(Duration::from_secs(30), poster)
        .await
        .expect("post did not finish")
        .unwrap()
        .unwrap();
    assert!(posted.created);
    assert_eq!(
        store.account_balance(org, &code("hot:0")).await.unwrap(),
        10
    );
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, 1);
    assert_books_sound(&store, org).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_all_or_nothing_and_skips_repeats() {
    let Some((store, _db, org)) = setup(3).await else {
        return;
    };
    let first = store
        .post(org, &entry("b-0", &[("hot:0", 5), ("hot:1", -5)]))
        .await
        .unwrap();
    let batch: Vec<ValidEntry> = (0..500)
        .map(|i| entry(&format!("b-{i}"), &[("hot:0", 5), ("hot:1", -5)]))
        .chain(std::iter::once(entry(
            "b-0",
            &[("hot:0", 5), ("hot:1", -5)],
        )))
        .collect();
    let posted = store.post_batch(org, &batch).await.unwrap();
    assert_eq!(posted.len(), 501);
    assert_eq!(posted[0].entry_id, first.entry_id);
    assert!(!posted[0].created);
    assert!(!posted[500].created);
    assert_eq!(posted[500].entry_id, first.entry_id);
    assert!(posted[1..500].iter().all(|p| p.created));
    assert!(
        posted[1..500]
            .windows(2)
            .all(|w| w[0].entry_id < w[1].entry_id),
        "ids follow batch order"
    );
    assert_eq!(
        store.account_balance(org, &code("hot:0")).await.unwrap(),
        500 * 5
    );

    // A bad account anywhere refuses the whole batch, naming the account.
    let mut bad: Vec<ValidEntry> = (0..10)
        .map(|i| entry(&format!("c-{i}"), &[("hot:0", 1), ("hot:2", -1)]))
        .collect();
    bad.push(entry("c-bad", &[("hot:0", 1), ("nowhere", -1)]));
    match store.post_batch(org, &bad).await {
        Err(StoreError::Invalid { what }) => assert!(what.contains("nowhere"), "{what}"),
        other => panic!("{other:?}"),
    }
    // A repeated key with a different payload refuses the whole batch too.
    let conflicting = vec![
        entry("d-1", &[("hot:0", 1), ("hot:2", -1)]),
        entry("b-3", &[("hot:0", 7), ("hot:2", -7)]),
    ];
    match store.post_batch(org, &conflicting).await {
        Err(StoreError::Conflict { what, .. }) => assert!(what.contains("b-3"), "{what}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.account_balance(org, &code("hot:2")).await.unwrap(), 0);
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, 500);

    let too_many: Vec<ValidEntry> = (0..=MAX_BATCH_ENTRIES)
        .map(|i| entry(&format!("x-{i}"), &[("hot:0", 1), ("hot:1", -1)]))
        .collect();
    assert!(matches!(
        store.post_batch(org, &too_many).await,
        Err(StoreError::Invalid { .. })
    ));
    assert_eq!(store.post_batch(org, &[]).await.unwrap(), vec![]);
    assert_books_sound(&store, org).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_batch_of_ten_thousand_lands_fast_and_sound() {
    let Some((store, _db, org)) = setup(10).await else {
        return;
    };
    let batch: Vec<ValidEntry> = (0..MAX_BATCH_ENTRIES)
        .map(|i| {
            let (a, b) = (format!("hot:{}", i % 10), format!("hot:{}", (i + 3) % 10));
            entry(
                &format!("big-{i}"),
                &[(&a, i as i64 + 1), (&b, -(i as i64) - 1)],
            )
        })
        .collect();
    let started = Instant::now();
    let posted = store.post_batch(org, &batch).await.unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "one batch of {MAX_BATCH_ENTRIES}: {elapsed:?} ({:.0} entries/s)",
        MAX_BATCH_ENTRIES as f64 / elapsed.as_secs_f64()
    );
    assert!(posted.iter().all(|p| p.created));
    let tb = assert_books_sound(&store, org).await;
    assert_eq!(tb, TrialBalance::from_entries(&batch));
    // Read back one page and one statement.
    let page = store.entries(org, Page::first(50)).await.unwrap();
    assert_eq!(page.len(), 50);
    assert_eq!(page[0].entry, batch[0]);
    let stmt = store
        .account_entries(org, &code("hot:3"), Page::first(5))
        .await
        .unwrap();
    assert_eq!(stmt.len(), 5);
    assert_eq!(stmt[0].entry, batch[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_is_append_only_and_every_posting_has_its_entry() {
    let Some((store, _db, org)) = setup(2).await else {
        return;
    };
    store
        .post(org, &entry("one", &[("hot:0", 5), ("hot:1", -5)]))
        .await
        .unwrap();
    let batch: Vec<ValidEntry> = (0..20)
        .map(|i| entry(&format!("b-{i}"), &[("hot:0", i + 1), ("hot:1", -i - 1)]))
        .collect();
    store.post_batch(org, &batch).await.unwrap();
    // Postings carry no foreign key (migration 6): the store writes them with their entry.
    let orphans = count(
        &store,
        "SELECT count(*) FROM postings p WHERE p.org_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM entries e WHERE e.org_id = p.org_id AND e.id = p.entry_id)",
        org,
    )
    .await;
    assert_eq!(orphans, 0);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM postings WHERE org_id = $1",
            org
        )
        .await,
        42
    );
    // History is never edited: the server refuses to change or delete an entry or a posting.
    for sql in [
        "UPDATE entries SET memo = 'changed' WHERE org_id = $1",
        "DELETE FROM entries WHERE org_id = $1",
        "UPDATE postings SET amount_minor = 1 WHERE org_id = $1",
        "DELETE FROM postings WHERE org_id = $1",
    ] {
        let refused = sqlx::query(sql).bind(org).execute(store.pool()).await;
        let message = refused.expect_err(sql).to_string();
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    let truncate = sqlx::query("TRUNCATE postings").execute(store.pool()).await;
    assert!(truncate.is_err(), "TRUNCATE postings");
    assert_books_sound(&store, org).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overflow_and_wrong_currency_are_refused_and_write_nothing() {
    let Some((store, _db, org)) = setup(2).await else {
        return;
    };
    store
        .open_accounts(org, &[asset("dollars", Currency::USD)])
        .await
        .unwrap();
    store
        .post(
            org,
            &entry("big", &[("hot:0", i64::MAX), ("hot:1", -i64::MAX)]),
        )
        .await
        .unwrap();
    match store
        .post(org, &entry("over", &[("hot:0", 1), ("hot:1", -1)]))
        .await
    {
        Err(StoreError::Invalid { what }) => assert!(what.contains("hot:0"), "{what}"),
        other => panic!("{other:?}"),
    }
    // Repeating the key posted before still answers as a repeat.
    let again = store
        .post(
            org,
            &entry("big", &[("hot:0", i64::MAX), ("hot:1", -i64::MAX)]),
        )
        .await
        .unwrap();
    assert!(!again.created);
    match store
        .post(org, &entry("usd", &[("dollars", 1), ("hot:1", -1)]))
        .await
    {
        Err(StoreError::Invalid { what }) => assert!(what.contains("dollars"), "{what}"),
        other => panic!("{other:?}"),
    }
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, 1);
    assert_eq!(
        store.account_balance(org, &code("hot:0")).await.unwrap(),
        i64::MAX
    );
    assert_books_sound(&store, org).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organisations_ids_read_as_missing() {
    let Some((store, _db, org_a)) = setup(2).await else {
        return;
    };
    let org_b = store.create_org(&new_org("tejedoras")).await.unwrap().id;
    let posted = store
        .post(org_a, &entry("a-1", &[("hot:0", 3), ("hot:1", -3)]))
        .await
        .unwrap();
    assert!(matches!(
        store.entry(org_b, posted.entry_id).await,
        Err(StoreError::NotFound { .. })
    ));
    let missing = store.entry(org_b, 987_654_321).await.unwrap_err();
    let foreign = store.entry(org_b, posted.entry_id).await.unwrap_err();
    assert_eq!(
        missing.to_string().replace("987654321", "ID"),
        foreign
            .to_string()
            .replace(&posted.entry_id.to_string(), "ID")
    );
    // Org B has no account hot:0: posting there is refused like any unknown account.
    match store
        .post(org_b, &entry("a-1", &[("hot:0", 3), ("hot:1", -3)]))
        .await
    {
        Err(StoreError::Invalid { what }) => assert!(what.contains("hot:0"), "{what}"),
        other => panic!("{other:?}"),
    }
    // The same key in another organisation is another entry.
    store
        .post(org_b, &entry("a-1", &[("odf:bank", 3), ("odf:equity", -3)]))
        .await
        .unwrap();
    assert!(store.entries(org_b, Page::first(10)).await.unwrap().len() == 1);
    assert!(matches!(
        store.account_balance(org_b, &code("hot:0")).await,
        Err(StoreError::NotFound { .. })
    ));
}

fn member(i: u32) -> NewMember {
    // Distinct valid CURPs: two varying letters, a varying birth date, the check digit.
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWZ";
    let a = LETTERS[(i % 24) as usize] as char;
    let b = LETTERS[(i / 24 % 24) as usize] as char;
    let dd = i / 576 % 28 + 1;
    let month = i / (576 * 28) % 12 + 1;
    let first17 = format!("GA{a}{b}80{month:02}{dd:02}MMSRLL0");
    let curp = Curp::with_check_digit(&first17).unwrap_or_else(|e| panic!("{first17}: {e}"));
    let birth = curp.birth_date().unwrap();
    NewMember {
        curp,
        rfc: None,
        given_names: format!("Socia {i}"),
        surnames: "Pérez López".into(),
        sex: Sex::Female,
        birth_date: birth,
        municipality: "Cuernavaca".into(),
        state: "Morelos".into(),
        trade: "alfarería".into(),
        household_size: 4,
        profile: Profile::MicroProducer,
        declared_programmes: BTreeSet::new(),
        joined_on: day(),
        letter: LetterOfCommitment { signed_on: day() },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_import_is_batched_and_opens_five_accounts_each() {
    let Some((store, _db, org)) = setup(0).await else {
        return;
    };
    let mut members: Vec<NewMember> = (0..2_000).map(member).collect();
    let curps: BTreeSet<_> = members.iter().map(|m| m.curp.clone()).collect();
    assert_eq!(curps.len(), members.len(), "test data has unique CURPs");
    let started = Instant::now();
    let outcome = store.import_members(org, &members, &[]).await.unwrap();
    eprintln!("import of 2000 members: {:?}", started.elapsed());
    assert_eq!((outcome.created, outcome.unchanged), (2_000, 0));
    assert_eq!(store.count_members(org).await.unwrap(), 2_000);
    let accounts = store.accounts(org).await.unwrap();
    assert_eq!(accounts.len(), Account::odf_chart().len() + 5 * 2_000);
    let again = store
        .import_members(org, &members[..10], &[])
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 10));
    let first = store
        .member_by_curp(org, members[0].curp.as_str())
        .await
        .unwrap();
    assert_eq!(first.data, members[0]);
    for account in Account::member_accounts(first.id) {
        assert_eq!(store.account_balance(org, &account.code).await.unwrap(), 0);
    }
    // Changed data for a known CURP refuses the whole import.
    members[5].household_size = 9;
    let fresh = member(5_000);
    match store
        .import_members(org, &[fresh.clone(), members[5].clone()], &[])
        .await
    {
        Err(StoreError::Conflict { what, .. }) => {
            assert!(what.contains(members[5].curp.as_str()), "{what}")
        }
        other => panic!("{other:?}"),
    }
    assert!(store
        .member_by_curp(org, fresh.curp.as_str())
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_baseline_writes_the_same_rows_without_balances() {
    let Some((store, _db, org)) = setup(2).await else {
        return;
    };
    let entries: Vec<ValidEntry> = (0..50)
        .map(|i| entry(&format!("raw-{i}"), &[("hot:0", 2), ("hot:1", -2)]))
        .collect();
    baseline::insert_raw(store.pool(), org, &entries[..25], true)
        .await
        .unwrap();
    baseline::insert_raw(store.pool(), org, &entries[25..], false)
        .await
        .unwrap();
    let stored = store.entries(org, Page::first(100)).await.unwrap();
    let read: Vec<ValidEntry> = stored.into_iter().map(|s| s.entry).collect();
    assert_eq!(read, entries);
    // No balances moved: that is what the baseline leaves out.
    assert_eq!(store.account_balance(org, &code("hot:0")).await.unwrap(), 0);
    assert_eq!(
        store.derived_balances(org).await.unwrap(),
        TrialBalance::from_entries(&entries)
    );
}

/// Throughput with 16 single-entry writers on distinct accounts; prints entries/s. The
/// benchmark proper lives with the CLI; this keeps an eye on it in every test run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_writers_on_distinct_accounts_report_throughput() {
    let Some((store, _db, org)) = setup(32).await else {
        return;
    };
    const WRITERS: usize = 16;
    const PER_WRITER: usize = 150;
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(WRITERS));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let (a, b) = (format!("hot:{}", 2 * w), format!("hot:{}", 2 * w + 1));
            let mine: Vec<ValidEntry> = (0..PER_WRITER)
                .map(|i| entry(&format!("t{w}-{i}"), &[(&a, 1), (&b, -1)]))
                .collect();
            barrier.wait().await;
            for e in &mine {
                store.post(org, e).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!(
        "distinct accounts: {} entries in {elapsed:?} ({:.0}/s)",
        WRITERS * PER_WRITER,
        (WRITERS * PER_WRITER) as f64 / elapsed.as_secs_f64()
    );
    let tb = assert_books_sound(&store, org).await;
    for w in 0..WRITERS {
        assert_eq!(
            tb.balance_minor(&code(&format!("hot:{}", 2 * w)), Currency::MXN),
            PER_WRITER as i128
        );
    }
}

/// Posts of one organisation beyond the few written at once wait and are written together in
/// one statement (group commit, `group.rs`): each still answers for itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_post_in_a_group_fails_alone_and_the_others_commit() {
    let Some((store, _db, org)) = setup(4).await else {
        return;
    };
    const POSTS: usize = 32;
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(POSTS));
    let mut tasks = Vec::new();
    for i in 0..POSTS {
        // Post 20 names an account that is not open; the rest move 10 between open ones.
        let to = if i == 20 { "nowhere:0" } else { "hot:1" };
        let e = entry(&format!("g{i}"), &[(to, 10), ("hot:0", -10)]);
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.post(org, &e).await
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let answer = task.await.unwrap();
        if i == 20 {
            match answer {
                Err(StoreError::Invalid { what }) => assert!(what.contains("nowhere:0"), "{what}"),
                other => panic!("post 20 should be refused: {other:?}"),
            }
        } else {
            assert!(answer.unwrap().created, "post {i}");
        }
    }
    let tb = assert_books_sound(&store, org).await;
    assert_eq!(tb.balance_minor(&code("hot:1"), Currency::MXN), 31 * 10);
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    assert_eq!(entries, 31);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_whose_callers_stop_waiting_do_not_hold_up_later_posts() {
    let Some((store, _db, org)) = setup(2).await else {
        return;
    };
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for i in 0..32 {
        let e = entry(&format!("c{i}"), &[("hot:1", 5), ("hot:0", -5)]);
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.post(org, &e).await }));
    }
    // Half the callers give up at once: some were writing, some waiting in a group.
    for task in tasks.iter().step_by(2) {
        task.abort();
    }
    for task in tasks.into_iter().skip(1).step_by(2) {
        assert!(task.await.unwrap().is_ok());
    }
    let later = entry("later", &[("hot:1", 7), ("hot:0", -7)]);
    let posted = tokio::time::timeout(Duration::from_secs(30), store.post(org, &later))
        .await
        .expect("a later post is not held up by abandoned ones")
        .unwrap();
    assert!(posted.created);
    let tb = assert_books_sound(&store, org).await;
    let entries = count(
        &store,
        "SELECT count(*) FROM entries WHERE org_id = $1",
        org,
    )
    .await;
    // The 16 kept posts and the later one; an abandoned post is written or not, never half.
    assert!((17..=33).contains(&entries), "{entries} entries");
    assert_eq!(
        tb.balance_minor(&code("hot:1"), Currency::MXN),
        i128::from((entries - 1) * 5 + 7)
    );
}
