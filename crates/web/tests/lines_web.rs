//! The credit line in the browser and the API (issue 18; R-CRED-1, R-CRED-2, R-CRED-6),
//! through the router: staff open a line at up to twice the initial deposit, draw, repay the
//! lender, do the semiannual review and move the line to another lender; refusals name the
//! field with nothing written; a form or an API request sent twice records once; the line
//! page draws the limit history and both tables download as CSV. Expected figures are worked
//! out here.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

const SLUG: &str = "alfareros-morelos";

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        + marker.len();
    body[at..].split('"').next().unwrap().to_string()
}

async fn credit_events(w: &World) -> usize {
    w.app
        .store()
        .events(
            w.union.id,
            Some("credit"),
            store::Page::first(store::MAX_PAGE),
        )
        .await
        .unwrap()
        .len()
}

async fn line(w: &World, id: i64) -> credit::line::CreditLine {
    w.app.credit_book(w.union.id).await.unwrap().lines[&id]
        .line
        .clone()
}

fn money(minor: i64) -> String {
    web::money_es_mx(minor as i128)
}

#[tokio::test]
async fn staff_open_a_line_draw_repay_and_move_it_to_another_lender() {
    // The demo union with a year of Fund deposits (and its own line 1): staff open line 2.
    let w = world_sized(300, 12).await;
    let staff = sign_in(&w, "personal").await;
    let o = format!("/odf/{SLUG}");
    assert_eq!(
        w.app
            .credit_book(w.union.id)
            .await
            .unwrap()
            .lines
            .keys()
            .max(),
        Some(&1)
    );
    // R-CRED-1: the most is twice what the Fund received in its first three months.
    let deposit = w.app.initial_deposit_minor(w.union.id).await.unwrap();
    assert!(deposit > 0, "the demo's Fund has deposits");
    let most = 2 * deposit;
    let page = get(&w, &format!("{o}/lineas"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&money(most)), "{}", page.body);

    // One centavo over the most: refused naming the limit, nothing written.
    let events = credit_events(&w).await;
    let over = web::money_es_mx((most + 1) as i128);
    let open = |limit: String| {
        let w = &w;
        let staff = &staff;
        let o = o.clone();
        async move {
            post_form(
                w,
                &format!("{o}/lineas"),
                Some(staff),
                &[
                    ("csrf", &staff.csrf),
                    ("acreedor", "banco-rural"),
                    ("tasa", "18"),
                    ("limite", &limit),
                ],
            )
            .await
        }
    };
    let r = open(over).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("id=\"limite\" name=\"limite\"")
            && r.body.contains("aria-invalid=\"true\""),
        "{}",
        r.body
    );
    assert_eq!(credit_events(&w).await, events);
    // Empty: the most. Twice: once.
    let r = open(String::new()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{o}/lineas/2"));
    let events = credit_events(&w).await;
    assert_eq!(
        open(String::new()).await.location(),
        format!("{o}/lineas/2")
    );
    assert_eq!(credit_events(&w).await, events, "opened once");
    assert_eq!(line(&w, 2).await.limit_minor, most);

    // The page: the limit, the chart, the opening in the history.
    let page = get(&w, &format!("{o}/lineas/2"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(&format!("id=\"line-limit\">{}<", money(most))));
    assert!(page.body.contains("<svg class=\"chart\""), "{}", page.body);
    assert!(page.body.contains("Apertura"));

    // A draw over what is available is refused (R-CRED-1); 1,000.00 is drawn once.
    let token = hidden(&page.body, "token");
    let draw = |amount: String, token: String| {
        let w = &w;
        let staff = &staff;
        let o = o.clone();
        async move {
            post_form(
                w,
                &format!("{o}/lineas/2/disposicion"),
                Some(staff),
                &[
                    ("csrf", &staff.csrf),
                    ("token", &token),
                    ("importe", &amount),
                ],
            )
            .await
        }
    };
    let r = draw(web::money_es_mx((most + 1) as i128), token.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("id=\"importe\" name=\"importe\""),
        "{}",
        r.body
    );
    assert_eq!(line(&w, 2).await.drawn_minor, 0);
    assert_eq!(
        draw("1,000.00".into(), token.clone()).await.status,
        StatusCode::SEE_OTHER
    );
    let events = credit_events(&w).await;
    assert_eq!(
        draw("1,000.00".into(), token.clone()).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(credit_events(&w).await, events, "drawn once");
    assert_eq!(line(&w, 2).await.drawn_minor, 100_000);

    // The ODF repays 400.00 of principal and 12.50 of interest: 600.00 stays drawn.
    let page = get(&w, &format!("{o}/lineas/2"), Some(&staff)).await;
    let token = hidden(&page.body, "token");
    let r = post_form(
        &w,
        &format!("{o}/lineas/2/pago"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("token", &token),
            ("capital", "400.00"),
            ("interes", "12.50"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let l = line(&w, 2).await;
    assert_eq!(l.drawn_minor, 100_000 - 40_000);
    let page = get(&w, &format!("{o}/lineas/2"), Some(&staff)).await;
    assert!(page
        .body
        .contains(&format!("id=\"line-available\">{}<", money(most - 60_000))));
    assert!(page.body.contains(&money(1_250)), "the interest is shown");

    // No review is due the day it opened: said on the page, nothing written.
    let events = credit_events(&w).await;
    let r = post_form(
        &w,
        &format!("{o}/lineas/2/revision"),
        Some(&staff),
        &[("csrf", &staff.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("no hay revisiones pendientes"),
        "{}",
        r.body
    );
    assert_eq!(credit_events(&w).await, events);

    // R-CRED-6: to another lender; the limit history stays as it was.
    let history = l.limit_history.clone();
    let r = post_form(
        &w,
        &format!("{o}/lineas/2/traspaso"),
        Some(&staff),
        &[("csrf", &staff.csrf), ("acreedor", "banco-nuevo")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let l = line(&w, 2).await;
    assert_eq!(l.lender_code, "banco-nuevo");
    assert_eq!(l.limit_history, history);
    let page = get(&w, &format!("{o}/lineas/2"), Some(&staff)).await;
    assert!(
        page.body.contains("banco-rural → banco-nuevo"),
        "{}",
        page.body
    );
    // The same lender again is refused naming the lender.
    let r = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/credit-lines/2/transfer"),
        Some(&staff.token),
        Some(json!({"lender": "banco-nuevo", "on": "2000-01-01"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // The API draws once per reference.
    let body = json!({"amount_minor": 25_000, "reference": "api-1"});
    let uri = format!("/api/v1/orgs/{SLUG}/credit-lines/2/draws");
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&staff.token),
        Some(body.clone()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["drawn_minor"], json!(60_000 + 25_000));
    let r = api(&w, "POST", &uri, Some(&staff.token), Some(body), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], json!(false));
    assert_eq!(line(&w, 2).await.drawn_minor, 85_000);

    // The CSV downloads.
    let csv = get(&w, &format!("{o}/lineas/2/limites.csv"), Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains(&format!(
            "{},0.00,{}.{:02},Apertura",
            l.opened_on,
            most / 100,
            most % 100
        )),
        "{}",
        csv.body
    );
    let csv = get(&w, &format!("{o}/lineas/2/movimientos.csv"), Some(&staff)).await;
    assert!(
        csv.body.contains("Disposición,1000.00,0.00"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("Pago al acreedor,400.00,12.50"),
        "{}",
        csv.body
    );

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

/// R-CRED-2 on the demo's line (opened months ago): the reviews due are done from the page,
/// each new limit follows from the one before by the ODF's rule for its reason, capped at 64
/// × the initial deposit and never below what is drawn; asked again, none is due.
#[tokio::test]
async fn the_semiannual_review_changes_the_limit_by_the_rule_with_its_reason() {
    let w = world_sized(300, 12).await;
    let staff = sign_in(&w, "personal").await;
    let o = format!("/odf/{SLUG}");
    let before = line(&w, 1).await;
    let book = w.app.credit_book(w.union.id).await.unwrap();
    let settings = book.lines[&1].settings;
    let due = before.next_review_on(&settings).unwrap();
    assert!(
        due <= today_mx(),
        "a review is due on the demo's line ({due})"
    );
    let r = post_form(
        &w,
        &format!("{o}/lineas/1/revision"),
        Some(&staff),
        &[("csrf", &staff.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"line-notice\""), "{}", r.body);
    let after = line(&w, 1).await;
    let new = &after.limit_history[before.limit_history.len()..];
    assert!(!new.is_empty());
    let cap = before.initial_deposit_minor * 64;
    for c in new {
        use credit::line::LimitReason as R;
        let by_rule = match c.reason {
            R::ReviewMet => c.from_minor * 2,
            R::ReviewLateButCured => c.from_minor,
            // Half, to the centavo, half to even.
            R::ReviewNotMet => {
                let q = c.from_minor / 2;
                if c.from_minor % 2 == 1 && q % 2 == 1 {
                    q + 1
                } else {
                    q
                }
            }
            R::Opened => panic!("a review is not an opening"),
        };
        let expected = by_rule.min(cap);
        assert!(
            c.to_minor == expected || (c.floored_at_drawn && c.to_minor >= expected),
            "{c:?}: by the rule {expected}"
        );
        assert_eq!(c.capped, by_rule > cap, "{c:?}");
        // The page names the reason of every change.
        let page = get(&w, &format!("{o}/lineas/1"), Some(&staff)).await;
        let words = match c.reason {
            R::ReviewMet => "Revisión cumplida",
            R::ReviewLateButCured => "Revisión con atraso subsanado",
            _ => "Revisión no cumplida",
        };
        assert!(page.body.contains(words), "{}", page.body);
    }
    // Asked again: none is due; nothing more is written.
    let events = credit_events(&w).await;
    let r = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/credit-lines/1/reviews"),
        Some(&staff.token),
        Some(json!({})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["reviews_done"], json!(0));
    assert_eq!(credit_events(&w).await, events);

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}
