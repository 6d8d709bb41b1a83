//! Issue 16 from a terminal: `tequio user add --role programme-admin` reads the password from
//! standard input (never a flag) and applies the policy; `tequio org create` creates an ODF
//! with its Director General once (the same command again changes nothing), refuses bad input
//! with exit 65 naming the field, and `serve --no-demo` prints a set-up code on a new database.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn tequio_with_stdin(db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tequio"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(args)
        .env_remove("TEQUIO_CONFIG")
        .env("TEQUIO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tequio binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const ORG: [&str; 16] = [
    "org",
    "create",
    "--slug",
    "carpinteros-tepoztlan",
    "--name",
    "Unión de Carpinteros de Tepoztlán",
    "--group",
    "Carpinteros del Valle",
    "--state",
    "Morelos",
    "--municipality",
    "Tepoztlán",
    "--trade",
    "carpintería",
    "--founded",
    "2026-01-10",
];

#[test]
fn user_add_creates_the_programme_administrator_from_stdin_with_the_password_policy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let add = [
        "user",
        "add",
        "--role",
        "programme-admin",
        "--login",
        "admin",
    ];
    // A common password is refused (exit 65, naming the field); nothing is created.
    let o = tequio_with_stdin(&db, &add, "password1\n");
    assert_eq!(o.status.code(), Some(65), "{}", text(&o));
    assert!(text(&o).contains("password"), "{}", text(&o));
    // No password on stdin: refused.
    let o = tequio_with_stdin(&db, &add, "");
    assert_eq!(o.status.code(), Some(65), "{}", text(&o));
    // There is no flag for the password.
    let o = tequio_with_stdin(
        &db,
        &[
            "user",
            "add",
            "--role",
            "programme-admin",
            "--login",
            "x1",
            "--password",
            "abc",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "a usage error: {}", text(&o));
    let o = tequio_with_stdin(&db, &add, "barro y fuego del valle\n");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("admin"));
    // The same login again: refused, naming it.
    let o = tequio_with_stdin(&db, &add, "otra clave larga\n");
    assert_eq!(o.status.code(), Some(65), "{}", text(&o));
    assert!(text(&o).contains("login"), "{}", text(&o));
}

#[test]
fn org_create_is_idempotent_and_names_a_bad_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut args: Vec<&str> = ORG.to_vec();
    args.extend([
        "--director-login",
        "rosa.martinez",
        "--director-name",
        "Rosa Martínez",
    ]);
    let o = tequio_with_stdin(&db, &args, "");
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("ODF creada: carpinteros-tepoztlan"), "{out}");
    assert!(
        out.contains("rosa.martinez") && out.contains("código de activación"),
        "{out}"
    );
    // Again: nothing changes, no new code.
    let o = tequio_with_stdin(&db, &args, "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("nada cambió"), "{}", text(&o));
    assert!(!text(&o).contains("código de activación"));
    // The same slug with another name: exit 65 naming the slug.
    let mut other = ORG.to_vec();
    other[5] = "Otra ODF";
    let o = tequio_with_stdin(&db, &other, "");
    assert_eq!(o.status.code(), Some(65), "{}", text(&o));
    assert!(text(&o).contains("slug"), "{}", text(&o));
    assert!(text(&o).contains("another name"), "{}", text(&o));
    // A currency that is not one: exit 65 naming it; nothing created.
    let mut bad = ORG.to_vec();
    bad[3] = "otra-odf";
    bad.extend(["--currency", "PESOS"]);
    let o = tequio_with_stdin(&db, &bad, "");
    assert_eq!(o.status.code(), Some(65), "{}", text(&o));
    assert!(text(&o).contains("currency"), "{}", text(&o));
}

#[test]
fn serve_without_the_demo_prints_a_set_up_code_on_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tequio"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(["serve", "--no-demo", "--addr", &format!("127.0.0.1:{port}")])
        .env_remove("TEQUIO_CONFIG")
        .env("TEQUIO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut seen = String::new();
        let mut buf = [0u8; 256];
        while !seen.contains("Tequio en http") {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        seen
    });
    let seen = reader.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains("código de configuración"), "{seen}");
    // A code of 10 characters from the unambiguous alphabet, as `ABCDE-FGHJK`.
    let code = seen
        .split_whitespace()
        .find(|w| w.len() == 11 && w.as_bytes()[5] == b'-')
        .unwrap_or_else(|| panic!("no code in: {seen}"));
    assert!(code
        .bytes()
        .all(|b| b == b'-' || b"23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(&b)));
    // No demo was loaded.
    let o = tequio_with_stdin(&db, &["check"], "");
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("alfareros-morelos"), "{}", text(&o));
}
