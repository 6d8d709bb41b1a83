//! `tequio round ...`, `tequio order ...`, `tequio outlet ...`: collective trade from the
//! terminal (R-BUY-1..2, R-SELL-1..3). Each command opens the store, calls one app use case
//! and prints the result; reports print as a table (default), CSV or JSON.

use anyhow::Context;
use app::trade_cases::*;
use app::App;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// How a report is printed.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

/// Where working capital comes from: `--lender CODE` (credit line) or `--decision ID`
/// (Competition Sub-Fund, with an approved board decision).
#[derive(Args, Debug, Clone)]
pub struct FundingArgs {
    #[arg(long, conflicts_with = "decision")]
    pub lender: Option<String>,
    #[arg(long)]
    pub decision: Option<i64>,
}

impl FundingArgs {
    fn funding(&self) -> anyhow::Result<Funding> {
        match (&self.lender, self.decision) {
            (Some(lender), None) => Ok(Funding::CreditLine {
                lender: lender.clone(),
            }),
            (None, Some(decision_id)) => Ok(Funding::CompetitionSubFund { decision_id }),
            _ => anyhow::bail!("indique --lender CÓDIGO (línea de crédito) o --decision ID (Subfondo de Competitividad)"),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum RoundCommand {
    /// Register a supplier (R-BUY-1, R-SELL-3).
    Supplier {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        channelled_by: Option<String>,
    },
    /// Register a price list from a JSON file: {supplier, material, pricing: all_units |
    /// incremental, tiers: [{from_units, to_units, unit_price_minor}], min_order_units,
    /// lead_time_days, valid_from, valid_until}.
    PriceList {
        #[arg(long)]
        org: String,
        file: PathBuf,
    },
    /// Open a purchasing round.
    Open {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        order_date: NaiveDate,
        /// Never buy more than requested (default: buy up to a cheaper tier, surplus as stock).
        #[arg(long)]
        no_buy_up: bool,
        /// Stop the optimiser after this many milliseconds per material (the plan then says
        /// it is not proven optimal).
        #[arg(long)]
        time_limit_ms: Option<u64>,
    },
    /// One member's request.
    Request {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        material: String,
        #[arg(long)]
        quantity: u32,
        #[arg(long)]
        needed_by: NaiveDate,
    },
    /// Requests from a CSV file with header member,material,quantity_units,needed_by (all or
    /// nothing, at most 5,000 rows).
    Requests {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        file: PathBuf,
    },
    /// Close the round and optimise it; prints the plan.
    Close {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Goods received against a purchase order (`ROUND:MATERIAL:SUPPLIER`).
    Receive {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        po: String,
        #[arg(long)]
        units: u32,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// Pay a supplier from the credit line or the Competition Sub-Fund.
    PaySupplier {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        po: String,
        #[arg(long)]
        amount_minor: i64,
        #[command(flatten)]
        funding: FundingArgs,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// A member picks up goods; what is not paid now is deducted from their next sale.
    PickUp {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        material: String,
        #[arg(long)]
        units: u32,
        #[arg(long, default_value_t = 0)]
        pay_now_minor: i64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// Repay working capital to the credit line or the Sub-Fund.
    Repay {
        #[arg(long)]
        org: String,
        #[command(flatten)]
        funding: FundingArgs,
        #[arg(long)]
        amount_minor: i64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// The round's plan and each member's saving (R-BUY-1).
    Report {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The ODF's trade summary: rounds, orders, outlets.
    Summary {
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrderCommand {
    /// Declared capacities from a CSV file with header
    /// member,product,grade,capacity_units,min_lot_units,declared_on.
    Capacity {
        #[arg(long)]
        org: String,
        file: PathBuf,
    },
    /// Accept a buyer's order and split it among members; prints the split.
    Accept {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        buyer: String,
        #[arg(long)]
        product: String,
        /// Quality grade A, B or C.
        #[arg(long)]
        grade: String,
        #[arg(long)]
        quantity: u64,
        #[arg(long)]
        unit_price_minor: i64,
        #[arg(long)]
        due: NaiveDate,
        /// Payment terms: 60 or 90 days.
        #[arg(long, default_value_t = 60)]
        terms_days: u32,
        #[arg(long)]
        channelled_by: Option<String>,
        #[arg(long)]
        accepted_on: NaiveDate,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// A member's delivery, with units rejected by the quality check.
    Deliver {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        delivered: u64,
        #[arg(long, default_value_t = 0)]
        rejected: u64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// Invoice the buyer for the accepted units.
    Invoice {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        date: NaiveDate,
    },
    /// Advance money to a member against their assignment.
    Advance {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        amount_minor: i64,
        #[command(flatten)]
        funding: FundingArgs,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// The buyer pays: members are paid net of what they owe.
    Pay {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        amount_minor: i64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One order: each member's assignment, deliveries and collection.
    Show {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The payouts to members of each buyer payment, as recorded (gross, each deduction, net).
    Payouts {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Sales per member or per buyer, or what each support-committee member channelled.
    Report {
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value_t = ReportBy::Buyer)]
        by: ReportBy,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportBy {
    Member,
    Buyer,
    /// Who channelled which suppliers and orders (R-SELL-3).
    Channel,
}

#[derive(Subcommand, Debug)]
pub enum OutletCommand {
    /// Open an outlet or fair-trade centre.
    Open {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The outlet's commission, a rate between 0 and 1.
        #[arg(long, default_value = "0")]
        commission: String,
    },
    /// A member leaves goods on consignment.
    Consign {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        product: String,
        #[arg(long)]
        units: u64,
        #[arg(long)]
        unit_price_minor: i64,
        #[arg(long = "ref")]
        reference: String,
    },
    /// A sale of consigned goods.
    Sell {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        product: String,
        #[arg(long)]
        units: u64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// Pay a member what the outlet owes them.
    Settle {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        member: i64,
        #[arg(long)]
        amount_minor: i64,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
    },
    /// A stock count from a CSV file with header member,product,units.
    Count {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long = "ref")]
        reference: String,
        file: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Stock on consignment and what is owed to each member.
    Show {
        #[arg(long)]
        org: String,
        #[arg(long)]
        code: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

fn by() -> Actor {
    Actor::new("cli", "cli")
}

async fn org_id(app: &App, slug: &str) -> anyhow::Result<i64> {
    Ok(app.store().org_by_slug(slug).await?.id)
}

fn read_small(file: &Path) -> anyhow::Result<String> {
    Ok(crate::input::read_text(
        file,
        4 * 1024 * 1024,
        "divídalo en archivos más pequeños",
    )?)
}

fn read_csv<T: serde::de::DeserializeOwned>(file: &Path) -> anyhow::Result<Vec<T>> {
    let text = read_small(file)?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize().enumerate() {
        rows.push(row.with_context(|| format!("{}: línea {}", file.display(), i + 2))?);
    }
    Ok(rows)
}

/// Prints rows as a table (money columns `*_minor` shown in pesos), CSV or JSON. Columns
/// follow the row type's field order.
pub fn render<T: Serialize>(rows: &[T], format: Format) -> anyhow::Result<String> {
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(rows)? + "\n");
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    let text = String::from_utf8(w.into_inner()?)?;
    if format == Format::Csv || text.is_empty() {
        return Ok(text);
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut grid: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record?;
        grid.push(
            record
                .iter()
                .zip(&headers)
                .map(|(cell, h)| match cell.parse::<i64>() {
                    Ok(n) if h.ends_with("_minor") => pesos(n),
                    _ => cell.to_string(),
                })
                .collect(),
        );
    }
    let shown: Vec<String> = headers
        .iter()
        .map(|h| h.strip_suffix("_minor").unwrap_or(h).to_string())
        .collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            grid.iter()
                .map(|r| r[i].chars().count())
                .chain([shown[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| format!("{c:>w$}"))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&shown, &mut out);
    for r in &grid {
        line(r, &mut out);
    }
    Ok(out)
}

/// Minor units as pesos with thousands separators: 123456 -> 1,234.56.
pub fn pesos(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

fn print(text: String) {
    print!("{}", crate::terminal::escape_controls(&text));
}

pub async fn round(app: &App, command: RoundCommand) -> anyhow::Result<()> {
    match command {
        RoundCommand::Supplier {
            org,
            code,
            name,
            channelled_by,
        } => {
            let org = org_id(app, &org).await?;
            app.register_supplier(
                org,
                &by(),
                SupplierInput {
                    code: code.clone(),
                    name,
                    channelled_by,
                },
            )
            .await?;
            println!("proveedor {code} registrado");
        }
        RoundCommand::PriceList { org, file } => {
            let org = org_id(app, &org).await?;
            let input: PriceListInput = serde_json::from_str(&read_small(&file)?)
                .with_context(|| format!("{}: lista de precios JSON", file.display()))?;
            let label = format!("{}/{}", input.supplier, input.material);
            app.register_price_list(org, &by(), input).await?;
            println!("lista de precios {label} registrada");
        }
        RoundCommand::Open {
            org,
            id,
            order_date,
            no_buy_up,
            time_limit_ms,
        } => {
            let org = org_id(app, &org).await?;
            app.open_round(
                org,
                &by(),
                RoundInput {
                    round_id: id.clone(),
                    order_date,
                    allow_buy_up: !no_buy_up,
                    time_limit_ms,
                },
            )
            .await?;
            println!("ronda {id} abierta");
        }
        RoundCommand::Request {
            org,
            id,
            member,
            material,
            quantity,
            needed_by,
        } => {
            let org = org_id(app, &org).await?;
            let n = app
                .request_purchases(
                    org,
                    &by(),
                    &id,
                    vec![RequestInput {
                        member,
                        material,
                        quantity_units: quantity,
                        needed_by,
                    }],
                )
                .await?;
            println!("{n} solicitud(es) nueva(s) en la ronda {id}");
        }
        RoundCommand::Requests { org, id, file } => {
            let org = org_id(app, &org).await?;
            let rows: Vec<RequestInput> = read_csv(&file)?;
            let n = app.request_purchases(org, &by(), &id, rows).await?;
            println!("{n} solicitud(es) nueva(s) en la ronda {id}");
        }
        RoundCommand::Close {
            org,
            id,
            date,
            format,
        } => {
            let org = org_id(app, &org).await?;
            app.close_round(org, &by(), &id, date).await?;
            let report = app.round_report(org, &id).await?;
            print(render(&report.materials, format)?);
            if format == Format::Table {
                println!(
                    "ronda {id}: costo total {}, {}",
                    pesos(report.total_cost_minor),
                    if report.optimal {
                        "óptimo demostrado"
                    } else {
                        "NO demostrado óptimo: el límite de tiempo detuvo al optimizador"
                    }
                );
            }
        }
        RoundCommand::Receive {
            org,
            id,
            po,
            units,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.receive_goods(org, &by(), &id, &po, units, date, &reference)
                .await?;
            println!("recepción {reference}: {units} unidades de {po}");
        }
        RoundCommand::PaySupplier {
            org,
            id,
            po,
            amount_minor,
            funding,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.pay_supplier(
                org,
                &by(),
                &id,
                &po,
                amount_minor,
                funding.funding()?,
                date,
                &reference,
            )
            .await?;
            println!("pago {reference} a {po}: {}", pesos(amount_minor));
        }
        RoundCommand::PickUp {
            org,
            id,
            member,
            material,
            units,
            pay_now_minor,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.pick_up(
                org,
                &by(),
                &id,
                member,
                &material,
                units,
                pay_now_minor,
                date,
                &reference,
            )
            .await?;
            println!("entrega {reference}: {units} de {material} al socio {member}");
        }
        RoundCommand::Repay {
            org,
            funding,
            amount_minor,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.repay_working_capital(
                org,
                &by(),
                funding.funding()?,
                amount_minor,
                date,
                &reference,
            )
            .await?;
            println!("reembolso {reference}: {}", pesos(amount_minor));
        }
        RoundCommand::Report { org, id, format } => {
            let org = org_id(app, &org).await?;
            let report = app.round_report(org, &id).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                _ => {
                    print(render(&report.materials, format)?);
                    if format == Format::Table {
                        println!();
                        let lines: Vec<SavingsLine> =
                            report.members.iter().map(SavingsLine::from_row).collect();
                        print(render(&lines, format)?);
                    } else {
                        print(render(&report.members, format)?);
                    }
                    if format == Format::Table {
                        println!(
                            "ronda {id}: costo {}, ahorro de los socios {}, socios que no podían comprar por su cuenta {}, inventario ODF {}{}",
                            pesos(report.total_cost_minor),
                            pesos(report.total_saving_minor),
                            report.members_could_not_buy_alone,
                            pesos(report.odf_stock_minor),
                            if report.optimal {
                                ""
                            } else {
                                " (plan no demostrado óptimo)"
                            }
                        );
                    }
                }
            }
        }
        RoundCommand::Summary { org, format } => {
            let org = org_id(app, &org).await?;
            let s = app.trade_summary(org).await?;
            print(render(&[s], format)?);
        }
    }
    Ok(())
}

/// Said in the table instead of a cost alone (R-BUY-1).
const COULD_NOT_BUY_ALONE: &str = "no podía comprar por su cuenta";

/// A member's saving as the table shows it: a member who could not buy alone is said so in
/// words, and has no saving figure (CSV and JSON leave both empty/null).
#[derive(Serialize)]
struct SavingsLine<'a> {
    member: i64,
    material: &'a str,
    units: u64,
    charged_minor: i64,
    alone: String,
    alone_orders: &'a str,
    saving: String,
}

impl<'a> SavingsLine<'a> {
    fn from_row(m: &'a MemberSavingsRow) -> Self {
        SavingsLine {
            member: m.member,
            material: &m.material,
            units: m.units,
            charged_minor: m.charged_minor,
            alone: m.alone_minor.map_or(COULD_NOT_BUY_ALONE.to_string(), pesos),
            alone_orders: &m.alone_orders,
            saving: m.saving_minor.map_or("—".to_string(), pesos),
        }
    }
}

/// One member's line of an order, for `order show`.
#[derive(Serialize)]
struct OrderLine {
    member: i64,
    assigned_units: u64,
    accepted_units: u64,
    rejected_units: u64,
    invoiced_minor: i64,
    collected_minor: i64,
}

/// One member's payout from one buyer payment, for `order payouts`.
#[derive(Serialize)]
struct PayoutRow {
    payment: String,
    date: NaiveDate,
    member: i64,
    gross_minor: i64,
    advance_minor: i64,
    fund_minor: i64,
    profit_share_minor: i64,
    purchases_minor: i64,
    net_minor: i64,
}

pub async fn order(app: &App, command: OrderCommand) -> anyhow::Result<()> {
    match command {
        OrderCommand::Capacity { org, file } => {
            let org = org_id(app, &org).await?;
            let rows: Vec<CapacityInput> = read_csv(&file)?;
            let n = app.declare_capacities(org, &by(), rows).await?;
            println!("{n} capacidad(es) declarada(s)");
        }
        OrderCommand::Accept {
            org,
            id,
            buyer,
            product,
            grade,
            quantity,
            unit_price_minor,
            due,
            terms_days,
            channelled_by,
            accepted_on,
            format,
        } => {
            let org = org_id(app, &org).await?;
            let split = app
                .accept_order(
                    org,
                    &by(),
                    OrderInput {
                        order_id: id.clone(),
                        buyer,
                        product,
                        grade,
                        quantity_units: quantity,
                        unit_price_minor,
                        due_date: due,
                        terms_days,
                        channelled_by,
                        accepted_on,
                    },
                )
                .await?;
            #[derive(Serialize)]
            struct Row {
                member: i64,
                units: u64,
            }
            let rows: Vec<Row> = split
                .assignments
                .iter()
                .map(|a| Row {
                    member: a.member,
                    units: a.units,
                })
                .collect();
            print(render(&rows, format)?);
            if format == Format::Table {
                println!(
                    "pedido {id}: {} socios, reparto {:?}",
                    rows.len(),
                    split.method
                );
            }
        }
        OrderCommand::Deliver {
            org,
            id,
            member,
            delivered,
            rejected,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.record_deliveries(
                org,
                &by(),
                &id,
                vec![DeliveryInput {
                    member,
                    delivered_units: delivered,
                    rejected_units: rejected,
                    date,
                    reference: reference.clone(),
                }],
            )
            .await?;
            println!("entrega {reference}: socio {member}, {delivered} entregadas, {rejected} rechazadas");
        }
        OrderCommand::Invoice { org, id, date } => {
            let org = org_id(app, &org).await?;
            let inv = app.invoice_order(org, &by(), &id, date).await?;
            println!(
                "factura pedido {id}: {} a {}, vence {}",
                pesos(inv.amount_minor),
                inv.buyer,
                inv.due_date
            );
        }
        OrderCommand::Advance {
            org,
            id,
            member,
            amount_minor,
            funding,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.pay_sales_advance(
                org,
                &by(),
                &id,
                member,
                amount_minor,
                funding.funding()?,
                date,
                &reference,
            )
            .await?;
            println!(
                "anticipo {reference} al socio {member}: {}",
                pesos(amount_minor)
            );
        }
        OrderCommand::Pay {
            org,
            id,
            amount_minor,
            date,
            reference,
            format,
        } => {
            let org = org_id(app, &org).await?;
            let out = app
                .record_buyer_payment(org, &by(), &id, amount_minor, date, &reference)
                .await?;
            #[derive(Serialize)]
            struct Row {
                member: i64,
                gross_minor: i64,
                deducted_minor: i64,
                net_minor: i64,
            }
            let rows: Vec<Row> = out
                .settlement
                .iter()
                .flat_map(|s| &s.payouts)
                .map(|p| Row {
                    member: p.member,
                    gross_minor: p.gross_minor,
                    deducted_minor: p.deductions.iter().map(|d| d.amount_minor).sum(),
                    net_minor: p.net_minor,
                })
                .collect();
            print(render(&rows, format)?);
            if format == Format::Table {
                println!(
                    "cobro {reference}: {} = {} netos a socios + {} descontados; por cobrar {}",
                    pesos(out.payment_minor),
                    pesos(out.net_minor),
                    pesos(out.deducted_minor),
                    pesos(out.outstanding_minor)
                );
            }
        }
        OrderCommand::Show { org, id, format } => {
            let org = org_id(app, &org).await?;
            let o = app.sales_order(org, &id).await?;
            let md = o.member_deliveries()?;
            let lines: Vec<OrderLine> = md
                .iter()
                .map(|d| {
                    let inv_line = o
                        .invoice
                        .as_ref()
                        .and_then(|i| i.lines.iter().find(|l| l.member == d.member));
                    OrderLine {
                        member: d.member,
                        assigned_units: d.assigned_units,
                        accepted_units: d.accepted_units,
                        rejected_units: d.rejected_units,
                        invoiced_minor: inv_line.map_or(0, |l| l.value_minor),
                        collected_minor: inv_line.map_or(0, |l| l.collected_minor),
                    }
                })
                .collect();
            print(render(&lines, format)?);
        }
        OrderCommand::Payouts { org, id, format } => {
            let org = org_id(app, &org).await?;
            let o = app.sales_order(org, &id).await?;
            let lines: Vec<PayoutRow> = o
                .payouts
                .iter()
                .flat_map(|p| {
                    p.lines.iter().map(|l| PayoutRow {
                        payment: p.reference.clone(),
                        date: p.date,
                        member: l.member,
                        gross_minor: l.gross_minor,
                        advance_minor: l.advance_minor,
                        fund_minor: l.fund_minor,
                        profit_share_minor: l.profit_share_minor,
                        purchases_minor: l.purchases_minor,
                        net_minor: l.net_minor,
                    })
                })
                .collect();
            print(render(&lines, format)?);
        }
        OrderCommand::Report {
            org,
            by: report_by,
            format,
        } => {
            let org = org_id(app, &org).await?;
            match report_by {
                ReportBy::Member => print(render(&app.sales_by_member(org).await?, format)?),
                ReportBy::Buyer => print(render(&app.sales_by_buyer(org).await?, format)?),
                ReportBy::Channel => print(render(&app.channelled_report(org).await?, format)?),
            }
        }
    }
    Ok(())
}

pub async fn outlet(app: &App, command: OutletCommand) -> anyhow::Result<()> {
    match command {
        OutletCommand::Open {
            org,
            code,
            name,
            commission,
        } => {
            let org = org_id(app, &org).await?;
            app.open_outlet(
                org,
                &by(),
                OutletInput {
                    code: code.clone(),
                    name,
                    commission_rate: commission,
                },
            )
            .await?;
            println!("tienda {code} abierta");
        }
        OutletCommand::Consign {
            org,
            code,
            member,
            product,
            units,
            unit_price_minor,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.consign(
                org,
                &by(),
                &code,
                member,
                &product,
                units,
                unit_price_minor,
                &reference,
            )
            .await?;
            println!("consignación {reference}: {units} {product} del socio {member}");
        }
        OutletCommand::Sell {
            org,
            code,
            member,
            product,
            units,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            let sold = app
                .outlet_sale(org, &by(), &code, member, &product, units, date, &reference)
                .await?;
            println!(
                "venta {reference}: {} (comisión {}, al socio {})",
                pesos(sold.gross_minor),
                pesos(sold.commission_minor),
                pesos(sold.share_minor)
            );
        }
        OutletCommand::Settle {
            org,
            code,
            member,
            amount_minor,
            date,
            reference,
        } => {
            let org = org_id(app, &org).await?;
            app.settle_outlet_member(org, &by(), &code, member, amount_minor, date, &reference)
                .await?;
            println!(
                "liquidación {reference} al socio {member}: {}",
                pesos(amount_minor)
            );
        }
        OutletCommand::Count {
            org,
            code,
            date,
            reference,
            file,
            format,
        } => {
            let org = org_id(app, &org).await?;
            #[derive(serde::Deserialize)]
            struct CountRow {
                member: i64,
                product: String,
                units: u64,
            }
            let rows: Vec<CountRow> = read_csv(&file)?;
            let diffs = app
                .count_outlet(
                    org,
                    &by(),
                    &code,
                    rows.into_iter()
                        .map(|r| (r.member, r.product, r.units))
                        .collect(),
                    date,
                    &reference,
                )
                .await?;
            #[derive(Serialize)]
            struct Row {
                member: i64,
                product: String,
                expected_units: u64,
                counted_units: u64,
                difference_units: i64,
                value_minor: i64,
            }
            let rows: Vec<Row> = diffs
                .into_iter()
                .map(|d| Row {
                    member: d.member,
                    product: d.product,
                    expected_units: d.expected_units,
                    counted_units: d.counted_units,
                    difference_units: d.difference_units,
                    value_minor: d.value_minor,
                })
                .collect();
            print(render(&rows, format)?);
            if format == Format::Table {
                println!("conteo {reference}: {} diferencia(s)", rows.len());
            }
        }
        OutletCommand::Show { org, code, format } => {
            let org = org_id(app, &org).await?;
            let o = app.outlet(org, &code).await?;
            #[derive(Serialize)]
            struct Row {
                member: i64,
                product: String,
                units: u64,
                unit_price_minor: i64,
                owed_to_member_minor: i64,
            }
            let rows: Vec<Row> = o
                .stock
                .lines
                .iter()
                .map(|((member, product), line)| Row {
                    member: *member,
                    product: product.clone(),
                    units: line.units,
                    unit_price_minor: line.unit_price_minor,
                    owed_to_member_minor: o.owed.get(member).copied().unwrap_or(0),
                })
                .collect();
            print(render(&rows, format)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pesos_group_thousands() {
        assert_eq!(pesos(123_456_789), "1,234,567.89");
        assert_eq!(pesos(-5), "-0.05");
        assert_eq!(pesos(100_000), "1,000.00");
    }

    #[test]
    fn reports_render_as_table_csv_and_json() {
        #[derive(Serialize)]
        struct Row {
            member: i64,
            saving_minor: i64,
        }
        let rows = [Row {
            member: 7,
            saving_minor: 123_456,
        }];
        expect_test::expect![[r#"
            member    saving
                 7  1,234.56
        "#]]
        .assert_eq(&render(&rows, Format::Table).unwrap());
        expect_test::expect![[r#"
            member,saving_minor
            7,123456
        "#]]
        .assert_eq(&render(&rows, Format::Csv).unwrap());
        assert!(render(&rows, Format::Json)
            .unwrap()
            .contains("\"saving_minor\": 123456"));
    }
}
