//! `tequio check` (the books' invariants, `app::check`) and `tequio statement trial-balance`
//! (the trial balance of one organisation: account, debit and credit, with totals).
//!
//! `check` prints one row per comparison (invariant, organisation, what was compared, expected,
//! found, ok/FALLA) and exits 1 when any comparison fails ([`BooksDoNotReconcile`]), after
//! printing every row.

use crate::config::Settings;
use app::check::{major, BooksCheck, Finding};
use app::App;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The exit code of `check` when the books do not reconcile.
pub const EXIT_BOOKS_DO_NOT_RECONCILE: u8 = 1;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// One organisation's slug (default: every organisation).
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
    /// Organisations checked at the same time (default 4 on SQLite, 8 on PostgreSQL).
    #[arg(long)]
    pub concurrency: Option<usize>,
}

/// Some comparison failed: the books do not reconcile (exit code 1).
#[derive(Debug)]
pub struct BooksDoNotReconcile {
    pub failures: usize,
    pub orgs: usize,
    /// The invariants that failed, by id.
    pub invariants: String,
}

impl std::fmt::Display for BooksDoNotReconcile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "los libros no cuadran (books do not reconcile): {} comprobación(es) con FALLA en {} \
             organización(es): {}",
            self.failures, self.orgs, self.invariants
        )
    }
}

impl std::error::Error for BooksDoNotReconcile {}

/// One row of the output (the JSON shape too).
#[derive(Debug, Serialize)]
struct Row<'a> {
    invariant: &'static str,
    name: &'static str,
    org: &'a str,
    detail: &'a str,
    /// The currency of `expected` and `found` (minor units), or `count`.
    unit: String,
    expected: i128,
    found: i128,
    ok: bool,
}

fn row<'a>(slug: &'a str, f: &'a Finding) -> Row<'a> {
    Row {
        invariant: f.invariant.id(),
        name: f.invariant.label(),
        org: slug,
        detail: &f.detail,
        unit: f
            .currency
            .map_or_else(|| "count".to_string(), |c| c.to_string()),
        expected: f.expected,
        found: f.found,
        ok: f.ok(),
    }
}

fn figure(f: &Finding, value: i128) -> String {
    match f.currency {
        Some(_) => major(value),
        None => value.to_string(),
    }
}

pub async fn run(args: CheckArgs, settings: &Settings) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    let checks: Vec<(store::Org, Result<BooksCheck, app::AppError>)> = match &args.org {
        Some(slug) => {
            let org = app.store().org_by_slug(slug).await?;
            let result = app.check_books(org.id).await;
            vec![(org, result)]
        }
        None => {
            let default = crate::backend::kind(&settings.database_url).close_concurrency();
            app.check_all_books(args.concurrency.unwrap_or(default))
                .await?
        }
    };
    let mut first_error = None;
    let mut done = Vec::new();
    for (org, result) in checks {
        match result {
            Ok(c) => done.push(c),
            Err(e) => {
                eprintln!("{}: {e}", org.data.slug);
                first_error.get_or_insert(e);
            }
        }
    }
    let rows: Vec<Row> = done
        .iter()
        .flat_map(|c| c.findings.iter().map(|f| row(&c.org.data.slug, f)))
        .collect();
    let failures = rows.iter().filter(|r| !r.ok).count();
    let failed_orgs = done.iter().filter(|c| !c.ok()).count();
    let mut out = std::io::stdout().lock();
    match args.format {
        CheckFormat::Json => {
            #[derive(Serialize)]
            struct Report<'a> {
                ok: bool,
                organisations: usize,
                failures: usize,
                rows: &'a [Row<'a>],
            }
            let report = Report {
                ok: failures == 0,
                organisations: done.len(),
                failures,
                rows: &rows,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        }
        CheckFormat::Table => {
            let figures: Vec<(String, String)> = done
                .iter()
                .flat_map(|c| {
                    c.findings
                        .iter()
                        .map(|f| (figure(f, f.expected), figure(f, f.found)))
                })
                .collect();
            print_check_table(&mut out, &rows, &figures)?;
            writeln!(
                out,
                "comprobación: {} organización(es), {} comprobaciones, {failures} con FALLA",
                done.len(),
                rows.len()
            )?;
        }
    }
    out.flush()?;
    drop(out);
    if let Some(e) = first_error {
        return Err(e.into());
    }
    if failures > 0 {
        let mut invariants: Vec<&str> =
            rows.iter().filter(|r| !r.ok).map(|r| r.invariant).collect();
        invariants.sort_unstable();
        invariants.dedup();
        return Err(BooksDoNotReconcile {
            failures,
            orgs: failed_orgs,
            invariants: invariants.join(", "),
        }
        .into());
    }
    Ok(())
}

fn print_check_table(
    out: &mut impl Write,
    rows: &[Row],
    figures: &[(String, String)],
) -> std::io::Result<()> {
    let header = [
        "invariante",
        "organización",
        "detalle",
        "esperado",
        "encontrado",
        "estado",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .zip(figures)
        .map(|(r, (expected, found))| {
            [
                r.name.to_string(),
                r.org.to_string(),
                r.detail.to_string(),
                expected.clone(),
                found.clone(),
                if r.ok { "ok" } else { "FALLA" }.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for c in &cells {
        for (w, text) in widths.iter_mut().zip(c) {
            *w = (*w).max(text.chars().count());
        }
    }
    let line = |out: &mut dyn Write, c: [&str; 6]| {
        writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}  {}",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        )
    };
    line(out, header)?;
    for c in &cells {
        line(out, [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]])?;
    }
    Ok(())
}

/// One account's line of the trial balance.
#[derive(Debug, Serialize)]
struct TrialLine {
    account: String,
    name: String,
    currency: String,
    debit_minor: i64,
    credit_minor: i64,
}

/// The totals of one currency.
#[derive(Debug, Serialize)]
struct TrialTotal {
    currency: String,
    debit_minor: i64,
    credit_minor: i64,
}

/// `tequio statement trial-balance`: every account with a balance, its debit (positive
/// balance) or credit (negative balance), and the totals per currency, which are equal when the
/// books balance. Reads the materialised balances after checking they equal the postings
/// (`App::checked_trial_balance`).
pub async fn trial_balance(
    app: &App,
    slug: &str,
    format: crate::fund_cmd::Format,
) -> anyhow::Result<()> {
    use crate::fund_cmd::Format;
    let org = app.store().org_by_slug(slug).await?;
    let tb = app.checked_trial_balance(org.id).await?;
    let names: BTreeMap<String, String> = app
        .store()
        .accounts(org.id)
        .await?
        .into_iter()
        .map(|a| (a.code.as_str().to_string(), a.name))
        .collect();
    let mut lines = Vec::new();
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (code, currency, balance) in tb.lines() {
        if balance == 0 {
            continue;
        }
        let balance = i64::try_from(balance).map_err(|_| {
            anyhow::anyhow!("{code}: el saldo {balance} excede el rango de 64 bits")
        })?;
        let (debit, credit) = if balance > 0 {
            (balance, 0)
        } else {
            (0, balance.checked_neg().unwrap_or(i64::MAX))
        };
        let total = totals.entry(currency.to_string()).or_default();
        total.0 = total
            .0
            .checked_add(debit)
            .ok_or_else(|| anyhow::anyhow!("total debit overflows"))?;
        total.1 = total
            .1
            .checked_add(credit)
            .ok_or_else(|| anyhow::anyhow!("total credit overflows"))?;
        lines.push(TrialLine {
            account: code.to_string(),
            name: names.get(code.as_str()).cloned().unwrap_or_default(),
            currency: currency.to_string(),
            debit_minor: debit,
            credit_minor: credit,
        });
    }
    let totals: Vec<TrialTotal> = totals
        .into_iter()
        .map(|(currency, (debit, credit))| TrialTotal {
            currency,
            debit_minor: debit,
            credit_minor: credit,
        })
        .collect();
    let amount = |minor: i64| {
        if minor == 0 {
            String::new()
        } else {
            major(i128::from(minor))
        }
    };
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Json<'a> {
                org: &'a str,
                lines: &'a [TrialLine],
                totals: &'a [TrialTotal],
            }
            let json = Json {
                org: slug,
                lines: &lines,
                totals: &totals,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Csv => {
            writeln!(out, "cuenta,nombre,moneda,debe,haber")?;
            for l in &lines {
                writeln!(
                    out,
                    "{},{},{},{},{}",
                    crate::fund_cmd::csv_cell(&l.account),
                    crate::fund_cmd::csv_cell(&l.name),
                    l.currency,
                    amount(l.debit_minor),
                    amount(l.credit_minor)
                )?;
            }
            for t in &totals {
                writeln!(
                    out,
                    "total,,{},{},{}",
                    t.currency,
                    major(i128::from(t.debit_minor)),
                    major(i128::from(t.credit_minor))
                )?;
            }
        }
        Format::Table => {
            let mut rows: Vec<[String; 4]> = lines
                .iter()
                .map(|l| {
                    [
                        l.account.clone(),
                        l.name.clone(),
                        amount(l.debit_minor),
                        amount(l.credit_minor),
                    ]
                })
                .collect();
            rows.extend(totals.iter().map(|t| {
                [
                    format!("total {}", t.currency),
                    String::new(),
                    major(i128::from(t.debit_minor)),
                    major(i128::from(t.credit_minor)),
                ]
            }));
            let header = ["cuenta", "nombre", "debe", "haber"];
            let mut widths = header.map(|h| h.chars().count());
            for r in &rows {
                for (w, text) in widths.iter_mut().zip(r) {
                    *w = (*w).max(text.chars().count());
                }
            }
            let [w0, w1, w2, w3] = widths;
            writeln!(
                out,
                "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}",
                header[0], header[1], header[2], header[3]
            )?;
            for r in &rows {
                writeln!(
                    out,
                    "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}",
                    r[0], r[1], r[2], r[3]
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
