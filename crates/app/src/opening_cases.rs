//! The opening position (issue 16): an ODF that starts with history brings it in one CSV file,
//! all or nothing, every problem named by its line and column.
//!
//! # The file
//! One CSV (comma or semicolon; UTF-8; a header line naming the columns, English or Spanish,
//! any order). Each row is one fact; its `record` (`tipo`) says which, and which columns it
//! uses (a column a record does not use must be empty):
//!
//! | record (`tipo`) | columns | what |
//! |---|---|---|
//! | `opening` (`saldos_al`) | `date` | the day of the position; exactly one row |
//! | `contribution` (`aportacion`) | `curp`, `period`, `amount` | a member's contribution paid into the Fund for a period (R-FUND-1) |
//! | `grant` (`donativo`) | `date`, `name`, `amount` | a grant received (R-FUND-1) |
//! | `competition_spent` (`gasto_competencia`) | `date`, `class` (category), `amount` | spent from the Competition Sub-Fund (R-FUND-3) |
//! | `development_withdrawn` (`retiro_desarrollo`) | `date`, `curp`, `class` (purpose), `amount` | withdrawn by a member (R-FUND-4, R-FUND-5) |
//! | `fund_balance` (`saldo_fondo`) | `class` (`development`/`desarrollo`, `competition`/`competencia`), `amount` | the sub-fund's balance on the day: checked against the rows above |
//! | `line` (`linea`) | `id`, `date` (opened), `class` (lender code), `rate` (annual %), `amount` (initial deposit), `limit` (opening limit), `drawn` (drawn on the day) | the credit line (R-CRED-1) |
//! | `line_review` (`revision_linea`) | `line`, `date`, `limit` (after), `class` (`met`/`cumplio`, `late_cured`/`atraso_pagado`, `not_met`/`incumplio`) | a review already done (R-CRED-2) |
//! | `dues` (`cuota`) | `curp`, `period`, `amount` | dues of a period still unpaid (R-ORG-6) |
//! | `loan` (`prestamo`) | `id`, `line`, `curp` (empty: the ODF's own), `date` (disbursed) | a loan drawn on the line and being repaid, at the line's rate (R-CRED-3, R-CRED-4) |
//! | `installment` (`cuota_prestamo`) | `contract` (the loan's `id`), `date` (due), `amount` (principal), `interest` | an installment of the loan still to fall due |
//! | `overdue_installment` (`cuota_vencida`) | `contract`, `date` (due, by the opening day), `amount`, `interest` | an installment the borrower did not pay and nobody paid for them (R-CRED-4: the loan is late) |
//! | `trust_paid_installment` (`cuota_pagada_fideicomiso`) | `contract`, `date` (due, by the opening day), `amount`, `interest` | an installment the trust paid the lender and the borrower owes the Fund (R-FUND-6) |
//! | `lease` (`arrendamiento`) | `id`, `line`, `curp` (lessee), `name` (the asset), `date` (started) | a lease of an asset the ODF bought with the line (R-LEASE-1) |
//! | `lease_rent` (`renta_arrendamiento`, `renta`) | `contract` (the lease's `id`), `date` (due), `amount` (principal), `interest` | a rent still to fall due |
//!
//! Amounts are pesos (`1,234.50`), dates `YYYY-MM-DD`, periods `YYYY-MM`. Every date is on or
//! after the organisation's founding and on or before the opening day, which is not after today,
//! except the due dates of installments and rents: what remains of a schedule falls due after
//! the opening day, monthly (`credit::opening`), after the overdue ones (due by the opening
//! day), numbered 1, 2, ... from the first; `interest` may be empty (none).
//!
//! # What it books
//! One commit: the Fund's facts as its rules record them (`fund::opening`), each line as a
//! `line.imported` credit event whose drawn amount is owed to the lender against the opening
//! equity (`odf:equity:opening`), each member's dues in arrears as a receivable against the
//! same equity (one entry per period, under the key a charge of that period uses, so that
//! `charge_dues` never charges it again and a period charged before cannot come in), each loan
//! as a `loan.imported` credit event (a member's remaining principal owed to the ODF, against
//! the equity; the principal the loans of a line still owe is part of what the line has drawn,
//! R-CRED-3), each lease as `lease.imported` (the asset carried at what its rents will recover,
//! against the equity, with the lease settings in force when it started), and one
//! `opening.imported` event (stream `opening`, key `opening`) with the file's SHA-256 and the
//! periods of dues it charged. From then on the credit rules treat the loans and leases as
//! their own: payments, days late, line reviews, the trust paying installments as they fall
//! due (R-FUND-6), default and transfer (R-LEASE-2). An installment the trust paid before the
//! opening (`trust_paid_installment`) is the trust's payment on its due date in the Fund,
//! settling the opening equity (the line's drawn amount is after it): the trust's cash is lower
//! and the borrower owes it to the Fund ([`trust_paid_before`]). The same file again answers the first
//! import and writes nothing; another file after it is refused. A period that ends on or before
//! the opening day cannot be closed (its contributions are in the opening).

use crate::access_cases::{AccessError, Action, Viewer};
use crate::credit_cases::book::{Day, Dec};
use crate::credit_cases::book::{OverdueRow, RemainingRow};
use crate::credit_cases::lease_cases::lease_settings_on;
use crate::credit_cases::{CreditEvent, ReviewSetting};
use crate::events::{event, payload, Actor};
use crate::fund_cases::fund_decision_commit;
use crate::settings_cases::review_setting_from;
use crate::{App, AppError};
use chrono::NaiveDate;
use fund::opening::{
    OpeningContribution, OpeningFund, OpeningGrant, OpeningSpend, OpeningWithdrawal,
};
use fund::{CompetitionCategory, Period, WithdrawalPurpose};
use governance::settings::SettingsHistory;
use ledger::{Account, AccountCode, AccountKind, AccountOwner, EntryDraft, Money, Posting};
use registry::import::{csv_error, normalise_header, LineCounter, RowError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use store::{OrgId, StoreError};

/// The stream and key of the opening's own event.
pub const OPENING_STREAM: &str = "opening";
pub const OPENING_KEY: &str = "opening";
/// Most rows one opening file may carry.
pub const MAX_OPENING_ROWS: usize = 100_000;

/// The account that balances what an ODF brings: its net position before Tequio.
pub fn opening_equity() -> AccountCode {
    AccountCode::parse("odf:equity:opening").expect("a valid code")
}

pub fn opening_equity_account() -> Account {
    Account {
        code: opening_equity(),
        kind: AccountKind::Equity,
        owner: AccountOwner::Odf,
        currency: ledger::Currency::MXN,
        name: "Capital de apertura (saldos iniciales)".into(),
    }
}

/// The header of a template file.
pub fn opening_csv_header() -> &'static str {
    "record,date,curp,period,amount,class,name,id,line,rate,limit,drawn,contract,interest"
}

const COLUMNS: [(&str, &[&str]); 14] = [
    ("record", &["tipo", "registro"]),
    ("date", &["fecha"]),
    ("curp", &[]),
    ("period", &["periodo"]),
    ("amount", &["monto", "importe"]),
    ("class", &["clase"]),
    ("name", &["nombre", "descripcion"]),
    ("id", &["numero"]),
    ("line", &["linea"]),
    ("rate", &["tasa"]),
    ("limit", &["limite"]),
    ("drawn", &["dispuesto"]),
    ("contract", &["contrato"]),
    ("interest", &["interes", "intereses"]),
];
const RECORD: usize = 0;
const DATE: usize = 1;
const CURP: usize = 2;
const PERIOD: usize = 3;
const AMOUNT: usize = 4;
const CLASS: usize = 5;
const NAME: usize = 6;
const ID: usize = 7;
const LINE: usize = 8;
const RATE: usize = 9;
const LIMIT: usize = 10;
const DRAWN: usize = 11;
const CONTRACT: usize = 12;
const INTEREST: usize = 13;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Opening,
    Contribution,
    Grant,
    Spent,
    Withdrawn,
    FundBalance,
    Line,
    LineReview,
    Dues,
    Loan,
    Installment,
    /// An installment of a loan due on or before the opening day that nobody paid.
    Overdue,
    /// An installment of a loan due on or before the opening day that the trust paid the
    /// lender and the borrower has not paid back (R-FUND-6).
    TrustPaid,
    Lease,
    Rent,
}

impl Kind {
    fn parse(text: &str) -> Option<Kind> {
        Some(match normalise_header(text).as_str() {
            "opening" | "saldos_al" | "apertura" => Kind::Opening,
            "contribution" | "aportacion" => Kind::Contribution,
            "grant" | "donativo" => Kind::Grant,
            "competition_spent" | "gasto_competencia" => Kind::Spent,
            "development_withdrawn" | "retiro_desarrollo" => Kind::Withdrawn,
            "fund_balance" | "saldo_fondo" => Kind::FundBalance,
            "line" | "linea" => Kind::Line,
            "line_review" | "revision_linea" => Kind::LineReview,
            "dues" | "cuota" => Kind::Dues,
            "loan" | "prestamo" => Kind::Loan,
            "installment" | "cuota_prestamo" => Kind::Installment,
            "overdue_installment" | "cuota_vencida" => Kind::Overdue,
            "trust_paid_installment" | "cuota_pagada_fideicomiso" => Kind::TrustPaid,
            "lease" | "arrendamiento" => Kind::Lease,
            "lease_rent" | "renta_arrendamiento" | "renta" => Kind::Rent,
            _ => return None,
        })
    }

    /// The columns the record uses.
    fn columns(&self) -> &'static [usize] {
        match self {
            Kind::Opening => &[DATE],
            Kind::Contribution | Kind::Dues => &[CURP, PERIOD, AMOUNT],
            Kind::Grant => &[DATE, NAME, AMOUNT],
            Kind::Spent => &[DATE, CLASS, AMOUNT, NAME],
            Kind::Withdrawn => &[DATE, CURP, CLASS, AMOUNT],
            Kind::FundBalance => &[CLASS, AMOUNT],
            Kind::Line => &[ID, DATE, CLASS, RATE, AMOUNT, LIMIT, DRAWN],
            Kind::LineReview => &[LINE, DATE, LIMIT, CLASS],
            Kind::Loan => &[ID, LINE, CURP, DATE],
            Kind::Lease => &[ID, LINE, CURP, NAME, DATE],
            Kind::Installment | Kind::Overdue | Kind::TrustPaid | Kind::Rent => {
                &[CONTRACT, DATE, AMOUNT, INTEREST]
            }
        }
    }

    /// Columns a record may leave empty.
    fn optional(&self) -> &'static [usize] {
        match self {
            Kind::Spent => &[NAME],
            // A loan without a CURP is the ODF's own (R-CRED-3).
            Kind::Loan => &[CURP],
            Kind::Installment | Kind::Overdue | Kind::TrustPaid | Kind::Rent => &[INTEREST],
            _ => &[],
        }
    }
}

/// One row, its cells read.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    line: usize,
    kind: Kind,
    date: Option<NaiveDate>,
    curp: String,
    period: String,
    amount: i64,
    class: String,
    name: String,
    id: i64,
    line_ref: i64,
    rate: Decimal,
    limit: i64,
    drawn: i64,
    contract: i64,
    interest: i64,
}

/// One problem of an opening file: its line, its column and what is wrong, as a key of the
/// web's message catalogue (`opening.e.{code}`, shown in Spanish, crates/web/messages.toml)
/// with the values it names, in order; `Display` is the English the CLI and the API's
/// `?lang=en` print (`line 3, curp: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningProblem {
    pub line: usize,
    pub field: &'static str,
    pub code: &'static str,
    pub args: Vec<String>,
}

impl OpeningProblem {
    /// What is wrong, in English.
    pub fn message(&self) -> String {
        fill(english(self.code), &self.args)
    }
}

impl std::fmt::Display for OpeningProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message())
    }
}

/// `template` with each `{}` replaced by the next of `args` (an argument's own braces stay).
pub fn fill(template: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut parts = template.split("{}");
    out.push_str(parts.next().unwrap_or(""));
    for (i, part) in parts.enumerate() {
        out.push_str(args.get(i).map_or("", String::as_str));
        out.push_str(part);
    }
    out
}

/// The English of each problem's code (the catalogue's `opening.e.{code}` in `[en]` says the
/// same; its `[es]` is what the web shows).
pub const PROBLEMS: &[(&str, &str)] = &[
    ("empty_file", "the file is empty; its first line names the columns: {}"),
    ("column_again", "column '{}' is {} again"),
    ("unknown_column", "unknown column '{}'; the columns are: {}"),
    ("record_column", "the column 'record' (tipo) is required"),
    ("too_many_rows", "has more than {} rows"),
    ("csv", "{}"),
    ("unknown_record", "'{}' is not a record (opening, contribution, grant, competition_spent, development_withdrawn, fund_balance, line, line_review, dues, loan, installment, overdue_installment, trust_paid_installment, lease, lease_rent)"),
    ("not_used", "is not used by this record; leave it empty"),
    ("required", "is required by this record"),
    ("text", "{}"),
    ("bad_date", "'{}' is not YYYY-MM-DD"),
    ("bad_amount", "'{}' is not an amount in pesos above zero with up to two decimals"),
    ("bad_number", "'{}' is not a number above zero"),
    ("bad_rate", "'{}' is not an annual percentage from 0 to 200"),
    ("no_contract", "no '{}' row has id {}"),
    ("no_line", "no 'line' row has id {}"),
    ("contract_refused", "{}"),
    ("line_refused", "{}"),
    ("fund_refused", "{}"),
    ("trust_short", "{}"),
    ("class_refused", "{}"),
    ("bad_period", "{}"),
    ("opening_required", "one row 'opening' (saldos_al) with the day of the position is required"),
    ("opening_twice", "a second 'opening' row"),
    ("opening_date", "must be between the founding ({}) and today ({})"),
    ("overdue_date", "{} must be between the founding ({}) and the opening day ({}): an overdue installment fell due by then"),
    ("future_date", "{} must be after the opening day ({}): only what still falls due is imported"),
    ("past_date", "{} must be between the founding ({}) and the opening day ({})"),
    ("no_member", "no member of this organisation has CURP {}"),
    ("period_open", "{} has not ended by the opening day ({})"),
    ("period_twice", "this member's {} is on line {} already"),
    ("sub_fund_class", "must be development (desarrollo) or competition (competencia)"),
    ("sub_fund_mismatch", "the rows of the file make this sub-fund {}, not {}"),
    ("review_class", "must be met (cumplio), late_cured (atraso_pagado) or not_met (incumplio)"),
    ("dues_charged", "this member's dues of {} were charged in Tequio already"),
    ("imported_before", "an opening position as of {} was imported before; it cannot be replaced"),
    ("too_many_entries", "books more than {} entries; ask for help to split it"),
];

fn english(code: &str) -> &'static str {
    PROBLEMS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("{}", |(_, e)| e)
}

fn row_error<const N: usize>(
    line: usize,
    field: &'static str,
    code: &'static str,
    args: [String; N],
) -> OpeningProblem {
    OpeningProblem {
        line,
        field,
        code,
        args: args.into(),
    }
}

/// A problem the CSV reader found.
fn csv_problem(e: RowError) -> OpeningProblem {
    row_error(e.line, e.field, "csv", [e.message])
}

/// Reads the file: header, record kinds, every cell of the columns its record uses. Every
/// problem found is listed; nothing is resolved against the organisation yet.
fn parse_rows(text: &str) -> Result<Vec<Row>, Vec<OpeningProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains(';') && !first.contains(',') {
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
        Some(Err(e)) => return Err(vec![csv_problem(csv_error(&e, 1))]),
        None => {
            return Err(vec![row_error(
                1,
                "header",
                "empty_file",
                [opening_csv_header().to_string()],
            )])
        }
    };
    let header_line = lines.line_of(&header);
    let mut index: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
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
                "column_again",
                [raw.to_string(), COLUMNS[c].0.to_string()],
            )),
            Some(c) => index[c] = Some(i),
            None => errors.push(row_error(
                header_line,
                "header",
                "unknown_column",
                [raw.to_string(), opening_csv_header().to_string()],
            )),
        }
    }
    if index[RECORD].is_none() {
        errors.push(row_error(header_line, "header", "record_column", []));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(csv_problem(csv_error(&e, header_line)));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = lines.line_of(&record);
        if rows.len() + errors.len() >= MAX_OPENING_ROWS {
            errors.push(row_error(
                line,
                "file",
                "too_many_rows",
                [MAX_OPENING_ROWS.to_string()],
            ));
            break;
        }
        let cell = |c: usize| index[c].and_then(|i| record.get(i)).unwrap_or("");
        let Some(kind) = Kind::parse(cell(RECORD)) else {
            errors.push(row_error(
                line,
                "record",
                "unknown_record",
                [cell(RECORD).to_string()],
            ));
            continue;
        };
        let mut row = Row {
            line,
            kind,
            date: None,
            curp: String::new(),
            period: String::new(),
            amount: 0,
            class: String::new(),
            name: String::new(),
            id: 0,
            line_ref: 0,
            rate: Decimal::ZERO,
            limit: 0,
            drawn: 0,
            contract: 0,
            interest: 0,
        };
        let before = errors.len();
        for (c, &(field, _)) in COLUMNS.iter().enumerate().skip(1) {
            let used = kind.columns().contains(&c);
            let value = cell(c);
            if !used {
                if !value.is_empty() {
                    errors.push(row_error(line, field, "not_used", []));
                }
                continue;
            }
            if value.is_empty() {
                if !kind.optional().contains(&c) {
                    errors.push(row_error(line, field, "required", []));
                }
                continue;
            }
            if let Err(e) = registry::check_text(field, value, false) {
                errors.push(row_error(line, field, "text", [e.message]));
                continue;
            }
            let money = |v: &str| governance::settings::parse_pesos(v);
            match c {
                DATE => match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                    Ok(d) => row.date = Some(d),
                    Err(_) => errors.push(row_error(line, field, "bad_date", [value.to_string()])),
                },
                CURP => row.curp = value.to_uppercase(),
                PERIOD => row.period = value.to_string(),
                CLASS => row.class = value.to_string(),
                NAME => row.name = value.to_string(),
                AMOUNT | LIMIT | DRAWN | INTEREST => match money(value) {
                    // Zero is an amount where it means something: nothing drawn, a sub-fund
                    // spent to nothing, an installment of interest only or without interest.
                    Some(m)
                        if m > 0
                            || (m == 0
                                && (c == DRAWN
                                    || c == INTEREST
                                    || matches!(
                                        kind,
                                        Kind::FundBalance
                                            | Kind::Installment
                                            | Kind::Overdue
                                            | Kind::TrustPaid
                                            | Kind::Rent
                                    ))) =>
                    {
                        match c {
                            AMOUNT => row.amount = m,
                            LIMIT => row.limit = m,
                            INTEREST => row.interest = m,
                            _ => row.drawn = m,
                        }
                    }
                    _ => errors.push(row_error(line, field, "bad_amount", [value.to_string()])),
                },
                ID | LINE | CONTRACT => match value.parse::<i64>() {
                    Ok(n) if n > 0 => match c {
                        ID => row.id = n,
                        LINE => row.line_ref = n,
                        _ => row.contract = n,
                    },
                    _ => errors.push(row_error(line, field, "bad_number", [value.to_string()])),
                },
                RATE => match Decimal::from_str(value.trim_end_matches('%').trim()) {
                    Ok(r) if r >= Decimal::ZERO && r <= Decimal::new(200, 0) => {
                        row.rate = r / Decimal::ONE_HUNDRED
                    }
                    _ => errors.push(row_error(line, field, "bad_rate", [value.to_string()])),
                },
                _ => {}
            }
        }
        if errors.len() == before {
            rows.push(row);
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// What an import did (or, for the same file again, what the first import did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningOutcome {
    /// False when the same file had been imported before: nothing was written.
    #[serde(skip)]
    pub created: bool,
    pub as_of: NaiveDate,
    pub sha256: String,
    pub contributions: usize,
    pub grants: usize,
    pub competition_spent: usize,
    pub development_withdrawn: usize,
    pub lines: usize,
    pub line_reviews: usize,
    pub dues: usize,
    /// Loans being repaid, their installments still to fall due, leases and their rents.
    #[serde(default)]
    pub loans: usize,
    #[serde(default)]
    pub installments: usize,
    #[serde(default)]
    pub leases: usize,
    #[serde(default)]
    pub rents: usize,
    /// Installments of those loans overdue on the opening day: unpaid by anyone, and paid by
    /// the trust for the borrower, who owes them to the Fund (R-FUND-6).
    #[serde(default)]
    pub overdue_installments: usize,
    #[serde(default)]
    pub trust_paid_installments: usize,
    pub entries: usize,
}

/// The payload of the `opening.imported` event: the outcome and, per member, the periods whose
/// dues the opening charged (R-ORG-6: [`App::charge_dues`] does not charge them again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningRecord {
    #[serde(flatten)]
    pub outcome: OpeningOutcome,
    #[serde(default)]
    pub dues_periods: BTreeMap<i64, Vec<String>>,
}

fn rows_error(mut errors: Vec<OpeningProblem>) -> AppError {
    errors.sort_by_key(|e| e.line);
    AppError::OpeningRows(errors)
}

/// The loans and leases of the file as credit events, each with its row: a loan with its
/// installments (`contract` = the loan's `id`), a lease with its rents and the lease settings in
/// force the day it started (R-LEASE-1, R-LEASE-2). An installment or rent naming no contract of
/// the file is an error.
fn contract_events<'a>(
    rows: &'a [Row],
    members: &HashMap<String, i64>,
    history: &SettingsHistory,
    as_of: NaiveDate,
    errors: &mut Vec<OpeningProblem>,
) -> Vec<(&'a Row, CreditEvent)> {
    let contracts: std::collections::HashSet<(Kind, i64)> = rows
        .iter()
        .filter(|c| matches!(c.kind, Kind::Loan | Kind::Lease))
        .map(|c| (c.kind, c.id))
        .collect();
    let mut parts: HashMap<(Kind, i64), Vec<RemainingRow>> = HashMap::new();
    let mut overdue: HashMap<i64, Vec<OverdueRow>> = HashMap::new();
    for r in rows {
        let contract = match r.kind {
            Kind::Installment | Kind::Overdue | Kind::TrustPaid => Kind::Loan,
            Kind::Rent => Kind::Lease,
            _ => continue,
        };
        if !contracts.contains(&(contract, r.contract)) {
            let name = if contract == Kind::Loan {
                "loan"
            } else {
                "lease"
            };
            errors.push(row_error(
                r.line,
                "contract",
                "no_contract",
                [name.to_string(), r.contract.to_string()],
            ));
            continue;
        }
        if matches!(r.kind, Kind::Overdue | Kind::TrustPaid) {
            overdue.entry(r.contract).or_default().push(OverdueRow(
                Day(r.date.unwrap_or(as_of)),
                r.amount,
                r.interest,
                r.kind == Kind::TrustPaid,
            ));
            continue;
        }
        parts
            .entry((contract, r.contract))
            .or_default()
            .push(RemainingRow(
                Day(r.date.unwrap_or(as_of)),
                r.amount,
                r.interest,
            ));
    }
    let mut out = Vec::new();
    for c in rows
        .iter()
        .filter(|c| matches!(c.kind, Kind::Loan | Kind::Lease))
    {
        let remaining = parts.remove(&(c.kind, c.id)).unwrap_or_default();
        let started_on = Day(c.date.unwrap_or(as_of));
        let member = members.get(&c.curp).copied();
        let event = if c.kind == Kind::Loan {
            CreditEvent::LoanImported {
                loan_id: c.id,
                line_id: c.line_ref,
                borrower: if c.curp.is_empty() {
                    None
                } else {
                    Some(member.unwrap_or(0))
                },
                started_on,
                as_of: Day(as_of),
                rows: remaining,
                overdue: overdue.remove(&c.id).unwrap_or_default(),
            }
        } else {
            let settings = lease_settings_on(history, started_on.0);
            CreditEvent::LeaseImported {
                lease_id: c.id,
                line_id: c.line_ref,
                asset_description: c.name.clone(),
                lessee: member.unwrap_or(0),
                started_on,
                as_of: Day(as_of),
                rows: remaining,
                purchase_price_minor: settings.purchase_price_minor,
                default_after_days: settings.default_after_days,
            }
        };
        out.push((c, event));
    }
    out
}

/// A loan or lease the credit rules refused, on the row and column at fault: what the loans owe
/// above the line's drawn amount on the line's `drawn`; a date or amount of what remains on
/// the installment or rent it names; the rest on the contract's own row.
fn contract_error(rows: &[Row], c: &Row, e: &AppError) -> OpeningProblem {
    let message = e.to_string();
    let part = |k: Kind| {
        if c.kind == Kind::Loan {
            matches!(k, Kind::Installment | Kind::Overdue | Kind::TrustPaid)
        } else {
            k == Kind::Rent
        }
    };
    let field: &'static str = match e.field() {
        Some("drawn") => {
            if let Some(l) = rows
                .iter()
                .find(|l| l.kind == Kind::Line && l.id == c.line_ref)
            {
                return row_error(l.line, "drawn", "contract_refused", [message]);
            }
            "line"
        }
        Some(f @ ("date" | "amount")) => {
            let field = if f == "date" { "date" } else { "amount" };
            if let Some(p) = rows.iter().find(|p| {
                part(p.kind)
                    && p.contract == c.id
                    && p.date.is_some_and(|d| message.contains(&d.to_string()))
            }) {
                return row_error(p.line, field, "contract_refused", [message]);
            }
            field
        }
        // The line it names does not exist.
        Some("id") => "line",
        // No installment left, the same id twice, ...
        _ => "id",
    };
    row_error(c.line, field, "contract_refused", [message])
}

/// R-FUND-6: the installments the trust paid the lender before the opening for borrowers who
/// have not paid them back (`trust_paid_installment` rows), as the trust's own payments on
/// their due dates, on the Fund as the opening leaves it (`state`): the trust's cash is reduced
/// (aimed at the R-FUND-2 split) and the borrower owes it to the Fund (`fund:receivable:
/// borrowers` against `odf:payable:fund`), so replenishment, shortfalls and notices follow.
/// The payment settles the opening equity, not the lender's line: what the line has drawn on the
/// opening day is after it. A payment the trust's cash cannot cover is refused on its line.
fn trust_paid_before(
    settings: &fund::FundSettings,
    mut state: fund::FundState,
    book: &crate::credit_cases::book::CreditBook,
    rows: &[Row],
    errors: &mut Vec<OpeningProblem>,
) -> fund::Decision {
    let mut out = fund::Decision::default();
    for r in rows.iter().filter(|r| r.kind == Kind::TrustPaid) {
        // A loan the credit rules refused has its error already.
        let Some(ls) = book.loans.get(&r.contract) else {
            continue;
        };
        let Some(row) = ls
            .loan
            .schedule
            .rows
            .iter()
            .find(|x| Some(x.due_date) == r.date)
        else {
            continue;
        };
        let due = fund::trust::InstallmentDue {
            installment_ref: format!("opening-loan-{}:{}", r.contract, row.number),
            borrower: crate::credit_cases::daily::fund_borrower(ls.loan.borrower),
            lender_code: ls.loan.lender_code.clone(),
            amount: Money::new(row.principal_minor + row.interest_minor, settings.currency),
            due_date: row.due_date,
            settles: Some(opening_equity()),
        };
        match fund::trust::pay_installment_from_fund(settings, &state, &due, row.due_date) {
            Ok(d) => {
                state.apply_all(&d.events);
                out.entries.extend(d.entries);
                out.events.extend(d.events);
            }
            Err(e) => errors.push(row_error(r.line, "amount", "trust_short", [e.to_string()])),
        }
    }
    out
}

fn review_outcome(class: &str) -> Option<&'static str> {
    Some(match normalise_header(class).as_str() {
        "met" | "cumplio" => "met",
        "late_cured" | "atraso_pagado" => "late_cured",
        "not_met" | "incumplio" => "not_met",
        _ => return None,
    })
}

impl App {
    /// The opening position recorded for the organisation, if any.
    pub async fn opening(&self, org_id: OrgId) -> Result<Option<OpeningOutcome>, AppError> {
        Ok(self.opening_record(org_id).await?.map(|r| r.outcome))
    }

    /// The keys of the dues charges in a member's dues account (R-ORG-6).
    async fn dues_charged(
        &self,
        org_id: OrgId,
        member_id: i64,
    ) -> Result<std::collections::BTreeSet<String>, AppError> {
        let account = Account::dues_receivable(member_id);
        let mut keys = std::collections::BTreeSet::new();
        let mut page = store::Page::first(store::MAX_PAGE);
        loop {
            let entries = self.store().account_entries(org_id, &account, page).await?;
            let Some(last) = entries.last() else { break };
            page.after_id = last.id;
            keys.extend(
                entries
                    .iter()
                    .map(|e| e.entry.idempotency_key().as_str().to_string())
                    .filter(|k| k.starts_with("dues:charge:")),
            );
        }
        Ok(keys)
    }

    /// The opening's event as recorded, if any.
    pub(crate) async fn opening_record(
        &self,
        org_id: OrgId,
    ) -> Result<Option<OpeningRecord>, AppError> {
        match self.store().event_by_key(org_id, OPENING_KEY).await {
            Ok(e) => Ok(Some(payload(&e)?)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Imports an opening position (see the module documentation): all or nothing, every bad
    /// line listed (`AppError::Rows`); the same file again writes nothing.
    pub async fn import_opening(
        &self,
        org_id: OrgId,
        text: &str,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<OpeningOutcome, AppError> {
        let org = self.store().org(org_id).await?;
        let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
        if let Some(done) = self.opening(org_id).await? {
            if done.sha256 == sha256 {
                return Ok(OpeningOutcome {
                    created: false,
                    ..done
                });
            }
            return Err(rows_error(vec![row_error(
                1,
                "file",
                "imported_before",
                [done.as_of.to_string()],
            )]));
        }
        let rows = parse_rows(text).map_err(rows_error)?;
        let settings = self.fund_settings(org_id).await?;
        let founded = org.data.founded_on;
        let mut errors = Vec::new();

        // The opening day.
        let openings: Vec<&Row> = rows.iter().filter(|r| r.kind == Kind::Opening).collect();
        let as_of = match openings.as_slice() {
            [one] => one.date.unwrap_or(founded),
            [] => {
                return Err(rows_error(vec![row_error(
                    1,
                    "record",
                    "opening_required",
                    [],
                )]))
            }
            [_, more @ ..] => {
                return Err(rows_error(
                    more.iter()
                        .map(|r| row_error(r.line, "record", "opening_twice", []))
                        .collect(),
                ))
            }
        };
        if as_of > today || as_of < founded {
            errors.push(row_error(
                openings[0].line,
                "date",
                "opening_date",
                [founded.to_string(), today.to_string()],
            ));
        }
        for r in &rows {
            if let Some(d) = r.date {
                // What still falls due is after the opening day (checked with its contract).
                if matches!(r.kind, Kind::Overdue | Kind::TrustPaid) {
                    // What fell due and is still owed: on or before the opening day.
                    if d > as_of || d < founded {
                        errors.push(row_error(
                            r.line,
                            "date",
                            "overdue_date",
                            [d.to_string(), founded.to_string(), as_of.to_string()],
                        ));
                    }
                } else if matches!(r.kind, Kind::Installment | Kind::Rent) {
                    if d <= as_of {
                        errors.push(row_error(
                            r.line,
                            "date",
                            "future_date",
                            [d.to_string(), as_of.to_string()],
                        ));
                    }
                } else if r.kind != Kind::Opening && (d < founded || d > as_of) {
                    errors.push(row_error(
                        r.line,
                        "date",
                        "past_date",
                        [d.to_string(), founded.to_string(), as_of.to_string()],
                    ));
                }
            }
        }

        // Members by CURP.
        let mut members: HashMap<String, i64> = HashMap::new();
        for r in rows.iter().filter(|r| !r.curp.is_empty()) {
            if members.contains_key(&r.curp) {
                continue;
            }
            match self.store().member_by_curp(org_id, &r.curp).await {
                Ok(m) => {
                    members.insert(r.curp.clone(), m.id);
                }
                Err(StoreError::NotFound { .. }) => {
                    errors.push(row_error(r.line, "curp", "no_member", [r.curp.clone()]))
                }
                Err(e) => return Err(e.into()),
            }
        }
        let member = |r: &Row| members.get(&r.curp).copied().unwrap_or(0);
        let period_of = |r: &Row, errors: &mut Vec<OpeningProblem>| match Period::parse(
            &r.period,
            settings.period,
        ) {
            Ok(p) if p.last_day() <= as_of => Some(p),
            Ok(p) => {
                errors.push(row_error(
                    r.line,
                    "period",
                    "period_open",
                    [p.to_string(), as_of.to_string()],
                ));
                None
            }
            Err(e) => {
                errors.push(row_error(r.line, "period", "bad_period", [e.to_string()]));
                None
            }
        };

        // The Fund.
        let key_id = |what: &str, line: usize| {
            crate::fund_cases::ops::ref_id(&format!("opening:{what}:{line}"))
        };
        let mut fund = OpeningFund::default();
        let mut seen: HashMap<(Kind, i64, Period), usize> = HashMap::new();
        let mut dues: BTreeMap<i64, Vec<(Period, i64)>> = BTreeMap::new();
        let mut balances: Vec<(&Row, bool)> = Vec::new();
        for r in &rows {
            match r.kind {
                Kind::Contribution | Kind::Dues => {
                    let Some(p) = period_of(r, &mut errors) else {
                        continue;
                    };
                    let m = member(r);
                    if let Some(first) = seen.insert((r.kind, m, p), r.line) {
                        errors.push(row_error(
                            r.line,
                            "period",
                            "period_twice",
                            [p.to_string(), first.to_string()],
                        ));
                        continue;
                    }
                    if r.kind == Kind::Contribution {
                        fund.contributions.push(OpeningContribution {
                            member_id: m,
                            period: p,
                            amount_minor: r.amount,
                        });
                    } else {
                        dues.entry(m).or_default().push((p, r.amount));
                    }
                }
                Kind::Grant => fund.grants.push(OpeningGrant {
                    id: key_id("grant", r.line),
                    donor: r.name.clone(),
                    amount_minor: r.amount,
                    date: r.date.unwrap_or(as_of),
                }),
                Kind::Spent => match CompetitionCategory::parse(&r.class) {
                    Ok(category) => fund.spent.push(OpeningSpend {
                        id: key_id("competition", r.line),
                        category,
                        amount_minor: r.amount,
                        date: r.date.unwrap_or(as_of),
                    }),
                    Err(e) => {
                        errors.push(row_error(r.line, "class", "class_refused", [e.to_string()]))
                    }
                },
                Kind::Withdrawn => match WithdrawalPurpose::parse(&r.class) {
                    Ok(purpose) => fund.withdrawals.push(OpeningWithdrawal {
                        id: key_id("withdrawal", r.line),
                        member_id: member(r),
                        purpose,
                        amount_minor: r.amount,
                        date: r.date.unwrap_or(as_of),
                    }),
                    Err(e) => {
                        errors.push(row_error(r.line, "class", "class_refused", [e.to_string()]))
                    }
                },
                Kind::FundBalance => match normalise_header(&r.class).as_str() {
                    "development" | "desarrollo" => balances.push((r, true)),
                    "competition" | "competencia" | "competitividad" => balances.push((r, false)),
                    _ => errors.push(row_error(r.line, "class", "sub_fund_class", [])),
                },
                _ => {}
            }
        }
        let fund_book = self.fund_book(org_id).await?;
        let state = fund_book.state;
        let fund_line = rows
            .iter()
            .filter(|r| matches!(r.kind, Kind::Spent | Kind::Withdrawn))
            .map(|r| r.line)
            .max()
            .unwrap_or(1);
        let decision =
            match fund::opening::opening_decision(&settings, &state, &fund, "opening:fund") {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(row_error(
                        fund_line,
                        "amount",
                        "fund_refused",
                        [e.to_string()],
                    ));
                    None
                }
            };
        if let Some(d) = &decision {
            let mut after = state.clone();
            after.apply_all(&d.events);
            let sub = after.sub_funds();
            for (r, development) in &balances {
                let computed = if *development {
                    sub.development_minor
                } else {
                    sub.competition_minor
                };
                if computed != r.amount {
                    errors.push(row_error(
                        r.line,
                        "amount",
                        "sub_fund_mismatch",
                        [
                            Money::new(computed, settings.currency).to_string(),
                            Money::new(r.amount, settings.currency).to_string(),
                        ],
                    ));
                }
            }
        }

        // Credit lines, each checked by the credit rules on a copy of the book (`trial`), which
        // then takes the loans and leases drawn on them.
        let mut book = self.credit_book(org_id).await?;
        let mut trial = book.clone();
        let mut credit_entries = 0;
        let history = self.settings_history_of(&org).await?;
        let mut line_events = Vec::new();
        for r in rows.iter().filter(|r| r.kind == Kind::Line) {
            let mut reviews = Vec::new();
            for v in rows
                .iter()
                .filter(|v| v.kind == Kind::LineReview && v.line_ref == r.id)
            {
                match review_outcome(&v.class) {
                    Some(o) => reviews.push((Day(v.date.unwrap_or(as_of)), v.limit, o.to_string())),
                    None => errors.push(row_error(v.line, "class", "review_class", [])),
                }
            }
            let opened_on = r.date.unwrap_or(as_of);
            let review: ReviewSetting = review_setting_from(&history, opened_on);
            let event = CreditEvent::LineImported {
                line_id: r.id,
                lender_code: r.class.to_lowercase(),
                annual_rate: Dec(r.rate),
                initial_deposit_minor: r.amount,
                opening_limit_minor: r.limit,
                opened_on: Day(opened_on),
                review,
                reviews,
                drawn_minor: r.drawn,
                as_of: Day(as_of),
            };
            match trial.apply(&event) {
                Ok(applied) => {
                    credit_entries += applied.entries.len();
                    line_events.push(event)
                }
                Err(e) => errors.push(row_error(r.line, "line", "line_refused", [e.to_string()])),
            }
        }
        for v in rows.iter().filter(|v| v.kind == Kind::LineReview) {
            if !rows
                .iter()
                .any(|r| r.kind == Kind::Line && r.id == v.line_ref)
            {
                errors.push(row_error(
                    v.line,
                    "line",
                    "no_line",
                    [v.line_ref.to_string()],
                ));
            }
        }

        // Loans being repaid and leases, with what remains of their schedules, checked by the
        // credit rules on the book with the lines (R-CRED-3, R-CRED-4, R-LEASE-1).
        // R-ORG-6: a period already charged here cannot come in the opening too.
        for (member_id, owed) in &dues {
            let charged = self.dues_charged(org_id, *member_id).await?;
            for (period, _) in owed {
                let key = crate::registry_cases::dues_charge_key(&period.to_string(), *member_id);
                if charged.contains(&key) {
                    let line = seen
                        .get(&(Kind::Dues, *member_id, *period))
                        .copied()
                        .unwrap_or(1);
                    errors.push(row_error(
                        line,
                        "period",
                        "dues_charged",
                        [period.to_string()],
                    ));
                }
            }
        }
        for (r, event) in contract_events(&rows, &members, &history, as_of, &mut errors) {
            match trial.apply(&event) {
                Ok(applied) => {
                    credit_entries += applied.entries.len();
                    line_events.push(event)
                }
                Err(e) => errors.push(contract_error(&rows, r, &e)),
            }
        }
        let trust = decision.as_ref().map(|d| {
            let mut after = state.clone();
            after.apply_all(&d.events);
            trust_paid_before(&settings, after, &trial, &rows, &mut errors)
        });
        if !errors.is_empty() {
            return Err(rows_error(errors));
        }
        let mut decision = decision.unwrap_or_default();
        if let Some(trust) = trust {
            decision.entries.extend(trust.entries);
            decision.events.extend(trust.events);
        }

        // Dues in arrears: one entry per member and period, against the opening equity, under
        // the key a charge of that period uses (R-ORG-6): a period's dues are charged once,
        // whether they came in the opening or were charged here.
        let mut extra = fund_decision_commit("opening:fund", &decision, actor)?;
        extra.accounts.push(opening_equity_account());
        let mut chart = self.chart(org_id).await?;
        chart.insert(opening_equity(), settings.currency);
        let mut dues_periods: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (member_id, owed) in &dues {
            for (period, amount) in owed {
                let draft = EntryDraft {
                    idempotency_key: crate::registry_cases::dues_charge_key(
                        &period.to_string(),
                        *member_id,
                    ),
                    reason: "opening.dues".into(),
                    rule_id: "R-ORG-6".into(),
                    date: as_of,
                    memo: format!("Cuota {period} adeudada al abrir"),
                    postings: vec![
                        Posting::new(
                            Account::dues_receivable(*member_id),
                            Money::new(*amount, settings.currency),
                        ),
                        Posting::new(opening_equity(), Money::new(-amount, settings.currency)),
                    ],
                    reverses: None,
                };
                extra
                    .entries
                    .push(draft.validate(|c| chart.get(c).copied())?);
                dues_periods
                    .entry(*member_id)
                    .or_default()
                    .push(period.to_string());
            }
        }
        let count = |kind: Kind| rows.iter().filter(|r| r.kind == kind).count();
        let mut outcome = OpeningOutcome {
            created: true,
            as_of,
            sha256,
            contributions: fund.contributions.len(),
            grants: fund.grants.len(),
            competition_spent: fund.spent.len(),
            development_withdrawn: fund.withdrawals.len(),
            lines: count(Kind::Line),
            line_reviews: rows.iter().filter(|r| r.kind == Kind::LineReview).count(),
            dues: dues.values().map(Vec::len).sum(),
            loans: count(Kind::Loan),
            installments: count(Kind::Installment),
            overdue_installments: count(Kind::Overdue),
            trust_paid_installments: count(Kind::TrustPaid),
            leases: count(Kind::Lease),
            rents: count(Kind::Rent),
            entries: extra.entries.len() + credit_entries,
        };
        extra.events.push(event(
            actor,
            OPENING_STREAM,
            "opening.imported",
            OPENING_KEY.to_string(),
            &OpeningRecord {
                outcome: outcome.clone(),
                dues_periods,
            },
        )?);
        if extra.entries.len() > store::MAX_BATCH_ENTRIES {
            return Err(rows_error(vec![row_error(
                1,
                "file",
                "too_many_entries",
                [store::MAX_BATCH_ENTRIES.to_string()],
            )]));
        }
        crate::fund_cases::claim_fund_slot(&mut extra, fund_book.events_read, actor)?;
        let created = self
            .credit_commit(org_id, &mut book, actor, line_events, extra)
            .await?
            .created;
        outcome.created = created;
        Ok(outcome)
    }
}

impl App {
    /// [`App::import_opening`] for a signed-in viewer: staff run the ODF.
    pub async fn import_opening_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
        text: &str,
        origin: &str,
        today: NaiveDate,
    ) -> Result<OpeningOutcome, AccessError> {
        viewer.check(org_id, Action::ManageMembers)?;
        let actor = Actor::new(&viewer.login, origin);
        Ok(self.import_opening(org_id, text, &actor, today).await?)
    }

    /// The opening position, for anyone who sees the group's shared figures.
    pub async fn opening_as(
        &self,
        org_id: OrgId,
        viewer: &Viewer,
    ) -> Result<Option<OpeningOutcome>, AccessError> {
        viewer.check(org_id, Action::ViewShared)?;
        Ok(self.opening(org_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let text = "tipo,fecha,curp,periodo,monto\n\
                    saldos_al,2026-01-31,,,\n\
                    aportacion,,X,2025-13,10\n\
                    donativo,2025-02-30,,,5\n\
                    nada,,,,\n\
                    cuota,2025-01-01,X,2025-01,1\n";
        let errors = parse_rows(text).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field)).collect();
        assert!(found.contains(&(4, "date")), "{found:?}");
        assert!(found.contains(&(4, "name")), "{found:?}");
        assert!(found.contains(&(5, "record")), "{found:?}");
        assert!(found.contains(&(6, "date")), "{found:?}");
        // Line 3 is well formed here; its period is checked against the organisation later.
        assert!(!found.iter().any(|(l, _)| *l == 3), "{found:?}");
    }
}
