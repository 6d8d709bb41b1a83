//! R-SUP-4 over time through the app, on SQLite and on PostgreSQL when `TEQUIO_TEST_PG_URL`
//! is set: an ODF's series over its closed periods (figures worked by hand below), kept
//! between reads and brought up to date by a late report (its period only) and by a member's
//! change (all periods), always equal to the series computed from scratch by a fresh app on
//! the same database; and the programme's series, the sum over ODFs period by period.

mod common;

use app::fund_cases::CloseOptions;
use app::{Actor, App};
use common::{agree, backends, org_with_members, p, report};
use std::collections::BTreeMap;
use support::outcomes::{Outcome, PeriodOutcome};

async fn close(app: &App, org: i64, period: fund::Period) {
    let today = app::fact_date::mexico_city_today(chrono::Utc::now());
    app.close_period(
        org,
        period,
        today,
        CloseOptions::default(),
        &common::audit(),
    )
    .await
    .unwrap();
}

/// The series as a fresh app (nothing kept) computes it from the log.
async fn from_scratch(app: &App, org: i64) -> Vec<PeriodOutcome> {
    App::new(app.store().clone())
        .outcome_series(org, 24)
        .await
        .unwrap()
}

fn totals(series: &[PeriodOutcome]) -> Vec<(String, Outcome)> {
    series
        .iter()
        .map(|p| (p.period.clone(), p.outcome.total))
        .collect()
}

fn outcome(members: u64, reporting: u64, baseline: i128, now: i128, doubled: u64) -> Outcome {
    Outcome {
        members,
        reporting,
        baseline_minor: baseline,
        now_minor: now,
        doubled,
    }
}

#[tokio::test]
async fn r_sup_4_series_per_closed_period_kept_and_summed_over_odfs() {
    for (name, app) in backends().await {
        // ODF A: baselines 1,000.00, 2,000.00 and 500.00.
        let (a, ids) = org_with_members(&app, "serie-a", 3).await;
        agree(&app, a, ids[0], 100_000, 40_000).await;
        agree(&app, a, ids[1], 200_000, 40_000).await;
        agree(&app, a, ids[2], 50_000, 20_000).await;
        // January 2025: 2,000.00 ≥ 2 × 1,000.00 doubles; 3,000.00 < 2 × 2,000.00 does not.
        report(&app, a, p(2025, 1), ids[0], 200_000, 50_000).await;
        report(&app, a, p(2025, 1), ids[1], 300_000, 50_000).await;
        close(&app, a, p(2025, 1)).await;
        // February 2025: 1,500.00 does not; 1,000.00 = 2 × 500.00 doubles.
        report(&app, a, p(2025, 2), ids[0], 150_000, 50_000).await;
        report(&app, a, p(2025, 2), ids[2], 100_000, 30_000).await;
        close(&app, a, p(2025, 2)).await;

        let series = app.outcome_series(a, 12).await.unwrap();
        let jan = outcome(3, 2, 100_000 + 200_000, 200_000 + 300_000, 1);
        let feb = outcome(3, 2, 100_000 + 50_000, 150_000 + 100_000, 1);
        assert_eq!(
            totals(&series),
            [("2025-01".to_string(), jan), ("2025-02".to_string(), feb)],
            "{name}"
        );
        assert_eq!(series, from_scratch(&app, a).await, "{name}");
        // The last closed period is the default outcome.
        let (period, last) = app.odf_outcome(a, None, common::today()).await.unwrap();
        assert_eq!((period, last.total), (p(2025, 2), feb), "{name}");
        // Read again with nothing new: the same.
        assert_eq!(app.outcome_series(a, 12).await.unwrap(), series, "{name}");

        // A late report for January (400.00 against 500.00): January changes, February not.
        report(&app, a, p(2025, 1), ids[2], 40_000, 10_000).await;
        let series = app.outcome_series(a, 12).await.unwrap();
        let jan = outcome(3, 3, 300_000 + 50_000, 500_000 + 40_000, 1);
        assert_eq!(
            totals(&series),
            [("2025-01".to_string(), jan), ("2025-02".to_string(), feb)],
            "{name}"
        );
        assert_eq!(series, from_scratch(&app, a).await, "{name}");

        // Member 0 moves to Puebla: every period's state cut changes.
        let member = app.store().member(a, ids[0]).await.unwrap();
        let mut edit = registry::MemberEdit::of(&member.data);
        edit.state = "Puebla".into();
        app.edit_member(a, ids[0], &edit, &Actor::cli())
            .await
            .unwrap();
        let series = app.outcome_series(a, 12).await.unwrap();
        assert_eq!(series, from_scratch(&app, a).await, "{name}");
        // R-SUP-3: the indicators kept beside the series are those read from the log.
        assert_eq!(
            app.kept_indicators(a).await.unwrap(),
            app.odf_indicators(a).await.unwrap(),
            "{name}"
        );
        for period in &series {
            let puebla = period.outcome.by_state["Puebla"];
            assert_eq!(puebla.members, 1, "{name}");
            // Member 0 doubled in January only.
            let doubled = u64::from(period.period == "2025-01");
            assert_eq!(puebla.doubled, doubled, "{name} {}", period.period);
            // State and trade each partition the period's members.
            for cut in [support::outcomes::Cut::State, support::outcomes::Cut::Trade] {
                let members: u64 = period.outcome.cut(cut).values().map(|o| o.members).sum();
                let doubled: u64 = period.outcome.cut(cut).values().map(|o| o.doubled).sum();
                assert_eq!(members, period.outcome.total.members, "{name}");
                assert_eq!(doubled, period.outcome.total.doubled, "{name}");
            }
        }

        // ODF B closes January only: 2,500.00 against 1,000.00 doubles.
        let (b, ids_b) = org_with_members(&app, "serie-b", 2).await;
        agree(&app, b, ids_b[0], 100_000, 40_000).await;
        agree(&app, b, ids_b[1], 300_000, 40_000).await;
        report(&app, b, p(2025, 1), ids_b[0], 250_000, 50_000).await;
        close(&app, b, p(2025, 1)).await;

        // The programme: for each period, the sum of each ODF's own figures.
        let programme = app.programme_outcome_series(12, 4).await.unwrap();
        let mut summed: BTreeMap<String, Outcome> = BTreeMap::new();
        for org in [a, b] {
            for point in from_scratch(&app, org).await {
                let s = summed.entry(point.period).or_default();
                let o = point.outcome.total;
                s.members += o.members;
                s.reporting += o.reporting;
                s.baseline_minor += o.baseline_minor;
                s.now_minor += o.now_minor;
                s.doubled += o.doubled;
            }
        }
        assert_eq!(
            totals(&programme),
            summed.into_iter().collect::<Vec<_>>(),
            "{name}"
        );
        // By hand: January is A's (3, 3 reporting, 1 doubled) and B's (2, 1, 1).
        assert_eq!(
            programme[0].outcome.total,
            outcome(5, 4, 350_000 + 100_000, 540_000 + 250_000, 2),
            "{name}"
        );
        assert_eq!(programme[1].outcome.total, feb, "{name}");
        assert_eq!(
            programme[0].outcome.by_state["Morelos"].members,
            2 + 2,
            "{name}"
        );
    }
}
