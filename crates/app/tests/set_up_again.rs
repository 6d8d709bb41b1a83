//! Issue 21 on both backends: the failover writer's set-up (an ODF, its members, a business
//! plan per member) can run again with the same result. A command whose answer was lost when
//! the primary died is run again by whoever sent it: the same ODF or the same plan again is a
//! replay (nothing written, the same answer); other data is refused naming the field.

mod common;

use app::access_cases::{AccessError, NewOrgRequest};
use app::AppError;
use chrono::{NaiveDate, Utc};
use common::*;

fn request(slug: &str) -> NewOrgRequest {
    NewOrgRequest {
        slug: slug.into(),
        name: "Unión de prueba HA".into(),
        group_name: "Grupo HA".into(),
        state: "Morelos".into(),
        municipality: "Cuautla".into(),
        trade: "Tejido".into(),
        founded_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        currency: "MXN".into(),
        director_login: None,
        director_name: None,
    }
}

fn refused_field(e: &AccessError) -> (Option<&'static str>, String) {
    match e {
        AccessError::App(AppError::Field(f)) => (Some(f.field), f.to_string()),
        other => (None, other.to_string()),
    }
}

#[tokio::test]
async fn creating_the_same_odf_again_answers_it_and_other_data_names_the_slug() {
    for (backend, app) in backends().await {
        let now = Utc::now();
        let first = app
            .create_org(&request("ha-prueba"), "cli", "cli", now)
            .await
            .unwrap();
        assert!(first.created, "{backend}");
        let orgs = app.store().orgs().await.unwrap().len();
        let events = event_count(&app, store::PROGRAMME_ORG).await;
        let accounts = app.store().accounts(first.org_id).await.unwrap().len();

        // The same request again (the set-up run again): the same ODF, nothing written.
        let again = app
            .create_org(&request("ha-prueba"), "cli", "cli", now)
            .await
            .unwrap();
        assert_eq!(again.org_id, first.org_id, "{backend}");
        assert!(!again.created, "{backend}: nothing created the second time");
        assert_eq!(app.store().orgs().await.unwrap().len(), orgs, "{backend}");
        assert_eq!(
            event_count(&app, store::PROGRAMME_ORG).await,
            events,
            "{backend}: no second org.created event"
        );
        assert_eq!(
            app.store().accounts(first.org_id).await.unwrap().len(),
            accounts,
            "{backend}: the chart is opened once"
        );

        // The same slug with another name, or another founding day: refused naming the slug
        // (and saying what differs); nothing written.
        let mut other = request("ha-prueba");
        other.name = "Otra unión".into();
        let (field, message) =
            refused_field(&app.create_org(&other, "cli", "cli", now).await.unwrap_err());
        assert_eq!(field, Some("slug"), "{backend}: {message}");
        assert!(message.contains("name"), "{backend}: {message}");
        let mut other = request("ha-prueba");
        other.founded_on = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
        let (field, message) =
            refused_field(&app.create_org(&other, "cli", "cli", now).await.unwrap_err());
        assert_eq!(field, Some("slug"), "{backend}: {message}");
        assert!(message.contains("founded_on"), "{backend}: {message}");
        assert_eq!(app.store().orgs().await.unwrap().len(), orgs, "{backend}");
        assert_eq!(
            app.store().org(first.org_id).await.unwrap().data.name,
            "Unión de prueba HA",
            "{backend}: the ODF is unchanged"
        );
        assert_eq!(
            event_count(&app, store::PROGRAMME_ORG).await,
            events,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn agreeing_the_same_plan_again_is_a_replay_and_another_plan_is_refused() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "planes-otra-vez", 2).await;
        let first = app
            .agree_plan(
                org,
                new_plan(m[0], 1_000_000, 300_000),
                d(2025, 1, 20),
                &audit(),
            )
            .await
            .unwrap();
        let events = event_count(&app, org).await;

        // Again, the same terms on the same day: the same plan, nothing written.
        let again = app
            .agree_plan(
                org,
                new_plan(m[0], 1_000_000, 300_000),
                d(2025, 1, 20),
                &audit(),
            )
            .await
            .unwrap();
        assert_eq!(again, first, "{backend}");
        assert_eq!(event_count(&app, org).await, events, "{backend}");
        assert_eq!(app.plans(org).await.unwrap().len(), 1, "{backend}");

        // Other terms, or the same terms on another day, while the plan is active: R-PLAN-1
        // refuses a second plan, naming the member; nothing written.
        for (plan, on) in [
            (new_plan(m[0], 1_000_001, 300_000), d(2025, 1, 20)),
            (new_plan(m[0], 1_000_000, 300_000), d(2025, 1, 21)),
        ] {
            let e = app.agree_plan(org, plan, on, &audit()).await.unwrap_err();
            assert_eq!(
                (e.rule_id(), e.field()),
                (Some("R-PLAN-1"), Some("member_id")),
                "{backend}: {e}"
            );
        }
        assert_eq!(event_count(&app, org).await, events, "{backend}");

        // The other member's plan takes the next id: the replay took none.
        let second = app
            .agree_plan(
                org,
                new_plan(m[1], 500_000, 100_000),
                d(2025, 1, 20),
                &audit(),
            )
            .await
            .unwrap();
        assert_eq!(second.id, first.id + 1, "{backend}");
    }
}
