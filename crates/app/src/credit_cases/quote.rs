//! The loan quote, *simulador de crédito* (R-CRED-4): from the terms a member asks about, the
//! full schedule, its totals and the CAT, without creating anything. Pure: no store call.
//!
//! The terms arrive as text ([`QuoteForm`], one field per CLI flag / web form field, named the
//! same way) and are parsed here once, so the CLI and the web refuse bad input with the same
//! message naming the same field. Defaults are the programme's (R-CRED-4): monthly, equal
//! installments (French), 30/360, no grace, no fees, no rounding.

use crate::{App, AppError};
use chrono::NaiveDate;
use credit::cat::{cat_of_offer, Cat, YearBasis};
use credit::schedule::{
    build_schedule, DayCount, Frequency, Method, NominalRate, Schedule, ScheduleInput, UpfrontFee,
};
use credit::CreditError;
use ledger::{Currency, Money};
use registry::FieldError;
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

/// Longest text accepted in one field of a quote form.
const MAX_FIELD_LEN: usize = 40;

/// The terms of a quote as typed. Field names are the CLI flags without `--` (and the web
/// form's field names): `amount`, `rate`, `rate-period`, `installments`, `frequency`,
/// `method`, `day-count`, `start`, `first-due`, `grace`, `fee`, `installment-fee`, `round-to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteForm {
    /// Principal in pesos, e.g. `10000.00`.
    pub amount: String,
    /// Nominal rate in percent, `%` optional: `36%`, `2.5`.
    pub rate: String,
    /// `annual` (default) or `monthly`.
    pub rate_period: String,
    pub installments: String,
    /// `weekly`, `fortnightly` or `monthly` (also `semanal`, `catorcenal`, `mensual`).
    pub frequency: String,
    /// `equal-installments` (French, default) or `equal-principal`.
    pub method: String,
    /// `30/360` (default) or `actual/365`.
    pub day_count: String,
    /// Disbursement date, `YYYY-MM-DD`.
    pub start: String,
    /// First due date (default: one period after `start`).
    pub first_due: Option<String>,
    /// Leading installments that pay interest (and fees) only.
    pub grace: Option<String>,
    /// Opening fee: an amount (`150.00`) or a percent of the principal (`2%`).
    pub fee: Option<String>,
    /// Fee charged with every installment, in pesos.
    pub installment_fee: Option<String>,
    /// Round every installment to this multiple of pesos (`10`); residue on the last one.
    pub round_to: Option<String>,
}

impl QuoteForm {
    /// A form with the programme defaults and the four values every quote needs.
    pub fn new(amount: &str, rate: &str, installments: &str, start: &str) -> Self {
        QuoteForm {
            amount: amount.into(),
            rate: rate.into(),
            rate_period: "annual".into(),
            installments: installments.into(),
            frequency: "monthly".into(),
            method: "equal-installments".into(),
            day_count: "30/360".into(),
            start: start.into(),
            first_due: None,
            grace: None,
            fee: None,
            installment_fee: None,
            round_to: None,
        }
    }
}

fn field_text<'a>(field: &'static str, text: &'a str) -> Result<&'a str, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "está vacío (is empty)"));
    }
    if t.len() > MAX_FIELD_LEN {
        return Err(FieldError::new(
            field,
            format!("más de {MAX_FIELD_LEN} caracteres (too long)"),
        ));
    }
    Ok(t)
}

/// A peso amount with up to two decimals, in minor units; the error names `field`.
pub fn money(field: &'static str, text: &str) -> Result<i64, FieldError> {
    let t = field_text(field, text)?;
    // As a Mexican user types it: `20,000`, `$20,000.00`; a decimal comma is refused.
    ledger::typed::parse_typed_minor(t, false)
        .map_err(|e| FieldError::new(field, format!("'{t}': {e}")))
}

fn count(field: &'static str, text: &str) -> Result<u32, FieldError> {
    let t = field_text(field, text)?;
    t.parse::<u32>().map_err(|_| {
        FieldError::new(
            field,
            format!("'{t}' no es un número entero no negativo (not a whole number)"),
        )
    })
}

/// A percent (`36%`, `2.5`) as a fraction; the error names `field`.
pub fn percent(field: &'static str, text: &str) -> Result<Decimal, FieldError> {
    let t = field_text(field, text)?;
    let digits = t.strip_suffix('%').unwrap_or(t).trim();
    let value = Decimal::from_str(digits).map_err(|_| {
        FieldError::new(field, format!("'{t}' no es un porcentaje (e.g. 36% o 2.5)"))
    })?;
    if value.is_sign_negative() {
        return Err(FieldError::new(field, "no puede ser negativa (negative)"));
    }
    Ok(value / Decimal::from(100))
}

/// A `YYYY-MM-DD` date; the error names `field`.
pub fn date(field: &'static str, text: &str) -> Result<NaiveDate, FieldError> {
    let t = field_text(field, text)?;
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, format!("'{t}' no es una fecha AAAA-MM-DD")))
}

fn choice<T: Copy>(
    field: &'static str,
    text: &str,
    options: &[(&[&str], T)],
) -> Result<T, FieldError> {
    let t = field_text(field, text)?.to_ascii_lowercase();
    for (names, value) in options {
        if names.contains(&t.as_str()) {
            return Ok(*value);
        }
    }
    let expected: Vec<&str> = options.iter().map(|(names, _)| names[0]).collect();
    Err(FieldError::new(
        field,
        format!("'{t}' no es válido; use {}", expected.join(", ")),
    ))
}

/// Parses the form into the schedule's input (R-CRED-4 ranges are checked by the schedule).
pub fn parse_quote_form(form: &QuoteForm) -> Result<ScheduleInput, FieldError> {
    let principal_minor = money("amount", &form.amount)?;
    let rate = percent("rate", &form.rate)?;
    let rate = choice(
        "rate-period",
        &form.rate_period,
        &[
            (&["annual", "anual", "year", "yearly"], true),
            (&["monthly", "mensual", "month"], false),
        ],
    )
    .map(|annual| {
        if annual {
            NominalRate::Annual(rate)
        } else {
            NominalRate::Monthly(rate)
        }
    })?;
    let installments = count("installments", &form.installments)?;
    let frequency = choice(
        "frequency",
        &form.frequency,
        &[
            (&["monthly", "mensual"], Frequency::Monthly),
            (
                &["fortnightly", "catorcenal", "biweekly"],
                Frequency::Fortnightly,
            ),
            (&["weekly", "semanal"], Frequency::Weekly),
        ],
    )?;
    let method = choice(
        "method",
        &form.method,
        &[
            (
                &["equal-installments", "french", "frances", "pagos-iguales"],
                Method::EqualInstallments,
            ),
            (
                &["equal-principal", "capital-igual", "german"],
                Method::EqualPrincipal,
            ),
        ],
    )?;
    let day_count = choice(
        "day-count",
        &form.day_count,
        &[
            (&["30/360", "30-360", "thirty360"], DayCount::Thirty360),
            (
                &["actual/365", "act/365", "actual-365"],
                DayCount::Actual365,
            ),
        ],
    )?;
    let disbursement_date = date("start", &form.start)?;
    let first_due_date = form
        .first_due
        .as_deref()
        .map(|t| date("first-due", t))
        .transpose()?;
    let grace_installments = form
        .grace
        .as_deref()
        .map(|t| count("grace", t))
        .transpose()?
        .unwrap_or(0);
    let upfront_fee = match form.fee.as_deref() {
        None => UpfrontFee::None,
        Some(t) if t.trim().ends_with('%') => UpfrontFee::PercentOfPrincipal(percent("fee", t)?),
        Some(t) => UpfrontFee::Fixed(money("fee", t)?),
    };
    let fee_per_installment_minor = form
        .installment_fee
        .as_deref()
        .map(|t| money("installment-fee", t))
        .transpose()?
        .unwrap_or(0);
    let rounding_multiple_minor = form
        .round_to
        .as_deref()
        .map(|t| money("round-to", t))
        .transpose()?;
    Ok(ScheduleInput {
        currency: Currency::MXN,
        principal_minor,
        rate,
        installments,
        frequency,
        method,
        day_count,
        disbursement_date,
        first_due_date,
        grace_installments,
        upfront_fee,
        fee_per_installment_minor,
        rounding_multiple_minor,
    })
}

/// The form field a credit-crate field comes from (for messages naming what the user typed).
pub fn form_field_of(credit_field: &'static str) -> &'static str {
    form_field_of_str(credit_field).unwrap_or(credit_field)
}

/// As [`form_field_of`] for any text: `None` when the field is not a quote form field.
pub fn form_field_of_str(credit_field: &str) -> Option<&'static str> {
    Some(match credit_field {
        "principal_minor" | "requested_minor" | "amount_minor" | "amount" => "amount",
        "rate" | "terms.rate" => "rate",
        "installments" => "installments",
        "grace_installments" | "grace" => "grace",
        "upfront_fee" | "fee" => "fee",
        "fee_per_installment_minor" | "installment-fee" => "installment-fee",
        "rounding_multiple_minor" | "round-to" => "round-to",
        "first_due_date" | "first-due" => "first-due",
        "disbursement_date" | "start" => "start",
        _ => return None,
    })
}

/// A refusal of the credit rules as a message a person can act on, with the rule id first.
pub fn credit_message(e: &CreditError) -> String {
    format!("{}: {}", e.rule(), credit_detail(e))
}

/// The refusal's explanation without the rule id.
pub fn credit_detail(e: &CreditError) -> String {
    match e {
        CreditError::Invalid { message, .. }
        | CreditError::WrongState { message, .. }
        | CreditError::NoRoot { message, .. } => message.clone(),
        CreditError::ExceedsLimit {
            requested_minor,
            allowed_minor,
            ..
        } => format!(
            "{} excede el máximo permitido de {} (exceeds the allowed maximum)",
            Money::new(*requested_minor, Currency::MXN).to_major_string(),
            Money::new(*allowed_minor, Currency::MXN).to_major_string()
        ),
        CreditError::Overflow { .. } => {
            "el valor sale del rango que se puede calcular (overflow)".to_string()
        }
        CreditError::Ledger(l) => l.to_string(),
    }
}

/// A credit refusal is an [`AppError::Rule`] naming the rule and the field (a ledger error
/// stays a ledger error).
impl From<CreditError> for AppError {
    fn from(e: CreditError) -> Self {
        match e {
            CreditError::Ledger(l) => AppError::Ledger(l),
            other => AppError::Rule {
                rule: other.rule(),
                field: other.field().to_string(),
                message: credit_detail(&other),
            },
        }
    }
}

fn credit_to_field(e: CreditError) -> AppError {
    AppError::Field(FieldError::new(
        form_field_of(e.field()),
        credit_message(&e),
    ))
}

/// A quote: the schedule, its totals and the CAT. Nothing was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanQuote {
    pub input: ScheduleInput,
    pub schedule: Schedule,
    /// CAT sin IVA on the schedule's own time basis (R-CRED-4): `k/12` years for a 30/360
    /// monthly schedule, calendar days over 365 for actual/365 (`credit::cat` module doc).
    pub cat: Cat,
}

impl App {
    /// The *simulador de crédito* (R-CRED-4): schedule, totals and CAT for the terms, without
    /// creating anything. Errors name the form field (= CLI flag) and the rule.
    pub fn loan_quote(&self, form: &QuoteForm) -> Result<LoanQuote, AppError> {
        let input = parse_quote_form(form)?;
        quote_terms(input)
    }
}

/// As [`App::loan_quote`] from already-typed terms (no App needed: the quote is pure).
pub fn quote_terms(input: ScheduleInput) -> Result<LoanQuote, AppError> {
    let schedule = build_schedule(&input).map_err(credit_to_field)?;
    let cat = cat_of_offer(&schedule).map_err(credit_to_field)?;
    Ok(LoanQuote {
        input,
        schedule,
        cat,
    })
}

fn mx(minor: i64) -> String {
    Money::new(minor, Currency::MXN).to_major_string()
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::EqualInstallments => "pagos iguales (francés)",
        Method::EqualPrincipal => "capital igual",
    }
}

fn frequency_name(f: Frequency) -> &'static str {
    match f {
        Frequency::Weekly => "semanal",
        Frequency::Fortnightly => "catorcenal",
        Frequency::Monthly => "mensual",
    }
}

fn day_count_name(d: DayCount) -> &'static str {
    match d {
        DayCount::Thirty360 => "30/360",
        DayCount::Actual365 => "actual/365",
    }
}

/// The CAT's year fractions, for the JSON quote: `periods/12` (the k-th monthly row at k/12
/// years), `periods/26`, `periods/52` or `days/365`.
fn basis_name(b: YearBasis) -> &'static str {
    match b {
        YearBasis::Periodic(Frequency::Monthly) => "periods/12",
        YearBasis::Periodic(Frequency::Fortnightly) => "periods/26",
        YearBasis::Periodic(Frequency::Weekly) => "periods/52",
        YearBasis::Days365 => "days/365",
    }
}

fn percent_text(fraction: Decimal) -> String {
    (fraction * Decimal::from(100)).normalize().to_string()
}

/// One schedule row for CSV and JSON (amounts in pesos as exact decimal text).
#[derive(Debug, Serialize)]
struct RowOut {
    number: u32,
    date: String,
    days: u32,
    principal: String,
    interest: String,
    fees: String,
    installment: String,
    balance: String,
}

#[derive(Debug, Serialize)]
struct TotalsOut {
    principal: String,
    interest: String,
    fees: String,
    opening_fee: String,
    installments: String,
    /// Everything the borrower pays: installments plus the opening fee.
    total_paid: String,
}

#[derive(Debug, Serialize)]
struct CatOut {
    /// Percent with one decimal (the disclosure figure).
    percent: String,
    /// The exact solution as a fraction, 10 decimals.
    rate: String,
    basis: &'static str,
    taxes: &'static str,
}

#[derive(Debug, Serialize)]
struct QuoteOut {
    currency: String,
    amount: String,
    annual_rate_percent: String,
    installments: u32,
    frequency: &'static str,
    method: &'static str,
    day_count: &'static str,
    start: String,
    grace: u32,
    rows: Vec<RowOut>,
    totals: TotalsOut,
    cat: CatOut,
}

impl LoanQuote {
    fn rows_out(&self) -> Vec<RowOut> {
        self.schedule
            .rows
            .iter()
            .map(|r| RowOut {
                number: r.number,
                date: r.due_date.to_string(),
                days: r.days,
                principal: mx(r.principal_minor),
                interest: mx(r.interest_minor),
                fees: mx(r.fees_minor),
                installment: mx(r.installment_minor),
                balance: mx(r.balance_after_minor),
            })
            .collect()
    }

    /// Everything the borrower pays: the installments and the opening fee.
    pub fn total_paid_minor(&self) -> i64 {
        self.schedule.totals.installments_minor + self.schedule.totals.upfront_fee_minor
    }

    /// The quote as a fixed-width table in Spanish (es-MX), with totals and the CAT.
    pub fn to_table(&self) -> String {
        let s = &self.schedule;
        let t = &s.totals;
        let mut out = String::new();
        out.push_str(&format!(
            "Simulación de crédito: {} {} a {}% anual, {} pagos {}es, {}, {}\n",
            mx(s.principal_minor),
            s.currency,
            percent_text(s.annual_rate),
            s.rows.len(),
            frequency_name(s.frequency),
            method_name(self.input.method),
            day_count_name(s.day_count),
        ));
        out.push_str(&format!("Desembolso: {}\n", s.disbursement_date));
        out.push_str(&format!(
            "{:>3}  {:<10} {:>4} {:>13} {:>12} {:>10} {:>13} {:>13}\n",
            "#", "Fecha", "Días", "Capital", "Interés", "Comisión", "Pago", "Saldo"
        ));
        for r in &s.rows {
            out.push_str(&format!(
                "{:>3}  {:<10} {:>4} {:>13} {:>12} {:>10} {:>13} {:>13}\n",
                r.number,
                r.due_date.to_string(),
                r.days,
                mx(r.principal_minor),
                mx(r.interest_minor),
                mx(r.fees_minor),
                mx(r.installment_minor),
                mx(r.balance_after_minor)
            ));
        }
        out.push_str(&format!(
            "{:>3}  {:<10} {:>4} {:>13} {:>12} {:>10} {:>13}\n",
            "",
            "Total",
            "",
            mx(t.principal_minor),
            mx(t.interest_minor),
            mx(t.fees_minor),
            mx(t.installments_minor)
        ));
        out.push_str(&format!(
            "Comisión por apertura: {}\nTotal a pagar: {}\n",
            mx(t.upfront_fee_minor),
            mx(self.total_paid_minor())
        ));
        out.push_str(&format!(
            "CAT: {}% sin IVA (para fines informativos y de comparación)\n",
            self.cat.percent_one_decimal
        ));
        out
    }

    /// The rows as CSV (header, one line per installment, then a `total` line).
    pub fn to_csv(&self) -> String {
        let t = &self.schedule.totals;
        let mut out =
            String::from("number,date,days,principal,interest,fees,installment,balance\n");
        for r in self.rows_out() {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                r.number, r.date, r.days, r.principal, r.interest, r.fees, r.installment, r.balance
            ));
        }
        out.push_str(&format!(
            "total,,,{},{},{},{},\n",
            mx(t.principal_minor),
            mx(t.interest_minor),
            mx(t.fees_minor),
            mx(t.installments_minor)
        ));
        out
    }

    /// The quote as pretty JSON: terms, rows, totals and CAT (amounts as exact decimal text).
    pub fn to_json(&self) -> String {
        let s = &self.schedule;
        let t = &s.totals;
        let out = QuoteOut {
            currency: s.currency.to_string(),
            amount: mx(s.principal_minor),
            annual_rate_percent: percent_text(s.annual_rate),
            installments: s.rows.len() as u32,
            frequency: match s.frequency {
                Frequency::Weekly => "weekly",
                Frequency::Fortnightly => "fortnightly",
                Frequency::Monthly => "monthly",
            },
            method: match self.input.method {
                Method::EqualInstallments => "equal-installments",
                Method::EqualPrincipal => "equal-principal",
            },
            day_count: day_count_name(s.day_count),
            start: s.disbursement_date.to_string(),
            grace: self.input.grace_installments,
            rows: self.rows_out(),
            totals: TotalsOut {
                principal: mx(t.principal_minor),
                interest: mx(t.interest_minor),
                fees: mx(t.fees_minor),
                opening_fee: mx(t.upfront_fee_minor),
                installments: mx(t.installments_minor),
                total_paid: mx(self.total_paid_minor()),
            },
            cat: CatOut {
                percent: self.cat.percent_one_decimal.to_string(),
                rate: self.cat.rate.to_string(),
                basis: basis_name(YearBasis::of_schedule(s)),
                taxes: "sin IVA",
            },
        };
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
