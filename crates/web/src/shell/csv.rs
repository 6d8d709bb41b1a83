//! CSV downloads (issue 17: "CSV download of every table a person may want in a
//! spreadsheet"): `text/csv; charset=utf-8` with a byte-order mark so Excel reads the
//! accents, cells quoted when needed and never run as formulas, amounts as plain decimals.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A CSV download: `text/csv`, saved as `filename` (UTF-8 with a BOM so spreadsheets read the
/// accents).
pub(crate) fn csv_response(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        format!("\u{feff}{body}"),
    )
        .into_response()
}

/// One CSV cell: quoted when it holds a comma, a quote or a line break; a cell a spreadsheet
/// would run as a formula starts with an apostrophe.
pub(crate) fn csv_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        csv_quote(&format!("'{text}"))
    } else {
        csv_quote(text)
    }
}

/// A CSV field as typed, quoted when it holds a comma, a quote or a line break (for a CSV the
/// app reads back, such as the add-member form's one-row import: no formula guard).
pub(crate) fn csv_quote(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A CSV line from its cells.
pub(crate) fn csv_line(cells: &[String]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// A table as a CSV download: its header and its rows (cells as text, quoted as needed).
pub(crate) fn csv_table(
    filename: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut body = csv_line(&header);
    for row in rows {
        body.push_str(&csv_line(&row));
    }
    csv_response(filename, body)
}

/// An amount in minor units as a CSV number in pesos (`1234.50`): no grouping, so a
/// spreadsheet reads it as a number.
pub(crate) fn csv_pesos(minor: i128) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}
