//! The period close at app level (R-FUND-1, R-FUND-2, R-PLAN-3, R-PLAN-4, R-PLAN-2
//! corrections), with hand-computed figures, on SQLite and (when configured) PostgreSQL.

mod common;

use app::fund_cases::CloseOptions;
use common::*;

/// Baseline 10,000.00 / 3,000.00. March: revenue 12,345.67, profit 4,000.01.
/// R-FUND-1: new revenue 2,345.67; 10% = 234.567 -> 234.57 (half-even on the centavo).
/// R-FUND-2: 234.57 = 117.29 Development (odd centavo) + 117.28 Competition.
/// R-PLAN-3: incremental profit 1,000.01; 25% = 250.0025 -> 250.00.
#[tokio::test]
async fn r_fund_1_r_fund_2_r_plan_3_the_close_makes_owed_the_split_contribution_and_the_profit_share(
) {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "cierre", 3).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        agree(&app, org, m[1], 1_000_000, 300_000).await;
        agree(&app, org, m[2], 500_000, 100_000).await;
        let march = p(2026, 3);
        report(&app, org, march, m[0], 1_234_567, 400_001).await;
        // Below baseline: no contribution; a loss against baseline: no profit share.
        report(&app, org, march, m[1], 900_000, 250_000).await;
        // m[2] does not report: nothing is owed.
        let r = app
            .close_period(org, march, today(), CloseOptions::default(), &audit())
            .await
            .unwrap();
        assert!(!r.already_closed, "{backend}");
        assert_eq!(r.members_reporting, 2, "{backend}");
        assert_eq!(r.members_above_baseline, 1, "{backend}");
        assert_eq!(
            r.contribution,
            fund::Split::new(11_729, 11_728),
            "{backend}"
        );
        assert_eq!(r.profit_share_minor, 25_000, "{backend}");
        assert_eq!((r.entries, r.commits), (2, 1), "{backend}");
        let fr = format!("members:{}:fund-receivable", m[0]);
        assert_eq!(balance(&app, org, &fr).await, 23_457, "{backend}");
        assert_eq!(balance(&app, org, "fund:development").await, -11_729);
        assert_eq!(balance(&app, org, "fund:competition").await, -11_728);
        let psr = format!("members:{}:profit-share-receivable", m[0]);
        assert_eq!(balance(&app, org, &psr).await, 25_000);
        assert_eq!(balance(&app, org, "odf:income:profit-share").await, -25_000);
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(state.member(m[0]).owed, fund::Split::new(11_729, 11_728));
        assert_eq!(state.member(m[0]).profit_share_owed_minor, 25_000);
        assert_eq!(state.sub_funds().total(), 23_457);
        trial(&app, org).await;
        // Entries are dated the period's last day and keyed by org, closing, kind, period and
        // the members they book.
        let entries = app
            .store()
            .entries(org, store::Page::first(10))
            .await
            .unwrap();
        assert!(entries.iter().all(|e| e.entry.date() == d(2026, 3, 31)));
        let key = format!(
            "fund:{org}:close:2026-03:contributions:2026-03:m{0}-m{0}:1:",
            m[0]
        );
        assert!(entries
            .iter()
            .any(|e| e.entry.idempotency_key().as_str().starts_with(&key)));
    }
}

#[tokio::test]
async fn closing_a_closed_period_changes_nothing_and_says_so() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "dos-veces", 1).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        report(&app, org, p(2026, 3), m[0], 1_234_567, 400_001).await;
        let opts = CloseOptions::default();
        app.close_period(org, p(2026, 3), today(), opts, &audit())
            .await
            .unwrap();
        let (events, entries, tb) = (
            event_count(&app, org).await,
            entry_count(&app, org).await,
            trial(&app, org).await,
        );
        let again = app
            .close_period(org, p(2026, 3), today(), opts, &audit())
            .await
            .unwrap();
        assert!(again.already_closed, "{backend}");
        assert_eq!(
            again.contribution.total(),
            23_457,
            "the report repeats the figures"
        );
        assert_eq!(again.entries, 0);
        assert_eq!(event_count(&app, org).await, events);
        assert_eq!(entry_count(&app, org).await, entries);
        assert_eq!(trial(&app, org).await, tb);
    }
}

/// March closed with revenue 12,345.67 (contribution 234.57). A correction to 13,345.67 after
/// the close: new revenue 3,345.67, contribution 334.567 -> 334.57, i.e. +100.00 = 50.00 +
/// 50.00. Profit corrected from 4,000.01 to 3,500.00: increment 500.00, share 125.00, i.e.
/// -125.00. The April close posts those differences as adjusting entries; March is not edited.
#[tokio::test]
async fn r_plan_2_a_late_correction_produces_adjusting_entries_in_the_next_close() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "correccion", 1).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        report(&app, org, p(2026, 3), m[0], 1_234_567, 400_001).await;
        let opts = CloseOptions::default();
        app.close_period(org, p(2026, 3), today(), opts, &audit())
            .await
            .unwrap();
        let corrected = app
            .correct_report(
                org,
                p(2026, 3),
                figures(m[0], 1_334_567, 350_000),
                "faltó una venta en la feria",
                today(),
                &audit(),
            )
            .await
            .unwrap();
        assert!(corrected.supersedes.is_some());
        // Closing March again still changes nothing: corrections wait for the next close.
        let again = app
            .close_period(org, p(2026, 3), today(), opts, &audit())
            .await
            .unwrap();
        assert!(again.already_closed);
        let april = app
            .close_period(org, p(2026, 4), today(), opts, &audit())
            .await
            .unwrap();
        assert_eq!(
            april.adjusted_periods,
            vec!["2026-03".to_string()],
            "{backend}"
        );
        assert_eq!(april.adjustment_lines, 1);
        assert_eq!(
            april.adjustment_contribution,
            fund::Split::new(5_000, 5_000)
        );
        assert_eq!(april.adjustment_profit_share_minor, -12_500);
        let fr = format!("members:{}:fund-receivable", m[0]);
        assert_eq!(balance(&app, org, &fr).await, 33_457);
        let psr = format!("members:{}:profit-share-receivable", m[0]);
        assert_eq!(balance(&app, org, &psr).await, 12_500);
        let entries = app
            .store()
            .entries(org, store::Page::first(10))
            .await
            .unwrap();
        // Booked by April's close as an adjustment of March.
        let adj = format!(
            "fund:{org}:close:2026-04:contributions:2026-03:adjust:m{0}-m{0}:1:",
            m[0]
        );
        let e = entries
            .iter()
            .find(|e| e.entry.idempotency_key().as_str().starts_with(&adj))
            .expect("an adjusting entry of March in April's close");
        assert_eq!(e.entry.reason().as_str(), "fund.contribution.adjust");
        assert_eq!(
            e.entry.date(),
            d(2026, 4, 30),
            "dated the close that found it"
        );
        // May finds nothing more to adjust.
        let may = app
            .close_period(org, p(2026, 5), today(), opts, &audit())
            .await
            .unwrap();
        assert!(may.adjusted_periods.is_empty());
        assert_eq!(may.entries, 0);
        trial(&app, org).await;
    }
}

#[tokio::test]
async fn r_plan_2_a_period_that_has_not_ended_is_not_closed() {
    let app = sqlite().await;
    let (org, _) = org_with_members(&app, "temprano", 1).await;
    let err = app
        .close_period(org, p(2026, 11), today(), CloseOptions::default(), &audit())
        .await
        .unwrap_err();
    assert_eq!(
        (err.rule_id(), err.field()),
        (Some("R-PLAN-2"), Some("period"))
    );
    assert_eq!(event_count(&app, org).await, 0);
}

#[tokio::test]
async fn a_preview_writes_nothing_and_shows_what_the_close_would_post() {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "vista", 1).await;
    agree(&app, org, m[0], 1_000_000, 300_000).await;
    report(&app, org, p(2026, 3), m[0], 1_234_567, 400_001).await;
    let before = event_count(&app, org).await;
    let r = app
        .close_period(
            org,
            p(2026, 3),
            today(),
            CloseOptions {
                preview: true,
                ..CloseOptions::default()
            },
            &audit(),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.entries, r.commits, r.contribution.total()),
        (2, 0, 23_457)
    );
    assert_eq!(event_count(&app, org).await, before);
    assert_eq!(entry_count(&app, org).await, 0);
}

/// R-PLAN-4: a plan with no positive increment in January, February and March (one month
/// without a report counts as no increment) is flagged by the March close; a plan that rose
/// in February is not.
#[tokio::test]
async fn r_plan_4_a_plan_with_no_increment_for_three_periods_is_flagged() {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "revision", 2).await;
    let stuck = agree(&app, org, m[0], 1_000_000, 300_000).await;
    agree(&app, org, m[1], 1_000_000, 300_000).await;
    report(&app, org, p(2026, 1), m[0], 1_000_000, 300_000).await;
    report(&app, org, p(2026, 3), m[0], 900_000, 200_000).await;
    report(&app, org, p(2026, 2), m[1], 1_000_001, 300_000).await;
    report(&app, org, p(2026, 3), m[1], 900_000, 200_000).await;
    let r = app
        .close_period(org, p(2026, 3), today(), CloseOptions::default(), &audit())
        .await
        .unwrap();
    assert_eq!(r.plans_flagged, vec![(stuck, m[0])]);
    let flag = app
        .store()
        .event_by_key(org, &format!("plan:{stuck}:flag:2026-03"))
        .await
        .unwrap();
    assert_eq!(flag.event.kind, "plan.review-flagged");
}

/// Closing all organisations: each is closed on its own, in parallel; a second run closes
/// nothing and says so for each.
#[tokio::test]
async fn closing_all_organisations_closes_each_once() {
    for (backend, app) in backends().await {
        let mut orgs = Vec::new();
        for i in 0..3 {
            let (org, m) = org_with_members(&app, &format!("todas-{i}"), 2).await;
            for &member in &m {
                agree(&app, org, member, 1_000_000, 300_000).await;
                report(&app, org, p(2026, 3), member, 1_100_000 + i as i64, 300_000).await;
            }
            orgs.push(org);
        }
        let opts = CloseOptions {
            concurrency: 2,
            ..CloseOptions::default()
        };
        let first = app
            .close_all(p(2026, 3), today(), opts, &audit())
            .await
            .unwrap();
        assert_eq!(first.len(), 3, "{backend}");
        for (i, (_, r)) in first.iter().enumerate() {
            let r = r.as_ref().unwrap();
            assert!(!r.already_closed);
            // 10% of (1,000.00 + i centavos), twice.
            let one = ledger::round::div_half_even((100_000 + i as i128) * 10, 100).unwrap() as i64;
            assert_eq!(r.contribution.total(), 2 * one, "{backend}");
        }
        let second = app
            .close_all(p(2026, 3), today(), opts, &audit())
            .await
            .unwrap();
        assert!(second
            .iter()
            .all(|(_, r)| r.as_ref().unwrap().already_closed));
        for org in orgs {
            trial(&app, org).await;
        }
    }
}

/// A large organisation is closed in atomic chunks (forced small here); the result equals
/// one-commit close to the centavo.
#[tokio::test]
async fn a_chunked_close_gives_the_same_books_as_a_single_commit() {
    let mut results = Vec::new();
    for chunk in [5_000, 3] {
        let app = sqlite().await;
        let (org, m) = org_with_members(&app, "grande", 10).await;
        for (i, &member) in m.iter().enumerate() {
            agree(&app, org, member, 1_000_000, 300_000).await;
            report(
                &app,
                org,
                p(2026, 3),
                member,
                1_000_000 + 12_345 * i as i64,
                300_000 + 999 * i as i64,
            )
            .await;
        }
        let r = app
            .close_period(
                org,
                p(2026, 3),
                today(),
                CloseOptions {
                    chunk_members: chunk,
                    ..CloseOptions::default()
                },
                &audit(),
            )
            .await
            .unwrap();
        assert_eq!(
            r.commits,
            if chunk == 3 { 3 + 1 } else { 1 },
            "9 changed lines (member 0 has no increment) in chunks of 3, then the completion"
        );
        results.push((trial(&app, org).await, app.fund_state(org).await.unwrap()));
    }
    assert_eq!(results[0], results[1]);
}

/// R-PLAN-2, R-FUND-1: a report filed while its period is being closed is never lost: it is
/// either in that close, or marked late and adjusted by the next one. Baseline 10,000.00;
/// every month m[1] reports 11,000.00 (contribution 100.00) at the same moment the month
/// is closed. After the closes, m[1] owes exactly 100.00 per month.
#[tokio::test]
async fn r_plan_2_a_report_filed_during_the_close_is_closed_or_adjusted_never_lost() {
    for (backend, app) in backends().await {
        let (org, m) = org_with_members(&app, "carrera", 2).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        agree(&app, org, m[1], 1_000_000, 300_000).await;
        let who = audit();
        let file = |period| {
            app.file_report(
                org,
                period,
                figures(m[1], 1_100_000, 300_000),
                None,
                today(),
                &who,
            )
        };
        let months = 6;
        for month in 1..=months {
            let period = p(2026, month);
            report(&app, org, period, m[0], 1_000_000, 300_000).await;
            let (closed, filed) = tokio::join!(
                app.close_period(org, period, today(), CloseOptions::default(), &who),
                file(period),
            );
            closed.unwrap();
            // A report that met the close's start in the store reads again: never refused.
            filed.unwrap_or_else(|e| panic!("{backend}: {e}"));
        }
        // The next month's close adjusts the last one if its report came late.
        app.close_period(
            org,
            p(2026, months + 1),
            today(),
            CloseOptions::default(),
            &audit(),
        )
        .await
        .unwrap();
        let owed = balance(&app, org, &format!("members:{}:fund-receivable", m[1])).await;
        assert_eq!(owed, 10_000 * i64::from(months), "{backend}");
    }
}
