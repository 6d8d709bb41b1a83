//! `tequio support` end to end on a temporary SQLite file: the 1997 integradoras totals
//! (R-SUP-3), a scenario saved and compared (R-SUP-2), an opportunity published twice under one
//! reference (R-INFO-1), an invention reviewed by someone off the committee refused with exit
//! code 65 (R-INNO-1), and the compliance rows of the demo union (R-SUP-1).

mod common;
use common::{ok, tequio};

#[test]
fn the_support_commands_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("support.db");
    ok(tequio(
        &db,
        &["demo", "--members", "60", "--dues-months", "1"],
    ));
    let slug = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;

    let t: serde_json::Value = serde_json::from_str(&ok(tequio(
        &db,
        &["support", "integradoras", "--format", "json"],
    )))
    .unwrap();
    assert_eq!(t["totals"]["integradoras"], 229);
    assert_eq!(t["totals"]["associated_firms"], 8333);
    assert_eq!(t["totals"]["investment_thousand_usd"], 19087);

    ok(tequio(
        &db,
        &[
            "support",
            "projection",
            "save",
            "--name",
            "Semilla 002",
            "--months",
            "12",
        ],
    ));
    let csv = ok(tequio(&db, &["support", "projection", "compare"]));
    // A header and months 0..=12.
    assert_eq!(csv.lines().count(), 14, "{csv}");

    let publish = [
        "support",
        "opportunity",
        "publish",
        "--org",
        &slug,
        "--kind",
        "training",
        "--title",
        "Taller de esmaltes",
        "--description",
        "Sin plomo",
        "--deadline",
        "2099-01-31",
        "--ref",
        "taller-1",
    ];
    let first = ok(tequio(&db, &publish));
    let again = ok(tequio(&db, &publish));
    assert_eq!(first, again);
    assert!(first.contains("oportunidad 1"), "{first}");

    ok(tequio(
        &db,
        &[
            "support",
            "invention",
            "register",
            "--org",
            &slug,
            "--title",
            "Torno",
            "--description",
            "De pedal",
            "--inventors",
            "1",
            "--ref",
            "torno",
        ],
    ));
    // Member 1 is its inventor and on no committee: refused, nothing recorded.
    let refused = tequio(
        &db,
        &[
            "support",
            "invention",
            "review",
            "--org",
            &slug,
            "--id",
            "1",
            "--reviewer",
            "1",
            "--notes",
            "x",
        ],
    );
    assert_eq!(refused.status.code(), Some(65));

    let rows: serde_json::Value = serde_json::from_str(&ok(tequio(
        &db,
        &["support", "compliance", "--org", &slug, "--format", "json"],
    )))
    .unwrap();
    assert_eq!(rows[0]["checks"].as_array().unwrap().len(), 9);
}
