//! Figures of each ODF kept until its log moves (`app::kept_per_org`, issue 19): its part of the
//! projection's present state (R-SUP-2) and, for an ODF without a closed period, its outcome in
//! the period containing today (R-SUP-4). After every kind of write each figure reads, made
//! through the app, the kept figure equals a fresh computation and the expected values computed
//! here by hand; on another day too; and while the log does not move the figure is kept (a
//! write that bypasses the log is not seen until the log moves, which is what proves it was
//! kept). On SQLite, and on PostgreSQL when `TEQUIO_TEST_PG_URL` is set (a failure when
//! `TEQUIO_REQUIRE_ALL` is set and it is not).

mod common;

use app::credit_cases::OpenLineCmd;
use app::fund_cases::CloseOptions;
use app::support_cases::OdfPresent;
use app::{Actor, App};
use chrono::{Days, NaiveDate};
use common::{agree, audit, backends, d, new_member, org_with_members, p, report};
use fund::CompetitionCategory;
use registry::Profile;
use std::sync::Arc;
use store::OrgId;
use support::outcomes::OdfOutcome;

/// The kept part equals a fresh computation of it.
async fn present(app: &App, org: OrgId, today: NaiveDate, after: &str) -> Arc<OdfPresent> {
    let kept = app.kept_odf_present(org, today).await.unwrap();
    let fresh = app.odf_present(org, today).await.unwrap();
    assert_eq!(
        *kept, fresh,
        "after {after}: kept part differs from a fresh one"
    );
    kept
}

/// The kept outcome of the period containing `today` equals a fresh computation of it.
async fn now(app: &App, org: OrgId, today: NaiveDate, after: &str) -> (fund::Period, OdfOutcome) {
    let kept = app.kept_odf_outcome_now(org, today).await.unwrap();
    let fresh = app.odf_outcome_now(org, today).await.unwrap();
    assert_eq!(
        *kept, fresh,
        "after {after}: kept outcome differs from a fresh one"
    );
    fresh
}

#[tokio::test]
async fn r_sup_2_kept_present_state_equals_a_fresh_computation_after_every_write() {
    for (name, app) in backends().await {
        let today = common::today();
        // Ten members joined 2025-01-15; the ODF was founded 2025-01-01.
        let (org, ids) = org_with_members(&app, "presente", 10).await;
        let first = present(&app, org, today, "nothing").await;
        assert_eq!(first.participants, 10, "{name}");
        assert_eq!(
            (first.fund_minor, first.line_minor, first.oldest_line),
            (0, 0, None),
            "{name}"
        );

        // Fund payments in: grants on days 10, 40 and 130 after the founding, 80,000.00 in all.
        let founded = d(2025, 1, 1);
        for (i, (days, amount)) in [(10, 4_000_000), (40, 1_000_000), (130, 3_000_000)]
            .into_iter()
            .enumerate()
        {
            app.receive_grant(
                org,
                &format!("donativo-{i}"),
                "Fundación Morelos",
                amount,
                founded + Days::new(days),
                &audit(),
            )
            .await
            .unwrap();
        }
        let s = present(&app, org, today, "three grants").await;
        assert_eq!(s.fund_minor, 8_000_000, "{name}");

        // A Fund payment out of the trust (R-FUND-3): 100.00 for a trade fair, decided by the
        // board (R-GOV-2).
        let seats = common::seat_board(&app, org, &ids[..3]).await;
        present(&app, org, today, "board seats").await;
        let decision = common::board_decides(
            &app,
            org,
            &seats,
            governance::ProposalKind::Expenditure,
            10_000,
        )
        .await;
        app.spend_competition(
            org,
            "feria-1",
            CompetitionCategory::TradeFairsAndSalesPromotion,
            "Feria de Tlayacapan",
            10_000,
            Some(decision),
            d(2026, 5, 2),
            &audit(),
        )
        .await
        .unwrap();
        let s = present(&app, org, today, "a payment from the trust").await;
        assert_eq!(s.fund_minor, 8_000_000 - 10_000, "{name}");

        // A new member (11 active), then a leave on 1 March 2025 (10 active).
        app.import_members(
            org,
            &[new_member(10, Profile::MicroProducer, 1981)],
            &Actor::cli(),
        )
        .await
        .unwrap();
        assert_eq!(
            present(&app, org, today, "a new member").await.participants,
            11,
            "{name}"
        );
        app.record_leave(org, ids[9], d(2025, 3, 1), "se mudó", &Actor::cli())
            .await
            .unwrap();
        assert_eq!(
            present(&app, org, today, "a leave").await.participants,
            10,
            "{name}"
        );

        // A line opened 2025-07-01 at twice the first three months' deposits (R-CRED-1):
        // D = 40,000.00 + 10,000.00 (day 130 is after the third month), the limit 2D.
        let deposit = 4_000_000 + 1_000_000;
        app.open_credit_line(
            org,
            &Actor::cli(),
            OpenLineCmd {
                line_id: 1,
                lender_code: "nafin".into(),
                annual_rate: rust_decimal::Decimal::new(18, 2),
                requested_limit_minor: None,
                opened_on: d(2025, 7, 1),
                review: None,
            },
        )
        .await
        .unwrap();
        let s = present(&app, org, today, "a line opened").await;
        assert_eq!(
            (s.line_minor, s.initial_deposit_minor, s.oldest_line),
            (2 * deposit, deposit, Some(d(2025, 7, 1))),
            "{name}"
        );
        // Its review six months later, commitments met: the limit doubles (R-CRED-2).
        app.review_credit_line(org, &Actor::cli(), 1, d(2026, 1, 1))
            .await
            .unwrap();
        let s = present(&app, org, today, "a line reviewed").await;
        assert_eq!(s.line_minor, 4 * deposit, "{name}");

        // Plans, reports and January 2025's close: new revenue is revenue above the baseline
        // (R-FUND-1): (2,000.00 − 1,000.00) + (1,500.00 − 1,000.00) = 1,500.00.
        for m in &ids[..3] {
            agree(&app, org, *m, 100_000, 50_000).await;
        }
        report(&app, org, p(2025, 1), ids[0], 200_000, 80_000).await;
        report(&app, org, p(2025, 1), ids[1], 150_000, 60_000).await;
        present(&app, org, today, "plans and reports").await;
        app.close_period(org, p(2025, 1), today, CloseOptions::default(), &audit())
            .await
            .unwrap();
        let s = present(&app, org, today, "a close").await;
        assert_eq!(s.new_revenue_minor, 150_000, "{name}");

        // Another day: computed for that day, not the kept one.
        let later = today + Days::new(40);
        let kept_today = app.kept_odf_present(org, today).await.unwrap();
        let on_later = present(&app, org, later, "another day").await;
        assert!(
            !Arc::ptr_eq(&kept_today, &on_later),
            "{name}: same day kept"
        );

        // The programme (this ODF alone in the database): its parts added. 10 participants;
        // the Fund less the close's contributions is the fresh fold's; the line opened in July
        // 2025 is 16 months old in November 2026; 1,500.00 of new revenue over 10
        // participants is 150.00 each.
        let fresh = app.odf_present(org, today).await.unwrap();
        let state = app.projection_present(today).await.unwrap();
        assert_eq!(
            (state.participants, state.odfs, state.states),
            (10, 1, 1),
            "{name}"
        );
        assert_eq!(state.fund_minor, fresh.fund_minor, "{name}");
        assert_eq!(
            (state.line_minor, state.initial_deposit_minor),
            (4 * deposit, deposit),
            "{name}"
        );
        assert_eq!(state.line_age_months, 16, "{name}");
        assert_eq!(state.avg_new_revenue_minor, 15_000, "{name}");
    }
}

#[tokio::test]
async fn r_sup_2_the_present_part_is_kept_while_the_log_does_not_move() {
    for (name, app) in backends().await {
        let today = common::today();
        let (org, _) = common::org_with_members_and_dues(&app, "quieta", 4, 5_000).await;
        // The members were registered through the store alone (no event): write one event.
        app.charge_dues_period(org, "2025-02", today, &Actor::cli())
            .await
            .unwrap();
        let first = present(&app, org, today, "a dues charge").await;
        assert_eq!(first.participants, 4, "{name}");

        // A member registered through the store alone writes no event: the log did not move,
        // so the kept part is answered (the same one), while a fresh computation counts five.
        app.store()
            .import_members(org, &[new_member(4, Profile::MicroProducer, 1981)], &[])
            .await
            .unwrap();
        let kept = app.kept_odf_present(org, today).await.unwrap();
        assert!(Arc::ptr_eq(&first, &kept), "{name}: not kept");
        assert_eq!(kept.participants, 4, "{name}");
        assert_eq!(
            app.odf_present(org, today).await.unwrap().participants,
            5,
            "{name}"
        );
        // The programme's present state reads the kept part.
        assert_eq!(
            app.projection_present(today).await.unwrap().participants,
            4,
            "{name}"
        );

        // Any event in the organisation's log moves it: the next view computes afresh (the
        // five members less the one who left).
        app.record_leave(
            org,
            first_member(&app, org).await,
            d(2025, 3, 1),
            "x",
            &Actor::cli(),
        )
        .await
        .unwrap();
        assert_eq!(
            present(&app, org, today, "a leave").await.participants,
            4,
            "{name}"
        );
        assert_eq!(
            app.projection_present(today).await.unwrap().participants,
            4,
            "{name}"
        );
    }
}

/// The ODF's first member.
async fn first_member(app: &App, org: OrgId) -> i64 {
    app.store()
        .members(org, store::Page::first(1))
        .await
        .unwrap()[0]
        .id
}

#[tokio::test]
async fn r_sup_4_kept_outcome_of_the_current_period_equals_a_fresh_computation_after_every_write() {
    for (name, app) in backends().await {
        // Viewed on 10 February 2025: the period containing it is February 2025 (monthly).
        let day = d(2025, 2, 10);
        let (org, ids) = org_with_members(&app, "sin-cierre", 5).await;
        let (period, o) = now(&app, org, day, "nothing").await;
        assert_eq!(period, p(2025, 2), "{name}");
        assert_eq!(o.total.members, 0, "{name}: nobody has a plan");

        // Two plans with a baseline of 1,000.00 a month.
        agree(&app, org, ids[0], 100_000, 50_000).await;
        agree(&app, org, ids[1], 100_000, 50_000).await;
        let (_, o) = now(&app, org, day, "two plans").await;
        assert_eq!((o.total.members, o.total.reporting), (2, 0), "{name}");

        // One reports 2,500.00 for February: reporting against its own baseline, doubled.
        report(&app, org, p(2025, 2), ids[0], 250_000, 90_000).await;
        let (_, o) = now(&app, org, day, "a report").await;
        assert_eq!(
            (
                o.total.reporting,
                o.total.baseline_minor,
                o.total.now_minor,
                o.total.doubled
            ),
            (1, 100_000, 250_000, 1),
            "{name}"
        );

        // A new member with a plan; a leave.
        app.import_members(
            org,
            &[new_member(5, Profile::MicroProducer, 1981)],
            &Actor::cli(),
        )
        .await
        .unwrap();
        let new_id = app
            .store()
            .members(org, store::Page::first(10))
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .max()
            .unwrap();
        agree(&app, org, new_id, 80_000, 40_000).await;
        let (_, o) = now(&app, org, day, "a new member's plan").await;
        assert_eq!(o.total.members, 3, "{name}");
        app.record_leave(org, ids[4], d(2025, 3, 1), "se mudó", &Actor::cli())
            .await
            .unwrap();
        now(&app, org, day, "a leave").await;

        // The programme (this ODF alone, no closed period) shows the kept figure.
        let programme = app.programme_outcome(None, day, 4).await.unwrap();
        assert_eq!(
            programme,
            app.odf_outcome_now(org, day).await.unwrap().1,
            "{name}"
        );

        // Another day in March 2025: March's figures, where nobody has reported.
        let (period, o) = now(&app, org, d(2025, 3, 5), "another day").await;
        assert_eq!(period, p(2025, 3), "{name}");
        assert_eq!((o.total.members, o.total.reporting), (3, 0), "{name}");

        // While the log does not move the figure is kept: the same one answers twice.
        let a = app.kept_odf_outcome_now(org, day).await.unwrap();
        let b = app.kept_odf_outcome_now(org, day).await.unwrap();
        assert!(Arc::ptr_eq(&a, &b), "{name}: not kept");
    }
}
