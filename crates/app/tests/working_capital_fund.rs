//! R-BUY-2 meets R-FUND-6: working capital the Competition Sub-Fund lends to trade (a supplier
//! paid, a sale advanced) leaves the trust, and the Fund's own book (`fund::FundState`, stream
//! `fund`) must know it: `tequio check` holds while it is outstanding, a Fund expense cannot
//! spend the lent cash, and a trade payout and a Fund expense sent at once never both spend
//! the same cash (both claim the Fund's slot). Expected figures worked out here, on SQLite and,
//! when `TEQUIO_TEST_PG_URL` is set, PostgreSQL.

mod capital_support;
mod common;

use app::trade_cases::Funding;
use app::{App, AppError};
use capital_support::*;
use common::*;
use store::OrgId;

/// An organisation with a clay round, a grant of `grant_minor` (R-FUND-2: the Competition
/// Sub-Fund gets half, the odd centavo going to Development), a board decision for the round's
/// order and one for a trade fair. Answers (org, Sub-Fund funding, fair decision).
async fn set_up(app: &App, slug: &str, grant_minor: i64) -> (OrgId, Funding, i64) {
    let (org, m) = org_with_members(app, slug, 2).await;
    let seats = seat_board(app, org, &m).await;
    clay_round(app, org, &m).await;
    app.receive_grant(
        org,
        "g-1",
        "Fundación Morelos",
        grant_minor,
        d(2025, 1, 5),
        &audit(),
    )
    .await
    .unwrap();
    let trade = decide(app, org, &seats, "trade:r1", PO_COST).await;
    let fair = decide(app, org, &seats, "competition:fair", 1_000_000).await;
    (
        org,
        Funding::CompetitionSubFund { decision_id: trade },
        fair,
    )
}

/// R-FUND-2 by hand: the Competition half of a grant (the odd centavo goes to Development).
fn competition_half(grant_minor: i64) -> i64 {
    grant_minor / 2
}

async fn pay_supplier(
    app: &App,
    org: OrgId,
    funding: &Funding,
    amount: i64,
    reference: &str,
) -> Result<(), AppError> {
    app.pay_supplier(
        org,
        &by(),
        "r1",
        PO,
        amount,
        funding.clone(),
        d(2025, 2, 5),
        reference,
    )
    .await
}

async fn spend(
    app: &App,
    org: OrgId,
    fair: i64,
    amount: i64,
    reference: &str,
) -> Result<(), AppError> {
    app.spend_competition(
        org,
        reference,
        fund::CompetitionCategory::TradeFairsAndSalesPromotion,
        "Feria de Tlaquepaque",
        amount,
        Some(fair),
        d(2025, 2, 6),
        &audit(),
    )
    .await
    .map(|_| ())
}

/// R-BUY-2, R-FUND-6: with working capital outstanding the Fund's book says the trust holds
/// what the ledger says, and `tequio check` passes; repaid in two parts, the same.
#[tokio::test]
async fn r_buy_2_the_books_check_while_working_capital_is_outstanding() {
    for (backend, app) in backends().await {
        let grant = 100_001;
        let (org, sub_fund, _) = set_up(&app, "capital-pendiente", grant).await;
        let lent = 3_000;
        pay_supplier(&app, org, &sub_fund, lent, "pago-1")
            .await
            .unwrap();
        // The same payment again is a replay: nothing more leaves the trust.
        pay_supplier(&app, org, &sub_fund, lent, "pago-1")
            .await
            .unwrap();
        let cash = competition_half(grant) - lent;
        assert_eq!(
            balance(&app, org, "fund:trust-bank:competition").await,
            cash,
            "{backend}"
        );
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(state.trust.competition_minor, cash, "{backend}: R-BUY-2");
        assert_eq!(
            state.trust.development_minor,
            grant - competition_half(grant)
        );
        // Lending is not spending: the Fund's net assets are still the whole grant.
        assert_eq!(state.net_assets_minor(), grant, "{backend}: R-FUND-2");
        assert_books(&app, org, backend).await;

        app.repay_working_capital(org, &by(), sub_fund.clone(), 1_000, d(2025, 2, 20), "dev-1")
            .await
            .unwrap();
        assert_books(&app, org, backend).await;
        // Repaying more than is still lent is refused (R-BUY-2).
        let e = app
            .repay_working_capital(org, &by(), sub_fund.clone(), lent, d(2025, 2, 21), "dev-2")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("R-BUY-2"), "{backend}: {e}");
        app.repay_working_capital(org, &by(), sub_fund, lent - 1_000, d(2025, 2, 21), "dev-3")
            .await
            .unwrap();
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(state.trust.competition_minor, competition_half(grant));
        assert_books(&app, org, backend).await;
    }
}

/// R-BUY-2, R-FUND-3: a Fund expense that needs the cash lent to trade is refused by its rule;
/// one that fits what is left passes, and the trust never goes below zero.
#[tokio::test]
async fn r_fund_3_an_expense_cannot_spend_cash_lent_to_trade() {
    for (backend, app) in backends().await {
        let grant = 10_000;
        let (org, sub_fund, fair) = set_up(&app, "capital-gasto", grant).await;
        let lent = PO_COST;
        pay_supplier(&app, org, &sub_fund, lent, "pago-1")
            .await
            .unwrap();
        let left = competition_half(grant) - lent;
        let e = spend(&app, org, fair, left + 1, "feria-1")
            .await
            .unwrap_err();
        assert_eq!(e.rule_id(), Some("R-FUND-3"), "{backend}: {e}");
        spend(&app, org, fair, left, "feria-2").await.unwrap();
        assert_eq!(balance(&app, org, "fund:trust-bank:competition").await, 0);
        assert_books(&app, org, backend).await;
    }
}

/// R-BUY-2: the other way round, trade may not lend what a Fund expense already spent; the
/// refusal names the rule and the field.
#[tokio::test]
async fn r_buy_2_trade_cannot_lend_cash_the_fund_spent() {
    for (backend, app) in backends().await {
        let grant = 10_000;
        let (org, sub_fund, fair) = set_up(&app, "capital-despues", grant).await;
        let spent = 2_000;
        spend(&app, org, fair, spent, "feria-1").await.unwrap();
        let left = competition_half(grant) - spent;
        let e = pay_supplier(&app, org, &sub_fund, left + 1, "pago-1")
            .await
            .unwrap_err();
        // Worded as trade's other limits (the pages show what is left).
        assert!(
            matches!(
                e,
                AppError::Trade(trade::TradeError::AboveRemaining { remaining, .. })
                    if remaining == left
            ),
            "{backend}: {e:?}"
        );
        let text = e.to_string();
        assert!(
            text.contains("R-BUY-2") && text.contains("amount_minor"),
            "{backend}: {text}"
        );
        pay_supplier(&app, org, &sub_fund, left, "pago-2")
            .await
            .unwrap();
        assert_eq!(balance(&app, org, "fund:trust-bank:competition").await, 0);
        assert_books(&app, org, backend).await;
    }
}

/// R-BUY-2, R-FUND-6: a supplier payment from the Sub-Fund and a Fund expense that each fit
/// the trust's cash alone but not together, sent at the same moment: exactly one passes (both
/// claim the Fund's slot; the loser decides again and is refused), and the trust never goes
/// below zero.
#[tokio::test]
async fn r_buy_2_a_trade_payout_and_a_fund_expense_at_once_never_both_spend_the_cash() {
    for (backend, app) in backends().await {
        for round in 0..4 {
            let grant = 10_000;
            let (org, sub_fund, fair) =
                set_up(&app, &format!("capital-carrera-{round}"), grant).await;
            let cash = competition_half(grant);
            let (lend, expense) = (PO_COST, 3_000);
            assert!(lend <= cash && expense <= cash && lend + expense > cash);
            let (paid, spent) = tokio::join!(
                pay_supplier(&app, org, &sub_fund, lend, "pago-1"),
                spend(&app, org, fair, expense, "feria-1"),
            );
            assert!(
                paid.is_ok() != spent.is_ok(),
                "{backend}: exactly one passes: {paid:?} {spent:?}"
            );
            let left = if paid.is_ok() {
                cash - lend
            } else {
                cash - expense
            };
            let trust = balance(&app, org, "fund:trust-bank:competition").await;
            assert_eq!(trust, left, "{backend}");
            assert!(trust >= 0);
            if let Err(e) = &paid {
                assert!(e.to_string().contains("R-BUY-2"), "{backend}: {e}");
            }
            if let Err(e) = &spent {
                assert_eq!(e.rule_id(), Some("R-FUND-3"), "{backend}: {e}");
            }
            assert_books(&app, org, backend).await;
        }
    }
}

/// R-BUY-2: working capital lent before the Fund recorded its lending (a Sub-Fund supplier
/// payment committed by an earlier version: the ledger's entry, no Fund event). Repaying it
/// writes no Fund event: it only brings the ledger's trust cash back up to the Fund's figure,
/// so the books check again; what the Fund did record is taken back first.
#[tokio::test]
async fn r_buy_2_working_capital_lent_before_the_fund_knew_is_repaid_without_a_fund_event() {
    for (backend, app) in backends().await {
        let grant = 10_000;
        let (org, sub_fund, _) = set_up(&app, "capital-antiguo", grant).await;
        let cash = competition_half(grant);
        // A payment the Fund records (it opens trade's accounts too)...
        let lent = 2_000;
        pay_supplier(&app, org, &sub_fund, lent, "pago-1")
            .await
            .unwrap();
        // ...and one an earlier version recorded: `trade::capital::pay_supplier`'s entry for
        // the Sub-Fund, without the Fund's event.
        let old = 1_000;
        let posting = |code: &str, amount: i64| {
            ledger::Posting::new(
                ledger::AccountCode::parse(code).unwrap(),
                ledger::Money::mxn(amount),
            )
        };
        app.post_entry(
            org,
            ledger::EntryDraft {
                idempotency_key: "trade:round:r1:supplier-payment:antiguo".into(),
                reason: "purchase.supplier-payment".into(),
                rule_id: "R-BUY-2".into(),
                date: d(2025, 2, 3),
                memo: "Pago a proveedor (versión anterior)".into(),
                postings: vec![
                    posting("odf:payable:suppliers", old),
                    posting("fund:trust-bank:competition", -old),
                    posting("fund:receivable:working-capital", old),
                    posting("odf:payable:fund-competition", -old),
                ],
                reverses: None,
            },
        )
        .await
        .unwrap();
        assert!(
            !app.check_books(org).await.unwrap().ok(),
            "{backend}: the old defect"
        );
        let after_lend = app.fund_book(org).await.unwrap().events_read;
        // All of it comes back: the Fund takes back the 2,000 it knows of, the ledger the rest.
        app.repay_working_capital(
            org,
            &by(),
            sub_fund.clone(),
            lent + old,
            d(2025, 2, 20),
            "dev-1",
        )
        .await
        .unwrap();
        // One Fund event: the 2,000 it lent coming back.
        assert_eq!(
            app.fund_book(org).await.unwrap().events_read,
            after_lend + 1,
            "{backend}"
        );
        let state = app.fund_state(org).await.unwrap();
        assert_eq!(state.working_capital_minor, 0, "{backend}");
        assert_eq!(state.trust.competition_minor, cash);
        assert_eq!(
            balance(&app, org, "fund:trust-bank:competition").await,
            cash
        );
        assert_books(&app, org, backend).await;
    }
}
