//! `tequio check` and `tequio statement trial-balance` end to end on a temporary SQLite file:
//! the demo's books reconcile (what CI runs after building the demo), a balance changed behind
//! the store makes `check` exit 1 naming the invariant, and the trial balance's totals equal
//! the postings summed here from `tequio export`.

mod common;
use common::tequio;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "tequio failed: {}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The demo union with `members` members and three months of dues.
fn demo_of(dir: &Path, members: &str) -> PathBuf {
    let db = dir.join("demo.db");
    ok(tequio(
        &db,
        &["demo", "--members", members, "--dues-months", "3"],
    ));
    db
}

/// Members, dues, plans, closes, the Fund and credit (100 members or more); no trade.
fn small_demo(dir: &Path) -> PathBuf {
    demo_of(dir, "150")
}

fn union_slug() -> String {
    demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug
}

/// The demo with every chapter (300 members: credit from 100, the trade round and order from
/// 200), then `check`, as CI runs it (the lender invariant holds since trade borrows through
/// the credit line: the one gate).
#[test]
fn the_demo_books_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_of(dir.path(), "300");
    let output = tequio(&db, &["check"]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "tequio check: exit {:?}\n{stdout}\n{}",
        output.status.code(),
        text(&output.stderr)
    );
    let slug = union_slug();
    for label in [
        "saldos = suma de movimientos",
        "balanza de comprobación en cero",
        "deuda con el acreditante",
        "Fondo = subfondos",
        "efectivo del fideicomiso",
        "eventos con su asiento",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.contains(label) && l.contains(&slug) && l.trim_end().ends_with("ok")),
            "{label}:\n{stdout}"
        );
    }
    // No invariant's row fails, and the summary counts none.
    assert!(
        !stdout
            .lines()
            .any(|l| l.contains(&slug) && l.trim_end().ends_with("FALLA")),
        "{stdout}"
    );
    assert!(stdout.contains(", 0 con FALLA"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&ok(tequio(
        &db,
        &["check", "--org", &slug, "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(json["organisations"], 1);
}

#[tokio::test]
async fn a_balance_changed_behind_the_store_fails_check_with_exit_1_naming_the_invariant() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query(
        "UPDATE balances SET balance_minor = balance_minor + 7 \
         WHERE account_code = 'odf:income:dues'",
    )
    .execute(&mut raw)
    .await
    .unwrap();
    drop(raw);
    let output = tequio(&db, &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("balances"),
        "{}",
        text(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    assert_eq!(json["ok"], false);
    let failing: Vec<&serde_json::Value> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ok"] == false)
        .collect();
    assert_eq!(failing.len(), 1, "{json}");
    assert_eq!(failing[0]["invariant"], "balances");
    assert!(
        failing[0]["detail"]
            .as_str()
            .unwrap()
            .contains("odf:income:dues"),
        "{json}"
    );
    // The table says FALLA on that row, and so does the exit code.
    let output = tequio(&db, &["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let row = stdout
        .lines()
        .find(|l| l.contains("FALLA"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("saldos = suma de movimientos"), "{row}");
    // An unknown organisation is bad input, not a failed check.
    assert_eq!(
        tequio(&db, &["check", "--org", "no-existe"]).status.code(),
        Some(65)
    );
}

/// Minor units of `1234.56` / `-0.07`.
fn minor(amount: &str) -> i64 {
    let negative = amount.starts_with('-');
    let (units, cents) = amount.trim_start_matches('-').split_once('.').unwrap();
    let value = units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

#[test]
fn the_trial_balance_totals_are_the_postings_summed_from_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let slug = union_slug();
    // Every posting of the exported journal, summed per account here.
    let journal = ok(tequio(&db, &["export", "--org", &slug]));
    let mut balances: BTreeMap<String, i64> = BTreeMap::new();
    for line in journal.lines() {
        let Some(posting) = line.strip_prefix("    ") else {
            continue;
        };
        let mut parts = posting.split_whitespace();
        let (account, amount, currency) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!(currency, "MXN");
        // `assets:odf:bank` -> `odf:bank`
        let code = account.split_once(':').unwrap().1;
        *balances.entry(code.to_string()).or_default() += minor(amount);
    }
    let debit: i64 = balances.values().filter(|v| **v > 0).sum();
    let credit: i64 = -balances.values().filter(|v| **v < 0).sum::<i64>();
    assert!(debit > 0);
    assert_eq!(debit, credit, "the exported journal balances");

    let csv = ok(tequio(
        &db,
        &[
            "statement",
            "trial-balance",
            "--org",
            &slug,
            "--format",
            "csv",
        ],
    ));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("cuenta,nombre,moneda,debe,haber"));
    let mut listed: BTreeMap<String, i64> = BTreeMap::new();
    let mut totals = None;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let n = cells.len();
        let (d, c) = (cells[n - 2], cells[n - 1]);
        if cells[0] == "total" {
            totals = Some((cells[2].to_string(), minor(d), minor(c)));
            continue;
        }
        let value = if d.is_empty() { -minor(c) } else { minor(d) };
        listed.insert(cells[0].to_string(), value);
    }
    let nonzero: BTreeMap<String, i64> = balances.into_iter().filter(|(_, v)| *v != 0).collect();
    assert_eq!(listed, nonzero, "one line per account with a balance");
    assert_eq!(totals, Some(("MXN".to_string(), debit, credit)));

    // The table ends with the same totals; JSON carries them in minor units.
    let table = ok(tequio(&db, &["statement", "trial-balance", "--org", &slug]));
    let last = table.lines().last().unwrap();
    assert!(last.starts_with("total MXN"), "{last}");
    let pesos = |m: i64| format!("{}.{:02}", m / 100, m % 100);
    assert!(
        last.trim_end()
            .ends_with(&format!("{}  {}", pesos(debit), pesos(credit))),
        "{last}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(tequio(
        &db,
        &[
            "statement",
            "trial-balance",
            "--org",
            &slug,
            "--format",
            "json",
        ],
    )))
    .unwrap();
    assert_eq!(json["totals"][0]["debit_minor"], debit);
    assert_eq!(json["totals"][0]["credit_minor"], credit);
}
