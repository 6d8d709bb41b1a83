//! Issue 18 in headless Chromium at 360 px, through pages only: a member's loan goes from the
//! simulator's quote to an application, the board approves it on the proposals page (R-GOV-2),
//! staff disburse it and record two payments with printable receipts, and the loan page shows
//! the principal that remains, worked out here from the schedule's arithmetic (R-CRED-4). The
//! portfolio page at the end. Screenshots `credit-NN-*.png`; no sideways scroll; the books
//! check passes afterwards.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;
use fantoccini::Locator;
use rust_decimal::Decimal;

const SLUG: &str = "alfareros-morelos";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_loan_from_quote_to_two_payments_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(300, 12).await;
    let base = serve(w.router.clone()).await;
    let today = common::today_mx();
    let odf = format!("{base}/odf/{SLUG}");

    // 1. The member quotes 12,000 pesos in 6 monthly payments and applies from the offer.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client.goto(&format!("{odf}/simulador")).await.unwrap();
    type_into(client.clone(), "f-amount", "12000").await;
    type_into(client.clone(), "f-installments", "6").await;
    click(&client, "#quote-form button[type=submit]").await;
    wait_until_shown(client.clone(), "id=\"apply-from-quote\"").await;
    shot_and_check(&client, "credit-01-quote.png").await;
    click(&client, "#apply-from-quote button").await;
    wait_until_shown(client.clone(), "id=\"apply-form\"").await;
    shot_and_check(&client, "credit-02-application.png").await;
    click(&client, "#apply-submit").await;
    wait_until_shown(client.clone(), "id=\"loan-status\"").await;
    let loan_url = client.current_url().await.unwrap().to_string();
    assert!(
        client
            .source()
            .await
            .unwrap()
            .contains("espera la decisión del consejo"),
        "waiting for the board"
    );
    shot_and_check(&client, "credit-03-applied.png").await;
    let application = w.app.loan_applications(w.union.id).await.unwrap()[0].clone();
    assert_eq!(application.terms.principal_minor, 1_200_000);

    // 2. The board votes for it on the proposals page; the first member closes the vote.
    let roles = w.app.store().roles(w.union.id).await.unwrap();
    let seats = governance::board_seats(
        &roles,
        app::fact_date::mexico_city_today(chrono::Utc::now()),
    )
    .len();
    let proposal = format!("p{}", application.proposal_id);
    for i in 0..seats / 2 + 1 {
        let login = if i == 0 {
            "consejo".to_string()
        } else {
            format!("consejo{}", i + 1)
        };
        sign_in_through_page(&client, &base, &login, DEMO_PASSWORD).await;
        client.goto(&format!("{odf}/propuestas")).await.unwrap();
        click(&client, &format!("#{proposal} button[value=for]")).await;
        // Other proposals already say "Su voto": wait for this ballot itself (bounded).
        for _ in 0..50 {
            let r = w
                .app
                .proposal(w.union.id, application.proposal_id)
                .await
                .unwrap();
            if r.ballots.len() > i {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        client
            .goto(&format!("{odf}/propuestas#{proposal}"))
            .await
            .unwrap();
    }
    shot_and_check(&client, "credit-04-board-voted.png").await;
    click(
        &client,
        &format!("#{proposal} form[action$='/cerrar'] button"),
    )
    .await;
    // The page answers once the decision is recorded (bounded wait).
    let mut decided = None;
    for _ in 0..50 {
        if let Ok(d) = w.app.decision(w.union.id, application.proposal_id).await {
            decided = Some(d);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    shot_and_check(&client, "credit-04b-vote-closed.png").await;
    assert!(decided.expect("the vote was closed").approved);

    // 3. Staff disburse it.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&loan_url).await.unwrap();
    wait_until_shown(client.clone(), "id=\"disburse-form\"").await;
    shot_and_check(&client, "credit-05-approved.png").await;
    click(&client, "#disburse-submit").await;
    wait_until_shown(client.clone(), "id=\"repay-form\"").await;
    shot_and_check(&client, "credit-06-disbursed.png").await;

    // 4. Two payments typed as people in Mexico type them, each with its receipt.
    for (n, amount) in [(7, "1,000.00"), (8, "$1,500.50")] {
        client.goto(&loan_url).await.unwrap();
        wait_until_shown(client.clone(), "id=\"repay-form\"").await;
        type_into(client.clone(), "importe", amount).await;
        click(&client, "#repay-submit").await;
        wait_until_shown(client.clone(), "id=\"receipt\"").await;
        shot_and_check(&client, &format!("credit-0{n}-receipt.png")).await;
    }

    // 5. What remains, by hand (30/360, the line's rate): the first month's interest is
    // P x rate / 12, half to even. Paid before the first due date, the payments pay that
    // interest, then principal (the rest of the first row, then a prepayment), so the
    // principal left is P less both payments plus that interest.
    let rate = w
        .app
        .credit_book(w.union.id)
        .await
        .unwrap()
        .lines
        .values()
        .next()
        .unwrap()
        .line
        .rate
        .annual();
    let interest_1 = {
        use rust_decimal::prelude::ToPrimitive;
        (Decimal::from(1_200_000) * rate / Decimal::from(12))
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven)
            .to_i64()
            .unwrap()
    };
    let remaining = 1_200_000 - 100_000 - 150_050 + interest_1;
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client.goto(&format!("{odf}/mi-estado")).await.unwrap();
    click(&client, "#my-loans").await;
    wait_until_shown(client.clone(), "id=\"loans\"").await;
    click(
        &client,
        &format!("#loans a[href$='/prestamos/{}']", application.loan_id),
    )
    .await;
    wait_until_shown(client.clone(), "id=\"schedule\"").await;
    let shown = client
        .find(Locator::Id("loan-outstanding"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, web::money_es_mx(remaining as i128));
    shot_and_check(&client, "credit-09-loan-page.png").await;
    let _ = today;

    // 6. The portfolio, for staff.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&format!("{odf}/cartera")).await.unwrap();
    wait_until_shown(client.clone(), "id=\"aging\"").await;
    shot_and_check(&client, "credit-10-portfolio.png").await;

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
