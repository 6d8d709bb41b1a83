//! Issue 17: CSV downloads of the members table and of a member's statement tables (income by
//! period, contributions, dues): `text/csv; charset=utf-8` with a BOM so Excel reads the
//! accents, names not ids, amounts as plain decimals; the figures are worked out here.

mod common;

use app::fund_cases::{Audit, ReportInput};
use axum::http::StatusCode;
use chrono::Datelike;
use common::*;
use fund::{Period, PeriodSettings, Reporter};

const SLUG: &str = "alfareros-morelos";

/// A CSV body's lines (without the BOM), each split into cells (no quoted cell here).
fn lines(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("a BOM");
    body.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// `12345.67` from 1,234,567 centavos, by hand.
fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

#[tokio::test]
async fn the_members_table_downloads_every_member_with_names_and_accents() {
    let w = world().await;
    let staff = sign_in(&w, "personal").await;
    let r = get(&w, &format!("/odf/{SLUG}/socios.csv"), Some(&staff)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(r
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("socios-alfareros-morelos.csv"));
    let rows = lines(&r.body);
    assert_eq!(
        rows[0],
        [
            "Nombres",
            "Apellidos",
            "CURP",
            "Municipio",
            "Fecha de ingreso",
            "Fecha de baja",
            "Situación"
        ]
    );
    let members = w
        .app
        .store()
        .members(w.union.id, store::Page::first(store::MAX_PAGE))
        .await
        .unwrap();
    // Every member, not only the fifty of the page.
    assert_eq!(rows.len() - 1, members.len());
    let m = &members[0];
    let row = rows
        .iter()
        .find(|r| r[2] == m.data.curp.as_str())
        .expect("the member's row");
    assert_eq!(row[0], m.data.given_names);
    assert_eq!(row[1], m.data.surnames);
    assert_eq!(row[4], m.data.joined_on.format("%Y-%m-%d").to_string());
    // Accents are written as UTF-8 (the BOM tells Excel).
    assert!(members.iter().any(|m| !m.data.surnames.is_ascii()
        || !m.data.given_names.is_ascii()
        || !m.data.municipality.is_ascii()));
    assert!(!r.body.is_ascii());
    // The search narrows the download as it narrows the page.
    let first = m.data.surnames.split(' ').next().unwrap().to_string();
    let searched = get(
        &w,
        &format!("/odf/{SLUG}/socios.csv?q={}", urlencode(&first)),
        Some(&staff),
    )
    .await;
    let found = lines(&searched.body);
    assert!(found.len() - 1 < members.len());
    assert!(found[1..].iter().all(|r| r[0].contains(&first)
        || r[1].contains(&first)
        || r[2].contains(&first.to_uppercase())));
    // The members page links to it with its search.
    let page = get(&w, &format!("/odf/{SLUG}/socios"), Some(&staff)).await;
    assert!(page.body.contains("id=\"members-csv\""));
}

#[tokio::test]
async fn a_members_statement_downloads_income_contributions_and_dues() {
    let w = world().await;
    let me = member_of(&w, "socio").await;
    let plan = w
        .app
        .plans(w.union.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.member_id == me)
        .unwrap();
    let today = today_mx();
    let key = month_key(today.year(), today.month(), -2);
    let period = Period::parse(&key, PeriodSettings::default()).unwrap();
    // 1,234.57 over the baseline revenue and 400.10 over the baseline profit.
    let revenue = plan.baseline_revenue.amount_minor() + 123_457;
    let profit = plan.baseline_profit.amount_minor() + 40_010;
    w.app
        .file_report(
            w.union.id,
            period,
            ReportInput {
                member_id: me,
                revenue_minor: revenue,
                profit_minor: profit,
                reported_by: Reporter::Member,
            },
            None,
            today,
            &Audit::cli(),
        )
        .await
        .unwrap();
    let b = sign_in(&w, "socio").await;
    let uri = |table: &str| format!("/odf/{SLUG}/socios/{me}/estado.csv?tabla={table}");

    let income = lines(&get(&w, &uri("ingresos"), Some(&b)).await.body);
    assert_eq!(
        income[0],
        [
            "Periodo",
            "Ingresos",
            "Utilidad",
            "Ingreso nuevo",
            "Utilidad incremental"
        ]
    );
    let label = month_label_es(&key);
    let row = income
        .iter()
        .find(|r| r[0] == label)
        .expect("the month in words");
    assert_eq!(
        row[1..],
        [
            decimal(revenue),
            decimal(profit),
            "1234.57".to_string(),
            "400.10".to_string()
        ]
    );

    // Contributions: 10% of 1,234.57 = 123.457 → 123.46; 25% of 400.10 = 100.025 → 100.02
    // (half to even) — what the next close of that month will post (R-FUND-1, R-PLAN-3).
    let contributions = lines(&get(&w, &uri("aportaciones"), Some(&b)).await.body);
    assert_eq!(
        contributions[0],
        [
            "Periodo",
            "Ingreso nuevo",
            "Aportación al Fondo",
            "Utilidad incremental",
            "Participación de la ODF"
        ]
    );
    let row = contributions.iter().find(|r| r[0] == label).unwrap();
    assert_eq!(row[1], "1234.57");
    assert_eq!(row[3], "400.10");
    assert_eq!(row[2], "123.46");
    assert_eq!(row[4], "100.02");

    // Dues: every line of the account, the balance running.
    let dues = lines(&get(&w, &uri("cuotas"), Some(&b)).await.body);
    assert_eq!(dues[0], ["Fecha", "Concepto", "Importe", "Saldo"]);
    let account = w
        .app
        .account_statement(
            w.union.id,
            &ledger::Account::dues_receivable(me),
            store::Page::first(store::MAX_PAGE),
        )
        .await
        .unwrap();
    assert_eq!(dues.len() - 1, account.lines.len());
    let mut balance = 0i64;
    for (row, line) in dues[1..].iter().zip(&account.lines) {
        balance += line.amount.amount_minor();
        assert_eq!(row[0], line.date.format("%Y-%m-%d").to_string());
        assert_eq!(row[2], decimal(line.amount.amount_minor()));
        assert_eq!(row[3], decimal(balance), "the running balance");
    }
    // The statement page links to the three.
    let page = get(&w, &format!("/odf/{SLUG}/socios/{me}"), Some(&b)).await;
    for id in ["csv-income", "csv-contributions", "csv-dues"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
}
