//! The group's settings (issue 16): a change proposed by staff takes effect from its date only
//! once the board approves it (R-GOV-1, R-GOV-2), and every rule uses the value in force on the
//! day it applies to. On SQLite and, when configured, PostgreSQL. Figures by hand.

mod common;

use app::fund_cases::CloseOptions;
use app::Actor;
use common::*;
use governance::settings::SettingKey;
use governance::{ProposalKind, Vote};
use rust_decimal::Decimal;

async fn approve(app: &app::App, org: store::OrgId, seats: &[i64], id: i64, on: chrono::NaiveDate) {
    for s in seats {
        app.cast_vote(org, &Actor::cli(), id, *s, Vote::For, on)
            .await
            .unwrap();
    }
    let decision = app.close_vote(org, &Actor::cli(), id, on).await.unwrap();
    assert!(decision.approved);
}

#[tokio::test]
async fn a_close_uses_the_contribution_rate_in_force_in_its_period() {
    for (backend, app) in backends().await {
        let slug = format!("ajustes-{backend}-{}", std::process::id());
        let (org, m) = org_with_members(&app, &slug, 4).await;
        let seats = seat_board(&app, org, &m[1..4]).await;
        agree(&app, org, m[0], 1_000_000, 300_000).await;
        let staff = Actor::new("directora", "test");

        // Staff propose 12 % from 1 April 2026 (R-FUND-1); the board approves on 20 March.
        let proposal = app
            .propose_setting(
                org,
                &staff,
                "contribution_rate",
                "12 %",
                d(2026, 4, 1),
                "",
                d(2026, 3, 2),
            )
            .await
            .unwrap();
        assert_eq!(proposal.kind, ProposalKind::SettingChange);
        // Before the board decides, nothing changes (R-GOV-1).
        let h = app.settings_history(org).await.unwrap();
        assert_eq!(
            h.value_on(SettingKey::ContributionRate, d(2026, 4, 1))
                .rate(),
            Some(Decimal::new(10, 2)),
            "{backend}"
        );
        approve(&app, org, &seats, proposal.id, d(2026, 3, 20)).await;

        // A profit share of 30 % the board rejects never takes effect.
        let rejected = app
            .propose_setting(
                org,
                &staff,
                "profit_share",
                "30",
                d(2026, 4, 1),
                "",
                d(2026, 3, 2),
            )
            .await
            .unwrap();
        for s in &seats {
            app.cast_vote(
                org,
                &Actor::cli(),
                rejected.id,
                *s,
                Vote::Against,
                d(2026, 3, 20),
            )
            .await
            .unwrap();
        }
        let no = app
            .close_vote(org, &Actor::cli(), rejected.id, d(2026, 3, 20))
            .await
            .unwrap();
        assert!(!no.approved);

        let h = app.settings_history(org).await.unwrap();
        let changes: Vec<_> = h.changes().collect();
        assert_eq!(changes.len(), 1, "{backend}: only the approved change");
        assert_eq!(
            (
                changes[0].proposed_by.as_str(),
                changes[0].approved_on,
                changes[0].effective_on
            ),
            ("directora", d(2026, 3, 20), d(2026, 4, 1))
        );

        // The same report in March and in April: revenue 1,234,567 against a baseline of
        // 1,000,000 (new revenue 234,567), profit 350,000 against 300,000 (increment 50,000).
        for month in [3, 4] {
            report(&app, org, p(2026, month), m[0], 1_234_567, 350_000).await;
        }
        let march = app
            .close_period(org, p(2026, 3), today(), CloseOptions::default(), &audit())
            .await
            .unwrap();
        // March, 10 %: 234,567 × 0.10 = 23,456.7 → 23,457 (half-to-even); the odd centavo to
        // the Development Sub-Fund (R-FUND-2): 11,729 + 11,728. Profit share 25 % of 50,000.
        assert_eq!(
            march.contribution,
            fund::Split::new(11_729, 11_728),
            "{backend}"
        );
        assert_eq!(march.profit_share_minor, 12_500, "{backend}");
        let april = app
            .close_period(org, p(2026, 4), today(), CloseOptions::default(), &audit())
            .await
            .unwrap();
        // April, 12 %: 234,567 × 0.12 = 28,148.04 → 28,148: 14,074 + 14,074. The profit
        // share stays 25 % (the 30 % was rejected): 12,500.
        assert_eq!(
            april.contribution,
            fund::Split::new(14_074, 14_074),
            "{backend}"
        );
        assert_eq!(april.profit_share_minor, 12_500, "{backend}");
        trial(&app, org).await;
    }
}

#[tokio::test]
async fn dues_follow_the_amount_in_force_and_bad_proposals_are_refused() {
    for (backend, app) in backends().await {
        let slug = format!("cuotas-{backend}-{}", std::process::id());
        let (org, m) = org_with_members(&app, &slug, 3).await;
        let seats = seat_board(&app, org, &m).await;
        let staff = Actor::new("directora", "test");
        // R-ORG-6: no dues until the board sets MXN 75.00 from 1 June 2026.
        let id = app
            .propose_setting(
                org,
                &staff,
                "dues_amount",
                "75.00",
                d(2026, 6, 1),
                "",
                d(2026, 5, 2),
            )
            .await
            .unwrap()
            .id;
        approve(&app, org, &seats, id, d(2026, 5, 10)).await;
        assert_eq!(
            app.charge_dues(org, "2026-05", d(2026, 5, 15))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            app.charge_dues(org, "2026-06", d(2026, 6, 1))
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            app.dues_arrears_minor(org, m[0]).await.unwrap(),
            7_500,
            "{backend}"
        );

        // Refused, naming the rule and the field, and nothing is proposed.
        let before = app.proposals(org).await.unwrap().len();
        let bad = app
            .propose_setting(
                org,
                &staff,
                "contribution_rate",
                "120",
                d(2026, 7, 1),
                "",
                d(2026, 6, 2),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (bad.rule_id(), bad.field()),
            (Some("R-FUND-1"), Some("value"))
        );
        let past = app
            .propose_setting(
                org,
                &staff,
                "lease_default_days",
                "60",
                d(2026, 6, 1),
                "",
                d(2026, 6, 2),
            )
            .await
            .unwrap_err();
        assert_eq!(past.field(), Some("effective_on"));
        let unknown = app
            .propose_setting(
                org,
                &staff,
                "interest",
                "1",
                d(2026, 7, 1),
                "",
                d(2026, 6, 2),
            )
            .await
            .unwrap_err();
        assert_eq!(unknown.field(), Some("key"));
        assert_eq!(app.proposals(org).await.unwrap().len(), before);

        // R-GOV-2: a qualified majority of 2/3 from 1 July applies to votes closed from then.
        let id = app
            .propose_setting(
                org,
                &staff,
                "majority",
                "2/3",
                d(2026, 7, 1),
                "",
                d(2026, 6, 2),
            )
            .await
            .unwrap()
            .id;
        approve(&app, org, &seats, id, d(2026, 6, 3)).await;
        let g = app
            .governance_settings_on(org, d(2026, 6, 30))
            .await
            .unwrap();
        assert_eq!(g.majority, governance::Majority::Simple);
        let g = app
            .governance_settings_on(org, d(2026, 7, 1))
            .await
            .unwrap();
        assert_eq!(
            g.majority,
            governance::Majority::Qualified(governance::Fraction::TWO_THIRDS)
        );
    }
}
