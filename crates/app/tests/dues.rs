//! Dues (R-ORG-6) and the collection sheet (issue 17) against a store, on SQLite and on
//! PostgreSQL when `TEQUIO_TEST_PG_URL` is set: a period charged once, a payment with its
//! receipt, arrears per member and for the ODF, and a meeting's collection saved all or
//! nothing and exactly once. Every figure is worked out by hand in the test.

mod credit_support;

use app::credit_cases::{LoanApplication, OpenLineCmd, Scope};
use app::dues_cases::{CollectionLine, CollectionOutcome};
use app::fund_cases::{Audit, CloseOptions, ReportInput};
use app::{Actor, App, AppError, FactDate};
use chrono::NaiveDate;
use credit_support::*;
use fund::{NewBusinessPlan, Period, Reporter, Target, TargetMeasure};
use governance::ProposalKind;
use ledger::Money;
use rust_decimal::Decimal;

/// The demo union's dues: MXN 50.00 a month (its own setting, R-ORG-6).
const DUES: i64 = 5_000;

fn at(on: NaiveDate, today: NaiveDate) -> FactDate {
    FactDate::new(Some(on), today)
}

fn line(member_id: i64, dues: i64, loan: i64, fund: i64) -> CollectionLine {
    CollectionLine {
        member_id,
        dues_minor: dues,
        loan_minor: loan,
        fund_minor: fund,
    }
}

async fn name_of(app: &App, org: i64, id: i64) -> String {
    let m = app.store().member(org, id).await.unwrap();
    format!("{} {}", m.data.given_names, m.data.surnames)
}

#[tokio::test]
async fn r_org_6_a_period_is_charged_once_at_the_dues_in_force_and_paid_with_a_receipt() {
    for_each_backend(|app| async move {
        // Five members, all joined by April 2025 (the demo enrols over 90 days).
        let org = union_with_deposits(&app, 5).await;
        let m = member_ids(&app, org, 5).await;
        let today = day(2025, 9, 10);
        let c = app
            .charge_dues_period(org, "2025-09", today, &Actor::cli())
            .await
            .unwrap();
        // 5 members × 50.00 = 250.00, dated the period's first day.
        assert_eq!(
            (c.members, c.amount_minor, c.total_minor, c.on, c.created),
            (5, 5_000, 25_000, day(2025, 9, 1), true)
        );
        assert_eq!(c.posted, 5);
        // Charging the same period again changes nothing.
        let again = app
            .charge_dues_period(org, "2025-09", today, &Actor::cli())
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.posted, 0);
        assert_eq!(again.total_minor, 25_000);
        let arrears = app.dues_arrears(org, today).await.unwrap();
        assert_eq!(arrears.total_minor, 25_000);
        assert_eq!(arrears.members_in_arrears, 5);
        // A period not begun, or not a month, is refused naming the field; nothing written.
        for bad in ["2025-10", "2025-9", "sept"] {
            let e = app
                .charge_dues_period(org, bad, today, &Actor::cli())
                .await
                .unwrap_err();
            assert_eq!(e.field(), Some("period"), "{bad}: {e}");
        }
        assert_eq!(
            app.dues_arrears(org, today).await.unwrap().total_minor,
            25_000
        );

        // A payment of 30.00: the receipt says 20.00 still owed.
        let r = app
            .record_dues_payment(
                org,
                m[0],
                3_000,
                at(day(2025, 9, 5), today),
                "rec-1",
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert!(r.created);
        assert_eq!(
            (r.amount_minor, r.arrears_after_minor, r.on),
            (3_000, 2_000, day(2025, 9, 5))
        );
        assert_eq!(r.member_name, name_of(&app, org, m[0]).await);
        // The same reference again is the same receipt, nothing written.
        let same = app
            .record_dues_payment(
                org,
                m[0],
                3_000,
                at(day(2025, 9, 5), today),
                "rec-1",
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!((same.number, same.created), (r.number, false));
        assert_eq!(app.dues_arrears_minor(org, m[0]).await.unwrap(), 2_000);
        assert_eq!(
            app.dues_receipt(org, "rec-1").await.unwrap().number,
            r.number
        );
        // More than the 20.00 owed is refused, naming the amount; so is nothing.
        for amount in [2_001, 0, -100] {
            let e = app
                .record_dues_payment(org, m[0], amount, today, "rec-2", &Actor::cli())
                .await
                .unwrap_err();
            assert_eq!(e.field(), Some("amount"), "{amount}: {e}");
        }
        // Member 1 owes 50.00: two payments of 30.00 sent at once under other references
        // cannot together pay 60.00 (each claims the member's dues slot); one is refused.
        let cli = Actor::cli();
        let (x, y) = tokio::join!(
            app.record_dues_payment(org, m[1], 3_000, today, "rec-x", &cli),
            app.record_dues_payment(org, m[1], 3_000, today, "rec-y", &cli),
        );
        assert_eq!(x.is_ok() as u8 + y.is_ok() as u8, 1, "{x:?} {y:?}");
        let refused = x.err().or(y.err()).unwrap();
        assert_eq!(refused.field(), Some("amount"), "{refused}");
        assert_eq!(app.dues_arrears_minor(org, m[1]).await.unwrap(), 2_000);
        // Arrears per member and for the ODF: 250.00 − 30.00 − 30.00 = 190.00, the largest
        // first.
        let a = app.dues_arrears(org, today).await.unwrap();
        assert_eq!(a.total_minor, 19_000);
        assert_eq!(a.members_in_arrears, 5);
        assert_eq!(a.rows[0].arrears_minor, 5_000);
        let tail: Vec<(i64, i64)> = a.rows[3..]
            .iter()
            .map(|r| (r.member_id, r.arrears_minor))
            .collect();
        assert!(
            tail.contains(&(m[0], 2_000)) && tail.contains(&(m[1], 2_000)),
            "{tail:?}"
        );
        assert_eq!(a.amount_minor, DUES);
        app.checked_trial_balance(org).await.unwrap();
    })
    .await;
}

/// The union of [`union_with_deposits`] with a line (100,000.00 at 18 %, from 2025-07-01) and a
/// loan of 10,000.00 to `member` over 12 months from 2025-08-01: i = 1.5 % a month, installment
/// 10,000 × 0.015 / (1 − 1.015^−12) = 916.7999… → 916.80, the first due 2025-09-01, which the
/// trust pays that day (R-FUND-6).
async fn loan_paid_by_the_trust(app: &App, org: i64, member: i64) {
    app.open_credit_line(
        org,
        &Actor::cli(),
        OpenLineCmd {
            line_id: 1,
            lender_code: "nafin".into(),
            annual_rate: Decimal::new(18, 2),
            requested_limit_minor: None,
            opened_on: day(2025, 7, 1),
            review: None,
        },
    )
    .await
    .unwrap();
    let decision = board_approves(
        app,
        org,
        ProposalKind::Loan,
        "loan:1",
        1_000_000,
        day(2025, 7, 20),
    )
    .await;
    app.approve_loan(
        org,
        &Actor::cli(),
        LoanApplication {
            loan_id: 1,
            line_id: 1,
            borrower: Some(member),
            terms: credit::ScheduleInput::monthly(
                1_000_000,
                Decimal::new(18, 2),
                12,
                day(2025, 8, 1),
            ),
            plan_recommended_minor: 5_000_000,
        },
        decision,
    )
    .await
    .unwrap();
    app.disburse_loan(org, &Actor::cli(), 1).await.unwrap();
    let r = app
        .run_credit_day(Scope::Org(org), day(2025, 9, 1), &Actor::cli())
        .await
        .unwrap();
    assert_eq!((r[0].installments_paid, r[0].paid_minor), (1, 91_680));
}

fn plan(member: i64, revenue: i64, profit: i64) -> NewBusinessPlan {
    NewBusinessPlan {
        member_id: member,
        baseline_revenue: Money::mxn(revenue),
        baseline_profit: Money::mxn(profit),
        target: Target {
            measure: TargetMeasure::Revenue,
            amount: Money::mxn(revenue * 2),
            by: day(2027, 12, 31),
        },
        measures: vec!["Horno de gas".into()],
        services: vec![],
    }
}

#[tokio::test]
async fn the_collection_sheet_lists_what_each_member_owes_and_is_saved_all_or_nothing_once() {
    for_each_backend(|app| async move {
        let org = union_with_deposits(&app, 5).await;
        let m = member_ids(&app, org, 5).await;
        let today = day(2025, 9, 10);
        let audit = Audit::cli();
        app.charge_dues_period(org, "2025-09", today, &Actor::cli())
            .await
            .unwrap();
        app.record_dues_payment(
            org,
            m[0],
            3_000,
            at(day(2025, 9, 5), today),
            "rec-1",
            &Actor::cli(),
        )
        .await
        .unwrap();
        loan_paid_by_the_trust(&app, org, m[0]).await;
        // Member 1: baseline 10,000.00 revenue and 2,000.00 profit; August: 15,000.00 and
        // 4,000.00. The close makes owed 10 % of the 5,000.00 new revenue = 500.00 (R-FUND-1)
        // and 25 % of the 2,000.00 incremental profit = 500.00 (R-PLAN-3): 1,000.00.
        // Member 2 has a plan since January and never reported: of the three periods before
        // the meeting, June, July and August are missing (R-PLAN-2). Members 3 and 4 have no
        // plan, so nothing is missing.
        for (who, rev, profit) in [(m[1], 1_000_000, 200_000), (m[2], 800_000, 100_000)] {
            app.agree_plan(org, plan(who, rev, profit), day(2025, 1, 20), &audit)
                .await
                .unwrap();
        }
        let august = Period::month(2025, 8).unwrap();
        app.file_report(
            org,
            august,
            ReportInput {
                member_id: m[1],
                revenue_minor: 1_500_000,
                profit_minor: 400_000,
                reported_by: Reporter::Member,
            },
            None,
            today,
            &audit,
        )
        .await
        .unwrap();
        app.close_period(org, august, today, CloseOptions::default(), &audit)
            .await
            .unwrap();

        let sheet = app.collection_sheet(org, today, None).await.unwrap();
        assert_eq!(sheet.rows.len(), 5);
        let row = |id: i64| {
            sheet
                .rows
                .iter()
                .find(|r| r.member_id == id)
                .unwrap()
                .clone()
        };
        let r0 = row(m[0]);
        // 50.00 − 30.00 = 20.00 of dues; the 916.80 installment, all paid by the trust.
        assert_eq!(
            (
                r0.dues_minor,
                r0.loan_due_minor,
                r0.trust_paid_minor,
                r0.fund_minor()
            ),
            (2_000, 91_680, 91_680, 0)
        );
        let r1 = row(m[1]);
        assert_eq!(
            (r1.dues_minor, r1.contribution_minor, r1.profit_share_minor),
            (5_000, 50_000, 50_000)
        );
        // Member 1 reported August only: June and July are missing.
        let keys = |r: &app::dues_cases::SheetRow| -> Vec<String> {
            r.missing_reports.iter().map(|p| p.key()).collect()
        };
        assert_eq!(keys(&r1), ["2025-06", "2025-07"]);
        let r2 = row(m[2]);
        assert_eq!(keys(&r2), ["2025-06", "2025-07", "2025-08"]);
        assert!(row(m[3]).missing_reports.is_empty());
        // Totals: dues 20 + 4 × 50 = 220.00; loans 916.80; Fund 1,000.00; 2 + 3 reports missing.
        assert_eq!(sheet.totals.dues_minor, 22_000);
        assert_eq!(sheet.totals.loan_due_minor, 91_680);
        assert_eq!(sheet.totals.fund_minor, 100_000);
        assert_eq!(sheet.totals.total_minor, 22_000 + 91_680 + 100_000);
        assert_eq!(sheet.totals.missing_reports, 5);

        let trust = || {
            let app = app.clone();
            async move { app.fund_state(org).await.unwrap().trust.total() }
        };
        let trust_before = trust().await;
        let entries = |app: App| async move {
            app.store()
                .entries(org, store::Page::first(store::MAX_PAGE))
                .await
                .unwrap()
                .len()
        };
        let entries_before = entries(app.clone()).await;

        // One bad line (member 1's Fund: 1,000.01 where 1,000.00 is owed) refuses the form,
        // naming the member and the field; nothing of the good lines is written.
        let bad = vec![
            line(m[0], 2_000, 91_680, 0),
            line(m[1], 5_000, 0, 100_001),
            line(m[2], 5_000, 0, 0),
        ];
        let e = app
            .record_collection(org, "hoja-1", at(today, today), &bad, &Actor::cli())
            .await
            .unwrap_err();
        let field = format!("lines.{}.fund", m[1]);
        assert_eq!(e.field(), Some(field.as_str()), "{e}");
        assert!(
            e.to_string().contains(&name_of(&app, org, m[1]).await),
            "{e}"
        );
        assert!(matches!(e, AppError::Rule { .. }), "{e}");
        assert_eq!(entries(app.clone()).await, entries_before);
        assert_eq!(app.dues_arrears_minor(org, m[0]).await.unwrap(), 2_000);
        assert_eq!(trust().await, trust_before);
        // A negative amount and more than the loans' payoff are refused the same way.
        let e = app
            .record_collection(org, "hoja-1", today, &[line(m[2], -1, 0, 0)], &Actor::cli())
            .await
            .unwrap_err();
        assert_eq!(
            e.field(),
            Some(format!("lines.{}.dues", m[2]).as_str()),
            "{e}"
        );
        let e = app
            .record_collection(
                org,
                "hoja-1",
                today,
                &[line(m[3], 0, 100, 0)],
                &Actor::cli(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            e.field(),
            Some(format!("lines.{}.loan", m[3]).as_str()),
            "{e}"
        );
        assert_eq!(entries(app.clone()).await, entries_before);

        // The good form, sent twice at once: recorded once.
        let good = vec![
            line(m[0], 2_000, 91_680, 0),
            line(m[1], 5_000, 0, 100_000),
            line(m[2], 5_000, 0, 0),
            line(m[3], 0, 0, 0),
        ];
        let cli = Actor::cli();
        let (a, b) = tokio::join!(
            app.record_collection(org, "hoja-1", today, &good, &cli),
            app.record_collection(org, "hoja-1", today, &good, &cli),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            [a.created, b.created].iter().filter(|c| **c).count(),
            1,
            "{a:?} {b:?}"
        );
        // 20 + 50 + 50 = 120.00 of dues, 916.80 of loans, 1,000.00 to the Fund: 2,036.80 from 3.
        assert_eq!(
            (
                a.members,
                a.dues_minor,
                a.loan_minor,
                a.fund_minor,
                a.total_minor
            ),
            (3, 12_000, 91_680, 100_000, 203_680)
        );
        assert_eq!(
            a,
            CollectionOutcome {
                created: a.created,
                ..b.clone()
            }
        );
        // The member's payment put back into the trust what it paid (R-FUND-6), and the
        // contribution of 500.00 went into it (R-FUND-1).
        assert_eq!(trust().await, trust_before + 91_680 + 50_000);
        let after = app.collection_sheet(org, today, None).await.unwrap();
        let row = |id: i64| {
            after
                .rows
                .iter()
                .find(|r| r.member_id == id)
                .unwrap()
                .clone()
        };
        assert_eq!(
            (
                row(m[0]).dues_minor,
                row(m[0]).loan_due_minor,
                row(m[0]).trust_paid_minor
            ),
            (0, 0, 0)
        );
        assert_eq!((row(m[1]).dues_minor, row(m[1]).fund_minor()), (0, 0));
        assert_eq!(row(m[2]).dues_minor, 0);
        assert_eq!(row(m[3]).dues_minor, DUES);
        // Sending it again later writes nothing; the same token with other figures conflicts.
        let n = entries(app.clone()).await;
        let again = app
            .record_collection(org, "hoja-1", today, &good, &Actor::cli())
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(entries(app.clone()).await, n);
        let e = app
            .record_collection(org, "hoja-1", today, &good[..2], &Actor::cli())
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Store(store::StoreError::Conflict { .. })),
            "{e}"
        );
        app.checked_trial_balance(org).await.unwrap();
        let check = app.check_books(org).await.unwrap();
        assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    })
    .await;
}
