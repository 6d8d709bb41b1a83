//! Members (R-ORG-2) and roles (R-ORG-5).

use crate::assert_error;
use crate::events::event;
use crate::fixtures::{date, member, new_org};
use ledger::Account;
use registry::{Committee, NewRoleAssignment, Role};
use std::sync::Arc;
use store::{ImportOutcome, Page, Store, StoreError};

pub async fn check_import_registers_members_and_opens_their_accounts(store: Arc<dyn Store>) {
    let org = new_org(&*store, "import").await;
    let people: Vec<_> = (0..12).map(member).collect();
    let outcome = store
        .import_members(org.id, &people, &[])
        .await
        .expect("import");
    assert_eq!(
        outcome,
        ImportOutcome {
            created: 12,
            unchanged: 0
        }
    );
    assert_eq!(store.count_members(org.id).await.expect("count"), 12);
    let accounts = store.accounts(org.id).await.expect("accounts");
    assert_eq!(accounts.len(), Account::odf_chart().len() + 12 * 5);
    for new in &people {
        let m = store
            .member_by_curp(org.id, new.curp.as_str())
            .await
            .expect("member by CURP");
        assert_eq!(&m.data, new);
        assert_eq!(
            (m.org_id, m.left_on, m.leave_reason.clone()),
            (org.id, None, None)
        );
        assert_eq!(store.member(org.id, m.id).await.expect("member by id"), m);
        for account in Account::member_accounts(m.id) {
            assert!(accounts.contains(&account), "{} is open", account.code);
            assert_eq!(
                store.account_balance(org.id, &account.code).await.ok(),
                Some(0)
            );
        }
    }
}

pub async fn check_reimporting_the_same_members_changes_nothing(store: Arc<dyn Store>) {
    let org = new_org(&*store, "reimport").await;
    let people: Vec<_> = (0..8).map(member).collect();
    store
        .import_members(org.id, &people, &[])
        .await
        .expect("import");
    let members = store
        .members(org.id, Page::first(100))
        .await
        .expect("members");
    let accounts = store.accounts(org.id).await.expect("accounts");

    let outcome = store
        .import_members(org.id, &people, &[])
        .await
        .expect("re-import");
    assert_eq!(
        outcome,
        ImportOutcome {
            created: 0,
            unchanged: 8
        }
    );
    // Part old, part new: only the new are created.
    let mixed: Vec<_> = (6..10).map(member).collect();
    let outcome = store
        .import_members(org.id, &mixed, &[])
        .await
        .expect("mixed");
    assert_eq!(
        outcome,
        ImportOutcome {
            created: 2,
            unchanged: 2
        }
    );
    let after = store
        .members(org.id, Page::first(100))
        .await
        .expect("members");
    assert_eq!(&after[..8], &members[..], "existing members are untouched");
    assert_eq!(after.len(), 10);
    assert_eq!(
        store.accounts(org.id).await.expect("accounts").len(),
        accounts.len() + 2 * 5
    );
}

pub async fn check_a_curp_with_other_data_is_a_conflict_and_imports_nothing(store: Arc<dyn Store>) {
    let org = new_org(&*store, "curp").await;
    store
        .import_members(org.id, &[member(1), member(2)], &[])
        .await
        .expect("import");
    let accounts = store.accounts(org.id).await.expect("accounts").len();

    let mut changed = member(2);
    changed.surnames = "Otra Persona".into();
    let curp = changed.curp.as_str().to_string();
    assert_error!(
        store
            .import_members(org.id, &[member(3), changed.clone()], &[])
            .await,
        Conflict,
        &curp
    );
    assert_eq!(store.count_members(org.id).await.expect("count"), 2);
    assert!(matches!(
        store.member_by_curp(org.id, member(3).curp.as_str()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.accounts(org.id).await.expect("accounts").len(),
        accounts
    );
    assert_eq!(
        store
            .member_by_curp(org.id, &curp)
            .await
            .expect("unchanged")
            .data,
        member(2)
    );

    // The same CURP twice in one import with different data conflicts too.
    let mut twin = member(4);
    twin.household_size = 9;
    assert_error!(
        store.import_members(org.id, &[member(4), twin], &[]).await,
        Conflict,
        member(4).curp.as_str()
    );
    assert_eq!(store.count_members(org.id).await.expect("count"), 2);
}

pub async fn check_members_are_paged_by_id(store: Arc<dyn Store>) {
    let org = new_org(&*store, "paging").await;
    let people: Vec<_> = (0..25).map(member).collect();
    store
        .import_members(org.id, &people, &[])
        .await
        .expect("import");

    let mut seen = Vec::new();
    let mut page = Page::first(10);
    let mut sizes = Vec::new();
    loop {
        let got = store.members(org.id, page).await.expect("page");
        sizes.push(got.len());
        let Some(last) = got.last() else { break };
        page.after_id = last.id;
        seen.extend(got);
    }
    assert_eq!(sizes, vec![10, 10, 5, 0]);
    assert!(seen.windows(2).all(|w| w[0].id < w[1].id), "ordered by id");
    let mut curps: Vec<_> = seen.iter().map(|m| m.data.curp.clone()).collect();
    curps.sort();
    let mut expected: Vec<_> = people.iter().map(|m| m.curp.clone()).collect();
    expected.sort();
    assert_eq!(curps, expected);
    assert_eq!(store.count_members(org.id).await.expect("count"), 25);
}

pub async fn check_leaving_keeps_history_and_cannot_happen_twice(store: Arc<dyn Store>) {
    let (org, member_id) = org_with_two_members(&*store, "leave").await;
    let m = store.member(org.id, member_id).await.expect("member");
    let left_on = date(2026, 2, 15);
    let left = store
        .record_leave(org.id, m.id, left_on, "se mudó de municipio", &[])
        .await
        .expect("leave");
    assert_eq!(left.left_on, Some(left_on));
    assert_eq!(left.leave_reason.as_deref(), Some("se mudó de municipio"));
    assert_eq!(left.data, m.data, "leaving changes nothing else");
    assert_eq!(store.member(org.id, m.id).await.expect("still there"), left);
    assert_eq!(store.count_members(org.id).await.expect("count"), 2);
    assert!(!left.is_active_on(left_on) && left.is_active_on(date(2026, 2, 14)));

    assert_error!(
        store
            .record_leave(org.id, m.id, date(2026, 3, 1), "otra vez", &[])
            .await,
        Conflict,
        &m.id.to_string()
    );
    assert_eq!(store.member(org.id, m.id).await.expect("member"), left);
    assert!(matches!(
        store
            .record_leave(org.id, m.id + 1_000, left_on, "nadie", &[])
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

/// R-ORG-2 (issue 17): an edit changes only the editable fields, with its event in the same
/// transaction; the same events again answer the member; a refused edit writes nothing.
pub async fn check_an_edit_changes_the_editable_fields_with_its_event(store: Arc<dyn Store>) {
    let (org, member_id) = org_with_two_members(&*store, "edit").await;
    let before = store.member(org.id, member_id).await.expect("member");
    let mut edit = registry::MemberEdit::of(&before.data);
    edit.municipality = "Tlayacapan".into();
    edit.household_size = 6;
    edit.rfc = Some(registry::Rfc::parse("OEVL921024AB1").expect("rfc"));
    edit.declared_programmes
        .insert(registry::TargetProgramme::PopularArt);
    let edited = [event("member:x", "member:x:edited:1", r#"{"edit":1}"#)];
    let after = store
        .update_member(org.id, member_id, &edit, &edited)
        .await
        .expect("edit");
    assert_eq!(after.data.municipality, "Tlayacapan");
    assert_eq!(after.data.household_size, 6);
    assert_eq!(
        after.data.rfc.as_ref().map(|r| r.as_str()),
        Some("OEVL921024AB1")
    );
    assert!(after
        .data
        .declared_programmes
        .contains(&registry::TargetProgramme::PopularArt));
    assert_eq!(
        (&after.data.curp, after.data.joined_on, after.left_on),
        (&before.data.curp, before.data.joined_on, before.left_on),
        "identity and history stay"
    );
    assert_eq!(store.member(org.id, member_id).await.expect("read"), after);
    // A replay answers the member as they stand and writes nothing more.
    let again = store
        .update_member(org.id, member_id, &edit, &edited)
        .await
        .expect("replay");
    assert_eq!(again, after);
    assert_eq!(all_events(&*store, org.id).await.len(), 1);
    // A refused edit (a household of 0) changes nothing and writes no event.
    let mut bad = registry::MemberEdit::of(&after.data);
    bad.household_size = 0;
    let refused = [event("member:x", "member:x:edited:2", r#"{"edit":2}"#)];
    assert_error!(
        store.update_member(org.id, member_id, &bad, &refused).await,
        Invalid,
        "household_size"
    );
    assert_eq!(store.member(org.id, member_id).await.expect("read"), after);
    assert_eq!(all_events(&*store, org.id).await.len(), 1);
    assert!(matches!(
        store
            .update_member(org.id, member_id + 1_000, &edit, &[])
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn check_roles_are_assigned_listed_and_ended(store: Arc<dyn Store>) {
    let org = new_org(&*store, "roles").await;
    store
        .import_members(org.id, &[member(1)], &[])
        .await
        .expect("import");
    let m = store
        .members(org.id, Page::first(1))
        .await
        .expect("members")
        .remove(0);

    let board = store
        .assign_role(
            org.id,
            &NewRoleAssignment {
                person_name: "María Hernández".into(),
                member_id: Some(m.id),
                role: Role::BoardMember,
                from: date(2025, 7, 1),
            },
            &[],
        )
        .await
        .expect("board member");
    let adviser = store
        .assign_role(
            org.id,
            &NewRoleAssignment {
                person_name: "Ing. Pedro Ruiz".into(),
                member_id: None,
                role: Role::SpecialisedCommittee(Committee::ProductionEngineering),
                from: date(2025, 8, 1),
            },
            &[],
        )
        .await
        .expect("committee member");
    assert_eq!((board.org_id, board.until), (org.id, None));
    assert_ne!(board.id, adviser.id);
    assert_eq!(
        store.roles(org.id).await.expect("roles"),
        vec![board.clone(), adviser.clone()]
    );

    let ended = store
        .end_role(org.id, board.id, date(2026, 6, 30), &[])
        .await
        .expect("end");
    assert_eq!(ended.until, Some(date(2026, 6, 30)));
    assert_eq!(
        (ended.id, ended.role, ended.from),
        (board.id, board.role, board.from)
    );
    let roles = store.roles(org.id).await.expect("roles");
    assert_eq!(roles, vec![ended.clone(), adviser]);
    assert_error!(
        store
            .end_role(org.id, board.id, date(2026, 7, 30), &[])
            .await,
        Conflict,
        &board.id.to_string()
    );
    assert!(matches!(
        store
            .end_role(org.id, board.id + 1_000, date(2026, 7, 30), &[])
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.roles(org.id).await.expect("roles")[0], ended);
}

/// The events of an organisation, oldest first (at most 100: enough for these checks).
async fn all_events(store: &dyn Store, org_id: store::OrgId) -> Vec<store::StoredEvent> {
    store
        .events(org_id, None, Page::first(100))
        .await
        .expect("events")
}

/// An organisation with members 1 and 2 imported (no events) and member 1's id.
async fn org_with_two_members(store: &dyn Store, label: &str) -> (store::Org, i64) {
    let org = new_org(store, label).await;
    store
        .import_members(org.id, &[member(1), member(2)], &[])
        .await
        .expect("import");
    let m = store
        .member_by_curp(org.id, member(1).curp.as_str())
        .await
        .expect("member 1");
    (org, m.id)
}

fn board_seat(member_id: i64) -> NewRoleAssignment {
    NewRoleAssignment {
        person_name: "María Hernández".into(),
        member_id: Some(member_id),
        role: Role::BoardMember,
        from: date(2025, 7, 1),
    }
}

pub async fn check_registry_changes_append_their_events_with_them(store: Arc<dyn Store>) {
    let org = new_org(&*store, "registry-events").await;
    let imported = event("members", "import:a", r#"{"rows":2}"#);
    let outcome = store
        .import_members(
            org.id,
            &[member(1), member(2)],
            std::slice::from_ref(&imported),
        )
        .await
        .expect("import");
    assert_eq!(outcome.created, 2);
    let m = store
        .member_by_curp(org.id, member(1).curp.as_str())
        .await
        .expect("member 1");
    let left = event("member:1", "member:1:left", r#"{"left_on":"2026-02-15"}"#);
    store
        .record_leave(
            org.id,
            m.id,
            date(2026, 2, 15),
            "se mudó",
            std::slice::from_ref(&left),
        )
        .await
        .expect("leave");
    let m2 = store
        .member_by_curp(org.id, member(2).curp.as_str())
        .await
        .expect("member 2");
    let assigned = event("roles", "role:a", r#"{"role":"board"}"#);
    let seat = store
        .assign_role(org.id, &board_seat(m2.id), std::slice::from_ref(&assigned))
        .await
        .expect("assign");
    let ended = event("roles", "role:a:ended", r#"{"until":"2026-06-30"}"#);
    store
        .end_role(
            org.id,
            seat.id,
            date(2026, 6, 30),
            std::slice::from_ref(&ended),
        )
        .await
        .expect("end");

    // One event per change, in the order of the changes, exactly as given.
    let log = all_events(&*store, org.id).await;
    let written: Vec<&store::NewEvent> = log.iter().map(|e| &e.event).collect();
    assert_eq!(written, vec![&imported, &left, &assigned, &ended]);
    assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        store
            .event_by_key(org.id, "member:1:left")
            .await
            .expect("by key")
            .event,
        left
    );
}

pub async fn check_a_refused_registry_change_writes_no_event(store: Arc<dyn Store>) {
    let (org, m) = org_with_two_members(&*store, "refused-change").await;
    store
        .record_leave(org.id, m, date(2026, 2, 15), "se mudó", &[])
        .await
        .expect("first leave");
    // Leaving twice is refused, and so is its event.
    assert_error!(
        store
            .record_leave(
                org.id,
                m,
                date(2026, 3, 1),
                "otra vez",
                &[event("member:1", "leave-again", "{}")]
            )
            .await,
        Conflict,
        &m.to_string()
    );
    // A CURP registered with other data refuses the whole import and its event.
    let mut changed = member(2);
    changed.given_names = "Otra Persona".into();
    assert_error!(
        store
            .import_members(
                org.id,
                &[member(3), changed],
                &[event("members", "import:changed", "{}")]
            )
            .await,
        Conflict,
        member(2).curp.as_str()
    );
    // A role for a member who is not there, and ending a role twice.
    assert!(matches!(
        store
            .assign_role(
                org.id,
                &board_seat(m + 1_000),
                &[event("roles", "role:nobody", "{}")]
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let seat = store
        .assign_role(org.id, &board_seat(m), &[])
        .await
        .expect("seat");
    store
        .end_role(org.id, seat.id, date(2026, 6, 30), &[])
        .await
        .expect("end");
    assert_error!(
        store
            .end_role(
                org.id,
                seat.id,
                date(2026, 7, 30),
                &[event("roles", "end-again", "{}")]
            )
            .await,
        Conflict,
        &seat.id.to_string()
    );
    // Over the limits: nothing is written either.
    let mut huge = event("members", "import:huge", "{}");
    huge.payload = format!("\"{}\"", "x".repeat(store::MAX_EVENT_PAYLOAD_BYTES));
    assert_error!(
        store.import_members(org.id, &[member(4)], &[huge]).await,
        Invalid,
        "payload"
    );
    assert_eq!(store.count_members(org.id).await.expect("count"), 2);
    assert!(all_events(&*store, org.id).await.is_empty(), "no event");
}

pub async fn check_an_event_key_conflict_writes_no_registry_change(store: Arc<dyn Store>) {
    let (org, m) = org_with_two_members(&*store, "event-conflict").await;
    let taken = event("other", "taken", r#"{"first":true}"#);
    store
        .commit(
            org.id,
            &store::Commit {
                events: vec![taken.clone()],
                ..Default::default()
            },
        )
        .await
        .expect("commit");
    // The same key with other data: a conflict, and the registry is left as it was.
    let clash = event("members", "taken", r#"{"second":true}"#);
    let one = std::slice::from_ref(&clash);
    assert_error!(
        store.import_members(org.id, &[member(3)], one).await,
        Conflict,
        "taken"
    );
    assert_eq!(store.count_members(org.id).await.expect("count"), 2);
    assert_error!(
        store
            .record_leave(org.id, m, date(2026, 2, 15), "se mudó", one)
            .await,
        Conflict,
        "taken"
    );
    assert_eq!(
        store.member(org.id, m).await.expect("member").left_on,
        None,
        "did not leave"
    );
    assert_error!(
        store.assign_role(org.id, &board_seat(m), one).await,
        Conflict,
        "taken"
    );
    assert!(store.roles(org.id).await.expect("roles").is_empty());
    let seat = store
        .assign_role(org.id, &board_seat(m), &[])
        .await
        .expect("seat");
    assert_error!(
        store
            .end_role(org.id, seat.id, date(2026, 6, 30), one)
            .await,
        Conflict,
        "taken"
    );
    assert_eq!(
        store.roles(org.id).await.expect("roles"),
        vec![seat],
        "not ended"
    );
    let log = all_events(&*store, org.id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].event, taken);
}

pub async fn check_a_replayed_registry_change_is_a_no_op(store: Arc<dyn Store>) {
    let org = new_org(&*store, "registry-replay").await;
    let people = [member(1), member(2)];
    let imported = [event("members", "import:a", r#"{"rows":2}"#)];
    store
        .import_members(org.id, &people, &imported)
        .await
        .expect("import");
    let again = store
        .import_members(org.id, &people, &imported)
        .await
        .expect("import again");
    assert_eq!(
        again,
        ImportOutcome {
            created: 0,
            unchanged: 2
        }
    );
    let m = store
        .member_by_curp(org.id, member(1).curp.as_str())
        .await
        .expect("member 1")
        .id;
    let left = [event(
        "member:1",
        "member:1:left",
        r#"{"reason":"se mudó"}"#,
    )];
    let first = store
        .record_leave(org.id, m, date(2026, 2, 15), "se mudó", &left)
        .await
        .expect("leave");
    // The same call again (a retried request): the member as they stand, not a conflict.
    let replayed = store
        .record_leave(org.id, m, date(2026, 2, 15), "se mudó", &left)
        .await
        .expect("replayed leave");
    assert_eq!(replayed, first);
    let m2 = store
        .member_by_curp(org.id, member(2).curp.as_str())
        .await
        .expect("member 2")
        .id;
    let assigned = [event("roles", "role:a", r#"{"role":"board"}"#)];
    let seat = store
        .assign_role(org.id, &board_seat(m2), &assigned)
        .await
        .expect("assign");
    let seat_again = store
        .assign_role(org.id, &board_seat(m2), &assigned)
        .await
        .expect("replayed assign");
    assert_eq!(seat_again, seat, "the same assignment, not a second one");
    let ended = [event("roles", "role:a:ended", r#"{"until":"2026-06-30"}"#)];
    let end = store
        .end_role(org.id, seat.id, date(2026, 6, 30), &ended)
        .await
        .expect("end");
    let end_again = store
        .end_role(org.id, seat.id, date(2026, 6, 30), &ended)
        .await
        .expect("replayed end");
    assert_eq!(end_again, end);

    assert_eq!(store.count_members(org.id).await.expect("count"), 2);
    assert_eq!(store.roles(org.id).await.expect("roles"), vec![end]);
    let keys: Vec<String> = all_events(&*store, org.id)
        .await
        .into_iter()
        .map(|e| e.event.key)
        .collect();
    assert_eq!(
        keys,
        ["import:a", "member:1:left", "role:a", "role:a:ended"]
    );
}

pub async fn check_the_same_registry_change_twice_at_once_is_made_once(store: Arc<dyn Store>) {
    let (org, m) = org_with_two_members(&*store, "registry-race").await;
    let assigned = [event("roles", "role:race", r#"{"role":"board"}"#)];
    let left = [event("member:1", "member:1:left", r#"{"reason":"x"}"#)];
    let seat = board_seat(m);
    for _ in 0..3 {
        let (a, b, c, d) = tokio::join!(
            store.assign_role(org.id, &seat, &assigned),
            store.assign_role(org.id, &seat, &assigned),
            store.record_leave(org.id, m, date(2026, 2, 15), "x", &left),
            store.record_leave(org.id, m, date(2026, 2, 15), "x", &left),
        );
        assert_eq!(a.expect("first").id, b.expect("second").id);
        assert_eq!(c.expect("first leave"), d.expect("second leave"));
    }
    assert_eq!(store.roles(org.id).await.expect("roles").len(), 1);
    assert_eq!(all_events(&*store, org.id).await.len(), 2);
}

pub async fn check_roles_given_at_once_are_all_or_nothing_with_their_events(store: Arc<dyn Store>) {
    let (org, m) = org_with_two_members(&*store, "roles-at-once").await;
    let outsider = NewRoleAssignment {
        person_name: "Lic. Pedro Ruiz".into(),
        member_id: None,
        role: Role::DirectorGeneral,
        from: date(2025, 7, 1),
    };
    let events = [
        event("roles", "role:dg", r#"{"role":"director_general"}"#),
        event("roles", "role:board", r#"{"role":"board_member"}"#),
    ];
    // A member who is not there refuses the whole call: no role, no event.
    assert!(matches!(
        store
            .assign_roles(org.id, &[outsider.clone(), board_seat(m + 1_000)], &events)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(store.roles(org.id).await.expect("roles").is_empty());
    assert!(all_events(&*store, org.id).await.is_empty());
    let given = store
        .assign_roles(org.id, &[outsider.clone(), board_seat(m)], &events)
        .await
        .expect("assign");
    assert_eq!(given.len(), 2);
    assert_eq!(
        (given[0].role, given[1].member_id),
        (Role::DirectorGeneral, Some(m))
    );
    assert_eq!(store.roles(org.id).await.expect("roles"), given);
    // The same call again is a replay: the same assignments, nothing written.
    let again = store
        .assign_roles(org.id, &[outsider, board_seat(m)], &events)
        .await
        .expect("replay");
    assert_eq!(again, given);
    assert_eq!(store.roles(org.id).await.expect("roles").len(), 2);
    // Some of the events in the log, not all: they record another change, so a conflict.
    let partly = [
        events[0].clone(),
        event("roles", "role:new", r#"{"role":"volunteer"}"#),
    ];
    assert_error!(
        store
            .assign_roles(org.id, &[board_seat(m), board_seat(m)], &partly)
            .await,
        Conflict,
        "committed before"
    );
    assert_eq!(store.roles(org.id).await.expect("roles").len(), 2);
    let keys: Vec<String> = all_events(&*store, org.id)
        .await
        .into_iter()
        .map(|e| e.event.key)
        .collect();
    assert_eq!(keys, ["role:dg", "role:board"]);
}
