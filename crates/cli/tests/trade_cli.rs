//! `tequio round|order|outlet` end to end on a temporary SQLite file (R-BUY-1, R-SELL-1,
//! R-SELL-2): reports as a table, CSV and JSON, and bad input refused with exit code 65 and
//! nothing written.

mod common;
use common::{ok, tequio};

#[test]
fn a_round_and_an_order_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("trade.db");
    // A small union (ids 1..=30 on SQLite), without the demo trade (under 200 members).
    ok(tequio(
        &db,
        &["demo", "--members", "30", "--dues-months", "0"],
    ));
    let org = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let o = org.as_str();
    ok(tequio(
        &db,
        &[
            "round",
            "supplier",
            "--org",
            o,
            "--code",
            "arcillas",
            "--name",
            "Arcillas del Sur",
        ],
    ));
    let list = dir.path().join("list.json");
    std::fs::write(
        &list,
        r#"{"supplier":"arcillas","material":"clay","pricing":"all_units",
            "tiers":[{"from_units":1,"to_units":49,"unit_price_minor":100},
                     {"from_units":50,"to_units":null,"unit_price_minor":80}],
            "min_order_units":0,"lead_time_days":2,
            "valid_from":"2026-01-01","valid_until":"2026-12-31"}"#,
    )
    .unwrap();
    ok(tequio(
        &db,
        &["round", "price-list", "--org", o, list.to_str().unwrap()],
    ));
    ok(tequio(
        &db,
        &[
            "round",
            "open",
            "--org",
            o,
            "--id",
            "r1",
            "--order-date",
            "2026-03-01",
        ],
    ));
    let requests = dir.path().join("requests.csv");
    std::fs::write(
        &requests,
        "member,material,quantity_units,needed_by\n1,clay,20,2026-03-10\n2,clay,25,2026-03-10\n",
    )
    .unwrap();
    let out = ok(tequio(
        &db,
        &[
            "round",
            "requests",
            "--org",
            o,
            "--id",
            "r1",
            requests.to_str().unwrap(),
        ],
    ));
    assert!(out.contains("2 solicitud"), "{out}");
    // R-BUY-1: 45 units cost 4,500 at 100, 50 units 4,000 at 80: the plan buys 50.
    let plan = ok(tequio(
        &db,
        &[
            "round",
            "close",
            "--org",
            o,
            "--id",
            "r1",
            "--date",
            "2026-03-01",
            "--format",
            "csv",
        ],
    ));
    expect_test::expect![[r#"
        material,demand_units,bought_units,surplus_units,total_cost_minor,orders,optimal
        clay,45,50,5,4000,arcillas:50@1,true
    "#]]
    .assert_eq(&plan);
    let report = ok(tequio(&db, &["round", "report", "--org", o, "--id", "r1"]));
    expect_test::expect![[r#"
        material  demand_units  bought_units  surplus_units  total_cost         orders  optimal
            clay            45            50              5       40.00  arcillas:50@1     true

        member  material  units  charged  alone   alone_orders  saving
             1      clay     20    16.00  20.00  arcillas:20@0    4.00
             2      clay     25    20.00  25.00  arcillas:25@0    5.00
        ronda r1: costo 40.00, ahorro de los socios 9.00, socios que no podían comprar por su cuenta 0, inventario ODF 4.00
    "#]]
    .assert_eq(&report);
    // A request after the close: refused (exit 65), nothing written.
    let late = tequio(
        &db,
        &[
            "round",
            "request",
            "--org",
            o,
            "--id",
            "r1",
            "--member",
            "3",
            "--material",
            "clay",
            "--quantity",
            "3",
            "--needed-by",
            "2026-03-10",
        ],
    );
    assert_eq!(late.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&late.stderr).contains("ya cerró"));

    // R-BUY-1, buying alone: glaze flat at 90 with a minimum order of 30, no buying up.
    // Member 1 asks 10 (below the minimum: could not buy alone, no saving figure), member 2
    // asks 40 (alone 40x90 = 3,600). Pooled, 50x90 = 4,500: charged 900 and 3,600.
    let glaze = dir.path().join("glaze.json");
    std::fs::write(
        &glaze,
        r#"{"supplier":"arcillas","material":"glaze","pricing":"all_units",
            "tiers":[{"from_units":1,"to_units":null,"unit_price_minor":90}],
            "min_order_units":30,"lead_time_days":2,
            "valid_from":"2026-01-01","valid_until":"2026-12-31"}"#,
    )
    .unwrap();
    ok(tequio(
        &db,
        &["round", "price-list", "--org", o, glaze.to_str().unwrap()],
    ));
    ok(tequio(
        &db,
        &[
            "round",
            "open",
            "--org",
            o,
            "--id",
            "r2",
            "--order-date",
            "2026-03-01",
            "--no-buy-up",
        ],
    ));
    std::fs::write(
        &requests,
        "member,material,quantity_units,needed_by\n1,glaze,10,2026-03-10\n2,glaze,40,2026-03-10\n",
    )
    .unwrap();
    ok(tequio(
        &db,
        &[
            "round",
            "requests",
            "--org",
            o,
            "--id",
            "r2",
            requests.to_str().unwrap(),
        ],
    ));
    ok(tequio(
        &db,
        &[
            "round",
            "close",
            "--org",
            o,
            "--id",
            "r2",
            "--date",
            "2026-03-01",
        ],
    ));
    let report = ok(tequio(&db, &["round", "report", "--org", o, "--id", "r2"]));
    expect_test::expect![[r#"
        material  demand_units  bought_units  surplus_units  total_cost         orders  optimal
           glaze            50            50              0       45.00  arcillas:50@0     true

        member  material  units  charged                           alone   alone_orders  saving
             1     glaze     10     9.00  no podía comprar por su cuenta                      —
             2     glaze     40    36.00                           36.00  arcillas:40@0    0.00
        ronda r2: costo 45.00, ahorro de los socios 0.00, socios que no podían comprar por su cuenta 1, inventario ODF 0.00
    "#]]
    .assert_eq(&report);
    let csv = ok(tequio(
        &db,
        &[
            "round", "report", "--org", o, "--id", "r2", "--format", "csv",
        ],
    ));
    expect_test::expect![[r#"
        material,demand_units,bought_units,surplus_units,total_cost_minor,orders,optimal
        glaze,50,50,0,4500,arcillas:50@0,true
        member,material,units,charged_minor,could_buy_alone,alone_minor,alone_orders,saving_minor
        1,glaze,10,900,false,,,
        2,glaze,40,3600,true,3600,arcillas:40@0,0
    "#]]
    .assert_eq(&csv);
    let json = ok(tequio(
        &db,
        &[
            "round", "report", "--org", o, "--id", "r2", "--format", "json",
        ],
    ));
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["members"][0]["alone_minor"], serde_json::Value::Null);
    assert_eq!(j["members"][0]["saving_minor"], serde_json::Value::Null);
    assert_eq!(j["members"][0]["could_buy_alone"], false);
    assert_eq!(j["members"][1]["alone_minor"], 3_600);
    assert_eq!(j["members"][1]["saving_minor"], 0);
    assert_eq!(j["members_could_not_buy_alone"], 1);

    // R-SELL-1: an order split 3:1 by capacity, delivered, invoiced and paid.
    let caps = dir.path().join("caps.csv");
    std::fs::write(
        &caps,
        "member,product,grade,capacity_units,min_lot_units,declared_on\n\
         1,cazuela,A,30,0,2026-03-15\n2,cazuela,B,10,0,2026-03-15\n",
    )
    .unwrap();
    ok(tequio(
        &db,
        &["order", "capacity", "--org", o, caps.to_str().unwrap()],
    ));
    let split = ok(tequio(
        &db,
        &[
            "order",
            "accept",
            "--org",
            o,
            "--id",
            "exp-1",
            "--buyer",
            "Comercio Justo",
            "--product",
            "cazuela",
            "--grade",
            "B",
            "--quantity",
            "8",
            "--unit-price-minor",
            "10000",
            "--due",
            "2026-06-01",
            "--terms-days",
            "90",
            "--accepted-on",
            "2026-04-01",
            "--format",
            "json",
        ],
    ));
    let rows: serde_json::Value = serde_json::from_str(&split).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"member":1,"units":6},{"member":2,"units":2}])
    );
    for (member, units, reference) in [("1", "6", "n-1"), ("2", "2", "n-2")] {
        ok(tequio(
            &db,
            &[
                "order",
                "deliver",
                "--org",
                o,
                "--id",
                "exp-1",
                "--member",
                member,
                "--delivered",
                units,
                "--date",
                "2026-05-01",
                "--ref",
                reference,
            ],
        ));
    }
    let over = tequio(
        &db,
        &[
            "order",
            "deliver",
            "--org",
            o,
            "--id",
            "exp-1",
            "--member",
            "2",
            "--delivered",
            "1",
            "--date",
            "2026-05-01",
            "--ref",
            "n-3",
        ],
    );
    assert_eq!(over.status.code(), Some(65));
    ok(tequio(
        &db,
        &[
            "order",
            "invoice",
            "--org",
            o,
            "--id",
            "exp-1",
            "--date",
            "2026-05-02",
        ],
    ));
    let paid = ok(tequio(
        &db,
        &[
            "order",
            "pay",
            "--org",
            o,
            "--id",
            "exp-1",
            "--amount-minor",
            "80000",
            "--date",
            "2026-08-01",
            "--ref",
            "t-1",
            "--format",
            "csv",
        ],
    ));
    expect_test::expect![[r#"
        member,gross_minor,deducted_minor,net_minor
        1,60000,0,60000
        2,20000,0,20000
    "#]]
    .assert_eq(&paid);
    let above = tequio(
        &db,
        &[
            "order",
            "pay",
            "--org",
            o,
            "--id",
            "exp-1",
            "--amount-minor",
            "1",
            "--date",
            "2026-08-01",
            "--ref",
            "t-2",
        ],
    );
    assert_eq!(above.status.code(), Some(65));
    let summary = ok(tequio(
        &db,
        &["round", "summary", "--org", o, "--format", "json"],
    ));
    let s: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(s[0]["invoiced_minor"], 80_000);
    assert_eq!(s[0]["members_saving_minor"], 900);
    assert_eq!(s[0]["members_could_not_buy_alone"], 1);
}

#[test]
fn an_outlet_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("outlet.db");
    ok(tequio(
        &db,
        &["demo", "--members", "5", "--dues-months", "0"],
    ));
    let org = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let o = org.as_str();
    let outlet = |args: &[&str]| {
        let mut all = vec!["outlet"];
        all.extend_from_slice(&args[..1]);
        all.extend_from_slice(&["--org", o, "--code", "tienda"]);
        all.extend_from_slice(&args[1..]);
        tequio(&db, &all)
    };
    // R-SELL-2: a fair-trade shop with a 10% commission.
    ok(outlet(&[
        "open",
        "--name",
        "Tienda Justa",
        "--commission",
        "0.1",
    ]));
    ok(outlet(&[
        "consign",
        "--member",
        "1",
        "--product",
        "cazuela",
        "--units",
        "10",
        "--unit-price-minor",
        "500",
        "--ref",
        "c-1",
    ]));
    // 4 sold at 500: 2,000 gross, 200 commission, 1,800 owed to the member.
    ok(outlet(&[
        "sell",
        "--member",
        "1",
        "--product",
        "cazuela",
        "--units",
        "4",
        "--date",
        "2026-05-02",
        "--ref",
        "v-1",
    ]));
    let show = ok(outlet(&["show", "--format", "json"]));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&show).unwrap(),
        serde_json::json!([{"member":1,"product":"cazuela","units":6,
                            "unit_price_minor":500,"owed_to_member_minor":1800}])
    );
    // Selling more than is on consignment, or paying more than is owed: exit 65, nothing
    // written.
    let over = outlet(&[
        "sell",
        "--member",
        "1",
        "--product",
        "cazuela",
        "--units",
        "7",
        "--date",
        "2026-05-03",
        "--ref",
        "v-2",
    ]);
    assert_eq!(over.status.code(), Some(65));
    let settle = |amount: &str| {
        outlet(&[
            "settle",
            "--member",
            "1",
            "--amount-minor",
            amount,
            "--date",
            "2026-05-04",
            "--ref",
            "p-1",
        ])
    };
    let too_much = settle("1801");
    assert_eq!(too_much.status.code(), Some(65));
    assert!(
        String::from_utf8_lossy(&too_much.stderr).contains("R-SELL-2"),
        "{}",
        String::from_utf8_lossy(&too_much.stderr)
    );
    ok(settle("1800"));
    let show = ok(outlet(&["show", "--format", "csv"]));
    assert_eq!(
        show,
        "member,product,units,unit_price_minor,owed_to_member_minor\n1,cazuela,6,500,0\n"
    );
    // A stock count that finds 5 of the 6: one difference, worth -500.
    let count = dir.path().join("count.csv");
    std::fs::write(&count, "member,product,units\n1,cazuela,5\n").unwrap();
    let diffs = ok(outlet(&[
        "count",
        "--date",
        "2026-05-31",
        "--ref",
        "k-1",
        count.to_str().unwrap(),
        "--format",
        "csv",
    ]));
    assert_eq!(
        diffs,
        "member,product,expected_units,counted_units,difference_units,value_minor\n\
         1,cazuela,6,5,-1,-500\n"
    );
}
