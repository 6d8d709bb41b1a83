//! The loan quote page and API (R-CRED-4: schedule, totals, CAT, nothing written) and the trade
//! page (issue 6: rounds with each member's saving, orders with the split, outlets), with who
//! sees which lines.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

const SLUG: &str = "alfareros-morelos";

async fn events(w: &World) -> usize {
    w.app
        .store()
        .events(w.union.id, None, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_member_asks_for_a_loan_quote_and_gets_the_schedule_totals_and_cat() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let form = get(&w, &format!("/odf/{SLUG}/simulador"), Some(&b)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Simulador de crédito") && !form.body.contains("id=\"quote\""));
    let before = events(&w).await;
    let page = get(
        &w,
        &format!(
            "/odf/{SLUG}/simulador?amount=10000&rate=18&installments=12&start=2026-01-15&frequency=monthly&method=equal-installments"
        ),
        Some(&b),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The same terms through the app: the page shows its figures.
    let q = w
        .app
        .loan_quote(&app::credit_cases::QuoteForm::new(
            "10000",
            "18",
            "12",
            "2026-01-15",
        ))
        .unwrap();
    assert_eq!(q.schedule.rows.len(), 12);
    assert!(page
        .body
        .contains(&web::money_es_mx(q.total_paid_minor() as i128)));
    assert!(page
        .body
        .contains(&format!("{}%", q.cat.percent_one_decimal)));
    assert!(
        page.body.contains("15 feb 2026"),
        "first due date one month later"
    );
    // 12 rows plus the totals row.
    assert_eq!(page.body.matches("<tr><td>").count(), 12);
    assert_eq!(events(&w).await, before, "a quote writes nothing");
    assert!(page.body.len() < 100 * 1024);
}

#[tokio::test]
async fn a_bad_term_comes_back_next_to_its_field() {
    let w = world().await;
    let b = sign_in(&w, "personal").await;
    let r = get(
        &w,
        &format!("/odf/{SLUG}/simulador?amount=10000&rate=mucho&installments=12&start=2026-01-15"),
        Some(&b),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-rate\""), "{}", r.body);
    assert!(r.body.contains("Tasa no válida"));
    let r = get(
        &w,
        &format!(
            "/odf/{SLUG}/simulador?amount=10000&rate=18&installments=0&start=2026-01-15&lang=en"
        ),
        Some(&b),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-installments\""), "{}", r.body);
    assert!(r.body.contains("Invalid number of payments"));
    let r = get(
        &w,
        &format!("/odf/{SLUG}/simulador?amount=diez&rate=18&installments=12&start=2026-01-15"),
        Some(&b),
    )
    .await;
    assert!(r.body.contains("id=\"e-amount\""));
}

#[tokio::test]
async fn the_api_quotes_with_the_same_rules() {
    let w = world().await;
    let b = sign_in(&w, "socio").await;
    let uri = format!("/api/v1/orgs/{SLUG}/loan-quote");
    let ok = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"amount": "10000", "rate": "18", "installments": "12", "start": "2026-01-15"})),
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["rows"].as_array().unwrap().len(), 12);
    assert!(ok.json()["cat"]["percent"].is_string());
    let bad = api(
        &w,
        "POST",
        &uri,
        Some(&b.token),
        Some(json!({"amount": "10000", "rate": "18", "installments": "0", "start": "2026-01-15"})),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "installments");
    let other = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{}/loan-quote", w.other.data.slug),
        Some(&b.token),
        Some(json!({"amount": "1", "rate": "1", "installments": "1", "start": "2026-01-15"})),
        None,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_trade_page_shows_rounds_orders_and_outlets_and_members_see_their_own_lines() {
    let w = world_sized(300, 12).await;
    let rounds = w.app.rounds(w.union.id).await.unwrap();
    assert!(!rounds.is_empty(), "the demo union has its clay round");
    let report = w.app.round_report(w.union.id, &rounds[0]).await.unwrap();
    let socio = member_of(&w, "socio").await;
    let someone_else = report
        .members
        .iter()
        .map(|m| m.member)
        .find(|m| *m != socio)
        .expect("other members bought in the round");
    // A member's line of the round: member, then material (R-BUY-1).
    let material = report.members[0].material.clone();
    let line = |m: i64| format!("<tr><td>{m}</td><td>{material}</td>");
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("/odf/{SLUG}/comercio"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&rounds[0]));
    assert!(
        page.body.contains(&line(someone_else)),
        "staff see every line"
    );
    let orders = w.app.sales_orders(w.union.id).await.unwrap();
    assert!(!orders.is_empty() && page.body.contains(&orders[0]));
    assert!(page
        .body
        .contains(&web::money_es_mx(report.total_saving_minor as i128)));
    assert!(page.body.len() < 100 * 1024, "{} bytes", page.body.len());
    let member = sign_in(&w, "socio").await;
    let mine = get(&w, &format!("/odf/{SLUG}/comercio"), Some(&member)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        !mine.body.contains(&line(someone_else)),
        "a member sees only their own lines"
    );
    assert!(mine.body.contains("se muestran sólo sus propias líneas"));
    if report.members.iter().any(|m| m.member == socio) {
        assert!(mine.body.contains(&line(socio)));
    }
    let donor = sign_in(&w, "donante").await;
    let shared = get(&w, &format!("/odf/{SLUG}/comercio"), Some(&donor)).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert!(!shared.body.contains(&line(someone_else)));
    assert!(
        shared.body.contains(&rounds[0]),
        "the group's figures are shared"
    );
}

#[tokio::test]
async fn the_trade_page_says_who_could_not_buy_alone_and_gives_them_no_saving() {
    use app::trade_cases::*;
    let w = world().await;
    let org = w.union.id;
    let by = app::Actor::new("test", "cli");
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    let socio = member_of(&w, "socio").await;
    let members = w
        .app
        .store()
        .members(org, store::Page::first(100))
        .await
        .unwrap();
    let order_date = day(11, 2);
    assert!(members
        .iter()
        .any(|m| m.id == socio && m.is_active_on(order_date)));
    let other = members
        .iter()
        .find(|m| m.id != socio && m.is_active_on(order_date))
        .unwrap()
        .id;
    // Glaze flat at 90 with a minimum order of 30, no buying up (R-BUY-1). The socio asks 10
    // (below the minimum: could not buy alone), the other member 40 (alone 40x90 = 3,600,
    // charged 40x90 = 3,600: saving 0).
    w.app
        .register_supplier(
            org,
            &by,
            SupplierInput {
                code: "esmaltes".into(),
                name: "Esmaltes".into(),
                channelled_by: None,
            },
        )
        .await
        .unwrap();
    w.app
        .register_price_list(
            org,
            &by,
            PriceListInput {
                supplier: "esmaltes".into(),
                material: "esmalte".into(),
                pricing: "all_units".into(),
                tiers: vec![TierInput {
                    from_units: 1,
                    to_units: None,
                    unit_price_minor: 90,
                }],
                min_order_units: 30,
                lead_time_days: 1,
                valid_from: day(1, 1),
                valid_until: day(12, 31),
            },
        )
        .await
        .unwrap();
    w.app
        .open_round(
            org,
            &by,
            RoundInput {
                round_id: "r-sola".into(),
                order_date,
                allow_buy_up: false,
                time_limit_ms: None,
            },
        )
        .await
        .unwrap();
    let req = |member, quantity_units| RequestInput {
        member,
        material: "esmalte".into(),
        quantity_units,
        needed_by: day(11, 20),
    };
    w.app
        .request_purchases(org, &by, "r-sola", vec![req(socio, 10), req(other, 40)])
        .await
        .unwrap();
    w.app
        .close_round(org, &by, "r-sola", order_date)
        .await
        .unwrap();
    let cannot = "No podía comprar por su cuenta";
    let staff = sign_in(&w, "personal").await;
    let page = get(&w, &format!("/odf/{SLUG}/comercio"), Some(&staff)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let round = &page.body[page.body.find("id=\"round-r-sola\"").unwrap()..];
    let round = &round[..round.find("</section>").unwrap()];
    // The socio's line: charged 10x90 = 900, no cost alone, no saving figure.
    let socio_line = format!(
        "<tr><td>{socio}</td><td>esmalte</td><td class=\"num\">10</td><td class=\"num\">{}</td><td class=\"num wide\">{cannot}</td><td class=\"num\">—</td></tr>",
        web::money_es_mx(900)
    );
    assert!(round.contains(&socio_line), "{round}");
    let other_line = format!(
        "<tr><td>{other}</td><td>esmalte</td><td class=\"num\">40</td><td class=\"num\">{}</td><td class=\"num wide\">{}</td><td class=\"num\">{}</td></tr>",
        web::money_es_mx(3_600),
        web::money_es_mx(3_600),
        web::money_es_mx(0)
    );
    assert!(round.contains(&other_line), "{round}");
    assert!(
        round.contains("Socios que no podían comprar por su cuenta: 1"),
        "{round}"
    );
    // The socio sees their own line, and on their statement too.
    let member = sign_in(&w, "socio").await;
    let mine = get(&w, &format!("/odf/{SLUG}/comercio"), Some(&member)).await;
    assert!(mine.body.contains(&socio_line), "{}", mine.body);
    let statement = get(&w, &format!("/odf/{SLUG}/socios/{socio}"), Some(&member)).await;
    assert_eq!(statement.status, StatusCode::OK);
    assert!(
        statement.body.contains(&format!(
            "<tr><td>r-sola</td><td>esmalte</td><td class=\"num\">10</td><td class=\"num\">{}</td><td class=\"num wide\">{cannot}</td><td class=\"num\">—</td></tr>",
            web::money_es_mx(900)
        )),
        "{}",
        statement.body
    );
}
