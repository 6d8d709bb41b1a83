//! Pooled purchasing in the browser (issue 18, R-BUY-1, R-BUY-2), driven through the router:
//! suppliers, price lists by form and by file (all or nothing, lines named), a round opened,
//! members' own requests, the close with its plan and savings, receipts, pick-ups, refusals
//! shown on the page, and the same form sent twice recorded once. Expected figures are worked
//! out here from the price list and the requests.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::trade::*;
use common::*;

async fn post_file(w: &World, uri: &str, who: &Browser, text: &str) -> Reply {
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"archivo\"; filename=\"precios.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{text}\r\n--XyZ--\r\n",
        who.csrf
    );
    let r = Request::post(uri)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
        .header(header::COOKIE, &who.cookie)
        .body(Body::from(body))
        .unwrap();
    send(&w.router, r).await
}

/// Staff register the supplier and its price list from a file, and open round `r1`.
async fn open_round_with_prices(w: &World, staff: &Browser) {
    let base = format!("/odf/{SLUG}/comercio/compras");
    let r = post_form(
        w,
        &format!("{base}/proveedores"),
        Some(staff),
        &[
            ("csrf", &staff.csrf),
            ("codigo", SUPPLIER),
            ("nombre", "Barros de Tlayacapan"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("Barros de Tlayacapan"));
    let from = today_mx() - chrono::Duration::days(10);
    let r = post_file(
        w,
        &format!("{base}/precios/archivo"),
        staff,
        &price_file(from),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = post_form(
        w,
        &format!("{base}/rondas"),
        Some(staff),
        &[
            ("csrf", &staff.csrf),
            ("ronda", "r1"),
            ("fecha_pedido", &today_mx().to_string()),
            ("comprar_mas", "si"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("Ronda r1 abierta"), "{}", r.body);
}

async fn request(w: &World, who: &Browser, units: u32) -> Reply {
    let needed = (today_mx() + chrono::Duration::days(20)).to_string();
    post_form(
        w,
        &format!("/odf/{SLUG}/comercio/pedir"),
        Some(who),
        &[
            ("csrf", &who.csrf),
            ("ronda", "r1"),
            ("material", "barro"),
            ("cantidad", &units.to_string()),
            ("fecha_necesaria", &needed),
        ],
    )
    .await
}

#[tokio::test]
async fn a_round_from_price_file_to_pick_up_with_each_members_saving() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    open_round_with_prices(&w, &staff).await;
    let socio = sign_in(&w, "socio").await;
    let consejo = sign_in(&w, "consejo").await;
    let m1 = member_of(&w, "socio").await;
    let m2 = member_of(&w, "consejo").await;
    let (m3, tercera) = another_member(&w, "socia3", &[m1, m2]).await;
    // Three members ask from their own page; the same request again is recorded once.
    let asks = [(m1, &socio, 40u32), (m2, &consejo, 35), (m3, &tercera, 30)];
    for (_, who, units) in asks {
        let r = request(&w, who, units).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert!(r.body.contains("Pedido guardado"), "{}", r.body);
    }
    let again = request(&w, &socio, 40).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let round = w.app.round(w.union.id, "r1").await.unwrap();
    assert_eq!(round.requests.len(), 3);
    // Another quantity for the same material is refused on the page, naming the field.
    let other = request(&w, &socio, 41).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.body.contains("Cantidad (unidades)"), "{}", other.body);
    let refusal = &other.body[other.body.find("id=\"trade-err\"").unwrap()..];
    let refusal = &refusal[..refusal.find("</div>").unwrap()];
    assert!(
        !refusal.contains("R-BUY"),
        "no rule id in a sentence: {refusal}"
    );
    // Staff close: the plan's total is the pooled cost of 105 units at the better tier.
    let total_units: u32 = asks.iter().map(|a| a.2).sum();
    let expected_total = cost(total_units);
    assert_eq!(expected_total, 105_000);
    let base = format!("/odf/{SLUG}/comercio/compras/rondas/r1");
    let r = post_form(
        &w,
        &format!("{base}/cerrar"),
        Some(&staff),
        &[("csrf", &staff.csrf), ("fecha", &today_mx().to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("id=\"plan-total\">{}", pesos(expected_total))),
        "{}",
        r.body
    );
    // Each member: charged at the pooled unit price, saving against buying alone.
    for (_, _, units) in asks {
        let charged = units as i64 * HIGH_PRICE;
        let saving = cost(units) - charged;
        assert!(r.body.contains(&pesos(charged)), "{}", pesos(charged));
        assert!(r.body.contains(&pesos(saving)), "{}", pesos(saving));
    }
    let savings: i64 = asks
        .iter()
        .map(|a| cost(a.2) - a.2 as i64 * HIGH_PRICE)
        .sum();
    assert!(r
        .body
        .contains(&format!("id=\"plan-saving\">{}", pesos(savings))));
    // A member sees their own line, not the others'.
    let mine = get(&w, &base, Some(&socio)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains(&pesos(40 * HIGH_PRICE)));
    assert!(!mine.body.contains(&pesos(35 * HIGH_PRICE)));
    // The CSV of savings has a line per member.
    let csv = get(&w, &format!("{base}/ahorros.csv"), Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    assert!(csv.body.contains(&format!("{m1},")) && csv.body.contains(",80.00\n"));
    // Receipts: all 105 units; the same form twice records them once; one more is refused.
    let po = format!("r1:barro:{SUPPLIER}");
    let receive = |token: &'static str, units: &'static str| {
        let staff = staff.clone();
        let w = &w;
        let po = po.clone();
        let uri = format!("{base}/recepciones");
        async move {
            post_form(
                w,
                &uri,
                Some(&staff),
                &[
                    ("csrf", &staff.csrf),
                    ("token", token),
                    ("orden", &po),
                    ("unidades", units),
                ],
            )
            .await
        }
    };
    assert_eq!(receive("rc-1", "105").await.status, StatusCode::CREATED);
    assert_eq!(receive("rc-1", "105").await.status, StatusCode::CREATED);
    let more = receive("rc-2", "1").await;
    assert_eq!(
        more.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        more.body
    );
    assert!(more.body.contains("Unidades"), "{}", more.body);
    let round = w.app.round(w.union.id, "r1").await.unwrap();
    assert_eq!(round.received.get(&po), Some(&105));
    // A pick-up, paying $100.00 now; twice is once.
    let pick = |token: &'static str| {
        let (w, staff) = (&w, staff.clone());
        let (uri, socio) = (format!("{base}/entregas"), format!("{m1}:barro"));
        async move {
            post_form(
                w,
                &uri,
                Some(&staff),
                &[
                    ("csrf", &staff.csrf),
                    ("token", token),
                    ("socio", &socio),
                    ("unidades", "40"),
                    ("pago", "100.00"),
                ],
            )
            .await
        }
    };
    let r = pick("pu-1").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(pick("pu-1").await.status, StatusCode::CREATED);
    let round = w.app.round(w.union.id, "r1").await.unwrap();
    assert_eq!(round.picked.get(&(m1, "barro".to_string())), Some(&40));
    // What the member still owes on purchases: the pooled value less what they paid.
    let owed = w
        .app
        .store()
        .account_balance(
            w.union.id,
            &::trade::accounts::codes::member_purchases_receivable(m1),
        )
        .await
        .unwrap();
    assert_eq!(owed, 40 * HIGH_PRICE - 10_000);
    // Paying the supplier from a board decision that does not exist is refused on the page.
    let r = post_form(
        &w,
        &format!("{base}/pagos"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("token", "pg-1"),
            ("orden", &po),
            ("importe", "100.00"),
            ("fuente", "subfondo"),
            ("decision", "99999"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Número de la decisión del consejo"),
        "{}",
        r.body
    );
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_bad_price_file_saves_nothing_and_names_each_line() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let base = format!("/odf/{SLUG}/comercio/compras");
    post_form(
        &w,
        &format!("{base}/proveedores"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("codigo", SUPPLIER),
            ("nombre", "Barros"),
        ],
    )
    .await;
    let good = price_file(today_mx());
    let bad = format!("{good}{SUPPLIER},esmalte,todas,1,,cero,0,3,2026-01-01,2026-12-31\notro,leña,todas,1,,5,0,3,2026-01-01,2026-12-31\n");
    let r = post_file(&w, &format!("{base}/precios/archivo"), &staff, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("No se guardó nada"), "{}", r.body);
    assert!(r.body.contains("línea 4, precio:"), "{}", r.body);
    assert!(r.body.contains("línea 5, material:"), "{}", r.body);
    let (_, lists) = w.app.trade_catalogue(w.union.id).await.unwrap();
    assert!(lists.is_empty(), "all or nothing");
    // A supplier not registered is named too, and nothing is saved.
    let unknown = good.replace(SUPPLIER, "nadie");
    let r = post_file(&w, &format!("{base}/precios/archivo"), &staff, &unknown).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("línea 2, proveedor:"), "{}", r.body);
    // The good file: once, then again with nothing new.
    let r = post_file(&w, &format!("{base}/precios/archivo"), &staff, &good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = post_file(&w, &format!("{base}/precios/archivo"), &staff, &good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, lists) = w.app.trade_catalogue(w.union.id).await.unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].tiers().len(), 2);
    // A list typed in the form with a gap between tiers is refused naming the tiers.
    let r = post_form(
        &w,
        &format!("{base}/precios"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("proveedor", SUPPLIER),
            ("material", "esmalte"),
            ("esquema", "all_units"),
            ("tramos", "1-49 30\n60+ 25"),
            ("vigente_desde", &today_mx().to_string()),
            (
                "vigente_hasta",
                &(today_mx() + chrono::Duration::days(90)).to_string(),
            ),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Tramos de precio"), "{}", r.body);
    let (_, lists) = w.app.trade_catalogue(w.union.id).await.unwrap();
    assert_eq!(lists.len(), 1);
}

#[tokio::test]
async fn only_staff_write_and_a_member_asks_only_for_themself() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    open_round_with_prices(&w, &staff).await;
    let socio = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let consejo = member_of(&w, "consejo").await;
    // A member cannot register a supplier nor close a round.
    let r = post_form(
        &w,
        &format!("/odf/{SLUG}/comercio/compras/proveedores"),
        Some(&socio),
        &[("csrf", &socio.csrf), ("codigo", "x"), ("nombre", "X")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(
        &w,
        &format!("/odf/{SLUG}/comercio/compras/rondas/r1/cerrar"),
        Some(&socio),
        &[("csrf", &socio.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Through the API: a member asks for themself; for another member, 403.
    let needed = (today_mx() + chrono::Duration::days(20)).to_string();
    let uri = format!("/api/v1/orgs/{SLUG}/trade/rounds/r1/requests");
    let body = |member: Option<i64>| {
        let mut line =
            serde_json::json!({"material": "barro", "quantity_units": 12, "needed_by": needed});
        if let Some(m) = member {
            line["member_id"] = m.into();
        }
        serde_json::json!({ "requests": [line] })
    };
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&socio.token),
        Some(body(Some(consejo))),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = api(&w, "POST", &uri, Some(&socio.token), Some(body(None)), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let round = w.app.round(w.union.id, "r1").await.unwrap();
    assert_eq!(round.requests.len(), 1);
    assert_eq!(round.requests[0].member, me);
    // Staff ask for a member; close through the API; the answer has the plan's total.
    let r = api(
        &w,
        "POST",
        &uri,
        Some(&staff.token),
        Some(body(Some(consejo))),
        Some("k-1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api(
        &w,
        "POST",
        &format!("/api/v1/orgs/{SLUG}/trade/rounds/r1/close"),
        Some(&staff.token),
        Some(serde_json::json!({})),
        Some("k-2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["total_cost_minor"], cost(24));
    // The member sees the round with their own line only.
    let r = api(
        &w,
        "GET",
        &format!("/api/v1/orgs/{SLUG}/trade/rounds/r1"),
        Some(&socio.token),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["members"].as_array().unwrap().len(), 1);
    // Another ODF's staff do not see this one at all.
    let r = get(
        &w,
        &format!("/odf/{}/comercio/compras", w.other.data.slug),
        Some(&staff),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(
        &w,
        &format!("/odf/{SLUG}/comercio/compras/rondas/nada"),
        Some(&staff),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// R-SELL-1: staff declare capacities, accept and split an order, record deliveries (one with
/// rejections; the same form twice is once; more than the share is refused), invoice it and
/// record the buyer's payment: each member's payout is their accepted units at the price less
/// what they owe, worked out here.
#[tokio::test]
async fn an_order_accepted_split_delivered_invoiced_and_paid_out_to_members() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let m1 = member_of(&w, "socio").await;
    let m2 = member_of(&w, "consejo").await;
    let (m3, _) = another_member(&w, "socia3", &[m1, m2]).await;
    let caps = [(m1, 30u64), (m2, 20), (m3, 10)];
    let base = format!("/odf/{SLUG}/comercio/ventas");
    for (m, units) in caps {
        let r = post_form(
            &w,
            &format!("{base}/capacidades"),
            Some(&staff),
            &[
                ("csrf", &staff.csrf),
                ("socio", &m.to_string()),
                ("producto", "cazuela"),
                ("calidad", "A"),
                ("capacidad", &units.to_string()),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let price = 5_000i64;
    let total: u64 = caps.iter().map(|c| c.1).sum();
    let r = post_form(
        &w,
        &base,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("pedido", "p1"),
            ("comprador", "Casa Oaxaca"),
            ("producto", "cazuela"),
            ("calidad", "A"),
            ("cantidad", &total.to_string()),
            ("precio", "50.00"),
            (
                "entrega",
                &(today_mx() + chrono::Duration::days(30)).to_string(),
            ),
            ("plazo", "60"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The whole capacity is ordered: each member's share is their capacity.
    let o = w.app.sales_order(w.union.id, "p1").await.unwrap();
    for (m, units) in caps {
        assert_eq!(o.split.assigned(m), Some(units));
    }
    let order = format!("{base}/p1");
    let deliver = |m: i64, units: u64, rejected: u64, token: &'static str| {
        let (w, staff) = (&w, staff.clone());
        let uri = format!("{order}/entregas");
        async move {
            post_form(
                w,
                &uri,
                Some(&staff),
                &[
                    ("csrf", &staff.csrf),
                    ("token", token),
                    ("socio", &m.to_string()),
                    ("entregadas", &units.to_string()),
                    ("rechazadas", &rejected.to_string()),
                ],
            )
            .await
        }
    };
    assert_eq!(deliver(m1, 30, 0, "d1").await.status, StatusCode::CREATED);
    assert_eq!(deliver(m2, 20, 2, "d2").await.status, StatusCode::CREATED);
    assert_eq!(deliver(m2, 20, 2, "d2").await.status, StatusCode::CREATED);
    assert_eq!(deliver(m3, 10, 0, "d3").await.status, StatusCode::CREATED);
    let over = deliver(m3, 1, 0, "d4").await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.body
    );
    assert!(over.body.contains("Unidades entregadas"), "{}", over.body);
    let accepted = [(m1, 30i64), (m2, 18), (m3, 10)];
    let csv = get(&w, &format!("{order}/reparto.csv"), Some(&staff)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    assert!(csv.body.contains(",20,18,2,900.00,0.00\n"), "{}", csv.body);
    let r = post_form(
        &w,
        &format!("{order}/factura"),
        Some(&staff),
        &[("csrf", &staff.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let amount: i64 = accepted.iter().map(|a| a.1 * price).sum();
    assert_eq!(amount, 290_000);
    assert!(r.body.contains(&pesos(amount)), "{}", r.body);
    // The first member owes for goods picked up in a purchasing round (R-BUY-2): 10 units at
    // $12.00, deducted from their payout.
    open_round_with_prices(&w, &staff).await;
    let by = app::Actor::cli();
    let today = today_mx();
    w.app
        .request_purchases(
            w.union.id,
            &by,
            "r1",
            vec![app::trade_cases::RequestInput {
                member: m1,
                material: "barro".into(),
                quantity_units: 10,
                needed_by: today + chrono::Duration::days(20),
            }],
        )
        .await
        .unwrap();
    w.app
        .close_round(w.union.id, &by, "r1", today)
        .await
        .unwrap();
    let po = format!("r1:barro:{SUPPLIER}");
    w.app
        .receive_goods(w.union.id, &by, "r1", &po, 10, today, "rc")
        .await
        .unwrap();
    w.app
        .pick_up(w.union.id, &by, "r1", m1, "barro", 10, 0, today, "pu")
        .await
        .unwrap();
    assert_eq!(debts_of(&w, m1).await[3], cost(10));
    let mut expected = Vec::new();
    for (m, units) in accepted {
        let debts = debts_of(&w, m).await;
        expected.push((m, net_of(units * price, &debts)));
    }
    let r = post_form(
        &w,
        &format!("{order}/cobros"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("token", "c1"),
            ("importe", "2,900.00"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        expected[0].1 .0 >= cost(10),
        "the first member's debt is deducted"
    );
    let payouts = &r.body[r.body.find("id=\"payouts-1\"").unwrap()..];
    for (_, (deducted, net)) in &expected {
        assert!(
            payouts.contains(&pesos(*net)),
            "net {} in {payouts}",
            pesos(*net)
        );
        assert!(
            payouts.contains(&pesos(*deducted)),
            "deducted {}",
            pesos(*deducted)
        );
    }
    let o = w.app.sales_order(w.union.id, "p1").await.unwrap();
    assert_eq!(o.invoice.unwrap().collected_minor, amount);
    // The payouts are recorded: the order's page shows them afterwards, each member has a
    // receipt (the member themself too; another member gets 404) and they download as CSV.
    let page = get(&w, &order, Some(&staff)).await;
    assert!(page.body.contains("id=\"payouts-1\""), "{}", page.body);
    let (m, (deducted, net)) = expected[0];
    let receipt = format!("{order}/pagos/c1/{m}");
    for who in [&staff, &sign_in(&w, "socio").await] {
        let r = get(&w, &receipt, Some(who)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body
                .contains(&format!("id=\"receipt-net\">{}", pesos(net))),
            "{}",
            r.body
        );
        assert!(
            r.body
                .contains(&format!("id=\"receipt-deducted\">{}", pesos(deducted))),
            "{}",
            r.body
        );
    }
    let other = expected.iter().find(|e| e.0 != m).unwrap().0;
    let r = get(
        &w,
        &format!("{order}/pagos/c1/{other}"),
        Some(&sign_in(&w, "socio").await),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let csv = get(&w, &format!("{order}/pagos.csv"), Some(&staff)).await;
    assert!(
        csv.body.contains(&format!(",{m},")) && csv.body.contains(&csv_pesos(net)),
        "{}",
        csv.body
    );
    // Sent again, the payment is recorded once.
    let again = post_form(
        &w,
        &format!("{order}/cobros"),
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("token", "c1"),
            ("importe", "2,900.00"),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    let o = w.app.sales_order(w.union.id, "p1").await.unwrap();
    assert_eq!((o.payments.len(), o.payouts.len()), (1, 1));
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

/// R-SELL-2: staff open an outlet with a 15% commission, consign a member's goods, record a
/// sale (the member's share is the price less the commission, worked out here), settle it and
/// count the stock; a sale beyond the stock is refused on the page.
#[tokio::test]
async fn an_outlet_consigns_sells_settles_and_counts() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let m1 = member_of(&w, "socio").await;
    let base = format!("/odf/{SLUG}/comercio/tiendas");
    let r = post_form(
        &w,
        &base,
        Some(&staff),
        &[
            ("csrf", &staff.csrf),
            ("codigo", "mercado"),
            ("nombre", "Mercado de Tepoztlán"),
            ("comision", "15"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("15%"), "{}", r.body);
    let outlet = format!("{base}/mercado");
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let (w, staff) = (&w, staff.clone());
        let uri = format!("{outlet}/{path}");
        async move {
            let mut form: Vec<(&str, &str)> = vec![("csrf", &staff.csrf)];
            form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
            post_form(w, &uri, Some(&staff), &form).await
        }
    };
    let price = 10_000i64;
    let r = post(
        "consignar",
        vec![
            ("token", "k1".into()),
            ("socio", m1.to_string()),
            ("producto", "cazuela".into()),
            ("unidades", "10".into()),
            ("precio", "100.00".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let line = format!("{m1}:cazuela");
    let sell = |token: &'static str, units: &'static str| {
        post(
            "ventas",
            vec![
                ("token", token.into()),
                ("linea", line.clone()),
                ("unidades", units.into()),
            ],
        )
    };
    let r = sell("v1", "4").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // 4 × $100.00 less 15%: $340.00 for the member.
    let share = 4 * price * 85 / 100;
    assert_eq!(share, 34_000);
    assert!(r.body.contains(&pesos(share)), "{}", r.body);
    // The same sale again is once; more than the 6 left is refused.
    assert_eq!(sell("v1", "4").await.status, StatusCode::CREATED);
    let too_many = sell("v2", "7").await;
    assert_eq!(
        too_many.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_many.body
    );
    assert!(too_many.body.contains("Unidades"), "{}", too_many.body);
    let o = w.app.outlet(w.union.id, "mercado").await.unwrap();
    assert_eq!(o.stock.on_hand(m1, "cazuela"), 6);
    assert_eq!(o.owed.get(&m1), Some(&share));
    let r = post(
        "liquidar",
        vec![
            ("token", "l1".into()),
            ("socio", m1.to_string()),
            ("importe", "340.00".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // One unit missing at the count: valued at the member's price.
    let r = post(
        "conteo",
        vec![
            ("token", "n1".into()),
            (Box::leak(format!("c:{line}").into_boxed_str()), "5".into()),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains(&format!("-{}", pesos(price))), "{}", r.body);
    let o = w.app.outlet(w.union.id, "mercado").await.unwrap();
    assert_eq!(o.owed.get(&m1).copied().unwrap_or(0), 0);
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
}

/// Centavos as the CSV downloads write them (`1234.50`), spelled out here.
fn csv_pesos(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}
