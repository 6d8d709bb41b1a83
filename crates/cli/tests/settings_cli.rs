//! `tequio settings` and `tequio opening` end to end on a temporary SQLite file (issue 16): a
//! change proposed, carried by the board and in force from its date; an opening file with a bad
//! line refused whole with exit code 65 and the line's number.

mod common;
use common::tequio;

use std::path::Path;
use std::process::Output;

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "tequio failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn rate_on(db: &Path, slug: &str, on: &str) -> String {
    let rows: Vec<serde_json::Value> = serde_json::from_str(&ok(tequio(
        db,
        &[
            "settings", "show", "--org", slug, "--on", on, "--format", "json",
        ],
    )))
    .unwrap();
    let row = rows
        .iter()
        .find(|r| r["key"] == "contribution_rate")
        .unwrap();
    row["value"].as_str().unwrap().to_string()
}

#[test]
fn a_setting_changes_from_its_date_once_the_board_approves_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("settings.db");
    ok(tequio(
        &db,
        &["demo", "--members", "60", "--dues-months", "0"],
    ));
    let slug = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let table = ok(tequio(&db, &["settings", "show", "--org", &slug]));
    assert!(
        table.contains("contribution_rate") && table.contains("10 %"),
        "{table}"
    );
    let out = ok(tequio(
        &db,
        &[
            "settings",
            "propose",
            "--org",
            &slug,
            "--key",
            "contribution_rate",
            "--value",
            "12 %",
            "--from",
            "2026-04-01",
            "--date",
            "2026-03-12",
        ],
    ));
    assert!(
        out.contains("setting:contribution_rate=12@2026-04-01"),
        "{out}"
    );
    let id = out.split_whitespace().nth(1).unwrap().to_string();
    let seats: Vec<serde_json::Value> = serde_json::from_str(&ok(tequio(
        &db,
        &["board", "seats", "--org", &slug, "--format", "json"],
    )))
    .unwrap();
    for seat in &seats {
        ok(tequio(
            &db,
            &[
                "board",
                "vote",
                "--org",
                &slug,
                "--proposal",
                &id,
                "--seat",
                &seat["seat"].to_string(),
                "--vote",
                "for",
                "--date",
                "2026-03-20",
            ],
        ));
    }
    ok(tequio(
        &db,
        &[
            "board",
            "close",
            "--org",
            &slug,
            "--proposal",
            &id,
            "--date",
            "2026-03-20",
        ],
    ));
    assert_eq!(rate_on(&db, &slug, "2026-03-31"), "10");
    assert_eq!(rate_on(&db, &slug, "2026-04-01"), "12");

    // A bad value is refused naming the rule, exit 65.
    let bad = tequio(
        &db,
        &[
            "settings",
            "propose",
            "--org",
            &slug,
            "--key",
            "contribution_rate",
            "--value",
            "120",
            "--from",
            "2030-01-01",
        ],
    );
    assert_eq!(bad.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("R-FUND-1"));

    // An opening file with a record that does not exist: refused whole, naming line 3.
    let file = dir.path().join("apertura.csv");
    std::fs::write(&file, "tipo,fecha\nsaldos_al,2025-01-31\nnada,2025-01-31\n").unwrap();
    let refused = tequio(
        &db,
        &["opening", "import", "--org", &slug, file.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(65));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("line 3, record"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(ok(tequio(&db, &["opening", "show", "--org", &slug])).contains("sin saldos"));
}
