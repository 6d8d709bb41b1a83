//! `tequio loan ...`, `tequio line ...`, `tequio lease ...`: credit and leasing from the
//! terminal (R-CRED-1..6, R-LEASE-1..2). Every command calls the app; errors name the flag.

use app::credit_cases::QuoteForm;
use app::AppError;
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
    Quote(QuoteArgs),
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
    print!("{text}");
    Ok(())
}

/// Dispatches `tequio loan ...`.
pub async fn run_loan(cmd: LoanCommand, _settings: &crate::config::Settings) -> anyhow::Result<()> {
    match cmd {
        LoanCommand::Quote(args) => quote(&args),
    }
}
