//! The support system through the app (R-INFO-1, R-INNO-1, R-SUP-1..4), on SQLite and on
//! PostgreSQL when `TEQUIO_TEST_PG_URL` is set.

mod common;

use app::access_cases::{AccessError, Grant, OrgRole, Viewer};
use app::fund_cases::CloseOptions;
use app::{Actor, AppError};
use common::{agree, backends, d, org_with_members, p, report};
use registry::{NewRoleAssignment, Role};
use std::collections::BTreeSet;
use support::compliance::{CheckId, Status};
use support::inventions::{Conflict, Criterion, Stage};
use support::opportunities::{Fit, Kind, Scope};

fn viewer(supervisor: bool, grants: &[(i64, OrgRole, Option<i64>)]) -> Viewer {
    Viewer {
        login: "x".into(),
        display_name: "X".into(),
        supervisor,
        admin: false,
        scope: None,
        grants: grants
            .iter()
            .map(|&(org_id, role, member_id)| Grant {
                org_id,
                role,
                member_id,
            })
            .collect(),
    }
}

async fn give_role(app: &app::App, org: i64, member: i64, role: Role) {
    app.assign_role(
        org,
        NewRoleAssignment {
            person_name: format!("Socia {member}"),
            member_id: Some(member),
            role,
            from: d(2025, 2, 1),
        },
        &Actor::cli(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn r_info_1_members_see_what_fits_them_and_mark_interest() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "oport", 3).await;
        let today = d(2026, 12, 5);
        let fit = Fit {
            trades: ["Alfarería".to_string()].into(),
            programmes: ["women".to_string()].into(),
            min_capacity: Some(100),
            ..Fit::default()
        };
        let new = app::support_cases::NewOpportunity {
            kind: Kind::Buyer,
            title: "Hotel busca 500 cazuelas".into(),
            description: "Entrega en febrero".into(),
            deadline: d(2026, 12, 31),
            fit,
        };
        let first = app
            .publish_opportunity(org, &Actor::cli(), Some("hotel-1"), new.clone(), today)
            .await
            .unwrap();
        // The same reference again is a replay: the same opportunity, nothing written.
        let events = common::event_count(&app, org).await;
        let again = app
            .publish_opportunity(org, &Actor::cli(), Some("hotel-1"), new.clone(), today)
            .await
            .unwrap();
        assert_eq!(first, again, "{name}");
        assert_eq!(common::event_count(&app, org).await, events, "{name}");
        // Other content under the same reference is refused.
        let other = app::support_cases::NewOpportunity {
            title: "Otra cosa".into(),
            ..new.clone()
        };
        assert!(app
            .publish_opportunity(org, &Actor::cli(), Some("hotel-1"), other, today)
            .await
            .is_err());
        // Nobody declared a capacity yet: the minimum capacity matches no one.
        assert!(
            app.para_ti(org, ids[0], today).await.unwrap().is_empty(),
            "{name}"
        );
        app.declare_capacities(
            org,
            &Actor::cli(),
            vec![app::trade_cases::CapacityInput {
                member: ids[0],
                product: "cazuela".into(),
                grade: "A".into(),
                capacity_units: 150,
                min_lot_units: 10,
                declared_on: d(2026, 11, 1),
            }],
        )
        .await
        .unwrap();
        // A programme-wide opportunity fits everyone.
        let wide = app::support_cases::NewOpportunity {
            kind: Kind::Funding,
            title: "Convocatoria nacional".into(),
            description: "Fondos para hornos".into(),
            deadline: d(2027, 1, 31),
            fit: Fit::default(),
        };
        app.publish_opportunity(
            store::PROGRAMME_ORG,
            &Actor::cli(),
            Some(&format!("conv-{org}")),
            wide,
            d(2026, 12, 1),
        )
        .await
        .unwrap();
        let mine = app.para_ti(org, ids[0], today).await.unwrap();
        // Newest first: the buyer (published 5 Dec) before the call (1 Dec).
        let titles: Vec<&str> = mine.iter().map(|i| i.opportunity.title.as_str()).collect();
        assert_eq!(titles[0], "Hotel busca 500 cazuelas", "{name}");
        assert!(titles.contains(&"Convocatoria nacional"));
        // Member 1 has no capacity: only the programme-wide call.
        let theirs = app.para_ti(org, ids[1], today).await.unwrap();
        assert!(
            theirs
                .iter()
                .all(|i| i.opportunity.scope == Scope::Programme),
            "{name}"
        );

        app.mark_interest(
            org,
            &Actor::cli(),
            ids[0],
            Scope::Odf,
            first.opportunity.id,
            today,
        )
        .await
        .unwrap();
        app.mark_interest(
            org,
            &Actor::cli(),
            ids[0],
            Scope::Odf,
            first.opportunity.id,
            today,
        )
        .await
        .unwrap();
        let err = app
            .mark_interest(
                org,
                &Actor::cli(),
                ids[1],
                Scope::Odf,
                first.opportunity.id,
                today,
            )
            .await
            .unwrap_err();
        assert_eq!(err.rule_id(), Some("R-INFO-1"));
        let audience = app
            .opportunity_audience(org, Scope::Odf, first.opportunity.id, today)
            .await
            .unwrap();
        assert_eq!(audience.matched.len(), 1, "{name}");
        assert_eq!(
            audience.interested.len(),
            1,
            "{name}: marked twice, counted once"
        );
        assert_eq!(audience.interested[0].name, "Socia 0 Gómez López");
        assert!(app.para_ti(org, ids[0], today).await.unwrap()[0].interested);
    }
}

#[tokio::test]
async fn r_inno_1_reviews_recusals_stages_and_confidential_notes() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "invent", 8).await;
        // 0 and 1 invent; 2 lives with 0; 2 and 3 sit on the innovation committee; 4 is on the
        // board; 5 is another member.
        give_role(&app, org, ids[2], Role::InnovationCommittee).await;
        give_role(&app, org, ids[3], Role::InnovationCommittee).await;
        let on = d(2026, 12, 1);
        let new = app::support_cases::NewInvention {
            title: "Torno de pedal".into(),
            description: "Torno para alfarería sin electricidad".into(),
            inventors: vec![ids[0], ids[1]],
            household: [ids[2]].into(),
        };
        let inv = app
            .register_invention(org, &Actor::cli(), Some("torno"), new.clone(), on)
            .await
            .unwrap();
        let again = app
            .register_invention(org, &Actor::cli(), Some("torno"), new, on)
            .await
            .unwrap();
        assert_eq!(inv.id, again.id, "{name}: a replay registers nothing new");
        assert_eq!(app.inventions_for(org, None, on).await.unwrap().len(), 1);

        // A member off the committee cannot review.
        let all: BTreeSet<Criterion> = Criterion::ALL.into_iter().collect();
        let err = app
            .review_invention(org, &Actor::cli(), inv.id, ids[5], all.clone(), "bien", on)
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("reviewer"));
        // The committee member in the inventor's household is refused, and the recusal stays.
        let err = app
            .review_invention(org, &Actor::cli(), inv.id, ids[2], all.clone(), "bien", on)
            .await
            .unwrap_err();
        assert_eq!(
            (err.rule_id(), err.field()),
            (Some("R-INNO-1"), Some("reviewer"))
        );
        let stored = app
            .invention_for(org, None, inv.id, on)
            .await
            .unwrap()
            .invention;
        assert_eq!(stored.recusals.len(), 1, "{name}");
        assert_eq!(stored.recusals[0].conflict, Conflict::Household);
        assert!(stored.reviews.is_empty());
        // No advance before an approving review.
        assert!(app
            .advance_invention(org, &Actor::cli(), inv.id, ids[3], on)
            .await
            .is_err());
        app.review_invention(
            org,
            &Actor::cli(),
            inv.id,
            ids[3],
            all.clone(),
            "Nota confidencial: quemador",
            on,
        )
        .await
        .unwrap();
        let advanced = app
            .advance_invention(org, &Actor::cli(), inv.id, ids[3], on)
            .await
            .unwrap();
        assert_eq!(advanced.stage, Stage::Prototype, "{name}");

        // R-INNO-1: the notes for the inventor, the committee and the board only.
        let allowed = [
            (
                "inventor",
                viewer(false, &[(org, OrgRole::Member, Some(ids[1]))]),
            ),
            (
                "committee",
                viewer(false, &[(org, OrgRole::Member, Some(ids[3]))]),
            ),
            (
                "board",
                viewer(false, &[(org, OrgRole::Board, Some(ids[4]))]),
            ),
        ];
        for (who, v) in &allowed {
            let notes = app
                .invention_reviews(org, Some(v), inv.id, on)
                .await
                .unwrap();
            assert_eq!(
                notes[0].notes, "Nota confidencial: quemador",
                "{name}: {who}"
            );
        }
        let refused = [
            ("staff", viewer(false, &[(org, OrgRole::Staff, None)])),
            (
                "another member",
                viewer(false, &[(org, OrgRole::Member, Some(ids[5]))]),
            ),
            ("supervisor", viewer(true, &[])),
            (
                "support committee",
                viewer(false, &[(org, OrgRole::SupportCommittee, None)]),
            ),
            ("donor", viewer(false, &[(org, OrgRole::Donor, None)])),
            ("adviser", viewer(false, &[(org, OrgRole::Adviser, None)])),
        ];
        for (who, v) in &refused {
            let err = app
                .invention_reviews(org, Some(v), inv.id, on)
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    AccessError::Forbidden {
                        rule: "R-INNO-1",
                        ..
                    }
                ),
                "{name}: {who} must not read review notes: {err:?}"
            );
            let view = app.invention_for(org, Some(v), inv.id, on).await.unwrap();
            assert!(!view.notes_visible);
            assert!(
                view.invention.reviews.iter().all(|r| r.notes.is_empty()),
                "{name}: {who}"
            );
        }
        // Outside the ODF: not found, as a missing one.
        let stranger = viewer(false, &[(org + 1000, OrgRole::Board, Some(1))]);
        assert!(matches!(
            app.invention_reviews(org, Some(&stranger), inv.id, on)
                .await,
            Err(AccessError::NotFound)
        ));
    }
}

#[tokio::test]
async fn r_sup_1_and_r_sup_4_compliance_and_outcomes_from_the_books() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "cumple", 4).await;
        // Baselines 1,000.00 each; three report in January 2025: 2,000.00 (doubled),
        // 1,999.99 (not) and 3,000.00 (doubled); the fourth does not report.
        for m in &ids {
            agree(&app, org, *m, 100_000, 50_000).await;
        }
        report(&app, org, p(2025, 1), ids[0], 200_000, 80_000).await;
        report(&app, org, p(2025, 1), ids[1], 199_999, 80_000).await;
        report(&app, org, p(2025, 1), ids[2], 300_000, 80_000).await;
        let real_today = app::fact_date::mexico_city_today(chrono::Utc::now());
        app.close_period(
            org,
            p(2025, 1),
            real_today,
            CloseOptions::default(),
            &common::audit(),
        )
        .await
        .unwrap();

        // February 2025: the same three report, and it is closed on 5 March 2025, before its
        // due day (1 March + 15 days).
        report(&app, org, p(2025, 2), ids[0], 200_000, 80_000).await;
        report(&app, org, p(2025, 2), ids[1], 199_999, 80_000).await;
        report(&app, org, p(2025, 2), ids[2], 300_000, 80_000).await;
        let february_closed_on = chrono::NaiveDate::from_ymd_opt(2025, 3, 5).unwrap();
        app.close_period(
            org,
            p(2025, 2),
            february_closed_on,
            CloseOptions::default(),
            &common::audit(),
        )
        .await
        .unwrap();

        let (period, outcome) = app
            .odf_outcome(org, Some(p(2025, 1)), real_today)
            .await
            .unwrap();
        assert_eq!(period, p(2025, 1));
        assert_eq!(outcome.total.members, 4, "{name}");
        assert_eq!(outcome.total.reporting, 3);
        assert_eq!(outcome.total.doubled, 2);
        assert_eq!(outcome.total.baseline_minor, 300_000);
        assert_eq!(outcome.total.now_minor, 699_999);
        assert_eq!(outcome.by_programme["women"].doubled, 2);
        let series = app.outcome_series(org, 12).await.unwrap();
        assert_eq!(series.len(), 2);

        let c = app.compliance(org, real_today).await.unwrap();
        let check = |id: CheckId| c.checks.iter().find(|x| x.id == id).unwrap().clone();
        // 3 of 4 members reported: 75 % is below the 80 % minimum.
        let reporting = check(CheckId::MembersReporting);
        assert_eq!(reporting.status, Status::Fail, "{name}");
        assert_eq!(reporting.figure, "75.00 % (3 de 4)");
        // January 2025 was closed today, long after its due day (15 February 2025); February
        // on its day; every later period due by today is open: one on time.
        let mut due = 0;
        let mut period = p(2025, 1);
        while period.end_exclusive() + chrono::Days::new(15) <= real_today {
            due += 1;
            period = period.next();
        }
        let periods = check(CheckId::PeriodsClosedOnTime);
        assert_eq!(periods.status, Status::Fail);
        assert_eq!(periods.figure, format!("1 de {due}"), "{name}");
        assert_eq!(periods.evidence[0], "close:2025-01");
        assert!(!periods.evidence.contains(&"close:2025-02".to_string()));
        assert_eq!(
            check(CheckId::BooksReconcile).status,
            Status::Pass,
            "{name}"
        );
        assert_eq!(check(CheckId::NoticesResolved).status, Status::Pass);
        assert_eq!(
            check(CheckId::LineWithinLimit).status,
            Status::NotApplicable
        );
        assert_eq!(
            check(CheckId::CompetitionPaymentsDecided).status,
            Status::NotApplicable
        );
        assert_eq!(
            check(CheckId::DuesArrears).figure,
            "0 socios (0.00 %), 0.00"
        );

        let (odfs, ranking) = app.programme_compliance(real_today, 4).await.unwrap();
        assert!(odfs.iter().any(|o| o.org_id == org));
        assert_eq!(ranking.len(), odfs.len());
        let programme = app
            .programme_outcome(Some(p(2025, 1)), real_today, 4)
            .await
            .unwrap();
        assert!(programme.total.doubled >= 2);
    }
}

#[tokio::test]
async fn r_sup_2_scenarios_are_saved_and_compared() {
    for (name, app) in backends().await {
        let s = support::projection::Scenario::seed_002(30, 10_000_000);
        app.save_scenario(&Actor::cli(), &s).await.unwrap();
        app.save_scenario(&Actor::cli(), &s).await.unwrap();
        let flat = support::projection::Scenario {
            name: "Sin crecimiento".into(),
            annual_growth: rust_decimal::Decimal::ZERO,
            ..s.clone()
        };
        app.save_scenario(&Actor::cli(), &flat).await.unwrap();
        let saved = app.scenarios().await.unwrap();
        assert_eq!(
            saved.len(),
            2,
            "{name}: saving the same scenario twice keeps one"
        );
        let mut bad = s.clone();
        bad.months = 0;
        let err: AppError = app.save_scenario(&Actor::cli(), &bad).await.unwrap_err();
        assert_eq!(err.field(), Some("months"));
        let (_, rows) = app.compare_scenarios(&[], d(2026, 12, 5)).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1.len(), 31, "months 0..=30");
    }
}
