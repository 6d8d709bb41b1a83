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
    assert!(text.contains("the same day again: nothing written"), "{text}");
}
