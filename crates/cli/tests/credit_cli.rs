//! `tequio loan quote` end to end (R-CRED-4): the hand-worked case of
//! crates/app/tests/credit_quote.rs through the binary, in the three formats, and a bad flag
//! refused with exit code 65 and a message naming the flag.

use std::process::{Command, Output};

fn tequio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tequio"))
        .args(args)
        .env_remove("TEQUIO_CONFIG")
        .env("TEQUIO_LOG", "warn")
        .output()
        .expect("the tequio binary runs")
}

const HAND_CASE: [&str; 18] = [
    "loan",
    "quote",
    "--amount",
    "10000.00",
    "--rate",
    "36%",
    "--rate-period",
    "annual",
    "--installments",
    "12",
    "--frequency",
    "monthly",
    "--method",
    "equal-installments",
    "--day-count",
    "30/360",
    "--start",
    "2026-12-01",
];

fn stdout_of(extra: &[&str]) -> String {
    let mut args = HAND_CASE.to_vec();
    args.extend_from_slice(extra);
    let out = tequio(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn r_cred_4_loan_quote_prints_the_schedule_totals_and_cat() {
    let table = stdout_of(&[]);
    assert!(
        table.contains("  1  2027-01-01   30        704.62       300.00"),
        "{table}"
    );
    assert!(table.contains("1004.63          0.00"), "{table}");
    assert!(table.contains("Total a pagar: 12055.45"), "{table}");
    assert!(table.contains("CAT: 42.6% sin IVA"), "{table}");

    let csv = stdout_of(&["--format", "csv"]);
    assert_eq!(csv.lines().count(), 14);
    assert!(
        csv.contains("12,2027-12-01,30,975.37,29.26,0.00,1004.63,0.00"),
        "{csv}"
    );

    let json = stdout_of(&["--format", "json", "--round-to", "10"]);
    assert!(json.contains("\"installment\": \"1000.00\""), "{json}");
    assert!(json.contains("\"percent\": \""), "{json}");
}

#[test]
fn r_cred_4_a_bad_flag_is_refused_naming_it_with_exit_code_65() {
    for (flag, value) in [
        ("--amount", "diez"),
        ("--amount", "0"),
        ("--installments", "0"),
        ("--rate", "500%"),
        ("--day-count", "actual/360"),
        ("--grace", "12"),
    ] {
        let mut args = HAND_CASE.to_vec();
        let at = args.iter().position(|a| *a == flag);
        match at {
            Some(i) => args[i + 1] = value,
            None => args.extend_from_slice(&[flag, value]),
        }
        let out = tequio(&args);
        assert_eq!(out.status.code(), Some(65), "{flag} {value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{flag}: {err}");
    }
}

/// `tequio bench credit` at a tiny size: it builds the loans, runs the due date (every loan's
/// first installment paid by the trust), runs it again (nothing written) and does not compare
/// the 300,000-loan target at another size.
#[test]
fn bench_credit_runs_tiny_and_the_same_day_twice_pays_once() {
    let out = tequio(&["bench", "credit", "--loans", "30", "--per-org", "20"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("30 loans in 2 ODFs"), "{text}");
    assert!(text.contains("30 installments paid by the trust"), "{text}");
    assert!(text.contains("not compared"), "{text}");
    assert!(
        text.contains("the same day again: nothing written"),
        "{text}"
    );
}

// ---- line, loan and lease end to end on a temporary SQLite file with the demo union ----
//
// `tequio demo --members 120` loads the union's credit (line 1 with `fira` at 18%, opened on
// 2025-04-01 at 2 x the 250,000.00 deposited in the Fund's first three months; loans 1-4,
// loan 1 repaid; leases 1-2) and a board of seven seats.

const ORG: &str = "alfareros-morelos";

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn tequio_on(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tequio"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .args(args)
        .env_remove("TEQUIO_CONFIG")
        .env("TEQUIO_LOG", "warn")
        .output()
        .expect("the tequio binary runs")
}

fn ok_on(db: &std::path::Path, args: &[&str]) -> String {
    let out = tequio_on(db, args);
    assert!(
        out.status.success(),
        "tequio {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A refusal: exit code 65 (bad input, nothing written) and stderr naming `rule`.
fn refused_on(db: &std::path::Path, args: &[&str], rule: &str) -> String {
    let out = tequio_on(db, args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(65), "{args:?}: {err}");
    assert!(err.contains(rule), "{args:?} should name {rule}: {err}");
    err
}

fn demo_union(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("credit.db");
    ok_on(&db, &["demo", "--members", "120", "--dues-months", "0"]);
    db
}

/// The board approves `subject` with every seat for (R-GOV-2); the decision's id.
fn board_approves(
    db: &std::path::Path,
    kind: &str,
    subject: &str,
    amount: &str,
    date: &str,
) -> String {
    let out = ok_on(
        db,
        &[
            "board",
            "propose",
            "--org",
            ORG,
            "--kind",
            kind,
            "--subject",
            subject,
            "--purpose",
            "Crédito",
            "--amount",
            amount,
            "--date",
            date,
        ],
    );
    let id = out
        .split_whitespace()
        .nth(1)
        .expect("'propuesta N abierta'")
        .to_string();
    let seats: Vec<serde_json::Value> = serde_json::from_str(&ok_on(
        db,
        &["board", "seats", "--org", ORG, "--format", "json"],
    ))
    .unwrap();
    for seat in &seats {
        ok_on(
            db,
            &[
                "board",
                "vote",
                "--org",
                ORG,
                "--proposal",
                &id,
                "--seat",
                &seat["seat"].to_string(),
                "--vote",
                "for",
                "--date",
                date,
            ],
        );
    }
    let closed = ok_on(
        db,
        &[
            "board",
            "close",
            "--org",
            ORG,
            "--proposal",
            &id,
            "--date",
            date,
        ],
    );
    assert!(closed.contains("aprobada"), "{closed}");
    id
}

#[test]
fn r_cred_1_and_2_line_open_draw_and_review_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_union(dir.path());
    fn line<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["line"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--org", ORG, "--line", "2"]);
        args
    }
    // R-CRED-1: at most 2 x 250,000.00.
    let opened = ok_on(
        &db,
        &line(&[
            "open",
            "--lender",
            "banco",
            "--rate",
            "18%",
            "--on",
            "2026-01-10",
        ]),
    );
    assert!(opened.contains("Línea 2 con banco"), "{opened}");
    assert!(opened.contains("Límite: 500000.00"), "{opened}");
    assert!(opened.contains("apertura (R-CRED-1)"), "{opened}");
    let drawn = ok_on(
        &db,
        &line(&[
            "draw",
            "--amount",
            "1000.00",
            "--on",
            "2026-01-15",
            "--ref",
            "d-1",
        ]),
    );
    assert!(
        drawn.contains("Dispuesto: 1000.00  Disponible: 499000.00"),
        "{drawn}"
    );
    // The same reference again draws nothing more.
    let again = ok_on(
        &db,
        &line(&[
            "draw",
            "--amount",
            "1000.00",
            "--on",
            "2026-01-15",
            "--ref",
            "d-1",
        ]),
    );
    assert!(again.contains("Dispuesto: 1000.00"), "{again}");
    // Above what is available: refused naming R-CRED-1, nothing drawn.
    refused_on(
        &db,
        &line(&[
            "draw",
            "--amount",
            "499000.01",
            "--on",
            "2026-01-16",
            "--ref",
            "d-2",
        ]),
        "R-CRED-1",
    );
    // R-CRED-2: six months later, commitments met, the limit doubles.
    let reviewed = ok_on(&db, &line(&["review", "--on", "2026-07-10"]));
    assert!(reviewed.contains("1 revisiones hechas"), "{reviewed}");
    assert!(reviewed.contains("Límite: 1000000.00"), "{reviewed}");
    let shown: serde_json::Value =
        serde_json::from_str(&ok_on(&db, &line(&["show", "--format", "json"]))).unwrap();
    assert_eq!(shown["drawn"], "1000.00");
    let history = shown["limit_history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{shown}");
    assert_eq!(history[1]["to"], "1000000.00");
}

#[test]
fn r_cred_3_and_4_loan_approve_disburse_repay_and_refusals_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_union(dir.path());
    let decision = board_approves(&db, "loan", "loan:10", "10000.00", "2026-01-05");
    let terms = [
        "--amount",
        "10000.00",
        "--rate",
        "18%",
        "--installments",
        "12",
        "--start",
        "2026-01-10",
    ];
    let apply = |loan: &'static str, decision: &str| -> Vec<String> {
        let mut a = vec![
            "loan",
            "apply",
            "--org",
            ORG,
            "--loan",
            loan,
            "--member",
            "50",
            "--decision",
            decision,
            "--plan-amount",
            "20000.00",
        ];
        a.extend_from_slice(&terms);
        a.into_iter().map(String::from).collect()
    };
    // A decision about loan:10 does not approve loan 11 (R-GOV-2); nothing is recorded.
    refused_on(&db, &strs(&apply("11", &decision)), "R-GOV-2");
    // 10,000.00 at 18% in 12 months: 916.80 a month (see crates/app/tests/credit_cases.rs).
    let approved = ok_on(&db, &strs(&apply("10", &decision)));
    assert!(approved.contains("Préstamo 10 (socio 50)"), "{approved}");
    assert!(approved.contains(": aprobado,"), "{approved}");
    assert!(
        approved.contains("  1  2026-02-10       916.80         0.00       916.80"),
        "{approved}"
    );
    let disbursed = ok_on(&db, &["loan", "disburse", "--org", ORG, "--loan", "10"]);
    assert!(
        disbursed.contains(": vigente, capital 10000.00, saldo 10000.00"),
        "{disbursed}"
    );
    let repaid = ok_on(
        &db,
        &[
            "loan",
            "repay",
            "--org",
            ORG,
            "--loan",
            "10",
            "--amount",
            "916.80",
            "--on",
            "2026-02-10",
            "--ref",
            "r-1",
        ],
    );
    // Row 1: 150.00 interest, 766.80 principal.
    assert!(repaid.contains("saldo 9233.20"), "{repaid}");
    let shown: serde_json::Value = serde_json::from_str(&ok_on(
        &db,
        &[
            "loan",
            "show",
            "--org",
            ORG,
            "--loan",
            "10",
            "--on",
            "2026-02-10",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(shown["rows"][0]["settled_on"], "2026-02-10");
    assert_eq!(shown["outstanding_principal"], "9233.20");
    // The daily run (R-FUND-6) pays what fell due, reports the delinquency, and the same day
    // again pays nothing.
    let run = |day: &str| ok_on(&db, &["loan", "run-day", "--org", ORG, "--on", day]);
    let first = run("2026-02-10");
    assert!(
        first.contains("cuotas pagadas por el fideicomiso"),
        "{first}"
    );
    assert!(first.contains("PAR30"), "{first}");
    let again = run("2026-02-10");
    assert!(
        again.contains("ODF 1: 0 cuotas pagadas por el fideicomiso (0.00)"),
        "{again}"
    );
    // A payment to a closed loan (the demo's loan 1 was repaid) is refused (R-CRED-4).
    refused_on(
        &db,
        &[
            "loan",
            "repay",
            "--org",
            ORG,
            "--loan",
            "1",
            "--amount",
            "100.00",
            "--on",
            "2026-02-10",
            "--ref",
            "r-9",
        ],
        "R-CRED-4",
    );
}

/// Lease 3 of the demo union: a kiln for member 60, 6,000.00 at 18% in six monthly rents from
/// 2026-01-10, on a board decision; what `lease start` printed.
fn start_lease_3(db: &std::path::Path) -> String {
    let decision = board_approves(db, "lease", "lease:3", "6000.00", "2026-01-05");
    ok_on(
        db,
        &[
            "lease",
            "start",
            "--org",
            ORG,
            "--lease",
            "3",
            "--member",
            "60",
            "--decision",
            &decision,
            "--asset",
            "Mufla eléctrica",
            "--cost",
            "6000.00",
            "--rate",
            "18%",
            "--installments",
            "6",
            "--start",
            "2026-01-10",
        ],
    )
}

fn pay_rent_3(db: &std::path::Path, amount: &str, on: &str, reference: &str) {
    ok_on(
        db,
        &[
            "lease", "rent", "--org", ORG, "--lease", "3", "--amount", amount, "--on", on, "--ref",
            reference,
        ],
    );
}

#[test]
fn r_lease_1_lease_start_rent_and_show_in_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_union(dir.path());
    let started = start_lease_3(&db);
    assert!(
        started.contains("Arrendamiento 3: Mufla eléctrica (costo 6000.00), arrendatario socio 60, propietario la ODF, vigente"),
        "{started}"
    );
    // 6,000.00 at 1.5% a month in 6 rents: 6,000 x 0.015 / (1 - 1.015^-6) = 1,053.15.
    assert!(
        started.contains("  1  2026-02-10      1053.15"),
        "{started}"
    );
    pay_rent_3(&db, "1053.15", "2026-02-10", "r-1");
    let show = |format: &str| {
        ok_on(
            &db,
            &[
                "lease", "show", "--org", ORG, "--lease", "3", "--format", format,
            ],
        )
    };
    let table = show("table");
    assert!(table.contains("Historial:"), "{table}");
    assert!(table.contains("renta pagada 1053.15"), "{table}");
    assert!(!table.contains("RentPaid"), "no Debug output: {table}");
    let csv = show("csv");
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(
        csv.starts_with("number,date,rent,paid,outstanding,settled_on\n"),
        "{csv}"
    );
    assert!(
        csv.contains("1,2026-02-10,1053.15,1053.15,0.00,2026-02-10"),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(&show("json")).unwrap();
    assert_eq!(json["lessee"], 60);
    assert_eq!(json["status"], "vigente");
    assert_eq!(json["rows"].as_array().unwrap().len(), 6);
    assert_eq!(json["history"].as_array().unwrap().len(), 2);
}

#[test]
fn r_lease_1_lease_buy_after_the_last_rent_and_the_statement_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_union(dir.path());
    start_lease_3(&db);
    pay_rent_3(&db, "1053.15", "2026-02-10", "r-1");
    let buy = |extra: &[&str]| {
        let mut args = vec!["lease", "buy", "--org", ORG, "--lease", "3"];
        args.extend_from_slice(extra);
        args.iter().map(|a| a.to_string()).collect::<Vec<String>>()
    };
    // Five rents unpaid: the option is closed (R-LEASE-1, naming --lease).
    let err = refused_on(
        &db,
        &strs(&buy(&["--on", "2026-02-11", "--ref", "recibo-77"])),
        "R-LEASE-1",
    );
    assert!(err.contains("--lease"), "{err}");
    // The rest in one payment: what `lease show` says is outstanding.
    let json: serde_json::Value = serde_json::from_str(&ok_on(
        &db,
        &[
            "lease", "show", "--org", ORG, "--lease", "3", "--format", "json",
        ],
    ))
    .unwrap();
    let rest = json["outstanding"].as_str().unwrap().to_string();
    pay_rent_3(&db, &rest, "2026-03-10", "r-rest");
    // A future date is refused naming --on; another member than the lessee naming --member.
    let err = refused_on(
        &db,
        &strs(&buy(&["--on", "2999-01-01", "--ref", "recibo-77"])),
        "R-LEASE-1",
    );
    assert!(err.contains("--on"), "{err}");
    let err = refused_on(
        &db,
        &strs(&buy(&[
            "--member",
            "61",
            "--on",
            "2026-03-11",
            "--ref",
            "recibo-77",
        ])),
        "R-LEASE-1",
    );
    assert!(err.contains("--member"), "{err}");
    // Member 60 pays MXN 1.00 on 2026-03-11: the asset is theirs.
    let bought = ok_on(
        &db,
        &strs(&buy(&["--on", "2026-03-11", "--ref", "recibo-77"])),
    );
    assert!(
        bought.contains(
            "propietario socio 60, propiedad transferida al socio 60 el 2026-03-11 por 1.00"
        ),
        "{bought}"
    );
    assert!(
        bought.contains("compra por el socio 60 en 1.00"),
        "{bought}"
    );
    // Again with the same reference and date: nothing written; with another: refused.
    let again = ok_on(
        &db,
        &strs(&buy(&["--on", "2026-03-11", "--ref", "recibo-77"])),
    );
    assert!(again.contains("Ya registrado"), "{again}");
    refused_on(
        &db,
        &strs(&buy(&["--on", "2026-03-12", "--ref", "recibo-78"])),
        "R-LEASE-1",
    );
    let show = ok_on(&db, &["lease", "show", "--org", ORG, "--lease", "3"]);
    assert!(
        show.contains("propiedad transferida al socio 60 el 2026-03-11"),
        "{show}"
    );
    assert_eq!(show.matches("compra por el socio").count(), 1, "{show}");
    // The member's statement shows the lease bought, with the day and the price.
    let statement = ok_on(
        &db,
        &["statement", "member", "--org", ORG, "--member", "60"],
    );
    assert!(
        statement.contains("arrendamiento 3 (Mufla eléctrica)"),
        "{statement}"
    );
    assert!(
        statement.contains("comprado el 2026-03-11 en 1.00"),
        "{statement}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok_on(
        &db,
        &[
            "statement",
            "member",
            "--org",
            ORG,
            "--member",
            "60",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let lease = json["leases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lease_id"] == 3)
        .unwrap()
        .clone();
    assert_eq!(lease["status"], "purchased");
    assert_eq!(lease["purchase"]["on"], "2026-03-11");
    assert_eq!(lease["purchase"]["price_minor"], 100);
    assert_eq!(lease["purchase"]["member_id"], 60);
}
