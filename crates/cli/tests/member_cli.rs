//! `tequio member` and `tequio role` end to end on a temporary SQLite file (issue 17): a
//! search typed without accents with its total, a correction recorded as an event, a bad
//! value refused naming the field (exit 65), a committee seat given and ended, a leave.

mod common;
use common::{ok, tequio};

#[test]
fn r_org_2_and_r_org_5_members_are_searched_corrected_seated_and_leave_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("members.db");
    ok(tequio(
        &db,
        &["demo", "--members", "30", "--dues-months", "0"],
    ));
    let slug = demo::org(&demo::DemoSpec::morelos_union(), 0).org.slug;
    let fold = |text: &str| -> String {
        text.to_lowercase()
            .chars()
            .map(|c| match c {
                'á' => 'a',
                'é' => 'e',
                'í' => 'i',
                'ó' => 'o',
                'ú' | 'ü' => 'u',
                'ñ' => 'n',
                c => c,
            })
            .collect()
    };
    // Every member as the CLI lists them: number, CURP, name, status.
    let all = ok(tequio(&db, &["member", "list", "--org", &slug]));
    assert!(all.contains("30 en total · página 1 de 1"), "{all}");
    let rows: Vec<(String, String)> = all
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            let _number = cols.next()?;
            let curp = cols.next()?.to_string();
            let rest: Vec<&str> = cols.collect();
            (curp.len() == 18).then(|| (curp, rest[..rest.len() - 1].join(" ")))
        })
        .collect();
    assert_eq!(rows.len(), 30);
    // A member whose last surname carries an accent, searched without it.
    let (curp, name) = rows
        .iter()
        .find(|(_, name)| !name.split(' ').next_back().unwrap().is_ascii())
        .or_else(|| rows.iter().find(|(_, name)| !name.is_ascii()))
        .expect("a demo name with an accent")
        .clone();
    let word = name.split(' ').find(|w| !w.is_ascii()).unwrap();
    let plain = fold(word);
    let expected = rows
        .iter()
        .filter(|(c, n)| fold(&format!("{n} {c}")).contains(&plain))
        .count();
    let list = ok(tequio(
        &db,
        &["member", "list", "--org", &slug, "--q", &plain],
    ));
    assert!(list.contains(&curp), "'{plain}' finds {name}: {list}");
    assert!(list.contains(&format!("{expected} en total")), "{list}");
    let curp = curp.as_str();
    let shown = ok(tequio(
        &db,
        &["member", "show", "--org", &slug, "--member", curp],
    ));
    let joined: chrono::NaiveDate = shown
        .lines()
        .find_map(|l| l.strip_prefix("ingreso:"))
        .expect("the joining day")
        .trim()
        .parse()
        .unwrap();
    let edited = ok(tequio(
        &db,
        &[
            "member",
            "edit",
            "--org",
            &slug,
            "--member",
            curp,
            "--municipality",
            "Yecapixtla",
            "--household-size",
            "7",
        ],
    ));
    assert!(edited.contains("municipality, household_size"), "{edited}");
    let shown = ok(tequio(
        &db,
        &["member", "show", "--org", &slug, "--member", curp],
    ));
    assert!(
        shown.contains("Yecapixtla") && shown.contains("hogar:      7"),
        "{shown}"
    );
    // The same edit again changes nothing.
    let again = ok(tequio(
        &db,
        &[
            "member",
            "edit",
            "--org",
            &slug,
            "--member",
            curp,
            "--municipality",
            "Yecapixtla",
        ],
    ));
    assert!(again.contains("sin cambios"), "{again}");
    // A household of 0 is bad input: exit 65 naming the field, nothing changed.
    let bad = tequio(
        &db,
        &[
            "member",
            "edit",
            "--org",
            &slug,
            "--member",
            curp,
            "--household-size",
            "0",
        ],
    );
    assert_eq!(bad.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("household_size"));

    // The seat from the day they joined, ended 30 days later; the leave 60 days after joining.
    let from = joined.to_string();
    let until = (joined + chrono::Days::new(30)).to_string();
    let leave_on = (joined + chrono::Days::new(60)).to_string();
    let given = ok(tequio(
        &db,
        &[
            "role",
            "give",
            "--org",
            &slug,
            "--member",
            curp,
            "--role",
            "specialised_committee:financing",
            "--from",
            &from,
        ],
    ));
    let id = given
        .strip_prefix("cargo ")
        .and_then(|r| r.split(':').next())
        .expect("the role's id")
        .to_string();
    let roles = ok(tequio(&db, &["role", "list", "--org", &slug]));
    assert!(roles.contains("specialised_committee:financing"), "{roles}");
    let ended = ok(tequio(
        &db,
        &[
            "role", "end", "--org", &slug, "--id", &id, "--until", &until,
        ],
    ));
    assert!(ended.contains(&format!("hasta {until}")), "{ended}");

    let left = ok(tequio(
        &db,
        &[
            "member",
            "leave",
            "--org",
            &slug,
            "--member",
            curp,
            "--on",
            &leave_on,
            "--reason",
            "Se mudó a Puebla",
        ],
    ));
    assert!(left.contains(&format!("el {leave_on}")), "{left}");
    let shown = ok(tequio(
        &db,
        &["member", "show", "--org", &slug, "--member", curp],
    ));
    assert!(
        shown.contains(&format!("baja:       {leave_on} (Se mudó a Puebla)")),
        "{shown}"
    );
}
