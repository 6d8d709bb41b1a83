//! The domain-event log: `Store::commit`, `events` and `event_by_key`.

use crate::assert_error;
use crate::fixtures::{entry, new_org};
use chrono::{TimeZone, Utc};
use ledger::{Account, AccountCode, AccountKind, AccountOwner, Currency};
use std::sync::Arc;
use store::{Commit, NewEvent, Page, Store, PROGRAMME_ORG};

/// An event of `stream` with key `key` and a JSON payload.
pub(crate) fn event(stream: &str, key: &str, payload: &str) -> NewEvent {
    NewEvent {
        stream: stream.into(),
        kind: format!("{stream}.happened"),
        key: key.into(),
        payload: payload.into(),
        actor: "conformance".into(),
        origin: "test".into(),
        recorded_at: Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap(),
    }
}

pub async fn check_a_commit_appends_events_opens_accounts_and_posts_at_once(store: Arc<dyn Store>) {
    let org = new_org(&*store, "commit").await;
    let extra = Account {
        code: AccountCode::parse("odf:extra").unwrap(),
        kind: AccountKind::Asset,
        owner: AccountOwner::Odf,
        currency: Currency::MXN,
        name: "Extra".into(),
    };
    let commit = Commit {
        accounts: vec![extra.clone()],
        events: vec![event("plan:1", "plan:1:agreed", r#"{"target":2}"#)],
        entries: vec![entry("c-1", &[("odf:extra", 500), ("odf:bank", -500)])],
    };
    let done = store.commit(org.id, &commit).await.expect("commit");
    assert_eq!(done.events.len(), 1);
    assert!(done.events[0].1, "the event is new");
    assert!(done.posted[0].created);
    assert!(!done.was_replay());
    assert!(store.accounts(org.id).await.unwrap().contains(&extra));
    assert_eq!(
        store
            .account_balance(org.id, &AccountCode::parse("odf:extra").unwrap())
            .await
            .unwrap(),
        500
    );
    let read = store.events(org.id, None, Page::first(10)).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].event, commit.events[0]);
    assert_eq!(read[0].seq, done.events[0].0);
    let by_key = store.event_by_key(org.id, "plan:1:agreed").await.unwrap();
    assert_eq!(by_key, read[0]);
}

pub async fn check_recommitting_the_same_events_changes_nothing(store: Arc<dyn Store>) {
    let org = new_org(&*store, "recommit").await;
    let commit = Commit {
        events: vec![event("r", "r:1", "{}"), event("r", "r:2", "{}")],
        entries: vec![entry("r-e", &[("odf:bank", 7), ("odf:equity", -7)])],
        ..Commit::default()
    };
    let first = store.commit(org.id, &commit).await.unwrap();
    // Audit metadata differs on a re-run (another actor, another time): still a replay.
    let mut again = commit.clone();
    again.events[0].actor = "someone-else".into();
    again.events[0].recorded_at = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let second = store.commit(org.id, &again).await.unwrap();
    assert!(second.was_replay());
    assert_eq!(
        second.events.iter().map(|e| e.0).collect::<Vec<_>>(),
        first.events.iter().map(|e| e.0).collect::<Vec<_>>()
    );
    assert_eq!(
        store
            .events(org.id, None, Page::first(10))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store.entries(org.id, Page::first(10)).await.unwrap().len(),
        1
    );
}

pub async fn check_an_event_key_with_other_data_is_a_conflict_and_writes_nothing(
    store: Arc<dyn Store>,
) {
    let org = new_org(&*store, "evconflict").await;
    store
        .commit(
            org.id,
            &Commit {
                events: vec![event("s", "k:1", r#"{"a":1}"#)],
                ..Commit::default()
            },
        )
        .await
        .unwrap();
    let clash = Commit {
        events: vec![event("s", "k:2", "{}"), event("s", "k:1", r#"{"a":2}"#)],
        entries: vec![entry("clash", &[("odf:bank", 1), ("odf:equity", -1)])],
        ..Commit::default()
    };
    assert_error!(store.commit(org.id, &clash).await, Conflict, "k:1");
    assert_eq!(
        store
            .events(org.id, None, Page::first(10))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .entries(org.id, Page::first(10))
        .await
        .unwrap()
        .is_empty());
    assert_error!(store.event_by_key(org.id, "k:2").await, NotFound, "k:2");
}

pub async fn check_a_failing_entry_rolls_back_the_events(store: Arc<dyn Store>) {
    let org = new_org(&*store, "evrollback").await;
    let commit = Commit {
        events: vec![event("s", "lost", "{}")],
        entries: vec![entry("bad", &[("odf:nowhere", 1), ("odf:bank", -1)])],
        ..Commit::default()
    };
    assert_error!(store.commit(org.id, &commit).await, Invalid, "odf:nowhere");
    assert!(store
        .events(org.id, None, Page::first(10))
        .await
        .unwrap()
        .is_empty());
}

pub async fn check_events_are_read_by_stream_in_order_and_paged(store: Arc<dyn Store>) {
    let org = new_org(&*store, "evpage").await;
    let events: Vec<NewEvent> = (0..25)
        .map(|i| {
            event(
                if i % 2 == 0 { "even" } else { "odd" },
                &format!("e{i}"),
                "{}",
            )
        })
        .collect();
    store
        .commit(
            org.id,
            &Commit {
                events,
                ..Commit::default()
            },
        )
        .await
        .unwrap();
    let mut keys = Vec::new();
    let mut page = Page::first(5);
    loop {
        let got = store.events(org.id, Some("even"), page).await.unwrap();
        let Some(last) = got.last() else { break };
        page.after_id = last.seq;
        keys.extend(got.iter().map(|e| e.event.key.clone()));
        assert!(keys.len() <= 13, "paging terminates");
    }
    let expected: Vec<String> = (0..25).step_by(2).map(|i| format!("e{i}")).collect();
    assert_eq!(keys, expected);
    let all = store.events(org.id, None, Page::first(1000)).await.unwrap();
    assert_eq!(all.len(), 25);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
}

pub async fn check_events_of_one_organisation_are_invisible_to_another(store: Arc<dyn Store>) {
    let a = new_org(&*store, "eva").await;
    let b = new_org(&*store, "evb").await;
    let secret = Commit {
        events: vec![event("s", "same-key", r#"{"org":"a"}"#)],
        ..Commit::default()
    };
    store.commit(a.id, &secret).await.unwrap();
    assert!(store
        .events(b.id, None, Page::first(10))
        .await
        .unwrap()
        .is_empty());
    assert_error!(
        store.event_by_key(b.id, "same-key").await,
        NotFound,
        "same-key"
    );
    // The same key in another organisation is another event, not a conflict.
    let other = Commit {
        events: vec![event("s", "same-key", r#"{"org":"b"}"#)],
        ..Commit::default()
    };
    assert!(store.commit(b.id, &other).await.unwrap().events[0].1);
}

pub async fn check_the_programme_takes_events_but_unknown_orgs_take_nothing(store: Arc<dyn Store>) {
    let key = format!("programme-{}", new_org(&*store, "prog").await.data.slug);
    let done = store
        .commit(
            PROGRAMME_ORG,
            &Commit {
                events: vec![event("users", &key, "{}")],
                ..Commit::default()
            },
        )
        .await
        .unwrap();
    assert!(done.events[0].1);
    assert_eq!(
        store.event_by_key(PROGRAMME_ORG, &key).await.unwrap().seq,
        done.events[0].0
    );
    let posting = Commit {
        entries: vec![entry("p", &[("odf:bank", 1), ("odf:equity", -1)])],
        ..Commit::default()
    };
    assert_error!(
        store.commit(PROGRAMME_ORG, &posting).await,
        Invalid,
        "org_id"
    );
    let unknown = Commit {
        events: vec![event("s", "x", "{}")],
        ..Commit::default()
    };
    assert_error!(
        store.commit(987_654_321, &unknown).await,
        NotFound,
        "organisation"
    );
}

pub async fn check_commit_limits_name_the_field(store: Arc<dyn Store>) {
    let org = new_org(&*store, "evlimits").await;
    let huge = Commit {
        events: vec![event(
            "s",
            "big",
            &"x".repeat(store::MAX_EVENT_PAYLOAD_BYTES + 1),
        )],
        ..Commit::default()
    };
    assert_error!(store.commit(org.id, &huge).await, Invalid, "payload");
    let twice = Commit {
        events: vec![event("s", "dup", "{}"), event("s", "dup", "[]")],
        ..Commit::default()
    };
    assert_error!(store.commit(org.id, &twice).await, Conflict, "dup");
    assert!(matches!(
        store.commit(org.id, &Commit::default()).await,
        Ok(done) if done.was_replay()
    ));
}
