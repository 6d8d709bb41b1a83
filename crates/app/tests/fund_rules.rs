//! The Fund's use cases, one test per rule, hand-computed figures (SQLite in memory).

mod common;

use app::fund_cases::CloseOptions;
use app::{App, AppError};
use common::*;
use fund::{CompetitionCategory, Reporter, WithdrawalPurpose};
use registry::Profile;
use store::OrgId;

fn rule_and_field(e: &AppError) -> (Option<&'static str>, Option<&str>) {
    (e.rule_id(), e.field())
}

#[tokio::test]
async fn r_plan_1_a_plan_is_agreed_once_changed_with_a_reason_and_keeps_its_history() {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "planes", 1).await;
    let id = agree(&app, org, m[0], 1_000_000, 300_000).await;
    assert_eq!(id, 1);
    let again = app
        .agree_plan(
            org,
            fund::NewBusinessPlan {
                member_id: m[0],
                baseline_revenue: ledger::Money::mxn(1),
                baseline_profit: ledger::Money::mxn(1),
                target: fund::Target {
                    measure: fund::TargetMeasure::Profit,
                    amount: ledger::Money::mxn(5),
                    by: d(2027, 1, 1),
                },
                measures: vec!["otra".into()],
                services: vec![],
            },
            d(2025, 2, 1),
            &audit(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        rule_and_field(&again),
        (Some("R-PLAN-1"), Some("member_id"))
    );
    let ended = app
        .change_plan(
            org,
            id,
            app::fund_cases::PlanCommand::Status {
                to: fund::PlanStatus::Succeeded,
                reason: "duplicó sus ventas".into(),
            },
            d(2026, 6, 1),
            &audit(),
        )
        .await
        .unwrap();
    assert_eq!(ended.status, fund::PlanStatus::Succeeded);
    let stored = app.plan(org, id).await.unwrap();
    assert_eq!(stored, ended);
    assert_eq!(stored.history.len(), 2);
    assert_eq!(stored.history[1].reason, "duplicó sus ventas");
    // With the first plan ended, a new one may be agreed.
    assert_eq!(agree(&app, org, m[0], 2_000_000, 600_000).await, 2);
}

#[tokio::test]
async fn r_plan_2_bad_reports_are_refused_naming_the_rule_and_nothing_is_written() {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "informes", 3).await;
    app.store()
        .import_members(
            org,
            &[new_member(50, Profile::MicroEntrepreneur, 1980)],
            &[],
        )
        .await
        .unwrap();
    let entrepreneur = app
        .store()
        .members(org, store::Page::first(100))
        .await
        .unwrap()
        .last()
        .unwrap()
        .id;
    for &member in m.iter().chain([&entrepreneur]) {
        if member != m[2] {
            agree(&app, org, member, 1_000_000, 300_000).await;
        }
    }
    app.record_leave(org, m[1], d(2026, 2, 1), "se mudó", &app::Actor::cli())
        .await
        .unwrap();
    report(&app, org, p(2026, 3), m[0], 1_100_000, 300_000).await;
    let before = event_count(&app, org).await;
    let file = |member, period, rev, by| {
        let app = app.clone();
        async move {
            app.file_report(
                org,
                period,
                app::fund_cases::ReportInput {
                    member_id: member,
                    revenue_minor: rev,
                    profit_minor: 0,
                    reported_by: by,
                },
                None,
                today(),
                &audit(),
            )
            .await
            .unwrap_err()
        }
    };
    let cases = [
        (
            file(m[1], p(2026, 3), 1, Reporter::Member).await,
            ("R-PLAN-2", "member_id"),
        ),
        (
            file(m[0], p(2026, 12), 1, Reporter::Member).await,
            ("R-PLAN-2", "period"),
        ),
        (
            file(m[0], p(2026, 4), -1, Reporter::Member).await,
            ("R-PLAN-2", "revenue"),
        ),
        (
            file(m[0], p(2026, 3), 5, Reporter::Member).await,
            ("R-PLAN-2", "supersedes"),
        ),
        (
            file(entrepreneur, p(2026, 3), 1, Reporter::Staff { staff_id: 1 }).await,
            ("R-ORG-3", "reported_by"),
        ),
        (
            file(m[2], p(2026, 3), 1, Reporter::Member).await,
            ("R-PLAN-1", "member_id"),
        ),
    ];
    for (err, (rule, field)) in cases {
        assert_eq!(rule_and_field(&err), (Some(rule), Some(field)), "{err}");
        assert!(err.is_caller_error());
    }
    assert_eq!(event_count(&app, org).await, before, "nothing was written");
    // Filing exactly the same report again is a replay, not a duplicate.
    report(&app, org, p(2026, 3), m[0], 1_100_000, 300_000).await;
    assert_eq!(event_count(&app, org).await, before);
}

#[tokio::test]
async fn r_plan_2_a_reports_file_is_imported_all_or_nothing_with_line_numbers() {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "archivo", 3).await;
    agree(&app, org, m[0], 1_000_000, 300_000).await;
    agree(&app, org, m[1], 1_000_000, 300_000).await;
    let march = p(2026, 3);
    let bad = format!(
        "socio,ingresos,utilidad\n{},12345.67,4000.01\n{},-5,0\n{},100,10\n",
        m[0], m[1], m[2]
    );
    let err = app
        .import_reports_csv(org, march, &bad, 0, today(), &audit())
        .await
        .unwrap_err();
    match &err {
        AppError::Rows(rows) => assert_eq!(
            rows,
            &vec!["line 3, revenue: R-PLAN-2: revenue must not be negative".to_string()]
        ),
        other => panic!("{other}"),
    }
    let no_plan = format!("socio,ingresos,utilidad\n{},1,1\n", m[2]);
    let err = app
        .import_reports_csv(org, march, &no_plan, 0, today(), &audit())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("line 2, R-PLAN-1 member_id"),
        "{err}"
    );
    assert_eq!(
        app.reports(org, march).await.unwrap().len(),
        0,
        "nothing imported"
    );
    let good = format!(
        "socio,ingresos,utilidad\n{},12345.67,4000.01\n{},9000,2500\n",
        m[0], m[1]
    );
    let first = app
        .import_reports_csv(org, march, &good, 0, today(), &audit())
        .await
        .unwrap();
    assert_eq!((first.created, first.unchanged), (2, 0));
    let again = app
        .import_reports_csv(org, march, &good, 0, today(), &audit())
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 2));
    let effective = app.effective_reports(org, march).await.unwrap();
    assert_eq!(effective[&m[0]].revenue.amount_minor(), 1_234_567);
}

/// R-FUND-1, R-FUND-2: a grant of 1,000.01 enters the trust as 500.01 Development + 500.00
/// Competition. A temporary contribution of 100.00 is a liability until returned. Repeating a
/// command with the same reference changes nothing.
#[tokio::test]
async fn r_fund_1_grants_and_temporary_contributions() {
    let app = sqlite().await;
    let (org, _) = org_with_members(&app, "donativos", 1).await;
    let g = app
        .receive_grant(
            org,
            "REC-1",
            "Fundación Morelos",
            100_001,
            today(),
            &audit(),
        )
        .await
        .unwrap();
    assert!(!g.replay);
    assert_eq!(
        balance(&app, org, "fund:trust-bank:development").await,
        50_001
    );
    assert_eq!(
        balance(&app, org, "fund:trust-bank:competition").await,
        50_000
    );
    assert_eq!(balance(&app, org, "fund:development").await, -50_001);
    let replay = app
        .receive_grant(
            org,
            "REC-1",
            "Fundación Morelos",
            100_001,
            today(),
            &audit(),
        )
        .await
        .unwrap();
    assert!(replay.replay);
    assert_eq!(entry_count(&app, org).await, 1);
    app.receive_temporary(
        org,
        "TMP-1",
        "Presidencia municipal",
        10_000,
        today(),
        &audit(),
    )
    .await
    .unwrap();
    assert_eq!(
        balance(&app, org, "fund:temporary-contributions").await,
        -10_000
    );
    let state = app.fund_state(org).await.unwrap();
    assert_eq!(state.temporary_outstanding_minor(), 10_000);
    assert_eq!(
        state.sub_funds().total(),
        100_001,
        "not the group's: not in the sub-funds"
    );
    app.return_temporary(org, "TMP-1", today(), &audit())
        .await
        .unwrap();
    assert_eq!(balance(&app, org, "fund:temporary-contributions").await, 0);
    assert_eq!(app.fund_state(org).await.unwrap().trust.total(), 100_001);
    trial(&app, org).await;
}

/// What the close made owed (234.57 contribution, 250.00 profit share) is settled in cash
/// into the trust (117.29 + 117.28) and odf:bank; or by deduction from the 300.00 the ODF owes
/// the member for sales: 234.57 then 65.43 of the profit share.
/// Two members above their baseline in March 2026 (revenue 12,345.67 against 10,000.00, profit
/// 4,000.01 against 3,000.00), March closed: each owes 234.57 of contribution and 250.00 of
/// profit share.
async fn two_members_owing_for_march(
    app: &app::App,
    slug: &str,
) -> (store::OrgId, Vec<store::MemberId>) {
    let (org, m) = org_with_members(app, slug, 2).await;
    for &member in &m {
        agree(app, org, member, 1_000_000, 300_000).await;
        report(app, org, p(2026, 3), member, 1_234_567, 400_001).await;
    }
    app.close_period(org, p(2026, 3), today(), CloseOptions::default(), &audit())
        .await
        .unwrap();
    (org, m)
}

#[tokio::test]
async fn r_fund_1_r_plan_3_what_the_close_made_owed_is_paid_in_cash_or_deducted_from_sales() {
    let app = sqlite().await;
    let (org, m) = two_members_owing_for_march(&app, "pagos").await;
    let cash = app
        .settle_member_debts(org, m[0], "PAGO-1", None, false, d(2026, 4, 5), &audit())
        .await
        .unwrap();
    assert_eq!(
        (cash.contribution_minor, cash.profit_share_minor),
        (23_457, 25_000)
    );
    assert_eq!(
        balance(&app, org, "fund:trust-bank:development").await,
        11_729
    );
    assert_eq!(
        balance(&app, org, "fund:trust-bank:competition").await,
        11_728
    );
    assert_eq!(
        balance(&app, org, &format!("members:{}:fund-receivable", m[0])).await,
        0
    );
    let again = app
        .settle_member_debts(org, m[0], "PAGO-1", None, false, d(2026, 4, 5), &audit())
        .await
        .unwrap();
    assert!(again.replay);
    // A sale of 300.00 the ODF owes m[1].
    app.post_entry(
        org,
        ledger::EntryDraft {
            idempotency_key: "venta:1".into(),
            reason: "trade.sale".into(),
            rule_id: "MANUAL".into(),
            date: d(2026, 4, 2),
            memo: "Venta".into(),
            postings: vec![
                ledger::Posting::new(
                    ledger::account::codes::odf_bank(),
                    ledger::Money::mxn(30_000),
                ),
                ledger::Posting::new(
                    ledger::AccountCode::parse(&format!("members:{}:payable", m[1])).unwrap(),
                    ledger::Money::mxn(-30_000),
                ),
            ],
            reverses: None,
        },
    )
    .await
    .unwrap();
    let deducted = app
        .settle_member_debts(org, m[1], "VENTA-1", None, true, d(2026, 4, 5), &audit())
        .await
        .unwrap();
    assert_eq!(
        (deducted.contribution_minor, deducted.profit_share_minor),
        (23_457, 6_543)
    );
    assert_eq!(app.member_payable_minor(org, m[1]).await.unwrap(), 0);
    let s = app.fund_state(org).await.unwrap();
    assert_eq!(
        s.member(m[1]).profit_share_outstanding_minor(),
        25_000 - 6_543
    );
    assert_eq!(s.trust.total(), 2 * 23_457);
    trial(&app, org).await;
}

/// R-FUND-1, R-PLAN-3: a collection in cash (`settle_all_in_cash`, a cashier's batch) is done
/// once. Run again after a later close has made the members owe more, it pays nothing: it
/// would pay the new debts under the first collection's keys, which conflict with what that
/// collection posted (a demo killed between the two closes could not be loaded again).
#[tokio::test]
async fn r_fund_1_a_collection_in_cash_is_done_once_even_after_a_later_close() {
    let app = sqlite().await;
    let (org, m) = two_members_owing_for_march(&app, "cobro").await;
    let march = app
        .settle_all_in_cash(org, "COBRO-MARZO", d(2026, 4, 5), &audit())
        .await
        .unwrap();
    assert_eq!(march, 2 * (23_457 + 25_000));
    for &member in &m {
        report(&app, org, p(2026, 4), member, 1_234_567, 400_001).await;
    }
    app.close_period(org, p(2026, 4), today(), CloseOptions::default(), &audit())
        .await
        .unwrap();
    let receivable = format!("members:{}:fund-receivable", m[0]);
    assert_eq!(balance(&app, org, &receivable).await, 23_457);

    let march_again = app
        .settle_all_in_cash(org, "COBRO-MARZO", d(2026, 4, 5), &audit())
        .await
        .unwrap();
    assert_eq!(march_again, 0);
    assert_eq!(balance(&app, org, &receivable).await, 23_457);
    let april = app
        .settle_all_in_cash(org, "COBRO-ABRIL", d(2026, 5, 5), &audit())
        .await
        .unwrap();
    assert_eq!(april, 2 * (23_457 + 25_000));
    assert_eq!(balance(&app, org, &receivable).await, 0);
    trial(&app, org).await;
}

/// R-FUND-4, R-FUND-5. Fund start 2025-01-01: individual use opens 2028-01-01. Registered in
/// Development: the member's paid 117.29 + the grant's 500.01 = 617.30; usable half: 308.65.
/// Deposits: 234.57 paid + 1,000.01 granted = 1,234.58. Entitlement: 308.65 x 234.57 /
/// 1,234.58 = 58.64 (rounded down).
#[tokio::test]
async fn r_fund_4_r_fund_5_withdrawals_from_year_four_within_the_entitlement() {
    let app = sqlite().await;
    let (org, m) = member_with_an_entitlement(&app, "retiros").await;
    let state = app.fund_state(org).await.unwrap();
    assert_eq!(fund::individually_usable_minor(&state), 30_865);
    assert_eq!(fund::entitlement_of(&state, m[0]).available_minor, 5_864);
    let before = entry_count(&app, org).await;
    let member = m[0];
    let w = |reference: &'static str, purpose, amount, day| {
        let app = app.clone();
        let m = [member];
        async move {
            app.withdraw_development(org, reference, m[0], purpose, amount, None, day, &audit())
                .await
        }
    };
    let early = w("W-0", WithdrawalPurpose::Medical, 100, d(2027, 12, 31))
        .await
        .unwrap_err();
    assert_eq!(rule_and_field(&early), (Some("R-FUND-4"), Some("date")));
    let over = w("W-1", WithdrawalPurpose::Medical, 5_865, d(2028, 1, 1))
        .await
        .unwrap_err();
    assert_eq!(rule_and_field(&over), (Some("R-FUND-5"), Some("amount")));
    let young = w("W-2", WithdrawalPurpose::Retirement, 100, d(2028, 1, 1))
        .await
        .unwrap_err();
    assert_eq!(rule_and_field(&young), (Some("R-FUND-4"), Some("purpose")));
    assert_eq!(entry_count(&app, org).await, before, "nothing was written");
    w("W-3", WithdrawalPurpose::Housing, 5_864, d(2028, 1, 1))
        .await
        .unwrap();
    let state = app.fund_state(org).await.unwrap();
    assert_eq!(fund::entitlement_of(&state, m[0]).available_minor, 0);
    assert_eq!(
        balance(&app, org, "fund:withdrawn:development").await,
        5_864
    );
    assert_eq!(state.trust.development_minor, 11_729 + 50_001 - 5_864);
    trial(&app, org).await;
}

/// The Fund of the R-FUND-5 tests below: one member, entitlement 58.64 from 2028-01-01.
async fn member_with_an_entitlement(app: &App, slug: &str) -> (OrgId, Vec<i64>) {
    let (org, m) = org_with_members(app, slug, 1).await;
    agree(app, org, m[0], 1_000_000, 300_000).await;
    report(app, org, p(2026, 3), m[0], 1_234_567, 300_000).await;
    app.close_period(org, p(2026, 3), today(), CloseOptions::default(), &audit())
        .await
        .unwrap();
    app.settle_member_debts(org, m[0], "P-1", None, false, d(2026, 4, 5), &audit())
        .await
        .unwrap();
    app.receive_grant(
        org,
        "G-1",
        "Nacional Financiera",
        100_001,
        d(2026, 4, 6),
        &audit(),
    )
    .await
    .unwrap();
    (org, m)
}

/// R-FUND-5 under concurrency: 16 different withdrawals of 10.00 sent at once against an
/// entitlement of 58.64. Each passes alone; together only 5 fit (50.00), the other 11 are
/// refused naming R-FUND-5, and the Fund's books say 50.00 withdrawn.
#[tokio::test]
async fn r_fund_5_withdrawals_sent_at_once_never_pass_the_entitlement_together() {
    for (name, app) in backends().await {
        let (org, m) = member_with_an_entitlement(&app, "retiros-a-la-vez").await;
        let entitlement = fund::entitlement_of(&app.fund_state(org).await.unwrap(), m[0]);
        assert_eq!(entitlement.available_minor, 5_864, "{name}");
        let mut tasks = Vec::new();
        for i in 0..16 {
            let app = app.clone();
            let member = m[0];
            tasks.push(tokio::spawn(async move {
                app.withdraw_development(
                    org,
                    &format!("W-{i}"),
                    member,
                    WithdrawalPurpose::Medical,
                    1_000,
                    None,
                    d(2028, 1, 1),
                    &audit(),
                )
                .await
            }));
        }
        let mut paid = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => paid += 1,
                Err(e) => assert_eq!(
                    rule_and_field(&e),
                    (Some("R-FUND-5"), Some("amount")),
                    "{name}: {e}"
                ),
            }
        }
        // 5,864 / 1,000 = 5 withdrawals fit.
        assert_eq!(paid, 5_864 / 1_000, "{name}");
        assert_eq!(
            balance(&app, org, "fund:withdrawn:development").await,
            paid * 1_000,
            "{name}"
        );
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(
            fund::entitlement_of(&state, m[0]).available_minor,
            5_864 - paid * 1_000
        );
        trial(&app, org).await;
    }
}

/// R-FUND-3: a payment with no board decision, a decision of another kind, a purpose outside
/// the list, or more than the decision authorises is refused; 100.00 under an approved
/// 200.00 expenditure is paid from the Competition trust account (500.00 -> 400.00).
#[tokio::test]
async fn r_fund_3_competition_spending_needs_an_allowed_category_and_a_decision() {
    let app = sqlite().await;
    let (org, m) = org_with_members(&app, "gasto", 3).await;
    app.receive_grant(org, "G-1", "Fundación", 100_000, today(), &audit())
        .await
        .unwrap();
    let spend = |reference: &'static str, amount, decision| {
        let app = app.clone();
        async move {
            app.spend_competition(
                org,
                reference,
                CompetitionCategory::TradeFairsAndSalesPromotion,
                "Feria de Tlaquepaque",
                amount,
                decision,
                today(),
                &audit(),
            )
            .await
        }
    };
    let err = spend("S-1", 10_000, None).await.unwrap_err();
    assert_eq!(rule_and_field(&err), (Some("R-FUND-3"), Some("decision")));
    let bad = fund::CompetitionCategory::parse("fiesta patronal").unwrap_err();
    assert_eq!((bad.rule_id(), bad.field()), ("R-FUND-3", Some("category")));
    let seats = seat_board(&app, org, &m).await;
    let loan = board_decides(&app, org, &seats, governance::ProposalKind::Loan, 20_000).await;
    let err = spend("S-2", 10_000, Some(loan)).await.unwrap_err();
    assert_eq!(
        rule_and_field(&err),
        (Some("R-FUND-3"), Some("decision_id"))
    );
    let fair = board_decides(
        &app,
        org,
        &seats,
        governance::ProposalKind::Expenditure,
        20_000,
    )
    .await;
    let ok = spend("S-3", 10_000, Some(fair)).await.unwrap();
    assert!(!ok.replay);
    assert_eq!(
        balance(&app, org, "fund:trust-bank:competition").await,
        40_000
    );
    assert_eq!(balance(&app, org, "fund:spent:competition").await, 10_000);
    let over = spend("S-4", 10_001, Some(fair)).await.unwrap_err();
    assert_eq!(rule_and_field(&over), (Some("R-FUND-3"), Some("amount")));
    assert!(spend("S-3", 10_000, Some(fair)).await.unwrap().replay);
    trial(&app, org).await;
}
