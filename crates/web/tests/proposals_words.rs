//! Issue 17: a setting change on the proposals page in words: the setting's name in Spanish,
//! the value in force before it and the new one formatted (percent, pesos), from when; no raw
//! setting code, no "$0.00" for a proposal that moves no money, and the proposer's name
//! instead of their login.

mod common;

use common::*;

const SLUG: &str = "alfareros-morelos";

#[tokio::test]
async fn a_setting_change_reads_as_words_with_the_old_and_new_value() {
    let w = world().await;
    let staff = w.app.user("personal").await.unwrap().viewer;
    let today = today_mx();
    let from = today + chrono::Days::new(10);
    for (key, value) in [("contribution_rate", "12 %"), ("dues_amount", "75.00")] {
        w.app
            .propose_setting_as(w.union.id, &staff, key, value, from, "", "test", today)
            .await
            .unwrap();
    }
    let board = sign_in(&w, "consejo").await;
    let page = get(&w, &format!("/odf/{SLUG}/propuestas"), Some(&board)).await;
    let body = &page.body;
    // R-FUND-1's 10 % by default; the union's dues are 50.00 a month (R-ORG-6).
    assert!(
        body.contains("Aportación al Fondo sobre los ingresos nuevos: de 10 % a 12 % desde el "),
        "{body}"
    );
    assert!(
        body.contains("Cuota de socio por periodo: de $50.00 a $75.00 desde el "),
        "{body}"
    );
    for raw in [
        "contribution_rate",
        "dues_amount",
        "Cambiar ",
        "$0.00",
        "· personal ·",
    ] {
        assert!(!body.contains(raw), "{raw} shown: {body}");
    }
    // The demo's staff account is named for what it is, never by its login.
    assert!(body.contains("<span>Personal de la ODF · "), "{body}");
    // A proposal that moves money still shows its amount.
    common::proposal(&w, "palabras").await;
    let page = get(&w, &format!("/odf/{SLUG}/propuestas"), Some(&board)).await;
    assert!(page.body.contains("$15,000.00 · "), "{}", page.body);
}
