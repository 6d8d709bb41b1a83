//! R-PLAN-2: a period's income reports from a CSV file, all or nothing, every problem named by
//! its line and column (the member import's conventions: `registry::import`'s row errors, line
//! counting, header normalisation and `;` detection).
//!
//! Columns (header required, any order, English or Spanish): `member_id` (`socio`) or `curp`
//! (one of them), `revenue` (`ingresos`, `ventas`), `profit` (`utilidad`, `ganancia`), and
//! optionally `reported_by` (`reportado_por`: `member`/`socio` or `staff`/`personal`) and
//! `period` (`periodo`), which, when present, must be the period being imported. Amounts are
//! decimal pesos (`1234.50`). Which member a row names, and whether they may report, is the
//! shell's business (it needs the store); this parser checks the file itself.

use crate::Period;
use ledger::{Currency, Money};
use registry::import::{csv_error, normalise_header, LineCounter, RowError};
use std::collections::HashMap;

/// Most report rows one file may carry.
pub const MAX_REPORT_ROWS: usize = 10_000;

/// How a row names its member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MemberRef {
    Id(i64),
    Curp(String),
}

/// One parsed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub line: usize,
    pub member: MemberRef,
    /// The row's CURP when it also gives a `member_id`: the shell refuses the row when they
    /// name different members (issue 15).
    pub curp: Option<String>,
    pub revenue: Money,
    pub profit: Money,
    /// True when staff filed it (R-ORG-3: micro-producers only; the shell checks).
    pub by_staff: bool,
}

const COLUMNS: [(&str, &[&str]); 6] = [
    ("member_id", &["socio", "id_socio", "numero_socio"]),
    ("curp", &[]),
    ("revenue", &["ingresos", "ventas", "ingreso"]),
    ("profit", &["utilidad", "ganancia", "utilidades"]),
    ("reported_by", &["reportado_por", "reporta"]),
    ("period", &["periodo"]),
];
const MEMBER_ID: usize = 0;
const CURP: usize = 1;
const REVENUE: usize = 2;
const PROFIT: usize = 3;
const REPORTED_BY: usize = 4;
const PERIOD: usize = 5;

/// The header a template file carries.
pub fn reports_csv_header() -> &'static str {
    "member_id,curp,revenue,profit,reported_by,period"
}

/// Issue 15: a row that gives both a `member_id` and a `curp` must name one member; the
/// member found by id has `member_curp`.
pub fn check_curp_agrees(row: &ReportRow, member_curp: &str) -> Result<(), RowError> {
    match &row.curp {
        Some(curp) if curp != member_curp => Err(row_error(
            row.line,
            "curp",
            format!("'{curp}' is not the CURP of the member named by member_id"),
        )),
        _ => Ok(()),
    }
}

fn row_error(line: usize, field: &'static str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field,
        message: message.into(),
    }
}

/// Parses a file of reports for `period`. Either every row is valid, or every problem found is
/// listed: header columns unknown, repeated or missing; bad cells; a member named twice (both
/// lines); more than [`MAX_REPORT_ROWS`] rows. Rows whose cells are all empty are skipped.
pub fn parse_reports_csv(
    text: &str,
    period: Period,
    currency: Currency,
) -> Result<Vec<ReportRow>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut lines = LineCounter::new(text);
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![csv_error(&e, 1)]),
        None => {
            return Err(vec![row_error(
                1,
                "header",
                format!(
                    "the file is empty; its first line must name the columns: {}",
                    reports_csv_header()
                ),
            )])
        }
    };
    let header_line = lines.line_of(&header);
    let mut index: [Option<usize>; 6] = [None; 6];
    let mut errors = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let name = normalise_header(raw);
        match COLUMNS
            .iter()
            .position(|(n, aliases)| *n == name || aliases.contains(&name.as_str()))
        {
            Some(c) if index[c].is_some() => errors.push(row_error(
                header_line,
                "header",
                format!("column '{raw}' is {} again", COLUMNS[c].0),
            )),
            Some(c) => index[c] = Some(i),
            None => errors.push(row_error(
                header_line,
                "header",
                format!(
                    "unknown column '{raw}'; the columns are: {}",
                    reports_csv_header()
                ),
            )),
        }
    }
    if index[MEMBER_ID].is_none() && index[CURP].is_none() {
        errors.push(row_error(
            header_line,
            "header",
            "a column 'member_id' or 'curp' is required",
        ));
    }
    for c in [REVENUE, PROFIT] {
        if index[c].is_none() {
            errors.push(row_error(
                header_line,
                "header",
                format!("required column '{}' is missing", COLUMNS[c].0),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let width = header.len();
    let mut rows = Vec::new();
    let mut first_line_of: HashMap<MemberRef, usize> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_error(&e, header_line));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = lines.line_of(&record);
        if rows.len() + errors.len() >= MAX_REPORT_ROWS {
            errors.push(row_error(
                line,
                "file",
                format!("has more than {MAX_REPORT_ROWS} report rows; split it"),
            ));
            break;
        }
        if record.len() > width {
            errors.push(row_error(
                line,
                "row",
                format!(
                    "has {} cells but the header names {width} columns",
                    record.len()
                ),
            ));
            continue;
        }
        let cell = |c: usize| index[c].and_then(|i| record.get(i)).unwrap_or("");
        let before = errors.len();
        let member = match (cell(MEMBER_ID), cell(CURP)) {
            (id, _) if !id.is_empty() => match id.parse::<i64>() {
                Ok(n) if n > 0 => Some(MemberRef::Id(n)),
                _ => {
                    errors.push(row_error(
                        line,
                        "member_id",
                        format!("'{id}' is not a member number"),
                    ));
                    None
                }
            },
            ("", curp) if !curp.is_empty() => Some(MemberRef::Curp(curp.to_uppercase())),
            _ => {
                errors.push(row_error(
                    line,
                    "member_id",
                    "names no member (member_id or curp)",
                ));
                None
            }
        };
        let amount = |c: usize, field: &'static str, errors: &mut Vec<RowError>| {
            let text = cell(c);
            if text.is_empty() {
                errors.push(row_error(line, field, "is required"));
                return None;
            }
            match Money::parse_major(text, currency, field) {
                Ok(m) => Some(m),
                Err(_) => {
                    errors.push(row_error(
                        line,
                        field,
                        format!("'{text}' is not an amount like 1234.50"),
                    ));
                    None
                }
            }
        };
        let revenue = amount(REVENUE, "revenue", &mut errors);
        let profit = amount(PROFIT, "profit", &mut errors);
        if revenue.is_some_and(|r| r.is_negative()) {
            errors.push(row_error(
                line,
                "revenue",
                "R-PLAN-2: revenue must not be negative",
            ));
        }
        let by_staff = match cell(REPORTED_BY).to_lowercase().as_str() {
            "" | "member" | "socio" | "socia" => false,
            "staff" | "personal" => true,
            other => {
                errors.push(row_error(
                    line,
                    "reported_by",
                    format!("'{other}' must be member/socio or staff/personal"),
                ));
                false
            }
        };
        let p = cell(PERIOD);
        if !p.is_empty() && p != period.to_string() {
            errors.push(row_error(
                line,
                "period",
                format!("'{p}' is not the period being imported ({period})"),
            ));
        }
        if let Some(m) = &member {
            if let Some(first) = first_line_of.insert(m.clone(), line) {
                errors.push(row_error(
                    line,
                    "member_id",
                    format!("the member is already on line {first}"),
                ));
            }
        }
        if errors.len() == before {
            if let (Some(member), Some(revenue), Some(profit)) = (member, revenue, profit) {
                let curp = match (&member, cell(CURP)) {
                    (MemberRef::Id(_), curp) if !curp.is_empty() => Some(curp.to_uppercase()),
                    _ => None,
                };
                rows.push(ReportRow {
                    line,
                    member,
                    curp,
                    revenue,
                    profit,
                    by_staff,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Period {
        Period::month(2026, 3).unwrap()
    }

    #[test]
    fn r_plan_2_a_good_file_in_spanish_with_semicolons() {
        let text = "socio;ingresos;utilidad;reportado_por\n7;12345.50;-10\n\n8;0;0;personal\n";
        let rows = parse_reports_csv(text, p(), Currency::MXN).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].member, MemberRef::Id(7));
        assert_eq!(rows[0].revenue.amount_minor(), 1_234_550);
        assert_eq!(rows[0].profit.amount_minor(), -1_000);
        assert_eq!((rows[1].line, rows[1].by_staff), (4, true));
    }

    #[test]
    fn r_plan_2_every_bad_row_is_named_by_line_and_field_and_nothing_is_returned() {
        let text = "member_id,revenue,profit,period\n7,-1,0,\n8,abc,0,\nx,1,1,\n7,1,1,2026-04\n";
        let errors = parse_reports_csv(text, p(), Currency::MXN).unwrap_err();
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        expect_test::expect![[r#"
            [
                "line 2, revenue: R-PLAN-2: revenue must not be negative",
                "line 3, revenue: 'abc' is not an amount like 1234.50",
                "line 4, member_id: 'x' is not a member number",
                "line 5, period: '2026-04' is not the period being imported (2026-03)",
                "line 5, member_id: the member is already on line 2",
            ]
        "#]]
        .assert_debug_eq(&shown);
    }

    #[test]
    fn r_plan_2_header_problems_are_reported_before_rows() {
        let errors = parse_reports_csv("nombre,revenue\n", p(), Currency::MXN).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().all(|e| e.line == 1 && e.field == "header"));
    }
}
