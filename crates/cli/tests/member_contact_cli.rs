//! Issue 19 end to end on a temporary SQLite file: `tequio member edit --email --mobile` gives a
//! member their contact (an event; the same again writes nothing), `member show` prints it, a
//! bad one is refused naming the field (exit 65) and nothing changes.

mod common;
use common::{ok, tequio};

#[test]
fn issue_19_a_members_contact_is_set_shown_and_checked_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("contact.db");
    ok(tequio(
        &db,
        &["demo", "--members", "5", "--dues-months", "0"],
    ));
    let slug = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let member = ["--org", slug.as_str(), "--member", "1"];
    let edit = |extra: &[&str]| {
        let mut args = vec!["member", "edit"];
        args.extend(member);
        args.extend(extra);
        tequio(&db, &args)
    };
    let out = ok(edit(&[
        "--email",
        "Socia@Correo.MX",
        "--mobile",
        "777 123 4567",
    ]));
    assert!(out.contains("(email, mobile)"), "{out}");
    let mut show = vec!["member", "show"];
    show.extend(member);
    let shown = ok(tequio(&db, &show));
    assert!(shown.contains("correo:     Socia@correo.mx"), "{shown}");
    assert!(shown.contains("celular:    +527771234567"), "{shown}");
    // Only the mobile changes; the same again is no change.
    let out = ok(edit(&["--mobile", ""]));
    assert!(out.contains("(mobile)"), "{out}");
    assert!(ok(edit(&["--mobile", ""])).contains("sin cambios"));
    // A bad address: exit 65 naming the field; the address stays.
    let bad = edit(&["--email", "socia@"]);
    assert_eq!(bad.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("email"));
    assert!(ok(tequio(&db, &show)).contains("correo:     Socia@correo.mx"));
}
