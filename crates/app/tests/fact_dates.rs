//! Facts carry their date (issue 14): every use case that records a business fact takes the
//! day it happened, refuses a day after today (America/Mexico_City, passed by the shell) or
//! before the organisation was founded (field `on`, nothing written), and dates what it
//! records on that day. R-CRED-1's initial deposit reads those dates; R-PLAN-4's flags are
//! listed. SQLite always, PostgreSQL when `TEQUIO_TEST_PG_URL` is set.

mod common;

use app::fund_cases::CloseOptions;
use app::{App, AppError, FactDate};
use chrono::NaiveDate;
use common::*;
use fund::{CompetitionCategory, Reporter, WithdrawalPurpose};
use store::OrgId;

/// Recorded on [`today`] (2026-11-22), the fact on `on`.
fn on(day: NaiveDate) -> FactDate {
    FactDate::new(Some(day), today())
}

/// The day after today: refused.
fn tomorrow() -> FactDate {
    on(d(2026, 11, 23))
}

/// The day before the test organisations were founded (2025-01-01): refused.
fn before_founding() -> FactDate {
    on(d(2024, 12, 31))
}

/// A refusal of the fact date: field `on`, the Spanish reason.
fn assert_refused<T: std::fmt::Debug>(outcome: Result<T, AppError>, why: &str) {
    let err = outcome.unwrap_err();
    assert_eq!(err.field(), Some("on"), "{err}");
    assert!(err.is_caller_error(), "{err}");
    assert!(err.to_string().contains(why), "{err}");
}

async fn written(app: &App, org: OrgId) -> (usize, usize) {
    (entry_count(app, org).await, event_count(app, org).await)
}

/// Runs a use case with tomorrow and with the day before the founding: both refused, nothing
/// written.
macro_rules! refuses_bad_dates {
    ($app:expr, $org:expr, |$when:ident| $call:expr) => {{
        let before = written($app, $org).await;
        let $when = tomorrow();
        assert_refused($call, "posterior a hoy");
        let $when = before_founding();
        assert_refused($call, "anterior a la fundación");
        assert_eq!(written($app, $org).await, before, "nothing written");
    }};
}

/// The date of the last entry posted in the organisation.
async fn last_entry_date(app: &App, org: OrgId) -> NaiveDate {
    let mut page = store::Page::first(1000);
    let mut last = None;
    loop {
        let entries = app.store().entries(org, page).await.unwrap();
        let Some(e) = entries.last() else { break };
        page.after_id = e.id;
        last = Some(e.entry.date());
    }
    last.expect("an entry was posted")
}

fn new_plan(member: i64) -> fund::NewBusinessPlan {
    fund::NewBusinessPlan {
        member_id: member,
        baseline_revenue: ledger::Money::mxn(500_000),
        baseline_profit: ledger::Money::mxn(100_000),
        target: fund::Target {
            measure: fund::TargetMeasure::Revenue,
            amount: ledger::Money::mxn(1_000_000),
            by: d(2027, 12, 31),
        },
        measures: vec!["Comprar un horno de gas".into()],
        services: vec![fund::OdfService::Sales],
    }
}

#[tokio::test]
async fn r_plan_1_a_plan_is_agreed_and_changed_on_the_day_given() {
    for (name, app) in backends().await {
        let (org, m) = org_with_members(&app, &format!("fp-{name}"), 1).await;
        refuses_bad_dates!(&app, org, |when| app
            .agree_plan(org, new_plan(m[0]), when, &audit())
            .await);
        let plan = app
            .agree_plan(org, new_plan(m[0]), on(d(2026, 3, 1)), &audit())
            .await
            .unwrap();
        assert_eq!(plan.agreed_on, d(2026, 3, 1), "{name}");
        assert_eq!(
            app.plan(org, plan.id).await.unwrap().history[0].on,
            d(2026, 3, 1)
        );
        let status = |when| {
            let app = app.clone();
            async move {
                app.change_plan(
                    org,
                    plan.id,
                    app::fund_cases::PlanCommand::Status {
                        to: fund::PlanStatus::Abandoned,
                        reason: "Cerró el taller".into(),
                    },
                    when,
                    &audit(),
                )
                .await
            }
        };
        refuses_bad_dates!(&app, org, |when| status(when).await);
        // A change is not dated before the plan's last change.
        let early = status(on(d(2026, 2, 28))).await.unwrap_err();
        assert_eq!(
            (early.rule_id(), early.field()),
            (Some("R-PLAN-1"), Some("on"))
        );
        let ended = status(on(d(2026, 6, 30))).await.unwrap();
        assert_eq!(ended.history.last().unwrap().on, d(2026, 6, 30), "{name}");
    }
}

#[tokio::test]
async fn r_plan_2_a_report_is_filed_on_the_day_given_and_the_period_stays_the_period() {
    for (name, app) in backends().await {
        let (org, m) = org_with_members(&app, &format!("fr-{name}"), 2).await;
        agree(&app, org, m[0], 500_000, 100_000).await;
        agree(&app, org, m[1], 500_000, 100_000).await;
        let m0 = m[0];
        let file = |period, when| {
            let app = app.clone();
            async move {
                app.file_report(
                    org,
                    period,
                    figures(m0, 600_000, 120_000),
                    None,
                    when,
                    &audit(),
                )
                .await
            }
        };
        refuses_bad_dates!(&app, org, |when| file(p(2026, 3), when).await);
        // Filed on 2026-04-02: April's report would be for a period not begun by then.
        let early = file(p(2026, 5), on(d(2026, 4, 2))).await.unwrap_err();
        assert_eq!(early.field(), Some("period"), "{early}");
        let r = file(p(2026, 3), on(d(2026, 4, 2))).await.unwrap();
        assert_eq!((r.period, r.reported_on), (p(2026, 3), d(2026, 4, 2)));
        let stored = app.reports(org, p(2026, 3)).await.unwrap();
        assert_eq!(stored[0].reported_on, d(2026, 4, 2), "{name}");

        let correct = |when| {
            let app = app.clone();
            async move {
                app.correct_report(
                    org,
                    p(2026, 3),
                    figures(m0, 650_000, 120_000),
                    "Faltó una venta",
                    when,
                    &audit(),
                )
                .await
            }
        };
        refuses_bad_dates!(&app, org, |when| correct(when).await);
        let c = correct(on(d(2026, 4, 9))).await.unwrap();
        assert_eq!((c.supersedes, c.reported_on), (Some(r.id), d(2026, 4, 9)));

        let csv = format!("member_id,revenue,profit\n{},5100.00,1000.00\n", m[1]);
        let import = |when| {
            let app = app.clone();
            let csv = csv.clone();
            async move {
                app.import_reports_csv(org, p(2026, 3), &csv, 0, when, &audit())
                    .await
            }
        };
        refuses_bad_dates!(&app, org, |when| import(when).await);
        let outcome = import(on(d(2026, 4, 3))).await.unwrap();
        assert_eq!((outcome.created, outcome.unchanged), (1, 0));
        let imported = app.effective_reports(org, p(2026, 3)).await.unwrap();
        assert_eq!(imported[&m[1]].reported_on, d(2026, 4, 3), "{name}");
        assert_eq!(imported[&m[1]].reported_by, Reporter::Member);
    }
}

/// R-FUND-1, R-FUND-3, R-PLAN-3: grants, temporary contributions and their return, spending
/// and payments are posted on the day given.
#[tokio::test]
async fn r_fund_1_fund_movements_are_posted_on_the_day_given() {
    for (name, app) in backends().await {
        let (org, m) = org_with_members(&app, &format!("ff-{name}"), 3).await;
        let grant = |reference: &'static str, when| {
            let app = app.clone();
            async move {
                app.receive_grant(org, reference, "Fundación", 100_000, when, &audit())
                    .await
            }
        };
        refuses_bad_dates!(&app, org, |when| grant("G-1", when).await);
        assert!(!grant("G-1", on(d(2026, 5, 20))).await.unwrap().replay);
        assert_eq!(last_entry_date(&app, org).await, d(2026, 5, 20), "{name}");

        let temporary = |when| {
            let app = app.clone();
            async move {
                app.receive_temporary(org, "T-1", "Municipio", 40_000, when, &audit())
                    .await
            }
        };
        refuses_bad_dates!(&app, org, |when| temporary(when).await);
        temporary(on(d(2026, 5, 21))).await.unwrap();
        assert_eq!(last_entry_date(&app, org).await, d(2026, 5, 21));
        refuses_bad_dates!(&app, org, |when| app
            .return_temporary(org, "T-1", when, &audit())
            .await);
        app.return_temporary(org, "T-1", on(d(2026, 8, 1)), &audit())
            .await
            .unwrap();
        assert_eq!(last_entry_date(&app, org).await, d(2026, 8, 1));

        // R-FUND-3: 100.00 of the grant's 500.00 Competition half, under the board's
        // decision of 2026-05-01.
        let seats = seat_board(&app, org, &m).await;
        let fair = board_decides(
            &app,
            org,
            &seats,
            governance::ProposalKind::Expenditure,
            20_000,
        )
        .await;
        let spend = |when| {
            let app = app.clone();
            async move {
                app.spend_competition(
                    org,
                    "S-1",
                    CompetitionCategory::TradeFairsAndSalesPromotion,
                    "Feria de Tlaquepaque",
                    10_000,
                    Some(fair),
                    when,
                    &audit(),
                )
                .await
            }
        };
        refuses_bad_dates!(&app, org, |when| spend(when).await);
        spend(on(d(2026, 6, 15))).await.unwrap();
        assert_eq!(last_entry_date(&app, org).await, d(2026, 6, 15));
        assert_eq!(balance(&app, org, "fund:spent:competition").await, 10_000);

        refuses_bad_dates!(&app, org, |when| app
            .withdraw_development(
                org,
                "W-1",
                m[0],
                WithdrawalPurpose::Medical,
                100,
                None,
                when,
                &audit()
            )
            .await);

        // R-PLAN-3, R-FUND-1: 6,000.00 reported against a 5,000.00 baseline owes 10% of the
        // 1,000.00 new revenue (100.00); profit 1,400.00 against 1,000.00 owes 25% of 400.00
        // (100.00).
        agree(&app, org, m[0], 500_000, 100_000).await;
        agree(&app, org, m[1], 500_000, 100_000).await;
        report(&app, org, p(2026, 3), m[0], 600_000, 140_000).await;
        report(&app, org, p(2026, 3), m[1], 600_000, 140_000).await;
        app.close_period(org, p(2026, 3), today(), CloseOptions::default(), &audit())
            .await
            .unwrap();
        let m0 = m[0];
        let pay = |when| {
            let app = app.clone();
            async move {
                app.settle_member_debts(org, m0, "P-1", None, false, when, &audit())
                    .await
            }
        };
        refuses_bad_dates!(&app, org, |when| pay(when).await);
        let paid = pay(on(d(2026, 4, 20))).await.unwrap();
        assert_eq!(
            (paid.contribution_minor, paid.profit_share_minor),
            (10_000, 10_000)
        );
        assert_eq!(last_entry_date(&app, org).await, d(2026, 4, 20), "{name}");
        refuses_bad_dates!(&app, org, |when| app
            .settle_all_in_cash(org, "COBRO-1", when, &audit())
            .await);
        let all = app
            .settle_all_in_cash(org, "COBRO-1", on(d(2026, 4, 25)), &audit())
            .await
            .unwrap();
        assert_eq!(all, 20_000, "m[1]'s 100.00 + 100.00");
        assert_eq!(last_entry_date(&app, org).await, d(2026, 4, 25));
        trial(&app, org).await;
    }
}

/// R-ORG-2: the members import is checked against its own day: a row that joined after it is
/// refused with its line and field.
#[tokio::test]
async fn r_org_2_a_members_import_takes_the_day_of_the_import() {
    for (name, app) in backends().await {
        let (org, _) = org_with_members(&app, &format!("fm-{name}"), 0).await;
        let mut late = new_member(1, registry::Profile::MicroProducer, 1980);
        late.joined_on = d(2026, 6, 2);
        late.letter.signed_on = d(2026, 6, 2);
        let csv = [
            registry::import::members_csv_header().to_string(),
            registry::import::member_to_csv_row(&new_member(
                0,
                registry::Profile::MicroProducer,
                1980,
            )),
            registry::import::member_to_csv_row(&late),
        ]
        .join("\n");
        refuses_bad_dates!(&app, org, |when| app
            .import_members_csv(org, &csv, when, &app::Actor::cli())
            .await);
        let err = app
            .import_members_csv(org, &csv, on(d(2026, 6, 1)), &app::Actor::cli())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Rows(rows) if rows.len() == 2 && rows[0].starts_with("line 3")),
            "{err}"
        );
        let done = app
            .import_members_csv(org, &csv, on(d(2026, 6, 2)), &app::Actor::cli())
            .await
            .unwrap();
        assert_eq!(done.created, 2, "{name}");
    }
}

/// R-CRED-1: the initial deposit is what entered the Fund in its first three months by the
/// deposit's own date. Founded 2025-01-01: the window is 2025-01-01 to 2025-03-31. A grant of
/// 1,000.00 received 2025-03-31 and recorded on 2026-11-22 counts (100,000 centavos, both
/// sub-funds' halves); one of 500.00 received 2025-04-01 does not.
#[tokio::test]
async fn r_cred_1_a_grant_recorded_later_counts_in_the_initial_deposit_by_its_own_date() {
    for (name, app) in backends().await {
        let (org, _) = org_with_members(&app, &format!("fc-{name}"), 0).await;
        app.receive_grant(org, "G-IN", "Nafin", 100_000, on(d(2025, 3, 31)), &audit())
            .await
            .unwrap();
        app.receive_grant(org, "G-OUT", "Nafin", 50_000, on(d(2025, 4, 1)), &audit())
            .await
            .unwrap();
        assert_eq!(
            app.initial_deposit_minor(org).await.unwrap(),
            100_000,
            "{name}"
        );
    }
}

/// R-PLAN-4: plans agreed 2026-03-01; member 0 reports exactly the baseline (no increment)
/// every month, member 1 reports 1.00 more. Window 3: the close of 2026-04 flags nothing
/// (February is before the plan), the close of 2026-05 flags member 0's plan (March, April,
/// May), newly; the close of 2026-06 flags it again, not newly.
#[tokio::test]
async fn r_plan_4_flagged_plans_are_listed_with_their_members() {
    for (name, app) in backends().await {
        let (org, m) = org_with_members(&app, &format!("fl-{name}"), 2).await;
        let mut plans = Vec::new();
        for &member in &m {
            let plan = app
                .agree_plan(org, new_plan(member), on(d(2026, 3, 1)), &audit())
                .await
                .unwrap();
            plans.push(plan.id);
        }
        assert_eq!(app.flagged_plans(org).await.unwrap(), (None, Vec::new()));
        let mut newly = Vec::new();
        for month in 3..=6 {
            report(&app, org, p(2026, month), m[0], 500_000, 100_000).await;
            report(&app, org, p(2026, month), m[1], 500_100, 100_000).await;
            let r = app
                .close_period(
                    org,
                    p(2026, month),
                    today(),
                    CloseOptions::default(),
                    &audit(),
                )
                .await
                .unwrap();
            newly.push((r.plans_flagged, r.plans_newly_flagged));
        }
        let flagged = vec![(plans[0], m[0])];
        assert_eq!(
            newly,
            vec![
                (vec![], vec![]),
                (vec![], vec![]),
                (flagged.clone(), flagged.clone()),
                (flagged.clone(), vec![]),
            ],
            "{name}"
        );
        let (last, list) = app.flagged_plans(org).await.unwrap();
        assert_eq!(last, Some(p(2026, 6)));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].flag.plan_id, plans[0]);
        assert_eq!(list[0].member_name, "Socia 0 Gómez López");
        assert_eq!(
            list[0].flag.periods,
            vec![p(2026, 4), p(2026, 5), p(2026, 6)]
        );
    }
}
