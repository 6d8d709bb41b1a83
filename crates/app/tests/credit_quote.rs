//! R-CRED-4 loan quote (*simulador de crédito*) through the application layer: hand-worked
//! figures, snapshots of the table and the JSON, and refusals naming the form field.
//!
//! Hand-worked case: MXN 10,000.00 at 36% nominal annual, 12 monthly installments, French,
//! 30/360, disbursed 2026-12-01. Periodic rate i = 0.36/12 = 0.03; installment
//! 10,000 × 0.03 / (1 − 1.03^−12) = 1,004.6208… → 1,004.62; row 1 interest 10,000 × 0.03 =
//! 300.00, principal 704.62, balance 9,295.38; row 2 interest 278.86 (9,295.38 × 0.03 =
//! 278.8614); ... the last row takes the residue: 975.37 + 29.26 = 1,004.63. Interest total
//! 2,055.45. CAT on the schedule's own periodic basis (row k at k/12 years, R-CRED-4), solved
//! independently by bisection (Python, 40-digit decimals) on 11 × 1,004.62 + 1,004.63 against
//! 10,000.00: 42.576% → 42.6 (the effective rate 1.03^12 − 1 = 42.576%, plus the one-centavo
//! residue).

use app::credit_cases::{parse_quote_form, quote_terms, QuoteForm};
use app::AppError;
use expect_test::expect;

fn hand_case() -> QuoteForm {
    QuoteForm::new("10000.00", "36%", "12", "2026-12-01")
}

fn quote(form: &QuoteForm) -> Result<app::credit_cases::LoanQuote, AppError> {
    quote_terms(parse_quote_form(form)?)
}

#[test]
fn r_cred_4_quote_of_the_hand_worked_case_has_its_figures() {
    let q = quote(&hand_case()).unwrap();
    let rows = &q.schedule.rows;
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[0].interest_minor, 30_000);
    assert_eq!(rows[0].principal_minor, 70_462);
    assert_eq!(rows[0].balance_after_minor, 929_538);
    assert_eq!(rows[1].interest_minor, 27_886);
    assert!(rows[..11].iter().all(|r| r.installment_minor == 100_462));
    assert_eq!(rows[11].principal_minor, 97_537);
    assert_eq!(rows[11].interest_minor, 2_926);
    assert_eq!(rows[11].installment_minor, 100_463);
    assert_eq!(q.schedule.totals.interest_minor, 205_545);
    assert_eq!(q.schedule.totals.principal_minor, 1_000_000);
    assert_eq!(q.cat.percent_one_decimal.to_string(), "42.6");
}

#[test]
fn r_cred_4_quote_table_snapshot() {
    let q = quote(&hand_case()).unwrap();
    expect![[r#"
        Simulación de crédito: 10000.00 MXN a 36% anual, 12 pagos mensuales, pagos iguales (francés), 30/360
        Desembolso: 2026-12-01
          #  Fecha      Días       Capital      Interés   Comisión          Pago         Saldo
          1  2027-01-01   30        704.62       300.00       0.00       1004.62       9295.38
          2  2027-02-01   30        725.76       278.86       0.00       1004.62       8569.62
          3  2027-03-01   30        747.53       257.09       0.00       1004.62       7822.09
          4  2027-04-01   30        769.96       234.66       0.00       1004.62       7052.13
          5  2027-05-01   30        793.06       211.56       0.00       1004.62       6259.07
          6  2027-06-01   30        816.85       187.77       0.00       1004.62       5442.22
          7  2027-07-01   30        841.35       163.27       0.00       1004.62       4600.87
          8  2027-08-01   30        866.59       138.03       0.00       1004.62       3734.28
          9  2027-09-01   30        892.59       112.03       0.00       1004.62       2841.69
         10  2027-10-01   30        919.37        85.25       0.00       1004.62       1922.32
         11  2027-11-01   30        946.95        57.67       0.00       1004.62        975.37
         12  2027-12-01   30        975.37        29.26       0.00       1004.63          0.00
             Total                10000.00      2055.45       0.00      12055.45
        Comisión por apertura: 0.00
        Total a pagar: 12055.45
        CAT: 42.6% sin IVA (para fines informativos y de comparación)
    "#]].assert_eq(&q.to_table());
}

#[test]
fn r_cred_4_quote_json_snapshot_with_fee_grace_and_rounding() {
    // 2% opening fee (200.00), 1 month of grace, installments rounded to 10 pesos.
    let mut form = QuoteForm::new("10000.00", "36%", "4", "2026-12-01");
    form.fee = Some("2%".into());
    form.grace = Some("1".into());
    form.round_to = Some("10".into());
    let q = quote(&form).unwrap();
    // Grace row: interest only, 300.00. Then French over 3 rows at 3%: 3,535.30 → 3,540.00.
    assert_eq!(q.schedule.rows[0].installment_minor, 30_000);
    assert_eq!(q.schedule.rows[1].installment_minor, 354_000);
    assert_eq!(q.schedule.totals.upfront_fee_minor, 20_000);
    // CAT on the periodic basis: 9,800.00 received against 300.00, 3,540.00, 3,540.00 and
    // 3,525.48 at 1/12 .. 4/12 years; bisection (Python, 40-digit decimals) gives 54.924% →
    // 54.9 (calendar days over 365 gave 55.1 for this start date).
    assert_eq!(q.cat.percent_one_decimal.to_string(), "54.9");
    expect![[r#"
        {
          "currency": "MXN",
          "amount": "10000.00",
          "annual_rate_percent": "36",
          "installments": 4,
          "frequency": "monthly",
          "method": "equal-installments",
          "day_count": "30/360",
          "start": "2026-12-01",
          "grace": 1,
          "rows": [
            {
              "number": 1,
              "date": "2027-01-01",
              "days": 30,
              "principal": "0.00",
              "interest": "300.00",
              "fees": "0.00",
              "installment": "300.00",
              "balance": "10000.00"
            },
            {
              "number": 2,
              "date": "2027-02-01",
              "days": 30,
              "principal": "3240.00",
              "interest": "300.00",
              "fees": "0.00",
              "installment": "3540.00",
              "balance": "6760.00"
            },
            {
              "number": 3,
              "date": "2027-03-01",
              "days": 30,
              "principal": "3337.20",
              "interest": "202.80",
              "fees": "0.00",
              "installment": "3540.00",
              "balance": "3422.80"
            },
            {
              "number": 4,
              "date": "2027-04-01",
              "days": 30,
              "principal": "3422.80",
              "interest": "102.68",
              "fees": "0.00",
              "installment": "3525.48",
              "balance": "0.00"
            }
          ],
          "totals": {
            "principal": "10000.00",
            "interest": "905.48",
            "fees": "0.00",
            "opening_fee": "200.00",
            "installments": "10905.48",
            "total_paid": "11105.48"
          },
          "cat": {
            "percent": "54.9",
            "rate": "0.5492431032",
            "basis": "periods/12",
            "taxes": "sin IVA"
          }
        }"#]]
    .assert_eq(&q.to_json());
}

#[test]
fn r_cred_4_quote_csv_has_a_header_rows_and_totals() {
    let csv = quote(&hand_case()).unwrap().to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 14);
    assert_eq!(
        lines[0],
        "number,date,days,principal,interest,fees,installment,balance"
    );
    assert_eq!(
        lines[1],
        "1,2027-01-01,30,704.62,300.00,0.00,1004.62,9295.38"
    );
    assert_eq!(lines[13], "total,,,10000.00,2055.45,0.00,12055.45,");
}

#[test]
fn r_cred_4_a_quote_shows_one_cat_whatever_day_it_starts() {
    // 1% a month for 12 months, no fees: 1.01^12 − 1 = (101^12 − 100^12) / 100^12 = 12.68%
    // → 12.7, on the periodic basis, from a month end, a leap day or a mid-month start.
    let effective = 101i128.pow(12) - 100i128.pow(12);
    assert_eq!(effective, 126_825_030_131_969_720_661_201);
    for start in ["2027-01-31", "2028-02-29", "2028-02-15", "2026-12-01"] {
        let mut form = QuoteForm::new("20000.00", "1%", "12", start);
        form.rate_period = "monthly".into();
        let q = quote(&form).unwrap();
        assert_eq!(
            q.cat.percent_one_decimal.to_string(),
            "12.7",
            "start {start}"
        );
        assert!(q.to_json().contains("\"basis\": \"periods/12\""));
    }
    // Started on 31 January 2028 (leap year): due 29 February, then every month's last day.
    let q = quote(&QuoteForm::new("20000.00", "12%", "3", "2028-01-31")).unwrap();
    let dates: Vec<String> = q
        .schedule
        .rows
        .iter()
        .map(|r| r.due_date.to_string())
        .collect();
    assert_eq!(dates, ["2028-02-29", "2028-03-31", "2028-04-30"]);
}

fn refused_field(form: QuoteForm) -> (String, String) {
    match quote(&form).unwrap_err() {
        AppError::Field(e) => (e.field.to_string(), e.message),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn r_cred_4_bad_terms_are_refused_naming_the_field_and_the_rule() {
    let mut f = hand_case();
    f.amount = "-5".into();
    assert_eq!(refused_field(f).0, "amount");
    let mut f = hand_case();
    f.amount = "0".into();
    let (field, message) = refused_field(f);
    assert_eq!(field, "amount");
    assert!(message.starts_with("R-CRED-4"), "{message}");
    let mut f = hand_case();
    f.installments = "0".into();
    let (field, message) = refused_field(f);
    assert_eq!(field, "installments");
    assert!(message.contains("R-CRED-4"), "{message}");
    let mut f = hand_case();
    f.rate = "250%".into();
    let (field, message) = refused_field(f);
    assert_eq!(field, "rate");
    assert!(message.contains("R-CRED-4"), "{message}");
    let mut f = hand_case();
    f.frequency = "daily".into();
    assert_eq!(refused_field(f).0, "frequency");
    let mut f = hand_case();
    f.grace = Some("12".into());
    assert_eq!(refused_field(f).0, "grace");
    let mut f = hand_case();
    f.start = "2026-13-01".into();
    assert_eq!(refused_field(f).0, "start");
    let mut f = hand_case();
    f.round_to = Some("0".into());
    assert_eq!(refused_field(f).0, "round-to");
}

/// Issue 17: the simulator reads the amount as a Mexican user types it ("20,000" was refused
/// while the report form accepted it); a decimal comma is refused, never misread.
#[test]
fn the_amount_is_read_as_typed_in_mexico() {
    for typed in ["10,000", "$10,000.00", "10000"] {
        let q = quote(&QuoteForm::new(typed, "36%", "12", "2026-12-01")).unwrap();
        assert_eq!(q.schedule.totals.principal_minor, 1_000_000, "{typed}");
    }
    let refused = quote(&QuoteForm::new("10000,50", "36%", "12", "2026-12-01")).unwrap_err();
    assert_eq!(refused.field(), Some("amount"));
}
