//! Issue 18 in headless Chromium at 360 px, through pages only: staff open a second credit
//! line at its most (R-CRED-1: twice the initial deposit, worked out here), draw 1,000.00 on
//! it and see what is left available; on the demo's line they do the semiannual review that
//! is due (R-CRED-2) and the page shows the new limit with its reason. Screenshots
//! `lines-NN-*.png`; no sideways scroll; the books check passes afterwards.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;
use fantoccini::Locator;

const SLUG: &str = "alfareros-morelos";

async fn text_of(client: &fantoccini::Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"))
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_open_a_line_draw_on_it_and_review_the_demo_line_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world_sized(300, 12).await;
    let base = serve(w.router.clone()).await;
    let odf = format!("{base}/odf/{SLUG}");
    let most = 2 * w.app.initial_deposit_minor(w.union.id).await.unwrap();

    // 1. Staff open line 2 from the loans list, at the most (the limit left empty).
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&format!("{odf}/prestamos")).await.unwrap();
    click(&client, "#lines-link").await;
    wait_until_shown(client.clone(), "id=\"open-form\"").await;
    type_into(client.clone(), "acreedor", "banco-del-bienestar").await;
    type_into(client.clone(), "tasa", "16.5").await;
    shot_and_check(&client, "lines-01-open.png").await;
    click(&client, "#open-submit").await;
    wait_until_shown(client.clone(), "id=\"line-limit\"").await;
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/lineas/2"));
    assert_eq!(
        text_of(&client, "line-limit").await,
        web::money_es_mx(most as i128)
    );
    shot_and_check(&client, "lines-02-opened.png").await;

    // 2. A draw of 1,000.00: what is available is the limit less that.
    type_into(client.clone(), "importe", "1,000.00").await;
    click(&client, "#draw-submit").await;
    wait_until_shown(client.clone(), "id=\"moves\"").await;
    assert_eq!(
        text_of(&client, "line-available").await,
        web::money_es_mx((most - 100_000) as i128)
    );
    shot_and_check(&client, "lines-03-drawn.png").await;

    // 3. The demo's line is due for review: done from its page, with the reason shown.
    let before = w.app.credit_book(w.union.id).await.unwrap().lines[&1]
        .line
        .limit_history
        .len();
    client.goto(&format!("{odf}/lineas/1")).await.unwrap();
    wait_until_shown(client.clone(), "id=\"review-form\"").await;
    click(&client, "#review-submit").await;
    wait_until_shown(client.clone(), "id=\"line-notice\"").await;
    let book = w.app.credit_book(w.union.id).await.unwrap();
    let line = &book.lines[&1].line;
    assert!(line.limit_history.len() > before, "a review was recorded");
    assert_eq!(
        text_of(&client, "line-limit").await,
        web::money_es_mx(line.limit_history.last().unwrap().to_minor as i128)
    );
    shot_and_check(&client, "lines-04-reviewed.png").await;

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
