//! The `tequio` binary end to end on a temporary SQLite file: demo, export checked by hledger
//! and Beancount's own checkers, all-or-nothing CSV import, and a demo killed part-way then
//! run again ending exactly where an uninterrupted run ends.

mod common;
use common::tequio;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "tequio failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Whether an external checker is installed. In CI (or under scripts/test) a missing tool is
/// a failure, never a silent skip.
fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let required =
            std::env::var_os("CI").is_some() || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some();
        assert!(
            !required,
            "{name} is required here (scripts/system-deps installs it)"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

fn small_demo(dir: &Path) -> PathBuf {
    let db = dir.join("demo.db");
    ok(tequio(
        &db,
        &["demo", "--members", "150", "--dues-months", "3"],
    ));
    db
}

/// The demo union's slug; the generator fixes it whatever the sizes.
fn union_slug() -> String {
    demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug
}

/// A small demo exported in `format` to a file in `dir`.
fn exported(dir: &Path, format: &str) -> PathBuf {
    let db = small_demo(dir);
    let file = dir.join(format!("demo.{format}"));
    ok(tequio(
        &db,
        &[
            "export",
            "--org",
            &union_slug(),
            "--format",
            format,
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    file
}

#[test]
fn the_exported_journal_passes_hledger_check_strict() {
    let dir = tempfile::tempdir().unwrap();
    let journal = exported(dir.path(), "hledger");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        text.contains("R-ORG-6"),
        "dues entries are exported with their rule"
    );
    if tool("hledger") {
        let check = Command::new("hledger")
            .args(["-f", journal.to_str().unwrap(), "check", "--strict"])
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "hledger check: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

#[test]
fn the_exported_beancount_file_passes_bean_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = exported(dir.path(), "beancount");
    if tool("bean-check") {
        let check = Command::new("bean-check").arg(&file).output().unwrap();
        assert!(
            check.status.success(),
            "bean-check: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
}

fn members_csv(count: usize) -> String {
    let mut spec = demo::DemoSpec::morelos_union();
    spec.seed = 77;
    spec.members_per_org = count as u32;
    let plan = demo::org(&spec, 0);
    let mut csv = String::from(registry::import::members_csv_header());
    csv.push('\n');
    for m in &plan.members {
        csv.push_str(&registry::import::member_to_csv_row(m));
        csv.push('\n');
    }
    csv
}

#[test]
fn r_org_2_a_members_file_with_errors_imports_nothing_and_names_each_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let org = union_slug();
    let good = members_csv(20);
    // Break the CURP check digit on line 3 and the sex on line 5.
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    let curp = lines[2].split(',').next().unwrap().to_string();
    let last = curp.chars().last().unwrap().to_digit(10).unwrap();
    let bad_curp = format!("{}{}", &curp[..17], (last + 1) % 10);
    lines[2] = lines[2].replacen(&curp, &bad_curp, 1);
    let mut fields: Vec<String> = lines[4].split(',').map(String::from).collect();
    fields[4] = "Q".into();
    lines[4] = fields.join(",");
    let bad_file = dir.path().join("bad.csv");
    std::fs::write(&bad_file, lines.join("\n")).unwrap();

    let out = tequio(
        &db,
        &[
            "import",
            "members",
            "--org",
            &org,
            bad_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(65), "bad input exits 65");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("curp"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 5") && stderr.contains("sex"),
        "{stderr}"
    );

    // Nothing was imported: the good file now creates all 20, and again changes nothing.
    let good_file = dir.path().join("good.csv");
    std::fs::write(&good_file, &good).unwrap();
    let first = ok(tequio(
        &db,
        &[
            "import",
            "members",
            "--org",
            &org,
            good_file.to_str().unwrap(),
        ],
    ));
    assert!(first.contains("20 members created, 0 already"), "{first}");
    let again = ok(tequio(
        &db,
        &[
            "import",
            "members",
            "--org",
            &org,
            good_file.to_str().unwrap(),
        ],
    ));
    assert!(again.contains("0 members created, 20 already"), "{again}");

    // Issue 5 item 7: the import is in the audit log once, by the command line; the refused
    // file and the repeated one left nothing.
    let imports = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = store_sqlite::SqliteStore::open(&db).await.unwrap();
        use store::Store;
        let org = store.org_by_slug(&org).await.unwrap();
        store
            .events(org.id, Some("members"), store::Page::first(1000))
            .await
            .unwrap()
    });
    let by_cli: Vec<_> = imports
        .iter()
        .filter(|e| e.event.actor == "cli")
        .map(|e| (e.event.kind.as_str(), e.event.origin.as_str()))
        .collect();
    assert_eq!(by_cli, [("members.imported", "cli")]);
}

#[test]
fn an_unknown_organisation_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let out = tequio(&db, &["export", "--org", "no-such-odf"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
}

/// The journal without entry ids, which depend on nothing but insertion order.
fn journal_without_ids(db: &Path, org: &str) -> String {
    let text = ok(tequio(db, &["export", "--org", org, "--format", "hledger"]));
    text.lines()
        .map(|l| match l.split_once(" (") {
            Some((date, rest)) if date.len() == 10 => {
                format!(
                    "{date} {}",
                    rest.split_once(") ").map(|x| x.1).unwrap_or(rest)
                )
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_demo_killed_part_way_and_run_again_ends_where_an_uninterrupted_run_ends() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["demo", "--members", "1500", "--dues-months", "6"];
    let whole = dir.path().join("whole.db");
    ok(tequio(&whole, &args));

    let killed = dir.path().join("killed.db");
    // Bounded: at most 3 kills at growing delays, then one run to completion.
    for delay_ms in [150u64, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tequio"))
            .arg("--database-url")
            .arg(format!("sqlite://{}", killed.display()))
            .args(args)
            .env("TEQUIO_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    ok(tequio(&killed, &args));
    let org = union_slug();
    assert_eq!(
        journal_without_ids(&killed, &org),
        journal_without_ids(&whole, &org)
    );
    // And once more changes nothing at all.
    let again = ok(tequio(&killed, &args));
    assert!(again.contains(" 0 entries created"), "{again}");
}

/// `tequio export | head` ends quietly when the reader goes away (no panic, no error).
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_demo(dir.path());
    let org = union_slug();
    // More than twice a pipe's buffer (64 KiB), so the writer meets the closed pipe.
    let all = ok(tequio(
        &db,
        &["export", "--org", &org, "--format", "hledger"],
    ));
    assert!(all.len() > 128 * 1024, "export is {} bytes", all.len());
    let script = format!(
        "'{bin}' --database-url 'sqlite://{db}' export --org {org} --format hledger | head -c 100 \
         >/dev/null; echo \"status ${{PIPESTATUS[0]}}\" >&2",
        bin = env!("CARGO_BIN_EXE_tequio"),
        db = db.display(),
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("TEQUIO_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Killed by SIGPIPE (128 + 13), as `cat` would be; or done before the reader left.
    assert!(
        stderr.contains("status 141") || stderr.contains("status 0"),
        "{stderr}"
    );
}
