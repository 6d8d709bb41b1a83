//! Issue 19 in headless Chromium at 360 px, through pages only: staff open a member's record,
//! type an e-mail and a mobile in the edit form and save; the record shows them, the contact is
//! in the registry as typed (the mobile as +52 and its ten digits), and the outbox page is
//! reachable. Screenshots `contact-NN-*.png`; no sideways scroll; the books check passes.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;

const SLUG: &str = "alfareros-morelos";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_give_a_member_an_email_and_a_mobile_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let base = serve(w.router.clone()).await;
    let odf = format!("{base}/odf/{SLUG}");
    let member = w
        .app
        .store()
        .members(w.union.id, store::Page::first(1))
        .await
        .unwrap()[0]
        .clone();

    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client
        .goto(&format!("{odf}/socios/{}/ficha", member.id))
        .await
        .unwrap();
    wait_until_shown(client.clone(), "id=\"edit-form\"").await;
    type_into(client.clone(), "e-email", "socia.uno@correo.mx").await;
    type_into(client.clone(), "e-mobile", "735 123 4567").await;
    shot_and_check(&client, "contact-01-typed.png").await;
    click(&client, "#edit-form button[type=submit]").await;
    wait_until_shown(client.clone(), "id=\"edit-ok\"").await;
    shot_and_check(&client, "contact-02-saved.png").await;
    let c = w.app.member_contact(w.union.id, member.id).await.unwrap();
    assert_eq!(c.email.as_deref(), Some("socia.uno@correo.mx"));
    // 735 123 4567 is ten digits: +52 and them.
    assert_eq!(c.mobile.as_deref(), Some("+527351234567"));
    assert!(client
        .source()
        .await
        .unwrap()
        .contains("value=\"+527351234567\""));

    client.goto(&format!("{odf}/avisos")).await.unwrap();
    shot_and_check(&client, "contact-03-outbox.png").await;

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
