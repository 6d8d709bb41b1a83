//! `tequio loan ...`, `tequio line ...`, `tequio lease ...`: credit and leasing from the
//! terminal (R-CRED-1..6, R-LEASE-1..2). Every command calls the app; errors name the flag.

use app::credit_cases::{LineState, LoanApplication, LoanState, OpenLineCmd, QuoteForm, Scope};
use app::{Actor, App, AppError};
use clap::{Args, Subcommand, ValueEnum};
use registry::FieldError;

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum LoanCommand {
    /// Loan quote (simulador de crédito, R-CRED-4): the full schedule, totals and CAT,
    /// without creating anything.
    Quote(Box<QuoteArgs>),
    /// Record a loan the board approved (R-CRED-3/4/5, R-GOV-2); the terms as for `quote`.
    Apply(Box<ApplyArgs>),
    /// Disburse an approved loan on its start date (draws the line).
    Disburse(LoanRef),
    /// A payment received (late interest, fees, interest, principal; excess prepays).
    Repay(RepayArgs),
    /// A loan's schedule, what is paid and what is due.
    Show(ShowLoanArgs),
    /// Delinquency, aging, PAR30/PAR90 and repayment rate of one ODF or the programme.
    Portfolio(PortfolioArgs),
    /// R-FUND-6 daily run: the trust pays installments due, reviews fall due (idempotent).
    RunDay(RunDayArgs),
}

#[derive(Subcommand, Debug)]
pub enum LineCommand {
    /// Open the credit line at up to 2x the first three months' deposits (R-CRED-1).
    Open(LineOpenArgs),
    /// Do every semiannual review due by --on (R-CRED-2).
    Review(LineOnArgs),
    /// Draw on the line into the ODF's bank.
    Draw(LineDrawArgs),
    /// The ODF repays its lender.
    Repay(LineRepayArgs),
    /// Move the line and its loans to another lender (R-CRED-6).
    Transfer(LineTransferArgs),
    /// The line: limit, drawn, available and the history of limits with reasons.
    Show(LineShowArgs),
}

#[derive(Subcommand, Debug)]
pub enum LeaseCommand {
    /// The ODF buys an asset with the line and leases it to a member (R-LEASE-1).
    Start(LeaseStartArgs),
    /// Rent received from the current lessee.
    Rent(LeaseRentArgs),
    /// Pass the asset and the remaining rents to another member (R-LEASE-2: on default,
    /// or with --decision).
    Transfer(LeaseTransferArgs),
    /// The lessee pays the symbolic price after the last rent and the asset is theirs
    /// (R-LEASE-1); repeating it with the same --ref and --on changes nothing.
    Buy(LeaseBuyArgs),
    /// A lease: lessee, owner, rents paid and due, history.
    Show(LeaseShowArgs),
}

#[derive(Args, Debug, Clone)]
pub struct LeaseStartArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub lease: i64,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    #[arg(long)]
    pub member: i64,
    /// The board decision about `lease:<id>`.
    #[arg(long)]
    pub decision: i64,
    /// What the asset is.
    #[arg(long)]
    pub asset: String,
    /// Cost in pesos (the rent schedule's principal).
    #[arg(long)]
    pub cost: String,
    /// The line's nominal annual rate, e.g. 18%.
    #[arg(long)]
    pub rate: String,
    #[arg(long)]
    pub installments: String,
    /// Purchase date, YYYY-MM-DD.
    #[arg(long)]
    pub start: String,
}

#[derive(Args, Debug, Clone)]
pub struct LeaseRentArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub lease: i64,
    #[arg(long)]
    pub amount: String,
    #[arg(long)]
    pub on: String,
    #[arg(long = "ref")]
    pub reference: String,
}

#[derive(Args, Debug, Clone)]
pub struct LeaseTransferArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub lease: i64,
    /// The member who takes it over.
    #[arg(long)]
    pub to: i64,
    #[arg(long)]
    pub on: String,
    /// A board decision about `lease-transfer:<id>` (not needed after a default).
    #[arg(long)]
    pub decision: Option<i64>,
}

#[derive(Args, Debug, Clone)]
pub struct LeaseBuyArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub lease: i64,
    /// The member paying (default: the current lessee; anyone else is refused).
    #[arg(long)]
    pub member: Option<i64>,
    /// The day the price was paid, YYYY-MM-DD (default: today; not a future date).
    #[arg(long)]
    pub on: Option<String>,
    /// The payment's reference (default: `compra`).
    #[arg(long = "ref", default_value = "compra")]
    pub reference: String,
}

#[derive(Args, Debug, Clone)]
pub struct LeaseShowArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub lease: i64,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct OrgArg {
    /// The organisation's slug.
    #[arg(long)]
    pub org: String,
}

#[derive(Args, Debug, Clone)]
pub struct LineOpenArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    /// Lender code, [a-z0-9-].
    #[arg(long)]
    pub lender: String,
    /// Nominal annual rate of the line, e.g. 18%.
    #[arg(long)]
    pub rate: String,
    /// Limit in pesos (default: the maximum, 2x the initial deposit).
    #[arg(long)]
    pub limit: Option<String>,
    #[arg(long)]
    pub on: String,
}

#[derive(Args, Debug, Clone)]
pub struct LineOnArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    #[arg(long)]
    pub on: String,
}

#[derive(Args, Debug, Clone)]
pub struct LineDrawArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    #[arg(long)]
    pub amount: String,
    #[arg(long)]
    pub on: String,
    /// Your reference (receipt number); the same reference again is not drawn twice.
    #[arg(long = "ref")]
    pub reference: String,
}

#[derive(Args, Debug, Clone)]
pub struct LineRepayArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    #[arg(long)]
    pub principal: String,
    #[arg(long, default_value = "0")]
    pub interest: String,
    #[arg(long)]
    pub on: String,
    #[arg(long = "ref")]
    pub reference: String,
}

#[derive(Args, Debug, Clone)]
pub struct LineTransferArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    /// The new lender's code.
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub on: String,
}

#[derive(Args, Debug, Clone)]
pub struct LineShowArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub org: OrgArg,
    /// The loan's id: the board decision must be about `loan:<id>`.
    #[arg(long)]
    pub loan: i64,
    #[arg(long, default_value_t = 1)]
    pub line: i64,
    /// The borrowing member's id (default: the ODF itself).
    #[arg(long)]
    pub member: Option<i64>,
    /// The board decision (proposal id) that approved the loan.
    #[arg(long)]
    pub decision: i64,
    /// What the business plan recommends, in pesos (R-CRED-3).
    #[arg(long)]
    pub plan_amount: String,
    #[command(flatten)]
    pub terms: QuoteArgs,
}

#[derive(Args, Debug, Clone)]
pub struct LoanRef {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub loan: i64,
}

#[derive(Args, Debug, Clone)]
pub struct RepayArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub loan: i64,
    #[arg(long)]
    pub amount: String,
    #[arg(long)]
    pub on: String,
    #[arg(long = "ref")]
    pub reference: String,
}

#[derive(Args, Debug, Clone)]
pub struct ShowLoanArgs {
    #[command(flatten)]
    pub org: OrgArg,
    #[arg(long)]
    pub loan: i64,
    /// Days past due are counted on this date (default: today).
    #[arg(long)]
    pub on: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct PortfolioArgs {
    /// One organisation (default: programme-wide).
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long)]
    pub on: String,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Args, Debug, Clone)]
pub struct RunDayArgs {
    /// One organisation (default: all).
    #[arg(long)]
    pub org: Option<String>,
    #[arg(long)]
    pub on: String,
}

#[derive(Args, Debug, Clone)]
pub struct QuoteArgs {
    /// Principal in pesos, e.g. 10000.00.
    #[arg(long)]
    pub amount: String,
    /// Nominal rate in percent, e.g. 36% (annual) or 3% with --rate-period monthly.
    #[arg(long)]
    pub rate: String,
    /// annual or monthly.
    #[arg(long, default_value = "annual")]
    pub rate_period: String,
    /// Number of installments.
    #[arg(long)]
    pub installments: String,
    /// weekly, fortnightly or monthly.
    #[arg(long, default_value = "monthly")]
    pub frequency: String,
    /// equal-installments (French) or equal-principal.
    #[arg(long, default_value = "equal-installments")]
    pub method: String,
    /// 30/360 (default: fixed installments a borrower can check by hand) or actual/365.
    #[arg(long, default_value = "30/360")]
    pub day_count: String,
    /// Disbursement date, YYYY-MM-DD.
    #[arg(long)]
    pub start: String,
    /// First due date (default: one period after --start).
    #[arg(long)]
    pub first_due: Option<String>,
    /// Leading installments that pay interest only.
    #[arg(long)]
    pub grace: Option<String>,
    /// Opening fee: an amount (150.00) or a percent of the principal (2%).
    #[arg(long)]
    pub fee: Option<String>,
    /// Fee with every installment, in pesos.
    #[arg(long)]
    pub installment_fee: Option<String>,
    /// Round every installment to a multiple of this many pesos (residue on the last one).
    #[arg(long)]
    pub round_to: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

impl QuoteArgs {
    fn form(&self) -> QuoteForm {
        QuoteForm {
            amount: self.amount.clone(),
            rate: self.rate.clone(),
            rate_period: self.rate_period.clone(),
            installments: self.installments.clone(),
            frequency: self.frequency.clone(),
            method: self.method.clone(),
            day_count: self.day_count.clone(),
            start: self.start.clone(),
            first_due: self.first_due.clone(),
            grace: self.grace.clone(),
            fee: self.fee.clone(),
            installment_fee: self.installment_fee.clone(),
            round_to: self.round_to.clone(),
        }
    }
}

/// The flag a form field comes from, so the message names what the user typed.
fn flag(field: &'static str) -> &'static str {
    match field {
        "amount" => "--amount",
        "rate" => "--rate",
        "rate-period" => "--rate-period",
        "installments" => "--installments",
        "frequency" => "--frequency",
        "method" => "--method",
        "day-count" => "--day-count",
        "start" => "--start",
        "first-due" => "--first-due",
        "grace" => "--grace",
        "fee" => "--fee",
        "installment-fee" => "--installment-fee",
        "round-to" => "--round-to",
        "on" => "--on",
        other => other,
    }
}

/// Renames the field of a field error to its flag; other errors pass through.
fn with_flags(e: AppError) -> AppError {
    match e {
        AppError::Field(f) => AppError::Field(FieldError::new(flag(f.field), f.message)),
        AppError::Rule {
            rule,
            field,
            message,
        } => {
            let named = app::credit_cases::quote::form_field_of_str(&field);
            AppError::Rule {
                rule,
                field: named.map(|f| flag(f).to_string()).unwrap_or(field),
                message,
            }
        }
        other => other,
    }
}

/// Runs `tequio loan quote`; pure, no database is opened.
pub fn quote(args: &QuoteArgs) -> anyhow::Result<()> {
    let form = args.form();
    let input = app::credit_cases::parse_quote_form(&form).map_err(|e| with_flags(e.into()))?;
    let q = app::credit_cases::quote_terms(input).map_err(with_flags)?;
    let text = match args.format {
        OutputFormat::Table => q.to_table(),
        OutputFormat::Csv => q.to_csv(),
        OutputFormat::Json => q.to_json() + "\n",
    };
    print!("{}", crate::terminal::escape_controls(&text));
    Ok(())
}

/// A refusal of `lease buy` names its flag (`--lease`, `--member`, `--on`, `--ref`).
fn purchase_flags(e: AppError) -> AppError {
    let flag = |field: &str| match field {
        "lease_id" => Some("--lease"),
        "member_id" => Some("--member"),
        "on" => Some("--on"),
        "reference" => Some("--ref"),
        _ => None,
    };
    match e {
        AppError::Rule {
            rule,
            field,
            message,
        } => AppError::Rule {
            rule,
            field: flag(&field).map_or(field, str::to_string),
            message,
        },
        AppError::Field(f) => match flag(f.field) {
            Some(name) => AppError::Field(FieldError::new(name, f.message)),
            None => AppError::Field(f),
        },
        other => other,
    }
}

fn flagged<T>(r: Result<T, FieldError>) -> Result<T, AppError> {
    r.map_err(|e| with_flags(e.into()))
}

fn on(text: &str) -> Result<chrono::NaiveDate, AppError> {
    flagged(app::credit_cases::quote::date("on", text)).map_err(|e| match e {
        AppError::Field(f) if f.field == "on" => {
            AppError::Field(FieldError::new("--on", f.message))
        }
        other => other,
    })
}

fn pesos(flag_name: &'static str, text: &str) -> Result<i64, AppError> {
    app::credit_cases::quote::money(flag_name, text).map_err(AppError::Field)
}

fn mx(minor: i64) -> String {
    ledger::Money::new(minor, ledger::Currency::MXN).to_major_string()
}

fn ratio(r: &credit::quality::Ratio) -> String {
    match r.value() {
        Some(v) => format!("{}%", (v * rust_decimal::Decimal::from(100)).round_dp(2)),
        None => "n/a".to_string(),
    }
}

async fn org_id(app: &App, slug: &str) -> anyhow::Result<i64> {
    Ok(app.store().org_by_slug(slug).await?.id)
}

fn print_line(line: &LineState, format: OutputFormat) {
    let l = &line.line;
    match format {
        OutputFormat::Json => {
            let history: Vec<serde_json::Value> = l
                .limit_history
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "date": c.date.to_string(), "from": mx(c.from_minor), "to": mx(c.to_minor),
                        "reason": format!("{:?}", c.reason), "capped": c.capped,
                        "floored_at_drawn": c.floored_at_drawn,
                    })
                })
                .collect();
            let v = serde_json::json!({
                "line": l.id, "lender": l.lender_code, "lenders": line.lenders,
                "initial_deposit": mx(l.initial_deposit_minor), "limit": mx(l.limit_minor),
                "drawn": mx(l.drawn_minor), "available": mx(l.available_minor()),
                "cap": mx(l.cap_minor(&line.settings)), "deposits_source": line.deposits_source,
                "limit_history": history,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        _ => {
            println!(
                "Línea {} con {} (acreedores: {})\nDepósito inicial: {}  Límite: {}  Dispuesto: {}  Disponible: {}  Tope (64x): {}",
                l.id,
                l.lender_code,
                line.lenders.join(" → "),
                mx(l.initial_deposit_minor),
                mx(l.limit_minor),
                mx(l.drawn_minor),
                mx(l.available_minor()),
                mx(l.cap_minor(&line.settings))
            );
            println!("{:<10} {:>14} {:>14}  Motivo", "Fecha", "De", "A");
            for c in &l.limit_history {
                let reason = match c.reason {
                    credit::line::LimitReason::Opened => "apertura (R-CRED-1)",
                    credit::line::LimitReason::ReviewMet => "revisión: compromisos cumplidos",
                    credit::line::LimitReason::ReviewLateButCured => "revisión: atraso ya pagado",
                    credit::line::LimitReason::ReviewNotMet => "revisión: compromisos incumplidos",
                };
                let mut extra = String::new();
                if c.capped {
                    extra.push_str(" [tope 64x]");
                }
                if c.floored_at_drawn {
                    extra.push_str(" [no menos de lo dispuesto]");
                }
                println!(
                    "{:<10} {:>14} {:>14}  {reason}{extra}",
                    c.date.to_string(),
                    mx(c.from_minor),
                    mx(c.to_minor)
                );
            }
        }
    }
}

fn loan_status(s: credit::loan::LoanStatus) -> &'static str {
    match s {
        credit::loan::LoanStatus::Approved => "aprobado",
        credit::loan::LoanStatus::Active => "vigente",
        credit::loan::LoanStatus::Closed => "liquidado",
        credit::loan::LoanStatus::WrittenOff => "castigado",
    }
}

fn print_loan(ls: &LoanState, today: chrono::NaiveDate, format: OutputFormat) {
    let l = &ls.loan;
    let dpd = credit::quality::days_past_due(l, today);
    let borrower = match l.borrower {
        credit::loan::Borrower::Odf => "ODF".to_string(),
        credit::loan::Borrower::Member(m) => format!("socio {m}"),
    };
    match format {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = l
                .book
                .rows
                .iter()
                .map(|r| {
                    let o = r.outstanding();
                    serde_json::json!({
                        "number": r.number, "date": r.due_date.to_string(),
                        "due": mx(r.due.total()), "paid": mx(r.paid.total()),
                        "outstanding": mx(o.total()),
                        "settled_on": r.settled_on.map(|d| d.to_string()),
                        "paid_by_trust": ls.trust_paid.contains_key(&r.number),
                    })
                })
                .collect();
            let v = serde_json::json!({
                "loan": l.id, "line": l.line_id, "lender": l.lender_code, "borrower": borrower,
                "status": format!("{:?}", l.status), "principal": mx(l.schedule.principal_minor),
                "outstanding_principal": mx(l.outstanding_principal_minor()),
                "days_past_due": dpd, "rows": rows,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        _ => {
            println!(
                "Préstamo {} ({borrower}) línea {} con {}: {}, capital {}, saldo {}, días de atraso {dpd}",
                l.id,
                l.line_id,
                l.lender_code,
                loan_status(l.status),
                mx(l.schedule.principal_minor),
                mx(l.outstanding_principal_minor())
            );
            println!(
                "{:>3}  {:<10} {:>12} {:>12} {:>12}  {:<10} Fideicomiso",
                "#", "Fecha", "Cuota", "Pagado", "Pendiente", "Liquidada"
            );
            for r in &l.book.rows {
                println!(
                    "{:>3}  {:<10} {:>12} {:>12} {:>12}  {:<10} {}",
                    r.number,
                    r.due_date.to_string(),
                    mx(r.due.total()),
                    mx(r.paid.total()),
                    mx(r.outstanding().total()),
                    r.settled_on.map(|d| d.to_string()).unwrap_or_default(),
                    if ls.trust_paid.contains_key(&r.number) {
                        "pagada"
                    } else {
                        ""
                    }
                );
            }
        }
    }
}

fn print_portfolio(q: &credit::quality::PortfolioQuality, format: OutputFormat) {
    match format {
        OutputFormat::Json => {
            let aging: Vec<serde_json::Value> = q
                .aging
                .iter()
                .map(|b| serde_json::json!({"bucket": format!("{:?}", b.bucket), "loans": b.loans, "outstanding": mx(b.outstanding_principal_minor)}))
                .collect();
            let v = serde_json::json!({
                "gross_portfolio": mx(q.gross_portfolio_minor),
                "par30": ratio(&q.par30), "par90": ratio(&q.par90),
                "repayment_rate": ratio(&q.repayment_rate), "aging": aging,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        _ => {
            println!("Cartera bruta: {}", mx(q.gross_portfolio_minor));
            println!(
                "PAR30: {}  PAR90: {}  Tasa de pago puntual: {}",
                ratio(&q.par30),
                ratio(&q.par90),
                ratio(&q.repayment_rate)
            );
            println!("{:<12} {:>8} {:>14}", "Atraso", "Préstamos", "Saldo");
            for b in &q.aging {
                let name = match b.bucket {
                    credit::quality::AgingBucket::Current => "al corriente",
                    credit::quality::AgingBucket::Days1To30 => "1-30",
                    credit::quality::AgingBucket::Days31To60 => "31-60",
                    credit::quality::AgingBucket::Days61To90 => "61-90",
                    credit::quality::AgingBucket::Days91To180 => "91-180",
                    credit::quality::AgingBucket::Over180 => "más de 180",
                };
                println!(
                    "{:<12} {:>8} {:>14}",
                    name,
                    b.loans,
                    mx(b.outstanding_principal_minor)
                );
            }
        }
    }
}

/// Dispatches `tequio loan ...`.
pub async fn run_loan(cmd: LoanCommand, settings: &crate::config::Settings) -> anyhow::Result<()> {
    if let LoanCommand::Quote(args) = &cmd {
        return quote(args);
    }
    let app = crate::commands::open_app(settings).await?;
    let actor = Actor::cli();
    match cmd {
        LoanCommand::Quote(_) => Ok(()),
        LoanCommand::Apply(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let terms = flagged(app::credit_cases::parse_quote_form(&a.terms.form()))?;
            let (ls, _) = app
                .approve_loan(
                    org,
                    &actor,
                    LoanApplication {
                        loan_id: a.loan,
                        line_id: a.line,
                        borrower: a.member,
                        terms,
                        plan_recommended_minor: pesos("--plan-amount", &a.plan_amount)?,
                    },
                    a.decision,
                )
                .await
                .map_err(with_flags)?;
            print_loan(&ls, ls.loan.schedule.disbursement_date, OutputFormat::Table);
            Ok(())
        }
        LoanCommand::Disburse(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let (ls, _) = app.disburse_loan(org, &actor, a.loan).await?;
            print_loan(&ls, ls.loan.schedule.disbursement_date, OutputFormat::Table);
            Ok(())
        }
        LoanCommand::Repay(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let date = on(&a.on)?;
            let (ls, out) = app
                .repay_loan(
                    org,
                    &actor,
                    a.loan,
                    pesos("--amount", &a.amount)?,
                    date,
                    &a.reference,
                )
                .await
                .map_err(with_flags)?;
            if !out.created {
                println!("(pago {} ya registrado: sin cambios)", a.reference);
            }
            print_loan(&ls, date, OutputFormat::Table);
            Ok(())
        }
        LoanCommand::Show(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let date = match &a.on {
                Some(t) => on(t)?,
                None => app::fact_date::mexico_city_today(chrono::Utc::now()),
            };
            let book = app.credit_book(org).await?;
            print_loan(book.loan(a.loan)?, date, a.format);
            Ok(())
        }
        LoanCommand::Portfolio(a) => {
            let date = on(&a.on)?;
            let q = match &a.org {
                Some(slug) => app.loan_portfolio(org_id(&app, slug).await?, date).await?,
                None => app.programme_portfolio(date).await?,
            };
            print_portfolio(&q, a.format);
            Ok(())
        }
        LoanCommand::RunDay(a) => {
            let date = on(&a.on)?;
            let scope = match &a.org {
                Some(slug) => Scope::Org(org_id(&app, slug).await?),
                None => Scope::All,
            };
            for r in app.run_credit_day(scope, date, &actor).await? {
                println!(
                    "ODF {}: {} cuotas pagadas por el fideicomiso ({}), {} sin cubrir, {} revisiones, {} avisos de incumplimiento",
                    r.org_id,
                    r.installments_paid,
                    mx(r.paid_minor),
                    r.not_covered.len(),
                    r.reviews,
                    r.notices.len()
                );
                if let Some(q) = &r.quality {
                    let late: u32 = q
                        .aging
                        .iter()
                        .filter(|b| b.bucket != credit::quality::AgingBucket::Current)
                        .map(|b| b.loans)
                        .sum();
                    println!(
                        "  cartera {}: {late} préstamos con atraso, PAR30 {}, PAR90 {}, pago puntual {}",
                        mx(q.gross_portfolio_minor),
                        ratio(&q.par30),
                        ratio(&q.par90),
                        ratio(&q.repayment_rate)
                    );
                }
                for n in &r.not_covered {
                    println!(
                        "  sin cubrir: préstamo {} cuota {} ({}): {}",
                        n.loan_id,
                        n.number,
                        mx(n.amount_minor),
                        n.reason
                    );
                }
                for n in &r.notices {
                    println!(
                        "  aviso de incumplimiento (R-FUND-6): {} debe {}",
                        n.borrower,
                        mx(n.amount_minor)
                    );
                }
            }
            Ok(())
        }
    }
}

/// Dispatches `tequio line ...`.
pub async fn run_line(cmd: LineCommand, settings: &crate::config::Settings) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    let actor = Actor::cli();
    let line = match cmd {
        LineCommand::Open(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let rate = flagged(app::credit_cases::quote::percent("rate", &a.rate))?;
            let limit = a
                .limit
                .as_deref()
                .map(|t| pesos("--limit", t))
                .transpose()?;
            app.open_credit_line(
                org,
                &actor,
                OpenLineCmd {
                    line_id: a.line,
                    lender_code: a.lender,
                    annual_rate: rate,
                    requested_limit_minor: limit,
                    opened_on: on(&a.on)?,
                    review: None,
                },
            )
            .await?
            .0
        }
        LineCommand::Review(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let n = app
                .review_credit_line_through(org, &actor, a.line, on(&a.on)?)
                .await?;
            println!("{n} revisiones hechas");
            app.credit_book(org).await?.line(a.line)?.clone()
        }
        LineCommand::Draw(a) => {
            let org = org_id(&app, &a.org.org).await?;
            app.draw_credit_line(
                org,
                &actor,
                a.line,
                pesos("--amount", &a.amount)?,
                on(&a.on)?,
                &a.reference,
            )
            .await?
            .0
        }
        LineCommand::Repay(a) => {
            let org = org_id(&app, &a.org.org).await?;
            app.repay_credit_line(
                org,
                &actor,
                a.line,
                pesos("--principal", &a.principal)?,
                pesos("--interest", &a.interest)?,
                on(&a.on)?,
                &a.reference,
            )
            .await?
            .0
        }
        LineCommand::Transfer(a) => {
            let org = org_id(&app, &a.org.org).await?;
            app.transfer_credit_line(org, &actor, a.line, &a.to, on(&a.on)?)
                .await?
                .0
        }
        LineCommand::Show(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let book = app.credit_book(org).await?;
            print_line(book.line(a.line)?, a.format);
            return Ok(());
        }
    };
    print_line(&line, OutputFormat::Table);
    Ok(())
}

fn lease_status(s: credit::lease::LeaseStatus) -> &'static str {
    match s {
        credit::lease::LeaseStatus::Active => "vigente",
        credit::lease::LeaseStatus::RentPaid => "rentas pagadas (opción de compra abierta)",
        credit::lease::LeaseStatus::Purchased => "comprado",
    }
}

/// The lease's state in words; once bought, who owns the asset since when (R-LEASE-1).
fn lease_state_text(l: &credit::lease::Lease) -> String {
    match l.purchase() {
        Some(p) => format!(
            "propiedad transferida al socio {} el {} por {}",
            p.by,
            p.on,
            mx(p.price_minor)
        ),
        None => lease_status(l.status).to_string(),
    }
}

/// One line of a lease's history, in Spanish.
fn lease_event_text(kind: &credit::lease::LeaseEventKind) -> String {
    use credit::lease::{LeaseEventKind as K, TransferReason};
    match kind {
        K::Started {
            lessee,
            decision_id,
        } => format!("inicio: arrendado al socio {lessee} (decisión del consejo {decision_id})"),
        K::Imported { lessee, as_of } => format!(
            "arrendado al socio {lessee} antes de Tequio; rentas por vencer importadas con los \
             saldos al {as_of}"
        ),
        K::RentPaid { key, amount_minor } => {
            format!("renta pagada {} (ref. {key})", mx(*amount_minor))
        }
        K::Transferred {
            from,
            to,
            reason,
            first_row,
            shifted_periods,
        } => {
            let why = match reason {
                TransferReason::Default { days_past_due } => {
                    format!("incumplimiento, {days_past_due} días de atraso (R-LEASE-2)")
                }
                TransferReason::Board { decision_id } => {
                    format!("decisión del consejo {decision_id} (R-LEASE-2)")
                }
            };
            format!(
                "traspaso del socio {from} al socio {to} por {why}; paga desde la renta \
                 {first_row}, {shifted_periods} periodos recorridos"
            )
        }
        K::AllRentPaid => "todas las rentas pagadas".to_string(),
        K::Purchased { by, price_minor } => {
            format!("compra por el socio {by} en {}", mx(*price_minor))
        }
    }
}

fn print_lease(ls: &app::credit_cases::book::LeaseState, format: OutputFormat) {
    let l = &ls.lease;
    let owner = match l.owner {
        credit::lease::AssetOwner::Odf => "la ODF".to_string(),
        credit::lease::AssetOwner::Member(m) => format!("socio {m}"),
    };
    match format {
        OutputFormat::Json => {
            let rows: Vec<serde_json::Value> = l
                .book
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "number": r.number, "date": r.due_date.to_string(),
                        "rent": mx(r.due.total()), "paid": mx(r.paid.total()),
                        "outstanding": mx(r.outstanding().total()),
                        "settled_on": r.settled_on.map(|d| d.to_string()),
                    })
                })
                .collect();
            let history: Vec<serde_json::Value> = l
                .history
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "date": e.date.to_string(), "event": lease_event_text(&e.kind),
                    })
                })
                .collect();
            let v = serde_json::json!({
                "lease": l.id, "line": ls.line_id, "asset": l.asset.description,
                "cost": mx(l.asset.cost_minor), "lessee": l.lessee, "owner": owner,
                "status": lease_status(l.status), "purchase_price": mx(l.purchase_price_minor),
                "purchase": l.purchase().map(|p| serde_json::json!({
                    "member": p.by, "on": p.on.to_string(), "price": mx(p.price_minor),
                })),
                "default_after_days": ls.settings.default_after_days,
                "outstanding": mx(l.book.outstanding().total()),
                "rows": rows, "history": history,
            });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        OutputFormat::Csv => {
            println!("number,date,rent,paid,outstanding,settled_on");
            for r in &l.book.rows {
                println!(
                    "{},{},{},{},{},{}",
                    r.number,
                    r.due_date,
                    mx(r.due.total()),
                    mx(r.paid.total()),
                    mx(r.outstanding().total()),
                    r.settled_on.map(|d| d.to_string()).unwrap_or_default()
                );
            }
        }
        OutputFormat::Table => {
            println!(
                "Arrendamiento {}: {} (costo {}), arrendatario socio {}, propietario {owner}, {}, opción de compra {}, pendiente {}",
                l.id,
                l.asset.description,
                mx(l.asset.cost_minor),
                l.lessee,
                lease_state_text(l),
                mx(l.purchase_price_minor),
                mx(l.book.outstanding().total())
            );
            println!(
                "{:>3}  {:<10} {:>12} {:>12} {:>12}  Liquidada",
                "#", "Fecha", "Renta", "Pagado", "Pendiente"
            );
            for r in &l.book.rows {
                println!(
                    "{:>3}  {:<10} {:>12} {:>12} {:>12}  {}",
                    r.number,
                    r.due_date.to_string(),
                    mx(r.due.total()),
                    mx(r.paid.total()),
                    mx(r.outstanding().total()),
                    r.settled_on.map(|d| d.to_string()).unwrap_or_default()
                );
            }
            println!("Historial:");
            for e in &l.history {
                println!("  {}  {}", e.date, lease_event_text(&e.kind));
            }
        }
    }
}

/// Dispatches `tequio lease ...`.
pub async fn run_lease(
    cmd: LeaseCommand,
    settings: &crate::config::Settings,
) -> anyhow::Result<()> {
    let app = crate::commands::open_app(settings).await?;
    let actor = Actor::cli();
    let lease = match cmd {
        LeaseCommand::Start(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let mut form = QuoteForm::new(&a.cost, &a.rate, &a.installments, &a.start);
            form.rate_period = "annual".into();
            let terms = flagged(app::credit_cases::parse_quote_form(&form))?;
            app.start_lease(
                org,
                &actor,
                app::credit_cases::StartLeaseCmd {
                    lease_id: a.lease,
                    line_id: a.line,
                    asset_description: a.asset,
                    lessee: a.member,
                    terms,
                    purchase_price_minor: None,
                    default_after_days: None,
                },
                a.decision,
            )
            .await?
            .0
        }
        LeaseCommand::Rent(a) => {
            let org = org_id(&app, &a.org.org).await?;
            app.pay_rent(
                org,
                &actor,
                a.lease,
                pesos("--amount", &a.amount)?,
                on(&a.on)?,
                &a.reference,
            )
            .await?
            .0
        }
        LeaseCommand::Transfer(a) => {
            let org = org_id(&app, &a.org.org).await?;
            app.transfer_lease(org, &actor, a.lease, a.to, on(&a.on)?, a.decision)
                .await?
                .0
        }
        LeaseCommand::Buy(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let today = app::fact_date::mexico_city_today(chrono::Utc::now());
            let cmd = app::credit_cases::LeasePurchaseCmd {
                lease_id: a.lease,
                member_id: a.member,
                on: a.on.as_deref().map(on).transpose()?.unwrap_or(today),
                reference: a.reference,
            };
            let (lease, out) = app
                .exercise_lease_purchase(org, &actor, cmd, today)
                .await
                .map_err(purchase_flags)?;
            if !out.created {
                println!("Ya registrado: no se escribió nada.");
            }
            lease
        }
        LeaseCommand::Show(a) => {
            let org = org_id(&app, &a.org.org).await?;
            let book = app.credit_book(org).await?;
            print_lease(book.lease(a.lease)?, a.format);
            return Ok(());
        }
    };
    print_lease(&lease, OutputFormat::Table);
    Ok(())
}
