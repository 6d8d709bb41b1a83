//! Issue 17: editing a member (R-ORG-2: an event, history never edited), searching members
//! without accents with a total and pages, on SQLite and PostgreSQL.

mod common;

use app::{Actor, AppError};
use common::{backends, org_with_members};
use registry::{MemberEdit, TargetProgramme};

#[tokio::test]
async fn r_org_2_an_edit_is_an_event_with_before_and_after_and_bad_input_names_the_field() {
    for (backend, app) in backends().await {
        let (org, ids) = org_with_members(&app, "editar", 3).await;
        let before = app.store().member(org, ids[0]).await.unwrap();
        let mut edit = MemberEdit::of(&before.data);
        edit.given_names = "María José".into();
        edit.household_size = 7;
        edit.declared_programmes.insert(TargetProgramme::Indigenous);
        let after = app
            .edit_member(org, ids[0], &edit, &Actor::new("personal", "10.0.0.1"))
            .await
            .unwrap();
        assert_eq!(after.data.given_names, "María José", "{backend}");
        assert_eq!(after.data.household_size, 7, "{backend}");
        assert_eq!(after.data.curp, before.data.curp, "{backend}");
        // The change is one event in the member's stream, with the values before and after.
        let events = app
            .store()
            .events(
                org,
                Some(&format!("member:{}", ids[0])),
                store::Page::first(10),
            )
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{backend}");
        let e = &events[0].event;
        assert_eq!(
            (e.kind.as_str(), e.key.clone()),
            ("member.edited", format!("member:{}:edit:0", ids[0]))
        );
        assert_eq!(e.actor, "personal");
        let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(p["before"]["given_names"], "Socia 0", "{backend}");
        assert_eq!(p["after"]["given_names"], "María José", "{backend}");
        assert_eq!(p["before"]["household_size"], 4, "{backend}");
        assert_eq!(p["after"]["household_size"], 7, "{backend}");
        assert_eq!(p["after"]["programmes"], serde_json::json!(["indigenous"]));
        assert!(
            p["before"].get("municipality").is_none(),
            "only what changed"
        );

        // The same edit again (a request sent twice) changes and records nothing.
        app.edit_member(org, ids[0], &edit, &Actor::cli())
            .await
            .unwrap();
        let again = app
            .store()
            .events(
                org,
                Some(&format!("member:{}", ids[0])),
                store::Page::first(10),
            )
            .await
            .unwrap();
        assert_eq!(again.len(), 1, "{backend}");

        // A second, different edit is the next event.
        edit.municipality = "Cuernavaca".into();
        app.edit_member(org, ids[0], &edit, &Actor::cli())
            .await
            .unwrap();
        let log = app
            .store()
            .events(
                org,
                Some(&format!("member:{}", ids[0])),
                store::Page::first(10),
            )
            .await
            .unwrap();
        assert_eq!(log.len(), 2, "{backend}");
        assert_eq!(log[1].event.key, format!("member:{}:edit:1", ids[0]));

        // Bad input names the field; nothing is changed or recorded.
        let mut bad = edit.clone();
        bad.household_size = 0;
        let err = app
            .edit_member(org, ids[0], &bad, &Actor::cli())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Field(f) if f.field == "household_size"),
            "{err}"
        );
        let mut bad = edit.clone();
        bad.declared_programmes.insert(TargetProgramme::Young);
        let err = app
            .edit_member(org, ids[0], &bad, &Actor::cli())
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("programmes"), "{err}");
        let now = app.store().member(org, ids[0]).await.unwrap();
        assert_eq!(now.data.household_size, 7);
        assert_eq!(now.data.municipality, "Cuernavaca");
        // Another organisation's member, or none, is not found.
        assert!(matches!(
            app.edit_member(org, 999_999, &edit, &Actor::cli()).await,
            Err(AppError::Store(store::StoreError::NotFound { .. }))
        ));
    }
}

#[tokio::test]
async fn a_search_folds_accents_counts_every_match_and_pages_both_ways() {
    for (backend, app) in backends().await {
        let (org, ids) = org_with_members(&app, "buscar", 25).await;
        // Every test member is "Socia n Gómez López".
        let all = app.search_members(org, "gomez", 0, 10).await.unwrap();
        assert_eq!(all.total, 25, "{backend}: 'gomez' finds 'Gómez'");
        assert_eq!(all.members.len(), 10);
        assert_eq!(all.members[0].id, ids[0]);
        let third = app.search_members(org, "LÓPEZ", 20, 10).await.unwrap();
        assert_eq!((third.total, third.members.len()), (25, 5), "{backend}");
        assert_eq!(third.members[0].id, ids[20]);
        // A page back is the same as it was.
        let second = app.search_members(org, "lopez", 10, 10).await.unwrap();
        assert_eq!(
            second.members.iter().map(|m| m.id).collect::<Vec<_>>(),
            ids[10..20].to_vec()
        );
        // "jose" finds "José" once a member is renamed.
        let m = app.store().member(org, ids[3]).await.unwrap();
        let mut edit = MemberEdit::of(&m.data);
        edit.given_names = "José".into();
        app.edit_member(org, ids[3], &edit, &Actor::cli())
            .await
            .unwrap();
        let jose = app.search_members(org, "jose", 0, 10).await.unwrap();
        assert_eq!(jose.total, 1, "{backend}");
        assert_eq!(jose.members[0].id, ids[3]);
        let none = app.search_members(org, "zzz", 0, 10).await.unwrap();
        assert_eq!((none.total, none.members.len()), (0, 0));
        assert_eq!(app.search_members(org, "", 0, 50).await.unwrap().total, 25);
    }
}
