//! Issue 16 on both backends: the first run's set-up code, ODFs created as events in the
//! programme's log (idempotent), accounts that start with a one-time activation code (single
//! use, expiry, a new code replaces the old), the password policy, changing one's password and
//! ending one's sessions, and the demo's users kept to the demo organisations.

mod common;

use app::access_cases::{AccessError, Action, NewOrgRequest, NewUser, ACTIVATION_TTL_DAYS};
use app::AppError;
use chrono::{Duration, NaiveDate, Utc};
use common::*;

fn field(e: &AccessError) -> Option<&'static str> {
    match e {
        AccessError::App(AppError::Field(f)) => Some(f.field),
        _ => None,
    }
}

fn odf(slug: &str, director: Option<(&str, &str)>) -> NewOrgRequest {
    NewOrgRequest {
        slug: slug.into(),
        name: "Unión de Carpinteros de Tepoztlán".into(),
        group_name: "Carpinteros del Valle".into(),
        state: "Morelos".into(),
        municipality: "Tepoztlán".into(),
        trade: "carpintería".into(),
        founded_on: NaiveDate::from_ymd_opt(2026, 1, 10).unwrap(),
        currency: "MXN".into(),
        director_login: director.map(|d| d.0.to_string()),
        director_name: director.map(|d| d.1.to_string()),
    }
}

/// Events of a programme-level stream.
async fn programme_events(app: &app::App, stream: &str) -> Vec<store::StoredEvent> {
    app.store()
        .events(store::PROGRAMME_ORG, Some(stream), store::Page::first(1000))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_run_creates_the_administrator_once_with_the_printed_code() {
    for (backend, app) in backends().await {
        let now = Utc::now();
        assert!(
            !app.setup_pending().await.unwrap(),
            "{backend}: no code yet"
        );
        let code = app.issue_setup_code(now).await.unwrap().unwrap().code;
        assert!(app.setup_pending().await.unwrap(), "{backend}");
        // A wrong code, and an expired one, create nothing.
        let r = app
            .complete_setup("AAAAA-AAAAA", "admin", "Ana", "barro y fuego", "t", now)
            .await;
        assert!(matches!(r, Err(AccessError::Unauthenticated)), "{backend}");
        let late = now + Duration::hours(app::access_cases::SETUP_TTL_HOURS) + Duration::seconds(1);
        let r = app
            .complete_setup(&code, "admin", "Ana", "barro y fuego", "t", late)
            .await;
        assert!(
            matches!(r, Err(AccessError::Unauthenticated)),
            "{backend}: expired"
        );
        // A common password is refused naming the field, and the code still works after it.
        let r = app
            .complete_setup(&code, "admin", "Ana", "password1", "t", now)
            .await;
        assert_eq!(field(&r.unwrap_err()), Some("password"), "{backend}");
        // Typed in lower case with spaces: the same code.
        let typed = code.to_lowercase().replace('-', " ");
        let v = app
            .complete_setup(&typed, "admin", "Ana Torres", "barro y fuego", "t", now)
            .await
            .unwrap();
        assert!(v.admin && !v.supervisor, "{backend}");
        assert!(!app.setup_pending().await.unwrap(), "{backend}");
        // Single use: the same code, or any other, creates no second administrator.
        let r = app
            .complete_setup(&code, "otro", "Otro", "barro y fuego", "t", now)
            .await;
        assert!(matches!(r, Err(AccessError::Unauthenticated)), "{backend}");
        assert!(
            app.issue_setup_code(now).await.unwrap().is_none(),
            "{backend}"
        );
        assert_eq!(programme_events(&app, "programme-admins").await.len(), 1);
        app.sign_in("admin", "barro y fuego", "t", now)
            .await
            .unwrap();
        // Only the code's hash is stored.
        let issued = programme_events(&app, "setup").await;
        assert!(
            issued.iter().all(|e| !e.event.payload.contains(&code)
                && !e.event.payload.contains(&code.replace('-', ""))),
            "{backend}: the code is stored hashed"
        );
    }
}

#[tokio::test]
async fn an_odf_is_created_once_as_an_event_with_its_director_general() {
    for (backend, app) in backends().await {
        let now = Utc::now();
        let admin = app
            .create_programme_admin(
                "admin",
                "Administración",
                "barro y fuego",
                "cli",
                "cli",
                now,
            )
            .await
            .unwrap();
        let req = odf("carpinteros-tepoztlan", Some(("dg.tepoz", "Rosa Martínez")));
        let first = app.create_org_as(&admin, &req, "t", now).await.unwrap();
        assert!(first.created, "{backend}");
        let code = first.director.clone().expect("the DG's code");
        // The same request again: nothing written, no new code.
        let again = app.create_org_as(&admin, &req, "t", now).await.unwrap();
        assert!(!again.created && again.director.is_none(), "{backend}");
        assert_eq!(again.org_id, first.org_id);
        let created = programme_events(&app, "orgs").await;
        assert_eq!(created.len(), 1, "{backend}: one org.created event");
        assert_eq!(created[0].event.kind, "org.created");
        assert_eq!(created[0].event.actor, "admin");
        // The same slug with other data is a conflict naming the slug.
        let mut other = odf("carpinteros-tepoztlan", None);
        other.name = "Otra".into();
        let e = app
            .create_org_as(&admin, &other, "t", now)
            .await
            .unwrap_err();
        assert_eq!(field(&e), Some("slug"), "{backend}");
        // Bad fields are named; nothing is created.
        let mut bad = odf("Con Mayúsculas", None);
        assert_eq!(
            field(&app.create_org_as(&admin, &bad, "t", now).await.unwrap_err()),
            Some("slug")
        );
        bad = odf("futura", None);
        bad.founded_on = (now + Duration::days(3)).date_naive();
        assert_eq!(
            field(&app.create_org_as(&admin, &bad, "t", now).await.unwrap_err()),
            Some("founded_on")
        );
        bad = odf("sin-moneda", None);
        bad.currency = "PESOS".into();
        assert_eq!(
            field(&app.create_org_as(&admin, &bad, "t", now).await.unwrap_err()),
            Some("currency")
        );
        assert_eq!(app.store().orgs().await.unwrap().len(), 1, "{backend}");
        // Only the administrator creates ODFs.
        let dg = app.user("dg.tepoz").await.unwrap().viewer;
        assert!(matches!(
            app.create_org_as(&dg, &odf("otra-odf", None), "t", now)
                .await,
            Err(AccessError::Forbidden { .. })
        ));
        // The DG is staff of the new ODF once activated.
        assert!(dg.may(first.org_id, Action::ManageAccounts));
        assert!(matches!(
            app.sign_in("dg.tepoz", "", "t", now).await,
            Err(AccessError::Unauthenticated)
        ));
        app.activate("dg.tepoz", &code.code, "cerros del tepozteco", "t", now)
            .await
            .unwrap();
        app.sign_in("dg.tepoz", "cerros del tepozteco", "t", now)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn activation_codes_are_single_use_expire_and_a_new_one_replaces_the_old() {
    for (backend, app) in backends().await {
        let now = Utc::now();
        let admin = app
            .create_programme_admin(
                "admin",
                "Administración",
                "barro y fuego",
                "cli",
                "cli",
                now,
            )
            .await
            .unwrap();
        let done = app
            .create_org_as(
                &admin,
                &odf("odf-codigos", Some(("dg.codigos", "Rosa"))),
                "t",
                now,
            )
            .await
            .unwrap();
        app.activate(
            "dg.codigos",
            &done.director.unwrap().code,
            "cerros del tepozteco",
            "t",
            now,
        )
        .await
        .unwrap();
        let staff = app.user("dg.codigos").await.unwrap().viewer;
        let org = done.org_id;
        let members = common::new_member(0, registry::Profile::MicroEntrepreneur, 1985);
        let curp = members.curp.as_str().to_string();
        app.store()
            .import_members(org, &[members], &[])
            .await
            .unwrap();
        let member_id = app.store().member_by_curp(org, &curp).await.unwrap().id;

        let code = app
            .create_member_account(org, &staff, &curp.to_lowercase(), "socia.uno", "t", now)
            .await
            .unwrap();
        assert_eq!(code.display_name, "Socia 0 Gómez López", "{backend}");
        // One account per member.
        let e = app
            .create_member_account(org, &staff, &member_id.to_string(), "socia.dos", "t", now)
            .await
            .unwrap_err();
        assert_eq!(field(&e), Some("member"), "{backend}");
        // Expired: refused.
        let late = now + Duration::days(ACTIVATION_TTL_DAYS) + Duration::seconds(1);
        assert!(matches!(
            app.activate("socia.uno", &code.code, "mi taller de barro", "t", late)
                .await,
            Err(AccessError::Unauthenticated)
        ));
        // A policy refusal uses nothing.
        let e = app
            .activate("socia.uno", &code.code, "corta", "t", now)
            .await
            .unwrap_err();
        assert_eq!(field(&e), Some("password"));
        app.activate("socia.uno", &code.code, "mi taller de barro", "t", now)
            .await
            .unwrap();
        // Used: refused the second time.
        assert!(matches!(
            app.activate("socia.uno", &code.code, "otra clave larga", "t", now)
                .await,
            Err(AccessError::Unauthenticated)
        ));
        let v = app.user("socia.uno").await.unwrap().viewer;
        assert!(v.may(org, Action::ViewMember(member_id)) && !v.may(org, Action::ManageAccounts));
        // Forgot the password: a new code; the old code stays dead, the new one works once.
        let second = app
            .reissue_code(&staff, Some(org), "socia.uno", "t", now)
            .await
            .unwrap();
        let third = app
            .reissue_code(&staff, Some(org), "socia.uno", "t", now)
            .await
            .unwrap();
        assert!(
            matches!(
                app.activate("socia.uno", &second.code, "otra clave larga", "t", now)
                    .await,
                Err(AccessError::Unauthenticated)
            ),
            "{backend}: a replaced code stops working"
        );
        app.activate("socia.uno", &third.code, "otra clave larga", "t", now)
            .await
            .unwrap();
        app.sign_in("socia.uno", "otra clave larga", "t", now)
            .await
            .unwrap();
        assert!(matches!(
            app.sign_in("socia.uno", "mi taller de barro", "t", now)
                .await,
            Err(AccessError::Unauthenticated)
        ));
        // A member may not issue codes; the administrator may not for a member's account.
        assert!(app
            .reissue_code(&v, Some(org), "socia.uno", "t", now)
            .await
            .is_err());
        assert!(matches!(
            app.reissue_code(&admin, None, "socia.uno", "t", now).await,
            Err(AccessError::NotFound)
        ));
        // No code is stored in clear anywhere in the programme's log.
        let all = app
            .store()
            .events(store::PROGRAMME_ORG, None, store::Page::first(1000))
            .await
            .unwrap();
        for c in [&code.code, &second.code, &third.code] {
            let bare = c.replace('-', "");
            assert!(
                all.iter()
                    .all(|e| !e.event.payload.contains(c.as_str())
                        && !e.event.payload.contains(&bare)),
                "{backend}: code {c} in clear"
            );
        }
    }
}

#[tokio::test]
async fn everyone_changes_their_password_and_ends_their_own_sessions() {
    for (backend, app) in backends().await {
        let now = Utc::now();
        app.create_programme_admin("ana", "Ana", "barro y fuego", "cli", "cli", now)
            .await
            .unwrap();
        let a = app
            .sign_in("ana", "barro y fuego", "phone", now)
            .await
            .unwrap();
        let b = app
            .sign_in("ana", "barro y fuego", "laptop", now)
            .await
            .unwrap();
        let sa = app.session(&a.token, now).await.unwrap();
        let rows = app
            .sessions_of("ana", Some(sa.token_hash()), now)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2, "{backend}");
        assert_eq!(rows.iter().filter(|r| r.current).count(), 1);
        // Wrong current password; a common new one.
        let e = app
            .change_password("ana", "no es", "nueva clave larga", None, "t", now)
            .await
            .unwrap_err();
        assert_eq!(field(&e), Some("current_password"), "{backend}");
        let e = app
            .change_password("ana", "barro y fuego", "12345678", None, "t", now)
            .await
            .unwrap_err();
        assert_eq!(field(&e), Some("password"), "{backend}");
        let ended = app
            .change_password(
                "ana",
                "barro y fuego",
                "nueva clave larga",
                Some(sa.token_hash()),
                "t",
                now,
            )
            .await
            .unwrap();
        assert_eq!(ended.len(), 1, "{backend}: the other session ended");
        assert!(app.session(&a.token, now).await.is_ok(), "this one stays");
        assert!(matches!(
            app.session(&b.token, now).await,
            Err(AccessError::Unauthenticated)
        ));
        app.sign_in("ana", "nueva clave larga", "t", now)
            .await
            .unwrap();
        // Ending one's own session by its id; another person's id is NotFound.
        let id = app.sessions_of("ana", None, now).await.unwrap()[0]
            .id
            .clone();
        app.create_programme_admin("bea", "Bea", "otra clave larga", "cli", "cli", now)
            .await
            .unwrap();
        assert!(matches!(
            app.end_session("bea", &id, "t", now).await,
            Err(AccessError::NotFound)
        ));
        app.end_session("ana", &id, "t", now).await.unwrap();
        assert_eq!(
            app.sessions_of("ana", None, now).await.unwrap().len(),
            1,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn the_demo_password_opens_the_demo_organisations_only() {
    for (backend, app) in backends().await {
        let now = Utc::now();
        let mut spec = demo::DemoSpec::morelos_union();
        spec.members_per_org = 20;
        spec.dues_months = 1;
        app.load_demo(spec, 1, std::sync::Arc::new(|_| {}))
            .await
            .unwrap();
        app.ensure_demo_users(now).await.unwrap();
        let union = app.store().org_by_slug("alfareros-morelos").await.unwrap();
        let admin = app
            .create_programme_admin("admin", "Admin", "barro y fuego", "cli", "cli", now)
            .await
            .unwrap();
        let real = app
            .create_org_as(&admin, &odf("odf-real", None), "t", now)
            .await
            .unwrap();
        let s = app
            .sign_in("supervisor", app::access_cases::DEMO_PASSWORD, "t", now)
            .await
            .unwrap();
        let v = app.session(&s.token, now).await.unwrap().viewer;
        assert!(v.sees_org(union.id), "{backend}");
        assert!(
            !v.sees_org(real.org_id),
            "{backend}: a real ODF is not the demo's"
        );
        assert!(!v.may(real.org_id, Action::ViewShared));
        // No real account may take the demo's password.
        let e = app
            .create_user(
                NewUser {
                    login: "real.user".into(),
                    display_name: "Real".into(),
                    password: app::access_cases::DEMO_PASSWORD.into(),
                    supervisor: false,
                    grants: vec![],
                },
                "cli",
                "cli",
                now,
            )
            .await
            .unwrap_err();
        assert_eq!(field(&e), Some("password"), "{backend}");
    }
}
