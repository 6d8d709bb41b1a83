//! Issue 18's outlet flow (R-SELL-2) in headless Chromium at 360 px, through the pages only:
//! staff open an outlet with a 12.5% commission, consign three members' goods, record sales
//! (one more than on consignment is refused next to its field), count the stock (a line left
//! empty keeps its units) and settle; the settlement table shows each member's sales, the
//! commission, their share net of it, what was paid and what is still owed, every figure
//! worked out here (the commission of each sale rounded half-to-even). A member sees their
//! own line only. The books check passes afterwards. Screenshots `outlets-NN-*.png`.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::browser::*;
use common::trade::{another_member, pesos, SLUG};
use fantoccini::Locator;

/// The commission of one sale at 12.5%, half-to-even, worked out here: gross × 125 / 1000.
fn commission(gross: i64) -> i64 {
    let (q, r) = (gross * 125 / 1000, gross * 125 % 1000);
    match r.cmp(&500) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => q + (q % 2),
    }
}

async fn text_of(client: &fantoccini::Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The row of `table` whose first cell is `name`, as its cells' texts.
async fn row_of(client: &fantoccini::Client, table: &str, name: &str) -> Vec<String> {
    for row in client
        .find_all(Locator::Css(&format!("#{table} tbody tr")))
        .await
        .unwrap()
    {
        let mut cells = Vec::new();
        for c in row.find_all(Locator::Css("td")).await.unwrap() {
            cells.push(c.text().await.unwrap());
        }
        if cells.first().map(String::as_str) == Some(name) {
            return cells;
        }
    }
    panic!("{name} not in #{table}: {}", text_of(client, table).await);
}

async fn choose(client: &fantoccini::Client, select: &str, value: &str) {
    click(client, &format!("#{select} option[value='{value}']")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_run_an_outlet_from_consignment_to_settlement_on_a_phone() {
    let Some((_turn, _driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let m1 = common::member_of(&w, "socio").await;
    let m2 = common::member_of(&w, "consejo").await;
    let (m3, _) = another_member(&w, "socia3", &[m1, m2]).await;
    let name = |id: i64| {
        let w = &w;
        async move {
            let m = w.app.store().member(w.union.id, id).await.unwrap();
            format!("{} {}", m.data.given_names, m.data.surnames)
        }
    };
    let (n1, n2, n3) = (name(m1).await, name(m2).await, name(m3).await);
    let services = || async {
        let tb = w.app.checked_trial_balance(w.union.id).await.unwrap();
        tb.lines()
            .filter(|(c, _, _)| c.as_str() == "odf:income:services")
            .map(|(_, _, v)| v)
            .sum::<i128>()
    };
    let services_before = services().await;
    let base = serve(w.router.clone()).await;
    let tiendas = format!("{base}/odf/{SLUG}/comercio/tiendas");

    // 1. Staff open the outlet with its commission.
    sign_in_through_page(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&tiendas).await.unwrap();
    type_into(client.clone(), "t-codigo", "tepoz").await;
    type_into(client.clone(), "t-nombre", "Tianguis de Tepoztlán").await;
    type_into(client.clone(), "t-comision", "12.5").await;
    click(&client, "#outlet-form button[type=submit]").await;
    wait_until_shown(client.clone(), "Tienda tepoz abierta").await;
    assert!(client.source().await.unwrap().contains("12.5%"));

    // 2. Three members' goods on consignment: (member, units, unit price in centavos).
    let consigned = [(m1, 10u64, 2_501i64), (m2, 5, 3_750), (m3, 8, 1_230)];
    for (m, units, price) in consigned {
        type_into(client.clone(), "k-socio", &m.to_string()).await;
        type_into(client.clone(), "k-producto", "jarro").await;
        type_into(client.clone(), "k-unidades", &units.to_string()).await;
        type_into(client.clone(), "k-precio", &pesos(price).replace('$', "")).await;
        click(&client, "#consign-form button[type=submit]").await;
        wait_until_shown(
            client.clone(),
            &format!("Consignación registrada: {units} de jarro"),
        )
        .await;
    }
    shot_and_check(&client, "outlets-01-consigned.png").await;

    // 3. Sales: the page says the sale, the commission and the member's share.
    let sales = [(m1, 4u64), (m2, 3), (m3, 5), (m1, 2)];
    let price_of = |m: i64| consigned.iter().find(|c| c.0 == m).unwrap().2;
    for (m, units) in sales {
        choose(&client, "v-linea", &format!("{m}:jarro")).await;
        type_into(client.clone(), "v-unidades", &units.to_string()).await;
        click(&client, "#sale-form button[type=submit]").await;
        let gross = units as i64 * price_of(m);
        let c = commission(gross);
        wait_until_shown(
            client.clone(),
            &format!(
                "Venta registrada: {} menos la comisión de {}; al socio le tocan {}.",
                pesos(gross),
                pesos(c),
                pesos(gross - c)
            ),
        )
        .await;
    }
    // 4 × $25.01 = $100.04: 12.5% is $12.505, half-to-even $12.50 (half-up would say $12.51).
    assert_eq!(commission(10_004), 1_250);
    shot_and_check(&client, "outlets-02-sold.png").await;
    // More than on consignment (3 of the third member's jarros are left) is refused next to
    // the field, nothing recorded.
    choose(&client, "v-linea", &format!("{m3}:jarro")).await;
    type_into(client.clone(), "v-unidades", "4").await;
    click(&client, "#sale-form button[type=submit]").await;
    wait_until_shown(client.clone(), "Es más de lo que queda: 3.").await;
    let err = client.find(Locator::Id("trade-err")).await.unwrap();
    let next = client
        .execute(
            "return document.getElementById('trade-err').nextElementSibling.id",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        next,
        serde_json::json!("sale-form"),
        "the refusal is by its form"
    );
    assert!(err.text().await.unwrap().contains("Unidades"));
    shot_and_check(&client, "outlets-03-sale-refused.png").await;

    // 4. The count: one of the first member's jarros is missing; the other lines are left
    // empty and keep their units.
    let left = |m: i64| {
        consigned.iter().find(|c| c.0 == m).unwrap().1
            - sales.iter().filter(|s| s.0 == m).map(|s| s.1).sum::<u64>()
    };
    assert_eq!((left(m1), left(m2), left(m3)), (4, 2, 3));
    let line = client
        .find(Locator::Css(&format!(
            "#count-form input[name='c:{m1}:jarro']"
        )))
        .await
        .unwrap();
    line.clear().await.unwrap();
    line.send_keys("3").await.unwrap();
    click(&client, "#count-form button[type=submit]").await;
    wait_until_shown(
        client.clone(),
        &format!("diferencia valuada en -{}", pesos(price_of(m1))),
    )
    .await;
    let o = w.app.outlet(w.union.id, "tepoz").await.unwrap();
    assert_eq!(o.stock.on_hand(m1, "jarro"), 3);
    assert_eq!(o.stock.on_hand(m2, "jarro"), left(m2));
    assert_eq!(o.stock.on_hand(m3, "jarro"), left(m3));
    shot_and_check(&client, "outlets-04-counted.png").await;

    // 5. Settle: the first member in full, the second in part, the third not yet.
    let tally = |m: i64| {
        let (mut units, mut gross, mut comm) = (0u64, 0i64, 0i64);
        for (sm, u) in sales.iter().filter(|s| s.0 == m) {
            let g = *u as i64 * price_of(*sm);
            units += u;
            gross += g;
            comm += commission(g);
        }
        (units, gross, comm, gross - comm)
    };
    let paid = [(m1, tally(m1).3), (m2, 5_000), (m3, 0)];
    for (m, amount) in paid.iter().filter(|p| p.1 > 0) {
        choose(&client, "l-socio", &m.to_string()).await;
        type_into(
            client.clone(),
            "l-importe",
            &pesos(*amount).replace('$', ""),
        )
        .await;
        click(&client, "#settle-form button[type=submit]").await;
        wait_until_shown(
            client.clone(),
            &format!("Liquidación registrada: {}.", pesos(*amount)),
        )
        .await;
    }
    // The settlement table, each figure worked out here.
    for ((m, amount), n) in paid.iter().zip([&n1, &n2, &n3]) {
        let (units, gross, comm, share) = tally(*m);
        let row = row_of(&client, "settlement", n).await;
        assert_eq!(
            row,
            vec![
                n.to_string(),
                units.to_string(),
                pesos(gross),
                pesos(comm),
                pesos(share),
                pesos(*amount),
                pesos(share - amount),
            ],
            "{n}"
        );
    }
    // Commission per sale: the first member's two sales round apart ($12.50 + $6.25), not
    // 12.5% of their total ($18.7575 → $18.76).
    assert_eq!(tally(m1).2, 1_250 + 625);
    client
        .execute(
            "document.getElementById('liquidacion').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shot_and_check(&client, "outlets-05-settlement.png").await;
    let commission_booked: i64 = [m1, m2, m3].iter().map(|m| tally(*m).2).sum();
    assert_eq!(
        services_before - services().await,
        commission_booked as i128,
        "the commissions are the ODF's income"
    );

    // 6. A member sees their own line only.
    sign_in_through_page(&client, &base, "socio", DEMO_PASSWORD).await;
    client.goto(&format!("{tiendas}/tepoz")).await.unwrap();
    let table = text_of(&client, "settlement").await;
    assert!(table.contains(&n1), "{table}");
    assert!(!table.contains(&n2) && !table.contains(&n3), "{table}");
    assert!(client.find(Locator::Id("settle-form")).await.is_err());
    shot_and_check(&client, "outlets-06-member.png").await;

    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    client.close().await.unwrap();
}
