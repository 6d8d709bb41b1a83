//! Issue 15 on the command line: input files that cannot be read are bad input (exit 65),
//! a Latin-1 file names the line of its first invalid byte, text with control characters is
//! refused naming its field, and stored text is escaped when printed.

mod common;
use common::tequio;

use std::path::{Path, PathBuf};
use std::process::Output;

fn small_demo(dir: &Path) -> PathBuf {
    let db = dir.join("demo.db");
    let out = tequio(&db, &["demo", "--members", "20", "--dues-months", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

fn union_slug() -> String {
    demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug
}

/// A members file of `count` demo members (seed 77, not the demo's own members).
fn members_csv(count: u32) -> String {
    let mut spec = demo::DemoSpec::morelos_union();
    spec.seed = 77;
    spec.members_per_org = count;
    let plan = demo::org(&spec, 0);
    let mut csv = String::from(registry::import::members_csv_header());
    csv.push('\n');
    for m in &plan.members {
        csv.push_str(&registry::import::member_to_csv_row(m));
        csv.push('\n');
    }
    csv
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_file_a_directory_and_a_latin1_file_are_bad_input_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let org = union_slug();
    let import = |file: &Path| {
        tequio(
            &db,
            &["import", "members", "--org", &org, file.to_str().unwrap()],
        )
    };
    let out = import(&dir.path().join("no-such.csv"));
    assert_eq!(out.status.code(), Some(65), "missing: {}", stderr(&out));
    let out = import(dir.path());
    assert_eq!(out.status.code(), Some(65), "directory: {}", stderr(&out));
    assert!(stderr(&out).contains("directorio"), "{}", stderr(&out));

    // The good file, with "ñ" (UTF-8 C3 B1) turned into Latin-1 (F1) on line 4 only.
    let text = members_csv(5);
    let lines: Vec<&str> = text.lines().collect();
    let mut bytes = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if i == 3 {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b",Pe\xf1a");
        } else {
            bytes.extend_from_slice(line.as_bytes());
        }
        bytes.push(b'\n');
    }
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(&latin1, &bytes).unwrap();
    let out = import(&latin1);
    assert_eq!(out.status.code(), Some(65), "latin-1: {}", stderr(&out));
    assert!(
        stderr(&out).contains("línea 4") && stderr(&out).contains("0xF1"),
        "{}",
        stderr(&out)
    );

    // The same paths for the reports import.
    for file in [
        dir.path().join("no-such.csv"),
        dir.path().to_path_buf(),
        latin1,
    ] {
        let out = tequio(
            &db,
            &[
                "report",
                "import",
                "--org",
                &org,
                "--period",
                "2026-01",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(65), "{file:?}: {}", stderr(&out));
    }
}

#[test]
fn a_name_with_a_control_character_is_refused_with_its_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let csv = members_csv(4);
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    // Put an ESC sequence into line 3's given_names (its column found by the header).
    let given_names = lines[0]
        .split(',')
        .position(|h| h == "given_names")
        .expect("the header names given_names");
    let mut cells: Vec<String> = lines[2].split(',').map(String::from).collect();
    cells[given_names] = format!("{}\u{1b}[2J", cells[given_names]);
    lines[2] = cells.join(",");
    let file = dir.path().join("esc.csv");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = tequio(
        &db,
        &[
            "import",
            "members",
            "--org",
            &union_slug(),
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("line 3") && err.contains("given_names") && err.contains("U+001B"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}'),
        "the refusal itself does not echo the ESC: {err:?}"
    );
}

#[test]
fn a_stored_name_with_escape_sequences_is_printed_escaped() {
    // A member stored before control characters were refused (written straight to the store,
    // as an old database would hold it).
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let slug = union_slug();
    let id = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use store::Store;
        let store = store_sqlite::SqliteStore::open(&db).await.unwrap();
        let org = store.org_by_slug(&slug).await.unwrap();
        let mut spec = demo::DemoSpec::morelos_union();
        spec.seed = 91;
        spec.members_per_org = 1;
        let mut m = demo::org(&spec, 0).members.remove(0);
        m.given_names = "Ana\u{1b}]0;pwned\u{7}\u{1b}[2J".into();
        store.import_members(org.id, &[m], &[]).await.unwrap();
        let all = store
            .members(org.id, store::Page::first(1000))
            .await
            .unwrap();
        all.iter()
            .find(|m| m.data.given_names.starts_with("Ana\u{1b}"))
            .unwrap()
            .id
    });
    for format in ["table", "csv"] {
        let out = tequio(
            &db,
            &[
                "statement",
                "member",
                "--org",
                &slug,
                "--member",
                &id.to_string(),
                "--format",
                format,
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
            "{format}: {stdout:?}"
        );
        assert!(
            stdout.contains("Ana\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"),
            "{format}: {stdout}"
        );
    }
}
