//! `tequio dues charge|pay|arrears|sheet` (R-ORG-6, issue 17): charge a period's dues once,
//! record a payment with its receipt, list arrears per member with the ODF's total, and print
//! a meeting's collection sheet (what each member owes: dues, loan installments due, of which
//! the trust paid, contributions and profit share, missing reports). Amounts are typed as in
//! Mexico (`1,500.00`, `$1,500`; a decimal comma is refused).

use crate::config::Settings;
use crate::terminal::escape_controls;
use app::{Actor, App, FactDate};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
pub enum DuesCommand {
    /// Charge a period's dues to every member active on its first day (once per period).
    Charge(ChargeArgs),
    /// Record a member's dues payment and print its receipt.
    Pay(PayArgs),
    /// Dues in arrears per member and the ODF's total.
    Arrears(OrgArgs),
    /// A meeting's collection sheet: what each active member owes on a day.
    Sheet(SheetArgs),
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Args, Debug)]
pub struct OrgArgs {
    #[arg(long)]
    pub org: String,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Args, Debug)]
pub struct ChargeArgs {
    #[arg(long)]
    pub org: String,
    /// The period's first month, `YYYY-MM`.
    #[arg(long)]
    pub period: String,
    /// Who charges (recorded in the audit trail).
    #[arg(long, default_value = "cli")]
    pub by: String,
}

#[derive(Args, Debug)]
pub struct PayArgs {
    #[arg(long)]
    pub org: String,
    /// The member's id.
    #[arg(long)]
    pub member: i64,
    /// The amount as typed in Mexico: `1,500.00`, `$150`.
    #[arg(long)]
    pub amount: String,
    /// The payment's reference (a receipt book number): the same reference again prints the
    /// first receipt and records nothing.
    #[arg(long = "ref")]
    pub reference: String,
    /// The day it was paid (default: today in America/Mexico_City).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    #[arg(long, default_value = "cli")]
    pub by: String,
}

#[derive(Args, Debug)]
pub struct SheetArgs {
    #[arg(long)]
    pub org: String,
    /// The meeting's day (default: today in America/Mexico_City).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    /// Only the members of this municipality.
    #[arg(long)]
    pub municipality: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn today() -> NaiveDate {
    app::fact_date::mexico_city_today(chrono::Utc::now())
}

fn pesos(minor: i64) -> String {
    web::money_es_mx(minor as i128)
}

/// Minor units as a CSV number (`-0.50`, `1234.05`).
fn major(minor: i64) -> String {
    app::check::major(minor as i128)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub async fn run(settings: &Settings, command: DuesCommand) -> anyhow::Result<()> {
    let app = App::new(crate::backend::open(&settings.database_url).await?);
    match command {
        DuesCommand::Charge(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let c = app
                .charge_dues_period(org.id, &args.period, today(), &Actor::new(&args.by, "cli"))
                .await?;
            if c.created {
                print!("cargada: ");
            } else {
                print!("ya cargada antes, nada cambió: ");
            }
            println!(
                "cuota {} de {} a {} socios ({} en total), fecha {}",
                c.period,
                pesos(c.amount_minor),
                c.members,
                pesos(c.total_minor),
                c.on
            );
        }
        DuesCommand::Pay(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let amount = ledger::typed::parse_typed_minor(&args.amount, false).map_err(|e| {
                app::AppError::from(registry::FieldError::new("amount", e.to_string()))
            })?;
            let r = app
                .record_dues_payment(
                    org.id,
                    args.member,
                    amount,
                    FactDate::new(args.on, today()),
                    &args.reference,
                    &Actor::new(&args.by, "cli"),
                )
                .await?;
            if !r.created {
                println!("(pago registrado antes; nada cambió)");
            }
            println!("{}", escape_controls(&org.data.name));
            println!("Recibo de pago de cuota C-{:06}", r.number);
            println!("Recibimos de:  {}", escape_controls(&r.member_name));
            println!("La cantidad de: {}", pesos(r.amount_minor));
            println!("Fecha de pago: {}", r.on.format("%d/%m/%Y"));
            println!("Adeudo después del pago: {}", pesos(r.arrears_after_minor));
        }
        DuesCommand::Arrears(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let a = app.dues_arrears(org.id, today()).await?;
            match args.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&a)?),
                Format::Csv => {
                    println!("socio,nombre,adeudo,activo");
                    for r in &a.rows {
                        println!(
                            "{},{},{},{}",
                            r.member_id,
                            csv(&escape_controls(&r.name)),
                            major(r.arrears_minor),
                            if r.active { "si" } else { "no" }
                        );
                    }
                }
                Format::Table => {
                    println!("{:>8}  {:<40}  {:>14}", "socio", "nombre", "adeudo");
                    for r in &a.rows {
                        println!(
                            "{:>8}  {:<40}  {:>14}{}",
                            r.member_id,
                            escape_controls(&r.name),
                            pesos(r.arrears_minor),
                            if r.active { "" } else { "  (baja)" }
                        );
                    }
                    println!(
                        "total: {} de {} socios con adeudo; cuota vigente {}",
                        pesos(a.total_minor),
                        a.members_in_arrears,
                        pesos(a.amount_minor)
                    );
                }
            }
        }
        DuesCommand::Sheet(args) => {
            let org = app.store().org_by_slug(&args.org).await?;
            let on = args.on.unwrap_or_else(today);
            let s = app
                .collection_sheet(org.id, on, args.municipality.as_deref())
                .await?;
            match args.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
                Format::Csv => {
                    println!(
                        "socio,nombre,cuota,prestamo,fideicomiso,aportacion,participacion,total,reportes_faltantes"
                    );
                    for r in &s.rows {
                        let missing: Vec<String> =
                            r.missing_reports.iter().map(|p| p.key()).collect();
                        println!(
                            "{},{},{},{},{},{},{},{},{}",
                            r.member_id,
                            csv(&escape_controls(&r.name)),
                            major(r.dues_minor),
                            major(r.loan_due_minor),
                            major(r.trust_paid_minor),
                            major(r.contribution_minor),
                            major(r.profit_share_minor),
                            major(r.total_minor()),
                            missing.join(" ")
                        );
                    }
                }
                Format::Table => {
                    println!(
                        "hoja de cobranza de {} para la reunión del {}",
                        escape_controls(&org.data.name),
                        on.format("%d/%m/%Y")
                    );
                    println!(
                        "{:<34}  {:>12}  {:>12}  {:>12}  {:>12}  faltan reportes",
                        "socio", "cuota", "préstamo", "fondo", "total"
                    );
                    for r in &s.rows {
                        let missing: Vec<String> =
                            r.missing_reports.iter().map(|p| p.key()).collect();
                        println!(
                            "{:<34}  {:>12}  {:>12}  {:>12}  {:>12}  {}",
                            escape_controls(&r.name),
                            pesos(r.dues_minor),
                            pesos(r.loan_due_minor),
                            pesos(r.fund_minor()),
                            pesos(r.total_minor()),
                            missing.join(" ")
                        );
                    }
                    println!(
                        "{:<34}  {:>12}  {:>12}  {:>12}  {:>12}  {}",
                        "total",
                        pesos(s.totals.dues_minor),
                        pesos(s.totals.loan_due_minor),
                        pesos(s.totals.fund_minor),
                        pesos(s.totals.total_minor),
                        s.totals.missing_reports
                    );
                    println!(
                        "de los préstamos, pagado por el fideicomiso y por reponer: {}",
                        pesos(s.totals.trust_paid_minor)
                    );
                }
            }
        }
    }
    Ok(())
}
