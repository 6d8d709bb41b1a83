//! R-INFO-1: ODFs' project results with figures from their own books, circulated by a
//! supervisor between ODFs; on SQLite and on PostgreSQL when `TEQUIO_TEST_PG_URL` is set.

mod common;

use app::fund_cases::CloseOptions;
use app::support_cases::NewResult;
use app::{Actor, AppError};
use common::{agree, backends, d, org_with_members, p, report};

fn result(title: &str, from: fund::Period, to: fund::Period) -> NewResult {
    NewResult {
        title: title.into(),
        tried: "Compramos arcilla juntos".into(),
        outcome: "Bajó el costo y subieron las ventas".into(),
        from,
        to,
    }
}

#[tokio::test]
async fn r_info_1_a_project_result_takes_its_figures_from_the_books_and_circulates() {
    for (name, app) in backends().await {
        let (org, ids) = org_with_members(&app, "experiencia", 4).await;
        let (other, _) = org_with_members(&app, "vecina", 1).await;
        // Baselines 1,000.00; three report 2,000.00, 1,999.99 and 3,000.00 in January and
        // February 2025; the fourth never reports.
        for m in &ids {
            agree(&app, org, *m, 100_000, 50_000).await;
        }
        for (month, closed_on) in [(1, d(2025, 2, 5)), (2, d(2025, 3, 5))] {
            report(&app, org, p(2025, month), ids[0], 200_000, 80_000).await;
            report(&app, org, p(2025, month), ids[1], 199_999, 80_000).await;
            report(&app, org, p(2025, month), ids[2], 300_000, 80_000).await;
            app.close_period(
                org,
                p(2025, month),
                closed_on,
                CloseOptions::default(),
                &common::audit(),
            )
            .await
            .unwrap();
        }
        // New revenue a month: 1,000.00 + 999.99 + 2,000.00 = 3,999.99 (399,999 centavos);
        // 10 % of it to the Fund: 100.00 + 100.00 (99.999 rounded) + 200.00 = 400.00.
        let today = d(2025, 3, 10);
        let both = app
            .publish_result(
                org,
                &Actor::cli(),
                Some("arcilla"),
                result("Compra de arcilla", p(2025, 1), p(2025, 2)),
                today,
            )
            .await
            .unwrap();
        let f = both.figures;
        assert_eq!(
            (
                f.members,
                f.periods_closed,
                f.new_revenue_minor,
                f.fund_minor
            ),
            (4, 2, 2 * 399_999, 2 * 40_000),
            "{name}"
        );
        let jan = app
            .result_figures(org, p(2025, 1), p(2025, 1))
            .await
            .unwrap();
        assert_eq!((jan.new_revenue_minor, jan.fund_minor), (399_999, 40_000));
        // A span with no close counts no period.
        let later = app
            .result_figures(org, p(2025, 6), p(2025, 7))
            .await
            .unwrap();
        assert_eq!((later.periods_closed, later.new_revenue_minor), (0, 0));
        // The same reference replays; other content under it is refused.
        let again = app
            .publish_result(
                org,
                &Actor::cli(),
                Some("arcilla"),
                result("Compra de arcilla", p(2025, 1), p(2025, 2)),
                today,
            )
            .await
            .unwrap();
        assert_eq!(again, both, "{name}");
        assert!(app
            .publish_result(
                org,
                &Actor::cli(),
                Some("arcilla"),
                result("Otra", p(2025, 1), p(2025, 2)),
                today
            )
            .await
            .is_err());
        // The span's first period after its last is refused naming the period.
        let e = app
            .publish_result(
                org,
                &Actor::cli(),
                Some("al-reves"),
                result("Al revés", p(2025, 2), p(2025, 1)),
                today,
            )
            .await
            .unwrap_err();
        assert!(matches!(&e, AppError::Rule { rule: "R-INFO-1", field, .. } if field == "period"));
        assert_eq!(app.odf_results(org).await.unwrap().len(), 1, "{name}");
        // Not circulated yet: no other ODF reads it.
        assert!(app.circulated_results().await.unwrap().is_empty());
        let c = app
            .circulate_result(org, both.id, &Actor::new("supervisora", "test"), today)
            .await
            .unwrap();
        assert_eq!(c.circulated_on, Some(today));
        // Again changes nothing.
        app.circulate_result(
            org,
            both.id,
            &Actor::new("supervisora", "test"),
            d(2025, 4, 1),
        )
        .await
        .unwrap();
        let all = app.circulated_results().await.unwrap();
        assert_eq!(all.len(), 1, "{name}");
        assert_eq!(all[0].odf, "ODF experiencia");
        assert_eq!(all[0].circulated_on, Some(today));
        // An unknown result, or one of another ODF under this id, is not found.
        assert!(app
            .circulate_result(other, both.id, &Actor::cli(), today)
            .await
            .is_err());
    }
}
