//! The support system's API routes (R-INFO-1, R-INNO-1, R-SUP-1..4): the authorisation matrix
//! of every new route, and review notes refused to every role that must not read them.

mod common;

use app::access_cases::{Grant, NewUser, OrgRole};

/// The password of the users this test creates (the demo's published one is on the list of
/// common passwords, issue 16).
const TEST_PASSWORD: &str = "barro rojo de tlayacapan";

/// A session token for a user this test created.
async fn token_of(w: &common::World, login: &str) -> String {
    w.app
        .sign_in(login, TEST_PASSWORD, "127.0.0.1", chrono::Utc::now())
        .await
        .unwrap()
        .token
}
use app::Actor;
use axum::http::StatusCode;
use common::{api, member_of, sign_in, world};
use registry::Role;
use serde_json::json;
use std::collections::BTreeSet;
use support::inventions::Criterion;

#[tokio::test]
async fn the_support_routes_are_in_the_openapi_document() {
    let w = world().await;
    let doc = api(&w, "GET", "/api/v1/openapi.json", None, None, None)
        .await
        .json();
    for path in [
        "/api/v1/orgs/{slug}/opportunities",
        "/api/v1/orgs/{slug}/opportunities/{scope}/{id}/audience",
        "/api/v1/orgs/{slug}/members/{member_id}/para-ti",
        "/api/v1/orgs/{slug}/members/{member_id}/interests",
        "/api/v1/orgs/{slug}/inventions",
        "/api/v1/orgs/{slug}/inventions/{id}",
        "/api/v1/orgs/{slug}/inventions/{id}/reviews",
        "/api/v1/orgs/{slug}/inventions/{id}/advance",
        "/api/v1/orgs/{slug}/compliance",
        "/api/v1/orgs/{slug}/outcomes",
        "/api/v1/programme/opportunities",
        "/api/v1/programme/compliance",
        "/api/v1/programme/outcomes",
        "/api/v1/programme/projection/scenarios",
        "/api/v1/programme/projection",
        "/api/v1/programme/integradoras",
        "/api/v1/orgs/{slug}/notifications",
        "/api/v1/orgs/{slug}/results",
        "/api/v1/orgs/{slug}/results/{id}/circulate",
        "/api/v1/programme/results",
        "/api/v1/orgs/{slug}/inventions/{id}/expenses",
        "/api/v1/orgs/{slug}/outcomes/series",
        "/api/v1/programme/outcomes/series",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

/// Every role against every support route. Columns: supervisor, staff, board, member,
/// support committee, donor, adviser, nobody; 2 = 2xx, 9 = authorised (2xx or 422).
#[tokio::test]
async fn authorisation_matrix_of_the_support_routes() {
    let w = world().await;
    let org = w.union.id;
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    let socio = member_of(&w, "socio").await;
    let consejo = member_of(&w, "consejo").await;
    // A member of the innovation committee (the demo union has two) and one who is no user.
    let roles = w.app.store().roles(org).await.unwrap();
    let committee = roles
        .iter()
        .filter(|r| r.role == Role::InnovationCommittee && r.until.is_none())
        .filter_map(|r| r.member_id)
        .find(|m| ![socio, consejo].contains(m))
        .expect("the demo union has an innovation committee");
    let members = w
        .app
        .store()
        .members(org, store::Page::first(1000))
        .await
        .unwrap();
    let stranger = members
        .iter()
        .map(|m| m.id)
        .find(|id| ![socio, consejo, committee].contains(id))
        .unwrap();
    // Invention 1 by the member "socio"; invention 2 by someone no demo user is.
    let mut ids = Vec::new();
    for (reference, inventor) in [("mia", socio), ("ajena", stranger)] {
        let inv = w
            .app
            .register_invention(
                org,
                &Actor::cli(),
                Some(reference),
                app::support_cases::NewInvention {
                    title: format!("Invento {reference}"),
                    description: "Un horno".into(),
                    inventors: vec![inventor],
                    household: BTreeSet::new(),
                },
                today,
            )
            .await
            .unwrap();
        w.app
            .review_invention(
                org,
                &Actor::cli(),
                inv.id,
                committee,
                Criterion::ALL.into_iter().collect(),
                "Nota secreta del comité",
                today,
            )
            .await
            .unwrap();
        ids.push(inv.id);
    }
    let (mine, theirs) = (ids[0], ids[1]);
    // R-INFO-1: members sitting on a committee publish; the demo's "socio" may be one.
    let on_committee = |m: i64| {
        roles.iter().any(|r| {
            r.member_id == Some(m)
                && r.from <= today
                && r.until.is_none_or(|u| today < u)
                && matches!(
                    r.role,
                    Role::SpecialisedCommittee(_) | Role::InnovationCommittee
                )
        })
    };
    let pm: u16 = if on_committee(socio) { 2 } else { 403 };
    let logins = [
        "supervisor",
        "personal",
        "consejo",
        "socio",
        "apoyo",
        "donante",
        "asesor",
    ];
    let mut tokens = Vec::new();
    for r in logins {
        tokens.push(Some(sign_in(&w, r).await.token));
    }
    tokens.push(None);
    let o = "/api/v1/orgs/alfareros-morelos";
    let x = format!("/api/v1/orgs/{}", w.other.data.slug);
    let opportunity = json!({"kind": "buyer", "title": "Hotel busca cazuelas", "description": "500 piezas", "deadline": "2099-12-31"});
    let scenario =
        serde_json::to_value(support::projection::Scenario::seed_002(30, 10_000_000)).unwrap();
    type Row = (&'static str, String, Option<serde_json::Value>, [u16; 8]);
    let rows: Vec<Row> = vec![
        // R-INFO-1: staff, the support committee and supervisors publish; everyone reads.
        (
            "POST",
            format!("{o}/opportunities"),
            Some(opportunity.clone()),
            [2, 2, 403, pm, 2, 403, 403, 401],
        ),
        (
            "GET",
            format!("{o}/opportunities"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{o}/opportunities/odf/1/audience"),
            None,
            [2, 2, 403, pm, 2, 403, 403, 401],
        ),
        (
            "POST",
            "/api/v1/programme/opportunities".into(),
            Some(opportunity.clone()),
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/programme/opportunities".into(),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{o}/members/{socio}/para-ti"),
            None,
            [2, 2, 2, 2, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{o}/members/{consejo}/para-ti"),
            None,
            [2, 2, 2, 404, 404, 404, 404, 401],
        ),
        // Interest: the member themself or staff (the rule then decides whether it fits).
        (
            "POST",
            format!("{o}/members/{socio}/interests"),
            Some(json!({"opportunity_id": 1})),
            [403, 9, 403, 9, 404, 404, 404, 401],
        ),
        // R-INNO-1: the registry is the ODF's; the review notes only the inventor, the
        // committee and the board.
        (
            "GET",
            format!("{o}/inventions"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{o}/inventions/{mine}"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{o}/inventions/{mine}/reviews"),
            None,
            [403, 403, 2, 2, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{o}/inventions/{theirs}/reviews"),
            None,
            [403, 403, 2, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{o}/inventions"),
            Some(json!({"title": "Torno", "description": "x", "inventors": [socio]})),
            [403, 2, 403, 2, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{o}/inventions"),
            Some(json!({"title": "Torno", "description": "x", "inventors": [stranger]})),
            [403, 2, 403, 403, 403, 403, 403, 401],
        ),
        // Reviewing: members only, and the rule then refuses those off the committee (422).
        (
            "POST",
            format!("{o}/inventions/{theirs}/reviews"),
            Some(json!({"met": [], "notes": "x"})),
            [403, 403, 422, 422, 403, 403, 403, 401],
        ),
        // R-SUP-1: staff, board and supervisors read the ODF's compliance; the programme's,
        // supervisors only.
        (
            "GET",
            format!("{o}/compliance"),
            None,
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/programme/compliance".into(),
            None,
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        // support19, R-INFO-1: the notification outbox (staff, board, supervisors); another
        // ODF's as a missing one.
        (
            "GET",
            format!("{o}/notifications"),
            None,
            [2, 2, 2, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{x}/notifications"),
            None,
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        // support19, R-INFO-1: project results.
        (
            "GET",
            format!("{o}/results"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "POST",
            format!("{o}/results"),
            Some(
                json!({"title": "Arcilla", "tried": "Juntos", "outcome": "Más barato",
                        "from": "2025-01", "to": "2025-02"}),
            ),
            [403, 2, 403, 403, 403, 403, 403, 401],
        ),
        (
            "POST",
            format!("{o}/results/1/circulate"),
            None,
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/programme/results".into(),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            format!("{x}/results"),
            None,
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        // R-INNO-1, R-FUND-3: an invention's prototype payments.
        (
            "GET",
            format!("{o}/inventions/{mine}/expenses"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "POST",
            format!("{o}/inventions/{mine}/expenses"),
            Some(json!({"reference": "no-existe"})),
            [403, 422, 403, 403, 403, 403, 403, 401],
        ),
        // R-SUP-4.
        (
            "GET",
            format!("{o}/outcomes?by=state"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            "/api/v1/programme/outcomes?by=programme".into(),
            None,
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        // outcomes19, R-SUP-4: the series; another ODF's as a missing one.
        (
            "GET",
            format!("{o}/outcomes/series?by=trade&periods=6"),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        (
            "GET",
            "/api/v1/programme/outcomes/series?by=state".into(),
            None,
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            format!("{x}/outcomes/series"),
            None,
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        // R-SUP-2, R-SUP-3.
        (
            "POST",
            "/api/v1/programme/projection/scenarios".into(),
            Some(scenario),
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/programme/projection/scenarios".into(),
            None,
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/programme/projection".into(),
            None,
            [2, 403, 403, 403, 403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/programme/integradoras".into(),
            None,
            [2, 2, 2, 2, 2, 2, 2, 401],
        ),
        // Another ODF: as a missing one for everyone in the union's circle.
        (
            "GET",
            format!("{x}/inventions"),
            None,
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{x}/opportunities"),
            None,
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "GET",
            format!("{x}/compliance"),
            None,
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
        (
            "POST",
            format!("{x}/opportunities"),
            Some(opportunity),
            [2, 404, 404, 404, 404, 404, 404, 401],
        ),
    ];
    let mut failures = Vec::new();
    for (method, uri, body, expected) in rows {
        for (i, token) in tokens.iter().enumerate() {
            let r = api(&w, method, &uri, token.as_deref(), body.clone(), None).await;
            let got = if r.status.is_success() {
                2
            } else {
                r.status.as_u16()
            };
            let got = if expected[i] == 9 && (got == 2 || got == 422) {
                9
            } else {
                got
            };
            let who = logins.get(i).copied().unwrap_or("nobody");
            if got != expected[i] {
                failures.push(format!(
                    "{who} {method} {uri}: expected {}, got {} {}",
                    expected[i], r.status, r.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // A member of the innovation committee reads the notes; the refusals name R-INNO-1 and
    // the readable views carry no note.
    w.app
        .create_user(
            NewUser {
                login: "comite".into(),
                display_name: "Comité de innovación".into(),
                password: TEST_PASSWORD.into(),
                supervisor: false,
                grants: vec![Grant {
                    org_id: org,
                    role: OrgRole::Member,
                    member_id: Some(committee),
                }],
            },
            "test",
            "test",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let c = token_of(&w, "comite").await;
    // A member on no committee may not publish (R-INFO-1).
    let plain = members
        .iter()
        .map(|m| m.id)
        .find(|m| !on_committee(*m) && ![socio, consejo].contains(m))
        .unwrap();
    w.app
        .create_user(
            NewUser {
                login: "llano".into(),
                display_name: "Socia sin comité".into(),
                password: TEST_PASSWORD.into(),
                supervisor: false,
                grants: vec![Grant {
                    org_id: org,
                    role: OrgRole::Member,
                    member_id: Some(plain),
                }],
            },
            "test",
            "test",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let p = token_of(&w, "llano").await;
    let body = json!({"kind": "training", "title": "Taller", "description": "x", "deadline": "2099-12-31"});
    let r = api(
        &w,
        "POST",
        &format!("{o}/opportunities"),
        Some(&p),
        Some(body),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["rule"], "R-INFO-1");
    let r = api(
        &w,
        "GET",
        &format!("{o}/inventions/{theirs}/reviews"),
        Some(&c),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Nota secreta del comité"));
    for login in [
        "supervisor",
        "personal",
        "apoyo",
        "donante",
        "asesor",
        "socio",
    ] {
        let t = sign_in(&w, login).await.token;
        let r = api(
            &w,
            "GET",
            &format!("{o}/inventions/{theirs}/reviews"),
            Some(&t),
            None,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{login}");
        assert_eq!(r.json()["rule"], "R-INNO-1", "{login}");
        let r = api(
            &w,
            "GET",
            &format!("{o}/inventions/{theirs}"),
            Some(&t),
            None,
            None,
        )
        .await;
        assert!(
            !r.body.contains("Nota secreta"),
            "{login} must not see the notes: {}",
            r.body
        );
    }
}
