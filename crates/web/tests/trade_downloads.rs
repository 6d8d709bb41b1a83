//! trade18 (issue 18): every trade table downloads as CSV with the page's whole list (not the
//! 50 lines a page shows), read as its page is (a member: their own lines), amounts as plain
//! decimals (`1234.50`); and a member is chosen on a form by name or number in a text box
//! (suggestions as one types), a name held by none or by several refused naming the field.
//! Every expected figure is summed here from the app's own records of the demo's round and
//! order, or from the amounts this test records.

mod common;

use axum::http::StatusCode;
use common::*;

const SLUG: &str = "alfareros-morelos";

/// A CSV body as rows of cells (the header first), after its byte-order mark; quoted cells
/// are read as a spreadsheet reads them.
fn parse(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("a BOM");
    let mut rows = Vec::new();
    for line in body.lines() {
        let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => cells.push(std::mem::take(&mut cell)),
                (c, _) => cell.push(c),
            }
        }
        cells.push(cell);
        rows.push(cells);
    }
    rows
}

/// The column `name` of `rows` (after the header).
fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let i = rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]));
    rows[1..].iter().map(|r| r[i].as_str()).collect()
}

/// A CSV amount (`1234.50`, no grouping) in centavos; anything else fails the test.
fn centavos(cell: &str) -> i64 {
    let (whole, cents) = cell
        .split_once('.')
        .unwrap_or_else(|| panic!("{cell}: not 0.00"));
    assert_eq!(cents.len(), 2, "{cell}");
    assert!(
        whole
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit()),
        "{cell}"
    );
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    sign * (whole.trim_start_matches('-').parse::<i64>().unwrap() * 100
        + cents.parse::<i64>().unwrap())
}

async fn csv(w: &World, uri: &str, who: &Browser) -> Vec<Vec<String>> {
    let r = get(w, uri, Some(who)).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    parse(&r.body)
}

#[tokio::test]
async fn every_trade_table_downloads_whole_with_amounts_a_spreadsheet_reads() {
    let w = world_sized(300, 2).await;
    let org = w.union.id;
    let staff = sign_in(&w, "personal").await;
    let socio = sign_in(&w, "socio").await;
    let me = member_of(&w, "socio").await;
    let o = format!("/odf/{SLUG}/comercio");

    // The demo's clay round: its requests (more than one page of 50), orders and pick-ups.
    let round_id = w.app.rounds(org).await.unwrap().remove(0);
    let round = w.app.round(org, &round_id).await.unwrap();
    let r = format!("{o}/compras/rondas/{round_id}");
    let requests = csv(&w, &format!("{r}/pedidos.csv"), &staff).await;
    assert!(round.requests.len() > 50, "more than a page");
    assert_eq!(requests.len() - 1, round.requests.len());
    let units: u64 = round.requests.iter().map(|q| q.quantity_units as u64).sum();
    let typed: u64 = column(&requests, "unidades")
        .iter()
        .map(|u| u.parse::<u64>().unwrap())
        .sum();
    assert_eq!(typed, units);
    // Names, not only numbers: every line's name is the member's.
    let first = &round.requests[0];
    let m = w.app.store().member(org, first.member).await.unwrap();
    assert_eq!(
        column(&requests, "nombre")[0],
        format!("{} {}", m.data.given_names, m.data.surnames)
    );
    // A member reads their own lines only.
    let mine = csv(&w, &format!("{r}/pedidos.csv"), &socio).await;
    let own = round.requests.iter().filter(|q| q.member == me).count();
    assert_eq!(mine.len() - 1, own);
    assert!(column(&mine, "socio").iter().all(|s| *s == me.to_string()));

    // Purchase orders: each line's cost less what was paid is what is owed; the totals are the
    // round's, summed here.
    let orders = csv(&w, &format!("{r}/ordenes.csv"), &staff).await;
    let pos = round.purchase_orders();
    assert_eq!(orders.len() - 1, pos.len());
    let cost: i64 = pos.iter().map(|p| p.cost_minor).sum();
    let paid: i64 = round.paid.values().sum();
    let costs: Vec<i64> = column(&orders, "costo")
        .iter()
        .map(|c| centavos(c))
        .collect();
    let paids: Vec<i64> = column(&orders, "pagado")
        .iter()
        .map(|c| centavos(c))
        .collect();
    let owed: Vec<i64> = column(&orders, "por_pagar")
        .iter()
        .map(|c| centavos(c))
        .collect();
    assert_eq!(costs.iter().sum::<i64>(), cost);
    assert_eq!(paids.iter().sum::<i64>(), paid);
    for i in 0..owed.len() {
        assert_eq!(owed[i], costs[i] - paids[i]);
    }
    assert_eq!(
        get(&w, &format!("{r}/ordenes.csv"), Some(&socio))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Pick-ups: every member's units.
    let picks = csv(&w, &format!("{r}/entregas.csv"), &staff).await;
    assert_eq!(picks.len() - 1, round.picked.len());
    let picked: u64 = round.picked.values().map(|u| *u as u64).sum();
    let typed: u64 = column(&picks, "unidades")
        .iter()
        .map(|u| u.parse::<u64>().unwrap())
        .sum();
    assert_eq!(typed, picked);

    // Price lists: one row per tier, in the upload's own columns.
    let (_, lists) = w.app.trade_catalogue(org).await.unwrap();
    let tiers: usize = lists.iter().map(|l| l.as_price_list().tiers.len()).sum();
    let prices = csv(&w, &format!("{o}/compras/precios.csv"), &staff).await;
    assert_eq!(
        prices[0].join(","),
        "proveedor,material,esquema,desde,hasta,precio,pedido_minimo,dias_entrega,\
         vigente_desde,vigente_hasta"
    );
    assert_eq!(prices.len() - 1, tiers);
    column(&prices, "precio").iter().for_each(|p| {
        centavos(p);
    });

    // The sales orders: what was invoiced is each member's accepted units at the order's
    // price, summed here from the deliveries.
    let order_id = w.app.sales_orders(org).await.unwrap().remove(0);
    let order = w.app.sales_order(org, &order_id).await.unwrap();
    let deliveries = order.member_deliveries().unwrap();
    let accepted: i64 = deliveries.iter().map(|d| d.accepted_units as i64).sum();
    let invoiced = accepted * order.input.unit_price_minor;
    let listed = csv(&w, &format!("{o}/ventas/pedidos.csv"), &staff).await;
    let row = column(&listed, "pedido")
        .iter()
        .position(|p| *p == order_id)
        .unwrap();
    assert_eq!(centavos(column(&listed, "facturado")[row]), invoiced);
    let collected = centavos(column(&listed, "cobrado")[row]);
    assert_eq!(
        centavos(column(&listed, "por_cobrar")[row]),
        invoiced - collected
    );
    // The split: a line per member of the order (more than a page), values at the price.
    let split = csv(&w, &format!("{o}/ventas/{order_id}/reparto.csv"), &staff).await;
    assert!(deliveries.len() > 50);
    assert_eq!(split.len() - 1, deliveries.len());
    let value: i64 = column(&split, "valor").iter().map(|v| centavos(v)).sum();
    assert_eq!(value, invoiced);
    // Capacities: every one declared, not the page's first 200.
    let capacities = w.app.capacities(org).await.unwrap();
    let declared = csv(&w, &format!("{o}/ventas/capacidades.csv"), &staff).await;
    assert_eq!(declared.len() - 1, capacities.len());
    let total: u64 = capacities.iter().map(|c| c.capacity_units).sum();
    let typed: u64 = column(&declared, "capacidad")
        .iter()
        .map(|u| u.parse::<u64>().unwrap())
        .sum();
    assert_eq!(typed, total);
    assert_eq!(
        get(&w, &format!("{o}/ventas/capacidades.csv"), Some(&socio))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // An outlet's stock: 12 pots at $1,234.50 of the member's, 3 of another's at $80.00.
    let by = app::Actor::cli();
    w.app
        .open_outlet(
            org,
            &by,
            app::trade_cases::OutletInput {
                code: "mercado".into(),
                name: "Mercado de Tepoztlán".into(),
                commission_rate: "0.1".into(),
            },
        )
        .await
        .unwrap();
    let other = deliveries
        .iter()
        .map(|d| d.member)
        .find(|m| *m != me)
        .unwrap();
    w.app
        .consign(org, &by, "mercado", me, "cazuela", 12, 123_450, "k1")
        .await
        .unwrap();
    w.app
        .consign(org, &by, "mercado", other, "jarro", 3, 8_000, "k2")
        .await
        .unwrap();
    let stock = csv(&w, &format!("{o}/tiendas/mercado/existencias.csv"), &staff).await;
    assert_eq!(stock.len() - 1, 2);
    let values: i64 = column(&stock, "valor").iter().map(|v| centavos(v)).sum();
    assert_eq!(values, 12 * 123_450 + 3 * 8_000);
    // Mexican amounts in a spreadsheet: a point for the centavos, no thousands separator.
    assert!(column(&stock, "precio").contains(&"1234.50"));
    let own = csv(&w, &format!("{o}/tiendas/mercado/existencias.csv"), &socio).await;
    assert_eq!(own.len() - 1, 1);
    assert_eq!(column(&own, "valor"), vec!["14814.00"]);

    // The phone walk's payout receipt (`web::page_paths`): the member's own, on the demo's
    // order, as its payout lines say.
    let path = web::page_paths()
        .iter()
        .find(|p| p.contains("/pagos/"))
        .unwrap()
        .replace(web::MEMBER_PLACEHOLDER, &me.to_string());
    let paid = order
        .payouts
        .iter()
        .any(|p| p.lines.iter().any(|l| l.member == me));
    let receipt = get(&w, &path, Some(&socio)).await;
    assert!(paid, "the demo pays the member `socio` for the order");
    assert_eq!(receipt.status, StatusCode::OK, "{path}");
    // Each page links its downloads.
    let page = get(&w, &r, Some(&staff)).await.body;
    for id in ["requests-csv", "orders-csv", "savings-csv"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let page = get(&w, &format!("{o}/ventas"), Some(&staff)).await.body;
    assert!(page.contains("id=\"orders-csv\"") && page.contains("id=\"capacities-csv\""));
    let page = get(&w, &format!("{o}/tiendas/mercado"), Some(&staff))
        .await
        .body;
    assert!(page.contains("id=\"stock-csv\""));
}

#[tokio::test]
async fn a_member_is_typed_by_name_or_number_and_none_or_several_is_refused_on_the_field() {
    let w = world().await;
    let org = w.union.id;
    let staff = sign_in(&w, "personal").await;
    let members = w
        .app
        .store()
        .members(org, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap();
    // A member whose full name nobody else holds, and a given name held by several.
    let full = |m: &registry::Member| format!("{} {}", m.data.given_names, m.data.surnames);
    let unique = members
        .iter()
        .find(|m| members.iter().filter(|o| full(o) == full(m)).count() == 1)
        .unwrap();
    let shared = members
        .iter()
        .map(|m| m.data.given_names.clone())
        .find(|g| members.iter().filter(|o| &o.data.given_names == g).count() > 1)
        .expect("a given name held by several");
    let capacity = |socio: String, product: &'static str, units: &'static str| {
        let (w, staff) = (&w, staff.clone());
        async move {
            post_form(
                w,
                &format!("/odf/{SLUG}/comercio/ventas/capacidades"),
                Some(&staff),
                &[
                    ("csrf", &staff.csrf),
                    ("socio", &socio),
                    ("producto", product),
                    ("calidad", "A"),
                    ("capacidad", units),
                ],
            )
            .await
        }
    };
    // By name, any case and without accents.
    let typed = full(unique).to_uppercase();
    let r = capacity(typed, "cazuela", "40").await;
    let err = r.body.find("trade-err").map(|i| &r.body[i..i + 400]);
    assert_eq!(r.status, StatusCode::CREATED, "{err:?}");
    // By the suggestion's form, `Name (number)`.
    let r = capacity(format!("{} ({})", full(unique), unique.id), "jarro", "45").await;
    let err = r.body.find("trade-err").map(|i| &r.body[i..i + 400]);
    assert_eq!(r.status, StatusCode::CREATED, "{err:?}");
    let declared = w.app.capacities(org).await.unwrap();
    let units = |product: &str| {
        declared
            .iter()
            .find(|c| c.member == unique.id && c.product == product)
            .map(|c| c.capacity_units)
    };
    assert_eq!((units("cazuela"), units("jarro")), (Some(40), Some(45)));
    // Nobody by that name: refused on the field, nothing declared.
    let r = capacity("Nadie Inexistente Jamás".into(), "olla", "10").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No hay ningún socio"), "{}", r.body);
    assert!(r.body.contains("aria-invalid=\"true\""));
    // A name several members hold: refused, saying how many.
    let holders = members
        .iter()
        .filter(|m| {
            registry::fold_for_search(&format!(
                "{} {} {}",
                m.data.given_names,
                m.data.surnames,
                m.data.curp.as_str()
            ))
            .contains(&registry::fold_for_search(&shared))
        })
        .count();
    let r = capacity(shared.clone(), "olla", "10").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains(&format!("{holders} socios coinciden con ese nombre")),
        "{holders}: {}",
        r.body
    );
    assert_eq!(w.app.capacities(org).await.unwrap().len(), declared.len());
    // The suggestions as one types: active members whose name holds the text, at most 20.
    let r = get(
        &w,
        &format!(
            "/odf/{SLUG}/socios/opciones?socio={}",
            urlencode(&unique.data.surnames)
        ),
        Some(&staff),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("{} ({})", full(unique), unique.id)),
        "{}",
        r.body
    );
    assert!(r.body.matches("<option").count() <= 20);
    // The loan application's member box: staff type the member, no select of every member.
    let page = get(
        &w,
        &format!("/odf/{SLUG}/prestamos/solicitar"),
        Some(&staff),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("list=\"socio-opciones\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<select id=\"socio\""));
}

/// R-FUND-2, R-FUND-3, R-FUND-6: the Fund's operation tables download too: two temporary
/// contributions recorded on the page (500.00 and 1,234.56) are the CSV's lines and total;
/// the expenditures and notices download with their header (staff, board, supervisors).
#[tokio::test]
async fn the_funds_operation_tables_download_as_csv() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let socio = sign_in(&w, "socio").await;
    let fondo = format!("/odf/{SLUG}/fondo");
    for (token, who, amount) in [
        ("t18-1", "Ayuntamiento de Tepoztlán", "500.00"),
        ("t18-2", "Fundación \"Barro, Vivo\"", "1,234.56"),
    ] {
        let r = post_form(
            &w,
            &format!("{fondo}/temporales"),
            Some(&staff),
            &[
                ("csrf", staff.csrf.as_str()),
                ("token", token),
                ("nombre", who),
                ("importe", amount),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let rows = csv(&w, &format!("{fondo}/temporales.csv"), &staff).await;
    assert_eq!(rows[0].join(","), "referencia,aportante,importe");
    let ours: Vec<&Vec<String>> = rows[1..]
        .iter()
        .filter(|r| r[0].starts_with("t18-"))
        .collect();
    assert_eq!(ours.len(), 2);
    // The comma and the quotes of the name survive the round trip.
    assert!(ours.iter().any(|r| r[1] == "Fundación \"Barro, Vivo\""));
    let total: i64 = ours.iter().map(|r| centavos(&r[2])).sum();
    assert_eq!(total, 50_000 + 123_456);
    let page = get(&w, &format!("{fondo}/aportaciones"), Some(&staff)).await;
    assert!(page.body.contains(&format!("{fondo}/temporales.csv")));
    for table in ["gasto", "incumplimientos"] {
        let rows = csv(&w, &format!("{fondo}/{table}.csv"), &staff).await;
        assert!(rows[0].len() >= 3, "{table}: {:?}", rows[0]);
        for row in &rows[1..] {
            centavos(
                row.last()
                    .filter(|_| table == "incumplimientos")
                    .unwrap_or(&row[2]),
            );
        }
        let r = get(&w, &format!("{fondo}/{table}.csv"), Some(&socio)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{table}");
    }
}
