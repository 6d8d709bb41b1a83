//! Use cases against an in-memory SQLite store: dues (R-ORG-6), leaving (R-ORG-2), roles
//! (R-ORG-5), posting with idempotency, and the all-or-nothing members import.

use app::{App, AppError};
use chrono::NaiveDate;
use ledger::{AccountCode, EntryDraft, Money, Posting};
use registry::{NewRoleAssignment, Role};
use std::sync::Arc;
use store::{Page, Store, StoreError};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A union of `members` members (no dues posted yet) and its id.
async fn union(members: u32) -> (App, i64) {
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let app = App::new(store);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = members;
    spec.dues_months = 0;
    app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    let org = app.store().orgs().await.unwrap().remove(0);
    (app, org.id)
}

async fn first_member(app: &App, org_id: i64) -> registry::Member {
    app.store()
        .members(org_id, Page::first(1))
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn r_org_6_dues_are_charged_once_per_period_to_active_members_and_paid_down() {
    let (app, org_id) = union(30).await;
    let on = day(2025, 12, 1); // every demo member has joined by then
    let charged = app.charge_dues(org_id, "2025-12", on).await.unwrap();
    assert_eq!(charged, 30);
    // Charging the same period again charges nobody twice.
    assert_eq!(app.charge_dues(org_id, "2025-12", on).await.unwrap(), 0);

    let m = first_member(&app, org_id).await;
    let dues = app
        .store()
        .org(org_id)
        .await
        .unwrap()
        .data
        .dues_amount_minor;
    assert_eq!(app.dues_arrears_minor(org_id, m.id).await.unwrap(), dues);
    app.pay_dues(org_id, m.id, dues, on, "pay-1").await.unwrap();
    assert_eq!(app.dues_arrears_minor(org_id, m.id).await.unwrap(), 0);
    app.checked_trial_balance(org_id).await.unwrap();
}

#[tokio::test]
async fn r_org_6_a_member_who_left_is_not_charged_and_a_negative_payment_is_refused() {
    let (app, org_id) = union(10).await;
    let m = first_member(&app, org_id).await;
    app.record_leave(
        org_id,
        m.id,
        day(2025, 6, 30),
        "Se mudó a Puebla",
        &app::Actor::cli(),
    )
    .await
    .unwrap();
    assert_eq!(
        app.charge_dues(org_id, "2025-12", day(2025, 12, 1))
            .await
            .unwrap(),
        9
    );
    assert_eq!(app.dues_arrears_minor(org_id, m.id).await.unwrap(), 0);
    let err = app
        .pay_dues(org_id, m.id, -100, day(2025, 12, 2), "neg")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("amount"), "{err}");
}

#[tokio::test]
async fn r_org_2_leaving_keeps_history_needs_a_reason_and_happens_once() {
    let (app, org_id) = union(5).await;
    let m = first_member(&app, org_id).await;
    let err = app
        .record_leave(org_id, m.id, day(2025, 6, 30), "  ", &app::Actor::cli())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    let err = app
        .record_leave(org_id, m.id, day(1990, 1, 1), "antes", &app::Actor::cli())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("left_on"), "{err}");
    let left = app
        .record_leave(
            org_id,
            m.id,
            day(2025, 6, 30),
            "Cambio de oficio",
            &app::Actor::cli(),
        )
        .await
        .unwrap();
    assert_eq!(left.left_on, Some(day(2025, 6, 30)));
    assert_eq!(
        app.store().count_members(org_id).await.unwrap(),
        5,
        "history is kept"
    );
    assert!(matches!(
        app.record_leave(
            org_id,
            m.id,
            day(2025, 7, 1),
            "otra vez",
            &app::Actor::cli()
        )
        .await,
        Err(AppError::Store(StoreError::Conflict { .. }))
    ));
}

#[tokio::test]
async fn r_org_5_a_role_names_its_holder_and_a_member_must_be_active_in_this_odf() {
    let (app, org_id) = union(5).await;
    let m = first_member(&app, org_id).await;
    let role = |name: &str, member_id| NewRoleAssignment {
        person_name: name.to_string(),
        member_id,
        role: Role::SpecialisedCommittee(registry::Committee::Financing),
        from: day(2025, 6, 1),
    };
    assert!(app
        .assign_role(org_id, role("", None), &app::Actor::cli())
        .await
        .is_err());
    let given = app
        .assign_role(org_id, role("Socia", Some(m.id)), &app::Actor::cli())
        .await
        .unwrap();
    assert_eq!(given.member_id, Some(m.id));
    // A member of another organisation answers exactly like a missing one (R-ORG-1).
    let other = app
        .store()
        .create_org(&demo::org(&demo::DemoSpec::national(), 1).org)
        .await
        .unwrap();
    // Ids may be numbered per organisation, so take one that exists only in the other ODF.
    let mut spec = demo::DemoSpec::morelos_union();
    spec.seed = 5;
    spec.members_per_org = 8;
    app.store()
        .import_members(other.id, &demo::org(&spec, 0).members, &[])
        .await
        .unwrap();
    let ours: Vec<i64> = app
        .store()
        .members(org_id, Page::first(100))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let theirs = app
        .store()
        .members(other.id, Page::first(100))
        .await
        .unwrap();
    let outsider_id = theirs
        .iter()
        .map(|m| m.id)
        .find(|id| !ours.contains(id))
        .unwrap();
    let missing = app
        .assign_role(org_id, role("Nadie", Some(outsider_id)), &app::Actor::cli())
        .await
        .unwrap_err();
    let absent = app
        .assign_role(org_id, role("Nadie", Some(i64::MAX)), &app::Actor::cli())
        .await
        .unwrap_err();
    assert!(
        matches!(missing, AppError::Store(StoreError::NotFound { .. })),
        "{missing}"
    );
    assert_eq!(
        missing.to_string().replace(&outsider_id.to_string(), "ID"),
        absent.to_string().replace(&i64::MAX.to_string(), "ID")
    );
}

fn transfer(key: &str, amount_minor: i64) -> EntryDraft {
    EntryDraft {
        idempotency_key: key.into(),
        reason: "manual.transfer".into(),
        rule_id: "MANUAL".into(),
        date: day(2025, 3, 1),
        memo: "Traspaso".into(),
        postings: vec![
            Posting::new(
                AccountCode::parse("odf:bank").unwrap(),
                Money::mxn(amount_minor),
            ),
            Posting::new(
                AccountCode::parse("odf:equity").unwrap(),
                Money::mxn(-amount_minor),
            ),
        ],
        reverses: None,
    }
}

#[tokio::test]
async fn posting_is_idempotent_by_key_and_refuses_what_does_not_balance() {
    let (app, org_id) = union(1).await;
    let first = app
        .post_entry(org_id, transfer("t-1", 10_000))
        .await
        .unwrap();
    let again = app
        .post_entry(org_id, transfer("t-1", 10_000))
        .await
        .unwrap();
    assert_eq!((again.entry_id, again.created), (first.entry_id, false));
    assert!(matches!(
        app.post_entry(org_id, transfer("t-1", 20_000)).await,
        Err(AppError::Store(StoreError::Conflict { .. }))
    ));
    let mut unbalanced = transfer("t-2", 10_000);
    unbalanced.postings[1].amount = Money::mxn(-9_999);
    assert!(matches!(
        app.post_entry(org_id, unbalanced).await,
        Err(AppError::Ledger(ledger::LedgerError::Unbalanced { .. }))
    ));
    let bank = AccountCode::parse("odf:bank").unwrap();
    assert_eq!(
        app.store().account_balance(org_id, &bank).await.unwrap(),
        10_000
    );
}

#[tokio::test]
async fn r_org_2_an_import_with_bad_rows_writes_nothing_and_names_every_line() {
    let (app, org_id) = union(1).await;
    let csv = format!(
        "{}\nNOTACURP,,Ana,López,F,1990-01-01,Tlayacapan,Morelos,alfarería,3,micro_producer,,2025-01-01,2025-01-01\n",
        registry::import::members_csv_header()
    );
    match app
        .import_members_csv(org_id, &csv, day(2026, 1, 1), &app::Actor::cli())
        .await
    {
        Err(AppError::Rows(rows)) => assert!(
            rows.iter()
                .any(|r| r.contains("line 2") && r.contains("curp")),
            "{rows:?}"
        ),
        other => panic!("expected row errors, got {other:?}"),
    }
    assert_eq!(app.store().count_members(org_id).await.unwrap(), 1);
    assert!(matches!(
        app.import_members_csv(org_id + 1_000, &csv, day(2026, 1, 1), &app::Actor::cli())
            .await,
        Err(AppError::Store(StoreError::NotFound { .. }))
    ));
}

#[tokio::test]
async fn a_mistake_is_undone_by_a_reversal_never_an_edit() {
    let (app, org_id) = union(1).await;
    let posted = app
        .post_entry(org_id, transfer("t-9", 12_345))
        .await
        .unwrap();
    let reversed = app
        .reverse_entry(org_id, posted.entry_id, "t-9:reversa", day(2025, 3, 2))
        .await
        .unwrap();
    assert!(reversed.created);
    // Same key again: the first reversal, nothing new.
    let again = app
        .reverse_entry(org_id, posted.entry_id, "t-9:reversa", day(2025, 3, 2))
        .await
        .unwrap();
    assert_eq!((again.entry_id, again.created), (reversed.entry_id, false));
    // Another key: the entry was reversed already; a second reversal would book the money
    // back twice, so it is refused naming the field, and nothing is posted.
    let before = app.store().balances(org_id).await.unwrap();
    let twice = app
        .reverse_entry(org_id, posted.entry_id, "t-9:otra-reversa", day(2025, 3, 4))
        .await
        .unwrap_err();
    assert_eq!(twice.field(), Some("entry_id"), "{twice}");
    assert_eq!(app.store().balances(org_id).await.unwrap(), before);
    // A reversal is not reversed again; a new entry is posted instead.
    assert!(app
        .reverse_entry(org_id, reversed.entry_id, "t-9:rr", day(2025, 3, 3))
        .await
        .is_err());
    // Both entries stay in the history; the account is back to zero.
    let bank = AccountCode::parse("odf:bank").unwrap();
    let statement = app
        .account_statement(org_id, &bank, Page::first(100))
        .await
        .unwrap();
    let amounts: Vec<i64> = statement
        .lines
        .iter()
        .map(|l| l.amount.amount_minor())
        .collect();
    assert_eq!(amounts, vec![12_345, -12_345]);
    assert_eq!(statement.lines.last().unwrap().balance_minor, 0);
    let original = app.store().entry(org_id, posted.entry_id).await.unwrap();
    assert_eq!(
        original.entry.postings()[0].amount.amount_minor(),
        12_345,
        "the original is unchanged"
    );
}

/// R-FUND-3, R-GOV-2: the demo's Fund year spends the Competition Sub-Fund under one board
/// decision per spend; a load killed between the decision and the spend, run again, finds
/// that decision (never a second one).
#[tokio::test]
async fn r_fund_3_a_demo_reloaded_after_a_kill_between_decision_and_spend_decides_once() {
    let store: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    let app = App::new(store);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = 30;
    spec.dues_months = 0;
    app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    let org_id = app.store().orgs().await.unwrap().remove(0).id;
    // The first spend is in month 2: its decision is recorded, then the process "dies".
    let (_, purpose, amount_minor) = demo::fund::spending(2).unwrap();
    let period =
        fund::Period::containing(demo::fund::month(&spec, 2), fund::PeriodSettings::default());
    let board: Vec<_> = app
        .store()
        .roles(org_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.role == Role::BoardMember && r.until.is_none())
        .map(|r| (r.id, governance::Vote::For))
        .collect();
    let minutes = governance::Minutes {
        kind: governance::ProposalKind::Expenditure,
        subject: format!("competition:{period}"),
        purpose: purpose.into(),
        amount_minor,
        decided_on: demo::fund::month(&spec, 2),
        votes: board,
    };
    app.record_board_decision(org_id, &app::Actor::new("demo", "demo"), minutes)
        .await
        .unwrap();
    spec.dues_months = 3;
    for _ in 0..2 {
        app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
        let decided: Vec<_> = app
            .proposals(org_id)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.proposal.subject.starts_with("competition:"))
            .collect();
        assert_eq!(decided.len(), 1, "one decision for the one spend");
        let state = app.fund_state(org_id).await.unwrap();
        assert_eq!(state.competition_spent_minor, amount_minor);
    }
}

/// R-ORG-5: a demo load killed between two role assignments (each its own commit), run again,
/// assigns the roles still missing: the board ends as in an uninterrupted load (before, the
/// re-run saw some roles and assigned none, and the board's first vote found no seats).
#[tokio::test]
async fn r_org_5_a_demo_reloaded_after_a_kill_among_the_roles_assigns_the_rest() {
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = 30;
    spec.dues_months = 0;
    let roles_of = |app: App| async move {
        let org_id = app.store().orgs().await.unwrap().remove(0).id;
        let mut roles: Vec<_> = app
            .store()
            .roles(org_id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.person_name, r.member_id, r.role, r.from))
            .collect();
        roles.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        roles
    };
    let whole = App::new(Arc::new(
        store_sqlite::SqliteStore::open_in_memory().await.unwrap(),
    ));
    whole.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();

    // The killed load: the organisation, its members and the first two roles only.
    let killed = App::new(Arc::new(
        store_sqlite::SqliteStore::open_in_memory().await.unwrap(),
    ));
    let plan = demo::org(&spec, 0);
    let org = killed.store().create_org(&plan.org).await.unwrap();
    killed
        .store()
        .import_members(org.id, &plan.members, &[])
        .await
        .unwrap();
    let ids: Vec<i64> = killed
        .store()
        .members(org.id, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let planned = plan.roles_for(&ids);
    assert!(planned.len() > 2, "the demo plans more than two roles");
    for role in &planned[..2] {
        killed.store().assign_role(org.id, role, &[]).await.unwrap();
    }
    killed.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    let expected = roles_of(whole).await;
    assert_eq!(expected.len(), planned.len());
    assert_eq!(roles_of(killed).await, expected);
}

/// The organisation's events of `kind`, oldest first.
async fn events_of(app: &App, org_id: i64, kind: &str) -> Vec<store::StoredEvent> {
    app.store()
        .events(org_id, None, Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.kind == kind)
        .collect()
}

async fn event_count(app: &App, org_id: i64) -> usize {
    app.store()
        .events(org_id, None, Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .len()
}

/// Issue 5 item 7: every change a user makes is in the log with who and from where, the
/// registry's included (R-ORG-2 import and leaving, R-ORG-5 roles); a refused change leaves
/// nothing, and the same change again (a retried request) leaves no second event.
#[tokio::test]
async fn issue_5_each_registry_change_is_one_event_with_who_did_it_and_a_refused_one_none() {
    let (app, org_id) = union(3).await;
    let staff = app::Actor::new("lucia.staff", "192.0.2.7");
    let who = |e: &store::StoredEvent| (e.event.actor.clone(), e.event.origin.clone());
    let staff_who = ("lucia.staff".to_string(), "192.0.2.7".to_string());

    // Import: two new members from a file, one `members.imported` naming them.
    let mut spec = demo::DemoSpec::morelos_union();
    spec.seed = 77;
    spec.members_per_org = 2;
    let newcomers = demo::org(&spec, 0).members;
    let mut csv = registry::import::members_csv_header().to_string();
    for m in &newcomers {
        csv.push('\n');
        csv.push_str(&registry::import::member_to_csv_row(m));
    }
    csv.push('\n');
    let before = event_count(&app, org_id).await;
    let outcome = app
        .import_members_csv(org_id, &csv, day(2026, 1, 1), &staff)
        .await
        .unwrap();
    assert_eq!(outcome.created, 2);
    let imported = events_of(&app, org_id, "members.imported").await;
    let ours: Vec<_> = imported.iter().filter(|e| who(e) == staff_who).collect();
    assert_eq!(ours.len(), 1, "one event for the file");
    assert_eq!(ours[0].event.stream, "members");
    let payload: serde_json::Value = serde_json::from_str(&ours[0].event.payload).unwrap();
    assert_eq!(payload["rows"], 2);
    assert_eq!(payload["curps"][1], newcomers[1].curp.as_str());
    assert_eq!(payload["truncated"], false);
    assert_eq!(event_count(&app, org_id).await, before + 1);
    // The same file again: nothing new, no second event.
    app.import_members_csv(org_id, &csv, day(2026, 1, 1), &staff)
        .await
        .unwrap();
    assert_eq!(event_count(&app, org_id).await, before + 1);

    // Leaving.
    let m = first_member(&app, org_id).await;
    app.record_leave(org_id, m.id, day(2025, 6, 30), "Se mudó a Puebla", &staff)
        .await
        .unwrap();
    let left = events_of(&app, org_id, "member.left").await;
    assert_eq!(left.len(), 1);
    assert_eq!(who(&left[0]), staff_who);
    assert_eq!(
        (left[0].event.stream.as_str(), left[0].event.key.as_str()),
        (
            format!("member:{}", m.id).as_str(),
            format!("member:{}:left", m.id).as_str()
        )
    );
    let payload: serde_json::Value = serde_json::from_str(&left[0].event.payload).unwrap();
    assert_eq!(payload["member_id"], m.id);
    assert_eq!(payload["left_on"], "2025-06-30");
    assert_eq!(payload["reason"], "Se mudó a Puebla");

    // A role given and ended.
    let holder = app
        .store()
        .members(org_id, Page::first(2))
        .await
        .unwrap()
        .remove(1);
    let seat = app
        .assign_role(
            org_id,
            NewRoleAssignment {
                person_name: "Rosa Tapia".into(),
                member_id: Some(holder.id),
                role: Role::SpecialisedCommittee(registry::Committee::Financing),
                from: day(2025, 6, 1),
            },
            &staff,
        )
        .await
        .unwrap();
    let assigned = events_of(&app, org_id, "role.assigned").await;
    let ours: Vec<_> = assigned.iter().filter(|e| who(e) == staff_who).collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].event.stream, "roles");
    let payload: serde_json::Value = serde_json::from_str(&ours[0].event.payload).unwrap();
    assert_eq!(payload["member_id"], holder.id);
    assert_eq!(payload["person_name"], "Rosa Tapia");
    assert_eq!(payload["role"], "specialised_committee:financing");
    assert_eq!(payload["from"], "2025-06-01");
    app.end_role(org_id, seat.id, day(2026, 5, 31), &staff)
        .await
        .unwrap();
    let ended = events_of(&app, org_id, "role.ended").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(who(&ended[0]), staff_who);
    assert_eq!(ended[0].event.key, format!("role:{}:ended", seat.id));
    let payload: serde_json::Value = serde_json::from_str(&ended[0].event.payload).unwrap();
    assert_eq!(payload["assignment_id"], seat.id);
    assert_eq!(payload["until"], "2026-05-31");
    let after_four = event_count(&app, org_id).await;
    assert_eq!(after_four, before + 4, "one event per change");

    // Refused changes leave no event: leaving twice, ending twice, a bad file.
    assert!(matches!(
        app.record_leave(org_id, m.id, day(2025, 7, 1), "otra vez", &staff)
            .await,
        Err(AppError::Store(StoreError::Conflict { .. }))
    ));
    assert!(matches!(
        app.end_role(org_id, seat.id, day(2026, 6, 30), &staff)
            .await,
        Err(AppError::Store(StoreError::Conflict { .. }))
    ));
    let bad = format!(
        "{}\nNOTACURP,,Ana,López,F,1990-01-01,Tlayacapan,Morelos,alfarería,3,micro_producer,,2025-01-01,2025-01-01\n",
        registry::import::members_csv_header()
    );
    assert!(matches!(
        app.import_members_csv(org_id, &bad, day(2026, 1, 1), &staff)
            .await,
        Err(AppError::Rows(_))
    ));
    // The same leave and the same end again (a retried request) are no-ops.
    app.record_leave(org_id, m.id, day(2025, 6, 30), "Se mudó a Puebla", &staff)
        .await
        .unwrap();
    app.end_role(org_id, seat.id, day(2026, 5, 31), &staff)
        .await
        .unwrap();
    assert_eq!(event_count(&app, org_id).await, after_four);
    assert_eq!(
        app.store().members(org_id, Page::first(100)).await.unwrap()[0].leave_reason,
        Some("Se mudó a Puebla".to_string())
    );
}
