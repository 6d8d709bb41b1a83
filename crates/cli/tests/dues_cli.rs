//! `tequio dues` end to end on a temporary SQLite file (issue 17): a month charged once, a
//! payment typed as in Mexico with its receipt (a decimal comma refused with exit 65, nothing
//! written), arrears with the ODF's total, and the collection sheet as CSV.

mod common;
use common::{ok, tequio};

use std::path::Path;

#[test]
fn r_org_6_a_month_is_charged_once_paid_with_a_receipt_and_listed_on_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dues.db");
    // Ten members, no dues charged yet; the union's dues are MXN 50.00 a month.
    ok(tequio(
        &db,
        &["demo", "--members", "10", "--dues-months", "0"],
    ));
    let slug = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let out = ok(tequio(
        &db,
        &["dues", "charge", "--org", &slug, "--period", "2026-01"],
    ));
    // 10 × 50.00 = 500.00.
    assert!(out.contains("a 10 socios ($500.00 en total)"), "{out}");
    let again = ok(tequio(
        &db,
        &["dues", "charge", "--org", &slug, "--period", "2026-01"],
    ));
    assert!(again.contains("nada cambió"), "{again}");
    let total = |db: &Path| {
        let rows: serde_json::Value = serde_json::from_str(&ok(tequio(
            db,
            &["dues", "arrears", "--org", &slug, "--format", "json"],
        )))
        .unwrap();
        rows["total_minor"].as_i64().unwrap()
    };
    assert_eq!(total(&db), 50_000);
    let sheet = ok(tequio(
        &db,
        &[
            "dues",
            "sheet",
            "--org",
            &slug,
            "--on",
            "2026-01-20",
            "--format",
            "csv",
        ],
    ));
    let first = sheet.lines().nth(1).unwrap();
    let member = first.split(',').next().unwrap().to_string();
    assert!(
        first.contains(",50.00,0.00,0.00,0.00,0.00,50.00,"),
        "{sheet}"
    );
    assert_eq!(
        sheet.lines().count(),
        11,
        "a header and ten members: {sheet}"
    );
    // A decimal comma is refused, exit 65, nothing written.
    let bad = tequio(
        &db,
        &[
            "dues",
            "pay",
            "--org",
            &slug,
            "--member",
            &member,
            "--amount",
            "30,00",
            "--ref",
            "R-1",
            "--on",
            "2026-01-20",
        ],
    );
    assert_eq!(bad.status.code(), Some(65));
    assert_eq!(total(&db), 50_000);
    let receipt = ok(tequio(
        &db,
        &[
            "dues",
            "pay",
            "--org",
            &slug,
            "--member",
            &member,
            "--amount",
            "$30",
            "--ref",
            "R-1",
            "--on",
            "2026-01-20",
        ],
    ));
    // 50.00 − 30.00 = 20.00 still owed; the same reference again prints the same receipt.
    assert!(
        receipt.contains("La cantidad de: $30.00")
            && receipt.contains("Adeudo después del pago: $20.00")
            && receipt.contains("Fecha de pago: 20/01/2026"),
        "{receipt}"
    );
    let same = ok(tequio(
        &db,
        &[
            "dues",
            "pay",
            "--org",
            &slug,
            "--member",
            &member,
            "--amount",
            "$30",
            "--ref",
            "R-1",
            "--on",
            "2026-01-20",
        ],
    ));
    assert!(same.contains("nada cambió"), "{same}");
    assert_eq!(total(&db), 47_000);
    ok(tequio(&db, &["check", "--org", &slug]));
}
