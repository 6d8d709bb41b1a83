//! R-INNO-1, R-FUND-3: an invention is linked to the Competition Sub-Fund's prototype and
//! sample payments, chosen among the ODF's own; its total is theirs. On SQLite and on
//! PostgreSQL when `TEQUIO_TEST_PG_URL` is set.

mod common;

use app::{Actor, AppError};
use common::{audit, backends, board_decides, d, org_with_members, seat_board, today};
use fund::CompetitionCategory;

fn rule_field(e: &AppError) -> (Option<&str>, Option<&str>) {
    (e.rule_id(), e.field())
}

#[tokio::test]
async fn r_inno_1_an_invention_links_prototype_payments_and_shows_their_total() {
    for (name, app) in backends().await {
        let (org, m) = org_with_members(&app, "prototipos", 3).await;
        // A grant of 1,000.00: 500.00 to the Competition Sub-Fund (R-FUND-2).
        app.receive_grant(org, "G-1", "Fundación", 100_000, today(), &audit())
            .await
            .unwrap();
        let seats = seat_board(&app, org, &m).await;
        let decision = board_decides(
            &app,
            org,
            &seats,
            governance::ProposalKind::Expenditure,
            40_000,
        )
        .await;
        for (reference, category, description, amount) in [
            (
                "P-1",
                CompetitionCategory::PrototypeProductionUnits,
                "Molde de yeso",
                12_000,
            ),
            (
                "P-2",
                CompetitionCategory::SamplesDesignsPrototypes,
                "Muestras para feria",
                8_050,
            ),
            (
                "F-1",
                CompetitionCategory::TradeFairsAndSalesPromotion,
                "Stand",
                5_000,
            ),
        ] {
            app.spend_competition(
                org,
                reference,
                category,
                description,
                amount,
                Some(decision),
                today(),
                &audit(),
            )
            .await
            .unwrap();
        }
        let new = |title: &str| app::support_cases::NewInvention {
            title: title.into(),
            description: "Para alfarería".into(),
            inventors: vec![m[0]],
            household: Default::default(),
        };
        let on = d(2026, 12, 1);
        let torno = app
            .register_invention(org, &Actor::cli(), Some("torno"), new("Torno"), on)
            .await
            .unwrap();
        let horno = app
            .register_invention(org, &Actor::cli(), Some("horno"), new("Horno"), on)
            .await
            .unwrap();
        // The trade fair is no prototype payment: two are offered.
        let offered = app.prototype_payments(org).await.unwrap();
        let refs: Vec<&str> = offered.iter().map(|p| p.reference.as_str()).collect();
        assert_eq!(refs, ["P-1", "P-2"], "{name}");
        assert_eq!(offered[0].description, "Molde de yeso");
        assert_eq!(offered[0].on, today());
        assert_eq!(offered[1].amount_minor, 8_050);
        for r in ["P-1", "P-2", "P-1"] {
            app.link_prototype_payment(org, &Actor::cli(), torno.id, r)
                .await
                .unwrap();
        }
        // 120.00 + 80.50 = 200.50.
        let (linked, total) = app.invention_expenses(org, torno.id).await.unwrap();
        assert_eq!(linked.len(), 2, "{name}");
        assert_eq!(total, 20_050, "{name}");
        // Not a prototype payment, an unknown one, or one linked to another invention.
        let e = app
            .link_prototype_payment(org, &Actor::cli(), horno.id, "F-1")
            .await
            .unwrap_err();
        assert_eq!(
            rule_field(&e),
            (Some("R-FUND-3"), Some("expense")),
            "{name}"
        );
        let e = app
            .link_prototype_payment(org, &Actor::cli(), horno.id, "X-9")
            .await
            .unwrap_err();
        assert_eq!(rule_field(&e), (Some("R-FUND-3"), Some("expense")));
        let e = app
            .link_prototype_payment(org, &Actor::cli(), horno.id, "P-1")
            .await
            .unwrap_err();
        assert_eq!(rule_field(&e), (Some("R-INNO-1"), Some("expense")));
        assert_eq!(app.invention_expenses(org, horno.id).await.unwrap().1, 0);
    }
}
