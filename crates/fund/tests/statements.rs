//! Snapshot tests (expect-test) for the member and ODF statements (R-PLAN-2, R-PLAN-3,
//! R-FUND-1..6, R-SUP-4). Update with `UPDATE_EXPECT=1 cargo test -p fund --test statements`.

mod common;

use common::{d, row, settings, Books};
use expect_test::{expect, Expect};
use fund::close::{pay_contribution, PaymentMethod};
use fund::statement::{member_statement, odf_statement};
use fund::*;
use ledger::Money;

fn check(actual: impl std::fmt::Debug, expect: Expect) {
    expect.assert_eq(&format!("{actual:#?}"));
}

fn report(id: i64, month: u32, revenue: i64, profit: i64, supersedes: Option<i64>) -> IncomeReport {
    IncomeReport {
        id,
        member_id: 42,
        period: Period::month(2026, month).unwrap(),
        revenue: Money::mxn(revenue),
        profit: Money::mxn(profit),
        reported_by: Reporter::Member,
        reported_on: d(2026, month + 1, 2),
        supersedes,
        reason: supersedes.map(|_| "corrección".to_string()),
    }
}

fn books() -> Books {
    let s = settings();
    let mut books = Books::default();
    let jan = Period::month(2026, 1).unwrap();
    let rows = [
        row(42, (1_000_000, 300_000), Some((1_300_000, 400_000))),
        row(43, (500_000, 100_000), Some((1_000_000, 200_000))),
        row(44, (800_000, 100_000), Some((700_000, 50_000))),
        row(45, (600_000, 100_000), None),
    ];
    books.apply(
        compute_close(&s, jan, &rows)
            .unwrap()
            .decision(&s, d(2026, 2, 1))
            .unwrap(),
    );
    books.apply(
        pay_contribution(
            &s,
            &books.state,
            1,
            42,
            20_000,
            PaymentMethod::Cash,
            d(2026, 2, 5),
        )
        .unwrap(),
    );
    books.apply(receive_grant(&s, 1, "PNUD", Money::mxn(100_001), d(2026, 2, 6)).unwrap());
    books
}

#[test]
fn r_sup_4_member_statement_snapshot() {
    let books = books();
    // January corrected from 12,345.67 to 13,000.00; February below baseline.
    let reports = [
        report(1, 1, 1_234_567, 400_000, None),
        report(2, 1, 1_300_000, 400_000, Some(1)),
        report(3, 2, 900_000, 250_000, None),
    ];
    let st = member_statement(&settings(), &books.state, 42, 1_000_000, 300_000, &reports).unwrap();
    check(
        st,
        expect![[r#"
        MemberStatement {
            member_id: 42,
            baseline_revenue_minor: 1000000,
            baseline_profit_minor: 300000,
            periods: [
                MemberPeriodLine {
                    period: Period {
                        year: 2026,
                        month: 1,
                        months: 1,
                    },
                    report_id: 2,
                    revenue_minor: 1300000,
                    profit_minor: 400000,
                    new_revenue_minor: 300000,
                    incremental_profit_minor: 100000,
                    contribution_minor: 30000,
                    profit_share_minor: 25000,
                },
                MemberPeriodLine {
                    period: Period {
                        year: 2026,
                        month: 2,
                        months: 1,
                    },
                    report_id: 3,
                    revenue_minor: 900000,
                    profit_minor: 250000,
                    new_revenue_minor: 0,
                    incremental_profit_minor: -50000,
                    contribution_minor: 0,
                    profit_share_minor: 0,
                },
            ],
            contributions_owed: Split {
                development_minor: 15000,
                competition_minor: 15000,
            },
            contributions_paid: Split {
                development_minor: 10000,
                competition_minor: 10000,
            },
            contributions_outstanding_minor: 10000,
            profit_share_owed_minor: 25000,
            profit_share_paid_minor: 0,
            entitlement: Entitlement {
                member_id: 42,
                paid_contributions_minor: 20000,
                gross_minor: 4999,
                withdrawn_minor: 0,
                available_minor: 4999,
            },
            withdrawn_minor: 0,
            latest_revenue_minor: Some(
                900000,
            ),
            at_least_doubled: false,
        }"#]],
    );
}

#[test]
fn r_sup_4_odf_statement_snapshot() {
    let books = books();
    let jan = Period::month(2026, 1).unwrap();
    let rows = [
        row(42, (1_000_000, 300_000), Some((1_300_000, 400_000))),
        row(43, (500_000, 100_000), Some((1_000_000, 200_000))),
        row(44, (800_000, 100_000), Some((700_000, 50_000))),
        row(45, (600_000, 100_000), None),
    ];
    let st = odf_statement(&books.state, jan, &rows);
    assert_eq!(st.fund_total_minor, st.fund_net_assets_minor);
    check(
        st,
        expect![[r#"
        OdfStatement {
            period: Period {
                year: 2026,
                month: 1,
                months: 1,
            },
            development: SubFundLine {
                credited_minor: 90001,
                grants_minor: 50001,
                used_minor: 0,
                balance_minor: 90001,
                trust_cash_minor: 60001,
            },
            competition: SubFundLine {
                credited_minor: 90000,
                grants_minor: 50000,
                used_minor: 0,
                balance_minor: 90000,
                trust_cash_minor: 60000,
            },
            fund_total_minor: 180001,
            fund_net_assets_minor: 180001,
            members_unpaid_contributions_minor: 60000,
            borrowers_shortfall_minor: 0,
            temporary_outstanding_minor: 0,
            individually_usable_minor: 30000,
            profit_share_income_minor: 50000,
            profit_share_collected_minor: 0,
            members: 4,
            members_reporting: 3,
            members_above_baseline: 2,
            members_doubled: 1,
            revenue_now_minor: 3000000,
            baseline_revenue_of_reporting_minor: 2300000,
            notices: [],
        }"#]],
    );
}
