//! The Fund's commands (issue 3): `plan`, `report`, `close`, `fund`, `statement`.
//! Each opens the store, calls the app, prints the result (Spanish first). Bad input exits 65
//! with the rule and field named; nothing is written.

use crate::config::Settings;
use crate::terminal::escape_controls;
use app::fund_cases::ops::FundOpOutcome;
use app::fund_cases::plans::{parse_measure, parse_service, parse_status};
use app::fund_cases::{Audit, CloseOptions, OrgCloseReport, PlanCommand, ReportInput};
use app::{App, AppError, FactDate};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use fund::{
    CompetitionCategory, NewBusinessPlan, Period, PeriodSettings, Reporter, Target,
    WithdrawalPurpose,
};
use ledger::{Currency, Money};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum FundCli {
    /// Business plans (R-PLAN-1).
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Income reports (R-PLAN-2).
    #[command(subcommand)]
    Report(ReportCmd),
    /// Close a period: contributions (R-FUND-1/2), profit share (R-PLAN-3), flags (R-PLAN-4).
    Close(CloseArgs),
    /// The Fund: grants, temporary contributions, spending, withdrawals, payments.
    #[command(subcommand)]
    Fund(FundCmd),
    /// Statements of a member or of the ODF (R-SUP-4).
    #[command(subcommand)]
    Statement(StatementCmd),
}

#[derive(Subcommand, Debug)]
pub enum PlanCmd {
    /// Agree a member's business plan.
    Agree {
        #[arg(long)]
        org: String,
        #[arg(long)]
        member: i64,
        /// Monthly revenue before joining, in pesos (1234.50).
        #[arg(long)]
        baseline_revenue: String,
        /// Monthly profit before joining (may be negative).
        #[arg(long, allow_hyphen_values = true)]
        baseline_profit: String,
        /// revenue or profit.
        #[arg(long, default_value = "revenue")]
        target_measure: String,
        #[arg(long)]
        target: String,
        /// Date the target is due (YYYY-MM-DD).
        #[arg(long)]
        by: NaiveDate,
        /// A measure (repeat).
        #[arg(long = "measure", required = true)]
        measures: Vec<String>,
        /// A service of the ODF (repeat): purchasing, sales, administration, credit, leasing,
        /// training, information.
        #[arg(long = "service")]
        services: Vec<String>,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// End a plan: succeeded, failed or abandoned.
    Status {
        #[arg(long)]
        org: String,
        #[arg(long)]
        plan: i64,
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Revise a plan's target.
    Target {
        #[arg(long)]
        org: String,
        #[arg(long)]
        plan: i64,
        #[arg(long, default_value = "revenue")]
        measure: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        by: NaiveDate,
        #[arg(long)]
        reason: String,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// List the organisation's plans.
    List {
        #[arg(long)]
        org: String,
        /// Only the active plans flagged for review (R-PLAN-4): no positive increment for the
        /// setting's consecutive periods (3) up to the last closed period.
        #[arg(long)]
        flagged: bool,
    },
    /// One plan with its history.
    Show {
        #[arg(long)]
        org: String,
        #[arg(long)]
        plan: i64,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ReportFigures {
    #[arg(long)]
    pub org: String,
    /// YYYY-MM.
    #[arg(long)]
    pub period: String,
    #[arg(long)]
    pub member: i64,
    /// Revenue of the period in pesos.
    #[arg(long, allow_hyphen_values = true)]
    pub revenue: String,
    /// Profit of the period (may be negative).
    #[arg(long, allow_hyphen_values = true)]
    pub profit: String,
    /// Filed by staff (their role-assignment id), for a micro-producer.
    #[arg(long)]
    pub staff: Option<i64>,
    /// The day it was filed (YYYY-MM-DD; default today in America/Mexico_City); the period
    /// stays the period.
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Subcommand, Debug)]
pub enum ReportCmd {
    /// File a member's report.
    Add(ReportFigures),
    /// Correct a member's report (a new report that supersedes it).
    Correct {
        #[command(flatten)]
        figures: ReportFigures,
        #[arg(long)]
        reason: String,
    },
    /// Import a period's reports from CSV, all or nothing.
    Import {
        #[arg(long)]
        org: String,
        #[arg(long)]
        period: String,
        /// Staff id for rows marked `staff`.
        #[arg(long, default_value_t = 0)]
        staff: i64,
        /// The day the reports were filed (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct CloseArgs {
    /// The period to close (YYYY-MM).
    #[arg(long)]
    pub period: String,
    /// One organisation's slug.
    #[arg(long, conflicts_with = "all")]
    pub org: Option<String>,
    /// Every organisation.
    #[arg(long)]
    pub all: bool,
    /// Compute and show, write nothing.
    #[arg(long)]
    pub preview: bool,
    /// Organisations closed at the same time (with --all); default 4 on SQLite, 8 on
    /// PostgreSQL.
    #[arg(long)]
    pub concurrency: Option<usize>,
}

#[derive(Subcommand, Debug)]
pub enum FundCmd {
    /// A grant enters the Fund (R-FUND-1, R-FUND-2).
    Grant {
        #[arg(long)]
        org: String,
        /// Receipt number (repeating it is a no-op).
        #[arg(long = "ref")]
        reference: String,
        #[arg(long)]
        donor: String,
        #[arg(long)]
        amount: String,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// A temporary contribution, owed back (R-FUND-1).
    Temporary {
        #[arg(long)]
        org: String,
        #[arg(long = "ref")]
        reference: String,
        #[arg(long)]
        contributor: String,
        #[arg(long)]
        amount: String,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Return a temporary contribution.
    Return {
        #[arg(long)]
        org: String,
        #[arg(long = "ref")]
        reference: String,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Pay from the Competition Sub-Fund (R-FUND-3) under a board decision.
    Spend {
        #[arg(long)]
        org: String,
        #[arg(long = "ref")]
        reference: String,
        /// One of the R-FUND-3 categories (e.g. trade_fairs_sales_promotion).
        #[arg(long)]
        category: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        decision: Option<i64>,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// A member's withdrawal from the Development Sub-Fund (R-FUND-4, R-FUND-5).
    Withdraw {
        #[arg(long)]
        org: String,
        #[arg(long = "ref")]
        reference: String,
        #[arg(long)]
        member: i64,
        /// medical, children_education, housing, retirement, community_public_works.
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        decision: Option<i64>,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// A member pays what the closes made them owe (contributions, then profit share).
    Pay {
        #[arg(long)]
        org: String,
        #[arg(long = "ref")]
        reference: String,
        #[arg(long)]
        member: i64,
        /// At most this much (default: everything owed).
        #[arg(long)]
        amount: Option<String>,
        /// Deduct it from what the ODF owes the member for sales.
        #[arg(long)]
        deduct: bool,
        /// The day it happened (YYYY-MM-DD; default today in America/Mexico_City).
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// The Fund's position.
    Show {
        #[arg(long)]
        org: String,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum StatementCmd {
    /// A member's statement.
    Member {
        #[arg(long)]
        org: String,
        #[arg(long)]
        member: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The ODF's statement for a period.
    Odf {
        #[arg(long)]
        org: String,
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The trial balance: every account's debit or credit, with totals (crate::check_cmd).
    TrialBalance {
        #[arg(long)]
        org: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Today in America/Mexico_City (the programme's time zone).
fn today() -> NaiveDate {
    app::fact_date::mexico_city_today(chrono::Utc::now())
}

/// The date a fact happened: `--on`, or today in America/Mexico_City (checked by the app).
pub(crate) fn fact_date(on: Option<NaiveDate>) -> FactDate {
    FactDate::new(on, today())
}

fn money(text: &str, currency: Currency, field: &'static str) -> Result<i64, AppError> {
    Ok(Money::parse_major(text, currency, field)?.amount_minor())
}

fn period(text: &str) -> Result<Period, AppError> {
    Ok(Period::parse(text, PeriodSettings::default())?)
}

fn pesos(minor: i64) -> String {
    Money::mxn(minor).to_major_string()
}

async fn org_of(app: &App, slug: &str) -> anyhow::Result<store::Org> {
    Ok(app.store().org_by_slug(slug).await?)
}

pub async fn run(command: FundCli, settings: &Settings) -> anyhow::Result<()> {
    let app = App::new(crate::backend::open(&settings.database_url).await?);
    let audit = Audit::cli();
    match command {
        FundCli::Plan(c) => plan(&app, c, &audit).await,
        FundCli::Report(c) => report(&app, c, &audit).await,
        FundCli::Close(a) => {
            let default = crate::backend::kind(&settings.database_url).close_concurrency();
            close(&app, a, default, &audit).await
        }
        FundCli::Fund(c) => fund_cmd(&app, c, &audit).await,
        FundCli::Statement(c) => statement(&app, c).await,
    }
}

async fn plan(app: &App, c: PlanCmd, audit: &Audit) -> anyhow::Result<()> {
    match c {
        PlanCmd::Agree {
            org,
            member,
            baseline_revenue,
            baseline_profit,
            target_measure,
            target,
            by,
            measures,
            services,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let cur = org.data.currency;
            let new = NewBusinessPlan {
                member_id: member,
                baseline_revenue: Money::new(
                    money(&baseline_revenue, cur, "baseline_revenue")?,
                    cur,
                ),
                baseline_profit: Money::new(money(&baseline_profit, cur, "baseline_profit")?, cur),
                target: Target {
                    measure: parse_measure(&target_measure)?,
                    amount: Money::new(money(&target, cur, "target")?, cur),
                    by,
                },
                measures,
                services: services
                    .iter()
                    .map(|s| parse_service(s))
                    .collect::<Result<_, _>>()?,
            };
            let p = app.agree_plan(org.id, new, fact_date(on), audit).await?;
            println!("plan {}: acordado para el socio {}", p.id, p.member_id);
        }
        PlanCmd::Status {
            org,
            plan,
            to,
            reason,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let to = parse_status(&to)?;
            let p = app
                .change_plan(
                    org.id,
                    plan,
                    PlanCommand::Status { to, reason },
                    fact_date(on),
                    audit,
                )
                .await?;
            println!("plan {}: {}", p.id, p.status.as_str());
        }
        PlanCmd::Target {
            org,
            plan,
            measure,
            amount,
            by,
            reason,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let cur = org.data.currency;
            let target = Target {
                measure: parse_measure(&measure)?,
                amount: Money::new(money(&amount, cur, "amount")?, cur),
                by,
            };
            let p = app
                .change_plan(
                    org.id,
                    plan,
                    PlanCommand::Target { target, reason },
                    fact_date(on),
                    audit,
                )
                .await?;
            println!("plan {}: meta revisada", p.id);
        }
        PlanCmd::List { org, flagged: true } => {
            let org = org_of(app, &org).await?;
            let (last, flagged) = app.flagged_plans(org.id).await?;
            match last {
                Some(p) => println!("planes marcados para revisión (R-PLAN-4) al cierre de {p}"),
                None => {
                    println!("planes marcados para revisión (R-PLAN-4): ningún periodo cerrado")
                }
            }
            println!("plan\tsocio\tnombre\tperiodos_sin_incremento");
            for f in flagged {
                println!(
                    "{}\t{}\t{}\t{}",
                    f.flag.plan_id,
                    f.flag.member_id,
                    f.member_name,
                    periods_text(&f.flag.periods)
                );
            }
        }
        PlanCmd::List {
            org,
            flagged: false,
        } => {
            let org = org_of(app, &org).await?;
            println!("plan\tsocio\testado\tingreso_base\tutilidad_base\tmeta\tfecha_meta");
            for p in app.plans(org.id).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.id,
                    p.member_id,
                    p.status.as_str(),
                    p.baseline_revenue.to_major_string(),
                    p.baseline_profit.to_major_string(),
                    p.target.amount.to_major_string(),
                    p.target.by
                );
            }
        }
        PlanCmd::Show { org, plan } => {
            let org = org_of(app, &org).await?;
            let p = app.plan(org.id, plan).await?;
            println!(
                "plan {} socio {} estado {} base {} / {} meta {} para {}",
                p.id,
                p.member_id,
                p.status.as_str(),
                p.baseline_revenue,
                p.baseline_profit,
                p.target.amount,
                p.target.by
            );
            for m in &p.measures {
                println!("  medida: {m}");
            }
            for h in &p.history {
                println!("  {} {:?} {}", h.on, h.kind, h.reason);
            }
        }
    }
    Ok(())
}

fn input(f: &ReportFigures, currency: Currency) -> Result<ReportInput, AppError> {
    Ok(ReportInput {
        member_id: f.member,
        revenue_minor: money(&f.revenue, currency, "revenue")?,
        profit_minor: money(&f.profit, currency, "profit")?,
        reported_by: match f.staff {
            Some(staff_id) => Reporter::Staff { staff_id },
            None => Reporter::Member,
        },
    })
}

async fn report(app: &App, c: ReportCmd, audit: &Audit) -> anyhow::Result<()> {
    match c {
        ReportCmd::Add(f) => {
            let org = org_of(app, &f.org).await?;
            let p = period(&f.period)?;
            let r = app
                .file_report(
                    org.id,
                    p,
                    input(&f, org.data.currency)?,
                    None,
                    fact_date(f.on),
                    audit,
                )
                .await?;
            println!("informe {}: socio {} {}", r.id, r.member_id, r.period);
        }
        ReportCmd::Correct { figures, reason } => {
            let org = org_of(app, &figures.org).await?;
            let p = period(&figures.period)?;
            let r = app
                .correct_report(
                    org.id,
                    p,
                    input(&figures, org.data.currency)?,
                    &reason,
                    fact_date(figures.on),
                    audit,
                )
                .await?;
            println!(
                "informe {}: corrige al {} (socio {} {})",
                r.id,
                r.supersedes.unwrap_or(0),
                r.member_id,
                r.period
            );
        }
        ReportCmd::Import {
            org,
            period: p,
            staff,
            on,
            file,
        } => {
            let org = org_of(app, &org).await?;
            let p = period(&p)?;
            let text = crate::input::read_text(
                &file,
                4 * 1024 * 1024,
                "divídalo en archivos de 10,000 informes como máximo",
            )?;
            let outcome = app
                .import_reports_csv(org.id, p, &text, staff, fact_date(on), audit)
                .await?;
            println!(
                "import: {} informes nuevos, {} ya registrados sin cambio",
                outcome.created, outcome.unchanged
            );
        }
    }
    Ok(())
}

fn periods_text(periods: &[Period]) -> String {
    periods
        .iter()
        .map(Period::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The plans a close flagged for the first time (R-PLAN-4), one line each with the member's
/// name.
async fn print_newly_flagged(
    app: &App,
    org: &store::Org,
    r: &OrgCloseReport,
) -> anyhow::Result<()> {
    for (plan_id, member_id) in &r.plans_newly_flagged {
        let m = app.store().member(org.id, *member_id).await?;
        println!(
            "  plan {plan_id} marcado para revisión (R-PLAN-4): socio {member_id} {} {}",
            m.data.given_names, m.data.surnames
        );
    }
    Ok(())
}

fn print_close(slug: &str, r: &OrgCloseReport) {
    let state = if r.already_closed {
        "ya estaba cerrado: nada cambió"
    } else if r.preview {
        "vista previa: nada se escribió"
    } else {
        "cerrado"
    };
    println!(
        "{slug} {}: {state}; {} socios informaron, {} sobre su base; aportación {} (desarrollo {}, competitividad {}); participación ODF {}; {} asientos; ajustes {} ({}); planes marcados R-PLAN-4: {} ({} nuevos)",
        r.period,
        r.members_reporting,
        r.members_above_baseline,
        pesos(r.contribution.total()),
        pesos(r.contribution.development_minor),
        pesos(r.contribution.competition_minor),
        pesos(r.profit_share_minor),
        r.entries,
        r.adjustment_lines,
        r.adjusted_periods.join(" "),
        r.plans_flagged.len(),
        r.plans_newly_flagged.len()
    );
}

async fn close(
    app: &App,
    a: CloseArgs,
    default_concurrency: usize,
    audit: &Audit,
) -> anyhow::Result<()> {
    let p = period(&a.period)?;
    let options = CloseOptions {
        preview: a.preview,
        concurrency: a.concurrency.unwrap_or(default_concurrency),
        ..CloseOptions::default()
    };
    match (a.org, a.all) {
        (Some(slug), false) => {
            let org = org_of(app, &slug).await?;
            let r = app.close_period(org.id, p, today(), options, audit).await?;
            print_close(&slug, &r);
            print_newly_flagged(app, &org, &r).await?;
        }
        (None, true) => {
            let outcomes = app.close_all(p, today(), options, audit).await?;
            let mut first_error = None;
            for (org, outcome) in outcomes {
                match outcome {
                    Ok(r) => {
                        print_close(&org.data.slug, &r);
                        print_newly_flagged(app, &org, &r).await?;
                    }
                    Err(e) => {
                        eprintln!("{}: {e}", org.data.slug);
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e.into());
            }
        }
        _ => {
            return Err(AppError::Field(registry::FieldError::new(
                "org",
                "name one organisation with --org SLUG or close all with --all",
            ))
            .into())
        }
    }
    Ok(())
}

fn print_op(what: &str, o: &FundOpOutcome) {
    if o.replay {
        println!("{what}: ya registrado ({}); nada cambió", o.key);
    } else {
        println!("{what}: registrado ({})", o.key);
    }
}

async fn fund_cmd(app: &App, c: FundCmd, audit: &Audit) -> anyhow::Result<()> {
    match c {
        FundCmd::Grant {
            org,
            reference,
            donor,
            amount,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let amount = money(&amount, org.data.currency, "amount")?;
            let o = app
                .receive_grant(org.id, &reference, &donor, amount, fact_date(on), audit)
                .await?;
            print_op("donativo", &o);
        }
        FundCmd::Temporary {
            org,
            reference,
            contributor,
            amount,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let amount = money(&amount, org.data.currency, "amount")?;
            let o = app
                .receive_temporary(
                    org.id,
                    &reference,
                    &contributor,
                    amount,
                    fact_date(on),
                    audit,
                )
                .await?;
            print_op("aportación temporal", &o);
        }
        FundCmd::Return { org, reference, on } => {
            let org = org_of(app, &org).await?;
            let o = app
                .return_temporary(org.id, &reference, fact_date(on), audit)
                .await?;
            print_op("devolución", &o);
        }
        FundCmd::Spend {
            org,
            reference,
            category,
            description,
            amount,
            decision,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let category = CompetitionCategory::parse(&category).map_err(AppError::from)?;
            let amount = money(&amount, org.data.currency, "amount")?;
            let o = app
                .spend_competition(
                    org.id,
                    &reference,
                    category,
                    &description,
                    amount,
                    decision,
                    fact_date(on),
                    audit,
                )
                .await?;
            print_op("gasto del Subfondo de Competitividad", &o);
        }
        FundCmd::Withdraw {
            org,
            reference,
            member,
            purpose,
            amount,
            decision,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let purpose = WithdrawalPurpose::parse(&purpose).map_err(AppError::from)?;
            let amount = money(&amount, org.data.currency, "amount")?;
            let o = app
                .withdraw_development(
                    org.id,
                    &reference,
                    member,
                    purpose,
                    amount,
                    decision,
                    fact_date(on),
                    audit,
                )
                .await?;
            print_op("retiro del Subfondo de Desarrollo", &o);
        }
        FundCmd::Pay {
            org,
            reference,
            member,
            amount,
            deduct,
            on,
        } => {
            let org = org_of(app, &org).await?;
            let limit = match amount {
                Some(a) => Some(money(&a, org.data.currency, "amount")?),
                None => None,
            };
            let s = app
                .settle_member_debts(
                    org.id,
                    member,
                    &reference,
                    limit,
                    deduct,
                    fact_date(on),
                    audit,
                )
                .await?;
            if s.replay {
                println!("pago: ya registrado; nada cambió");
            } else {
                println!(
                    "pago: aportaciones {} y participación {}",
                    pesos(s.contribution_minor),
                    pesos(s.profit_share_minor)
                );
            }
        }
        FundCmd::Show { org } => {
            let org = org_of(app, &org).await?;
            let s = app.fund_state(org.id).await?;
            let sub = s.sub_funds();
            println!("Subfondo de Desarrollo\t{}", pesos(sub.development_minor));
            println!(
                "Subfondo de Competitividad\t{}",
                pesos(sub.competition_minor)
            );
            println!("Fondo\t{}", pesos(sub.total()));
            println!(
                "Fideicomiso (efectivo)\t{} / {}",
                pesos(s.trust.development_minor),
                pesos(s.trust.competition_minor)
            );
            println!(
                "Aportaciones temporales por devolver\t{}",
                pesos(s.temporary_outstanding_minor())
            );
        }
    }
    Ok(())
}

/// Label / value rows, printed as a table, CSV or (for JSON) the statement itself.
fn print_rows(format: Format, rows: &[(String, String)], json: String) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => writeln!(out, "{json}")?,
        Format::Csv => {
            writeln!(out, "concepto,valor")?;
            for (k, v) in rows {
                let (k, v) = (escape_controls(k), escape_controls(v));
                writeln!(out, "{},{}", csv_cell(&k), csv_cell(&v))?;
            }
        }
        Format::Table => {
            let width = rows
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            for (k, v) in rows {
                let (k, v) = (escape_controls(k), escape_controls(v));
                writeln!(out, "{k:<width$}  {v:>16}")?;
            }
        }
    }
    Ok(())
}

pub(crate) fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A lease on a member's statement: once bought, the day and the price (R-LEASE-1).
fn lease_line(l: &app::credit_cases::LeaseSummary) -> String {
    match (&l.purchase, l.status) {
        (Some(p), _) => format!(
            "comprado el {} en {} (propiedad del socio {})",
            p.on.0,
            pesos(p.price_minor),
            p.member_id
        ),
        (None, "rent_paid") => "rentas pagadas, opción de compra abierta".to_string(),
        (None, _) => format!("vigente, por pagar {}", pesos(l.outstanding_minor)),
    }
}

async fn statement(app: &App, c: StatementCmd) -> anyhow::Result<()> {
    match c {
        StatementCmd::TrialBalance { org, format } => {
            crate::check_cmd::trial_balance(app, &org, format).await
        }
        StatementCmd::Member {
            org,
            member,
            format,
        } => {
            let org = org_of(app, &org).await?;
            let s = app.member_fund_statement(org.id, member).await?;
            let st = &s.statement;
            let mut rows = vec![
                ("socio".to_string(), format!("{} {}", member, s.member_name)),
                (
                    "plan".into(),
                    s.plan_id.map_or("-".into(), |p| p.to_string()),
                ),
                ("ingreso base".into(), pesos(st.baseline_revenue_minor)),
                ("utilidad base".into(), pesos(st.baseline_profit_minor)),
            ];
            for p in &st.periods {
                rows.push((
                    format!("{} ingreso / nuevo", p.period),
                    format!(
                        "{} / {}",
                        pesos(p.revenue_minor),
                        pesos(p.new_revenue_minor)
                    ),
                ));
                rows.push((
                    format!("{} aportación / participación", p.period),
                    format!(
                        "{} / {}",
                        pesos(p.contribution_minor),
                        pesos(p.profit_share_minor)
                    ),
                ));
            }
            rows.extend([
                (
                    "aportaciones debidas".to_string(),
                    pesos(st.contributions_owed.total()),
                ),
                (
                    "aportaciones pagadas".into(),
                    pesos(st.contributions_paid.total()),
                ),
                (
                    "aportaciones pendientes".into(),
                    pesos(st.contributions_outstanding_minor),
                ),
                (
                    "participación debida / pagada".into(),
                    format!(
                        "{} / {}",
                        pesos(st.profit_share_owed_minor),
                        pesos(st.profit_share_paid_minor)
                    ),
                ),
                (
                    "derecho individual (R-FUND-5)".into(),
                    pesos(st.entitlement.available_minor),
                ),
                ("retirado".into(), pesos(st.withdrawn_minor)),
                ("cuotas vencidas".into(), pesos(s.dues_arrears_minor)),
                (
                    "duplicó su ingreso (R-SUP-4)".into(),
                    if st.at_least_doubled { "sí" } else { "no" }.into(),
                ),
            ]);
            // The leases the member holds (R-LEASE-1): what is owed, or when they bought it.
            let leases = app.member_leases(org.id, member).await?;
            for l in &leases {
                rows.push((
                    format!("arrendamiento {} ({})", l.lease_id, l.asset),
                    lease_line(l),
                ));
            }
            let mut json = serde_json::to_value(&s)?;
            if let Some(obj) = json.as_object_mut() {
                obj.insert("leases".into(), serde_json::to_value(&leases)?);
            }
            print_rows(format, &rows, serde_json::to_string_pretty(&json)?)
        }
        StatementCmd::Odf {
            org,
            period: p,
            format,
        } => {
            let org = org_of(app, &org).await?;
            let p = period(&p)?;
            let s = app.odf_fund_statement(org.id, p).await?;
            let rows = vec![
                ("periodo".to_string(), p.to_string()),
                (
                    "Subfondo de Desarrollo".into(),
                    pesos(s.development.balance_minor),
                ),
                (
                    "Subfondo de Competitividad".into(),
                    pesos(s.competition.balance_minor),
                ),
                ("Fondo".into(), pesos(s.fund_total_minor)),
                (
                    "donativos".into(),
                    pesos(s.development.grants_minor + s.competition.grants_minor),
                ),
                (
                    "gastado (Competitividad)".into(),
                    pesos(s.competition.used_minor),
                ),
                (
                    "retirado (Desarrollo)".into(),
                    pesos(s.development.used_minor),
                ),
                (
                    "aportaciones por cobrar".into(),
                    pesos(s.members_unpaid_contributions_minor),
                ),
                (
                    "participación ODF (25%) debida / cobrada".into(),
                    format!(
                        "{} / {}",
                        pesos(s.profit_share_income_minor),
                        pesos(s.profit_share_collected_minor)
                    ),
                ),
                ("socios con plan".into(), s.members.to_string()),
                (
                    "socios que informaron".into(),
                    s.members_reporting.to_string(),
                ),
                (
                    "socios sobre su base (R-SUP-4)".into(),
                    s.members_above_baseline.to_string(),
                ),
                (
                    "socios que duplicaron su ingreso (R-SUP-4)".into(),
                    s.members_doubled.to_string(),
                ),
                (
                    "ingreso ahora / base de quienes informaron".into(),
                    format!(
                        "{} / {}",
                        pesos(i64::try_from(s.revenue_now_minor).unwrap_or(i64::MAX)),
                        pesos(
                            i64::try_from(s.baseline_revenue_of_reporting_minor)
                                .unwrap_or(i64::MAX)
                        )
                    ),
                ),
                (
                    "avisos de incumplimiento (R-FUND-6)".into(),
                    s.notices.len().to_string(),
                ),
            ];
            let json = serde_json::to_string_pretty(&s)?;
            print_rows(format, &rows, json)
        }
    }
}
