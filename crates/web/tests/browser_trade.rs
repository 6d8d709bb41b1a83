//! Issue 18's purchasing flow in headless Chromium at 360 px, through the pages only: staff
//! register a supplier, upload its price list and open a round; three members sign in on their
//! phones and request; staff close the round, receive the goods and record a pick-up. The
//! plan's total on the page equals the sum worked out here from the price list and the
//! requests. And (R-SELL-1) staff accept and split a sales order, record deliveries and pay it
//! out: each member's payout on the page is checked against the arithmetic done here. After
//! each flow the books check passes. Screenshots go to
//! `$CARGO_TARGET_TMPDIR/screenshots/trade-*.png`.
//!
//! Skips only when chromedriver is missing and neither `CI` nor `TEQUIO_REQUIRE_ALL` is set.

mod common;

use app::access_cases::DEMO_PASSWORD;
use common::trade::*;
use fantoccini::{ClientBuilder, Locator};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const WIDTH: u32 = 360;
const HEIGHT: u32 = 780;

fn find_binary(names: &[&str]) -> Option<String> {
    for name in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = format!("{dir}/{name}");
            if std::path::Path::new(&p).exists() {
                return Some(p);
            }
        }
    }
    None
}

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One browser at a time: the tests of this file take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn chrome() -> Option<(Driver, fantoccini::Client)> {
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some();
    let Some(chromedriver) = find_binary(&["chromedriver"]) else {
        if required {
            panic!("chromedriver is missing (see scripts/system-deps)");
        }
        eprintln!("skipped: chromedriver is missing");
        return None;
    };
    let chromium = find_binary(&["chromium", "chromium-browser", "chrome"])
        .expect("chromium is installed with chromium-driver");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--lang=es-MX", format!("--window-size={WIDTH},{HEIGHT}")],
            "mobileEmulation": {"deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0, "touch": true}},
        }),
    );
    let client = tokio::time::timeout(
        Duration::from_secs(60),
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}")),
    )
    .await
    .expect("a browser session within 60 s")
    .expect("chromedriver accepts the session");
    Some((driver, client))
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// Saves a screenshot as `name` and fails when the page is wider than the phone.
async fn shot(client: &fantoccini::Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), client.screenshot().await.unwrap()).unwrap();
    let width = client
        .execute("return document.scrollingElement.scrollWidth", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap();
    assert!(width <= WIDTH as u64, "{name}: {width} px wide");
}

async fn type_into(client: &fantoccini::Client, id: &str, value: &str) {
    let e = client.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

async fn submit(client: &fantoccini::Client, form: &str) {
    client
        .find(Locator::Css(&format!("#{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits (at most 10 s) until the page's source contains `needle`.
async fn wait_until_shown(client: &fantoccini::Client, needle: &str) {
    for _ in 0..100 {
        if client.source().await.unwrap().contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("'{needle}' not shown: {}", client.source().await.unwrap());
}

async fn sign_in(client: &fantoccini::Client, base: &str, login: &str, password: &str) {
    client.delete_all_cookies().await.ok();
    client.goto(&format!("{base}/entrar")).await.unwrap();
    type_into(client, "login", login).await;
    type_into(client, "password", password).await;
    client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..50 {
        if client.current_url().await.unwrap().path() == "/" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{login} did not get signed in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_run_a_round_that_three_members_request_from_their_phones() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let m1 = common::member_of(&w, "socio").await;
    let m2 = common::member_of(&w, "consejo").await;
    let (_m3, _) = another_member(&w, "socia3", &[m1, m2]).await;
    let base = serve(w.router.clone()).await;
    let compras = format!("{base}/odf/{SLUG}/comercio/compras");
    // Staff: the supplier, its price list from a file, the round.
    sign_in(&client, &base, "personal", DEMO_PASSWORD).await;
    client.goto(&compras).await.unwrap();
    type_into(&client, "codigo", SUPPLIER).await;
    type_into(&client, "nombre", "Barros de Tlayacapan").await;
    submit(&client, "supplier-form").await;
    wait_until_shown(&client, "Proveedor guardado").await;
    let file = std::env::temp_dir().join(format!("precios-{}.csv", std::process::id()));
    std::fs::write(&file, price_file(common::today_mx())).unwrap();
    client
        .find(Locator::Id("archivo"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    submit(&client, "price-file-form").await;
    wait_until_shown(&client, "Archivo guardado").await;
    shot(&client, "trade-01-price-list-360.png").await;
    type_into(&client, "ronda", "r-web").await;
    submit(&client, "open-form").await;
    wait_until_shown(&client, "Ronda r-web abierta").await;
    shot(&client, "trade-02-round-open-360.png").await;
    // Three members request from their phones, each signed in as themself.
    let asks = [
        ("socio", DEMO_PASSWORD, 40u32),
        ("consejo", DEMO_PASSWORD, 35),
        ("socia3", PASSWORD, 30),
    ];
    for (i, (login, password, units)) in asks.iter().enumerate() {
        sign_in(&client, &base, login, password).await;
        client
            .goto(&format!("{base}/odf/{SLUG}/comercio/pedir"))
            .await
            .unwrap();
        type_into(&client, "cantidad-r-web", &units.to_string()).await;
        submit(&client, "request-r-web").await;
        wait_until_shown(&client, "Pedido guardado").await;
        if i == 0 {
            shot(&client, "trade-03-member-request-360.png").await;
        }
    }
    // Staff close the round: the plan's total is the sum worked out from the price list.
    sign_in(&client, &base, "personal", DEMO_PASSWORD).await;
    client
        .goto(&format!("{compras}/rondas/r-web"))
        .await
        .unwrap();
    submit(&client, "close-form").await;
    wait_until_shown(&client, "plan-total").await;
    let units: u32 = asks.iter().map(|a| a.2).sum();
    let expected = cost(units);
    assert_eq!(expected, 105 * HIGH_PRICE);
    let total = client
        .find(Locator::Id("plan-total"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(total, pesos(expected));
    let saving: i64 = asks
        .iter()
        .map(|a| cost(a.2) - a.2 as i64 * HIGH_PRICE)
        .sum();
    let shown = client
        .find(Locator::Id("plan-saving"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, pesos(saving));
    shot(&client, "trade-04-plan-360.png").await;
    // Receive everything, then a member picks up their 40 units.
    type_into(&client, "rc-unidades", &units.to_string()).await;
    submit(&client, "receive-form").await;
    wait_until_shown(&client, "Recepción registrada").await;
    // The member is typed in the member box as its suggestion reads (trade18: name and
    // number), the material chosen.
    let me = w.app.store().member(w.union.id, m1).await.unwrap();
    let name = format!("{} {} ({m1})", me.data.given_names, me.data.surnames);
    type_into(&client, "en-socio", &name).await;
    type_into(&client, "en-unidades", "40").await;
    type_into(&client, "en-pago", "100.00").await;
    submit(&client, "pick-form").await;
    wait_until_shown(&client, "Entrega registrada").await;
    shot(&client, "trade-05-picked-up-360.png").await;
    let round = w.app.round(w.union.id, "r-web").await.unwrap();
    assert_eq!(round.received.values().sum::<u32>(), units);
    assert_eq!(round.picked.values().sum::<u32>(), 40);
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    let _ = std::fs::remove_file(file);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_accept_split_deliver_and_pay_out_a_sales_order() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some((_driver, client)) = chrome().await else {
        return;
    };
    let w = common::world().await;
    let m1 = common::member_of(&w, "socio").await;
    let m2 = common::member_of(&w, "consejo").await;
    let (m3, _) = another_member(&w, "socia3", &[m1, m2]).await;
    let base = serve(w.router.clone()).await;
    let ventas = format!("{base}/odf/{SLUG}/comercio/ventas");
    sign_in(&client, &base, "personal", DEMO_PASSWORD).await;
    let caps = [(m1, 30u64), (m2, 20), (m3, 10)];
    for (m, units) in caps {
        client.goto(&ventas).await.unwrap();
        type_into(&client, "c-socio", &m.to_string()).await;
        type_into(&client, "c-producto", "cazuela").await;
        type_into(&client, "c-capacidad", &units.to_string()).await;
        submit(&client, "capacity-form").await;
        wait_until_shown(&client, "Capacidad guardada").await;
    }
    shot(&client, "trade-11-capacities-360.png").await;
    // The order is the whole capacity: each member's share is their capacity.
    let total: u64 = caps.iter().map(|c| c.1).sum();
    type_into(&client, "pedido", "p-web").await;
    type_into(&client, "comprador", "Casa Oaxaca").await;
    type_into(&client, "o-producto", "cazuela").await;
    type_into(&client, "o-cantidad", &total.to_string()).await;
    type_into(&client, "o-precio", "50.00").await;
    submit(&client, "accept-form").await;
    wait_until_shown(&client, "Pedido aceptado").await;
    shot(&client, "trade-12-order-split-360.png").await;
    let price = 5_000i64;
    // Deliveries: the second member has two units rejected.
    let deliveries = [(m1, 30u64, 0u64), (m2, 20, 2), (m3, 10, 0)];
    for (m, units, rejected) in deliveries {
        type_into(&client, "d-socio", &m.to_string()).await;
        type_into(&client, "d-entregadas", &units.to_string()).await;
        type_into(&client, "d-rechazadas", &rejected.to_string()).await;
        submit(&client, "delivery-form").await;
        wait_until_shown(
            &client,
            &format!("Entrega registrada: {units} unidades, {rejected} rechazadas"),
        )
        .await;
    }
    submit(&client, "invoice-form").await;
    wait_until_shown(&client, "Factura emitida").await;
    let amount: i64 = deliveries.iter().map(|d| (d.1 - d.2) as i64 * price).sum();
    assert_eq!(amount, 58 * price);
    // What each member will receive: their accepted units at the price, less what they owe.
    let mut expected = Vec::new();
    for (m, units, rejected) in deliveries {
        let debts = debts_of(&w, m).await;
        expected.push(net_of((units - rejected) as i64 * price, &debts));
    }
    type_into(&client, "c-importe", &pesos(amount).replace('$', "")).await;
    submit(&client, "payment-form").await;
    wait_until_shown(&client, "id=\"payouts-1\"").await;
    let shown = client
        .find(Locator::Id("payouts-1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (deducted, net) in &expected {
        assert!(shown.contains(&pesos(*net)), "{} in {shown}", pesos(*net));
        assert!(
            shown.contains(&pesos(*deducted)),
            "{} in {shown}",
            pesos(*deducted)
        );
    }
    shot(&client, "trade-13-paid-out-360.png").await;
    // The first member's receipt, from their name in the payouts (recorded: it says what was
    // paid then).
    client
        .find(Locator::Css("#payouts-1 tbody tr:first-child a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_until_shown(&client, "id=\"receipt-net\"").await;
    let net = client
        .find(Locator::Id("receipt-net"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Rows are in member order: the first is the member with the lowest id.
    let first = deliveries
        .iter()
        .position(|d| d.0 == deliveries.iter().map(|d| d.0).min().unwrap())
        .unwrap();
    assert_eq!(net, pesos(expected[first].1));
    shot(&client, "trade-14-payout-receipt-360.png").await;
    let o = w.app.sales_order(w.union.id, "p-web").await.unwrap();
    assert_eq!(o.invoice.unwrap().collected_minor, amount);
    let check = w.app.check_books(w.union.id).await.unwrap();
    assert!(check.ok(), "{:?}", check.failures().collect::<Vec<_>>());
    client.close().await.unwrap();
}
