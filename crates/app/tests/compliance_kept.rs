//! R-SUP-1's kept compliance figures (`app::support_cases::compliance_kept`): after every kind
//! of write the checks read, made through the app, the next view equals a fresh computation
//! and a check that passed before the write and fails after it shows the failure; a write by
//! another `App` on the same database (another process) is seen too; and while the log does
//! not move the figures are kept (a write that bypasses the log is not seen until the log
//! moves, which is what proves they were kept). On SQLite, and on PostgreSQL when
//! `TEQUIO_TEST_PG_URL` is set (a failure when `TEQUIO_REQUIRE_ALL` is set and it is not).

mod common;

use app::fund_cases::CloseOptions;
use app::{Actor, App};
use chrono::{Days, NaiveDate};
use common::{agree, backends, new_member, org_with_members_and_dues, p, report};
use registry::Profile;
use store::OrgId;
use support::compliance::{CheckId, Status};

/// The kept figures equal a fresh computation of them, and the page's checks are built from
/// them; answers the dues check (status and figure).
async fn same_as_fresh(app: &App, org: OrgId, today: NaiveDate, after: &str) -> (Status, String) {
    let kept = app.kept_compliance_figures(org, today).await.unwrap();
    let fresh = app.compliance_figures(org, today).await.unwrap();
    assert_eq!(
        *kept, fresh,
        "after {after}: kept figures differ from fresh ones"
    );
    let page = app.compliance(org, today).await.unwrap();
    let dues = page
        .checks
        .iter()
        .find(|c| c.id == CheckId::DuesArrears)
        .unwrap();
    (dues.status, dues.figure.clone())
}

#[tokio::test]
async fn r_sup_1_kept_compliance_equals_a_fresh_computation_after_every_write() {
    for (name, app) in backends().await {
        let today = app::fact_date::mexico_city_today(chrono::Utc::now());
        // Ten members joined 2025-01-15; dues 50.00 a month.
        let (org, ids) = org_with_members_and_dues(&app, "guardado", 10, 5_000).await;

        // Nobody charged yet: nobody in arrears, the check passes.
        let (status, figure) = same_as_fresh(&app, org, today, "nothing").await;
        assert_eq!(status, Status::Pass, "{name}");
        assert_eq!(figure, "0 socios (0.00 %), 0.00", "{name}");

        // February 2025's dues charged through the app: all ten owe 50.00, 10 × 50.00 =
        // 500.00, 100 % of the members, above the 10 % allowed: the passing check now fails.
        app.charge_dues_period(org, "2025-02", today, &Actor::cli())
            .await
            .unwrap();
        let (status, figure) = same_as_fresh(&app, org, today, "a dues charge").await;
        assert_eq!(
            status,
            Status::Fail,
            "{name}: a kept pass shown after a write"
        );
        assert_eq!(figure, "10 socios (100.00 %), 500.00", "{name}");

        // Nine pay: one member owes 50.00, 10 % of ten, at the limit: passes again.
        for (i, m) in ids.iter().take(9).enumerate() {
            app.record_dues_payment(org, *m, 5_000, today, &format!("rec-{i}"), &Actor::cli())
                .await
                .unwrap();
        }
        let (status, figure) = same_as_fresh(&app, org, today, "nine payments").await;
        assert_eq!(status, Status::Pass, "{name}");
        assert_eq!(figure, "1 socios (10.00 %), 50.00", "{name}");

        // Another App on the same database (as another process would be) records the tenth
        // member's payment, their leave on 1 March 2025 and a new member: this App's next
        // view sees them (nobody in arrears; 10 − 1 + 1 = 10 members active).
        let other = App::new(app.store().clone());
        other
            .record_dues_payment(org, ids[9], 5_000, today, "rec-9", &Actor::cli())
            .await
            .unwrap();
        other
            .record_leave(org, ids[9], common::d(2025, 3, 1), "se mudó", &Actor::cli())
            .await
            .unwrap();
        other
            .import_members(
                org,
                &[new_member(10, Profile::MicroProducer, 1981)],
                &Actor::cli(),
            )
            .await
            .unwrap();
        let (status, figure) = same_as_fresh(&app, org, today, "another process's writes").await;
        assert_eq!(status, Status::Pass, "{name}");
        assert_eq!(figure, "0 socios (0.00 %), 0.00", "{name}");
        let after = app.kept_compliance_figures(org, today).await.unwrap();
        assert_eq!(after.members_active, 10, "{name}");

        // Plans, reports and a close (periods closed on time, the share reporting).
        for m in &ids[..3] {
            agree(&app, org, *m, 100_000, 50_000).await;
        }
        same_as_fresh(&app, org, today, "three plans").await;
        report(&app, org, p(2025, 1), ids[0], 200_000, 80_000).await;
        report(&app, org, p(2025, 1), ids[1], 150_000, 60_000).await;
        same_as_fresh(&app, org, today, "two reports").await;
        app.close_period(
            org,
            p(2025, 1),
            today,
            CloseOptions::default(),
            &common::audit(),
        )
        .await
        .unwrap();
        let closed = app.kept_compliance_figures(org, today).await.unwrap();
        same_as_fresh(&app, org, today, "a close").await;
        // January 2025 closed today: its period is in the figures with today's date, and two
        // members reported in it.
        let january = closed
            .periods
            .iter()
            .find(|x| x.period == "2025-01")
            .unwrap();
        assert_eq!(january.closed_on, Some(today), "{name}");
        assert_eq!(closed.last_period.as_deref(), Some("2025-01"), "{name}");
        assert_eq!(closed.members_reporting, 2, "{name}");

        // A board decision (decisions that reached quorum).
        let seats = common::seat_board(&app, org, &ids[..3]).await;
        same_as_fresh(&app, org, today, "board seats").await;
        common::board_decides(
            &app,
            org,
            &seats,
            governance::ProposalKind::Expenditure,
            10_000,
        )
        .await;
        same_as_fresh(&app, org, today, "a board decision").await;
        assert_eq!(
            app.kept_compliance_figures(org, today)
                .await
                .unwrap()
                .decisions
                .len(),
            1,
            "{name}"
        );

        // Another day: periods fall due and figures are for that day.
        let later = today + Days::new(40);
        same_as_fresh(&app, org, later, "another day").await;
        assert_eq!(
            app.kept_compliance_figures(org, later).await.unwrap().today,
            later
        );

        // The programme's ranking reads the same kept figures.
        let (odfs, _) = app.programme_compliance(today, 4).await.unwrap();
        let mine = odfs.iter().find(|o| o.org_id == org).unwrap();
        assert_eq!(
            mine.checks,
            app.compliance(org, today).await.unwrap().checks
        );
        let fresh = support::compliance::checks(
            &app.compliance_figures(org, today).await.unwrap(),
            &Default::default(),
        );
        assert_eq!(mine.checks, fresh, "{name}");
    }
}

#[tokio::test]
async fn r_sup_1_figures_are_kept_while_the_log_does_not_move() {
    for (name, app) in backends().await {
        let today = app::fact_date::mexico_city_today(chrono::Utc::now());
        let (org, _) = org_with_members_and_dues(&app, "quieto", 4, 5_000).await;
        let first = app.kept_compliance_figures(org, today).await.unwrap();
        assert_eq!(first.members_active, 4, "{name}");

        // A member registered through the store alone writes no event: the log did not move,
        // so the kept figures are answered (the same ones), while a fresh computation counts
        // five. (The app never writes like this; tests and benchmarks do.)
        app.store()
            .import_members(org, &[new_member(4, Profile::MicroProducer, 1981)], &[])
            .await
            .unwrap();
        let kept = app.kept_compliance_figures(org, today).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&first, &kept), "{name}: not kept");
        assert_eq!(kept.members_active, 4, "{name}");
        assert_eq!(
            app.compliance_figures(org, today)
                .await
                .unwrap()
                .members_active,
            5,
            "{name}"
        );

        // Any event in the organisation's log moves it: the next view computes afresh.
        app.charge_dues_period(org, "2025-02", today, &Actor::cli())
            .await
            .unwrap();
        let moved = app.kept_compliance_figures(org, today).await.unwrap();
        assert_eq!(moved.members_active, 5, "{name}");
        // 4 members were active on 2025-02-01 and charged 50.00 each (the fifth joined
        // 2025-01-15 too, through the store: charged as well): 5 × 50.00.
        assert_eq!(moved.arrears_minor, 25_000, "{name}");
        assert_eq!(*moved, app.compliance_figures(org, today).await.unwrap());
    }
}
