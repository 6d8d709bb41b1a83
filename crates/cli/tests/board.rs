//! `tequio board` end to end on a temporary SQLite file: a proposal carried by the board's
//! votes, and a vote by someone who holds no board seat refused with R-GOV-1 and exit code 65.

mod common;
use common::{ok, tequio};

#[test]
fn r_gov_2_the_board_carries_a_proposal_and_r_gov_1_refuses_anyone_else() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.db");
    ok(tequio(
        &db,
        &["demo", "--members", "60", "--dues-months", "0"],
    ));
    let slug = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let seats: Vec<serde_json::Value> = serde_json::from_str(&ok(tequio(
        &db,
        &["board", "seats", "--org", &slug, "--format", "json"],
    )))
    .unwrap();
    assert!(seats.len() >= 3, "the demo board has seats: {seats:?}");
    let out = ok(tequio(
        &db,
        &[
            "board",
            "propose",
            "--org",
            &slug,
            "--kind",
            "expenditure",
            "--subject",
            "competition:1",
            "--purpose",
            "Estudio de mercado",
            "--amount",
            "12000.50",
            "--date",
            "2026-03-12",
        ],
    ));
    assert!(out.contains("propuesta 1 abierta"), "{out}");
    // A seat id that is no board seat (one past the highest) is refused, nothing recorded.
    let outsider = seats
        .iter()
        .map(|s| s["seat"].as_i64().unwrap())
        .max()
        .unwrap()
        + 1;
    let refused = tequio(
        &db,
        &[
            "board",
            "vote",
            "--org",
            &slug,
            "--proposal",
            "1",
            "--seat",
            &outsider.to_string(),
            "--vote",
            "for",
            "--date",
            "2026-03-12",
        ],
    );
    assert_eq!(refused.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("R-GOV-1"));
    for seat in seats.iter().take(seats.len() / 2 + 1) {
        ok(tequio(
            &db,
            &[
                "board",
                "vote",
                "--org",
                &slug,
                "--proposal",
                "1",
                "--seat",
                &seat["seat"].to_string(),
                "--vote",
                "for",
                "--date",
                "2026-03-12",
            ],
        ));
    }
    let closed = ok(tequio(
        &db,
        &[
            "board",
            "close",
            "--org",
            &slug,
            "--proposal",
            "1",
            "--date",
            "2026-03-12",
        ],
    ));
    assert!(closed.contains("aprobada"), "{closed}");
    let listed: Vec<serde_json::Value> = serde_json::from_str(&ok(tequio(
        &db,
        &["board", "list", "--org", &slug, "--format", "json"],
    )))
    .unwrap();
    assert_eq!(listed[0]["decision"]["approved"], true);
    assert_eq!(listed[0]["decision"]["amount_minor"], 1_200_050);
    assert_eq!(
        listed[0]["ballots"].as_array().unwrap().len(),
        seats.len() / 2 + 1
    );
}
