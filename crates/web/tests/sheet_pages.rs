//! Issue 17: the collection sheet a page at a time (`/odf/{slug}/cobranza?pagina=N`, 50
//! members a page, pages both ways), with the page's and the sheet's totals worked out here
//! from the app's rows; each page saved all or nothing, sent twice recorded once; a page of a
//! large ODF stays under 100 KB.

mod common;

use axum::http::StatusCode;
use common::*;

const SLUG: &str = "alfareros-morelos";
const PER_PAGE: usize = 50;

fn money(minor: i64) -> String {
    web::money_es_mx(minor as i128)
}

#[tokio::test]
async fn the_sheet_is_paged_by_fifty_with_page_and_sheet_totals() {
    let w = world_sized(120, 2).await;
    let today = today_mx();
    let sheet = w
        .app
        .collection_sheet(w.union.id, today, None)
        .await
        .unwrap();
    let n = sheet.rows.len();
    assert!(n > 2 * PER_PAGE, "three pages: {n} members");
    let pages = n.div_ceil(PER_PAGE);
    let staff = sign_in(&w, "personal").await;
    let total = |rows: &[app::dues_cases::SheetRow]| -> i64 {
        rows.iter()
            .map(|r| r.dues_minor + r.loan_due_minor + r.contribution_minor + r.profit_share_minor)
            .sum()
    };
    let whole = total(&sheet.rows);

    // Page 1: the first fifty cards, the next link, no previous one.
    let first = get(&w, &format!("/odf/{SLUG}/cobranza"), Some(&staff)).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains(&format!(
            "Socios 1 a {PER_PAGE} de {n} · página 1 de {pages}"
        )),
        "{}",
        first.body
    );
    for r in &sheet.rows[..PER_PAGE] {
        assert!(first.body.contains(&format!("id=\"m{}\"", r.member_id)));
    }
    let fifty_first = &sheet.rows[PER_PAGE];
    assert!(!first
        .body
        .contains(&format!("id=\"m{}\"", fifty_first.member_id)));
    assert!(first.body.contains("pagina=2\" rel=\"next\""));
    assert!(!first.body.contains("rel=\"prev\""));
    // The sheet's total on top and in the printed table; the page's total in the table.
    assert!(first
        .body
        .contains(&format!("id=\"sheet-total\">{}<", money(whole))));
    let page_total = first.body.split("id=\"sheet-page-total\"").nth(1).unwrap();
    assert!(
        page_total
            .split("</tr>")
            .next()
            .unwrap()
            .contains(&money(total(&sheet.rows[..PER_PAGE]))),
        "{page_total}"
    );
    assert!(first.body.contains("Total de la hoja"));
    // Fifty cards whatever the ODF's size: well under 100 KB.
    assert!(first.body.len() < 100 * 1024, "{} bytes", first.body.len());

    // Page 2: the next fifty, links both ways; the last page: the rest, no next link.
    let second = get(&w, &format!("/odf/{SLUG}/cobranza?pagina=2"), Some(&staff)).await;
    assert!(second
        .body
        .contains(&format!("id=\"m{}\"", fifty_first.member_id)));
    assert!(second.body.contains("pagina=1\" rel=\"prev\""));
    assert!(second.body.contains("pagina=3\" rel=\"next\""));
    let last = get(
        &w,
        &format!("/odf/{SLUG}/cobranza?pagina={}", pages + 5),
        Some(&staff),
    )
    .await;
    assert!(last.body.contains(&format!("página {pages} de {pages}")));
    assert!(!last.body.contains("rel=\"next\""));
    assert!(last
        .body
        .contains(&format!("id=\"m{}\"", sheet.rows.last().unwrap().member_id)));
}

#[tokio::test]
async fn a_page_is_saved_all_or_nothing_and_once() {
    let w = world_sized(120, 2).await;
    let today = today_mx();
    let month = today.format("%Y-%m").to_string();
    w.app
        .charge_dues_period(w.union.id, &month, today, &app::Actor::cli())
        .await
        .unwrap();
    let sheet = w
        .app
        .collection_sheet(w.union.id, today, None)
        .await
        .unwrap();
    // Two members of page 2 who owe at least 50.00 of dues.
    let payers: Vec<i64> = sheet.rows[PER_PAGE..2 * PER_PAGE]
        .iter()
        .filter(|r| r.dues_minor >= 5_000)
        .take(2)
        .map(|r| r.member_id)
        .collect();
    assert_eq!(payers.len(), 2);
    let owed = |id: i64| {
        let app = w.app.clone();
        let org = w.union.id;
        async move { app.dues_arrears_minor(org, id).await.unwrap() }
    };
    let before = [owed(payers[0]).await, owed(payers[1]).await];
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("/odf/{SLUG}/cobranza?pagina=2"), Some(&staff)).await;
    let token = page
        .body
        .split("name=\"token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(page.body.contains("name=\"pagina\" value=\"2\""));
    let (d0, d1) = (format!("d{}", payers[0]), format!("d{}", payers[1]));
    let uri = format!("/odf/{SLUG}/cobranza");
    // One bad box: nothing of the page is saved, and the page shown is still page 2.
    let refused = post_form(
        &w,
        &uri,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("token", &token),
            ("pagina", "2"),
            (&d0, "50.00"),
            (&d1, "50,00"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("página 2 de"));
    assert_eq!(
        [owed(payers[0]).await, owed(payers[1]).await],
        before,
        "nothing saved"
    );
    let form = [
        ("csrf", staff.csrf.as_str()),
        ("token", token.as_str()),
        ("pagina", "2"),
        (d0.as_str(), "50.00"),
        (d1.as_str(), "50.00"),
    ];
    let saved = post_form(&w, &uri, Some(&staff), &form).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert!(saved.body.contains("id=\"sheet-ok\""));
    assert!(saved.body.contains("página 2 de"), "back on the same page");
    let after = [before[0] - 5_000, before[1] - 5_000];
    assert_eq!([owed(payers[0]).await, owed(payers[1]).await], after);
    let again = post_form(&w, &uri, Some(&staff), &form).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        [owed(payers[0]).await, owed(payers[1]).await],
        after,
        "sent twice, recorded once"
    );
}
