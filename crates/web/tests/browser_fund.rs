//! The Fund's operations in headless Chromium at 360 px, through pages only (issue 18):
//! - staff propose a Fund expense, four board members vote for it on the proposals page and
//!   one closes the vote (R-GOV-1, R-GOV-2); staff pay it on `/fondo/gasto` naming the
//!   decision and its R-FUND-3 category, and the Fund page shows the Competition Sub-Fund's
//!   balance lower by exactly the amount (worked out here from the figures the page showed);
//! - a member opens their statement, follows "Usar mi parte del Fondo", withdraws half of what
//!   is left of their entitlement (R-FUND-4, R-FUND-5) and sees the rest; one centavo over the
//!   rest is refused on the page naming the amount, and nothing is recorded.
//!
//! After each flow the books check (`app::check`) passes. Screenshots `fund-*.png` under
//! `$CARGO_TARGET_TMPDIR/screenshots/`.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;
mod fund_support;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;
use fantoccini::Locator;
use fund_support::{mx, old_world, typed};
use std::time::Duration;

const UNION: &str = "/odf/alfareros-morelos";

/// `$12,345.67` (or `-$…`) as the page shows it, in minor units.
fn minor_of(text: &str) -> i64 {
    let t = text.trim();
    let negative = t.starts_with('-');
    let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let v: i64 = digits.parse().unwrap_or_else(|_| panic!("not money: {t}"));
    if negative {
        -v
    } else {
        v
    }
}

/// The text of the element the CSS selector finds.
async fn text_of(client: &fantoccini::Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The Competition Sub-Fund's balance on the Fund page (second row, fifth column).
async fn competition_balance(client: &fantoccini::Client, base: &str) -> i64 {
    client.goto(&format!("{base}{UNION}/fondo")).await.unwrap();
    minor_of(&text_of(client, "main table tbody tr:nth-child(2) td:nth-child(5)").await)
}

async fn select(client: &fantoccini::Client, id: &str, value: &str) {
    client
        .find(Locator::Css(&format!("#{id} option[value=\"{value}\"]")))
        .await
        .unwrap_or_else(|e| panic!("{id}={value}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn books_ok(w: &common::World) {
    let c = w.app.check_books(w.union.id).await.unwrap();
    assert!(c.ok(), "{:?}", c.failures().collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_approves_a_fund_expense_and_staff_pay_it_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(60, 2).await;
    let base = serve(w.router.clone()).await;
    let sign_in = |login: &'static str| {
        let client = client.clone();
        let base = base.clone();
        async move { sign_in_through_page(&client, &base, login, DEMO_PASSWORD).await }
    };

    // Staff propose the expense.
    sign_in("personal").await;
    client
        .goto(&format!("{base}{UNION}/propuestas"))
        .await
        .unwrap();
    select(&client, "f-kind", "expenditure").await;
    type_into(client.clone(), "f-subject", "Feria de Cuernavaca").await;
    type_into(client.clone(), "f-amount", "8,000.00").await;
    type_into(
        client.clone(),
        "f-purpose",
        "Stand en la Feria de Cuernavaca",
    )
    .await;
    click(&client, "#new form button[type=submit]").await;
    wait_until_shown(client.clone(), "Stand en la Feria de Cuernavaca").await;
    let id = w
        .app
        .proposals(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.proposal.purpose == "Stand en la Feria de Cuernavaca")
        .expect("the proposal was recorded")
        .proposal
        .id;
    shot_and_check(&client, "fund-01-proposed-360.png").await;

    // Four of the seven board members vote for it (a quorum); the first closes the vote.
    for login in ["consejo2", "consejo3", "consejo4", "consejo"] {
        sign_in(login).await;
        client
            .goto(&format!("{base}{UNION}/propuestas#p{id}"))
            .await
            .unwrap();
        click(&client, &format!("#p{id} form.votes button[value=for]")).await;
        wait_until_shown(client.clone(), "Su voto").await;
    }
    shot_and_check(&client, "fund-02-voted-360.png").await;
    click(&client, &format!("#p{id} form.close-vote button")).await;
    for _ in 0..50 {
        if w.app.decision(w.union.id, id).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(w.app.decision(w.union.id, id).await.unwrap().approved);

    // Staff read the sub-fund's balance, pay 5,432.10 under the decision, read it again.
    sign_in("personal").await;
    let before = competition_balance(&client, &base).await;
    shot_and_check(&client, "fund-03-fund-before-360.png").await;
    click(&client, "#fund-operations a[href$='/fondo/gasto']").await;
    wait_until_shown(client.clone(), "spend-form").await;
    select(&client, "f-decision", &id.to_string()).await;
    select(&client, "f-categoria", "trade_fairs_sales_promotion").await;
    type_into(client.clone(), "f-descripcion", "Renta del stand").await;
    type_into(client.clone(), "f-importe", "5,432.10").await;
    shot_and_check(&client, "fund-04-spend-form-360.png").await;
    click(&client, "#spend-form button[type=submit]").await;
    wait_until_shown(client.clone(), "Pagado $5,432.10").await;
    shot_and_check(&client, "fund-05-paid-360.png").await;
    let after = competition_balance(&client, &base).await;
    assert_eq!(after, before - 543_210, "{} then {}", mx(before), mx(after));
    shot_and_check(&client, "fund-06-fund-after-360.png").await;
    books_ok(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_withdraws_within_their_entitlement_and_over_it_is_refused_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = old_world().await;
    let base = serve(w.router.clone()).await;
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client
        .goto(&format!("{base}{UNION}/mi-estado"))
        .await
        .unwrap();
    click(&client, "#withdraw-link").await;
    wait_until_shown(client.clone(), "withdraw-form").await;
    let left = minor_of(&text_of(&client, "#entitlement-left").await);
    assert!(left >= 2, "the member has an entitlement to use: {left}");
    shot_and_check(&client, "fund-07-withdraw-form-360.png").await;
    let withdrawn = |w: &common::World| {
        let app = w.app.clone();
        let org = w.union.id;
        async move {
            app.store()
                .account_balance(
                    org,
                    &ledger::AccountCode::parse("fund:withdrawn:development").unwrap(),
                )
                .await
                .unwrap()
        }
    };
    let before = withdrawn(&w).await;
    let amount = left / 2;
    let rest = left - amount;
    select(&client, "f-uso", "medical").await;
    type_into(client.clone(), "f-importe", &typed(amount)).await;
    click(&client, "#withdraw-form button[type=submit]").await;
    wait_until_shown(client.clone(), &format!("Le queda {}", mx(rest))).await;
    assert_eq!(minor_of(&text_of(&client, "#entitlement-left").await), rest);
    shot_and_check(&client, "fund-08-withdrawn-360.png").await;
    assert_eq!(withdrawn(&w).await, before + amount);

    // One centavo over what is left: refused on the page, naming the amount; nothing recorded.
    select(&client, "f-uso", "housing").await;
    type_into(client.clone(), "f-importe", &typed(rest + 1)).await;
    click(&client, "#withdraw-form button[type=submit]").await;
    wait_until_shown(client.clone(), "es más que su parte disponible").await;
    let error = text_of(&client, "#op-err").await;
    assert!(
        error.contains(&mx(rest + 1)) && error.contains(&mx(rest)),
        "{error}"
    );
    assert_eq!(minor_of(&text_of(&client, "#entitlement-left").await), rest);
    shot_and_check(&client, "fund-09-refused-360.png").await;
    assert_eq!(withdrawn(&w).await, before + amount, "nothing recorded");
    books_ok(&w).await;
}
