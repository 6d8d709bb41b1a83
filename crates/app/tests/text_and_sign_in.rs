//! Issue 15 on both backends: every sign-in attempt runs exactly one password check (a NUL in
//! the login is "invalid credentials", not a 500 on PostgreSQL); user text with control
//! characters is refused naming its field and writes nothing; a report row whose member_id
//! and CURP disagree is refused with its line and field.

mod common;

use app::access_cases::{AccessError, NewUser};
use app::{Actor, AppError};
use common::*;
use registry::Profile;

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

#[tokio::test]
async fn issue_15_every_sign_in_attempt_runs_exactly_one_password_check() {
    for (backend, app) in backends().await {
        app.create_user(
            NewUser {
                login: "ana.garcia".into(),
                display_name: "Ana García".into(),
                password: "una-clave-larga-1".into(),
                supervisor: true,
                grants: vec![],
            },
            "prueba",
            "test",
            now(),
        )
        .await
        .unwrap();
        let long_password = "x".repeat(5_000);
        let long_login = "a".repeat(41);
        let refused: [(&str, &str); 7] = [
            ("ana.garcia", "una-clave-mala"),
            ("nadie", "una-clave-larga-1"),
            ("ana.garcia", &long_password),
            ("nadie.mas", &long_password),
            ("ana\u{0}garcia", "una-clave-larga-1"),
            ("\u{1b}[2Jana", "una-clave-larga-1"),
            (&long_login, "una-clave-larga-1"),
        ];
        let before = app.password_checks();
        for (i, (login, password)) in refused.iter().enumerate() {
            let r = app.sign_in(login, password, "198.51.100.1", now()).await;
            assert!(
                matches!(r, Err(AccessError::Unauthenticated)),
                "{backend}: attempt {i} ({login:?}): {r:?}"
            );
            assert_eq!(
                app.password_checks() - before,
                i as u64 + 1,
                "{backend}: attempt {i} ran one check"
            );
        }
        app.sign_in("ana.garcia", "una-clave-larga-1", "198.51.100.1", now())
            .await
            .unwrap();
        assert_eq!(app.password_checks() - before, 8, "{backend}");
    }
}

fn field_of(e: &AppError) -> Option<&'static str> {
    match e {
        AppError::Field(f) => Some(f.field),
        _ => None,
    }
}

#[tokio::test]
async fn issue_15_control_characters_are_refused_naming_the_field_and_nothing_is_written() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "texto", 1).await;
        let events_before = app
            .store()
            .events(org, None, store::Page::first(1000))
            .await
            .unwrap()
            .len();
        // Members CSV (web form, API and CLI all go through it): line and field.
        let mut bad = new_member(5, Profile::MicroProducer, 1980);
        bad.surnames = "Gómez\u{0}López".into();
        let csv = format!(
            "{}\n{}\n{}\n",
            registry::import::members_csv_header(),
            registry::import::member_to_csv_row(&new_member(4, Profile::MicroProducer, 1980)),
            registry::import::member_to_csv_row(&bad)
        );
        let err = app
            .import_members_csv(org, &csv, today(), &Actor::new("prueba", "test"))
            .await
            .unwrap_err();
        match &err {
            AppError::Rows(rows) => {
                assert_eq!(rows.len(), 1, "{backend}: {rows:?}");
                assert!(
                    rows[0].starts_with("line 3, surnames:") && rows[0].contains("U+0000"),
                    "{backend}: {rows:?}"
                );
            }
            other => panic!("{backend}: {other}"),
        }
        // A leave's reason (multi-line: a newline passes, a bell does not).
        let err = app
            .record_leave(
                org,
                m[0],
                d(2026, 1, 1),
                "se mudó\u{7}",
                &Actor::new("prueba", "test"),
            )
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), Some("reason"), "{backend}: {err}");
        // A user's display name.
        let err = app
            .create_user(
                NewUser {
                    login: "beto".into(),
                    display_name: "Beto\u{1b}[31m".into(),
                    password: "una-clave-larga-1".into(),
                    supervisor: false,
                    grants: vec![],
                },
                "prueba",
                "test",
                now(),
            )
            .await
            .unwrap_err();
        match err {
            AccessError::App(e) => assert_eq!(field_of(&e), Some("display_name"), "{backend}"),
            other => panic!("{backend}: {other}"),
        }
        assert_eq!(
            app.store()
                .members(org, store::Page::first(1000))
                .await
                .unwrap()
                .len(),
            1,
            "{backend}: no member imported"
        );
        assert_eq!(
            app.store()
                .events(org, None, store::Page::first(1000))
                .await
                .unwrap()
                .len(),
            events_before,
            "{backend}: nothing recorded"
        );
    }
}

#[tokio::test]
async fn issue_15_a_report_row_whose_member_id_and_curp_disagree_is_refused() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "curp-id", 2).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        agree(&app, org, m[1], 1_000_000, 300_000).await;
        let members = app
            .store()
            .members(org, store::Page::first(10))
            .await
            .unwrap();
        let curp_of = |id: i64| {
            members
                .iter()
                .find(|x| x.id == id)
                .unwrap()
                .data
                .curp
                .as_str()
                .to_string()
        };
        let march = p(2026, 3);
        // Line 2 agrees; line 3 names member m[0] by id and member m[1] by CURP.
        let bad = format!(
            "member_id,curp,revenue,profit\n{},{},100,10\n{},{},200,20\n",
            m[1],
            curp_of(m[1]),
            m[0],
            curp_of(m[1]).to_lowercase()
        );
        let err = app
            .import_reports_csv(org, march, &bad, 0, today(), &audit())
            .await
            .unwrap_err();
        match &err {
            AppError::Rows(rows) => {
                assert_eq!(rows.len(), 1, "{backend}: {rows:?}");
                assert!(rows[0].starts_with("line 3, curp:"), "{backend}: {rows:?}");
            }
            other => panic!("{backend}: {other}"),
        }
        assert!(
            app.reports(org, march).await.unwrap().is_empty(),
            "{backend}: nothing imported"
        );
        let good = format!(
            "member_id,curp,revenue,profit\n{},{},100,10\n{},{},200,20\n",
            m[1],
            curp_of(m[1]),
            m[0],
            curp_of(m[0])
        );
        let outcome = app
            .import_reports_csv(org, march, &good, 0, today(), &audit())
            .await
            .unwrap();
        assert_eq!(outcome.created, 2, "{backend}");
    }
}
